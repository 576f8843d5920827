/**
 * `x86vm dap`: the Debug Adapter Protocol on stdin/stdout (SPEC §8). Nothing else may write to
 * stdout; diagnostics go to stderr. `x86vm dap --port N` serves one session per TCP connection
 * instead (port 0 picks a free port; the port is printed on stderr) — used by the tests.
 */
import * as net from 'node:net';
import { X86DebugSession } from '../adapter/session';
import type { LoadFn } from '../debugger/runtime';
import { linkedLoadProgram } from './link';

/** The program loader with the CPU and the linux32 loader linked in. */
export function programLoader(): LoadFn {
  return linkedLoadProgram;
}

function report(e: unknown): void {
  process.stderr.write(`x86vm dap: internal error: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
}

export async function dap(args: string[]): Promise<number> {
  let port: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const m = /^--(?:port|server)(?:=(\d+))?$/.exec(a);
    if (m) {
      const v = m[1] ?? args[++i];
      if (v === undefined || !/^\d+$/.test(v) || Number(v) > 65535) {
        process.stderr.write(`x86vm dap: error: ${a} needs a port number (0 to 65535)\n`);
        return 2;
      }
      port = Number(v);
    } else if (a !== '--stdio') {
      process.stderr.write(`x86vm dap: error: unexpected argument '${a}' (x86vm dap [--port N])\n`);
      return 2;
    }
  }
  // The adapter must survive anything a request or the guest does.
  process.on('uncaughtException', report);
  process.on('unhandledRejection', report);
  const load = programLoader();
  if (port !== undefined) {
    const server = net.createServer((socket) => {
      const session = new X86DebugSession(load);
      session.setRunAsServer(true);
      session.start(socket, socket);
      socket.on('error', () => socket.destroy());
      socket.on('close', () => session.runtime.dispose());
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    const addr = server.address() as net.AddressInfo;
    process.stderr.write(`x86vm dap: listening on port ${addr.port}\n`);
    return new Promise<number>(() => undefined);
  }
  const session = new X86DebugSession(load);
  session.setRunAsServer(false);
  session.exitOnDisconnect = true;
  session.start(process.stdin, process.stdout);
  return new Promise<number>((resolve) => {
    process.stdin.on('end', () => resolve(0));
    process.stdin.on('close', () => resolve(0));
  });
}

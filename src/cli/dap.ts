/**
 * `x86vm dap`: the Debug Adapter Protocol on stdin/stdout (SPEC §8). Nothing else may write to
 * stdout; diagnostics go to stderr.
 */
import { X86DebugSession } from '../adapter/session';
import { DebugError, LoadFn } from '../debugger/runtime';

/** The loader (src/loader/index.ts), resolved lazily so that the adapter builds before it lands. */
function programLoader(): LoadFn {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require('../loader/index') as { loadProgram?: LoadFn };
    if (typeof mod.loadProgram === 'function') return mod.loadProgram;
  } catch {
    /* not built in */
  }
  return () => {
    throw new DebugError('this x86vm was built without the program loader (src/loader/index.ts)');
  };
}

export async function dap(args: string[]): Promise<number> {
  if (args.length > 0 && args[0] !== '--stdio') {
    process.stderr.write(`x86vm dap: error: unexpected argument '${args[0]}' (the adapter speaks DAP on stdin/stdout)\n`);
    return 2;
  }
  // The adapter must survive anything a request or the guest does.
  process.on('uncaughtException', (e) => process.stderr.write(`x86vm dap: internal error: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`));
  process.on('unhandledRejection', (e) => process.stderr.write(`x86vm dap: internal error: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`));
  const session = new X86DebugSession(programLoader());
  session.setRunAsServer(false);
  session.exitOnDisconnect = true;
  session.start(process.stdin, process.stdout);
  return new Promise<number>((resolve) => {
    process.stdin.on('end', () => resolve(0));
    process.stdin.on('close', () => resolve(0));
  });
}

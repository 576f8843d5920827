/**
 * Shared helpers for the DAP tests: a DebugClient talking to `node dist/cli.js dap`, fixtures, and
 * whether the VM layers (loader, CPU, machine) are built in yet.
 */
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '../../..');
export const CLI = path.join(ROOT, 'dist/cli.js');
export const FIXTURES = path.join(ROOT, 'test/fixtures/adapter');

/** True once src/loader/index.ts (and with it the machine) is part of the build. */
export const HAVE_VM = existsSync(path.join(ROOT, 'src/loader/index.ts')) && existsSync(path.join(ROOT, 'src/vm/cpu/cpu.ts'));

/** A DebugClient for `node dist/cli.js dap` over stdio (spawned through the shell, which execs node). */
export function client(): DebugClient {
  const dc = new DebugClient(`exec "${process.execPath}"`, `"${CLI}" dap`, 'x86vm', { shell: true }, true);
  dc.defaultTimeout = 10000;
  return dc;
}

/**
 * One `node dist/cli.js dap --port 0` process serving a session per connection, so that a suite
 * pays node's start-up once. `connect()` gives a started DebugClient.
 */
export class AdapterServer {
  private proc: ChildProcess | null = null;
  port = 0;
  async start(): Promise<void> {
    const p = spawn(process.execPath, [CLI, 'dap', '--port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc = p;
    this.port = await new Promise<number>((resolve, reject) => {
      let err = '';
      p.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
        const m = /listening on port (\d+)/.exec(err);
        if (m) resolve(Number(m[1]));
      });
      p.on('exit', (c) => reject(new Error(`x86vm dap --port exited (${c}): ${err}`)));
    });
  }
  async connect(): Promise<DebugClient> {
    const dc = new DebugClient('node', CLI, 'x86vm');
    dc.defaultTimeout = 10000;
    await dc.start(this.port);
    return dc;
  }
  stop(): void {
    this.proc?.kill();
    this.proc = null;
  }
}

/** Sends a request and returns the error message it must fail with. */
export async function expectError(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  throw new Error('the request succeeded but an error response was expected');
}

export function fixture(name: string): string {
  return path.join(FIXTURES, name);
}

/** Launches `program` with the given breakpoints applied during configuration; resolves on the first stop. */
export async function launchAndStop(dc: DebugClient, args: Record<string, unknown>,
  configure: (dc: DebugClient) => Promise<unknown> = async () => undefined): Promise<DebugProtocol.StoppedEvent> {
  await dc.initializeRequest({ adapterID: 'x86vm', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
  const stopped = dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
  const init = dc.waitForEvent('initialized');
  const launched = dc.launchRequest(args as DebugProtocol.LaunchRequestArguments);
  await Promise.race([init, launched]);
  await configure(dc);
  await dc.configurationDoneRequest();
  await launched;
  return stopped;
}

/**
 * True when the loader assembles `.asm` with symbols and a line map for the platform the source
 * asks for (probed once with the linked loader; the interim nasm stage has neither).
 */
const asmProbe = new Map<string, boolean>();
function loaderTakes(file: string, platform: string): boolean {
  const k = `${file}:${platform}`;
  let v = asmProbe.get(k);
  if (v === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { linkedLoadProgram } = require('../../src/cli/link') as typeof import('../../src/cli/link');
      const p = linkedLoadProgram(file, {});
      v = p.platform === platform && p.lines.length > 0 && p.symbols.length > 0;
    } catch {
      v = false;
    }
    asmProbe.set(k, v);
  }
  return v;
}

let tmp: string | undefined;
function tmpDir(): string {
  if (!tmp) tmp = mkdtempSync(path.join(tmpdir(), 'x86vm-dap-'));
  return tmp;
}

/**
 * A linux32 program from a fixture: the `.asm` itself when the loader assembles, else an ELF built
 * by nasm (-g -F dwarf, the source named by its absolute path) and ld, whose DWARF lines map to it.
 */
export function asmProgram(name: string): string {
  const src = fixture(name);
  if (loaderTakes(src, 'linux32')) return src;
  const base = path.join(tmpDir(), path.basename(name, '.asm'));
  if (!existsSync(base)) {
    execFileSync('nasm', ['-f', 'elf32', '-g', '-F', 'dwarf', '-o', `${base}.o`, src]);
    execFileSync('ld', ['-m', 'elf_i386', '-o', base, `${base}.o`]);
  }
  return base;
}

/** A pc boot sector from a fixture (the `.asm` when the loader assembles, else `nasm -f bin`). */
export function bootProgram(name: string): string {
  const src = fixture(name);
  if (loaderTakes(src, 'pc')) return src;
  const out = path.join(tmpDir(), `${path.basename(name, '.asm')}.img`);
  if (!existsSync(out)) execFileSync('nasm', ['-f', 'bin', '-o', out, src]);
  return out;
}

/**
 * gcc -m32 -static -g -O0. glibc's static objects start functions with ENDBR32 (F3 0F 1E FB), which
 * the i686 CPU rejects (#UD): as test/vm/fpu/x87gcc.test.ts does, it becomes LEA ESI,[ESI+0]; NOP
 * (same length, so DWARF addresses are unchanged).
 */
export function cProgram(name: string): string {
  const out = path.join(tmpDir(), path.basename(name, '.c'));
  if (!existsSync(out)) {
    execFileSync('gcc', ['-m32', '-static', '-g', '-O0', '-o', out, fixture(name)]);
    const bin = readFileSync(out);
    for (let i = 0; i + 4 <= bin.length; i++) {
      if (bin[i] === 0xf3 && bin[i + 1] === 0x0f && bin[i + 2] === 0x1e && bin[i + 3] === 0xfb) bin.set([0x8d, 0x76, 0x00, 0x90], i);
    }
    writeFileSync(out, bin);
  }
  return out;
}

/** The 1-based line of the first line of `file` containing `marker`. */
export function lineOf(file: string, marker: string): number {
  const i = readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes(marker));
  if (i < 0) throw new Error(`marker ${marker} not in ${file}`);
  return i + 1;
}

/** Collects events so that none is missed between requests. */
export class Events {
  private readonly queue: DebugProtocol.Event[] = [];
  private waiter: (() => void) | null = null;
  readonly all: DebugProtocol.Event[] = [];
  constructor(dc: DebugClient, types: string[]) {
    for (const t of types) {
      dc.on(t, (e: DebugProtocol.Event) => {
        this.queue.push(e);
        this.all.push(e);
        const w = this.waiter;
        this.waiter = null;
        w?.();
      });
    }
  }
  /** The next event of one of `types` (others are dropped), within `ms`. */
  async next(types: string[], ms = 10000): Promise<DebugProtocol.Event> {
    const t0 = Date.now();
    for (;;) {
      while (this.queue.length) {
        const e = this.queue.shift() as DebugProtocol.Event;
        if (types.includes(e.event)) return e;
      }
      if (Date.now() - t0 > ms) throw new Error(`no ${types.join('/')} event within ${ms} ms`);
      await new Promise<void>((r) => {
        this.waiter = r;
        setTimeout(r, 50);
      });
    }
  }
  /** Forgets queued events (not `all`). */
  drain(): void {
    this.queue.length = 0;
  }
  output(): string {
    return this.all.filter((e) => e.event === 'output').map((e) => (e as DebugProtocol.OutputEvent).body.output).join('');
  }
}

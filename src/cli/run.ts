/**
 * `x86vm run <program> [--platform pc|linux32|dos] [--mem 64M] [--max-instructions N] [--rom image]
 *  [--post] [--no-jit] [--break 'CMD']… [-- args…]` (SPEC §8).
 *
 * Guest console → stdout; stdin → keyboard/serial/DOS/Linux input. Exit status: the guest's
 * (exit port, int 21h/4Ch, Linux exit), 0 after HLT with interrupts disabled, 123 when the guest
 * waits for input after stdin ended, 124 when --max-instructions ran out, 125 on a triple fault.
 */
import * as path from 'node:path';
import { BreakpointManager, armBreakCommands, jsonHitReporter } from '../dbgf';
import { LoadError } from '../loader';
import type { LoadedProgram } from '../loader/api';
import { StopReason } from '../vm/hooks';
import { CpuMode, Seg } from '../vm/cpuApi';
import type { Machine } from '../vm/machine';
import type { MachineApi, PlatformName } from '../vm/machineApi';
import { UserError } from './errors';
import { linkedLoadProgram } from './link';

export const EXIT_INPUT_ENDED = 123;
export const EXIT_MAX_INSTRUCTIONS = 124;
export const EXIT_TRIPLE_FAULT = 125;

const USAGE = "usage: x86vm run <program> [--platform pc|linux32|dos] [--mem 64M] [--max-instructions N] [--rom image] [--post] [--no-jit] [--break 'CMD']... [-- args...]";

interface RunArgs {
  program: string | null;
  platform?: PlatformName;
  memory?: number;
  maxInstructions: number;
  rom?: string;
  post: boolean;
  /** false: no block translation (`--no-jit`; X86VM_JIT=0 does the same). */
  jit: boolean;
  breaks: string[];
  args: string[];
}

export function parseSize(text: string): number | null {
  const m = /^(\d+)\s*([kmg]?)i?b?$/i.exec(text.trim());
  if (!m) return null;
  const mult = { '': 1, k: 1024, m: 1 << 20, g: 1 << 30 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Number(m[1]) * mult;
}

function parseArgs(argv: string[]): RunArgs {
  const r: RunArgs = { program: null, maxInstructions: 0, post: false, jit: true, breaks: [], args: [] };
  const need = (i: number, opt: string): string => {
    const v = argv[i + 1];
    if (v === undefined) throw new UserError(`x86vm run: error: ${opt} needs a value\n${USAGE}`, 2);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const name = eq > 0 ? a.slice(0, eq) : a;
    const inline = eq > 0 ? a.slice(eq + 1) : undefined;
    const value = (): string => (inline !== undefined ? inline : need(i++, name));
    switch (name) {
      case '--':
        r.args = argv.slice(i + 1);
        i = argv.length;
        break;
      case '--platform': {
        const p = value();
        if (p !== 'pc' && p !== 'dos' && p !== 'linux32') throw new UserError(`x86vm run: error: unknown platform '${p}' (pc, linux32 or dos)`, 2);
        r.platform = p;
        break;
      }
      case '--mem': {
        const v = value();
        const n = parseSize(v);
        if (n === null || n < 0x100000 || n > 0xc0000000 || n % 4096 !== 0) {
          throw new UserError(`x86vm run: error: --mem '${v}' must be a size like 64M between 1M and 3G`, 2);
        }
        r.memory = n;
        break;
      }
      case '--max-instructions': {
        const v = value();
        const n = Number(v.replace(/_/g, ''));
        if (!Number.isSafeInteger(n) || n <= 0) throw new UserError(`x86vm run: error: --max-instructions '${v}' must be a positive integer`, 2);
        r.maxInstructions = n;
        break;
      }
      case '--rom': r.rom = value(); break;
      case '--post': r.post = true; break;
      case '--no-jit': r.jit = false; break;
      case '--break': r.breaks.push(value()); break;
      case '-h': case '--help':
        throw new UserError(USAGE, 0);
      default:
        if (a.startsWith('-') && a !== '-') throw new UserError(`x86vm run: error: unknown option '${a}'\n${USAGE}`, 2);
        if (r.program !== null) { r.args = argv.slice(i); i = argv.length; break; }
        r.program = a;
    }
  }
  if (r.program === null && !r.rom) throw new UserError(`x86vm run: error: no program given\n${USAGE}`, 2);
  if (r.program !== null && r.rom) throw new UserError('x86vm run: error: --rom starts the machine from the ROM image; give no program with it', 2);
  return r;
}

function writeOut(text: string, stream: 'stdout' | 'stderr'): void {
  (stream === 'stdout' ? process.stdout : process.stderr).write(Buffer.from(text, 'latin1'));
}

/** Input from stdin into the machine; resolves waiters when data or end arrives. */
class StdinFeed {
  private waiters: Array<() => void> = [];
  ended = false;
  constructor(machine: MachineApi) {
    const stdin = process.stdin;
    stdin.on('data', (d: Buffer) => { machine.input(d.toString('latin1')); this.wake(); });
    stdin.on('end', () => { this.ended = true; machine.endInput(); this.wake(); });
    stdin.on('error', () => { this.ended = true; machine.endInput(); this.wake(); });
  }
  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
  next(): Promise<void> {
    if (this.ended) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }
  stop(): void {
    process.stdin.pause();
    process.stdin.removeAllListeners('data');
    process.stdin.removeAllListeners('end');
    process.stdin.destroy();
  }
}

/** `CS:IP` in real/v86 mode, `eip=0x…` in protected mode. */
function where(m: MachineApi): string {
  const cpu = m.cpu;
  const eip = cpu.eip >>> 0;
  if (cpu.mode === CpuMode.Protected) return `eip=0x${eip.toString(16).padStart(8, '0')}`;
  return `${cpu.getSegment(Seg.CS).selector.toString(16).padStart(4, '0')}:${eip.toString(16).padStart(4, '0')}`;
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export async function runCommand(argv: string[]): Promise<number> {
  const a = parseArgs(argv);
  let loaded: LoadedProgram;
  try {
    loaded = linkedLoadProgram(a.program ?? a.rom!, { platform: a.platform, memory: a.memory, rom: a.rom, args: a.args, cwd: process.cwd() });
  } catch (e) {
    if (e instanceof LoadError) {
      const msg = /^[^\s:]+:\d+:\d+: error:/.test(e.message) ? e.message : `x86vm run: error: ${e.message}`;
      throw new UserError(msg, 1);
    }
    throw e;
  }
  for (const d of loaded.diagnostics) if (d.severity === 'warning') process.stderr.write(`${d.file}:${d.line}:${d.column}: warning: ${d.message}\n`);
  const m = loaded.machine;
  if (!a.jit) (m.cpu as { blockTranslation?: boolean }).blockTranslation = false;
  const pcm = m as Partial<Pick<Machine, 'onPost' | 'stopKind'>>;
  m.onConsole = writeOut;
  if (a.post) pcm.onPost = (code: number) => process.stderr.write(`POST ${code.toString(16).padStart(2, '0')}\n`);

  let runner: (budget: number) => StopReason = (b) => m.run(b);
  if (a.breaks.length > 0) {
    const mgr = BreakpointManager.attach(m);
    const syms = new Map(loaded.symbols.map((s) => [s.name, s.address]));
    const armed = armBreakCommands(mgr, a.breaks, (name) => syms.get(name));
    if (!armed.ok) throw new UserError(`x86vm run: error: ${armed.message}`, 2);
    mgr.onFire(jsonHitReporter((line) => process.stderr.write(line)));
    runner = (b) => mgr.run(b);
  }

  const feed = new StdinFeed(m);
  const cpu = m.cpu;
  const start = cpu.instructionCount;
  const CHUNK = 4_000_000;
  let lastYield = Date.now();
  const name = a.program ? path.basename(a.program) : path.basename(a.rom!);
  try {
    for (;;) {
      let budget = CHUNK;
      if (a.maxInstructions > 0) {
        const left = a.maxInstructions - (cpu.instructionCount - start);
        if (left <= 0) {
          process.stderr.write(`x86vm: ${name}: stopped after ${a.maxInstructions} instructions (--max-instructions) at ${where(m)}\n`);
          return EXIT_MAX_INSTRUCTIONS;
        }
        budget = Math.min(budget, left);
      }
      const r = runner(budget);
      switch (r) {
        case StopReason.Budget:
          if (m.blockedOnInput) {
            await feed.next();
            lastYield = Date.now();
          } else if (Date.now() - lastYield > 20) {
            await tick();
            lastYield = Date.now();
          }
          continue;
        case StopReason.Debug:
        case StopReason.Pause:
          continue; // --break hits were reported; keep running to completion
        case StopReason.Exit:
          return (m.exitStatus ?? 0) & 0xff;
        case StopReason.TripleFault:
          process.stderr.write(`x86vm: ${name}: ${m.stopMessage || 'triple fault'}\n`);
          return EXIT_TRIPLE_FAULT;
        case StopReason.Fault:
          if (m.stopMessage) process.stderr.write(`x86vm: ${name}: ${m.stopMessage}\n`);
          return (m.exitStatus ?? 128) & 0xff;
        case StopReason.Halted:
          process.stderr.write(`x86vm: ${name}: ${m.stopMessage || 'halted'}\n`);
          if (pcm.stopKind === 'input-ended') return EXIT_INPUT_ENDED;
          return m.exitStatus !== null ? m.exitStatus & 0xff : 0;
        default:
          continue;
      }
    }
  } finally {
    feed.stop();
  }
}

export default runCommand;

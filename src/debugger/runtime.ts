/**
 * The debug session runtime, independent of DAP: launch, run in slices, pause, stepping, breakpoints
 * from user-level descriptions, evaluation, frames, variables and the REPL.
 *
 * The guest runs in slices of a few milliseconds on the event loop (setImmediate), so pause and
 * every other request are served while it runs. Temporary stops (step over, step out, run to) are
 * internal emulator breakpoints of the breakpoint manager, hidden from listings.
 */
import { EventEmitter } from 'node:events';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { BreakpointManager, executeBreakCommand, formatBreakpointList, formatWindow, isBreakCommand, isHitConditionError, parseHitCondition, HIT_CONDITION_FORMS } from '../dbgf';
import type { AccessSet, BreakpointHit, BreakpointInfo, BreakpointResult, CommonOptions, HardwareType } from '../dbgf';
import type { LoadedProgram, LoadOptions } from '../loader/api';
import { CpuMode, Reg, Seg } from '../vm/cpuApi';
import { StopReason } from '../vm/hooks';
import type { MachineApi, PlatformName } from '../vm/machineApi';
import { disassemble, disassembleBackward, DisasmLine, DisasmSyntax, parseSyntax } from './disasm';
import { evaluateNode, EvalEnv, EvalResult, ExprError, Node, parseExpression, toAddress } from './expr';
import { dumpMemory, formatShort, formatValue, hex, quoteBytes } from './format';
import { unwind } from './frames';
import { CpuWithFpu, findRegister, flagsText, readRegister, registerChildren, RegisterInfo, registerNames, registerText, RegisterWriteError, writeRegister } from './registers';
import { LineTable, SymbolTable } from './symbols';

export type LoadFn = (program: string, opts: LoadOptions) => LoadedProgram | Promise<LoadedProgram>;

export interface LaunchArgs {
  program: string;
  platform?: PlatformName;
  args?: string[];
  cwd?: string;
  env?: Record<string, string>;
  /** Bytes, or "64M" / "512K". */
  memory?: number | string;
  stopOnEntry?: boolean;
  /** Unsaved editor contents of `program`. */
  source?: string;
  disassemblySyntax?: DisasmSyntax;
  /** The manifest's name for disassemblySyntax (nasm, intel, masm, gas). */
  disassemblyFlavor?: string;
  /** Stop (as a pause) after this many guest instructions; 0 = unlimited. */
  maxInstructions?: number;
  realTime?: boolean;
  rom?: string;
}

/** A user error (bad argument, bad state): the adapter turns it into an error response. */
export class DebugError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DebugError';
  }
}

export type StopReasonName = 'entry' | 'step' | 'breakpoint' | 'function breakpoint' | 'data breakpoint' | 'instruction breakpoint' | 'exception' | 'pause' | 'goto';

export interface ExceptionDetails {
  filter: string;
  vector: number;
  name: string;
  errorCode: number;
  /** Linear address of the faulting instruction. */
  address: number;
  description: string;
}

export interface StopInfo {
  reason: StopReasonName;
  description: string;
  text?: string;
  hitBreakpointIds: number[];
  exception?: ExceptionDetails;
}

export type BreakpointOrigin = 'source' | 'function' | 'instruction' | 'data' | 'repl';
export type BreakpointMode = 'software' | 'hardware' | 'emulator';
export type DataMode = 'hardware' | 'emulated';

/** The result of setting one user breakpoint (DAP Breakpoint-like). */
export interface UserBreakpoint {
  id?: number;
  verified: boolean;
  message: string;
  /** Resolved linear address (exec kinds). */
  address?: number;
  source?: string;
  line?: number;
  /** All manager ids behind it (a source line may map to several addresses). */
  ids: number[];
}

export interface BreakpointSpec {
  condition?: string;
  hitCondition?: string;
  logMessage?: string;
}

export type DataTarget =
  | { kind: 'memory'; address: number; length: number; description: string }
  | { kind: 'port'; port: number; count: number; description: string }
  | { kind: 'mmio'; address: number; length: number; description: string };

export interface VarNode {
  name: string;
  value: string;
  type?: string;
  memoryReference?: number;
  evaluateName?: string;
  children?: () => VarNode[];
  set?: (text: string) => void;
  data?: DataTarget;
  readOnly?: boolean;
}

export interface FrameInfo {
  index: number;
  name: string;
  pc: number;
  sp: number;
  file?: string;
  line?: number;
}

export const EXCEPTION_FILTERS: ReadonlyArray<{ filter: string; label: string; vectors: number[]; default: boolean; description: string }> = [
  { filter: 'divide', label: 'Divide error (#DE)', vectors: [0], default: true, description: 'DIV/IDIV by zero or quotient overflow' },
  { filter: 'invalidOpcode', label: 'Invalid opcode (#UD)', vectors: [6], default: true, description: 'undefined or unsupported instruction' },
  { filter: 'generalProtection', label: 'General protection (#GP)', vectors: [13], default: true, description: 'protection violation' },
  { filter: 'pageFault', label: 'Page fault (#PF)', vectors: [14], default: true, description: 'access to a page not present or not allowed' },
  { filter: 'guestDebug', label: 'Guest debug exceptions (#DB/#BP)', vectors: [1, 3], default: false, description: '#DB and INT3 of the guest itself' },
  { filter: 'tripleFault', label: 'Triple fault (always)', vectors: [], default: true, description: 'the machine shuts down (never resets silently)' },
  { filter: 'signal', label: 'Unhandled signal (linux32)', vectors: [], default: true, description: 'a fatal signal ends the Linux process' },
];

const VECTOR_NAMES: Record<number, string> = {
  0: '#DE divide error', 1: '#DB debug', 2: 'NMI', 3: '#BP breakpoint', 4: '#OF overflow', 5: '#BR bound range', 6: '#UD invalid opcode',
  7: '#NM device not available', 8: '#DF double fault', 10: '#TS invalid TSS', 11: '#NP segment not present', 12: '#SS stack fault',
  13: '#GP general protection', 14: '#PF page fault', 16: '#MF x87 error', 17: '#AC alignment check',
};

const SLICE_MS = 4;
const SEG_NAMES = ['es', 'cs', 'ss', 'ds', 'fs', 'gs'];

type Action =
  | { k: 'continue' }
  | { k: 'instr'; over: boolean }
  | { k: 'line'; over: boolean; file: string; line: number; startSp: number; startPc: number }
  | { k: 'out'; granularityLine: boolean }
  | { k: 'runTo'; address: number };

interface TempStop {
  id: number;
  address: number;
  /** Stop only when ESP >= minSp (unsigned). */
  minSp: number;
  shared: boolean;
}

interface UserBpRecord {
  id: number;
  origin: BreakpointOrigin;
  key: string;
  logMessage?: string;
  hitCondition?: string;
  lastHits: number;
  /** For function breakpoints: the user's text. */
  label: string;
  /** Extra manager ids (one source line at several addresses). */
  extra: number[];
}

export function parseMemorySize(m: number | string | undefined): number | undefined {
  if (m === undefined) return undefined;
  if (typeof m === 'number') return m;
  const r = /^\s*(\d+)\s*([kmg]?)i?b?\s*$/i.exec(m);
  if (!r) throw new DebugError(`memory '${m}' is not a size like 64M, 512K or 1048576`);
  const mult = { '': 1, k: 1024, m: 1024 * 1024, g: 1024 * 1024 * 1024 }[r[2].toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Number(r[1]) * mult;
}

function isErr(e: unknown): e is Error {
  return e instanceof Error;
}

export class DebugRuntime extends EventEmitter {
  program: LoadedProgram | null = null;
  machine: MachineApi | null = null;
  bpm: BreakpointManager | null = null;
  symbols = new SymbolTable([]);
  lines = new LineTable([]);
  state: 'idle' | 'stopped' | 'running' | 'exited' = 'idle';
  syntax: DisasmSyntax = 'nasm';
  private launchArgs: LaunchArgs | null = null;
  private action: Action = { k: 'continue' };
  private temp: TempStop | null = null;
  private pauseRequested = false;
  private budget = 20000;
  private readonly internalIds = new Set<number>();
  private readonly userBps = new Map<number, UserBpRecord>();
  private readonly exceptionFilters = new Set<string>(EXCEPTION_FILTERS.filter((f) => f.default).map((f) => f.filter));
  private pendingException: ExceptionDetails | null = null;
  private passException: { vector: number; address: number } | null = null;
  lastException: ExceptionDetails | null = null;
  lastStop: StopInfo | null = null;
  private lastDump = 0;
  private lastUnassemble = -1;
  private lastScreenAt = 0;
  private lastScreenHash = 0;
  private scheduled = false;
  private generation = 0;

  constructor(private readonly load: LoadFn) {
    super();
  }

  // -------------------------------------------------------------------------------------------
  // Launch / restart / terminate

  async launch(args: LaunchArgs): Promise<void> {
    if (!args || typeof args.program !== 'string' || args.program.trim() === '') throw new DebugError("launch: 'program' must be the path of a program (.asm, .img, .bin, .com, ELF)");
    if (args.platform !== undefined && !['pc', 'dos', 'linux32'].includes(args.platform)) throw new DebugError(`launch: platform '${String(args.platform)}' is not one of pc, dos, linux32`);
    if (args.args !== undefined && (!Array.isArray(args.args) || args.args.some((a) => typeof a !== 'string'))) throw new DebugError("launch: 'args' must be an array of strings");
    if (args.maxInstructions !== undefined && (typeof args.maxInstructions !== 'number' || !(args.maxInstructions >= 0))) throw new DebugError("launch: 'maxInstructions' must be a number, 0 for unlimited");
    this.syntax = parseSyntax(args.disassemblySyntax ?? args.disassemblyFlavor);
    const program = path.resolve(args.program);
    const opts: LoadOptions = {
      platform: args.platform,
      memory: parseMemorySize(args.memory),
      args: args.args,
      env: args.env,
      cwd: args.cwd,
      source: typeof args.source === 'string' ? args.source : undefined,
      realTime: args.realTime === true,
      rom: args.rom,
    };
    let loaded: LoadedProgram;
    try {
      loaded = await this.load(program, opts);
    } catch (e) {
      const msg = isErr(e) ? e.message : String(e);
      const diags = (e as { diagnostics?: Array<{ file: string; line: number; column: number; message: string; severity: 'error' | 'warning' }> }).diagnostics ?? [];
      this.emit('diagnostics', diags.map((d) => ({ file: d.file, line: d.line, column: d.column, severity: d.severity, message: d.message })));
      const detail = diags.filter((d) => d.severity === 'error').slice(0, 5).map((d) => `${d.file}:${d.line}:${d.column}: error: ${d.message}`).join('\n');
      throw new DebugError(detail ? `${msg}\n${detail}` : msg);
    }
    this.dispose();
    this.launchArgs = { ...args };
    this.program = loaded;
    this.machine = loaded.machine;
    this.symbols = new SymbolTable(loaded.symbols);
    this.lines = new LineTable(loaded.lines);
    const bpm = new BreakpointManager(loaded.machine);
    this.bpm = bpm;
    bpm.onGuestException = (v, e, soft) => this.onGuestException(v, e, soft);
    bpm.onFire((hit) => this.onFire(hit));
    loaded.machine.onConsole = (text, stream) => this.emit('output', text, stream);
    // linux32: a signal delivered to one of the program's handlers is reported on the console.
    const sigm = loaded.machine as MachineApi & { onSignal?: ((sig: number, code: number, message: string) => void) | null };
    if ('onSignal' in sigm) sigm.onSignal = (_sig, _code, message) => this.emit('output', `signal: ${message}\n`, 'console');
    this.state = 'stopped';
    this.generation++;
    this.emit('diagnostics', loaded.diagnostics.map((d) => ({ file: d.file, line: d.line, column: d.column, severity: d.severity, message: d.message })));
    for (const d of loaded.diagnostics) this.emit('output', `${d.file}:${d.line}:${d.column}: ${d.severity}: ${d.message}\n`, 'console');
  }

  get launched(): boolean {
    return this.machine !== null;
  }

  get arguments(): LaunchArgs | null {
    return this.launchArgs;
  }

  /** Starts execution after configuration: stop on entry or run. */
  start(stopOnEntry: boolean): void {
    this.requireLaunched();
    if (stopOnEntry) this.stop({ reason: 'entry', description: `entry at ${this.describeAddress(this.pc)}`, hitBreakpointIds: [] });
    else this.resume({ k: 'continue' });
  }

  /** Reloads the program; user breakpoints are gone (the adapter re-applies its own). */
  async restart(): Promise<void> {
    if (!this.launchArgs) throw new DebugError('restart: nothing was launched');
    const args = this.launchArgs;
    await this.launch(args);
  }

  terminate(): void {
    if (this.state === 'exited') return;
    this.state = 'exited';
    this.emit('terminated');
  }

  dispose(): void {
    this.generation++;
    if (this.bpm) {
      try { this.bpm.detach(); } catch { /* machine is going away */ }
    }
    // Nothing reaches the machine after this (scheduled slices check `generation`): its RAM buffer,
    // with the code translated for it, goes to the next machine of its size (a restarted session).
    const mem = this.machine?.mem ?? null;
    if (this.machine) this.machine.onConsole = null;
    this.bpm = null;
    this.machine = null;
    this.program = null;
    this.temp = null;
    this.internalIds.clear();
    this.userBps.clear();
    this.pendingException = null;
    this.passException = null;
    this.state = 'idle';
    mem?.release();
  }

  private requireLaunched(): void {
    if (!this.machine || !this.bpm) throw new DebugError('no program is running: launch one first');
  }

  requireStopped(what: string): void {
    this.requireLaunched();
    if (this.state === 'running') throw new DebugError(`${what}: the program is running; pause it first`);
    if (this.state === 'exited') throw new DebugError(`${what}: the program has exited`);
  }

  get cpu(): CpuWithFpu {
    this.requireLaunched();
    return (this.machine as MachineApi).cpu as CpuWithFpu;
  }

  /** Linear address of the current instruction. */
  get pc(): number {
    const cpu = this.cpu;
    return (cpu.getSegment(Seg.CS).base + cpu.eip) >>> 0;
  }

  get csBase(): number {
    return this.cpu.getSegment(Seg.CS).base >>> 0;
  }

  // -------------------------------------------------------------------------------------------
  // Run control

  pause(): void {
    this.requireLaunched();
    if (this.state !== 'running') return;
    this.pauseRequested = true;
  }

  continue(): void {
    this.requireStopped('continue');
    this.resume({ k: 'continue' });
  }

  /** Step into: by instruction, or by source line when the current address has a line. */
  stepIn(instruction: boolean): void {
    this.requireStopped('step in');
    this.resume(this.lineAction(false, instruction));
  }

  stepOver(instruction: boolean): void {
    this.requireStopped('step over');
    this.resume(this.lineAction(true, instruction));
  }

  stepOut(): void {
    this.requireStopped('step out');
    const frames = this.frames(2);
    if (frames.length < 2) {
      // No caller known: behave like a step over.
      this.resume({ k: 'instr', over: true });
      return;
    }
    const caller = frames[1];
    this.armTemp(caller.pc, (frames[0].sp + 1) >>> 0);
    this.resume({ k: 'out', granularityLine: false }, true);
  }

  runTo(address: number): void {
    this.requireStopped('run to');
    this.armTemp(address >>> 0, 0);
    this.resume({ k: 'runTo', address }, true);
  }

  private lineAction(over: boolean, instruction: boolean): Action {
    const here = this.lines.at(this.pc);
    if (instruction || !here) return { k: 'instr', over };
    const sp = this.cpu.regs[Reg.ESP] >>> 0;
    return { k: 'line', over, file: here.file, line: here.line, startSp: sp, startPc: this.pc };
  }

  private resume(action: Action, tempArmed = false): void {
    if (!tempArmed) this.clearTemp();
    this.action = action;
    this.pauseRequested = false;
    this.lastStop = null;
    if (this.pendingException || this.lastException) {
      // Resuming after an exception stop delivers it to the guest.
      const ex = this.lastException;
      if (ex) this.passException = { vector: ex.vector, address: ex.address };
      this.pendingException = null;
      this.lastException = null;
    }
    this.state = 'running';
    this.emit('continued');
    this.emitState();
    this.schedule();
  }

  private schedule(delayMs = 0): void {
    if (this.scheduled) return;
    this.scheduled = true;
    const gen = this.generation;
    const later = (f: () => void): void => { if (delayMs > 0) setTimeout(f, delayMs); else setImmediate(f); };
    later(() => {
      this.scheduled = false;
      if (gen !== this.generation) return;
      try {
        this.slice();
      } catch (e) {
        this.emit('output', `internal error while running: ${isErr(e) ? e.message : String(e)}\n`, 'stderr');
        this.stop({ reason: 'pause', description: 'stopped after an internal error', hitBreakpointIds: [] });
      }
    });
  }

  private slice(): void {
    if (this.state !== 'running' || !this.bpm || !this.machine) return;
    const t0 = performance.now();
    for (;;) {
      if (this.pauseRequested) {
        this.pauseRequested = false;
        this.stop({ reason: 'pause', description: `paused at ${this.describeAddress(this.pc)}`, hitBreakpointIds: [] });
        return;
      }
      const done = this.microStep();
      if (done || this.state !== 'running') return;
      if ((this.machine as MachineApi & { waitingForInput?: boolean }).waitingForInput) break;
      const el = performance.now() - t0;
      if (el > SLICE_MS) break;
    }
    const now = performance.now();
    if (now - this.lastScreenAt > 200) {
      this.lastScreenAt = now;
      this.emitScreen(false);
    }
    // The guest waits for keyboard/serial input: poll gently instead of spinning the host CPU.
    this.schedule((this.machine as MachineApi & { waitingForInput?: boolean }).waitingForInput ? 10 : 0);
  }

  /** One unit of work for the current action; true when the action ended (stopped/exited). */
  private microStep(): boolean {
    const bpm = this.bpm as BreakpointManager;
    const a = this.action;
    const max = this.launchArgs?.maxInstructions ?? 0;
    let budget = this.budget;
    if (max > 0) {
      const left = max - (this.machine as MachineApi).cpu.instructionCount;
      if (left <= 0) {
        this.stop({ reason: 'pause', description: `stopped after ${max} instructions (maxInstructions)`, text: 'instruction limit reached', hitBreakpointIds: [] });
        return true;
      }
      budget = Math.min(budget, left);
    }
    if (a.k === 'continue' || this.temp) {
      const t0 = performance.now();
      const r = bpm.run(budget);
      const el = performance.now() - t0;
      // Adapt the budget so that one run() takes about a millisecond.
      if (r === StopReason.Budget) {
        if (el < 0.5) this.budget = Math.min(this.budget * 2, 2_000_000);
        else if (el > 2) this.budget = Math.max(1000, this.budget >> 1);
      }
      return this.afterRun(r, true);
    }
    // Instruction-level micro-step for step actions.
    if (this.needsOver(a)) {
      const next = this.nextInstructionAddress();
      this.armTemp(next, this.cpu.regs[Reg.ESP] >>> 0);
      return false;
    }
    const wasCall = this.currentIsCall();
    const spBefore = this.cpu.regs[Reg.ESP] >>> 0;
    const r = bpm.step();
    if (this.afterRun(r, false)) return true;
    return this.checkStepDone(wasCall, spBefore);
  }

  private needsOver(a: Action): boolean {
    if (!((a.k === 'instr' || a.k === 'line') && a.over)) return false;
    const l = this.decodeAt(this.pc);
    return l !== undefined && (l.isCall || l.isInt || l.isRep || l.isLoop);
  }

  private currentIsCall(): boolean {
    const l = this.decodeAt(this.pc);
    return l !== undefined && l.isCall;
  }

  private decodeAt(linear: number): DisasmLine | undefined {
    const l = disassemble((x) => this.read8(x), linear, 1, this.cpu.codeSize, 'nasm', this.csBase)[0];
    return l && !l.invalid ? l : undefined;
  }

  private nextInstructionAddress(): number {
    const l = this.decodeAt(this.pc);
    return (this.pc + (l ? l.length : 1)) >>> 0;
  }

  /** After an instruction-level step (not a temp run): is the step action complete? */
  private checkStepDone(wasCall: boolean, spBefore: number): boolean {
    const a = this.action;
    if (a.k === 'instr') {
      this.stop({ reason: 'step', description: 'step', hitBreakpointIds: [] });
      return true;
    }
    if (a.k === 'line') {
      const pc = this.pc;
      const here = this.lines.at(pc);
      if (!here) {
        // Stepped into code without line information (a library): run back out of it.
        if (wasCall && !a.over) this.armTemp(this.returnAddressAfterCall(spBefore), spBefore);
        return false;
      }
      if (here.address === pc && (here.line !== a.line || here.file !== a.file || pc === a.startPc || (this.cpu.regs[Reg.ESP] >>> 0) > a.startSp + 0x1000)) {
        this.stop({ reason: 'step', description: 'step', hitBreakpointIds: [] });
        return true;
      }
      return false;
    }
    return false;
  }

  private returnAddressAfterCall(spBefore: number): number {
    // After a near CALL, the return address is at [esp].
    const size = this.cpu.codeSize === 16 ? 2 : 4;
    const ss = this.cpu.getSegment(Seg.SS).base >>> 0;
    const sp = this.cpu.regs[Reg.ESP] >>> 0;
    let v = 0;
    for (let i = size - 1; i >= 0; i--) v = v * 256 + Math.max(0, this.read8(ss + sp + i));
    void spBefore;
    return (this.csBase + v) >>> 0;
  }

  /** Handles a run()/step() result; true when the action ended (a stop or exit was reported). */
  private afterRun(r: StopReason, wasRun: boolean): boolean {
    const bpm = this.bpm as BreakpointManager;
    const machine = this.machine as MachineApi;
    switch (r) {
      case StopReason.Budget:
        return false;
      case StopReason.Debug: {
        const stop = bpm.takeStop();
        if (stop) {
          const temp = this.temp;
          const userIds = stop.ids.filter((id) => !this.internalIds.has(id) || (temp?.shared && id === temp.id));
          const tempHit = temp !== null && stop.ids.includes(temp.id);
          if (userIds.length > 0 && !(tempHit && temp?.shared && userIds.length === 1)) {
            this.stopForBreakpoints(userIds, stop.hits);
            return true;
          }
          if (tempHit) {
            this.clearTemp();
            return this.tempReached();
          }
          return false;
        }
        if (this.pendingException) {
          const ex = this.pendingException;
          this.pendingException = null;
          this.lastException = ex;
          this.stop({ reason: 'exception', description: `${ex.name} at ${this.describeAddress(ex.address)}`, text: ex.description, hitBreakpointIds: [], exception: ex });
          return true;
        }
        return false;
      }
      case StopReason.Pause:
        this.stop({ reason: 'pause', description: `paused at ${this.describeAddress(this.pc)}`, hitBreakpointIds: [] });
        return true;
      case StopReason.Exit:
        this.exited(machine.exitStatus ?? 0, machine.stopMessage);
        return true;
      case StopReason.Halted:
        this.emit('output', `${machine.stopMessage || 'the CPU halted with interrupts disabled'}\n`, 'console');
        this.stop({ reason: 'pause', description: `halted at ${this.describeAddress(this.pc)}`, text: machine.stopMessage, hitBreakpointIds: [] });
        return true;
      case StopReason.TripleFault: {
        const ex: ExceptionDetails = { filter: 'tripleFault', vector: 8, name: 'triple fault', errorCode: -1, address: this.pc, description: machine.stopMessage || 'triple fault: the machine shut down' };
        this.lastException = ex;
        this.stop({ reason: 'exception', description: `triple fault at ${this.describeAddress(this.pc)}`, text: ex.description, hitBreakpointIds: [], exception: ex });
        return true;
      }
      case StopReason.Fault: {
        if (this.exceptionFilters.has('signal') && machine.exitStatus === null) {
          const ex: ExceptionDetails = { filter: 'signal', vector: -1, name: 'signal', errorCode: -1, address: this.pc, description: machine.stopMessage || 'unhandled signal' };
          this.lastException = ex;
          this.stop({ reason: 'exception', description: ex.description, text: ex.description, hitBreakpointIds: [], exception: ex });
          return true;
        }
        this.exited(machine.exitStatus ?? 128, machine.stopMessage);
        return true;
      }
      default:
        void wasRun;
        return false;
    }
  }

  /** The temporary stop of a step/run-to action was reached. */
  private tempReached(): boolean {
    const a = this.action;
    if (a.k === 'line') {
      // Back at the instruction after a CALL/INT/REP/LOOP inside a line step: continue stepping.
      const pc = this.pc;
      const here = this.lines.at(pc);
      if (here && here.address === pc && (here.line !== a.line || here.file !== a.file)) {
        this.stop({ reason: 'step', description: 'step', hitBreakpointIds: [] });
        return true;
      }
      return false;
    }
    this.stop({ reason: 'step', description: a.k === 'runTo' ? `reached ${this.describeAddress(this.pc)}` : 'step', hitBreakpointIds: [] });
    return true;
  }

  private armTemp(address: number, minSp: number): void {
    this.clearTemp();
    const bpm = this.bpm as BreakpointManager;
    const cpu = this.cpu;
    const cond = minSp > 0 ? (): boolean => (cpu.regs[Reg.ESP] >>> 0) >= minSp : undefined;
    const r = bpm.setEmulator({ address: address >>> 0, condition: cond });
    if (!r.ok || r.id === undefined) throw new DebugError(`cannot stop at ${hex(address, 4)}: ${r.message}`);
    const shared = r.outcome === 'exists';
    if (!shared) this.internalIds.add(r.id);
    this.temp = { id: r.id, address, minSp, shared };
  }

  private clearTemp(): void {
    const t = this.temp;
    if (!t) return;
    this.temp = null;
    if (!t.shared && this.bpm) {
      this.bpm.clear(t.id);
      this.internalIds.delete(t.id);
    }
  }

  private stopForBreakpoints(rawIds: number[], hits: readonly BreakpointHit[]): void {
    // A source line at several addresses is one user breakpoint: report its primary id.
    const primary = (id: number): number => {
      if (this.userBps.has(id)) return id;
      for (const r of this.userBps.values()) if (r.extra.includes(id)) return r.id;
      return id;
    };
    const ids = [...new Set(rawIds.map(primary))];
    hits = hits.map((h) => (rawIds.includes(h.id) ? { ...h, id: primary(h.id) } : h));
    const first = hits.find((h) => ids.includes(h.id));
    let reason: StopReasonName = 'breakpoint';
    const rec = this.userBps.get(ids[0]);
    if (rec) {
      reason = rec.origin === 'function' ? 'function breakpoint' : rec.origin === 'data' ? 'data breakpoint' : rec.origin === 'instruction' ? 'instruction breakpoint' : 'breakpoint';
    } else if (first && first.access !== 'exec') {
      reason = 'data breakpoint';
    }
    const parts: string[] = [];
    for (const h of hits) {
      if (!ids.includes(h.id)) continue;
      const info = this.bpm?.get(h.id);
      const win = info ? formatWindow(info) : '';
      let what = `breakpoint ${h.id} (${h.kind}`;
      if (h.access !== 'exec') {
        what += `, ${h.access}`;
        if (h.size !== undefined) what += ` ${h.size} byte${h.size === 1 ? '' : 's'}`;
        if (h.port !== undefined) what += ` port ${hex(h.port, 2)}`;
        else if (h.address !== undefined) what += ` at ${hex(h.address, 4)}`;
        if (h.value !== undefined) what += ` value ${hex(h.value)}`;
        what += ` by the instruction at ${this.describeAddress(h.eip)}`;
      }
      what += `), hit ${h.hits}${win ? ` of ${win}` : ''}`;
      parts.push(what);
    }
    const description = parts.length ? parts.join('; ') : `breakpoint ${ids.join(', ')}`;
    this.stop({ reason, description, text: description, hitBreakpointIds: ids });
  }

  private stop(info: StopInfo): void {
    this.clearTemp();
    this.state = 'stopped';
    this.lastStop = info;
    this.emitHitChanges();
    this.emit('stopped', info);
    this.emitState();
    this.emitScreen(true);
  }

  private exited(code: number, message: string): void {
    this.clearTemp();
    this.emitHitChanges();
    this.state = 'exited';
    this.emitState();
    this.emitScreen(true);
    if (message) this.emit('output', `${message}\n`, 'console');
    this.emit('exited', code);
    this.emit('terminated');
  }

  private emitState(): void {
    if (!this.machine) return;
    this.emit('state', {
      state: this.state === 'running' ? 'running' : this.state === 'exited' ? 'exited' : 'stopped',
      instructions: this.machine.cpu.instructionCount,
      platform: this.machine.platform,
    });
  }

  private emitScreen(force: boolean): void {
    const scr = this.machine?.screen();
    if (!scr) return;
    let h = scr.cursor.row * 131 + scr.cursor.col;
    for (let i = 0; i < scr.cells.length; i++) h = (Math.imul(h, 31) + scr.cells[i]) | 0;
    if (!force && h === this.lastScreenHash) return;
    if (h === this.lastScreenHash && force) return;
    this.lastScreenHash = h;
    this.emit('screen', { cols: scr.cols, rows: scr.rows, cells: Array.from(scr.cells), cursor: { ...scr.cursor } });
  }

  /** Emits `breakpointHits` for user breakpoints whose hit count changed since the last report. */
  private emitHitChanges(): void {
    if (!this.bpm) return;
    for (const rec of this.userBps.values()) {
      const info = this.bpm.get(rec.id);
      if (!info) continue;
      if (info.hits !== rec.lastHits) {
        rec.lastHits = info.hits;
        this.emit('breakpointChanged', rec.id);
      }
    }
  }

  private onFire(hit: BreakpointHit): void {
    if (this.internalIds.has(hit.id)) return;
    const rec = this.userBps.get(hit.id);
    if (hit.logpoint && rec?.logMessage !== undefined) {
      this.emit('output', this.interpolate(rec.logMessage) + '\n', 'console');
    }
  }

  private onGuestException(vector: number, errorCode: number, soft: boolean): boolean {
    if (soft && vector !== 3 && vector !== 1) return false; // INT n is not an exception
    const cpu = this.cpu;
    const address = this.pc;
    if (this.passException && this.passException.vector === vector && this.passException.address === address) {
      this.passException = null;
      return false;
    }
    this.passException = null;
    const f = EXCEPTION_FILTERS.find((x) => x.vectors.includes(vector));
    if (!f || !this.exceptionFilters.has(f.filter)) return false;
    const name = VECTOR_NAMES[vector] ?? `exception ${vector}`;
    let description = `${name}${errorCode >= 0 ? ` (error code ${hex(errorCode, 2)})` : ''} at ${this.describeAddress(address)}`;
    if (vector === 14) description += `, CR2=${hex(cpu.cr[2], 4)}`;
    if (vector === 0) description += ': division by zero or quotient too large';
    this.pendingException = { filter: f.filter, vector, name, errorCode, address, description };
    cpu.requestStop();
    return true;
  }

  setExceptionFilters(filters: string[]): void {
    this.exceptionFilters.clear();
    for (const f of filters) {
      if (!EXCEPTION_FILTERS.some((x) => x.filter === f)) throw new DebugError(`unknown exception filter '${f}' (${EXCEPTION_FILTERS.map((x) => x.filter).join(', ')})`);
      this.exceptionFilters.add(f);
    }
    this.exceptionFilters.add('tripleFault');
  }

  // -------------------------------------------------------------------------------------------
  // Memory, registers, evaluation

  read8(linear: number): number {
    const cpu = this.cpu;
    return cpu.debugRead8(linear >>> 0);
  }

  readBytes(linear: number, count: number): { bytes: Uint8Array; unreadable: number } {
    const out = new Uint8Array(count);
    let n = 0;
    for (; n < count; n++) {
      const b = this.read8((linear + n) >>> 0);
      if (b < 0) break;
      out[n] = b;
    }
    return { bytes: out.subarray(0, n), unreadable: count - n };
  }

  writeBytes(linear: number, data: Uint8Array): number {
    const cpu = this.cpu;
    let n = 0;
    for (; n < data.length; n++) if (!cpu.debugWrite8((linear + n) >>> 0, data[n])) break;
    return n;
  }

  readValue(linear: number, size: number): bigint | undefined {
    let v = 0n;
    for (let i = size - 1; i >= 0; i--) {
      const b = this.read8((linear + i) >>> 0);
      if (b < 0) return undefined;
      v = (v << 8n) | BigInt(b);
    }
    return v;
  }

  writeValue(linear: number, size: number, value: bigint): void {
    const bytes = new Uint8Array(size);
    let v = BigInt.asUintN(size * 8, value);
    for (let i = 0; i < size; i++) { bytes[i] = Number(v & 0xffn); v >>= 8n; }
    if (this.writeBytes(linear, bytes) !== size) throw new DebugError(`cannot write ${size} byte(s) at ${hex(linear, 4)}: not mapped`);
  }

  evalEnv(): EvalEnv {
    const cpu = this.cpu;
    return {
      register: (name) => {
        const r = findRegister(name);
        if (!r || r.store === 'st') return undefined;
        return { value: BigInt(readRegister(cpu, r)), size: Math.max(1, Math.ceil(r.width / 8)) };
      },
      isRegister: (name) => findRegister(name) !== undefined,
      symbol: (name) => {
        const s = this.symbols.get(name);
        return s ? { address: s.address, elementSize: s.elementSize } : undefined;
      },
      readMemory: (a, size) => this.readValue(a, size),
      dollar: () => this.pc,
      segmentBase: (s) => {
        if (typeof s === 'string') {
          const i = SEG_NAMES.indexOf(s.toLowerCase());
          return cpu.getSegment(i as Seg).base >>> 0;
        }
        if (cpu.mode !== CpuMode.Protected) return (s << 4) >>> 0;
        for (let i = 0; i < 6; i++) {
          const seg = cpu.getSegment(i as Seg);
          if (seg.selector === s) return seg.base >>> 0;
        }
        throw new ExprError(1, `selector ${hex(s, 2)} is not loaded in a segment register (use a segment register name)`);
      },
      defaultSize: cpu.codeSize === 16 ? 2 : 4,
    };
  }

  evaluate(text: string): EvalResult {
    this.requireLaunched();
    return evaluateNode(parseExpression(text), this.evalEnv());
  }

  /** Evaluates and formats for display (hover/watch/repl). */
  evaluateForDisplay(text: string, hexFormat = true): { result: string; memoryReference?: number; result0: EvalResult; children?: () => VarNode[] } {
    const reg = findRegister(text.trim());
    if (reg && reg.store === 'st') {
      const t = registerText(this.cpu, reg) ?? '';
      return { result: t, result0: { value: 0n, size: 0 } };
    }
    const r = this.evaluate(text);
    let result = formatValue(r.value, r.size, { hex: hexFormat });
    let memoryReference: number | undefined;
    if (r.lvalue?.kind === 'memory') memoryReference = r.lvalue.address;
    else if (r.size === 0 && r.value >= 0n && r.value <= 0xffffffffn) {
      const s = this.symbols.describe(Number(r.value));
      const sym = this.symbols.get(text.trim());
      if (sym) {
        memoryReference = sym.address;
        result += ` ${this.symbolPreview(sym.address, sym.elementSize, sym.size)}`;
      } else if (s) result += ` <${s}>`;
    }
    return { result, memoryReference, result0: r };
  }

  private symbolPreview(address: number, elementSize: number, size: number): string {
    if (elementSize === 1 || elementSize === 0) {
      const { bytes } = this.readBytes(address, Math.max(Math.min(size, 64), 64));
      if (bytes.length && bytes[0] >= 0x20 && bytes[0] < 0x7f) return quoteBytes(bytes);
    }
    const el = [1, 2, 4, 8].includes(elementSize) ? elementSize : 4;
    const v = this.readValue(address, el);
    return v === undefined ? '= ??' : `= ${formatShort(v, el)}`;
  }

  /** Writes through an lvalue expression (register or memory) from a value expression. */
  assign(target: string, valueText: string): string {
    this.requireStopped('set value');
    const reg = findRegister(target.trim());
    if (reg && reg.store === 'st') {
      try {
        writeRegister(this.cpu, reg, valueText.trim());
      } catch (e) {
        throw new DebugError(isErr(e) ? e.message : String(e));
      }
      return registerText(this.cpu, reg) ?? '';
    }
    const t = this.evaluate(target);
    const v = this.evaluate(valueText).value;
    if (t.lvalue?.kind === 'register') {
      const r = findRegister(t.lvalue.name) as RegisterInfo;
      try {
        writeRegister(this.cpu, r, Number(BigInt.asUintN(32, v)));
      } catch (e) {
        throw new DebugError(e instanceof RegisterWriteError ? e.message : String(e));
      }
      return formatValue(BigInt(readRegister(this.cpu, r)), Math.ceil(r.width / 8));
    }
    if (t.lvalue?.kind === 'memory') {
      this.writeValue(t.lvalue.address, t.lvalue.size, v);
      return formatValue(this.readValue(t.lvalue.address, t.lvalue.size) ?? 0n, t.lvalue.size);
    }
    throw new DebugError(`'${target}' is not a register or memory operand: cannot assign to it`);
  }

  interpolate(message: string): string {
    return message.replace(/\{\{|\}\}|\{([^}]*)\}/g, (m, e: string | undefined) => {
      if (m === '{{') return '{';
      if (m === '}}') return '}';
      try {
        const r = this.evaluate(e ?? '');
        return r.size > 0 ? formatShort(r.value, r.size) : `${r.value}`;
      } catch (err) {
        return `<${isErr(err) ? err.message : String(err)}>`;
      }
    });
  }

  describeAddress(linear: number): string {
    const s = this.symbols.describe(linear);
    const l = this.lines.at(linear);
    let out = hex(linear, 4);
    if (s) out += ` (${s})`;
    if (l) out += ` ${path.basename(l.file)}:${l.line}`;
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // Breakpoints

  private window(spec: BreakpointSpec): { trigger: number; disable: number; period: number } | string {
    if (spec.hitCondition === undefined || spec.hitCondition === null || String(spec.hitCondition).trim() === '') return { trigger: 1, disable: Infinity, period: 0 };
    if (typeof spec.hitCondition !== 'string') return `hit condition must be text; accepted: ${HIT_CONDITION_FORMS}`;
    const w = parseHitCondition(spec.hitCondition);
    if (isHitConditionError(w)) return w.error;
    return w;
  }

  private common(spec: BreakpointSpec): CommonOptions | string {
    const w = this.window(spec);
    if (typeof w === 'string') return w;
    const o: CommonOptions = { trigger: w.trigger, disable: w.disable === Infinity ? undefined : w.disable, period: w.period };
    if (spec.condition !== undefined && spec.condition !== null && String(spec.condition).trim() !== '') {
      if (typeof spec.condition !== 'string') return 'condition must be an expression (text)';
      let node: Node;
      try {
        node = parseExpression(spec.condition);
      } catch (e) {
        return `invalid condition '${spec.condition}': ${isErr(e) ? e.message : String(e)}`;
      }
      o.condition = () => {
        try {
          return evaluateNode(node, this.evalEnv()).value !== 0n;
        } catch (e) {
          this.emit('output', `condition '${spec.condition}': ${isErr(e) ? e.message : String(e)}; stopping\n`, 'stderr');
          return true;
        }
      };
    }
    if (typeof spec.logMessage === 'string' && spec.logMessage !== '') o.logpoint = true;
    return o;
  }

  /** Text of a breakpoint's message: location, kind, DR slot, window. */
  describeBreakpoint(id: number): string {
    const info = this.bpm?.get(id);
    if (!info) return `breakpoint ${id} is gone`;
    const rec = this.userBps.get(id);
    let msg = `${info.kind} breakpoint ${id}`;
    if (info.slot !== undefined) msg += ` in DR${info.slot}`;
    msg += `: ${info.location}`;
    if (info.kind === 'software' || info.kind === 'emulator' || info.kind === 'hardware') {
      const s = this.symbols.describe(info.address);
      if (s && !info.location.includes(s)) msg += ` (${s})`;
    }
    msg += `, ${info.hits === 0 ? 'no hits yet' : `hit ${info.hits}`}`;
    if (info.trigger !== 1 || info.disable !== Infinity || info.period > 0) msg += `, stops on ${formatWindow(info)}`;
    if (info.spent) msg += ' (spent)';
    if (rec?.logMessage !== undefined) msg += ', logpoint';
    if (!info.enabled) msg += ' (disabled)';
    return msg;
  }

  /** "hit 3 of 5..8" for breakpoint events. */
  hitMessage(id: number): string {
    const info = this.bpm?.get(id);
    if (!info) return '';
    return `${this.describeBreakpoint(id)}; hit ${info.hits} of ${formatWindow(info)}`;
  }

  private register(r: BreakpointResult, origin: BreakpointOrigin, key: string, label: string, spec: BreakpointSpec, extra: number[] = []): void {
    if (r.id === undefined || !r.ok) return;
    const old = this.userBps.get(r.id);
    this.userBps.set(r.id, {
      id: r.id, origin, key, label, extra,
      logMessage: typeof spec.logMessage === 'string' && spec.logMessage !== '' ? spec.logMessage : undefined,
      hitCondition: spec.hitCondition, lastHits: old?.lastHits ?? this.bpm?.get(r.id)?.hits ?? 0,
    });
  }

  /** Clears the manager breakpoints behind user ids (and their extras). */
  clearUser(ids: number[]): void {
    for (const id of ids) {
      const rec = this.userBps.get(id);
      this.userBps.delete(id);
      for (const x of [id, ...(rec?.extra ?? [])]) this.bpm?.clear(x);
    }
  }

  userBreakpointIds(origin: BreakpointOrigin, key?: string): number[] {
    return [...this.userBps.values()].filter((r) => r.origin === origin && (key === undefined || r.key === key)).map((r) => r.id);
  }

  private setExec(address: number, mode: BreakpointMode | undefined, o: CommonOptions): BreakpointResult {
    const bpm = this.bpm as BreakpointManager;
    switch (mode ?? 'software') {
      case 'software': return bpm.setSoftware({ address, ...o });
      case 'emulator': return bpm.setEmulator({ address, ...o });
      case 'hardware': return bpm.setHardware({ address, type: 'exec', length: 1, ...o });
      default: return { ok: false, outcome: 'invalidParameter', message: `unknown breakpoint mode '${String(mode)}': software, hardware or emulator` };
    }
  }

  private execResult(r: BreakpointResult, origin: BreakpointOrigin, key: string, label: string, spec: BreakpointSpec, address: number, extraMsg = ''): UserBreakpoint {
    if (!r.ok || r.id === undefined) return { verified: false, message: `${label}: ${r.message}`, ids: [] };
    this.register(r, origin, key, label, spec);
    const exists = r.outcome === 'exists' ? ` (${r.message})` : '';
    return { id: r.id, verified: true, message: `${this.describeBreakpoint(r.id)}${extraMsg}${exists}`, address, ids: [r.id] };
  }

  /** Sets one source breakpoint (file:line) after the adapter cleared the file's previous ones. */
  setSourceBreakpoint(file: string, line: number, spec: BreakpointSpec, mode?: BreakpointMode): UserBreakpoint {
    this.requireLaunched();
    if (!Number.isInteger(line) || line < 1) return { verified: false, message: `line ${String(line)} is not a line number`, ids: [] };
    const o = this.common(spec);
    if (typeof o === 'string') return { verified: false, message: o, line, ids: [] };
    const res = this.lines.resolve(file, line);
    if (!res || res.addresses.length === 0) {
      const known = this.lines.hasFile(file);
      return { verified: false, line, ids: [], message: known ? `no code at or after line ${line} of ${path.basename(file)}` : `${path.basename(file)} is not part of the program (no line information for it)` };
    }
    const moved = res.line !== line ? ` (moved from line ${line}, which has no code, to line ${res.line})` : '';
    const [first, ...rest] = res.addresses;
    const r = this.setExec(first, mode, o);
    const key = `${path.resolve(file)}:${res.line}`;
    const ub = this.execResult(r, 'source', key, `line ${res.line}`, spec, first, moved);
    if (!ub.verified) return { ...ub, line: res.line };
    const extra: number[] = [];
    for (const a of rest) {
      const rr = this.setExec(a, mode, o);
      if (rr.ok && rr.id !== undefined && rr.id !== ub.id) extra.push(rr.id);
    }
    if (extra.length && ub.id !== undefined) {
      const rec = this.userBps.get(ub.id);
      if (rec) rec.extra = extra;
      ub.message += `; also at ${rest.map((a) => hex(a, 4)).join(', ')}`;
      ub.ids.push(...extra);
    }
    return { ...ub, source: file, line: res.line };
  }

  /**
   * Function breakpoint: a symbol/expression (`main`, `loop_top+4`, `*0x7c00`), or
   * `io PORT[-LAST] [r|w|rw]`, `mmio ADDR[+LEN] [r|w|rw]`.
   */
  setFunctionBreakpoint(text: string, spec: BreakpointSpec, mode?: BreakpointMode): UserBreakpoint {
    this.requireLaunched();
    if (typeof text !== 'string' || text.trim() === '') return { verified: false, message: 'empty function breakpoint: give a symbol, *address, io PORT or mmio ADDR', ids: [] };
    const o = this.common(spec);
    if (typeof o === 'string') return { verified: false, message: o, ids: [] };
    const t = text.trim();
    const bpm = this.bpm as BreakpointManager;
    const io = /^io\s+(.+?)(?:\s+(r|w|rw))?$/i.exec(t);
    if (io) {
      const access = accessOf(io[2]);
      const range = this.parseRange(io[1], '-');
      if (typeof range === 'string') return { verified: false, message: `${t}: ${range}; expected io PORT[-LASTPORT] [r|w|rw], e.g. io 0x3f8-0x3ff w`, ids: [] };
      const r = bpm.setPort({ port: range.start, count: range.length, access, ...o });
      return this.dataLikeResult(r, 'function', `fn:${t}`, t, spec);
    }
    const mm = /^mmio\s+(.+?)(?:\s+(r|w|rw))?$/i.exec(t);
    if (mm) {
      const access = accessOf(mm[2]);
      const range = this.parseRange(mm[1], '+');
      if (typeof range === 'string') return { verified: false, message: `${t}: ${range}; expected mmio ADDR[+LEN] [r|w|rw], e.g. mmio 0xb8000+4000 w`, ids: [] };
      const r = bpm.setMmio({ address: range.start, length: range.length, access, ...o });
      return this.dataLikeResult(r, 'function', `fn:${t}`, t, spec);
    }
    const exprText = t.startsWith('*') ? t.slice(1) : t;
    let address: number;
    try {
      address = toAddress(this.evaluate(exprText).value);
    } catch (e) {
      return { verified: false, message: `${t}: ${isErr(e) ? e.message : String(e)}; expected a symbol (main, loop_top+4), *ADDRESS, io PORT or mmio ADDR`, ids: [] };
    }
    const r = this.setExec(address, mode, o);
    const ub = this.execResult(r, 'function', `fn:${t}`, t, spec, address);
    const l = this.lines.at(address);
    if (l) { ub.source = l.file; ub.line = l.line; }
    return ub;
  }

  private parseRange(text: string, sep: '-' | '+'): { start: number; length: number } | string {
    const s = text.trim();
    try {
      if (sep === '-') {
        const m = /^(.+?)\s*-\s*(.+)$/.exec(s);
        if (m && !/^-/.test(s)) {
          const a = toAddress(this.evaluate(m[1]).value);
          const b = toAddress(this.evaluate(m[2]).value);
          if (b < a) return `the range ${hex(a)}-${hex(b)} is empty`;
          return { start: a, length: b - a + 1 };
        }
        return { start: toAddress(this.evaluate(s).value), length: 1 };
      }
      const i = s.lastIndexOf('+');
      if (i > 0) {
        const a = this.evaluate(s.slice(0, i)).value;
        const n = this.evaluate(s.slice(i + 1)).value;
        if (n <= 0n) return 'the length must be at least 1';
        if (n > 0xffffffffn) return 'the length is out of range';
        return { start: toAddress(a), length: Number(n) };
      }
      return { start: toAddress(this.evaluate(s).value), length: 1 };
    } catch (e) {
      return isErr(e) ? e.message : String(e);
    }
  }

  private dataLikeResult(r: BreakpointResult, origin: BreakpointOrigin, key: string, label: string, spec: BreakpointSpec, why = ''): UserBreakpoint {
    if (!r.ok || r.id === undefined) return { verified: false, message: `${label}: ${r.message}`, ids: [] };
    this.register(r, origin, key, label, spec);
    const exists = r.outcome === 'exists' ? ` (${r.message})` : '';
    return { id: r.id, verified: true, message: `${this.describeBreakpoint(r.id)}${why}${exists}`, ids: [r.id] };
  }

  setInstructionBreakpoint(address: number, spec: BreakpointSpec, mode?: BreakpointMode): UserBreakpoint {
    this.requireLaunched();
    const o = this.common(spec);
    if (typeof o === 'string') return { verified: false, message: o, ids: [] };
    const r = this.setExec(address >>> 0, mode, o);
    const ub = this.execResult(r, 'instruction', `ins:${address}`, hex(address, 4), spec, address);
    const l = this.lines.at(address);
    if (l) { ub.source = l.file; ub.line = l.line; }
    return ub;
  }

  /**
   * Data breakpoint on a target. Mode hardware: a DR slot (length 1/2/4/8 aligned, write or
   * read-write); emulated: a memory watch of any length and access. No mode: hardware when it can be.
   */
  setDataBreakpoint(target: DataTarget, accessType: 'read' | 'write' | 'readWrite' | undefined, spec: BreakpointSpec, mode?: DataMode): UserBreakpoint {
    this.requireLaunched();
    const o = this.common(spec);
    if (typeof o === 'string') return { verified: false, message: o, ids: [] };
    const bpm = this.bpm as BreakpointManager;
    const access: AccessSet = accessType === 'read' ? 'read' : accessType === 'readWrite' ? 'readWrite' : 'write';
    const key = `data:${target.kind}:${JSON.stringify(target)}:${access}`;
    if (mode !== undefined && mode !== 'hardware' && mode !== 'emulated') return { verified: false, message: `unknown data breakpoint mode '${String(mode)}': hardware or emulated`, ids: [] };
    if (target.kind === 'port') {
      const r = bpm.setPort({ port: target.port, count: target.count, access, ...o });
      return this.dataLikeResult(r, 'data', key, target.description, spec);
    }
    if (target.kind === 'mmio') {
      const r = bpm.setMmio({ address: target.address, length: target.length, access, ...o });
      return this.dataLikeResult(r, 'data', key, target.description, spec);
    }
    const len = target.length;
    const a = target.address >>> 0;
    let why = '';
    if (len === 0) why = 'the length is 0';
    else if (![1, 2, 4, 8].includes(len)) why = `the length ${len} is not 1, 2, 4 or 8`;
    else if (a % len !== 0) why = `${hex(a, 4)} is not aligned to ${len}`;
    else if (access === 'read') why = 'x86 debug registers have no read-only data breakpoint';
    const slotsFree = bpm.list().filter((b) => b.kind === 'hardware').length < 4;
    if (mode === 'hardware') {
      if (why) return { verified: false, message: `${target.description}: cannot be a hardware breakpoint: ${why}; use the emulated mode (any length, read too)`, ids: [] };
      const r = bpm.setHardware({ address: a, type: (access === 'write' ? 'write' : 'readWrite') as HardwareType, length: len, ...o });
      return this.dataLikeResult(r, 'data', key, target.description, spec, ' (hardware, as asked)');
    }
    if (mode === undefined && !why) {
      if (slotsFree) {
        const r = bpm.setHardware({ address: a, type: (access === 'write' ? 'write' : 'readWrite') as HardwareType, length: len, ...o });
        if (r.ok) return this.dataLikeResult(r, 'data', key, target.description, spec, ' (hardware: length and alignment fit a debug register)');
        why = r.message;
      } else {
        why = 'all four debug registers are in use';
      }
    }
    const r = bpm.setWatch({ address: a, length: Math.max(1, len), access, ...o });
    const reason = mode === 'emulated' ? ' (emulated, as asked)' : ` (emulated because ${why})`;
    return this.dataLikeResult(r, 'data', key, target.description, spec, reason);
  }

  /** What a data breakpoint could watch for a name/expression (dataBreakpointInfo). */
  dataTargetFor(expression: string, bytes?: number, asAddress = false): DataTarget | string {
    this.requireLaunched();
    const text = expression.trim();
    if (asAddress) {
      let a: number;
      try {
        a = toAddress(this.evaluate(text).value);
      } catch (e) {
        return isErr(e) ? e.message : String(e);
      }
      const len = bytes ?? 1;
      if (!Number.isInteger(len) || len < 1 || len > 0x10000000) return `bytes ${String(bytes)} is out of range (1 to 0x10000000)`;
      return { kind: 'memory', address: a, length: len, description: `${len} byte${len === 1 ? '' : 's'} at ${this.describeAddress(a)}` };
    }
    const io = /^(?:io|port)\s+(.+)$/i.exec(text);
    if (io) {
      const r = this.parseRange(io[1], '-');
      if (typeof r === 'string') return r;
      return { kind: 'port', port: r.start, count: r.length, description: `port ${hex(r.start, 2)}${r.length > 1 ? `-${hex(r.start + r.length - 1, 2)}` : ''}` };
    }
    const mm = /^mmio\s+(.+)$/i.exec(text);
    if (mm) {
      const r = this.parseRange(mm[1], '+');
      if (typeof r === 'string') return r;
      return { kind: 'mmio', address: r.start, length: r.length, description: `mmio ${hex(r.start, 4)}+${r.length}` };
    }
    const sym = this.symbols.get(text);
    if (sym && !findRegister(text)) {
      const len = bytes ?? ([1, 2, 4, 8].includes(sym.elementSize) ? sym.elementSize : sym.size > 0 ? Math.min(sym.size, 4096) : 1);
      return { kind: 'memory', address: sym.address, length: len, description: `${sym.name} (${len} byte${len === 1 ? '' : 's'} at ${hex(sym.address, 4)})` };
    }
    let r: EvalResult;
    try {
      r = this.evaluate(text);
    } catch (e) {
      return isErr(e) ? e.message : String(e);
    }
    if (r.lvalue?.kind === 'memory') {
      const len = bytes ?? r.lvalue.size;
      return { kind: 'memory', address: r.lvalue.address, length: len, description: `${text} (${len} byte${len === 1 ? '' : 's'} at ${hex(r.lvalue.address, 4)})` };
    }
    if (r.lvalue?.kind === 'register') return `${text} is a register: data breakpoints watch memory, ports and device registers`;
    return `${text} is not a memory location: use [address], a data symbol, io PORT or mmio ADDR`;
  }

  /** Data ids encode targets: `mem:ADDR:LEN`, `port:PORT:COUNT`, `mmio:ADDR:LEN`. */
  static dataId(t: DataTarget): string {
    if (t.kind === 'port') return `port:${t.port}:${t.count}`;
    return `${t.kind === 'memory' ? 'mem' : 'mmio'}:${t.address}:${t.length}`;
  }

  dataTargetFromId(id: string): DataTarget | undefined {
    if (typeof id !== 'string') return undefined;
    const m = /^(mem|port|mmio):(\d+):(\d+)$/.exec(id);
    if (!m) return undefined;
    const a = Number(m[2]);
    const n = Number(m[3]);
    if (a > 0xffffffff || n < 1 || n > 0x100000000) return undefined;
    if (m[1] === 'port') return { kind: 'port', port: a, count: n, description: `port ${hex(a, 2)}${n > 1 ? `-${hex(a + n - 1, 2)}` : ''}` };
    if (m[1] === 'mmio') return { kind: 'mmio', address: a, length: n, description: `mmio ${hex(a, 4)}+${n}` };
    return { kind: 'memory', address: a, length: n, description: `${n} byte${n === 1 ? '' : 's'} at ${this.describeAddress(a)}` };
  }

  listBreakpoints(): BreakpointInfo[] {
    if (!this.bpm) return [];
    return this.bpm.list().filter((b) => !this.internalIds.has(b.id));
  }

  breakpointOrigin(id: number): BreakpointOrigin | undefined {
    return this.userBps.get(id)?.origin;
  }

  setEnabled(id: number, enabled: boolean): BreakpointResult {
    this.requireLaunched();
    if (this.internalIds.has(id)) return { ok: false, outcome: 'notFound', message: `no breakpoint ${id}` };
    return enabled ? (this.bpm as BreakpointManager).enable(id) : (this.bpm as BreakpointManager).disable(id);
  }

  clearBreakpoint(id: number): BreakpointResult {
    this.requireLaunched();
    if (this.internalIds.has(id)) return { ok: false, outcome: 'notFound', message: `no breakpoint ${id}` };
    const rec = this.userBps.get(id);
    const r = (this.bpm as BreakpointManager).clear(id);
    for (const x of rec?.extra ?? []) this.bpm?.clear(x);
    this.userBps.delete(id);
    return r;
  }

  // -------------------------------------------------------------------------------------------
  // Frames, scopes, variables

  frames(max = 64): FrameInfo[] {
    this.requireLaunched();
    const cpu = this.cpu;
    const raw = unwind(cpu, { read8: (a) => this.read8(a) }, this.symbols, (a) => this.isCode(a), max);
    return raw.map((f, index) => {
      const fn = this.symbols.functionAt(f.pc);
      const l = this.lines.at(f.pc);
      // Functions (DWARF/ELF) by name, as source debuggers show them; assembly labels with the offset.
      const name = fn ? (fn.offset && fn.symbol.kind !== 'function' ? `${fn.symbol.name}+0x${fn.offset.toString(16)}` : fn.symbol.name) : hex(f.pc, 4);
      return { index, name, pc: f.pc, sp: f.sp, file: l?.file, line: l?.line };
    });
  }

  private isCode(linear: number): boolean {
    if (this.lines.at(linear)) return true;
    const s = this.symbols.lookup(linear);
    if (s && (s.symbol.kind === 'code' || s.symbol.kind === 'function')) return true;
    return this.read8(linear) >= 0 && this.symbols.all.length === 0;
  }

  registersScope(): VarNode[] {
    const cpu = this.cpu;
    const regNode = (r: RegisterInfo): VarNode => {
      const isSt = r.store === 'st';
      const v = readRegister(cpu, r);
      const size = Math.max(1, Math.ceil(r.width / 8));
      const kids = registerChildren(r.name);
      const node: VarNode = {
        name: r.name.includes('.') ? r.name.split('.')[1].toLowerCase() : r.name,
        value: isSt ? (registerText(cpu, r) ?? '') : r.width === 1 ? String(v) : r.name === 'EFLAGS' ? `${hex(v, 4)} [${flagsText(v)}]` : formatShort(v, size),
        type: isSt ? 'x87 extended' : r.width === 1 ? 'flag' : `${r.width}-bit`,
        evaluateName: r.name.toLowerCase(),
        set: (text) => { this.assign(r.name, text); },
      };
      if (r.store === 'gpr' && r.width === 32) node.memoryReference = v >>> 0;
      if (r.store === 'eip') node.memoryReference = this.pc;
      if (kids.length) node.children = () => kids.map(regNode);
      if (r.store === 'segbase' || r.store === 'seglimit' || r.store === 'segattr') node.evaluateName = r.name.toLowerCase();
      return node;
    };
    const order = ['EAX', 'EBX', 'ECX', 'EDX', 'ESI', 'EDI', 'EBP', 'ESP', 'EIP', 'EFLAGS', 'CS', 'DS', 'ES', 'FS', 'GS', 'SS'];
    const out = order.map((n) => regNode(findRegister(n) as RegisterInfo));
    const group = (name: string, names: string[]): VarNode => ({
      name, value: names.map((n) => `${n}=${formatShort(readRegister(cpu, findRegister(n) as RegisterInfo), 4)}`).slice(0, 2).join(' ') + ' …',
      children: () => names.map((n) => regNode(findRegister(n) as RegisterInfo)), readOnly: true,
    });
    out.push(group('Control', ['CR0', 'CR2', 'CR3', 'CR4']));
    out.push(group('Debug (guest)', ['DR0', 'DR1', 'DR2', 'DR3', 'DR6', 'DR7']));
    if (cpu.fpu) {
      out.push({
        name: 'x87', value: `TOP=${(cpu.fpu.getStatus() >> 11) & 7}`, readOnly: true,
        children: () => ['ST0', 'ST1', 'ST2', 'ST3', 'ST4', 'ST5', 'ST6', 'ST7', 'FCW', 'FSW', 'FTW'].map((n) => regNode(findRegister(n) as RegisterInfo)),
      });
    }
    return out;
  }

  stackScope(frameIndex: number, count = 32): VarNode[] {
    const frames = this.frames(frameIndex + 1);
    const f = frames[Math.min(frameIndex, frames.length - 1)];
    const size = this.cpu.codeSize === 16 ? 2 : 4;
    const ss = this.cpu.getSegment(Seg.SS).base >>> 0;
    const out: VarNode[] = [];
    for (let i = 0; i < count; i++) {
      const off = (f.sp + i * size) >>> 0;
      const linear = (ss + off) >>> 0;
      const v = this.readValue(linear, size);
      if (v === undefined) break;
      const s = this.symbols.describe(Number(v));
      const name = `${size === 2 ? 'SP' : 'ESP'}+${(i * size).toString(16).padStart(2, '0')}`;
      out.push({
        name, value: formatShort(v, size) + (s ? ` <${s}>` : ''), type: size === 2 ? 'word' : 'dword',
        memoryReference: linear, evaluateName: `${size === 2 ? 'word' : 'dword'} [${hex(linear)}]`,
        set: (text) => { this.writeValue(linear, size, this.evaluate(text).value); },
        data: { kind: 'memory', address: linear, length: size, description: `stack slot ${name} (${size} bytes at ${hex(linear, 4)})` },
      });
    }
    return out;
  }

  symbolsScope(): VarNode[] {
    const out: VarNode[] = [];
    const syms = this.symbols.all.slice().sort((a, b) => a.address - b.address).slice(0, 2000);
    for (const s of syms) {
      if (s.kind === 'equ') {
        out.push({ name: s.name, value: formatShort(s.address, 0), type: 'equ', readOnly: true });
        continue;
      }
      const isData = s.kind === 'data' || s.kind === 'bss' || s.kind === 'object';
      if (!isData) {
        out.push({ name: s.name, value: hex(s.address, 4), type: s.kind, memoryReference: s.address, readOnly: true });
        continue;
      }
      const el = [1, 2, 4, 8].includes(s.elementSize) ? s.elementSize : 1;
      const count = s.size > 0 ? Math.floor(s.size / el) : 1;
      const typeName = ({ 1: 'byte', 2: 'word', 4: 'dword', 8: 'qword' } as Record<number, string>)[el];
      const v = this.readValue(s.address, el);
      let value = v === undefined ? '??' : formatShort(v, el);
      if (el === 1) {
        const { bytes } = this.readBytes(s.address, 64);
        if (bytes.length > 1 && bytes[0] >= 0x20 && bytes[0] < 0x7f && bytes[1] !== 0 && (bytes[1] < 0x80)) value = quoteBytes(bytes);
      }
      const node: VarNode = {
        name: s.name, value, type: count > 1 ? `${typeName}[${count}]` : typeName, memoryReference: s.address,
        evaluateName: `${typeName} [${s.name}]`,
        data: { kind: 'memory', address: s.address, length: count > 1 ? Math.min(s.size, 4096) : el, description: `${s.name} (${count > 1 ? s.size : el} bytes at ${hex(s.address, 4)})` },
      };
      if (count <= 1) node.set = (text) => { this.writeValue(s.address, el, this.evaluate(text).value); };
      if (count > 1) {
        node.children = () => {
          const kids: VarNode[] = [];
          for (let i = 0; i < Math.min(count, 256); i++) {
            const a = s.address + i * el;
            const x = this.readValue(a, el);
            kids.push({
              name: `[${i}]`, value: x === undefined ? '??' : formatValue(x, el), type: typeName, memoryReference: a,
              evaluateName: `${typeName} [${s.name}+${i * el}]`,
              set: (text) => { this.writeValue(a, el, this.evaluate(text).value); },
              data: { kind: 'memory', address: a, length: el, description: `${s.name}[${i}] (${el} bytes at ${hex(a, 4)})` },
            });
          }
          return kids;
        };
      }
      out.push(node);
    }
    return out;
  }

  devicesScope(): VarNode[] {
    const m = this.machine;
    if (!m) return [];
    return m.devices().map((d) => {
      const where = [...d.ports.map((p) => `ports ${hex(p.first, 2)}${p.count > 1 ? `-${hex(p.first + p.count - 1, 2)}` : ''}`), ...d.mmio.map((r) => `mmio ${hex(r.base, 4)}+${r.length}`)].join(', ');
      return {
        name: d.name, value: where, readOnly: true,
        children: () => d.registers().map((r) => {
          const n: VarNode = { name: r.name, value: formatShort(r.value, Math.ceil(r.width / 8)), type: `${r.width}-bit`, readOnly: true };
          if (r.port !== undefined) {
            n.value += ` (port ${hex(r.port, 2)})`;
            n.data = { kind: 'port', port: r.port, count: 1, description: `${d.name} ${r.name} (port ${hex(r.port, 2)})` };
            n.evaluateName = `io ${hex(r.port, 2)}`;
          } else if (r.address !== undefined) {
            n.value += ` (mmio ${hex(r.address, 4)})`;
            n.memoryReference = r.address;
            n.data = { kind: 'mmio', address: r.address, length: Math.max(1, r.width / 8), description: `${d.name} ${r.name} (mmio ${hex(r.address, 4)})` };
            n.evaluateName = `mmio ${hex(r.address, 4)}+${Math.max(1, r.width / 8)}`;
          }
          return n;
        }),
      };
    });
  }

  // -------------------------------------------------------------------------------------------
  // Disassembly, goto, completions

  disassembleAt(address: number, instructionOffset: number, count: number, syntax?: DisasmSyntax): DisasmLine[] {
    this.requireLaunched();
    const cpu = this.cpu;
    const bits = cpu.codeSize;
    const read = (a: number): number => this.read8(a);
    const syn = syntax ?? this.syntax;
    const anchors = [...this.lines.ranges.map((r) => r.address), ...this.symbols.all.filter((s) => s.kind === 'code' || s.kind === 'function').map((s) => s.address)];
    let start = address >>> 0;
    const out: DisasmLine[] = [];
    if (instructionOffset < 0) {
      const back = disassembleBackward(read, start, -instructionOffset, bits, syn, this.csBase, anchors.filter((a) => a <= start && start - a < 4096));
      const take = Math.min(back.length, count);
      out.push(...back.slice(0, take));
      if (out.length >= count) return out;
      count -= out.length;
    } else if (instructionOffset > 0) {
      const skip = disassemble(read, start, instructionOffset, bits, syn, this.csBase);
      const last = skip[skip.length - 1];
      start = (last.address + last.length) >>> 0;
    }
    out.push(...disassemble(read, start, count, bits, syn, this.csBase));
    return out;
  }

  gotoTargets(file: string, line: number): Array<{ id: number; label: string; line: number; address: number }> {
    this.requireLaunched();
    const res = this.lines.resolve(file, line);
    if (!res || res.line !== line) return [];
    return res.addresses.map((a) => ({ id: a + 1, label: `${path.basename(file)}:${line} (${hex(a, 4)})`, line, address: a }));
  }

  goto(address: number): void {
    this.requireStopped('goto');
    const cpu = this.cpu;
    const eip = (address - this.csBase) >>> 0;
    if (cpu.codeSize === 16 && eip > 0xffff) throw new DebugError(`${hex(address, 4)} is outside the code segment`);
    cpu.eip = eip;
    this.stop({ reason: 'goto', description: `execution moved to ${this.describeAddress(address)}`, hitBreakpointIds: [] });
  }

  completions(text: string, column: number): Array<{ label: string; type: string; start: number; length: number }> {
    const upto = text.slice(0, Math.max(0, column - 1));
    const m = /[A-Za-z_.?@$][A-Za-z0-9_.?@$#]*$/.exec(upto);
    const word = m ? m[0] : '';
    const start = upto.length - word.length;
    const lw = word.toLowerCase();
    const out: Array<{ label: string; type: string; start: number; length: number }> = [];
    const add = (label: string, type: string): void => {
      if (label.toLowerCase().startsWith(lw) && out.length < 200 && !out.some((o) => o.label === label)) out.push({ label, type, start, length: word.length });
    };
    if (start === 0 || /^\s*$/.test(upto.slice(0, start))) for (const c of REPL_COMMANDS) add(c, 'keyword');
    for (const r of registerNames()) if (!r.includes('.')) add(r, 'variable');
    for (const s of this.symbols.names()) add(s, 'reference');
    for (const k of ['byte', 'word', 'dword', 'qword']) add(k, 'keyword');
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // REPL

  /** Runs a REPL line: a breakpoint command, r, db/dw/dd, u, k, help, or an expression. */
  repl(line: string): { text: string; changedBreakpoints: boolean; memoryReference?: number } {
    const t = line.trim();
    const [cmd0, ...rest] = t.split(/\s+/);
    const cmd = (cmd0 ?? '').toLowerCase();
    if (cmd === 'help' || cmd === '?') return { text: REPL_HELP, changedBreakpoints: false };
    this.requireLaunched();
    if (isBreakCommand(t)) {
      if (cmd === 'bl') return { text: formatBreakpointList(this.listBreakpoints()), changedBreakpoints: false };
      const r = executeBreakCommand(this.bpm as BreakpointManager, t, (name) => {
        try {
          return toAddress(this.evaluate(name).value);
        } catch {
          return undefined;
        }
      });
      if (cmd === 'bc') for (const id of r.ids) this.userBps.delete(id);
      return { text: r.message, changedBreakpoints: r.ok || r.ids.length > 0 };
    }
    const argText = t.slice(cmd0.length).trim();
    switch (cmd) {
      case 'r': return { text: this.replRegisters(argText), changedBreakpoints: false };
      case 'db': case 'dw': case 'dd': {
        const unit = cmd === 'db' ? 1 : cmd === 'dw' ? 2 : 4;
        const { addr, n } = this.addrAndCount(rest, this.lastDump, 128, 0x10000);
        this.lastDump = (addr + n) >>> 0;
        return { text: dumpMemory(addr, n, unit, (a) => this.read8(a)), changedBreakpoints: false, memoryReference: addr };
      }
      case 'u': {
        const def = this.lastUnassemble >= 0 ? this.lastUnassemble : this.pc;
        const { addr, n } = this.addrAndCount(rest, def, 10, 1000);
        const lines = this.disassembleAt(addr, 0, n);
        const last = lines[lines.length - 1];
        this.lastUnassemble = last ? (last.address + last.length) >>> 0 : addr;
        return { text: lines.map((l) => this.formatDisasmLine(l)).join('\n'), changedBreakpoints: false, memoryReference: addr };
      }
      case 'k': {
        const fr = this.frames(64);
        return { text: fr.map((f) => `#${f.index}  ${hex(f.pc, 4)}  ${f.name}${f.file ? `  ${path.basename(f.file)}:${f.line}` : ''}  sp=${hex(f.sp, 4)}`).join('\n'), changedBreakpoints: false };
      }
      default: {
        const r = this.evaluateForDisplay(t);
        return { text: r.result, changedBreakpoints: false, memoryReference: r.memoryReference };
      }
    }
  }

  formatDisasmLine(l: DisasmLine): string {
    const sym = this.symbols.at(l.address);
    const label = sym ? `${sym.name}:\n` : '';
    const bytes = l.bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
    const target = l.target !== undefined ? this.symbols.describe(l.target) : undefined;
    return `${label}${hex(l.address, 4)}  ${bytes.padEnd(16)}  ${l.text}${target ? `  ; ${target}` : ''}`;
  }

  private addrAndCount(args: string[], defAddr: number, defCount: number, maxCount: number): { addr: number; n: number } {
    let addr = defAddr;
    let n = defCount;
    if (args.length > 0) {
      // The last argument is the count when there are two or more; addresses may contain spaces.
      const addrText = args.length >= 2 ? args.slice(0, -1).join(' ') : args[0];
      addr = toAddress(this.evaluate(addrText).value);
      if (args.length >= 2) {
        const c = this.evaluate(args[args.length - 1]).value;
        if (c < 1n || c > BigInt(maxCount)) throw new DebugError(`count ${c} is out of range (1 to ${maxCount})`);
        n = Number(c);
      }
    }
    return { addr, n };
  }

  private replRegisters(arg: string): string {
    const cpu = this.cpu;
    if (arg === '') {
      const g = (n: string): string => `${n.toLowerCase()}=${formatShort(readRegister(cpu, findRegister(n) as RegisterInfo), 4).slice(2)}`;
      const s = (n: string): string => `${n.toLowerCase()}=${formatShort(readRegister(cpu, findRegister(n) as RegisterInfo), 2).slice(2)}`;
      const l1 = ['EAX', 'EBX', 'ECX', 'EDX', 'ESI', 'EDI'].map(g).join(' ');
      const l2 = `${['EIP', 'ESP', 'EBP'].map(g).join(' ')} iopl=${(cpu.getEflags() >> 12) & 3} ${flagsText(cpu.getEflags())}`;
      const l3 = `${['CS', 'SS', 'DS', 'ES', 'FS', 'GS'].map(s).join(' ')} eflags=${formatShort(cpu.getEflags(), 4).slice(2)}`;
      const dis = this.disassembleAt(this.pc, 0, 1)[0];
      return [l1, l2, l3, this.formatDisasmLine(dis)].join('\n');
    }
    const eq = arg.indexOf('=');
    if (eq > 0 && arg[eq + 1] !== '=') {
      const name = arg.slice(0, eq).trim();
      const reg = findRegister(name);
      if (!reg) throw new DebugError(`r: unknown register '${name}'`);
      const v = this.assign(name, arg.slice(eq + 1));
      return `${reg.name.toLowerCase()}=${v}`;
    }
    const reg = findRegister(arg);
    if (!reg) throw new DebugError(`r: unknown register '${arg}' (eax, ax, al, ah, eip, eflags, zf, cs, cr0, dr7, st0 …)`);
    if (reg.store === 'st') return `${reg.name.toLowerCase()}=${registerText(cpu, reg)}`;
    return `${reg.name.toLowerCase()}=${formatValue(BigInt(readRegister(cpu, reg)), Math.ceil(reg.width / 8))}`;
  }
}

function accessOf(s: string | undefined): AccessSet {
  const l = (s ?? 'rw').toLowerCase();
  return l === 'r' ? 'read' : l === 'w' ? 'write' : 'readWrite';
}

export const REPL_COMMANDS = ['bp', 'br', 'ba', 'bw', 'bo', 'bm', 'bl', 'bc', 'bd', 'be', 'r', 'db', 'dw', 'dd', 'u', 'k', 'help'];

export const REPL_HELP = [
  'Expressions: NASM numbers (0x10, 10h, 0b101, \'A\'), registers (eax, ax, al, zf, cs …), symbols, $ (current address),',
  '  + - * / % << >> & | ^ ~ ! == != < <= > >= && ||, [expr] with byte/word/dword/qword, seg:offset.',
  'Breakpoints (trigger/disable or a hit condition such as ==3, >=5, 5..8, %3):',
  '  bp ADDR [trigger [disable]]                   software (INT3)',
  '  br ADDR [trigger [disable]]                   emulator (invisible to the guest)',
  '  ba x|r|w|i 1|2|4|8 ADDR [trigger [disable]]   hardware (debug register)',
  '  bw ADDR[+LEN] [r|w|rw] [trigger [disable]]    memory watch',
  '  bo PORT[-LASTPORT] [r|w|rw] [trigger [disable]]  I/O port',
  '  bm ADDR[+LEN] [r|w|rw] [trigger [disable]]    MMIO',
  '  bl                                            list (id, enabled, kind, location, hits, window)',
  '  bc|bd|be all|ID…                              clear / disable / enable',
  'Machine:',
  '  r [reg[=value]]      registers; set one',
  '  db|dw|dd ADDR [LEN]  memory as bytes / words / dwords',
  '  u [ADDR [COUNT]]     disassemble',
  '  k                    call stack',
  '  help                 this text',
].join('\n');

/**
 * The contract of the CPU (implemented by `src/vm/cpu/cpu.ts`, class `Cpu implements CpuApi`) as seen
 * by everyone else: devices and platforms (src/vm), the breakpoint manager (src/dbgf), loaders and
 * the debugger runtime. Code outside src/vm/cpu uses only what is declared here.
 *
 * Hot-path state is kept in typed arrays owned by the CPU; the fields below are views on it.
 */
import type { DebugHooks, StopReason } from './hooks';
import type { IoBus } from './iobus';
import type { Memory } from './memory';

/** General registers, in the x86 encoding order. */
export const enum Reg { EAX = 0, ECX = 1, EDX = 2, EBX = 3, ESP = 4, EBP = 5, ESI = 6, EDI = 7 }
/** Segment registers, in the x86 encoding order. */
export const enum Seg { ES = 0, CS = 1, SS = 2, DS = 3, FS = 4, GS = 5 }

export const enum Flag {
  CF = 1 << 0, PF = 1 << 2, AF = 1 << 4, ZF = 1 << 6, SF = 1 << 7, TF = 1 << 8, IF = 1 << 9,
  DF = 1 << 10, OF = 1 << 11, IOPL = 3 << 12, NT = 1 << 14, RF = 1 << 16, VM = 1 << 17, AC = 1 << 18,
  VIF = 1 << 19, VIP = 1 << 20, ID = 1 << 21,
}

export const enum CpuMode { Real = 0, Protected = 1, Virtual8086 = 2 }

/** Interrupt controller as the CPU sees it (the 8259 pair implements it). */
export interface InterruptLine {
  /** True when an unmasked IRQ is pending (checked between instructions when IF=1). */
  pending(): boolean;
  /** INTA cycle: the vector to deliver. */
  acknowledge(): number;
}

/**
 * Services a platform provides below the guest (built-in BIOS, DOS, Linux int 0x80).
 * Called for software interrupts `INT n` before IDT/IVT delivery; return true when handled
 * (the CPU then continues after the INT instruction, with whatever registers the handler set).
 */
export type SoftIntHandler = (vector: number) => boolean;

export interface SegmentRegister {
  selector: number;
  base: number;
  limit: number;
  /** Descriptor access rights in the SDM's "access byte | flags << 8" layout (as LAR returns >> 8). */
  attributes: number;
}

export interface CpuApi {
  readonly mem: Memory;
  readonly io: IoBus;
  /** EAX..EDI as signed 32-bit; write with `regs[Reg.EAX] = v | 0`. */
  readonly regs: Int32Array;
  eip: number;
  /** EFLAGS with lazy flags materialised. */
  getEflags(): number;
  setEflags(value: number): void;
  getSegment(seg: Seg): SegmentRegister;
  /** Loads a segment register as the current mode would (real: base = sel << 4); false on a fault. */
  loadSegment(seg: Seg, selector: number): boolean;
  /** Control registers 0, 2, 3, 4 (index = CR number; 1 unused). */
  readonly cr: Uint32Array;
  /** The guest's architectural DR0–DR7 (index 4/5 alias 6/7 as the SDM says). */
  readonly dr: Uint32Array;
  /**
   * The debugger's own "hyper" DR0–DR3, DR7 (index 0-3, 7); DR6 not used. The guest never sees these.
   * Whoever arms a hyper data breakpoint also sets `watchPageFlags` on its linear page: the CPU checks
   * hyper data breakpoints only on accesses that leave the fast path (flagged pages, page crossings).
   */
  readonly hyperDr: Uint32Array;
  gdtr: { base: number; limit: number };
  idtr: { base: number; limit: number };
  readonly mode: CpuMode;
  readonly cpl: number;
  /** Current default operand/address size of CS: 16 or 32. */
  readonly codeSize: 16 | 32;
  /** Instructions retired since reset (a float64 counter). */
  instructionCount: number;
  /** HLT state (waiting for an interrupt). */
  halted: boolean;

  // Debugger interface.
  hooks: DebugHooks | null;
  /** One byte per linear 4-KiB page: non-zero makes the CPU call hooks.onExec for instructions on it. */
  readonly execPageFlags: Uint8Array;
  /** One byte per linear 4-KiB page: non-zero makes data accesses call hooks.onLinearAccess. */
  readonly watchPageFlags: Uint8Array;
  /** Skip the exec check (software/emulator/hyper-exec) for the next instruction: resume-over. */
  skipExecCheckOnce: boolean;
  /** Stop after the current instruction (hooks call this). */
  requestStop(): void;
  /** Thread-safe-ish pause: makes run() return StopReason.Pause at the next instruction boundary. */
  requestPause(): void;
  /** Linear address of the instruction that made the last hooked access / the current instruction. */
  readonly currentInstructionLinear: number;

  /** Run at most `budget` instructions. */
  run(budget: number): StopReason;
  /** Exactly one instruction (or one interrupt delivery), ignoring exec breakpoints on it. */
  step(): StopReason;

  /** Linear → physical for the debugger (no faults, no A/D bits); -1 when not mapped. */
  translate(linear: number, write: boolean): number;
  /** Debugger reads/writes (no hooks, see original bytes under software breakpoints); -1 if unmapped. */
  debugRead8(linear: number): number;
  debugWrite8(linear: number, value: number): boolean;

  /** Platform wiring. */
  interrupts: InterruptLine | null;
  softIntHandler: SoftIntHandler | null;
  /** Raise an exception from platform code (vector, error code or -1). */
  raiseException(vector: number, errorCode: number): void;
  reset(): void;
}

/**
 * The contract between the CPU (src/vm) and whoever watches it (src/dbgf, src/debugger).
 *
 * The VM knows nothing of breakpoints' ids, UI or DAP. It offers flag arrays that cost one byte
 * load on the hot path, and calls these hooks only where a flag is set. All arrays are owned by the
 * CPU / memory and written by the watcher.
 *
 * Stop protocol: a hook that wants the machine to stop calls `cpu.requestStop()`. Data, port and
 * MMIO hooks fire during an instruction; the CPU finishes that instruction (or, for REP string
 * instructions, the current iteration, leaving EIP on the instruction and ECX/ESI/EDI updated) and
 * then returns from `run()` with StopReason.Debug. Execution hooks fire before the instruction runs.
 */

export const enum Access {
  Read = 1,
  Write = 2,
  ReadWrite = 3,
}

export interface DebugHooks {
  /**
   * Before the instruction at linear address `linear` runs, when `cpu.execPageFlags[linear >>> 12]`
   * is non-zero. Return true to stop before it (the CPU returns StopReason.Debug with EIP unchanged).
   * Not called for the first instruction after `cpu.skipExecCheckOnce` was set (resume-over, like RF).
   */
  onExec(linear: number): boolean;
  /**
   * A guest data access (not an instruction fetch) touching a linear page whose
   * `cpu.watchPageFlags[page]` is non-zero. `value` is the value read or written (size bytes).
   */
  onLinearAccess(linear: number, size: number, access: Access, value: number): void;
  /**
   * A guest access (data or page-walk excluded: only explicit data accesses) to a physical page
   * whose `memory.physWatchFlags[page]` is non-zero. Covers RAM and MMIO devices alike.
   */
  onPhysicalAccess(physical: number, size: number, access: Access, value: number): void;
  /**
   * Every IN/OUT/INS/OUTS access to a port whose `io.portWatch[port]` is non-zero (each port of a
   * multi-byte access is checked; the hook is called once per access with its first port).
   */
  onPort(port: number, size: number, access: Access, value: number): void;
  /**
   * Before the CPU delivers exception/interrupt `vector` (INT3 included, `soft` for INT n/INT3/INTO).
   * `errorCode` is -1 when the exception has none. Return true to stop instead of delivering it:
   * the CPU state is then that of the faulting instruction (for INT3: EIP after the 0xCC, as hardware).
   */
  onException(vector: number, errorCode: number, soft: boolean): boolean;
  /**
   * A debugger ("hyper") debug register matched. `slots` is a bit mask of DR0–DR3 slots of the
   * debugger set. For execute type it is called before the instruction (return value of true stops);
   * for data/I/O types after the access (trap), the stop request is made through requestStop().
   */
  onHyperDr(slots: number, linearOrPort: number, size: number, access: Access, value: number): boolean;
}

/** Why `Cpu.run()` returned. */
export const enum StopReason {
  /** The instruction budget is used up. */
  Budget = 0,
  /** A hook asked to stop (breakpoint, watch, step request). */
  Debug = 1,
  /** HLT with interrupts disabled, or nothing can ever wake the CPU. */
  Halted = 2,
  /** The guest asked to end (exit port, int 21h/4Ch, Linux exit). `machine.exitStatus` holds it. */
  Exit = 3,
  /** Triple fault / shutdown: the machine stops (never resets silently). */
  TripleFault = 4,
  /** An exception that the platform turns into the end of the program (linux32 signals). */
  Fault = 5,
  /** `cpu.requestPause()` from outside (the debugger's pause button). */
  Pause = 6,
}

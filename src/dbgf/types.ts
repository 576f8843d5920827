/** Public types of the breakpoint manager (src/dbgf/manager.ts). */

export type BreakpointKind = 'software' | 'hardware' | 'emulator' | 'watch' | 'port' | 'mmio';
/** Debug-register breakpoint types, as DR7 R/W encodes them (00 exec, 01 write, 10 I/O, 11 read-write). */
export type HardwareType = 'exec' | 'write' | 'io' | 'readWrite';
/** Access sets: non-empty subsets of {read, write}. */
export type AccessSet = 'read' | 'write' | 'readWrite';

/** What a hit looked like; passed to conditions, listeners and reported in stops. */
export interface BreakpointHit {
  id: number;
  kind: BreakpointKind;
  /** Hit count after this hit was counted. */
  hits: number;
  /** Linear address of the instruction that caused it (for exec breakpoints: the breakpoint address). */
  eip: number;
  /** 'exec' for execution breakpoints, else the access direction. */
  access: 'exec' | 'read' | 'write';
  /** Linear (software, emulator, hardware, watch) or physical (mmio) address of the access. */
  address?: number;
  /** First port of the I/O access (port breakpoints and hardware I/O breakpoints). */
  port?: number;
  /** Size of the access in bytes (data, port, MMIO). */
  size?: number;
  /** The value written, or read, by the access. */
  value?: number;
  /** True when this hit stops the machine (false for a logpoint). */
  stops: boolean;
  logpoint: boolean;
  /** True when this was the last hit of the window: the breakpoint is spent from now on. */
  spent: boolean;
}

/** A condition is evaluated before counting; a hit counts only when it returns true. */
export type BreakpointCondition = (hit: Readonly<BreakpointHit>) => boolean;

export interface CommonOptions {
  /** First hit that stops; 0 or absent means 1. */
  trigger?: number;
  /** Last hit that stops; absent means unbounded (Infinity). */
  disable?: number;
  /** Stop only when hits % period === 0 (hit condition `%N`); 0/absent: every hit of the window. */
  period?: number;
  condition?: BreakpointCondition;
  /** Count and report, never stop. */
  logpoint?: boolean;
  /** Created disabled when false. Default true. */
  enabled?: boolean;
}

export interface SoftwareOptions extends CommonOptions { address: number }
export interface EmulatorOptions extends CommonOptions { address: number }
export interface HardwareOptions extends CommonOptions {
  /** Linear address, or the port for type 'io'. Must be aligned to `length`. */
  address: number;
  type: HardwareType;
  /** 1, 2, 4 or 8 (exec: 1; io: 1, 2 or 4). */
  length: number;
}
export interface WatchOptions extends CommonOptions { address: number; length: number; access: AccessSet }
export interface PortOptions extends CommonOptions { port: number; count: number; access: AccessSet }
export interface MmioOptions extends CommonOptions { address: number; length: number; access: AccessSet }

export type BreakpointOutcome =
  | 'created'
  | 'exists'
  | 'enabled'
  | 'alreadyEnabled'
  | 'disabled'
  | 'alreadyDisabled'
  | 'cleared'
  | 'notFound'
  | 'invalidParameter'
  | 'outOfRange'
  | 'noHardwareSlots';

export interface BreakpointResult {
  /** True for created / exists / enabled / disabled / cleared and the already-… outcomes. */
  ok: boolean;
  outcome: BreakpointOutcome;
  /** The breakpoint concerned (for 'exists': the existing one). */
  id?: number;
  /** One line for the user. */
  message: string;
}

/** A breakpoint as get()/list() show it. */
export interface BreakpointInfo {
  id: number;
  kind: BreakpointKind;
  enabled: boolean;
  hits: number;
  trigger: number;
  disable: number;
  period: number;
  logpoint: boolean;
  /** hits > disable: it will stop no more. */
  spent: boolean;
  /** Start address (linear; physical for mmio; port for port and hardware io). */
  address: number;
  /** Bytes (or ports) covered. */
  length: number;
  access: AccessSet | 'exec';
  hardwareType?: HardwareType;
  /** DR slot 0–3 of the debugger's own debug registers (hardware). */
  slot?: number;
  /** Physical address of the INT3 byte (software, while armed). */
  physical?: number;
  /** "0x00007c10", "DR1 write 4 at 0x00001000", "ports 0x3f8-0x3ff write" … */
  location: string;
}

/** What `takeStop()` returns after `run()` stopped for breakpoints. */
export interface BreakpointStop {
  /** Ids of every breakpoint that stopped the machine (in id order). */
  ids: number[];
  hits: BreakpointHit[];
  /** Linear address of the instruction concerned. */
  eip: number;
  /** True for execution breakpoints (stopped before the instruction), false for data/port/MMIO (after). */
  before: boolean;
}

/**
 * The contract of a whole machine (CPU + memory + buses + devices + platform), implemented by
 * `src/vm/machine.ts`. The debugger runtime, the breakpoint manager and the CLI use only this.
 */
import type { CpuApi } from './cpuApi';
import type { StopReason } from './hooks';
import type { IoBus } from './iobus';
import type { Memory } from './memory';

export type PlatformName = 'pc' | 'dos' | 'linux32';

/** A device register shown in the debugger's Devices scope (and usable for port/MMIO breakpoints). */
export interface DeviceRegister {
  name: string;
  value: number;
  /** Bits of the value (8, 16, 32). */
  width: number;
  port?: number;
  address?: number;
}

export interface DeviceInfo {
  name: string;
  ports: Array<{ first: number; count: number }>;
  mmio: Array<{ base: number; length: number }>;
  /** Read without side effects. */
  registers(): DeviceRegister[];
}

export interface TextScreen {
  cols: number;
  rows: number;
  /** cols*rows cells, each `char | attr << 8`. */
  cells: Uint16Array;
  cursor: { row: number; col: number; visible: boolean };
}

export interface MachineApi {
  readonly cpu: CpuApi;
  readonly mem: Memory;
  readonly io: IoBus;
  readonly platform: PlatformName;
  /** Run at most `budget` instructions (devices advance with the instruction count). */
  run(budget: number): StopReason;
  /** Set when the guest ended (exit port, int 21h/4Ch, Linux exit, fatal signal 128+n). */
  exitStatus: number | null;
  /** One line saying why the machine stopped for Halted/TripleFault/Fault/Exit. */
  stopMessage: string;
  /** Guest console output (UART, BIOS teletype, int 21h, int 0x80 write to fd 1/2, port 0xE9). */
  onConsole: ((text: string, stream: 'stdout' | 'stderr') => void) | null;
  /** Keyboard/serial input from the user (bytes as a string). */
  input(text: string): void;
  /** End of input (stdin closed). */
  endInput(): void;
  /** Set-1 scancodes into the keyboard controller. */
  key(scancodes: number[]): void;
  devices(): DeviceInfo[];
  /** VGA text screen, when the machine has one. */
  screen(): TextScreen | null;
  /**
   * The guest is blocked until more input arrives (int 16h/int 21h read, COM1 polling, HLT with
   * nothing else to wake it, Linux read on stdin): run() returned early and the caller should wait
   * for input() or endInput() before running again. (Added for `x86vm run` and the debugger.)
   */
  readonly blockedOnInput?: boolean;
}

/**
 * What every PC device offers the machine: its DeviceInfo (for the debugger's Devices scope) and,
 * for devices with their own sense of time, `nextEvent`/`advance`.
 *
 * Time is virtual nanoseconds from a `Clock`. By default the clock follows the CPU's instruction
 * count (deterministic, replayable); with `realTime` it follows the host's monotonic clock.
 */
import type { DeviceInfo } from '../machineApi';

export interface Clock {
  /** Virtual time in nanoseconds (float64, monotonic). */
  now(): number;
}

export interface Device extends DeviceInfo {
  /** Absolute time (ns) at which `advance` must next be called, or Infinity. */
  nextEvent?(now: number): number;
  /** Bring the device up to time `now` (raise interrupts that became due). */
  advance?(now: number): void;
}

/** Edge/level interrupt request lines (the PIC pair implements this). */
export interface IrqLines {
  /** Drive IRQ line `irq` (0-15) to `level`. Edge-triggered inputs latch on the rising edge. */
  setIrq(irq: number, level: boolean): void;
  /** A rising then falling edge (one request). */
  pulseIrq(irq: number): void;
}

/** A clock that follows an instruction counter, plus idle time the machine skips while halted. */
export class InstructionClock implements Clock {
  /** Virtual nanoseconds per retired instruction (default 10: a 100-MIPS machine). */
  nsPerInstruction = 10;
  /** Virtual time skipped while the CPU was halted waiting for an interrupt. */
  idleNs = 0;
  private readonly startMs = performance.now();

  constructor(private readonly instructions: () => number, readonly realTime = false) {}

  now(): number {
    if (this.realTime) return (performance.now() - this.startMs) * 1e6;
    return this.instructions() * this.nsPerInstruction + this.idleNs;
  }
}

/** A clock set by hand (device tests). */
export class ManualClock implements Clock {
  t = 0;
  now(): number {
    return this.t;
  }
}

export function hex(v: number, digits = 2): string {
  return '0x' + (v >>> 0).toString(16).padStart(digits, '0');
}

/**
 * Where the machine gets its CPU. Kept in one place so that tests can substitute a CPU and so that
 * the machine does not depend on the CPU module's layout.
 */
import type { CpuApi } from './cpuApi';
import { Cpu } from './cpu/cpu';
import { Fpu } from './cpu/fpu';
import type { IoBus } from './iobus';
import type { Memory } from './memory';

export type CpuFactory = (mem: Memory, io: IoBus) => CpuApi;

/** The i686 CPU with its x87 unit. */
export function defaultCpu(mem: Memory, io: IoBus): CpuApi {
  const cpu = new Cpu(mem, io);
  cpu.fpu = new Fpu();
  return cpu;
}

let factory: CpuFactory = defaultCpu;

/** Substitutes the CPU implementation (tests). */
export function setCpuFactory(f: CpuFactory): void {
  factory = f;
}

export function createCpu(mem: Memory, io: IoBus): CpuApi {
  return factory(mem, io);
}

/**
 * Where the machine gets its CPU. Kept in one place so that tests can substitute a CPU and so that
 * the machine does not depend on the CPU module's layout.
 */
import type { CpuApi } from './cpuApi';
import { Cpu } from './cpu/cpu';
import type { IoBus } from './iobus';
import type { Memory } from './memory';

export type CpuFactory = (mem: Memory, io: IoBus) => CpuApi;

let factory: CpuFactory = (mem, io) => new Cpu(mem, io);

/** Substitutes the CPU implementation (tests). */
export function setCpuFactory(f: CpuFactory): void {
  factory = f;
}

export function createCpu(mem: Memory, io: IoBus): CpuApi {
  return factory(mem, io);
}

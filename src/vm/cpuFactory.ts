/**
 * Where the machine gets its CPU. Kept in one place so that tests can substitute a CPU and so that
 * the machine does not depend on the CPU module's layout.
 */
import type { CpuApi } from './cpuApi';
import type { IoBus } from './iobus';
import type { Memory } from './memory';

export type CpuFactory = (mem: Memory, io: IoBus) => CpuApi;

let factory: CpuFactory | null = null;

/** Installs the CPU implementation (src/vm/cpu registers itself here when it is loaded). */
export function setCpuFactory(f: CpuFactory): void {
  factory = f;
}

export function createCpu(mem: Memory, io: IoBus): CpuApi {
  if (!factory) throw new Error('no CPU implementation is available (src/vm/cpu not loaded)');
  return factory(mem, io);
}

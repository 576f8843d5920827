/** The CPU the differential tester and the corpus tests run: the project's own, with its x87 unit. */
import { Cpu } from '../../src/vm/cpu/cpu';
import { Fpu } from '../../src/vm/cpu/fpu';
import type { CpuApi } from '../../src/vm/cpuApi';
import type { IoBus } from '../../src/vm/iobus';
import type { Memory } from '../../src/vm/memory';

export function createCpu(mem: Memory, io: IoBus): CpuApi {
  const cpu = new Cpu(mem, io);
  cpu.fpu = new Fpu();
  return cpu;
}

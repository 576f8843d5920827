/** The CPU the differential tester and the corpus tests run: the project's own, with its x87 unit. */
import { Cpu } from '../../src/vm/cpu/cpu';
import { Fpu } from '../../src/vm/cpu/fpu';
import type { CpuApi } from '../../src/vm/cpuApi';
import type { IoBus } from '../../src/vm/iobus';
import type { Memory } from '../../src/vm/memory';

/** The CPU as users get it: the x87 unit follows the SDM. */
export function createCpu(mem: Memory, io: IoBus): CpuApi {
  const cpu = new Cpu(mem, io);
  cpu.fpu = new Fpu();
  return cpu;
}

/**
 * The CPU for the random differential test: the x87 unit in its qemuCompat mode, which reproduces
 * qemu-i386 7.2's documented deviations from the SDM (FLD m32/m64 and integer operands rounded to
 * the precision control, C1 never set by rounding, no DE), so that only real bugs differ.
 */
export function createDiffCpu(mem: Memory, io: IoBus): CpuApi {
  const cpu = new Cpu(mem, io);
  const fpu = new Fpu();
  fpu.qemuCompat = true;
  cpu.fpu = fpu;
  return cpu;
}

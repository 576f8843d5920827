/**
 * Links the layers that register themselves at run time: the CPU (with its x87 unit) into the
 * machine factory and the linux32 ELF loader into `loadProgram`. Idempotent.
 */
import { loadProgram, registerElfLoader } from '../loader';
import type { LoadedProgram, LoadOptions } from '../loader/api';
import { loadElfProgram, setLinuxCpuFactory } from '../loader/elfProgram';
import { Cpu } from '../vm/cpu/cpu';
import { Fpu } from '../vm/cpu/fpu';
import type { CpuApi } from '../vm/cpuApi';
import { setCpuFactory } from '../vm/cpuFactory';
import type { IoBus } from '../vm/iobus';
import type { Memory } from '../vm/memory';

let linked = false;

function makeCpu(mem: Memory, io: IoBus): CpuApi {
  const cpu = new Cpu(mem, io);
  cpu.fpu = new Fpu();
  return cpu;
}

export function linkVm(): void {
  if (linked) return;
  linked = true;
  setCpuFactory(makeCpu);
  setLinuxCpuFactory(makeCpu);
  registerElfLoader(loadElfProgram);
}

/** `loadProgram` with everything linked. */
export function linkedLoadProgram(file: string, opts: LoadOptions): LoadedProgram {
  linkVm();
  return loadProgram(file, opts);
}

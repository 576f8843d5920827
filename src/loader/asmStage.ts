/**
 * How the loader assembles `.asm` sources: src/asm's `assemble` (the built-in NASM-dialect
 * assembler), so that `x86vm run file.asm` needs no toolchain.
 */
import { assemble } from '../asm/assembler';
import type { AsmOptions, AsmResult } from '../asm/api';

export function assembleSource(source: string, options: AsmOptions): AsmResult {
  return assemble(source, options);
}

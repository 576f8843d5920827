/**
 * How the loader assembles `.asm` sources: the built-in assembler (src/asm), which also yields the
 * symbol table and the line map the debugger needs. The switch is this one file.
 */
import { assemble } from '../asm/assembler';
import type { AsmOptions, AsmResult } from '../asm/api';

export function assembleSource(source: string, options: AsmOptions): AsmResult {
  return assemble(source, options);
}

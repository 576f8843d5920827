/**
 * How the loader assembles `.asm` sources: src/asm's built-in assembler (symbols and line map
 * included), so nothing else needs to be installed.
 */
import type { AsmOptions, AsmResult } from '../asm/api';
import { assemble } from '../asm/assembler';

export function assembleSource(source: string, options: AsmOptions): AsmResult {
  return assemble(source, options);
}

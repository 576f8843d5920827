/**
 * The loaders' contract: `loadProgram` (src/loader/index.ts) turns a file into a ready machine plus
 * what the debugger needs to map addresses to source and names.
 */
import type { AsmDiagnostic } from '../asm/api';
import type { MachineApi, PlatformName } from '../vm/machineApi';

export type ProgramKind = 'asm' | 'boot' | 'flat' | 'com' | 'elf' | 'multiboot' | 'rom';

export interface ProgramSymbol {
  name: string;
  /** Linear address. */
  address: number;
  size: number;
  kind: 'code' | 'data' | 'equ' | 'bss' | 'function' | 'object';
  /** Element size for data symbols from db/dw/dd/dq (1, 2, 4, 8, 10), 0 unknown. */
  elementSize: number;
  file?: string;
  line?: number;
}

/** Source line ↔ linear address range. */
export interface LineRange {
  file: string;
  line: number;
  address: number;
  length: number;
}

export interface LoadOptions {
  platform?: PlatformName;
  /** Guest RAM in bytes (default 64 MiB for pc/linux32, 1 MiB minimum). */
  memory?: number;
  /** Guest argv[1..] (linux32) or command tail (dos). */
  args?: string[];
  env?: Record<string, string>;
  /** Directory the guest's file access is confined to (linux32, dos). Default: the program's folder. */
  cwd?: string;
  /** `--rom image`: start from a ROM at the reset vector. */
  rom?: string;
  /** Source text to use instead of reading `path` (an unsaved editor buffer). */
  source?: string;
  /** Device time follows the wall clock instead of the instruction count. */
  realTime?: boolean;
}

export interface LoadedProgram {
  machine: MachineApi;
  platform: PlatformName;
  kind: ProgramKind;
  /** Entry point linear address. */
  entry: number;
  symbols: ProgramSymbol[];
  lines: LineRange[];
  /** Source files known to the line map (absolute paths). */
  sources: string[];
  /** Assembler warnings (errors throw LoadError). */
  diagnostics: AsmDiagnostic[];
}

/** A user error while loading: bad file, assembler errors (with their diagnostics), bad option. */
export class LoadError extends Error {
  constructor(message: string, readonly diagnostics: AsmDiagnostic[] = []) {
    super(message);
    this.name = 'LoadError';
  }
}

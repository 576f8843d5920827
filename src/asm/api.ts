/**
 * The assembler's contract (implemented in src/asm/assembler.ts as `assemble`).
 */
export type OutputFormat = 'bin' | 'elf32';

export interface AsmDiagnostic {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  severity: 'error' | 'warning';
  message: string;
}

export type SymbolKind = 'code' | 'data' | 'equ' | 'bss';

export interface AsmSymbol {
  name: string;
  /** Final address (bin: org-relative absolute; elf32: section offset + section's link address if known). */
  value: number;
  size: number;
  kind: SymbolKind;
  /** Element size for data (db 1, dw 2, dd 4, dq 8, dt 10), 0 otherwise. */
  elementSize: number;
  section: string;
  global: boolean;
  file: string;
  line: number;
}

/** One contiguous range of output produced by one source line (macro lines map to the invocation). */
export interface LineMapEntry {
  file: string;
  line: number;
  address: number;
  length: number;
  section: string;
}

export interface AsmOptions {
  /** Absolute or cwd-relative path of the main file (used in diagnostics and the line map). */
  file: string;
  format?: OutputFormat;
  includeDirs?: string[];
  /** Reads included files and incbin; defaults to fs.readFileSync. */
  readFile?: (path: string) => Uint8Array;
  /** Predefined %define macros (`-D`). */
  defines?: Record<string, string>;
  listing?: boolean;
}

export interface AsmResult {
  ok: boolean;
  diagnostics: AsmDiagnostic[];
  /** The output file's bytes (flat image, or the ELF32 relocatable object). */
  output: Uint8Array;
  /** `bits` of the first code, `org` value (bin), and what the source says about its platform. */
  bits: 16 | 32;
  org: number;
  hasGlobalStart: boolean;
  symbols: AsmSymbol[];
  lineMap: LineMapEntry[];
  listing?: string;
  /** Files read (main + %include + incbin), for the debugger's loadedSources. */
  files: string[];
}

/**
 * What the linux32 machine needs to build a process from an executable, independent of the file
 * format (the ELF loader in src/loader fills it in; src/vm does not import the loader).
 */
export interface LinuxImageSegment {
  /** Linear address of the first byte (after any load bias). */
  vaddr: number;
  memsz: number;
  /** Bytes copied to `vaddr` (the rest up to memsz is zero). */
  data: Uint8Array;
  /** PF_X = 1, PF_W = 2, PF_R = 4 (ELF program header flags). */
  flags: number;
}

export interface LinuxImage {
  segments: LinuxImageSegment[];
  entry: number;
  /** Linear address of the program headers in memory (AT_PHDR), 0 when not mapped. */
  phdr: number;
  phent: number;
  phnum: number;
  /** Static-PIE load bias (AT_BASE stays 0 for a static program). */
  bias: number;
  /** PT_TLS template, for the debugger (glibc sets up its own TLS from AT_PHDR). */
  tls?: { vaddr: number; filesz: number; memsz: number; align: number };
  /** Linear address where the heap (brk) starts: the page after the highest segment. */
  brk: number;
  /** True when the stack must not be executable (PT_GNU_STACK without PF_X). */
  noExecStack: boolean;
}

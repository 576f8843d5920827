/**
 * ELF32 (i386, little-endian) parser for static executables: ET_EXEC and static-PIE ET_DYN without
 * PT_INTERP. Reads the program headers (PT_LOAD with permissions, PT_TLS, PT_INTERP, PT_DYNAMIC),
 * the section headers and `.symtab`. Every malformed input ends in a LoadError with one clear line;
 * nothing else is thrown (the fuzz test in test/loader checks that).
 */
import { inflateSync } from 'node:zlib';
import { LoadError } from './api';

export const enum ElfType { Rel = 1, Exec = 2, Dyn = 3, Core = 4 }
export const enum PType { Null = 0, Load = 1, Dynamic = 2, Interp = 3, Note = 4, Phdr = 6, Tls = 7 }
export const enum PFlag { X = 1, W = 2, R = 4 }

export interface ElfSegment {
  type: number;
  offset: number;
  vaddr: number;
  filesz: number;
  memsz: number;
  /** PF_X | PF_W | PF_R. */
  flags: number;
  align: number;
}

export interface ElfSection {
  index: number;
  name: string;
  type: number;
  flags: number;
  addr: number;
  offset: number;
  size: number;
  link: number;
  info: number;
  entsize: number;
}

export interface ElfSymbol {
  name: string;
  value: number;
  size: number;
  /** STT_* */
  type: number;
  /** STB_* */
  bind: number;
  shndx: number;
}

export interface ElfFile {
  bytes: Uint8Array;
  type: ElfType;
  entry: number;
  phoff: number;
  phentsize: number;
  phnum: number;
  segments: ElfSegment[];
  sections: ElfSection[];
  /** True for ET_DYN (static-PIE): all addresses are relative to the load bias. */
  pie: boolean;
  /** Symbols of `.symtab` (index 0 excluded), values as in the file (no load bias). */
  symbols: ElfSymbol[];
}

export const SHT_PROGBITS = 1;
export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_NOBITS = 8;
export const SHF_WRITE = 1;
export const SHF_ALLOC = 2;
export const SHF_EXECINSTR = 4;
const SHF_COMPRESSED = 0x800;
export const STT_NOTYPE = 0;
export const STT_OBJECT = 1;
export const STT_FUNC = 2;
export const STT_SECTION = 3;
export const STT_FILE = 4;
export const STT_TLS = 6;
export const SHN_UNDEF = 0;
export const SHN_ABS = 0xfff1;
export const SHN_COMMON = 0xfff2;

const MAX_PHNUM = 4096;
const MAX_SHNUM = 65536;

function u16(b: Uint8Array, o: number): number {
  return b[o] | (b[o + 1] << 8);
}
function u32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}

function hex(n: number): string {
  return '0x' + (n >>> 0).toString(16);
}

/** NUL-terminated string at `off` inside the table [start, start+size). */
function cstr(b: Uint8Array, start: number, size: number, off: number): string {
  if (off >= size) return '';
  const end = Math.min(start + size, b.length);
  let i = start + off;
  let s = '';
  while (i < end && b[i] !== 0) {
    s += String.fromCharCode(b[i]);
    i++;
  }
  // Names are UTF-8 in practice; decode only when non-ASCII is present.
  if (/[\x80-\xff]/.test(s)) s = Buffer.from(b.subarray(start + off, i)).toString('utf8');
  return s;
}

/** Parses the headers and symbol table. Throws LoadError on anything malformed or unsupported. */
export function parseElf(bytes: Uint8Array, what = 'file'): ElfFile {
  const fail = (msg: string): never => {
    throw new LoadError(`${what}: ${msg}`);
  };
  if (bytes.length < 4 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    fail('not an ELF file');
  }
  if (bytes.length < 52) fail('truncated ELF header');
  if (bytes[4] === 2) fail('64-bit ELF: build a 32-bit program (gcc -m32, ld -m elf_i386, nasm -f elf32)');
  if (bytes[4] !== 1) fail(`invalid ELF class ${bytes[4]}`);
  if (bytes[5] !== 1) fail('big-endian ELF is not an i386 program');
  const type = u16(bytes, 16);
  const machine = u16(bytes, 18);
  if (machine !== 3) fail(`not an i386 program (e_machine ${machine})`);
  if (type === ElfType.Rel) fail('relocatable object file: link it first (ld -m elf_i386 file.o -o program)');
  if (type === ElfType.Core) fail('core dump, not a program');
  if (type !== ElfType.Exec && type !== ElfType.Dyn) fail(`unsupported ELF type ${type}`);
  const entry = u32(bytes, 24);
  const phoff = u32(bytes, 28);
  const shoff = u32(bytes, 32);
  const phentsize = u16(bytes, 42);
  const phnum = u16(bytes, 44);
  const shentsize = u16(bytes, 46);
  let shnum = u16(bytes, 48);
  let shstrndx = u16(bytes, 50);

  if (phnum === 0) fail('no program headers');
  if (phentsize < 32) fail(`bad program header size ${phentsize}`);
  if (phnum > MAX_PHNUM || phoff + phnum * phentsize > bytes.length) fail('truncated program headers');

  const segments: ElfSegment[] = [];
  let interp = false;
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * phentsize;
    const seg: ElfSegment = {
      type: u32(bytes, o),
      offset: u32(bytes, o + 4),
      vaddr: u32(bytes, o + 8),
      filesz: u32(bytes, o + 16),
      memsz: u32(bytes, o + 20),
      flags: u32(bytes, o + 24),
      align: u32(bytes, o + 28),
    };
    if (seg.type === PType.Interp) interp = true;
    segments.push(seg);
  }
  if (interp) fail('dynamically linked: build with -static');
  const loads = segments.filter((s) => s.type === PType.Load);
  if (loads.length === 0) fail('no loadable segment');
  for (const s of segments) {
    if (s.type !== PType.Load && s.type !== PType.Tls) continue;
    const kind = s.type === PType.Load ? 'PT_LOAD' : 'PT_TLS';
    if (s.filesz > s.memsz) fail(`${kind} segment at ${hex(s.vaddr)}: file size larger than memory size`);
    if (s.offset + s.filesz > bytes.length) fail(`truncated: ${kind} segment at ${hex(s.vaddr)} extends past the end of the file`);
    if (s.vaddr + s.memsz > 0x100000000) fail(`${kind} segment at ${hex(s.vaddr)} wraps around 4 GiB`);
    if (s.type === PType.Load && s.align > 1 && (s.align & (s.align - 1)) === 0 && (s.vaddr - s.offset) % s.align !== 0 && s.align <= 0x1000) {
      fail(`PT_LOAD segment at ${hex(s.vaddr)}: address and offset disagree modulo alignment`);
    }
  }

  // Section headers are optional (a stripped or hand-made file may have none).
  const sections: ElfSection[] = [];
  const nameOffs: number[] = [];
  if (shoff !== 0 && shentsize >= 40) {
    if (shnum === 0 && shoff + 40 <= bytes.length) shnum = u32(bytes, shoff + 20); // extended numbering
    if (shstrndx === 0xffff && shoff + 40 <= bytes.length) shstrndx = u32(bytes, shoff + 24);
    if (shnum > MAX_SHNUM || shoff + shnum * shentsize > bytes.length) fail('truncated section headers');
    for (let i = 0; i < shnum; i++) {
      const o = shoff + i * shentsize;
      sections.push({
        index: i, name: '', type: u32(bytes, o + 4), flags: u32(bytes, o + 8), addr: u32(bytes, o + 12),
        offset: u32(bytes, o + 16), size: u32(bytes, o + 20), link: u32(bytes, o + 24), info: u32(bytes, o + 28),
        entsize: u32(bytes, o + 36),
      });
      nameOffs.push(u32(bytes, o));
    }
    const strtab = sections[shstrndx];
    const strOk = strtab !== undefined && strtab.type !== SHT_NOBITS && strtab.offset + strtab.size <= bytes.length;
    if (strOk) for (const s of sections) s.name = cstr(bytes, strtab.offset, strtab.size, nameOffs[s.index]);
  }

  if (sections.some((s) => s.name === '.interp')) fail('dynamically linked: build with -static');
  const dyn = segments.find((s) => s.type === PType.Dynamic);
  if (dyn && type === ElfType.Exec && hasNeeded(bytes, dyn)) fail('dynamically linked: build with -static');

  const symbols = readSymbols(bytes, sections);
  return { bytes, type, entry, phoff, phentsize, phnum, segments, sections, pie: type === ElfType.Dyn, symbols };
}

/** A PT_DYNAMIC with DT_NEEDED entries means shared libraries are required. */
function hasNeeded(bytes: Uint8Array, dyn: ElfSegment): boolean {
  const end = Math.min(dyn.offset + dyn.filesz, bytes.length);
  for (let o = dyn.offset; o + 8 <= end; o += 8) {
    const tag = u32(bytes, o);
    if (tag === 0) break;
    if (tag === 1) return true; // DT_NEEDED
  }
  return false;
}

function readSymbols(bytes: Uint8Array, sections: ElfSection[]): ElfSymbol[] {
  const out: ElfSymbol[] = [];
  const symtab = sections.find((s) => s.type === SHT_SYMTAB);
  if (!symtab) return out;
  const strtab = sections[symtab.link];
  if (!strtab || strtab.type === SHT_NOBITS) return out;
  if (symtab.offset + symtab.size > bytes.length || strtab.offset + strtab.size > bytes.length) {
    throw new LoadError('truncated: the symbol table extends past the end of the file');
  }
  const ent = symtab.entsize >= 16 ? symtab.entsize : 16;
  const n = Math.floor(symtab.size / ent);
  for (let i = 1; i < n; i++) {
    const o = symtab.offset + i * ent;
    const info = bytes[o + 12];
    out.push({
      name: cstr(bytes, strtab.offset, strtab.size, u32(bytes, o)),
      value: u32(bytes, o + 4),
      size: u32(bytes, o + 8),
      type: info & 15,
      bind: info >> 4,
      shndx: u16(bytes, o + 14),
    });
  }
  return out;
}

/**
 * The contents of a named section (decompressed when SHF_COMPRESSED with zlib), or undefined when the
 * file has none. Throws LoadError when the section lies outside the file or does not decompress.
 */
export function sectionData(elf: ElfFile, name: string): Uint8Array | undefined {
  const s = elf.sections.find((x) => x.name === name);
  if (!s || s.type === SHT_NOBITS) return undefined;
  if (s.offset + s.size > elf.bytes.length) throw new LoadError(`truncated: section ${name} extends past the end of the file`);
  const raw = elf.bytes.subarray(s.offset, s.offset + s.size);
  if (!(s.flags & SHF_COMPRESSED)) return raw;
  if (raw.length < 12 || u32(raw, 0) !== 1) throw new LoadError(`section ${name}: unsupported compression`);
  const size = u32(raw, 4);
  try {
    const out = inflateSync(raw.subarray(12), { maxOutputLength: Math.max(size, 1) });
    return new Uint8Array(out.buffer, out.byteOffset, out.length);
  } catch {
    throw new LoadError(`section ${name}: corrupt compressed data`);
  }
}

/**
 * A small static linker for one ELF32 relocatable object (what `assemble(..., {format: 'elf32'})`
 * produces for a linux32 `.asm` program) into an ET_EXEC image laid out as `ld -m elf_i386` does:
 * code and read-only data from 0x08049000 (R+X), writable data and .bss on the following pages
 * (R+W). Relocations R_386_32/PC32/16/PC16/8/PC8; COMMON symbols go to .bss; the entry point is
 * `_start` (else the start of .text). Anything else (undefined symbols, other relocation types) is
 * a LoadError naming it.
 */
import { LoadError } from './api';

const TEXT_BASE = 0x08049000;
const SHT_PROGBITS = 1, SHT_SYMTAB = 2, SHT_NOBITS = 8, SHT_REL = 9, SHT_RELA = 4;
const SHF_WRITE = 1, SHF_ALLOC = 2, SHF_EXECINSTR = 4;
const SHN_UNDEF = 0, SHN_ABS = 0xfff1, SHN_COMMON = 0xfff2;

interface Shdr { name: string; type: number; flags: number; offset: number; size: number; link: number; info: number; align: number; entsize: number }
interface Sym { name: string; value: number; size: number; bind: number; type: number; shndx: number }

export interface LinkedProgram {
  exe: Uint8Array;
  entry: number;
  /** Link address of each allocated section, by name. */
  sectionAddress: Map<string, number>;
}

function cstr(b: Uint8Array, off: number): string {
  let e = off;
  while (e < b.length && b[e] !== 0) e++;
  return Buffer.from(b.subarray(off, e)).toString('latin1');
}

export function linkObject(obj: Uint8Array, what: string): LinkedProgram {
  const fail = (m: string): never => { throw new LoadError(`${what}: link: ${m}`); };
  const dv = new DataView(obj.buffer, obj.byteOffset, obj.byteLength);
  if (obj.length < 52 || dv.getUint32(0, false) !== 0x7f454c46 || dv.getUint16(16, true) !== 1) fail('not an ELF32 relocatable object');
  const shoff = dv.getUint32(32, true), shentsize = dv.getUint16(46, true), shnum = dv.getUint16(48, true), shstrndx = dv.getUint16(50, true);
  if (shoff + shnum * shentsize > obj.length) fail('truncated section headers');
  const raw: Array<Omit<Shdr, 'name'> & { nameOff: number }> = [];
  for (let i = 0; i < shnum; i++) {
    const o = shoff + i * shentsize;
    raw.push({
      nameOff: dv.getUint32(o, true), type: dv.getUint32(o + 4, true), flags: dv.getUint32(o + 8, true),
      offset: dv.getUint32(o + 16, true), size: dv.getUint32(o + 20, true), link: dv.getUint32(o + 24, true),
      info: dv.getUint32(o + 28, true), align: Math.max(1, dv.getUint32(o + 32, true)), entsize: dv.getUint32(o + 36, true),
    });
  }
  const strOff = raw[shstrndx]?.offset ?? 0;
  const sh: Shdr[] = raw.map((s) => ({ ...s, name: cstr(obj, strOff + s.nameOff) }));

  // Symbols.
  const symtabIdx = sh.findIndex((s) => s.type === SHT_SYMTAB);
  const syms: Sym[] = [];
  if (symtabIdx >= 0) {
    const st = sh[symtabIdx];
    const strtab = sh[st.link];
    for (let o = st.offset; o + 16 <= st.offset + st.size; o += 16) {
      const info = obj[o + 12];
      syms.push({
        name: cstr(obj, strtab.offset + dv.getUint32(o, true)), value: dv.getUint32(o + 4, true), size: dv.getUint32(o + 8, true),
        bind: info >> 4, type: info & 15, shndx: dv.getUint16(o + 14, true),
      });
    }
  }

  // Layout: executable/read-only allocated sections, then writable, then NOBITS.
  const addr = new Array<number>(sh.length).fill(-1);
  const alloc = sh.map((s, i) => ({ s, i })).filter(({ s }) => (s.flags & SHF_ALLOC) && (s.type === SHT_PROGBITS || s.type === SHT_NOBITS || s.size > 0) && s.type !== SHT_REL && s.type !== SHT_RELA);
  const ro = alloc.filter(({ s }) => !(s.flags & SHF_WRITE) && s.type !== SHT_NOBITS);
  const rw = alloc.filter(({ s }) => (s.flags & SHF_WRITE) && s.type !== SHT_NOBITS);
  const bss = alloc.filter(({ s }) => s.type === SHT_NOBITS);
  const align = (v: number, a: number) => Math.ceil(v / a) * a;
  let p = TEXT_BASE;
  for (const { s, i } of [...ro].sort((a, b) => (b.s.flags & SHF_EXECINSTR) - (a.s.flags & SHF_EXECINSTR))) { p = align(p, s.align); addr[i] = p; p += s.size; }
  const textEnd = p;
  const dataBase = align(textEnd, 0x1000); // the next page, as ld -m elf_i386 does
  p = dataBase;
  for (const { s, i } of rw) { p = align(p, s.align); addr[i] = p; p += s.size; }
  const dataFileEnd = p;
  for (const { s, i } of bss) { p = align(p, s.align); addr[i] = p; p += s.size; }
  // COMMON symbols.
  const commonAddr = new Map<number, number>();
  syms.forEach((y, k) => {
    if (y.shndx === SHN_COMMON) { p = align(p, Math.max(1, y.value)); commonAddr.set(k, p); p += y.size; }
  });
  const dataEnd = p;

  const symValue = (k: number): number => {
    const y = syms[k];
    if (!y) return fail(`relocation against symbol #${k}, which does not exist`);
    if (y.shndx === SHN_UNDEF) return fail(`undefined symbol '${y.name}' (a single-object program cannot use external symbols)`);
    if (y.shndx === SHN_ABS) return y.value;
    if (y.shndx === SHN_COMMON) return commonAddr.get(k)!;
    const a = addr[y.shndx];
    if (a === undefined || a < 0) return fail(`symbol '${y.name}' is in a section that is not loaded`);
    return (a + y.value) >>> 0;
  };

  // Section contents, relocated.
  const image = new Map<number, Uint8Array>();
  for (const { s, i } of [...ro, ...rw]) image.set(i, obj.slice(s.offset, s.offset + s.size));
  for (const r of sh) {
    if (r.type === SHT_RELA) fail(`RELA relocations in ${r.name} are not i386 practice`);
    if (r.type !== SHT_REL) continue;
    const target = image.get(r.info);
    if (!target) continue; // relocations of debug sections: not loaded
    const tdv = new DataView(target.buffer, target.byteOffset, target.byteLength);
    const base = addr[r.info];
    for (let o = r.offset; o + 8 <= r.offset + r.size; o += 8) {
      const off = dv.getUint32(o, true), info = dv.getUint32(o + 4, true);
      const type = info & 0xff, k = info >>> 8;
      const S = symValue(k), P = (base + off) >>> 0;
      const size = type === 1 || type === 2 ? 4 : type === 20 || type === 21 ? 2 : type === 22 || type === 23 ? 1 : 0;
      if (size === 0) fail(`relocation type ${type} in ${r.name} is not supported`);
      if (off + size > target.length) fail(`relocation at ${off} beyond ${sh[r.info].name}`);
      const A = size === 4 ? tdv.getInt32(off, true) : size === 2 ? tdv.getInt16(off, true) : tdv.getInt8(off);
      const pc = type === 2 || type === 21 || type === 23;
      const v = pc ? S + A - P : S + A;
      if (size === 4) tdv.setUint32(off, v >>> 0, true);
      else if (size === 2) tdv.setUint16(off, v & 0xffff, true);
      else tdv.setUint8(off, v & 0xff);
    }
  }

  const start = syms.find((y) => y.name === '_start' && y.shndx !== SHN_UNDEF);
  const textIdx = sh.findIndex((s) => s.name === '.text');
  const entry = start ? symValue(syms.indexOf(start)) : textIdx >= 0 ? addr[textIdx] : TEXT_BASE;

  // The executable: ELF header, two program headers, segments at their page offsets.
  const textOff = 0x1000;
  const dataOff = align(textOff + (textEnd - TEXT_BASE), 0x1000);
  const total = rw.length ? dataOff + (dataFileEnd - dataBase) : textOff + (textEnd - TEXT_BASE);
  const exe = new Uint8Array(Math.max(total, textOff, dataOff));
  const e = new DataView(exe.buffer);
  exe.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1, 0]);
  e.setUint16(16, 2, true); e.setUint16(18, 3, true); e.setUint32(20, 1, true);
  e.setUint32(24, entry, true); e.setUint32(28, 52, true); e.setUint32(32, 0, true);
  e.setUint16(40, 52, true); e.setUint16(42, 32, true); e.setUint16(44, 2, true);
  e.setUint16(46, 40, true); e.setUint16(48, 0, true); e.setUint16(50, 0, true);
  const ph = (i: number, off: number, vaddr: number, filesz: number, memsz: number, flags: number) => {
    const o = 52 + i * 32;
    e.setUint32(o, 1, true); e.setUint32(o + 4, off, true); e.setUint32(o + 8, vaddr, true); e.setUint32(o + 12, vaddr, true);
    e.setUint32(o + 16, filesz, true); e.setUint32(o + 20, memsz, true); e.setUint32(o + 24, flags, true); e.setUint32(o + 28, 0x1000, true);
  };
  ph(0, textOff, TEXT_BASE, textEnd - TEXT_BASE, Math.max(1, textEnd - TEXT_BASE), 5);
  ph(1, dataOff, dataBase, dataFileEnd - dataBase, Math.max(1, dataEnd - dataBase), 6);
  for (const { i } of ro) exe.set(image.get(i)!, textOff + (addr[i] - TEXT_BASE));
  for (const { i } of rw) exe.set(image.get(i)!, dataOff + (addr[i] - dataBase));

  const sectionAddress = new Map<string, number>();
  sh.forEach((s, i) => { if (addr[i] >= 0) sectionAddress.set(s.name, addr[i]); });
  return { exe, entry, sectionAddress };
}

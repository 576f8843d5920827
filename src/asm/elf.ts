/**
 * ELF32 relocatable object writer (ET_REL, EM_386): user sections, .symtab/.strtab/.shstrtab and
 * .rel.<section> tables with R_386_32 / R_386_PC32 / R_386_16 / R_386_PC16 / R_386_8 relocations.
 */

export interface ElfReloc {
  offset: number;
  /** R_386_* type */
  type: number;
  /** target section id (1-based) when symbol is null */
  section: number;
  symbol: string | null;
}

export interface ElfInput {
  file: string;
  sections: { name: string; nobits: boolean; align: number; data: Uint8Array; size: number; relocs: ElfReloc[]; flags: { alloc: boolean; exec: boolean; write: boolean } }[];
  symbols: { name: string; value: number; section: number; global: boolean; extern: boolean; func: boolean }[];
}

class Buf {
  b = new Uint8Array(1024);
  n = 0;
  ensure(k: number): void {
    if (this.n + k <= this.b.length) return;
    let m = this.b.length * 2;
    while (m < this.n + k) m *= 2;
    const nb = new Uint8Array(m);
    nb.set(this.b.subarray(0, this.n));
    this.b = nb;
  }
  u8(v: number): void {
    this.ensure(1);
    this.b[this.n++] = v & 0xff;
  }
  u16(v: number): void {
    this.u8(v);
    this.u8(v >>> 8);
  }
  u32(v: number): void {
    this.u16(v & 0xffff);
    this.u16((v >>> 16) & 0xffff);
  }
  bytes(d: Uint8Array): void {
    this.ensure(d.length);
    this.b.set(d, this.n);
    this.n += d.length;
  }
  align(a: number): void {
    while (this.n % a) this.u8(0);
  }
  done(): Uint8Array {
    return this.b.slice(0, this.n);
  }
}

class StrTab {
  b = new Buf();
  map = new Map<string, number>();
  constructor() {
    this.b.u8(0);
  }
  add(s: string): number {
    if (s === '') return 0;
    const e = this.map.get(s);
    if (e !== undefined) return e;
    const off = this.b.n;
    this.b.bytes(new TextEncoder().encode(s));
    this.b.u8(0);
    this.map.set(s, off);
    return off;
  }
}

export function writeElf32(inp: ElfInput): Uint8Array {
  const nsec = inp.sections.length;
  // section header indices: 0 null, 1..nsec user sections, then shstrtab, symtab, strtab, rel sections
  const shstr = new StrTab();
  const str = new StrTab();
  // symbols
  interface S { name: number; value: number; size: number; info: number; shndx: number }
  const syms: S[] = [{ name: 0, value: 0, size: 0, info: 0, shndx: 0 }];
  syms.push({ name: str.add(inp.file), value: 0, size: 0, info: 4 /* STT_FILE */, shndx: 0xfff1 });
  const secSym: number[] = [];
  for (let i = 0; i < nsec; i++) {
    secSym[i + 1] = syms.length;
    syms.push({ name: 0, value: 0, size: 0, info: 3 /* STT_SECTION */, shndx: i + 1 });
  }
  const symIndex = new Map<string, number>();
  for (const s of inp.symbols) {
    if (s.global || s.extern) continue;
    symIndex.set(s.name, syms.length);
    syms.push({ name: str.add(s.name), value: s.value >>> 0, size: 0, info: 0, shndx: s.section > 0 ? s.section : 0xfff1 });
  }
  const firstGlobal = syms.length;
  for (const s of inp.symbols) {
    if (!(s.global || s.extern)) continue;
    symIndex.set(s.name, syms.length);
    const type = s.extern ? 0 : s.section > 0 && inp.sections[s.section - 1]?.flags.exec ? 2 : s.section > 0 ? 1 : 0;
    syms.push({ name: str.add(s.name), value: s.extern ? 0 : s.value >>> 0, size: 0, info: (1 << 4) | (s.extern ? 0 : type), shndx: s.extern ? 0 : s.section > 0 ? s.section : 0xfff1 });
  }
  const out = new Buf();
  for (let i = 0; i < 52; i++) out.u8(0);
  const shdrs: number[][] = [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0]];
  // user sections
  for (const s of inp.sections) {
    const flags = (s.flags.write ? 1 : 0) | (s.flags.alloc ? 2 : 0) | (s.flags.exec ? 4 : 0);
    out.align(Math.max(1, Math.min(s.align, 16)));
    const off = out.n;
    if (!s.nobits) out.bytes(s.data);
    shdrs.push([shstr.add(s.name), s.nobits ? 8 : 1, flags, 0, off, s.size, 0, 0, s.align, 0]);
  }
  const shstrIdx = shdrs.length;
  shdrs.push([]); // placeholder
  const symtabIdx = shdrs.length;
  shdrs.push([]);
  const strtabIdx = shdrs.length;
  shdrs.push([]);
  const relHdrs: { idx: number; sec: number }[] = [];
  inp.sections.forEach((s, i) => {
    if (s.relocs.length) {
      relHdrs.push({ idx: shdrs.length, sec: i + 1 });
      shdrs.push([]);
    }
  });
  for (const r of relHdrs) shstr.add('.rel' + inp.sections[r.sec - 1].name);
  const shstrName = shstr.add('.shstrtab');
  const symtabName = shstr.add('.symtab');
  const strtabName = shstr.add('.strtab');
  // .shstrtab
  out.align(1);
  let off = out.n;
  const shd = shstr.b.done();
  out.bytes(shd);
  shdrs[shstrIdx] = [shstrName, 3, 0, 0, off, shd.length, 0, 0, 1, 0];
  // .symtab
  out.align(4);
  off = out.n;
  for (const s of syms) {
    out.u32(s.name);
    out.u32(s.value);
    out.u32(s.size);
    out.u8(s.info);
    out.u8(0);
    out.u16(s.shndx);
  }
  shdrs[symtabIdx] = [symtabName, 2, 0, 0, off, syms.length * 16, strtabIdx, firstGlobal, 4, 16];
  // .strtab
  off = out.n;
  const sd = str.b.done();
  out.bytes(sd);
  shdrs[strtabIdx] = [strtabName, 3, 0, 0, off, sd.length, 0, 0, 1, 0];
  // .rel.*
  for (const r of relHdrs) {
    out.align(4);
    off = out.n;
    const sec = inp.sections[r.sec - 1];
    for (const rel of sec.relocs) {
      let si: number;
      if (rel.symbol !== null) {
        si = symIndex.get(rel.symbol) ?? 0;
      } else si = secSym[rel.section] ?? 0;
      out.u32(rel.offset);
      out.u32((si << 8) | rel.type);
    }
    shdrs[r.idx] = [shstr.map.get('.rel' + sec.name) ?? 0, 9, 0, 0, off, sec.relocs.length * 8, symtabIdx, r.sec, 4, 8];
  }
  out.align(4);
  const shoff = out.n;
  for (const h of shdrs) for (const v of h) out.u32(v);
  const b = out.done();
  // header
  const hdr = new DataView(b.buffer, b.byteOffset, 52);
  b.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1, 0], 0);
  hdr.setUint16(16, 1, true); // ET_REL
  hdr.setUint16(18, 3, true); // EM_386
  hdr.setUint32(20, 1, true);
  hdr.setUint32(24, 0, true);
  hdr.setUint32(28, 0, true);
  hdr.setUint32(32, shoff, true);
  hdr.setUint32(36, 0, true);
  hdr.setUint16(40, 52, true);
  hdr.setUint16(42, 0, true);
  hdr.setUint16(44, 0, true);
  hdr.setUint16(46, 40, true);
  hdr.setUint16(48, shdrs.length, true);
  hdr.setUint16(50, shstrIdx, true);
  return b;
}

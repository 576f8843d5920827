/**
 * DWARF reader for the debugger: `.debug_line` (versions 2–5) into address ↔ file/line rows, and
 * `.debug_info` (versions 2–5) into function names and address ranges (DW_TAG_subprogram with
 * low/high pc or DW_AT_ranges). Handles 32- and 64-bit DWARF, every DW_FORM of DWARF 5 (strx,
 * addrx, line_strp, data16, implicit_const, rnglistx …) and the GNU forms gcc emits.
 *
 * Malformed debug information never throws out of `readDwarf`: the unit that fails is skipped and a
 * warning says so.
 */
import * as path from 'node:path';
import type { ElfFile } from './elf';
import { sectionData } from './elf';

export interface LineRow {
  address: number;
  /** Absolute or comp-dir-relative path as the producer recorded it. */
  file: string;
  line: number;
  column: number;
  isStmt: boolean;
  /** The row closes a sequence (its address is one past the last instruction). */
  endSequence: boolean;
}

export interface DwarfFunction {
  name: string;
  low: number;
  /** One past the last byte. */
  high: number;
  file?: string;
  line?: number;
}

export interface DwarfInfo {
  /** Rows of every line program, in file order (sequences in the order they appear). */
  lines: LineRow[];
  functions: DwarfFunction[];
  /** Compile units' primary source files (absolute when the producer gave a comp_dir). */
  units: string[];
  warnings: string[];
}

class DwarfError extends Error {}

class Reader {
  pos: number;
  constructor(readonly b: Uint8Array, start = 0, readonly end = b.length) {
    this.pos = start;
  }
  need(n: number): void {
    if (n < 0 || this.pos + n > this.end) throw new DwarfError('truncated');
  }
  u8(): number {
    this.need(1);
    return this.b[this.pos++];
  }
  u16(): number {
    this.need(2);
    const v = this.b[this.pos] | (this.b[this.pos + 1] << 8);
    this.pos += 2;
    return v;
  }
  u24(): number {
    this.need(3);
    const v = this.b[this.pos] | (this.b[this.pos + 1] << 8) | (this.b[this.pos + 2] << 16);
    this.pos += 3;
    return v;
  }
  u32(): number {
    this.need(4);
    const p = this.pos;
    const v = (this.b[p] | (this.b[p + 1] << 8) | (this.b[p + 2] << 16) | (this.b[p + 3] << 24)) >>> 0;
    this.pos += 4;
    return v;
  }
  /** 64-bit value as a number (exact below 2^53; larger values only matter as "huge"). */
  u64(): number {
    const lo = this.u32();
    const hi = this.u32();
    return hi * 0x100000000 + lo;
  }
  uN(n: number): number {
    switch (n) {
      case 1: return this.u8();
      case 2: return this.u16();
      case 4: return this.u32();
      case 8: return this.u64();
      default: throw new DwarfError(`bad size ${n}`);
    }
  }
  s8(): number {
    return (this.u8() << 24) >> 24;
  }
  uleb(): number {
    let result = 0;
    let mul = 1;
    for (;;) {
      const byte = this.u8();
      result += (byte & 0x7f) * mul;
      if (!(byte & 0x80)) return result;
      mul *= 128;
      if (mul > 2 ** 70) {
        // Keep consuming (valid LEB128 may be padded), but the value is meaningless beyond 2^64.
        result = Infinity;
      }
    }
  }
  sleb(): number {
    let result = 0;
    let mul = 1;
    let byte: number;
    do {
      byte = this.u8();
      result += (byte & 0x7f) * mul;
      mul *= 128;
    } while (byte & 0x80);
    if (byte & 0x40) result -= mul;
    return result;
  }
  cstr(): string {
    const start = this.pos;
    while (this.pos < this.end && this.b[this.pos] !== 0) this.pos++;
    if (this.pos >= this.end) throw new DwarfError('unterminated string');
    const s = decode(this.b, start, this.pos);
    this.pos++;
    return s;
  }
  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }
}

function decode(b: Uint8Array, start: number, end: number): string {
  let ascii = true;
  for (let i = start; i < end; i++) if (b[i] >= 0x80) { ascii = false; break; }
  if (ascii) {
    let s = '';
    for (let i = start; i < end; i++) s += String.fromCharCode(b[i]);
    return s;
  }
  return Buffer.from(b.subarray(start, end)).toString('utf8');
}

function strAt(sec: Uint8Array | undefined, off: number): string {
  if (!sec || off >= sec.length) throw new DwarfError('string offset out of range');
  let e = off;
  while (e < sec.length && sec[e] !== 0) e++;
  return decode(sec, off, e);
}

// DW_FORM_*
const F = {
  addr: 0x01, block2: 0x03, block4: 0x04, data2: 0x05, data4: 0x06, data8: 0x07, string: 0x08, block: 0x09,
  block1: 0x0a, data1: 0x0b, flag: 0x0c, sdata: 0x0d, strp: 0x0e, udata: 0x0f, ref_addr: 0x10, ref1: 0x11,
  ref2: 0x12, ref4: 0x13, ref8: 0x14, ref_udata: 0x15, indirect: 0x16, sec_offset: 0x17, exprloc: 0x18,
  flag_present: 0x19, strx: 0x1a, addrx: 0x1b, ref_sup4: 0x1c, strp_sup: 0x1d, data16: 0x1e, line_strp: 0x1f,
  ref_sig8: 0x20, implicit_const: 0x21, loclistx: 0x22, rnglistx: 0x23, ref_sup8: 0x24, strx1: 0x25,
  strx2: 0x26, strx3: 0x27, strx4: 0x28, addrx1: 0x29, addrx2: 0x2a, addrx3: 0x2b, addrx4: 0x2c,
  GNU_addr_index: 0x1f01, GNU_str_index: 0x1f02, GNU_ref_alt: 0x1f20, GNU_strp_alt: 0x1f21,
} as const;

// DW_AT_*
const AT_name = 0x03;
const AT_stmt_list = 0x10;
const AT_low_pc = 0x11;
const AT_high_pc = 0x12;
const AT_comp_dir = 0x1b;
const AT_abstract_origin = 0x31;
const AT_decl_file = 0x3a;
const AT_decl_line = 0x3b;
const AT_specification = 0x47;
const AT_ranges = 0x55;
const AT_linkage_name = 0x6e;
const AT_str_offsets_base = 0x72;
const AT_addr_base = 0x73;
const AT_rnglists_base = 0x74;
const AT_GNU_addr_base = 0x2133;
const AT_GNU_ranges_base = 0x2132;

const TAG_compile_unit = 0x11;
const TAG_subprogram = 0x2e;
const TAG_partial_unit = 0x3c;
const TAG_skeleton_unit = 0x4a;

interface Sections {
  info?: Uint8Array;
  abbrev?: Uint8Array;
  line?: Uint8Array;
  str?: Uint8Array;
  lineStr?: Uint8Array;
  strOffsets?: Uint8Array;
  addr?: Uint8Array;
  ranges?: Uint8Array;
  rnglists?: Uint8Array;
}

/** Attribute value: a number (addresses, constants, offsets, references), a string, or a block. */
type AttrValue = { form: number; num: number; str?: string; cls: 'const' | 'addr' | 'str' | 'ref' | 'block' | 'flag' | 'secoff' | 'strx' | 'addrx' | 'rnglistx' | 'other' };

interface AbbrevAttr {
  at: number;
  form: number;
  implicit: number;
}
interface Abbrev {
  tag: number;
  children: boolean;
  attrs: AbbrevAttr[];
}

interface Unit {
  offset: number;
  version: number;
  offsetSize: 4 | 8;
  addrSize: number;
  strOffsetsBase: number;
  addrBase: number;
  rnglistsBase: number;
  lowPc: number;
}

function parseAbbrevs(sec: Uint8Array, offset: number): Map<number, Abbrev> {
  const r = new Reader(sec, offset);
  const map = new Map<number, Abbrev>();
  for (;;) {
    const code = r.uleb();
    if (code === 0) break;
    const tag = r.uleb();
    const children = r.u8() !== 0;
    const attrs: AbbrevAttr[] = [];
    for (;;) {
      const at = r.uleb();
      const form = r.uleb();
      if (at === 0 && form === 0) break;
      const implicit = form === F.implicit_const ? r.sleb() : 0;
      attrs.push({ at, form, implicit });
    }
    map.set(code, { tag, children, attrs });
  }
  return map;
}

function readForm(r: Reader, form: number, u: Unit, implicit: number, depth = 0): AttrValue {
  const os = u.offsetSize;
  switch (form) {
    case F.addr: return { form, num: r.uN(u.addrSize), cls: 'addr' };
    case F.block2: { const n = r.u16(); r.skip(n); return { form, num: n, cls: 'block' }; }
    case F.block4: { const n = r.u32(); r.skip(n); return { form, num: n, cls: 'block' }; }
    case F.block: case F.exprloc: { const n = r.uleb(); r.skip(n); return { form, num: n, cls: 'block' }; }
    case F.block1: { const n = r.u8(); r.skip(n); return { form, num: n, cls: 'block' }; }
    case F.data1: return { form, num: r.u8(), cls: 'const' };
    case F.data2: return { form, num: r.u16(), cls: 'const' };
    case F.data4: return { form, num: r.u32(), cls: 'const' };
    case F.data8: return { form, num: r.u64(), cls: 'const' };
    case F.data16: r.skip(16); return { form, num: 0, cls: 'other' };
    case F.sdata: return { form, num: r.sleb(), cls: 'const' };
    case F.udata: return { form, num: r.uleb(), cls: 'const' };
    case F.string: return { form, num: 0, str: r.cstr(), cls: 'str' };
    case F.strp: case F.line_strp: return { form, num: r.uN(os), cls: 'str' };
    case F.strp_sup: case F.GNU_strp_alt: r.uN(os); return { form, num: 0, cls: 'other' };
    case F.flag: return { form, num: r.u8(), cls: 'flag' };
    case F.flag_present: return { form, num: 1, cls: 'flag' };
    case F.ref_addr: return { form, num: r.uN(u.version <= 2 ? u.addrSize : os), cls: 'ref' };
    case F.ref1: return { form, num: u.offset + r.u8(), cls: 'ref' };
    case F.ref2: return { form, num: u.offset + r.u16(), cls: 'ref' };
    case F.ref4: return { form, num: u.offset + r.u32(), cls: 'ref' };
    case F.ref8: return { form, num: u.offset + r.u64(), cls: 'ref' };
    case F.ref_udata: return { form, num: u.offset + r.uleb(), cls: 'ref' };
    case F.ref_sig8: r.skip(8); return { form, num: 0, cls: 'other' };
    case F.ref_sup4: r.skip(4); return { form, num: 0, cls: 'other' };
    case F.ref_sup8: r.skip(8); return { form, num: 0, cls: 'other' };
    case F.GNU_ref_alt: r.uN(os); return { form, num: 0, cls: 'other' };
    case F.sec_offset: return { form, num: r.uN(os), cls: 'secoff' };
    case F.implicit_const: return { form, num: implicit, cls: 'const' };
    case F.strx: case F.GNU_str_index: return { form, num: r.uleb(), cls: 'strx' };
    case F.strx1: return { form, num: r.u8(), cls: 'strx' };
    case F.strx2: return { form, num: r.u16(), cls: 'strx' };
    case F.strx3: return { form, num: r.u24(), cls: 'strx' };
    case F.strx4: return { form, num: r.u32(), cls: 'strx' };
    case F.addrx: case F.GNU_addr_index: return { form, num: r.uleb(), cls: 'addrx' };
    case F.addrx1: return { form, num: r.u8(), cls: 'addrx' };
    case F.addrx2: return { form, num: r.u16(), cls: 'addrx' };
    case F.addrx3: return { form, num: r.u24(), cls: 'addrx' };
    case F.addrx4: return { form, num: r.u32(), cls: 'addrx' };
    case F.loclistx: r.uleb(); return { form, num: 0, cls: 'other' };
    case F.rnglistx: return { form, num: r.uleb(), cls: 'rnglistx' };
    case F.indirect: {
      if (depth > 4) throw new DwarfError('nested DW_FORM_indirect');
      const f = r.uleb();
      return readForm(r, f, u, 0, depth + 1);
    }
    default: throw new DwarfError(`unknown form 0x${form.toString(16)}`);
  }
}

class Context {
  constructor(readonly s: Sections) {}

  str(v: AttrValue, u: Unit): string | undefined {
    if (v.str !== undefined) return v.str;
    if (v.form === F.strp) return strAt(this.s.str, v.num);
    if (v.form === F.line_strp) return strAt(this.s.lineStr, v.num);
    if (v.cls === 'strx') {
      const so = this.s.strOffsets;
      const off = u.strOffsetsBase + v.num * u.offsetSize;
      if (!so || off + u.offsetSize > so.length) throw new DwarfError('string index out of range');
      return strAt(this.s.str, new Reader(so, off).uN(u.offsetSize));
    }
    return undefined;
  }

  addr(v: AttrValue, u: Unit): number | undefined {
    if (v.cls === 'addr') return v.num;
    if (v.cls === 'addrx') return this.addrIndex(v.num, u);
    return undefined;
  }

  addrIndex(i: number, u: Unit): number {
    const a = this.s.addr;
    const off = u.addrBase + i * u.addrSize;
    if (!a || off + u.addrSize > a.length) throw new DwarfError('address index out of range');
    return new Reader(a, off).uN(u.addrSize);
  }

  /** Address ranges of DW_AT_ranges (v2–4 .debug_ranges, v5 .debug_rnglists). */
  ranges(v: AttrValue, u: Unit): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    if (u.version < 5) {
      const sec = this.s.ranges;
      if (!sec) return out;
      const r = new Reader(sec, v.num);
      let base = u.lowPc;
      const max = u.addrSize === 8 ? 2 ** 64 - 1 : 0xffffffff;
      for (let n = 0; n < 100000; n++) {
        const a = r.uN(u.addrSize);
        const b = r.uN(u.addrSize);
        if (a === 0 && b === 0) break;
        if (a === max) { base = b; continue; }
        out.push([base + a, base + b]);
      }
      return out;
    }
    const sec = this.s.rnglists;
    if (!sec) return out;
    let off = v.num;
    if (v.cls === 'rnglistx') {
      const p = u.rnglistsBase + v.num * u.offsetSize;
      off = u.rnglistsBase + new Reader(sec, p).uN(u.offsetSize);
    }
    const r = new Reader(sec, off);
    let base = u.lowPc;
    for (let n = 0; n < 100000; n++) {
      const kind = r.u8();
      if (kind === 0) break;
      switch (kind) {
        case 1: base = this.addrIndex(r.uleb(), u); break;
        case 2: { const a = this.addrIndex(r.uleb(), u); const b = this.addrIndex(r.uleb(), u); out.push([a, b]); break; }
        case 3: { const a = this.addrIndex(r.uleb(), u); out.push([a, a + r.uleb()]); break; }
        case 4: { const a = r.uleb(); const b = r.uleb(); out.push([base + a, base + b]); break; }
        case 5: base = r.uN(u.addrSize); break;
        case 6: { const a = r.uN(u.addrSize); const b = r.uN(u.addrSize); out.push([a, b]); break; }
        case 7: { const a = r.uN(u.addrSize); out.push([a, a + r.uleb()]); break; }
        default: throw new DwarfError(`bad range list entry ${kind}`);
      }
    }
    return out;
  }
}

interface PendingFn {
  name?: string;
  origin?: number;
  ranges: Array<[number, number]>;
  file?: number;
  line?: number;
  unitIndex: number;
}

interface DieNames {
  name?: string;
  origin?: number;
  file?: number;
  line?: number;
}

/** Reads the line programs and functions. `bias` is added to every address (static-PIE load bias). */
export function readDwarf(elf: ElfFile, bias = 0): DwarfInfo {
  const warnings: string[] = [];
  const sec = (name: string): Uint8Array | undefined => {
    try {
      return sectionData(elf, name);
    } catch (e) {
      warnings.push(e instanceof Error ? e.message : String(e));
      return undefined;
    }
  };
  const s: Sections = {
    info: sec('.debug_info'), abbrev: sec('.debug_abbrev'), line: sec('.debug_line'), str: sec('.debug_str'),
    lineStr: sec('.debug_line_str'), strOffsets: sec('.debug_str_offsets'), addr: sec('.debug_addr'),
    ranges: sec('.debug_ranges'), rnglists: sec('.debug_rnglists'),
  };
  const ctx = new Context(s);
  const lines: LineRow[] = [];
  const functions: DwarfFunction[] = [];
  const units: string[] = [];
  /** comp_dir and stmt_list per unit, to read the line programs with the right directories. */
  const lineUnits = new Map<number, { compDir: string; name: string; files?: string[] }>();
  const dieNames = new Map<number, DieNames>();
  const pending: PendingFn[] = [];
  const unitFiles: Array<string[] | undefined> = [];
  const unitStmt: number[] = [];

  if (s.info && s.abbrev) {
    const info = s.info;
    let off = 0;
    let unitIndex = 0;
    while (off + 4 <= info.length) {
      const r = new Reader(info, off);
      let unitEnd: number;
      let offsetSize: 4 | 8 = 4;
      try {
        let len = r.u32();
        if (len === 0xffffffff) { len = r.u64(); offsetSize = 8; }
        else if (len >= 0xfffffff0) throw new DwarfError('reserved unit length');
        unitEnd = r.pos + len;
        if (unitEnd > info.length) throw new DwarfError('unit extends past the end of .debug_info');
      } catch (e) {
        warnings.push(`.debug_info at 0x${off.toString(16)}: ${(e as Error).message}`);
        break;
      }
      try {
        readUnit(ctx, new Reader(info, r.pos, unitEnd), off, offsetSize, unitIndex, dieNames, pending, lineUnits, units, unitStmt);
      } catch (e) {
        if (!(e instanceof DwarfError)) throw e;
        warnings.push(`.debug_info unit at 0x${off.toString(16)} skipped: ${e.message}`);
      }
      unitIndex++;
      off = unitEnd;
    }
  }

  if (s.line) {
    const seen = new Set<number>();
    const programs: Array<{ off: number; compDir: string; name: string }> = [];
    for (const [off, v] of lineUnits) programs.push({ off, compDir: v.compDir, name: v.name });
    if (programs.length === 0) {
      // No .debug_info: walk the line section unit by unit.
      let off = 0;
      while (off + 4 <= s.line.length) {
        programs.push({ off, compDir: '', name: '' });
        const r = new Reader(s.line, off);
        let len = r.u32();
        if (len === 0xffffffff) len = r.u64();
        if (len === 0 || len >= 0xfffffff0 && len !== 0xffffffff) break;
        off = r.pos + len;
      }
    }
    for (const p of programs) {
      if (seen.has(p.off)) continue;
      seen.add(p.off);
      try {
        const files = readLineProgram(ctx, s.line, p.off, p.compDir, lines, bias);
        const lu = lineUnits.get(p.off);
        if (lu) lu.files = files;
      } catch (e) {
        if (!(e instanceof DwarfError)) throw e;
        warnings.push(`.debug_line program at 0x${p.off.toString(16)} skipped: ${e.message}`);
      }
    }
  }
  for (let i = 0; i < unitStmt.length; i++) unitFiles[i] = unitStmt[i] >= 0 ? lineUnits.get(unitStmt[i])?.files : undefined;

  // Resolve names through abstract_origin / specification chains.
  const resolve = (d: DieNames | undefined): DieNames => {
    const out: DieNames = {};
    for (let i = 0; d && i < 8; i++) {
      if (out.name === undefined && d.name !== undefined) out.name = d.name;
      if (out.file === undefined && d.file !== undefined) out.file = d.file;
      if (out.line === undefined && d.line !== undefined) out.line = d.line;
      if (out.name !== undefined && out.file !== undefined) break;
      d = d.origin !== undefined ? dieNames.get(d.origin) : undefined;
    }
    return out;
  };
  for (const p of pending) {
    const n = resolve({ name: p.name, origin: p.origin, file: p.file, line: p.line });
    if (n.name === undefined) continue;
    const files = unitFiles[p.unitIndex];
    const file = files && n.file !== undefined ? files[n.file] : undefined;
    for (const [lo, hi] of p.ranges) {
      if (hi <= lo || lo === 0 && !elf.pie) continue; // discarded (garbage-collected) functions have pc 0
      const f: DwarfFunction = { name: n.name, low: (lo + bias) >>> 0, high: hi - lo + ((lo + bias) >>> 0) };
      if (file !== undefined) f.file = file;
      if (n.line !== undefined) f.line = n.line;
      functions.push(f);
    }
  }
  functions.sort((a, b) => a.low - b.low);
  return { lines, functions, units, warnings };
}

function readUnit(ctx: Context, r: Reader, unitOff: number, offsetSize: 4 | 8, unitIndex: number,
  dieNames: Map<number, DieNames>, pending: PendingFn[],
  lineUnits: Map<number, { compDir: string; name: string }>, units: string[], unitStmt: number[]): void {
  unitStmt[unitIndex] = -1;
  const version = r.u16();
  if (version < 2 || version > 5) throw new DwarfError(`unsupported DWARF version ${version}`);
  let abbrevOff: number;
  let addrSize: number;
  if (version >= 5) {
    const unitType = r.u8();
    addrSize = r.u8();
    abbrevOff = r.uN(offsetSize);
    if (unitType === 4 || unitType === 5) r.skip(8); // skeleton / split_compile: dwo_id
    else if (unitType === 2 || unitType === 6) { r.skip(8); r.uN(offsetSize); } // type units
    else if (unitType !== 1 && unitType !== 3) throw new DwarfError(`unknown unit type ${unitType}`);
  } else {
    abbrevOff = r.uN(offsetSize);
    addrSize = r.u8();
  }
  if (addrSize !== 4 && addrSize !== 8 && addrSize !== 2) throw new DwarfError(`bad address size ${addrSize}`);
  const abbrevSec = ctx.s.abbrev;
  if (!abbrevSec || abbrevOff >= abbrevSec.length) throw new DwarfError('abbreviation offset out of range');
  const abbrevs = parseAbbrevs(abbrevSec, abbrevOff);
  const u: Unit = { offset: unitOff, version, offsetSize, addrSize, strOffsetsBase: 0, addrBase: 0, rnglistsBase: 0, lowPc: 0 };

  let depth = 0;
  let first = true;
  while (r.pos < r.end) {
    const dieOff = r.pos;
    const code = r.uleb();
    if (code === 0) {
      depth--;
      if (depth <= 0) break;
      continue;
    }
    const ab = abbrevs.get(code);
    if (!ab) throw new DwarfError(`unknown abbreviation ${code}`);
    const vals: Array<[number, AttrValue]> = [];
    for (const a of ab.attrs) vals.push([a.at, readForm(r, a.form, u, a.implicit)]);
    const get = (at: number): AttrValue | undefined => {
      for (const [k, v] of vals) if (k === at) return v;
      return undefined;
    };
    if (first) {
      first = false;
      if (ab.tag === TAG_compile_unit || ab.tag === TAG_partial_unit || ab.tag === TAG_skeleton_unit) {
        // Bases first: other attributes of this DIE may depend on them.
        const sob = get(AT_str_offsets_base);
        if (sob) u.strOffsetsBase = sob.num;
        else if (version >= 5) u.strOffsetsBase = offsetSize === 4 ? 8 : 16;
        const ab2 = get(AT_addr_base) ?? get(AT_GNU_addr_base);
        if (ab2) u.addrBase = ab2.num;
        const rb = get(AT_rnglists_base) ?? get(AT_GNU_ranges_base);
        if (rb) u.rnglistsBase = rb.num;
        const low = get(AT_low_pc);
        if (low) u.lowPc = ctx.addr(low, u) ?? 0;
        const nameV = get(AT_name);
        const dirV = get(AT_comp_dir);
        const name = nameV ? ctx.str(nameV, u) ?? '' : '';
        const compDir = dirV ? ctx.str(dirV, u) ?? '' : '';
        if (name) units.push(compDir && !path.isAbsolute(name) ? path.join(compDir, name) : name);
        const stmt = get(AT_stmt_list);
        if (stmt) {
          lineUnits.set(stmt.num, { compDir, name });
          unitStmt[unitIndex] = stmt.num;
        }
      }
    }
    if (ab.tag === TAG_subprogram || vals.some(([k]) => k === AT_name || k === AT_abstract_origin || k === AT_specification)) {
      const d: DieNames = {};
      const nameV = get(AT_linkage_name) ?? get(0x2007) ?? get(AT_name);
      const plainName = get(AT_name);
      if (plainName) d.name = ctx.str(plainName, u);
      else if (nameV) d.name = ctx.str(nameV, u);
      const org = get(AT_abstract_origin) ?? get(AT_specification);
      if (org && org.cls === 'ref') d.origin = org.num;
      const df = get(AT_decl_file);
      if (df && df.cls === 'const') d.file = df.num;
      const dl = get(AT_decl_line);
      if (dl && dl.cls === 'const') d.line = dl.num;
      dieNames.set(dieOff, d);
      if (ab.tag === TAG_subprogram) {
        const ranges: Array<[number, number]> = [];
        const low = get(AT_low_pc);
        const high = get(AT_high_pc);
        const rng = get(AT_ranges);
        if (low && high) {
          const lo = ctx.addr(low, u);
          if (lo !== undefined) {
            const hiAddr = ctx.addr(high, u);
            const hi = hiAddr !== undefined ? hiAddr : high.cls === 'const' ? lo + high.num : undefined;
            if (hi !== undefined) ranges.push([lo, hi]);
          }
        } else if (rng) {
          ranges.push(...ctx.ranges(rng, u));
        }
        if (ranges.length) pending.push({ ...d, ranges, unitIndex });
      }
    }
    if (ab.children) depth++;
    else if (depth === 0) break;
  }
}

/** Runs one line program; appends rows; returns the file table (index → path). */
function readLineProgram(ctx: Context, sec: Uint8Array, off: number, compDir: string, out: LineRow[], bias: number): string[] {
  const h = new Reader(sec, off);
  let offsetSize: 4 | 8 = 4;
  let len = h.u32();
  if (len === 0xffffffff) { len = h.u64(); offsetSize = 8; }
  else if (len >= 0xfffffff0) throw new DwarfError('reserved unit length');
  const end = h.pos + len;
  if (end > sec.length) throw new DwarfError('line program extends past the end of .debug_line');
  const r = new Reader(sec, h.pos, end);
  const version = r.u16();
  if (version < 2 || version > 5) throw new DwarfError(`unsupported line table version ${version}`);
  let addrSize = 4;
  if (version >= 5) {
    addrSize = r.u8();
    r.u8(); // segment selector size
  }
  const headerLength = r.uN(offsetSize);
  const progStart = r.pos + headerLength;
  if (progStart > end) throw new DwarfError('header length past the end');
  const minInst = r.u8();
  const maxOps = version >= 4 ? r.u8() : 1;
  const defaultIsStmt = r.u8() !== 0;
  const lineBase = r.s8();
  const lineRange = r.u8();
  const opcodeBase = r.u8();
  if (lineRange === 0) throw new DwarfError('line_range is 0');
  if (maxOps === 0) throw new DwarfError('maximum_operations_per_instruction is 0');
  const stdLens: number[] = [0];
  for (let i = 1; i < opcodeBase; i++) stdLens.push(r.u8());

  const dirs: string[] = [];
  const files: string[] = [];
  const u: Unit = { offset: 0, version, offsetSize, addrSize, strOffsetsBase: 0, addrBase: 0, rnglistsBase: 0, lowPc: 0 };
  const join = (dir: string, name: string): string => (path.isAbsolute(name) || !dir ? name : path.join(dir, name));
  if (version >= 5) {
    const readEntries = (isDir: boolean): void => {
      const fmtCount = r.u8();
      const fmt: Array<[number, number]> = [];
      for (let i = 0; i < fmtCount; i++) fmt.push([r.uleb(), r.uleb()]);
      const count = r.uleb();
      if (count > end - r.pos) throw new DwarfError('too many entries');
      for (let i = 0; i < count; i++) {
        let name = '';
        let dirIndex = 0;
        for (const [ct, form] of fmt) {
          const v = readForm(r, form, u, 0);
          if (ct === 1) name = ctx.str(v, u) ?? '';
          else if (ct === 2) dirIndex = v.num;
        }
        if (isDir) dirs.push(i === 0 ? name : join(dirs[0] ?? compDir, name));
        else files.push(join(dirs[dirIndex] ?? '', name));
      }
    };
    readEntries(true);
    readEntries(false);
  } else {
    dirs.push(compDir);
    for (;;) {
      const d = r.cstr();
      if (!d) break;
      dirs.push(join(compDir, d));
    }
    files.push('');
    for (;;) {
      const name = r.cstr();
      if (!name) break;
      const di = r.uleb();
      r.uleb();
      r.uleb();
      files.push(join(dirs[di] ?? '', name));
    }
  }

  r.pos = progStart;
  let address = 0;
  let opIndex = 0;
  let file = 1;
  let line = 1;
  let column = 0;
  let isStmt = defaultIsStmt;
  const fileName = (i: number): string => files[i] ?? `<file ${i}>`;
  const emit = (endSeq: boolean): void => {
    out.push({ address: (address + bias) >>> 0, file: fileName(file), line, column, isStmt, endSequence: endSeq });
  };
  const advance = (opAdv: number): void => {
    if (maxOps === 1) address += minInst * opAdv;
    else {
      address += minInst * Math.floor((opIndex + opAdv) / maxOps);
      opIndex = (opIndex + opAdv) % maxOps;
    }
    address = address % 0x100000000;
  };
  while (r.pos < end) {
    const op = r.u8();
    if (op >= opcodeBase) {
      const adj = op - opcodeBase;
      advance(Math.floor(adj / lineRange));
      line += lineBase + (adj % lineRange);
      emit(false);
      continue;
    }
    switch (op) {
      case 0: {
        const n = r.uleb();
        if (n === 0) break;
        const next = r.pos + n;
        if (next > end) throw new DwarfError('extended opcode past the end');
        const sub = r.u8();
        if (sub === 1) {
          emit(true);
          address = 0; opIndex = 0; file = 1; line = 1; column = 0; isStmt = defaultIsStmt;
        } else if (sub === 2) {
          const sz = n - 1;
          address = sz === 1 || sz === 2 || sz === 4 || sz === 8 ? r.uN(sz) % 0x100000000 : 0;
          opIndex = 0;
        } else if (sub === 3 && version < 5) {
          const name = r.cstr();
          const di = r.uleb();
          files.push(join(dirs[di] ?? '', name));
        }
        r.pos = next;
        break;
      }
      case 1: emit(false); break;
      case 2: advance(r.uleb()); break;
      case 3: line += r.sleb(); break;
      case 4: file = r.uleb(); break;
      case 5: column = r.uleb(); break;
      case 6: isStmt = !isStmt; break;
      case 7: break;
      case 8: advance(Math.floor((255 - opcodeBase) / lineRange)); break;
      case 9: address = (address + r.u16()) % 0x100000000; opIndex = 0; break;
      case 10: case 11: break;
      case 12: r.uleb(); break;
      default:
        for (let i = 0; i < stdLens[op]; i++) r.uleb();
    }
  }
  return files;
}

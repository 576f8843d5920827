/**
 * Differential harness for the x87 unit: random instruction cases (operands biased toward special
 * values), emitted as a tiny static i386 ELF (written here byte by byte) that runs every case and
 * dumps FNSAVE images, EAX and EFLAGS to stdout; the same cases run through our Fpu with a fake
 * host over a Uint8Array; the records are compared byte for byte.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Fpu } from '../../../src/vm/cpu/fpu';
import type { FpuHost } from '../../../src/vm/cpu/fpuApi';

export const BASE = 0x08048000;
export const REC = 256;
// record layout
export const R_CW = 0, R_EAX = 8, R_FLAGS = 12, R_MEM = 16, R_VALS = 64, R_SAVE = 144;
/** Memory operand slots per case (one per instruction of a sequence). */
export const MEMSLOTS = 3;
export const MAXVALS = 8;

export class Rng {
  private s: number;
  constructor(seed: number) { this.s = (seed >>> 0) || 1; }
  u32(): number {
    let x = this.s;
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    this.s = x;
    return x;
  }
  int(n: number): number { return this.u32() % n; }
  bool(p = 0.5): boolean { return this.u32() / 4294967296 < p; }
  pick<T>(a: readonly T[]): T { return a[this.int(a.length)]; }
}

export interface Case {
  cw: number;
  flagsIn: number;
  vals: Uint8Array[]; // 10-byte values, vals[0] ends up in ST0
  mem: Uint8Array; // 16 bytes per slot: initial memory operands
  op: number; // first instruction: 0..7 (opcode - 0xD8)
  modrm: number; // register form, or memory form with reg field (rm/mod filled by the emitter)
  name: string;
  /** All instructions (the first is op/modrm); instruction j uses memory slot j. */
  ins: { op: number; modrm: number; p66?: boolean }[];
}

// ---- operand generation ------------------------------------------------------------------------

function put80(b: Uint8Array, off: number, se: number, hi: number, lo: number): void {
  const dv = new DataView(b.buffer, b.byteOffset);
  dv.setUint32(off, lo >>> 0, true); dv.setUint32(off + 4, hi >>> 0, true); dv.setUint16(off + 8, se & 0xffff, true);
}

/** A random 64-bit significand with patterns near the 24/53/64-bit rounding points. */
function sig(r: Rng): [number, number] {
  let hi = (r.u32() | 0x80000000) >>> 0, lo = r.u32();
  switch (r.int(8)) {
    case 0: { // near the 24-bit boundary: bits 39..0 = pattern
      const pat = r.pick([0x8000000000, 0x7fffffffff, 0x8000000001, 0, 0xffffffffff, 0x0000000001]);
      hi = (hi & 0xffffff00) | Math.floor(pat / 4294967296); lo = pat >>> 0; break;
    }
    case 1: { // near 53-bit boundary: bits 10..0
      const pat = r.pick([0x400, 0x3ff, 0x401, 0, 0x7ff, 1]);
      lo = ((lo & ~0x7ff) | pat) >>> 0; break;
    }
    case 2: lo = r.pick([0, 1, 0x80000000, 0xffffffff, 0x7fffffff]); if (r.bool()) hi = 0x80000000; break;
    case 3: hi = r.pick([0x80000000, 0xffffffff, 0xc0000000]); lo = r.pick([0, 0xffffffff, 1]); break;
    default: break;
  }
  return [hi >>> 0, lo >>> 0];
}

export function randF80(r: Rng, out: Uint8Array, off: number, near = 0x3fff): void {
  const s = r.bool() ? 0x8000 : 0;
  const k = r.int(100);
  const [hi, lo] = sig(r);
  if (k < 40) put80(out, off, s | ((near + r.int(9) - 4) & 0x7fff), hi, lo); // comparable magnitudes
  else if (k < 55) put80(out, off, s | (0x3fff + r.int(141) - 70), hi, lo);
  else if (k < 60) put80(out, off, s, 0, 0); // zero
  else if (k < 65) { // denormal
    const sh = r.int(64);
    const h = sh >= 32 ? 0 : (hi >>> (sh + 1)), l = sh >= 32 ? (hi >>> (sh - 31)) >>> 0 : (((hi << (31 - sh)) << 0) | (lo >>> (sh + 1))) >>> 0;
    put80(out, off, s, h >>> 0, (l || 1) >>> 0);
  } else if (k < 68) put80(out, off, s | 0x7fff, 0x80000000, 0); // inf
  else if (k < 71) put80(out, off, s | 0x7fff, (hi | 0xc0000000) >>> 0, lo); // qnan
  else if (k < 74) put80(out, off, s | 0x7fff, ((hi & ~0x40000000) | 0x80000000 | (lo === 0 ? 1 : 0)) >>> 0, lo); // snan
  else if (k < 76) put80(out, off, s | 0x7fff, 0xc0000000, 0);
  else if (k < 80) put80(out, off, s | (r.bool() ? 0x7ffe - r.int(64) : 1 + r.int(64)), hi, lo); // huge/tiny
  else if (k < 84) put80(out, off, s | (0x3fff + r.int(64)), hi, 0); // integer-ish
  else if (k < 86) put80(out, off, s | (1 + r.int(0x7ffe)), (hi & 0x7fffffff) >>> 0, lo); // unnormal
  else if (k < 87) put80(out, off, s, (hi | 0x80000000) >>> 0, lo); // pseudo-denormal
  else if (k < 88) put80(out, off, s | 0x7fff, (hi & 0x7fffffff) >>> 0, lo); // pseudo-nan/inf
  else put80(out, off, s | ((near + r.int(3) - 1) & 0x7fff), hi, lo);
}

export function randF32(r: Rng): number {
  const s = r.bool() ? 0x80000000 : 0;
  const k = r.int(20);
  if (k === 0) return s;
  if (k === 1) return (s | 0x7f800000) >>> 0;
  if (k === 2) return (s | 0x7fc00000 | r.int(0x400000)) >>> 0;
  if (k === 3) return (s | 0x7f800000 | (1 + r.int(0x3fffff))) >>> 0;
  if (k === 4) return (s | (1 + r.int(0x7fffff))) >>> 0;
  return (s | ((117 + r.int(20)) << 23) | r.int(0x800000)) >>> 0;
}
export function randF64(r: Rng): [number, number] {
  const s = r.bool() ? 0x80000000 : 0;
  const k = r.int(20);
  if (k === 0) return [s, 0];
  if (k === 1) return [(s | 0x7ff00000) >>> 0, 0];
  if (k === 2) return [(s | 0x7ff80000 | r.int(0x80000)) >>> 0, r.u32()];
  if (k === 3) return [(s | 0x7ff00000 | r.int(0x80000)) >>> 0, r.u32() | 1];
  if (k === 4) return [(s | r.int(0x100000)) >>> 0, r.u32() | 1];
  return [(s | ((1013 + r.int(20)) << 20) | r.int(0x100000)) >>> 0, r.u32()];
}
export function randInt(r: Rng, bits: number): number {
  const k = r.int(6);
  if (bits === 16) {
    if (k === 0) return r.pick([0, 1, 0xffff, 0x8000, 0x7fff]);
    return r.int(0x10000);
  }
  if (k === 0) return r.pick([0, 1, 0xffffffff, 0x80000000, 0x7fffffff]);
  if (k === 1) return r.int(256);
  return r.u32();
}

// ---- instruction selection ----------------------------------------------------------------------

interface Form { op: number; modrm: number; need: number; push: number; name: string; mem?: 'f32' | 'f64' | 'i16' | 'i32' | 'i64' | 'f80' | 'bcd' | 'store' | 'env32' | 'env16'; pop?: number; p66?: boolean }

const ARITH = ['fadd', 'fmul', 'fcom', 'fcomp', 'fsub', 'fsubr', 'fdiv', 'fdivr'];

export function basicForms(): Form[] {
  const f: Form[] = [];
  const R = (op: number, modrm: number, need: number, push: number, name: string): void => { f.push({ op, modrm, need, push, name }); };
  const M = (op: number, reg: number, need: number, push: number, name: string, mem: Form['mem']): void => { f.push({ op, modrm: reg << 3, need, push, name, mem }); };
  for (let r = 0; r < 8; r++) for (let i = 0; i < 8; i++) {
    R(0, 0xc0 | (r << 3) | i, Math.max(1, i + 1), 0, ARITH[r] + ' st0,st' + i);
    if (r !== 2 && r !== 3) {
      R(4, 0xc0 | (r << 3) | i, Math.max(1, i + 1), 0, 'dc ' + ARITH[r] + ' st' + i);
      R(6, 0xc0 | (r << 3) | i, Math.max(1, i + 1), 0, 'de ' + ARITH[r] + 'p st' + i);
    }
  }
  R(6, 0xd9, 2, 0, 'fcompp');
  R(2, 0xe9, 2, 0, 'fucompp');
  for (let i = 0; i < 8; i++) {
    R(1, 0xc0 | i, i + 1, 1, 'fld st' + i);
    R(1, 0xc8 | i, i + 1, 0, 'fxch st' + i);
    R(5, 0xc0 | i, 0, 0, 'ffree st' + i);
    R(5, 0xd0 | i, i + 1, 0, 'fst st' + i);
    R(5, 0xd8 | i, i + 1, 0, 'fstp st' + i);
    R(5, 0xe0 | i, i + 1, 0, 'fucom st' + i);
    R(5, 0xe8 | i, i + 1, 0, 'fucomp st' + i);
    for (let c = 0; c < 4; c++) {
      R(2, 0xc0 | (c << 3) | i, i + 1, 0, 'fcmov' + ['b', 'e', 'be', 'u'][c] + ' st' + i);
      R(3, 0xc0 | (c << 3) | i, i + 1, 0, 'fcmovn' + ['b', 'e', 'be', 'u'][c] + ' st' + i);
    }
    R(3, 0xe8 | i, i + 1, 0, 'fucomi st' + i);
    R(3, 0xf0 | i, i + 1, 0, 'fcomi st' + i);
    R(7, 0xe8 | i, i + 1, 0, 'fucomip st' + i);
    R(7, 0xf0 | i, i + 1, 0, 'fcomip st' + i);
    // undocumented aliases (qemu implements them as the documented instructions)
    R(1, 0xd8 | i, i + 1, 0, 'fstp1 st' + i);
    R(4, 0xd0 | i, i + 1, 0, 'fcom2 st' + i);
    R(4, 0xd8 | i, i + 1, 0, 'fcomp3 st' + i);
    R(5, 0xc8 | i, i + 1, 0, 'fxch4 st' + i);
    R(6, 0xd0 | i, i + 1, 0, 'fcomp5 st' + i);
    R(7, 0xc8 | i, i + 1, 0, 'fxch7 st' + i);
    R(7, 0xd0 | i, i + 1, 0, 'fstp8 st' + i);
    R(7, 0xd8 | i, i + 1, 0, 'fstp9 st' + i);
    R(7, 0xc0 | i, Math.max(1, i + 1), 0, 'ffreep st' + i);
  }
  R(1, 0xe0, 1, 0, 'fchs'); R(1, 0xe1, 1, 0, 'fabs'); R(1, 0xe4, 1, 0, 'ftst'); R(1, 0xe5, 0, 0, 'fxam');
  for (let i = 0; i < 7; i++) R(1, 0xe8 + i, 0, 1, ['fld1', 'fldl2t', 'fldl2e', 'fldpi', 'fldlg2', 'fldln2', 'fldz'][i]);
  R(1, 0xf4, 1, 1, 'fxtract'); R(1, 0xf5, 2, 0, 'fprem1'); R(1, 0xf8, 2, 0, 'fprem');
  R(1, 0xfa, 1, 0, 'fsqrt'); R(1, 0xfc, 1, 0, 'frndint'); R(1, 0xfd, 2, 0, 'fscale');
  R(1, 0xf6, 0, 0, 'fdecstp'); R(1, 0xf7, 0, 0, 'fincstp'); R(1, 0xd0, 0, 0, 'fnop');
  R(3, 0xe2, 0, 0, 'fnclex'); R(7, 0xe0, 0, 0, 'fnstsw ax');
  for (let r = 0; r < 8; r++) {
    M(0, r, 1, 0, ARITH[r] + ' m32', 'f32');
    M(4, r, 1, 0, ARITH[r] + ' m64', 'f64');
    M(2, r, 1, 0, 'fi' + ARITH[r].slice(1) + ' m32', 'i32');
    M(6, r, 1, 0, 'fi' + ARITH[r].slice(1) + ' m16', 'i16');
  }
  M(1, 0, 0, 1, 'fld m32', 'f32'); M(1, 2, 1, 0, 'fst m32', 'store'); M(1, 3, 1, 0, 'fstp m32', 'store');
  M(1, 7, 0, 0, 'fnstcw', 'store');
  M(3, 0, 0, 1, 'fild m32', 'i32'); M(3, 2, 1, 0, 'fist m32', 'store'); M(3, 3, 1, 0, 'fistp m32', 'store');
  M(3, 1, 1, 0, 'fisttp m32', 'store');
  M(3, 5, 0, 1, 'fld m80', 'f80'); M(3, 7, 1, 0, 'fstp m80', 'store');
  M(5, 0, 0, 1, 'fld m64', 'f64'); M(5, 2, 1, 0, 'fst m64', 'store'); M(5, 3, 1, 0, 'fstp m64', 'store');
  M(5, 1, 1, 0, 'fisttp m64', 'store');
  M(5, 7, 0, 0, 'fnstsw m16', 'store');
  M(7, 0, 0, 1, 'fild m16', 'i16'); M(7, 2, 1, 0, 'fist m16', 'store'); M(7, 3, 1, 0, 'fistp m16', 'store');
  M(7, 1, 1, 0, 'fisttp m16', 'store');
  M(7, 4, 0, 1, 'fbld', 'bcd'); M(7, 5, 0, 1, 'fild m64', 'i64'); M(7, 6, 1, 0, 'fbstp', 'store');
  M(7, 7, 1, 0, 'fistp m64', 'store');
  // environment: FNSTENV/FLDENV with 32- and 16-bit operand size (28/14 bytes, uses all memory slots)
  M(1, 6, 0, 0, 'fnstenv', 'store');
  f.push({ op: 1, modrm: 6 << 3, need: 0, push: 0, name: 'fnstenv o16', mem: 'store', p66: true });
  M(1, 4, 0, 0, 'fldenv', 'env32');
  f.push({ op: 1, modrm: 4 << 3, need: 0, push: 0, name: 'fldenv o16', mem: 'env16', p66: true });
  for (const x of f) {
    const n = x.name;
    if (n === 'fcompp' || n === 'fucompp') x.pop = 2;
    else if (/^(fstp|fistp|fisttp|fbstp|fcomp |fucomp |fcomip|fucomip|fcomp st|fcomp m|ficomp|fcomp3|fcomp5|ffreep)/.test(n) || /^de .*p st/.test(n)) x.pop = 1;
    else x.pop = 0;
    if (n === 'fxtract') x.push = 1;
  }
  return f;
}

export function transForms(): Form[] {
  return [
    { op: 1, modrm: 0xf0, need: 1, push: 0, name: 'f2xm1' },
    { op: 1, modrm: 0xf1, need: 2, push: 0, name: 'fyl2x' },
    { op: 1, modrm: 0xf9, need: 2, push: 0, name: 'fyl2xp1' },
    { op: 1, modrm: 0xf3, need: 2, push: 0, name: 'fpatan' },
    { op: 1, modrm: 0xfe, need: 1, push: 0, name: 'fsin' },
    { op: 1, modrm: 0xff, need: 1, push: 0, name: 'fcos' },
    { op: 1, modrm: 0xf2, need: 1, push: 1, name: 'fptan' },
    { op: 1, modrm: 0xfb, need: 1, push: 1, name: 'fsincos' },
  ];
}

function randBcd(r: Rng, out: Uint8Array): void {
  for (let i = 0; i < 9; i++) out[i] = r.bool(0.9) ? (r.int(10) << 4) | r.int(10) : r.int(256);
  if (r.bool(0.3)) for (let i = 4; i < 9; i++) out[i] = 0;
  out[9] = r.bool() ? 0x80 : 0;
}

export function genCase(r: Rng, forms: Form[], cwMasked = true): Case {
  let form = r.pick(forms);
  while (form.need > MAXVALS - form.push) form = r.pick(forms);
  const maxK = MAXVALS - form.push;
  const k = r.bool(0.7) ? Math.min(maxK, form.need + r.int(2)) : form.need + r.int(maxK - form.need + 1);
  const vals: Uint8Array[] = [];
  const near = 0x3fff + r.int(61) - 30;
  for (let i = 0; i < k; i++) { const v = new Uint8Array(10); randF80(r, v, 0, near); vals.push(v); }
  const mem = new Uint8Array(16 * MEMSLOTS);
  fillMem(r, form, mem, 0, near);
  let cw = (cwMasked ? 0x3f : r.int(64)) | 0x40 | (r.int(4) << 8) | (r.int(4) << 10);
  if (r.bool(0.1)) cw |= 0x1000;
  const flagsIn = (r.u32() & 0x8d5) | 2;
  return { cw, flagsIn, vals, mem, op: form.op, modrm: form.modrm, name: form.name, ins: [{ op: form.op, modrm: form.modrm, p66: form.p66 }] };
}

function fillMem(r: Rng, form: Form, mem: Uint8Array, slot: number, near: number): void {
  const o = 16 * slot;
  const dv = new DataView(mem.buffer, o, 16);
  const sub = mem.subarray(o, o + 16);
  switch (form.mem) {
    case 'f32': dv.setUint32(0, randF32(r), true); break;
    case 'f64': { const [h, l] = randF64(r); dv.setUint32(0, l, true); dv.setUint32(4, h, true); break; }
    case 'i16': dv.setUint16(0, randInt(r, 16), true); break;
    case 'i32': dv.setUint32(0, randInt(r, 32), true); break;
    case 'i64': dv.setUint32(0, randInt(r, 32), true); dv.setUint32(4, r.bool() ? (r.bool() ? 0 : 0xffffffff) : randInt(r, 32), true); break;
    case 'f80': randF80(r, sub, 0, near); break;
    case 'bcd': randBcd(r, sub); break;
    case 'env32': case 'env16': {
      // control word, status word, tag word (random), pointers; the 32-bit layout spans the slots
      const w = form.mem === 'env32' ? 4 : 2;
      const all = new DataView(mem.buffer);
      for (let i = 0; i < 28; i++) mem[i] = r.int(256);
      all.setUint16(0, (r.u32() & 0x1f3f) | 0x40, true);
      all.setUint16(w, r.u32() & 0xffff, true);
      all.setUint16(2 * w, r.bool(0.5) ? 0xffff : r.u32() & 0xffff, true);
      break;
    }
    default: sub.fill(0xcc); break;
  }
}

/** A sequence of 2–4 instructions on a consistent stack (no underflow/overflow, which qemu lacks). */
export function genSeq(r: Rng, forms: Form[]): Case {
  const usable = forms.filter((f) => !/^(fincstp|fdecstp|ffree|fnstenv|fldenv)/.test(f.name));
  const n = 2 + r.int(3);
  const k = 1 + r.int(4);
  const near = 0x3fff + r.int(61) - 30;
  const vals: Uint8Array[] = [];
  for (let i = 0; i < k; i++) { const v = new Uint8Array(10); randF80(r, v, 0, near); vals.push(v); }
  const mem = new Uint8Array(16 * MEMSLOTS);
  const ins: { op: number; modrm: number }[] = [];
  const names: string[] = [];
  let depth = k;
  for (let j = 0; j < n && j < MEMSLOTS; j++) {
    let form = r.pick(usable);
    let tries = 0;
    while ((form.need > depth || depth + form.push > 8 || depth - (form.pop ?? 0) + form.push < 0) && tries++ < 100) form = r.pick(usable);
    if (tries >= 100) break;
    ins.push({ op: form.op, modrm: form.modrm });
    names.push(form.name);
    fillMem(r, form, mem, j, near);
    depth += form.push - (form.pop ?? 0);
  }
  let cw = 0x3f | 0x40 | (r.int(4) << 8) | (r.int(4) << 10);
  if (r.bool(0.1)) cw |= 0x1000;
  const flagsIn = (r.u32() & 0x8d5) | 2;
  return { cw, flagsIn, vals, mem, op: ins[0].op, modrm: ins[0].modrm, name: names.join('; '), ins };
}

// ---- ELF emission ----------------------------------------------------------------------------

export function buildElf(cases: Case[]): { elf: Uint8Array; dataAddr: number; dataLen: number } {
  const perCase = 130;
  const codeLen = cases.length * perCase + 64;
  const hdr = 84;
  const dataOff = (hdr + codeLen + 15) & ~15;
  const dataLen = cases.length * REC;
  const total = dataOff + dataLen;
  const img = new Uint8Array(total);
  const dv = new DataView(img.buffer);
  const dataAddr = BASE + dataOff;
  // ELF header
  img.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1, 0], 0);
  dv.setUint16(16, 2, true); dv.setUint16(18, 3, true); dv.setUint32(20, 1, true);
  dv.setUint32(24, BASE + hdr, true); dv.setUint32(28, 52, true); dv.setUint32(32, 0, true);
  dv.setUint32(36, 0, true); dv.setUint16(40, 52, true); dv.setUint16(42, 32, true); dv.setUint16(44, 1, true);
  dv.setUint16(46, 40, true);
  // program header
  dv.setUint32(52, 1, true); dv.setUint32(56, 0, true); dv.setUint32(60, BASE, true); dv.setUint32(64, BASE, true);
  dv.setUint32(68, total, true); dv.setUint32(72, total, true); dv.setUint32(76, 7, true); dv.setUint32(80, 0x1000, true);
  let p = hdr;
  const b = (...xs: number[]): void => { for (const x of xs) img[p++] = x & 0xff; };
  const d32 = (x: number): void => { dv.setUint32(p, x >>> 0, true); p += 4; };
  for (let c = 0; c < cases.length; c++) {
    const cs = cases[c];
    const rec = dataAddr + c * REC;
    const roff = dataOff + c * REC;
    dv.setUint16(roff + R_CW, cs.cw, true);
    img.set(cs.mem, roff + R_MEM);
    for (let i = 0; i < cs.vals.length; i++) img.set(cs.vals[i], roff + R_VALS + 10 * i);
    b(0xdb, 0xe3); // fninit
    b(0x68); d32(cs.flagsIn); b(0x9d); // push imm; popfd
    b(0xd9, 0x2d); d32(rec + R_CW); // fldcw
    for (let i = cs.vals.length - 1; i >= 0; i--) { b(0xdb, 0x2d); d32(rec + R_VALS + 10 * i); }
    b(0xb8); d32(0x5a5a5a5a); // mov eax, imm
    for (let j = 0; j < cs.ins.length; j++) {
      const { op, modrm, p66 } = cs.ins[j];
      if (p66) b(0x66);
      if (modrm < 0xc0) { b(0xd8 + op, (modrm & 0x38) | 5); d32(rec + R_MEM + 16 * j); }
      else b(0xd8 + op, modrm);
    }
    b(0x9c); // pushfd
    b(0xa3); d32(rec + R_EAX);
    b(0x58);
    b(0xa3); d32(rec + R_FLAGS);
    b(0xdd, 0x35); d32(rec + R_SAVE); // fnsave
  }
  b(0xb8); d32(4); b(0xbb); d32(1); b(0xb9); d32(dataAddr); b(0xba); d32(dataLen); b(0xcd, 0x80);
  b(0xb8); d32(1); b(0x31, 0xdb); b(0xcd, 0x80);
  if (p > dataOff) throw new Error('code overflow');
  return { elf: img, dataAddr, dataLen };
}

export function runQemu(cases: Case[]): Uint8Array {
  const { elf } = buildElf(cases);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'x87-'));
  const file = path.join(dir, 'cases.elf');
  fs.writeFileSync(file, elf, { mode: 0o755 });
  try {
    return new Uint8Array(execFileSync('qemu-i386', [file], { maxBuffer: 1 << 30 }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ---- our side ---------------------------------------------------------------------------------

export class MemHost implements FpuHost {
  readonly regs = new Int32Array(8);
  flags = 2;
  errors = 0;
  constructor(readonly mem: Uint8Array, readonly base: number, private readonly dv = new DataView(mem.buffer, mem.byteOffset)) {}
  read8(a: number): number { return this.mem[a - this.base]; }
  read16(a: number): number { return this.dv.getUint16(a - this.base, true); }
  read32(a: number): number { return this.dv.getInt32(a - this.base, true); }
  write8(a: number, v: number): void { this.mem[a - this.base] = v; }
  write16(a: number, v: number): void { this.dv.setUint16(a - this.base, v & 0xffff, true); }
  write32(a: number, v: number): void { this.dv.setInt32(a - this.base, v | 0, true); }
  fpuError(): void { this.errors++; }
  cr0(): number { return 0x80000011; }
  eflags(): number { return this.flags; }
  setFlags(zf: boolean, pf: boolean, cf: boolean): void {
    this.flags = (this.flags & ~0x45) | (zf ? 0x40 : 0) | (pf ? 4 : 0) | (cf ? 1 : 0);
  }
}

export function runOurs(cases: Case[], fpu: Fpu): Uint8Array {
  const { dataAddr } = buildElfLayout(cases.length);
  const mem = new Uint8Array(cases.length * REC);
  const host = new MemHost(mem, dataAddr);
  const dv = new DataView(mem.buffer);
  for (let c = 0; c < cases.length; c++) {
    const cs = cases[c];
    const roff = c * REC, rec = dataAddr + roff;
    dv.setUint16(roff + R_CW, cs.cw, true);
    mem.set(cs.mem, roff + R_MEM);
    for (let i = 0; i < cs.vals.length; i++) mem.set(cs.vals[i], roff + R_VALS + 10 * i);
    const ex = (op: number, modrm: number, a = 0): void => fpu.exec(host, op, modrm, a, false, true, 0, 0, a, 0);
    ex(3, 0xe3);
    host.flags = cs.flagsIn;
    ex(1, 0x2d, rec + R_CW);
    for (let i = cs.vals.length - 1; i >= 0; i--) ex(3, 0x2d, rec + R_VALS + 10 * i);
    host.regs[0] = 0x5a5a5a5a;
    for (let j = 0; j < cs.ins.length; j++) {
      const { op, modrm, p66 } = cs.ins[j];
      if (modrm < 0xc0) fpu.exec(host, op, (modrm & 0x38) | 5, rec + R_MEM + 16 * j, p66 === true, true, 0, 0, rec + R_MEM + 16 * j, 0);
      else ex(op, modrm);
    }
    dv.setInt32(roff + R_EAX, host.regs[0], true);
    dv.setUint32(roff + R_FLAGS, (host.flags | 0x200) >>> 0, true);
    ex(5, 0x35, rec + R_SAVE);
  }
  return mem;
}

function buildElfLayout(n: number): { dataAddr: number } {
  const codeLen = n * 130 + 64;
  return { dataAddr: BASE + ((84 + codeLen + 15) & ~15) };
}

/**
 * Byte positions of a record not compared: FIP/FCS/FOP/FDP/FDS, the reserved upper halves, and the
 * stale contents of empty registers (FNINIT does not clear them).
 */
export function ignoredMask(b: Uint8Array, off: number, out: Uint8Array, cs?: Case): void {
  out.fill(0);
  if (cs && /fnstenv/.test(cs.name)) {
    // stored environment: instruction/data pointers (qemu records the real EIP/selectors) and the
    // reserved upper halves of the 32-bit layout
    if (/o16/.test(cs.name)) out.fill(1, R_MEM + 6, R_MEM + 14);
    else { out.fill(1, R_MEM + 12, R_MEM + 28); for (const x of [2, 3, 6, 7, 10, 11]) out[R_MEM + x] = 1; }
  }
  for (let s = 0; s < 28; s++) if (s >= 12 || (s & 3) >= 2) out[R_SAVE + s] = 1;
  const dv = new DataView(b.buffer, b.byteOffset);
  const sw = dv.getUint16(off + R_SAVE + 4, true), tw = dv.getUint16(off + R_SAVE + 8, true);
  const top = (sw >> 11) & 7;
  for (let i = 0; i < 8; i++) {
    if (((tw >> (2 * ((top + i) & 7))) & 3) === 3) out.fill(1, R_SAVE + 28 + 10 * i, R_SAVE + 38 + 10 * i);
  }
}

export function hexRec(b: Uint8Array, off: number): string {
  const dv = new DataView(b.buffer, b.byteOffset);
  const st: string[] = [];
  for (let i = 0; i < 8; i++) {
    const o = off + R_SAVE + 28 + 10 * i;
    st.push(dv.getUint16(o + 8, true).toString(16).padStart(4, '0') + ':' + dv.getUint32(o + 4, true).toString(16).padStart(8, '0') + dv.getUint32(o, true).toString(16).padStart(8, '0'));
  }
  const mem = Array.from(b.subarray(off + R_MEM, off + R_MEM + 16 * MEMSLOTS)).map((x) => x.toString(16).padStart(2, '0')).join('');
  return `cw=${dv.getUint16(off + R_SAVE, true).toString(16)} sw=${dv.getUint16(off + R_SAVE + 4, true).toString(16)} tw=${dv.getUint16(off + R_SAVE + 8, true).toString(16)} eax=${dv.getUint32(off + R_EAX, true).toString(16)} fl=${dv.getUint32(off + R_FLAGS, true).toString(16)} mem=${mem}\n   st=${st.join(' ')}`;
}

export function describe(cs: Case): string {
  const v = cs.vals.map((x) => {
    const dv = new DataView(x.buffer, x.byteOffset);
    return dv.getUint16(8, true).toString(16).padStart(4, '0') + ':' + dv.getUint32(4, true).toString(16).padStart(8, '0') + dv.getUint32(0, true).toString(16).padStart(8, '0');
  });
  const mem = Array.from(cs.mem).map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${cs.name} [${cs.ins.map((i) => (0xd8 + i.op).toString(16) + ' ' + i.modrm.toString(16)).join(', ')}] cw=${cs.cw.toString(16)} fl=${cs.flagsIn.toString(16)} vals=${v.join(' ')} mem=${mem}`;
}

// ---- transcendental cases --------------------------------------------------------------------------

/** Write a finite value of magnitude ~2^e (e unbiased) with random significand. */
function putMag(r: Rng, out: Uint8Array, off: number, e: number, neg: boolean): void {
  const [hi, lo] = sig(r);
  put80(out, off, (neg ? 0x8000 : 0) | ((e + 0x3fff) & 0x7fff), hi, lo);
}

export function genTransCase(r: Rng, forms: Form[]): Case {
  const form = r.pick(forms);
  const vals: Uint8Array[] = [new Uint8Array(10), new Uint8Array(10)];
  const special = r.bool(0.05);
  const x = vals[0], y = vals[1];
  randF80(r, y, 0, 0x3fff + r.int(40) - 20);
  switch (form.name) {
    case 'f2xm1': putMag(r, x, 0, -r.int(r.bool(0.2) ? 80 : 20) - 1, r.bool()); break;
    case 'fyl2x': putMag(r, x, 0, r.bool(0.3) ? 0 : r.int(200) - 100, false); if (r.bool(0.2)) put80(x, 0, r.bool() ? 0x3fff : 0x3ffe, 0xffffffff, r.u32()); break;
    case 'fyl2xp1': putMag(r, x, 0, -2 - r.int(r.bool(0.2) ? 90 : 30), r.bool()); break;
    case 'fpatan': putMag(r, x, 0, r.int(40) - 20, r.bool()); putMag(r, y, 0, r.int(40) - 20, r.bool()); break;
    default: putMag(r, x, 0, r.bool(0.7) ? r.int(8) - 4 : r.int(63) - 30, r.bool()); break;
  }
  if (special) randF80(r, x, 0);
  const trig = ['fsin', 'fcos', 'fptan', 'fsincos'].includes(form.name);
  // qemu computes the trigonometric ones through host double and rounds the double result to the
  // precision control, so those cases use PC=64.
  const cw = 0x3f | 0x40 | ((trig ? 3 : r.int(4)) << 8) | (r.int(4) << 10);
  return { cw, flagsIn: 2, vals, mem: new Uint8Array(16 * MEMSLOTS), op: form.op, modrm: form.modrm, name: form.name, ins: [{ op: form.op, modrm: form.modrm }] };
}

export interface F80 { se: number; hi: number; lo: number }
export function stOf(b: Uint8Array, off: number, i: number): F80 {
  const dv = new DataView(b.buffer, b.byteOffset);
  const o = off + R_SAVE + 28 + 10 * i;
  return { se: dv.getUint16(o + 8, true), hi: dv.getUint32(o + 4, true), lo: dv.getUint32(o, true) };
}
export function valOf(cs: Case, i: number): F80 {
  const dv = new DataView(cs.vals[i].buffer, cs.vals[i].byteOffset);
  return { se: dv.getUint16(8, true), hi: dv.getUint32(4, true), lo: dv.getUint32(0, true) };
}

/** Distance in units of the last place (64-bit significand) between two finite values; Infinity if not comparable. */
export function ulps(a: F80, b: F80): number {
  const fin = (v: F80): boolean => (v.se & 0x7fff) !== 0x7fff;
  if (!fin(a) || !fin(b)) return a.se === b.se && a.hi === b.hi && a.lo === b.lo ? 0 : Infinity;
  const big = (v: F80): bigint => {
    const e = v.se & 0x7fff;
    const m = (BigInt(v.hi) << 32n) | BigInt(v.lo);
    const val = m << BigInt(e === 0 ? 0 : e - 1); // scale: all values on the grid of 2^-16445
    return v.se & 0x8000 ? -val : val;
  };
  const d = big(a) - big(b);
  const ad = d < 0n ? -d : d;
  const ea = Math.max(a.se & 0x7fff, b.se & 0x7fff, 1);
  const unit = 1n << BigInt(ea - 1);
  return Number(ad / unit) + (ad % unit !== 0n ? 0.5 : 0);
}

export function toNum(v: F80): number {
  const e = v.se & 0x7fff;
  if (e === 0x7fff) return (v.hi & 0x7fffffff) === 0 && v.lo === 0 ? (v.se & 0x8000 ? -Infinity : Infinity) : NaN;
  const x = (e === 0 ? 1 : e) - 16383 - 63;
  const m = v.hi * 4294967296 + v.lo;
  return (v.se & 0x8000 ? -1 : 1) * m * Math.pow(2, x >> 1) * Math.pow(2, x - (x >> 1));
}

/**
 * The softfloat fast paths (both operands normal, result normal: add/sub, mul, div with locals and
 * exact 32x32 products; signed-zero operands) against two references:
 *  - qemu-i386 (oracle): FADD/FSUB/FSUBR/FMUL/FDIV/FDIVR on register and m32/m64 operands with
 *    random normal values under every rounding and precision mode, bit-exact through the harness of
 *    x87diff.test.ts (Fpu.qemuCompat);
 *  - the general code of softfloat80.ts (fastPath.on = false) on many seeded random operand pairs
 *    biased toward rounding ties, carries, cancellation and the exponent limits (R, every flag and
 *    C1's round-up bit must agree).
 */
import * as assert from 'assert';
import { Fpu } from '../../../src/vm/cpu/fpu';
import * as sf from '../../../src/vm/cpu/softfloat80';
import * as h from './x87harness';

const SEED = Number(process.env.X87_SEED ?? 20261128);
const PAIRS = Number(process.env.X87_FAST_PAIRS ?? 150000);

/** A significand with patterns near the 24/53/64-bit rounding points and long runs of ones/zeros. */
function sig(r: h.Rng): [number, number] {
  let hi = (r.u32() | 0x80000000) >>> 0, lo = r.u32();
  switch (r.int(10)) {
    case 0: hi = (hi & 0xffffff00) >>> 0; lo = 0; break; // exactly 24 bits
    case 1: lo = (lo & 0xfffff800) >>> 0; break; // exactly 53 bits
    case 2: lo = r.pick([0, 1, 0x80000000, 0xffffffff, 0x7fffffff, 0x400, 0x3ff, 0x401, 0x800]); break;
    case 3: hi = r.pick([0x80000000, 0xffffffff, 0xc0000000, 0xffffff00, 0x800000ff]); lo = r.pick([0, 0xffffffff, 1, 0xfffff800]); break;
    case 4: { const k = r.int(64); hi = k >= 32 ? 0xffffffff : (0xffffffff << (32 - k) | 0x80000000) >>> 0; lo = k > 32 ? (0xffffffff << (64 - k)) >>> 0 : 0; break; }
    case 5: hi = (0x80000000 | (r.u32() & 0xff)) >>> 0; break; // few high bits
    default: break;
  }
  return [hi, lo];
}
/** A normal operand; exponent near `near`, or anywhere, or near the limits. */
function normal(r: h.Rng, near: number): [number, number, number] {
  const s = r.bool() ? 0x8000 : 0;
  const [hi, lo] = sig(r);
  const k = r.int(20);
  let e: number;
  if (k < 10) e = near + r.int(5) - 2;
  else if (k < 13) e = near + r.int(201) - 100;
  else if (k < 15) e = 1 + r.int(0x7ffe);
  else if (k < 17) e = 1 + r.int(80);
  else if (k < 19) e = 0x7ffe - r.int(80);
  else e = near + r.int(141) - 70;
  e = Math.min(0x7ffe, Math.max(1, e));
  return [s | e, hi, lo];
}

function put80(b: Uint8Array, se: number, hi: number, lo: number): void {
  const dv = new DataView(b.buffer, b.byteOffset);
  dv.setUint32(0, lo >>> 0, true); dv.setUint32(4, hi >>> 0, true); dv.setUint16(8, se, true);
}

describe('x87 softfloat fast paths', function () {
  this.timeout(120000);

  it('agree with qemu-i386 on FADD/FSUB/FSUBR/FMUL/FDIV/FDIVR of normal and zero operands (register, m32, m64), every mode', () => {
    const r = new h.Rng(SEED);
    const cases: h.Case[] = [];
    const names = ['fadd', 'fmul', '', '', 'fsub', 'fsubr', 'fdiv', 'fdivr'];
    for (let n = 0; n < 12000; n++) {
      let reg = r.int(8);
      while (reg === 2 || reg === 3) reg = r.int(8);
      const near = 0x3fff + r.int(41) - 20;
      const vals: Uint8Array[] = [];
      for (let i = 0; i < 3; i++) {
        const v = new Uint8Array(10);
        const [se, hi, lo] = normal(r, near);
        if (r.bool(0.1)) put80(v, se & 0x8000, 0, 0); else put80(v, se, hi, lo); // some signed zeros
        vals.push(v);
      }
      const mem = new Uint8Array(16 * h.MEMSLOTS);
      const dv = new DataView(mem.buffer);
      const kind = r.int(6);
      let op: number, modrm: number, name: string;
      if (kind < 3) { // register forms: D8 (ST0 = ST0 op STi), DC (STi = STi op ST0), DE (and pop)
        op = [0, 4, 6][kind]; const i = r.int(3);
        modrm = 0xc0 | (reg << 3) | (op === 0 ? i : Math.max(1, i));
        name = `${['d8', 'dc', 'de'][kind]} ${names[reg]} st${modrm & 7}`;
      } else if (kind < 5) { // m64 real: a random normal double
        op = 4; modrm = reg << 3; name = `${names[reg]} m64`;
        const e = 1023 + r.int(41) - 20 + (near - 0x3fff);
        dv.setUint32(0, r.bool(0.3) ? 0 : r.u32(), true);
        dv.setUint32(4, ((r.bool() ? 0x80000000 : 0) | (Math.min(2046, Math.max(1, e)) << 20) | (r.u32() & 0xfffff)) >>> 0, true);
      } else { // m32 real
        op = 0; modrm = reg << 3; name = `${names[reg]} m32`;
        const e = 127 + r.int(21) - 10;
        dv.setUint32(0, ((r.bool() ? 0x80000000 : 0) | (e << 23) | (r.u32() & 0x7fffff)) >>> 0, true);
      }
      const cw = 0x7f | (r.int(4) << 8) | (r.int(4) << 10);
      cases.push({ cw, flagsIn: 2, vals, mem, op, modrm, name, ins: [{ op, modrm }] });
    }
    const q = h.runQemu(cases);
    assert.strictEqual(q.length, cases.length * h.REC, 'qemu-i386 output size');
    const fpu = new Fpu();
    fpu.qemuCompat = true;
    const o = h.runOurs(cases, fpu);
    const ign = new Uint8Array(h.REC);
    const bad: string[] = [];
    for (let c = 0; c < cases.length; c++) {
      const off = c * h.REC;
      h.ignoredMask(q, off, ign, cases[c]);
      for (let i = 0; i < h.REC; i++) {
        if (!ign[i] && q[off + i] !== o[off + i]) {
          if (bad.length < 5) bad.push(h.describe(cases[c]) + '\n qemu ' + h.hexRec(q, off) + '\n ours ' + h.hexRec(o, off));
          else bad.push('');
          break;
        }
      }
    }
    assert.strictEqual(bad.length, 0, `${bad.length} of ${cases.length} differ\n` + bad.filter((x) => x).join('\n'));
  });

  it(`agree with the general code on ${PAIRS} random operand pairs per operation (all rounding and precision modes)`, () => {
    const r = new h.Rng(SEED + 1);
    const ops = ['add', 'sub', 'mul', 'div'];
    const res = new Float64Array(5);
    const run = (op: number, a: number[], b: number[]): void => {
      switch (op) {
        case 0: sf.add(a[0], a[1], a[2], b[0], b[1], b[2], false); break;
        case 1: sf.add(a[0], a[1], a[2], b[0], b[1], b[2], true); break;
        case 2: sf.mul(a[0], a[1], a[2], b[0], b[1], b[2]); break;
        default: sf.div(a[0], a[1], a[2], b[0], b[1], b[2]); break;
      }
    };
    let fails = 0;
    const msgs: string[] = [];
    for (let op = 0; op < 4; op++) {
      for (let n = 0; n < PAIRS; n++) {
        const near = r.bool(0.2) ? 1 + r.int(0x7ffe) : 0x3fff + r.int(201) - 100;
        const a = normal(r, near);
        let b = normal(r, near);
        if (op < 2 && r.bool(0.15)) { // cancellation: b close to a
          b = [a[0], a[1], a[2]];
          const x = r.int(3);
          if (x === 0) b[2] = (b[2] ^ (1 << r.int(32))) >>> 0;
          else if (x === 1) b[0] = b[0] + (r.bool() ? 1 : -1);
          else b[1] = (b[1] ^ (1 << r.int(31))) >>> 0;
          b[0] = Math.min(0x7ffe, Math.max(1, b[0] & 0x7fff)) | (r.bool() ? 0x8000 : 0);
        }
        // signed zeros (zeroOp: zero with zero or normal)
        if (r.bool(0.08)) { a[0] &= 0x8000; a[1] = 0; a[2] = 0; }
        if (r.bool(0.08)) { b[0] &= 0x8000; b[1] = 0; b[2] = 0; }
        const rc = r.int(4), prec = r.pick([24, 53, 64]);
        const ueTrap = r.bool(0.1), oeTrap = r.bool(0.1);
        for (let pass = 0; pass < 2; pass++) {
          sf.fastPath.on = pass === 0;
          sf.S.flags = 0; sf.S.rc = rc; sf.S.prec = prec; sf.S.ueTrap = ueTrap; sf.S.oeTrap = oeTrap; sf.S.denormalFlag = true; sf.S.roundedUp = false; sf.S.key = -1;
          run(op, a, b);
          if (pass === 0) { res[0] = sf.R.se; res[1] = sf.R.hi; res[2] = sf.R.lo; res[3] = sf.S.flags; res[4] = sf.S.roundedUp ? 1 : 0; }
          else if (res[0] !== sf.R.se || res[1] !== sf.R.hi || res[2] !== sf.R.lo || res[3] !== sf.S.flags || res[4] !== (sf.S.roundedUp ? 1 : 0)) {
            if (++fails <= 5) {
              const hx = (v: number[]): string => v.map((x) => x.toString(16)).join(':');
              msgs.push(`${ops[op]} ${hx(a)} ${hx(b)} rc=${rc} p=${prec}: fast ${hx([...res])} general ${hx([sf.R.se, sf.R.hi, sf.R.lo, sf.S.flags, sf.S.roundedUp ? 1 : 0])}`);
            }
          }
        }
      }
    }
    sf.fastPath.on = true;
    assert.strictEqual(fails, 0, msgs.join('\n'));
  });
  it(`agree with the general code on FST m32/m64 conversions of ${PAIRS} random normal values (every rounding mode)`, () => {
    const r = new h.Rng(SEED + 2);
    let fails = 0;
    const msgs: string[] = [];
    for (let n = 0; n < PAIRS; n++) {
      const dbl = r.bool();
      // exponents around the target format's normal range, its limits and beyond
      const near = dbl ? 0x3fff + r.pick([0, -1022, 1023, -1000, 1000]) : 0x3fff + r.pick([0, -126, 127, -100, 100]);
      const [se, hi, lo] = normal(r, near);
      const rc = r.int(4);
      const out = [0, 0, 0, 0];
      for (let pass = 0; pass < 2; pass++) {
        sf.fastPath.on = pass === 0;
        sf.S.flags = 0; sf.S.rc = rc; sf.S.prec = 64; sf.S.ueTrap = false; sf.S.oeTrap = false; sf.S.denormalFlag = true; sf.S.roundedUp = false; sf.S.key = -1;
        const w = dbl ? sf.toF64(se, hi, lo) : sf.toF32(se, hi, lo);
        const got = [w | 0, dbl ? sf.f64Lo | 0 : 0, sf.S.flags, sf.S.roundedUp ? 1 : 0];
        if (pass === 0) got.forEach((v, i) => { out[i] = v; });
        else if (got.some((v, i) => v !== out[i]) && ++fails <= 5) msgs.push(`${dbl ? 'f64' : 'f32'} ${se.toString(16)}:${hi.toString(16)}:${lo.toString(16)} rc=${rc}: fast ${out} general ${got}`);
      }
    }
    sf.fastPath.on = true;
    assert.strictEqual(fails, 0, msgs.join('\n'));
  });
});

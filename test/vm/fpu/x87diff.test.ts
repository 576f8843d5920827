/**
 * x87 unit vs qemu-i386 (oracle): random x87 instructions with special operands under every
 * rounding and precision mode run in a generated static i386 ELF under qemu-i386 and through our
 * Fpu; FNSAVE images (registers, status, tag, control words), EAX (FNSTSW AX), EFLAGS (FCOMI) and
 * the memory operand must agree bit for bit. Fpu.qemuCompat replicates qemu 7.2's documented
 * deviations from the SDM (see src/vm/cpu/README.md); the SDM behaviour is tested in x87sdm.test.ts.
 */
import * as assert from 'assert';
import { Fpu } from '../../../src/vm/cpu/fpu';
import * as h from './x87harness';

const SEED = Number(process.env.X87_SEED ?? 20261127);
const BATCHES = Number(process.env.X87_BATCHES ?? 3);
const PER_BATCH = 20000;
const SEQ_CASES = Number(process.env.X87_SEQ ?? 15000);

describe('x87 differential against qemu-i386', function () {
  this.timeout(120000);
  it(`basic arithmetic, loads/stores, compares: ${(BATCHES - 1) * PER_BATCH} single instructions and ${SEQ_CASES} sequences of 2-3, bit-exact`, () => {
    const forms = h.basicForms();
    const ign = new Uint8Array(h.REC);
    const perName = new Map<string, number>();
    const failures: string[] = [];
    let total = 0;
    let instrs = 0;
    for (let b = 0; b < BATCHES; b++) {
      const r = new h.Rng(SEED + b * 7919);
      const cases: h.Case[] = [];
      const seq = b === BATCHES - 1;
      for (let i = 0; i < (seq ? SEQ_CASES : PER_BATCH); i++) cases.push(seq ? h.genSeq(r, forms) : h.genCase(r, forms));
      for (const c of cases) instrs += c.ins.length;
      const q = h.runQemu(cases);
      assert.strictEqual(q.length, cases.length * h.REC, 'qemu-i386 output size');
      const fpu = new Fpu();
      fpu.qemuCompat = true;
      const o = h.runOurs(cases, fpu);
      for (let c = 0; c < cases.length; c++) {
        const off = c * h.REC;
        h.ignoredMask(q, off, ign, cases[c]);
        let same = true;
        for (let i = 0; i < h.REC; i++) if (!ign[i] && q[off + i] !== o[off + i]) { same = false; break; }
        total++;
        for (const nm of cases[c].name.split('; ')) {
          const group = nm.replace(/ st\d$/, '');
          perName.set(group, (perName.get(group) ?? 0) + 1);
        }
        if (!same && failures.length < 5) failures.push(h.describe(cases[c]) + '\n qemu ' + h.hexRec(q, off) + '\n ours ' + h.hexRec(o, off));
        if (!same) failures.push('');
      }
    }
    const bad = failures.length === 0 ? 0 : failures.filter((f) => f === '').length;
    console.log(`      x87 vs qemu-i386: ${total} cases (${instrs} instructions under test), ${total - bad} bit-exact, ${perName.size} instruction forms (seed ${SEED})`);
    assert.strictEqual(bad, 0, failures.filter((f) => f !== '').join('\n'));
  });
});

describe('x87 SDM mode against qemu-i386', function () {
  this.timeout(120000);
  it('with precision control 64 the SDM behaviour differs from qemu only in C1, DE and two documented C-bit cases', () => {
    // qemu leaves C1 alone and never raises DE for denormal operands; it sets C2 for FSQRT of a
    // negative operand and reports no quotient bits for FPREM1. Everything else must agree.
    const r = new h.Rng(SEED ^ 0x5eed);
    const forms = h.basicForms().filter((f) => !f.name.startsWith('fnstsw')); // would copy C1/DE elsewhere
    const cases: h.Case[] = [];
    for (let i = 0; i < 10000; i++) { const c = i & 1 ? h.genSeq(r, forms) : h.genCase(r, forms); c.cw |= 0x300; cases.push(c); }
    const q = h.runQemu(cases);
    const o = h.runOurs(cases, new Fpu());
    const ign = new Uint8Array(h.REC);
    const bad: string[] = [];
    for (let c = 0; c < cases.length; c++) {
      const off = c * h.REC;
      h.ignoredMask(q, off, ign, cases[c]);
      const sw = h.R_SAVE + 4;
      ign[sw] = 1; ign[sw + 1] = 1;
      let ccMask = 0x0200; // C1
      if (/fsqrt|fprem1/.test(cases[c].name)) ccMask |= 0x4500;
      const qs = q[off + sw] | (q[off + sw + 1] << 8), os = o[off + sw] | (o[off + sw + 1] << 8);
      let same = ((qs ^ os) & ~(ccMask | 0x02)) === 0;
      for (let i = 0; i < h.REC && same; i++) if (!ign[i] && q[off + i] !== o[off + i]) same = false;
      if (!same && bad.length < 5) bad.push(h.describe(cases[c]) + '\n qemu ' + h.hexRec(q, off) + '\n ours ' + h.hexRec(o, off));
    }
    assert.deepStrictEqual(bad, []);
  });
});

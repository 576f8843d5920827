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

describe('x87 differential against qemu-i386', function () {
  this.timeout(120000);
  it(`basic arithmetic, loads/stores, compares: ${BATCHES * PER_BATCH} cases bit-exact`, () => {
    const forms = h.basicForms();
    const ign = new Uint8Array(h.REC);
    const perName = new Map<string, number>();
    const failures: string[] = [];
    let total = 0;
    for (let b = 0; b < BATCHES; b++) {
      const r = new h.Rng(SEED + b * 7919);
      const cases: h.Case[] = [];
      for (let i = 0; i < PER_BATCH; i++) cases.push(h.genCase(r, forms));
      const q = h.runQemu(cases);
      assert.strictEqual(q.length, cases.length * h.REC, 'qemu-i386 output size');
      const fpu = new Fpu();
      fpu.qemuCompat = true;
      const o = h.runOurs(cases, fpu);
      for (let c = 0; c < cases.length; c++) {
        const off = c * h.REC;
        h.ignoredMask(q, off, ign);
        let same = true;
        for (let i = 0; i < h.REC; i++) if (!ign[i] && q[off + i] !== o[off + i]) { same = false; break; }
        total++;
        const group = cases[c].name.replace(/ st\d$/, '');
        perName.set(group, (perName.get(group) ?? 0) + 1);
        if (!same && failures.length < 5) failures.push(h.describe(cases[c]) + '\n qemu ' + h.hexRec(q, off) + '\n ours ' + h.hexRec(o, off));
        if (!same) failures.push('');
      }
    }
    const bad = failures.length === 0 ? 0 : failures.filter((f) => f === '').length;
    console.log(`      x87 vs qemu-i386: ${total} cases, ${total - bad} bit-exact, ${perName.size} instruction forms (seed ${SEED})`);
    assert.strictEqual(bad, 0, failures.filter((f) => f !== '').join('\n'));
  });
});

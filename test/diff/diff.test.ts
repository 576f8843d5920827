/**
 * Differential test against qemu-i386 (the oracle): 50,000 random instruction sequences per
 * `npm test` (`npm run test:diff -- --cases N --seed S` for longer runs), each ending in a full
 * state comparison (registers, EFLAGS minus SDM-undefined bits, 256 bytes of
 * memory, x87 state). DIFF_CASES / DIFF_SEED override the count and seed.
 */
import { strict as assert } from 'node:assert';
import { jitConfig } from '../../src/vm/cpu/jit';
import { cleanup, HAVE_X87, runDiffAsync } from './runner';

describe('differential test against qemu-i386', () => {
  after(() => cleanup());
  it('runs 50,000 random cases with identical final states', async function () {
    this.timeout(600000); // ~8 s on an idle 2-core machine; longer when it is shared
    const cases = Number(process.env.DIFF_CASES ?? 50000);
    const seed = Number(process.env.DIFF_SEED ?? 20261127);
    const r = await runDiffAsync({ cases, seed, batch: 2500, units: 6, maxReports: 3 });
    const line = `      differential: ${r.cases} cases (seed ${seed}${HAVE_X87 ? ', with x87' : ', integer only: no FPU linked'}), ` +
      `${r.mismatches.length} mismatches, vm ${r.vmMs} ms, qemu ${r.qemuMs} ms, qemu crashes re-run ${r.qemuCrashes}`;
    process.stdout.write(`\n${line}\n`);
    assert.equal(r.cases, cases);
    assert.ok(cases >= 50000 || process.env.DIFF_CASES !== undefined, 'at least 50,000 cases');
    assert.equal(r.qemuCrashes, 0, 'qemu-i386 crashed inside a batch');
    // Every instruction class is exercised (a class silently dropped from the generator fails here).
    const need = ['add', 'adc', 'sbb', 'imul', 'idiv', 'div', 'daa', 'aam', 'shld', 'shrd', 'rcl', 'rcr', 'bts', 'bsf', 'bsr',
      'rep movs', 'rep cmps', 'rep scas', 'cmpxchg', 'cmpxchg8b', 'xadd', 'bswap', 'cmovcc', 'setcc', 'jcc', 'xlat', 'push', 'pop',
      'pushfd', 'popfd', 'loop', 'loope', 'loopne', 'jecxz', 'call/ret', 'call/ret imm', 'enter/leave', 'pushad/popad',
      ...(HAVE_X87 ? ['fld m32', 'fld m64', 'fld m80', 'fild m32', 'farith m64', 'fcomi', 'fcmovcc', 'fldcw', 'fistp m64', 'fxtract'] : [])];
    const few = need.filter((k) => (r.classes.get(k) ?? 0) < (cases >= 50000 ? 20 : 1));
    assert.deepEqual(few, [], 'classes generated too rarely');
    if (r.mismatches.length) assert.fail(`${r.mismatches.length} mismatches; first:\n${r.mismatches.map((m) => m.report).filter(Boolean).join('\n\n')}`);
  });

  it('runs 10,000 other cases with every block translated at first sight (threshold 1): identical final states', async function () {
    // The cases above run once each, mostly in the interpreter; here block translation (regions,
    // cached registers, inline MUL/shift/flag code) executes them, against the same oracle.
    this.timeout(600000);
    const saved = { ...jitConfig };
    jitConfig.threshold = 1;
    jitConfig.promote = 1;
    try {
      const r = await runDiffAsync({ cases: 10000, seed: 20261128, batch: 2500, units: 6, maxReports: 3 });
      process.stdout.write(`\n      differential, translated: ${r.cases} cases, ${r.mismatches.length} mismatches\n`);
      assert.equal(r.cases, 10000);
      if (r.mismatches.length) assert.fail(`${r.mismatches.length} mismatches; first:\n${r.mismatches.map((m) => m.report).filter(Boolean).join('\n\n')}`);
    } finally {
      Object.assign(jitConfig, saved);
    }
  });
});

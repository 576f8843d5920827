/**
 * Differential test against qemu-i386 (the oracle): random instruction sequences (10,000 per
 * `npm test`; `npm run test:diff -- --cases 50000` for the 50,000 — qemu-i386 7.2 crashes on
 * some long batches, and each crash costs a re-run, which makes 50,000 too slow for CI today),
 * each ending in a full state comparison (registers, EFLAGS minus SDM-undefined bits, 256 bytes of
 * memory, x87 state). DIFF_CASES / DIFF_SEED override the count and seed.
 */
import { strict as assert } from 'node:assert';
import { cleanup, HAVE_X87, runDiffAsync } from './runner';

describe('differential test against qemu-i386', () => {
  after(() => cleanup());
  it('runs 10,000 random cases with identical final states', async function () {
    this.timeout(900000); // ~70 s on an idle 2-core machine; much longer when it is shared
    const cases = Number(process.env.DIFF_CASES ?? 10000);
    const seed = Number(process.env.DIFF_SEED ?? 20261127);
    const r = await runDiffAsync({ cases, seed, batch: 2500, units: 6, maxReports: 3 });
    const line = `      differential: ${r.cases} cases (seed ${seed}${HAVE_X87 ? ', with x87' : ', integer only: no FPU linked'}), ` +
      `${r.mismatches.length} mismatches, vm ${r.vmMs} ms, qemu ${r.qemuMs} ms, qemu crashes re-run ${r.qemuCrashes}`;
    process.stdout.write(`\n${line}\n`);
    assert.equal(r.cases, cases);
    assert.ok(cases >= 10000 || process.env.DIFF_CASES !== undefined, 'at least 10,000 cases');
    if (r.mismatches.length) assert.fail(`${r.mismatches.length} mismatches; first:\n${r.mismatches.map((m) => m.report).filter(Boolean).join('\n\n')}`);
  });
});

// The responsiveness probe's summary (src/extension/responsiveness.ts), which the e2e test asserts
// against the 100 ms figure. Oracle: the definitions (median = middle value, or the mean of
// the two middle ones; p90 = nearest rank ceil(0.9 n); max), computed by hand for these samples.
import { strict as assert } from 'node:assert';
import { probeReport, summarizeProbes } from '../../src/extension/responsiveness';

describe('extension: responsiveness probe summary', () => {
  it('takes the median, 90th percentile and maximum whatever the order', () => {
    const s = summarizeProbes([40, 1, 3, 2, 250]);
    assert.deepEqual([s.count, s.median, s.p90, s.max], [5, 3, 250, 250]);
    assert.deepEqual(s.times, [40, 1, 3, 2, 250], 'the probes in the order they ran');
    const even = summarizeProbes([4, 1, 3, 2]);
    assert.equal(even.median, 2.5);
    const ten = summarizeProbes([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    assert.deepEqual([ten.median, ten.p90, ten.max], [5.5, 9, 10]);
    assert.equal(summarizeProbes([1.234, 5.678, 3.449]).median, 3.4, 'rounded to 0.1 ms');
    assert.throws(() => summarizeProbes([]), /no probe/);
  });

  it('one slow probe does not move the median; the report says so', () => {
    const s = summarizeProbes([2, 3, 2, 900, 4, 3, 2]);
    assert.equal(s.median, 3);
    assert.equal(s.max, 900);
    const text = probeReport(s, 'running');
    // the e2e test (test/e2e/run.mjs, PROBE_RE) parses exactly this shape
    assert.match(text, /answered (\d+) command probes: median ([\d.]+) ms, p90 ([\d.]+) ms, max ([\d.]+) ms \(machine ([a-z ]+)\)/);
    assert.equal(text, 'x86 VM: the extension host answered 7 command probes: median 3 ms, p90 900 ms, max 900 ms (machine running)');
  });
});

/**
 * The README's performance headline is the figure `npm run bench` measured and committed in
 * bench/results.json (SPEC §9, issue "Performance": the geometric mean of the ratio to qemu-i386 is
 * the headline). This keeps the two from drifting apart: re-running the bench and committing
 * results.json without updating the README (or the reverse) fails here.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../../..');

interface Row { suite: string; name: string; value: number; unit: string }

function row(rows: Row[], suite: string, name: string): Row {
  const r = rows.find((x) => x.suite === suite && x.name === name);
  assert.ok(r, `bench/results.json has no ${suite} row "${name}": run npm run bench`);
  return r;
}

describe('README performance headline', () => {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const results = JSON.parse(fs.readFileSync(path.join(root, 'bench/results.json'), 'utf8')) as { rows: Row[] };

  it('states the geometric-mean ratio to qemu-i386 that bench/results.json holds', () => {
    const m = /\*\*(\d+\.\d+)× qemu-i386\*\* \(geometric mean/.exec(readme);
    assert.ok(m, 'README.md has no "**N× qemu-i386** (geometric mean" headline');
    const g = row(results.rows, 'linux', 'geomean ratio to qemu-i386').value;
    assert.equal(m[1], g.toFixed(3));
  });

  it('states the geometric-mean guest speed and the translation on/off factor of the same run', () => {
    const mips = /(\d+) million guest instructions per second/.exec(readme);
    assert.ok(mips, 'README.md has no "N million guest instructions per second"');
    assert.equal(Number(mips[1]), Math.round(row(results.rows, 'linux', 'geomean MIPS').value));
    const onOff = /block translation makes it (\d+\.\d+)× faster/.exec(readme);
    assert.ok(onOff, 'README.md has no "block translation makes it N× faster"');
    assert.equal(onOff[1], row(results.rows, 'linux', 'geomean translation on/off').value.toFixed(2));
  });
});

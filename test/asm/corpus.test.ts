/**
 * Oracle: nasm 2.16 run live. Every program under test/fixtures/asm/*.asm must assemble to exactly
 * the bytes `nasm -f bin` produces.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { firstDiff, fixturesDir, hex, nasm, ours } from './helpers';

const files = fs.readdirSync(fixturesDir).filter((f) => f.endsWith('.asm')).sort();

describe('assembler: byte-identical to nasm -f bin on the fixture corpus (oracle: nasm)', () => {
  it('has at least 60 programs', () => {
    assert.ok(files.length >= 60, `only ${files.length} fixtures`);
  });
  for (const f of files) {
    it(f, () => {
      const file = path.join(fixturesDir, f);
      const n = nasm(file, 'bin', ['-I', fixturesDir + '/']);
      assert.ok(n.ok, `nasm failed: ${n.stderr}`);
      const r = ours(file, 'bin', { includeDirs: [fixturesDir] });
      const errs = r.diagnostics.filter((d) => d.severity === 'error');
      assert.deepEqual(errs.map((d) => `${d.file}:${d.line}:${d.column}: ${d.message}`), []);
      const at = firstDiff(n.bytes, r.output);
      if (at >= 0) {
        const near = r.lineMap.find((e) => at + (r.org || 0) >= e.address && at + (r.org || 0) < e.address + e.length);
        assert.fail(`differs at offset ${at} (line ${near ? near.line : '?'}): nasm ${hex(n.bytes.subarray(at, at + 12))} ours ${hex(r.output.subarray(at, at + 12))}; sizes nasm ${n.bytes.length} ours ${r.output.length}`);
      }
    });
  }
});

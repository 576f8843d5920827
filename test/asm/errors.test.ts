/**
 * User errors: each gives `file:line:col: error: message` (from assemble() and from the CLI, which
 * exits non-zero, no stack trace). Oracle for "is this an error": nasm rejects the same file.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { assemble } from '../../src/asm/assembler';
import { nasm, tmpDir } from './helpers';

const dir = path.resolve(__dirname, '../../../test/fixtures/asm-err');
const cli = path.resolve(__dirname, '../../../dist/cli.js');

const cases: [string, number, RegExp][] = [
  ['unknown_mnemonic.asm', 3, /unknown instruction 'frobnicate'/],
  ['invalid_operands.asm', 2, /invalid combination of opcode and operands/],
  ['undefined_label.asm', 2, /symbol 'nowhere' not defined/],
  ['redefined_label.asm', 3, /label 'here' inconsistently redefined/],
  ['out_of_range.asm', 2, /short jump is out of range/],
  ['unterminated_macro.asm', 2, /unterminated macro/],
  ['unterminated_if.asm', 2, /unterminated %if/],
  ['missing_include.asm', 2, /unable to open include file 'does-not-exist.inc'/],
];

describe('assembler: errors (oracle: nasm also rejects each file)', () => {
  for (const [file, line, re] of cases) {
    it(`${file}: ${re.source}`, () => {
      const p = path.join(dir, file);
      assert.equal(nasm(p).ok, false, 'nasm must reject this file too');
      const r = assemble(fs.readFileSync(p, 'utf8'), { file: p });
      assert.equal(r.ok, false);
      const e = r.diagnostics.find((d) => d.severity === 'error');
      assert.ok(e, 'an error diagnostic');
      assert.equal(e.file, p);
      assert.equal(e.line, line);
      assert.ok(e.column >= 1);
      assert.match(e.message, re);
      if (fs.existsSync(cli)) {
        const c = spawnSync(process.execPath, [cli, 'asm', p, '-o', path.join(tmpDir, file + '.bin')], { encoding: 'utf8' });
        assert.equal(c.status, 1);
        const first = c.stderr.split('\n')[0];
        assert.match(first, new RegExp(`^${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${line}:\\d+: error: `));
        assert.doesNotMatch(c.stderr, /\n\s+at /, 'no stack trace');
      }
    });
  }

  it('the CLI assembles a good file and writes a listing', () => {
    if (!fs.existsSync(cli)) return;
    const src = path.join(tmpDir, 'good.asm');
    fs.writeFileSync(src, 'bits 16\norg 0x100\nstart: mov ax, 1\n jmp start\n');
    const out = path.join(tmpDir, 'good.bin');
    const lst = path.join(tmpDir, 'good.lst');
    const c = spawnSync(process.execPath, [cli, 'asm', src, '-f', 'bin', '-o', out, '-l', lst], { encoding: 'utf8' });
    assert.equal(c.status, 0, c.stderr);
    assert.deepEqual([...fs.readFileSync(out)], [0xb8, 1, 0, 0xeb, 0xfb]);
    assert.match(fs.readFileSync(lst, 'utf8'), /00000000 B80100\s+start: mov ax, 1/);
  });
});

/**
 * Line map and symbol table. Addresses and byte counts checked against nasm's listing of the same
 * program (oracle: nasm -l), kinds/sizes against the program text.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { assemble } from '../../src/asm/assembler';
import { tmpDir } from './helpers';

const dir = path.resolve(__dirname, '../../../test/fixtures/asm-map');
const main = path.join(dir, 'main.asm');
const inc = path.join(dir, 'part.inc');

describe('assembler: line map and symbols (oracle: nasm listing)', () => {
  const r = assemble(fs.readFileSync(main, 'utf8'), { file: main, format: 'bin', listing: true });
  const entry = (file: string, line: number) => r.lineMap.filter((e) => e.file === file && e.line === line);

  it('assembles without errors and reports the files read', () => {
    assert.deepEqual(r.diagnostics, []);
    assert.deepEqual(r.files, [main, inc]);
    assert.equal(r.org, 0x100);
    assert.equal(r.bits, 16);
  });

  it('maps a macro invocation to all the bytes of its expansion', () => {
    const e = entry(main, 9);
    assert.equal(e.length, 1);
    assert.equal(e[0].address, 0x103);
    assert.equal(e[0].length, 2);
  });

  it('maps a times line, data lines and an included file by their own lines', () => {
    assert.deepEqual(entry(main, 10).map((e) => [e.address, e.length]), [[0x105, 4]]);
    assert.deepEqual(entry(inc, 2).map((e) => [e.address, e.length]), [[0x109, 2]]);
    assert.deepEqual(entry(inc, 3).map((e) => [e.address, e.length]), [[0x10b, 1]]);
    assert.deepEqual(entry(main, 12).map((e) => e.length), [3]);
    assert.deepEqual(entry(main, 13).map((e) => e.length), [6]);
    assert.deepEqual(entry(main, 16).map((e) => e.length), [10]);
    assert.deepEqual(entry(main, 21).map((e) => [e.section, e.length]), [['.bss', 16]]);
  });

  it('agrees with nasm -l on every address and byte count', () => {
    const lst = path.join(tmpDir, 'map.lst');
    const n = spawnSync('nasm', ['-f', 'bin', '-l', lst, '-o', path.join(tmpDir, 'map.bin'), '-I', dir + '/', main], { encoding: 'utf8' });
    assert.equal(n.status, 0, n.stderr);
    // nasm's listing numbers lines per file; check main-file lines that emit bytes
    const rows = fs.readFileSync(lst, 'utf8').split('\n');
    const seen = new Map<number, { addr: number; len: number }>();
    for (const row of rows) {
      const m = /^\s*(\d+) ([0-9A-F]{8}) ([0-9A-F]+)(?:<rep ([0-9A-F]+)h>)?-?\s*(<\d+>)?/.exec(row);
      if (!m || m[5]) continue;
      const line = Number(m[1]);
      const len = (m[3].length / 2) * (m[4] ? parseInt(m[4], 16) : 1);
      const prev = seen.get(line);
      if (prev) prev.len += len;
      else seen.set(line, { addr: parseInt(m[2], 16), len });
    }
    let checked = 0;
    for (const [line, v] of seen) {
      const e = entry(main, line);
      assert.equal(e.length, 1, `line ${line}`);
      assert.equal(e[0].address - 0x100, v.addr, `address of line ${line}`);
      assert.equal(e[0].length, v.len, `length of line ${line}`);
      checked++;
    }
    assert.ok(checked >= 8, `checked ${checked} lines`);
  });

  it('has a symbol table with kinds, element sizes and sizes', () => {
    const s = (name: string) => {
      const x = r.symbols.find((y) => y.name === name);
      assert.ok(x, name);
      return x;
    };
    assert.deepEqual([s('start').kind, s('start').value, s('start').size], ['code', 0x100, 9]);
    assert.deepEqual([s('helper').kind, s('helper').file, s('helper').line], ['code', inc, 1]);
    assert.deepEqual([s('msg').kind, s('msg').elementSize, s('msg').size], ['data', 1, 3]);
    assert.deepEqual([s('words').kind, s('words').elementSize, s('words').size], ['data', 2, 6]);
    assert.deepEqual([s('nums').elementSize, s('big').elementSize, s('ten').elementSize], [4, 8, 10]);
    assert.deepEqual([s('SIZE').kind, s('SIZE').value], ['equ', 42]);
    assert.deepEqual([s('buf').kind, s('buf').section, s('buf').size, s('buf').elementSize], ['bss', '.bss', 16, 1]);
    assert.equal(r.symbols.some((x) => x.name.startsWith('..@')), false);
  });

  it('produces a listing with addresses and bytes', () => {
    assert.ok(r.listing);
    assert.match(r.listing, /\n\s+8 00000000 B80100\s+mov ax, 1/);
  });
});

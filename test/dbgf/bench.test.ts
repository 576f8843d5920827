// Oracles: nasm (the embedded benchmark guest), and the --check rule of issue 9 (a figure more than
// 10 % behind the committed one fails), applied in each unit's better direction.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loopImage } from '../../bench/dbgf';
import type { BenchRow } from '../../bench/types';
import { benchCommand, checkRows, formatTable, shortfall } from '../../src/cli/bench';

const row = (value: number, unit: string, name = 'x'): BenchRow => ({ suite: 't', name, value, unit });

describe('bench runner and the dbgf benchmark guest', () => {
  it('the embedded loop is byte-identical to nasm -f bin bench/dbgf-loop.asm', () => {
    const out = path.join(os.tmpdir(), `dbgf-loop-${process.pid}.bin`);
    const r = spawnSync('nasm', ['-f', 'bin', '-o', out, path.resolve(__dirname, '../../../bench/dbgf-loop.asm')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(Buffer.from(loopImage(1000)), fs.readFileSync(out));
    fs.rmSync(out);
  });

  const cases: Array<[BenchRow, BenchRow, boolean]> = [
    [row(89, 'MIPS'), row(100, 'MIPS'), true], // 12.4 % slower
    [row(91, 'MIPS'), row(100, 'MIPS'), false],
    [row(0.4, 'x'), row(0.5, 'x'), true],
    [row(11.5, 'ms'), row(10, 'ms'), true],
    [row(10.9, 'ms'), row(10, 'ms'), false],
    [row(9, 'ms'), row(10, 'ms'), false],
    [row(1.5, '%'), row(0.3, '%'), false], // overheads compare as slow-down factors: 1.015 / 1.003
    [row(12, '%'), row(1, '%'), true], // 1.12 / 1.01 = +10.9 %
  ];
  for (const [now, then, fails] of cases) {
    it(`${then.value} → ${now.value} ${now.unit}: ${fails ? 'fails' : 'passes'} --check`, () => {
      assert.equal(checkRows([now], [then]).length, fails ? 1 : 0, `shortfall ${shortfall(now, then)}`);
    });
  }

  it('prints a table, writes results.json keeping the previous figures, and --check fails on a regression', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));
    const out = path.join(dir, 'results.json');
    let mips = 100;
    const suites = [{ suite: 't', run: () => [row(mips, 'MIPS', 'speed'), row(0.5, '%', 'overhead')] }];
    const write = process.stdout.write.bind(process.stdout);
    const ewrite = process.stderr.write.bind(process.stderr);
    let printed = '';
    let errors = '';
    process.stdout.write = ((s: string) => ((printed += s), true)) as typeof process.stdout.write;
    process.stderr.write = ((s: string) => ((errors += s), true)) as typeof process.stderr.write;
    try {
      assert.equal(await benchCommand(['--out', out, '--check'], suites), 0);
      mips = 95;
      assert.equal(await benchCommand(['--out', out, '--check'], suites), 0);
      const saved = JSON.parse(fs.readFileSync(out, 'utf8'));
      assert.equal(saved.rows[0].value, 95);
      assert.equal(saved.previous.rows[0].value, 100);
      assert.equal(await benchCommand(['--out', out, '--only', 'other'], suites), 0);
      assert.deepEqual(JSON.parse(fs.readFileSync(out, 'utf8')).rows.map((r: BenchRow) => r.value), [95, 0.5], '--only keeps the other suites');
      mips = 80; // 18.75 % behind the 95 on disk
      assert.equal(await benchCommand(['--out', out, '--check'], suites), 1);
      assert.equal(await benchCommand(['--bogus'], suites).catch((e: Error) => e.message), "x86vm bench: error: unknown option '--bogus' (usage: x86vm bench [--compare] [--check] [--json] [--only SUITE,…] [--out FILE])");
    } finally {
      process.stdout.write = write;
      process.stderr.write = ewrite;
    }
    assert.match(printed, /suite\s+name\s+value\s+peer\s+ratio\s+vs previous\s+note/);
    assert.match(printed, /t\s+speed\s+95\.00 MIPS\s+-5\.3 %/);
    assert.match(errors, /check failed: t \/ speed: 80\.00 MIPS is 18\.8 % behind the committed 95\.00 MIPS/);
    fs.rmSync(dir, { recursive: true });
  });

  it('formats rows with peer and ratio', () => {
    const t = formatTable([{ suite: 'vm', name: 'sieve', value: 150, unit: 'MIPS', peer: 2000, ratio: 0.075 }], new Map());
    assert.match(t.split('\n')[2], /^vm\s+sieve\s+150\.0 MIPS\s+2000 MIPS\s+0\.075/);
  });
});

/**
 * Random instruction lines (seeded; X86VM_ASM_SEED to vary, X86VM_ASM_LINES to scale), assembled by
 * nasm 2.16 (the oracle, one invocation on one big file) and by ours; bytes compared line by line.
 * Lines nasm rejects are dropped from the comparison, and ours must reject them too.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { assemble } from '../../src/asm/assembler';
import { Gen, Rng } from './randgen';
import { tmpDir } from './helpers';

const SEED = Number(process.env.X86VM_ASM_SEED ?? 12345);
const LINES = Number(process.env.X86VM_ASM_LINES ?? 24000);

function runNasm(file: string, listing?: string): { ok: boolean; bytes: Buffer; errLines: Set<number> } {
  const out = file + '.bin';
  const args = ['-f', 'bin', '-o', out, file];
  if (listing) args.push('-l', listing);
  const r = spawnSync('nasm', args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  const errLines = new Set<number>();
  for (const m of r.stderr.matchAll(/:(\d+): error:/g)) errLines.add(Number(m[1]));
  return { ok: r.status === 0, bytes: r.status === 0 ? fs.readFileSync(out) : Buffer.alloc(0), errLines };
}

describe(`assembler: ${LINES} random instruction lines vs nasm (oracle: nasm 2.16, seed ${SEED})`, function () {
  this.timeout(120000);
  it('assembles every valid line to the same bytes', () => {
    const gen = new Gen(new Rng(SEED));
    const lines = gen.program(LINES);
    const file = path.join(tmpDir, 'random.asm');
    fs.writeFileSync(file, lines.join('\n') + '\n');
    // drop the lines nasm rejects (nasm may report more on a re-run); ours must reject them too
    const rejected = new Set<number>();
    let kept = lines;
    for (let round = 0; round < 5; round++) {
      const res = runNasm(file);
      if (res.ok) break;
      for (const l of res.errLines) rejected.add(l);
      kept = lines.map((l, i) => (rejected.has(i + 1) ? '; dropped: ' + l : l));
      fs.writeFileSync(file, kept.join('\n') + '\n');
    }
    const ourFirst = assemble(lines.join('\n') + '\n', { file, format: 'bin' });
    const ourErr = new Set(ourFirst.diagnostics.filter((d) => d.severity === 'error').map((d) => d.line));
    const missed = [...rejected].filter((l) => !ourErr.has(l));
    const valid = kept.filter((l) => !l.startsWith(';') && !l.endsWith(':') && !l.startsWith('bits')).length;
    assert.ok(valid >= Math.min(20000, LINES * 0.8), `only ${valid} valid instruction lines`);
    const listing = file + '.lst';
    const n = runNasm(file, listing);
    assert.ok(n.ok, 'nasm failed on the filtered file');
    const r = assemble(kept.join('\n') + '\n', { file, format: 'bin' });
    const errs = r.diagnostics.filter((d) => d.severity === 'error');
    const errMsgs = errs.slice(0, 10).map((d) => `line ${d.line}: ${kept[d.line - 1]} -> ${d.message}`);
    assert.deepEqual(errMsgs, [], 'ours rejected lines nasm accepts');
    if (Buffer.compare(n.bytes, Buffer.from(r.output)) !== 0) {
      // map bytes back per line with nasm's listing
      const bad: string[] = [];
      const o = Buffer.from(r.output);
      for (const l of fs.readFileSync(listing, 'utf8').split('\n')) {
        const m = /^\s*(\d+) ([0-9A-F]{8}) ([0-9A-F]+)/.exec(l);
        if (!m) continue;
        const addr = parseInt(m[2], 16);
        const want = m[3];
        const got = o.subarray(addr, addr + want.length / 2).toString('hex').toUpperCase();
        if (got !== want) {
          bad.push(`line ${m[1]}: ${kept[Number(m[1]) - 1]}  nasm ${want} ours ${got}`);
          if (bad.length >= 15) break;
        }
      }
      assert.fail(`output differs (sizes nasm ${n.bytes.length}, ours ${r.output.length}):\n${bad.join('\n')}`);
    }
    assert.deepEqual(missed.slice(0, 10).map((l) => `line ${l}: ${lines[l - 1]}`), [], 'ours accepted lines nasm rejects');
  });
});

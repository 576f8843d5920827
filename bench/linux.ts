/**
 * Guest speed on CPU-bound linux32 C programs (bench/programs/linux/*.c, built here with
 * `gcc -m32 -static -O2`): guest instructions, our CPU time, MIPS and — with `--compare` —
 * qemu-i386's wall time on the same binary and the speed ratio (ours / qemu-i386, SPEC §9 wants
 * ≥ 0.45). Both must print the same output; a difference is reported in the row's note.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadElfProgram } from '../src/loader/elfProgram';
import { Cpu } from '../src/vm/cpu/cpu';
import { Fpu } from '../src/vm/cpu/fpu';
import type { CpuApi } from '../src/vm/cpuApi';
import { StopReason } from '../src/vm/hooks';
import type { IoBus } from '../src/vm/iobus';
import type { Memory } from '../src/vm/memory';
import type { LinuxMachine } from '../src/vm/platform/linux32';
import type { BenchOptions, BenchRow } from './types';

const PROGRAMS = ['sieve', 'crc32', 'matmul', 'interp', 'qsort', 'strings', 'x87'];

function programsDir(): string {
  for (const d of [path.join(__dirname, 'programs/linux'), path.resolve(__dirname, '../../bench/programs/linux'), path.resolve('bench/programs/linux')]) {
    if (fs.existsSync(d)) return d;
  }
  throw new Error('bench/programs/linux not found');
}

function makeCpu(mem: Memory, io: IoBus): CpuApi {
  const cpu = new Cpu(mem, io);
  cpu.fpu = new Fpu();
  return cpu;
}

function runOurs(exe: string): { instructions: number; ms: number; out: string; status: string } {
  const p = loadElfProgram(exe, new Uint8Array(fs.readFileSync(exe)), { cwd: path.dirname(exe) }, { createCpu: makeCpu });
  const m = p.machine as LinuxMachine;
  let out = '';
  m.onConsole = (t, s) => {
    if (s === 'stdout') out += t;
  };
  m.endInput();
  const c0 = process.cpuUsage();
  for (let i = 0; i < 100000 && m.exitStatus === null; i++) {
    const r = m.run(10_000_000);
    if (r !== StopReason.Budget && m.exitStatus === null) break;
  }
  const c = process.cpuUsage(c0);
  return { instructions: m.cpu.instructionCount, ms: (c.user + c.system) / 1000, out, status: m.stopMessage };
}

/** qemu-i386's wall time (best of two runs; the machine is shared). */
function runQemu(exe: string): { ms: number; out: string } {
  let best = Infinity;
  let out = '';
  for (let i = 0; i < 2; i++) {
    const t = process.hrtime.bigint();
    const r = spawnSync('qemu-i386', [exe], { encoding: 'utf8', env: {} });
    best = Math.min(best, Number(process.hrtime.bigint() - t) / 1e6);
    out = r.stdout ?? '';
  }
  return { ms: best, out };
}

export async function benchLinux(options: BenchOptions = { compare: true }): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'x86vm-bench-linux-'));
  try {
    // qemu-i386's start-up (process, translation of glibc's start code, exit) measured on an empty
    // static program and subtracted, so that both sides count the program's own work.
    let qemuBase = 0;
    if (options.compare) {
      const empty = path.join(dir, 'empty');
      fs.writeFileSync(empty + '.c', 'int main(void) { return 0; }\n');
      execFileSync('gcc', ['-m32', '-static', '-O2', empty + '.c', '-o', empty], { stdio: 'pipe' });
      qemuBase = runQemu(empty).ms;
    }
    for (const name of PROGRAMS) {
      const exe = path.join(dir, name);
      try {
        execFileSync('gcc', ['-m32', '-static', '-O2', path.join(programsDir(), `${name}.c`), '-o', exe], { stdio: 'pipe' });
      } catch (e) {
        rows.push({ suite: 'linux', name, value: 0, unit: 'MIPS', note: `gcc -m32 -static failed: ${(e as Error).message.split('\n')[0]}` });
        continue;
      }
      const ours = runOurs(exe);
      const mips = ours.instructions / ours.ms / 1000;
      const row: BenchRow = { suite: 'linux', name, value: mips, unit: 'MIPS',
        note: `${(ours.instructions / 1e6).toFixed(1)}M insns, ours ${ours.ms.toFixed(0)} ms` };
      if (options.compare) {
        const q = runQemu(exe);
        const qms = Math.max(1, q.ms - qemuBase);
        row.peer = ours.instructions / qms / 1000;
        row.ratio = mips / row.peer;
        row.note += `, qemu-i386 ${qms.toFixed(0)} ms (${q.ms.toFixed(0)} ms minus ${qemuBase.toFixed(0)} ms start-up)`;
        if (q.out !== ours.out) row.note += ` — OUTPUT DIFFERS (${ours.status})`;
      }
      rows.push(row);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  await Promise.resolve();
  return rows;
}

if (require.main === module) {
  benchLinux({ compare: true }).then((rows) => {
    for (const r of rows) {
      process.stdout.write(`${r.name.padEnd(8)} ${r.value.toFixed(2).padStart(8)} MIPS` +
        `${r.peer !== undefined ? `  qemu ${r.peer.toFixed(1)} MIPS  ratio ${(r.ratio ?? 0).toFixed(3)}` : ''}  ${r.note ?? ''}\n`);
    }
  });
}

#!/usr/bin/env node
// How fast a fresh process reaches its steady speed: the CPU time of each repetition of the linux
// bench programs in a new node process, as a user's one `x86vm run` pays it (bench/README.md,
// "Warm-up"). `npm run bench` times the steady state of a process that has run the program
// before (V8 has optimised its translation by then); this is the other half of the story — what a
// program pays while V8 is still compiling the translation.
//
//   node scripts/warmup.mjs [--reps N] [--runs N] [PROGRAM…]
//   npm run bench:warmup -- strings qsort
//
// Each run is a new node process (the tsc build in out/). A run with argv[1] = 1 gives the
// instruction count I(1) (start-up, one repetition, exit); runs with N repetitions (--reps, default
// 9; --runs of them, default 3) go in slices of 4,000,000 instructions, as `x86vm run` runs them,
// with the process's CPU time (user + system, V8's compiler threads included) read after each.
// Repetition k (k >= 2) ends at I(1) + (k − 1)·P instructions, P = (I(N) − I(1)) / (N − 1)
// exactly; the CPU time between two such marks (interpolated within a slice) is that repetition's,
// and each column shows the fastest of the runs. The first column is the first repetition with
// the machine's start. qemu-i386, when installed, runs 1 and 30 repetitions (wall time, fastest of
// 3): its time per repetition, and the ratio to our last column; its output of one repetition must
// be ours (else a line on stderr and exit status 1).
// Needs gcc-multilib (Debian package); a few seconds per program.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildLinuxProgram, failer, linuxPrograms, stepper } from './bench-programs.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
let reps = 9, runs = 3;
const names = [];
const fail = failer('warmup');
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--reps') reps = Number(args[++i]);
  else if (a === '--runs') runs = Number(args[++i]);
  else if (a === '-h' || a === '--help') { console.log('usage: node scripts/warmup.mjs [--reps N] [--runs N] [PROGRAM…]'); process.exit(0); }
  else if (a.startsWith('-')) fail(`unknown option ${a}`);
  else names.push(a);
}
if (!(reps >= 6) || !Number.isInteger(reps)) fail('--reps must be an integer of at least 6');
if (!(runs >= 1) || !Number.isInteger(runs)) fail('--runs must be a positive integer');
const { dir: programsDir, programs } = linuxPrograms(root, names, fail);
const step = stepper(fail);
let haveQemu = true;
try { execFileSync('which', ['qemu-i386'], { stdio: 'pipe' }); } catch { haveQemu = false; }

const work = mkdtempSync(path.join(tmpdir(), 'x86vm-warmup-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
console.log('building (tsc) …');
step('tsc', process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', root]);
const out = path.join(root, 'out', 'src');
for (const f of ['loader/elfProgram.js', 'vm/cpuFactory.js']) if (!existsSync(path.join(out, f))) fail(`no ${path.join(out, f)} after tsc`);
// The child: one machine runs the program to its exit in slices, printing "instructions cpu-ms" after each.
const child = path.join(work, 'slices.cjs');
writeFileSync(child, `const fs = require('fs');
const { loadElfProgram } = require(${JSON.stringify(path.join(out, 'loader', 'elfProgram.js'))});
const { defaultCpu } = require(${JSON.stringify(path.join(out, 'vm', 'cpuFactory.js'))});
const [exe, r] = process.argv.slice(2);
const p = loadElfProgram(exe, new Uint8Array(fs.readFileSync(exe)), { cwd: require('path').dirname(exe), args: [r] }, { createCpu: (m, io) => defaultCpu(m, io) });
const m = p.machine;
let text = '';
m.onConsole = (t) => { text += t; };
m.endInput();
const lines = [];
const c0 = process.cpuUsage();
for (let k = 0; m.exitStatus === null && k < 1e6; k++) {
  m.run(4000000);
  const c = process.cpuUsage(c0);
  lines.push(m.cpu.instructionCount + ' ' + (c.user + c.system) / 1000);
}
if (m.exitStatus === null) { process.stderr.write('did not exit: ' + (m.stopMessage || '') + '\\n'); process.exit(1); }
process.stdout.write(JSON.stringify({ text: text.trim(), status: m.exitStatus }) + '\\n' + lines.join('\\n') + '\\n');
`);

/** Runs argv; resolves with stdout and the wall time. */
function once(argv) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const p = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let so = '', se = '';
    p.stdout.on('data', (d) => { so += d; });
    p.stderr.on('data', (d) => { se += d; });
    p.on('error', reject);
    p.on('close', (code) => {
      if (code !== 0) reject(new Error(`${path.basename(argv[argv.length - 2] ?? '')} ${argv[argv.length - 1]}: exit ${code} ${se.trim().split('\n').slice(-2).join(' / ')}`));
      else resolve({ so, ms: Number(process.hrtime.bigint() - t0) / 1e6 });
    });
  });
}
/** Our run of `r` repetitions: output, exit status and the [instructions, CPU ms] after each slice. */
async function ours(exe, r) {
  const { so } = await once([process.execPath, child, exe, String(r)]);
  const [first, ...rest] = so.trim().split('\n');
  return { ...JSON.parse(first), marks: rest.map((l) => l.split(' ').map(Number)) };
}
/** CPU ms at instruction count `at`, interpolated between the marks around it. */
function cpuAt(marks, at) {
  let prev = [0, 0];
  for (const mk of marks) {
    if (mk[0] >= at) return prev[1] + ((mk[1] - prev[1]) * (at - prev[0])) / Math.max(1, mk[0] - prev[0]);
    prev = mk;
  }
  return prev[1];
}

const cols = [['rep 1', 1, 1], ['rep 2', 2, 2], ['rep 3', 3, 3], ['reps 4–5', 4, 5], [`reps 6–${reps}`, 6, reps]];
const head = ['program', ...cols.map((c) => c[0])];
if (haveQemu) head.push('qemu-i386', 'ratio');
console.log(`CPU ms per repetition in one new process (${reps} repetitions, fastest of ${runs} runs; the first with the machine's start)`);
console.log(head.map((h, i) => (i === 0 ? h.padEnd(10) : h.padStart(11))).join(''));
try {
  for (const n of programs) {
    const exe = path.join(work, n);
    buildLinuxProgram(step, programsDir, n, exe);
    const one = await ours(exe, 1);
    if (one.status !== 0) fail(`${n} exited with status ${one.status}`);
    const i1 = one.marks[one.marks.length - 1][0];
    const cells = cols.map(() => Infinity);
    for (let run = 0; run < runs; run++) {
      const many = await ours(exe, reps);
      if (many.status !== 0) fail(`${n} ×${reps} exited with status ${many.status}`);
      const per = (many.marks[many.marks.length - 1][0] - i1) / (reps - 1);
      // Repetition k ends at I(1) + (k − 1)·P (the exit's few thousand instructions fall in the last).
      const end = (k) => i1 + (k - 1) * per;
      cols.forEach(([, a, b], i) => {
        cells[i] = Math.min(cells[i], (cpuAt(many.marks, end(b)) - (a === 1 ? 0 : cpuAt(many.marks, end(a - 1)))) / (b - a + 1));
      });
    }
    let line = n.padEnd(10) + cells.map((c) => c.toFixed(1).padStart(11)).join('');
    if (haveQemu) {
      let qText = '';
      const q = async (r) => {
        let best = Infinity;
        for (let i = 0; i < 3; i++) { const res = await once(['qemu-i386', exe, String(r)]); best = Math.min(best, res.ms); qText = res.so.trim(); }
        return best;
      };
      const q1 = await q(1);
      // The oracle: qemu-i386 prints what our run of one repetition printed.
      if (qText !== one.text) { console.error(`warmup: ${n}: qemu-i386 printed ${JSON.stringify(qText)}, our VM ${JSON.stringify(one.text)}`); process.exitCode = 1; }
      const q30 = await q(30);
      const qms = Math.max(0.01, (q30 - q1) / 29);
      line += qms.toFixed(1).padStart(11) + (qms / cells[cells.length - 1]).toFixed(3).padStart(11);
    }
    console.log(line);
  }
} catch (e) {
  fail(`a run failed: ${e.message}`);
}

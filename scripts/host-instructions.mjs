#!/usr/bin/env node
// Host instructions per repetition of the linux bench programs, this tree against a base commit:
// a deterministic figure for comparing two versions of the VM where timing on a shared machine
// scatters by ±30 % (bench/README.md, "host instructions").
//
//   node scripts/host-instructions.mjs [--base REF] [--reps N] [--jobs N] [PROGRAM…]
//   npm run bench:insns -- --base HEAD~1 sieve crc32
//
// Each side runs `x86vm run PROGRAM --platform linux32 -- R` under valgrind (cachegrind, no cache
// simulation; its instruction count "I refs") with node --predictable (V8 on one thread: compile
// decisions follow execution counts, not timing, so a run repeats its count to about 0.2 %), for
// R = 1 and R = N repetitions in one machine: (I(N) − I(1)) / (N − 1) is the host instructions of
// one repetition in the steady state, without node's and the machine's start-up and with little of
// the translation. The ratio is base / this tree (above 1: this tree runs fewer instructions).
// Needs valgrind and gcc-multilib (Debian packages), and about a minute per program and side.
// Limits (bench/README.md, after step 52): V8 compiles inline under --predictable, so a change that
// moves compilation work (region sizes, say) must be timed as well; and one program path is one
// stack layout — strings' count moves 13 % with the length of argv[0].
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildLinuxProgram, failer, linuxPrograms, stepper } from './bench-programs.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
let base = 'HEAD', reps = 5, jobs = Math.max(1, cpus().length);
const names = [];
const fail = failer('host-instructions');
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--base') base = args[++i];
  else if (a === '--reps') reps = Number(args[++i]);
  else if (a === '--jobs') jobs = Number(args[++i]);
  else if (a === '-h' || a === '--help') { console.log('usage: node scripts/host-instructions.mjs [--base REF] [--reps N] [--jobs N] [PROGRAM…]'); process.exit(0); }
  else if (a.startsWith('-')) fail(`unknown option ${a}`);
  else names.push(a);
}
if (!(reps >= 2) || !Number.isInteger(reps)) fail('--reps must be an integer of at least 2');
if (!(jobs >= 1) || !Number.isInteger(jobs)) fail('--jobs must be an integer of at least 1');
for (const tool of ['valgrind', 'gcc']) {
  try { execFileSync('which', [tool], { stdio: 'pipe' }); } catch { fail(`${tool} not found (apt-get install valgrind gcc-multilib)`); }
}
const { dir: programsDir, programs } = linuxPrograms(root, names, fail);

const work = mkdtempSync(path.join(tmpdir(), 'x86vm-insns-'));
const baseTree = path.join(work, 'base');
process.on('exit', () => {
  try { execFileSync('git', ['-C', root, 'worktree', 'remove', '--force', baseTree], { stdio: 'pipe' }); } catch { /* not created */ }
  rmSync(work, { recursive: true, force: true });
});
const step = stepper(fail);
const rev = step(`resolving --base ${base}`, 'git', ['-C', root, 'rev-parse', '--short', '--verify', `${base}^{commit}`]).trim();
console.log(`building this tree and ${base} (${rev}) …`);
step('building this tree', 'node', ['scripts/build.mjs'], { cwd: root });
step(`checking out ${rev}`, 'git', ['-C', root, 'worktree', 'add', '--detach', baseTree, rev]);
symlinkSync(path.join(root, 'node_modules'), path.join(baseTree, 'node_modules'));
step(`building ${rev}`, 'node', ['scripts/build.mjs'], { cwd: baseTree });
const sides = [['base', path.join(baseTree, 'dist', 'cli.js')], ['this tree', path.join(root, 'dist', 'cli.js')]];
for (const [, cli] of sides) if (!existsSync(cli)) { console.error(`host-instructions: no ${cli} after the build`); process.exit(1); }

const exes = new Map();
for (const n of programs) {
  const exe = path.join(work, n);
  buildLinuxProgram(step, programsDir, n, exe);
  exes.set(n, exe);
}

/** Host instructions of one run (valgrind's "I refs") and its output. */
function count(cli, exe, r) {
  return new Promise((resolve, reject) => {
    const p = spawn('valgrind', ['--tool=cachegrind', '--cache-sim=no', '--smc-check=all-non-file', '--cachegrind-out-file=/dev/null',
      'node', '--predictable', cli, 'run', exe, '--platform', 'linux32', '--', String(r)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    p.on('close', (code) => {
      const m = /I\s+refs:\s+([\d,]+)/.exec(err);
      if (code !== 0 || m === null) reject(new Error(`${path.basename(exe)} ×${r}: exit ${code}\n${err.split('\n').slice(-5).join('\n')}`));
      else resolve({ insns: Number(m[1].replace(/,/g, '')), out: out.trim() });
    });
  });
}

const tasks = [];
for (const n of programs) for (const [side, cli] of sides) for (const r of [1, reps]) tasks.push({ n, side, cli, r });
const results = new Map();
let next = 0;
async function worker() {
  while (next < tasks.length) {
    const t = tasks[next++];
    results.set(`${t.n}|${t.side}|${t.r}`, await count(t.cli, exes.get(t.n), t.r));
  }
}
try {
  await Promise.all(Array.from({ length: Math.min(jobs, tasks.length) }, worker));
} catch (e) {
  console.error(`host-instructions: a run failed: ${e.message}`);
  process.exit(1);
}

const per = (n, side) => (results.get(`${n}|${side}|${reps}`).insns - results.get(`${n}|${side}|1`).insns) / (reps - 1);
console.log(`host instructions per repetition (valgrind, node --predictable, (I(${reps}) − I(1)) / ${reps - 1}); ratio = base / this tree`);
console.log(`${'program'.padEnd(10)}${`base ${rev}`.padStart(16)}${'this tree'.padStart(16)}${'ratio'.padStart(9)}   one run of 1 repetition: base, this tree, ratio`);
let logSum = 0, logSum1 = 0;
for (const n of programs) {
  const outs = new Set(sides.map(([side]) => results.get(`${n}|${side}|${reps}`).out));
  if (outs.size !== 1) { console.error(`host-instructions: ${n} printed different output on the two sides: ${[...outs].join(' / ')}`); process.exitCode = 1; }
  const b = per(n, 'base'), t = per(n, 'this tree');
  const b1 = results.get(`${n}|base|1`).insns, t1 = results.get(`${n}|this tree|1`).insns;
  logSum += Math.log(b / t);
  logSum1 += Math.log(b1 / t1);
  console.log(`${n.padEnd(10)}${`${(b / 1e6).toFixed(1)} M`.padStart(16)}${`${(t / 1e6).toFixed(1)} M`.padStart(16)}${(b / t).toFixed(3).padStart(9)}` +
    `   ${(b1 / 1e6).toFixed(0)} M, ${(t1 / 1e6).toFixed(0)} M, ${(b1 / t1).toFixed(3)}`);
}
console.log(`${'geomean'.padEnd(42)}${Math.exp(logSum / programs.length).toFixed(3).padStart(9)}   ${Math.exp(logSum1 / programs.length).toFixed(3)}`);

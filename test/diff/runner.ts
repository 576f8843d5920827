/**
 * The differential tester: runs batches of generated cases as a static ELF under qemu-i386 and under
 * our VM (LinuxMachine + the project's CPU) and compares the final states, ignoring only what the SDM
 * leaves undefined. A mismatch is minimised (units removed while it persists) and printed as a
 * reproducer: instruction bytes, iced-x86 disassembly, initial state and both final states.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Decoder, DecoderOptions, Formatter, FormatterSyntax } from 'iced-x86';
import { loadElfProgram } from '../../src/loader/elfProgram';
import type { LinuxMachine } from '../../src/vm/platform/linux32';
import { ARITH, type Case, CC, CF, DF, Generator, OF, Rng, type Unit, undefinedMask } from './gen';
import { BUF_ADDR, buildElf, CODE_BASE, REC_SIZE } from './harness';
import { Memory } from '../../src/vm/memory';
import { IoBus } from '../../src/vm/iobus';
import { createDiffCpu as createCpu } from './vm';

/** DIFF_EXCLUDE=shrd,xadd leaves classes out (to look past known bugs in long runs). */
const EXCLUDE = (process.env.DIFF_EXCLUDE ?? '').split(',').filter(Boolean);

/** Whether the project's CPU has an x87 unit attached (until the FPU lands it has none). */
export const HAVE_X87 = (createCpu(new Memory(1 << 20), new IoBus()) as unknown as { fpu?: unknown }).fpu != null;

export interface Mismatch {
  seed: number;
  index: number;
  report: string;
}

export interface DiffResult {
  cases: number;
  mismatches: Mismatch[];
  qemuMs: number;
  vmMs: number;
  /** qemu-i386 crashes on cases that run identically alone (re-run, not counted as mismatches). */
  qemuCrashes: number;
  /** Units generated per class (`Unit.what`). */
  classes: Map<string, number>;
}

const REG_NAMES = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'];

let tmpDir = '';
function tmp(): string {
  if (!tmpDir) tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'x86vm-diff-'));
  return tmpDir;
}

export function cleanup(): void {
  if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
  tmpDir = '';
}

interface RunOut {
  out: Uint8Array;
  status: string;
}

export function runQemu(file: string): RunOut {
  const r = spawnSync('qemu-i386', [file], { maxBuffer: 1 << 28, env: {} });
  if (r.error) throw r.error;
  return { out: new Uint8Array(r.stdout), status: r.signal ? `signal ${r.signal}` : `exit ${r.status}` };
}

export function runVm(file: string, bytes: Uint8Array): RunOut & { message: string } {
  const p = loadElfProgram(file, bytes, { cwd: path.dirname(file), memory: 16 << 20 }, { createCpu });
  const m = p.machine as LinuxMachine;
  const chunks: Uint8Array[] = [];
  let total = 0;
  m.onConsoleBytes = (b, s) => {
    if (s === 'stdout') { chunks.push(b.slice()); total += b.length; }
  };
  m.endInput();
  for (let i = 0; i < 10000 && m.exitStatus === null; i++) {
    const r = m.run(1_000_000);
    if (r !== 0 && m.exitStatus === null) break;
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) { out.set(c, o); o += c.length; }
  const status = m.termSignal ? `signal ${m.termSignal}` : m.exitStatus === null ? 'did not finish' : `exit ${m.exitStatus}`;
  return { out, status, message: m.stopMessage };
}

function u32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}
function u16(b: Uint8Array, o: number): number {
  return b[o] | (b[o + 1] << 8);
}

/** Compares one record; returns the differences (empty when equal). */
export function compareRecord(a: Uint8Array, b: Uint8Array, units: Unit[]): string[] {
  const mask = undefinedMask(units);
  const diffs: string[] = [];
  for (let r = 0; r < 8; r++) {
    const x = u32(a, r * 4);
    const y = u32(b, r * 4);
    if (x !== y) diffs.push(`${REG_NAMES[r]}: qemu ${hex(x)} vm ${hex(y)}`);
  }
  const fm = (ARITH | DF) & ~mask.flags;
  const fa = u32(a, 32) & fm;
  const fb = u32(b, 32) & fm;
  if (fa !== fb) diffs.push(`eflags (compared bits ${hex(fm, 3)}): qemu ${hex(fa, 3)} vm ${hex(fb, 3)}${flagNames(fa ^ fb)}`);
  for (let i = 0; i < 256; i++) {
    if (a[36 + i] !== b[36 + i]) {
      diffs.push(`memory [buf+${i}] (${hex(BUF_ADDR + i)}): qemu ${bytesHex(a, 36 + (i & ~3), 8)} vm ${bytesHex(b, 36 + (i & ~3), 8)}`);
      break;
    }
  }
  const f = 36 + 256;
  const cwA = u16(a, f), cwB = u16(b, f);
  if ((cwA & 0x1f3f) !== (cwB & 0x1f3f)) diffs.push(`x87 control word: qemu ${hex(cwA, 4)} vm ${hex(cwB, 4)}`);
  // DE (0x02) is not compared: qemu-i386 7.2 never reports denormal operands (the SDM has FLD m32/m64
  // and arithmetic on denormals set DE, as our FPU does). ES/B (0x8080) follow unmasked exceptions only.
  const swMask = 0xffff & ~mask.fpu & ~0x8082;
  // C1 after an inexact result is the SDM's round-up indicator, which qemu-i386 7.2 does not
  // implement: once PE (0x20) is set, C1 is not compared.
  const c1 = u16(a, f + 4) & 0x20 ? 0x200 : 0;
  const swA = u16(a, f + 4) & swMask & ~c1, swB = u16(b, f + 4) & swMask & ~c1;
  if (swA !== swB) diffs.push(`x87 status word (mask ${hex(swMask, 4)}): qemu ${hex(swA, 4)} vm ${hex(swB, 4)}`);
  const twA = u16(a, f + 8), twB = u16(b, f + 8);
  if (twA !== twB) diffs.push(`x87 tag word: qemu ${hex(twA, 4)} vm ${hex(twB, 4)}`);
  for (let i = 0; i < 8; i++) {
    const o = f + 28 + i * 10;
    let same = true;
    for (let k = 0; k < 10; k++) if (a[o + k] !== b[o + k]) same = false;
    if (!same) diffs.push(`x87 R${i} (ST(${i}) after FNSAVE order): qemu ${ext(a, o)} vm ${ext(b, o)}`);
  }
  return diffs;
}

function flagNames(x: number): string {
  const n: string[] = [];
  if (x & CF) n.push('CF');
  if (x & 4) n.push('PF');
  if (x & 0x10) n.push('AF');
  if (x & 0x40) n.push('ZF');
  if (x & 0x80) n.push('SF');
  if (x & DF) n.push('DF');
  if (x & OF) n.push('OF');
  return n.length ? ` (differ: ${n.join(' ')})` : '';
}

function ext(b: Uint8Array, o: number): string {
  let s = '';
  for (let k = 9; k >= 0; k--) s += b[o + k].toString(16).padStart(2, '0');
  return '0x' + s;
}

function hex(v: number, w = 8): string {
  return '0x' + (v >>> 0).toString(16).padStart(w, '0');
}
function bytesHex(b: Uint8Array, o: number, n: number): string {
  return Array.from(b.subarray(o, o + n), (x) => x.toString(16).padStart(2, '0')).join(' ');
}

export function disassemble(bytes: number[], ip: number): string[] {
  const data = new Uint8Array(bytes);
  const dec = new Decoder(32, data, DecoderOptions.None);
  dec.ip = BigInt(ip);
  const fmt = new Formatter(FormatterSyntax.Nasm);
  const out: string[] = [];
  while (dec.canDecode) {
    const ins = dec.decode();
    const off = Number(ins.ip) - ip;
    out.push(`  ${hex(Number(ins.ip))}  ${bytesHex(data, off, ins.length).padEnd(30)} ${fmt.format(ins)}`);
    ins.free();
  }
  dec.free();
  fmt.free();
  return out;
}

/** Whether a unit sequence respects the generator's invariants (no undefined flag read, x87 depth). */
function valid(units: Unit[]): boolean {
  let undef = 0;
  let fdepth = 0;
  let depth = 0;
  for (const u of units) {
    if (u.read & undef) return false;
    if (u.fneed > fdepth || fdepth + Math.max(0, u.fpush) > 8) return false;
    if (depth + u.push < 0 || depth + u.push > 56) return false;
    if (u.what === 'fnstsw ax' && false) return false;
    undef = (undef & ~u.def) | u.undef;
    fdepth += u.fpush;
    depth += u.push;
  }
  return true;
}

function runOne(c: Case, name: string): { qemu: RunOut; vm: RunOut & { message: string }; diffs: string[] } {
  const elf = buildElf([c], HAVE_X87);
  const file = path.join(tmp(), name);
  fs.writeFileSync(file, elf, { mode: 0o755 });
  const qemu = runQemu(file);
  const vm = runVm(file, elf);
  let diffs: string[] = [];
  if (qemu.status !== vm.status) diffs.push(`status: qemu ${qemu.status} vm ${vm.status} (${vm.message})`);
  if (qemu.out.length === REC_SIZE && vm.out.length === REC_SIZE) diffs = diffs.concat(compareRecord(qemu.out, vm.out, c.units));
  else if (qemu.out.length !== vm.out.length) diffs.push(`output: qemu ${qemu.out.length} bytes vm ${vm.out.length} bytes`);
  return { qemu, vm, diffs };
}

/** Removes units while the mismatch persists (at most `budget` runs). */
function minimise(c: Case, budget = 40): Case {
  let cur = c;
  let tries = 0;
  let progress = true;
  while (progress && tries < budget) {
    progress = false;
    for (let i = cur.units.length - 1; i >= 0 && tries < budget; i--) {
      const units = cur.units.slice(0, i).concat(cur.units.slice(i + 1));
      if (!valid(units)) continue;
      const cand = { ...cur, units };
      tries++;
      if (runOne(cand, 'min').diffs.length) {
        cur = cand;
        progress = true;
      }
    }
  }
  return cur;
}

function describe(c: Case, seed: number, index: number): string {
  const lines: string[] = [];
  const one = runOne(c, 'repro');
  lines.push(`mismatch: seed ${seed}, case ${index} (minimised to ${c.units.length} unit(s))`);
  lines.push(`initial: ${c.regs.map((v, i) => (i === 4 || i === 5 ? '' : `${REG_NAMES[i]}=${hex(v)}`)).filter(Boolean).join(' ')} eflags=${hex(c.eflags, 3)} ebp=${hex(BUF_ADDR + 128)} (buffer ${hex(BUF_ADDR)}) esp=${hex(BUF_ADDR + 256)}`);
  const bytes = c.units.flatMap((u) => u.bytes);
  lines.push(`bytes: ${bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ')}`);
  lines.push(...disassemble(bytes, 0));
  lines.push(`units: ${c.units.map((u) => u.what).join(', ')}`);
  lines.push(`buffer: ${bytesHex(c.mem, 0, 64)} …`);
  lines.push(...one.diffs.map((d) => '  ' + d));
  if (one.diffs.length === 0) lines.push('  (does not reproduce alone)');
  void CODE_BASE;
  return lines.join('\n');
}

function startQemu(file: string): Promise<RunOut> {
  const outFile = file + '.out';
  const fd = fs.openSync(outFile, 'w');
  const child = spawn('qemu-i386', [file], { stdio: ['ignore', fd, 'ignore'], env: {} });
  fs.closeSync(fd);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      resolve({ out: new Uint8Array(fs.readFileSync(outFile)), status: signal ? `signal ${signal}` : `exit ${code}` });
    });
  });
}

/**
 * Runs `cases` cases from `seed` in batches of `batch`, `units` instructions each; each batch's
 * qemu-i386 run overlaps our VM's run of the same batch (qemu writes to a file). Reports at most
 * `maxReports` mismatches in full (minimised).
 */
export async function runDiffAsync(opts: { cases: number; seed: number; batch?: number; units?: number; maxReports?: number }): Promise<DiffResult> {
  const batch = opts.batch ?? 1000;
  const unitsPer = opts.units ?? 8;
  const result: DiffResult = { cases: 0, mismatches: [], qemuMs: 0, vmMs: 0, qemuCrashes: 0, classes: new Map() };
  for (let done = 0, b = 0; done < opts.cases; b++) {
    const n = Math.min(batch, opts.cases - done);
    const seed = (opts.seed + b * 0x9e3779b1) >>> 0;
    const gen = new Generator(new Rng(seed), { bufAddr: BUF_ADDR, x87: HAVE_X87, exclude: EXCLUDE });
    const cases: Case[] = [];
    for (let i = 0; i < n; i++) cases.push(gen.makeCase(unitsPer));
    for (const c of cases) for (const u of c.units) result.classes.set(u.what, (result.classes.get(u.what) ?? 0) + 1);
    const elf = buildElf(cases, HAVE_X87);
    const file = path.join(tmp(), `abatch${b}`);
    fs.writeFileSync(file, elf, { mode: 0o755 });
    const t = Date.now();
    const qp = startQemu(file);
    const v = runVm(file, elf);
    result.vmMs += Date.now() - t;
    const q = await qp;
    result.qemuMs += Date.now() - t;
    checkBatch(result, cases, q, v, seed, opts.maxReports ?? 3);
    result.cases += n;
    done += n;
  }
  return result;
}

function checkBatch(result: DiffResult, cases: Case[], q: RunOut, v: RunOut & { message: string }, seed: number, maxReports: number): void {
  let qBase = 0; // index of the case whose record starts q.out (after a qemu re-run)
  for (let i = 0; i < cases.length; i++) {
    const qa = q.out.subarray((i - qBase) * REC_SIZE, (i - qBase + 1) * REC_SIZE);
    const va = v.out.subarray(i * REC_SIZE, (i + 1) * REC_SIZE);
    if (qa.length < REC_SIZE && va.length === REC_SIZE && q.status !== 'exit 0' && runOne(cases[i], 'crash').diffs.length === 0) {
      // qemu-i386 died inside the batch on a case that runs identically alone (has not happened
      // since the harness zeroes the x87 registers and CMPXCHG8B starts a translation block; kept
      // so that a crash of the oracle is counted and reported, not mistaken for a VM bug). The
      // rest of the batch runs under a fresh qemu; our VM's output is not re-run.
      result.qemuCrashes++;
      const rest = cases.slice(i + 1);
      if (rest.length) {
        const file = path.join(tmp(), 'rest');
        fs.writeFileSync(file, buildElf(rest, HAVE_X87), { mode: 0o755 });
        q = runQemu(file);
      }
      qBase = i + 1;
      continue;
    }
    const short = qa.length < REC_SIZE || va.length < REC_SIZE;
    if (!short && compareRecord(qa, va, cases[i].units).length === 0) continue;
    // Every case starts from a fully defined state (registers, flags, memory, zeroed x87
    // registers), so a difference that does not reproduce alone is a harness defect and fails too.
    if (result.mismatches.length < maxReports) {
      result.mismatches.push({ seed, index: i, report: describe(minimise(cases[i]), seed, i) });
    } else result.mismatches.push({ seed, index: i, report: '' });
    if (short) {
      result.mismatches[result.mismatches.length - 1].report += `\n  (batch ended: qemu ${q.status}, vm ${v.status} ${v.message})`;
      return;
    }
  }
}

export { CC };

/** Single-unit cases grouped by class: which instruction classes differ (for bug reports). */
export function classSurvey(cases: number, seed: number): Map<string, { n: number; bad: number; example: string }> {
  const gen = new Generator(new Rng(seed), { bufAddr: BUF_ADDR, x87: HAVE_X87, exclude: EXCLUDE });
  const all: Case[] = [];
  for (let i = 0; i < cases; i++) all.push(gen.makeCase(1));
  const elf = buildElf(all, HAVE_X87);
  const file = path.join(tmp(), 'survey');
  fs.writeFileSync(file, elf, { mode: 0o755 });
  const q = runQemu(file);
  const v = runVm(file, elf);
  const out = new Map<string, { n: number; bad: number; example: string }>();
  for (let i = 0; i < cases; i++) {
    const c = all[i];
    const key = c.units.map((u) => u.what).join('+');
    const e = out.get(key) ?? { n: 0, bad: 0, example: '' };
    e.n++;
    const qa = q.out.subarray(i * REC_SIZE, (i + 1) * REC_SIZE);
    const va = v.out.subarray(i * REC_SIZE, (i + 1) * REC_SIZE);
    const d = qa.length < REC_SIZE || va.length < REC_SIZE ? ['run ended: ' + v.message] : compareRecord(qa, va, c.units);
    if (d.length) {
      e.bad++;
      if (!e.example) e.example = disassemble(c.units.flatMap((u) => u.bytes), 0).join(' |') + ' :: ' + d.join('; ');
    }
    out.set(key, e);
    if (qa.length < REC_SIZE || va.length < REC_SIZE) break;
  }
  return out;
}

/**
 * Oracle: SingleStepTests/80286 (hardware-recorded on a real 80286, real mode), read from
 * ../shared/singlesteptests-80286 at test time. Every test must pass or be on the explained list of
 * 286-vs-i686 differences in test/fixtures/vm/singlestep286-differences.json.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { Cpu } from '../../../src/vm/cpu/cpu';
import { IoBus } from '../../../src/vm/iobus';
import { Memory } from '../../../src/vm/memory';

const ROOT = path.resolve(__dirname, '../../../../..', 'shared/singlesteptests-80286/v1_real_mode');
const ROOT2 = path.resolve('/work/shared/singlesteptests-80286/v1_real_mode');
const DIFF_FILE = path.resolve(__dirname, '../../../../test/fixtures/vm/singlestep286-differences.json');

interface Regs { [k: string]: number }
interface TestCase {
  name: string; bytes: number[];
  initial: { regs: Regs; ram: Array<[number, number]> };
  final: { regs: Regs; ram: Array<[number, number]> };
  exception?: { number: number; flag_address: number };
  hash: string;
}
interface Differences { flagsMask: number; flagsMaskReason: string; differences: Array<{ reason: string; tests: string[] }> }

const REGS = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di'];
const SEGS: Record<string, number> = { es: 0, cs: 1, ss: 2, ds: 3 };

function dir(): string | null {
  for (const d of [ROOT, ROOT2]) if (fs.existsSync(path.join(d, 'metadata.json'))) return d;
  return null;
}

/** Run one test; returns null on success, else a description of the first mismatch. */
export function runCase(cpu: Cpu, mem: Memory, t: TestCase, flagMask: number): string | null {
  cpu.reset();
  const r = t.initial.regs;
  REGS.forEach((n, i) => { cpu.regs[i] = r[n]; });
  for (const s of Object.keys(SEGS)) cpu.loadSegment(SEGS[s], r[s]);
  cpu.eip = r.ip;
  cpu.setEflags(r.flags);
  for (const [a, v] of t.initial.ram) mem.ram[a] = v;
  let steps = 0;
  while (!cpu.halted && steps < 8) { cpu.run(1); steps++; }
  let err: string | null = null;
  const fin = t.final.regs;
  for (let i = 0; i < 8 && !err; i++) {
    const want = fin[REGS[i]] ?? r[REGS[i]];
    const got = cpu.regs[i] & 0xffff;
    if (want !== got) err = `${REGS[i]}=${got.toString(16)} want ${want.toString(16)}`;
  }
  for (const s of Object.keys(SEGS)) {
    if (err) break;
    const want = fin[s] ?? r[s];
    const got = cpu.getSegment(SEGS[s]).selector;
    if (want !== got) err = `${s}=${got.toString(16)} want ${want.toString(16)}`;
  }
  if (!err) {
    const want = fin.ip ?? r.ip;
    if (cpu.eip !== want) err = `ip=${cpu.eip.toString(16)} want ${want.toString(16)}`;
  }
  if (!err) {
    const want = (fin.flags ?? r.flags) & flagMask;
    const got = cpu.getEflags() & flagMask;
    if (want !== got) err = `flags=${got.toString(16)} want ${want.toString(16)} (mask ${flagMask.toString(16)})`;
  }
  // FLAGS images on the stack (exception/INT frames, PUSHF) get the same mask. The image address is
  // computed from the final SS:SP (the recorded flag_address is one byte off when SP is odd).
  const ss = fin.ss ?? r.ss, sp = fin.sp ?? r.sp;
  let fa = -1;
  if (t.exception || /^(int|into|int3|int1)\b/.test(t.name.replace(/^lock /, ''))) fa = ss * 16 + ((sp + 4) & 0xffff);
  else if (t.bytes.includes(0x9c) && /pushf/.test(t.name)) fa = ss * 16 + sp;
  for (const [a, v] of t.final.ram) {
    if (err) break;
    let got = mem.ram[a], want = v;
    if (fa >= 0 && (a === fa || a === fa + 1)) {
      const m = a === fa ? flagMask & 0xff : flagMask >> 8;
      got &= m; want &= m;
    }
    if (got !== want) err = `[${a.toString(16)}]=${got.toString(16)} want ${v.toString(16)}`;
  }
  for (const [a] of t.initial.ram) mem.ram[a] = 0;
  for (const [a] of t.final.ram) mem.ram[a] = 0;
  return err;
}

describe('CPU vs SingleStepTests 80286 real mode (oracle: hardware recordings)', function () {
  const d = dir();
  it('every test passes or is a listed 286-vs-i686 difference', function () {
    this.timeout(60000);
    if (!d) { this.skip(); return; }
    const meta = JSON.parse(fs.readFileSync(path.join(d, 'metadata.json'), 'utf8')) as { opcodes: Record<string, { status: string; 'flags-mask'?: number; reg?: Record<string, { 'flags-mask'?: number }> }> };
    const diffs = JSON.parse(fs.readFileSync(DIFF_FILE, 'utf8')) as Differences;
    const listedSet = new Set<string>();
    for (const x of diffs.differences) { assert.ok(x.reason.length > 20); if (!process.env.SS_NOLIST) for (const k of x.tests) listedSet.add(k); }
    const mem = new Memory(2 << 20);
    const cpu = new Cpu(mem, new IoBus());
    let pass = 0, listed = 0;
    const failures: string[] = [];
    const files = fs.readdirSync(d).filter((f) => f.endsWith('.json.gz')).sort();
    for (const f of files) {
      const form = f.replace('.json.gz', '');
      const [op, reg] = form.split('.');
      const m = meta.opcodes[op];
      let fm = m?.['flags-mask'] ?? 0xffff;
      if (reg !== undefined && m?.reg?.[reg]?.['flags-mask'] !== undefined) fm = m.reg[reg]['flags-mask'] as number;
      fm &= diffs.flagsMask;
      const tests = JSON.parse(zlib.gunzipSync(fs.readFileSync(path.join(d, f))).toString('utf8')) as TestCase[];
      for (const t of tests) {
        const e = runCase(cpu, mem, t, fm);
        if (e === null) pass++;
        else if (listedSet.has(`${form}:${t.hash.slice(0, 8)}`)) listed++;
        else failures.push(`${form} ${t.name} [${t.hash.slice(0, 8)}]: ${e}`);
      }
    }
    console.log(`      SingleStepTests 80286: ${pass} passed, ${listed} listed differences, ${failures.length} failed`);
    if (process.env.SS_DUMP) fs.writeFileSync(process.env.SS_DUMP, failures.join("\n"));
    assert.deepStrictEqual(failures.slice(0, 30), []);
  });
});

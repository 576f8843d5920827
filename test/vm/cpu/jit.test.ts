/**
 * Block translation (src/vm/cpu/jit.ts) must be invisible: with translation on and off every
 * program retires the same number of instructions and ends with the same registers, EFLAGS, segment
 * state, CR2 and memory. Oracles: our own interpreter (translation off) for the exact state, and
 * qemu-system-i386 for the output of the self-modifying-code and fault fixtures
 * (test/fixtures/vm/jit/*.asm; QEMU does not enforce null-segment #GP, so that line is checked
 * against the interpreter and the SDM only: "a memory reference through a null selector → #GP(0)").
 */
import * as assert from 'assert';
import { createHash } from 'crypto';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { linkedLoadProgram } from '../../../src/cli/link';
import { BreakpointManager } from '../../../src/dbgf';
import { loadElfProgram } from '../../../src/loader/elfProgram';
import { Cpu } from '../../../src/vm/cpu/cpu';
import type { Fpu } from '../../../src/vm/cpu/fpu';
import { jitConfig, jitStats } from '../../../src/vm/cpu/jit';
import { Seg } from '../../../src/vm/cpuApi';
import { StopReason } from '../../../src/vm/hooks';
import type { Machine } from '../../../src/vm/machine';
import type { LinuxMachine } from '../../../src/vm/platform/linux32';
import { createCpu } from '../../diff/vm';
import { TestMachine } from './harness';
import { assembleBin as assemble, have, runQemuSystem } from './oracle';

const ROOT = path.resolve(__dirname, '../../../..');
const FIX = path.join(ROOT, 'test/fixtures/vm/cpu');
const JFIX = path.join(ROOT, 'test/fixtures/vm/jit');

interface State {
  count: number;
  eip: number;
  eflags: number;
  regs: number[];
  segs: number[];
  cr2: number;
  mem: string;
  fpu: string;
}

/** The x87 unit's registers (exact text), status, control and tag words, instruction and data pointers. */
function fpuState(cpu: Cpu): string {
  const f = cpu.fpu as Fpu | null;
  if (f === null) return '';
  const st = Array.from({ length: 8 }, (_v, i) => (f.stEmpty(i) ? '-' : f.stText(i)));
  return [f.getStatus(), f.control, f.getTag(), f.fip, f.fcs, f.fop, f.fdp, f.fds].map((v) => (v >>> 0).toString(16)).concat(st).join(' ');
}

function state(cpu: Cpu, ram: Uint8Array): State {
  const segs: number[] = [];
  for (let s = 0; s < 6; s++) { const r = cpu.getSegment(s as Seg); segs.push(r.selector, r.base, r.limit, r.attributes); }
  return {
    count: cpu.instructionCount, eip: cpu.eip >>> 0, eflags: cpu.getEflags(), regs: Array.from(cpu.regs, (v) => v >>> 0),
    segs, cr2: cpu.cr[2], mem: createHash('sha256').update(ram).digest('hex'), fpu: fpuState(cpu),
  };
}

/** A boot image on the test machine with translation on or off; exceptions seen are recorded. */
function runBoot(img: Uint8Array, jit: boolean, startCount = 0, m = new TestMachine()): { out: string; exit: number | null; stop: StopReason; st: State; exc: string[]; compiled: number; dropped: number } {
  const cpu = m.cpu;
  cpu.blockTranslation = jit;
  m.loadBoot(img);
  cpu.instructionCount = startCount;
  const exc: string[] = [];
  cpu.hooks = {
    onExec: () => false, onLinearAccess: () => undefined, onPhysicalAccess: () => undefined, onPort: () => undefined,
    onHyperDr: () => false,
    onException: (v, code) => { exc.push(`${v}/${code} eip=${cpu.eip.toString(16)} n=${cpu.instructionCount} cr2=${cpu.cr[2].toString(16)} esp=${(cpu.regs[4] >>> 0).toString(16)} f=${cpu.getEflags().toString(16)}`); return false; },
  };
  const stop = m.run(startCount + 30_000_000);
  const counts = cpu.translationCounts;
  return { out: m.out, exit: m.exitCode, stop, st: state(cpu, m.mem.ram), exc, compiled: counts?.compiled ?? 0, dropped: counts?.invalidations ?? 0 };
}

/** A runBoot result with its translation counts zeroed: what must be the same with translation on and off. */
function guest(r: ReturnType<typeof runBoot>): ReturnType<typeof runBoot> {
  return { ...r, compiled: 0, dropped: 0 };
}

/**
 * A JIT fixture (test/fixtures/vm/jit/NAME.asm) with translation on: the same state and count as
 * the interpreter, output matching `out`, more than `minCompiled` blocks compiled, and the output of
 * qemu-system-i386 when it is installed. Returns the image and the translated run. `notQemu`: output
 * lines left out of the comparison with qemu-system-i386 where its TCG departs from the SDM (it does
 * not check data segment limits; it raises a pending x87 exception only at FWAIT): for those lines
 * the oracle is the SDM and our interpreter.
 */
async function jitFixture(name: string, out: RegExp, minCompiled = 0, notQemu?: RegExp): Promise<{ img: Uint8Array; on: ReturnType<typeof runBoot> }> {
  const img = assemble(path.join(JFIX, `${name}.asm`));
  const off = runBoot(img, false), on = runBoot(img, true);
  assert.deepStrictEqual(guest(on), guest(off));
  assert.match(on.out, out);
  if (minCompiled > 0) assert.ok(on.compiled > minCompiled, `${name}: ${on.compiled} blocks compiled`);
  if (have('qemu-system-i386')) {
    const keep = (t: string): string => t.split('\n').filter((line) => notQemu === undefined || !notQemu.test(line)).join('\n');
    assert.strictEqual(keep(on.out), keep((await runQemuSystem(img, name)).out));
  }
  return { img, on };
}

describe('block translation: identical to the interpreter', function () {
  this.timeout(120000);

  it('examples/*.asm through the `x86vm run` loader: same count, registers, EFLAGS, memory', function () {
    const dir = path.join(ROOT, 'examples');
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.asm')).sort();
    assert.ok(files.length >= 5);
    for (const f of files) {
      const res: Array<{ st: State; out: string; stop: StopReason }> = [];
      for (const jit of [false, true]) {
        const loaded = linkedLoadProgram(path.join(dir, f), { cwd: os.tmpdir() });
        const m = loaded.machine as Machine;
        (m.cpu as Cpu).blockTranslation = jit;
        let out = '';
        m.onConsole = (t: string) => { out += t; };
        m.input('hello there\n');
        m.endInput();
        let stop = StopReason.Budget;
        while (m.cpu.instructionCount < 40_000_000) {
          stop = m.run(4_000_000);
          if (stop !== StopReason.Budget || m.blockedOnInput) break;
        }
        res.push({ st: state(m.cpu as Cpu, m.mem.ram), out, stop });
      }
      assert.ok(res[0].st.count > 100, `${f} ran`);
      assert.deepStrictEqual(res[1], res[0], f);
    }
  });

  it('guest programs test/fixtures/vm/cpu/*.asm (faults, paging, rings, v86, tasks, DRs): same state and exceptions', function () {
    if (!have('nasm')) { this.skip(); return; }
    for (const f of fs.readdirSync(FIX).filter((x) => x.endsWith('.asm')).sort()) {
      const img = assemble(path.join(FIX, f));
      const off = runBoot(img, false), on = runBoot(img, true);
      assert.deepStrictEqual(guest(on), guest(off), f);
      assert.ok(on.compiled > 0, `${f}: some blocks were compiled`);
    }
    assert.strictEqual(jitStats.lengthMismatches, 0, 'translator and decoder agree on every length');
  });

  it('a machine that has run past 2^32 instructions (regions count from 0 and add the CPU\'s count on their slow paths and exits): faults, self-modifying code, lazy flags, x87 — same counts, exceptions and state as the interpreter', function () {
    if (!have('nasm')) { this.skip(); return; }
    const start = 2 ** 32 + 12345;
    const saved = { ...jitConfig };
    try {
      // Regions from the second entry on, so that the faulting loops run translated too.
      jitConfig.threshold = 2;
      jitConfig.promote = 2;
      for (const name of ['faults', 'smc', 'lazyflags', 'dynflags', 'x87', 'strops']) {
        const img = assemble(path.join(JFIX, `${name}.asm`));
        const off = runBoot(img, false, start), on = runBoot(img, true, start), base = runBoot(img, true);
        assert.deepStrictEqual(guest(on), guest(off), name);
        assert.ok(on.compiled > 0, `${name}: some blocks were compiled`);
        assert.strictEqual(on.st.count - start, base.st.count, `${name}: as many instructions as from 0`);
        assert.ok(on.exc.length > 0 || name !== 'faults', 'the faults fixture faulted');
      }
    } finally {
      Object.assign(jitConfig, saved);
    }
  });

  it('stress: every block compiled at first sight (threshold 1, promoted to its region at the next entry) — cpu fixtures and the JIT fixtures stay identical', function () {
    if (!have('nasm')) { this.skip(); return; }
    const saved = { ...jitConfig };
    jitConfig.threshold = 1;
    jitConfig.promote = 1; // the block alone at first sight, its region at the next entry
    try {
      const files = fs.readdirSync(FIX).filter((x) => x.endsWith('.asm')).map((f) => path.join(FIX, f));
      const jitFiles = fs.readdirSync(JFIX).filter((x) => x.endsWith('.asm')).map((f) => path.join(JFIX, f));
      for (const f of [...files, ...jitFiles]) {
        const img = assemble(f);
        const off = runBoot(img, false), on = runBoot(img, true);
        assert.deepStrictEqual(guest(on), guest(off), f);
      }
    } finally {
      Object.assign(jitConfig, saved);
    }
  });

  it('odd budgets (run(97) slices) stop blocks, chains and self-looping blocks at exactly the same instruction', function () {
    if (!have('nasm')) { this.skip(); return; }
    for (const name of ['faults', 'lazyflags', 'dynflags']) {
      const img = assemble(path.join(JFIX, `${name}.asm`));
      const trace: string[][] = [];
      for (const jit of [false, true]) {
        const m = new TestMachine();
        m.cpu.blockTranslation = jit;
        m.loadBoot(img);
        const t: string[] = [];
        for (let i = 0; i < 2500 && m.exitCode === null; i++) {
          const r = m.cpu.run(97);
          t.push(`${r} ${m.cpu.instructionCount} ${m.cpu.eip.toString(16)} ${m.cpu.getEflags().toString(16)} ${Array.from(m.cpu.regs).join(',')}`);
        }
        trace.push(t);
      }
      assert.deepStrictEqual(trace[1], trace[0], name);
      assert.ok(trace[0].length > 10);
    }
  });

  it('every way out of a region (static branch, budget, slow path, computed target) stores constants and leaves through its one shared exit', function () {
    // What V8 first meets in optimised code deoptimises the whole region: an exit that evaluated a
    // branch condition (the budget running out at a Jcc) or called out on its own did so at each new
    // place a debug session's slice ended. Oracle: the generated text itself (the rule the
    // translator follows); the odd-budget test above checks that such exits stop exactly.
    if (!have('nasm')) { this.skip(); return; }
    const saved = { ...jitConfig };
    const sources: string[] = [];
    try {
      jitConfig.threshold = 2;
      jitConfig.promote = 2;
      jitConfig.onRegion = (_eip, src) => { sources.push(src); };
      for (const name of ['faults', 'lazyflags', 'dynflags', 'div', 'strops']) {
        const m = new TestMachine();
        m.loadBoot(assemble(path.join(JFIX, `${name}.asm`)));
        for (let i = 0; i < 5000 && m.exitCode === null; i++) m.cpu.run(97);
      }
    } finally {
      Object.assign(jitConfig, saved);
    }
    assert.ok(sources.length > 20, `${sources.length} regions`);
    let exits = 0, jccBudget = 0;
    for (const src of sources) {
      assert.strictEqual(src.split('J.exitk(').length, 2, 'one shared exit');
      assert.deepStrictEqual(src.match(/J\.exit\([^)]*\)/g), ['J.exit(-1, 0, ic0 + ic)'], 'no exit of its own');
      jccBudget += src.split('if (ov) { ').length - 1;
      for (const m of src.matchAll(/(?<=[{\n])([^{\n]*?)break L;/g)) {
        exits++;
        for (const st of m[1].split(';').map((x) => x.trim()).filter((x) => x !== '')) {
          assert.match(st, /^(?:(?:fk|w|d|u|dy) = (?:-?\d+|t)|fx = .+)$/, `exit statement "${st}" in: ${m[0]}`);
        }
      }
    }
    assert.ok(exits > 100, `${exits} exits`);
    assert.ok(jccBudget > 0, 'a Jcc\'s budget exit');
  });

  it('MOVS/STOS/LODS without REP and CLD/STD translated inline (32- and 16-bit addresses, DF both ways, a source override), REP MOVS/STOS in one step where the interpreter would = qemu-system-i386 and the interpreter', async function () {
    if (!have('nasm')) { this.skip(); return; }
    await jitFixture('strops', /^.{8} 32-bit addresses\n.{8}7777.{4}8888.{4} 16-bit addresses\n.{8} rep movs\/stos\nall passed\n$/, 3);
  });

  it('IMUL\'s and constant shifts\' CF/OF computed when read (after a block transition, a budget exit, by PUSHF, JC, JO) = qemu-system-i386 and the interpreter', async function () {
    if (!have('nasm')) { this.skip(); return; }
    await jitFixture('lazyflags', /00000B25F94E92AC00598B30 imul flags\n.{8} shift flags\n.{8} pass-through flags\n.{8}00000BB8 inc\/dec carry\nall passed\n$/, 3);
  });

  it('flags pending across computed jumps (indirect CALL, RET, a jump table) into code that reads them first, writes them first or leaves them alone, with a slow-path access before they are read = qemu-system-i386 and the interpreter; such jumps hand them on instead of storing them', async function () {
    if (!have('nasm')) { this.skip(); return; }
    const saved = { ...jitConfig };
    const sources: string[] = [];
    try {
      jitConfig.onRegion = (_eip, src) => { sources.push(src); };
      await jitFixture('dynflags', /^00000BB70099BF1A00000BB9 calls\n5AF29B960006F64C returns\n000007D000002EE000000043 jump table\nall passed\n$/, 3);
    } finally {
      Object.assign(jitConfig, saved);
    }
    // Oracle for the second part: the generated text (the translator's rule). Some computed jump
    // leaves its pending kind in `fk` for the dispatcher, which drops it for a member that writes
    // the flags first and stores it (J.flk) for one that reads them.
    const text = sources.join('\n');
    assert.match(text, /; fk = \d+; u = \d+; pc = -1; continue L;/);
    const dispatch = sources.map((src) => /case -1: switch \(t\) \{.*\}/.exec(src)?.[0] ?? '').join('\n');
    assert.match(dispatch, /\{ fk = 0; break B\d+; \}/);
    assert.match(dispatch, /\{ if \(fk !== 0\) \{ J\.flk\(fk, fa, fb, fr, fc, fx\); fk = 0; \} break B\d+; \}/);
  });

  it('x87 register forms and forms that read memory straight to the FPU in translated code; CR0.TS (#NM) and a pending unmasked exception (#MF) through the CPU\'s entry = qemu-system-i386 and the interpreter', async function () {
    if (!have('nasm')) { this.skip(); return; }
    await jitFixture('x87', /^.{32} register forms\n.{16} FCOMI\n.{8}00000041 FCOMI stack underflow\n.{16} register moves: stack underflow and overflow\n0000000700000005409F4400 #NM\n0000001000000005.{8} #MF\nall passed\n$/, 3, /#MF|stack underflow/);
  });

  it('32-bit DIV/IDIV inline for 32-bit dividends (register and memory divisors), the interpreter for 64-bit ones and #DE (zero divisor, 0x80000000 / -1) in hot loops = qemu-system-i386 and the interpreter', async function () {
    if (!have('nasm')) { this.skip(); return; }
    await jitFixture('div', /^.{16} div\n.{16} idiv\n00000000000000010.{7}0000000000000001 #DE\nall passed\n$/, 3);
  });

  it('self-modifying code (written then called, patched next instruction, rewritten loop body, rep movsb over a hot function, data next to code, a store straddling data and code) = qemu-system-i386 and the interpreter', async function () {
    if (!have('nasm')) { this.skip(); return; }
    const { on } = await jitFixture('smc', /written-then-called\n.*patched-next\n.*rewritten-body\n.*copied-over\n.*data-near-code\n.*straddling-write\nall passed\n$/s, 10);
    assert.ok(on.dropped >= 4, `pages of translated code dropped: ${on.dropped}`);
  });

  it('an indirect CALL past the CS limit in a hot loop: #GP(0), nothing pushed, EIP the CALL\'s = the SDM and the interpreter (qemu-system-i386 does not check the CS limit there)', function () {
    if (!have('nasm')) { this.skip(); return; }
    const img = assemble(path.join(JFIX, 'cslimit.asm'));
    const off = runBoot(img, false), on = runBoot(img, true);
    assert.deepStrictEqual(on.exc, off.exc);
    assert.deepStrictEqual(guest(on), guest(off));
    assert.ok(on.compiled > 0, 'the loop was translated');
    // Vector 13, error code 0, ECX 1 (the last iteration), ESP where it was before the CALL.
    assert.match(on.out, /^0000000D00000000.{8}0000000100000000 #GP past the CS limit\nall passed\n$/);
  });

  it('faults in the middle of compiled blocks (#PF read, #PF write, #GP null FS): same vector, error code, CR2, EIP, ESP, count', async function () {
    if (!have('nasm')) { this.skip(); return; }
    const img = assemble(path.join(JFIX, 'faults.asm'));
    const off = runBoot(img, false), on = runBoot(img, true);
    assert.deepStrictEqual(on.exc, off.exc);
    assert.deepStrictEqual(guest(on), guest(off));
    assert.ok(on.exc.some((e) => e.startsWith('14/0 ')) && on.exc.some((e) => e.startsWith('14/2 ')) && on.exc.some((e) => e.startsWith('13/0 ')), on.exc.join('\n'));
    assert.match(on.out, /0000000D00000000000003240+C9 #GP null FS\n/);
    if (!have('qemu-system-i386')) return;
    const q = (await runQemuSystem(img, 'faults')).out;
    const strip = (s: string): string => s.split('\n').filter((l) => !l.includes('#GP null FS')).join('\n');
    assert.strictEqual(strip(on.out), strip(q));
  });

  it('translated code spanning pages follows a remapped page (PTE + INVLPG) and a rewritten callee = qemu-system-i386 and the interpreter', async function () {
    if (!have('nasm')) { this.skip(); return; }
    await jitFixture('remap', /00000BB8 first frame\n00001770 remapped\n00003A98 rewritten\n/, 3);
  });

  it('code, stack and computed targets above 2 GiB (a kernel linked at 0xC0000000: calls, returns, a jump table of upper-half addresses) = qemu-system-i386 and the interpreter', async function () {
    if (!have('nasm')) { this.skip(); return; }
    await jitFixture('upper', /^0044AFFC calls and returns\n000CB6E2 jump table\nall passed\n$/, 3);
  });

  it('data accesses of hot loops: a data page remapped between rounds (PTE + INVLPG), reads straddling into the next page, unaligned bytes, words and dwords, stores next to translated code and then into it in one block = qemu-system-i386 and the interpreter', async function () {
    if (!have('nasm')) { this.skip(); return; }
    await jitFixture('datapages', /^00004650 sum of reads\n[0-9A-F]{8} unaligned and straddling\n00002328 increments\n[0-9A-F]{8} stores\n00002EE0 stores next to code, then into it\nall passed\n$/, 3);
  });

  it('a dword read of a place the block has just written takes the value stored (no read back), and not after a byte, word, read-modify-write, aliased or REP STOS write of it, a move of its address register, PUSH or POP = qemu-system-i386 and the interpreter', async function () {
    if (!have('nasm')) { this.skip(); return; }
    const { img } = await jitFixture('forward', /^[0-9A-F]{8} forwarded reads\nall passed\n$/, 3);
    // The loop's translation hands values on (its word store's immediate, 0x1234, names it).
    const m = new TestMachine();
    runBoot(img, true, 0, m);
    assert.ok([...m.mem.arena.fns.keys()].some((src) => src.includes(String(0x1234)) && /\b[abvt] = sv;/.test(src)), 'a forwarded read in the loop\'s translation');
  });

  it('stores\' fast path tests the bitmap of translated bytes only once the machine has written data next to translated code (a boot sector\'s data: then in every region; gcc\'s Linux programs: never) = the interpreter', function () {
    if (!have('nasm') || !have('gcc')) { this.skip(); return; }
    const sources: string[] = [];
    // A store's test: T_WPLAIN in `nq` (one test), or T_WPLAIN or no translated byte written.
    const mixedStore = '(e & 1024) !== 0 || (((cbm[p >>> 3]', plainStore = 'nq = c.needW | 1536';
    try {
      jitConfig.onRegion = (_eip, src) => { sources.push(src); };
      const img = assemble(path.join(JFIX, 'datapages.asm'));
      const on = runBoot(img, true);
      assert.deepStrictEqual(guest(on), guest(runBoot(img, false)));
      const first = sources.findIndex((src) => src.includes(mixedStore));
      assert.ok(first > 0, 'a region translated after the data next to code tests the bitmap');
      assert.ok(sources.slice(0, first).some((src) => src.includes(plainStore)), 'regions translated before it do not');
      assert.ok(!sources.slice(first).some((src) => src.includes(plainStore)), 'every region translated after it does');
      sources.length = 0;
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'x86vm-jit-mixed-'));
      try {
        const exe = path.join(tmp, 'sieve');
        execFileSync('gcc', ['-m32', '-static', '-O2', path.join(ROOT, 'test/fixtures/linux/c/sieve.c'), '-o', exe], { stdio: 'pipe' });
        const p = loadElfProgram(exe, new Uint8Array(fs.readFileSync(exe)), { cwd: tmp, args: [] }, { createCpu });
        const m = p.machine as LinuxMachine;
        m.onConsoleBytes = () => undefined;
        m.endInput();
        for (let i = 0; i < 400 && m.exitStatus === null; i++) m.run(5_000_000);
        assert.strictEqual(m.exitStatus, 64, 'sieve.c exits with its count of primes mod 256');
      } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
      }
      assert.ok(sources.filter((src) => src.includes(plainStore)).length > 3, 'stores translated without the bitmap');
      assert.ok(!sources.some((src) => src.includes(mixedStore)), 'no region of the Linux program tests the bitmap');
    } finally {
      jitConfig.onRegion = null;
    }
  });

  it('translated stores into a data page that later holds translated code drop that code (T_WPLAIN) = qemu-system-i386 and the interpreter', async function () {
    if (!have('nasm')) { this.skip(); return; }
    await jitFixture('wplain', /00000BB8 code on a data page\n00005208 patched by translated stores\n/, 3);
  });

  it('code translated for flat ES/SS/DS (no segment bases, no limit checks) never runs with a based or limited DS, also when DS is loaded inside a hot block; a based DS with its limit compared unsigned (an offset above 2 GiB whose linear address wraps to RAM) = qemu-system-i386 (bases), the SDM (#GP(0) at the limit) and the interpreter', async function () {
    if (!have('nasm')) { this.skip(); return; }
    await jitFixture('flat', /00008CA0 one callee, two kinds of DS\n00008CA0 DS loaded inside a block\n000000050000000D0000000000003000 limit after flat runs\n0000015E0000000D00000000FFFC2000 offset past 2 GiB in a based DS\nall passed\n$/, 3, /limit after flat runs|offset past 2 GiB/);
  });

  it('a one-block loop entered rarely stays in the first tier (jitConfig.lukewarm) while a hot loop gets its region; both = qemu-system-i386 and the interpreter', async function () {
    if (!have('nasm')) { this.skip(); return; }
    const saved = { ...jitConfig };
    try {
      // Regions at the 8th entry of a first-tier block; lukewarm: 8 entries took more than 10,000
      // instructions (the first loop runs 3,000 inside its code per entry, the second 6).
      jitConfig.threshold = 2;
      jitConfig.promote = 8;
      jitConfig.lukewarm = 10_000;
      const before = jitStats.lukewarm;
      const { img, on } = await jitFixture('lukewarm', /^[0-9A-F]{8} lukewarm\n[0-9A-F]{8} hot\n/i, 2);
      const putOff = jitStats.lukewarm - before;
      assert.ok(putOff >= 3, `promotions put off: ${putOff}`);
      // The same program with the rule off: nothing put off, and the lukewarm loops get regions.
      jitConfig.lukewarm = Infinity;
      const all = runBoot(img, true);
      assert.strictEqual(jitStats.lukewarm - before, putOff, 'nothing put off with lukewarm = Infinity');
      assert.deepStrictEqual(guest(all), guest(on));
      assert.ok(all.compiled > on.compiled, `compiles: ${all.compiled} with every promotion, ${on.compiled} with the rule`);
    } finally {
      Object.assign(jitConfig, saved);
    }
  });

  it('data accesses the fast path does not take leave translated code before their instruction (bail): page-straddling and misaligned dwords, fresh pages, a #PF mid-block, stack accesses straddling after a read (CALL/PUSH [mem]); an instruction that bails often calls the interpreter in place (jitConfig.bailShare), or the whole region = qemu-system-i386 and the interpreter', async function () {
    if (!have('nasm')) { this.skip(); return; }
    const saved = { ...jitConfig };
    try {
      const out = /^[0-9A-F]{8} straddling\n[0-9A-F]{8} misaligned\n[0-9A-F]{8} fresh pages\n[0-9A-F]{8} stack\n0000000E0026FFFC000001F1 fault\n[0-9A-F]{8} straddling stack\n[0-9A-F]{8} rotating straddles\n/;
      // Every slow access through bail (no region gets calls): each of the 3,000 turns of the
      // straddling loop and of the misaligned loop leaves at least once (the interpreter runs the
      // instruction; code compiled from the next one on may bail at its first access), the fresh
      // pages once in 64 turns.
      jitConfig.bailLimit = Infinity;
      const sources: string[] = [];
      jitConfig.onRegion = (_eip, src) => { sources.push(src); };
      let bails = jitStats.bails, calls = jitStats.callRegions, sites = jitStats.callSites;
      const { img, on } = await jitFixture('bail', out, 3);
      jitConfig.onRegion = null;
      const onlyBail = jitStats.bails - bails;
      // After a dword read whose slow path is a bail, the instruction's next test leaves through bail
      // too: RET's CS-limit test, and the stack write of CALL/PUSH [mem] (a write after the read).
      const all = sources.join('\n');
      assert.match(all, /if \(t > cl1\) \{[^{}]* dy = 2; break L; \}/, 'a RET whose CS-limit test bails');
      assert.match(all, /= w32\[[^\]]+\]; else \{[^{}]*dy = 2; break L; \}\n(?:[^\n]*\n){0,2}?if \([^\n]*\) \{ w32\[[^\n]*\} else \{[^{}]*dy = 2; break L; \}/, 'a stack write after a bailing read bails');
      assert.strictEqual(jitStats.callRegions, calls, 'no region translated with calls');
      assert.strictEqual(jitStats.callSites, sites, 'no instruction marked to call');
      assert.ok(onlyBail >= 6000, `bails with bailLimit = Infinity: ${onlyBail}`);
      // The default: the loops' region is translated again with the slow paths of the instructions
      // that left most calling the interpreter, after which it leaves no more.
      Object.assign(jitConfig, saved);
      bails = jitStats.bails; calls = jitStats.callRegions; sites = jitStats.callSites;
      const dflt = runBoot(img, true);
      assert.deepStrictEqual(guest(dflt), guest(on));
      // The instructions behind the exits call in place; their regions' other accesses still bail.
      assert.ok(jitStats.callSites > sites, 'instructions marked to call');
      assert.strictEqual(jitStats.callRegions, calls, 'no region calls throughout');
      assert.ok(jitStats.bails - bails < 3000, `bails by default: ${jitStats.bails - bails}`);
      // No instruction stands out (bailShare above 1): the regions' slow paths all call.
      jitConfig.bailShare = 2;
      bails = jitStats.bails; calls = jitStats.callRegions; sites = jitStats.callSites;
      const whole = runBoot(img, true);
      assert.deepStrictEqual(guest(whole), guest(on));
      assert.strictEqual(jitStats.callSites, sites, 'no instruction marked');
      assert.ok(jitStats.callRegions > calls, 'regions calling throughout');
      assert.ok(jitStats.bails - bails < 3000, `bails with whole regions calling: ${jitStats.bails - bails}`);
    } finally {
      Object.assign(jitConfig, saved);
    }
  });

  it('a new machine reuses the translations of an earlier one only for the same code bytes (patched immediate → new translation)', async function () {
    if (!have('nasm')) { this.skip(); return; }
    const img = assemble(path.join(JFIX, 'rerun.asm'));
    const at = Buffer.from(img).indexOf(Buffer.from([0x81, 0xc3, 0x78, 0x56, 0x34, 0x12]));
    assert.ok(at > 0, 'add ebx, 0x12345678 in the image');
    const patched = img.slice();
    patched.set([0x11, 0x11, 0x11, 0x11], at + 2);
    const first = runBoot(img, true);
    assert.deepStrictEqual(guest(first), guest(runBoot(img, false)));
    const other = runBoot(patched, true);
    assert.deepStrictEqual(guest(other), guest(runBoot(patched, false)));
    assert.notStrictEqual(other.out, first.out);
    const hits = jitStats.regionCacheHits;
    const again = runBoot(img, true);
    assert.deepStrictEqual(again, first);
    assert.ok(jitStats.regionCacheHits > hits, 'the third run found its regions in the cache');
    if (!have('qemu-system-i386')) return;
    assert.strictEqual(first.out, (await runQemuSystem(img, 'rerun')).out);
  });

  it('a released machine\'s RAM buffer serves the next machine zeroed, with the functions translated for it; machines alive together get their own buffers (interpreter as the oracle)', function () {
    if (!have('nasm')) { this.skip(); return; }
    const img = assemble(path.join(JFIX, 'rerun.asm'));
    const at = Buffer.from(img).indexOf(Buffer.from([0x81, 0xc3, 0x78, 0x56, 0x34, 0x12]));
    // (An immediate no other test writes: a buffer given back by an earlier test's machine may hold
    // the functions of that test's patched code.)
    const patched = img.slice();
    patched.set([0x22, 0x22, 0x22, 0x22], at + 2);
    const m1 = new TestMachine();
    const first = runBoot(img, true, 0, m1);
    assert.deepStrictEqual(guest(first), guest(runBoot(img, false)));
    const arena = m1.mem.arena;
    const fns = arena.fns.size;
    assert.ok(fns > 0, 'functions made for the buffer');
    const m2 = new TestMachine();
    assert.notStrictEqual(m2.mem.arena, arena, 'a machine alive at the same time has a buffer of its own');
    m2.mem.release();
    m1.mem.release();
    // Given back last, taken first: m1's buffer, zeroed (TLB front and RAM).
    const m3 = new TestMachine();
    assert.strictEqual(m3.mem.arena, arena);
    assert.ok(arena.words.every((w) => w === 0), 'the buffer is zeroed');
    const again = runBoot(img, true, 0, m3);
    assert.deepStrictEqual(guest(again), guest(first));
    assert.strictEqual(arena.fns.size, fns, 'the same code ran the functions made for it before');
    m3.mem.release();
    // Other code bytes on the same buffer: translated anew, and right.
    const m4 = new TestMachine();
    assert.strictEqual(m4.mem.arena, arena);
    const other = runBoot(patched, true, 0, m4);
    assert.deepStrictEqual(guest(other), guest(runBoot(patched, false)));
    assert.notStrictEqual(other.out, first.out);
    assert.ok(arena.fns.size > fns, 'the patched code got functions of its own');
    assert.ok([...arena.fns.keys()].some((src) => src.includes(String(0x22222222))), 'made from the patched bytes');
    m4.mem.release();
  });

  it('PIC thunks run inline (mov reg, [esp]; ret): same as qemu-system-i386 and the interpreter, also rewritten, and under a breakpoint or a read watch on the stack slot', async function () {
    if (!have('nasm')) { this.skip(); return; }
    const { img } = await jitFixture('thunk', /00002710 thunk\n.{8} rewritten\n/);
    const THUNK = 0x40000;
    const stops: string[][] = [];
    for (const jit of [false, true]) {
      const m = new TestMachine();
      m.cpu.blockTranslation = jit;
      m.loadBoot(img);
      m.run(60_000); // inside the first loop (10,000 iterations from about 15,000), translated by now
      const mgr = BreakpointManager.attach(m.cpu);
      const seen: string[] = [];
      const put = (what: string, r: StopReason): void => {
        seen.push(`${what} ${r} eip=${m.cpu.eip.toString(16)} n=${m.cpu.instructionCount} ebx=${(m.cpu.regs[3] >>> 0).toString(16)} esp=${(m.cpu.regs[4] >>> 0).toString(16)}`);
      };
      // A read watch on the stack slot the thunk reads (ESP in the loop, less 4): arming it leaves the
      // translations in place, the inline thunk must see that the slot is watched.
      assert.ok(mgr.setWatch({ address: 0x8ffec, length: 4, access: 'read' }).ok);
      for (let i = 0; i < 4; i++) put('read', mgr.run(1_000_000));
      mgr.clearAll();
      m.run(m.cpu.instructionCount + 20_000);
      assert.ok(mgr.setEmulator({ address: THUNK }).ok);
      for (let i = 0; i < 3; i++) put('exec', mgr.run(1_000_000));
      mgr.clearAll();
      m.run(m.cpu.instructionCount + 200_000);
      seen.push(`after ${m.out} n=${m.cpu.instructionCount} ${state(m.cpu, m.mem.ram).mem}`);
      stops.push(seen);
    }
    assert.deepStrictEqual(stops[1], stops[0]);
    assert.match(stops[1][0], /^read 1 eip=40003 .* esp=8ffec$/); // after mov ebx, [esp]
    assert.match(stops[1][1], /^read 1 eip=.* esp=8fff0$/); // after ret
    assert.match(stops[1][4], /^exec 1 eip=40000 /);
  });

  it('breakpoints and watches set while running on a page with compiled blocks stop exactly where the interpreter stops', function () {
    const img = assemble(path.join(ROOT, 'bench/programs/sieve-boot.asm'));
    const stops: string[][] = [];
    for (const jit of [false, true]) {
      const m = new TestMachine();
      m.cpu.blockTranslation = jit;
      m.loadBoot(img);
      m.run(300_000); // hot: the loops are compiled by now
      const mgr = BreakpointManager.attach(m.cpu);
      const seen: string[] = [];
      // Software breakpoint (INT3 written into a compiled block) in the inner loop: `add si, bx`.
      const sw = mgr.setSoftware({ address: 0x7c31 });
      assert.ok(sw.ok, JSON.stringify(sw));
      for (let i = 0; i < 3; i++) {
        const r = mgr.run(1_000_000);
        seen.push(`sw ${r} eip=${m.cpu.eip.toString(16)} n=${m.cpu.instructionCount} si=${m.cpu.regs[6] & 0xffff}`);
      }
      mgr.clearAll();
      // Emulator breakpoint (no memory change) in the middle of the outer loop's block: `mov si, bx`.
      const em = mgr.setEmulator({ address: 0x7c22 });
      assert.ok(em.ok, JSON.stringify(em));
      for (let i = 0; i < 3; i++) {
        const r = mgr.run(1_000_000);
        seen.push(`emu ${r} eip=${m.cpu.eip.toString(16)} n=${m.cpu.instructionCount} bx=${m.cpu.regs[3] & 0xffff}`);
      }
      mgr.clearAll();
      // Memory watch (write) on a byte of the sieve array that the compiled marking loop stores to.
      const wa = mgr.setWatch({ address: 0x8000 + 3 * 7, length: 1, access: 'write' });
      assert.ok(wa.ok, JSON.stringify(wa));
      for (let i = 0; i < 3; i++) {
        const r = mgr.run(2_000_000);
        seen.push(`watch ${r} eip=${m.cpu.eip.toString(16)} n=${m.cpu.instructionCount} si=${m.cpu.regs[6] & 0xffff}`);
      }
      mgr.clearAll();
      // Memory watch (read) on a byte the compiled outer loop tests: TLB entries made before the
      // watch said "plain RAM"; arming it must drop them before compiled code runs again.
      const wr = mgr.setWatch({ address: 0x8000 + 97, length: 1, access: 'read' });
      assert.ok(wr.ok, JSON.stringify(wr));
      for (let i = 0; i < 2; i++) {
        const r = mgr.run(2_000_000);
        seen.push(`read ${r} eip=${m.cpu.eip.toString(16)} n=${m.cpu.instructionCount} si=${m.cpu.regs[6] & 0xffff}`);
      }
      mgr.clearAll();
      m.run(m.cpu.instructionCount + 200_000);
      seen.push(`after n=${m.cpu.instructionCount} ${state(m.cpu, m.mem.ram).mem}`);
      stops.push(seen);
    }
    assert.deepStrictEqual(stops[1], stops[0]);
    assert.match(stops[1][0], /^sw 1 eip=7c31 /);
    assert.match(stops[1][3], /^emu 1 eip=7c22 /);
    // The first write is the next round's `rep stosw`; then the compiled marking loop's store (si = 21).
    assert.match(stops[1][6], /^watch 1 eip=7c13 /);
    assert.match(stops[1][7], /^watch 1 eip=7c31 .* si=21$/);
    assert.match(stops[1][9], /^read 1 /);
    assert.match(stops[1][10], /^read 1 /);
  });

  it('x86vm run --no-jit and X86VM_JIT=0 run the interpreter alone (same output and status as the default)', function () {
    const cli = path.join(ROOT, 'dist/cli.js');
    if (!fs.existsSync(cli)) { this.skip(); return; }
    const run = (args: string[], env: NodeJS.ProcessEnv = process.env) =>
      spawnSync(process.execPath, [cli, 'run', ...args], { cwd: ROOT, env, encoding: 'latin1', input: 'hi\n', timeout: 60000 });
    const base = run(['examples/serial.asm']);
    const noJit = run(['examples/serial.asm', '--no-jit']);
    const envOff = run(['examples/serial.asm'], { ...process.env, X86VM_JIT: '0' });
    assert.match(base.stdout, /HI\r\nBye!/);
    for (const r of [noJit, envOff]) {
      assert.strictEqual(r.stdout, base.stdout);
      assert.strictEqual(r.status, base.status);
    }
    assert.strictEqual(new TestMachine().cpu.blockTranslation, process.env.X86VM_JIT !== '0', 'default follows X86VM_JIT');
  });

  it('linux32 C programs (gcc -m32 -static -O2): same output, count, registers and memory', function () {
    if (!have('gcc')) { this.skip(); return; }
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'x86vm-jit-linux-'));
    try {
      for (const name of ['sieve', 'qsort', 'int64', 'recursion', 'setjmp', 'bits']) {
        const exe = path.join(tmp, name);
        execFileSync('gcc', ['-m32', '-static', '-O2', path.join(ROOT, 'test/fixtures/linux/c', `${name}.c`), '-o', exe], { stdio: 'pipe' });
        const res: Array<{ out: string; status: string; st: State }> = [];
        for (const jit of [false, true]) {
          const p = loadElfProgram(exe, new Uint8Array(fs.readFileSync(exe)), { cwd: tmp, args: [] }, { createCpu });
          const m = p.machine as LinuxMachine;
          (m.cpu as Cpu).blockTranslation = jit;
          let out = '';
          m.onConsoleBytes = (b, s) => { if (s === 'stdout') out += Buffer.from(b).toString('latin1'); };
          m.endInput();
          for (let i = 0; i < 400 && m.exitStatus === null; i++) {
            const r = m.run(5_000_000);
            if (r !== StopReason.Budget && m.exitStatus === null) break;
          }
          res.push({ out, status: `${m.exitStatus} ${m.termSignal}`, st: state(m.cpu as Cpu, m.mem.ram) });
        }
        assert.ok(res[0].st.count > 10000, name);
        assert.deepStrictEqual(res[1], res[0], name);
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});

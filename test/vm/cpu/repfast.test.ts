/**
 * The bulk REP string path (Cpu.repRun: runs of MOVS/STOS/LODS/CMPS/SCAS iterations on plain RAM
 * done at once) must be invisible: test/fixtures/vm/repfast/repfast.asm (byte/word/dword, both
 * directions, 32- and 16-bit addressing, page crossings, ECX = 0, > 1024 iterations, overlapping
 * MOVS, REPE/REPNE ends, #PF in the middle forwards and backwards) gives the same output, final state,
 * exceptions and instruction count with the path on and off (`repFastPath = false`: the per-iteration
 * interpreter), the same state after every slice of odd budgets (a REP instruction cut between
 * iterations), and the same accesses reported for a watched page inside the runs. Oracles: the
 * per-iteration interpreter, and qemu-system-i386 for the printed registers, flags, CR2 and checksums.
 */
import * as assert from 'assert';
import { createHash } from 'crypto';
import * as path from 'path';
import type { Cpu } from '../../../src/vm/cpu/cpu';
import { StopReason } from '../../../src/vm/hooks';
import { TestMachine } from './harness';
import { assembleBin, have, runQemuSystem } from './oracle';

const ROOT = path.resolve(__dirname, '../../../..');
const SRC = path.join(ROOT, 'test/fixtures/vm/repfast/repfast.asm');
const assemble = (): Uint8Array => assembleBin(SRC, 'repfast');

function snapshot(cpu: Cpu, ram: Uint8Array): string {
  return `n=${cpu.instructionCount} eip=${cpu.eip.toString(16)} f=${cpu.getEflags().toString(16)} r=${Array.from(cpu.regs, (v) => (v >>> 0).toString(16)).join(',')} ` +
    `cr2=${cpu.cr[2].toString(16)} mem=${createHash('sha256').update(ram).digest('hex')}`;
}

interface Run { out: string; exit: number | null; stop: StopReason; end: string; exc: string[]; accesses: string[] }

/** The fixture with the bulk path on or off; `slice` cuts the run into run(slice) calls (each state recorded). */
function runFixture(img: Uint8Array, fast: boolean, jit: boolean, opts: { slice?: number; watch?: number[] } = {}): Run & { slices: string[] } {
  const m = new TestMachine();
  const cpu = m.cpu;
  cpu.blockTranslation = jit;
  cpu.repFastPath = fast;
  m.loadBoot(img);
  const exc: string[] = [];
  const accesses: string[] = [];
  cpu.hooks = {
    onExec: () => false,
    onLinearAccess: (lin, size, access, value) => { accesses.push(`${cpu.instructionCount} ${lin.toString(16)}/${size}/${access}=${(value >>> 0).toString(16)}`); },
    onPhysicalAccess: () => undefined, onPort: () => undefined, onHyperDr: () => false,
    onException: (v, code) => { exc.push(`${v}/${code} eip=${cpu.eip.toString(16)} n=${cpu.instructionCount} cr2=${cpu.cr[2].toString(16)} ecx=${(cpu.regs[1] >>> 0).toString(16)} esi=${(cpu.regs[6] >>> 0).toString(16)} edi=${(cpu.regs[7] >>> 0).toString(16)}`); return false; },
  };
  for (const lp of opts.watch ?? []) cpu.watchPageFlags[lp] = 1;
  const slices: string[] = [];
  let stop: StopReason = StopReason.Budget;
  if (opts.slice) {
    for (let i = 0; i < 2_000_000 && m.exitCode === null; i++) {
      stop = cpu.run(opts.slice);
      if (i % 7 === 0) slices.push(`${cpu.instructionCount} ${cpu.eip.toString(16)} ${cpu.getEflags().toString(16)} ${Array.from(cpu.regs).join(',')}`);
      if (stop !== StopReason.Budget) break;
    }
  } else {
    stop = m.run(30_000_000);
  }
  return { out: m.out, exit: m.exitCode, stop, end: snapshot(cpu, m.mem.ram), exc, accesses, slices };
}

describe('REP string instructions: bulk path = per-iteration interpreter', function () {
  this.timeout(120000);
  let img: Uint8Array;
  before(function () {
    if (!have('nasm')) { this.skip(); return; }
    img = assemble();
  });

  it('repfast.asm: same output, state, exceptions (with ECX/ESI/EDI at each #PF) and instruction count; output = qemu-system-i386', async function () {
    for (const jit of [false, true]) {
      const off = runFixture(img, false, jit), on = runFixture(img, true, jit);
      assert.deepStrictEqual(on, off, `translation ${jit ? 'on' : 'off'}`);
      assert.match(on.out, /all passed\n$/);
      assert.strictEqual(on.out.split('\n').length - 2, 88, 'one line per case');
      assert.ok(on.exc.filter((e) => e.startsWith('14/')).length >= 10, on.exc.join('\n'));
    }
    if (!have('qemu-system-i386')) return;
    const on = runFixture(img, true, false);
    assert.strictEqual(on.out, (await runQemuSystem(img, 'repfast')).out);
  });

  it('odd budgets cut REP instructions between iterations at the same place (run(97) and run(1023))', function () {
    for (const slice of [97, 1023]) {
      const off = runFixture(img, false, false, { slice }), on = runFixture(img, true, false, { slice });
      assert.deepStrictEqual(on.slices, off.slices, `run(${slice})`);
      assert.strictEqual(on.end, off.end);
      assert.ok(on.slices.length > 100);
    }
  });

  it('a watched page inside the runs sees every access of every iteration (the bulk path stops at it)', function () {
    // 0x2f9: source/destination of the page-crossing cases; 0xe: the 16-bit buffers.
    const watch = [0x2f9, 0x2fb, 0xe];
    const off = runFixture(img, false, false, { watch }), on = runFixture(img, true, false, { watch });
    assert.deepStrictEqual(on, off);
    assert.ok(on.accesses.length > 10000, `${on.accesses.length} accesses reported`);
  });
});

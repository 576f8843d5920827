/**
 * The breakpoint-manager hooks of the CPU (src/vm/hooks.ts): exec page flags, linear watch pages,
 * physical Watch pages (RAM and MMIO), port watch, onException (faults, INT n, IRQs), the debugger's
 * hyper debug registers, skipExecCheckOnce, requestStop inside REP, software-breakpoint pages.
 * Programs are assembled with nasm (oracle for the encodings); expected behaviour is that of
 * src/vm/hooks.ts and the Intel SDM (trap semantics for data accesses).
 */
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Access, DebugHooks, StopReason } from '../../../src/vm/hooks';
import { PageKind } from '../../../src/vm/memory';
import { TestMachine } from './harness';

function asm(src: string): Uint8Array {
  const f = path.join(os.tmpdir(), `x86vm-hooks-${process.pid}.asm`);
  fs.writeFileSync(f, `org 0x7c00\nbits 16\n${src}\n`);
  execFileSync('nasm', ['-f', 'bin', f, '-o', f + '.bin']);
  const b = new Uint8Array(fs.readFileSync(f + '.bin'));
  fs.unlinkSync(f); fs.unlinkSync(f + '.bin');
  return b;
}

type Call = [string, ...number[]];
function recorder(m: TestMachine, over: Partial<DebugHooks> = {}): Call[] {
  const calls: Call[] = [];
  m.cpu.hooks = {
    onExec: (lin) => { calls.push(['exec', lin]); return false; },
    onLinearAccess: (lin, size, acc, v) => { calls.push(['lin', lin, size, acc, v]); },
    onPhysicalAccess: (pa, size, acc, v) => { calls.push(['phys', pa, size, acc, v]); },
    onPort: (port, size, acc, v) => { calls.push(['port', port, size, acc, v]); },
    onException: (vec, code, soft) => { calls.push(['exc', vec, code, soft ? 1 : 0]); return false; },
    onHyperDr: (slots, lin, size, acc, v) => { calls.push(['hdr', slots, lin, size, acc, v]); return false; },
    ...over,
  };
  return calls;
}

function boot(src: string): TestMachine {
  const m = new TestMachine(4 << 20);
  m.loadBoot(asm(src));
  return m;
}

const EXIT = 'mov al, 0\nout 0xf4, al\nhlt';

describe('CPU hooks for the breakpoint manager (contract: src/vm/hooks.ts)', function () {
  this.timeout(20000);

  it('execPageFlags: onExec before the instruction, stop leaves EIP on it, skipExecCheckOnce resumes', function () {
    const m = boot(`nop\nnop\ntarget: inc ax\n${EXIT}`);
    const target = 0x7c02;
    let stopAt = target;
    const calls = recorder(m, { onExec: (lin) => { calls.push(['exec', lin]); return lin === stopAt; } });
    m.cpu.execPageFlags[target >>> 12] = 1;
    assert.strictEqual(m.cpu.run(1000), StopReason.Debug);
    assert.strictEqual(m.cpu.eip, target);
    assert.strictEqual(m.cpu.regs[0] & 0xffff, 0, 'the instruction has not run');
    assert.deepStrictEqual(calls.map((c) => c[1]), [0x7c00, 0x7c01, 0x7c02]);
    // Resuming without skip stops again; with skipExecCheckOnce it runs the instruction.
    assert.strictEqual(m.cpu.run(1000), StopReason.Debug);
    m.cpu.skipExecCheckOnce = true;
    stopAt = -1;
    assert.strictEqual(m.cpu.run(1000), StopReason.Exit);
    assert.strictEqual(m.cpu.regs[0] & 0xff, 0);
    assert.strictEqual((m.cpu.regs[0] >> 8) & 0xff, 0);
  });

  it('nothing armed: no hook is called', function () {
    const m = boot(`mov word [0x9000], 5\nmov ax, [0x9000]\nout 0x80, al\n${EXIT}`);
    const calls = recorder(m);
    assert.strictEqual(m.run(), StopReason.Exit);
    assert.deepStrictEqual(calls, []);
  });

  it('watchPageFlags: onLinearAccess after reads and writes with the value', function () {
    const m = boot(`mov word [0x9002], 0x1234\nmov ax, [0x9002]\nmov bl, [0x8ffe]\n${EXIT}`);
    const calls = recorder(m, {
      onLinearAccess: (lin, size, acc, v) => {
        calls.push(['lin', lin, size, acc, v, m.mem.ram[0x9002] | (m.mem.ram[0x9003] << 8)]);
      },
    });
    m.cpu.watchPageFlags[9] = 1;
    assert.strictEqual(m.run(), StopReason.Exit);
    assert.deepStrictEqual(calls.filter((c) => c[0] === 'lin'), [
      ['lin', 0x9002, 2, Access.Write, 0x1234, 0x1234],
      ['lin', 0x9002, 2, Access.Read, 0x1234, 0x1234],
    ]);
  });

  it('physical Watch pages: RAM and MMIO accesses reach onPhysicalAccess', function () {
    const m = boot(`mov ax, 0xa000\nmov es, ax\nmov byte [es:0x10], 7\nmov al, [es:0x10]\nmov word [0x5000], 9\n${EXIT}`);
    const dev: number[] = [];
    m.mem.registerMmio(0xa0000, 0x1000, 'test-dev', { read: () => 0x42, write: (a, s, v) => { dev.push(a, s, v); } });
    const calls = recorder(m);
    m.mem.pageKind[0xa0] |= PageKind.Watch;
    m.mem.pageKind[0x5] |= PageKind.Watch;
    assert.strictEqual(m.run(), StopReason.Exit);
    assert.deepStrictEqual(dev, [0xa0010, 1, 7]);
    assert.deepStrictEqual(calls, [
      ['phys', 0xa0010, 1, Access.Write, 7],
      ['phys', 0xa0010, 1, Access.Read, 0x42],
      ['phys', 0x5000, 2, Access.Write, 9],
    ]);
  });

  it('portWatch: every port of a multi-byte access is checked; INS/OUTS per iteration', function () {
    const m = boot(`mov dx, 0x3f9\nout dx, ax\nin al, 0x60\nmov si, 0x100\nmov cx, 3\nmov dx, 0x3fa\nrep outsb\n${EXIT}`);
    const calls = recorder(m);
    m.io.portWatch[0x3fa] = 1;
    assert.strictEqual(m.run(), StopReason.Exit);
    assert.deepStrictEqual(calls.map((c) => c.slice(0, 4)), [
      ['port', 0x3f9, 2, Access.Write],
      ['port', 0x3fa, 1, Access.Write], ['port', 0x3fa, 1, Access.Write], ['port', 0x3fa, 1, Access.Write],
    ]);
  });

  it('onException: faults (EIP on the instruction), INT n (soft), hardware IRQs', function () {
    const m = boot(`sti\nnop\nnop\nint 0x21\nud2\n${EXIT}`);
    let irq = true;
    m.cpu.interrupts = { pending: () => irq, acknowledge: () => { irq = false; return 0x08; } };
    // IVT: vectors 8, 0x21 and 6 point at an IRET / a skip-the-UD2 handler.
    m.mem.ram.set([0xcf], 0x600); // iret
    for (const v of [0x08, 0x21]) { m.mem.ram[v * 4] = 0x00; m.mem.ram[v * 4 + 1] = 0x06; }
    // #UD handler at 0x610: add word [ss:sp], 2 ; iret  (skip the 2-byte UD2)
    m.mem.ram.set([0x89, 0xe5, 0x83, 0x46, 0x00, 0x02, 0xcf], 0x610);
    m.mem.ram[6 * 4] = 0x10; m.mem.ram[6 * 4 + 1] = 0x06;
    let stopOnUd = true;
    const calls = recorder(m, {
      onException: (v, c, soft) => { calls.push(['exc', v, c, soft ? 1 : 0]); return v === 6 && stopOnUd; },
    });
    assert.strictEqual(m.cpu.run(100), StopReason.Debug);
    const udAt = 0x7c00 + 1 + 1 + 1 + 2;
    assert.strictEqual(m.cpu.eip, udAt, 'stopped on the faulting UD2');
    assert.deepStrictEqual(calls, [['exc', 0x08, -1, 0], ['exc', 0x21, -1, 1], ['exc', 6, -1, 0]]);
    stopOnUd = false;
    assert.strictEqual(m.run(), StopReason.Exit);
  });

  it('hyper DRs: data write slot calls onHyperDr after the write, guest DR6 and DR0-DR7 untouched', function () {
    const m = boot(`mov ax, [0x9000]\nmov word [0x9004], 0x55aa\nmov ax, [0x9004]\nnop\ntgt: nop\n${EXIT}`);
    const calls = recorder(m, {
      onHyperDr: (slots, lin, size, acc, v) => { calls.push(['hdr', slots, lin, size, acc, v]); return lin === 0x7c0d; },
    });
    // cpuApi.ts: whoever arms a hyper data breakpoint also flags its linear page.
    m.cpu.watchPageFlags[9] = 1;
    m.mem.ram[0x9000] = 1; // (the page is already in the TLB: the flag alone must suffice)
    m.cpu.hyperDr[1] = 0x9004;
    m.cpu.hyperDr[2] = 0x7c0d;
    // slot 1: write, length 2; slot 2: execute
    m.cpu.hyperDr[7] = (1 << 2) | (1 << 4) | (1 << 20) | (1 << 22);
    assert.strictEqual(m.cpu.run(100), StopReason.Debug);
    assert.strictEqual(m.cpu.eip, 0x7c0d);
    assert.deepStrictEqual(calls.filter((c) => c[0] === 'hdr'), [['hdr', 2, 0x9004, 2, Access.Write, 0x55aa], ['hdr', 4, 0x7c0d, 1, Access.Read, 0]]);
    assert.strictEqual(m.cpu.dr[6] >>> 0, 0xffff0ff0);
    assert.strictEqual(m.cpu.dr[7], 0x400);
    m.cpu.hyperDr[7] = 0;
    assert.strictEqual(m.run(), StopReason.Exit);
  });

  it('requestStop during REP MOVSB stops after the iteration with EIP on the instruction, resume completes', function () {
    const m = boot(`mov si, 0x8000\nmov di, 0x9000\nmov cx, 100\ncld\nrep movsb\n${EXIT}`);
    for (let i = 0; i < 100; i++) m.mem.ram[0x8000 + i] = i + 1;
    let n = 0;
    recorder(m, { onLinearAccess: (lin, size, acc) => { if (acc === Access.Write && ++n === 10) m.cpu.requestStop(); } });
    m.cpu.watchPageFlags[9] = 1;
    assert.strictEqual(m.cpu.run(1000), StopReason.Debug);
    assert.strictEqual(m.cpu.eip, 0x7c0a, 'EIP on the REP MOVSB');
    assert.strictEqual(m.cpu.regs[1] & 0xffff, 90);
    assert.strictEqual(m.mem.ram[0x9009], 10);
    assert.strictEqual(m.mem.ram[0x900a], 0);
    assert.strictEqual(m.run(), StopReason.Exit);
    assert.strictEqual(m.mem.ram[0x9063], 100);
    assert.strictEqual(m.cpu.regs[1] & 0xffff, 0);
  });

  it('software-breakpoint pages: data reads see the saved byte, writes update it, fetch sees 0xCC', function () {
    const m = boot(`mov al, [target]\nmov byte [target], 0x40\nmov bl, [target]\ntarget: nop\n${EXIT}`);
    const target = 0x7c00 + 3 + 5 + 4;
    const saved = new Map<number, number>([[target, m.mem.ram[target]]]);
    m.mem.ram[target] = 0xcc;
    m.mem.pageKind[target >>> 12] |= PageKind.SwBp;
    m.mem.swbpRead = (pa) => saved.get(pa) ?? -1;
    m.mem.swbpWrite = (pa, v) => { if (!saved.has(pa)) return false; saved.set(pa, v); return true; };
    const calls = recorder(m, { onException: (v, c, soft) => { calls.push(['exc', v, c, soft ? 1 : 0]); return v === 3; } });
    assert.strictEqual(m.cpu.debugRead8(target), 0x90);
    assert.strictEqual(m.cpu.run(100), StopReason.Debug);
    assert.strictEqual(m.cpu.regs[0] & 0xff, 0x90, 'read saw the original byte');
    assert.strictEqual((m.cpu.regs[3] & 0xff), 0x40, 'read after the write saw the new saved byte');
    assert.strictEqual(m.mem.ram[target], 0xcc, 'breakpoint still armed');
    assert.strictEqual(saved.get(target), 0x40);
    assert.deepStrictEqual(calls, [['exc', 3, -1, 1]]);
    assert.strictEqual(m.cpu.eip, target + 1, 'INT3 stop: EIP after the 0xCC');
  });
});

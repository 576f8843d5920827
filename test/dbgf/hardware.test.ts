// Oracle: Intel SDM Vol. 3, 17.2 "Debug Registers" — DR7 layout (L/G bits 0–7, GE bit 9, R/W at
// bits 16+4n: 00 execute, 01 write, 10 I/O, 11 read/write; LEN at 18+4n: 00 1 byte, 01 2, 11 4, 10 8),
// 17.2.5 (instruction breakpoints have LEN 00; addresses aligned to their length; 8-byte length for
// data only). The debugger's set is `cpu.hyperDr`; the guest's DR0–DR7 (`cpu.dr`) are never touched.
import { strict as assert } from 'node:assert';
import { BreakpointManager } from '../../src/dbgf/manager';
import type { HardwareType } from '../../src/dbgf/types';
import { Access, StopReason } from '../../src/vm/hooks';
import { FakeCpu } from './fakeCpu';

const RW: Record<HardwareType, number> = { exec: 0b00, write: 0b01, io: 0b10, readWrite: 0b11 };
const LEN: Record<number, number> = { 1: 0b00, 2: 0b01, 4: 0b11, 8: 0b10 };

describe('dbgf hardware breakpoints (Intel SDM 17.2)', () => {
  const encodings: Array<[HardwareType, number, number]> = [
    ['exec', 1, 0x7c00],
    ['write', 1, 0x1001],
    ['write', 2, 0x1002],
    ['write', 4, 0x1004],
    ['write', 8, 0x1008],
    ['readWrite', 1, 0x2003],
    ['readWrite', 2, 0x2002],
    ['readWrite', 4, 0xfffffffc],
    ['readWrite', 8, 0x2000],
    ['io', 1, 0x3f8],
    ['io', 2, 0x3fa],
    ['io', 4, 0xcfc],
  ];
  for (const [type, length, address] of encodings) {
    it(`${type} length ${length} at ${address.toString(16)}: DRn = address, DR7 Gn, R/W ${RW[type].toString(2).padStart(2, '0')}, LEN ${LEN[length].toString(2).padStart(2, '0')}`, () => {
      const cpu = new FakeCpu();
      const m = new BreakpointManager(cpu);
      m.setHardware({ address: 0x100, type: 'write', length: 4 }); // occupies DR0
      const r = m.setHardware({ address, type, length });
      assert.equal(r.outcome, 'created', r.message);
      const info = m.get(r.id!)!;
      assert.equal(info.slot, 1);
      assert.equal(cpu.hyperDr[1], address >>> 0);
      const dr7 = cpu.hyperDr[7];
      assert.equal((dr7 >>> 2) & 3, 0b10, 'G1 set, L1 clear');
      assert.equal((dr7 >>> 20) & 3, RW[type]);
      assert.equal((dr7 >>> 22) & 3, LEN[length]);
      assert.equal((dr7 >>> 16) & 0xf, 0b1101, 'DR0 untouched: write, 4 bytes');
      assert.ok(dr7 & (1 << 9), 'GE');
      m.disable(r.id!);
      assert.equal((cpu.hyperDr[7] >>> 2) & 3, 0, 'disable clears G1');
      assert.ok(cpu.hyperDr[7] & 2, 'G0 still set');
      m.clear(r.id!);
      assert.equal((cpu.hyperDr[7] >>> 20) & 0xf, 0);
    });
  }

  const refused: Array<[string, HardwareType, number, number, string]> = [
    ['unaligned 2-byte', 'write', 2, 0x1001, 'invalidParameter'],
    ['unaligned 4-byte', 'readWrite', 4, 0x1002, 'invalidParameter'],
    ['unaligned 8-byte', 'write', 8, 0x1004, 'invalidParameter'],
    ['length 3', 'write', 3, 0x1000, 'invalidParameter'],
    ['length 0', 'write', 0, 0x1000, 'invalidParameter'],
    ['length 16', 'write', 16, 0x1000, 'invalidParameter'],
    ['execution length 2 (LEN must be 00)', 'exec', 2, 0x1000, 'invalidParameter'],
    ['execution length 4', 'exec', 4, 0x1000, 'invalidParameter'],
    ['I/O length 8', 'io', 8, 0x3f8, 'invalidParameter'],
    ['unaligned I/O', 'io', 2, 0x3f9, 'invalidParameter'],
    ['port beyond 0xffff', 'io', 1, 0x10000, 'outOfRange'],
    ['address beyond 2^32', 'write', 1, 0x100000000, 'outOfRange'],
  ];
  for (const [what, type, length, address, outcome] of refused) {
    it(`refuses ${what}`, () => {
      const cpu = new FakeCpu();
      const m = new BreakpointManager(cpu);
      const r = m.setHardware({ address, type, length });
      assert.equal(r.outcome, outcome, r.message);
      assert.equal(cpu.hyperDr[7], 0);
    });
  }

  function fires(type: HardwareType, length: number, address: number, access: { t: 'mem' | 'port'; at: number; size: number; access: Access }): boolean {
    const cpu = new FakeCpu();
    const m = new BreakpointManager(cpu);
    assert.equal(m.setHardware({ address, type, length }).outcome, 'created');
    cpu.at(0x1000, access.t === 'mem' ? { t: 'mem', linear: access.at, size: access.size, access: access.access } : { t: 'port', port: access.at, size: access.size, access: access.access });
    cpu.at(0x1001);
    cpu.eip = 0x1000;
    const r = m.run(2);
    if (r === StopReason.Debug) assert.equal(cpu.eip, 0x1001, 'data breakpoints trap after the instruction');
    return r === StopReason.Debug;
  }
  const matches: Array<[string, HardwareType, number, number, 'mem' | 'port', number, number, Access, boolean]> = [
    ['write bp, write', 'write', 4, 0x2000, 'mem', 0x2000, 4, Access.Write, true],
    ['write bp, read', 'write', 4, 0x2000, 'mem', 0x2000, 4, Access.Read, false],
    ['read-write bp, read', 'readWrite', 4, 0x2000, 'mem', 0x2002, 1, Access.Read, true],
    ['read-write bp, write', 'readWrite', 4, 0x2000, 'mem', 0x2003, 1, Access.Write, true],
    ['length 8, write to its last byte', 'write', 8, 0x2000, 'mem', 0x2007, 1, Access.Write, true],
    ['length 8, write just after', 'write', 8, 0x2000, 'mem', 0x2008, 1, Access.Write, false],
    ['length 1, dword write overlapping it', 'write', 1, 0x2003, 'mem', 0x2000, 4, Access.Write, true],
    ['length 2, write just before', 'write', 2, 0x2002, 'mem', 0x2000, 2, Access.Write, false],
    ['I/O bp, OUT to the port', 'io', 1, 0x3f8, 'port', 0x3f8, 1, Access.Write, true],
    ['I/O bp, IN from the port', 'io', 1, 0x3f8, 'port', 0x3f8, 1, Access.Read, true],
    ['I/O bp length 2, word IN from the port before', 'io', 2, 0x3fa, 'port', 0x3f9, 2, Access.Read, true],
    ['I/O bp, memory access at the same number', 'io', 1, 0x3f8, 'mem', 0x3f8, 1, Access.Write, false],
    ['execution bp, data write at its address', 'exec', 1, 0x2000, 'mem', 0x2000, 1, Access.Write, false],
    ['write bp, OUT to the same number', 'write', 1, 0x80, 'port', 0x80, 1, Access.Write, false],
  ];
  for (const [what, type, length, address, t, at, size, access, expect] of matches) {
    it(`${what}: ${expect ? 'fires' : 'does not fire'}`, () => {
      assert.equal(fires(type, length, address, { t, at, size, access }), expect);
    });
  }

  it('the fifth is refused with "no more hardware breakpoint slots (DR0–DR3 in use)" naming the holders', () => {
    const cpu = new FakeCpu();
    const m = new BreakpointManager(cpu);
    const ids = [
      m.setHardware({ address: 0x1000, type: 'exec', length: 1 }).id,
      m.setHardware({ address: 0x2000, type: 'write', length: 4 }).id,
      m.setHardware({ address: 0x3f8, type: 'io', length: 1 }).id,
      m.setHardware({ address: 0x4000, type: 'readWrite', length: 8 }).id,
    ];
    assert.deepEqual(ids, [1, 2, 3, 4]);
    const r = m.setHardware({ address: 0x5000, type: 'write', length: 1 });
    assert.equal(r.ok, false);
    assert.equal(r.outcome, 'noHardwareSlots');
    assert.match(r.message, /^no more hardware breakpoint slots \(DR0–DR3 in use\)/);
    for (let i = 0; i < 4; i++) assert.match(r.message, new RegExp(`DR${i}: #${ids[i]} `));
    assert.match(r.message, /io 1 at port 0x03f8/);
    // A duplicate of a holder is still found when full; other kinds are unlimited.
    assert.equal(m.setHardware({ address: 0x2000, type: 'write', length: 4 }).outcome, 'exists');
    assert.equal(m.setEmulator({ address: 0x5000 }).outcome, 'created');
    // Disabling keeps the slot; clearing frees it.
    m.disable(ids[1]!);
    assert.equal(m.setHardware({ address: 0x5000, type: 'write', length: 1 }).outcome, 'noHardwareSlots');
    m.clear(ids[1]!);
    const again = m.setHardware({ address: 0x5000, type: 'write', length: 1 });
    assert.equal(again.outcome, 'created');
    assert.equal(m.get(again.id!)!.slot, 1);
  });

  it('flags the page of a hardware data breakpoint in watchPageFlags (the CPU checks hyper data DRs off its fast path)', () => {
    const cpu = new FakeCpu();
    const m = new BreakpointManager(cpu);
    const hw = m.setHardware({ address: 0x5ff8, type: 'write', length: 8 }).id!;
    const io = m.setHardware({ address: 0x60, type: 'io', length: 1 }).id!;
    const x = m.setHardware({ address: 0x7000, type: 'exec', length: 1 }).id!;
    assert.deepEqual([cpu.watchPageFlags[5], cpu.watchPageFlags[0], cpu.watchPageFlags[7]], [1, 0, 0]);
    const w = m.setWatch({ address: 0x5000, length: 4, access: 'read' }).id!;
    m.clear(hw);
    assert.equal(cpu.watchPageFlags[5], 1, 'the watch still needs it');
    m.setHardware({ address: 0x5000, type: 'write', length: 4 });
    m.clear(w);
    assert.equal(cpu.watchPageFlags[5], 1, 'the hardware breakpoint still needs it');
    for (const b of m.list()) m.clear(b.id);
    assert.equal(cpu.watchPageFlags[5], 0);
    void io;
    void x;
  });

  it("never changes the guest's DR0–DR7", () => {
    const cpu = new FakeCpu();
    const guest = [0x1111, 0x2222, 0x3333, 0x4444, 0xffff0ff0, 0x400, 0xffff0ff0, 0x00d0_0402];
    cpu.dr.set(guest);
    const m = new BreakpointManager(cpu);
    for (let i = 0; i < 4; i++) m.setHardware({ address: 0x1000 * (i + 1), type: 'readWrite', length: 4 });
    cpu.at(0x1000, { t: 'mem', linear: 0x2000, size: 4, access: Access.Write }).at(0x1001);
    cpu.eip = 0x1000;
    m.run(5);
    for (const b of m.list()) m.clear(b.id);
    assert.deepEqual([...cpu.dr], guest);
    assert.equal(cpu.hyperDr[7] & 0xff, 0);
  });
});

// Oracle: the rules of SPEC §4 and the hit-window table of SPEC §5, for each breakpoint kind, driven
// through the hook protocol of src/vm/hooks.ts by a scripted CPU (fakeCpu.ts).
import { strict as assert } from 'node:assert';
import { BreakpointManager } from '../../src/dbgf/manager';
import { parseHitCondition, isHitConditionError } from '../../src/dbgf/hitCondition';
import type { BreakpointHit, BreakpointResult, CommonOptions } from '../../src/dbgf/types';
import { Access, StopReason } from '../../src/vm/hooks';
import { PageKind } from '../../src/vm/memory';
import { FakeCpu } from './fakeCpu';

interface KindCase {
  kind: string;
  /** Sets the breakpoint that the instruction at 0x1000 hits once per execution. */
  set(m: BreakpointManager, o: CommonOptions): BreakpointResult;
  /** The instruction at 0x1000. */
  program(cpu: FakeCpu): void;
  exec: boolean;
}

const LOOP = 0x1000;
const KINDS: KindCase[] = [
  { kind: 'software', exec: true, set: (m, o) => m.setSoftware({ address: LOOP, ...o }), program: (c) => c.program.set(LOOP, { ops: [], next: LOOP }) },
  { kind: 'emulator', exec: true, set: (m, o) => m.setEmulator({ address: LOOP, ...o }), program: (c) => c.program.set(LOOP, { ops: [], next: LOOP }) },
  {
    kind: 'hardware',
    exec: true,
    set: (m, o) => m.setHardware({ address: LOOP, type: 'exec', length: 1, ...o }),
    program: (c) => c.program.set(LOOP, { ops: [], next: LOOP }),
  },
  {
    kind: 'hardware',
    exec: false,
    set: (m, o) => m.setHardware({ address: 0x2000, type: 'write', length: 4, ...o }),
    program: (c) => c.program.set(LOOP, { ops: [{ t: 'mem', linear: 0x2000, size: 4, access: Access.Write, value: 7 }], next: LOOP }),
  },
  {
    kind: 'watch',
    exec: false,
    set: (m, o) => m.setWatch({ address: 0x2002, length: 1, access: 'write', ...o }),
    program: (c) => c.program.set(LOOP, { ops: [{ t: 'mem', linear: 0x2000, size: 4, access: Access.Write, value: 7 }], next: LOOP }),
  },
  {
    kind: 'port',
    exec: false,
    set: (m, o) => m.setPort({ port: 0x3f8, count: 1, access: 'write', ...o }),
    program: (c) => c.program.set(LOOP, { ops: [{ t: 'port', port: 0x3f8, size: 1, access: Access.Write, value: 0x41 }], next: LOOP }),
  },
  {
    kind: 'mmio',
    exec: false,
    set: (m, o) => m.setMmio({ address: 0xb8000 + 160 * 10, length: 160, access: 'write', ...o }),
    program: (c) => c.program.set(LOOP, { ops: [{ t: 'phys', physical: 0xb8000 + 160 * 10 + 4, size: 2, access: Access.Write, value: 0x0741 }], next: LOOP }),
  },
];

function setup(k: KindCase): { cpu: FakeCpu; m: BreakpointManager } {
  const cpu = new FakeCpu();
  const m = new BreakpointManager(cpu);
  k.program(cpu);
  cpu.eip = LOOP;
  return { cpu, m };
}

/** Executes the instruction `n` times; returns the hit numbers at which the machine stopped. */
function runTimes(cpu: FakeCpu, m: BreakpointManager, n: number): number[] {
  const stops: number[] = [];
  let guard = 0;
  while (cpu.trace.length < n) {
    assert.ok(guard++ < 10 * n + 10, 'no progress');
    const r = m.run(n - cpu.trace.length);
    if (r === StopReason.Debug) {
      const s = m.takeStop();
      assert.ok(s, 'a Debug stop carries a breakpoint stop');
      assert.equal(s.hits.length, 1);
      stops.push(s.hits[0].hits);
    } else {
      assert.equal(r, StopReason.Budget);
    }
  }
  return stops;
}

const N = 12;
function expected(trigger: number, disable: number, period: number): number[] {
  const out: number[] = [];
  for (let h = 1; h <= N; h++) if (h >= trigger && h <= disable && (period === 0 || h % period === 0)) out.push(h);
  return out;
}

describe('dbgf rules (SPEC §4) and hit windows (SPEC §5) for each kind', () => {
  for (const k of KINDS) {
    const label = `${k.kind}${k.kind === 'hardware' ? (k.exec ? ' exec' : ' write') : ''}`;
    describe(label, () => {
      // Every row of SPEC §5, enforced.
      for (const hc of ['5', '==5', '=5', '>=5', '>5', '<=5', '<5', '5..8', '5-8', '%3', '']) {
        it(`hit condition '${hc}' stops exactly on the hits of its window`, () => {
          const w = parseHitCondition(hc);
          assert.ok(!isHitConditionError(w));
          const { cpu, m } = setup(k);
          const r = k.set(m, w);
          assert.equal(r.outcome, 'created', r.message);
          assert.deepEqual(runTimes(cpu, m, N), expected(w.trigger, w.disable, w.period));
          assert.equal(m.get(r.id!)!.hits, N, 'every execution counted once');
        });
      }
      it('defaults: trigger 1, disable unbounded; trigger 0 means 1', () => {
        const { cpu, m } = setup(k);
        const r = k.set(m, { trigger: 0 });
        const info = m.get(r.id!)!;
        assert.equal(info.trigger, 1);
        assert.equal(info.disable, Infinity);
        assert.deepEqual(runTimes(cpu, m, 3), [1, 2, 3]);
      });
      it('trigger > disable is refused with "invalid parameter"', () => {
        const { m } = setup(k);
        const r = k.set(m, { trigger: 5, disable: 4 });
        assert.equal(r.ok, false);
        assert.equal(r.outcome, 'invalidParameter');
        assert.match(r.message, /^invalid parameter/);
        assert.equal(m.list().length, 0);
      });
      it('after disable it is spent: stops no more, keeps counting, says so', () => {
        const { cpu, m } = setup(k);
        const fired: BreakpointHit[] = [];
        m.onFire((h) => fired.push(h));
        const r = k.set(m, { trigger: 2, disable: 3 });
        assert.deepEqual(runTimes(cpu, m, 6), [2, 3]);
        assert.deepEqual(fired.map((h) => [h.hits, h.spent]), [[2, false], [3, true]]);
        const info = m.get(r.id!)!;
        assert.equal(info.spent, true);
        assert.equal(info.hits, 6);
      });
      it('a condition is evaluated before counting: hits count only when it holds', () => {
        const { cpu, m } = setup(k);
        let calls = 0;
        const r = k.set(m, { trigger: 2, condition: () => ++calls % 2 === 0 });
        // executions 2, 4, 6, 8 are hits 1, 2, 3, 4; hit 2 (execution 4) is the first stop
        const stops = runTimes(cpu, m, 8);
        assert.deepEqual(stops, [2, 3, 4]);
        assert.equal(m.get(r.id!)!.hits, 4);
      });
      it('a logpoint counts and reports without stopping', () => {
        const { cpu, m } = setup(k);
        const fired: BreakpointHit[] = [];
        m.onFire((h) => fired.push(h));
        const r = k.set(m, { logpoint: true, trigger: 2 });
        assert.deepEqual(runTimes(cpu, m, 5), []);
        assert.deepEqual(fired.map((h) => [h.id, h.hits, h.stops, h.logpoint]), [2, 3, 4, 5].map((n) => [r.id, n, false, true]));
        assert.equal(m.get(r.id!)!.hits, 5);
      });
      it('setting an identical breakpoint returns the existing id: "already exists"', () => {
        const { m } = setup(k);
        const a = k.set(m, {});
        const b = k.set(m, { trigger: 3 });
        assert.equal(b.outcome, 'exists');
        assert.equal(b.ok, true);
        assert.equal(b.id, a.id);
        assert.match(b.message, /already exists/);
        assert.equal(m.list().length, 1);
      });
      it('enable/disable say "already enabled/disabled"; a disabled one does not count', () => {
        const { cpu, m } = setup(k);
        const id = k.set(m, {}).id!;
        assert.equal(m.enable(id).outcome, 'alreadyEnabled');
        assert.equal(m.disable(id).outcome, 'disabled');
        assert.equal(m.disable(id).outcome, 'alreadyDisabled');
        assert.match(m.disable(id).message, /already disabled/);
        assert.deepEqual(runTimes(cpu, m, 3), []);
        assert.equal(m.get(id)!.hits, 0);
        assert.equal(m.enable(id).outcome, 'enabled');
        assert.match(m.enable(id).message, /already enabled/);
        assert.deepEqual(runTimes(cpu, m, 5), [1, 2]);
        assert.equal(m.clear(id).outcome, 'cleared');
        assert.equal(m.clear(id).outcome, 'notFound');
        assert.deepEqual(runTimes(cpu, m, 7), []);
      });
      it(k.exec ? 'stops before the instruction; resuming steps over it once' : 'stops after the accessing instruction (trap)', () => {
        const { cpu, m } = setup(k);
        cpu.program.set(LOOP, { ...cpu.program.get(LOOP)!, next: LOOP + 1 });
        cpu.program.set(LOOP + 1, { ops: [], next: LOOP });
        k.set(m, {});
        assert.equal(m.run(100), StopReason.Debug);
        const s = m.takeStop()!;
        assert.equal(s.before, k.exec);
        assert.equal(s.eip, LOOP);
        assert.equal(cpu.eip, k.exec ? LOOP : LOOP + 1);
        assert.equal(cpu.trace.length, k.exec ? 0 : 1);
        assert.equal(m.run(100), StopReason.Debug);
        assert.deepEqual(cpu.trace, k.exec ? [LOOP, LOOP + 1] : [LOOP, LOOP + 1, LOOP]);
        assert.equal(m.takeStop()!.hits[0].hits, 2);
      });
    });
  }

  describe('stop reports', () => {
    it('a data stop names the id, kind, access, address, size, value, instruction and hit count', () => {
      const cpu = new FakeCpu();
      const m = new BreakpointManager(cpu);
      cpu.at(0x1000, { t: 'mem', linear: 0x2001, size: 2, access: Access.Write, value: 0xbeef });
      cpu.eip = 0x1000;
      const id = m.setWatch({ address: 0x2002, length: 4, access: 'readWrite' }).id!;
      assert.equal(m.run(10), StopReason.Debug);
      assert.deepEqual(m.takeStop(), {
        ids: [id],
        eip: 0x1000,
        before: false,
        hits: [{ id, kind: 'watch', hits: 1, eip: 0x1000, access: 'write', address: 0x2001, size: 2, value: 0xbeef, stops: true, logpoint: false, spent: false }],
      });
      assert.equal(m.takeStop(), null, 'takeStop gives a stop once');
    });

    it('a port stop reports the port, size and value; a read reports the value read', () => {
      const cpu = new FakeCpu();
      const m = new BreakpointManager(cpu);
      cpu.at(0x1000, { t: 'port', port: 0x3fa, size: 2, access: Access.Read, value: 0x1234 });
      cpu.eip = 0x1000;
      const id = m.setPort({ port: 0x3fb, count: 1, access: 'read' }).id!;
      assert.equal(m.run(10), StopReason.Debug);
      const h = m.takeStop()!.hits[0];
      assert.deepEqual([h.id, h.kind, h.access, h.port, h.size, h.value, h.address], [id, 'port', 'read', 0x3fa, 2, 0x1234, undefined]);
    });

    it('every breakpoint hit by one instruction is reported in one stop (data, port, MMIO, hardware)', () => {
      const cpu = new FakeCpu();
      const m = new BreakpointManager(cpu);
      cpu.at(
        0x1000,
        { t: 'mem', linear: 0x3000, size: 4, access: Access.Read },
        { t: 'mem', linear: 0x2000, size: 4, access: Access.Write, value: 1 },
        { t: 'port', port: 0x80, size: 1, access: Access.Write, value: 2 },
        { t: 'phys', physical: 0xb8000, size: 1, access: Access.Write, value: 3 },
      );
      cpu.eip = 0x1000;
      const ids = [
        m.setWatch({ address: 0x3000, length: 1, access: 'read' }).id,
        m.setWatch({ address: 0x2000, length: 8, access: 'readWrite' }).id,
        m.setHardware({ address: 0x2000, type: 'write', length: 4 }).id,
        m.setPort({ port: 0x80, count: 1, access: 'write' }).id,
        m.setMmio({ address: 0xb8000, length: 4000, access: 'write' }).id,
        m.setWatch({ address: 0x2000, length: 8, access: 'read' }).id, // not hit: wrong access
      ];
      assert.equal(m.run(10), StopReason.Debug);
      const s = m.takeStop()!;
      assert.deepEqual(s.ids, ids.slice(0, 5));
      assert.deepEqual(s.hits.map((h) => h.kind), ['watch', 'watch', 'hardware', 'port', 'mmio']);
    });

    it('execution breakpoints of every kind at one address are reported together, before it', () => {
      const cpu = new FakeCpu();
      const m = new BreakpointManager(cpu);
      cpu.at(0x1000);
      cpu.eip = 0x1000;
      const a = m.setSoftware({ address: 0x1000 }).id;
      const b = m.setEmulator({ address: 0x1000 }).id;
      const c = m.setHardware({ address: 0x1000, type: 'exec', length: 1 }).id;
      assert.equal(m.run(10), StopReason.Debug);
      const s = m.takeStop()!;
      assert.deepEqual(s.ids, [a, b, c]);
      assert.equal(s.before, true);
      assert.equal(cpu.trace.length, 0);
    });

    it('a data access counts once per instruction even when it reads and writes the range', () => {
      const cpu = new FakeCpu();
      const m = new BreakpointManager(cpu);
      cpu.at(0x1000, { t: 'mem', linear: 0x2000, size: 4, access: Access.Read }, { t: 'mem', linear: 0x2000, size: 4, access: Access.Write, value: 1 });
      cpu.eip = 0x1000;
      const id = m.setWatch({ address: 0x2000, length: 4, access: 'readWrite' }).id!;
      m.run(10);
      assert.equal(m.get(id)!.hits, 1);
      assert.equal(m.takeStop()!.hits[0].access, 'read');
    });

    it('REP: stops after the iteration that made the access, the rest continues on resume', () => {
      const cpu = new FakeCpu();
      const m = new BreakpointManager(cpu);
      // rep stosd of 8 dwords at 0x2000; the watch covers the 4th dword only
      cpu.program.set(0x1000, { ops: [{ t: 'rep', count: 8, ops: (i) => [{ t: 'mem', linear: 0x2000 + 4 * i, size: 4, access: Access.Write, value: i }] }] });
      cpu.at(0x1001);
      cpu.eip = 0x1000;
      m.setWatch({ address: 0x200c, length: 2, access: 'write' });
      assert.equal(m.run(10), StopReason.Debug);
      const s = m.takeStop()!;
      assert.equal(s.hits[0].address, 0x200c);
      assert.equal(s.hits[0].value, 3);
      assert.equal(cpu.eip, 0x1000, 'EIP stays on the REP instruction');
      assert.equal(cpu.regs[1], 4, 'ECX: 4 iterations left');
      assert.equal(m.run(1), StopReason.Budget);
      assert.equal(cpu.eip, 0x1001);
      assert.equal(cpu.regs[1], 0);
    });
  });

  it('REP stopped between iterations resumes without re-checking an exec breakpoint on it (as RF)', () => {
    const cpu = new FakeCpu();
    const m = new BreakpointManager(cpu);
    cpu.program.set(0x1000, { ops: [{ t: 'rep', count: 4, ops: (i) => [{ t: 'mem', linear: 0x2000 + 4 * i, size: 4, access: Access.Write, value: i }] }] });
    cpu.at(0x1001);
    cpu.eip = 0x1000;
    const x = m.setEmulator({ address: 0x1000 }).id!;
    const w = m.setWatch({ address: 0x2004, length: 4, access: 'write' }).id!;
    assert.equal(m.run(10), StopReason.Debug);
    assert.deepEqual(m.takeStop()!.ids, [x]);
    assert.equal(m.run(10), StopReason.Debug);
    assert.deepEqual(m.takeStop()!.ids, [w]);
    assert.equal(cpu.eip, 0x1000);
    assert.equal(m.run(1), StopReason.Budget, 'the rest of the REP runs');
    assert.equal(cpu.eip, 0x1001);
    assert.equal(m.get(x)!.hits, 1);
  });

  describe('ranges and access sets', () => {
    const cases: Array<[string, (m: BreakpointManager) => BreakpointResult, string]> = [
      ['port range ending at 0xffff', (m) => m.setPort({ port: 0xfff8, count: 8, access: 'read' }), 'created'],
      ['port range wrapping past 0xffff', (m) => m.setPort({ port: 0xfff8, count: 9, access: 'read' }), 'outOfRange'],
      ['port 0x10000', (m) => m.setPort({ port: 0x10000, count: 1, access: 'read' }), 'outOfRange'],
      ['port count 0', (m) => m.setPort({ port: 0x60, count: 0, access: 'read' }), 'invalidParameter'],
      ['MMIO range ending at 2^32', (m) => m.setMmio({ address: 0xfffffff0, length: 0x10, access: 'write' }), 'created'],
      ['MMIO range wrapping past 2^32', (m) => m.setMmio({ address: 0xfffffff0, length: 0x11, access: 'write' }), 'outOfRange'],
      ['MMIO length 0', (m) => m.setMmio({ address: 0xb8000, length: 0, access: 'write' }), 'invalidParameter'],
      ['watch range wrapping past 2^32', (m) => m.setWatch({ address: 0xffffffff, length: 2, access: 'write' }), 'outOfRange'],
      ['watch of 1 MiB', (m) => m.setWatch({ address: 0x100000, length: 0x100000, access: 'write' }), 'created'],
      ['empty access set (port)', (m) => m.setPort({ port: 0x60, count: 1, access: '' as never }), 'invalidParameter'],
      ['empty access set (MMIO)', (m) => m.setMmio({ address: 0xb8000, length: 1, access: 'exec' as never }), 'invalidParameter'],
      ['empty access set (watch)', (m) => m.setWatch({ address: 0x2000, length: 1, access: undefined as never }), 'invalidParameter'],
      ['software at 2^32', (m) => m.setSoftware({ address: 0x100000000 }), 'outOfRange'],
      ['software on an unmapped address', (m) => m.setSoftware({ address: 0x200000 }), 'outOfRange'],
      ['emulator on an unmapped address (needs no mapping)', (m) => m.setEmulator({ address: 0x200000 }), 'created'],
      ['negative address', (m) => m.setEmulator({ address: -1 }), 'outOfRange'],
    ];
    for (const [what, set, outcome] of cases) {
      it(`${what}: ${outcome}`, () => {
        const m = new BreakpointManager(new FakeCpu());
        const r = set(m);
        assert.equal(r.outcome, outcome, r.message);
        if (outcome === 'outOfRange') assert.match(r.message, /^out of range/);
      });
    }
    it('a port breakpoint covers every port of a multi-byte access', () => {
      const cpu = new FakeCpu();
      const m = new BreakpointManager(cpu);
      cpu.at(0x1000, { t: 'port', port: 0xcfc, size: 4, access: Access.Write, value: 1 });
      cpu.eip = 0x1000;
      m.setPort({ port: 0xcff, count: 1, access: 'write' });
      assert.equal(m.run(10), StopReason.Debug);
    });
    it('a port read breakpoint ignores writes and vice versa', () => {
      const cpu = new FakeCpu();
      const m = new BreakpointManager(cpu);
      cpu.at(0x1000, { t: 'port', port: 0x60, size: 1, access: Access.Write }).at(0x1001, { t: 'port', port: 0x60, size: 1, access: Access.Read, value: 0x1c });
      cpu.eip = 0x1000;
      const id = m.setPort({ port: 0x60, count: 1, access: 'read' }).id;
      assert.equal(m.run(10), StopReason.Debug);
      const s = m.takeStop()!;
      assert.deepEqual([s.ids, s.eip, s.hits[0].value], [[id], 0x1001, 0x1c]);
    });
  });

  describe('software breakpoints (INT3)', () => {
    function sw(): { cpu: FakeCpu; m: BreakpointManager } {
      const cpu = new FakeCpu();
      cpu.mem.ram.set([0x90, 0x89, 0xd8], 0x1000);
      return { cpu, m: new BreakpointManager(cpu) };
    }
    it('writes 0xCC into guest memory; guest and debugger reads see the original', () => {
      const { cpu, m } = sw();
      m.setSoftware({ address: 0x1001 });
      assert.equal(cpu.mem.ram[0x1001], 0xcc);
      assert.ok(cpu.mem.pageKind[1] & PageKind.SwBp);
      assert.equal(cpu.read8(0x1001), 0x89);
      assert.equal(cpu.debugRead8(0x1001), 0x89);
    });
    it('a guest write over it updates the saved byte and keeps it armed', () => {
      const { cpu, m } = sw();
      const id = m.setSoftware({ address: 0x1001 }).id!;
      cpu.write8(0x1001, 0x8b);
      assert.equal(cpu.mem.ram[0x1001], 0xcc);
      assert.equal(cpu.read8(0x1001), 0x8b);
      m.clear(id);
      assert.equal(cpu.mem.ram[0x1001], 0x8b, 'clear restores the byte the guest wrote');
      assert.equal(cpu.mem.pageKind[1] & PageKind.SwBp, 0);
    });
    it('clear restores the original only if the byte is still 0xCC', () => {
      const { cpu, m } = sw();
      const id = m.setSoftware({ address: 0x1001 }).id!;
      cpu.mem.ram[0x1001] = 0x42; // replaced behind the breakpoint's back (DMA, loader)
      m.clear(id);
      assert.equal(cpu.mem.ram[0x1001], 0x42);
    });
    it('disable restores the byte, enable writes 0xCC again', () => {
      const { cpu, m } = sw();
      const id = m.setSoftware({ address: 0x1002 }).id!;
      m.disable(id);
      assert.equal(cpu.mem.ram[0x1002], 0xd8);
      m.enable(id);
      assert.equal(cpu.mem.ram[0x1002], 0xcc);
    });
    it('an INT3 reached without the exec check (another alias) is still ours, stepped over when out of window', () => {
      const { cpu, m } = sw();
      cpu.at(0x1000).at(0x1001).at(0x1002, { t: 'port', port: 0x80, size: 1, access: Access.Write });
      cpu.at(0x1003);
      cpu.eip = 0x1000;
      const id = m.setSoftware({ address: 0x1001, trigger: 2 }).id!;
      cpu.execPageFlags[1] = 0; // as if executed through a linear address the exec map does not know
      assert.equal(m.run(4), StopReason.Budget);
      assert.deepEqual(cpu.trace, [0x1000, 0x1001, 0x1002, 0x1003]);
      assert.deepEqual(cpu.delivered, [], 'the guest never sees the debugger INT3');
      assert.equal(m.get(id)!.hits, 1);
      cpu.eip = 0x1001;
      assert.equal(m.run(4), StopReason.Debug);
      assert.equal(cpu.eip, 0x1001, 'EIP backed up to the breakpoint');
    });
    it("the guest's own INT3 is delivered to the guest", () => {
      const cpu = new FakeCpu();
      const m = new BreakpointManager(cpu);
      cpu.mem.ram[0x1000] = 0xcc;
      cpu.at(0x1001);
      cpu.eip = 0x1000;
      m.setSoftware({ address: 0x1001, trigger: 5 });
      m.run(2);
      assert.deepEqual(cpu.delivered, [3]);
    });
  });

  describe('lookup cost does not grow with the number of breakpoints', () => {
    it('100,000 execution breakpoints elsewhere: no hook call on the running page', () => {
      const cpu = new FakeCpu();
      const m = new BreakpointManager(cpu);
      let calls = 0;
      const onExec = m.onExec.bind(m);
      m.onExec = (l) => (calls++, onExec(l));
      for (let i = 0; i < 100_000; i++) assert.equal(m.setEmulator({ address: 0x400000 + i * 3 }).outcome, 'created');
      cpu.program.set(0x1000, { ops: [{ t: 'port', port: 0x80, size: 1, access: Access.Write }], next: 0x1000 });
      cpu.eip = 0x1000;
      m.setPort({ port: 0x3f8, count: 8, access: 'readWrite' });
      m.setWatch({ address: 0x5000, length: 4, access: 'write' });
      let portCalls = 0;
      const onPort = m.onPort.bind(m);
      m.onPort = (...a) => (portCalls++, onPort(...a));
      assert.equal(m.run(10_000), StopReason.Budget);
      assert.equal(calls, 0);
      assert.equal(portCalls, 0, 'a port breakpoint costs nothing on other ports');
      assert.equal(cpu.execPageFlags[1], 0);
      assert.equal(cpu.io.portWatch[0x80], 0);
      assert.equal(m.list().length, 100_002);
    });
  });
});

// Oracle: the REPL / --break command syntax of SPEC §6 and §8 and the JSON line format.
import { strict as assert } from 'node:assert';
import { BreakpointManager } from '../../src/dbgf/manager';
import {
  armBreakCommands,
  executeBreakCommand,
  formatBreakpointList,
  hitToJson,
  isBreakCommand,
  jsonHitReporter,
  parseBreakCommand,
} from '../../src/dbgf/commands';
import { Access, StopReason } from '../../src/vm/hooks';
import { FakeCpu } from './fakeCpu';

const symbols: Record<string, number> = { main: 0x1000, counter: 0x2000, loop_top: 0x1010, com1: 0x3f8 };
const resolve = (s: string) => symbols[s];
const INF = Infinity;
const W = (trigger = 1, disable = INF, period = 0) => ({ trigger, disable, period });

describe('dbgf breakpoint commands', () => {
  const parsed: Array<[string, object]> = [
    ['bp 0x7c00', { cmd: 'set', kind: 'software', address: 0x7c00, window: W() }],
    ['bp 7c00h 3', { cmd: 'set', kind: 'software', address: 0x7c00, window: W(3) }],
    ['bp main+4 3 5', { cmd: 'set', kind: 'software', address: 0x1004, window: W(3, 5) }],
    ['bp *0x7c00', { cmd: 'set', kind: 'software', address: 0x7c00, window: W() }],
    ['bp main ==3', { cmd: 'set', kind: 'software', address: 0x1000, window: W(3, 3) }],
    ['bp main >= 5', { cmd: 'set', kind: 'software', address: 0x1000, window: W(5) }],
    ['bp main %3', { cmd: 'set', kind: 'software', address: 0x1000, window: W(3, INF, 3) }],
    ['bp main 5..8', { cmd: 'set', kind: 'software', address: 0x1000, window: W(5, 8) }],
    ['bp main 5-8', { cmd: 'set', kind: 'software', address: 0x1000, window: W(5, 8) }],
    ['br loop_top-16', { cmd: 'set', kind: 'emulator', address: 0x1000, window: W() }],
    ['BR 0x10 0x2 0x4', { cmd: 'set', kind: 'emulator', address: 0x10, window: W(2, 4) }],
    ['ba x 1 main', { cmd: 'set', kind: 'hardware', type: 'exec', length: 1, address: 0x1000, window: W() }],
    ['ba r 4 counter', { cmd: 'set', kind: 'hardware', type: 'readWrite', length: 4, address: 0x2000, window: W() }],
    ['ba w 8 0x2008 2', { cmd: 'set', kind: 'hardware', type: 'write', length: 8, address: 0x2008, window: W(2) }],
    ['ba i 1 com1', { cmd: 'set', kind: 'hardware', type: 'io', length: 1, address: 0x3f8, window: W() }],
    ['bw counter', { cmd: 'set', kind: 'watch', address: 0x2000, length: 1, access: 'readWrite', window: W() }],
    ['bw counter+4 w', { cmd: 'set', kind: 'watch', address: 0x2000, length: 4, access: 'write', window: W() }],
    ['bw counter+8+4 r 2 3', { cmd: 'set', kind: 'watch', address: 0x2008, length: 4, access: 'read', window: W(2, 3) }],
    ['bw 0x2000+0x100 rw ==7', { cmd: 'set', kind: 'watch', address: 0x2000, length: 0x100, access: 'readWrite', window: W(7, 7) }],
    ['bo 0x3f8', { cmd: 'set', kind: 'port', port: 0x3f8, count: 1, access: 'readWrite', window: W() }],
    ['bo 0x3f8 w ==3', { cmd: 'set', kind: 'port', port: 0x3f8, count: 1, access: 'write', window: W(3, 3) }],
    ['bo 0x3f8-0x3ff r 2', { cmd: 'set', kind: 'port', port: 0x3f8, count: 8, access: 'read', window: W(2) }],
    ['bo 0x60 3 3', { cmd: 'set', kind: 'port', port: 0x60, count: 1, access: 'readWrite', window: W(3, 3) }],
    ['bm 0xb8000+4000 w', { cmd: 'set', kind: 'mmio', address: 0xb8000, length: 4000, access: 'write', window: W() }],
    ['bm 0xfee00000 rw', { cmd: 'set', kind: 'mmio', address: 0xfee00000, length: 1, access: 'readWrite', window: W() }],
    ['bl', { cmd: 'list' }],
    ['bc all', { cmd: 'clear', ids: 'all' }],
    ['bd 1 2,3', { cmd: 'disable', ids: [1, 2, 3] }],
    ['be 4', { cmd: 'enable', ids: [4] }],
  ];
  for (const [text, want] of parsed) {
    it(`parses '${text}'`, () => assert.deepEqual(parseBreakCommand(text, resolve), want));
  }

  const errors: Array<[string, RegExp]> = [
    ['bp', /bp: missing address; usage: bp ADDR \[trigger \[disable\]\]/],
    ['bp nosuch', /unknown symbol 'nosuch'/],
    ['bp 0x10 ==0', /invalid hit condition '==0'.*accepted/],
    ['bp 0x10 8..5', /invalid hit condition/],
    ['bp 0x10 x', /bad trigger 'x'/],
    ['bp 0x10 1 2 3', /too many arguments/],
    ['ba q 1 0x10', /bad type 'q'/],
    ['ba w 3 0x10', /bad length '3'/],
    ['ba w 4', /missing arguments/],
    ['bo 0x3ff-0x3f8', /empty/],
    ['bl 1', /bl takes no arguments/],
    ['bc', /give breakpoint ids or all/],
    ['bc x', /bad breakpoint id/],
    ['bz 1', /unknown breakpoint command 'bz'/],
    ['bp 1++2', /bad address/],
  ];
  for (const [text, re] of errors) {
    it(`refuses '${text}'`, () => {
      const r = parseBreakCommand(text, resolve);
      assert.ok('error' in r, JSON.stringify(r));
      assert.match(r.error, re);
    });
  }

  it('recognises breakpoint commands', () => {
    assert.ok(isBreakCommand('  bp 0x10'));
    assert.ok(isBreakCommand('bl'));
    assert.ok(!isBreakCommand('r eax'));
    assert.ok(!isBreakCommand('bpx 1'));
  });

  it('executes set / list / disable / enable / clear and reports the manager outcomes', () => {
    const m = new BreakpointManager(new FakeCpu());
    assert.deepEqual(executeBreakCommand(m, 'bp main 2 4', resolve).ids, [1]);
    assert.equal(executeBreakCommand(m, 'bp main', resolve).outcome, 'exists');
    assert.equal(executeBreakCommand(m, 'bo 0x3f8 w ==3').ids[0], 2);
    assert.equal(executeBreakCommand(m, 'ba w 4 0x2000').ids[0], 3);
    assert.equal(executeBreakCommand(m, 'bd 2').outcome, 'disabled');
    assert.equal(executeBreakCommand(m, 'bd 2').outcome, 'alreadyDisabled');
    const bl = executeBreakCommand(m, 'bl');
    const lines = bl.message.split('\n');
    assert.match(lines[0], /^id\s+en\s+kind\s+location\s+hits\s+window$/);
    assert.match(lines[1], /^\s*1\s+e\s+software\s+software at 0x00001000\s+0\s+2\.\.4$/);
    assert.match(lines[2], /^\s*2\s+d\s+port\s+port 0x03f8 write\s+0\s+3$/);
    assert.match(lines[3], /^\s*3\s+e\s+hardware\s+DR0 write 4 at 0x00002000\s+0\s+1\.\.∞$/);
    const r = executeBreakCommand(m, 'be all');
    assert.equal(r.ok, true);
    assert.match(r.message, /breakpoint 1 is already enabled\nbreakpoint 2 enabled/);
    assert.equal(executeBreakCommand(m, 'bc 9').ok, false);
    assert.equal(executeBreakCommand(m, 'bc all').ok, true);
    assert.equal(formatBreakpointList(m.list()), 'no breakpoints');
  });

  it('bl shows logpoints and spent breakpoints', () => {
    const cpu = new FakeCpu();
    const m = new BreakpointManager(cpu);
    cpu.program.set(0x1000, { ops: [], next: 0x1000 });
    cpu.eip = 0x1000;
    m.setEmulator({ address: 0x1000, trigger: 1, disable: 1 });
    m.setEmulator({ address: 0x1000, logpoint: true } as never);
    m.setSoftware({ address: 0x1000, logpoint: true });
    m.run(1);
    m.run(3);
    const text = formatBreakpointList(m.list());
    assert.match(text, /\n\s*1\s+e\s+emulator\s+emulator at 0x00001000\s+\d+\s+1 \(spent\)/);
    assert.match(text, /\n\s*2\s+e\s+software.*1\.\.∞ \(logpoint\)/);
  });

  describe('--break', () => {
    it('arms commands with ids 1, 2, 3… in option order', () => {
      const m = new BreakpointManager(new FakeCpu());
      const r = armBreakCommands(m, ['bo 0x3f8 w ==3', 'bm 0xb8000+4000 w', 'bw counter+4 w', 'ba w 4 counter'], resolve);
      assert.deepEqual(r, { ok: true, ids: [1, 2, 3, 4] });
    });
    const refusals: Array<[string[], RegExp]> = [
      [['bo 0xfff8-0x10000'], /out of range/],
      [['bm 0xfffffff0+0x11'], /out of range/],
      [['ba w 4 0x1002'], /invalid parameter/],
      [['ba w 1 0', 'ba w 1 1', 'ba w 1 2', 'ba w 1 3', 'ba w 1 4'], /no more hardware breakpoint slots \(DR0–DR3 in use\): DR0: #1 /],
      [['bp 0x10 5 4'], /invalid parameter: trigger \(5\) is greater than disable \(4\)/],
      [['bp nosuch'], /unknown symbol/],
      [['bl'], /not a breakpoint-setting command/],
    ];
    for (const [cmds, re] of refusals) {
      it(`refuses ${JSON.stringify(cmds)}`, () => {
        const m = new BreakpointManager(new FakeCpu());
        const r = armBreakCommands(m, cmds, resolve);
        assert.equal(r.ok, false);
        if (!r.ok) {
          assert.match(r.message, re);
          assert.match(r.message, /^--break '/);
          assert.doesNotMatch(r.message, /\n/);
        }
      });
    }

    it('writes one JSON line per fire with id, kind, hits, eip and the access', () => {
      const cpu = new FakeCpu();
      const m = new BreakpointManager(cpu);
      const lines: string[] = [];
      m.onFire(jsonHitReporter((l) => lines.push(l)));
      for (let i = 0; i < 5; i++) cpu.at(0x1000 + i, { t: 'port', port: 0x3f8, size: 1, access: Access.Write, value: 0x41 + i });
      cpu.at(0x1005, { t: 'mem', linear: 0x2000, size: 4, access: Access.Write, value: 0xdeadbeef });
      cpu.at(0x1006);
      cpu.eip = 0x1000;
      assert.deepEqual(armBreakCommands(m, ['bo 0x3f8 w ==3', 'bw 0x2000+4 w', 'br 0x1006'], resolve), { ok: true, ids: [1, 2, 3] });
      let stops = 0;
      for (let guard = 0; guard < 10 && cpu.trace.length < 7; guard++) if (m.run(100) === StopReason.Debug) stops++;
      assert.equal(stops, 3);
      assert.deepEqual(
        lines.map((l) => JSON.parse(l)),
        [
          { id: 1, kind: 'port', hits: 3, eip: 0x1002, access: 'write', port: 0x3f8, size: 1, value: 0x43 },
          { id: 2, kind: 'watch', hits: 1, eip: 0x1005, access: 'write', address: 0x2000, size: 4, value: 0xdeadbeef },
          { id: 3, kind: 'emulator', hits: 1, eip: 0x1006 },
        ],
      );
      assert.ok(lines.every((l) => l.endsWith('\n') && !l.slice(0, -1).includes('\n')));
      assert.equal(hitToJson({ id: 1, kind: 'software', hits: 2, eip: 16, access: 'exec', stops: true, logpoint: false, spent: false }), '{"id":1,"kind":"software","hits":2,"eip":16}');
    });
  });
});

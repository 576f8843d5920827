/**
 * The debugger runtime in process (no DAP): REPL commands, completions, goto, logpoints, conditions,
 * restart, scopes. Oracles: the fixtures' arithmetic (qemu-i386 runs them to the same results),
 * nasm's listing addresses via the line table, and iced-x86 through the disassembler tests.
 */
import { strict as assert } from 'node:assert';
import { DebugRuntime, StopInfo } from '../../src/debugger/runtime';
import { asmProgram, bootProgram, fixture, HAVE_VM, lineOf } from '../adapter/helpers';

function until(rt: DebugRuntime, events: string[]): Promise<{ event: string; arg: unknown }> {
  return new Promise((resolve) => {
    const fns: Array<[string, (a: unknown) => void]> = events.map((e) => [e, (a: unknown) => {
      for (const [n, f] of fns) rt.off(n, f);
      resolve({ event: e, arg: a });
    }]);
    for (const [n, f] of fns) rt.on(n, f);
  });
}

describe('debugger runtime (in process)', function () {
  this.timeout(20000);
  let rt: DebugRuntime;
  let out: string;
  before(function () {
    if (!HAVE_VM) this.skip();
  });
  beforeEach(async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { linkedLoadProgram } = require('../../src/cli/link') as typeof import('../../src/cli/link');
    rt = new DebugRuntime(linkedLoadProgram);
    out = '';
    rt.on('output', (t: string) => { out += t; });
  });
  afterEach(() => rt.dispose());

  const prog32 = fixture('prog32.asm');

  async function stopAt(program: string, file: string, marker: string): Promise<StopInfo> {
    await rt.launch({ program });
    const r = rt.setSourceBreakpoint(file, lineOf(file, marker), {});
    assert.equal(r.verified, true, r.message);
    const s = until(rt, ['stopped']);
    rt.start(false);
    return (await s).arg as StopInfo;
  }

  it('REPL: r, r reg=value, db/dw/dd, u, k, help, and errors as messages', async () => {
    await stopAt(asmProgram('prog32.asm'), prog32, 'L_INC');
    const r = rt.repl('r').text.split('\n');
    assert.match(r[0], /^eax=[0-9a-f]{8} ebx=[0-9a-f]{8} ecx=00000003 edx=/);
    assert.match(r[3], /inc dword \[/);
    assert.equal(rt.repl('r ecx').text, 'ecx=0x00000003 (3)');
    assert.equal(rt.repl('r cl=0x41').text, "cl=0x41 (65 'A')");
    assert.equal(rt.evaluate('ecx').value, 0x41n);
    assert.match(rt.repl('db msg 6').text, /^[0-9a-f]{8}  68 65 6c 6c 6f 0a +hello\.$/);
    assert.match(rt.repl('dw msg 4').text, /^[0-9a-f]{8}  6568 6c6c$/);
    assert.match(rt.repl('dd counter 4').text, /^[0-9a-f]{8}  00000000$/);
    const u = rt.repl('u bump 3').text;
    assert.match(u, /^bump:\n0x[0-9a-f]{8}  55 +push ebp\n0x[0-9a-f]{8}  89e5 +mov ebp,esp\n/);
    assert.match(rt.repl('k').text, /^#0  0x[0-9a-f]{8}  bump\+0x3  prog32\.asm:\d+  sp=/);
    assert.match(rt.repl('help').text, /db\|dw\|dd ADDR \[LEN\]/);
    assert.throws(() => rt.repl('db nosuch'), /unknown symbol or register 'nosuch'/);
    assert.throws(() => rt.repl('u $ 5000'), /count 5000 is out of range \(1 to 1000\)/);
    assert.throws(() => rt.repl('r eax=[0xfffffff0]'), /not mapped/);
  });

  it('REPL breakpoint commands go through the breakpoint manager; bl lists hits and windows', async () => {
    await stopAt(asmProgram('prog32.asm'), prog32, 'L_CALL');
    const set = rt.repl('bp bump 2 3');
    assert.equal(set.changedBreakpoints, true);
    assert.match(rt.repl('bl').text, /software at 0x[0-9a-f]+ +0  2\.\.3/);
    rt.clearUser(rt.userBreakpointIds('source'));
    const s = until(rt, ['stopped']);
    rt.continue();
    const st = (await s).arg as StopInfo;
    assert.equal(st.reason, 'breakpoint');
    assert.equal(rt.evaluate('dword [counter]').value, 1n, 'second call: one bump done');
    assert.match(rt.repl('bl').text, /software at 0x[0-9a-f]+ +2  2\.\.3/);
    assert.match(rt.repl('bd all').text, /disabled/);
    assert.match(rt.repl('bc all').text, /cleared/);
    assert.equal(rt.repl('bl').text, 'no breakpoints');
  });

  it('steps over LOOP as one unit (the remaining iterations run), and over a CALL by instruction', async () => {
    await stopAt(asmProgram('prog32.asm'), prog32, 'L_LOOP');
    rt.clearUser(rt.userBreakpointIds('source'));
    assert.equal(rt.evaluate('dword [counter]').value, 1n);
    const s = until(rt, ['stopped']);
    rt.stepOver(true);
    assert.equal(((await s).arg as StopInfo).reason, 'step');
    assert.equal(rt.evaluate('dword [counter]').value, 3n, 'all three iterations done');
    assert.equal(rt.evaluate('ecx').value, 0n);
    assert.equal(rt.lines.at(rt.pc)?.line, lineOf(prog32, 'L_LOOP') + 1);
  });

  it('maxInstructions stops the run at the limit; disassemblyFlavor gas gives AT&T syntax', async () => {
    await rt.launch({ program: bootProgram('hitspc.asm'), maxInstructions: 50, disassemblyFlavor: 'gas' });
    const s = until(rt, ['stopped']);
    rt.start(false);
    const st = (await s).arg as StopInfo;
    assert.equal(st.reason, 'pause');
    assert.match(st.description, /after 50 instructions/);
    assert.equal(rt.cpu.instructionCount, 50);
    assert.match(rt.repl('u 0x7c00 1').text, /xor %ax,%ax/);
  });

  it('completions offer REPL commands, registers and symbols', async () => {
    await stopAt(asmProgram('prog32.asm'), prog32, 'L_CALL');
    const c1 = rt.completions('b', 2).map((x) => x.label);
    for (const w of ['bp', 'bl', 'bump', 'buf', 'byte']) assert.ok(c1.includes(w), w);
    const c2 = rt.completions('dword [cou', 11);
    assert.deepEqual(c2.map((x) => x.label), ['counter']);
    assert.equal(c2[0].start, 7);
    assert.ok(rt.completions('e', 2).some((x) => x.label === 'eax'));
  });

  it('goto moves EIP to a line (set next statement) and the run follows it', async () => {
    const o = fixture('outcome.asm');
    await stopAt(asmProgram('outcome.asm'), o, 'L_JE');
    const targets = rt.gotoTargets(o, lineOf(o, 'L_JE') + 1);
    assert.equal(targets.length, 1);
    const s = until(rt, ['stopped']);
    rt.goto(targets[0].address);
    assert.equal(((await s).arg as StopInfo).reason, 'goto');
    assert.equal(rt.pc, targets[0].address);
    const e = until(rt, ['exited']);
    rt.continue();
    assert.equal((await e).arg, 12, 'the not-equal path ran');
  });

  it('a relaunch gives the previous machine\'s RAM buffer back: the launch after it runs on that buffer, to the same end', async () => {
    const program = asmProgram('prog32.asm');
    const toEnd = async (): Promise<[unknown, number, string]> => {
      out = '';
      const e = until(rt, ['exited']);
      rt.start(false);
      const status = (await e).arg;
      return [status, rt.cpu.instructionCount, out];
    };
    await rt.launch({ program });
    const first = rt.machine?.mem.arena;
    const ran = await toEnd();
    await rt.launch({ program }); // the new machine is made first, then the old one disposed
    assert.notEqual(rt.machine?.mem.arena, first);
    await rt.launch({ program });
    assert.equal(rt.machine?.mem.arena, first, 'the first machine\'s buffer, given back');
    assert.deepEqual(await toEnd(), ran);
  });

  it('logpoints print with {expr} interpolation and do not stop; conditions filter hits', async () => {
    await rt.launch({ program: asmProgram('prog32.asm') });
    const lp = rt.setSourceBreakpoint(prog32, lineOf(prog32, 'L_INC'), { logMessage: 'bump {dword [counter]} ecx={ecx} {{x}}' });
    assert.equal(lp.verified, true);
    const cond = rt.setFunctionBreakpoint('bump', { condition: 'ecx == 1' });
    assert.equal(cond.verified, true, cond.message);
    const bad = rt.setFunctionBreakpoint('*bump+1', { condition: 'ecx ==' });
    assert.equal(bad.verified, false);
    assert.match(bad.message, /invalid condition 'ecx ==': column 7: expected a number/);
    const s = until(rt, ['stopped']);
    rt.start(false);
    const st = (await s).arg as StopInfo;
    assert.equal(st.reason, 'function breakpoint');
    assert.equal(rt.evaluate('ecx').value, 1n, 'only the hit with ecx == 1 stops');
    assert.equal(out, 'bump 0x00000000 ecx=0x00000003 {x}\nbump 0x00000001 ecx=0x00000002 {x}\n');
  });

  it('restart reloads the program from the start', async () => {
    await stopAt(asmProgram('prog32.asm'), prog32, 'L_INC');
    assert.equal(rt.evaluate('dword [counter]').value, 0n);
    rt.writeValue(Number(rt.evaluate('counter').value), 4, 99n);
    await rt.restart();
    assert.equal(rt.evaluate('dword [counter]').value, 0n);
    assert.equal(rt.listBreakpoints().length, 0, 'breakpoints are the adapter\'s to re-apply');
    const e = until(rt, ['exited']);
    rt.start(false);
    assert.equal((await e).arg, 3);
  });

  it('scopes: registers with parts, stack slots and symbols with memory references, devices with ports', async () => {
    await stopAt(asmProgram('prog32.asm'), prog32, 'L_INC');
    const regs = rt.registersScope();
    const eax = regs.find((r) => r.name === 'EAX')!;
    const ax = eax.children!().find((r) => r.name === 'AX')!;
    assert.deepEqual(ax.children!().map((r) => r.name), ['AL', 'AH']);
    const eflags = regs.find((r) => r.name === 'EFLAGS')!;
    assert.ok(eflags.children!().some((f) => f.name === 'ZF' && (f.value === '0' || f.value === '1')));
    const stack = rt.stackScope(0);
    assert.equal(stack[0].name, 'ESP+00');
    assert.ok(stack[0].memoryReference !== undefined && stack[0].data?.kind === 'memory');
    const syms = rt.symbolsScope();
    const msg = syms.find((s) => s.name === 'msg')!;
    assert.match(msg.value, /^"hello\\n/);
    assert.equal(msg.memoryReference, Number(rt.evaluate('msg').value));
    const t = rt.dataTargetFor('io 0x3f8-0x3ff');
    assert.deepEqual(typeof t === 'string' ? t : [t.kind, (t as { count: number }).count], ['port', 8]);
  });

  it('the pc machine shows its devices with ports and MMIO registers as data breakpoint targets', async () => {
    await rt.launch({ program: bootProgram('hitspc.asm') });
    const devs = rt.devicesScope();
    assert.ok(devs.length >= 3, devs.map((d) => d.name).join(','));
    const regs = devs.flatMap((d) => d.children!());
    assert.ok(regs.some((r) => r.data?.kind === 'port'), 'port registers');
    const e = until(rt, ['exited']);
    rt.start(false);
    assert.equal((await e).arg, 1, 'exit port 0xf4 with 0: status 1');
  });
});

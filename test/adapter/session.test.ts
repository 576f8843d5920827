/**
 * Scripted DAP sessions against `node dist/cli.js dap`, one per capability (issue 7 "Must show").
 * Oracles: the fixtures' own arithmetic (qemu-i386 runs them to the same exit statuses), the
 * iteration counter each hit-condition fixture keeps in ESI/SI, and iced-x86 for disassembly.
 */
import { strict as assert } from 'node:assert';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { Decoder, DecoderOptions, Formatter, FormatterSyntax } from 'iced-x86';
import { AdapterServer, asmProgram, bootProgram, cProgram, Events, fixture, HAVE_VM, launchAndStop, lineOf } from './helpers';

type Bp = DebugProtocol.Breakpoint;

async function top(dc: DebugClient): Promise<DebugProtocol.StackFrame> {
  const st = await dc.stackTraceRequest({ threadId: 1 });
  return st.body.stackFrames[0];
}

async function evalNum(dc: DebugClient, expr: string): Promise<number> {
  const r = await dc.evaluateRequest({ expression: expr, context: 'watch' });
  const m = /^(0x[0-9a-f]+|-?\d+)/.exec(r.body.result);
  assert.ok(m, `evaluate ${expr}: ${r.body.result}`);
  return Number(m[1]);
}

function src(file: string): DebugProtocol.Source {
  return { path: file, name: file.split('/').pop() };
}

describe('x86vm dap sessions (DebugClient)', function () {
  this.timeout(30000);
  let dc: DebugClient;
  let ev: Events;
  const server = new AdapterServer();
  before(async function () {
    if (!HAVE_VM) this.skip();
    await server.start();
  });
  after(() => server.stop());
  beforeEach(async () => {
    dc = await server.connect();
    ev = new Events(dc, ['stopped', 'terminated', 'exited', 'output', 'breakpoint']);
  });
  afterEach(() => dc.stop());
  /** Launch, configure, wait for the first stop, and forget the events so far (but the output). */
  async function start(args: Record<string, unknown>, configure?: (dc: DebugClient) => Promise<unknown>): Promise<DebugProtocol.StoppedEvent> {
    const s = await launchAndStop(dc, args, configure);
    ev.drain();
    return s;
  }

  const prog32 = fixture('prog32.asm');

  describe('gutter breakpoints and stepping in .asm (linux32)', () => {
    it('stops on a gutter line with reason breakpoint, its id and a message', async () => {
      let bp: Bp | undefined;
      await start({ program: asmProgram('prog32.asm') }, async () => {
        const r = await dc.setBreakpointsRequest({ source: src(prog32), breakpoints: [{ line: lineOf(prog32, 'L_INC') }, { line: 1 }] });
        bp = r.body.breakpoints[0];
        assert.equal(bp.verified, true);
        assert.match(bp.message ?? '', /software breakpoint \d+: .*bump/);
        // Line 1 is a comment: it moves to the first line with code and says so.
        assert.match(r.body.breakpoints[1].message ?? '', /moved from line 1/);
        await dc.setBreakpointsRequest({ source: src(prog32), breakpoints: [{ line: lineOf(prog32, 'L_INC') }] });
      }).then((s) => {
        assert.equal(s.body.reason, 'breakpoint');
        assert.deepEqual(s.body.hitBreakpointIds, [bp!.id]);
      });
      const f = await top(dc);
      assert.equal(f.line, lineOf(prog32, 'L_INC'));
      assert.equal(f.name, 'bump+0x3');
      assert.ok(f.instructionPointerReference);
      const st = await dc.stackTraceRequest({ threadId: 1 });
      assert.equal(st.body.stackFrames[1].line, lineOf(prog32, 'L_LOOP'), 'caller frame is after the call');
    });

    it('steps over a call, a rep movsb and an int 0x80 to the next line', async () => {
      await start({ program: asmProgram('prog32.asm') }, () =>
        dc.setBreakpointsRequest({ source: src(prog32), breakpoints: [{ line: lineOf(prog32, 'L_CALL') }, { line: lineOf(prog32, 'L_REP') }, { line: lineOf(prog32, 'L_INT') }] }));
      assert.equal((await top(dc)).line, lineOf(prog32, 'L_CALL'));
      await dc.nextRequest({ threadId: 1 });
      let s = await ev.next(['stopped']) as DebugProtocol.StoppedEvent;
      assert.equal(s.body.reason, 'step');
      assert.equal((await top(dc)).line, lineOf(prog32, 'L_LOOP'));
      assert.equal(await evalNum(dc, 'dword [counter]'), 1, 'the call ran');
      // Clear the call breakpoint and run to the rep movsb.
      await dc.setBreakpointsRequest({ source: src(prog32), breakpoints: [{ line: lineOf(prog32, 'L_REP') }, { line: lineOf(prog32, 'L_INT') }] });
      await dc.continueRequest({ threadId: 1 });
      await ev.next(['stopped']);
      assert.equal((await top(dc)).line, lineOf(prog32, 'L_REP'));
      await dc.nextRequest({ threadId: 1 });
      await ev.next(['stopped']);
      assert.equal((await top(dc)).line, lineOf(prog32, 'L_AFTER_REP'));
      assert.equal(await evalNum(dc, 'ecx'), 0, 'all repetitions done');
      const mem = await dc.evaluateRequest({ expression: 'buf', context: 'watch' });
      assert.match(mem.body.result, /"hello\\n"/);
      await dc.continueRequest({ threadId: 1 });
      await ev.next(['stopped']);
      assert.equal((await top(dc)).line, lineOf(prog32, 'L_INT'));
      assert.doesNotMatch(ev.output(), /hello/);
      await dc.nextRequest({ threadId: 1 });
      s = await ev.next(['stopped']) as DebugProtocol.StoppedEvent;
      assert.equal((await top(dc)).line, lineOf(prog32, 'L_AFTER_INT'));
      assert.match(ev.output(), /hello\n/, 'the write system call ran');
      await dc.continueRequest({ threadId: 1 });
      const ex = await ev.next(['exited']) as DebugProtocol.ExitedEvent;
      assert.equal(ex.body.exitCode, 3, 'exit status as under qemu-i386');
    });

    it('steps into a call and out of it again; instruction granularity steps one instruction', async () => {
      await start({ program: asmProgram('prog32.asm') }, () =>
        dc.setBreakpointsRequest({ source: src(prog32), breakpoints: [{ line: lineOf(prog32, 'L_CALL') }] }));
      await dc.setBreakpointsRequest({ source: src(prog32), breakpoints: [] });
      await dc.stepInRequest({ threadId: 1 });
      await ev.next(['stopped']);
      assert.equal((await top(dc)).line, lineOf(prog32, 'L_BUMP'));
      await dc.stepInRequest({ threadId: 1, granularity: 'instruction' });
      await ev.next(['stopped']);
      assert.equal((await top(dc)).line, lineOf(prog32, 'L_BUMP') + 1);
      await dc.stepOutRequest({ threadId: 1 });
      const s = await ev.next(['stopped']) as DebugProtocol.StoppedEvent;
      assert.equal(s.body.reason, 'step');
      assert.equal((await top(dc)).line, lineOf(prog32, 'L_LOOP'));
      assert.equal(await evalNum(dc, 'dword [counter]'), 1);
    });
  });

  it('stops on a gutter line in C (DWARF) and steps over and into square()', async () => {
    const c = fixture('square.c');
    const s = await start({ program: cProgram('square.c') }, () =>
      dc.setBreakpointsRequest({ source: src(c), breakpoints: [{ line: lineOf(c, 'L_CALL_SQUARE') }] }));
    assert.equal(s.body.reason, 'breakpoint');
    let f = await top(dc);
    assert.equal(f.line, lineOf(c, 'L_CALL_SQUARE'));
    assert.equal(f.name, 'main');
    await dc.setBreakpointsRequest({ source: src(c), breakpoints: [] });
    await dc.nextRequest({ threadId: 1 });
    await ev.next(['stopped']);
    f = await top(dc);
    assert.equal(f.name, 'main');
    assert.notEqual(f.line, lineOf(c, 'L_CALL_SQUARE'));
    await dc.nextRequest({ threadId: 1 });
    await ev.next(['stopped']);
    assert.equal((await top(dc)).line, lineOf(c, 'L_CALL_SQUARE'));
    await dc.stepInRequest({ threadId: 1 });
    await ev.next(['stopped']);
    f = await top(dc);
    assert.match(f.name, /^square/);
    await dc.continueRequest({ threadId: 1 });
    const ex = await ev.next(['exited'], 20000) as DebugProtocol.ExitedEvent;
    assert.equal(ex.body.exitCode, 0);
    assert.match(ev.output(), /30\n/);
  });

  describe('each breakpoint kind stops with the right reason and ids', () => {
    it('function breakpoint on a symbol', async () => {
      let id = 0;
      const s = await start({ program: asmProgram('prog32.asm') }, async () => {
        const r = await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'bump' }, { name: 'nosuch' }] });
        id = r.body.breakpoints[0].id!;
        assert.equal(r.body.breakpoints[0].verified, true);
        assert.equal(r.body.breakpoints[1].verified, false);
        assert.match(r.body.breakpoints[1].message ?? '', /unknown symbol or register 'nosuch'/);
      });
      assert.equal(s.body.reason, 'function breakpoint');
      assert.deepEqual(s.body.hitBreakpointIds, [id]);
      assert.equal((await top(dc)).line, lineOf(prog32, 'L_BUMP'));
    });

    it('instruction breakpoint from a disassembly address', async () => {
      let id = 0;
      let address = '';
      const s = await start({ program: asmProgram('prog32.asm') }, async () => {
        const b = await dc.setBreakpointsRequest({ source: src(prog32), breakpoints: [{ line: lineOf(prog32, 'L_REP') }] });
        address = b.body.breakpoints[0].instructionReference!;
        await dc.setBreakpointsRequest({ source: src(prog32), breakpoints: [] });
        const r = await dc.send('setInstructionBreakpoints', { breakpoints: [{ instructionReference: address, offset: 0, mode: 'emulator' }] }) as DebugProtocol.SetInstructionBreakpointsResponse;
        id = r.body.breakpoints[0].id!;
        assert.match(r.body.breakpoints[0].message ?? '', /emulator breakpoint/);
      });
      assert.equal(s.body.reason, 'instruction breakpoint');
      assert.deepEqual(s.body.hitBreakpointIds, [id]);
      assert.equal((await top(dc)).instructionPointerReference, address);
    });

    it('data breakpoint on a watch expression stops after the write', async () => {
      let id = 0;
      const s = await start({ program: asmProgram('prog32.asm') }, async () => {
        const info = await dc.dataBreakpointInfoRequest({ name: 'dword [counter]' });
        assert.ok(info.body.dataId);
        const r = await dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.body.dataId!, accessType: 'write' }] });
        id = r.body.breakpoints[0].id!;
        assert.match(r.body.breakpoints[0].message ?? '', /hardware/);
      });
      assert.equal(s.body.reason, 'data breakpoint');
      assert.deepEqual(s.body.hitBreakpointIds, [id]);
      assert.equal(await evalNum(dc, 'dword [counter]'), 1, 'trap semantics: the write is done');
      assert.equal((await top(dc)).line, lineOf(prog32, 'L_INC') + 1);
      assert.match(s.body.description ?? '', /write 4 bytes at .* value 0x1/);
    });

    it('data breakpoints from the Symbols and Stack scopes, addresses with bytes, and the mode rules', async () => {
      await start({ program: asmProgram('prog32.asm') }, () => dc.setBreakpointsRequest({ source: src(prog32), breakpoints: [{ line: lineOf(prog32, 'L_INC') }] }));
      const sc = await dc.scopesRequest({ frameId: (await top(dc)).id });
      const symRef = sc.body.scopes.find((x) => x.name === 'Symbols')!.variablesReference;
      const syms = (await dc.variablesRequest({ variablesReference: symRef })).body.variables;
      assert.ok(syms.find((v) => v.name === 'counter')!.memoryReference);
      const fromScope = await dc.dataBreakpointInfoRequest({ variablesReference: symRef, name: 'counter' });
      assert.match(fromScope.body.dataId ?? '', /^mem:\d+:4$/);
      const stackRef = sc.body.scopes.find((x) => x.name === 'Stack')!.variablesReference;
      const slot = await dc.dataBreakpointInfoRequest({ variablesReference: stackRef, name: 'ESP+00' });
      assert.match(slot.body.description, /stack slot ESP\+00 \(4 bytes/);
      const eax = await dc.dataBreakpointInfoRequest({ name: 'eax' });
      assert.equal(eax.body.dataId, null);
      assert.match(eax.body.description, /is a register/);
      const addr = await dc.send('dataBreakpointInfo', { name: 'msg', asAddress: true, bytes: 6 }) as DebugProtocol.DataBreakpointInfoResponse;
      assert.match(addr.body.dataId ?? '', /^mem:\d+:6$/);
      const r = await dc.setDataBreakpointsRequest({ breakpoints: [
        { dataId: addr.body.dataId!, accessType: 'read' },
        { dataId: addr.body.dataId!, accessType: 'write', mode: 'hardware' } as DebugProtocol.DataBreakpoint,
        { dataId: fromScope.body.dataId!, accessType: 'read' },
        { dataId: fromScope.body.dataId!, accessType: 'readWrite' },
      ] });
      const b = r.body.breakpoints;
      assert.match(b[0].message ?? '', /emulated because the length 6 is not 1, 2, 4 or 8/);
      assert.equal(b[1].verified, false);
      assert.match(b[1].message ?? '', /cannot be a hardware breakpoint: the length 6/);
      assert.match(b[2].message ?? '', /emulated because x86 debug registers have no read-only data breakpoint/);
      assert.match(b[3].message ?? '', /hardware breakpoint \d+ in DR0/);
      // The read-write one on counter stops on the next inc (read and write in one instruction: one stop).
      await dc.setBreakpointsRequest({ source: src(prog32), breakpoints: [] });
      await dc.continueRequest({ threadId: 1 });
      const s = await ev.next(['stopped']) as DebugProtocol.StoppedEvent;
      assert.equal(s.body.reason, 'data breakpoint');
      assert.equal(await evalNum(dc, 'dword [counter]'), 1);
    });

    it('exception breakpoint on #DE with exceptionInfo', async () => {
      const d = fixture('divide.asm');
      const s = await start({ program: asmProgram('divide.asm') }, () => dc.setExceptionBreakpointsRequest({ filters: ['divide'] }));
      assert.equal(s.body.reason, 'exception');
      assert.equal((await top(dc)).line, lineOf(d, 'L_DIV'));
      const info = await dc.exceptionInfoRequest({ threadId: 1 });
      assert.equal(info.body.exceptionId, '#DE');
      assert.match(info.body.description ?? '', /divide error/);
      assert.equal(info.body.breakMode, 'always');
    });
  });

  it('refuses a fifth hardware breakpoint and names the reason', async () => {
    const h = fixture('hits32.asm');
    await start({ program: asmProgram('hits32.asm') }, async () => {
      const lines = [1, 2, 3, 4, 5].map((k) => lineOf(h, `h${k}:`));
      const r = await dc.setBreakpointsRequest({ source: src(h), breakpoints: lines.map((line) => ({ line, mode: 'hardware' })) });
      const b = r.body.breakpoints;
      for (let i = 0; i < 4; i++) {
        assert.equal(b[i].verified, true);
        assert.match(b[i].message ?? '', new RegExp(`hardware breakpoint \\d+ in DR${i}`));
      }
      assert.equal(b[4].verified, false);
      assert.match(b[4].message ?? '', /no more hardware breakpoint slots \(DR0–DR3 in use\)/);
    });
  });

  describe('setVariable changes the run (outcome.asm exits 22 unchanged, as under qemu-i386)', () => {
    const o = fixture('outcome.asm');
    async function registers(): Promise<DebugProtocol.Variable[]> {
      const sc = await dc.scopesRequest({ frameId: (await top(dc)).id });
      const reg = sc.body.scopes.find((x) => x.name === 'Registers')!;
      return (await dc.variablesRequest({ variablesReference: reg.variablesReference })).body.variables;
    }
    it('ZF cleared before je takes the other branch: exit 12', async () => {
      await start({ program: asmProgram('outcome.asm') }, () => dc.setBreakpointsRequest({ source: src(o), breakpoints: [{ line: lineOf(o, 'L_JE') }] }));
      const eflags = (await registers()).find((v) => v.name === 'EFLAGS')!;
      const flags = (await dc.variablesRequest({ variablesReference: eflags.variablesReference })).body.variables;
      assert.equal(flags.find((v) => v.name === 'ZF')!.value, '1');
      const r = await dc.setVariableRequest({ variablesReference: eflags.variablesReference, name: 'ZF', value: '0' });
      assert.equal(r.body.value, '0');
      await dc.continueRequest({ threadId: 1 });
      assert.equal((await ev.next(['exited']) as DebugProtocol.ExitedEvent).body.exitCode, 12);
    });
    it('EAX set to 42: exit 57', async () => {
      await start({ program: asmProgram('outcome.asm') }, () => dc.setBreakpointsRequest({ source: src(o), breakpoints: [{ line: lineOf(o, 'L_MOVEBX') }] }));
      const regs = await registers();
      assert.equal(regs.find((v) => v.name === 'EAX')!.value, '0x00000007');
      const sc = await dc.scopesRequest({ frameId: (await top(dc)).id });
      const reg = sc.body.scopes.find((x) => x.name === 'Registers')!;
      const r = await dc.setVariableRequest({ variablesReference: reg.variablesReference, name: 'EAX', value: '42' });
      assert.equal(r.body.value, '0x0000002a');
      await dc.continueRequest({ threadId: 1 });
      assert.equal((await ev.next(['exited']) as DebugProtocol.ExitedEvent).body.exitCode, 57);
    });
    it('unchanged: exit 22', async () => {
      await start({ program: asmProgram('outcome.asm'), stopOnEntry: true });
      await dc.continueRequest({ threadId: 1 });
      assert.equal((await ev.next(['exited']) as DebugProtocol.ExitedEvent).body.exitCode, 22);
    });
  });

  it('readMemory/writeMemory round trip changes what the program prints', async () => {
    await start({ program: asmProgram('prog32.asm') }, () => dc.setBreakpointsRequest({ source: src(prog32), breakpoints: [{ line: lineOf(prog32, 'L_REP') }] }));
    const msg = await dc.evaluateRequest({ expression: 'msg', context: 'watch' });
    const ref = msg.body.memoryReference!;
    assert.ok(ref);
    const before = await dc.send('readMemory', { memoryReference: ref, count: 6 }) as DebugProtocol.ReadMemoryResponse;
    assert.equal(Buffer.from(before.body!.data!, 'base64').toString(), 'hello\n');
    const w = await dc.send('writeMemory', { memoryReference: ref, offset: 0, data: Buffer.from('HELLO\n').toString('base64') }) as DebugProtocol.WriteMemoryResponse;
    assert.equal(w.body!.bytesWritten, 6);
    const after = await dc.send('readMemory', { memoryReference: ref, count: 6 }) as DebugProtocol.ReadMemoryResponse;
    assert.equal(Buffer.from(after.body!.data!, 'base64').toString(), 'HELLO\n');
    // Unmapped memory is reported, not thrown.
    const un = await dc.send('readMemory', { memoryReference: '0xfffffff0', count: 16 }) as DebugProtocol.ReadMemoryResponse;
    assert.equal(un.body!.unreadableBytes, 16);
    await dc.setBreakpointsRequest({ source: src(prog32), breakpoints: [] });
    await dc.continueRequest({ threadId: 1 });
    await ev.next(['exited']);
    assert.match(ev.output(), /HELLO\n/);
  });

  it('disassembles around EIP exactly as iced-x86 does (NASM syntax)', async () => {
    await start({ program: asmProgram('prog32.asm') }, () => dc.setBreakpointsRequest({ source: src(prog32), breakpoints: [{ line: lineOf(prog32, 'L_REP') }] }));
    const f = await top(dc);
    const eip = Number(f.instructionPointerReference);
    const d = await dc.disassembleRequest({ memoryReference: f.instructionPointerReference!, instructionOffset: -4, instructionCount: 12, resolveSymbols: true });
    const ins = d.body!.instructions;
    assert.equal(ins.length, 12);
    assert.equal(Number(ins[4].address), eip, 'offset -4 puts EIP at index 4');
    const mem = await dc.send('readMemory', { memoryReference: ins[0].address, count: 64 }) as DebugProtocol.ReadMemoryResponse;
    const bytes = Buffer.from(mem.body!.data!, 'base64');
    const decoder = new Decoder(32, bytes, DecoderOptions.None);
    decoder.ip = BigInt(Number(ins[0].address));
    const fmt = new Formatter(FormatterSyntax.Nasm);
    for (let i = 0; i < ins.length; i++) {
      const x = decoder.decode();
      assert.equal(Number(ins[i].address), Number(x.ip), `address ${i}`);
      assert.equal(ins[i].instruction, fmt.format(x), `instruction ${i}`);
      assert.equal(ins[i].instructionBytes, [...bytes.subarray(Number(x.ip) - Number(ins[0].address), Number(x.ip) - Number(ins[0].address) + x.length)].map((b) => b.toString(16).padStart(2, '0')).join(' '));
      x.free();
    }
    decoder.free();
    fmt.free();
    assert.equal(ins[4].line, lineOf(prog32, 'L_REP'));
    const intel = await dc.send('disassemble', { memoryReference: f.instructionPointerReference, instructionCount: 1, syntax: 'att' }) as DebugProtocol.DisassembleResponse;
    assert.equal(intel.body!.instructions[0].instruction, 'rep movsb (%esi),(%edi)');
  });

  it('the REPL bl shows hits and windows; r, db, u, k answer', async () => {
    await start({ program: asmProgram('prog32.asm') }, () => dc.setBreakpointsRequest({ source: src(prog32), breakpoints: [{ line: lineOf(prog32, 'L_INC'), hitCondition: '>=2' }] }));
    assert.equal(await evalNum(dc, 'dword [counter]'), 1, 'stopped on the second hit');
    const bl = (await dc.evaluateRequest({ expression: 'bl', context: 'repl' })).body.result;
    assert.match(bl, /id\s+en\s+kind\s+location\s+hits\s+window/);
    assert.match(bl, /\n\s*\d+\s+e\s+software\s+\S+.*\s2\s+2\.\.∞/);
    const bo = (await dc.evaluateRequest({ expression: 'bw counter+4 w 2 3', context: 'repl' })).body.result;
    assert.match(bo, /watch|created|breakpoint/i);
    const bl2 = (await dc.evaluateRequest({ expression: 'bl', context: 'repl' })).body.result;
    assert.match(bl2, /watch.*\s0\s+2\.\.3/);
    assert.match((await dc.evaluateRequest({ expression: 'r', context: 'repl' })).body.result, /eax=[0-9a-f]{8} ebx=/);
    assert.match((await dc.evaluateRequest({ expression: 'db msg 6', context: 'repl' })).body.result, /68 65 6c 6c 6f 0a\s+hello\./);
    assert.match((await dc.evaluateRequest({ expression: 'u $ 1', context: 'repl' })).body.result, /inc dword \[/);
    assert.match((await dc.evaluateRequest({ expression: 'k', context: 'repl' })).body.result, /#0 .*bump[\s\S]*#1 .*_start/);
    const bad = (await dc.evaluateRequest({ expression: 'r nosuch', context: 'repl' }).catch((e: Error) => ({ body: { result: e.message } }))).body.result;
    assert.match(bad, /unknown register 'nosuch'/);
  });
});

/** SPEC §5 forms (with whitespace and hex) and the iterations (of 12) on which each must stop. */
const FORMS: Array<[string, number[]]> = [
  ['5', [5]], ['==5', [5]], ['= 0x5', [5]], ['>= 5', [5, 6, 7, 8, 9, 10, 11, 12]], ['>5', [6, 7, 8, 9, 10, 11, 12]],
  ['<=5', [1, 2, 3, 4, 5]], ['<5', [1, 2, 3, 4]], ['5..8', [5, 6, 7, 8]], ['5 - 8', [5, 6, 7, 8]], ['%3', [3, 6, 9, 12]],
];
const INVALID = ['==0', '<1', '8..5', 'often'];

describe('x86vm dap hit conditions: every SPEC §5 form stops on exactly the right hits', function () {
  this.timeout(60000);
  let dc: DebugClient;
  let ev: Events;
  const server = new AdapterServer();
  before(async function () {
    if (!HAVE_VM) this.skip();
    await server.start();
  });
  after(() => server.stop());
  beforeEach(async () => {
    dc = await server.connect();
    ev = new Events(dc, ['stopped', 'terminated', 'exited', 'output', 'breakpoint']);
  });
  afterEach(() => dc.stop());

  /** Runs to the end; returns for each breakpoint id the iterations (counter register) it stopped on. */
  async function collect(counter: string, exitCode: number): Promise<Map<number, number[]>> {
    const stops = new Map<number, number[]>();
    for (let n = 0; n < 200; n++) {
      const e = await ev.next(['stopped', 'exited']);
      if (e.event === 'exited') {
        assert.equal((e as DebugProtocol.ExitedEvent).body.exitCode, exitCode);
        return stops;
      }
      const s = e as DebugProtocol.StoppedEvent;
      const it = await evalNum(dc, counter);
      for (const id of s.body.hitBreakpointIds ?? []) stops.set(id, [...(stops.get(id) ?? []), it]);
      await dc.continueRequest({ threadId: 1 });
    }
    throw new Error('too many stops');
  }

  async function check(program: string, counter: string, exitCode: number, set: (dc: DebugClient) => Promise<Bp[]>): Promise<void> {
    let bps: Bp[] = [];
    await dc.initializeRequest({ adapterID: 'x86vm', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
    const init = dc.waitForEvent('initialized');
    const launched = dc.launchRequest({ program } as DebugProtocol.LaunchRequestArguments);
    await Promise.race([init, launched]);
    bps = await set(dc);
    await dc.configurationDoneRequest();
    await launched;
    for (let i = 0; i < FORMS.length; i++) assert.equal(bps[i].verified, true, `${FORMS[i][0]}: ${bps[i].message}`);
    for (let i = 0; i < INVALID.length; i++) {
      const b = bps[FORMS.length + i];
      assert.equal(b.verified, false, INVALID[i]);
      assert.match(b.message ?? '', /accepted: N, ==N, =N/);
    }
    const stops = await collect(counter, exitCode);
    FORMS.forEach(([form, want], i) => assert.deepEqual(stops.get(bps[i].id!) ?? [], want, `hitCondition '${form}'`));
    const msgs = ev.all.filter((e) => e.event === 'breakpoint').map((e) => (e as DebugProtocol.BreakpointEvent).body.breakpoint.message ?? '');
    assert.ok(msgs.some((m) => /hit 5 of 5\.\.8/.test(m)), 'breakpoint events carry "hit N of window"');
  }

  const hits = [...FORMS.map((f) => f[0]), ...INVALID];
  const h = fixture('hits32.asm');

  it('on source breakpoints (hits32.asm lines h1..h10)', () => check(asmProgram('hits32.asm'), 'esi', 12, async (c) => {
    const bps = hits.map((hc, i) => ({ line: lineOf(h, `h${(i % 10) + 1}:`), hitCondition: hc }));
    // The invalid ones go on lines of their own file position (same lines; they are refused anyway).
    return (await c.setBreakpointsRequest({ source: src(h), breakpoints: bps })).body.breakpoints;
  }));

  it('on function breakpoints (symbols h1..h10)', () => check(asmProgram('hits32.asm'), 'esi', 12, async (c) =>
    (await c.setFunctionBreakpointsRequest({ breakpoints: hits.map((hc, i) => ({ name: `h${(i % 10) + 1}`, hitCondition: hc })) })).body.breakpoints));

  it('on data breakpoints (dword [v1]..[v10]; four hardware, the rest emulated)', () => check(asmProgram('hits32.asm'), 'esi', 12, async (c) => {
    const ids: string[] = [];
    for (let i = 0; i < hits.length; i++) {
      const info = await c.dataBreakpointInfoRequest({ name: `dword [v${(i % 10) + 1}]` });
      ids.push(info.body.dataId!);
    }
    const r = await c.setDataBreakpointsRequest({ breakpoints: hits.map((hc, i) => ({ dataId: ids[i], accessType: 'write', hitCondition: hc })) });
    const b = r.body.breakpoints;
    assert.match(b[0].message ?? '', /hardware/);
    assert.match(b[4].message ?? '', /emulated because all four debug registers are in use/);
    return b;
  }));

  it('on I/O-port breakpoints (io 0x300..0x309 w, pc boot sector)', () => check(bootProgram('hitspc.asm'), 'si', 1, async (c) =>
    (await c.setFunctionBreakpointsRequest({ breakpoints: hits.map((hc, i) => ({ name: `io 0x${(0x300 + (i % 10)).toString(16)} w`, hitCondition: hc })) })).body.breakpoints));

  it('on MMIO breakpoints (VGA text rows 0..9)', () => check(bootProgram('hitspc.asm'), 'si', 1, async (c) =>
    (await c.setFunctionBreakpointsRequest({ breakpoints: hits.map((hc, i) => ({ name: `mmio 0x${(0xb8000 + 160 * (i % 10)).toString(16)}+2 w`, hitCondition: hc })) })).body.breakpoints));
});

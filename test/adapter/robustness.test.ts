import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { asmProgram, CLI, client, expectError, fixture, HAVE_VM } from './helpers';

describe('x86vm dap: malformed and out-of-order requests get error responses (SPEC §10)', () => {
  let dc: DebugClient;
  beforeEach(() => { dc = client(); return dc.start(); });
  afterEach(() => dc.stop());

  it('answers initialize with the SPEC §6 capabilities', async () => {
    const r = await dc.initializeRequest();
    const c = r.body!;
    for (const k of ['supportsConfigurationDoneRequest', 'supportsFunctionBreakpoints', 'supportsConditionalBreakpoints', 'supportsHitConditionalBreakpoints',
      'supportsLogPoints', 'supportsDataBreakpoints', 'supportsDataBreakpointBytes', 'supportsInstructionBreakpoints', 'supportsExceptionInfoRequest',
      'supportsDisassembleRequest', 'supportsReadMemoryRequest', 'supportsWriteMemoryRequest', 'supportsSetVariable', 'supportsSetExpression',
      'supportsEvaluateForHovers', 'supportsCompletionsRequest', 'supportsSteppingGranularity', 'supportsGotoTargetsRequest', 'supportsRestartRequest',
      'supportsTerminateRequest', 'supportsLoadedSourcesRequest', 'supportsValueFormattingOptions'] as const) {
      assert.equal(c[k], true, k);
    }
    assert.deepEqual(c.exceptionBreakpointFilters!.map((f) => f.filter), ['divide', 'invalidOpcode', 'generalProtection', 'pageFault', 'guestDebug', 'tripleFault', 'signal']);
    assert.deepEqual(c.breakpointModes!.map((m) => m.mode), ['software', 'hardware', 'emulator', 'emulated']);
  });

  it('rejects an unknown request and goes on', async () => {
    assert.match(await expectError(dc.send('frobnicate', {})), /unknown request 'frobnicate'/);
    const t = await dc.threadsRequest();
    assert.equal(t.body.threads[0].name, 'CPU 0');
  });

  it('rejects requests before launch', async () => {
    await dc.initializeRequest();
    assert.match(await expectError(dc.stackTraceRequest({ threadId: 1 })), /no program is running: send 'launch' first/);
    assert.match(await expectError(dc.continueRequest({ threadId: 1 })), /no program is running/);
    assert.match(await expectError(dc.setBreakpointsRequest({ source: { path: '/x.asm' }, breakpoints: [{ line: 1 }] })), /no program is running/);
    assert.match(await expectError(dc.send('readMemory', { memoryReference: '0x0', count: 4 })), /no program is running/);
    assert.match(await expectError(dc.evaluateRequest({ expression: 'eax', context: 'repl' })), /no program is running/);
    const help = await dc.evaluateRequest({ expression: 'help', context: 'repl' });
    assert.match(help.body.result, /bp ADDR \[trigger \[disable\]\]/, 'help works without a program');
  });

  it('rejects a launch of a program that does not exist, with one line and no stack trace', async () => {
    await dc.initializeRequest();
    const msg = await expectError(dc.launchRequest({ program: fixture('no-such-program.asm') } as never));
    assert.match(msg, HAVE_VM ? /no-such-program\.asm/ : /program loader|no-such-program/);
    assert.doesNotMatch(msg, /\n\s+at /);
    const msg2 = await expectError(dc.launchRequest({} as never));
    assert.match(msg2, /argument 'program' is required/);
    const msg3 = await expectError(dc.launchRequest({ program: 42 } as never));
    assert.match(msg3, /argument 'program' must be a string/);
    await dc.threadsRequest();
  });

  it('rejects arguments of the wrong type', async () => {
    await dc.initializeRequest();
    assert.match(await expectError(dc.send('threads', 'nonsense')), /arguments must be an object/);
    assert.match(await expectError(dc.send('setExceptionBreakpoints', { filters: 'divide' })), /argument 'filters' must be an array/);
    assert.match(await expectError(dc.send('setExceptionBreakpoints', { filters: ['nope'] })), /unknown filter 'nope'/);
    assert.match(await expectError(dc.send('evaluate', { expression: 5 })), /argument 'expression' must be a string/);
    assert.match(await expectError(dc.send('continue', { threadId: 7 })), /unknown threadId 7/);
  });
});

/** Writes DAP frames to a raw adapter process and counts the responses. */
function rawAdapter(): { send: (msg: unknown) => void; sendRaw: (s: string) => void; responses: Map<number, { success: boolean; message?: string }>; alive: () => boolean; kill: () => void; stderr: () => string; waitFor: (seq: number, ms: number) => Promise<boolean> } {
  const p = spawn(process.execPath, [CLI, 'dap'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let buf = Buffer.alloc(0);
  let err = '';
  let exited = false;
  p.on('exit', () => { exited = true; });
  p.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const responses = new Map<number, { success: boolean; message?: string }>();
  p.stdout.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    for (;;) {
      const i = buf.indexOf('\r\n\r\n');
      if (i < 0) break;
      const m = /Content-Length: (\d+)/.exec(buf.subarray(0, i).toString());
      if (!m) throw new Error('bad header from the adapter');
      const n = Number(m[1]);
      if (buf.length < i + 4 + n) break;
      const msg = JSON.parse(buf.subarray(i + 4, i + 4 + n).toString());
      buf = buf.subarray(i + 4 + n);
      if (msg.type === 'response') responses.set(msg.request_seq, { success: msg.success, message: msg.message });
    }
  });
  const sendRaw = (s: string): void => { p.stdin.write(`Content-Length: ${Buffer.byteLength(s)}\r\n\r\n${s}`); };
  return {
    send: (msg) => sendRaw(JSON.stringify(msg)),
    sendRaw,
    responses,
    alive: () => !exited,
    kill: () => p.kill(),
    stderr: () => err,
    waitFor: (seq, ms) => new Promise((resolve) => {
      const t0 = Date.now();
      const timer = setInterval(() => {
        if (responses.has(seq)) { clearInterval(timer); resolve(true); }
        else if (Date.now() - t0 > ms || exited) { clearInterval(timer); resolve(false); }
      }, 50);
    }),
  };
}

/** Deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const COMMANDS = ['initialize', 'launch', 'configurationDone', 'setBreakpoints', 'setFunctionBreakpoints', 'setInstructionBreakpoints', 'setExceptionBreakpoints',
  'dataBreakpointInfo', 'setDataBreakpoints', 'continue', 'next', 'stepIn', 'stepOut', 'pause', 'stackTrace', 'scopes', 'variables', 'setVariable',
  'setExpression', 'evaluate', 'readMemory', 'writeMemory', 'disassemble', 'completions', 'exceptionInfo', 'gotoTargets', 'goto', 'loadedSources',
  'threads', 'source', 'breakpointLocations', 'restart', 'x86vm/listBreakpoints', 'x86vm/setBreakpointEnabled', 'x86vm/clearBreakpoint', 'x86vm/input', 'x86vm/key',
  'frobnicate', '', 'constructor', '__proto__', 'toString'];

export function randomValue(r: () => number, depth = 0): unknown {
  const k = Math.floor(r() * 12);
  switch (k) {
    case 0: return null;
    case 1: return Math.floor(r() * 2 ** 32) - 2 ** 31;
    case 2: return [0, 1, -1, 0x7c00, 1e12, 2 ** 53, NaN, 1.5][Math.floor(r() * 8)];
    case 3: return ['', 'eax', '0x7c00', 'main', 'io 0x3f8', 'mmio 0xb8000+4000 w', '==0', '5..8', '[', 'dword [esp]', 'bp 0x7c00', 'bl', 'r eax=1', 'x'.repeat(300), '%3', 'mem:0:4', 'QUFB'][Math.floor(r() * 17)];
    case 4: return r() < 0.5;
    case 5: return depth > 2 ? 1 : Array.from({ length: Math.floor(r() * 4) }, () => randomValue(r, depth + 1));
    default: {
      if (depth > 2) return 'z';
      const keys = ['threadId', 'frameId', 'variablesReference', 'name', 'value', 'expression', 'context', 'memoryReference', 'offset', 'count', 'instructionCount',
        'instructionOffset', 'source', 'breakpoints', 'line', 'column', 'text', 'filters', 'dataId', 'accessType', 'hitCondition', 'condition', 'program', 'targetId',
        'granularity', 'id', 'enabled', 'scancodes', 'data', 'bytes', 'asAddress', 'mode', 'path', 'levels', 'startFrame', 'format', 'hex'];
      const o: Record<string, unknown> = {};
      const n = Math.floor(r() * 5);
      for (let i = 0; i < n; i++) o[keys[Math.floor(r() * keys.length)]] = randomValue(r, depth + 1);
      return o;
    }
  }
}

describe('x86vm dap fuzz: 10,000 random requests, the adapter never dies', () => {
  it('answers every well-framed request and keeps running (seed 7)', async function () {
    this.timeout(90000);
    const a = rawAdapter();
    try {
      const r = rng(7);
      let seq = 1;
      a.send({ seq: seq++, type: 'request', command: 'initialize', arguments: { adapterID: 'x86vm', pathFormat: 'path' } });
      const launchSeq = seq;
      if (HAVE_VM) {
        a.send({ seq: seq++, type: 'request', command: 'launch', arguments: { program: asmProgram('prog32.asm'), stopOnEntry: true } });
        a.send({ seq: seq++, type: 'request', command: 'configurationDone' });
        assert.ok(await a.waitFor(launchSeq, 30000), `launch answered (a process start, a build and a launch on a possibly loaded machine)`);
        assert.equal(a.responses.get(launchSeq)?.success, true, `launch: ${a.responses.get(launchSeq)?.message}`);
      }
      let framed = 0;
      for (let i = 0; i < 10000; i++) {
        const roll = r();
        if (roll < 0.01) { a.sendRaw('{not json'); continue; }
        if (roll < 0.02) { a.sendRaw(JSON.stringify(randomValue(r))); continue; }
        const cmd = COMMANDS[Math.floor(r() * COMMANDS.length)];
        if (cmd === 'launch' || cmd === 'restart' || cmd === 'disconnect') { framed++; a.send({ seq: seq++, type: 'request', command: 'threads' }); continue; }
        a.send({ seq: seq++, type: 'request', command: cmd, arguments: r() < 0.1 ? randomValue(r) : randomValue(r, 1) });
        framed++;
        if (i % 500 === 0) await new Promise((res) => setTimeout(res, 5));
      }
      const last = seq++;
      a.send({ seq: last, type: 'request', command: 'threads' });
      assert.ok(await a.waitFor(last, 45000), `no answer to the final request; stderr: ${a.stderr().slice(0, 2000)}`);
      assert.ok(a.alive(), 'the adapter is alive');
      assert.ok(framed >= 9500);
      // Every request got a response (error responses included).
      let answered = 0;
      for (let s = 1; s <= last; s++) if (a.responses.has(s)) answered++;
      assert.ok(answered >= framed, `answered ${answered} of ${framed}`);
      assert.doesNotMatch(a.stderr(), /internal error/, 'no internal errors on stderr');
    } finally {
      a.kill();
    }
  });
});

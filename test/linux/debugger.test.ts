/**
 * Signals under the debugger: a breakpoint inside a signal handler is reached through kill() to
 * self, and each delivery is reported on the console. Oracle: the same program's behaviour under
 * qemu-i386 (corpus.test.ts: both handlers run, in this order, then SIGTRAP ends it).
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DebugRuntime, type StopInfo } from '../../src/debugger/runtime';
import { linkedLoadProgram } from '../../src/cli/link';

const SRC = path.resolve(__dirname, '../../../test/fixtures/linux/asm/signals.asm');

function lineOf(marker: string): number {
  return fs.readFileSync(SRC, 'utf8').split('\n').findIndex((l) => l.startsWith(marker)) + 1;
}

function next(rt: DebugRuntime, events: string[]): Promise<{ event: string; arg: unknown }> {
  return new Promise((resolve) => {
    const fns: Array<[string, (a: unknown) => void]> = events.map((e) => [e, (a: unknown) => {
      for (const [n, f] of fns) rt.off(n, f);
      resolve({ event: e, arg: a });
    }]);
    for (const [n, f] of fns) rt.on(n, f);
  });
}

describe('linux32 signals under the debugger', function () {
  this.timeout(30000);
  let tmp = '';
  let exe = '';
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'x86vm-sigdbg-'));
    exe = path.join(tmp, 'signals');
    execFileSync('nasm', ['-f', 'elf32', '-g', '-F', 'dwarf', SRC, '-o', exe + '.o']);
    execFileSync('ld', ['-m', 'elf_i386', exe + '.o', '-o', exe]);
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('stops at breakpoints in both handlers and reports each delivery', async () => {
    const rt = new DebugRuntime(linkedLoadProgram);
    let out = '';
    rt.on('output', (t: string) => { out += t; });
    try {
      await rt.launch({ program: exe });
      for (const m of ['h_rt:', 'h_old:']) {
        const r = rt.setSourceBreakpoint(SRC, lineOf(m), {});
        assert.equal(r.verified, true, r.message);
      }
      let s = next(rt, ['stopped', 'exited']);
      rt.start(false);
      let ev = await s;
      assert.equal(ev.event, 'stopped');
      assert.equal(rt.evaluate('eip').value, rt.evaluate('h_rt').value, (ev.arg as StopInfo).description);
      assert.match(out, /signal: SIGUSR1 \(code 0\) delivered to the handler at 0x[0-9a-f]+/);
      assert.doesNotMatch(out, /SIGUSR2/);
      s = next(rt, ['stopped', 'exited']);
      rt.continue();
      ev = await s;
      assert.equal(ev.event, 'stopped');
      assert.equal(rt.evaluate('eip').value, rt.evaluate('h_old').value, (ev.arg as StopInfo).description);
      assert.match(out, /rt handler\n/);
      assert.match(out, /signal: SIGUSR2 \(code -6\) delivered/);
    } finally {
      rt.dispose();
    }
  });
});

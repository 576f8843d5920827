// Oracle: SPEC §8 and issue 6 item 5 — `x86vm run PROGRAM --break 'CMD'`: one JSON line per fire on
// stderr and the run continues; a refused breakpoint ends the command before the guest starts with
// exit status 2 and the reason on stderr. The guest is test/fixtures/dbgf/serial.asm ("Hello" to COM1).
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../../..');
const cli = path.join(root, 'dist/cli.js');
const serial = path.join(root, 'test/fixtures/dbgf/serial.asm');

function run(...breaks: string[]) {
  return spawnSync(process.execPath, [cli, 'run', serial, ...breaks.flatMap((b) => ['--break', b])], { encoding: 'utf8', input: '' });
}

describe('x86vm run --break', () => {
  it("'bo 0x3f8 w ==3' writes one JSON line, for the 3rd byte, and the run completes", () => {
    const r = run('bo 0x3f8 w ==3', 'br 0x7c12');
    assert.equal(r.stdout, 'Hello', 'the guest output is complete');
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('{'));
    assert.deepEqual(lines.map((l) => JSON.parse(l)), [
      { id: 1, kind: 'port', hits: 3, eip: 0x7c0f, access: 'write', port: 0x3f8, size: 1, value: 0x6c },
      { id: 2, kind: 'emulator', hits: 1, eip: 0x7c12 },
    ]);
    assert.equal(r.status, 0);
  });

  const refused: Array<[string[], RegExp]> = [
    [['ba w 4 0x1002'], /invalid parameter: a hardware breakpoint of length 4 needs an address aligned to 4/],
    [['bo 0xfff8-0x10000 w'], /out of range: port range 0xfff8\+0x9 wraps past 0xffff/],
    [['ba w 1 0', 'ba w 1 1', 'ba w 1 2', 'ba x 1 3', 'ba w 1 4'], /no more hardware breakpoint slots \(DR0–DR3 in use\): DR0: #1 write 1 at 0x00000000; .*DR3: #4 exec 1 at 0x00000003/],
    [['bp 0x7c00 ==0'], /invalid hit condition '==0'/],
  ];
  for (const [breaks, re] of refused) {
    it(`refuses ${JSON.stringify(breaks)} with exit status 2 before the guest starts`, () => {
      const r = run(...breaks);
      assert.equal(r.status, 2);
      assert.equal(r.stdout, '', 'the guest never ran');
      assert.match(r.stderr, re);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    });
  }
});

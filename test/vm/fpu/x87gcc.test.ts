/**
 * End to end: a C program compiled with `gcc -m32 -static` (doubles and long doubles live in x87
 * registers) runs in the VM (our CPU + Fpu, linux32 platform) and must print exactly what it prints
 * under qemu-i386 (oracle): excess precision, long double printf, conversions, sqrtl, fmod/remainder.
 */
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Cpu } from '../../../src/vm/cpu/cpu';
import { Fpu } from '../../../src/vm/cpu/fpu';
import { loadElfProgram } from '../../../src/loader/elfProgram';
import type { LinuxMachine } from '../../../src/vm/platform/linux32';
import { StopReason } from '../../../src/vm/hooks';

describe('gcc -m32 program using the x87, against qemu-i386', function () {
  this.timeout(120000);
  it('prints the same as under qemu-i386', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'x87gcc-'));
    const exe = path.join(dir, 'prog');
    execFileSync('gcc', ['-m32', '-static', '-O2', '-o', exe, path.join(__dirname, '../../../../test/vm/fpu/x87prog.c'), '-lm']);
    // glibc's static objects start functions with ENDBR32 (F3 0F 1E FB), a reserved-NOP the i686
    // CPU may reject: replace it with LEA ESI,[ESI+0]; NOP in the file both runs use.
    const bin = fs.readFileSync(exe);
    for (let i = 0; i + 4 <= bin.length; i++) {
      if (bin[i] === 0xf3 && bin[i + 1] === 0x0f && bin[i + 2] === 0x1e && bin[i + 3] === 0xfb) bin.set([0x8d, 0x76, 0x00, 0x90], i);
    }
    fs.writeFileSync(exe, bin);
    const expected = execFileSync('qemu-i386', [exe]).toString();
    const prog = loadElfProgram(exe, bin, { platform: 'linux32' }, {
      createCpu: (mem, io) => { const c = new Cpu(mem, io); c.fpu = new Fpu(); return c; },
    });
    const m = prog.machine as LinuxMachine;
    let out = '';
    m.onConsoleBytes = (b, stream) => { if (stream === 'stdout') out += Buffer.from(b).toString('latin1'); };
    let r: StopReason = StopReason.Budget;
    for (let i = 0; i < 200 && r === StopReason.Budget; i++) r = m.run(1_000_000);
    fs.rmSync(dir, { recursive: true, force: true });
    assert.strictEqual(m.exitStatus, 0, `stopped: ${r} ${m.stopMessage}`);
    assert.strictEqual(out, expected);
    console.log(`      ${expected.split('\n').length - 1} lines identical`);
  });
});

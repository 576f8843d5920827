/**
 * Guest test programs (test/fixtures/vm/cpu/*.asm, assembled by nasm -f bin) run on
 * qemu-system-i386 (oracle) and on our Cpu; the debug-console output and exit status must match,
 * and must say "all passed".
 */
import * as assert from 'assert';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { TestMachine } from './harness';

const FIX = path.resolve(__dirname, '../../../../test/fixtures/vm/cpu');

function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

export function assemble(src: string): Uint8Array {
  const out = path.join(os.tmpdir(), `x86vm-cpu-${process.pid}-${path.basename(src, '.asm')}.img`);
  execFileSync('nasm', ['-f', 'bin', '-I', FIX + '/', src, '-o', out]);
  const b = new Uint8Array(fs.readFileSync(out));
  fs.unlinkSync(out);
  return b;
}

function runQemu(img: Uint8Array): { out: string; status: number | null } {
  const f = path.join(os.tmpdir(), `x86vm-cpu-q-${process.pid}.img`);
  fs.writeFileSync(f, img);
  const r = spawnSync('qemu-system-i386', ['-display', 'none', '-chardev', 'stdio,id=c', '-device', 'isa-debugcon,iobase=0xe9,chardev=c',
    '-device', 'isa-debug-exit,iobase=0xf4', '-drive', `format=raw,file=${f}`, '-monitor', 'none', '-serial', 'none', '-no-reboot'],
  { timeout: 20000, input: '' });
  fs.unlinkSync(f);
  return { out: r.stdout.toString('latin1'), status: r.status };
}

describe('CPU guest programs vs qemu-system-i386 (oracle)', function () {
  this.timeout(60000);
  const progs = fs.readdirSync(FIX).filter((f) => f.endsWith('.asm')).sort();
  for (const p of progs) {
    it(p, function () {
      if (!have('nasm')) { this.skip(); return; }
      const img = assemble(path.join(FIX, p));
      const m = new TestMachine();
      m.loadBoot(img);
      m.run(20_000_000);
      const ours = { out: m.out, status: m.exitCode };
      if (have('qemu-system-i386')) {
        const q = runQemu(img);
        assert.strictEqual(ours.out, q.out, 'output differs from qemu-system-i386');
        assert.strictEqual(ours.status, q.status, 'exit status differs from qemu-system-i386');
      }
      assert.match(ours.out, /all passed\n$/);
      assert.strictEqual(ours.status, 1);
    });
  }
});

/**
 * Guest test programs (test/fixtures/vm/cpu/*.asm, assembled by nasm -f bin) run on
 * qemu-system-i386 (oracle) and on our Cpu; the debug-console output and exit status must match,
 * and must say "all passed".
 */
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { StopReason } from '../../../src/vm/hooks';
import { TestMachine } from './harness';
import { assembleBin as assemble, have, runQemuSystem as runQemu } from './oracle';

const FIX = path.resolve(__dirname, '../../../../test/fixtures/vm/cpu');

describe('CPU guest programs vs qemu-system-i386 (oracle)', function () {
  this.timeout(60000);
  const progs = fs.readdirSync(FIX).filter((f) => f.endsWith('.asm')).sort();
  const images = new Map<string, Uint8Array>();
  const qemu = new Map<string, { out: string; status: number | null }>();
  before(async function () {
    if (!have('nasm')) return;
    for (const p of progs) images.set(p, assemble(path.join(FIX, p)));
    if (!have('qemu-system-i386')) return;
    // All qemu runs at once (each is mostly BIOS start-up time).
    const rs = await Promise.all(progs.map((p, i) => runQemu(images.get(p) as Uint8Array, String(i))));
    progs.forEach((p, i) => qemu.set(p, rs[i]));
  });
  for (const p of progs) {
    it(p, function () {
      const img = images.get(p);
      if (!img) { this.skip(); return; }
      const m = new TestMachine();
      m.loadBoot(img);
      const stop = m.run(20_000_000);
      const ours = { out: m.out, status: m.exitCode };
      const q = qemu.get(p);
      const shutdown = p === 'triple.asm';
      if (q) {
        assert.strictEqual(ours.out, q.out, 'output differs from qemu-system-i386');
        // qemu -no-reboot exits with status 0 on a shutdown; we stop with TripleFault.
        assert.strictEqual(shutdown ? 0 : ours.status, q.status, 'exit status differs from qemu-system-i386');
      }
      if (shutdown) {
        assert.strictEqual(stop, StopReason.TripleFault);
        assert.match(ours.out, /shutting down\n$/);
        return;
      }
      assert.match(ours.out, /all passed\n$/);
      assert.strictEqual(ours.status, 1);
    });
  }
});

const SDM = path.resolve(__dirname, '../../../../test/fixtures/vm/cpu-sdm');

describe('CPU guest programs checked against the Intel SDM (behaviour qemu does not model)', function () {
  this.timeout(60000);
  for (const p of fs.readdirSync(SDM).filter((f) => f.endsWith('.asm')).sort()) {
    it(p, function () {
      if (!have('nasm')) { this.skip(); return; }
      const out = path.join(os.tmpdir(), `x86vm-cpu-sdm-${process.pid}.img`);
      execFileSync('nasm', ['-f', 'bin', '-I', FIX + '/', path.join(SDM, p), '-o', out]);
      const img = new Uint8Array(fs.readFileSync(out));
      fs.unlinkSync(out);
      const m = new TestMachine();
      m.loadBoot(img);
      m.run(20_000_000);
      assert.match(m.out, /all passed\n$/, m.out);
      assert.strictEqual(m.exitCode, 1);
    });
  }
});

// linux32 programs from .asm: our assembler (-f elf32) + src/loader/link.ts, against nasm + ld run
// under qemu-i386 (oracle: same stdout and exit status, and the symbols at the addresses ld gives).
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadProgram } from '../../src/loader';
import { StopReason } from '../../src/vm/hooks';

const root = path.resolve(__dirname, '../../..');
const src = path.join(root, 'test/fixtures/linux32asm/echo.asm');

function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

describe('linux32 .asm: in-memory static link (oracle: nasm + ld under qemu-i386)', function () {
  this.timeout(30000);

  it('runs with the same output and exit status as the ld-linked program under qemu-i386', function () {
    const p = loadProgram(src, {});
    assert.equal(p.platform, 'linux32');
    assert.equal(p.kind, 'asm');
    let out = '';
    p.machine.onConsole = (t) => (out += t);
    p.machine.input('input line\n');
    p.machine.endInput();
    let r = StopReason.Budget;
    for (let i = 0; i < 20 && r === StopReason.Budget; i++) r = p.machine.run(1_000_000);
    assert.equal(r, StopReason.Exit);
    assert.equal(out, 'linked: input line\n');
    assert.equal(p.machine.exitStatus, 42);
    if (!have('qemu-i386') || !have('ld')) this.skip();
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'x86vm-link-'));
    try {
      assert.equal(spawnSync('nasm', ['-f', 'elf32', src, '-o', path.join(tmp, 'e.o')]).status, 0);
      assert.equal(spawnSync('ld', ['-m', 'elf_i386', path.join(tmp, 'e.o'), '-o', path.join(tmp, 'e')]).status, 0);
      const q = spawnSync('qemu-i386', [path.join(tmp, 'e')], { input: 'input line\n', encoding: 'latin1' });
      assert.equal(q.stdout, out);
      assert.equal(q.status, 42);
      // Symbol addresses as ld placed them (nm).
      const nm = spawnSync('nm', [path.join(tmp, 'e')], { encoding: 'utf8' }).stdout;
      for (const name of ['_start', 'greet', 'msg', 'status', 'buf']) {
        const m = new RegExp(`^([0-9a-f]{8}) \\w ${name}$`, 'm').exec(nm);
        assert.ok(m, `nm lists ${name}`);
        const ours = p.symbols.find((s) => s.name === name);
        assert.ok(ours, `our symbols list ${name}`);
        assert.equal(ours.address, parseInt(m[1], 16), `${name} at the address ld gives it`);
      }
      assert.equal(p.entry, parseInt(/^([0-9a-f]{8}) T _start$/m.exec(nm)![1], 16));
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('an undefined external symbol is a one-line LoadError', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'x86vm-link-'));
    const f = path.join(tmp, 'ext.asm');
    fs.writeFileSync(f, 'bits 32\nsection .text\nglobal _start\nextern puts\n_start:\n  call puts\n');
    try {
      assert.throws(() => loadProgram(f, {}), /ext\.asm: link: undefined symbol 'puts'/);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});

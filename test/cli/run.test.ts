// `x86vm run` end to end (spawns node dist/cli.js, built by `npm test`'s pretest).
// Oracles: qemu-system-i386 running the same images (isa-debugcon at 0xE9, serial on stdio,
// isa-debug-exit at 0xF4, -kernel for Multiboot, -bios for ROMs) and the expected outputs written
// in examples/README.md; nasm assembles the fixtures for QEMU.
import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LoadError, loadProgram } from '../../src/loader';
import type { LoadOptions } from '../../src/loader/api';

const root = path.resolve(__dirname, '../../..');
const cli = path.join(root, 'dist/cli.js');
const fixtures = path.join(root, 'test/fixtures/pc');
const examples = path.join(root, 'examples');

interface Run { status: number | null; stdout: string; stderr: string }

function x86vm(args: string[], input = '', cwd = root): Run {
  const r = spawnSync(process.execPath, [cli, 'run', ...args], { input, cwd, encoding: 'latin1', timeout: 60000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

const QEMU_COMMON = ['-display', 'none', '-monitor', 'none', '-no-reboot', '-device', 'isa-debug-exit,iobase=0xf4,iosize=1'];
const DEBUGCON = ['-serial', 'none', '-device', 'isa-debugcon,iobase=0xe9,chardev=con', '-chardev', 'stdio,id=con'];

/** Runs qemu-system-i386; `input` is written after `delayMs` (once the guest set its UART up). */
function qemu(args: string[], input = '', delayMs = 0): Promise<Run> {
  return new Promise((resolve) => {
    const p = spawn('timeout', ['90', 'qemu-system-i386', ...QEMU_COMMON, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    p.stdout.setEncoding('latin1').on('data', (d: string) => (stdout += d));
    p.stderr.setEncoding('latin1').on('data', (d: string) => (stderr += d));
    if (input) setTimeout(() => p.stdin.write(input), delayMs);
    p.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

let tmp = '';
function nasm(src: string, out: string): string {
  const o = path.join(tmp, out);
  const r = spawnSync('nasm', ['-f', 'bin', src, '-o', o], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return o;
}

function noStack(r: Run): void {
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

describe('x86vm run: examples (expected output; QEMU as oracle where observable)', function () {
  this.timeout(120000);
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'x86vm-run-'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('hello-boot.asm prints "Hello, world!" through the BIOS teletype (npm run demo) and halts with status 0', () => {
    const r = x86vm(['examples/hello-boot.asm']);
    assert.equal(r.stdout, 'Hello, world!\r\n');
    assert.equal(r.status, 0);
    assert.match(r.stderr, /^x86vm: hello-boot\.asm: HLT with interrupts disabled at 0000:7c[0-9a-f]{2}\n$/);
  });

  it('serial.asm greets on COM1 and echoes a line in upper case; exit port status 1 (same bytes as QEMU)', async function () {
    const ours = x86vm(['examples/serial.asm'], 'hello there\n');
    assert.equal(ours.stdout, 'COM1 says hello. Type a line: HELLO THERE\r\nBye!\r\n');
    assert.equal(ours.status, 1);
    if (!have('qemu-system-i386')) this.skip();
    const img = nasm(path.join(examples, 'serial.asm'), 'serial.img');
    const q = await qemu(['-drive', `file=${img},format=raw`, '-serial', 'stdio'], 'hello there\n', 0);
    assert.equal(q.stdout, ours.stdout, `QEMU (status ${q.status}): ${q.stderr}`);
    assert.equal(q.status, ours.status);
  });

  it('serial.asm with stdin closed: the guest polls the UART forever -> status 123', () => {
    const r = x86vm(['examples/serial.asm'], '');
    assert.equal(r.stdout, 'COM1 says hello. Type a line: ');
    assert.equal(r.status, 123);
    assert.match(r.stderr, /polls the UART for input but the input has ended/);
  });

  it('vga.asm writes text memory and the CRTC cursor and reads them back (same as QEMU)', async function () {
    const ours = x86vm(['examples/vga.asm']);
    assert.equal(ours.stdout, 'VGA text mode works attr=1f cursor=00fa\n');
    assert.equal(ours.status, 1);
    if (!have('qemu-system-i386')) this.skip();
    const img = nasm(path.join(examples, 'vga.asm'), 'vga.img');
    const q = await qemu(['-drive', `file=${img},format=raw`, ...DEBUGCON]);
    assert.equal(q.stdout, ours.stdout, `QEMU (status ${q.status}): ${q.stderr}`);
    assert.equal(q.status, ours.status);
  });

  it('pit.asm counts 100 PIT interrupts through the 8259A (same as QEMU)', async function () {
    const ours = x86vm(['examples/pit.asm']);
    assert.equal(ours.stdout, 'PIT interrupts counted: 100\n');
    assert.equal(ours.status, 1);
    if (!have('qemu-system-i386')) this.skip();
    const img = nasm(path.join(examples, 'pit.asm'), 'pit.img');
    const q = await qemu(['-drive', `file=${img},format=raw`, ...DEBUGCON]);
    assert.equal(q.stdout, ours.stdout, `QEMU (status ${q.status}): ${q.stderr}`);
    assert.equal(q.status, ours.status);
  });

  it('hello-dos.asm prints through int 21h/09h and exits with int 21h/4Ch status 0', () => {
    const r = x86vm(['examples/hello-dos.asm']);
    assert.equal(r.stdout, 'Hello from DOS!\r\n');
    assert.equal(r.status, 0);
    assert.equal(r.stderr, '');
  });

  it('a .COM file runs on the dos platform by its extension', () => {
    const com = nasm(path.join(examples, 'hello-dos.asm'), 'HELLO.COM');
    const r = x86vm([com]);
    assert.equal(r.stdout, 'Hello from DOS!\r\n');
    assert.equal(r.status, 0);
  });
});

describe('x86vm run: pc platform details (QEMU as oracle)', function () {
  this.timeout(120000);
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'x86vm-run-'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('int 13h CHS and LBA-extension reads of a flat image; a read past the end fails (same as QEMU)', async function () {
    const img = nasm(path.join(fixtures, 'disk.asm'), 'disk.img');
    const ours = x86vm([img]);
    assert.equal(ours.stdout, 'sector two\nsector two\npast-end read fails\n');
    assert.equal(ours.status, 1);
    if (!have('qemu-system-i386')) this.skip();
    const q = await qemu(['-drive', `file=${img},format=raw`, ...DEBUGCON]);
    assert.equal(q.stdout, ours.stdout, `QEMU (status ${q.status}): ${q.stderr}`);
    assert.equal(q.status, ours.status);
  });

  it('a Multiboot kernel starts in flat protected mode with EAX=0x2BADB002 and the info structure (same as QEMU -kernel)', async function () {
    const k = nasm(path.join(fixtures, 'multiboot.asm'), 'kernel.bin');
    const ours = x86vm([k]);
    assert.equal(ours.stdout, 'multiboot magic ok\nmem_upper ok\nprotected mode, paging off\n');
    assert.equal(ours.status, 1);
    if (!have('qemu-system-i386')) this.skip();
    const q = await qemu(['-kernel', k, ...DEBUGCON]);
    assert.equal(q.stdout, ours.stdout, `QEMU (status ${q.status}): ${q.stderr}`);
    assert.equal(q.status, ours.status);
  });

  it('an ELF Multiboot kernel is loaded by its program headers and gets the command line (same as QEMU -kernel -append)', async function () {
    if (!have('ld')) this.skip();
    const o = path.join(tmp, 'mb.o');
    const elf = path.join(tmp, 'mb.elf');
    assert.equal(spawnSync('nasm', ['-f', 'elf32', path.join(fixtures, 'multiboot-elf.asm'), '-o', o]).status, 0);
    const script = 'ENTRY(_start)\nSECTIONS { . = 0x100000; .text : { *(.multiboot) *(.text) } }\n';
    fs.writeFileSync(path.join(tmp, 'mb.ld'), script);
    assert.equal(spawnSync('ld', ['-m', 'elf_i386', '-T', path.join(tmp, 'mb.ld'), o, '-o', elf]).status, 0);
    const ours = x86vm([elf, '--', 'hello', 'args']);
    assert.equal(ours.stdout, `${elf} hello args\n`, 'the kernel path as given, then the arguments (as QEMU and GRUB)');
    assert.equal(ours.status, 1);
    if (!have('qemu-system-i386')) this.skip();
    const q = await qemu(['-kernel', elf, '-append', 'hello args', ...DEBUGCON]);
    assert.equal(q.stdout, ours.stdout);
    assert.equal(q.status, ours.status);
  });

  it('--rom starts a 64 KiB ROM at the reset vector F000:FFF0 (same as QEMU -bios)', async function () {
    const rom = nasm(path.join(fixtures, 'rom.asm'), 'rom.bin');
    const ours = x86vm(['--rom', rom]);
    assert.equal(ours.stdout, 'reset vector reached\n');
    assert.equal(ours.status, 11);
    if (!have('qemu-system-i386')) this.skip();
    const q = await qemu(['-bios', rom, ...DEBUGCON]);
    assert.equal(q.stdout, ours.stdout, `QEMU (status ${q.status}): ${q.stderr}`);
    assert.equal(q.status, ours.status);
  });

  it('--post prints each POST code as "POST xx" on stderr; exit port status (0x21<<1)|1 = 67 (QEMU status too)', async function () {
    const img = nasm(path.join(fixtures, 'post.asm'), 'post.img');
    const ours = x86vm(['--post', img]);
    assert.equal(ours.stderr, 'POST 12\nPOST ab\n');
    assert.equal(ours.status, 67);
    if (!have('qemu-system-i386')) this.skip();
    const q = await qemu(['-drive', `file=${img},format=raw`, '-serial', 'none']);
    assert.equal(q.status, 67);
  });

  it('A20 through port 0x92 and the 8042 output port, int 15h/24xx, CMOS status and memory-size registers (same as QEMU -m 64M)', async function () {
    const img = nasm(path.join(fixtures, 'a20cmos.asm'), 'a20.img');
    const ours = x86vm([img, '--mem', '64M']);
    assert.equal(ours.stdout, 'wn0n\n26 02 80 80 02 00 FC 00 FC 00 03 \n');
    assert.equal(ours.status, 1);
    if (!have('qemu-system-i386')) this.skip();
    const q = await qemu(['-m', '64M', '-drive', `file=${img},format=raw`, ...DEBUGCON]);
    assert.equal(q.stdout, ours.stdout, `QEMU (status ${q.status}): ${q.stderr}`);
    assert.equal(q.status, ours.status);
  });

  it('interrupt-driven COM1 receive: IER, MCR OUT2, IRQ 4 through the 8259A (same as QEMU)', async function () {
    const img = nasm(path.join(fixtures, 'uartirq.asm'), 'uartirq.img');
    const ours = x86vm([img], 'ok\n');
    assert.equal(ours.stdout, 'OK\nirqs>0:1 iir=1\n');
    assert.equal(ours.status, 1);
    if (!have('qemu-system-i386')) this.skip();
    const q = await qemu(['-drive', `file=${img},format=raw`, '-serial', 'stdio'], 'ok\n', 0);
    assert.equal(q.stdout, ours.stdout);
    assert.equal(q.status, ours.status);
  });

  it('int 16h reads keys typed on stdin through the 8042 and IRQ 1', () => {
    const img = nasm(path.join(fixtures, 'kbd.asm'), 'kbd.img');
    const r = x86vm([img], 'Hi there\n');
    assert.equal(r.stdout, 'Hi there!');
    assert.equal(r.status, 0);
  });

  it('a triple fault ends the run with a one-line report and status 125', () => {
    const img = nasm(path.join(fixtures, 'triple.asm'), 'triple.img');
    const r = x86vm([img]);
    assert.equal(r.status, 125);
    assert.match(r.stderr, /^x86vm: triple\.img: triple fault \(shutdown\) at eip=0x[0-9a-f]{8}\n$/);
  });

  it('a runaway loop stops at --max-instructions with status 124', () => {
    const img = nasm(path.join(fixtures, 'spin.asm'), 'spin.img');
    const r = x86vm([img, '--max-instructions', '200000']);
    assert.equal(r.status, 124);
    assert.match(r.stderr, /^x86vm: spin\.img: stopped after 200000 instructions \(--max-instructions\) at 0000:7c0[0-9a-f]\n$/);
  });
});

describe('x86vm run --break (src/dbgf commands; a JSON line per fire on stderr)', function () {
  this.timeout(60000);

  it('an I/O-port breakpoint on the CRTC index reports each of the 4 writes and the run goes on', () => {
    const r = x86vm(['examples/vga.asm', '--break', 'bo 0x3d4 w']);
    assert.equal(r.stdout, 'VGA text mode works attr=1f cursor=00fa\n');
    assert.equal(r.status, 1);
    const hits = r.stderr.trimEnd().split('\n').map((l) => JSON.parse(l) as { id: number; hits: number; port: number; value: number; access: string });
    assert.deepEqual(hits.map((h) => [h.id, h.hits, h.port, h.access, h.value]), [
      [1, 1, 0x3d4, 'write', 0x0e], [1, 2, 0x3d4, 'write', 0x0f], [1, 3, 0x3d4, 'write', 0x0e], [1, 4, 0x3d4, 'write', 0x0f],
    ]);
  });

  it('a refused --break is one line and status 2 before the guest runs', () => {
    const r = x86vm(['examples/vga.asm', '--break', 'bo 0xffff+4 w']);
    assert.equal(r.status, 2);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.trimEnd().split('\n').length, 1);
    assert.match(r.stderr, /^x86vm run: error: --break/);
  });
});

describe('x86vm run: dos platform', function () {
  this.timeout(60000);
  let dir = '';
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'x86vm-run-'));
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'x86vm-dos-'));
  });
  after(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('file services work inside cwd; a path outside fails with error 5, a missing file with 2', () => {
    const com = nasm(path.join(fixtures, 'dosfile.asm'), 'DOSFILE.COM');
    const r = x86vm([com], '', dir);
    assert.equal(r.stdout, 'ELLO\r\nfiles ok\r\n');
    assert.equal(r.status, 7);
    assert.deepEqual(fs.readdirSync(dir), [], 'the file was deleted again');
  });

  it('int 21h/0Ah line input echoes; waiting for input after stdin ended gives status 123', () => {
    const com = nasm(path.join(fixtures, 'dosinput.asm'), 'INPUT.COM');
    const r = x86vm([com], 'Bob\n');
    assert.equal(r.stdout, 'name? Bob\r\nhello, Bob\r\n');
    assert.equal(r.status, 123);
    assert.match(r.stderr, /waits for console input \(int 21h\) but the input has ended/);
  });
});

describe('x86vm run: bad input gives one clear line and a non-zero status', function () {
  this.timeout(60000);
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'x86vm-run-'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  // Through the command line: one line on stderr, no stack trace, non-zero status.
  const cases: Array<[string, () => string[], RegExp]> = [
    ['an empty file', () => { const f = path.join(tmp, 'empty.img'); fs.writeFileSync(f, ''); return [f]; }, /empty\.img: empty file$/],
    ['a ROM of a wrong size', () => { const f = path.join(tmp, 'bad.rom'); fs.writeFileSync(f, Buffer.alloc(1000)); return ['--rom', f]; }, /bad\.rom: ROM image of 1000 bytes has a wrong size/],
    ['a bad --mem', () => ['examples/hello-boot.asm', '--mem', 'lots'], /--mem 'lots'/],
    ['an unknown option', () => ['examples/hello-boot.asm', '--frob'], /unknown option '--frob'/],
  ];
  for (const [what, args, message] of cases) {
    it(what, () => {
      const r = x86vm(args());
      assert.notEqual(r.status, 0);
      assert.equal(r.stdout, '');
      const lines = r.stderr.trimEnd().split('\n');
      assert.match(lines[0], message);
      noStack(r);
    });
  }

  // The same loader errors in-process (what `x86vm run` prints after "x86vm run: error: ").
  const loaderCases: Array<[string, () => [string, LoadOptions], RegExp]> = [
    ['an unknown format', () => { const f = path.join(tmp, 'data.xyz'); fs.writeFileSync(f, Buffer.alloc(100, 7)); return [f, {}]; }, /data\.xyz: unknown program format/],
    ['an image larger than RAM', () => { const f = path.join(tmp, 'big.img'); fs.writeFileSync(f, Buffer.alloc(2 << 20)); return [f, { memory: 1 << 20 }]; }, /larger than guest RAM/],
    ['a flat image too big for conventional memory', () => { const f = path.join(tmp, 'conv.img'); fs.writeFileSync(f, Buffer.alloc(700 << 10)); return [f, {}]; }, /does not fit in conventional memory at 0x7c00/],
    ['a ROM larger than 1 MiB', () => { const f = path.join(tmp, 'huge.rom'); fs.writeFileSync(f, Buffer.alloc(2 << 20)); return [f, { rom: f }]; }, /huge\.rom: ROM image of 2097152 bytes has a wrong size/],
    ['a missing file', () => [path.join(tmp, 'nope.img'), {}], /nope\.img: no such file$/],
    ['a truncated ELF', () => { const f = path.join(tmp, 'trunc'); fs.writeFileSync(f, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1])); return [f, {}]; }, /trunc: truncated ELF header/],
    ['a Multiboot kernel whose segments do not fit', () => {
      const f = path.join(tmp, 'mb.bin');
      const b = Buffer.alloc(64);
      b.writeUInt32LE(0x1badb002, 0); b.writeUInt32LE(0x10000, 4); b.writeUInt32LE((-(0x1badb002 + 0x10000)) >>> 0, 8);
      b.writeUInt32LE(0x100000, 12); b.writeUInt32LE(0x100000, 16); b.writeUInt32LE(0, 20); b.writeUInt32LE(0x7000000, 24); b.writeUInt32LE(0x100020, 28);
      fs.writeFileSync(f, b);
      return [f, { memory: 16 << 20 }];
    }, /does not fit in guest RAM/],
  ];
  for (const [what, make, message] of loaderCases) {
    it(`${what} (loader, in-process)`, () => {
      const [file, opts] = make();
      assert.throws(() => loadProgram(file, opts), (e: unknown) => {
        assert.ok(e instanceof LoadError, String(e));
        assert.match(e.message, message);
        assert.doesNotMatch(e.message, /\n/, 'one line');
        return true;
      });
    });
  }

  it('assembler errors are reported as file:line:column: error: message', () => {
    const f = path.join(tmp, 'bad.asm');
    fs.writeFileSync(f, '[org 0x7c00]\nbits 16\n  mov ax, \n');
    const r = x86vm([f]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /bad\.asm:3:\d+: error: /);
    noStack(r);
  });
});

import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { disassemble, disassembleBackward } from '../../src/debugger/disasm';
import { dumpMemory, formatValue, hex, parseMemoryReference, quoteBytes } from '../../src/debugger/format';
import { findRegister, flagsText, readRegister, REGISTERS, registerChildren, writeRegister, CpuWithFpu } from '../../src/debugger/registers';

describe('debugger value formatting', () => {
  it('formats sized values in hex and decimal, signed when the top bit is set', () => {
    assert.equal(formatValue(42n, 4), '0x0000002a (42)');
    assert.equal(formatValue(0xffffffffn, 4), '0xffffffff (-1)');
    assert.equal(formatValue(0x41n, 1), "0x41 (65 'A')");
    assert.equal(formatValue(0x80n, 1), '0x80 (-128)');
    assert.equal(formatValue(42n, 4, { hex: false }), '42 (0x0000002a)');
    assert.equal(formatValue(-1n, 0, { hex: false }), '-1 (0xffffffff)');
    assert.equal(formatValue(7n, 0), '0x7 (7)');
    assert.equal(hex(0x7c00, 2), '0x7c00');
    assert.equal(hex(-5n), '-0x5');
  });
  it('quotes strings and dumps memory like db/dw/dd', () => {
    assert.equal(quoteBytes([72, 105, 10, 0, 65]), '"Hi\\n"');
    const mem = [...Buffer.from('Hello, world!\n\0\x01ABCDEFG')];
    const read = (a: number): number => (a - 0x100 < mem.length ? mem[a - 0x100] : -1);
    const d = dumpMemory(0x100, 20, 1, read).split('\n');
    assert.equal(d[0], '00000100  48 65 6c 6c 6f 2c 20 77-6f 72 6c 64 21 0a 00 01  Hello, world!...');
    assert.equal(d[1], '00000110  41 42 43 44                                      ABCD');
    assert.equal(dumpMemory(0x100, 8, 4, read), '00000100  6c6c6548 77202c6f');
    assert.equal(dumpMemory(0x120, 4, 2, read), '00000120  ???? ????');
  });
  it('parses memory references strictly', () => {
    assert.equal(parseMemoryReference('0x7c00'), 0x7c00);
    assert.equal(parseMemoryReference('4096'), 4096);
    assert.equal(parseMemoryReference('0x1ffffffff'), undefined);
    assert.equal(parseMemoryReference(12), undefined);
    assert.equal(parseMemoryReference('eax'), undefined);
  });
});

/** Just enough of a CPU for the register table (a test double; the real CPU implements CpuApi). */
function fakeCpu(): CpuWithFpu {
  let eflags = 0x2;
  const segs = Array.from({ length: 6 }, () => ({ selector: 0, base: 0, limit: 0xffff, attributes: 0x93 }));
  const cpu = {
    regs: new Int32Array(8), eip: 0, cr: new Uint32Array(5), dr: new Uint32Array(8),
    getEflags: () => eflags, setEflags: (v: number) => { eflags = v | 2; },
    getSegment: (i: number) => segs[i],
    loadSegment: (i: number, sel: number) => { segs[i].selector = sel; segs[i].base = sel << 4; return true; },
  };
  return cpu as unknown as CpuWithFpu;
}

describe('debugger register catalogue', () => {
  it('has the SDM layout: 8/16-bit parts of EAX..EBX, flags at their EFLAGS bits', () => {
    const cpu = fakeCpu();
    writeRegister(cpu, findRegister('eax')!, 0x11223344);
    assert.equal(readRegister(cpu, findRegister('ax')!), 0x3344);
    assert.equal(readRegister(cpu, findRegister('ah')!), 0x33);
    writeRegister(cpu, findRegister('ah')!, 0xab);
    assert.equal(cpu.regs[0] >>> 0, 0x1122ab44);
    writeRegister(cpu, findRegister('al')!, 0x1ff);
    assert.equal(cpu.regs[0] >>> 0, 0x1122abff, 'AL keeps 8 bits');
    writeRegister(cpu, findRegister('zf')!, 1);
    assert.equal(cpu.getEflags(), 0x42, 'ZF is bit 6 (SDM vol. 1 3.4.3)');
    writeRegister(cpu, findRegister('IOPL')!, 3);
    assert.equal(cpu.getEflags(), 0x3042);
    assert.equal(flagsText(cpu.getEflags()), 'ZF IOPL=3');
    writeRegister(cpu, findRegister('ds')!, 0x7c0);
    assert.equal(readRegister(cpu, findRegister('ds.base')!), 0x7c00);
    assert.equal(findRegister('st(3)')!.name, 'ST3');
    assert.deepEqual(registerChildren('ax').map((r) => r.name), ['AL', 'AH']);
    assert.equal(registerChildren('EFLAGS').filter((r) => r.width === 1).length, 16);
    assert.equal(new Set(REGISTERS.map((r) => r.name)).size, REGISTERS.length, 'names are unique');
  });
});

describe('debugger disassembler (iced-x86)', () => {
  const src = [
    'bits 32', 'start:', 'mov eax, 0x12345678', 'call start', 'rep movsb', 'int 0x80', 'loop start', 'push ebp',
    'mov ebp, esp', 'lea esi, [ebx+ecx*4+0x10]', 'ret',
  ];
  let bytes: Buffer;
  before(() => {
    const dir = mkdtempSync(path.join(tmpdir(), 'x86vm-dis-'));
    writeFileSync(path.join(dir, 'a.asm'), src.join('\n') + '\n');
    execFileSync('nasm', ['-f', 'bin', '-o', path.join(dir, 'a.bin'), path.join(dir, 'a.asm')]);
    bytes = readFileSync(path.join(dir, 'a.bin'));
  });
  const read = (base: number) => (a: number): number => (a >= base && a - base < bytes.length ? bytes[a - base] : -1);

  it('decodes nasm output back to the same instructions (oracle: nasm re-assembles the text to the same bytes)', () => {
    const lines = disassemble(read(0x1000), 0x1000, 9, 32);
    assert.equal(lines.reduce((n, l) => n + l.length, 0), bytes.length);
    const dir = mkdtempSync(path.join(tmpdir(), 'x86vm-dis-'));
    writeFileSync(path.join(dir, 'b.asm'), `bits 32\norg 0x1000\n${lines.map((l) => l.text).join('\n')}\n`);
    execFileSync('nasm', ['-f', 'bin', '-o', path.join(dir, 'b.bin'), path.join(dir, 'b.asm')]);
    assert.deepEqual([...readFileSync(path.join(dir, 'b.bin'))], [...bytes]);
    assert.equal(lines[1].isCall, true);
    assert.equal(lines[1].target, 0x1000);
    assert.equal(lines[2].isRep, true);
    assert.equal(lines[3].isInt, true);
    assert.equal(lines[4].isLoop, true);
    assert.equal(lines[4].target, 0x1000);
    assert.equal(lines[8].flow, 'return');
  });
  it('offers Intel, MASM and AT&T syntax and marks unreadable memory', () => {
    assert.equal(disassemble(read(0), 0, 1, 32, 'att')[0].text, 'mov $0x12345678,%eax');
    assert.equal(disassemble(read(0), 0, 1, 32, 'masm')[0].text, 'mov eax,12345678h');
    const past = disassemble(read(0), bytes.length - 1, 2, 32);
    assert.equal(past[0].flow, 'return');
    assert.equal(past[1].invalid, true);
    assert.equal(past[1].text, '??');
  });
  it('disassembles backwards to land exactly on an instruction boundary', () => {
    const fwd = disassemble(read(0x1000), 0x1000, 9, 32);
    const back = disassembleBackward(read(0x1000), fwd[6].address, 3, 32, 'nasm', 0, [0x1000]);
    assert.deepEqual(back.map((l) => l.address), fwd.slice(3, 6).map((l) => l.address));
  });
});

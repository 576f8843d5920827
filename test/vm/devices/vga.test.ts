// Oracle: IBM VGA technical reference (text buffer at B8000h, char/attribute cells, CRTC index/data
// at 3D4h/3D5h with cursor location 0Eh/0Fh, start address 0Ch/0Dh, cursor start bit 5 = off,
// input status 1 at 3DAh resetting the attribute flip-flop), and QEMU's isa-debugcon/isa-debug-exit.
import { strict as assert } from 'node:assert';
import { IoBus } from '../../../src/vm/iobus';
import { Memory } from '../../../src/vm/memory';
import { VgaText } from '../../../src/vm/devices/vga';
import { DebugConsole, ExitPort, PostPort, SystemControlA } from '../../../src/vm/devices/misc';

describe('VGA text mode (IBM VGA reference)', () => {
  it('text memory is MMIO at 0xB8000: writes land in cells, reads come back, 16/32-bit accesses split little-endian', () => {
    const mem = new Memory(1 << 20);
    const io = new IoBus();
    const vga = new VgaText(null, mem, io);
    mem.write8(0xb8000, 0x48);
    mem.write8(0xb8001, 0x1f);
    assert.equal(vga.screen().cells[0], 0x1f48);
    const r = mem.regionAt(0xb8004)!;
    r.handler.write(0xb8004, 4, 0x07690748);
    assert.equal(vga.screen().cells[2], 0x0748);
    assert.equal(vga.screen().cells[3], 0x0769);
    assert.equal(r.handler.read(0xb8000, 2), 0x1f48);
    assert.equal(vga.screenText(), 'H Hi');
  });

  it('CRTC cursor location (0Eh/0Fh) and start address (0Ch/0Dh) position the screen and cursor', () => {
    const mem = new Memory(1 << 20);
    const io = new IoBus();
    const vga = new VgaText(null, mem, io);
    io.write(0x3d4, 1, 0x0e); io.write(0x3d5, 1, 0x01);
    io.write(0x3d4, 1, 0x0f); io.write(0x3d5, 1, 0x90); // 400 = row 5, col 0
    assert.deepEqual(vga.screen().cursor, { row: 5, col: 0, visible: true });
    io.write(0x3d4, 1, 0x0e);
    assert.equal(io.read(0x3d5, 1), 0x01);
    io.write(0x3d4, 1, 0x0a); io.write(0x3d5, 1, 0x20); // cursor off
    assert.equal(vga.screen().cursor.visible, false);
    io.write(0x3d4, 1, 0x0c); io.write(0x3d5, 1, 0x00);
    io.write(0x3d4, 1, 0x0d); io.write(0x3d5, 1, 80); // start at row 1
    mem.write8(0xb8000 + 160, 0x41);
    assert.equal(vga.screen().cells[0] & 0xff, 0x41, 'row 1 of memory is row 0 of the screen');
    assert.deepEqual([vga.screen().cursor.row, vga.screen().cursor.col], [4, 0]);
  });

  it('a 16-bit OUT to 3D4h writes index and data (the common OUT DX, AX idiom)', () => {
    const io = new IoBus();
    const vga = new VgaText(null, undefined, io);
    io.write(0x3d4, 2, 0x120f);
    assert.equal(vga.crtc[0x0f], 0x12);
  });

  it('reading 3DAh resets the attribute controller flip-flop to the index state', () => {
    const io = new IoBus();
    const vga = new VgaText(null, undefined, io);
    io.write(0x3c0, 1, 0x10); // index
    io.read(0x3da, 1);
    io.write(0x3c0, 1, 0x11); // index again, not data
    assert.equal(vga.attrIndex, 0x11);
    io.write(0x3c0, 1, 0x05); // data for 0x11
    assert.equal(vga.attr[0x11], 0x05);
  });
});

describe('small PC ports (QEMU isa-debugcon, isa-debug-exit, POST, port 0x92)', () => {
  it('0xE9 reads back 0xE9 and passes bytes on; 0xF4 exits with (value << 1) | 1', () => {
    const io = new IoBus();
    const con = new DebugConsole(io);
    const exit = new ExitPort(io);
    const got: number[] = [];
    const st: number[] = [];
    con.onByte = (b) => got.push(b);
    exit.onExit = (s) => st.push(s);
    assert.equal(io.read(0xe9, 1), 0xe9);
    io.write(0xe9, 1, 0x41);
    io.write(0xf4, 1, 0x21);
    io.write(0xf4, 1, 0);
    assert.deepEqual(got, [0x41]);
    assert.deepEqual(st, [0x43, 1]);
  });

  it('POST codes are reported and read back; port 0x92 bit 1 drives A20 and bit 0 resets', () => {
    const io = new IoBus();
    const post = new PostPort(io);
    const codes: number[] = [];
    post.onPost = (c) => codes.push(c);
    io.write(0x80, 1, 0x55);
    assert.deepEqual(codes, [0x55]);
    assert.equal(io.read(0x80, 1), 0x55);
    const p92 = new SystemControlA(io);
    const a20: boolean[] = [];
    let resets = 0;
    p92.onA20 = (e) => a20.push(e);
    p92.onReset = () => resets++;
    io.write(0x92, 1, 0x00);
    io.write(0x92, 1, 0x03);
    assert.deepEqual(a20, [false, true]);
    assert.equal(resets, 1);
  });
});

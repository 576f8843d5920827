// Oracle: IBM PC/AT 8042 keyboard controller reference (status bits, commands 0x20/0x60/0xAA/0xAB/
// 0xAD/0xAE/0xD0/0xD1/0xFE) and the PS/2 keyboard command set (0xFF reset -> FA AA, 0xF2 identify).
import { strict as assert } from 'node:assert';
import { IoBus } from '../../../src/vm/iobus';
import { PicPair } from '../../../src/vm/devices/pic';
import { Kbc8042, asciiToScancodes, scancodeToAscii } from '../../../src/vm/devices/kbc';

function setup() {
  const io = new IoBus();
  const pic = new PicPair(io);
  pic.biosInit(0x08, 0x70, 0, 0);
  const kbc = new Kbc8042(pic, io);
  return { io, pic, kbc };
}

describe('8042 keyboard controller (AT reference behaviour)', () => {
  it('scancodes set OBF, raise IRQ 1 and are read from port 0x60 in order', () => {
    const { io, pic, kbc } = setup();
    assert.equal(io.read(0x64, 1) & 1, 0);
    kbc.key([0x1e, 0x9e]);
    assert.equal(io.read(0x64, 1) & 1, 1);
    assert.equal(pic.pending(), true);
    assert.equal(pic.acknowledge(), 0x09);
    assert.equal(io.read(0x60, 1), 0x1e);
    pic.writePort(0x20, 0x20);
    assert.equal(pic.pending(), true, 'next byte raises IRQ 1 again');
    assert.equal(io.read(0x60, 1), 0x9e);
    assert.equal(io.read(0x64, 1) & 1, 0);
  });

  it('self test 0xAA answers 0x55; interface test 0xAB answers 0x00', () => {
    const { io } = setup();
    io.write(0x64, 1, 0xaa);
    assert.equal(io.read(0x60, 1), 0x55);
    io.write(0x64, 1, 0xab);
    assert.equal(io.read(0x60, 1), 0x00);
  });

  it('command byte read (0x20) and write (0x60); bit 0 gates IRQ 1', () => {
    const { io, pic, kbc } = setup();
    io.write(0x64, 1, 0x60);
    io.write(0x60, 1, 0x44);
    io.write(0x64, 1, 0x20);
    assert.equal(io.read(0x60, 1), 0x44);
    kbc.key([0x1c]);
    assert.equal(pic.pending(), false);
    assert.equal(io.read(0x60, 1), 0x1c);
  });

  it('output port bit 1 gates A20 (0xD1) and reads back (0xD0); 0xFE pulses reset', () => {
    const { io, kbc } = setup();
    const a20: boolean[] = [];
    let resets = 0;
    kbc.onA20 = (e) => a20.push(e);
    kbc.onReset = () => resets++;
    io.write(0x64, 1, 0xd1);
    io.write(0x60, 1, 0xdd);
    assert.deepEqual(a20, [false]);
    io.write(0x64, 1, 0xd0);
    assert.equal(io.read(0x60, 1) & 2, 0);
    io.write(0x64, 1, 0xd1);
    io.write(0x60, 1, 0xdf);
    assert.deepEqual(a20, [false, true]);
    io.write(0x64, 1, 0xd1);
    io.write(0x60, 1, 0xdf);
    assert.deepEqual(a20, [false, true, true], 'every output-port write drives the A20 line');
    io.write(0x64, 1, 0xfe);
    assert.equal(resets, 1);
  });

  it('keyboard commands: reset FA AA, identify FA AB 41, echo EE', () => {
    const { io } = setup();
    const rd = () => io.read(0x60, 1);
    io.write(0x60, 1, 0xff);
    assert.deepEqual([rd(), rd()], [0xfa, 0xaa]);
    io.write(0x60, 1, 0xf2);
    assert.deepEqual([rd(), rd(), rd()], [0xfa, 0xab, 0x41]);
    io.write(0x60, 1, 0xee);
    assert.equal(rd(), 0xee);
  });

  it('0xAD disables the keyboard: keys are not queued until 0xAE', () => {
    const { io, kbc } = setup();
    io.write(0x64, 1, 0xad);
    kbc.key([0x10]);
    assert.equal(io.read(0x64, 1) & 1, 0);
    io.write(0x64, 1, 0xae);
    kbc.key([0x10]);
    assert.equal(io.read(0x60, 1), 0x10);
  });

  it('ASCII maps to set-1 make/break codes and back', () => {
    assert.deepEqual(asciiToScancodes(0x61), [0x1e, 0x9e]);
    assert.deepEqual(asciiToScancodes(0x41), [0x2a, 0x1e, 0x9e, 0xaa]);
    assert.deepEqual(asciiToScancodes(0x0a), [0x1c, 0x9c]);
    assert.equal(scancodeToAscii(0x1e, false), 0x61);
    assert.equal(scancodeToAscii(0x02, true), 0x21);
    assert.equal(scancodeToAscii(0x1c, false), 0x0d);
    for (let c = 0x20; c < 0x7f; c++) {
      const codes = asciiToScancodes(c);
      const shift = codes[0] === 0x2a;
      const make = shift ? codes[1] : codes[0];
      assert.equal(scancodeToAscii(make, shift), c, `char ${c}`);
    }
  });
});

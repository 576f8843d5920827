// Oracle: Intel 8259A datasheet (ICW/OCW formats, fully nested priority, EOI, rotation, poll,
// special mask mode, spurious IR7) and the PC/AT cascade (slave on master IR2).
import { strict as assert } from 'node:assert';
import { IoBus } from '../../../src/vm/iobus';
import { PicPair } from '../../../src/vm/devices/pic';

function init(): { io: IoBus; pic: PicPair } {
  const io = new IoBus();
  const pic = new PicPair(io);
  // The PC BIOS sequence: ICW1=0x11, ICW2=base, ICW3=cascade, ICW4=8086 mode.
  io.write(0x20, 1, 0x11); io.write(0x21, 1, 0x08); io.write(0x21, 1, 0x04); io.write(0x21, 1, 0x01);
  io.write(0xa0, 1, 0x11); io.write(0xa1, 1, 0x70); io.write(0xa1, 1, 0x02); io.write(0xa1, 1, 0x01);
  return { io, pic };
}

describe('8259A PIC pair (datasheet behaviour)', () => {
  it('ICW1 clears the IMR; ICW2 sets the vector base; OCW1 writes and reads back the IMR', () => {
    const { io } = init();
    assert.equal(io.read(0x21, 1), 0);
    io.write(0x21, 1, 0xb8);
    assert.equal(io.read(0x21, 1), 0xb8);
    io.write(0xa1, 1, 0x8f);
    assert.equal(io.read(0xa1, 1), 0x8f);
  });

  it('an edge latches IRR, INTA moves it to ISR and yields base+IR; EOI clears ISR', () => {
    const { io, pic } = init();
    assert.equal(pic.pending(), false);
    pic.pulseIrq(0);
    assert.equal(pic.pending(), true);
    assert.equal(io.read(0x20, 1), 0x01, 'IRR read by default after ICW1');
    assert.equal(pic.acknowledge(), 0x08);
    assert.equal(pic.pending(), false);
    io.write(0x20, 1, 0x0b); // OCW3: read ISR
    assert.equal(io.read(0x20, 1), 0x01);
    io.write(0x20, 1, 0x20); // non-specific EOI
    assert.equal(io.read(0x20, 1), 0x00);
  });

  it('fully nested: a lower-priority request waits for EOI, a higher one interrupts', () => {
    const { io, pic } = init();
    pic.pulseIrq(3);
    assert.equal(pic.acknowledge(), 0x0b);
    pic.pulseIrq(4);
    assert.equal(pic.pending(), false, 'IR4 blocked while IR3 in service');
    pic.pulseIrq(1);
    assert.equal(pic.pending(), true, 'IR1 has higher priority than IR3');
    assert.equal(pic.acknowledge(), 0x09);
    io.write(0x20, 1, 0x20); // EOI clears the highest in service: IR1
    assert.equal(pic.pending(), false);
    io.write(0x20, 1, 0x20); // IR3
    assert.equal(pic.pending(), true);
    assert.equal(pic.acknowledge(), 0x0c);
  });

  it('masked requests stay in IRR and are delivered when unmasked', () => {
    const { io, pic } = init();
    io.write(0x21, 1, 0x01);
    pic.pulseIrq(0);
    assert.equal(pic.pending(), false);
    assert.equal(io.read(0x20, 1) & 1, 1);
    io.write(0x21, 1, 0x00);
    assert.equal(pic.pending(), true);
    assert.equal(pic.acknowledge(), 0x08);
  });

  it('slave IRQs cascade through master IR2 and need EOI on both chips', () => {
    const { io, pic } = init();
    pic.pulseIrq(12);
    assert.equal(pic.pending(), true);
    assert.equal(pic.acknowledge(), 0x74);
    io.write(0xa0, 1, 0x0b);
    assert.equal(io.read(0xa0, 1), 0x10, 'slave ISR bit 4');
    io.write(0x20, 1, 0x0b);
    assert.equal(io.read(0x20, 1), 0x04, 'master ISR bit 2 (cascade)');
    pic.pulseIrq(8);
    assert.equal(pic.pending(), false, 'IRQ8 waits: IR2 in service on the master... and IR4 on the slave is lower priority than IR0, but ISR blocks the cascade');
    io.write(0xa0, 1, 0x20);
    io.write(0x20, 1, 0x20);
    assert.equal(pic.pending(), true);
    assert.equal(pic.acknowledge(), 0x70);
  });

  it('specific EOI (OCW2 0x60|L) clears only that level', () => {
    const { io, pic } = init();
    pic.pulseIrq(5);
    pic.acknowledge();
    pic.pulseIrq(2 - 2); // IR0
    pic.acknowledge();
    io.write(0x20, 1, 0x0b);
    assert.equal(io.read(0x20, 1), 0x21);
    io.write(0x20, 1, 0x65);
    assert.equal(io.read(0x20, 1), 0x01);
  });

  it('a request gone before INTA gives the spurious vector base+7 without setting ISR', () => {
    const { io, pic } = init();
    assert.equal(pic.acknowledge(), 0x0f);
    io.write(0x20, 1, 0x0b);
    assert.equal(io.read(0x20, 1), 0);
  });

  it('poll command (OCW3 P bit) returns 0x80|IR and acknowledges', () => {
    const { io, pic } = init();
    pic.pulseIrq(6);
    io.write(0x20, 1, 0x0c);
    assert.equal(io.read(0x20, 1), 0x86);
    io.write(0x20, 1, 0x0b);
    assert.equal(io.read(0x20, 1), 0x40);
  });

  it('rotate on non-specific EOI makes the serviced level the lowest priority', () => {
    const { io, pic } = init();
    pic.pulseIrq(0);
    assert.equal(pic.acknowledge(), 0x08);
    io.write(0x20, 1, 0xa0); // rotate on non-specific EOI: IR0 becomes lowest
    pic.pulseIrq(0);
    pic.pulseIrq(7);
    assert.equal(pic.acknowledge(), 0x0f, 'IR7 now outranks IR0');
  });

  it('auto-EOI mode (ICW4 bit 1) leaves ISR clear', () => {
    const io = new IoBus();
    const pic = new PicPair(io);
    io.write(0x20, 1, 0x13); io.write(0x21, 1, 0x20); io.write(0x21, 1, 0x03); // single, ICW4 AEOI
    pic.pulseIrq(1);
    assert.equal(pic.acknowledge(), 0x21);
    io.write(0x20, 1, 0x0b);
    assert.equal(io.read(0x20, 1), 0);
  });

  it('level-triggered mode (ICW1 LTIM) follows the line', () => {
    const io = new IoBus();
    const pic = new PicPair(io);
    io.write(0x20, 1, 0x1b); io.write(0x21, 1, 0x08); io.write(0x21, 1, 0x01);
    pic.setIrq(3, true);
    assert.equal(pic.pending(), true);
    pic.setIrq(3, false);
    assert.equal(pic.pending(), false);
  });
});

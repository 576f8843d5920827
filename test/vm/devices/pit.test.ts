// Oracle: Intel 8254 datasheet (mode 0/2/3 counting and OUT, counter latch, read-back status,
// LSB/MSB access) and the PC's port 0x61 (gate 2 in bit 0, OUT2 in bit 5), 1.193182 MHz input clock.
import { strict as assert } from 'node:assert';
import { IoBus } from '../../../src/vm/iobus';
import { ManualClock } from '../../../src/vm/devices/device';
import { PicPair } from '../../../src/vm/devices/pic';
import { PIT_HZ, Pit8254 } from '../../../src/vm/devices/pit';

const NS_PER_TICK = 1e9 / PIT_HZ;

function setup(): { io: IoBus; clock: ManualClock; pit: Pit8254; pic: PicPair } {
  const io = new IoBus();
  const clock = new ManualClock();
  const pic = new PicPair(io);
  pic.biosInit(0x08, 0x70, 0, 0);
  const pit = new Pit8254(clock, pic, io);
  return { io, clock, pit, pic };
}

function at(clock: ManualClock, ticks: number): void {
  clock.t = ticks * NS_PER_TICK + 1;
}

function readCount(io: IoBus, ch: number): number {
  io.write(0x43, 1, ch << 6); // counter latch
  const lo = io.read(0x40 + ch, 1);
  const hi = io.read(0x40 + ch, 1);
  return lo | (hi << 8);
}

describe('8254 PIT (datasheet behaviour)', () => {
  it('mode 0 counts down from N and raises IRQ0 once at terminal count', () => {
    const { io, clock, pit, pic } = setup();
    io.write(0x43, 1, 0x30); // ch0, LSB+MSB, mode 0
    io.write(0x40, 1, 1000 & 0xff);
    io.write(0x40, 1, 1000 >> 8);
    at(clock, 100);
    assert.equal(readCount(io, 0), 900);
    pit.advance(clock.now());
    assert.equal(pic.pending(), false);
    assert.ok(Math.abs(pit.nextEvent(clock.now()) - 1000 * NS_PER_TICK) < 2);
    at(clock, 1000);
    pit.advance(clock.now());
    assert.equal(pic.pending(), true);
    assert.equal(pic.acknowledge(), 0x08);
    pic.writePort(0x20, 0x20);
    at(clock, 3000);
    pit.advance(clock.now());
    assert.equal(pic.pending(), false, 'mode 0 does not reload');
    assert.equal(pit.nextEvent(clock.now()), Infinity);
    assert.equal(readCount(io, 0), (1000 - 3000) & 0xffff, 'keeps counting down past 0 (wraps)');
  });

  it('mode 2 raises IRQ0 once per period', () => {
    const { io, clock, pit, pic } = setup();
    io.write(0x43, 1, 0x34); // ch0 mode 2
    io.write(0x40, 1, 100);
    io.write(0x40, 1, 0);
    let irqs = 0;
    for (let t = 1; t <= 1050; t++) {
      at(clock, t);
      pit.advance(clock.now());
      if (pic.pending()) { irqs++; pic.acknowledge(); pic.writePort(0x20, 0x20); }
    }
    assert.equal(irqs, 10);
    at(clock, 1050);
    assert.equal(readCount(io, 0), 50);
  });

  it('mode 3 square wave: count 0 means 65536, 18.2 Hz on IRQ0', () => {
    const { io, clock, pit, pic } = setup();
    pit.biosInit(); // 0x36, count 0
    let irqs = 0;
    // One second of ticks in steps.
    for (let t = 0; t <= PIT_HZ; t += 997) {
      at(clock, t);
      pit.advance(clock.now());
      if (pic.pending()) { irqs++; pic.acknowledge(); pic.writePort(0x20, 0x20); }
    }
    assert.equal(irqs, Math.floor(PIT_HZ / 65536)); // 18
    // Status read-back: OUT, rw=3, mode 3.
    io.write(0x43, 1, 0xe2); // read-back status of ch0
    const st = io.read(0x40, 1);
    assert.equal(st & 0x3f, 0x36);
  });

  it('mode 3 counter decrements by two', () => {
    const { io, clock } = setup();
    io.write(0x43, 1, 0x36);
    io.write(0x40, 1, 100);
    io.write(0x40, 1, 0);
    at(clock, 10);
    assert.equal(readCount(io, 0), 80);
  });

  it('LSB-only and MSB-only access modes', () => {
    const { io, clock } = setup();
    io.write(0x43, 1, 0x10); // ch0 LSB only, mode 0
    io.write(0x40, 1, 0x80);
    at(clock, 0x10);
    assert.equal(io.read(0x40, 1), 0x70);
    io.write(0x43, 1, 0x20); // MSB only
    io.write(0x40, 1, 0x02); // count 0x200
    at(clock, 0x10 + 0x100);
    assert.equal(io.read(0x40, 1), 0x01);
  });

  it('a latched count holds until both bytes are read', () => {
    const { io, clock } = setup();
    io.write(0x43, 1, 0x30);
    io.write(0x40, 1, 0x00);
    io.write(0x40, 1, 0x10); // 0x1000
    at(clock, 0x10);
    io.write(0x43, 1, 0x00);
    at(clock, 0x300);
    const lo = io.read(0x40, 1);
    const hi = io.read(0x40, 1);
    assert.equal(lo | (hi << 8), 0x0ff0);
  });

  it('channel 2 is gated by port 0x61 bit 0 and OUT2 shows in bit 5', () => {
    const { io, clock } = setup();
    io.write(0x43, 1, 0xb0); // ch2 mode 0
    io.write(0x42, 1, 50);
    io.write(0x42, 1, 0);
    at(clock, 100);
    assert.equal(io.read(0x61, 1) & 0x20, 0, 'gate low: not counting');
    io.write(0x61, 1, 0x01);
    at(clock, 140);
    assert.equal(io.read(0x61, 1) & 0x20, 0);
    at(clock, 151);
    assert.equal(io.read(0x61, 1) & 0x20, 0x20, 'OUT2 high after N ticks');
  });
});

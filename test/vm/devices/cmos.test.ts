// Oracle: Motorola MC146818A datasheet (BCD/binary, 24h/12h, status registers A-D, periodic
// interrupt flag in C cleared on read) and the IBM AT CMOS map (base/extended memory sizes).
import { strict as assert } from 'node:assert';
import { IoBus } from '../../../src/vm/iobus';
import { ManualClock } from '../../../src/vm/devices/device';
import { PicPair } from '../../../src/vm/devices/pic';
import { CmosRtc } from '../../../src/vm/devices/cmos';

function setup() {
  const io = new IoBus();
  const clock = new ManualClock();
  const pic = new PicPair(io);
  pic.biosInit(0x08, 0x70, 0, 0);
  const rtc = new CmosRtc(clock, pic, io, { memoryBytes: 64 << 20 });
  const rd = (i: number) => { io.write(0x70, 1, i); return io.read(0x71, 1); };
  const wr = (i: number, v: number) => { io.write(0x70, 1, i); io.write(0x71, 1, v); };
  return { io, clock, pic, rtc, rd, wr };
}

describe('CMOS/RTC (MC146818A behaviour)', () => {
  it('time starts at the deterministic epoch 2024-01-01 00:00:00 in BCD, 24-hour', () => {
    const { rd } = setup();
    assert.deepEqual([rd(9), rd(8), rd(7), rd(4), rd(2), rd(0), rd(0x32)], [0x24, 0x01, 0x01, 0x00, 0x00, 0x00, 0x20]);
    assert.equal(rd(6), 2, '2024-01-01 was a Monday (day of week 2)');
    assert.equal(rd(0x0d), 0x80);
  });

  it('time advances with virtual time; binary mode (B bit 2) and 12-hour mode', () => {
    const { clock, rd, wr } = setup();
    clock.t = (13 * 3600 + 59 * 60 + 7) * 1e9;
    assert.equal(rd(0), 0x07);
    assert.equal(rd(2), 0x59);
    assert.equal(rd(4), 0x13);
    wr(0x0b, 0x06); // binary, 24h
    assert.equal(rd(2), 59);
    wr(0x0b, 0x00); // BCD, 12h
    assert.equal(rd(4), 0x81, '1 PM = 0x80 | 1');
  });

  it('guest writes set the clock', () => {
    const { rd, wr } = setup();
    wr(0x04, 0x10);
    wr(0x02, 0x30);
    assert.equal(rd(4), 0x10);
    assert.equal(rd(2), 0x30);
  });

  it('memory size registers follow the RAM size', () => {
    const { rd } = setup();
    assert.equal(rd(0x15) | (rd(0x16) << 8), 640);
    assert.equal(rd(0x17) | (rd(0x18) << 8), 63 * 1024);
    assert.equal(rd(0x34) | (rd(0x35) << 8), (64 - 16) * 16);
  });

  it('periodic interrupt (B bit 6) raises IRQ 8 at the rate of A; reading C clears it', () => {
    const { clock, pic, rtc, rd, wr } = setup();
    wr(0x0b, 0x42); // PIE
    const next = rtc.nextEvent(clock.now());
    assert.ok(Math.abs(next - 1e9 / 1024) < 2, `1024 Hz: ${next}`);
    clock.t = next;
    rtc.advance(clock.now());
    assert.equal(pic.pending(), true);
    assert.equal(pic.acknowledge(), 0x70);
    assert.equal(rd(0x0c), 0xc0);
    assert.equal(rd(0x0c), 0x00);
  });

  it('scratch CMOS bytes hold their values; bit 7 of the index is NMI disable', () => {
    const { io, rtc, rd, wr } = setup();
    wr(0x40, 0x5a);
    assert.equal(rd(0x40), 0x5a);
    io.write(0x70, 1, 0x80 | 0x41);
    assert.equal(rtc.nmiDisabled, true);
  });
});

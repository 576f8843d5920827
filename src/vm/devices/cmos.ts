/**
 * CMOS RAM and real-time clock (MC146818A) at ports 0x70 (index, bit 7 = NMI disable) and 0x71.
 * Time registers 0-9 and 0x32 (century) are computed from virtual time: by default a fixed start
 * date (2024-01-01 00:00:00) plus the time derived from the instruction count, so runs are
 * replayable; with `realTime` the host's clock. Status A (UIP, rate), B (24h/binary/PIE/UIE),
 * C (flags, cleared on read), D (valid RAM). Periodic interrupts (status B bit 6) raise IRQ 8.
 * Guest writes to the time registers set the clock (kept as an offset).
 */
import type { IoBus, IoSize } from '../iobus';
import type { DeviceRegister } from '../machineApi';
import type { Clock, Device, IrqLines } from './device';

export const DETERMINISTIC_EPOCH_MS = Date.UTC(2024, 0, 1, 0, 0, 0);

export class CmosRtc implements Device {
  readonly name = 'CMOS/RTC';
  readonly ports = [{ first: 0x70, count: 2 }];
  readonly mmio: Array<{ base: number; length: number }> = [];
  readonly ram = new Uint8Array(128);
  index = 0;
  nmiDisabled = false;
  /** Seconds added by guest writes to the clock. */
  private offsetMs = 0;
  private readonly epochMs: number;
  private periodicEdges = 0;
  private periodicStart = 0;

  constructor(private readonly clock: Clock, private readonly lines: IrqLines | null = null, io?: IoBus,
    opts: { realTime?: boolean; memoryBytes?: number } = {}) {
    this.epochMs = opts.realTime ? Date.now() : DETERMINISTIC_EPOCH_MS;
    const r = this.ram;
    r[0x0a] = 0x26; // 32.768 kHz time base, 1024 Hz periodic rate
    r[0x0b] = 0x02; // 24-hour, BCD
    r[0x0d] = 0x80; // RAM and time valid
    r[0x10] = 0x00; // no floppy drives
    r[0x12] = 0x00;
    r[0x14] = 0x06; // equipment: no floppy, coprocessor, VGA/EGA
    r[0x15] = 0x80; r[0x16] = 0x02; // 640 KiB base memory
    const mem = opts.memoryBytes ?? 64 << 20;
    const extKb = Math.min(0xffff, Math.max(0, (mem - 0x100000) >> 10));
    r[0x17] = extKb & 0xff; r[0x18] = extKb >> 8;
    r[0x30] = extKb & 0xff; r[0x31] = extKb >> 8;
    const above16 = Math.min(0xffff, Math.max(0, (mem - 0x1000000) >> 16));
    r[0x34] = above16 & 0xff; r[0x35] = above16 >> 8;
    r[0x3d] = 0x02; // boot from hard disk
    if (io) {
      io.register(0x70, 2, 'CMOS/RTC', {
        read: (port: number, _s: IoSize) => (port === 0x70 ? 0xff : this.readData()),
        write: (port: number, _s: IoSize, v: number) => {
          if (port === 0x70) { this.index = v & 0x7f; this.nmiDisabled = (v & 0x80) !== 0; } else this.writeData(v & 0xff);
        },
      });
    }
  }

  /** The RTC's current time as a Date (UTC fields are the RTC's fields). */
  date(): Date {
    return new Date(this.epochMs + this.offsetMs + Math.floor(this.clock.now() / 1e6));
  }

  private bin(): boolean {
    return (this.ram[0x0b] & 0x04) !== 0;
  }

  private enc(v: number): number {
    return this.bin() ? v : ((Math.floor(v / 10) << 4) | (v % 10));
  }

  private dec(v: number): number {
    return this.bin() ? v : ((v >> 4) * 10 + (v & 15));
  }

  private hourReg(h: number): number {
    if (this.ram[0x0b] & 0x02) return this.enc(h);
    const pm = h >= 12;
    const h12 = h % 12 === 0 ? 12 : h % 12;
    return this.enc(h12) | (pm ? 0x80 : 0);
  }

  readData(): number {
    const i = this.index;
    const d = this.date();
    switch (i) {
      case 0x00: return this.enc(d.getUTCSeconds());
      case 0x02: return this.enc(d.getUTCMinutes());
      case 0x04: return this.hourReg(d.getUTCHours());
      case 0x06: return this.enc(d.getUTCDay() + 1);
      case 0x07: return this.enc(d.getUTCDate());
      case 0x08: return this.enc(d.getUTCMonth() + 1);
      case 0x09: return this.enc(d.getUTCFullYear() % 100);
      case 0x32: return this.enc(Math.floor(d.getUTCFullYear() / 100));
      case 0x0a: {
        // UIP is set during the last 244 µs of each second.
        const usInSecond = ((this.clock.now() / 1000) % 1e6);
        return (this.ram[0x0a] & 0x7f) | (usInSecond >= 1e6 - 244 ? 0x80 : 0);
      }
      case 0x0c: {
        this.advance(this.clock.now());
        const v = this.ram[0x0c];
        this.ram[0x0c] = 0;
        this.updateIrq();
        return v;
      }
      default: return this.ram[i];
    }
  }

  writeData(v: number): void {
    const i = this.index;
    if (i <= 9 || i === 0x32) {
      const d = this.date();
      const f = [d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()];
      switch (i) {
        case 0x00: f[5] = this.dec(v); break;
        case 0x02: f[4] = this.dec(v); break;
        case 0x04: {
          let h = this.dec(v & 0x7f);
          if (!(this.ram[0x0b] & 0x02)) h = (h % 12) + (v & 0x80 ? 12 : 0);
          f[3] = h;
          break;
        }
        case 0x07: f[2] = this.dec(v); break;
        case 0x08: f[1] = this.dec(v) - 1; break;
        case 0x09: f[0] = Math.floor(f[0] / 100) * 100 + this.dec(v); break;
        case 0x32: f[0] = this.dec(v) * 100 + (f[0] % 100); break;
        default: return; // day of week follows the date
      }
      const target = Date.UTC(f[0], f[1], f[2], f[3], f[4], f[5]) + d.getUTCMilliseconds();
      this.offsetMs += target - d.getTime();
      return;
    }
    if (i === 0x0c || i === 0x0d) return; // read-only
    if (i === 0x0b || i === 0x0a) {
      this.advance(this.clock.now());
      this.ram[i] = i === 0x0a ? v & 0x7f : v;
      this.periodicStart = this.clock.now();
      this.periodicEdges = 0;
      this.updateIrq();
      return;
    }
    this.ram[i] = v;
  }

  /** Periodic interrupt period in ns, or 0 when off. */
  private periodNs(): number {
    const rate = this.ram[0x0a] & 0x0f;
    if (rate === 0) return 0;
    const hz = rate <= 2 ? 32768 >> (rate + 6) << 0 : 32768 >> (rate - 1);
    return 1e9 / hz;
  }

  private updateIrq(): void {
    const b = this.ram[0x0b];
    const c = this.ram[0x0c];
    const irqf = ((b & c & 0x70) !== 0);
    if (irqf) this.ram[0x0c] |= 0x80;
    this.lines?.setIrq(8, irqf);
  }

  nextEvent(_now: number): number {
    const p = this.periodNs();
    if (!p || !(this.ram[0x0b] & 0x40)) return Infinity;
    return this.periodicStart + (this.periodicEdges + 1) * p + 1;
  }

  advance(now: number): void {
    const p = this.periodNs();
    if (!p) return;
    const e = Math.floor((now - this.periodicStart) / p);
    if (e > this.periodicEdges) {
      this.periodicEdges = e;
      this.ram[0x0c] |= 0x40;
      this.updateIrq();
    }
  }

  registers(): DeviceRegister[] {
    const idx = this.index;
    const save = this.ram[0x0c];
    const regs: DeviceRegister[] = [{ name: 'index', value: this.index, width: 8, port: 0x70 }];
    for (const [n, i] of [['seconds', 0], ['minutes', 2], ['hours', 4], ['day', 7], ['month', 8], ['year', 9], ['statusA', 0x0a], ['statusB', 0x0b]] as const) {
      this.index = i;
      regs.push({ name: n, value: this.readData(), width: 8, port: 0x71 });
    }
    regs.push({ name: 'statusC', value: save, width: 8, port: 0x71 });
    this.index = idx;
    return regs;
  }
}

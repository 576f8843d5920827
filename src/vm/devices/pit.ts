/**
 * The 8254 programmable interval timer (ports 0x40-0x43) and the PC's system control port B
 * (0x61: channel 2 gate, speaker data, refresh toggle, OUT2).
 *
 * Input clock 1.193182 MHz derived from virtual time. Modes 0 (interrupt on terminal count),
 * 2 (rate generator) and 3 (square wave) are modelled exactly enough for counts, OUT and IRQ timing;
 * 1, 4, 5 are treated as one-shots like 0; 6 and 7 alias 2 and 3 (as the datasheet says). Counter
 * latch and read-back commands; LSB, MSB and LSB-then-MSB access. Channel 0 OUT rising edges raise
 * IRQ 0. BCD counting is accepted but counts in binary.
 */
import type { IoBus, IoSize } from '../iobus';
import type { DeviceRegister } from '../machineApi';
import type { Clock, Device, IrqLines } from './device';

export const PIT_HZ = 1193182;
const TICKS_PER_NS = PIT_HZ / 1e9;

class Channel {
  mode = 0;
  /** 1 LSB, 2 MSB, 3 LSB then MSB. */
  rw = 3;
  bcd = false;
  /** Reload value as written (0 means 65536). */
  count = 0;
  /** Counting (a count was written and the gate allowed it). */
  running = false;
  /** Tick at which counting started (the current period's origin). */
  start = 0;
  gate = true;
  /** The first byte of a two-byte write has been written. */
  writeLow = false;
  pendingLow = 0;
  /** Read flip-flop for rw=3. */
  readHigh = false;
  latched = false;
  latchValue = 0;
  latchHighNext = false;
  statusLatched = false;
  statusValue = 0;
  nullCount = true;
  /** Rising edges of OUT already accounted for. */
  edges = 0;

  period(): number {
    return this.count === 0 ? 0x10000 : this.count;
  }

  /** Ticks elapsed since counting started, or -1. */
  elapsed(tick: number): number {
    return this.running ? Math.max(0, tick - this.start) : -1;
  }

  counter(tick: number): number {
    const d = this.elapsed(tick);
    const n = this.period();
    if (d < 0) return this.count & 0xffff;
    switch (this.mode & 3) {
      case 2: {
        if (this.mode === 2 || this.mode === 6) return n - (d % n);
        return 0;
      }
      case 3: {
        if (this.mode === 3 || this.mode === 7) {
          const half = Math.ceil(n / 2);
          const p = d % n;
          return (n - 2 * (p < half ? p : p - half)) & 0xfffe || 0;
        }
        return 0;
      }
      default:
        return (n - d) & 0xffff; // wraps past terminal count, as the datasheet says for mode 0
    }
  }

  out(tick: number): boolean {
    const d = this.elapsed(tick);
    const n = this.period();
    if (d < 0) return this.mode !== 0;
    switch (this.mode) {
      case 0: case 1: return d >= n;
      case 2: case 6: return d % n !== n - 1;
      case 3: case 7: return d % n < Math.ceil(n / 2);
      case 4: case 5: return d !== n;
      default: return true;
    }
  }

  /** Number of OUT rising edges since counting started (the IRQ-relevant ones). */
  risingEdges(tick: number): number {
    const d = this.elapsed(tick);
    if (d < 0) return 0;
    const n = this.period();
    switch (this.mode) {
      case 0: case 1: return d >= n ? 1 : 0;
      case 4: case 5: return d >= n + 1 ? 1 : 0;
      default: return Math.floor(d / n);
    }
  }

  /** Tick of the next rising edge after `edges`, or Infinity. */
  nextEdgeTick(): number {
    if (!this.running) return Infinity;
    const n = this.period();
    switch (this.mode) {
      case 0: case 1: return this.edges >= 1 ? Infinity : this.start + n;
      case 4: case 5: return this.edges >= 1 ? Infinity : this.start + n + 1;
      default: return this.start + (this.edges + 1) * n;
    }
  }
}

export class Pit8254 implements Device {
  readonly name = 'PIT (8254)';
  readonly ports = [{ first: 0x40, count: 4 }, { first: 0x61, count: 1 }];
  readonly mmio: Array<{ base: number; length: number }> = [];
  readonly ch = [new Channel(), new Channel(), new Channel()];
  /** Port 0x61 bits 0-3 as written (gate 2, speaker, parity checks). */
  portB = 0;
  private readonly lastPeriod = [0x10000, 0x10000, 0x10000];

  constructor(private readonly clock: Clock, private readonly irq: IrqLines | null, io?: IoBus) {
    this.ch[2].gate = false;
    if (io) {
      io.register(0x40, 4, 'PIT', {
        read: (port: number, _s: IoSize) => this.readPort(port),
        write: (port: number, _s: IoSize, v: number) => this.writePort(port, v & 0xff),
      });
      io.register(0x61, 1, 'port B', {
        read: () => this.readPortB(),
        write: (_p: number, _s: IoSize, v: number) => this.writePortB(v & 0xff),
      });
    }
  }

  tick(): number {
    return Math.floor(this.clock.now() * TICKS_PER_NS);
  }

  /** Program channel 0 as the PC BIOS does: mode 3, count 65536 (18.2 Hz). */
  biosInit(): void {
    this.writePort(0x43, 0x36);
    this.writePort(0x40, 0);
    this.writePort(0x40, 0);
  }

  private startCounting(c: Channel, t: number): void {
    c.nullCount = false;
    c.edges = 0;
    c.start = t;
    c.running = c.gate;
  }

  writePort(port: number, v: number): void {
    this.advance(this.clock.now());
    const t = this.tick();
    if (port === 0x43) {
      const sel = v >> 6;
      if (sel === 3) {
        // Read-back command: bit 5 = 0 latch count, bit 4 = 0 latch status, bits 3-1 channels.
        for (let i = 0; i < 3; i++) {
          if (!(v & (2 << i))) continue;
          const c = this.ch[i];
          if (!(v & 0x20) && !c.latched) this.latch(c, t);
          if (!(v & 0x10) && !c.statusLatched) {
            c.statusLatched = true;
            c.statusValue = (c.out(t) ? 0x80 : 0) | (c.nullCount ? 0x40 : 0) | (c.rw << 4) | (c.mode << 1) | (c.bcd ? 1 : 0);
          }
        }
        return;
      }
      const c = this.ch[sel];
      const rw = (v >> 4) & 3;
      if (rw === 0) {
        if (!c.latched) this.latch(c, t);
        return;
      }
      c.rw = rw;
      c.mode = (v >> 1) & 7;
      c.bcd = (v & 1) !== 0;
      c.running = false;
      c.nullCount = true;
      c.writeLow = false;
      c.readHigh = false;
      c.latched = false;
      c.edges = 0;
      return;
    }
    const i = port - 0x40;
    const c = this.ch[i];
    switch (c.rw) {
      case 1: c.count = v; break;
      case 2: c.count = v << 8; break;
      default:
        if (!c.writeLow) {
          c.pendingLow = v;
          c.writeLow = true;
          if (c.mode === 0) c.running = false; // writing the first byte stops the count in mode 0
          return;
        }
        c.writeLow = false;
        c.count = c.pendingLow | (v << 8);
    }
    // Modes 2 and 3 pick up a new count at the end of the current period when already running.
    if ((c.mode === 2 || c.mode === 3 || c.mode === 6 || c.mode === 7) && c.running) {
      const n = this.lastPeriod[i];
      const endOfPeriod = c.start + (Math.floor((t - c.start) / n) + 1) * n;
      c.start = endOfPeriod - c.period();
      c.edges = 0;
      this.lastPeriod[i] = c.period();
      return;
    }
    this.startCounting(c, t);
    this.lastPeriod[i] = c.period();
  }

  private latch(c: Channel, t: number): void {
    c.latched = true;
    c.latchValue = c.counter(t) & 0xffff;
    c.latchHighNext = false;
  }

  readPort(port: number): number {
    if (port === 0x43) return 0xff; // the control word register cannot be read
    const c = this.ch[port - 0x40];
    if (c.statusLatched) {
      c.statusLatched = false;
      return c.statusValue;
    }
    let value: number;
    if (c.latched) value = c.latchValue;
    else value = c.counter(this.tick()) & 0xffff;
    let result: number;
    switch (c.rw) {
      case 1: result = value & 0xff; c.latched = false; break;
      case 2: result = value >> 8; c.latched = false; break;
      default:
        if (c.latched) {
          result = c.latchHighNext ? value >> 8 : value & 0xff;
          if (c.latchHighNext) c.latched = false;
          c.latchHighNext = !c.latchHighNext;
        } else {
          result = c.readHigh ? value >> 8 : value & 0xff;
          c.readHigh = !c.readHigh;
        }
    }
    return result & 0xff;
  }

  readPortB(): number {
    const t = this.tick();
    // Bit 4 toggles every 15.085 µs (DRAM refresh, 18 PIT ticks); bit 5 is OUT2.
    const refresh = Math.floor(t / 18) & 1;
    return (this.portB & 0x0f) | (refresh ? 0x10 : 0) | (this.ch[2].out(t) ? 0x20 : 0);
  }

  writePortB(v: number): void {
    const c = this.ch[2];
    const gate = (v & 1) !== 0;
    const t = this.tick();
    if (gate && !c.gate) {
      c.gate = true;
      // A rising gate (re)starts modes 1, 2, 3, 5; modes 0/4 resume counting.
      if (!c.nullCount) {
        c.start = t;
        c.edges = 0;
        c.running = true;
      }
    } else if (!gate && c.gate) {
      c.gate = false;
      c.running = false;
    }
    this.portB = v & 0x0f;
  }

  nextEvent(_now: number): number {
    const c = this.ch[0];
    const edge = c.nextEdgeTick();
    if (edge === Infinity) return Infinity;
    return Math.ceil(edge / TICKS_PER_NS) + 1;
  }

  advance(now: number): void {
    const c = this.ch[0];
    if (!c.running) return;
    const t = Math.floor(now * TICKS_PER_NS);
    const e = c.risingEdges(t);
    if (e > c.edges) {
      c.edges = e;
      // Missed periods collapse into one request, as IRR latches only one edge.
      this.irq?.pulseIrq(0);
    }
  }

  registers(): DeviceRegister[] {
    const t = this.tick();
    const r: DeviceRegister[] = [];
    this.ch.forEach((c, i) => {
      r.push({ name: `ch${i}.mode`, value: c.mode, width: 8, port: 0x43 });
      r.push({ name: `ch${i}.reload`, value: c.period() & 0x1ffff, width: 32, port: 0x40 + i });
      r.push({ name: `ch${i}.count`, value: c.counter(t), width: 16, port: 0x40 + i });
      r.push({ name: `ch${i}.out`, value: c.out(t) ? 1 : 0, width: 8 });
    });
    r.push({ name: 'portB', value: this.readPortB(), width: 8, port: 0x61 });
    return r;
  }
}

/**
 * The 8259A programmable interrupt controller pair of the PC/AT: master at 0x20/0x21 (IRQ 0-7),
 * slave at 0xA0/0xA1 (IRQ 8-15) cascaded on the master's IR2.
 *
 * Behaviour from the Intel 8259A datasheet: ICW1-ICW4 initialisation sequence, OCW1 (IMR),
 * OCW2 (non-specific/specific EOI, rotation, set priority), OCW3 (read IRR/ISR, poll, special mask
 * mode); edge-triggered requests latch in IRR on the rising edge (level mode when ICW1.LTIM);
 * fully nested priority; automatic EOI; spurious IRQ 7 when a request vanished before INTA.
 */
import type { InterruptLine } from '../cpuApi';
import type { IoBus, IoSize } from '../iobus';
import type { DeviceRegister } from '../machineApi';
import type { Device, IrqLines } from './device';

/** One 8259A. */
export class Pic8259 {
  irr = 0;
  isr = 0;
  imr = 0;
  /** Input line levels (for edge detection and level mode). */
  lines = 0;
  vectorBase = 0;
  /** Priority rotation: IR (lowestPriority+1)&7 has the highest priority. */
  lowestPriority = 7;
  /** 0 = ready for OCWs, 2/3/4 = next data write is ICW2/3/4. */
  initStep = 0;
  icw4Needed = false;
  single = false;
  levelTriggered = false;
  autoEoi = false;
  rotateOnAutoEoi = false;
  specialMask = false;
  readIsr = false;
  poll = false;
  icw3 = 0;

  constructor(readonly name: string, readonly isMaster: boolean) {}

  reset(): void {
    this.irr = this.isr = this.imr = 0;
    this.lowestPriority = 7;
    this.initStep = 0;
    this.autoEoi = this.rotateOnAutoEoi = this.specialMask = this.readIsr = this.poll = false;
  }

  /** Priority level (0 highest) of the highest-priority set bit of `mask`, 8 if none. */
  private priorityOf(mask: number): number {
    if (mask === 0) return 8;
    for (let p = 0; p < 8; p++) if (mask & (1 << ((p + this.lowestPriority + 1) & 7))) return p;
    return 8;
  }

  private irqAtPriority(p: number): number {
    return (p + this.lowestPriority + 1) & 7;
  }

  /** The IR this chip would present on INTA now, or -1. */
  highestRequest(): number {
    const req = this.irr & ~this.imr;
    if (this.specialMask) {
      // Special mask mode: every unmasked level not itself in service may interrupt.
      const pr = this.priorityOf(req & ~this.isr);
      return pr === 8 ? -1 : this.irqAtPriority(pr);
    }
    const p = this.priorityOf(req);
    if (p === 8) return -1;
    // Fully nested mode: only levels of higher priority than the highest in service.
    return p < this.priorityOf(this.isr) ? this.irqAtPriority(p) : -1;
  }

  setLine(ir: number, level: boolean): void {
    const bit = 1 << ir;
    if (this.levelTriggered) {
      if (level) this.irr |= bit;
      else this.irr &= ~bit;
    } else if (level && !(this.lines & bit)) {
      this.irr |= bit;
    }
    if (level) this.lines |= bit;
    else this.lines &= ~bit;
  }

  /** INTA: moves the request to ISR and returns the IR, or 7 for a spurious interrupt. */
  ack(ir: number): void {
    const bit = 1 << ir;
    if (!this.levelTriggered) this.irr &= ~bit;
    if (this.autoEoi) {
      if (this.rotateOnAutoEoi) this.lowestPriority = ir;
    } else {
      this.isr |= bit;
    }
  }

  private nonSpecificEoi(rotate: boolean): void {
    const p = this.priorityOf(this.isr);
    if (p === 8) return;
    const ir = this.irqAtPriority(p);
    this.isr &= ~(1 << ir);
    if (rotate) this.lowestPriority = ir;
  }

  writeCommand(v: number): void {
    if (v & 0x10) {
      // ICW1
      this.levelTriggered = (v & 0x08) !== 0;
      this.single = (v & 0x02) !== 0;
      this.icw4Needed = (v & 0x01) !== 0;
      this.imr = 0;
      this.isr = 0;
      this.irr = 0;
      this.lowestPriority = 7;
      this.specialMask = false;
      this.readIsr = false;
      this.autoEoi = false;
      this.initStep = 2;
      return;
    }
    if (v & 0x08) {
      // OCW3
      if (v & 0x02) this.readIsr = (v & 0x01) !== 0;
      if (v & 0x04) this.poll = true;
      if (v & 0x40) this.specialMask = (v & 0x20) !== 0;
      return;
    }
    // OCW2
    const level = v & 7;
    switch (v >> 5) {
      case 1: this.nonSpecificEoi(false); break;
      case 3: this.isr &= ~(1 << level); break;
      case 5: this.nonSpecificEoi(true); break;
      case 4: this.rotateOnAutoEoi = true; break;
      case 0: this.rotateOnAutoEoi = false; break;
      case 7: this.isr &= ~(1 << level); this.lowestPriority = level; break;
      case 6: this.lowestPriority = level; break;
      default: break; // 2: no operation
    }
  }

  writeData(v: number): void {
    switch (this.initStep) {
      case 2:
        this.vectorBase = v & 0xf8;
        this.initStep = this.single ? (this.icw4Needed ? 4 : 0) : 3;
        return;
      case 3:
        this.icw3 = v;
        this.initStep = this.icw4Needed ? 4 : 0;
        return;
      case 4:
        this.autoEoi = (v & 0x02) !== 0;
        this.initStep = 0;
        return;
      default:
        this.imr = v & 0xff;
    }
  }
}

export class PicPair implements InterruptLine, IrqLines, Device {
  readonly name = 'PIC (8259A pair)';
  readonly ports = [{ first: 0x20, count: 2 }, { first: 0xa0, count: 2 }];
  readonly mmio: Array<{ base: number; length: number }> = [];
  readonly master = new Pic8259('master', true);
  readonly slave = new Pic8259('slave', false);
  /** Cached: an unmasked request would be presented to the CPU (INTR asserted). */
  private intr = false;

  constructor(io?: IoBus) {
    if (io) {
      const h = {
        read: (port: number, _size: IoSize) => this.readPort(port),
        write: (port: number, _size: IoSize, value: number) => this.writePort(port, value & 0xff),
      };
      io.register(0x20, 2, 'PIC master', h);
      io.register(0xa0, 2, 'PIC slave', h);
    }
  }

  /** Program both chips as the PC BIOS does (vectors 0x08 and 0x70, cascade on IR2). */
  biosInit(masterBase = 0x08, slaveBase = 0x70, imrMaster = 0xb8, imrSlave = 0x8f): void {
    for (const [chip, base, icw3] of [[this.master, masterBase, 4], [this.slave, slaveBase, 2]] as const) {
      chip.writeCommand(0x11);
      chip.writeData(base);
      chip.writeData(icw3);
      chip.writeData(0x01);
    }
    this.master.imr = imrMaster;
    this.slave.imr = imrSlave;
    this.update();
  }

  private update(): void {
    // The slave's INT output drives the master's IR2.
    this.master.setLine(2, this.slave.highestRequest() >= 0);
    this.intr = this.master.highestRequest() >= 0;
  }

  setIrq(irq: number, level: boolean): void {
    if (irq < 8) this.master.setLine(irq, level);
    else this.slave.setLine(irq - 8, level);
    this.update();
  }

  pulseIrq(irq: number): void {
    this.setIrq(irq, true);
    this.setIrq(irq, false);
  }

  pending(): boolean {
    return this.intr;
  }

  acknowledge(): number {
    const m = this.master.highestRequest();
    let vector: number;
    if (m < 0) {
      vector = this.master.vectorBase + 7; // spurious IRQ 7
    } else {
      this.master.ack(m);
      if (m === 2) {
        const s = this.slave.highestRequest();
        if (s < 0) {
          vector = this.slave.vectorBase + 7; // spurious IRQ 15
        } else {
          this.slave.ack(s);
          vector = this.slave.vectorBase + s;
        }
        // The cascade line follows the slave's output again.
        this.master.lines &= ~4;
      } else {
        vector = this.master.vectorBase + m;
      }
    }
    this.update();
    return vector;
  }

  private pollRead(chip: Pic8259): number {
    chip.poll = false;
    const ir = chip.highestRequest();
    if (ir < 0) return 0;
    if (chip === this.master && ir === 2) {
      this.master.ack(2);
      return 0x82;
    }
    chip.ack(ir);
    this.update();
    return 0x80 | ir;
  }

  readPort(port: number): number {
    const chip = port & 0x80 ? this.slave : this.master;
    if (chip.poll) return this.pollRead(chip);
    if (port & 1) return chip.imr;
    return chip.readIsr ? chip.isr : chip.irr;
  }

  writePort(port: number, value: number): void {
    const chip = port & 0x80 ? this.slave : this.master;
    if (port & 1) chip.writeData(value);
    else chip.writeCommand(value);
    this.update();
  }

  registers(): DeviceRegister[] {
    const r: DeviceRegister[] = [];
    for (const [chip, base] of [[this.master, 0x20], [this.slave, 0xa0]] as const) {
      const n = chip.isMaster ? 'master' : 'slave';
      r.push({ name: `${n}.IRR`, value: chip.irr, width: 8, port: base });
      r.push({ name: `${n}.ISR`, value: chip.isr, width: 8, port: base });
      r.push({ name: `${n}.IMR`, value: chip.imr, width: 8, port: base + 1 });
      r.push({ name: `${n}.vectorBase`, value: chip.vectorBase, width: 8 });
    }
    return r;
  }
}

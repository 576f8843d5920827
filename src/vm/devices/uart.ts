/**
 * A 16550A UART (COM1 at 0x3F8, IRQ 4 on a PC). Registers as in the National Semiconductor PC16550D
 * datasheet: RBR/THR, IER, IIR/FCR, LCR (DLAB), MCR (loopback, OUT2 gates the IRQ on a PC), LSR, MSR,
 * SCR, DLL/DLM. Transmission is instantaneous (THRE and TEMT are set again at once); received bytes
 * come from the host's input through a 16-byte FIFO (1-byte holding register with FIFOs off),
 * refilled from an unbounded host queue so that host input is never lost (flow control at the host).
 */
import type { IoBus, IoSize } from '../iobus';
import type { DeviceRegister } from '../machineApi';
import type { Device, IrqLines } from './device';

const LSR_DR = 0x01, LSR_OE = 0x02, LSR_THRE = 0x20, LSR_TEMT = 0x40;

export class Uart16550 implements Device {
  readonly name: string;
  readonly ports: Array<{ first: number; count: number }>;
  readonly mmio: Array<{ base: number; length: number }> = [];
  ier = 0;
  lcr = 0;
  mcr = 0;
  scr = 0;
  dll = 0x0c; // 9600 baud
  dlm = 0;
  fcr = 0;
  lsrErrors = 0;
  msrDelta = 0;
  /** The THR-empty interrupt is pending (cleared by reading IIR when it is the source, or writing THR). */
  thrInt = false;
  readonly rxFifo: number[] = [];
  /** Host input not yet in the FIFO. */
  readonly hostQueue: number[] = [];
  inputEnded = false;
  /** Consecutive LSR reads that found no data (for "waits forever for input" detection). */
  emptyPolls = 0;
  private irqLevel = false;
  /** Transmitted bytes (not in loopback). */
  onTransmit: ((byte: number) => void) | null = null;

  constructor(readonly base = 0x3f8, readonly irq = 4, private readonly lines: IrqLines | null = null, io?: IoBus, name = 'COM1 (16550A UART)') {
    this.name = name;
    this.ports = [{ first: base, count: 8 }];
    if (io) {
      io.register(base, 8, name, {
        read: (port: number, _s: IoSize) => this.read(port - this.base),
        write: (port: number, _s: IoSize, v: number) => this.write(port - this.base, v & 0xff),
      });
    }
  }

  private get fifoEnabled(): boolean {
    return (this.fcr & 1) !== 0;
  }

  private get loopback(): boolean {
    return (this.mcr & 0x10) !== 0;
  }

  private rxTrigger(): number {
    if (!this.fifoEnabled) return 1;
    return [1, 4, 8, 14][this.fcr >> 6];
  }

  /** Host input (bytes as chars 0-255). */
  input(text: string): void {
    for (let i = 0; i < text.length; i++) this.hostQueue.push(text.charCodeAt(i) & 0xff);
    this.emptyPolls = 0;
    this.refill();
  }

  endInput(): void {
    this.inputEnded = true;
  }

  /** True when the guest could ever receive more bytes. */
  canReceiveMore(): boolean {
    return this.rxFifo.length > 0 || this.hostQueue.length > 0 || !this.inputEnded || this.loopback;
  }

  private refill(): void {
    if (this.loopback) return;
    const cap = this.fifoEnabled ? 16 : 1;
    while (this.rxFifo.length < cap && this.hostQueue.length > 0) this.rxFifo.push(this.hostQueue.shift()!);
    this.updateIrq();
  }

  private receive(byte: number): void {
    const cap = this.fifoEnabled ? 16 : 1;
    if (this.rxFifo.length >= cap) {
      this.lsrErrors |= LSR_OE;
      if (!this.fifoEnabled) this.rxFifo[0] = byte;
    } else {
      this.rxFifo.push(byte);
    }
    this.updateIrq();
  }

  /** Interrupt identification: 0x01 when none pending. */
  private iirId(): number {
    if ((this.ier & 0x04) && (this.lsrErrors & 0x1e)) return 0x06;
    if ((this.ier & 0x01) && this.rxFifo.length > 0) {
      return this.rxFifo.length >= this.rxTrigger() ? 0x04 : 0x0c;
    }
    if ((this.ier & 0x02) && this.thrInt) return 0x02;
    if ((this.ier & 0x08) && this.msrDelta) return 0x00;
    return 0x01;
  }

  private updateIrq(): void {
    const level = this.iirId() !== 0x01 && (this.mcr & 0x08) !== 0;
    if (level !== this.irqLevel) {
      this.irqLevel = level;
      this.lines?.setIrq(this.irq, level);
    }
  }

  private msr(): number {
    if (this.loopback) {
      const m = this.mcr;
      return ((m & 0x02) << 3) | ((m & 0x01) << 5) | ((m & 0x04) << 4) | ((m & 0x08) << 4) | this.msrDelta;
    }
    return 0xb0 | this.msrDelta; // CTS, DSR, DCD asserted
  }

  read(reg: number): number {
    if (reg !== 5) this.emptyPolls = 0;
    switch (reg) {
      case 0: {
        if (this.lcr & 0x80) return this.dll;
        const b = this.rxFifo.length > 0 ? this.rxFifo.shift()! : 0;
        this.refill();
        this.updateIrq();
        return b;
      }
      case 1: return this.lcr & 0x80 ? this.dlm : this.ier;
      case 2: {
        const id = this.iirId();
        if (id === 0x02) this.thrInt = false;
        this.updateIrq();
        return id | (this.fifoEnabled ? 0xc0 : 0);
      }
      case 3: return this.lcr;
      case 4: return this.mcr;
      case 5: {
        const dr = this.rxFifo.length > 0;
        if (!dr) this.emptyPolls++;
        else this.emptyPolls = 0;
        const v = (dr ? LSR_DR : 0) | LSR_THRE | LSR_TEMT | this.lsrErrors;
        this.lsrErrors = 0;
        this.updateIrq();
        return v;
      }
      case 6: {
        const v = this.msr();
        this.msrDelta = 0;
        this.updateIrq();
        return v;
      }
      default: return this.scr;
    }
  }

  write(reg: number, v: number): void {
    this.emptyPolls = 0;
    switch (reg) {
      case 0:
        if (this.lcr & 0x80) { this.dll = v; return; }
        if (this.loopback) this.receive(v);
        else this.onTransmit?.(v);
        // Transmission is instantaneous: THR is empty again.
        this.thrInt = true;
        break;
      case 1:
        if (this.lcr & 0x80) { this.dlm = v; return; }
        // Enabling the THRE interrupt while THR is empty raises it at once.
        if ((v & 0x02) && !(this.ier & 0x02)) this.thrInt = true;
        this.ier = v & 0x0f;
        break;
      case 2: {
        const wasEnabled = this.fifoEnabled;
        this.fcr = v & 0xc9;
        if ((v & 0x02) || wasEnabled !== this.fifoEnabled) this.rxFifo.length = 0;
        this.refill();
        break;
      }
      case 3: this.lcr = v; return;
      case 4: {
        const old = this.mcr;
        this.mcr = v & 0x1f;
        if (this.loopback) {
          // Delta bits for CTS/DSR (changes), trailing edge of RI, DCD.
          const d = (old ^ this.mcr);
          if (d & 0x02) this.msrDelta |= 0x01;
          if (d & 0x01) this.msrDelta |= 0x02;
          if ((old & 0x04) && !(this.mcr & 0x04)) this.msrDelta |= 0x04;
          if (d & 0x08) this.msrDelta |= 0x08;
        } else if (old & 0x10) {
          this.refill();
        }
        break;
      }
      case 7: this.scr = v; return;
      default: return; // LSR/MSR are read-only (factory test)
    }
    this.updateIrq();
  }

  registers(): DeviceRegister[] {
    const b = this.base;
    return [
      { name: 'IER', value: this.ier, width: 8, port: b + 1 },
      { name: 'IIR', value: this.iirId() | (this.fifoEnabled ? 0xc0 : 0), width: 8, port: b + 2 },
      { name: 'FCR', value: this.fcr, width: 8, port: b + 2 },
      { name: 'LCR', value: this.lcr, width: 8, port: b + 3 },
      { name: 'MCR', value: this.mcr, width: 8, port: b + 4 },
      { name: 'LSR', value: (this.rxFifo.length ? LSR_DR : 0) | LSR_THRE | LSR_TEMT | this.lsrErrors, width: 8, port: b + 5 },
      { name: 'MSR', value: this.msr(), width: 8, port: b + 6 },
      { name: 'SCR', value: this.scr, width: 8, port: b + 7 },
      { name: 'divisor', value: this.dll | (this.dlm << 8), width: 16, port: b },
      { name: 'rxCount', value: this.rxFifo.length, width: 8 },
    ];
  }
}

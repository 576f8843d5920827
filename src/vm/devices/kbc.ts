/**
 * The 8042 keyboard controller (data port 0x60, status/command port 0x64) with a PS/2 keyboard
 * behind it. Scancodes are set 1 (what the controller delivers with translation on). Output port
 * bit 1 gates A20, bit 0 low resets the CPU (command 0xD1; pulse commands 0xF0-0xFF).
 * IRQ 1 follows "output buffer full and keyboard interrupts enabled" (command byte bit 0).
 */
import type { IoBus, IoSize } from '../iobus';
import type { DeviceRegister } from '../machineApi';
import type { Device, IrqLines } from './device';

const ST_OBF = 0x01, ST_SYS = 0x04, ST_CMD = 0x08, ST_UNLOCKED = 0x10, ST_AUXOBF = 0x20;

export class Kbc8042 implements Device {
  readonly name = 'keyboard controller (8042)';
  readonly ports = [{ first: 0x60, count: 1 }, { first: 0x64, count: 1 }];
  readonly mmio: Array<{ base: number; length: number }> = [];
  /** Controller command byte: bit 0 IRQ1 enable, bit 2 system flag, bit 4 keyboard disabled, bit 6 translate. */
  commandByte = 0x45;
  outputPort = 0xcf; // A20 on, no reset
  /** Bytes waiting for the guest (keyboard replies and scancodes). */
  readonly queue: number[] = [];
  /** The byte now in the output buffer, or -1. */
  private obf = -1;
  private obfAux = false;
  private lastWasCommand = false;
  /** Command waiting for its data byte on port 0x60 (0 = none). */
  private pendingCtrl = 0;
  /** Keyboard command waiting for its parameter (0 = none). */
  private pendingKbd = 0;
  private kbdEnabled = true;
  private scancodeSet = 2;
  private irqLevel = false;
  /** A20 gate changes (output port bit 1). */
  onA20: ((enabled: boolean) => void) | null = null;
  /** CPU reset pulse. */
  onReset: (() => void) | null = null;

  constructor(private readonly lines: IrqLines | null = null, io?: IoBus) {
    if (io) {
      io.register(0x60, 1, 'keyboard data', {
        read: () => this.readData(),
        write: (_p: number, _s: IoSize, v: number) => this.writeData(v & 0xff),
      });
      io.register(0x64, 1, 'keyboard status/command', {
        read: () => this.readStatus(),
        write: (_p: number, _s: IoSize, v: number) => this.writeCommand(v & 0xff),
      });
    }
  }

  get a20(): boolean {
    return (this.outputPort & 2) !== 0;
  }

  /** Scancodes from the keyboard (ignored while the keyboard is disabled). */
  key(codes: number[]): void {
    if (!this.kbdEnabled || (this.commandByte & 0x10)) return;
    for (const c of codes) this.queue.push(c & 0xff);
    this.fill();
  }

  hasData(): boolean {
    return this.obf >= 0 || this.queue.length > 0;
  }

  private reply(...bytes: number[]): void {
    for (const b of bytes) this.queue.push(b);
    this.fill();
  }

  /** Controller output (not from the keyboard) goes ahead of the queue. */
  private ctrlReply(b: number): void {
    this.queue.unshift(b);
    this.fill();
  }

  private fill(): void {
    if (this.obf < 0 && this.queue.length > 0) {
      this.obf = this.queue.shift()!;
      this.obfAux = false;
    }
    this.updateIrq();
  }

  private updateIrq(): void {
    const level = this.obf >= 0 && !this.obfAux && (this.commandByte & 0x01) !== 0;
    if (level !== this.irqLevel) {
      this.irqLevel = level;
      this.lines?.setIrq(1, level);
    }
  }

  readStatus(): number {
    return (this.obf >= 0 ? ST_OBF : 0) | (this.obfAux ? ST_AUXOBF : 0) | (this.commandByte & ST_SYS) |
      (this.lastWasCommand ? ST_CMD : 0) | ST_UNLOCKED;
  }

  readData(): number {
    if (this.obf < 0) return 0; // the last byte stays on real hardware; 0 is what QEMU gives after reset
    const b = this.obf;
    this.obf = -1;
    this.updateIrq(); // OBF drops, so the next byte makes a new IRQ 1 edge
    this.fill();
    return b;
  }

  private setOutputPort(v: number): void {
    this.outputPort = v;
    // The A20 line follows every output-port write (port 0x92 drives the same line; last write wins).
    this.onA20?.(this.a20);
    if (!(v & 1)) {
      this.outputPort |= 1;
      this.onReset?.();
    }
  }

  writeCommand(v: number): void {
    this.lastWasCommand = true;
    switch (v) {
      case 0x20: this.ctrlReply(this.commandByte); break;
      case 0x60: case 0xd1: case 0xd2: case 0xd3: case 0xd4: this.pendingCtrl = v; break;
      case 0xa7: this.commandByte |= 0x20; break;
      case 0xa8: this.commandByte &= ~0x20; break;
      case 0xa9: this.ctrlReply(0x00); break; // aux interface test OK
      case 0xaa: this.commandByte |= ST_SYS; this.ctrlReply(0x55); break; // self test passed
      case 0xab: this.ctrlReply(0x00); break; // keyboard interface test OK
      case 0xad: this.commandByte |= 0x10; break;
      case 0xae: this.commandByte &= ~0x10; break;
      case 0xc0: this.ctrlReply(0xbf); break; // input port
      case 0xd0: this.ctrlReply(this.outputPort); break;
      case 0xdd: this.setOutputPort(this.outputPort & ~2); break;
      case 0xdf: this.setOutputPort(this.outputPort | 2); break;
      default:
        if (v >= 0xf0) {
          // Pulse output port bits whose mask bit is 0 (bit 0 = reset).
          if (!(v & 1)) this.onReset?.();
        }
    }
    this.updateIrq();
  }

  writeData(v: number): void {
    this.lastWasCommand = false;
    const c = this.pendingCtrl;
    if (c !== 0) {
      this.pendingCtrl = 0;
      switch (c) {
        case 0x60: this.commandByte = v; break;
        case 0xd1: this.setOutputPort(v); break;
        case 0xd2: this.reply(v); break;
        case 0xd3: this.queue.push(v); this.fill(); if (this.obf >= 0) this.obfAux = true; break;
        default: break; // 0xd4: to the mouse, which is absent
      }
      this.updateIrq();
      return;
    }
    // A byte for the keyboard.
    this.commandByte &= ~0x10; // writing to the keyboard enables its interface
    if (this.pendingKbd !== 0) {
      const k = this.pendingKbd;
      this.pendingKbd = 0;
      if (k === 0xf0) {
        if (v === 0) this.reply(0xfa, this.scancodeSet);
        else { this.scancodeSet = v; this.reply(0xfa); }
      } else {
        this.reply(0xfa); // 0xED LEDs, 0xF3 typematic
      }
      return;
    }
    switch (v) {
      case 0xed: case 0xf0: case 0xf3: this.pendingKbd = v; this.reply(0xfa); break;
      case 0xee: this.reply(0xee); break;
      case 0xf2: this.reply(0xfa, 0xab, 0x41); break; // MF2 keyboard, translated id
      case 0xf4: this.kbdEnabled = true; this.reply(0xfa); break;
      case 0xf5: this.kbdEnabled = false; this.reply(0xfa); break;
      case 0xf6: this.kbdEnabled = true; this.reply(0xfa); break;
      case 0xff: this.queue.length = 0; this.kbdEnabled = true; this.reply(0xfa, 0xaa); break;
      default: this.reply(0xfa);
    }
  }

  registers(): DeviceRegister[] {
    return [
      { name: 'status', value: this.readStatus(), width: 8, port: 0x64 },
      { name: 'output buffer', value: this.obf < 0 ? 0 : this.obf, width: 8, port: 0x60 },
      { name: 'command byte', value: this.commandByte, width: 8 },
      { name: 'output port', value: this.outputPort, width: 8 },
      { name: 'queued', value: this.queue.length, width: 8 },
    ];
  }
}

/** Set-1 scancodes for ASCII: [make code, needs shift]. */
const UNSHIFTED = "\x1b1234567890-=\b\tqwertyuiop[]\r\0asdfghjkl;'`\0\\zxcvbnm,./";
const SHIFTED = '\x1b!@#$%^&*()_+\b\tQWERTYUIOP{}\r\0ASDFGHJKL:"~\0|ZXCVBNM<>?';

/** ASCII of a set-1 make code with/without shift, or 0. */
export function scancodeToAscii(code: number, shift: boolean): number {
  if (code === 0x39) return 0x20;
  const i = code - 1;
  if (i < 0 || i >= UNSHIFTED.length) return 0;
  return (shift ? SHIFTED : UNSHIFTED).charCodeAt(i);
}

/** Make/break sequences typing `ch` (ASCII); Ctrl-letters use the Ctrl key. Empty when untypable. */
export function asciiToScancodes(ch: number): number[] {
  if (ch === 0x0a) ch = 0x0d;
  if (ch === 0x20) return [0x39, 0xb9];
  if (ch >= 1 && ch <= 26 && ch !== 8 && ch !== 9 && ch !== 13) {
    const letter = UNSHIFTED.indexOf(String.fromCharCode(0x60 + ch)) + 1;
    return [0x1d, letter, letter | 0x80, 0x9d];
  }
  const c = String.fromCharCode(ch);
  let i = UNSHIFTED.indexOf(c);
  if (ch !== 0 && i >= 0) return [i + 1, (i + 1) | 0x80];
  i = SHIFTED.indexOf(c);
  if (ch !== 0 && i >= 0) return [0x2a, i + 1, (i + 1) | 0x80, 0xaa];
  return [];
}

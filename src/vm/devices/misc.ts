/**
 * Small PC ports: POST/diagnostic port 0x80, the Bochs/QEMU debug console 0xE9, QEMU's
 * isa-debug-exit at 0xF4 (status = (value << 1) | 1) and the PS/2 system control port A 0x92
 * (bit 1 fast A20, bit 0 fast reset).
 */
import type { IoBus, IoSize } from '../iobus';
import type { DeviceRegister } from '../machineApi';
import type { Device } from './device';

export class PostPort implements Device {
  readonly name = 'POST port';
  readonly ports = [{ first: 0x80, count: 1 }];
  readonly mmio: Array<{ base: number; length: number }> = [];
  last = 0;
  onPost: ((code: number) => void) | null = null;
  constructor(io?: IoBus) {
    io?.register(0x80, 1, 'POST', {
      read: () => this.last,
      write: (_p: number, _s: IoSize, v: number) => { this.last = v & 0xff; this.onPost?.(this.last); },
    });
  }
  registers(): DeviceRegister[] {
    return [{ name: 'last code', value: this.last, width: 8, port: 0x80 }];
  }
}

export class DebugConsole implements Device {
  readonly name = 'debug console (0xE9)';
  readonly ports = [{ first: 0xe9, count: 1 }];
  readonly mmio: Array<{ base: number; length: number }> = [];
  bytes = 0;
  onByte: ((b: number) => void) | null = null;
  constructor(io?: IoBus) {
    io?.register(0xe9, 1, 'debug console', {
      read: () => 0xe9, // the Bochs/QEMU presence check
      write: (_p: number, size: IoSize, v: number) => {
        // QEMU's isa-debugcon outputs the low byte of each access.
        void size;
        this.bytes++;
        this.onByte?.(v & 0xff);
      },
    });
  }
  registers(): DeviceRegister[] {
    return [{ name: 'bytes written', value: this.bytes, width: 32, port: 0xe9 }];
  }
}

export class ExitPort implements Device {
  readonly name = 'exit port (isa-debug-exit)';
  readonly ports = [{ first: 0xf4, count: 1 }];
  readonly mmio: Array<{ base: number; length: number }> = [];
  last = 0;
  onExit: ((status: number) => void) | null = null;
  constructor(io?: IoBus) {
    io?.register(0xf4, 1, 'exit port', {
      read: () => 0xff,
      write: (_p: number, _s: IoSize, v: number) => {
        this.last = v >>> 0;
        this.onExit?.(((v << 1) | 1) & 0xff);
      },
    });
  }
  registers(): DeviceRegister[] {
    return [{ name: 'last value', value: this.last, width: 32, port: 0xf4 }];
  }
}

export class SystemControlA implements Device {
  readonly name = 'system control port A (0x92)';
  readonly ports = [{ first: 0x92, count: 1 }];
  readonly mmio: Array<{ base: number; length: number }> = [];
  value = 0x02;
  onA20: ((enabled: boolean) => void) | null = null;
  onReset: (() => void) | null = null;
  constructor(io?: IoBus) {
    io?.register(0x92, 1, 'port 0x92', {
      read: () => this.value,
      write: (_p: number, _s: IoSize, v: number) => {
        const old = this.value;
        this.value = v & 0x03 & ~1 | (v & 0xfc);
        this.onA20?.((v & 2) !== 0); // every write drives the A20 line (shared with the 8042)
        if ((v & 1) && !(old & 1)) this.onReset?.();
      },
    });
  }
  registers(): DeviceRegister[] {
    return [{ name: 'value', value: this.value, width: 8, port: 0x92 }];
  }
}

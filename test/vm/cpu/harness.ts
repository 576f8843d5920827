/**
 * Minimal machine for CPU tests: RAM, an I/O bus with the QEMU debug console (0xE9) and
 * isa-debug-exit (0xF4) ports, a boot sector at 0x7C00 started at 0000:7C00 in real mode.
 */
import { Cpu } from '../../../src/vm/cpu/cpu';
import { StopReason } from '../../../src/vm/hooks';
import { IoBus } from '../../../src/vm/iobus';
import { Memory } from '../../../src/vm/memory';

export class TestMachine {
  readonly mem: Memory;
  readonly io = new IoBus();
  readonly cpu: Cpu;
  out = '';
  exitCode: number | null = null;

  constructor(memBytes = 16 << 20) {
    this.mem = new Memory(memBytes);
    this.cpu = new Cpu(this.mem, this.io);
    this.io.register(0xe9, 1, 'debugcon', {
      read: () => 0xe9,
      write: (_p, _s, v) => { this.out += String.fromCharCode(v & 0xff); },
    });
    this.io.register(0xf4, 1, 'debug-exit', {
      read: () => 0xff,
      write: (_p, _s, v) => { this.exitCode = ((v & 0xff) << 1) | 1; this.cpu.requestExit(StopReason.Exit); },
    });
  }

  loadBoot(image: Uint8Array): void {
    this.mem.ram.set(image.subarray(0, Math.min(image.length, 0x10000)), 0x7c00);
    this.cpu.reset();
    this.cpu.loadSegment(1, 0);
    for (const s of [0, 2, 3, 4, 5]) this.cpu.loadSegment(s, 0);
    this.cpu.eip = 0x7c00;
    this.cpu.regs[4] = 0x7c00;
    this.cpu.regs[2] = 0x80;
  }

  /** Run until exit/halt/triple fault or `max` instructions; returns the last stop reason. */
  run(max = 50_000_000): StopReason {
    let r: StopReason = StopReason.Budget;
    while (this.cpu.instructionCount < max) {
      r = this.cpu.run(Math.min(1_000_000, max - this.cpu.instructionCount));
      if (r !== StopReason.Budget) break;
    }
    return r;
  }
}

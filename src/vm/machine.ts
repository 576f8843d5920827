/**
 * A whole machine: CPU + memory + I/O bus + PC devices, run in chunks so that device time (derived
 * from the instruction count unless realTime) advances and interrupts are delivered deterministically.
 * Platforms (src/vm/platform) install the BIOS, DOS or Linux services on top of it.
 */
import { CpuMode, Flag, Seg, type CpuApi } from './cpuApi';
import { createCpu, type CpuFactory } from './cpuFactory';
import { StopReason } from './hooks';
import { IoBus } from './iobus';
import type { DeviceInfo, MachineApi, PlatformName, TextScreen } from './machineApi';
import { Memory, PAGE_SHIFT, PageKind } from './memory';
import { InstructionClock, type Device } from './devices/device';
import { PicPair } from './devices/pic';
import { Pit8254 } from './devices/pit';
import { Kbc8042, asciiToScancodes } from './devices/kbc';
import { CmosRtc } from './devices/cmos';
import { Uart16550 } from './devices/uart';
import { VgaText } from './devices/vga';
import { DebugConsole, ExitPort, PostPort, SystemControlA } from './devices/misc';

export interface MachineOptions {
  platform: PlatformName;
  /** Guest RAM in bytes (default 64 MiB). */
  memory?: number;
  /** Device time follows the host clock instead of the instruction count. */
  realTime?: boolean;
  /** The PC device set (default true; linux32 processes run without devices). */
  pcDevices?: boolean;
  /** Substitute CPU (tests). */
  cpuFactory?: CpuFactory;
}

/** Why a Halted/Exit stop happened, for the command line's exit status. */
export type StopKind = 'none' | 'exit' | 'halt' | 'input-ended' | 'reset' | 'triple-fault' | 'fault';

interface PendingStop {
  reason: StopReason;
  kind: StopKind | 'wait-input';
  message: string;
}

const MAX_CHUNK = 1 << 20;

export class Machine implements MachineApi {
  readonly cpu: CpuApi;
  readonly mem: Memory;
  readonly io: IoBus;
  readonly platform: PlatformName;
  readonly clock: InstructionClock;
  readonly pic: PicPair | null = null;
  readonly pit: Pit8254 | null = null;
  readonly kbc: Kbc8042 | null = null;
  readonly cmos: CmosRtc | null = null;
  readonly uart: Uart16550 | null = null;
  readonly vga: VgaText | null = null;
  readonly post: PostPort | null = null;
  readonly debugConsole: DebugConsole | null = null;
  readonly exitPort: ExitPort | null = null;
  readonly port92: SystemControlA | null = null;
  private readonly devs: Device[] = [];
  private readonly extraDevices: DeviceInfo[] = [];

  exitStatus: number | null = null;
  stopMessage = '';
  /** What ended the run (for exit statuses). */
  stopKind: StopKind = 'none';
  onConsole: ((text: string, stream: 'stdout' | 'stderr') => void) | null = null;
  /** POST codes written to port 0x80. */
  onPost: ((code: number) => void) | null = null;
  /** The guest waits for input that has not arrived yet (run() returned early). */
  waitingForInput = false;
  get blockedOnInput(): boolean {
    return this.waitingForInput;
  }
  inputEnded = false;
  /** Host input for platforms without devices (linux32): consumed with readHostInput. */
  private hostInput = '';
  a20 = true;
  /** ROM platform: a reset pulse restarts the CPU at the reset vector instead of stopping. */
  resetRestarts = false;
  /** Extra input consumers (the BIOS keyboard path, DOS). */
  readonly inputListeners: Array<(text: string) => void> = [];
  private pending: PendingStop | null = null;
  private resetPending = false;
  private outBuf = '';
  private errBuf = '';

  constructor(opts: MachineOptions) {
    this.platform = opts.platform;
    this.mem = new Memory(opts.memory ?? 64 << 20);
    this.io = new IoBus();
    this.cpu = (opts.cpuFactory ?? createCpu)(this.mem, this.io);
    this.clock = new InstructionClock(() => this.cpu.instructionCount, opts.realTime ?? false);
    if (opts.pcDevices ?? true) {
      const io = this.io;
      const pic = new PicPair(io);
      this.pic = pic;
      this.pit = new Pit8254(this.clock, pic, io);
      this.kbc = new Kbc8042(pic, io);
      this.cmos = new CmosRtc(this.clock, pic, io, { realTime: opts.realTime, memoryBytes: this.mem.size });
      this.uart = new Uart16550(0x3f8, 4, pic, io);
      this.vga = new VgaText(this.clock, this.mem, io);
      this.post = new PostPort(io);
      this.debugConsole = new DebugConsole(io);
      this.exitPort = new ExitPort(io);
      this.port92 = new SystemControlA(io);
      this.devs.push(pic, this.pit, this.kbc, this.cmos, this.uart, this.vga, this.post, this.debugConsole, this.exitPort, this.port92);
      this.cpu.interrupts = pic;
      this.uart.onTransmit = (b) => this.console(String.fromCharCode(b));
      this.debugConsole.onByte = (b) => this.console(String.fromCharCode(b));
      this.exitPort.onExit = (status) => this.requestExit(status, `the guest wrote to the exit port (status ${status})`);
      this.post.onPost = (code) => this.onPost?.(code);
      this.kbc.onA20 = (e) => this.setA20(e);
      this.port92.onA20 = (e) => this.setA20(e);
      this.kbc.onReset = () => this.requestReset('keyboard controller reset pulse');
      this.port92.onReset = () => this.requestReset('port 0x92 fast reset');
    }
  }

  /** Registers a platform-provided device for the Devices view. */
  addDeviceInfo(d: DeviceInfo): void {
    this.extraDevices.push(d);
  }

  setA20(enabled: boolean): void {
    this.a20 = enabled;
    const c = this.cpu as CpuApi & { setA20?: (e: boolean) => void };
    c.setA20?.(enabled);
  }

  /** Guest console output (buffered; flushed when run() returns or the buffer grows). */
  console(text: string, stream: 'stdout' | 'stderr' = 'stdout'): void {
    if (stream === 'stdout') {
      this.outBuf += text;
      if (this.outBuf.length >= 4096) this.flushConsole();
    } else {
      this.errBuf += text;
      if (this.errBuf.length >= 4096) this.flushConsole();
    }
  }

  flushConsole(): void {
    if (this.outBuf) {
      const t = this.outBuf;
      this.outBuf = '';
      this.onConsole?.(t, 'stdout');
    }
    if (this.errBuf) {
      const t = this.errBuf;
      this.errBuf = '';
      this.onConsole?.(t, 'stderr');
    }
  }

  /** The guest ends with `status` (exit port, int 21h/4Ch, Linux exit). */
  requestExit(status: number, message = `exit status ${status}`): void {
    this.exitStatus = status;
    this.pending = { reason: StopReason.Exit, kind: 'exit', message };
    this.cpu.requestStop();
  }

  /** Ends the run with a reason and a one-line message (platform use: fatal signals, resets). */
  requestEnd(reason: StopReason, kind: StopKind, message: string): void {
    this.pending = { reason, kind, message };
    this.cpu.requestStop();
  }

  private requestReset(why: string): void {
    if (this.resetRestarts) {
      this.resetPending = true;
      this.cpu.requestStop();
      return;
    }
    this.requestEnd(StopReason.Halted, 'reset', `the guest requested a CPU reset (${why})`);
  }

  /**
   * A platform service must wait for input (int 16h read, int 21h read, Linux read on stdin). The
   * caller rewinds EIP so that the service runs again when input arrives. Returns false when input
   * has ended (the caller then reports end of file if it can).
   */
  blockForInput(what: string): boolean {
    if (this.inputEnded) {
      this.requestEnd(StopReason.Halted, 'input-ended', `the guest waits for ${what} but the input has ended`);
      return false;
    }
    this.pending = { reason: StopReason.Budget, kind: 'wait-input', message: '' };
    this.cpu.requestStop();
    return true;
  }

  /** A platform service found no input after the input ended (int 16h status polls). */
  noteIdlePoll(): void {
    if (++this.idlePolls > 100000) {
      this.requestEnd(StopReason.Halted, 'input-ended', `the guest polls for input but the input has ended at ${this.where()}`);
    }
  }
  private idlePolls = 0;

  input(text: string): void {
    this.waitingForInput = false;
    this.idlePolls = 0;
    if (!this.pic) {
      this.hostInput += text;
    } else {
      this.uart?.input(text);
      if (this.kbc) for (let i = 0; i < text.length; i++) this.kbc.key(asciiToScancodes(text.charCodeAt(i)));
    }
    for (const l of this.inputListeners) l(text);
  }

  endInput(): void {
    this.inputEnded = true;
    this.uart?.endInput();
  }

  /** Host input for device-less platforms: up to `max` chars; '' at end of input; null = not yet. */
  readHostInput(max: number): string | null {
    if (this.hostInput.length === 0) return this.inputEnded ? '' : null;
    const t = this.hostInput.slice(0, max);
    this.hostInput = this.hostInput.slice(t.length);
    return t;
  }

  key(scancodes: number[]): void {
    this.kbc?.key(scancodes);
  }

  devices(): DeviceInfo[] {
    return [...this.devs, ...this.extraDevices];
  }

  screen(): TextScreen | null {
    return this.vga ? this.vga.screen() : null;
  }

  private nextDeviceEvent(now: number): number {
    let t = Infinity;
    for (const d of this.devs) {
      if (d.nextEvent) {
        const e = d.nextEvent(now);
        if (e < t) t = e;
      }
    }
    return t;
  }

  private advanceDevices(now: number): void {
    for (const d of this.devs) d.advance?.(now);
  }

  /** True while more input could still reach the guest. */
  private inputCanArrive(): boolean {
    return !this.inputEnded;
  }

  /** `CS:EIP` (real/v86) or `EIP` for messages. */
  where(): string {
    const cpu = this.cpu;
    const eip = cpu.eip >>> 0;
    if (cpu.mode === CpuMode.Protected) return `eip=0x${eip.toString(16).padStart(8, '0')}`;
    const cs = cpu.getSegment(Seg.CS).selector;
    return `${cs.toString(16).padStart(4, '0')}:${eip.toString(16).padStart(4, '0')}`;
  }

  private takePending(): StopReason {
    const p = this.pending!;
    this.pending = null;
    if (p.kind === 'wait-input') {
      this.waitingForInput = true;
      return StopReason.Budget;
    }
    this.stopKind = p.kind;
    this.stopMessage = p.message;
    return p.reason;
  }

  /** Two bytes EB FE (`jmp $`) at CS:EIP. */
  private spinningInPlace(): boolean {
    const cs = this.cpu.getSegment(Seg.CS);
    const lin = (cs.base + this.cpu.eip) >>> 0;
    return this.cpu.debugRead8(lin) === 0xeb && this.cpu.debugRead8((lin + 1) >>> 0) === 0xfe;
  }

  run(budget: number): StopReason {
    const r = this.runInner(budget);
    this.flushConsole();
    return r;
  }

  private runInner(budget: number): StopReason {
    const cpu = this.cpu;
    const clock = this.clock;
    this.waitingForInput = false;
    let remaining = budget;
    for (;;) {
      if (this.pending) return this.takePending();
      if (remaining <= 0) return StopReason.Budget;
      let chunk = Math.min(remaining, MAX_CHUNK);
      const now = clock.now();
      const next = this.nextDeviceEvent(now);
      if (next !== Infinity) {
        const n = clock.realTime ? 10000 : Math.ceil((next - now) / clock.nsPerInstruction);
        chunk = Math.max(1, Math.min(chunk, n));
      }
      const before = cpu.instructionCount;
      const r = cpu.run(chunk);
      const done = cpu.instructionCount - before;
      remaining -= done;
      this.advanceDevices(clock.now());
      if (this.resetPending) {
        this.resetPending = false;
        cpu.reset();
        continue;
      }
      if (this.pending) return this.takePending();
      if (r === StopReason.TripleFault) {
        this.stopKind = 'triple-fault';
        if (!this.stopMessage) this.stopMessage = `triple fault (shutdown) at ${this.where()}`;
        return r;
      }
      if (r === StopReason.Exit || r === StopReason.Fault) {
        this.stopKind = r === StopReason.Exit ? 'exit' : 'fault';
        return r;
      }
      if (r !== StopReason.Budget && r !== StopReason.Halted) return r;
      const ifSet = (cpu.getEflags() & Flag.IF) !== 0;
      if (cpu.halted || r === StopReason.Halted) {
        if (!ifSet) {
          this.stopKind = 'halt';
          this.stopMessage = `HLT with interrupts disabled at ${this.where()}`;
          return StopReason.Halted;
        }
        if (this.pic?.pending()) continue;
        const t = clock.now();
        const ev = this.nextDeviceEvent(t);
        if (ev !== Infinity) {
          if (!clock.realTime) clock.idleNs += Math.max(0, ev - t);
          this.advanceDevices(clock.now());
          if (clock.realTime) return StopReason.Budget;
          continue;
        }
        if (this.inputCanArrive()) {
          this.waitingForInput = true;
          return StopReason.Budget;
        }
        this.stopKind = 'input-ended';
        this.stopMessage = `HLT waiting for an interrupt that can never come (input has ended) at ${this.where()}`;
        return StopReason.Halted;
      }
      if (done > 0 && remaining > 0 && chunk === done) continue;
      if (remaining <= 0 || done === 0) {
        // Budget used up: cheap check for the most common "wait forever" idiom.
        if (this.spinningInPlace()) {
          if (!ifSet) {
            this.stopKind = 'halt';
            this.stopMessage = `the guest spins on 'jmp $' with interrupts disabled at ${this.where()}`;
            return StopReason.Halted;
          }
          const ev = this.nextDeviceEvent(clock.now());
          if (ev === Infinity && !this.pic?.pending() && !this.inputCanArrive()) {
            this.stopKind = 'input-ended';
            this.stopMessage = `the guest spins on 'jmp $' and no interrupt can ever come at ${this.where()}`;
            return StopReason.Halted;
          }
        }
        if (this.uart && this.uart.emptyPolls > 100000 && !this.uart.canReceiveMore()) {
          this.stopKind = 'input-ended';
          this.stopMessage = `the guest polls the UART for input but the input has ended at ${this.where()}`;
          return StopReason.Halted;
        }
        if (this.uart && this.uart.emptyPolls > 100000 && !this.inputEnded) {
          this.uart.emptyPolls = 0;
          this.waitingForInput = true;
          return StopReason.Budget;
        }
        if (remaining <= 0) return StopReason.Budget;
      }
    }
  }

  /** Physical byte write from platform code (keeps decoded-code caches coherent). */
  physWrite8(addr: number, v: number): void {
    addr >>>= 0;
    if (!this.a20) addr &= ~0x100000;
    const kind = this.mem.pageKind[addr >>> PAGE_SHIFT];
    if (kind & PageKind.Code) {
      const c = this.cpu as CpuApi & { invalidatePage?: (page: number) => void };
      c.invalidatePage?.(addr >>> PAGE_SHIFT);
    }
    this.mem.write8(addr, v);
  }

  physRead8(addr: number): number {
    addr >>>= 0;
    if (!this.a20) addr &= ~0x100000;
    return this.mem.read8(addr);
  }

  physRead16(a: number): number {
    return this.physRead8(a) | (this.physRead8(a + 1) << 8);
  }

  physRead32(a: number): number {
    return (this.physRead16(a) | (this.physRead16(a + 2) << 16)) >>> 0;
  }

  physWrite16(a: number, v: number): void {
    this.physWrite8(a, v & 0xff);
    this.physWrite8(a + 1, (v >> 8) & 0xff);
  }

  physWrite32(a: number, v: number): void {
    this.physWrite16(a, v & 0xffff);
    this.physWrite16(a + 2, (v >>> 16) & 0xffff);
  }

  /** Copies bytes into guest physical memory. */
  physWrite(addr: number, bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; i++) this.physWrite8(addr + i, bytes[i]);
  }
}

/**
 * The breakpoint manager (SPEC §4): owns every breakpoint, arms it in the VM through the flag arrays
 * and hooks of src/vm/hooks.ts, counts hits against the trigger/disable window (SPEC §5) and turns
 * them into stops.
 *
 * Design (after VirtualBox DBGF, VMMR3/DBGFBp.cpp, with its defects fixed: the hit window is
 * enforced, port/MMIO range checks refuse only ranges that wrap, emulator/port/MMIO breakpoints fire):
 * - execution breakpoints (software, emulator, hardware exec) sit in a map keyed by linear address;
 *   `cpu.execPageFlags[page]` is non-zero only on pages that hold one, so other pages pay nothing;
 * - software breakpoints also write 0xCC into guest RAM (pageKind SwBp); guest data reads and
 *   debugger reads see the saved byte through `memory.swbpRead/swbpWrite`;
 * - memory watches: `cpu.watchPageFlags` + per-page lists; MMIO: `memory.pageKind` Watch + per-page
 *   lists; ports: `io.portWatch` + a 65,536-entry table of lists;
 * - hardware breakpoints live in the debugger's own debug registers `cpu.hyperDr` (DR0–DR3, DR7 laid
 *   out as the SDM says); the guest's DR0–DR7 are never touched.
 * Data, port and MMIO hits are collected during the instruction (the hook calls requestStop) and
 * counted after it completes, once per breakpoint per instruction (per iteration for REP).
 */
import type { CpuApi } from '../vm/cpuApi';
import { Seg } from '../vm/cpuApi';
import { Access, StopReason } from '../vm/hooks';
import type { DebugHooks } from '../vm/hooks';
import type { IoBus } from '../vm/iobus';
import type { Memory } from '../vm/memory';
import { PageKind, PAGE_SHIFT } from '../vm/memory';
import { formatWindow } from './hitCondition';
import type {
  AccessSet,
  BreakpointCondition,
  BreakpointHit,
  BreakpointInfo,
  BreakpointKind,
  BreakpointResult,
  BreakpointStop,
  CommonOptions,
  EmulatorOptions,
  HardwareOptions,
  HardwareType,
  MmioOptions,
  PortOptions,
  SoftwareOptions,
  WatchOptions,
} from './types';

/** Whatever offers a CPU, its memory and buses, and a run loop: a MachineApi, or a bare CPU. */
export interface DebugTarget {
  readonly cpu: CpuApi;
  readonly mem?: Memory;
  readonly io?: IoBus;
  run?(budget: number): StopReason;
}

/**
 * Software-breakpoint callbacks the CPU consults for data accesses to pages of kind SwBp:
 * read gives the byte (negative: not a breakpoint byte, read RAM), write returns true when handled.
 */
interface SwbpMemory {
  swbpRead?: ((physical: number) => number) | null;
  swbpWrite?: ((physical: number, value: number) => boolean) | null;
}

const TWO32 = 0x100000000;
const HW_SLOTS = 4;
const NO_MARK = -1;

const enum K {
  Software,
  Hardware,
  Emulator,
  Watch,
  Port,
  Mmio,
}
const KIND_NAMES: readonly BreakpointKind[] = ['software', 'hardware', 'emulator', 'watch', 'port', 'mmio'];

class Bp {
  hits = 0;
  enabled = false;
  /** Hardware slot (0–3) or -1. */
  slot = -1;
  /** Software: physical address of the INT3 while armed, else -1. */
  physical = -1;
  /** Collected for the current instruction (dedupe of data hits). */
  pendingMark = NO_MARK;
  /** Exec hits: instructionCount + linear of the last counted exec hit (onExec/onHyperDr dedupe). */
  execMarkCount = -1;
  execMarkLinear = -1;
  constructor(
    readonly id: number,
    readonly kind: K,
    /** Linear address / port / physical address. */
    readonly address: number,
    /** Bytes or ports covered. */
    readonly length: number,
    /** Access mask (Access.Read | Access.Write) for data kinds; 0 for exec. */
    readonly accessMask: number,
    readonly hwType: HardwareType | null,
    readonly trigger: number,
    readonly disable: number,
    readonly period: number,
    readonly condition: BreakpointCondition | null,
    readonly logpoint: boolean,
    readonly key: string,
  ) {}
  get end(): number {
    return this.address + this.length;
  }
}

interface SavedByte {
  saved: number;
  /** Software breakpoints sharing this physical byte (linear aliases). */
  bps: Bp[];
}

interface PendingHit {
  bp: Bp;
  access: Access;
  address: number;
  port: number;
  size: number;
  value: number;
  eip: number;
}

function hex(n: number, width = 8): string {
  return '0x' + (n >>> 0).toString(16).padStart(width, '0');
}

function accessName(mask: number): AccessSet {
  return mask === Access.ReadWrite ? 'readWrite' : mask === Access.Write ? 'write' : 'read';
}

function accessMaskOf(a: unknown): number {
  return a === 'read' ? Access.Read : a === 'write' ? Access.Write : a === 'readWrite' ? Access.ReadWrite : 0;
}

function isUint(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

export class BreakpointManager implements DebugHooks {
  readonly cpu: CpuApi;
  readonly mem: Memory;
  readonly io: IoBus;
  private readonly runTarget: (budget: number) => StopReason;

  private readonly bps = new Map<number, Bp>();
  private readonly byKey = new Map<string, Bp>();
  private nextId = 1;

  /** Exec breakpoints by linear address (software, emulator, hardware exec). */
  private readonly execByLinear = new Map<number, Bp[]>();
  private readonly execPageCount = new Uint16Array(1 << 20);
  /** Armed INT3 bytes by physical address. */
  private readonly swByPhys = new Map<number, SavedByte>();
  private readonly swPageCount = new Uint16Array(1 << 20);
  private readonly watchByPage = new Map<number, Bp[]>();
  /** Hardware data breakpoints per linear page: their pages are flagged in watchPageFlags too. */
  private readonly hwDataPages = new Map<number, number>();
  private readonly mmioByPage = new Map<number, Bp[]>();
  private readonly portTable: Array<Bp[] | undefined> = new Array<Bp[] | undefined>(0x10000);
  private readonly hwSlots: Array<Bp | null> = [null, null, null, null];

  private readonly pending: PendingHit[] = [];
  private pendingSerial = 0;
  private execStop: BreakpointHit[] = [];
  private execStopEip = 0;
  /** We asked the CPU to stop (requestStop / onExec true / onException true). */
  private requested = false;
  /** The stop was only to get out of the CPU loop (e.g. an INT3 hit outside its window): resume. */
  private internalContinue = false;
  /** Linear address of the exec breakpoint we stopped before: resuming steps over it once. */
  private resumeAt = -1;
  private lastStop: BreakpointStop | null = null;
  private readonly listeners: Array<(hit: BreakpointHit) => void> = [];

  /**
   * Exceptions not caused by the debugger's own INT3 bytes go here (the debugger runtime's exception
   * filters); return true to stop instead of delivering. Default: deliver to the guest.
   */
  onGuestException: ((vector: number, errorCode: number, soft: boolean) => boolean) | null = null;

  constructor(target: DebugTarget | CpuApi) {
    const t: DebugTarget = 'cpu' in target ? target : { cpu: target };
    this.cpu = t.cpu;
    this.mem = t.mem ?? t.cpu.mem;
    this.io = t.io ?? t.cpu.io;
    const run = t.run;
    this.runTarget = run ? (budget) => run.call(t, budget) : (budget) => this.cpu.run(budget);
    this.cpu.hooks = this;
    const m = this.mem as Memory & SwbpMemory;
    m.swbpRead = (physical) => this.swbpRead(physical);
    m.swbpWrite = (physical, value) => this.swbpWrite(physical, value);
  }

  /** Attach to whatever offers cpu/mem/io/run (a MachineApi). */
  static attach(target: DebugTarget | CpuApi): BreakpointManager {
    return new BreakpointManager(target);
  }

  /** Disarm everything and unhook from the VM. */
  detach(): void {
    for (const id of [...this.bps.keys()]) this.clear(id);
    if (this.cpu.hooks === this) this.cpu.hooks = null;
    const m = this.mem as Memory & SwbpMemory;
    m.swbpRead = null;
    m.swbpWrite = null;
  }

  /** Called for every hit that fires (stops, or a logpoint reports). Returns an unsubscribe function. */
  onFire(listener: (hit: BreakpointHit) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Setting breakpoints.

  setSoftware(o: SoftwareOptions): BreakpointResult {
    if (!isUint(o.address) || o.address >= TWO32) return this.outOfRange(`address ${String(o.address)} is not a 32-bit linear address`);
    return this.create(K.Software, o.address, 1, 0, null, o, `software:${o.address}`);
  }

  setEmulator(o: EmulatorOptions): BreakpointResult {
    if (!isUint(o.address) || o.address >= TWO32) return this.outOfRange(`address ${String(o.address)} is not a 32-bit linear address`);
    return this.create(K.Emulator, o.address, 1, 0, null, o, `emulator:${o.address}`);
  }

  setHardware(o: HardwareOptions): BreakpointResult {
    const { type, length, address } = o;
    if (type !== 'exec' && type !== 'write' && type !== 'readWrite' && type !== 'io') {
      return this.invalid(`hardware breakpoint type must be exec, write, readWrite or io (DR7 R/W 00, 01, 11, 10)`);
    }
    if (length !== 1 && length !== 2 && length !== 4 && length !== 8) {
      return this.invalid(`hardware breakpoint length must be 1, 2, 4 or 8 (DR7 LEN), not ${String(length)}`);
    }
    if (type === 'exec' && length !== 1) {
      return this.invalid('an execution hardware breakpoint has length 1 (SDM: LEN must be 00 for instruction breakpoints)');
    }
    if (type === 'io' && length === 8) return this.invalid('an I/O hardware breakpoint has length 1, 2 or 4');
    const limit = type === 'io' ? 0x10000 : TWO32;
    if (!isUint(address) || address >= limit) {
      return this.outOfRange(type === 'io' ? `port ${String(address)} is not in 0..0xffff` : `address ${String(address)} is not a 32-bit linear address`);
    }
    if (address % length !== 0) {
      return this.invalid(`a hardware breakpoint of length ${length} needs an address aligned to ${length} (${hex(address)} is not)`);
    }
    const mask = type === 'exec' ? 0 : type === 'write' ? Access.Write : Access.ReadWrite;
    const key = `hardware:${type}:${length}:${address}`;
    const existing = this.byKey.get(key);
    if (!existing && this.hwSlots.indexOf(null) < 0) {
      const holders = this.hwSlots.map((b, i) => `DR${i}: #${b!.id} ${this.describe(b!).replace(/^DR\d /, '')}`).join('; ');
      return {
        ok: false,
        outcome: 'noHardwareSlots',
        message: `no more hardware breakpoint slots (DR0–DR3 in use): ${holders}`,
      };
    }
    return this.create(K.Hardware, address, length, mask, type, o, key);
  }

  setWatch(o: WatchOptions): BreakpointResult {
    return this.setRange(K.Watch, o.address, o.length, o.access, TWO32, 'address', o);
  }

  setPort(o: PortOptions): BreakpointResult {
    return this.setRange(K.Port, o.port, o.count, o.access, 0x10000, 'port', o);
  }

  setMmio(o: MmioOptions): BreakpointResult {
    return this.setRange(K.Mmio, o.address, o.length, o.access, TWO32, 'physical address', o);
  }

  private setRange(kind: K, start: number, length: number, access: AccessSet, limit: number, what: string, o: CommonOptions): BreakpointResult {
    const mask = accessMaskOf(access);
    if (mask === 0) return this.invalid(`access must be read, write or readWrite, not ${String(access)}`);
    if (!isUint(start) || start >= limit) return this.outOfRange(`${what} ${String(start)} is out of range (0..${hex(limit - 1, 0)})`);
    if (!isUint(length) || length < 1) return this.invalid(`${kind === K.Port ? 'port count' : 'length'} must be at least 1`);
    if (start + length > limit) {
      return this.outOfRange(`${what} range ${hex(start, 0)}+${hex(length, 0)} wraps past ${hex(limit - 1, 0)}`);
    }
    return this.create(kind, start, length, mask, null, o, `${KIND_NAMES[kind]}:${start}:${length}:${mask}`);
  }

  private create(kind: K, address: number, length: number, mask: number, hwType: HardwareType | null, o: CommonOptions, key: string): BreakpointResult {
    const win = this.validateWindow(o);
    if (typeof win === 'string') return this.invalid(win);
    if (o.condition !== undefined && typeof o.condition !== 'function') return this.invalid('condition must be a function');
    const existing = this.byKey.get(key);
    if (existing) {
      return { ok: true, outcome: 'exists', id: existing.id, message: `breakpoint ${existing.id} already exists (${this.describe(existing)})` };
    }
    const bp = new Bp(this.nextId, kind, address, length, mask, hwType, win.trigger, win.disable, win.period, o.condition ?? null, o.logpoint === true, key);
    if (kind === K.Hardware) bp.slot = this.hwSlots.indexOf(null);
    if (o.enabled !== false) {
      const err = this.arm(bp);
      if (err) return err;
    }
    this.nextId++;
    this.bps.set(bp.id, bp);
    this.byKey.set(key, bp);
    if (bp.slot >= 0) this.hwSlots[bp.slot] = bp;
    return { ok: true, outcome: 'created', id: bp.id, message: `breakpoint ${bp.id} set: ${this.describe(bp)}, window ${formatWindow(bp)}` };
  }

  private validateWindow(o: CommonOptions): { trigger: number; disable: number; period: number } | string {
    let trigger = o.trigger ?? 1;
    const disable = o.disable ?? Infinity;
    const period = o.period ?? 0;
    if (!isUint(trigger)) return `trigger must be a whole number, not ${String(trigger)}`;
    if (!(isUint(disable) || disable === Infinity)) return `disable must be a whole number or unbounded, not ${String(disable)}`;
    if (!isUint(period)) return `period must be a whole number, not ${String(period)}`;
    if (trigger === 0) trigger = 1;
    if (trigger > disable) return `trigger (${trigger}) is greater than disable (${disable}): the breakpoint could never stop`;
    return { trigger, disable, period };
  }

  private invalid(message: string): BreakpointResult {
    return { ok: false, outcome: 'invalidParameter', message: `invalid parameter: ${message}` };
  }

  private outOfRange(message: string): BreakpointResult {
    return { ok: false, outcome: 'outOfRange', message: `out of range: ${message}` };
  }

  // ---------------------------------------------------------------------------------------------
  // enable / disable / clear / get / list

  enable(id: number): BreakpointResult {
    const bp = this.bps.get(id);
    if (!bp) return this.notFound(id);
    if (bp.enabled) return { ok: true, outcome: 'alreadyEnabled', id, message: `breakpoint ${id} is already enabled` };
    const err = this.arm(bp);
    if (err) return { ...err, id };
    return { ok: true, outcome: 'enabled', id, message: `breakpoint ${id} enabled` };
  }

  disable(id: number): BreakpointResult {
    const bp = this.bps.get(id);
    if (!bp) return this.notFound(id);
    if (!bp.enabled) return { ok: true, outcome: 'alreadyDisabled', id, message: `breakpoint ${id} is already disabled` };
    this.disarm(bp);
    return { ok: true, outcome: 'disabled', id, message: `breakpoint ${id} disabled` };
  }

  clear(id: number): BreakpointResult {
    const bp = this.bps.get(id);
    if (!bp) return this.notFound(id);
    if (bp.enabled) this.disarm(bp);
    if (bp.slot >= 0) {
      this.hwSlots[bp.slot] = null;
      this.cpu.hyperDr[bp.slot] = 0;
      this.cpu.hyperDr[7] &= ~(0xf << (16 + 4 * bp.slot));
      bp.slot = -1;
    }
    this.bps.delete(id);
    this.byKey.delete(bp.key);
    return { ok: true, outcome: 'cleared', id, message: `breakpoint ${id} cleared` };
  }

  /** Clears every breakpoint; returns how many there were. */
  clearAll(): number {
    const ids = [...this.bps.keys()];
    for (const id of ids) this.clear(id);
    return ids.length;
  }

  get(id: number): BreakpointInfo | undefined {
    const bp = this.bps.get(id);
    return bp ? this.info(bp) : undefined;
  }

  list(): BreakpointInfo[] {
    return [...this.bps.values()].map((b) => this.info(b));
  }

  /** Sets the hit count (e.g. to 0 to restart a window). */
  resetHits(id: number): boolean {
    const bp = this.bps.get(id);
    if (!bp) return false;
    bp.hits = 0;
    return true;
  }

  private notFound(id: number): BreakpointResult {
    return { ok: false, outcome: 'notFound', id, message: `no breakpoint ${id}` };
  }

  private info(bp: Bp): BreakpointInfo {
    const i: BreakpointInfo = {
      id: bp.id,
      kind: KIND_NAMES[bp.kind],
      enabled: bp.enabled,
      hits: bp.hits,
      trigger: bp.trigger,
      disable: bp.disable,
      period: bp.period,
      logpoint: bp.logpoint,
      spent: bp.hits > bp.disable,
      address: bp.address,
      length: bp.length,
      access: bp.accessMask === 0 ? 'exec' : accessName(bp.accessMask),
      location: this.describe(bp),
    };
    if (bp.hwType) i.hardwareType = bp.hwType;
    if (bp.slot >= 0) i.slot = bp.slot;
    if (bp.physical >= 0) i.physical = bp.physical;
    return i;
  }

  /** "software at 0x00007c10", "DR1 write 4 at 0x00001000", "port 0x3f8-0x3ff write", … */
  describe(bp: { id: number } | Bp): string {
    const b = bp instanceof Bp ? bp : this.bps.get(bp.id);
    if (!b) return '?';
    const acc = b.accessMask === 0 ? '' : ' ' + accessName(b.accessMask);
    switch (b.kind) {
      case K.Software:
        return `software at ${hex(b.address)}`;
      case K.Emulator:
        return `emulator at ${hex(b.address)}`;
      case K.Hardware:
        return b.hwType === 'io'
          ? `DR${b.slot} io ${b.length} at port ${hex(b.address, 4)}`
          : `DR${b.slot} ${b.hwType} ${b.length} at ${hex(b.address)}`;
      case K.Watch:
        return `watch ${hex(b.address)}+${b.length}${acc}`;
      case K.Port:
        return b.length === 1 ? `port ${hex(b.address, 4)}${acc}` : `ports ${hex(b.address, 4)}-${hex(b.address + b.length - 1, 4)}${acc}`;
      case K.Mmio:
        return `mmio ${hex(b.address)}+${b.length}${acc}`;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Arming

  private arm(bp: Bp): BreakpointResult | null {
    switch (bp.kind) {
      case K.Software: {
        const err = this.armSoftware(bp);
        if (err) return err;
        this.addExec(bp);
        break;
      }
      case K.Emulator:
        this.addExec(bp);
        break;
      case K.Hardware: {
        const s = bp.slot;
        const dr = this.cpu.hyperDr;
        dr[s] = bp.address >>> 0;
        const rw = bp.hwType === 'exec' ? 0 : bp.hwType === 'write' ? 1 : bp.hwType === 'io' ? 2 : 3;
        const len = bp.length === 1 ? 0 : bp.length === 2 ? 1 : bp.length === 8 ? 2 : 3;
        let dr7 = dr[7] & ~(0xf << (16 + 4 * s));
        dr7 |= ((rw | (len << 2)) << (16 + 4 * s)) | (2 << (2 * s)) | 0x200 | 0x400; // Gn, GE, bit 10 reads as 1
        dr[7] = dr7 >>> 0;
        if (bp.hwType === 'exec') this.addExec(bp);
        else if (bp.hwType !== 'io') this.flagHwPage(bp, 1);
        break;
      }
      case K.Watch:
        this.addPaged(this.watchByPage, bp, this.cpu.watchPageFlags, 0);
        break;
      case K.Mmio:
        this.addPaged(this.mmioByPage, bp, this.mem.pageKind, PageKind.Watch);
        break;
      case K.Port:
        for (let p = bp.address; p < bp.end; p++) {
          const l = this.portTable[p];
          if (l) l.push(bp);
          else this.portTable[p] = [bp];
          this.io.portWatch[p] = 1;
        }
        break;
    }
    bp.enabled = true;
    return null;
  }

  private disarm(bp: Bp): void {
    switch (bp.kind) {
      case K.Software:
        this.removeExec(bp);
        this.disarmSoftware(bp);
        break;
      case K.Emulator:
        this.removeExec(bp);
        break;
      case K.Hardware:
        this.cpu.hyperDr[7] = (this.cpu.hyperDr[7] & ~(3 << (2 * bp.slot))) >>> 0;
        if (bp.hwType === 'exec') this.removeExec(bp);
        else if (bp.hwType !== 'io') this.flagHwPage(bp, -1);
        break;
      case K.Watch:
        this.removePaged(this.watchByPage, bp, this.cpu.watchPageFlags, 0);
        break;
      case K.Mmio:
        this.removePaged(this.mmioByPage, bp, this.mem.pageKind, PageKind.Watch);
        break;
      case K.Port:
        for (let p = bp.address; p < bp.end; p++) {
          const l = this.portTable[p]!;
          l.splice(l.indexOf(bp), 1);
          if (l.length === 0) {
            this.portTable[p] = undefined;
            this.io.portWatch[p] = 0;
          }
        }
        break;
    }
    bp.enabled = false;
  }

  private addExec(bp: Bp): void {
    const l = this.execByLinear.get(bp.address);
    if (l) l.push(bp);
    else this.execByLinear.set(bp.address, [bp]);
    const page = bp.address >>> PAGE_SHIFT;
    this.execPageCount[page]++;
    if (this.cpu.execPageFlags[page] === 0) {
      this.cpu.execPageFlags[page] = 1;
      this.codeChanged(this.cpu.translate(bp.address, false));
    }
  }

  private removeExec(bp: Bp): void {
    const l = this.execByLinear.get(bp.address)!;
    l.splice(l.indexOf(bp), 1);
    if (l.length === 0) this.execByLinear.delete(bp.address);
    const page = bp.address >>> PAGE_SHIFT;
    if (--this.execPageCount[page] === 0) {
      this.cpu.execPageFlags[page] = 0;
      this.codeChanged(this.cpu.translate(bp.address, false));
    }
  }

  /** Tells a CPU that caches decoded code (PageKind.Code) that a page changed (as Machine.physWrite8 does). */
  private codeChanged(physical: number): void {
    if (physical < 0 || (this.mem.pageKind[physical >>> PAGE_SHIFT] & PageKind.Code) === 0) return;
    (this.cpu as CpuApi & { invalidatePage?: (page: number) => void }).invalidatePage?.(physical >>> PAGE_SHIFT);
  }

  /** A byte of guest code changed under a breakpoint operation. */
  private rawWrite(physical: number, value: number): void {
    this.mem.ram[physical] = value;
    this.codeChanged(physical);
  }

  /**
   * The CPU checks hyper data breakpoints only off its fast path: flag the (aligned, so single) page
   * of a hardware data breakpoint in watchPageFlags, sharing the flag with memory watches.
   */
  private flagHwPage(bp: Bp, delta: number): void {
    const page = bp.address >>> PAGE_SHIFT;
    const n = (this.hwDataPages.get(page) ?? 0) + delta;
    if (n > 0) this.hwDataPages.set(page, n);
    else this.hwDataPages.delete(page);
    this.cpu.watchPageFlags[page] = n > 0 || this.watchByPage.has(page) ? 1 : 0;
    this.mem.kindsChanged();
  }

  /** flagBit 0: the flag array holds 1/0; else that bit is or-ed in / cleared. */
  private addPaged(map: Map<number, Bp[]>, bp: Bp, flags: Uint8Array, flagBit: number): void {
    const first = bp.address >>> PAGE_SHIFT;
    const last = (bp.end - 1) >>> PAGE_SHIFT;
    for (let p = first; p <= last; p++) {
      const l = map.get(p);
      if (l) l.push(bp);
      else map.set(p, [bp]);
      flags[p] = flagBit === 0 ? 1 : flags[p] | flagBit;
    }
    this.mem.kindsChanged();
  }

  private removePaged(map: Map<number, Bp[]>, bp: Bp, flags: Uint8Array, flagBit: number): void {
    const first = bp.address >>> PAGE_SHIFT;
    const last = (bp.end - 1) >>> PAGE_SHIFT;
    for (let p = first; p <= last; p++) {
      const l = map.get(p)!;
      l.splice(l.indexOf(bp), 1);
      if (l.length === 0) {
        map.delete(p);
        if (flagBit !== 0) flags[p] &= ~flagBit;
        else if (!(map === this.watchByPage && this.hwDataPages.has(p))) flags[p] = 0;
      }
    }
  }

  private armSoftware(bp: Bp): BreakpointResult | null {
    const phys = this.cpu.translate(bp.address, false);
    if (phys < 0) return this.outOfRange(`address ${hex(bp.address)} is not mapped, so no INT3 can be written there (an emulator breakpoint needs no mapping)`);
    const page = phys >>> PAGE_SHIFT;
    if (phys >= this.mem.size || this.mem.pageKind[page] & (PageKind.Mmio | PageKind.Unbacked)) {
      return this.invalid(`${hex(bp.address)} is not in RAM (physical ${hex(phys)}), so no INT3 can be written there; use an emulator breakpoint`);
    }
    let s = this.swByPhys.get(phys);
    if (!s) {
      s = { saved: this.mem.ram[phys], bps: [] };
      this.swByPhys.set(phys, s);
      this.swPageCount[page]++;
      this.mem.pageKind[page] |= PageKind.SwBp;
      this.mem.kindsChanged();
      this.rawWrite(phys, 0xcc);
    }
    s.bps.push(bp);
    bp.physical = phys;
    return null;
  }

  private disarmSoftware(bp: Bp): void {
    const phys = bp.physical;
    bp.physical = -1;
    const s = this.swByPhys.get(phys);
    if (!s) return;
    s.bps.splice(s.bps.indexOf(bp), 1);
    if (s.bps.length > 0) return;
    this.swByPhys.delete(phys);
    // Restore only if nobody replaced the INT3 behind our back (SPEC §4).
    if (this.mem.ram[phys] === 0xcc) this.rawWrite(phys, s.saved);
    const page = phys >>> PAGE_SHIFT;
    if (--this.swPageCount[page] === 0) { this.mem.pageKind[page] &= ~PageKind.SwBp; this.mem.kindsChanged(); }
  }

  /** Guest/debugger read of a byte on a SwBp page: the original byte under an INT3, else -1 (read RAM). */
  swbpRead(physical: number): number {
    const s = this.swByPhys.get(physical);
    return s ? s.saved : -1;
  }

  /**
   * Guest/debugger write of a byte on a SwBp page: over an INT3 it updates the saved byte, keeps the
   * 0xCC and returns true; elsewhere false (the CPU writes RAM itself).
   */
  swbpWrite(physical: number, value: number): boolean {
    const s = this.swByPhys.get(physical);
    if (!s) return false;
    s.saved = value & 0xff;
    return true;
  }

  // ---------------------------------------------------------------------------------------------
  // Hit accounting

  /** Counts a hit if the condition holds; returns the fired hit (stop or logpoint) or null. */
  private count(bp: Bp, access: 'exec' | 'read' | 'write', eip: number, address: number, port: number, size: number, value: number): BreakpointHit | null {
    const hit: BreakpointHit = {
      id: bp.id,
      kind: KIND_NAMES[bp.kind],
      hits: bp.hits + 1,
      eip: eip >>> 0,
      access,
      stops: false,
      logpoint: bp.logpoint,
      spent: false,
    };
    if (port >= 0) hit.port = port;
    else if (access !== 'exec' || address !== eip) hit.address = address >>> 0;
    if (access !== 'exec') {
      hit.size = size;
      hit.value = value >>> 0;
    }
    if (bp.condition) {
      let holds: boolean;
      try {
        holds = bp.condition(hit) === true;
      } catch {
        holds = true; // a condition that cannot be evaluated stops, so the user sees it
      }
      if (!holds) return null;
    }
    const h = ++bp.hits;
    if (h < bp.trigger || h > bp.disable) return null;
    if (bp.period > 1 && h % bp.period !== 0) return null;
    hit.stops = !bp.logpoint;
    hit.spent = h === bp.disable;
    for (const l of this.listeners) l(hit);
    return hit;
  }

  private currentLinear(): number {
    return (this.cpu.getSegment(Seg.CS).base + this.cpu.eip) >>> 0;
  }

  private execHits(list: Bp[], linear: number): boolean {
    const cpu = this.cpu;
    let stop = false;
    for (let i = 0; i < list.length; i++) {
      const bp = list[i];
      if (bp.execMarkCount === cpu.instructionCount && bp.execMarkLinear === linear) continue;
      bp.execMarkCount = cpu.instructionCount;
      bp.execMarkLinear = linear;
      const hit = this.count(bp, 'exec', linear, linear, -1, 0, 0);
      if (hit && hit.stops) {
        if (this.execStop.length === 0) this.execStopEip = linear;
        this.execStop.push(hit);
        stop = true;
      }
    }
    if (stop) this.requested = true;
    return stop;
  }

  onExec(linear: number): boolean {
    const list = this.execByLinear.get(linear >>> 0);
    if (list === undefined) return false;
    return this.execHits(list, linear >>> 0);
  }

  private collect(bp: Bp, access: Access, address: number, port: number, size: number, value: number): void {
    if (bp.pendingMark === this.pendingSerial) return;
    bp.pendingMark = this.pendingSerial;
    this.pending.push({ bp, access, address, port, size, value, eip: this.cpu.currentInstructionLinear });
    this.requested = true;
    this.cpu.requestStop();
  }

  private scanPage(list: Bp[] | undefined, start: number, end: number, size: number, access: Access, value: number, address: number): void {
    if (list === undefined) return;
    for (let i = 0; i < list.length; i++) {
      const bp = list[i];
      if ((bp.accessMask & access) !== 0 && start < bp.end && bp.address < end) this.collect(bp, access, address, -1, size, value);
    }
  }

  onLinearAccess(linear: number, size: number, access: Access, value: number): void {
    const start = linear >>> 0;
    const end = start + size;
    this.scanPage(this.watchByPage.get(start >>> PAGE_SHIFT), start, end, size, access, value, start);
    const lastPage = ((end - 1) >>> 0) >>> PAGE_SHIFT;
    if (lastPage !== start >>> PAGE_SHIFT) {
      this.scanPage(this.watchByPage.get(lastPage), start, end, size, access, value, start);
      if (end > TWO32) this.scanPage(this.watchByPage.get(0), 0, end - TWO32, size, access, value, start);
    }
  }

  onPhysicalAccess(physical: number, size: number, access: Access, value: number): void {
    const start = physical >>> 0;
    const end = start + size;
    this.scanPage(this.mmioByPage.get(start >>> PAGE_SHIFT), start, end, size, access, value, start);
    const lastPage = ((end - 1) >>> 0) >>> PAGE_SHIFT;
    if (lastPage !== start >>> PAGE_SHIFT) this.scanPage(this.mmioByPage.get(lastPage), start, end, size, access, value, start);
  }

  onPort(port: number, size: number, access: Access, value: number): void {
    for (let i = 0; i < size; i++) {
      const list = this.portTable[(port + i) & 0xffff];
      if (list === undefined) continue;
      for (let j = 0; j < list.length; j++) {
        const bp = list[j];
        if ((bp.accessMask & access) !== 0) this.collect(bp, access, -1, port & 0xffff, size, value);
      }
    }
  }

  onHyperDr(slots: number, linearOrPort: number, size: number, access: Access, value: number): boolean {
    let stop = false;
    for (let s = 0; s < HW_SLOTS; s++) {
      if ((slots & (1 << s)) === 0) continue;
      const bp = this.hwSlots[s];
      if (!bp || !bp.enabled) continue;
      if (bp.hwType === 'exec') {
        // Count every execution breakpoint at this address now (software, emulator too): a stop
        // here means the CPU never reaches its onExec check for this instruction.
        const list = this.execByLinear.get(linearOrPort >>> 0);
        if (list && this.execHits(list, linearOrPort >>> 0)) stop = true;
      } else if (bp.hwType === 'io') {
        this.collect(bp, access, -1, linearOrPort & 0xffff, size, value);
      } else {
        this.collect(bp, access, linearOrPort >>> 0, -1, size, value);
      }
    }
    return stop;
  }

  onException(vector: number, errorCode: number, soft: boolean): boolean {
    if (vector === 3 && soft && this.swByPhys.size > 0) {
      const cpu = this.cpu;
      const mask = cpu.codeSize === 16 ? 0xffff : 0xffffffff;
      const eip = ((cpu.eip - 1) & mask) >>> 0;
      const linear = (cpu.getSegment(Seg.CS).base + eip) >>> 0;
      const phys = cpu.translate(linear, false);
      const s = phys >= 0 ? this.swByPhys.get(phys) : undefined;
      if (s && this.mem.ram[phys] === 0xcc) {
        // Our INT3, reached through an address the exec map did not see (another linear alias):
        // back up to the breakpoint and treat it as an execution breakpoint there.
        cpu.eip = eip;
        const stop = this.execHits(s.bps, linear);
        this.requested = true;
        if (!stop) {
          this.internalContinue = true;
          this.resumeAt = linear;
        }
        return true;
      }
    }
    return this.onGuestException ? this.onGuestException(vector, errorCode, soft) : false;
  }

  // ---------------------------------------------------------------------------------------------
  // Run control

  /**
   * Runs at most `budget` instructions through the target's run loop. Returns StopReason.Debug with
   * `takeStop()` describing the breakpoints when one stops the machine; hits outside their window,
   * false conditions and logpoints do not stop. Resuming at an execution breakpoint we stopped
   * before steps over it once.
   */
  run(budget: number): StopReason {
    const cpu = this.cpu;
    this.lastStop = null;
    let remaining = budget;
    if (!(remaining > 0)) return StopReason.Budget;
    for (;;) {
      let n = remaining;
      let stepPhys = -1;
      if (this.resumeAt >= 0) {
        if (this.resumeAt === this.currentLinear()) {
          cpu.skipExecCheckOnce = true;
          stepPhys = this.liftInt3(this.resumeAt);
          if (stepPhys >= 0) n = 1;
        }
        this.resumeAt = -1;
      }
      this.requested = false;
      this.internalContinue = false;
      const before = cpu.instructionCount;
      const reason = this.runTarget(n);
      if (stepPhys >= 0) this.dropInt3(stepPhys);
      remaining -= cpu.instructionCount - before;
      const stop = this.finishInstruction();
      if (stop) {
        this.lastStop = stop;
        // Resuming steps over an exec breakpoint once; likewise a REP instruction stopped between
        // iterations (EIP still on it) resumes without re-checking its exec breakpoints (as RF).
        if (stop.before || this.currentLinear() === stop.eip) this.resumeAt = stop.eip;
        // The machine ended/halted in that instruction: say so rather than hide it behind the stop.
        return reason === StopReason.Debug || reason === StopReason.Budget ? StopReason.Debug : reason;
      }
      if (reason === StopReason.Debug) {
        if (!this.requested) return reason; // someone else asked to stop
      } else if (reason !== StopReason.Budget || stepPhys < 0) {
        return reason;
      }
      if (remaining <= 0) return StopReason.Budget;
    }
  }

  /** One instruction, stepping over an execution breakpoint at the current instruction. */
  step(): StopReason {
    this.resumeAt = this.currentLinear();
    return this.run(1);
  }

  /** The stop of the last run(), once (null when it did not stop for breakpoints). */
  takeStop(): BreakpointStop | null {
    const s = this.lastStop;
    this.lastStop = null;
    return s;
  }

  /** Counts the data/port/MMIO hits collected during the last instruction, and the exec stop. */
  private finishInstruction(): BreakpointStop | null {
    let stop: BreakpointStop | null = null;
    if (this.execStop.length > 0) {
      stop = { ids: [], hits: this.execStop, eip: this.execStopEip, before: true };
      this.execStop = [];
    }
    if (this.pending.length > 0) {
      const hits: BreakpointHit[] = [];
      for (const p of this.pending) {
        const hit = this.count(p.bp, p.access === Access.Write ? 'write' : 'read', p.eip, p.address, p.port, p.size, p.value);
        if (hit && hit.stops) hits.push(hit);
      }
      this.pending.length = 0;
      this.pendingSerial++;
      if (hits.length > 0 && !stop) stop = { ids: [], hits, eip: hits[0].eip, before: false };
      else if (hits.length > 0 && stop) stop.hits.push(...hits);
    }
    if (stop) {
      stop.hits.sort((a, b) => a.id - b.id);
      stop.ids = stop.hits.map((h) => h.id);
    }
    return stop;
  }

  /** Puts the original byte back under an INT3 for one instruction; returns its physical address. */
  private liftInt3(linear: number): number {
    const phys = this.cpu.translate(linear, false);
    if (phys < 0) return -1;
    const s = this.swByPhys.get(phys);
    if (!s) return -1;
    this.swByPhys.delete(phys);
    if (this.mem.ram[phys] === 0xcc) this.rawWrite(phys, s.saved);
    this.lifted = s;
    return phys;
  }

  private lifted: SavedByte | null = null;

  /** Re-arms the INT3 lifted by liftInt3 (the byte there now, maybe rewritten by the guest, is saved). */
  private dropInt3(phys: number): void {
    const s = this.lifted!;
    this.lifted = null;
    s.saved = this.mem.ram[phys];
    this.rawWrite(phys, 0xcc);
    this.swByPhys.set(phys, s);
  }
}

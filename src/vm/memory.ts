/**
 * Guest physical memory: RAM in one ArrayBuffer, MMIO regions registered by devices, and per-4-KiB
 * page flags so that the common access path checks one byte and goes on.
 *
 * `pageKind[page]` is 0 for plain RAM (fast path), otherwise a bit set of PageKind.
 */

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
/**
 * Bytes in front of RAM in its ArrayBuffer, for the CPU's TLB (one 32-bit entry per 4 KiB linear
 * page): translated code then reaches TLB entries and RAM's dwords through one Int32Array, whose
 * type check and data pointer V8 repeats at every turn of a loop for each typed array it uses.
 */
export const RAM_FRONT = 4 << 20;
const PAGES = 1 << 20; // 4 GiB / 4 KiB

export const enum PageKind {
  /** A device owns (part of) this page. */
  Mmio = 1,
  /** The breakpoint manager watches physical bytes on this page (MMIO breakpoints). */
  Watch = 2,
  /** A software breakpoint (0xCC) is armed on this page: data reads must see the saved byte. */
  SwBp = 4,
  /** Decoded/translated code lives on this page: writes must invalidate it. */
  Code = 8,
  /** Beyond installed RAM and no device: reads give all ones, writes are dropped. */
  Unbacked = 16,
}

export interface MmioHandler {
  /** `addr` is the physical address; `size` 1, 2 or 4 bytes, never crossing the region's end. */
  read(addr: number, size: 1 | 2 | 4): number;
  write(addr: number, size: 1 | 2 | 4, value: number): void;
}

interface Region {
  base: number;
  length: number;
  name: string;
  handler: MmioHandler;
}

/**
 * A RAM buffer (with the TLB's room in front, RAM_FRONT) and its two views. It outlives its Memory:
 * translated code is specialised to the buffer it runs on (its views are constants of the generated
 * functions, so V8 drops the type check, data-pointer loads and length load of every access), and a
 * buffer given back — by Memory.release(), or when its Memory has been garbage-collected — serves the
 * next Memory of its size, zeroed, with those functions (a restarted debug session, bench runs).
 */
export class RamArena {
  private static count = 0;
  readonly id = ++RamArena.count;
  readonly buffer: ArrayBuffer;
  /** RAM (after the front). */
  readonly ram: Uint8Array;
  /** The front (TLB entries) and RAM as 32-bit words. */
  readonly words: Int32Array;
  /** What the block translator keeps for this buffer (its generated functions), and their sources' characters. */
  readonly fns = new Map<string, unknown>();
  fnChars = 0;
  constructor(readonly size: number) {
    this.buffer = new ArrayBuffer(RAM_FRONT + size);
    this.ram = new Uint8Array(this.buffer, RAM_FRONT, size);
    this.words = new Int32Array(this.buffer);
  }
}

/**
 * Buffers given back, by size, taken from the end: released ones go there, collected ones (whose
 * machines were dropped some time ago) to the front; past MAX_FREE the front one, and its functions,
 * are dropped.
 */
const freeArenas = new Map<number, RamArena[]>();
const MAX_FREE = 2;
function takeArena(size: number): RamArena {
  const a = freeArenas.get(size)?.pop();
  if (a === undefined) return new RamArena(size);
  a.words.fill(0);
  return a;
}
function giveBack(a: RamArena, released: boolean): void {
  let l = freeArenas.get(a.size);
  if (l === undefined) { l = []; freeArenas.set(a.size, l); }
  if (l.includes(a)) return;
  if (released) l.push(a);
  else l.unshift(a);
  if (l.length > MAX_FREE) l.shift();
}
const collected = typeof FinalizationRegistry === 'undefined' ? null : new FinalizationRegistry<RamArena>((a) => giveBack(a, false));

export class Memory {
  readonly ram: Uint8Array;
  /** The buffer RAM lives in (see RamArena); given back by release() or when this Memory is collected. */
  readonly arena: RamArena;
  private released = false;
  readonly size: number;
  readonly pageKind = new Uint8Array(PAGES);
  private readonly regions: Region[] = [];
  /**
   * Installed by the breakpoint manager; consulted by the CPU for data accesses on PageKind.SwBp pages
   * (instruction fetch sees the 0xCC). `swbpRead` returns the saved original byte, or -1 when no
   * breakpoint is armed at that address. `swbpWrite` is called for a guest/debugger write of one byte;
   * it returns true when it took the byte (updated the saved original and kept 0xCC in RAM).
   */
  swbpRead: ((phys: number) => number) | null = null;
  swbpWrite: ((phys: number, value: number) => boolean) | null = null;
  /**
   * Counts changes of what makes a page plain RAM for data accesses: page kinds other than Code
   * (MMIO, Watch, SwBp) and the CPU's watchPageFlags. Whoever changes those calls kindsChanged();
   * a CPU drops the TLB entries that cached "plain" when it sees a new count.
   */
  kindEpoch = 0;
  kindsChanged(): void { this.kindEpoch++; }

  constructor(sizeBytes: number) {
    if (sizeBytes < 0x100000 || sizeBytes % PAGE_SIZE !== 0 || sizeBytes > 0xc0000000) {
      throw new RangeError('memory size must be a multiple of 4 KiB between 1 MiB and 3 GiB');
    }
    this.size = sizeBytes;
    this.arena = takeArena(sizeBytes);
    this.ram = this.arena.ram;
    collected?.register(this, this.arena, this);
    this.pageKind.fill(PageKind.Unbacked, sizeBytes >>> PAGE_SHIFT);
  }

  /**
   * Gives RAM's buffer back for the next Memory of this size (and with it the code translated for
   * it) now rather than when this one is garbage-collected. Nothing may use this Memory, its CPU or
   * its machine afterwards: the next machine's RAM is this RAM.
   */
  release(): void {
    if (this.released) return;
    this.released = true;
    collected?.unregister(this);
    giveBack(this.arena, true);
  }

  registerMmio(base: number, length: number, name: string, handler: MmioHandler): void {
    if (length <= 0 || base < 0 || base + length > 0x100000000) throw new RangeError(`MMIO range out of range`);
    this.regions.push({ base, length, name, handler });
    const first = base >>> PAGE_SHIFT;
    const last = (base + length - 1) >>> PAGE_SHIFT;
    for (let p = first; p <= last; p++) this.pageKind[p] = (this.pageKind[p] | PageKind.Mmio) & ~PageKind.Unbacked;
    this.kindsChanged();
  }

  mmioRegions(): ReadonlyArray<{ base: number; length: number; name: string }> {
    return this.regions;
  }

  /** The MMIO region containing `addr`, if any. */
  regionAt(addr: number): Region | undefined {
    for (const r of this.regions) if (addr >= r.base && addr - r.base < r.length) return r;
    return undefined;
  }

  // Slow-path physical accesses (the CPU inlines the RAM fast path itself).
  read8(addr: number): number {
    addr >>>= 0;
    if (this.pageKind[addr >>> PAGE_SHIFT] & (PageKind.Mmio | PageKind.Unbacked)) {
      const r = this.regionAt(addr);
      return r ? r.handler.read(addr, 1) & 0xff : 0xff;
    }
    return this.ram[addr];
  }

  write8(addr: number, value: number): void {
    addr >>>= 0;
    if (this.pageKind[addr >>> PAGE_SHIFT] & (PageKind.Mmio | PageKind.Unbacked)) {
      const r = this.regionAt(addr);
      if (r) r.handler.write(addr, 1, value & 0xff);
      return;
    }
    this.ram[addr] = value;
  }
}

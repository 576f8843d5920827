/**
 * Block translation: guest code compiled to JavaScript functions, a region of basic blocks at a time.
 *
 * A basic block starts at a physical address, never crosses a 4 KiB page and ends at the first
 * control transfer (included) or at the first instruction the translator does not handle. Blocks are
 * keyed by (physical address, EIP, mode) and counted; after `jitConfig.threshold` executions the
 * block is compiled together with the blocks that have run and are reachable from it by static
 * branches and calls (its region: up to 4 pages, `regionLimits`) into one function: a `switch` over
 * the blocks inside a loop, the instruction budget checked at every transition, computed jumps and
 * returns dispatched among the region's blocks. A region that keeps leaving through computed jumps
 * for other compiled code is rebuilt once with what has run since. Code stays cached until one of
 * its pages is written (PageKind.Code marks the page, a bitmap of translated bytes tells which writes
 * hit code: only those invalidate the blocks of the page and every region that holds them).
 *
 * Exactness: generated code uses the interpreter's own state (lazy flags `lz`/`lzMask`, TLB, segment
 * limits) and inlines only the fast paths. A data access the fast path does not take leaves the
 * region before its instruction, which the run loop's interpreter then runs (`bail`); where the
 * instruction has begun to change state, and where a region leaves that way often, the slow path
 * calls the interpreter's methods after storing what its fault path expects (instrStart, espStart,
 * instructionCount, curLin, materialised lazy flags). Guest registers, segment bases/limits and the
 * TLB rights needed live in locals: stored back at every exit, around interpreter calls and by a
 * catch when a slow path faults. A transition
 * to another page checks that page as the run loop would (mapping, kind, execution breakpoints).
 * Instructions the translator does not inline but knows to be harmless to a block (no mode, paging or
 * CS change) run through the interpreter's `exec1` inside the block; the block ends after any
 * instruction that leaves attention pending, or writes translated code. Lazy flags stay in locals
 * across a region (a flag-producing instruction followed by another costs no stores) and are written
 * back at exits, before slow paths, and at transitions into a block that reads them.
 * Data accesses take the fast path only through TLB entries marked T_PLAIN (unwatched plain RAM); the
 * TLB is dropped when page kinds or watched pages change (Memory.kindEpoch).
 */
import { decodeLength } from './optable';
import { x87Comi, x87MemLoad, x87RegOp } from './fpu';
import { RAM_FRONT, type RamArena } from '../memory';

/** What the block cache reads directly from the CPU (generated code reaches the rest at run time). */
export interface JitCpu {
  readonly ram: Uint8Array;
  readonly pageKind: Uint8Array;
  readonly tlb: Int32Array;
  readonly needR: number;
  readonly eip: number;
  readonly segLimit: Uint32Array;
  readonly cs32: boolean;
  readonly ss32: boolean;
  readonly cr: Uint32Array;
  readonly flags: number;
  readonly cpl: number;
  readonly execPageFlags: Uint8Array;
  readonly hyperDr: Uint32Array;
  readonly hyperCache: Uint32Array;
  instructionCount: number;
  attn: number;
  readonly mem: { readonly kindEpoch: number; kindsChanged(): void; readonly arena: RamArena };
  readonly kindEpochSeen: number;
  plainCheck(): void;
}

/** CPU internals the out-of-line helpers touch (private in Cpu; reached at run time). */
interface JitInternals {
  readonly lz: Int32Array;
  flags: number;
  lzMask: number;
  instrStart: number;
  espStart: number;
  instructionCount: number;
  curLin: number;
  eip: number;
  attn: number;
  readonly regs: Int32Array;
  readonly segBase: Int32Array;
  readonly segRLim: Float64Array;
  readonly segWLim: Float64Array;
  readonly execPageFlags: Uint8Array;
  readonly hyperDr: Uint32Array;
  readonly hyperCache: Uint32Array;
  exec1(lin: number): void;
  getCF(): number;
  readonly mem: { readonly kindEpoch: number };
  readonly kindEpochSeen: number;
  rd8(seg: number, off: number): number;
  rd16(seg: number, off: number): number;
  rd32(seg: number, off: number): number;
  wr8(seg: number, off: number, v: number): void;
  wr16(seg: number, off: number, v: number): void;
  wr32(seg: number, off: number, v: number): void;
  wprobe(seg: number, off: number, size: number): void;
}

type BlockFn = (c: JitCpu, par: Uint8Array, room: number, j: Jit, entry: number) => number;

/**
 * Executions of a block start before it is compiled. `threshold: 1` (or X86VM_JIT_THRESHOLD=1)
 * compiles every block at first sight: a stress mode for exactness tests.
 */
export const jitConfig: {
  threshold: number; promote: number; hotShare: number; lukewarm: number; bailLimit: number; bailShare: number;
  onRegion: ((eip: number, src: string) => void) | null;
} = {
  threshold: (typeof process !== 'undefined' && Number(process.env.X86VM_JIT_THRESHOLD)) || 20,
  /**
   * Entries of a block compiled alone (the first tier: a small function, cheap for V8 to optimise
   * and to re-optimise) before its region is built (the second tier: one large function whose
   * compilation V8 spends tens to hundreds of milliseconds on). 0: regions at once.
   */
  promote: (typeof process !== 'undefined' && Number(process.env.X86VM_JIT_THRESHOLD)) === 1 ? 1 : 1000,
  /**
   * A first-tier block that took more guest instructions than this to reach `promote` entries stays
   * in the first tier (and is counted again): entered less than once per 20,000 instructions, the
   * trips to and from its code cost nothing worth a region, while building one costs a new function
   * that V8 runs unoptimised and compiles again. Such blocks are mostly loops of one block, whose
   * first-tier code loops inside itself and is counted once per entry (matmul's initialisation and
   * summing loops had new regions built in repetitions 3 to 20 of a run).
   */
  lukewarm: 20_000_000,
  /** Share of `promote` entries a first-tier block needs to join a promoted region. */
  hotShare: 1 / 8,
  /**
   * Exits through bail (a data access the fast path does not take: MMIO, a watched page, a page
   * boundary, a TLB miss, a fault to come) within BAIL_WINDOW guest instructions after which a
   * region is translated again with slow paths that call the interpreter in place (a loop writing
   * to a device's memory, say; `bailShare` says which): one exit in 2,048 instructions or more. The
   * TLB misses of a loop filling a large array come one in 5,000.
   */
  bailLimit: 64,
  /**
   * Share of those exits behind which an instruction is marked to call in place (the region's
   * other accesses keep leaving); none that stands out so: the whole region calls (Jit.bailed).
   */
  bailShare: 1 / 4,
  /** Called with the source of each region compiled, also when its function comes from the cache (a tool to read generated code). */
  onRegion: null,
};

const PAGE_CODE = 8; // PageKind.Code
/**
 * Index in `w32` (RamArena.words, the generated functions' `W32`) of RAM's first dword: the TLB's
 * 2^20 entries come first (RAM_FRONT), so generated code reads TLB entries as `w32[linear >>> 12]`
 * and RAM as `w32[(p >>> 2) + RAM_W]`.
 */
const RAM_W = RAM_FRONT >>> 2;
/**
 * Block mode bit: ES, SS and DS are flat (base 0, readable and writable up to 4 GiB), so that a
 * data access needs no segment base or limit: the TLB's page-crossing test covers the top of the
 * address space. Code translated so never loads those segment registers (the block ends first).
 */
const MODE_FLAT = 64;
const FLAT_LIM = 0xffffffff;
const PAGE_NOEXEC = 1 | 16; // PageKind.Mmio | PageKind.Unbacked

const PARITY = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let b = i; b ^= b >> 4; b ^= b >> 2; b ^= b >> 1;
  PARITY[i] = (b & 1) ? 0 : 4;
}

class Block {
  count = 0;
  fn: BlockFn | null = null;
  failed = false;
  /** Instructions in the block and the largest EIP it may fetch or branch to (CS limit check). */
  len = 0;
  maxEip = 0;
  /** Successors seen (EIP → block), for chaining without the run loop. */
  s1eip = -1;
  s1: Block | null = null;
  s2eip = -1;
  s2: Block | null = null;
  /** Instructions up to the first control transfer (an estimate used while the block is cold). */
  scan = 1;
  /** Entry index into `fn` (a region's function serves all its blocks). */
  idx = 0;
  /** The block the region was grown from; on a root: its exits to other compiled code of its page, and rebuilds. */
  root: Block | null = null;
  /** On a root: the blocks in its region. */
  size = 0;
  /** On a root: its region's blocks as translated, by EIP (their static successors), for takeovers. */
  graph: ReadonlyMap<number, TBlock> = new Map();
  misses = 0;
  rebuilds = 0;
  /** On a root: EIPs its region left for (they come first when it is rebuilt). */
  missed: number[] = [];
  /**
   * On a root: exits through bail since the instruction count `bailT`, and whether its code calls the
   * slow paths in place instead.
   */
  bails = 0;
  bailT = 0;
  calls = false;
  /**
   * On a root: its exits through bail since `bailT` by instruction (physical address; made at its
   * first bail, not for every block), and its translations for them.
   */
  bailSites: Map<number, number> | null = null;
  siteBuilds = 0;
  /** On a root: how its region was last translated (compileRegion's `again`). */
  built: { rebuild: boolean; promote: boolean; inside: boolean; extra: number[]; primary: number; mixed: boolean } = NOT_BUILT;
  /** Compiled alone as the first tier; entries since (its region is built at jitConfig.promote). */
  solo = false;
  hot = 0;
  /** The CPU's instruction count when `hot` last started from 0 (see jitConfig.lukewarm). */
  born = 0;
  /**
   * Its code writes every arithmetic flag before it reads one or takes a slow path (F_DEAD): flags
   * still pending from the region that ran before it need not be stored into the CPU.
   */
  dead = false;
  constructor(readonly pa: number, readonly eip: number, readonly mode: number, readonly slot: number) {}
}

const NOT_BUILT = { rebuild: false, promote: false, inside: false, extra: [], primary: 0, mixed: false };
/**
 * How a region's data accesses leave their fast path. `calls`: every slow path calls the interpreter
 * in place (a region that left through bail too often, Block.calls); `callAt`: the instructions
 * (physical addresses) whose slow paths do so (Jit.callSites); the others leave through bail where
 * they can. `mixed`: the machine has written data next to translated code (Jit.mixed).
 */
interface SlowPaths { readonly calls: boolean; readonly callAt: ReadonlySet<number>; readonly mixed: boolean }
const PLAIN_PATHS: SlowPaths = { calls: false, callAt: new Set<number>(), mixed: false };
const SLOTS = 1 << 16;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
/** Exits of a region to other compiled code of its page before it is rebuilt; rebuilds at most. */
const REBUILD_MISSES = 512, MAX_REBUILDS = 1;
/** The window of jitConfig.bailLimit, in guest instructions; instructions marked to call in place at most. */
const BAIL_WINDOW = 1 << 17, CALL_SITES = 1024;
/**
 * At most this many instructions per call of a region (the chaining loop calls it again): its
 * count and budget stay small integers (regions count from 0), and a new region's first long loop
 * returns through its shared exit before V8 compiles it on stack — code compiled while the exit had
 * never run deoptimised at every exit until replaced (qsort's first run: 1,695 deoptimisations → 7).
 */
const CALL_ROOM = 65536;
/**
 * Bounds of the caches (an extension host runs many sessions): a RAM buffer's generated functions'
 * sources (characters, RamArena.fns and fnChars; the buffers are the live machines' and a few given
 * back) and the process-wide REGION_CACHE's page copies (bytes); past them a cache starts again empty.
 */
const FN_CACHE_CHARS = 32 << 20, REGION_CACHE_BYTES = 16 << 20;
const cacheUse = { regionBytes: 0 };

export class Jit {
  private readonly slots: Array<Block | null> = new Array<Block | null>(SLOTS).fill(null);
  private readonly byPa = new Map<number, Block[]>();
  private readonly byPage = new Map<number, Block[]>();
  /** One bit per byte of RAM: set when the byte belongs to a translated instruction (and a spare byte at the end). */
  readonly codeBits: Uint8Array;
  /** Instructions left before the next lookup (the interpreter runs a block not compiled yet). */
  private skip = 0;
  /** True while a compiled block runs (the CPU's fault path reads `ic0`). */
  active = false;
  ic0 = 0;
  compiled = 0;
  invalidations = 0;

  /**
   * Generated code reads TLB entries and RAM's aligned dwords through one little-endian Int32Array
   * view: the CPU's TLB must sit right in front of RAM in RAM's buffer (Memory's RAM_FRONT).
   */
  static supported(ram: Uint8Array, tlb: Int32Array): boolean {
    return LITTLE_ENDIAN && (ram.byteOffset & 3) === 0 && (ram.length & 3) === 0 &&
      tlb.buffer === ram.buffer && tlb.byteOffset === ram.byteOffset - RAM_FRONT && tlb.length === RAM_FRONT >>> 2;
  }

  /**
   * Generated functions by source, for RAM's buffer (RamArena.fns): they hold its views as constants,
   * and serve every CPU that runs on that buffer (one after another: a restarted program).
   */
  private readonly fns: Map<string, BlockFn>;
  private readonly arena: RamArena;

  constructor(private readonly cpu: JitCpu) {
    this.codeBits = new Uint8Array((cpu.ram.length >>> 3) + 1);
    this.arena = cpu.mem.arena;
    this.fns = this.arena.fns as Map<string, BlockFn>;
  }

  /**
   * Run the block at linear `lin` (= CS.base + EIP) if one is compiled and fits in `room`
   * instructions; returns the number of instructions retired (0: nothing ran, interpret).
   */
  exec(lin: number, room: number): number {
    // The interpreter is inside a block that is not compiled yet: no lookups until its end.
    if (this.skip > 0) { this.skip--; return 0; }
    const c = this.cpu;
    c.plainCheck();
    const e = c.tlb[lin >>> 12];
    const need = c.needR & ~32;
    if ((e & need) !== need) return 0;
    const pa = ((e & ~0xfff) | (lin & 0xfff)) >>> 0;
    if (c.pageKind[pa >>> 12] & PAGE_NOEXEC) return 0;
    const f = c.flags;
    // CR0.AM with EFLAGS.AC at CPL 3 (alignment checks): left to the interpreter.
    if ((f & 0x40000) !== 0 && (c.cr[0] & 0x40000) !== 0 && c.cpl === 3) return 0;
    const ci = c as unknown as JitInternals, sb = ci.segBase, rl = ci.segRLim, wl = ci.segWLim;
    const flat = (sb[0] | sb[2] | sb[3]) === 0 && rl[0] === FLAT_LIM && rl[2] === FLAT_LIM && rl[3] === FLAT_LIM &&
      wl[0] === FLAT_LIM && wl[2] === FLAT_LIM && wl[3] === FLAT_LIM;
    const mode = (c.cs32 ? 1 : 0) | (c.ss32 ? 2 : 0) | ((c.cr[0] & 1) << 2) | ((f >> 14) & 8) | (c.cpl << 4) | (flat ? MODE_FLAT : 0);
    const eip = c.eip;
    const slot = (pa ^ (pa >>> 14)) & (SLOTS - 1);
    const b0 = this.slots[slot];
    let b: Block = b0 !== null && b0.pa === pa && b0.eip === eip && b0.mode === mode ? b0 : this.lookup(pa, eip, mode, slot);
    let fn = b.fn;
    if (fn === null) {
      if (b.failed || ++b.count < jitConfig.threshold) { this.skip = b.scan - 1; return 0; }
      this.compile(b);
      fn = b.fn;
      if (fn === null) return 0;
    } else if (b.solo && ++b.hot >= jitConfig.promote) {
      fn = this.promote(b);
      if (fn === null) return 0;
    }
    if (b.len > room || b.maxEip > c.segLimit[1]) return 0;
    this.ic0 = c.instructionCount;
    this.active = true;
    // Chain to compiled successors on the same page while nothing needs the run loop's attention.
    const ep = c.execPageFlags, hd = c.hyperDr, hc = c.hyperCache;
    const csBase = (lin - eip) | 0;
    let lp = lin >>> 12;
    let total = 0;
    for (;;) {
      // Flags a region left pending at its exit (J.exitk): dropped when this block writes them all
      // first, else stored into the CPU before it runs.
      if (this.pfk !== 0) { if (b.dead) this.pfk = 0; else this.flushPending(); }
      this.dyn = 0;
      const k = fn(c, PARITY, room > CALL_ROOM ? CALL_ROOM : room, this, b.idx);
      total += k;
      room -= k;
      if (this.dyn === 2) {
        // A data access left through bail (J.exitk's dyn 2), before its instruction: the run loop's
        // interpreter runs that one. A region that does so often gets slow paths calling in place.
        const r = b.root;
        jitStats.bails++;
        if (r !== null && r.fn !== null && !r.calls) this.bailed(r, this.resolve(c.eip));
        break;
      }
      if (c.attn !== 0 || ep[lp] !== 0 || hd[7] !== hc[7] || c.mem.kindEpoch !== c.kindEpochSeen) break;
      const ne = c.eip;
      const nlin = (csBase + ne) | 0;
      const nlp = nlin >>> 12;
      const te = c.tlb[nlp];
      if ((te & need) !== need) break;
      if (nlp !== lp) {
        // Another page (a call into a library function, say): the same checks as at entry — its
        // execution breakpoints and its kind — before chaining there.
        if (ep[nlp] !== 0 || (c.pageKind[te >>> 12] & PAGE_NOEXEC) !== 0) break;
        lp = nlp;
      }
      const npa = ((te & ~0xfff) | (nlin & 0xfff)) >>> 0;
      let nb: Block | null = b.s1eip === ne ? b.s1 : b.s2eip === ne ? b.s2 : null;
      if (nb !== null && nb.pa !== npa) nb = null;
      if (nb === null || nb.fn === null) {
        nb = this.find(npa, ne, mode);
        if (nb === null || nb.fn === null) break;
        if (b.s1eip === -1 || b.s1eip === ne) { b.s1eip = ne; b.s1 = nb; } else { b.s2eip = ne; b.s2 = nb; }
      }
      // A computed jump leaving a region for other compiled code of its page, often (an interpreter's
      // handlers, a switch): grow the region again with what has run since, a few times at most.
      if (nb.fn !== fn && this.dyn !== 0) {
        const r = b.root;
        if (r !== null && r.fn !== null && r.rebuilds < MAX_REBUILDS && r.missed.length < 64) r.missed.push(ne);
        // (Into another page — returns of a callee, calls through pointers — counts less.)
        if (r !== null && r.fn !== null && (r.misses += nb.pa >>> 12 === b.pa >>> 12 ? 16 : 1) >= REBUILD_MISSES && r.rebuilds < MAX_REBUILDS) {
          r.misses = 0;
          r.rebuilds++;
          jitStats.rebuilds++;
          this.compile(r, true);
          if (nb.fn === null) break;
        }
      }
      if (nb.len > room || nb.maxEip > c.segLimit[1]) break;
      b = nb;
      fn = nb.fn as BlockFn;
      if (nb.solo && ++nb.hot >= jitConfig.promote) {
        const f = this.promote(nb);
        if (f === null || nb.len > room || nb.maxEip > c.segLimit[1]) break;
        fn = f;
      }
    }
    if (this.pfk !== 0) this.flushPending();
    this.active = false;
    return total;
  }

  /**
   * Instructions (physical addresses) whose data accesses call the interpreter in place instead of
   * leaving through bail: the ones a region left through often (Jit.bailed). Translation reads it.
   */
  private readonly callSites = new Set<number>();

  /**
   * The machine has written data to a page holding translated code, next to it (set by
   * Cpu.codeWrite): a boot sector's variables and stack, a real-mode program's data. The fast paths
   * of writes translated from then on take such pages (Translator.fastCond); before, they leave for
   * them, and a region translated so is translated again at its next such exit (Jit.bailed).
   */
  mixed = false;

  /**
   * Root `r`'s code left through bail before the instruction at physical `pa` (−1: unknown). At
   * jitConfig.bailLimit exits within BAIL_WINDOW instructions the region is translated again (as
   * before: Block.built): the instructions behind at least jitConfig.bailShare of those exits call
   * in place from then on (strings' one misaligned memcpy store), or all of the region's when no
   * instruction stands out, after 4 such translations, or with CALL_SITES instructions so marked.
   */
  private bailed(r: Block, pa: number): void {
    if (this.mixed && !r.built.mixed) {
      r.bails = 0;
      r.bailSites?.clear();
      this.compile(r, false, false, true);
      return;
    }
    const now = this.cpu.instructionCount;
    const sites = r.bailSites ?? (r.bailSites = new Map<number, number>());
    if (now - r.bailT > BAIL_WINDOW) { r.bailT = now; r.bails = 0; sites.clear(); }
    if (pa >= 0) sites.set(pa, (sites.get(pa) ?? 0) + 1);
    if (++r.bails < jitConfig.bailLimit) return;
    const hot = [...sites].filter(([, n]) => n >= jitConfig.bailLimit * jitConfig.bailShare).map(([a]) => a);
    if (hot.length === 0 || r.siteBuilds >= 4 || this.callSites.size + hot.length > CALL_SITES) {
      r.calls = true;
      jitStats.callRegions++;
    } else {
      for (const a of hot) this.callSites.add(a);
      r.siteBuilds++;
      jitStats.callSites += hot.length;
    }
    r.bails = 0;
    sites.clear();
    this.compile(r, false, false, true);
  }

  /** Physical address of the code at `eip` (current CS) if it may be chained into a region, else −1. */
  private resolve(eip: number): number {
    const c = this.cpu;
    const lin = ((c as unknown as JitInternals).segBase[1] + eip) | 0;
    const e = c.tlb[lin >>> 12];
    const need = c.needR & ~32;
    if ((e & need) !== need || c.execPageFlags[lin >>> 12] !== 0) return -1;
    const pa = ((e & ~0xfff) | (lin & 0xfff)) >>> 0;
    return (c.pageKind[pa >>> 12] & PAGE_NOEXEC) !== 0 ? -1 : pa;
  }

  private find(pa: number, eip: number, mode: number): Block | null {
    const s = this.slots[(pa ^ (pa >>> 14)) & (SLOTS - 1)];
    if (s !== null && s.pa === pa && s.eip === eip && s.mode === mode) return s;
    const list = this.byPa.get(pa);
    if (list !== undefined) for (const b of list) if (b.eip === eip && b.mode === mode) return b;
    return null;
  }

  private lookup(pa: number, eip: number, mode: number, slot: number): Block {
    let list = this.byPa.get(pa);
    if (list === undefined) { list = []; this.byPa.set(pa, list); }
    for (const b of list) {
      if (b.eip === eip && b.mode === mode) { this.slots[slot] = b; return b; }
    }
    const b = new Block(pa, eip, mode, slot);
    b.scan = scanBlock(this.cpu.ram, pa, (mode & 1) !== 0);
    list.push(b);
    this.slots[slot] = b;
    return b;
  }

  /** Drop every block on physical page `page` (its bytes changed). */
  invalidatePage(page: number): void {
    const list = this.byPage.get(page);
    if (list !== undefined) {
      for (const b of list) {
        b.fn = null; b.failed = false; b.count = 0; b.root = null; b.size = 0; b.misses = 0; b.rebuilds = 0; b.missed = [];
        b.solo = false; b.hot = 0;
        const l = this.byPa.get(b.pa);
        if (l !== undefined) {
          const i = l.indexOf(b);
          if (i >= 0) l.splice(i, 1);
          if (l.length === 0) this.byPa.delete(b.pa);
        }
        if (this.slots[b.slot] === b) this.slots[b.slot] = null;
      }
      this.byPage.delete(page);
      this.invalidations++;
    }
    if (page < (this.cpu.ram.length >>> 12)) this.codeBits.fill(0, page << 9, (page + 1) << 9);
    this.cpu.pageKind[page] &= ~PAGE_CODE;
    // A running block may have written its own page: it must stop after this instruction.
    if (this.active) this.cpu.attn = 1;
  }

  /** Drop everything (translation switched off, or a reset). */
  flushAll(): void {
    for (const page of [...this.byPage.keys()]) this.invalidatePage(page);
    this.byPa.clear();
    this.slots.fill(null);
  }

  // Out-of-line helpers of the generated code (small: the slow paths stay out of the blocks).

  /** Write pending lazy flags: kind 1 arith (op, a, b, r), 2 INC/DEC (CF in x, −1: the CPU's), 3 logic (CF|OF bits in x). */
  fl(kind: number, op: number, sz: number, a: number, b: number, r: number, x: number): void {
    const c = this.cpu as unknown as JitInternals;
    // INC/DEC's CF still the CPU's (x = −1): read before the lazy state is overwritten.
    if (kind === 2 && x < 0) x = c.getCF();
    const z = c.lz;
    z[0] = op; z[3] = r; z[4] = sz;
    if (kind === 3) { c.flags = (c.flags & ~0x811) | x; c.lzMask = 0xc4; return; }
    z[1] = a; z[2] = b;
    if (kind === 2) { c.flags = (c.flags & ~1) | x; c.lzMask = ARITH_MASK & ~1; } else c.lzMask = ARITH_MASK;
  }
  /** Pending flags kept in locals across a transition (`fk`: kind | op << 2 | size << 5 | 128 for logic with CF=OF=0). */
  flk(fk: number, a: number, b: number, r: number, fc: number, fx: number): void {
    const kind = fk & 3, op = (fk >> 2) & 7, sz = (fk >> 5) & 3;
    if (kind === 1) this.fl(1, op, sz, a, b, r, 0);
    else if (kind === 2) this.fl(2, op, sz, a, 1, r, fc);
    else this.fl(3, 4, sz, 0, 0, r, (fk & 128) !== 0 ? 0 : fx);
  }
  /** What the fault path and hooks expect before a slow path of the instruction at `eip`. */
  pro(eip: number, count: number, esp: number): void {
    const c = this.cpu as unknown as JitInternals;
    c.instrStart = eip;
    c.espStart = esp;
    c.instructionCount = count;
    c.curLin = (c.segBase[1] + eip) | 0;
  }
  /** Set by a region that left through its dispatcher (a computed jump to code outside it). */
  dyn = 0;
  /** Non-zero after a slow path: the block must stop after the current instruction. */
  st = 0;
  /** Unaligned dword of RAM at physical `p` (checked by the caller's fast path). */
  u32(p: number): number {
    const r = this.cpu.ram;
    return r[p] | (r[p + 1] << 8) | (r[p + 2] << 16) | (r[p + 3] << 24);
  }
  /**
   * Slow-path read of size code `sz` (0/1/2) at seg:o for the instruction at `eip`. Generated code
   * keeps offsets as int32 (`o`: as an unsigned value, a stack address above 2 GiB made V8 box it
   * into a new heap number each time its loop went round); the slow paths take them unsigned.
   */
  rd(sz: number, seg: number, o: number, eip: number, count: number, esp: number): number {
    this.pro(eip, count, esp);
    const c = this.cpu as unknown as JitInternals;
    o >>>= 0;
    const v = sz === 2 ? c.rd32(seg, o) : sz === 1 ? c.rd16(seg, o) : c.rd8(seg, o);
    this.st = this.chk();
    return v;
  }
  /** Slow-path write. */
  wr(sz: number, seg: number, o: number, v: number, eip: number, count: number, esp: number): void {
    this.pro(eip, count, esp);
    const c = this.cpu as unknown as JitInternals;
    o >>>= 0;
    if (sz === 2) c.wr32(seg, o, v); else if (sz === 1) c.wr16(seg, o, v); else c.wr8(seg, o, v);
    this.st = this.chk();
  }
  /** Slow-path read for a read-modify-write: the write is probed first (its fault comes first). */
  rmw(sz: number, seg: number, o: number, eip: number, count: number, esp: number): number {
    this.pro(eip, count, esp);
    const c = this.cpu as unknown as JitInternals;
    o >>>= 0;
    c.wprobe(seg, o, 1 << sz);
    const v = sz === 2 ? c.rd32(seg, o) : sz === 1 ? c.rd16(seg, o) : c.rd8(seg, o);
    this.st = this.chk();
    return v;
  }
  /** Non-zero when the block must stop after the current instruction. */
  chk(): number {
    const c = this.cpu as unknown as JitInternals;
    return c.attn | c.execPageFlags[c.curLin >>> 12] | (c.hyperDr[7] ^ c.hyperCache[7]) | (c.mem.kindEpoch ^ c.kindEpochSeen);
  }
  /**
   * A region's shared exit: EIP, the last instruction's EIP, the instruction count, the pending flags
   * (`fk` and its operands, see flk), and whether a computed target left the region.
   */
  exitk(eip: number, last: number, count: number, fk: number, a: number, b: number, r: number, fc: number, fx: number, dyn: number): void {
    // Pending flags wait in pfk… for jit.exec, which drops them or stores them (flushPending) before
    // anything else runs: the next block, the run loop, a hook.
    this.pfk = fk;
    if (fk !== 0) { this.pfa = a; this.pfb = b; this.pfr = r; this.pfc = fc; this.pfx = fx; }
    this.dyn = dyn;
    this.exit(eip, last, count);
  }
  /** Flags left pending by the last region's exit: pfk (as `fk`, 0: none) and their operands. */
  private pfk = 0;
  private pfa = 0;
  private pfb = 0;
  private pfr = 0;
  private pfc = 0;
  private pfx = 0;
  private flushPending(): void {
    const fk = this.pfk;
    this.pfk = 0;
    this.flk(fk, this.pfa, this.pfb, this.pfr, this.pfc, this.pfx);
  }
  /** Leave a block: EIP (−1: already set), the last instruction's EIP, the instruction count (the region returns its own count from 0). */
  exit(eip: number, last: number, count: number): void {
    const c = this.cpu as unknown as JitInternals;
    if (eip !== -1) c.eip = eip;
    c.curLin = (c.segBase[1] + last) | 0;
    c.instructionCount = count;
  }
  /** One instruction through the interpreter inside a block; non-zero: the block must end after it. */
  interp(eip: number, count: number, next: number): number {
    const c = this.cpu as unknown as JitInternals;
    const lin = (c.segBase[1] + eip) | 0;
    c.eip = eip;
    c.instructionCount = count;
    c.curLin = lin;
    c.exec1(lin);
    if ((c.attn | c.execPageFlags[lin >>> 12] | (c.hyperDr[7] ^ c.hyperCache[7])) !== 0 || c.eip !== next) {
      c.instructionCount = count + 1;
      return 1;
    }
    return 0;
  }

  /** True when a write of physical byte `pa` hits translated code. */
  hitsCode(pa: number): boolean {
    return pa < this.cpu.ram.length && ((this.codeBits[pa >>> 3] >> (pa & 7)) & 1) !== 0;
  }

  /** A first-tier block that stayed hot: its region replaces it. */
  private promote(b: Block): BlockFn | null {
    const now = this.cpu.instructionCount;
    if (now - b.born > jitConfig.lukewarm) {
      jitStats.lukewarm++;
      b.hot = 0;
      b.born = now;
      return b.fn;
    }
    b.solo = false;
    this.compile(b, false, true);
    return b.fn;
  }

  /** Marks a frame as holding translated code: a kind change (its TLB entries lose T_WPLAIN). */
  private markCode(page: number): void {
    const c = this.cpu;
    if ((c.pageKind[page] & PAGE_CODE) === 0) {
      c.pageKind[page] |= PAGE_CODE;
      c.mem.kindsChanged();
    }
  }

  /**
   * Compile `b` (with its region unless first tier or `inside`). Pages that became Code drop the
   * TLB's write-plain entries here, before any generated code runs again.
   */
  private compile(b: Block, rebuild = false, promote = false, again = false): void {
    this.compileRegion(b, rebuild, promote, again);
    this.cpu.plainCheck();
  }

  /** `again`: the root's region as last translated (its kind and extra entries), its slow paths calls (Block.calls). */
  private compileRegion(b: Block, rebuild: boolean, promote: boolean, again: boolean): void {
    const c = this.cpu;
    const page = b.pa >>> 12;
    if (again) { rebuild = b.built.rebuild; promote = b.built.promote; }
    // A rebuild takes in the computed targets that left the region (explored with the root, their
    // static successors too), then the page's other compiled blocks (targets of computed jumps and
    // returns are no static successors) while there is room.
    const extra = again ? b.built.extra : rebuild ? [...b.missed, ...(this.byPage.get(page) ?? []).filter((m) => m.fn !== null && m.mode === b.mode && m !== b).map((m) => m.eip)] : [];
    const primary = again ? b.built.primary : rebuild ? b.missed.length : 0;
    b.missed = [];
    // Entered in the middle of translated code (after an interrupt, or a stop inside a region): the
    // rest of that block alone, which leads back into the region around it.
    const inside = again ? b.built.inside : !rebuild && !promote && this.hitsCode(b.pa);
    // First sight of a hot block: the block alone (the first tier), its region once it stays hot.
    const tier1 = !rebuild && !promote && !inside && jitConfig.promote > 0;
    b.built = { rebuild, promote, inside, extra, primary, mixed: this.mixed };
    // A promoted region takes the blocks that ran often in the first tier (each entry of a first-tier
    // block goes through exec, which counts it): V8 then optimises hot code only.
    const minHot = Math.max(1, Math.floor(jitConfig.promote * jitConfig.hotShare));
    const region = translateCached(c.ram, b.pa, b.eip, (b.mode & 1) !== 0, (b.mode & 2) !== 0, (b.mode & MODE_FLAT) !== 0, (c as unknown as JitInternals).segBase[1],
      promote ? (pa, eip) => { const f = this.find(pa, eip, b.mode); return f !== null && (f.solo ? f.hot >= minHot : f.fn !== null); }
        : (pa, eip) => this.find(pa, eip, b.mode) !== null,
      (eip) => this.resolve(eip), extra, inside || tier1 ? 1 : regionLimits.blocks, promote ? `p${minHot}` : '', primary, { calls: b.calls, callAt: this.callSites, mixed: this.mixed });
    this.markCode(page);
    const pageList = (pg: number): Block[] => {
      let l = this.byPage.get(pg);
      if (l === undefined) { l = []; this.byPage.set(pg, l); }
      return l;
    };
    const list = pageList(page);
    const bits = this.codeBits;
    const mark = (from: number, to: number): void => { for (let a = from; a < to; a++) bits[a >>> 3] |= 1 << (a & 7); };
    if (region === null) {
      // Mark the byte looked at even so: a later write there retries the block.
      mark(b.pa, b.pa + 1);
      list.push(b);
      b.failed = true;
      return;
    }
    // Generated code depends only on its text and RAM's buffer (the CPU is a parameter): CPUs that
    // run on the buffer one after another share functions, and with them V8's optimised code (a
    // restarted debug session, bench runs). The buffer's views are constants of the function (a
    // closure made once per buffer and text: V8 specialises a function to its context only while it
    // is its code's one closure); the factory's text names the buffer, or V8's cache of compiled
    // `Function` sources would give two buffers one factory and their closures one feedback cell.
    const fns = this.fns, arena = this.arena;
    let fn = fns.get(region.src);
    if (fn === undefined) {
      if (fns.size >= 20000 || arena.fnChars > FN_CACHE_CHARS) { fns.clear(); arena.fnChars = 0; }
      arena.fnChars += region.src.length;
      const make = new Function('W32', 'RAM', `// RAM buffer ${arena.id}\nreturn function (c, P, room, J, entry) {\n${region.src}\n};`) as (w32: Int32Array, ram: Uint8Array) => BlockFn;
      fn = make(arena.words, arena.ram);
      fns.set(region.src, fn);
    }
    if (jitConfig.onRegion !== null) jitConfig.onRegion(b.eip, region.src);
    const members: Block[] = [];
    const pages = new Set<number>();
    const graph = new Map(region.blocks.map((tb) => [tb.eip, tb]));
    region.blocks.forEach((tb, i) => {
      mark(tb.pa, tb.endPa);
      pages.add(tb.pa >>> 12);
      // Every block of the region can be entered there (unless it has code of its own already).
      const m = tb.pa === b.pa && tb.eip === b.eip ? b : this.lookup(tb.pa, tb.eip, b.mode, (tb.pa ^ (tb.pa >>> 14)) & (SLOTS - 1));
      // A region takes a block over from another only if it runs on from there at least as far as
      // that one (entered there from outside, it does not leave early for code the other holds: a
      // callee's entry block taken by a caller's region with no room left for the rest of the callee
      // made two transitions per call), and only from a smaller region unless it runs on further or
      // it is a rebuild. Inside a region every block of its own runs its own code anyway. (Each
      // takeover grows what runs from the block or the region holding it: no back and forth.)
      if (m.fn !== null && m !== b && m.root !== b && m.root !== null) {
        const other = m.root.graph;
        if (!covers(other, tb.eip, graph)) return;
        if (!rebuild && m.root.size >= region.blocks.length && covers(graph, tb.eip, other)) return;
      }
      m.fn = fn as BlockFn;
      m.root = b;
      b.size = region.blocks.length;
      m.idx = i;
      m.len = tb.n;
      m.maxEip = region.maxEip;
      m.dead = tb.entry === F_DEAD;
      m.failed = false;
      m.solo = false;
      members.push(m);
    });
    b.solo = tier1 && b.fn === fn;
    b.hot = 0;
    b.born = c.instructionCount;
    b.graph = graph;
    for (const [from, to] of region.code) { mark(from, to); pages.add(from >>> 12); }
    // A write to any page of the region drops every block that runs its function.
    for (const pg of pages) {
      this.markCode(pg);
      const l = pageList(pg);
      for (const m of members) if (!l.includes(m)) l.push(m);
    }
    this.compiled++;
  }
}

/**
 * Whether every block of `graph` reachable from `eip` by static successors (branches, fall-through,
 * the return site after a call) inside `graph` is in `eips`.
 */
function covers(graph: ReadonlyMap<number, TBlock>, eip: number, eips: { has(eip: number): boolean }): boolean {
  const seen = new Set<number>([eip]);
  const todo = [eip];
  while (todo.length > 0) {
    const e = todo.pop() as number;
    const tb = graph.get(e);
    if (tb === undefined) continue;
    if (!eips.has(e)) return false;
    const next = tb.kind === TK_JCC ? [tb.t, tb.f] : tb.kind === TK_DYN ? [] : [tb.t];
    if (tb.callNext >= 0) next.push(tb.callNext);
    for (const n of next) if (!seen.has(n)) { seen.add(n); todo.push(n); }
  }
  return true;
}

/** Instructions from `pa` up to and including the first control transfer (at most 64, same page). */
function scanBlock(ram: Uint8Array, pa: number, is32: boolean): number {
  const end = ((pa >>> 12) + 1) * 4096;
  let p = pa;
  for (let n = 1; n <= 64; n++) {
    const len = decodeLength(ram, p, is32);
    if (len <= 0 || p + len > end) return n;
    let q = p;
    let b = ram[q];
    while (q < p + len - 1 && (b === 0x66 || b === 0x67 || b === 0xf0 || b === 0xf2 || b === 0xf3 || b === 0x26 || b === 0x2e ||
      b === 0x36 || b === 0x3e || b === 0x64 || b === 0x65)) b = ram[++q];
    if (b === 0x0f) {
      const b2 = ram[q + 1];
      if ((b2 >= 0x80 && b2 <= 0x8f) || b2 === 0x05 || b2 === 0x07 || b2 === 0x34 || b2 === 0x35 || b2 === 0x0b) return n;
    } else if ((b >= 0x70 && b <= 0x7f) || (b >= 0xe0 && b <= 0xe3) || (b >= 0xe8 && b <= 0xeb) || (b >= 0xc2 && b <= 0xc3) ||
      (b >= 0xca && b <= 0xcf) || b === 0x9a || b === 0xf4 || b === 0xff) {
      return n;
    }
    p += len;
  }
  return 64;
}

// ---------------------------------------------------------------- translator

/** Opcodes run through the interpreter's exec1 inside a block (no CS/mode/paging change). */
const FALLBACK = new Uint8Array(0x200);
for (const op of [
  0x06, 0x07, 0x0e, 0x16, 0x17, 0x1e, 0x1f, 0x27, 0x2f, 0x37, 0x3f, 0x60, 0x61, 0x62,
  0x6c, 0x6d, 0x6e, 0x6f, 0x69, 0x6b, 0x8c, 0x8e, 0x8f, 0x9b, 0x9c, 0x9e, 0x9f,
  0xa4, 0xa5, 0xa6, 0xa7, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf,
  0xc0, 0xc1, 0xc4, 0xc5, 0xc8, 0xc9, 0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7,
  0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf,
  0xe4, 0xe5, 0xe6, 0xe7, 0xec, 0xed, 0xee, 0xef, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfc, 0xfd,
  0x131, 0x1a0, 0x1a1, 0x1a2, 0x1a3, 0x1a4, 0x1a5, 0x1a8, 0x1a9, 0x1ab, 0x1ac, 0x1ad, 0x1af,
  0x1b0, 0x1b1, 0x1b2, 0x1b3, 0x1b4, 0x1b5, 0x1b6, 0x1b7, 0x1ba, 0x1bb, 0x1bc, 0x1bd, 0x1be, 0x1bf,
  0x1c0, 0x1c1, 0x1c7, 0x1c8, 0x1c9, 0x1ca, 0x1cb, 0x1cc, 0x1cd, 0x1ce, 0x1cf,
]) FALLBACK[op] = 1;
for (let op = 0x140; op <= 0x14f; op++) FALLBACK[op] = 1;
for (let op = 0x190; op <= 0x19f; op++) FALLBACK[op] = 1;
for (let op = 0x118; op <= 0x11f; op++) FALLBACK[op] = 1;

/** POP ES/SS/DS, MOV Sreg, LES, LDS, LSS (of the interpreter fallbacks, those that may load ES, SS or DS). */
const LOADS_ES_SS_DS = new Uint8Array(0x200);
for (const op of [0x07, 0x17, 0x1f, 0x8e, 0xc4, 0xc5, 0x1b2]) LOADS_ES_SS_DS[op] = 1;

/**
 * The limit check of an n-byte access at offset `o` of segment `seg`, its linear address into `l`
 * and its TLB entry into `e`. Flat ES/SS/DS (code translated with MODE_FLAT): no check (an access
 * past 4 GiB − n crosses a page: the slow path's business).
 */
function tlbAt(flat: boolean, seg: number, n: number, write: boolean): string {
  if (flat && (seg === 0 || seg === 2 || seg === 3)) return '(e = w32[(l = o | 0) >>> 12])';
  return `(o >>> 0)${n > 1 ? ` + ${n - 1}` : ''} <= ${write ? 'wl' : 'rl'}${seg} && (e = w32[(l = (sb${seg} + o) | 0) >>> 12])`;
}

const ARITH_MASK = 0x8d5; // CF PF AF ZF SF OF
const LF_ADD = 0, LF_SUB = 2;
const K_NONE = 0, K_ARITH = 1, K_INCDEC = 2, K_LOGIC = 3;

/** How a translated block ends: falls into `t` (no branch), jumps to `t`, `cond ? t : f`, or to local `t`. */
const TK_FALL = 0, TK_JMP = 1, TK_JCC = 2, TK_DYN = 3;
/** Arithmetic flags on entry to a block: not known yet, read (live), or fully written first (dead). */
const F_UNKNOWN = 0, F_LIVE = 1, F_DEAD = 2;
/**
 * The block neither reads the flags nor writes them all before a slow path (a fault may push EFLAGS)
 * or its end: the previous block's pending flags may stay in the locals, their kind in `fk`, flushed
 * by a slow path, an exit or a transition to an F_LIVE block, handed on to an F_SLOW one.
 */
const F_SLOW = 3;
/**
 * The x87 unit is off or CR0.EM/TS is set: the direct FPU calls of translated code step aside. A
 * region constant (`xo`): nothing a region runs changes CR0 (MOV CR0, CLTS, LMSW and task switches
 * are neither translated nor interpreter fallbacks, so they end the block and the region's call).
 */
const X87_OFF = 'xo';
/** INC/DEC's pending CF (`fc`) as 0/1: −1 stands for the CPU's CF, asked for (and kept) here. */
const FC = '(fc < 0 ? (fc = c.getCF()) : fc)';
/** Placeholders in generated code: store the cached guest registers, load them again. */
const SYNC = '/*S*/', LOAD = '/*L*/';
/** Stores flags pending in `fk` (whatever their kind) into the CPU. */
const FLUSH_FK = 'if (fk !== 0) { J.flk(fk, fa, fb, fr, fc, fx); fk = 0; }';
/**
 * Generated statements that change no guest state (see Translator.bail): one assignment to a
 * temporary (address `o`, operand `a`/`b`/`v`/`t`) of an expression without calls or assignments,
 * a temporary made unsigned, or a data read into a temporary whose slow path is a bail.
 */
const PURE = /^[oabvt] = [^=;]*;$|^[abvt] >>>= 0;$/, CALL = /[\w$]\s*\(/;
/** Emitted code that may write guest memory or run other code (Translator.fwd forgets its store). */
const CLOBBER = /\b(?:w32|ram)\[[^\]]*\] = (?!=)|\b(?:w32|ram)\.|\b[Fc]\.\w+\s*\(|\bJ\./;
/** A fast path's read of size code sz (0/1/2) at physical `p` (dwords aligned: fastCond's test; `w32`: see RAM_W). */
const LOADS = ['ram[p]', '(ram[p] | (ram[p + 1] << 8))', `w32[(p >>> 2) + ${RAM_W}]`];
const BAIL_READ = new RegExp(`^if \\([^{}]*\\) [abvt] = (?:${LOADS.map((x) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')}); else \\{ [^{}(]* dy = 2; break L; \\}$`);

/** One translated basic block of a region. */
interface TBlock {
  pa: number;
  eip: number;
  endPa: number;
  /** Instructions, and the body (without the final transfer). */
  n: number;
  body: string;
  /** EIP of the last instruction; whether it had a slow path (then `x` may ask to stop). */
  last: number;
  lastSlow: boolean;
  kind: number;
  cond: string;
  t: number;
  f: number;
  /** Return address of a final CALL (explored: the caller's code after it). */
  callNext: number;
  /** F_LIVE, F_DEAD or F_SLOW: what a transition into the block does with pending flags. */
  entry: number;
  /** Hands the pending flags at the end on in `fk` (the region's shared exit, F_SLOW successors). */
  fkSet: string;
  /** The pending flags at the end written out inline (a transition to an F_LIVE block). */
  flushInline: string;
}

interface Modrm {
  reg: number;
  isReg: boolean;
  rm: number;
  ea: string;
  seg: number;
}

class Translator {
  private pos: number;
  private readonly pageEnd: number;
  private out: string[] = [];
  /** Instructions translated in the current block; largest EIP fetched/branched to (all blocks). */
  count = 0;
  maxEip = 0;
  // Current instruction.
  private i = 0;
  private ieip = 0;
  private next = 0;
  private o32 = false;
  private a32 = false;
  private segOv = -1;
  private hasSlow = false;
  // Pending flags (values in fa/fb/fr/fc/fx).
  private pk = K_NONE;
  private pOp = 0;
  private psz = 0;
  private pfx0 = false;
  /**
   * K_LOGIC whose CF|OF bits are computed only when read, from the operands kept in fa/fb and the
   * result in fr (IMUL, shifts by a constant): that expression, else ''. `pfxBoth`: a boolean
   * expression when CF = OF (IMUL's product does not fit), else ''.
   */
  private pfxLazy = '';
  private pfxBoth = '';
  private fstate = F_UNKNOWN;
  /** No flag write yet in this block: its entry may have left pending flags in `fk`. */
  private entryPending = true;
  private wroteAll = false;
  // The current block's final transfer.
  private termKind = TK_FALL;
  private termCond = '';
  private termT = -1;
  private termF = -1;
  private callNext = -1;

  /**
   * The flag state when the current instruction began: bail compares it, and an instruction that
   * cannot be translated restores it.
   */
  private sPk = K_NONE;
  private sPop = 0;
  private sPsz = 0;
  private sFx0 = false;
  private sLazy = '';
  private sBoth = '';
  private sF = F_UNKNOWN;
  private sEntry = true;
  private sWrote = false;

  /** Physical address of the current instruction. */
  private ipa = 0;

  private readonly calls: boolean;
  private readonly callAt: ReadonlySet<number>;
  private readonly mixed: boolean;

  constructor(private readonly ram: Uint8Array, page: number, private readonly cs32: boolean, private readonly ss32: boolean,
    private readonly flat: boolean, paths: SlowPaths = PLAIN_PATHS) {
    this.pos = page << 12;
    this.pageEnd = (page + 1) << 12;
    ({ calls: this.calls, callAt: this.callAt, mixed: this.mixed } = paths);
  }

  // ------------------------------------------------------------ byte fetch (translation time)

  private u8(): number {
    if (this.pos >= this.pageEnd) throw STOP;
    return this.ram[this.pos++];
  }
  private s8(): number { return (this.u8() << 24) >> 24; }
  private u16(): number { const lo = this.u8(); return lo | (this.u8() << 8); }
  private i32(): number { const lo = this.u16(); return lo | (this.u16() << 16); }
  private immV(): number { return this.o32 ? this.i32() : this.u16(); }

  // ------------------------------------------------------------ code helpers

  private emit(s: string): void {
    this.out.push(s);
    const f = this.fwd;
    if (f !== null && (CLOBBER.test(s) || (f.regs !== null && f.regs.test(s)))) this.fwd = null;
  }
  /**
   * The block's last dword store whose slow path leaves through bail (the code after it runs only
   * when its fast path wrote plain RAM), while nothing has written memory, called out or changed a
   * register of its offset since: a dword read of the same offset and segment takes the value stored
   * (`sv`) instead of reading it back (gcc's spill and reload of a local: crc32's inner loop).
   */
  private fwd: { ea: string; seg: number; regs: RegExp | null } | null = null;

  private r(sz: number, n: number): string {
    if (sz === 2) return `r${n}`;
    if (sz === 1) return `(r${n} & 0xffff)`;
    return n < 4 ? `(r${n} & 0xff)` : `((r${n - 4} >> 8) & 0xff)`;
  }
  private setR(sz: number, n: number, v: string): string {
    if (sz === 2) return `r${n} = ${v};`;
    if (sz === 1) return `r${n} = (r${n} & -65536) | ((${v}) & 0xffff);`;
    return n < 4 ? `r${n} = (r${n} & -256) | ((${v}) & 0xff);` : `r${n - 4} = (r${n - 4} & -65281) | (((${v}) & 0xff) << 8);`;
  }
  private mask(sz: number, v: string): string {
    return sz === 2 ? `((${v}) | 0)` : sz === 1 ? `((${v}) & 0xffff)` : `((${v}) & 0xff)`;
  }
  private immS(sz: number, v: number): string {
    return sz === 2 ? `${v | 0}` : sz === 1 ? `${v & 0xffff}` : `${v & 0xff}`;
  }
  private signTest(sz: number, v: string): string {
    return sz === 2 ? `(${v} < 0)` : sz === 1 ? `((${v} & 0x8000) !== 0)` : `((${v} & 0x80) !== 0)`;
  }

  /** Code writing the pending flag state into the CPU's lazy-flag fields. */
  private flushCode(): string {
    switch (this.pk) {
      case K_ARITH: return `J.fl(1, ${this.pOp}, ${this.psz}, fa, fb, fr, 0);`;
      case K_INCDEC: return `J.fl(2, ${this.pOp}, ${this.psz}, fa, 1, fr, fc);`;
      case K_LOGIC: return `J.fl(3, 4, ${this.psz}, 0, 0, fr, ${this.fxExpr()});`;
      default: return this.entryPending ? FLUSH_FK : '';
    }
  }
  /**
   * `fk` for the region's shared exit (J.exitk flushes it): the pending flags' code, nothing
   * when flags from the block's entry may still be pending in `fk`, else 0 (the CPU has them). Every
   * exit shares that one tail, so V8 has type feedback for it after the first exit of any kind, and
   * optimised code is not thrown away the first time a budget or breakpoint exit is taken.
   */
  private fkSet(): string {
    if (this.pk !== K_NONE) return `${this.fxMat()}fk = ${this.fkCode()};`;
    return this.entryPending ? '' : 'fk = 0;';
  }
  /** The pending flag state as a number for `fk` (see J.flk); 0 when nothing is pending. */
  private fkCode(): number {
    if (this.pk === K_NONE) return 0;
    return this.pk | (this.pk === K_LOGIC ? 4 << 2 : this.pOp << 2) | (this.psz << 5) | (this.pk === K_LOGIC && this.pfx0 ? 128 : 0);
  }
  /** K_LOGIC's CF|OF bits (an expression: 0, 1, 0x800 or 0x801). */
  private fxExpr(): string {
    return this.pfx0 ? '0' : this.pfxLazy !== '' ? this.pfxLazy : 'fx';
  }
  /** Computes `fx` of lazy K_LOGIC flags before `fk` hands them on (J.flk reads fx). */
  private fxMat(): string {
    return this.pk === K_LOGIC && !this.pfx0 && this.pfxLazy !== '' ? `fx = ${this.pfxLazy}; ` : '';
  }
  /** Sets K_LOGIC pending flags of size `sz`: CF = OF = 0, or CF|OF in `fx`, or computed by `lazy`. */
  private setLogic(sz: number, cfOf0: boolean, lazy = '', both = ''): void {
    this.pk = K_LOGIC; this.psz = sz; this.pfx0 = cfOf0; this.pfxLazy = lazy; this.pfxBoth = both;
  }
  /** The same stores written inline (a transition between blocks of a region: no call). */
  private flushInline(): string {
    switch (this.pk) {
      case K_ARITH: return `z[0] = ${this.pOp}; z[1] = fa; z[2] = fb; z[3] = fr; z[4] = ${this.psz}; c.lzMask = ${ARITH_MASK};`;
      case K_INCDEC: return `fc = ${FC}; z[0] = ${this.pOp}; z[1] = fa; z[2] = 1; z[3] = fr; z[4] = ${this.psz}; c.flags = (c.flags & -2) | fc; c.lzMask = ${ARITH_MASK & ~1};`;
      case K_LOGIC: return `z[0] = 4; z[3] = fr; z[4] = ${this.psz}; c.flags = (c.flags & ${~0x811}) | ${this.fxExpr()}; c.lzMask = 0xc4;`;
      default: return this.entryPending ? 'if (fk !== 0) J.flk(fk, fa, fb, fr, fc, fx);' : '';
    }
  }
  /** The block reads the CPU's flags (or may hand them to a slow path) before writing all of them. */
  private noteRead(): void { if (this.fstate === F_UNKNOWN || (this.fstate === F_SLOW && !this.wroteAll)) this.fstate = F_LIVE; }
  /** Flags leave the locals for good (an interpreter call will read or change them). */
  private flushNow(): void { this.noteRead(); this.emit(this.flushCode()); this.pk = K_NONE; }

  /** State the fault path and hooks expect, then the interpreter's slow path may run. */
  private pro(): string {
    this.hasSlow = true;
    if (this.fstate === F_UNKNOWN) this.fstate = F_SLOW;
    return this.flushCode();
  }
  /**
   * A data access's slow path: the region's shared exit before the current instruction (the run
   * loop's interpreter then runs it), when nothing of that instruction has happened yet — only
   * temporaries computed, the pending flags those it began with — else '' (the caller's slow path
   * calls the interpreter in place). An exit keeps the fast path's merge free of calls: V8 then
   * keeps what it knows about the typed arrays and locals from one access to the next, and a path
   * never taken does not cost a deoptimisation when it is (constants only, no call feedback needed).
   */
  private bail(): string {
    if (this.calls || this.callAt.has(this.ipa) || this.pk !== this.sPk || this.pOp !== this.sPop || this.psz !== this.sPsz || this.pfx0 !== this.sFx0 ||
      this.pfxLazy !== this.sLazy || this.pfxBoth !== this.sBoth || this.entryPending !== this.sEntry) return '';
    for (const s of this.out) if (!(PURE.test(s) && !CALL.test(s)) && !BAIL_READ.test(s)) return '';
    // Like a slow path, an exit may hand the entry's pending flags on (the block is not F_DEAD).
    if (this.fstate === F_UNKNOWN) this.fstate = F_SLOW;
    return `${this.fkSet()} d = ${this.i}; u = ${this.ieip}; w = ${this.ieip}; dy = 2; break L;`;
  }
  /** Arguments naming the current instruction for J.pro: its EIP, its count, ESP at its start. */
  private where(): string {
    return `${this.ieip}, ic0 + ic + ${this.i}, r4`;
  }

  private cfExpr(): string {
    const sz = this.psz;
    switch (this.pk) {
      case K_ARITH:
        if (this.pOp === LF_ADD) return sz === 2 ? '((fr >>> 0) < (fa >>> 0))' : '(fr < fa)';
        return sz === 2 ? '((fa >>> 0) < (fb >>> 0))' : '(fa < fb)';
      case K_INCDEC: return `(${FC} !== 0)`;
      case K_LOGIC: return this.pfx0 ? 'false' : this.pfxBoth !== '' ? this.pfxBoth : `((${this.fxExpr()} & 1) !== 0)`;
      default: this.noteRead(); return '(c.getCF() !== 0)';
    }
  }
  private ofExpr(): string {
    const sz = this.psz;
    const sg = sz === 1 ? 0x8000 : 0x80;
    switch (this.pk) {
      case K_ARITH: case K_INCDEC: {
        const fb = this.pk === K_INCDEC ? '1' : 'fb';
        const t = this.pOp === LF_ADD ? `((fa ^ fr) & (${fb} ^ fr))` : `((fa ^ ${fb}) & (fa ^ fr))`;
        return sz === 2 ? `(${t} < 0)` : `((${t} & ${sg}) !== 0)`;
      }
      case K_LOGIC: return this.pfx0 ? 'false' : this.pfxBoth !== '' ? this.pfxBoth : `((${this.fxExpr()} & 0x800) !== 0)`;
      default: this.noteRead(); return '(c.getOF() !== 0)';
    }
  }
  private sx(v: string): string {
    return this.psz === 2 ? v : this.psz === 1 ? `((${v} << 16) >> 16)` : `((${v} << 24) >> 24)`;
  }
  /** JS boolean expression for condition code cc (Jcc/SETcc/CMOVcc numbering). */
  private condExpr(cc: number): string {
    if (this.pk === K_NONE) { this.noteRead(); return `c.cond(${cc})`; }
    const neg = (cc & 1) !== 0;
    const sz = this.psz;
    let e: string;
    const zf = '(fr === 0)', sf = this.signTest(sz, 'fr');
    const sub = this.pk === K_ARITH && this.pOp === LF_SUB;
    switch (cc >> 1) {
      case 0: e = this.ofExpr(); break;
      case 1: e = this.cfExpr(); break;
      case 2: e = zf; break;
      case 3: e = sub ? (sz === 2 ? '((fa >>> 0) <= (fb >>> 0))' : '(fa <= fb)') : `(${this.cfExpr()} || ${zf})`; break;
      case 4: e = sf; break;
      case 5: e = '(P[fr & 0xff] !== 0)'; break;
      case 6: e = sub ? `(${this.sx('fa')} < ${this.sx('fb')})` : `(${sf} !== ${this.ofExpr()})`; break;
      default: e = sub ? `(${this.sx('fa')} <= ${this.sx('fb')})` : `(${zf} || (${sf} !== ${this.ofExpr()}))`; break;
    }
    return neg ? `!${e}` : e;
  }
  /** CF as 0/1. */
  private cf01(): string {
    if (this.pk === K_NONE) { this.noteRead(); return 'c.getCF()'; }
    if (this.pk === K_INCDEC) return FC;
    return `(${this.cfExpr()} ? 1 : 0)`;
  }

  // ------------------------------------------------------------ operands

  private modrm(): Modrm {
    const m = this.u8();
    const reg = (m >> 3) & 7, rm = m & 7, mod = m >> 6;
    if (mod === 3) return { reg, isReg: true, rm, ea: '', seg: 3 };
    let seg = 3;
    let ea: string;
    if (!this.a32) {
      const parts = ['r3 + r6', 'r3 + r7', 'r5 + r6', 'r5 + r7', 'r6', 'r7', 'r5', 'r3'];
      let base = parts[rm];
      if (rm === 2 || rm === 3) seg = 2;
      let disp = 0;
      if (rm === 6) {
        if (mod === 0) { base = ''; disp = this.u16(); } else seg = 2;
      }
      if (mod === 1) disp = this.s8();
      else if (mod === 2) disp = this.u16();
      ea = base === '' ? `${disp & 0xffff}` : `((${base}${disp ? ` + ${disp}` : ''}) & 0xffff)`;
    } else {
      const terms: string[] = [];
      let disp = 0;
      if (rm === 4) {
        const sib = this.u8();
        const base = sib & 7, idx = (sib >> 3) & 7, sc = sib >> 6;
        if (idx !== 4) terms.push(sc ? `(r${idx} << ${sc})` : `r${idx}`);
        if (base === 5 && mod === 0) disp = this.i32();
        else {
          terms.push(`r${base}`);
          if (base === 4 || base === 5) seg = 2;
        }
      } else if (rm === 5 && mod === 0) {
        disp = this.i32();
      } else {
        terms.push(`r${rm}`);
        if (rm === 5) seg = 2;
      }
      if (mod === 1) disp += this.s8();
      else if (mod === 2) disp += this.i32();
      if (terms.length === 0) ea = `${disp | 0}`;
      else {
        if (disp !== 0) terms.push(`${disp | 0}`);
        ea = `((${terms.join(' + ')}) | 0)`;
      }
    }
    if (this.segOv >= 0) seg = this.segOv;
    return { reg, isReg: false, rm, ea, seg };
  }

  private load(sz: number): string {
    return LOADS[sz];
  }
  private store(sz: number, v: string): string {
    if (sz === 0) return `ram[p] = ${v};`;
    if (sz === 1) return `ram[p] = ${v}; ram[p + 1] = ${v} >> 8;`;
    return `w32[(p >>> 2) + ${RAM_W}] = ${v};`;
  }
  /**
   * The fast path's test: plain RAM, within the segment's limit and one page, its physical address
   * into `p`. A dword must be aligned too (which keeps it within its page): gcc's code makes no
   * misaligned dword reads and few writes (0.7 % of strings' stores, all at one memcpy store, whose
   * region soon calls its slow paths in place: jitConfig.bailLimit). A test for misaligned dwords
   * within the page made matmul 10 % and strings 8 % slower.
   */
  private fastCond(sz: number, seg: number, write: boolean): string {
    const n = 1 << sz;
    const need = write ? 'nq' : 'np';
    const align = n === 4 ? ' && (l & 3) === 0' : n > 1 ? ` && (l & 0xfff) <= ${0x1000 - n}` : '';
    // TLB entries carry T_PLAIN (512): unwatched plain RAM (np/nq = needR/needW with it; nq also
    // with T_WPLAIN, 1024, until the machine writes next to its code: see below).
    const head = `(${tlbAt(this.flat, seg, n, write)} & ${need}) === ${need}${align}`;
    // `p` is set by a comma expression, not tested: a plain-RAM entry's frame lies below RAM's size,
    // so p is a non-negative int32 (the unsigned form `(p = … >>> 0) >= 0` made V8 test its sign at
    // every access: sieve 2.6 %, strings 1.0 % more host instructions).
    const pa = '((p = (e & -4096) | (l & 0xfff)), true)';
    if (!write) return `${head} && ${pa}`;
    // Writes: T_WPLAIN (1024, no page kind at all: part of `nq`, one test); once the machine has
    // written data next to translated code (Jit.mixed: real-mode programs keep data and stack right
    // next to their code), also a code page where none of the bytes written is translated code: the
    // bitmap's two bytes from p's hold the n bits (n <= 8; RAM's size is a multiple of 8 bytes and
    // the bitmap has one byte more). Without that test the bitmap stays out of the code (with it in
    // every store, where gcc's programs never need it, sieve took 6 % longer).
    if (!this.mixed) return `${head} && ${pa}`;
    return `${head} && ${pa} && ((e & 1024) !== 0 || (((cbm[p >>> 3] | (cbm[(p >>> 3) + 1] << 8)) >> (p & 7)) & ${(1 << n) - 1}) === 0)`;
  }
  /** Read size sz (0/1/2) at seg:o into `dst`. */
  private readMem(sz: number, seg: number, ea: string, dst: string): void {
    this.emit(`o = ${ea};`);
    const f = this.fwd;
    if (sz === 2 && f !== null && f.ea === ea && f.seg === seg) {
      // Written by the block's fast path just before: plain RAM, readable (write rights include read
      // rights, T_PLAIN both), and nothing has written it since.
      this.emit(`${dst} = sv;`);
      return;
    }
    const slow = this.bail() || `${this.pro()} ${dst} = J.rd(${sz}, ${seg}, o, ${this.where()}); x |= J.st;`;
    this.emit(`if (${this.fastCond(sz, seg, false)}) ${dst} = ${this.load(sz)}; else { ${slow} }`);
  }
  private writeMem(sz: number, seg: number, ea: string, v: string): void {
    this.emit(`o = ${ea};`);
    const bail = this.bail();
    const slow = bail || `${this.pro()} J.wr(${sz}, ${seg}, o, ${v}, ${this.where()}); x |= J.st;`;
    const fwd = sz === 2 && bail !== '';
    this.emit(`if (${this.fastCond(sz, seg, true)}) { ${this.store(sz, fwd ? `sv = ${v}` : v)} } else { ${slow} }`);
    if (fwd) {
      const regs = [...new Set(ea.match(/\br\d\b/g) ?? [])];
      this.fwd = { ea, seg, regs: regs.length === 0 ? null : new RegExp(`\\b(?:${regs.join('|')}) = (?!=)`) };
    }
  }
  /** Read-modify-write: probe for writing, read into `dst`; `rmwEnd` writes `v` back. */
  private rmwBegin(sz: number, seg: number, ea: string, dst: string): void {
    this.emit(`o = ${ea};`);
    const bail = this.bail();
    this.rmwBailed = bail !== '';
    if (this.rmwBailed) this.emit(`if (${this.fastCond(sz, seg, true)}) ${dst} = ${this.load(sz)}; else { ${bail} }`);
    else this.emit(`if (${this.fastCond(sz, seg, true)}) { m = 1; ${dst} = ${this.load(sz)}; } else { ${this.pro()} ${dst} = J.rmw(${sz}, ${seg}, o, ${this.where()}); x |= J.st; m = 0; }`);
  }
  /** rmwBegin's access left through bail: only its fast path goes on, and the write back is one too. */
  private rmwBailed = false;
  private rmwEnd(sz: number, seg: number, v: string): void {
    if (this.rmwBailed) this.emit(this.store(sz, v));
    else this.emit(`if (m !== 0) { ${this.store(sz, v)} } else { ${this.pro()} J.wr(${sz}, ${seg}, o, ${v}, ${this.where()}); x |= J.st; }`);
  }

  /** r/m operand value into `dst` (register expression inlined). */
  private rmRead(sz: number, mr: Modrm, dst: string): void {
    if (mr.isReg) this.emit(`${dst} = ${this.r(sz, mr.rm)};`);
    else this.readMem(sz, mr.seg, mr.ea, dst);
  }
  private rmWrite(sz: number, mr: Modrm, v: string): void {
    if (mr.isReg) this.emit(this.setR(sz, mr.rm, v));
    else this.writeMem(sz, mr.seg, mr.ea, v);
  }

  private push(v: string): void {
    const n = this.o32 ? 4 : 2, sz = this.o32 ? 2 : 1;
    if (this.ss32) {
      this.writeMem(sz, 2, `(r4 - ${n}) | 0`, v);
      this.emit(`r4 = (r4 - ${n}) | 0;`);
    } else {
      this.writeMem(sz, 2, `(r4 - ${n}) & 0xffff`, v);
      this.emit('r4 = (r4 & -65536) | o;');
    }
  }
  private pop(dst: string): void {
    const n = this.o32 ? 4 : 2, sz = this.o32 ? 2 : 1;
    this.readMem(sz, 2, this.ss32 ? 'r4' : 'r4 & 0xffff', dst);
    this.emit(this.ss32 ? `r4 = (r4 + ${n}) | 0;` : `r4 = (r4 & -65536) | ((r4 + ${n}) & 0xffff);`);
  }

  /** ALU op (0-7) on a and b (JS expressions, normalised); result in `fr` (op 2/3: in `r`). */
  private alu(op: number, sz: number, a: string, b: string): string {
    switch (op) {
      case 0: case 5: case 7:
        this.emit(`fa = ${a}; fb = ${b}; fr = ${this.mask(sz, op === 0 ? 'fa + fb' : 'fa - fb')};`);
        this.pk = K_ARITH; this.pOp = op === 0 ? LF_ADD : LF_SUB; this.psz = sz;
        return 'fr';
      case 1: case 4: case 6: {
        const o = op === 1 ? '|' : op === 4 ? '&' : '^';
        this.emit(`fr = ${this.mask(sz, `(${a}) ${o} (${b})`)};`);
        this.setLogic(sz, true);
        return 'fr';
      }
      default: { // ADC / SBB: the lazy op depends on the carry in; written out directly.
        this.emit(`t = ${this.cf01()}; a = ${a}; b = ${b}; r = ${this.mask(sz, op === 2 ? 'a + b + t' : 'a - b - t')};`);
        this.emit(`z[0] = ${op === 2 ? 't' : '2 + t'}; z[1] = a; z[2] = b; z[3] = r; z[4] = ${sz}; c.lzMask = ${ARITH_MASK};`);
        this.pk = K_NONE;
        return 'r';
      }
    }
  }
  private incdec(dec: boolean, sz: number, v: string): string {
    // CF passes through: from the pending flags, or −1 for "the CPU's" (its lazy state is still the
    // one before this instruction until these flags are flushed; whoever reads or flushes asks it).
    let cf = 'fc';
    if (this.pk === K_NONE) { this.noteRead(); cf = '-1'; } else if (this.pk !== K_INCDEC) cf = this.cf01();
    this.emit(`fc = ${cf}; fa = ${v}; fr = ${this.mask(sz, dec ? 'fa - 1' : 'fa + 1')};`);
    this.pk = K_INCDEC; this.pOp = dec ? LF_SUB : LF_ADD; this.psz = sz;
    return 'fr';
  }

  private target(d: number): number {
    const t = this.o32 ? (this.next + d) >>> 0 : (this.next + d) & 0xffff;
    if (t > this.maxEip) this.maxEip = t;
    return t;
  }
  /** The block ends with a branch to static `t` (taken when `cond`, else to `f`; no `cond`: always). */
  private branch(t: number, cond: string | null = null, f = -1): number {
    this.termKind = cond === null ? TK_JMP : TK_JCC;
    this.termCond = cond ?? '';
    this.termT = t;
    this.termF = f;
    return 1;
  }
  /** The block ends with a computed branch: the target EIP is in local `t` (CS limit checked). */
  private branchDyn(): number {
    this.termKind = TK_DYN;
    return 1;
  }
  /** Runtime CS-limit check of an indirect target in `t`. */
  private limitCheck(): void {
    // Leaving before the instruction when nothing of it has happened (RET, CALL/JMP r/m: the target
    // read only), the interpreter raises the #GP: no call on the hot path of every return.
    this.emit(`if (t > cl1) { ${this.bail() || `${this.pro()} J.pro(${this.where()}); c.gp(0);`} }`);
  }

  // ------------------------------------------------------------ translation

  /**
   * Translate the basic block at physical `pa` / EIP `eip` (same page as the translator's), or null
   * when not even its first instruction can be translated.
   */
  block(pa: number, eip: number): TBlock | null {
    this.pos = pa;
    this.fwd = null;
    this.count = 0;
    this.pk = K_NONE;
    this.fstate = F_UNKNOWN;
    this.entryPending = true;
    this.wroteAll = false;
    this.termKind = TK_FALL;
    this.callNext = -1;
    const eip0 = eip;
    const body: string[] = [];
    let ended = false;
    let lastIeip = eip;
    let lastSlow = false;
    for (;;) {
      const start = this.pos;
      this.ipa = start;
      this.out = [];
      this.i = this.count;
      this.ieip = eip;
      this.hasSlow = false;
      this.sPk = this.pk; this.sPop = this.pOp; this.sPsz = this.psz; this.sFx0 = this.pfx0; this.sLazy = this.pfxLazy; this.sBoth = this.pfxBoth;
      this.sF = this.fstate; this.sEntry = this.entryPending; this.sWrote = this.wroteAll;
      let res: number;
      try {
        res = this.insn(start, eip);
      } catch (e) {
        if (e !== STOP) throw e;
        res = -1;
      }
      const len = this.pos - start;
      if (res < 0 || (!this.cs32 && eip + len > 0xffff)) { // not translated: the block ends before it
        this.pos = start;
        this.pk = this.sPk; this.pOp = this.sPop; this.psz = this.sPsz; this.pfx0 = this.sFx0; this.pfxLazy = this.sLazy; this.pfxBoth = this.sBoth;
        this.fstate = this.sF; this.entryPending = this.sEntry; this.wroteAll = this.sWrote;
        this.termKind = TK_FALL;
        break;
      }
      body.push(`// ${this.count}: eip ${eip.toString(16)}`);
      body.push(...this.out);
      this.count++;
      lastIeip = eip;
      const lastByte = eip + len - 1;
      if (lastByte > this.maxEip) this.maxEip = lastByte;
      eip = eip + len;
      // The first instruction that sets every arithmetic flag, before any read or slow path: the
      // flags are dead on entry to this block.
      if (this.pk !== K_NONE) {
        if (this.fstate === F_UNKNOWN) this.fstate = F_DEAD;
        this.entryPending = false;
        this.wroteAll = true;
      }
      if (res === 1) { ended = true; lastSlow = this.hasSlow; break; }
      // A slow path asked to stop: leave through the region's shared exit.
      if (this.hasSlow) body.push(`if (x !== 0) { ${this.fkSet()} d = ${this.count}; u = ${this.ieip}; w = ${eip}; break L; }`);
      if (this.count >= 64 || this.pos >= this.pageEnd) break;
    }
    if (this.count === 0) return null;
    this.ieip = lastIeip;
    if (!ended) { this.termKind = TK_FALL; this.termT = eip; }
    // A block that neither reads nor writes the flags passes pending ones on (its entry F_SLOW, its
    // transitions hand `fk` on or flush it).
    if (this.fstate === F_UNKNOWN) this.fstate = F_SLOW;
    return {
      pa, eip: eip0, endPa: this.pos, n: this.count, body: body.join('\n'), last: lastIeip, lastSlow,
      kind: this.termKind, cond: this.termCond, t: this.termT, f: this.termF, callNext: this.callNext,
      entry: this.fstate, fkSet: this.fkSet(), flushInline: this.flushInline(),
    };
  }

  /**
   * Translate one instruction at physical `start` / EIP `eip` into this.out.
   * Returns 0 (continue), 1 (the block ends after it; it set c.eip), −1 (not translatable).
   */
  private insn(start: number, eip: number): number {
    this.o32 = this.cs32; this.a32 = this.cs32; this.segOv = -1;
    let rep = 0, lock = false;
    let b = this.u8();
    for (let n = 0; ; n++) {
      if (n > 4) return -1;
      if (b === 0x66) this.o32 = !this.cs32;
      else if (b === 0x67) this.a32 = !this.cs32;
      else if (b === 0x26 || b === 0x2e || b === 0x36 || b === 0x3e) this.segOv = (b >> 3) & 3;
      else if (b === 0x64 || b === 0x65) this.segOv = b - 0x60;
      else if (b === 0xf2 || b === 0xf3) rep = b;
      else if (b === 0xf0) lock = true;
      else break;
      b = this.u8();
    }
    if (b === 0x0f) b = 0x100 | this.u8();
    const afterOp = this.pos;
    // Length as the decoder sees it (also rejects #UD encodings, which the interpreter raises).
    const len = decodeLength(this.ram, start, this.cs32);
    if (len < 0 || start + len > this.pageEnd) return -1;
    this.next = eip + len;
    let r = -1;
    if (rep === 0 && !lock) r = this.inline(b);
    else if (rep === 0xf3 && !lock && b === 0x11e) { this.modrm(); r = 0; } // ENDBR32 and other F3 0F 1E hint NOPs
    else if (rep !== 0 && !lock && (b === 0xa4 || b === 0xa5 || b === 0xaa || b === 0xab) && this.a32 && this.flat && this.segOv !== 1 && this.segOv < 4) r = this.repRun(b);
    if (r >= 0) {
      // A disagreement with the decoder would be a translator bug: leave the instruction to the interpreter.
      if (this.pos !== start + len) { jitStats.lengthMismatches++; return -1; }
      return r;
    }
    // x87 (but FNSTSW AX, which writes a guest register): decoded here, run by the CPU's x87 entry.
    if (rep === 0 && !lock && b >= 0xd8 && b <= 0xdf && !(b === 0xdf && this.ram[afterOp] === 0xe0)) {
      this.out = [];
      this.hasSlow = false;
      this.pos = afterOp;
      const m = this.ram[afterOp];
      const mr = this.modrm();
      if (this.pos !== start + len) return -1;
      if (mr.isReg && x87RegOp(b - 0xd8, m)) {
        // The register forms that touch neither memory nor EFLAGS straight to the FPU; through the
        // CPU's entry (its checks, #NM, a pending exception, the fault state) when it declines.
        this.emit(`if (${X87_OFF} || !F.regOp(${b - 0xd8}, ${m}, ${this.ieip}, cs1)) { ${this.x87Call(b, m, '0', 0)} }`);
        return 0;
      }
      const size = x87MemLoad(b - 0xd8, m);
      if (size !== 0) {
        // The forms that only read their operand likewise, its bytes read here (plain RAM within
        // the segment's limit and one page; else the CPU's entry, which raises any fault).
        const sz = size === 8 ? 3 : size === 4 ? 2 : 1;
        const rd = size === 8 ? `(p & 3) === 0 ? (a = ${this.load(2)}, b = w32[(p >>> 2) + ${RAM_W + 1}]) : (a = J.u32(p), b = J.u32(p + 4))` : `a = ${this.load(sz)}`;
        this.emit(`o = ${mr.ea};`);
        this.emit(`if (${X87_OFF} || !(${this.fastCond(sz, mr.seg, false)}) || (${rd}, !F.memOp(${b - 0xd8}, ${m}, a, b, ${this.ieip}, cs1, o, c.segSel[${mr.seg}]))) { ${this.x87Call(b, m, 'o', mr.seg)} }`);
        return 0;
      }
      this.flushNow(); // FCOMI writes ZF/PF/CF, FCMOVcc reads them
      if (x87Comi(b - 0xd8, m)) {
        // FCOMI and kin straight to the FPU, which sets ZF/PF/CF (the CPU's entry when it declines).
        this.emit(`if (${X87_OFF} || !F.comiOp(c, ${b - 0xd8}, ${m}, ${this.ieip}, cs1)) { ${this.x87Call(b, m, '0', 0)} }`);
        return 0;
      }
      this.emit(this.x87Call(b, m, mr.isReg ? '0' : mr.ea, mr.seg));
      return 0;
    }
    // Interpreter fallback for harmless instructions.
    this.out = [];
    this.hasSlow = false;
    this.pos = afterOp;
    let ok = FALLBACK[b] === 1;
    if (b === 0xfe || b === 0xff) {
      const reg = (this.ram[afterOp] >> 3) & 7;
      ok = reg === 0 || reg === 1 || (b === 0xff && reg === 6);
    }
    // Flat code assumes ES/SS/DS stay flat: a load of one of them ends the block before it.
    if (!ok || (this.flat && LOADS_ES_SS_DS[b] === 1)) return -1;
    this.pos = start + len;
    this.flushNow();
    // x87 instructions change no general register but AX (FNSTSW AX), no segment and no paging state.
    const reload = b >= 0xd8 && b <= 0xdf ? (b === 0xdf && this.ram[afterOp] === 0xe0 ? 'r0 = g[0];' : '') : LOAD;
    this.emit(this.interpCall(reload));
    return 0;
  }

  /**
   * ESC opcode `b` with ModRM `m` through the CPU's x87 entry, as a slow path (its checks and faults;
   * instrStart is also the FPU instruction pointer; the offset `ea` as a signed word).
   */
  private x87Call(b: number, m: number, ea: string, seg: number): string {
    return `${this.pro()} J.pro(${this.where()}); c.x87(${b}, ${m}, ${ea}, ${seg}, ${this.o32}); x |= J.chk();`;
  }

  /**
   * REP MOVS/STOS (flat segments, 32-bit addresses): nothing when ECX = 0; the whole run at once when
   * the interpreter too would do it in one step (ECX 1–1024, DF = 0: one instruction counted), each
   * side within one page of plain RAM, the destination's page without translated code or watches,
   * the two ranges apart (and STOSD's destination aligned); anything else through the interpreter.
   */
  private repRun(b: number): number {
    const sz = (b & 1) === 0 ? 0 : this.o32 ? 2 : 1, n = 1 << sz, movs = b <= 0xa5;
    const dst = `((e = w32[(l = r7 | 0) >>> 12]) & nq) === nq${this.mixed ? ' && (e & 1024) !== 0' : ''} && (l & 0xfff) + m <= 4096 && (q = (e & -4096) | (l & 0xfff)) >= 0`;
    const src = '((e = w32[(l = r6 | 0) >>> 12]) & np) === np && (l & 0xfff) + m <= 4096 && (p = (e & -4096) | (l & 0xfff)) >= 0 && (p + m <= q || q + m <= p)';
    const ok = `t <= 1024 && (c.flags & 0x400) === 0 && (m = t * ${n}) > 0 && ${dst}${movs ? ` && ${src}` : sz === 2 ? ' && (q & 3) === 0' : ''}`;
    const run = movs ? 'ram.copyWithin(q, p, p + m); r6 = (r6 + m) | 0;'
      : sz === 0 ? 'ram.fill(r0 & 0xff, q, q + m);'
        : sz === 2 ? `w32.fill(r0, (q >>> 2) + ${RAM_W}, ((q + m) >>> 2) + ${RAM_W});`
          : 'for (k = 0; k < m; k += 2) { ram[q + k] = r0; ram[q + k + 1] = r0 >> 8; }';
    // ECX = 0 (memcpy's REP MOVSB after REP MOVSD for a multiple of 4 bytes): no iteration, no access.
    this.emit(`if ((t = r1) === 0) {} else if (${ok}) { ${run} r7 = (r7 + m) | 0; r1 = 0; } else { ${this.pro()} ${this.interpCall(LOAD)} }`);
    return 0;
  }

  /**
   * The current instruction run by the interpreter (registers stored first, `reload` after it; the
   * flags must be in the CPU): the region returns when it faulted or must stop.
   */
  private interpCall(reload: string): string {
    return `${SYNC} y = 0; if (J.interp(${this.ieip}, ic0 + ic + ${this.i}, ${this.next}) !== 0) return ic + ${this.i + 1}; y = 1; ${reload}`;
  }

  /** Inline translation of the common instructions; −1 when not handled here. */
  private inline(b: number): number {
    const vsz = this.o32 ? 2 : 1;
    if (b < 0x40 && (b & 7) < 6) { // ALU
      const op = (b >> 3) & 7;
      const form = b & 7;
      if (form === 4 || form === 5) {
        const sz = form === 4 ? 0 : vsz;
        const imm = sz === 0 ? this.u8() : this.immV();
        const res = this.alu(op, sz, this.r(sz, 0), this.immS(sz, imm));
        if (op !== 7) this.emit(this.setR(sz, 0, res));
        return 0;
      }
      const sz = (form & 1) === 0 ? 0 : vsz;
      const mr = this.modrm();
      if (form < 2) { // r/m is the destination
        if (mr.isReg) {
          const res = this.alu(op, sz, this.r(sz, mr.rm), this.r(sz, mr.reg));
          if (op !== 7) this.emit(this.setR(sz, mr.rm, res));
        } else if (op === 7) {
          this.readMem(sz, mr.seg, mr.ea, 'a');
          this.alu(7, sz, 'a', this.r(sz, mr.reg));
        } else {
          this.rmwBegin(sz, mr.seg, mr.ea, 'a');
          const res = this.alu(op, sz, 'a', this.r(sz, mr.reg));
          this.rmwEnd(sz, mr.seg, res);
        }
      } else {
        this.rmRead(sz, mr, 'b');
        const res = this.alu(op, sz, this.r(sz, mr.reg), 'b');
        if (op !== 7) this.emit(this.setR(sz, mr.reg, res));
      }
      return 0;
    }
    if (b >= 0x40 && b <= 0x4f) {
      const res = this.incdec(b >= 0x48, vsz, this.r(vsz, b & 7));
      this.emit(this.setR(vsz, b & 7, res));
      return 0;
    }
    if (b >= 0x50 && b <= 0x57) { this.emit(`v = r${b & 7};`); this.push('v'); return 0; }
    if (b >= 0x58 && b <= 0x5f) { this.pop('v'); this.emit(this.setR(vsz, b & 7, 'v')); return 0; }
    if (b === 0x68 || b === 0x6a) {
      const imm = b === 0x68 ? this.immV() : this.s8();
      this.emit(`v = ${imm | 0};`);
      this.push('v');
      return 0;
    }
    if (b === 0x69 || b === 0x6b || b === 0x1af) {
      if (!this.o32) return -1;
      const mr = this.modrm();
      this.rmRead(2, mr, 'a');
      const imm = b === 0x69 ? `${this.i32()}` : b === 0x6b ? `${this.s8()}` : `r${mr.reg}`;
      this.emit(`fa = a; fb = ${imm}; fr = Math.imul(fa, fb); r${mr.reg} = fr;`);
      this.setLogic(2, false, '(fa * fb !== fr ? 0x801 : 0)', '(fa * fb !== fr)');
      return 0;
    }
    if ((b >= 0x70 && b <= 0x7f) || (b >= 0x180 && b <= 0x18f)) {
      const d = b < 0x100 ? this.s8() : this.o32 ? this.i32() : (this.u16() << 16) >> 16;
      const t = this.target(d);
      return this.branch(t, this.condExpr(b & 15), this.next);
    }
    if (b >= 0x80 && b <= 0x83) {
      const sz = (b & 1) === 0 ? 0 : vsz;
      const mr = this.modrm();
      const op = mr.reg;
      const rd = (): string => this.immS(sz, b === 0x81 ? this.immV() : b === 0x83 ? this.s8() : this.u8());
      if (mr.isReg) {
        const res = this.alu(op, sz, this.r(sz, mr.rm), rd());
        if (op !== 7) this.emit(this.setR(sz, mr.rm, res));
      } else if (op === 7) {
        this.readMem(sz, mr.seg, mr.ea, 'a');
        this.alu(7, sz, 'a', rd());
      } else {
        this.rmwBegin(sz, mr.seg, mr.ea, 'a');
        const res = this.alu(op, sz, 'a', rd());
        this.rmwEnd(sz, mr.seg, res);
      }
      return 0;
    }
    if (b === 0x84 || b === 0x85) {
      const sz = b === 0x84 ? 0 : vsz;
      const mr = this.modrm();
      this.rmRead(sz, mr, 'a');
      this.alu(4, sz, 'a', this.r(sz, mr.reg));
      return 0;
    }
    if (b === 0x86 || b === 0x87) {
      const sz = b === 0x86 ? 0 : vsz;
      const mr = this.modrm();
      if (mr.isReg) {
        this.emit(`a = ${this.r(sz, mr.rm)}; v = ${this.r(sz, mr.reg)};`);
        this.emit(this.setR(sz, mr.rm, 'v'));
        this.emit(this.setR(sz, mr.reg, 'a'));
      } else {
        this.rmwBegin(sz, mr.seg, mr.ea, 'a');
        this.emit(`v = ${this.r(sz, mr.reg)};`);
        this.rmwEnd(sz, mr.seg, 'v');
        this.emit(this.setR(sz, mr.reg, 'a'));
      }
      return 0;
    }
    if (b >= 0x88 && b <= 0x8b) {
      const sz = (b & 1) === 0 ? 0 : vsz;
      const mr = this.modrm();
      if (b < 0x8a) { this.emit(`v = ${this.r(sz, mr.reg)};`); this.rmWrite(sz, mr, 'v'); }
      else { this.rmRead(sz, mr, 'v'); this.emit(this.setR(sz, mr.reg, 'v')); }
      return 0;
    }
    if (b === 0x8d) {
      const mr = this.modrm();
      if (mr.isReg) return -1;
      // Registers hold int32, as address expressions do (an unsigned value would make V8 keep the
      // register as a double).
      this.emit(this.setR(vsz, mr.reg, mr.ea));
      return 0;
    }
    if (b === 0x90) return 0;
    if (b >= 0x91 && b <= 0x97) {
      const n = b & 7;
      this.emit(`t = ${this.r(vsz, n)};`);
      this.emit(this.setR(vsz, n, this.r(vsz, 0)));
      this.emit(this.setR(vsz, 0, 't'));
      return 0;
    }
    if (b === 0x98) { this.emit(this.o32 ? 'r0 = (r0 << 16) >> 16;' : this.setR(1, 0, '(r0 << 24) >> 24')); return 0; }
    if (b === 0x99) { this.emit(this.o32 ? 'r2 = r0 >> 31;' : this.setR(1, 2, '(r0 & 0x8000) ? 0xffff : 0')); return 0; }
    // MOVS, STOS, LODS without REP (REP forms: the interpreter's bulk paths). DF is never lazy.
    if (b === 0xa4 || b === 0xa5 || (b >= 0xaa && b <= 0xad)) {
      const sz = (b & 1) === 0 ? 0 : vsz;
      const si = b !== 0xaa && b !== 0xab, di = b < 0xac;
      const idx = (n: number): string => this.a32 ? `r${n}` : `r${n} & 0xffff`;
      if (si) this.readMem(sz, this.segOv >= 0 ? this.segOv : 3, idx(6), 'v');
      else this.emit(`v = ${this.r(sz, 0)};`);
      if (di) this.writeMem(sz, 0, idx(7), 'v');
      else this.emit(this.setR(sz, 0, 'v'));
      this.emit(`k = (c.flags & 0x400) !== 0 ? ${-(1 << sz)} : ${1 << sz};`);
      for (const n of si && di ? [6, 7] : si ? [6] : [7]) {
        this.emit(this.a32 ? `r${n} = (r${n} + k) | 0;` : `r${n} = (r${n} & -65536) | ((r${n} + k) & 0xffff);`);
      }
      return 0;
    }
    if (b === 0xfc || b === 0xfd) { this.emit(b === 0xfc ? 'c.flags &= -1025;' : 'c.flags |= 1024;'); return 0; }
    if (b >= 0xa0 && b <= 0xa3) {
      const off = this.a32 ? this.i32() | 0 : this.u16();
      const seg = this.segOv >= 0 ? this.segOv : 3;
      const sz = (b & 1) === 0 ? 0 : vsz;
      if (b < 0xa2) { this.readMem(sz, seg, `${off}`, 'v'); this.emit(this.setR(sz, 0, 'v')); }
      else { this.emit('v = r0;'); this.writeMem(sz, seg, `${off}`, 'v'); }
      return 0;
    }
    if (b === 0xa8 || b === 0xa9) {
      const sz = b === 0xa8 ? 0 : vsz;
      const imm = sz === 0 ? this.u8() : this.immV();
      this.alu(4, sz, this.r(sz, 0), this.immS(sz, imm));
      return 0;
    }
    if (b >= 0xb0 && b <= 0xb7) { this.emit(this.setR(0, b & 7, `${this.u8()}`)); return 0; }
    if (b >= 0xb8 && b <= 0xbf) { this.emit(this.setR(vsz, b & 7, `${this.immV() | 0}`)); return 0; }
    if (b === 0xd2 || b === 0xd3) { // SHL/SHR/SAR by CL: a zero count leaves the flags as they are
      const sz = b === 0xd2 ? 0 : vsz;
      const mr = this.modrm();
      const op = mr.reg;
      if (op < 4) return -1;
      const bits = 8 << sz, m = sz === 2 ? -1 : (1 << bits) - 1, sign = sz === 2 ? -0x80000000 : 1 << (bits - 1);
      this.flushNow();
      if (mr.isReg) this.emit(`a = ${this.r(sz, mr.rm)};`);
      else this.rmwBegin(sz, mr.seg, mr.ea, 'a');
      this.emit('t = r1 & 31; v = a;');
      let body: string;
      if (op === 5) {
        body = sz === 2 ? 'v = a >>> t; b = (a >>> (t - 1)) & 1;'
          : `if (t < ${bits}) { v = a >>> t; b = (a >>> (t - 1)) & 1; } else { v = 0; b = t === ${bits} ? (a >>> ${bits - 1}) & 1 : 0; }`;
        body += ` k = t === 1 && (a & ${sign}) !== 0 ? 0x800 : 0;`;
      } else if (op === 7) {
        const sv = sz === 2 ? 'a' : sz === 1 ? '((a << 16) >> 16)' : '((a << 24) >> 24)';
        body = sz === 2 ? 'v = a >> t; b = (a >> (t - 1)) & 1;'
          : `e = ${sv}; if (t < ${bits}) { v = (e >> t) & ${m}; b = (e >> (t - 1)) & 1; } else { v = e < 0 ? ${m} : 0; b = e < 0 ? 1 : 0; }`;
        body += ' k = 0;';
      } else {
        body = sz === 2 ? 'v = a << t; b = (a >>> (32 - t)) & 1;'
          : `if (t < ${bits}) { v = (a << t) & ${m}; b = (a >>> (${bits} - t)) & 1; } else { v = 0; b = t === ${bits} ? a & 1 : 0; }`;
        body += ` k = ((v & ${sign}) !== 0 ? 1 : 0) !== b ? 0x800 : 0;`;
      }
      this.emit(`if (t !== 0) { ${body} z[0] = 4; z[3] = v; z[4] = ${sz}; c.flags = (c.flags & ${~0x811}) | b | k; c.lzMask = 0xc4; }`);
      if (mr.isReg) this.emit(this.setR(sz, mr.rm, 'v'));
      else this.rmwEnd(sz, mr.seg, 'v');
      return 0;
    }
    if (b === 0xc0 || b === 0xc1 || b === 0xd0 || b === 0xd1) {
      const sz = (b & 1) === 0 ? 0 : vsz;
      const mr = this.modrm();
      const op = mr.reg;
      if (op >= 2 && op < 4) return -1;
      const cnt = (b >= 0xd0 ? 1 : this.u8()) & 31;
      const bits = 8 << sz;
      if (op < 2) { // ROL / ROR by a constant: CF and OF change, the other flags stay (as setFlagBits)
        if (cnt === 0) return -1;
        const k = cnt & (bits - 1), m = sz === 2 ? -1 : (1 << bits) - 1;
        this.flushNow();
        if (mr.isReg) this.emit(`a = ${this.r(sz, mr.rm)};`);
        else this.rmwBegin(sz, mr.seg, mr.ea, 'a');
        const rot = k === 0 ? 'a' : op === 0 ? `((a << ${k}) | (a >>> ${bits - k})) & ${m}` : `((a >>> ${k}) | (a << ${bits - k})) & ${m}`;
        const msb = `(v >>> ${bits - 1}) & 1`;
        this.emit(`v = ${rot}; t = ${op === 0 ? 'v & 1' : msb}; c.setFlagBits(0x801, t | ((${op === 0 ? msb : `(v >>> ${bits - 2}) & 1`}) !== t ? 0x800 : 0));`);
        if (mr.isReg) this.emit(this.setR(sz, mr.rm, 'v'));
        else this.rmwEnd(sz, mr.seg, 'v');
        return 0;
      }
      if (cnt === 0 || cnt >= bits) return -1;
      if (mr.isReg) this.emit(`a = ${this.r(sz, mr.rm)};`);
      else this.rmwBegin(sz, mr.seg, mr.ea, 'a');
      // CF (the last bit shifted out) and OF computed when read, from the operand kept in fa.
      let lazy: string;
      if (op === 4 || op === 6) {
        this.emit(`fa = a; fr = ${this.mask(sz, `a << ${cnt}`)};`);
        const cf = `((fa >>> ${bits - cnt}) & 1)`;
        lazy = `(${cf} | ((${this.signTest(sz, 'fr')} ? 1 : 0) !== ${cf} ? 0x800 : 0))`;
      } else if (op === 5) {
        this.emit(`fa = a; fr = ${this.mask(sz, `a >>> ${cnt}`)};`);
        lazy = cnt === 1 ? `((fa & 1) | (${this.signTest(sz, 'fa')} ? 0x800 : 0))` : `((fa >>> ${cnt - 1}) & 1)`;
      } else {
        const sv = sz === 2 ? 'a' : sz === 1 ? '((a << 16) >> 16)' : '((a << 24) >> 24)';
        this.emit(`fa = ${sv}; fr = ${this.mask(sz, `fa >> ${cnt}`)};`);
        lazy = `((fa >> ${cnt - 1}) & 1)`;
      }
      this.setLogic(sz, false, lazy);
      if (mr.isReg) this.emit(this.setR(sz, mr.rm, 'fr'));
      else this.rmwEnd(sz, mr.seg, 'fr');
      return 0;
    }
    if (b === 0xc2 || b === 0xc3) {
      const n = b === 0xc2 ? this.u16() : 0;
      this.readMem(vsz, 2, this.ss32 ? 'r4' : 'r4 & 0xffff', 't');
      if (this.o32) this.emit('t >>>= 0;');
      this.limitCheck();
      const add = (this.o32 ? 4 : 2) + n;
      this.emit(this.ss32 ? `r4 = (r4 + ${add}) | 0;` : `r4 = (r4 & -65536) | ((r4 + ${add}) & 0xffff);`);
      return this.branchDyn();
    }
    if (b === 0xc6 || b === 0xc7) {
      const sz = b === 0xc6 ? 0 : vsz;
      const mr = this.modrm();
      if (mr.reg !== 0) return -1;
      const imm = sz === 0 ? this.u8() : this.immV();
      this.emit(`v = ${this.immS(sz, imm)};`);
      this.rmWrite(sz, mr, 'v');
      return 0;
    }
    if (b >= 0xe0 && b <= 0xe3) {
      const d = this.s8();
      const t = this.target(d);
      if (b === 0xe3) return this.branch(t, `${this.a32 ? 'r1' : '(r1 & 0xffff)'} === 0`, this.next);
      this.emit(this.a32 ? 'v = r1 = (r1 - 1) | 0;' : 'v = (r1 - 1) & 0xffff; r1 = (r1 & -65536) | v;');
      const zf = b === 0xe0 ? ` && !${this.condExpr(4)}` : b === 0xe1 ? ` && ${this.condExpr(4)}` : '';
      return this.branch(t, `v !== 0${zf}`, this.next);
    }
    if (b === 0xe8) {
      const d = this.o32 ? this.i32() : (this.u16() << 16) >> 16;
      const t = this.target(d);
      this.emit(`v = ${this.next};`);
      this.push('v');
      this.callNext = this.next;
      return this.branch(t);
    }
    if (b === 0xe9 || b === 0xeb) {
      const d = b === 0xeb ? this.s8() : this.o32 ? this.i32() : (this.u16() << 16) >> 16;
      return this.branch(this.target(d));
    }
    if (b === 0xf6 || b === 0xf7) {
      const sz = b === 0xf6 ? 0 : vsz;
      const mr = this.modrm();
      if (mr.reg === 0) {
        this.rmRead(sz, mr, 'a');
        const imm = sz === 0 ? this.u8() : this.immV();
        this.alu(4, sz, 'a', this.immS(sz, imm));
        return 0;
      }
      if (mr.reg === 4 || mr.reg === 5) { // MUL / IMUL into AX, DX:AX or EDX:EAX (flags as the interpreter's)
        const signed = mr.reg === 5;
        this.rmRead(sz, mr, 'b');
        if (sz === 2) {
          // The high half from 16-bit partial products (exact in doubles); signed: corrected.
          this.emit(`a = r0; fr = Math.imul(a, b); t = (a & 0xffff) * (b & 0xffff); v = (a & 0xffff) * (b >>> 16); k = (a >>> 16) * (b & 0xffff);`);
          this.emit(`fc = (a >>> 16) * (b >>> 16) + (v >>> 16) + (k >>> 16) + (((t >>> 16) + (v & 0xffff) + (k & 0xffff)) >>> 16);`);
          if (signed) this.emit('fc = (fc - ((a >> 31) & b) - ((b >> 31) & a)) | 0;'); else this.emit('fc |= 0;');
          this.emit(`r0 = fr; r2 = fc; fx = fc !== ${signed ? '(fr >> 31)' : '0'} ? 0x801 : 0;`);
        } else if (sz === 1) {
          this.emit(signed ? 'v = ((r0 << 16) >> 16) * ((b << 16) >> 16);' : 'v = (r0 & 0xffff) * b;');
          this.emit(`${this.setR(1, 0, 'v')} ${this.setR(1, 2, 'v >> 16')} fr = v & 0xffff; fx = ${signed ? '((v << 16) >> 16) !== v' : '(v >>> 16) !== 0'} ? 0x801 : 0;`);
        } else {
          this.emit(signed ? 'v = ((r0 << 24) >> 24) * ((b << 24) >> 24);' : 'v = (r0 & 0xff) * b;');
          this.emit(`${this.setR(1, 0, 'v')} fr = v & 0xff; fx = ${signed ? '((v << 24) >> 24) !== v' : '(v & 0xff00) !== 0'} ? 0x801 : 0;`);
        }
        this.setLogic(sz, false);
        return 0;
      }
      if ((mr.reg === 6 || mr.reg === 7) && sz === 2) {
        // 32-bit DIV/IDIV with a dividend that fits in 32 bits (EDX zero, or EAX's sign) and a
        // non-zero divisor from a register or plain RAM: exact in doubles, no flag changes. Anything
        // else (a 64-bit dividend, #DE, another kind of memory) runs in the interpreter.
        const signed = mr.reg === 7;
        if (mr.isReg) this.emit(`b = ${this.r(2, mr.rm)};`);
        else this.emit(`o = ${mr.ea}; b = ${this.fastCond(2, mr.seg, false)} ? ${this.load(2)} : 0;`);
        const fits = signed ? 'r2 === (r0 >> 31) && (b !== -1 || r0 !== -2147483648)' : 'r2 === 0';
        const div = signed ? 'v = Math.trunc(r0 / b); r2 = (r0 - v * b) | 0; r0 = v | 0;'
          : 'a = r0 >>> 0; b >>>= 0; v = Math.floor(a / b); r2 = (a - v * b) | 0; r0 = v | 0;';
        this.emit(`if (b !== 0 && ${fits}) { ${div} } else { ${this.pro()} ${this.interpCall(LOAD)} }`);
        return 0;
      }
      if (mr.reg !== 2 && mr.reg !== 3) return -1;
      if (mr.isReg) this.emit(`a = ${this.r(sz, mr.rm)};`);
      else this.rmwBegin(sz, mr.seg, mr.ea, 'a');
      const res = mr.reg === 2 ? (this.emit(`v = ${this.mask(sz, '~a')};`), 'v') : this.alu(5, sz, '0', 'a');
      if (mr.isReg) this.emit(this.setR(sz, mr.rm, res));
      else this.rmwEnd(sz, mr.seg, res);
      return 0;
    }
    if (b === 0xfe || b === 0xff) {
      const sz = b === 0xfe ? 0 : vsz;
      const mr = this.modrm();
      const op = mr.reg;
      if (op === 0 || op === 1) {
        if (mr.isReg) {
          const res = this.incdec(op === 1, sz, this.r(sz, mr.rm));
          this.emit(this.setR(sz, mr.rm, res));
        } else {
          this.rmwBegin(sz, mr.seg, mr.ea, 'a');
          const res = this.incdec(op === 1, sz, 'a');
          this.rmwEnd(sz, mr.seg, res);
        }
        return 0;
      }
      if (b === 0xfe) return -1;
      if (op === 2 || op === 4) {
        this.rmRead(vsz, mr, 't');
        if (this.o32) this.emit('t >>>= 0;');
        this.limitCheck();
        if (op === 2) { this.emit(`v = ${this.next};`); this.push('v'); this.callNext = this.next; }
        return this.branchDyn();
      }
      if (op === 6) { this.rmRead(vsz, mr, 'v'); this.push('v'); return 0; }
      return -1;
    }
    if (b === 0x1b6 || b === 0x1b7 || b === 0x1be || b === 0x1bf) {
      const mr = this.modrm();
      const ssz = (b & 1) === 0 ? 0 : 1;
      this.rmRead(ssz, mr, 'v');
      const val = (b & 8) === 0 ? 'v' : ssz === 0 ? '((v << 24) >> 24)' : '((v << 16) >> 16)';
      this.emit(this.setR(vsz, mr.reg, val));
      return 0;
    }
    if (b >= 0x140 && b <= 0x14f) {
      const mr = this.modrm();
      this.rmRead(vsz, mr, 'v');
      this.emit(`if (${this.condExpr(b & 15)}) { ${this.setR(vsz, mr.reg, 'v')} }`);
      return 0;
    }
    if (b >= 0x190 && b <= 0x19f) {
      const mr = this.modrm();
      this.emit(`v = ${this.condExpr(b & 15)} ? 1 : 0;`);
      this.rmWrite(0, mr, 'v');
      return 0;
    }
    if (b === 0x11f) { this.modrm(); return 0; } // multi-byte NOP (no memory access)
    return -1;
  }
}

const STOP = { jitStop: true };
/**
 * Translator/decoder length disagreements seen (a test asserts 0), rebuilds, region cache hits, and
 * promotions put off because the block was lukewarm (jitConfig.lukewarm).
 */
export const jitStats = { lengthMismatches: 0, rebuilds: 0, regionCacheHits: 0, lukewarm: 0, bails: 0, callRegions: 0, callSites: 0 };

// ---------------------------------------------------------------- regions

/**
 * Limits of one region: basic blocks, instructions, characters of its blocks' code, pages. V8 does
 * not optimise functions of more than 60 KiB of bytecode (`--max-optimized-bytecode-size`), about
 * 90,000 characters of this code (vfprintf's region of 51,193 characters: 33,605 bytes of bytecode,
 * `--print-bytecode`); its dispatcher and exits come on top of the blocks' characters (64 blocks:
 * functions of up to 72,000 characters for strings). Larger functions also cost more to compile.
 */
export const regionLimits = { blocks: 64, instructions: 400, chars: 40000, pages: 4 };

/** A compiled region: its source and the blocks it can be entered at (index = `pc` argument). */
interface Region {
  src: string;
  blocks: TBlock[];
  maxEip: number;
  /** Physical pages whose bytes the translation read. */
  pages: number[];
  /** Code run inline outside the blocks (PIC thunks): [from, to) physical ranges. */
  code: Array<[number, number]>;
}

/**
 * A region's instruction count `ic` grows by `n` (a number or a local): as an int32 sum (it stays
 * below CALL_ROOM plus a block), since `ic += n` kept an overflow check at each count (sieve: 525 →
 * 510 M host instructions per repetition, scripts/host-instructions.mjs).
 */
const countUp = (n: number | string): string => `ic = (ic + ${n}) | 0;`;

/**
 * Translate the code reachable from (`pa`, `eip`) by static branches inside the same page into one
 * function: `switch (pc)` over its basic blocks inside a loop, guest registers in locals, the budget
 * checked at every transition. Null when the first instruction cannot be translated.
 */
function translateRegion(ram: Uint8Array, pa: number, eip: number, cs32: boolean, ss32: boolean, flat: boolean, csBase: number,
  known: (pa: number, eip: number) => boolean, resolve: (eip: number) => number, extra: number[] = [], maxBlocks = regionLimits.blocks, primary = extra.length,
  paths: SlowPaths = PLAIN_PATHS): Region | null {
  const trs = new Map<number, Translator>();
  const blocks: TBlock[] = [];
  const seen = new Set<number>();
  // The first `primary` extra entries (the computed targets a rebuild adds) are explored like the
  // root, breadth first; the others (every compiled block of the root's page) only once that is done.
  const queue: number[] = [eip, ...extra.slice(0, primary)];
  const later = extra.slice(primary);
  let insns = 0, chars = 0;
  while ((queue.length > 0 || later.length > 0) && blocks.length < maxBlocks && insns < regionLimits.instructions && chars < regionLimits.chars) {
    const e = (queue.length > 0 ? queue.shift() : later.shift()) as number;
    if (seen.has(e)) continue;
    seen.add(e);
    // Other pages too (a call into a library function): where the TLB maps them now; the code checks
    // that mapping, and the page's execution breakpoints, at each transition to another page.
    const bpa = blocks.length === 0 ? pa : resolve(e);
    if (bpa < 0) continue;
    const page = bpa >>> 12;
    let tr = trs.get(page);
    if (tr === undefined) {
      if (trs.size >= regionLimits.pages) continue;
      tr = new Translator(ram, page, cs32, ss32, flat, paths);
      trs.set(page, tr);
    }
    // Only code that has run: V8 compiles paths that never ran without type feedback, and leaves
    // optimised code again the first time one of them runs.
    if (blocks.length > 0 && !known(bpa, e)) continue;
    const b = tr.block(bpa, e);
    if (b === null) {
      if (blocks.length === 0) return null;
      continue;
    }
    // A hard cap: V8 never optimises a function past its bytecode limit (the region would run
    // unoptimised for good), and exits and the dispatcher add to the blocks' text.
    if (blocks.length > 0 && chars + b.body.length > regionLimits.chars) continue;
    blocks.push(b);
    insns += b.n;
    chars += b.body.length;
    if (b.kind === TK_FALL || b.kind === TK_JMP) queue.push(b.t);
    else if (b.kind === TK_JCC) queue.push(b.t, b.f);
    if (b.callNext >= 0) queue.push(b.callNext);
  }
  // Address order: a not-taken branch or a fall-through usually leads into the next case.
  blocks.sort((x, y) => x.eip - y.eip);
  const idx = new Map<number, number>();
  blocks.forEach((b, i) => idx.set(b.eip, i));
  const out: string[] = [];
  // Every way out (static branches to code outside, the budget, a slow path's stop, a computed target
  // outside) stores constants (the count still to add in `d`) and leaves the loop for the one shared
  // exit after it: V8 has type feedback for that code after the first exit of any kind, and none of
  // the exits holds code that optimised code would meet for the first time (a deoptimisation of the
  // whole region the first time a rare exit is taken).
  const exitTo = (b: TBlock, t: string, delta: number): string => `${b.fkSet} w = ${t}; d = ${delta}; u = ${b.last}; break L;`;
  /**
   * Entering block `to` from `from` on another page: that linear page still maps to the same frame,
   * readable, not MMIO, without execution breakpoints (what the run loop checks for an entry).
   */
  // Linear pages as at translation: entered again (same physical address and EIP), the CS base can
  // only differ by whole pages, so blocks share a linear page then as now.
  const linPage = (b: TBlock): number => ((csBase + b.eip) | 0) >>> 12;
  const samePage = (from: TBlock, to: TBlock): boolean => linPage(from) === linPage(to);
  const check = (to: { eip: number; pa: number }): string =>
    `((e = w32[q = ((cb + ${to.eip}) | 0) >>> 12]) & -4096) === ${to.pa & -4096} && (e & nr & -33) === (nr & -33) && ep[q] === 0 && (pk[e >>> 12] & ${PAGE_NOEXEC}) === 0`;
  // Each other page is checked once per call of the region: a bit of `vm` per linear page, set by
  // its first check that passes and cleared after every slow path and interpreter call (the only
  // places inside a region where the TLB, execution breakpoints or page kinds can change: anything
  // else that does ends the block, and a slow path that changes page kinds stops the region). The
  // region's entry page is checked by jit.exec before the call.
  const pageBits = new Map<number, number>();
  const guard = (to: { eip: number; pa: number }): string => {
    const lp = ((csBase + to.eip) | 0) >>> 12;
    let bit = pageBits.get(lp);
    if (bit === undefined) {
      if (pageBits.size >= 30) return check(to);
      bit = 1 << pageBits.size;
      pageBits.set(lp, bit);
    }
    return `((vm & ${bit}) !== 0 || (${check(to)} && (vm |= ${bit}) !== 0))`;
  };
  /**
   * A CALL to a position-independent-code thunk (`mov reg, [esp]; ret`, as gcc emits for i386 PIC):
   * its two instructions run inline (reg = return address, the pop) when the thunk's page maps as at
   * translation without execution breakpoints and the stack slot is plain RAM; else the real thunk runs.
   */
  const thunks: number[] = [];
  let thunkMax = 0;
  const thunkAt = (t: number): { pa: number; reg: number } | null => {
    if (!cs32 || !ss32) return null;
    const tpa = resolve(t);
    if (tpa < 0 || (tpa & 0xfff) > 0xffc || tpa + 4 > ram.length) return null;
    const m = ram[tpa + 1], reg = (m >> 3) & 7;
    if (ram[tpa] !== 0x8b || (m & 0xc7) !== 0x04 || ram[tpa + 2] !== 0x24 || ram[tpa + 3] !== 0xc3 || reg === 4) return null;
    return { pa: tpa, reg };
  };
  // A computed jump hands its pending flags to the dispatcher in `fk`, which stores them only for a
  // member that reads them first (a call to J.flk). A RET (or an indirect JMP) stores them inline as
  // before when one of the region's return sites reads them (`dec ecx` after a call).
  const returnSites = new Set(blocks.filter((b) => b.callNext >= 0).map((b) => b.callNext));
  const liveReturn = blocks.some((tb) => returnSites.has(tb.eip) && tb.entry !== F_DEAD && tb.entry !== F_SLOW);
  /** Index of the block being written when it branches to itself (its case is a loop `S<i>`), else −1. */
  let loopOf = -1;
  /** Go to static `t` after block `b` (index `i`); `last`: nothing follows in the case (may fall into i + 1). */
  const edge = (b: TBlock, i: number, t: number, last: boolean, counted = false, budgeted = false): string => {
    const k = idx.get(t);
    if (k === undefined) return exitTo(b, `${t}`, counted ? 0 : b.n);
    const tb = blocks[k];
    // A block branching to its own start loops in a loop of its own (no switch dispatch per iteration);
    // a later block is reached by leaving the labelled blocks up to its own (or by falling into it);
    // an earlier one through the dispatching switch.
    const go = k === i && loopOf === i ? ` continue S${i};` : last && k === i + 1 && loopOf !== i ? '' : k > i ? ` break B${k};` : ` pc = ${k}; continue L;`;
    const g = samePage(b, tb) ? '' : `${budgeted ? '' : ' || '}!(${guard(tb)})`;
    // Pending flags: dropped (the next block writes them all first), kept in the locals with their
    // kind in `fk` (only its slow paths need them), or stored. (A block `b` that wrote no flag hands
    // on or stores what `fk` says is pending since its entry.)
    const fl = tb.entry === F_DEAD ? 'fk = 0;' : tb.entry === F_SLOW ? b.fkSet : `${b.flushInline} fk = 0;`;
    const check = budgeted ? (g === '' ? '' : `if (${g}) { ${exitTo(b, `${t}`, 0)} } `) : `if (((ic + ${tb.n}) | 0) > lim${g}) { ${exitTo(b, `${t}`, 0)} } `;
    return `${counted ? '' : `${countUp(b.n)} `}${check}${fl}${go}`;
  };
  // Layout: `B<n-1>: { … B1: { B0: { switch (pc) { case k: break Bk; … } } block 0 } block 1 … } block n-1`:
  // a forward branch leaves the labelled blocks up to its target's (no pass through the switch and
  // the loop header, where V8 would merge every local's value of every block); entries and backward
  // branches go through the switch, and its dispatcher of computed targets (inside every labelled
  // block) leaves straight to its target's.
  const head = blocks.map((_b, k) => `B${blocks.length - 1 - k}: {`).join(' ');
  blocks.forEach((b, i) => {
    loopOf = (b.kind === TK_JCC && (b.t === b.eip || b.f === b.eip)) || (b.kind === TK_JMP && b.callNext < 0 && b.t === b.eip) ? i : -1;
    out.push(loopOf === i ? `} S${i}: for (;;) {` : '}');
    out.push(b.body);
    switch (b.kind) {
      case TK_FALL: case TK_JMP: {
        if (b.lastSlow) out.push(`if (x !== 0) { ${exitTo(b, `${b.t}`, b.n)} }`);
        const th = b.kind === TK_JMP && b.callNext >= 0 ? thunkAt(b.t) : null;
        if (th === null) { out.push(edge(b, i, b.t, true)); break; }
        thunks.push(th.pa);
        thunkMax = Math.max(thunkMax, b.t + 3);
        out.push(`// ${b.t.toString(16)}: PIC thunk (mov r${th.reg}, [esp]; ret)`);
        out.push(`if (((ic + ${b.n + 2}) | 0) <= lim && ${guard({ eip: b.t, pa: th.pa })} && (o = r4, true) && (${tlbAt(flat, 2, 4, false)} & np) === np && (l & 3) === 0 && (v = w32[(((e & -4096) | (l & 0xfff)) >>> 2) + ${RAM_W}]) === ${b.callNext | 0}) { r${th.reg} = v; r4 = (r4 + 4) | 0; ${countUp(2)} ${edge(b, i, b.callNext, false)} }`);
        out.push(exitTo(b, `${b.t}`, b.n));
        break;
      }
      case TK_JCC:
        if (b.lastSlow) out.push(`if (x !== 0) { ${exitTo(b, `(${b.cond}) ? ${b.t} : ${b.f}`, b.n)} }`);
        // The count and the budget first, for both ways (`ov`): a way not taken yet holds no
        // arithmetic of its own, and each way's budget exit stores its own target (evaluating the
        // condition again there would be code V8 first meets in optimised code, a deoptimisation of
        // the whole region at each new place where a debug session's slice of a millisecond ends).
        out.push(countUp(b.n));
        {
          const room = Math.max(...[b.t, b.f].map((t) => { const k = idx.get(t); return k === undefined ? 0 : blocks[k].n; }));
          const way = (t: number, last: boolean): string => `${idx.has(t) ? `if (ov) { ${exitTo(b, `${t}`, 0)} } ` : ''}${edge(b, i, t, last, true, true)}`;
          out.push(`{ ${room > 0 ? `const ov = ((ic + ${room}) | 0) > lim; ` : ''}if (${b.cond}) { ${way(b.t, false)} }`);
          out.push(`${way(b.f, true)} }`);
        }
        break;
      default: { // computed target in `t`: members of the region are dispatched here
        if (b.lastSlow) out.push(`if (x !== 0) { ${exitTo(b, 't', b.n)} }`);
        out.push(`${countUp(b.n)} ${b.callNext >= 0 || !liveReturn ? b.fkSet : `${b.flushInline} fk = 0;`} u = ${b.last}; pc = -1; continue L;`);
      }
    }
    if (loopOf === i) out.push('}');
  });
  // The dispatcher of computed targets (`t`; `u`: EIP of the jump): a member of the region, or leave.
  // With several pages, a target on another page than the jump is checked as an entry from another
  // page would be (once per call of the region and page, see `guard`).
  const multi = blocks.some((tb) => linPage(tb) !== linPage(blocks[0]));
  // Pending flags come in `fk` (the jump's kind, 0 when none): dropped, handed on, or stored
  // for a member that reads them (a call: rare after a RET or an indirect CALL).
  const take = (tb: TBlock): string => tb.entry === F_DEAD ? 'fk = 0; ' : tb.entry === F_SLOW ? '' : `${FLUSH_FK} `;
  const cases = blocks.map((tb, k) => `case ${tb.eip}: if (((ic + ${tb.n}) | 0) <= lim${multi ? ` && (((cb + u) | 0) >>> 12 === ${linPage(tb)} || ${guard(tb)})` : ''}) { ${take(tb)}break B${k}; } break;`);
  const sw: string[] = [`${head}\nswitch (pc) {`, blocks.map((_b, k) => `case ${k}: break B${k};`).join(' ')];
  sw.push(`case -1: switch (t) { ${cases.join(' ')} }`);
  sw.push('dy = 1; w = t; d = 0; break L;');
  sw.push('}');
  let text = [...sw, ...out].join('\n');
  // Guest registers live in locals r0..r7: loaded at entry, stored before every call out and exit.
  const has = (id: string): boolean => new RegExp(`\\b${id}\\b`).test(text);
  const used = [0, 1, 2, 3, 4, 5, 6, 7].filter((n) => has(`r${n}`));
  const written = used.filter((n) => new RegExp(`\\br${n} =(?!=)`).test(text));
  const sync = written.map((n) => `g[${n}] = r${n};`).join(' ');
  text = text.split(SYNC).join(sync);
  // Also in locals: the segment bases and limits the code uses, the TLB rights it needs — loaded
  // again after the interpreter ran an instruction (which may load a segment register or POPF).
  const cached: Array<[string, string]> = used.map((n) => [`r${n}`, `g[${n}]`]);
  for (let n = 0; n < 6; n++) {
    for (const [id, arr] of [['sb', 'c.segBase'], ['rl', 'c.segRLim'], ['wl', 'c.segWLim']]) if (has(`${id}${n}`)) cached.push([`${id}${n}`, `${arr}[${n}]`]);
  }
  // The CS limit (computed targets): CS is loaded only by instructions that end the block.
  if (has('cl1')) cached.push(['cl1', 'c.segLimit[1]']);
  if (has('vm')) {
    cached.push(['vm', '0']);
    text = text.split('x |= J.st;').join('x |= J.st; vm = 0;');
  }
  if (has('nr')) cached.push(['nr', 'c.needR']);
  if (has('np')) cached.push(['np', 'c.needR | 512']);
  if (has('nq')) cached.push(['nq', paths.mixed ? 'c.needW | 512' : 'c.needW | 1536']);
  text = text.split(LOAD).join(cached.map(([id, v]) => `${id} = ${v};`).join(' '));
  // `pc` (the case to run) a local int32 from the start: as the parameter itself, V8 keeps it
  // tagged, checks it and boxes every value assigned to it on the way to the loop header. `lim` the
  // same (the budget, at most CALL_ROOM): as `room` itself, V8 kept it a tagged value in a stack slot
  // and checked and untagged it at every budget test of a loop (`--print-opt-code`: crc32's table
  // loop 94 → 87 machine instructions a turn). The count `ic` grows through countUp.
  const decl: string[] = ['const g = c.regs, ic0 = c.instructionCount, lim = room | 0;', 'let ic = 0, pc = entry | 0;'];
  const opt: Array<[string, string]> = [['z', 'c.lz'], ['ram', 'RAM'], ['w32', 'W32'], ['pk', 'c.pageKind'],
    ['wp', 'c.watchPageFlags'], ['cbm', 'J.codeBits'], ['ep', 'c.execPageFlags'], ['cb', 'c.segBase[1]'], ['F', 'c.fpu'],
    // (CS's selector and CR0 stay as they are for a region's call: see X87_OFF)
    ['cs1', 'c.segSel[1]'], ['xo', '(c.cr[0] & 12) !== 0 || c.fpu === null']];
  const consts = opt.filter(([id]) => has(id)).map(([id, v]) => `${id} = ${v}`);
  if (consts.length) decl.push(`const ${consts.join(', ')};`);
  decl.push('let o = 0, l = 0, e = 0, k = 0, p = 0, q = 0, u = 0, w = 0, d = 0, fk = 0, a = 0, b = 0, r = 0, t = 0, v = 0, x = 0, m = 0, y = 1, dy = 0, fa = 0, fb = 0, fr = 0, fc = 0, fx = 0, sv = 0;');
  if (cached.length) decl.push(`let ${cached.map(([id, v]) => `${id} = ${v}`).join(', ')};`);
  // A fault thrown by a slow path leaves through the catch, which stores the registers (not while
  // the interpreter runs an instruction: `y` is 0 and the CPU's registers are the truth).
  // After the loop, the shared exit: EIP `w`, last instruction at `u`, `ic + d` instructions done,
  // pending flags in `fk`, `dy` set when a computed target left the region.
  const src = `'use strict';\n${decl.join('\n')}\ntry {\nL: for (;;) {\n${text}\nJ.exit(-1, 0, ic0 + ic); return ic;\n}\n${countUp('d')} ${sync} J.exitk(w, u, ic0 + ic, fk, fa, fb, fr, fc, fx, dy); return ic;\n} catch (err) { if (y !== 0) { ${sync} } throw err; }\n`;
  let maxEip = thunkMax;
  for (const tr of trs.values()) maxEip = Math.max(maxEip, tr.maxEip);
  const pages = new Set(trs.keys());
  for (const t of thunks) pages.add(t >>> 12);
  return { src, blocks, maxEip, pages: [...pages], code: thunks.map((t) => [t, t + 4]) };
}

/**
 * A translation and what it was made of: the bytes of its pages, the answers of `known` and
 * `resolve` (translateRegion reads nothing else). A restarted program (a debug session run again,
 * bench runs) finds its regions here instead of translating them again.
 */
interface CachedRegion {
  region: Region;
  bytes: Int32Array[];
  knownQ: number[];
  resolveQ: number[];
}
const REGION_CACHE = new Map<string, CachedRegion>();

/** translateRegion through REGION_CACHE (same key and same inputs: the same region). */
function translateCached(ram: Uint8Array, pa: number, eip: number, cs32: boolean, ss32: boolean, flat: boolean, csBase: number,
  known: (pa: number, eip: number) => boolean, resolve: (eip: number) => number, extra: number[], maxBlocks: number, tag: string, primary = extra.length,
  paths: SlowPaths = PLAIN_PATHS): Region | null {
  const L = regionLimits;
  const key = `${pa}:${eip}:${cs32 ? 1 : 0}${ss32 ? 1 : 0}${flat ? 1 : 0}${paths.calls ? 1 : 0}${paths.mixed ? 1 : 0}:${csBase}:${maxBlocks}:${L.blocks}:${L.instructions}:${L.chars}:${L.pages}:${tag}:${primary}:${extra.join(',')}:${[...paths.callAt].join(',')}`;
  const hit = REGION_CACHE.get(key);
  if (hit !== undefined && sameInputs(hit, ram, known, resolve)) { jitStats.regionCacheHits++; return hit.region; }
  const knownQ: number[] = [], resolveQ: number[] = [];
  const region = translateRegion(ram, pa, eip, cs32, ss32, flat, csBase,
    (a, e) => { const r = known(a, e); knownQ.push(a, e, r ? 1 : 0); return r; },
    (e) => { const r = resolve(e); resolveQ.push(e, r); return r; }, extra, maxBlocks, primary, paths);
  if (region === null) return null;
  if (REGION_CACHE.size >= 4096 || cacheUse.regionBytes > REGION_CACHE_BYTES) { REGION_CACHE.clear(); cacheUse.regionBytes = 0; }
  cacheUse.regionBytes += region.pages.length << 12;
  REGION_CACHE.set(key, { region, bytes: region.pages.map((pg) => words(ram, pg).slice()), knownQ, resolveQ });
  return region;
}

/** Page `pg` of RAM as 1,024 dwords (RAM is dword-aligned wherever translation is on: Jit.supported). */
function words(ram: Uint8Array, pg: number): Int32Array {
  return new Int32Array(ram.buffer, ram.byteOffset + (pg << 12), 1024);
}

function sameInputs(h: CachedRegion, ram: Uint8Array, known: (pa: number, eip: number) => boolean, resolve: (eip: number) => number): boolean {
  const pages = h.region.pages;
  for (let i = 0; i < pages.length; i++) {
    if ((pages[i] + 1) << 12 > ram.length) return false;
    const w = words(ram, pages[i]), b = h.bytes[i];
    for (let j = 0; j < 1024; j++) if (w[j] !== b[j]) return false;
  }
  const kq = h.knownQ;
  for (let i = 0; i < kq.length; i += 3) if ((known(kq[i], kq[i + 1]) ? 1 : 0) !== kq[i + 2]) return false;
  const rq = h.resolveQ;
  for (let i = 0; i < rq.length; i += 2) if (resolve(rq[i]) !== rq[i + 1]) return false;
  return true;
}

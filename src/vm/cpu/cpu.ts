/**
 * The i686 integer CPU: real, 16/32-bit protected and virtual-8086 mode, paging, exceptions,
 * guest and debugger debug registers, hooks for the breakpoint manager. See README.md here.
 *
 * Hot-path conventions: no allocation per instruction; faults are signalled by throwing the one
 * preallocated CPU_FAULT object (vector/error code in fields); flags are lazy (see `lz`).
 */
import { Access, StopReason } from '../hooks';
import type { DebugHooks } from '../hooks';
import type { CpuApi, InterruptLine, SegmentRegister, SoftIntHandler } from '../cpuApi';
import { CpuMode, Seg } from '../cpuApi';
import type { IoBus, IoSize } from '../iobus';
import { Memory, PageKind, RAM_FRONT } from '../memory';
import type { FpuHost, FpuUnit } from './fpuApi';
import { Fpu } from './fpu';
import { Jit } from './jit';
import type { JitCpu } from './jit';
import { OP_FLAGS as OP_FLAGS_, OP_GROUP as OP_GROUP_, GROUP_FLAGS as GROUP_FLAGS_, OpFlag, X87_MEM, X87_REG, laterExtension } from './optable';

// Module-level aliases: the compiled CommonJS would otherwise load them from the module object each time.
const OP_FLAGS: Uint16Array = OP_FLAGS_;
const OP_GROUP: Int8Array = OP_GROUP_;
const GROUP_FLAGS: Uint16Array = GROUP_FLAGS_;

/** Thrown (never allocated again) when an instruction faults; the CPU catches it. */
export const CPU_FAULT: { readonly cpuFault: true } = Object.freeze({ cpuFault: true as const });

// EFLAGS bits.
const CF = 0x1, PF = 0x4, AF = 0x10, ZF = 0x40, SF = 0x80, TF = 0x100, IF = 0x200, DF = 0x400, OF = 0x800;
const IOPL = 0x3000, NT = 0x4000, RF = 0x10000, VM = 0x20000, AC = 0x40000, VIF = 0x80000, VIP = 0x100000, ID = 0x200000;
const ARITH = CF | PF | AF | ZF | SF | OF;

// Lazy flag operations.
const LF_ADD = 0, LF_ADC = 1, LF_SUB = 2, LF_SBB = 3, LF_LOGIC = 4;

// TLB entry bits (low 12 bits of an entry; the high 20 bits are the physical frame).
const T_V = 1, T_WS = 2, T_RU = 4, T_WU = 8, T_D = 16, T_FAST = 32;
/** Global page (CR4.PGE and the G bit): kept by CR3 loads. Part of a 4 MiB page (INVLPG drops all of it). */
const T_G = 64, T_BIG = 128;
/** Never set in an entry: added to needR/needW while alignment checking is active, so that every
 * data access takes the slow path where the #AC check lives. */
const T_NEVER = 256;
/**
 * Plain RAM for data accesses when the entry was made: the linear page is not watched and the frame
 * has no page kind but Code (no MMIO, Watch, SwBp, Unbacked). Only generated code tests it; a change
 * of those (Memory.kindEpoch) drops the TLB before generated code runs again.
 */
const T_PLAIN = 512;
/**
 * Plain RAM for data writes: T_PLAIN and no page kind at all — no translated code in the frame
 * (generated code's write fast path tests it; a page becoming Code counts as a kind change).
 */
const T_WPLAIN = 1024;

const SZMASK = [0xff, 0xffff, 0xffffffff];
const SZSIGN = [0x80, 0x8000, 0x80000000];

const PARITY = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let b = i; b ^= b >> 4; b ^= b >> 2; b ^= b >> 1;
  PARITY[i] = (b & 1) ? 0 : PF;
}

// Exception vectors.
const DE = 0, DB = 1, NMI = 2, BP = 3, OFV = 4, BR = 5, UD = 6, NM = 7, DF_ = 8, TS = 10, NP = 11, SS_ = 12, GP = 13, PFV = 14, MF = 16, AC_ = 17;
void NMI;

// Delivery kinds.
const K_EXC = 0, K_SOFT = 1, K_EXT = 2, K_ICEBP = 3;

// DR6 bits.
const DR6_BD = 0x2000, DR6_BS = 0x4000, DR6_BT = 0x8000;
const DR6_FIXED = 0xffff0ff0;

const MSR_TSC = 0x10, MSR_SYSENTER_CS = 0x174, MSR_SYSENTER_ESP = 0x175, MSR_SYSENTER_EIP = 0x176;

/** Memory operand size of each x87 memory form (op * 8 + reg); 28/108 = FSTENV/FSAVE (32-bit). */
const X87_MEM_SIZE = new Uint8Array([
  4, 4, 4, 4, 4, 4, 4, 4, // D8 m32real
  4, 0, 4, 4, 28, 2, 28, 2, // D9
  4, 4, 4, 4, 4, 4, 4, 4, // DA m32int
  4, 0, 4, 4, 0, 10, 0, 10, // DB
  8, 8, 8, 8, 8, 8, 8, 8, // DC m64real
  8, 0, 8, 8, 108, 0, 108, 2, // DD
  2, 2, 2, 2, 2, 2, 2, 2, // DE m16int
  2, 0, 2, 2, 10, 8, 10, 8, // DF
]);

function isContributory(v: number): boolean {
  return v === DE || (v >= TS && v <= GP);
}

export class Cpu implements CpuApi, FpuHost {
  readonly mem: Memory;
  readonly io: IoBus;
  readonly ram: Uint8Array;
  readonly pageKind: Uint8Array;
  readonly regs = new Int32Array(8);
  eip = 0;
  /** Selector/base/limit/attributes of ES, CS, SS, DS, FS, GS, LDTR (6), TR (7). */
  readonly segSel = new Uint16Array(8);
  readonly segBase = new Int32Array(8);
  readonly segLimit = new Uint32Array(8);
  readonly segAttr = new Uint16Array(8);
  /** Per segment: largest offset a read/write may start at without the slow check (−1: always check). */
  private readonly segRLim = new Float64Array(6);
  private readonly segWLim = new Float64Array(6);
  /** Non-lazy EFLAGS bits (arithmetic bits valid where not in lzMask). */
  private flags = 2;
  private lzMask = 0;
  /** Lazy flags: op, dst, src, result, size index (0 = byte, 1 = word, 2 = dword). */
  private readonly lz = new Int32Array(5);
  readonly cr = new Uint32Array(5);
  readonly dr = new Uint32Array(8);
  readonly hyperDr = new Uint32Array(8);
  gdtr = { base: 0, limit: 0xffff };
  idtr = { base: 0, limit: 0x3ff };
  cpl = 0;
  instructionCount = 0;
  halted = false;
  /** The x87 unit (present by default, as on a Pentium Pro); null makes ESC #UD/#NM and CPUID.FPU 0. */
  fpu: FpuUnit | null = new Fpu();

  hooks: DebugHooks | null = null;
  /** Block translation (src/vm/cpu/jit.ts); null when switched off. */
  private jit: Jit | null = null;
  readonly execPageFlags = new Uint8Array(1 << 20);
  readonly watchPageFlags = new Uint8Array(1 << 20);
  skipExecCheckOnce = false;
  interrupts: InterruptLine | null = null;
  softIntHandler: SoftIntHandler | null = null;
  /** Physical address mask: 0xFFEFFFFF with A20 disabled. */
  a20Mask = 0xffffffff | 0;

  // MSRs.
  sysenterCs = 0;
  sysenterEsp = 0;
  sysenterEip = 0;
  private tscOffset = 0;

  // TLB.
  /** In front of RAM in its buffer where Memory left room for it (see RAM_FRONT). */
  private readonly tlb: Int32Array;
  private readonly tlbList = new Int32Array(8192);
  private tlbCount = 0;
  private needR = T_V | T_FAST;
  private needW = T_V | T_D | T_WS | T_FAST;
  private fastBit = T_FAST;
  /**
   * Alignment checking is active (CR0.AM, EFLAGS.AC, CPL 3): needR/needW then hold T_NEVER, so all
   * data accesses go through readSlow/writeSlow, which raise #AC(0) for misaligned word/dword data.
   * A block translator must fall back to the interpreter (or call lr8..lw32) while this is true.
   */
  acActive = false;
  /** Set while the x87 unit accesses memory: its operand alignment was checked once by x87(). */
  private acSuppress = false;

  // Fetch cache.
  private fetchLp = -1;
  private fetchBase = 0;
  private fetchMmio = false;
  private cs32 = false;
  private ss32 = false;
  private ipMask = 0xffff;

  // Decoder state of the current instruction.
  private instrStart = 0;
  private espStart = 0;
  private o32 = false;
  private a32 = false;
  private segOv = -1;
  private rep = 0;
  /** Bulk REP string iterations on plain RAM (repRun); off only to compare against the per-iteration path. */
  repFastPath = true;
  private modrm = 0;
  private isReg = false;
  private ea = 0;
  private eaSeg = 3;

  // Fault in flight.
  private fVec = 0;
  private fCode = -1;

  // Run control.
  private attn = 1;
  private stopReq = false;
  private pauseReq = false;
  private shadow = 0;
  private irqCheck = true;
  private stepArmed = false;
  private trapDr6 = 0;
  private rfNow = false;
  private drExecMask = 0;
  private drDataMask = 0;
  private drIoMask = 0;
  private hyperExecMask = 0;
  private hyperDataMask = 0;
  private hyperIoMask = 0;
  private readonly hyperCache = new Uint32Array(8);
  private pendingVector = -1;
  private delivering = 0;
  private tripleFault = false;
  private stopAfter = -1;
  private exitReason = -1;

  constructor(mem: Memory, io: IoBus) {
    this.mem = mem;
    this.io = io;
    const r = this.ram = mem.ram;
    this.tlb = r.byteOffset >= RAM_FRONT ? new Int32Array(r.buffer, r.byteOffset - RAM_FRONT, 1 << 20) : new Int32Array(1 << 20);
    this.pageKind = mem.pageKind;
    this.reset();
    this.blockTranslation = typeof process === 'undefined' || process.env.X86VM_JIT !== '0';
  }

  /**
   * Translate hot guest code into JavaScript (default on; X86VM_JIT=0 or `run --no-jit` turn it off;
   * stays off on a big-endian host).
   */
  get blockTranslation(): boolean { return this.jit !== null; }
  set blockTranslation(on: boolean) {
    if (on === (this.jit !== null)) return;
    if (on) { if (Jit.supported(this.ram, this.tlb)) this.jit = new Jit(this as unknown as JitCpu); }
    else { const j = this.jit as Jit; this.jit = null; j.flushAll(); }
  }
  /** Blocks translated and pages whose translations were dropped so far (null: translation off). */
  get translationCounts(): { compiled: number; invalidations: number } | null {
    return this.jit === null ? null : { compiled: this.jit.compiled, invalidations: this.jit.invalidations };
  }

  /** Physical page `page` changed outside the CPU's own writes: drop code translated from it. */
  invalidatePage(page: number): void {
    if (this.jit !== null) this.jit.invalidatePage(page);
    else this.pageKind[page] &= ~PageKind.Code;
  }

  /** A write to physical byte `pa` on a PageKind.Code page. */
  private codeWrite(pa: number): void {
    if (this.jit === null) this.pageKind[pa >>> 12] &= ~PageKind.Code;
    else if (this.jit.hitsCode(pa)) this.jit.invalidatePage(pa >>> 12);
    else this.jit.mixed = true;
  }

  // ---------------------------------------------------------------- public API

  get mode(): CpuMode {
    if (!(this.cr[0] & 1)) return CpuMode.Real;
    return this.flags & VM ? CpuMode.Virtual8086 : CpuMode.Protected;
  }

  get codeSize(): 16 | 32 { return this.cs32 ? 32 : 16; }

  reset(): void {
    this.regs.fill(0);
    this.regs[2] = 0x611; // EDX = processor signature after reset
    this.flags = 2;
    this.lzMask = 0;
    this.cr.fill(0);
    this.cr[0] = 0x60000010;
    this.dr.fill(0);
    this.dr[6] = DR6_FIXED;
    this.dr[7] = 0x400;
    this.gdtr = { base: 0, limit: 0xffff };
    this.idtr = { base: 0, limit: 0x3ff };
    for (let s = 0; s < 8; s++) {
      this.segSel[s] = 0; this.segBase[s] = 0; this.segLimit[s] = 0xffff; this.segAttr[s] = 0x93;
    }
    this.segAttr[6] = 0x82; this.segAttr[7] = 0x8b;
    this.segSel[Seg.CS] = 0xf000; this.segBase[Seg.CS] = 0xffff0000 | 0; this.segAttr[Seg.CS] = 0x9b;
    this.eip = 0xfff0;
    this.cpl = 0;
    this.halted = false;
    this.instructionCount = 0;
    this.tscOffset = 0;
    this.sysenterCs = this.sysenterEsp = this.sysenterEip = 0;
    this.shadow = 0;
    this.stepArmed = false;
    this.trapDr6 = 0;
    this.pendingVector = -1;
    this.tripleFault = false;
    if (this.fpu) this.fpu.reset();
    this.flushTlb();
    this.setCpl(0);
    this.refreshAll();
  }

  getEflags(): number {
    let f = this.flags;
    const m = this.lzMask;
    if (m !== 0) {
      f &= ~m;
      if (m & CF) f |= this.getCF();
      if (m & PF) f |= this.getPF();
      if (m & AF) f |= this.getAF();
      if (m & ZF) f |= this.getZF();
      if (m & SF) f |= this.getSF();
      if (m & OF) f |= this.getOF();
    }
    return (f | 2) >>> 0;
  }

  setEflags(value: number): void {
    const oldVm = this.flags & VM;
    this.flags = (value & 0x3f7fd5) | 2;
    this.lzMask = 0;
    if ((this.flags & VM) !== oldVm) this.modeChanged();
    this.refreshAc();
    this.irqCheck = true;
    this.updateAttn();
  }

  getSegment(seg: Seg): SegmentRegister {
    return { selector: this.segSel[seg], base: this.segBase[seg] >>> 0, limit: this.segLimit[seg], attributes: this.segAttr[seg] };
  }

  loadSegment(seg: Seg, selector: number): boolean {
    try {
      if (seg === Seg.CS) {
        if (this.isProt()) return false;
        this.loadSegReal(Seg.CS, selector);
      } else {
        this.loadSeg(seg, selector);
      }
      return true;
    } catch (e) {
      if (e !== CPU_FAULT) throw e;
      return false;
    }
  }

  /** Platform setup: load a segment register's cache directly. */
  setSegmentCache(seg: number, selector: number, base: number, limit: number, attributes: number): void {
    this.segSel[seg] = selector;
    this.segBase[seg] = base | 0;
    this.segLimit[seg] = limit >>> 0;
    this.segAttr[seg] = attributes;
    if (seg === Seg.CS && (this.cr[0] & 1) && !(this.flags & VM)) this.setCpl(selector & 3);
    this.refreshAll();
  }

  /** Platform setup: 32-bit protected mode, flat 4 GiB code (0x08) and data (0x10) segments, CPL 0. */
  enterProtectedFlat(cpl = 0): void {
    this.cr[0] |= 1;
    const dpl = cpl << 5;
    this.setSegmentCache(Seg.CS, 0x08 | cpl, 0, 0xffffffff, 0xc09b | dpl);
    for (const s of [Seg.ES, Seg.SS, Seg.DS, Seg.FS, Seg.GS]) this.setSegmentCache(s, 0x10 | cpl, 0, 0xffffffff, 0xc093 | dpl);
    this.setCpl(cpl);
    this.refreshAll();
  }

  setA20(enabled: boolean): void {
    this.a20Mask = enabled ? (0xffffffff | 0) : (0xffefffff | 0);
    this.flushTlb();
  }

  requestStop(): void { this.stopReq = true; this.attn = 1; }
  requestPause(): void { this.pauseReq = true; this.attn = 1; }

  /** Ask run() to return `reason` after the current instruction (platform exit/fault). */
  requestExit(reason: StopReason): void { this.exitReason = reason; this.attn = 1; }

  raiseException(vector: number, errorCode: number): void {
    this.fVec = vector; this.fCode = errorCode;
    throw CPU_FAULT;
  }

  translate(linear: number, write: boolean): number {
    return this.peekTranslate(linear | 0, write);
  }

  debugRead8(linear: number): number {
    const pa = this.peekTranslate(linear | 0, false);
    if (pa < 0) return -1;
    const k = this.pageKind[pa >>> 12];
    if (k & PageKind.SwBp && this.mem.swbpRead) {
      const v = this.mem.swbpRead(pa);
      if (v >= 0) return v & 0xff;
    }
    if (k & (PageKind.Mmio | PageKind.Unbacked)) {
      const r = this.mem.regionAt(pa);
      return r ? 0xff : 0xff; // device reads may have side effects: the debugger does not perform them
    }
    return this.ram[pa];
  }

  debugWrite8(linear: number, value: number): boolean {
    const pa = this.peekTranslate(linear | 0, false);
    if (pa < 0) return false;
    const k = this.pageKind[pa >>> 12];
    if (k & (PageKind.Mmio | PageKind.Unbacked)) return false;
    if (k & PageKind.Code) this.codeWrite(pa);
    if (k & PageKind.SwBp && this.mem.swbpWrite && this.mem.swbpWrite(pa, value & 0xff)) return true;
    this.ram[pa] = value;
    return true;
  }

  step(): StopReason {
    this.skipExecCheckOnce = true;
    return this.run(1);
  }

  // FpuHost
  read8(linear: number): number { return this.lr8(linear | 0); }
  read16(linear: number): number { return this.lr16(linear | 0); }
  read32(linear: number): number { return this.lr32(linear | 0); }
  write8(linear: number, value: number): void { this.lw8(linear | 0, value); }
  write16(linear: number, value: number): void { this.lw16(linear | 0, value); }
  write32(linear: number, value: number): void { this.lw32(linear | 0, value); }
  fpuError(): void {
    if (this.cr[0] & 0x20) this.fault(MF, -1);
    // FERR#: IRQ 13 on a PC is the platform's business; nothing is asserted here.
  }
  cr0(): number { return this.cr[0]; }
  eflags(): number { return this.getEflags(); }
  setFlags(zf: boolean, pf: boolean, cf: boolean): void {
    // Only ZF/PF/CF change: none of setEflags' mode, AC, interrupt or attention consequences apply
    // (through setEflags every FCOMI ended the translated block and polled the interrupt lines).
    // OF/SF/AF stay as they are, lazy ones lazy (their getters read only the lazy operands).
    this.flags = (this.flags & ~(ZF | PF | CF)) | (zf ? ZF : 0) | (pf ? PF : 0) | (cf ? CF : 0);
    this.lzMask &= ~(ZF | PF | CF);
  }

  // ---------------------------------------------------------------- run loop

  run(budget: number): StopReason {
    this.stopReq = false;
    this.irqCheck = true;
    this.refreshHyper();
    this.updateAttn();
    let n = 0;
    const epf = this.execPageFlags, hd = this.hyperDr, hc = this.hyperCache, base = this.segBase;
    for (;;) {
      try {
        for (;;) {
          if (this.attn !== 0 || hd[7] !== hc[7]) {
            const r = this.attention(n, budget);
            if (r >= 0) {
              if (r === StopReason.Budget) { this.instructionCount += budget - n; }
              return r;
            }
          }
          if (n >= budget) return StopReason.Budget;
          const lin = (base[1] + this.eip) | 0;
          if (epf[lin >>> 12] !== 0) {
            if (this.skipExecCheckOnce) this.skipExecCheckOnce = false;
            else if (this.hooks && this.hooks.onExec(lin)) { this.curLin = lin; return StopReason.Debug; }
          } else if (this.jit !== null && this.attn === 0) {
            const k = this.jit.exec(lin, budget - n);
            if (k !== 0) { n += k; this.skipExecCheckOnce = false; continue; }
          }
          this.curLin = lin;
          this.exec1(lin);
          n++;
          this.instructionCount++;
          if (this.skipExecCheckOnce) this.skipExecCheckOnce = false;
        }
      } catch (e) {
        if (e !== CPU_FAULT) { if (this.jit !== null) this.jit.active = false; throw e; }
        // A fault inside a compiled block: the block stored the count of the faulting instruction.
        if (this.jit !== null && this.jit.active) { this.jit.active = false; n += this.instructionCount - this.jit.ic0; }
        n++;
        this.instructionCount++;
        this.skipExecCheckOnce = false;
        this.eip = this.instrStart;
        this.regs[4] = this.espStart;
        this.stepArmed = false;
        this.trapDr6 &= ~0xf;
        const r = this.exceptionFromFault();
        if (r >= 0) return r;
      }
    }
  }

  private curLin = 0;
  get currentInstructionLinear(): number { return this.curLin >>> 0; }

  /** Deliver the fault in fVec/fCode; returns a stop reason or -1. */
  private exceptionFromFault(): number {
    const v = this.fVec, c = this.fCode;
    if (this.hooks && this.hooks.onException(v, c, false)) return StopReason.Debug;
    this.deliver(v, c, K_EXC);
    if (this.tripleFault) { this.tripleFault = false; return StopReason.TripleFault; }
    return -1;
  }

  private updateAttn(): void {
    const f = this.flags;
    this.attn = (this.stopReq || this.pauseReq || this.halted || this.stepArmed || this.trapDr6 !== 0 || this.shadow !== 0 ||
      (f & (TF | RF)) !== 0 || this.drExecMask !== 0 || this.hyperExecMask !== 0 || this.exitReason >= 0 ||
      this.pendingVector >= 0 || (this.irqCheck && (f & IF) !== 0) || (f & VIP) !== 0) ? 1 : 0;
  }

  /** Between instructions: traps of the previous instruction, stop requests, interrupts, breakpoints. */
  private attention(n: number, budget: number): number {
    if (this.tripleFault) { this.tripleFault = false; this.updateAttn(); return StopReason.TripleFault; }
    if (this.hyperDr[7] !== this.hyperCache[7] || this.hyperExecMask | this.hyperDataMask | this.hyperIoMask) this.refreshHyper();
    // Traps of the previous instruction.
    if (this.stepArmed || this.trapDr6 !== 0) {
      let bits = this.trapDr6;
      if (this.stepArmed) bits |= DR6_BS;
      this.stepArmed = false;
      this.trapDr6 = 0;
      if (bits & 0x600f | DR6_BS) {
        const guestBits = bits & (0xf | DR6_BS | DR6_BT);
        if (guestBits) {
          this.dr[6] = (this.dr[6] & ~0xf) | DR6_FIXED | guestBits;
          if (this.hooks && this.hooks.onException(DB, -1, false)) { this.updateAttn(); return StopReason.Debug; }
          this.deliver(DB, -1, K_EXC);
          if (this.tripleFault) { this.tripleFault = false; return StopReason.TripleFault; }
        }
      }
    }
    if (this.exitReason >= 0) { const r = this.exitReason; this.exitReason = -1; this.updateAttn(); return r; }
    if (this.stopReq) { this.stopReq = false; this.updateAttn(); return StopReason.Debug; }
    if (this.pauseReq) { this.pauseReq = false; this.updateAttn(); return StopReason.Pause; }
    if (this.pendingVector >= 0 && this.shadow === 0) {
      const v = this.pendingVector;
      this.pendingVector = -1;
      this.halted = false;
      this.deliver(v, -1, K_EXT);
      if (this.tripleFault) { this.tripleFault = false; return StopReason.TripleFault; }
    }
    // External interrupts.
    if (this.shadow !== 0) {
      this.shadow--;
    } else if (this.irqCheck && (this.flags & IF) && this.interrupts) {
      if (this.interrupts.pending()) {
        const v = this.interrupts.acknowledge() & 0xff;
        this.halted = false;
        if (this.hooks && this.hooks.onException(v, -1, false)) { this.pendingVector = v; this.updateAttn(); return StopReason.Debug; }
        this.deliver(v, -1, K_EXT);
        if (this.tripleFault) { this.tripleFault = false; return StopReason.TripleFault; }
      } else {
        this.irqCheck = false;
      }
    } else if (!this.interrupts) {
      this.irqCheck = false;
    }
    if (this.halted) {
      if (!(this.flags & IF) || !this.interrupts) { this.updateAttn(); return StopReason.Halted; }
      this.irqCheck = true;
      this.attn = 1;
      return StopReason.Budget; // idle: the rest of the budget passes (device time advances)
    }
    // Before the next instruction: RF, instruction breakpoints, single-step arming.
    const f = this.flags;
    this.rfNow = (f & RF) !== 0;
    if (this.rfNow) this.flags &= ~RF;
    if (n < budget) {
      const lin = (this.segBase[1] + this.eip) | 0;
      if (this.hyperExecMask !== 0 && !this.skipExecCheckOnce) {
        const m = this.matchExec(this.hyperDr, this.hyperExecMask, lin);
        if (m && this.hooks && this.hooks.onHyperDr(m, lin, 1, Access.Read, 0)) { this.updateAttn(); return StopReason.Debug; }
      }
      if (this.drExecMask !== 0 && !this.rfNow) {
        const m = this.matchExec(this.dr, this.drExecMask, lin);
        if (m) {
          this.dr[6] = (this.dr[6] & ~0xf) | DR6_FIXED | m;
          if (this.hooks && this.hooks.onException(DB, -1, false)) { this.updateAttn(); return StopReason.Debug; }
          this.deliver(DB, -1, K_EXC);
          if (this.tripleFault) { this.tripleFault = false; return StopReason.TripleFault; }
          this.updateAttn();
          return -1;
        }
      }
      if (this.flags & TF) this.stepArmed = true;
    }
    this.updateAttn();
    return -1;
  }

  private matchExec(d: Uint32Array, mask: number, lin: number): number {
    let m = 0;
    for (let i = 0; i < 4; i++) if ((mask >> i) & 1 && (d[i] | 0) === lin) m |= 1 << i;
    return m;
  }

  private refreshHyper(): void {
    const h = this.hyperDr, c = this.hyperCache;
    let changed = false;
    for (let i = 0; i < 8; i++) if (h[i] !== c[i]) { c[i] = h[i]; changed = true; }
    if (!changed) return;
    const m = this.drMasks(h[7], true);
    this.hyperExecMask = m & 0xf; this.hyperDataMask = (m >> 4) & 0xf; this.hyperIoMask = (m >> 8) & 0xf;
    this.dataBpChanged();
  }

  /** Exec/data/io masks (bits 0-3, 4-7, 8-11) of the enabled breakpoints of a DR7 value. */
  private drMasks(dr7: number, hyper: boolean): number {
    let ex = 0, da = 0, io = 0;
    for (let i = 0; i < 4; i++) {
      if (!((dr7 >> (i * 2)) & 3)) continue;
      const rw = (dr7 >> (16 + i * 4)) & 3;
      if (rw === 0) ex |= 1 << i;
      else if (rw === 2) { if (hyper || (this.cr[4] & 8)) io |= 1 << i; }
      else da |= 1 << i;
    }
    return ex | (da << 4) | (io << 8);
  }

  private refreshDr(): void {
    const m = this.drMasks(this.dr[7], false);
    this.drExecMask = m & 0xf; this.drDataMask = (m >> 4) & 0xf; this.drIoMask = (m >> 8) & 0xf;
    this.dataBpChanged();
    this.updateAttn();
  }

  private dataBpChanged(): void {
    // The debugger flags the pages of its hyper data breakpoints in watchPageFlags (cpuApi.ts), so
    // only the guest's own data breakpoints take every access off the fast path.
    const fast = this.drDataMask === 0 ? T_FAST : 0;
    if (fast !== this.fastBit) {
      this.fastBit = fast;
      this.flushTlb();
      this.setCpl(this.cpl);
    }
  }

  /** Data breakpoint check for an access [lin, lin+size). */
  private checkDataBp(lin: number, size: number, write: boolean, value: number): void {
    if (this.drDataMask !== 0) {
      const m = this.matchData(this.dr, this.drDataMask, lin, size, write);
      if (m) { this.trapDr6 |= m; this.attn = 1; }
    }
    if (this.hyperDataMask !== 0) {
      const m = this.matchData(this.hyperDr, this.hyperDataMask, lin, size, write);
      if (m && this.hooks) this.hooks.onHyperDr(m, lin, size, write ? Access.Write : Access.Read, value);
    }
  }

  private matchData(d: Uint32Array, mask: number, lin: number, size: number, write: boolean): number {
    let m = 0;
    const d7 = d[7];
    const a0 = lin >>> 0, a1 = a0 + size - 1;
    for (let i = 0; i < 4; i++) {
      if (!((mask >> i) & 1)) continue;
      const rw = (d7 >> (16 + i * 4)) & 3;
      if (rw === 1 && !write) continue;
      const len = (d7 >> (18 + i * 4)) & 3;
      const lmask = len === 0 ? 0 : len === 1 ? 1 : len === 3 ? 3 : 7;
      const b0 = (d[i] & ~lmask) >>> 0, b1 = b0 + lmask;
      if (a0 <= b1 && b0 <= a1) m |= 1 << i;
    }
    return m;
  }

  private checkIoBp(port: number, size: number, write: boolean, value: number): void {
    if (this.drIoMask !== 0 && (this.cr[4] & 8)) {
      const m = this.matchData(this.dr, this.drIoMask, port, size, true);
      if (m) { this.trapDr6 |= m; this.attn = 1; }
    }
    if (this.hyperIoMask !== 0) {
      const m = this.matchData(this.hyperDr, this.hyperIoMask, port, size, true);
      if (m && this.hooks) this.hooks.onHyperDr(m, port, size, write ? Access.Write : Access.Read, value);
    }
  }

  // ---------------------------------------------------------------- mode bookkeeping

  private isProt(): boolean { return (this.cr[0] & 1) !== 0 && (this.flags & VM) === 0; }

  private setCpl(c: number): void {
    this.cpl = c;
    // Entries filled while data breakpoints are armed lack T_FAST, so they fail these checks.
    this.acActive = c === 3 && (this.cr[0] & 0x40000) !== 0 && (this.flags & AC) !== 0;
    const fast = this.acActive ? T_FAST | T_NEVER : T_FAST;
    if (c === 3) { this.needR = T_V | T_RU | fast; this.needW = T_V | T_D | T_WU | fast; }
    else { this.needR = T_V | fast; this.needW = T_V | T_D | T_WS | fast; }
    this.fetchLp = -1;
  }

  /** Recompute acActive after CR0.AM, EFLAGS.AC or the CPL may have changed. */
  private refreshAc(): void {
    const a = this.cpl === 3 && (this.cr[0] & 0x40000) !== 0 && (this.flags & AC) !== 0;
    if (a !== this.acActive) this.setCpl(this.cpl);
  }

  private modeChanged(): void {
    if (this.flags & VM) this.setCpl(3);
    else if (!(this.cr[0] & 1)) this.setCpl(0);
    this.refreshAll();
  }

  /** Recompute derived segment state (limits for the fast checks, code/stack size). */
  private refreshAll(): void {
    for (let s = 0; s < 6; s++) this.refreshSeg(s);
    this.fetchLp = -1;
  }

  private refreshSeg(s: number): void {
    const a = this.segAttr[s];
    const lim = this.segLimit[s];
    const real = !(this.cr[0] & 1) || (this.flags & VM) !== 0;
    if (s === Seg.CS) {
      this.cs32 = !real && (a & 0x4000) !== 0;
      if (real && !(this.cr[0] & 1)) this.cs32 = (a & 0x4000) !== 0;
      this.ipMask = this.cs32 ? -1 : 0xffff;
      this.fetchLp = -1;
    } else if (s === Seg.SS) {
      this.ss32 = (a & 0x4000) !== 0 && !(this.flags & VM);
    }
    if (!(a & 0x80) || (!real && !(a & 0x10))) { this.segRLim[s] = -1; this.segWLim[s] = -1; return; }
    const code = (a & 8) !== 0;
    const expDown = !code && (a & 4) !== 0;
    if (expDown) { this.segRLim[s] = -1; this.segWLim[s] = -1; return; }
    const readable = !code || (a & 2) !== 0;
    const writable = !code && (a & 2) !== 0;
    if (real) { this.segRLim[s] = lim; this.segWLim[s] = lim; return; }
    this.segRLim[s] = readable ? lim : -1;
    this.segWLim[s] = writable ? lim : -1;
  }

  // ---------------------------------------------------------------- lazy flags

  private getCF(): number {
    if (!(this.lzMask & CF)) return this.flags & CF;
    const z = this.lz, m = SZMASK[z[4]];
    const d = (z[1] & m) >>> 0, s = (z[2] & m) >>> 0, r = (z[3] & m) >>> 0;
    switch (z[0]) {
      case LF_ADD: return r < d ? 1 : 0;
      case LF_ADC: return r <= d ? 1 : 0;
      case LF_SUB: return d < s ? 1 : 0;
      case LF_SBB: return d <= s ? 1 : 0;
      default: return 0;
    }
  }
  private getOF(): number {
    if (!(this.lzMask & OF)) return this.flags & OF;
    const z = this.lz, sg = SZSIGN[z[4]];
    const d = z[1], s = z[2], r = z[3];
    switch (z[0]) {
      case LF_ADD: case LF_ADC: return ((d ^ r) & (s ^ r) & sg) !== 0 ? OF : 0;
      case LF_SUB: case LF_SBB: return ((d ^ s) & (d ^ r) & sg) !== 0 ? OF : 0;
      default: return 0;
    }
  }
  private getAF(): number {
    if (!(this.lzMask & AF)) return this.flags & AF;
    const z = this.lz;
    if (z[0] === LF_LOGIC) return 0;
    return (z[1] ^ z[2] ^ z[3]) & AF;
  }
  private getZF(): number {
    if (!(this.lzMask & ZF)) return this.flags & ZF;
    return (this.lz[3] & SZMASK[this.lz[4]]) === 0 ? ZF : 0;
  }
  private getSF(): number {
    if (!(this.lzMask & SF)) return this.flags & SF;
    return (this.lz[3] & SZSIGN[this.lz[4]]) !== 0 ? SF : 0;
  }
  private getPF(): number {
    if (!(this.lzMask & PF)) return this.flags & PF;
    return PARITY[this.lz[3] & 0xff];
  }

  private setLazy(op: number, d: number, s: number, r: number, sz: number): void {
    const z = this.lz;
    z[0] = op; z[1] = d; z[2] = s; z[3] = r; z[4] = sz;
    this.lzMask = ARITH;
  }

  /** Result flags of a logical operation: CF=OF=AF=0, ZF/SF/PF from r. */
  private setLogic(r: number, sz: number): void {
    const z = this.lz;
    z[0] = LF_LOGIC; z[3] = r; z[4] = sz;
    this.flags &= ~(CF | OF | AF);
    this.lzMask = ZF | SF | PF;
  }

  /** Materialise all lazy flags into `flags`. */
  private materialize(): void {
    if (this.lzMask !== 0) { this.flags = this.getEflags(); this.lzMask = 0; }
  }

  /** Set flag bits from an eager computation. */
  private setFlagBits(mask: number, bits: number): void {
    this.materialize();
    this.flags = (this.flags & ~mask) | (bits & mask);
  }

  private cond(cc: number): boolean {
    switch (cc >> 1) {
      case 0: return (this.getOF() !== 0) !== ((cc & 1) !== 0);
      case 1: return (this.getCF() !== 0) !== ((cc & 1) !== 0);
      case 2: return (this.getZF() !== 0) !== ((cc & 1) !== 0);
      case 3: return ((this.getCF() | this.getZF()) !== 0) !== ((cc & 1) !== 0);
      case 4: return (this.getSF() !== 0) !== ((cc & 1) !== 0);
      case 5: return (this.getPF() !== 0) !== ((cc & 1) !== 0);
      case 6: return ((this.getSF() !== 0) !== (this.getOF() !== 0)) !== ((cc & 1) !== 0);
      default: return ((this.getZF() !== 0) || ((this.getSF() !== 0) !== (this.getOF() !== 0))) !== ((cc & 1) !== 0);
    }
  }

  // ---------------------------------------------------------------- faults

  private fault(vector: number, code: number): never {
    this.fVec = vector; this.fCode = code;
    throw CPU_FAULT;
  }
  private gp(code: number): never { return this.fault(GP, code); }
  private ud(): never { return this.fault(UD, -1); }

  // ---------------------------------------------------------------- TLB and paging

  /** Memory.kindEpoch when the TLB's T_PLAIN bits were last valid. */
  kindEpochSeen = 0;
  /** Drop the TLB if page kinds or watched pages changed since its entries were made. */
  plainCheck(): void {
    if (this.mem.kindEpoch !== this.kindEpochSeen) {
      this.kindEpochSeen = this.mem.kindEpoch;
      this.flushTlb();
    }
  }

  /** Invalidate every TLB entry, global ones included. */
  flushTlb(): void {
    if (this.tlbCount > this.tlbList.length) this.tlb.fill(0);
    else for (let i = 0; i < this.tlbCount; i++) this.tlb[this.tlbList[i]] = 0;
    this.tlbCount = 0;
    this.fetchLp = -1;
  }

  /** A CR3 load: non-global entries go, global pages (CR4.PGE, G bit) stay (SDM Vol. 3 §4.10.2.4). */
  private flushTlbNonGlobal(): void {
    const t = this.tlb, list = this.tlbList;
    let kept = 0;
    if (this.tlbCount > list.length) {
      for (let lp = 0; lp < t.length; lp++) {
        const e = t[lp];
        if (e === 0) continue;
        if (e & T_G) { if (kept < list.length) list[kept] = lp; kept++; } else t[lp] = 0;
      }
    } else {
      for (let i = 0; i < this.tlbCount; i++) {
        const lp = list[i];
        if (t[lp] & T_G) list[kept++] = lp; else t[lp] = 0;
      }
    }
    this.tlbCount = kept;
    this.fetchLp = -1;
  }

  /** INVLPG: the page holding `lin`, global or not; all of a 4 MiB page (SDM Vol. 3 §4.10.4.1). */
  private invlpg(lin: number): void {
    const lp = lin >>> 12;
    if (this.tlb[lp] & T_BIG) {
      const first = lp & ~0x3ff;
      for (let i = 0; i < 1024; i++) if (this.tlb[first + i] & T_BIG) this.tlb[first + i] = 0;
    }
    this.tlb[lp] = 0;
    this.fetchLp = -1;
  }

  private physRead32(pa: number): number {
    pa >>>= 0;
    if (pa + 3 < this.mem.size && !(this.pageKind[pa >>> 12] & PageKind.Mmio)) {
      const r = this.ram;
      return r[pa] | (r[pa + 1] << 8) | (r[pa + 2] << 16) | (r[pa + 3] << 24);
    }
    return this.mem.read8(pa) | (this.mem.read8(pa + 1) << 8) | (this.mem.read8(pa + 2) << 16) | (this.mem.read8(pa + 3) << 24);
  }
  private physWrite32(pa: number, v: number): void {
    pa >>>= 0;
    if (this.pageKind[pa >>> 12] & PageKind.Code) for (let i = 0; i < 4; i++) this.codeWrite(pa + i);
    for (let i = 0; i < 4; i++) this.mem.write8(pa + i, (v >>> (i * 8)) & 0xff);
  }

  /**
   * Walk the page tables for `lin`; fills the TLB and returns the entry, or raises #PF.
   * `user`: the access is made at CPL 3 (not an implicit supervisor access).
   */
  private walk(lin: number, write: boolean, user: boolean): number {
    const lp = lin >>> 12;
    let e: number;
    if (!(this.cr[0] & 0x80000000)) {
      e = ((lin & this.a20Mask) & ~0xfff) | T_V | T_WS | T_RU | T_WU | T_D;
    } else {
      const pdeA = ((this.cr[3] & ~0xfff) + ((lin >>> 22) << 2)) & this.a20Mask;
      const pde = this.physRead32(pdeA);
      const ecode = (write ? 2 : 0) | (user ? 4 : 0);
      if (!(pde & 1)) this.pageFault(lin, ecode);
      let frame: number, uok: boolean, wok: boolean, dirty: boolean, gbits: number;
      const pge = (this.cr[4] & 0x80) !== 0;
      if ((pde & 0x80) && (this.cr[4] & 0x10)) {
        gbits = T_BIG | (pge && (pde & 0x100) ? T_G : 0);
        uok = (pde & 4) !== 0; wok = (pde & 2) !== 0;
        this.checkPerm(lin, write, user, uok, wok, ecode);
        let npde = pde | 0x20;
        if (write) npde |= 0x40;
        if (npde !== pde) this.physWrite32(pdeA, npde);
        dirty = (npde & 0x40) !== 0;
        frame = ((pde & 0xffc00000) | (lin & 0x3ff000)) & this.a20Mask;
      } else {
        const pteA = ((pde & ~0xfff) + (((lin >>> 12) & 0x3ff) << 2)) & this.a20Mask;
        const pte = this.physRead32(pteA);
        if (!(pte & 1)) this.pageFault(lin, ecode);
        gbits = pge && (pte & 0x100) ? T_G : 0;
        uok = (pde & pte & 4) !== 0; wok = (pde & pte & 2) !== 0;
        this.checkPerm(lin, write, user, uok, wok, ecode);
        if (!(pde & 0x20)) this.physWrite32(pdeA, pde | 0x20);
        let npte = pte | 0x20;
        if (write) npte |= 0x40;
        if (npte !== pte) this.physWrite32(pteA, npte);
        dirty = (npte & 0x40) !== 0;
        frame = (pte & ~0xfff) & this.a20Mask;
      }
      const wp = (this.cr[0] & 0x10000) !== 0;
      e = frame | T_V | (wok || !wp ? T_WS : 0) | (uok ? T_RU : 0) | (uok && wok ? T_WU : 0) | (dirty ? T_D : 0) | gbits;
    }
    e |= this.fastBit;
    if (this.watchPageFlags[lp] === 0) {
      const k = this.pageKind[e >>> 12];
      if (k === 0) e |= T_PLAIN | T_WPLAIN;
      else if ((k & ~PageKind.Code) === 0) e |= T_PLAIN;
    }
    if (this.tlb[lp] === 0) {
      if (this.tlbCount < this.tlbList.length) this.tlbList[this.tlbCount] = lp;
      this.tlbCount++;
    }
    this.tlb[lp] = e;
    return e;
  }

  private checkPerm(lin: number, write: boolean, user: boolean, uok: boolean, wok: boolean, ecode: number): void {
    if (user && !uok) this.pageFault(lin, ecode | 1);
    if (write && !wok && (user || (this.cr[0] & 0x10000))) this.pageFault(lin, ecode | 1);
  }

  private pageFault(lin: number, code: number): never {
    this.cr[2] = lin >>> 0;
    return this.fault(PFV, code);
  }

  /** Physical address of `lin` for an access (may fault, sets A/D). */
  private xlate(lin: number, write: boolean, user: boolean): number {
    const need = write ? (T_V | T_D | (user ? T_WU : T_WS)) : (T_V | (user ? T_RU : 0));
    let e = this.tlb[lin >>> 12];
    if ((e & need) !== need) e = this.walk(lin, write, user);
    return ((e & ~0xfff) | (lin & 0xfff)) >>> 0;
  }

  /** Translation without side effects for the debugger; -1 when not mapped. */
  private peekTranslate(lin: number, write: boolean): number {
    if (!(this.cr[0] & 0x80000000)) return (lin & this.a20Mask) >>> 0;
    const pde = this.physRead32(((this.cr[3] & ~0xfff) + ((lin >>> 22) << 2)) & this.a20Mask);
    if (!(pde & 1)) return -1;
    if ((pde & 0x80) && (this.cr[4] & 0x10)) {
      if (write && !(pde & 2)) return -1;
      return (((pde & 0xffc00000) | (lin & 0x3fffff)) & this.a20Mask) >>> 0;
    }
    const pte = this.physRead32(((pde & ~0xfff) + (((lin >>> 12) & 0x3ff) << 2)) & this.a20Mask);
    if (!(pte & 1)) return -1;
    if (write && !(pte & pde & 2)) return -1;
    return (((pte & ~0xfff) | (lin & 0xfff)) & this.a20Mask) >>> 0;
  }

  // ---------------------------------------------------------------- linear memory access

  lr8(lin: number): number {
    const lp = lin >>> 12;
    const e = this.tlb[lp];
    if ((e & this.needR) === this.needR) {
      const pa = ((e & ~0xfff) | (lin & 0xfff)) >>> 0;
      if ((this.watchPageFlags[lp] | (this.pageKind[pa >>> 12] & ~PageKind.Code)) === 0) return this.ram[pa];
    }
    return this.readSlow(lin, 1, this.cpl === 3);
  }
  lr16(lin: number): number {
    const lp = lin >>> 12;
    const e = this.tlb[lp];
    if ((e & this.needR) === this.needR && (lin & 0xfff) !== 0xfff) {
      const pa = ((e & ~0xfff) | (lin & 0xfff)) >>> 0;
      if ((this.watchPageFlags[lp] | (this.pageKind[pa >>> 12] & ~PageKind.Code)) === 0) return this.ram[pa] | (this.ram[pa + 1] << 8);
    }
    return this.readSlow(lin, 2, this.cpl === 3);
  }
  lr32(lin: number): number {
    const lp = lin >>> 12;
    const e = this.tlb[lp];
    if ((e & this.needR) === this.needR && (lin & 0xfff) <= 0xffc) {
      const pa = ((e & ~0xfff) | (lin & 0xfff)) >>> 0;
      if ((this.watchPageFlags[lp] | (this.pageKind[pa >>> 12] & ~PageKind.Code)) === 0) {
        const r = this.ram;
        return r[pa] | (r[pa + 1] << 8) | (r[pa + 2] << 16) | (r[pa + 3] << 24);
      }
    }
    return this.readSlow(lin, 4, this.cpl === 3);
  }
  lw8(lin: number, v: number): void {
    const lp = lin >>> 12;
    const e = this.tlb[lp];
    if ((e & this.needW) === this.needW) {
      const pa = ((e & ~0xfff) | (lin & 0xfff)) >>> 0;
      if ((this.watchPageFlags[lp] | this.pageKind[pa >>> 12]) === 0) { this.ram[pa] = v; return; }
    }
    this.writeSlow(lin, 1, v, this.cpl === 3);
  }
  lw16(lin: number, v: number): void {
    const lp = lin >>> 12;
    const e = this.tlb[lp];
    if ((e & this.needW) === this.needW && (lin & 0xfff) !== 0xfff) {
      const pa = ((e & ~0xfff) | (lin & 0xfff)) >>> 0;
      if ((this.watchPageFlags[lp] | this.pageKind[pa >>> 12]) === 0) { this.ram[pa] = v; this.ram[pa + 1] = v >> 8; return; }
    }
    this.writeSlow(lin, 2, v, this.cpl === 3);
  }
  lw32(lin: number, v: number): void {
    const lp = lin >>> 12;
    const e = this.tlb[lp];
    if ((e & this.needW) === this.needW && (lin & 0xfff) <= 0xffc) {
      const pa = ((e & ~0xfff) | (lin & 0xfff)) >>> 0;
      if ((this.watchPageFlags[lp] | this.pageKind[pa >>> 12]) === 0) {
        const r = this.ram;
        r[pa] = v; r[pa + 1] = v >> 8; r[pa + 2] = v >> 16; r[pa + 3] = v >> 24;
        return;
      }
    }
    this.writeSlow(lin, 4, v, this.cpl === 3);
  }

  private physReadByte(pa: number): number {
    const k = this.pageKind[pa >>> 12];
    if (k & PageKind.SwBp && this.mem.swbpRead) {
      const v = this.mem.swbpRead(pa);
      if (v >= 0) return v & 0xff;
    }
    if (k & (PageKind.Mmio | PageKind.Unbacked)) return this.mem.read8(pa);
    return this.ram[pa];
  }

  private physWriteByte(pa: number, v: number): void {
    const k = this.pageKind[pa >>> 12];
    if (k & PageKind.Code) this.codeWrite(pa);
    if (k & PageKind.SwBp && this.mem.swbpWrite && this.mem.swbpWrite(pa, v & 0xff)) return;
    if (k & (PageKind.Mmio | PageKind.Unbacked)) { this.mem.write8(pa, v & 0xff); this.irqCheck = true; this.attn = 1; return; }
    this.ram[pa] = v;
  }

  /** Any access that is not plain RAM on an unwatched page, or that crosses a page. */
  private readSlow(lin: number, size: number, user: boolean): number {
    if (this.acActive && (lin & (size - 1)) !== 0 && user && !this.acSuppress) this.fault(AC_, 0);
    const off = lin & 0xfff;
    const p0 = this.xlate(lin, false, user);
    let p1 = p0;
    const cross = off + size > 0x1000;
    if (cross) p1 = this.xlate(((lin + size - 1) & ~0xfff) | 0, false, user);
    let v = 0;
    const k0 = this.pageKind[p0 >>> 12];
    if (!cross && size > 1 && (k0 & PageKind.Mmio) && !(k0 & PageKind.SwBp)) {
      const r = this.mem.regionAt(p0);
      v = r && p0 + size <= r.base + r.length ? r.handler.read(p0, size as 1 | 2 | 4) : this.readBytes(p0, p0, off, size);
    } else {
      v = this.readBytes(p0, p1, off, size);
    }
    if (size === 1) v &= 0xff; else if (size === 2) v &= 0xffff; else v |= 0;
    this.afterAccess(lin, p0, p1, size, false, v);
    return v;
  }

  /** Bytes of an access: [p0 .. end of page) then from the start of p1's page. */
  private readBytes(p0: number, p1: number, off: number, size: number): number {
    let v = 0;
    const first = Math.min(size, 0x1000 - off);
    const base1 = (p1 & ~0xfff) >>> 0;
    for (let i = 0; i < size; i++) {
      const pa = i < first ? p0 + i : base1 + (i - first);
      v |= this.physReadByte(pa) << (i * 8);
    }
    return v;
  }

  private writeSlow(lin: number, size: number, v: number, user: boolean): void {
    if (this.acActive && (lin & (size - 1)) !== 0 && user && !this.acSuppress) this.fault(AC_, 0);
    const off = lin & 0xfff;
    const p0 = this.xlate(lin, true, user);
    let p1 = p0;
    const cross = off + size > 0x1000;
    if (cross) p1 = this.xlate(((lin + size - 1) & ~0xfff) | 0, true, user);
    const k0 = this.pageKind[p0 >>> 12];
    if (!cross && size > 1 && (k0 & PageKind.Mmio) && !(k0 & PageKind.SwBp)) {
      const r = this.mem.regionAt(p0);
      if (r && p0 + size <= r.base + r.length) {
        r.handler.write(p0, size as 1 | 2 | 4, size === 2 ? v & 0xffff : v >>> 0);
        this.irqCheck = true; this.attn = 1;
      } else this.writeBytes(p0, p0, off, size, v);
    } else {
      this.writeBytes(p0, p1, off, size, v);
    }
    this.afterAccess(lin, p0, p1, size, true, size === 1 ? v & 0xff : size === 2 ? v & 0xffff : v | 0);
  }

  private writeBytes(p0: number, p1: number, off: number, size: number, v: number): void {
    const first = Math.min(size, 0x1000 - off);
    const base1 = (p1 & ~0xfff) >>> 0;
    for (let i = 0; i < size; i++) {
      const pa = i < first ? p0 + i : base1 + (i - first);
      this.physWriteByte(pa, (v >>> (i * 8)) & 0xff);
    }
  }

  private afterAccess(lin: number, p0: number, p1: number, size: number, write: boolean, v: number): void {
    const h = this.hooks;
    if (h) {
      const lp0 = lin >>> 12, lp1 = ((lin + size - 1) | 0) >>> 12;
      if (this.watchPageFlags[lp0] | this.watchPageFlags[lp1]) h.onLinearAccess(lin >>> 0, size, write ? Access.Write : Access.Read, v);
      if ((this.pageKind[p0 >>> 12] | this.pageKind[p1 >>> 12]) & PageKind.Watch) h.onPhysicalAccess(p0, size, write ? Access.Write : Access.Read, v);
    }
    if ((this.drDataMask | this.hyperDataMask) !== 0) this.checkDataBp(lin, size, write, v);
  }

  /** Implicit supervisor accesses (descriptor tables, TSS, IDT): CPL 0 privilege. */
  private sysRead8(lin: number): number {
    if (this.cpl !== 3) return this.lr8(lin);
    const pa = this.xlate(lin, false, false);
    return this.physReadByte(pa);
  }
  private sysRead16(lin: number): number { return this.sysRead8(lin) | (this.sysRead8((lin + 1) | 0) << 8); }
  private sysRead32(lin: number): number {
    if (this.cpl !== 3) return this.lr32(lin);
    return this.sysRead16(lin) | (this.sysRead16((lin + 2) | 0) << 16);
  }
  private sysWrite8(lin: number, v: number): void {
    if (this.cpl !== 3) { this.lw8(lin, v); return; }
    this.physWriteByte(this.xlate(lin, true, false), v & 0xff);
  }
  private sysWrite16(lin: number, v: number): void { this.sysWrite8(lin, v); this.sysWrite8((lin + 1) | 0, v >> 8); }
  private sysWrite32(lin: number, v: number): void {
    if (this.cpl !== 3) { this.lw32(lin, v); return; }
    this.sysWrite16(lin, v); this.sysWrite16((lin + 2) | 0, v >>> 16);
  }

  // ---------------------------------------------------------------- segmented access

  /** Slow segment check: expand-down, null/unusable, permissions; returns nothing or faults. */
  private segCheck(s: number, off: number, size: number, write: boolean): void {
    const a = this.segAttr[s];
    const real = !(this.cr[0] & 1) || (this.flags & VM) !== 0;
    const code = s === Seg.SS ? SS_ : GP;
    if (!real) {
      if (!(a & 0x80) || !(a & 0x10)) this.fault(code, 0); // null / unusable
      if (a & 8) { // code
        if (write || !(a & 2)) this.fault(code, 0);
      } else if (write && !(a & 2)) this.fault(code, 0);
    }
    const lim = this.segLimit[s];
    const end = off + size - 1;
    if (!(a & 8) && (a & 4)) { // expand-down
      const upper = (a & 0x4000) ? 0xffffffff : 0xffff;
      if (off <= lim || end > upper) this.fault(code, 0);
      return;
    }
    if (end > lim) this.fault(code, 0);
  }

  private rd8(s: number, off: number): number {
    if (off > this.segRLim[s]) this.segCheck(s, off, 1, false);
    return this.lr8((this.segBase[s] + off) | 0);
  }
  private rd16(s: number, off: number): number {
    if (off + 1 > this.segRLim[s]) this.segCheck(s, off, 2, false);
    return this.lr16((this.segBase[s] + off) | 0);
  }
  private rd32(s: number, off: number): number {
    if (off + 3 > this.segRLim[s]) this.segCheck(s, off, 4, false);
    return this.lr32((this.segBase[s] + off) | 0);
  }
  private wr8(s: number, off: number, v: number): void {
    if (off > this.segWLim[s]) this.segCheck(s, off, 1, true);
    this.lw8((this.segBase[s] + off) | 0, v);
  }
  private wr16(s: number, off: number, v: number): void {
    if (off + 1 > this.segWLim[s]) this.segCheck(s, off, 2, true);
    this.lw16((this.segBase[s] + off) | 0, v);
  }
  private wr32(s: number, off: number, v: number): void {
    if (off + 3 > this.segWLim[s]) this.segCheck(s, off, 4, true);
    this.lw32((this.segBase[s] + off) | 0, v);
  }
  /** Check that a write of `size` at s:off would pass the segment checks (before a multi-part write). */
  private wcheck(s: number, off: number, size: number): void {
    if (off + size - 1 > this.segWLim[s]) this.segCheck(s, off, size, true);
  }

  // ---------------------------------------------------------------- instruction fetch

  /** Physical end (exclusive) of the fast fetch window on the current code page. */
  private fetchEnd = 0;

  private fetchSetup(lin: number): void {
    const e0 = this.tlb[lin >>> 12];
    const need = this.needR & ~(T_FAST | T_NEVER);
    const e = (e0 & need) === need ? e0 : this.walk(lin, false, this.cpl === 3);
    const frame = (e & ~0xfff) >>> 0;
    this.fetchLp = lin >>> 12;
    this.fetchBase = frame;
    this.fetchMmio = (this.pageKind[frame >>> 12] & (PageKind.Mmio | PageKind.Unbacked)) !== 0;
    // Bytes before the CS limit (and before offset 0xFFFF in 16-bit code) on this page take the fast
    // path; the byte at the limit and anything beyond go through fetch8Slow (#GP / wrap-around).
    const pageLin = (lin & ~0xfff) >>> 0;
    const lastLin = (this.segBase[1] >>> 0) + (this.cs32 ? this.segLimit[1] : Math.min(this.segLimit[1], 0xffff));
    let room = lastLin - pageLin;
    if (room < 0 || this.fetchMmio) room = 0;
    if (room > 0x1000) room = 0x1000;
    this.fetchEnd = frame + room;
  }

  /** Fetch window of the current instruction: physical [fp, fpEnd) is inside one page and the CS limit. */
  private fp = 0;
  private fpEnd = 0;

  private fetch8(): number {
    const p = this.fp;
    if (p < this.fpEnd) { this.fp = p + 1; this.eip++; return this.ram[p]; }
    return this.fetch8Slow();
  }

  /** Set the fetch window at EIP (start of an instruction, or after crossing a page). */
  private fetchWindow(lin: number): void {
    if ((lin >>> 12) !== this.fetchLp) this.fetchSetup(lin);
    this.fp = this.fetchBase + (lin & 0xfff);
    this.fpEnd = this.fetchEnd;
  }

  private fetch8Slow(): number {
    const o = this.eip;
    if (o > this.segLimit[1]) this.gp(0);
    const lin = (this.segBase[1] + o) | 0;
    if ((lin >>> 12) !== this.fetchLp) this.fetchSetup(lin);
    this.eip = (o + 1) & this.ipMask;
    if (this.ipMask === -1) this.eip >>>= 0;
    const v = this.fetchMmio ? this.mem.read8(this.fetchBase + (lin & 0xfff)) : this.ram[this.fetchBase + (lin & 0xfff)];
    this.fetchWindow((this.segBase[1] + this.eip) | 0);
    return v;
  }
  private fetch16(): number { const lo = this.fetch8(); return lo | (this.fetch8() << 8); }
  private fetch32(): number { const lo = this.fetch16(); return lo | (this.fetch16() << 16); }
  private fetchS8(): number { return (this.fetch8() << 24) >> 24; }

  // ---------------------------------------------------------------- registers and operands

  private getR8(r: number): number { return r < 4 ? this.regs[r] & 0xff : (this.regs[r - 4] >> 8) & 0xff; }
  private setR8(r: number, v: number): void {
    const g = this.regs;
    if (r < 4) g[r] = (g[r] & ~0xff) | (v & 0xff);
    else g[r - 4] = (g[r - 4] & ~0xff00) | ((v & 0xff) << 8);
  }
  private getR16(r: number): number { return this.regs[r] & 0xffff; }
  private setR16(r: number, v: number): void { this.regs[r] = (this.regs[r] & ~0xffff) | (v & 0xffff); }

  private eaUsesEsp = false;

  private decodeModrm(): void {
    const m = this.fetch8();
    this.modrm = m;
    if (m >= 0xc0) { this.isReg = true; return; }
    this.isReg = false;
    this.eaUsesEsp = false;
    const mod = m >> 6, rm = m & 7;
    const g = this.regs;
    let seg = 3;
    let off = 0;
    if (!this.a32) {
      switch (rm) {
        case 0: off = g[3] + g[6]; break;
        case 1: off = g[3] + g[7]; break;
        case 2: off = g[5] + g[6]; seg = 2; break;
        case 3: off = g[5] + g[7]; seg = 2; break;
        case 4: off = g[6]; break;
        case 5: off = g[7]; break;
        case 6: if (mod === 0) off = this.fetch16(); else { off = g[5]; seg = 2; } break;
        default: off = g[3]; break;
      }
      if (mod === 1) off += this.fetchS8();
      else if (mod === 2) off += this.fetch16();
      off &= 0xffff;
    } else {
      if (rm === 4) {
        const sib = this.fetch8();
        const base = sib & 7, idx = (sib >> 3) & 7;
        off = idx === 4 ? 0 : g[idx] << (sib >> 6);
        if (base === 5 && mod === 0) off += this.fetch32();
        else {
          off += g[base];
          if (base === 4 || base === 5) seg = 2;
          if (base === 4) this.eaUsesEsp = true;
        }
      } else if (rm === 5 && mod === 0) {
        off = this.fetch32();
      } else {
        off = g[rm];
        if (rm === 5) seg = 2;
      }
      if (mod === 1) off += this.fetchS8();
      else if (mod === 2) off += this.fetch32();
      off >>>= 0;
    }
    this.eaSeg = this.segOv >= 0 ? this.segOv : seg;
    this.ea = off;
  }

  private rmR8(): number { return this.isReg ? this.getR8(this.modrm & 7) : this.rd8(this.eaSeg, this.ea); }
  private rmR16(): number { return this.isReg ? this.regs[this.modrm & 7] & 0xffff : this.rd16(this.eaSeg, this.ea); }
  private rmR32(): number { return this.isReg ? this.regs[this.modrm & 7] : this.rd32(this.eaSeg, this.ea); }
  private rmW8(v: number): void { if (this.isReg) this.setR8(this.modrm & 7, v); else this.wr8(this.eaSeg, this.ea, v); }
  private rmW16(v: number): void { if (this.isReg) this.setR16(this.modrm & 7, v); else this.wr16(this.eaSeg, this.ea, v); }
  private rmW32(v: number): void { if (this.isReg) this.regs[this.modrm & 7] = v; else this.wr32(this.eaSeg, this.ea, v); }
  /** Read-modify-write operands: the write is checked before anything changes. */
  private rmwR8(): number {
    if (this.isReg) return this.getR8(this.modrm & 7);
    this.wprobe(this.eaSeg, this.ea, 1);
    return this.rd8(this.eaSeg, this.ea);
  }
  private rmwR16(): number {
    if (this.isReg) return this.regs[this.modrm & 7] & 0xffff;
    this.wprobe(this.eaSeg, this.ea, 2);
    return this.rd16(this.eaSeg, this.ea);
  }
  private rmwR32(): number {
    if (this.isReg) return this.regs[this.modrm & 7];
    this.wprobe(this.eaSeg, this.ea, 4);
    return this.rd32(this.eaSeg, this.ea);
  }
  private wprobe(s: number, off: number, size: number): void {
    this.wcheck(s, off, size);
    const lin = (this.segBase[s] + off) | 0;
    const user = this.cpl === 3;
    if ((this.tlb[lin >>> 12] & this.needW) !== this.needW) this.xlate(lin, true, user);
    if (((lin & 0xfff) + size) > 0x1000) this.xlate(((lin + size - 1) & ~0xfff) | 0, true, user);
  }

  // ---------------------------------------------------------------- stack

  private push16(v: number): void {
    if (this.ss32) {
      const sp = (this.regs[4] - 2) | 0;
      this.wr16(Seg.SS, sp >>> 0, v);
      this.regs[4] = sp;
    } else {
      const sp = (this.regs[4] - 2) & 0xffff;
      this.wr16(Seg.SS, sp, v);
      this.setR16(4, sp);
    }
  }
  private push32(v: number): void {
    if (this.ss32) {
      const sp = (this.regs[4] - 4) | 0;
      this.wr32(Seg.SS, sp >>> 0, v);
      this.regs[4] = sp;
    } else {
      const sp = (this.regs[4] - 4) & 0xffff;
      this.wr32(Seg.SS, sp, v);
      this.setR16(4, sp);
    }
  }
  private pushV(v: number): void { if (this.o32) this.push32(v); else this.push16(v); }
  private pop16(): number {
    if (this.ss32) {
      const v = this.rd16(Seg.SS, this.regs[4] >>> 0);
      this.regs[4] = (this.regs[4] + 2) | 0;
      return v;
    }
    const v = this.rd16(Seg.SS, this.regs[4] & 0xffff);
    this.setR16(4, this.regs[4] + 2);
    return v;
  }
  private pop32(): number {
    if (this.ss32) {
      const v = this.rd32(Seg.SS, this.regs[4] >>> 0);
      this.regs[4] = (this.regs[4] + 4) | 0;
      return v;
    }
    const v = this.rd32(Seg.SS, this.regs[4] & 0xffff);
    this.setR16(4, this.regs[4] + 4);
    return v;
  }
  private popV(): number { return this.o32 ? this.pop32() : this.pop16(); }
  /** Read the stack at ESP + delta without popping. */
  private peek16(delta: number): number { return this.rd16(Seg.SS, this.ss32 ? (this.regs[4] + delta) >>> 0 : (this.regs[4] + delta) & 0xffff); }
  private peek32(delta: number): number { return this.rd32(Seg.SS, this.ss32 ? (this.regs[4] + delta) >>> 0 : (this.regs[4] + delta) & 0xffff); }
  private addSp(n: number): void {
    if (this.ss32) this.regs[4] = (this.regs[4] + n) | 0; else this.setR16(4, this.regs[4] + n);
  }

  // ---------------------------------------------------------------- segments

  private dLo = 0;
  private dHi = 0;

  /** Read the descriptor of `sel` into dLo/dHi; false when outside the table. */
  private readDesc(sel: number): boolean {
    let base: number, limit: number;
    if (sel & 4) {
      if ((this.segSel[6] & 0xfffc) === 0 || !(this.segAttr[6] & 0x80)) return false;
      base = this.segBase[6]; limit = this.segLimit[6];
    } else {
      base = this.gdtr.base; limit = this.gdtr.limit;
    }
    if ((sel | 7) > limit) return false;
    const a = (base + (sel & ~7)) | 0;
    this.dLo = this.sysRead32(a);
    this.dHi = this.sysRead32((a + 4) | 0);
    return true;
  }
  private descAddr(sel: number): number {
    return ((sel & 4 ? this.segBase[6] : this.gdtr.base) + (sel & ~7)) | 0;
  }
  private descBase(): number { return ((this.dLo >>> 16) | ((this.dHi & 0xff) << 16) | (this.dHi & 0xff000000)) | 0; }
  private descLimit(): number {
    let l = (this.dLo & 0xffff) | (this.dHi & 0xf0000);
    if (this.dHi & 0x800000) l = ((l << 12) | 0xfff) >>> 0;
    return l;
  }
  private descAttr(): number { return (this.dHi >>> 8) & 0xf0ff; }

  private setAccessed(sel: number): void {
    if (!(this.dHi & 0x100)) {
      this.dHi |= 0x100;
      this.sysWrite8((this.descAddr(sel) + 5) | 0, (this.dHi >>> 8) & 0xff);
    }
  }

  private loadFromDesc(s: number, sel: number): void {
    this.setAccessed(sel);
    this.segSel[s] = sel;
    this.segBase[s] = this.descBase();
    this.segLimit[s] = this.descLimit();
    this.segAttr[s] = this.descAttr();
    this.refreshSeg(s);
  }

  private loadSegReal(s: number, sel: number): void {
    sel &= 0xffff;
    this.segSel[s] = sel;
    this.segBase[s] = sel << 4;
    if (this.flags & VM) {
      this.segLimit[s] = 0xffff;
      this.segAttr[s] = s === Seg.CS ? 0xfb : 0xf3;
    } else if (s === Seg.CS) {
      // Real mode: CS keeps a 16-bit, present, readable code segment.
      this.segAttr[s] = (this.segAttr[s] & ~0x4000) | 0x9b;
    } else if (!(this.segAttr[s] & 0x80)) {
      this.segAttr[s] = 0x93; this.segLimit[s] = 0xffff;
    }
    this.refreshSeg(s);
  }

  /** MOV/POP/LxS to a data or stack segment register, as the current mode does it. */
  private loadSeg(s: number, sel: number): void {
    sel &= 0xffff;
    if (!this.isProt()) { this.loadSegReal(s, sel); return; }
    const idx = sel & 0xfffc;
    if (idx === 0) {
      if (s === Seg.SS) this.gp(0);
      this.segSel[s] = sel; this.segBase[s] = 0; this.segLimit[s] = 0; this.segAttr[s] = 0;
      this.refreshSeg(s);
      return;
    }
    if (!this.readDesc(sel)) this.gp(idx);
    const a = (this.dHi >>> 8) & 0xff;
    const dpl = (a >> 5) & 3, rpl = sel & 3;
    if (s === Seg.SS) {
      if (rpl !== this.cpl || dpl !== this.cpl || !(a & 0x10) || (a & 8) || !(a & 2)) this.gp(idx);
      if (!(a & 0x80)) this.fault(SS_, idx);
    } else {
      if (!(a & 0x10) || ((a & 8) && !(a & 2))) this.gp(idx);
      if (!(a & 8) || !(a & 4)) { if (dpl < this.cpl || dpl < rpl) this.gp(idx); }
      if (!(a & 0x80)) this.fault(NP, idx);
    }
    this.loadFromDesc(s, sel);
  }

  // ---------------------------------------------------------------- ALU

  private alu(op: number, a: number, b: number, sz: number): number {
    const m = SZMASK[sz];
    let r: number;
    switch (op) {
      case 0: r = (a + b) & m; this.setLazy(LF_ADD, a, b, r, sz); return r;
      case 1: r = (a | b) & m; this.setLogic(r, sz); return r;
      case 2: { const c = this.getCF(); r = (a + b + c) & m; this.setLazy(c ? LF_ADC : LF_ADD, a, b, r, sz); return r; }
      case 3: { const c = this.getCF(); r = (a - b - c) & m; this.setLazy(c ? LF_SBB : LF_SUB, a, b, r, sz); return r; }
      case 4: r = (a & b) & m; this.setLogic(r, sz); return r;
      case 6: r = (a ^ b) & m; this.setLogic(r, sz); return r;
      default: r = (a - b) & m; this.setLazy(LF_SUB, a, b, r, sz); return r;
    }
  }

  private incdec(v: number, dec: boolean, sz: number): number {
    const cf = this.getCF();
    const m = SZMASK[sz];
    const r = (dec ? v - 1 : v + 1) & m;
    this.setLazy(dec ? LF_SUB : LF_ADD, v, 1, r, sz);
    this.flags = (this.flags & ~CF) | cf;
    this.lzMask = ARITH & ~CF;
    return r;
  }

  /** Shifts and rotates (group 2). Returns the result; count already masked to 5 bits. */
  private shift(op: number, v: number, count: number, sz: number): number {
    if (count === 0) return v;
    const bits = 8 << sz;
    const m = SZMASK[sz];
    const sign = SZSIGN[sz];
    v = (v & m) >>> 0;
    let r = 0, cf = 0, of = 0;
    switch (op) {
      case 0: { // ROL
        const c = count & (bits - 1);
        r = c === 0 ? v : ((v << c) | (v >>> (bits - c))) & m;
        r >>>= 0;
        cf = r & 1;
        of = ((r & sign) !== 0 ? 1 : 0) ^ cf;
        this.setFlagBits(CF | OF, cf | (of ? OF : 0));
        return r | 0;
      }
      case 1: { // ROR
        const c = count & (bits - 1);
        r = c === 0 ? v : ((v >>> c) | (v << (bits - c))) & m;
        r >>>= 0;
        cf = (r & sign) !== 0 ? 1 : 0;
        of = cf ^ ((r & (sign >>> 1)) !== 0 ? 1 : 0);
        this.setFlagBits(CF | OF, cf | (of ? OF : 0));
        return r | 0;
      }
      case 2: { // RCL
        const c = sz === 2 ? count : count % (bits + 1);
        let x = v, c0 = this.getCF();
        for (let i = 0; i < c; i++) { const out = (x & sign) !== 0 ? 1 : 0; x = ((x << 1) | c0) & m; c0 = out; x >>>= 0; }
        cf = c0;
        of = ((x & sign) !== 0 ? 1 : 0) ^ cf;
        this.setFlagBits(CF | OF, cf | (of ? OF : 0));
        return x | 0;
      }
      case 3: { // RCR
        const c = sz === 2 ? count : count % (bits + 1);
        let x = v, c0 = this.getCF();
        for (let i = 0; i < c; i++) { const out = x & 1; x = ((x >>> 1) | (c0 ? sign : 0)) >>> 0; c0 = out; }
        cf = c0;
        of = ((x & sign) !== 0 ? 1 : 0) ^ ((x & (sign >>> 1)) !== 0 ? 1 : 0);
        this.setFlagBits(CF | OF, cf | (of ? OF : 0));
        return x | 0;
      }
      case 4: case 6: { // SHL/SAL
        if (count < bits) { r = (v << count) & m; cf = (v >>> (bits - count)) & 1; }
        else { r = 0; cf = count === bits ? v & 1 : 0; }
        r >>>= 0;
        of = ((r & sign) !== 0 ? 1 : 0) ^ cf;
        break;
      }
      case 5: { // SHR
        if (count < bits) { r = v >>> count; cf = (v >>> (count - 1)) & 1; }
        else { r = 0; cf = count === bits ? (v >>> (bits - 1)) & 1 : 0; }
        of = count === 1 && (v & sign) !== 0 ? 1 : 0;
        break;
      }
      default: { // SAR
        const sv = sz === 2 ? v | 0 : sz === 1 ? (v << 16) >> 16 : (v << 24) >> 24;
        if (count < bits) { r = (sv >> count) & m; cf = (sv >> (count - 1)) & 1; }
        else { r = (sv < 0 ? m : 0); cf = sv < 0 ? 1 : 0; }
        of = 0;
        break;
      }
    }
    r = r | 0;
    this.setLogic(r, sz);
    this.flags = (this.flags & ~(CF | OF | AF)) | cf | (of ? OF : 0);
    return r;
  }

  private shld(dst: number, src: number, count: number, sz: number, right: boolean): number {
    count &= 31;
    if (count === 0) return dst;
    const m = SZMASK[sz], sign = SZSIGN[sz];
    let r: number, cf: number;
    if (sz === 2) {
      dst >>>= 0; src >>>= 0;
      if (!right) { r = (dst << count) | (src >>> (32 - count)); cf = (dst >>> (32 - count)) & 1; }
      else { r = (dst >>> count) | (src << (32 - count)); cf = (dst >>> (count - 1)) & 1; }
    } else {
      // 16-bit: operate on dst:src:dst (P6 behaviour for counts above 16).
      dst &= 0xffff; src &= 0xffff;
      if (!right) {
        const t = ((dst * 65536 + src) * 65536 + dst); // 48-bit
        const sh = t * Math.pow(2, count);
        r = Math.floor(sh / 4294967296) & 0xffff;
        cf = Math.floor(sh / 281474976710656) & 1;
      } else {
        const t = ((dst * 65536 + src) * 65536 + dst); // dst:src:dst, shift right the low end
        const sh = Math.floor(t / Math.pow(2, count));
        r = sh & 0xffff;
        cf = Math.floor(t / Math.pow(2, count - 1)) & 1;
      }
    }
    r = r & m;
    const of = ((r ^ dst) & sign) !== 0 ? OF : 0;
    this.setLogic(r, sz);
    this.flags = (this.flags & ~(CF | OF | AF)) | cf | of;
    return r;
  }

  // ---------------------------------------------------------------- control transfer helpers

  private jumpNear(target: number): void {
    target = this.o32 ? target >>> 0 : target & 0xffff;
    if (target > this.segLimit[1] && !(this.cr[0] & 1 ? false : false)) this.gp(0);
    this.eip = target;
  }

  private intFlagsAllowed(): boolean {
    // IF may be changed by POPF/IRET when CPL <= IOPL (or in real mode).
    return !(this.cr[0] & 1) || this.cpl <= ((this.flags & IOPL) >> 12);
  }

  /** POPF/IRET flag load with the mode's restrictions. `size32` false keeps the upper 16 bits. */
  private writeFlags(v: number, size32: boolean, iret: boolean): void {
    this.materialize();
    let mask = CF | PF | AF | ZF | SF | TF | DF | OF | NT;
    const pm = (this.cr[0] & 1) !== 0;
    if (!pm || this.cpl === 0) mask |= IOPL;
    if (this.intFlagsAllowed() || (this.flags & VM)) mask |= IF;
    if (size32) {
      mask |= AC | ID;
      if (iret && (!pm || this.cpl === 0)) mask |= RF;
      if (iret && pm && this.cpl === 0) mask |= VIF | VIP; // IRET at CPL 0 loads VIF/VIP (real mode keeps them)
    }
    if (!size32) mask &= 0xffff;
    const old = this.flags;
    this.flags = ((old & ~mask) | (v & mask)) | 2;
    if ((old ^ this.flags) & AC) this.refreshAc();
    this.irqCheck = true;
    this.updateAttn();
  }

  // ---------------------------------------------------------------- I/O

  private ioAllowed(port: number, size: number): void {
    const pm = (this.cr[0] & 1) !== 0;
    if (!pm) return;
    if (!(this.flags & VM) && this.cpl <= ((this.flags & IOPL) >> 12)) return;
    // TSS I/O permission bitmap (32-bit TSS only).
    const t = this.segAttr[7] & 0xf;
    if (t !== 9 && t !== 11) this.gp(0);
    const lim = this.segLimit[7];
    if (lim < 0x67) this.gp(0);
    const mapOff = this.sysRead16((this.segBase[7] + 0x66) | 0);
    const byteOff = mapOff + (port >>> 3);
    if (byteOff + 1 > lim) this.gp(0);
    const w = this.sysRead16((this.segBase[7] + byteOff) | 0);
    const bits = ((1 << size) - 1) << (port & 7);
    if (w & bits) this.gp(0);
  }

  private portIn(port: number, size: IoSize): number {
    port &= 0xffff;
    this.ioAllowed(port, size);
    let v = this.io.read(port, size);
    v = size === 1 ? v & 0xff : size === 2 ? v & 0xffff : v | 0;
    this.afterPort(port, size, false, v);
    return v;
  }
  private portOut(port: number, size: IoSize, v: number): void {
    port &= 0xffff;
    this.ioAllowed(port, size);
    v = size === 1 ? v & 0xff : size === 2 ? v & 0xffff : v >>> 0;
    this.io.write(port, size, v);
    this.irqCheck = true;
    this.attn = 1;
    this.afterPort(port, size, true, v);
  }
  private afterPort(port: number, size: number, write: boolean, v: number): void {
    const pw = this.io.portWatch;
    if (this.hooks) {
      let w = pw[port];
      for (let i = 1; i < size; i++) w |= pw[(port + i) & 0xffff];
      if (w) this.hooks.onPort(port, size, write ? Access.Write : Access.Read, v);
    }
    if ((this.drIoMask | this.hyperIoMask) !== 0) this.checkIoBp(port, size, write, v);
  }

  // ---------------------------------------------------------------- decode and execute

  private exec1(lin: number): void {
    this.instrStart = this.eip;
    this.espStart = this.regs[4];
    const d32 = this.cs32;
    this.o32 = d32; this.a32 = d32; this.segOv = -1; this.rep = 0;
    this.fetchWindow(lin);
    let lock = false;
    let b = this.fetch8();
    let npfx = 0;
    while ((OP_FLAGS[b] & OpFlag.Prefix) !== 0 && b !== 0x0f) {
      switch (b) {
        case 0x26: this.segOv = 0; break;
        case 0x2e: this.segOv = 1; break;
        case 0x36: this.segOv = 2; break;
        case 0x3e: this.segOv = 3; break;
        case 0x64: this.segOv = 4; break;
        case 0x65: this.segOv = 5; break;
        case 0x66: this.o32 = !d32; break;
        case 0x67: this.a32 = !d32; break;
        case 0xf0: lock = true; break;
        default: this.rep = b; break; // F2, F3
      }
      if (++npfx >= 14) this.gp(0);
      b = this.fetch8();
    }
    if (b === 0x0f) b = 0x100 | this.fetch8();
    const f = OP_FLAGS[b];
    if (f & OpFlag.ModRM) {
      if (f & OpFlag.RegOnly) { this.modrm = this.fetch8(); this.isReg = true; }
      else this.decodeModrm();
      const g = OP_GROUP[b];
      if (g >= 0) {
        const gf = GROUP_FLAGS[g * 8 + ((this.modrm >> 3) & 7)];
        if (gf & OpFlag.Invalid) this.ud();
        if (lock && (!(gf & OpFlag.Lock) || this.isReg)) this.ud();
        if ((gf & OpFlag.MemOnly) && this.isReg) this.ud();
      } else if (lock && (!(f & OpFlag.Lock) || this.isReg)) this.ud();
    } else if (lock) this.ud();
    if (f & OpFlag.MemOnly && this.isReg && OP_GROUP[b] < 0) this.ud();
    // What a CPU without the extension executes (decodeLength still follows iced-x86): ENDBR32/64
    // (F3 0F 1E FB/FA) are hint NOPs — Debian's static glibc starts each function with one — and
    // TZCNT/LZCNT (F3 0F BC/BD) are BSF/BSR with an ignored prefix (gcc emits `rep bsf` for ctz).
    if (b >= 0x100 && (f & OpFlag.ModRM) && laterExtension(b, this.modrm, this.rep || (this.o32 !== d32 ? 0x66 : 0)) &&
      !(b === 0x11e && (this.modrm === 0xfb || this.modrm === 0xfa)) && b !== 0x1bc && b !== 0x1bd) this.ud();
    const g = this.regs;
    switch (b) {
      // ALU r/m forms
      case 0x00: case 0x08: case 0x10: case 0x18: case 0x20: case 0x28: case 0x30: case 0x38: {
        const op = (b >> 3) & 7;
        if (op === 7) { this.alu(7, this.rmR8(), this.getR8((this.modrm >> 3) & 7), 0); break; }
        const a = this.rmwR8();
        this.rmW8(this.alu(op, a, this.getR8((this.modrm >> 3) & 7), 0));
        break;
      }
      case 0x01: case 0x09: case 0x11: case 0x19: case 0x21: case 0x29: case 0x31: case 0x39: {
        const op = (b >> 3) & 7, r = (this.modrm >> 3) & 7;
        if (this.o32) {
          if (op === 7) { this.alu(7, this.rmR32(), g[r], 2); break; }
          const a = this.rmwR32();
          this.rmW32(this.alu(op, a, g[r], 2));
        } else {
          if (op === 7) { this.alu(7, this.rmR16(), g[r] & 0xffff, 1); break; }
          const a = this.rmwR16();
          this.rmW16(this.alu(op, a, g[r] & 0xffff, 1));
        }
        break;
      }
      case 0x02: case 0x0a: case 0x12: case 0x1a: case 0x22: case 0x2a: case 0x32: case 0x3a: {
        const op = (b >> 3) & 7, r = (this.modrm >> 3) & 7;
        const v = this.alu(op, this.getR8(r), this.rmR8(), 0);
        if (op !== 7) this.setR8(r, v);
        break;
      }
      case 0x03: case 0x0b: case 0x13: case 0x1b: case 0x23: case 0x2b: case 0x33: case 0x3b: {
        const op = (b >> 3) & 7, r = (this.modrm >> 3) & 7;
        if (this.o32) { const v = this.alu(op, g[r], this.rmR32(), 2); if (op !== 7) g[r] = v; }
        else { const v = this.alu(op, g[r] & 0xffff, this.rmR16(), 1); if (op !== 7) this.setR16(r, v); }
        break;
      }
      case 0x04: case 0x0c: case 0x14: case 0x1c: case 0x24: case 0x2c: case 0x34: case 0x3c: {
        const op = (b >> 3) & 7;
        const v = this.alu(op, g[0] & 0xff, this.fetch8(), 0);
        if (op !== 7) this.setR8(0, v);
        break;
      }
      case 0x05: case 0x0d: case 0x15: case 0x1d: case 0x25: case 0x2d: case 0x35: case 0x3d: {
        const op = (b >> 3) & 7;
        if (this.o32) { const v = this.alu(op, g[0], this.fetch32(), 2); if (op !== 7) g[0] = v; }
        else { const v = this.alu(op, g[0] & 0xffff, this.fetch16(), 1); if (op !== 7) this.setR16(0, v); }
        break;
      }
      case 0x06: case 0x0e: case 0x16: case 0x1e: this.pushV(this.segSel[b >> 3]); break;
      case 0x1a0: case 0x1a8: this.pushV(this.segSel[(b >> 3) & 7]); break;
      case 0x07: case 0x17: case 0x1f: case 0x1a1: case 0x1a9: {
        const s = b < 0x100 ? b >> 3 : (b >> 3) & 7;
        const v = this.o32 ? this.peek32(0) & 0xffff : this.peek16(0);
        this.loadSeg(s, v);
        this.addSp(this.o32 ? 4 : 2);
        if (s === Seg.SS) { this.shadow = 1; this.attn = 1; }
        break;
      }
      case 0x27: this.daa(); break;
      case 0x2f: this.das(); break;
      case 0x37: this.aaa(); break;
      case 0x3f: this.aas(); break;
      case 0x40: case 0x41: case 0x42: case 0x43: case 0x44: case 0x45: case 0x46: case 0x47:
      case 0x48: case 0x49: case 0x4a: case 0x4b: case 0x4c: case 0x4d: case 0x4e: case 0x4f: {
        const r = b & 7, dec = b >= 0x48;
        if (this.o32) g[r] = this.incdec(g[r], dec, 2);
        else this.setR16(r, this.incdec(g[r] & 0xffff, dec, 1));
        break;
      }
      case 0x50: case 0x51: case 0x52: case 0x53: case 0x54: case 0x55: case 0x56: case 0x57:
        if (this.o32) this.push32(g[b & 7]); else this.push16(g[b & 7]);
        break;
      case 0x58: case 0x59: case 0x5a: case 0x5b: case 0x5c: case 0x5d: case 0x5e: case 0x5f:
        if (this.o32) { const v = this.pop32(); g[b & 7] = v; }
        else { const v = this.pop16(); this.setR16(b & 7, v); }
        break;
      case 0x60: { // PUSHA
        const sp = g[4];
        if (this.o32) { for (let r = 0; r < 8; r++) this.push32(r === 4 ? sp : g[r]); }
        else { for (let r = 0; r < 8; r++) this.push16(r === 4 ? sp : g[r]); }
        break;
      }
      case 0x61: { // POPA
        if (this.o32) { for (let r = 7; r >= 0; r--) { const v = this.pop32(); if (r !== 4) g[r] = v; } }
        else { for (let r = 7; r >= 0; r--) { const v = this.pop16(); if (r !== 4) this.setR16(r, v); } }
        break;
      }
      case 0x62: { // BOUND
        const r = (this.modrm >> 3) & 7;
        if (this.o32) {
          const lo = this.rd32(this.eaSeg, this.ea), hi = this.rd32(this.eaSeg, this.maskA(this.ea + 4));
          if (g[r] < lo || g[r] > hi) this.fault(BR, -1);
        } else {
          const lo = (this.rd16(this.eaSeg, this.ea) << 16) >> 16, hi = (this.rd16(this.eaSeg, this.maskA(this.ea + 2)) << 16) >> 16;
          const v = (g[r] << 16) >> 16;
          if (v < lo || v > hi) this.fault(BR, -1);
        }
        break;
      }
      case 0x63: { // ARPL
        if (!this.isProt()) this.ud();
        const d = this.rmwR16(), s = g[(this.modrm >> 3) & 7] & 0xffff;
        if ((d & 3) < (s & 3)) { this.rmW16((d & ~3) | (s & 3)); this.setFlagBits(ZF, ZF); }
        else this.setFlagBits(ZF, 0);
        break;
      }
      case 0x68: if (this.o32) this.push32(this.fetch32()); else this.push16(this.fetch16()); break;
      case 0x6a: { const v = this.fetchS8(); if (this.o32) this.push32(v); else this.push16(v); break; }
      case 0x69: case 0x6b: case 0x1af: {
        const r = (this.modrm >> 3) & 7;
        const src = this.o32 ? this.rmR32() : (this.rmR16() << 16) >> 16;
        const imm = b === 0x69 ? (this.o32 ? this.fetch32() : (this.fetch16() << 16) >> 16) : b === 0x6b ? this.fetchS8() : (this.o32 ? g[r] : (g[r] << 16) >> 16);
        this.imul2(r, src, imm);
        break;
      }
      case 0x6c: case 0x6d: case 0x6e: case 0x6f:
      case 0xa4: case 0xa5: case 0xa6: case 0xa7: case 0xaa: case 0xab: case 0xac: case 0xad: case 0xae: case 0xaf:
        this.stringOp(b);
        break;
      case 0x70: case 0x71: case 0x72: case 0x73: case 0x74: case 0x75: case 0x76: case 0x77:
      case 0x78: case 0x79: case 0x7a: case 0x7b: case 0x7c: case 0x7d: case 0x7e: case 0x7f: {
        const d = this.fetchS8();
        if (this.cond(b & 15)) this.jumpNear(this.eip + d);
        break;
      }
      case 0x180: case 0x181: case 0x182: case 0x183: case 0x184: case 0x185: case 0x186: case 0x187:
      case 0x188: case 0x189: case 0x18a: case 0x18b: case 0x18c: case 0x18d: case 0x18e: case 0x18f: {
        const d = this.o32 ? this.fetch32() : (this.fetch16() << 16) >> 16;
        if (this.cond(b & 15)) this.jumpNear(this.eip + d);
        break;
      }
      case 0x80: case 0x82: {
        const op = (this.modrm >> 3) & 7;
        if (op === 7) { const a = this.rmR8(); this.alu(7, a, this.fetch8(), 0); break; }
        const a = this.rmwR8();
        this.rmW8(this.alu(op, a, this.fetch8(), 0));
        break;
      }
      case 0x81: case 0x83: {
        const op = (this.modrm >> 3) & 7;
        if (this.o32) {
          const a = op === 7 ? this.rmR32() : this.rmwR32();
          const imm = b === 0x81 ? this.fetch32() : this.fetchS8();
          const v = this.alu(op, a, imm, 2);
          if (op !== 7) this.rmW32(v);
        } else {
          const a = op === 7 ? this.rmR16() : this.rmwR16();
          const imm = (b === 0x81 ? this.fetch16() : this.fetchS8()) & 0xffff;
          const v = this.alu(op, a, imm, 1);
          if (op !== 7) this.rmW16(v);
        }
        break;
      }
      case 0x84: this.alu(4, this.rmR8(), this.getR8((this.modrm >> 3) & 7), 0); break;
      case 0x85:
        if (this.o32) this.alu(4, this.rmR32(), g[(this.modrm >> 3) & 7], 2);
        else this.alu(4, this.rmR16(), g[(this.modrm >> 3) & 7] & 0xffff, 1);
        break;
      case 0x86: {
        const r = (this.modrm >> 3) & 7;
        const a = this.rmwR8(), v = this.getR8(r);
        this.rmW8(v); this.setR8(r, a);
        break;
      }
      case 0x87: {
        const r = (this.modrm >> 3) & 7;
        if (this.o32) { const a = this.rmwR32(), v = g[r]; this.rmW32(v); g[r] = a; }
        else { const a = this.rmwR16(), v = g[r]; this.rmW16(v); this.setR16(r, a); }
        break;
      }
      case 0x88: this.rmW8(this.getR8((this.modrm >> 3) & 7)); break;
      case 0x89: if (this.o32) this.rmW32(g[(this.modrm >> 3) & 7]); else this.rmW16(g[(this.modrm >> 3) & 7]); break;
      case 0x8a: this.setR8((this.modrm >> 3) & 7, this.rmR8()); break;
      case 0x8b:
        if (this.o32) g[(this.modrm >> 3) & 7] = this.rmR32();
        else this.setR16((this.modrm >> 3) & 7, this.rmR16());
        break;
      case 0x8c: {
        const s = (this.modrm >> 3) & 7;
        if (s > 5) this.ud();
        const v = this.segSel[s];
        if (this.isReg && this.o32) g[this.modrm & 7] = v; else this.rmW16(v);
        break;
      }
      case 0x8d: {
        const r = (this.modrm >> 3) & 7;
        if (this.o32) g[r] = this.ea; else this.setR16(r, this.ea);
        break;
      }
      case 0x8e: {
        const s = (this.modrm >> 3) & 7;
        if (s > 5 || s === Seg.CS) this.ud();
        this.loadSeg(s, this.rmR16());
        if (s === Seg.SS) { this.shadow = 1; this.attn = 1; }
        break;
      }
      case 0x8f: {
        const v = this.popV();
        if (this.eaUsesEsp && !this.isReg) this.ea = this.maskA(this.ea + (this.o32 ? 4 : 2));
        if (this.o32) this.rmW32(v); else this.rmW16(v);
        break;
      }
      case 0x90:
        break;
      case 0x91: case 0x92: case 0x93: case 0x94: case 0x95: case 0x96: case 0x97: {
        const r = b & 7;
        if (this.o32) { const t = g[r]; g[r] = g[0]; g[0] = t; }
        else { const t = g[r] & 0xffff; this.setR16(r, g[0]); this.setR16(0, t); }
        break;
      }
      case 0x98: if (this.o32) g[0] = (g[0] << 16) >> 16; else this.setR16(0, (g[0] << 24) >> 24); break;
      case 0x99: if (this.o32) g[2] = g[0] >> 31; else this.setR16(2, (g[0] & 0x8000) ? 0xffff : 0); break;
      case 0x9a: {
        const off = this.o32 ? this.fetch32() >>> 0 : this.fetch16();
        const sel = this.fetch16();
        this.farCall(sel, off);
        break;
      }
      case 0x9b: // WAIT
        if ((this.cr[0] & 0xa) === 0xa) this.fault(NM, -1);
        if (this.fpu) this.fpu.wait(this);
        break;
      case 0x9c: { // PUSHF
        if ((this.flags & VM) && (this.flags & IOPL) !== IOPL) {
          // VME (SDM Vol. 3 §20.5): 16-bit PUSHF pushes VIF in the IF position and IOPL as 3.
          if (!(this.cr[4] & 1) || this.o32) this.gp(0);
          this.push16((this.getEflags() & ~IF & 0xffff) | IOPL | ((this.flags & VIF) ? IF : 0));
          break;
        }
        const v = this.getEflags() & ~(VM | RF);
        if (this.o32) this.push32(v); else this.push16(v);
        break;
      }
      case 0x9d: { // POPF
        if ((this.flags & VM) && (this.flags & IOPL) !== IOPL) {
          // VME: 16-bit POPF; TF set, or IF set while VIP is pending -> #GP(0); IF goes to VIF.
          if (!(this.cr[4] & 1) || this.o32) this.gp(0);
          const t = this.peek16(0);
          if ((t & TF) || ((t & IF) && (this.flags & VIP))) this.gp(0);
          this.addSp(2);
          this.loadFlagsVme(t);
          break;
        }
        const v = this.o32 ? this.pop32() : this.pop16();
        this.writeFlags(v, this.o32, false);
        break;
      }
      case 0x9e: this.setFlagBits(SF | ZF | AF | PF | CF, (g[0] >> 8) & 0xd5); break;
      case 0x9f: this.setR8(4, this.getEflags() & 0xff); break;
      case 0xa0: case 0xa1: case 0xa2: case 0xa3: {
        const off = this.a32 ? this.fetch32() >>> 0 : this.fetch16();
        const s = this.segOv >= 0 ? this.segOv : 3;
        if (b === 0xa0) this.setR8(0, this.rd8(s, off));
        else if (b === 0xa1) { if (this.o32) g[0] = this.rd32(s, off); else this.setR16(0, this.rd16(s, off)); }
        else if (b === 0xa2) this.wr8(s, off, g[0]);
        else if (this.o32) this.wr32(s, off, g[0]); else this.wr16(s, off, g[0]);
        break;
      }
      case 0xa8: this.alu(4, g[0] & 0xff, this.fetch8(), 0); break;
      case 0xa9: if (this.o32) this.alu(4, g[0], this.fetch32(), 2); else this.alu(4, g[0] & 0xffff, this.fetch16(), 1); break;
      case 0xb0: case 0xb1: case 0xb2: case 0xb3: case 0xb4: case 0xb5: case 0xb6: case 0xb7:
        this.setR8(b & 7, this.fetch8());
        break;
      case 0xb8: case 0xb9: case 0xba: case 0xbb: case 0xbc: case 0xbd: case 0xbe: case 0xbf:
        if (this.o32) g[b & 7] = this.fetch32(); else this.setR16(b & 7, this.fetch16());
        break;
      case 0xc0: case 0xc1: case 0xd0: case 0xd1: case 0xd2: case 0xd3: {
        const op = (this.modrm >> 3) & 7;
        const byte = (b & 1) === 0;
        if (byte) {
          const v = this.rmwR8();
          const c = (b === 0xc0 ? this.fetch8() : b === 0xd0 ? 1 : g[1]) & 31;
          this.rmW8(this.shift(op, v, c, 0));
        } else if (this.o32) {
          const v = this.rmwR32();
          const c = (b === 0xc1 ? this.fetch8() : b === 0xd1 ? 1 : g[1]) & 31;
          this.rmW32(this.shift(op, v, c, 2));
        } else {
          const v = this.rmwR16();
          const c = (b === 0xc1 ? this.fetch8() : b === 0xd1 ? 1 : g[1]) & 31;
          this.rmW16(this.shift(op, v, c, 1));
        }
        break;
      }
      case 0xc2: case 0xc3: {
        const n = b === 0xc2 ? this.fetch16() : 0;
        const t = this.o32 ? this.peek32(0) >>> 0 : this.peek16(0);
        if (t > this.segLimit[1]) this.gp(0);
        this.addSp((this.o32 ? 4 : 2) + n);
        this.eip = t;
        break;
      }
      case 0xc4: case 0xc5: case 0x1b2: case 0x1b4: case 0x1b5: {
        const s = b === 0xc4 ? Seg.ES : b === 0xc5 ? Seg.DS : b === 0x1b2 ? Seg.SS : b === 0x1b4 ? Seg.FS : Seg.GS;
        const r = (this.modrm >> 3) & 7;
        const off = this.o32 ? this.rd32(this.eaSeg, this.ea) : this.rd16(this.eaSeg, this.ea);
        const sel = this.rd16(this.eaSeg, this.maskA(this.ea + (this.o32 ? 4 : 2)));
        this.loadSeg(s, sel);
        if (this.o32) g[r] = off; else this.setR16(r, off);
        if (s === Seg.SS) { this.shadow = 1; this.attn = 1; }
        break;
      }
      case 0xc6: this.rmW8(this.isReg ? this.fetch8() : this.fetchImmAfterEa8()); break;
      case 0xc7:
        if (this.o32) this.rmW32(this.fetch32()); else this.rmW16(this.fetch16());
        break;
      case 0xc8: this.enter(); break;
      case 0xc9: { // LEAVE
        if (this.ss32) g[4] = g[5]; else this.setR16(4, g[5]);
        if (this.o32) g[5] = this.pop32(); else this.setR16(5, this.pop16());
        break;
      }
      case 0xca: case 0xcb: {
        const n = b === 0xca ? this.fetch16() : 0;
        this.farReturn(n);
        break;
      }
      case 0xcc: this.softInt(3, true); break;
      case 0xcd: { const v = this.fetch8(); this.softInt(v, false); break; }
      case 0xce: if (this.getOF()) this.softInt(4, true); break;
      case 0xcf: this.iret(); break;
      case 0xd4: { // AAM
        const imm = this.fetch8();
        if (imm === 0) this.fault(DE, -1);
        const al = g[0] & 0xff;
        const r = al % imm;
        this.setR8(4, (al / imm) | 0); this.setR8(0, r);
        this.setLogic(r, 0);
        break;
      }
      case 0xd5: { // AAD
        const imm = this.fetch8();
        const al = g[0] & 0xff, ah = (g[0] >> 8) & 0xff;
        const t = (ah * imm) & 0xff;
        const r = (al + t) & 0xff;
        this.setR16(0, r);
        this.setLazy(LF_ADD, al, t, r, 0);
        break;
      }
      case 0xd6: this.setR8(0, this.getCF() ? 0xff : 0); break;
      case 0xd7: {
        const s = this.segOv >= 0 ? this.segOv : 3;
        const off = this.a32 ? (g[3] + (g[0] & 0xff)) >>> 0 : (g[3] + (g[0] & 0xff)) & 0xffff;
        this.setR8(0, this.rd8(s, off));
        break;
      }
      case 0xd8: case 0xd9: case 0xda: case 0xdb: case 0xdc: case 0xdd: case 0xde: case 0xdf:
        this.x87(b, this.modrm, this.ea, this.eaSeg, this.o32);
        break;
      case 0xe0: case 0xe1: case 0xe2: case 0xe3: {
        const d = this.fetchS8();
        let cx: number;
        if (b === 0xe3) { cx = this.a32 ? g[1] : g[1] & 0xffff; if (cx === 0) this.jumpNear(this.eip + d); break; }
        if (this.a32) { cx = g[1] = (g[1] - 1) | 0; } else { cx = (g[1] - 1) & 0xffff; this.setR16(1, cx); }
        let take = cx !== 0;
        if (b === 0xe0) take = take && !this.getZF();
        else if (b === 0xe1) take = take && this.getZF() !== 0;
        if (take) this.jumpNear(this.eip + d);
        break;
      }
      case 0xe4: this.setR8(0, this.portIn(this.fetch8(), 1)); break;
      case 0xe5: { const p = this.fetch8(); if (this.o32) g[0] = this.portIn(p, 4); else this.setR16(0, this.portIn(p, 2)); break; }
      case 0xe6: this.portOut(this.fetch8(), 1, g[0]); break;
      case 0xe7: { const p = this.fetch8(); this.portOut(p, this.o32 ? 4 : 2, g[0]); break; }
      case 0xec: this.setR8(0, this.portIn(g[2] & 0xffff, 1)); break;
      case 0xed: if (this.o32) g[0] = this.portIn(g[2] & 0xffff, 4); else this.setR16(0, this.portIn(g[2] & 0xffff, 2)); break;
      case 0xee: this.portOut(g[2] & 0xffff, 1, g[0]); break;
      case 0xef: this.portOut(g[2] & 0xffff, this.o32 ? 4 : 2, g[0]); break;
      case 0xe8: {
        const d = this.o32 ? this.fetch32() : (this.fetch16() << 16) >> 16;
        const ret = this.eip;
        const t = this.o32 ? (ret + d) >>> 0 : (ret + d) & 0xffff;
        if (t > this.segLimit[1]) this.gp(0);
        this.pushV(ret);
        this.eip = t;
        break;
      }
      case 0xe9: { const d = this.o32 ? this.fetch32() : (this.fetch16() << 16) >> 16; this.jumpNear(this.eip + d); break; }
      case 0xea: {
        const off = this.o32 ? this.fetch32() >>> 0 : this.fetch16();
        const sel = this.fetch16();
        this.farJump(sel, off);
        break;
      }
      case 0xeb: { const d = this.fetchS8(); this.jumpNear(this.eip + d); break; }
      case 0xf1: this.softInt(1, true, true); break;
      case 0xf4: // HLT
        if ((this.cr[0] & 1) && this.cpl !== 0) this.gp(0);
        this.halted = true;
        this.attn = 1;
        break;
      case 0xf5: this.setFlagBits(CF, this.getCF() ^ 1); break;
      case 0xf6: case 0xf7: this.group3(b === 0xf6 ? 0 : this.o32 ? 2 : 1); break;
      case 0xf8: this.setFlagBits(CF, 0); break;
      case 0xf9: this.setFlagBits(CF, CF); break;
      case 0xfa: case 0xfb: { // CLI/STI
        if (this.cr[0] & 1) {
          const iopl = (this.flags & IOPL) >> 12;
          if (this.flags & VM) {
            if (iopl !== 3) {
              if (this.cr[4] & 1) { // VME
                if (b === 0xfb && (this.flags & VIP)) this.gp(0);
                this.flags = b === 0xfa ? this.flags & ~VIF : this.flags | VIF;
                break;
              }
              this.gp(0);
            }
          } else if (this.cpl > iopl) {
            if ((this.cr[4] & 2) && this.cpl === 3 && iopl < 3) { // PVI
              if (b === 0xfb && (this.flags & VIP)) this.gp(0);
              this.flags = b === 0xfa ? this.flags & ~VIF : this.flags | VIF;
              break;
            }
            this.gp(0);
          }
        }
        if (b === 0xfa) this.flags &= ~IF;
        else {
          if (!(this.flags & IF)) { this.shadow = 1; }
          this.flags |= IF;
          this.irqCheck = true;
        }
        this.updateAttn();
        break;
      }
      case 0xfc: this.flags &= ~DF; break;
      case 0xfd: this.flags |= DF; break;
      case 0xfe: {
        const v = this.rmwR8();
        this.rmW8(this.incdec(v, ((this.modrm >> 3) & 7) === 1, 0));
        break;
      }
      case 0xff: this.group5(); break;
      default:
        if (b >= 0x100) { this.exec0F(b); break; }
        this.ud();
    }
  }

  private maskA(v: number): number { return this.a32 ? v >>> 0 : v & 0xffff; }

  /** C6 with a memory operand: the immediate follows the displacement (already fetched). */
  private fetchImmAfterEa8(): number { return this.fetch8(); }

  private imul2(r: number, a: number, b: number): void {
    if (this.o32) {
      const lo = Math.imul(a, b);
      const exact = a * b;
      const of = exact !== lo || (Math.abs(exact) >= 2 ** 53 && !this.imulFits(a, b));
      this.regs[r] = lo;
      this.setLogic(lo, 2);
      this.flags |= of ? CF | OF : 0;
    } else {
      const p = a * b;
      const lo = (p << 16) >> 16;
      this.setR16(r, p);
      this.setLogic(p & 0xffff, 1);
      this.flags |= lo !== p ? CF | OF : 0;
    }
  }
  private imulFits(a: number, b: number): boolean {
    const p = BigInt(a) * BigInt(b);
    return p >= -2147483648n && p <= 2147483647n;
  }

  private group3(sz: number): void {
    const op = (this.modrm >> 3) & 7;
    const g = this.regs;
    switch (op) {
      case 0: case 1: {
        const a = sz === 0 ? this.rmR8() : sz === 1 ? this.rmR16() : this.rmR32();
        const imm = sz === 0 ? this.fetch8() : sz === 1 ? this.fetch16() : this.fetch32();
        this.alu(4, a, imm, sz);
        return;
      }
      case 2: {
        if (sz === 0) this.rmW8(~this.rmwR8()); else if (sz === 1) this.rmW16(~this.rmwR16()); else this.rmW32(~this.rmwR32());
        return;
      }
      case 3: {
        const a = sz === 0 ? this.rmwR8() : sz === 1 ? this.rmwR16() : this.rmwR32();
        const r = this.alu(5, 0, a, sz);
        if (sz === 0) this.rmW8(r); else if (sz === 1) this.rmW16(r); else this.rmW32(r);
        return;
      }
      case 4: case 5: { // MUL / IMUL
        const signed = op === 5;
        if (sz === 0) {
          const s = this.rmR8();
          const a = g[0] & 0xff;
          const p = signed ? ((a << 24) >> 24) * ((s << 24) >> 24) : a * s;
          this.setR16(0, p);
          const ovf = signed ? ((p << 24) >> 24) !== p : (p & 0xff00) !== 0;
          this.setLogic(p & 0xff, 0);
          if (ovf) this.flags |= CF | OF;
        } else if (sz === 1) {
          const s = this.rmR16();
          const a = g[0] & 0xffff;
          const p = signed ? ((a << 16) >> 16) * ((s << 16) >> 16) : a * s;
          this.setR16(0, p); this.setR16(2, p >> 16);
          const ovf = signed ? ((p << 16) >> 16) !== p : (p >>> 16) !== 0;
          this.setLogic(p & 0xffff, 1);
          if (ovf) this.flags |= CF | OF;
        } else {
          const s = this.rmR32();
          const a = g[0];
          let lo: number, hi: number;
          if (signed) {
            const p = BigInt(a) * BigInt(s);
            lo = Number(BigInt.asIntN(32, p)); hi = Number(BigInt.asIntN(32, p >> 32n));
          } else {
            const ua = a >>> 0, us = s >>> 0;
            const p = ua * us;
            if (p < 2 ** 53) { lo = p % 4294967296 | 0; hi = Math.floor(p / 4294967296) | 0; }
            else { const q = BigInt(ua) * BigInt(us); lo = Number(BigInt.asIntN(32, q)); hi = Number(BigInt.asIntN(32, q >> 32n)); }
          }
          g[0] = lo; g[2] = hi;
          const ovf = signed ? hi !== (lo >> 31) : hi !== 0;
          this.setLogic(lo, 2);
          if (ovf) this.flags |= CF | OF;
        }
        return;
      }
      default: { // DIV / IDIV
        const signed = op === 7;
        if (sz === 0) {
          const s = this.rmR8();
          if (s === 0) this.fault(DE, -1);
          const a = g[0] & 0xffff;
          if (!signed) {
            const q = Math.floor(a / s);
            if (q > 0xff) this.fault(DE, -1);
            this.setR8(0, q); this.setR8(4, a % s);
          } else {
            const sa = (a << 16) >> 16, ss = (s << 24) >> 24;
            const q = Math.trunc(sa / ss);
            if (q > 127 || q < -128) this.fault(DE, -1);
            this.setR8(0, q); this.setR8(4, sa % ss);
          }
        } else if (sz === 1) {
          const s = this.rmR16();
          if (s === 0) this.fault(DE, -1);
          const a = ((g[2] & 0xffff) << 16 | (g[0] & 0xffff)) >>> 0;
          if (!signed) {
            const q = Math.floor(a / s);
            if (q > 0xffff) this.fault(DE, -1);
            this.setR16(0, q); this.setR16(2, a % s);
          } else {
            const sa = a | 0, ss = (s << 16) >> 16;
            const q = Math.trunc(sa / ss);
            if (q > 32767 || q < -32768) this.fault(DE, -1);
            this.setR16(0, q); this.setR16(2, sa % ss);
          }
        } else {
          const s = this.rmR32();
          if (s === 0) this.fault(DE, -1);
          if (!signed) {
            const d = (BigInt(g[2] >>> 0) << 32n) | BigInt(g[0] >>> 0);
            const q = d / BigInt(s >>> 0);
            if (q > 0xffffffffn) this.fault(DE, -1);
            g[0] = Number(BigInt.asIntN(32, q)); g[2] = Number(BigInt.asIntN(32, d % BigInt(s >>> 0)));
          } else {
            const d = (BigInt(g[2]) << 32n) | BigInt(g[0] >>> 0);
            const q = d / BigInt(s);
            if (q > 2147483647n || q < -2147483648n) this.fault(DE, -1);
            g[0] = Number(BigInt.asIntN(32, q)); g[2] = Number(BigInt.asIntN(32, d % BigInt(s)));
          }
        }
        return;
      }
    }
  }

  private group5(): void {
    const op = (this.modrm >> 3) & 7;
    const g = this.regs;
    switch (op) {
      case 0: case 1:
        if (this.o32) this.rmW32(this.incdec(this.rmwR32(), op === 1, 2));
        else this.rmW16(this.incdec(this.rmwR16(), op === 1, 1));
        return;
      case 2: {
        const t = this.o32 ? this.rmR32() >>> 0 : this.rmR16();
        if (t > this.segLimit[1]) this.gp(0);
        this.pushV(this.eip);
        this.eip = t;
        return;
      }
      case 3: case 5: {
        const off = this.o32 ? this.rd32(this.eaSeg, this.ea) >>> 0 : this.rd16(this.eaSeg, this.ea);
        const sel = this.rd16(this.eaSeg, this.maskA(this.ea + (this.o32 ? 4 : 2)));
        if (op === 3) this.farCall(sel, off); else this.farJump(sel, off);
        return;
      }
      case 4: {
        const t = this.o32 ? this.rmR32() >>> 0 : this.rmR16();
        if (t > this.segLimit[1]) this.gp(0);
        this.eip = t;
        return;
      }
      case 6: {
        const v = this.o32 ? this.rmR32() : this.rmR16();
        this.pushV(v);
        void g;
        return;
      }
      default: this.ud();
    }
  }

  private enter(): void {
    const size = this.fetch16();
    const level = this.fetch8() & 31;
    const g = this.regs;
    const w = this.o32 ? 4 : 2;
    this.pushV(g[5]);
    const frame = g[4];
    if (level > 0) {
      let bp = g[5];
      for (let i = 1; i < level; i++) {
        bp = this.ss32 ? (bp - w) | 0 : (bp & ~0xffff) | ((bp - w) & 0xffff);
        const v = this.o32 ? this.rd32(Seg.SS, this.ss32 ? bp >>> 0 : bp & 0xffff) : this.rd16(Seg.SS, this.ss32 ? bp >>> 0 : bp & 0xffff);
        this.pushV(v);
      }
      this.pushV(frame);
    }
    if (this.o32) g[5] = frame; else this.setR16(5, frame);
    const nsp = this.ss32 ? (g[4] - size) | 0 : (g[4] - size) & 0xffff;
    // The new stack top must be writable.
    if (this.ss32) this.wcheck(Seg.SS, nsp >>> 0, 1); else this.wcheck(Seg.SS, nsp, 1);
    if (this.ss32) g[4] = nsp; else this.setR16(4, nsp);
  }

  // BCD
  private daa(): void {
    const g = this.regs;
    const al = g[0] & 0xff, cf = this.getCF(), af = this.getAF();
    let r = al, ncf = 0, naf = 0;
    if ((al & 0xf) > 9 || af) { r = al + 6; naf = AF; ncf = cf | (r > 0xff ? CF : 0); }
    if (al > 0x99 || cf) { r += 0x60; ncf = CF; }
    r &= 0xff;
    this.setR8(0, r);
    this.materialize();
    this.flags = (this.flags & ~ARITH) | ncf | naf | (r === 0 ? ZF : 0) | (r & 0x80 ? SF : 0) | PARITY[r] |
      (((al ^ r) & r & 0x80) ? OF : 0);
  }
  private das(): void {
    const g = this.regs;
    const al = g[0] & 0xff, cf = this.getCF(), af = this.getAF();
    let r = al, ncf = 0, naf = 0;
    if ((al & 0xf) > 9 || af) { r = al - 6; naf = AF; ncf = cf | (r < 0 ? CF : 0); }
    if (al > 0x99 || cf) { r -= 0x60; ncf = CF; }
    r &= 0xff;
    this.setR8(0, r);
    this.materialize();
    this.flags = (this.flags & ~ARITH) | ncf | naf | (r === 0 ? ZF : 0) | (r & 0x80 ? SF : 0) | PARITY[r] |
      (((al ^ r) & al & 0x80) ? OF : 0);
  }
  private aaa(): void {
    const g = this.regs;
    const al = g[0] & 0xff;
    const af = this.getAF();
    let c = 0;
    if ((al & 0xf) > 9 || af) { this.setR16(0, g[0] + 0x106); c = 1; }
    this.setR8(0, g[0] & 0xf);
    const r = al + (c ? 6 : 0);
    this.materialize();
    this.flags = (this.flags & ~ARITH) | (c ? CF | AF : 0) | ((r & 0xff) === 0 ? ZF : 0) | (r & 0x80 ? SF : 0) | PARITY[r & 0xff];
  }
  private aas(): void {
    const g = this.regs;
    const al = g[0] & 0xff;
    const af = this.getAF();
    let c = 0;
    if ((al & 0xf) > 9 || af) { this.setR16(0, g[0] - 6); this.setR8(4, (g[0] >> 8) - 1); c = 1; }
    this.setR8(0, g[0] & 0xf);
    const r = (al - (c ? 6 : 0)) & 0xff;
    this.materialize();
    this.flags = (this.flags & ~ARITH) | (c ? CF | AF : 0) | (r === 0 ? ZF : 0) | (r & 0x80 ? SF : 0) | PARITY[r];
  }

  // ---------------------------------------------------------------- string instructions

  private stringOp(b: number): void {
    const g = this.regs;
    const sz = (b & 1) === 0 ? 0 : this.o32 ? 2 : 1;
    const n = 1 << sz;
    const delta = (this.flags & DF) ? -n : n;
    const a32 = this.a32;
    const src = this.segOv >= 0 ? this.segOv : 3;
    const rep = this.rep;
    const kind = b & 0xfe; // 6C ins, 6E outs, A4 movs, A6 cmps, AA stos, AC lods, AE scas
    if (kind === 0x6c || kind === 0x6e) this.ioAllowed(g[2] & 0xffff, n);
    if (rep !== 0) {
      // At most 1024 iterations per step: the instruction restarts (registers updated), so that a
      // huge ECX cannot hold run() beyond its budget and interrupts are taken between slices.
      let left = 1024;
      const bulk = this.repFastPath && kind >= 0xa4;
      for (;;) {
        const cx = a32 ? g[1] : g[1] & 0xffff;
        if (cx === 0) return;
        if (bulk && !this.stopReq && this.trapDr6 === 0 && !(this.irqCheck && (this.flags & IF) !== 0 && this.interrupts !== null && this.interrupts.pending())) {
          // A run of iterations on plain RAM within one page each side (repRun); the conditions of
          // the stop check below cannot change inside such a run, so only the slice count matters.
          const k = this.repRun(kind, sz, src, delta, a32, Math.min(cx >>> 0, left), rep);
          if (k > 0) {
            if (a32) g[1] = (g[1] - k) | 0; else this.setR16(1, g[1] - k);
            if (kind === 0xa6 || kind === 0xae) {
              const zf = this.getZF() !== 0;
              if ((rep === 0xf3 && !zf) || (rep === 0xf2 && zf)) return;
            }
            if ((a32 ? g[1] : g[1] & 0xffff) === 0) return;
            left -= k;
            if (left === 0) { this.eip = this.instrStart; return; }
            continue;
          }
        }
        this.strIter(kind, sz, src, delta, a32);
        if (a32) g[1] = (g[1] - 1) | 0; else this.setR16(1, g[1] - 1);
        if (kind === 0xa6 || kind === 0xae) {
          const zf = this.getZF() !== 0;
          if ((rep === 0xf3 && !zf) || (rep === 0xf2 && zf)) return;
        }
        if ((a32 ? g[1] : g[1] & 0xffff) === 0) return;
        if (--left === 0 || this.stopReq || this.trapDr6 !== 0 || (this.irqCheck && (this.flags & IF) !== 0 && this.interrupts !== null && this.interrupts.pending())) {
          // Stop between iterations: the instruction restarts with the registers updated.
          this.eip = this.instrStart;
          return;
        }
      }
    }
    this.strIter(kind, sz, src, delta, a32);
  }

  private strIter(kind: number, sz: number, src: number, delta: number, a32: boolean): void {
    const g = this.regs;
    const si = a32 ? g[6] >>> 0 : g[6] & 0xffff;
    const di = a32 ? g[7] >>> 0 : g[7] & 0xffff;
    switch (kind) {
      case 0xa4: { // MOVS
        if (sz === 0) this.wr8(Seg.ES, di, this.rd8(src, si));
        else if (sz === 1) this.wr16(Seg.ES, di, this.rd16(src, si));
        else this.wr32(Seg.ES, di, this.rd32(src, si));
        this.advance(6, delta, a32); this.advance(7, delta, a32);
        return;
      }
      case 0xa6: { // CMPS
        const x = sz === 0 ? this.rd8(src, si) : sz === 1 ? this.rd16(src, si) : this.rd32(src, si);
        const y = sz === 0 ? this.rd8(Seg.ES, di) : sz === 1 ? this.rd16(Seg.ES, di) : this.rd32(Seg.ES, di);
        this.alu(7, x, y, sz);
        this.advance(6, delta, a32); this.advance(7, delta, a32);
        return;
      }
      case 0xaa: // STOS
        if (sz === 0) this.wr8(Seg.ES, di, g[0]); else if (sz === 1) this.wr16(Seg.ES, di, g[0]); else this.wr32(Seg.ES, di, g[0]);
        this.advance(7, delta, a32);
        return;
      case 0xac: // LODS
        if (sz === 0) this.setR8(0, this.rd8(src, si)); else if (sz === 1) this.setR16(0, this.rd16(src, si)); else g[0] = this.rd32(src, si);
        this.advance(6, delta, a32);
        return;
      case 0xae: { // SCAS
        const y = sz === 0 ? this.rd8(Seg.ES, di) : sz === 1 ? this.rd16(Seg.ES, di) : this.rd32(Seg.ES, di);
        this.alu(7, sz === 0 ? g[0] & 0xff : sz === 1 ? g[0] & 0xffff : g[0], y, sz);
        this.advance(7, delta, a32);
        return;
      }
      case 0x6c: { // INS
        const n = (1 << sz) as IoSize;
        this.wcheck(Seg.ES, di, n);
        const v = this.portIn(g[2] & 0xffff, n);
        if (sz === 0) this.wr8(Seg.ES, di, v); else if (sz === 1) this.wr16(Seg.ES, di, v); else this.wr32(Seg.ES, di, v);
        this.advance(7, delta, a32);
        return;
      }
      default: { // OUTS
        const v = sz === 0 ? this.rd8(src, si) : sz === 1 ? this.rd16(src, si) : this.rd32(src, si);
        this.portOut(g[2] & 0xffff, (1 << sz) as IoSize, v);
        this.advance(6, delta, a32);
      }
    }
  }

  /**
   * Bulk REP MOVS/CMPS/STOS/LODS/SCAS: up to `max` iterations whose every access would take the
   * memory fast path (segment limit, TLB entry with the needed rights and T_FAST, unwatched plain-RAM
   * page, no page crossing), done on `ram` directly with the per-iteration semantics (an overlapping
   * MOVS copies element by element; CMPS/SCAS stop at the first iteration that ends the REPE/REPNE).
   * Updates ESI/EDI, AL/AX/EAX (LODS) and the flags (CMPS/SCAS); the caller updates ECX. Returns the
   * iterations done (0: none can be, take the per-iteration path).
   */
  private repRun(kind: number, sz: number, src: number, delta: number, a32: boolean, max: number, rep: number): number {
    const g = this.regs;
    const n = 1 << sz;
    const fwd = delta > 0;
    const usesSi = kind === 0xa4 || kind === 0xa6 || kind === 0xac;
    const usesDi = kind !== 0xac;
    let k = max;
    let sPa = 0, dPa = 0;
    if (usesSi) {
      const off = a32 ? g[6] >>> 0 : g[6] & 0xffff;
      const lin = (this.segBase[src] + off) | 0;
      const lp = lin >>> 12;
      const e = this.tlb[lp];
      if ((e & this.needR) !== this.needR) return 0;
      sPa = ((e & ~0xfff) | (lin & 0xfff)) >>> 0;
      if ((this.watchPageFlags[lp] | (this.pageKind[sPa >>> 12] & ~PageKind.Code)) !== 0) return 0;
      k = this.repRoom(k, off, lin & 0xfff, n, fwd, a32, this.segRLim[src]);
      if (k === 0) return 0;
    }
    if (usesDi) {
      const off = a32 ? g[7] >>> 0 : g[7] & 0xffff;
      const lin = (this.segBase[Seg.ES] + off) | 0;
      const lp = lin >>> 12;
      const e = this.tlb[lp];
      if (kind === 0xa6 || kind === 0xae) {
        if ((e & this.needR) !== this.needR) return 0;
        dPa = ((e & ~0xfff) | (lin & 0xfff)) >>> 0;
        if ((this.watchPageFlags[lp] | (this.pageKind[dPa >>> 12] & ~PageKind.Code)) !== 0) return 0;
        k = this.repRoom(k, off, lin & 0xfff, n, fwd, a32, this.segRLim[Seg.ES]);
      } else {
        if ((e & this.needW) !== this.needW) return 0;
        dPa = ((e & ~0xfff) | (lin & 0xfff)) >>> 0;
        if ((this.watchPageFlags[lp] | this.pageKind[dPa >>> 12]) !== 0) return 0;
        k = this.repRoom(k, off, lin & 0xfff, n, fwd, a32, this.segWLim[Seg.ES]);
      }
      if (k === 0) return 0;
    }
    const r = this.ram;
    const bytes = k * n;
    switch (kind) {
      case 0xa4: { // MOVS
        const s0 = fwd ? sPa : sPa - (bytes - n), d0 = fwd ? dPa : dPa - (bytes - n);
        if (d0 >= s0 + bytes || s0 >= d0 + bytes) r.copyWithin(d0, s0, s0 + bytes);
        else {
          // Overlap: each element is read, then written, in the instruction's order.
          for (let i = 0, sp = sPa, dp = dPa; i < k; i++, sp += delta, dp += delta) {
            if (n === 1) r[dp] = r[sp];
            else if (n === 2) { const v = r[sp] | (r[sp + 1] << 8); r[dp] = v; r[dp + 1] = v >> 8; }
            else { const v = r[sp] | (r[sp + 1] << 8) | (r[sp + 2] << 16) | (r[sp + 3] << 24); r[dp] = v; r[dp + 1] = v >> 8; r[dp + 2] = v >> 16; r[dp + 3] = v >> 24; }
          }
        }
        break;
      }
      case 0xaa: { // STOS
        const d0 = fwd ? dPa : dPa - (bytes - n);
        const v = g[0];
        if (n === 1) r.fill(v & 0xff, d0, d0 + bytes);
        else {
          for (let i = 0; i < n; i++) r[d0 + i] = v >> (i * 8);
          for (let done = n; done < bytes;) {
            const c = Math.min(done, bytes - done);
            r.copyWithin(d0 + done, d0, d0 + c);
            done += c;
          }
        }
        break;
      }
      case 0xac: { // LODS: the last element read
        const p = sPa + delta * (k - 1);
        if (n === 1) this.setR8(0, r[p]); else if (n === 2) this.setR16(0, r[p] | (r[p + 1] << 8));
        else g[0] = r[p] | (r[p + 1] << 8) | (r[p + 2] << 16) | (r[p + 3] << 24);
        break;
      }
      default: { // CMPS (a6), SCAS (ae)
        const scas = kind === 0xae;
        const a = sz === 0 ? g[0] & 0xff : sz === 1 ? g[0] & 0xffff : g[0];
        const stopEq = rep === 0xf2; // REPNE ends on equal, REPE on not equal
        let x = 0, y = 0, i = 0;
        for (let sp = sPa, dp = dPa; i < k; sp += delta, dp += delta) {
          x = scas ? a : n === 1 ? r[sp] : n === 2 ? r[sp] | (r[sp + 1] << 8) : r[sp] | (r[sp + 1] << 8) | (r[sp + 2] << 16) | (r[sp + 3] << 24);
          y = n === 1 ? r[dp] : n === 2 ? r[dp] | (r[dp + 1] << 8) : r[dp] | (r[dp + 1] << 8) | (r[dp + 2] << 16) | (r[dp + 3] << 24);
          i++;
          if ((x === y) === stopEq) break;
        }
        k = i;
        this.alu(7, x, y, sz);
      }
    }
    const step = delta * k;
    if (usesSi) { if (a32) g[6] = (g[6] + step) | 0; else this.setR16(6, g[6] + step); }
    if (usesDi) { if (a32) g[7] = (g[7] + step) | 0; else this.setR16(7, g[7] + step); }
    return k;
  }

  /**
   * Iterations (≤ k) from offset `off` (page offset `po` of its linear address) whose n-byte accesses
   * all pass the fast segment check against `lim`, stay in the linear page and do not wrap the offset.
   */
  private repRoom(k: number, off: number, po: number, n: number, fwd: boolean, a32: boolean, lim: number): number {
    if (po + n > 0x1000) return 0;
    if (fwd) {
      // Elements at off + i*n, i < k: need off + k*n - 1 ≤ lim (lim < 2^32 also stops the wrap)
      // and po + k*n ≤ 0x1000; a 16-bit offset must not pass 0xffff either.
      let m = Math.floor((0x1000 - po) / n);
      const segRoom = Math.floor((lim - off + 1) / n);
      if (segRoom < m) m = segRoom;
      if (!a32) { const w = Math.floor((0x10000 - off) / n); if (w < m) m = w; }
      return m <= 0 ? 0 : m < k ? m : k;
    }
    // Backwards: elements at off - i*n; the first is the highest (off + n - 1 ≤ lim), the offset must
    // not go below 0 and the page offset neither.
    if (off + n - 1 > lim) return 0;
    let m = Math.floor(po / n) + 1;
    const w = Math.floor(off / n) + 1;
    if (w < m) m = w;
    return m < k ? m : k;
  }

  private advance(r: number, delta: number, a32: boolean): void {
    if (a32) this.regs[r] = (this.regs[r] + delta) | 0; else this.setR16(r, this.regs[r] + delta);
  }

  // ---------------------------------------------------------------- 0F map

  private exec0F(b: number): void {
    const g = this.regs;
    const reg = (this.modrm >> 3) & 7;
    switch (b) {
      case 0x100: this.group6(reg); return;
      case 0x101: this.group7(reg); return;
      case 0x102: case 0x103: this.larLsl(b === 0x102); return;
      case 0x106: this.needCpl0(); this.cr[0] &= ~8; return;
      case 0x108: this.needCpl0(); return;
      case 0x10b: case 0x1b9: case 0x1ff: this.ud(); return;
      case 0x10d: case 0x118: case 0x119: case 0x11a: case 0x11b: case 0x11c: case 0x11d: case 0x11e: case 0x11f:
        return; // hint NOPs: no memory access
      case 0x109: if (this.rep === 0xf3) this.ud(); this.needCpl0(); return;
      case 0x120: case 0x122: this.movCr(b === 0x122); return;
      case 0x121: case 0x123: this.movDr(b === 0x123); return;
      case 0x130: this.wrmsr(); return;
      case 0x131: {
        if ((this.cr[4] & 4) && this.cpl !== 0 && (this.cr[0] & 1)) this.gp(0);
        const t = this.instructionCount + this.tscOffset;
        g[0] = t % 4294967296 | 0; g[2] = Math.floor(t / 4294967296) | 0;
        return;
      }
      case 0x132: this.rdmsr(); return;
      case 0x133: this.gp(0); return; // RDPMC: no counters
      case 0x134: this.sysenter(); return;
      case 0x135: this.sysexit(); return;
      case 0x1a2: this.cpuid(); return;
      case 0x1a3: case 0x1ab: case 0x1b3: case 0x1bb: case 0x1ba: this.bitOp(b); return;
      case 0x1a4: case 0x1a5: case 0x1ac: case 0x1ad: {
        const right = b >= 0x1ac;
        const r = reg;
        if (this.o32) {
          const v = this.rmwR32();
          const c = (b & 1) ? g[1] & 31 : this.fetch8() & 31;
          this.rmW32(this.shld(v, g[r], c, 2, right));
        } else {
          const v = this.rmwR16();
          const c = (b & 1) ? g[1] & 31 : this.fetch8() & 31;
          this.rmW16(this.shld(v, g[r] & 0xffff, c, 1, right));
        }
        return;
      }
      case 0x1b0: { // CMPXCHG r/m8
        const d = this.rmwR8();
        this.alu(7, g[0] & 0xff, d, 0);
        if (this.getZF()) this.rmW8(this.getR8(reg)); else { this.rmW8(d); this.setR8(0, d); }
        return;
      }
      case 0x1b1: {
        if (this.o32) {
          const d = this.rmwR32();
          this.alu(7, g[0], d, 2);
          if (this.getZF()) this.rmW32(g[reg]); else { this.rmW32(d); g[0] = d; }
        } else {
          const d = this.rmwR16();
          this.alu(7, g[0] & 0xffff, d, 1);
          if (this.getZF()) this.rmW16(g[reg]); else { this.rmW16(d); this.setR16(0, d); }
        }
        return;
      }
      case 0x1b6: { const v = this.rmR8(); if (this.o32) g[reg] = v; else this.setR16(reg, v); return; }
      case 0x1b7: { const v = this.rmR16(); if (this.o32) g[reg] = v; else this.setR16(reg, v); return; }
      case 0x1be: { const v = (this.rmR8() << 24) >> 24; if (this.o32) g[reg] = v; else this.setR16(reg, v); return; }
      case 0x1bf: { const v = (this.rmR16() << 16) >> 16; if (this.o32) g[reg] = v; else this.setR16(reg, v); return; }
      case 0x1bc: case 0x1bd: {
        const v = this.o32 ? this.rmR32() : this.rmR16();
        this.materialize();
        if (v === 0) { this.flags |= ZF; return; }
        this.flags &= ~ZF;
        let idx: number;
        if (b === 0x1bc) idx = 31 - Math.clz32(v & -v);
        else idx = 31 - Math.clz32(v);
        if (this.o32) g[reg] = idx; else this.setR16(reg, idx);
        return;
      }
      case 0x1c0: { // XADD r/m8
        const d = this.rmwR8(), s = this.getR8(reg);
        const r = this.alu(0, d, s, 0);
        this.setR8(reg, d); this.rmW8(r); // SDM order: SRC ← DEST, then DEST ← sum (xadd r, r)
        return;
      }
      case 0x1c1: {
        if (this.o32) { const d = this.rmwR32(), s = g[reg]; const r = this.alu(0, d, s, 2); g[reg] = d; this.rmW32(r); }
        else { const d = this.rmwR16(), s = g[reg] & 0xffff; const r = this.alu(0, d, s, 1); this.setR16(reg, d); this.rmW16(r); }
        return;
      }
      case 0x1c7: { // CMPXCHG8B
        if (reg !== 1 || this.isReg) this.ud();
        if (this.acActive && ((this.segBase[this.eaSeg] + this.ea) & 7) !== 0) this.fault(AC_, 0); // quadword: 8
        this.wprobe(this.eaSeg, this.ea, 8);
        const lo = this.rd32(this.eaSeg, this.ea), hi = this.rd32(this.eaSeg, this.maskA(this.ea + 4));
        this.materialize();
        if (lo === g[0] && hi === g[2]) {
          this.wr32(this.eaSeg, this.ea, g[3]); this.wr32(this.eaSeg, this.maskA(this.ea + 4), g[1]);
          this.flags |= ZF;
        } else {
          this.wr32(this.eaSeg, this.ea, lo); this.wr32(this.eaSeg, this.maskA(this.ea + 4), hi);
          g[0] = lo; g[2] = hi;
          this.flags &= ~ZF;
        }
        return;
      }
      default:
        if (b >= 0x140 && b <= 0x14f) { // CMOVcc
          const v = this.o32 ? this.rmR32() : this.rmR16();
          if (this.cond(b & 15)) { if (this.o32) g[reg] = v; else this.setR16(reg, v); }
          return;
        }
        if (b >= 0x190 && b <= 0x19f) { this.rmW8(this.cond(b & 15) ? 1 : 0); return; }
        if (b >= 0x1c8 && b <= 0x1cf) {
          const r = b & 7, v = g[r];
          if (this.o32) g[r] = ((v >>> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24));
          else this.setR16(r, 0);
          return;
        }
        this.ud();
    }
  }

  private bitOp(b: number): void {
    const g = this.regs;
    let op: number, bit: number;
    const sz = this.o32 ? 2 : 1;
    const bits = this.o32 ? 32 : 16;
    if (b === 0x1ba) {
      op = (this.modrm >> 3) & 3;
      bit = this.fetch8() & (bits - 1);
    } else {
      op = b === 0x1a3 ? 0 : b === 0x1ab ? 1 : b === 0x1b3 ? 2 : 3;
      const r = g[(this.modrm >> 3) & 7];
      bit = this.o32 ? r : (r << 16) >> 16;
      if (!this.isReg) {
        // The bit offset addresses memory beyond the operand (signed).
        const disp = Math.floor(bit / bits) * (bits >> 3);
        this.ea = this.maskA(this.ea + disp);
      }
      bit &= bits - 1;
    }
    const v = op === 0 ? (sz === 2 ? this.rmR32() : this.rmR16()) : (sz === 2 ? this.rmwR32() : this.rmwR16());
    const cf = (v >>> bit) & 1;
    this.setFlagBits(CF, cf);
    if (op === 0) return;
    const nv = op === 1 ? v | (1 << bit) : op === 2 ? v & ~(1 << bit) : v ^ (1 << bit);
    if (sz === 2) this.rmW32(nv); else this.rmW16(nv);
  }

  private needCpl0(): void {
    if ((this.cr[0] & 1) && (this.cpl !== 0 || (this.flags & VM))) this.gp(0);
  }

  private group6(reg: number): void {
    if (!this.isProt()) this.ud();
    switch (reg) {
      case 0: case 1: {
        const v = this.segSel[reg === 0 ? 6 : 7];
        if (this.isReg && this.o32) this.regs[this.modrm & 7] = v; else this.rmW16(v);
        return;
      }
      case 2: { this.needCpl0(); this.lldt(this.rmR16()); return; }
      case 3: { this.needCpl0(); this.ltr(this.rmR16()); return; }
      default: { // VERR / VERW
        const sel = this.rmR16();
        this.materialize();
        this.flags &= ~ZF;
        if ((sel & 0xfffc) === 0 || !this.readDesc(sel)) return;
        const a = (this.dHi >>> 8) & 0xff;
        if (!(a & 0x10)) return;
        const dpl = (a >> 5) & 3;
        const conforming = (a & 0xc) === 0xc;
        if (!conforming && (dpl < this.cpl || dpl < (sel & 3))) return;
        if (reg === 4) { if ((a & 8) && !(a & 2)) return; }
        else if ((a & 8) || !(a & 2)) return;
        this.flags |= ZF;
      }
    }
  }

  private lldt(sel: number): void {
    if ((sel & 0xfffc) === 0) { this.segSel[6] = sel; this.segAttr[6] = 0; this.segBase[6] = 0; this.segLimit[6] = 0; return; }
    if (sel & 4) this.gp(sel & 0xfffc);
    if (!this.readDesc(sel)) this.gp(sel & 0xfffc);
    const a = (this.dHi >>> 8) & 0xff;
    if ((a & 0x1f) !== 2) this.gp(sel & 0xfffc);
    if (!(a & 0x80)) this.fault(NP, sel & 0xfffc);
    this.segSel[6] = sel; this.segBase[6] = this.descBase(); this.segLimit[6] = this.descLimit(); this.segAttr[6] = this.descAttr();
  }

  private ltr(sel: number): void {
    if ((sel & 0xfffc) === 0 || (sel & 4)) this.gp(sel & 0xfffc);
    if (!this.readDesc(sel)) this.gp(sel & 0xfffc);
    const a = (this.dHi >>> 8) & 0xff;
    const t = a & 0x1f;
    if (t !== 1 && t !== 9) this.gp(sel & 0xfffc);
    if (!(a & 0x80)) this.fault(NP, sel & 0xfffc);
    this.dHi |= 0x200; // busy
    this.sysWrite8((this.descAddr(sel) + 5) | 0, (this.dHi >>> 8) & 0xff);
    this.segSel[7] = sel; this.segBase[7] = this.descBase(); this.segLimit[7] = this.descLimit(); this.segAttr[7] = this.descAttr();
  }

  private group7(reg: number): void {
    switch (reg) {
      case 0: case 1: {
        const t = reg === 0 ? this.gdtr : this.idtr;
        this.wcheck(this.eaSeg, this.ea, 6);
        this.wr16(this.eaSeg, this.ea, t.limit);
        this.wr32(this.eaSeg, this.maskA(this.ea + 2), this.o32 ? t.base : t.base & 0xffffff);
        return;
      }
      case 2: case 3: {
        this.needCpl0();
        const limit = this.rd16(this.eaSeg, this.ea);
        let base = this.rd32(this.eaSeg, this.maskA(this.ea + 2));
        if (!this.o32) base &= 0xffffff;
        const t = reg === 2 ? this.gdtr : this.idtr;
        t.base = base | 0; t.limit = limit;
        return;
      }
      case 4: { // SMSW
        const v = this.cr[0];
        if (this.isReg) { if (this.o32) this.regs[this.modrm & 7] = v; else this.setR16(this.modrm & 7, v); }
        else this.rmW16(v);
        return;
      }
      case 6: { // LMSW
        this.needCpl0();
        const v = this.rmR16();
        const cr0 = this.cr[0];
        const n = (cr0 & ~0xe) | (v & 0xf) | (cr0 & 1);
        this.setCr0(n);
        return;
      }
      case 7: {
        this.needCpl0();
        this.invlpg((this.segBase[this.eaSeg] + this.ea) | 0);
        return;
      }
      default: this.ud();
    }
  }

  private larLsl(lar: boolean): void {
    if (!this.isProt()) this.ud();
    const sel = this.rmR16();
    const reg = (this.modrm >> 3) & 7;
    this.materialize();
    this.flags &= ~ZF;
    if ((sel & 0xfffc) === 0 || !this.readDesc(sel)) return;
    const a = (this.dHi >>> 8) & 0xff;
    const dpl = (a >> 5) & 3;
    if (a & 0x10) {
      const conforming = (a & 0xc) === 0xc;
      if (!conforming && (dpl < this.cpl || dpl < (sel & 3))) return;
    } else {
      const t = a & 0xf;
      const ok = lar ? [1, 2, 3, 4, 5, 9, 0xb, 0xc].includes(t) : [1, 2, 3, 9, 0xb].includes(t);
      if (!ok || dpl < this.cpl || dpl < (sel & 3)) return;
    }
    this.flags |= ZF;
    const v = lar ? this.dHi & 0x00f0ff00 : this.descLimit();
    if (this.o32) this.regs[reg] = v; else this.setR16(reg, v);
  }

  private setCr0(v: number): void {
    v = (v | 0x10) >>> 0; // ET is hardwired
    if ((v & 0x80000000) && !(v & 1)) this.gp(0);
    if ((v & 0x20000000) && !(v & 0x40000000)) this.gp(0);
    const old = this.cr[0];
    this.cr[0] = v;
    if ((old ^ v) & 0x80010001) this.flushTlb();
    if ((old ^ v) & 1) {
      if (!(v & 1)) { this.setCpl(0); }
      this.refreshAll();
    }
    if ((old ^ v) & 0x40000) this.refreshAc();
  }

  private movCr(toCr: boolean): void {
    if ((this.flags & VM) || ((this.cr[0] & 1) && this.cpl !== 0)) this.gp(0);
    const n = (this.modrm >> 3) & 7;
    const r = this.modrm & 7;
    if (n === 1 || n > 4) this.ud();
    if (!toCr) { this.regs[r] = this.cr[n]; return; }
    const v = this.regs[r] >>> 0;
    switch (n) {
      case 0: this.setCr0(v); return;
      case 2: this.cr[2] = v; return;
      case 3: this.cr[3] = v; this.flushTlbNonGlobal(); return;
      default: {
        // VME PVI TSD DE PSE PGE PCE exist; PAE (0x20) and MCE (0x40) are reserved here (#GP).
        if (v & ~0x19f) this.gp(0);
        const old = this.cr[4];
        this.cr[4] = v;
        if ((old ^ v) & 0x90) this.flushTlb(); // PSE or PGE changed: global entries go too
        if ((old ^ v) & 8) this.refreshDr();
      }
    }
  }

  private movDr(toDr: boolean): void {
    if ((this.flags & VM) || ((this.cr[0] & 1) && this.cpl !== 0)) this.gp(0);
    let n = (this.modrm >> 3) & 7;
    const r = this.modrm & 7;
    if (n === 4 || n === 5) { if (this.cr[4] & 8) this.ud(); n += 2; }
    if (this.dr[7] & 0x2000) { // GD
      this.dr[7] &= ~0x2000;
      this.dr[6] = (this.dr[6] & ~0xf) | DR6_FIXED | DR6_BD;
      this.fault(DB, -1);
    }
    if (!toDr) { this.regs[r] = this.dr[n]; return; }
    const v = this.regs[r] >>> 0;
    if (n === 6) this.dr[6] = (v | DR6_FIXED) & ~0x1000;
    else if (n === 7) { this.dr[7] = (v | 0x400) & ~0xd800; this.refreshDr(); }
    else { this.dr[n] = v; this.refreshDr(); }
  }

  private cpuid(): void {
    const g = this.regs;
    const leaf = g[0] >>> 0;
    if (leaf === 0) {
      g[0] = 1; g[3] = 0x756e6547; g[2] = 0x49656e69; g[1] = 0x6c65746e; // GenuineIntel
    } else if (leaf === 1) {
      g[0] = 0x611; g[3] = 0;
      // FPU (when present), VME, DE, PSE, TSC, MSR, CX8, SEP, PGE, CMOV.
      g[2] = (this.fpu ? 1 : 0) | 2 | 4 | 8 | 0x10 | 0x20 | 0x100 | 0x800 | 0x2000 | 0x8000;
      g[1] = 0;
    } else {
      g[0] = 0; g[1] = 0; g[2] = 0; g[3] = 0;
    }
  }

  private rdmsr(): void {
    this.needCpl0();
    const g = this.regs;
    const t = this.instructionCount + this.tscOffset;
    switch (g[1] >>> 0) {
      case MSR_TSC: g[0] = t % 4294967296 | 0; g[2] = Math.floor(t / 4294967296) | 0; return;
      case MSR_SYSENTER_CS: g[0] = this.sysenterCs; g[2] = 0; return;
      case MSR_SYSENTER_ESP: g[0] = this.sysenterEsp; g[2] = 0; return;
      case MSR_SYSENTER_EIP: g[0] = this.sysenterEip; g[2] = 0; return;
      default: this.gp(0);
    }
  }

  private wrmsr(): void {
    this.needCpl0();
    const g = this.regs;
    switch (g[1] >>> 0) {
      case MSR_TSC: this.tscOffset = ((g[2] >>> 0) * 4294967296 + (g[0] >>> 0)) - this.instructionCount; return;
      case MSR_SYSENTER_CS: this.sysenterCs = g[0] & 0xffff; return;
      case MSR_SYSENTER_ESP: this.sysenterEsp = g[0]; return;
      case MSR_SYSENTER_EIP: this.sysenterEip = g[0]; return;
      default: this.gp(0);
    }
  }

  private sysenter(): void {
    if (!(this.cr[0] & 1)) this.gp(0);
    if ((this.sysenterCs & 0xfffc) === 0) this.gp(0);
    this.materialize();
    this.flags &= ~(VM | IF | RF);
    const cs = this.sysenterCs & 0xfffc;
    this.segSel[Seg.CS] = cs; this.segBase[Seg.CS] = 0; this.segLimit[Seg.CS] = 0xffffffff; this.segAttr[Seg.CS] = 0xc09b;
    this.segSel[Seg.SS] = cs + 8; this.segBase[Seg.SS] = 0; this.segLimit[Seg.SS] = 0xffffffff; this.segAttr[Seg.SS] = 0xc093;
    this.setCpl(0);
    this.refreshAll();
    this.regs[4] = this.sysenterEsp;
    this.eip = this.sysenterEip >>> 0;
    this.updateAttn();
  }

  private sysexit(): void {
    if (!(this.cr[0] & 1) || this.cpl !== 0 || (this.flags & VM) || (this.sysenterCs & 0xfffc) === 0) this.gp(0);
    const cs = ((this.sysenterCs & 0xfffc) + 16) | 3;
    this.segSel[Seg.CS] = cs; this.segBase[Seg.CS] = 0; this.segLimit[Seg.CS] = 0xffffffff; this.segAttr[Seg.CS] = 0xc0fb;
    this.segSel[Seg.SS] = cs + 8; this.segBase[Seg.SS] = 0; this.segLimit[Seg.SS] = 0xffffffff; this.segAttr[Seg.SS] = 0xc0f3;
    this.setCpl(3);
    this.refreshAll();
    this.regs[4] = this.regs[1];
    this.eip = this.regs[2] >>> 0;
  }

  /**
   * One x87 instruction (D8–DF) for translated code, exactly what exec1 does with it once decoded:
   * `b` the opcode, `modrm` its ModRM byte; for memory forms `ea` the operand's offset (wrapped to
   * the address size) and `seg` its segment (0–5, after any override), ignored for register forms;
   * `o32` the operand size (only FSTENV/FLDENV/FSAVE/FRSTOR layouts depend on it). The caller
   * first stores what the fault path expects (Jit.pro: instrStart = the instruction's EIP, which is
   * also the FPU instruction pointer, espStart, instructionCount, curLin) with the lazy flags
   * written back (FCOMI writes ZF/PF/CF, FCMOVcc reads them), and afterwards checks for attention
   * (Jit.chk): a store may hit translated code or a watched page. Faults (#NM, #MF, #UD, #GP, #SS,
   * #PF, #AC) are thrown like every other slow path's.
   */
  x87(b: number, modrm: number, ea: number, seg: number, o32: boolean): void {
    if ((this.cr[0] & 0xc) !== 0) this.fault(NM, -1); // EM or TS
    const fpu = this.fpu;
    if (fpu === null) this.ud();
    const op = b - 0xd8;
    if (modrm >= 0xc0) {
      if (X87_REG[op * 64 + (modrm & 63)] === 0) this.ud();
      fpu.exec(this, op, modrm, 0, !o32, this.isProt(), this.instrStart, this.segSel[1], 0, 0);
      return;
    }
    const form = op * 8 + ((modrm >> 3) & 7);
    if (X87_MEM[form] === 0) this.ud();
    ea >>>= 0;
    const lin = (this.segBase[seg] + ea) | 0;
    const size = X87_MEM_SIZE[form];
    const envSize = size === 28 && !o32 ? 14 : size === 108 && !o32 ? 94 : size;
    if (ea + envSize - 1 > this.segRLim[seg]) this.segCheck(seg, ea, envSize, false);
    // (the data pointer as a signed word: an offset >= 2^31 passed as a number would be boxed)
    if (this.acActive) {
      // SDM Vol. 3 §6.15 #AC, table of alignments: m16 2, m32 4, m64 and m80 8, FSTENV/FSAVE areas
      // 4 (32-bit operand size) or 2 (16-bit). Checked once here, not per part of the operand.
      const align = size === 10 ? 8 : size === 28 || size === 108 ? (o32 ? 4 : 2) : size;
      if ((lin & (align - 1)) !== 0) this.fault(AC_, 0);
      this.acSuppress = true;
      try {
        fpu.exec(this, op, modrm, lin, !o32, this.isProt(), this.instrStart, this.segSel[1], ea | 0, this.segSel[seg]);
      } finally { this.acSuppress = false; }
      return;
    }
    fpu.exec(this, op, modrm, lin, !o32, this.isProt(), this.instrStart, this.segSel[1], ea | 0, this.segSel[seg]);
  }

  // ---------------------------------------------------------------- interrupts and exceptions

  /**
   * INT n (`short` false), INT3/INTO (`short` true), INT1/ICEBP. In virtual-8086 mode only INT n is
   * IOPL-sensitive and subject to VME redirection (SDM Vol. 3 §20.3.3, Table 20-2): VME=0 and IOPL<3
   * → #GP(0); VME=1 → the TSS redirection bitmap bit clear sends it to the 8086 IVT (method 5/6),
   * a set bit means the IDT with IOPL 3 (method 4) or #GP(0) with IOPL < 3 (method 3).
   */
  private softInt(v: number, short: boolean, icebp = false): void {
    if (this.hooks && this.hooks.onException(v, -1, true)) { this.stopReq = true; this.attn = 1; return; }
    if ((this.flags & VM) && !short && !icebp) {
      const iopl3 = (this.flags & IOPL) === IOPL;
      if (this.cr[4] & 1) {
        if (!this.vmeRedirected(v)) { this.deliverV86Redirect(v); return; }
        if (!iopl3) this.gp(0);
      } else if (!iopl3) this.gp(0);
    }
    if (this.softIntHandler && this.softIntHandler(v)) return;
    this.stepArmed = false;
    this.deliver(v, -1, icebp ? K_ICEBP : K_SOFT);
  }

  /** VME: true when the interrupt redirection bitmap bit is set (go through the IDT). */
  private vmeRedirected(v: number): boolean {
    const t = this.segAttr[7] & 0xf;
    if (t !== 9 && t !== 11) return true;
    if (this.segLimit[7] < 0x67) return true;
    // The 32-byte redirection bitmap lies just below the I/O map base (SDM Vol. 3 §20.3.3.4).
    const mapOff = this.sysRead16((this.segBase[7] + 0x66) | 0);
    const a = mapOff - 32 + (v >> 3);
    if (a < 0 || a > this.segLimit[7]) return true;
    return (this.sysRead8((this.segBase[7] + a) | 0) >> (v & 7) & 1) !== 0;
  }

  private deliverV86Redirect(v: number): void {
    const ip = this.lr16(v * 4), cs = this.lr16(v * 4 + 2);
    let fl = this.getEflags() & 0xffff;
    if ((this.flags & IOPL) !== IOPL) fl = (fl & ~IF) | ((this.flags & VIF) ? IF : 0) | IOPL;
    this.push16(fl); this.push16(this.segSel[Seg.CS]); this.push16(this.eip);
    if ((this.flags & IOPL) === IOPL) this.flags &= ~IF; else this.flags &= ~VIF;
    this.flags &= ~(TF | RF);
    this.loadSegReal(Seg.CS, cs);
    this.eip = ip;
    this.stepArmed = false;
    this.updateAttn();
  }

  /** Deliver an event; faults during delivery become #DF or a triple fault. */
  private deliver(v: number, code: number, kind: number): void {
    if (this.delivering > 6) { this.tripleFault = true; this.attn = 1; return; }
    this.delivering++;
    try {
      this.halted = false;
      if (!(this.cr[0] & 1)) this.deliverReal(v);
      else this.deliverProt(v, code, kind);
    } catch (e) {
      if (e !== CPU_FAULT) throw e;
      const v2 = this.fVec, c2 = this.fCode;
      if (v === DF_) { this.tripleFault = true; this.attn = 1; return; }
      const df = (isContributory(v) && isContributory(v2)) || (v === PFV && (isContributory(v2) || v2 === PFV));
      if (this.hooks && this.hooks.onException(df ? DF_ : v2, df ? 0 : c2, false)) { this.stopReq = true; this.attn = 1; return; }
      if (df) this.deliver(DF_, 0, K_EXC);
      else this.deliver(v2, c2, K_EXC);
    } finally {
      this.delivering--;
    }
  }

  private deliverReal(v: number): void {
    const a = v * 4;
    if (a + 3 > this.idtr.limit) this.gp(0);
    const ip = this.sysRead16((this.idtr.base + a) | 0), cs = this.sysRead16((this.idtr.base + a + 2) | 0);
    const fl = this.getEflags();
    this.push16(fl); this.push16(this.segSel[Seg.CS]); this.push16(this.eip);
    this.flags = (fl & ~(IF | TF | AC | RF)) | 2;
    this.lzMask = 0;
    this.loadSegReal(Seg.CS, cs);
    this.eip = ip;
    this.updateAttn();
  }

  /** Write `size` bytes at ss_base + esp - size (a push with explicit stack); returns the new esp. */
  private spush(base: number, esp: number, big: boolean, v: number, size: number, user: boolean): number {
    esp = big ? (esp - size) | 0 : (esp & ~0xffff) | ((esp - size) & 0xffff);
    const lin = (base + (big ? esp >>> 0 : esp & 0xffff)) | 0;
    if (size === 4) { if (user) this.lw32(lin, v); else this.sysWrite32(lin, v); }
    else if (user) this.lw16(lin, v); else this.sysWrite16(lin, v);
    return esp;
  }

  /**
   * The SDM's "stack does not have room for n bytes" test: the n bytes below `esp` (SP when the
   * segment's B bit is clear) all lie inside the segment; expand-down segments hold (limit, 0xFFFF]
   * or (limit, 0xFFFFFFFF].
   */
  private stackRoom(limit: number, attr: number, esp: number, n: number): boolean {
    const big = (attr & 0x4000) !== 0;
    const size = big ? 4294967296 : 65536;
    const top = big ? esp >>> 0 : esp & 0xffff;
    let lo = top - n;
    if (lo < 0) lo += size;
    const hi = lo + n - 1;
    if ((attr & 0xc) === 4) return hi < size && lo > limit; // expand-down data: offset 0 never valid
    return hi < size ? hi <= limit : limit >= size - 1;
  }

  private isFaultClass(v: number): boolean {
    return v === DE || v === BR || v === UD || v === NM || (v >= TS && v <= PFV) || v === MF || v === 17;
  }

  private deliverProt(v: number, code: number, kind: number): void {
    const ext = kind === K_SOFT ? 0 : 1;
    if (v * 8 + 7 > this.idtr.limit) this.gp(v * 8 + 2 + ext);
    const ga = (this.idtr.base + v * 8) | 0;
    const lo = this.sysRead32(ga), hi = this.sysRead32((ga + 4) | 0);
    const type = (hi >> 8) & 0x1f;
    if (type !== 5 && type !== 6 && type !== 7 && type !== 0xe && type !== 0xf) this.gp(v * 8 + 2 + ext);
    if (kind === K_SOFT && ((hi >> 13) & 3) < this.cpl) this.gp(v * 8 + 2);
    if (!(hi & 0x8000)) this.fault(NP, v * 8 + 2 + ext);
    let fl = this.getEflags();
    if (kind === K_EXC && this.isFaultClass(v)) fl |= RF;
    if (type === 5) {
      this.taskSwitch(lo >>> 16, TS_INT, fl);
      if (code >= 0) {
        const t32 = (this.segAttr[7] & 8) !== 0;
        if (t32) this.push32(code); else this.push16(code);
      }
      return;
    }
    const gate32 = (type & 8) !== 0;
    const sel = lo >>> 16;
    const off = gate32 ? ((hi & 0xffff0000) | (lo & 0xffff)) >>> 0 : lo & 0xffff;
    if ((sel & 0xfffc) === 0) this.gp(ext);
    if (!this.readDesc(sel)) this.gp((sel & 0xfffc) + ext);
    const a = (this.dHi >>> 8) & 0xff;
    const dpl = (a >> 5) & 3;
    if ((a & 0x18) !== 0x18 || dpl > this.cpl) this.gp((sel & 0xfffc) + ext);
    if (!(a & 0x80)) this.fault(NP, (sel & 0xfffc) + ext);
    const cDLo = this.dLo, cDHi = this.dHi;
    const csLimit = this.descLimit();
    const vm = (this.flags & VM) !== 0;
    const w = gate32 ? 4 : 2;
    let newCpl = this.cpl;
    let ssSel = this.segSel[Seg.SS], ssBase = this.segBase[Seg.SS], ssLimit = this.segLimit[Seg.SS], ssAttr = this.segAttr[Seg.SS];
    let esp = this.regs[4];
    let big = this.ss32;
    if (!(a & 4) && dpl < this.cpl) {
      if (vm && dpl !== 0) this.gp((sel & 0xfffc) + ext);
      newCpl = dpl;
      const r = this.tssStack(dpl, ext);
      ssSel = r & 0xffff; esp = this.tssEsp;
      ssBase = this.descBase(); ssLimit = this.descLimit(); ssAttr = this.descAttr();
      big = (ssAttr & 0x4000) !== 0;
      // SDM INT n: the new stack must have room for the whole frame, else #SS(new SS + EXT).
      if (!this.stackRoom(ssLimit, ssAttr, esp, w * (5 + (code >= 0 ? 1 : 0) + (vm ? 4 : 0)))) this.fault(SS_, (ssSel & 0xfffc) + ext);
      if (off > csLimit) this.gp(ext);
      const user = newCpl === 3;
      const oldEsp = this.regs[4];
      if (vm) {
        esp = this.spush(ssBase, esp, big, this.segSel[Seg.GS], w, user);
        esp = this.spush(ssBase, esp, big, this.segSel[Seg.FS], w, user);
        esp = this.spush(ssBase, esp, big, this.segSel[Seg.DS], w, user);
        esp = this.spush(ssBase, esp, big, this.segSel[Seg.ES], w, user);
      }
      esp = this.spush(ssBase, esp, big, this.segSel[Seg.SS], w, user);
      esp = this.spush(ssBase, esp, big, oldEsp, w, user);
      this.setAccessedAt(ssSel);
    } else {
      if (vm) this.gp((sel & 0xfffc) + ext);
      if (!this.stackRoom(ssLimit, ssAttr, esp, w * (3 + (code >= 0 ? 1 : 0)))) this.fault(SS_, ext);
      if (off > csLimit) this.gp(ext);
    }
    const user = newCpl === 3;
    esp = this.spush(ssBase, esp, big, fl, w, user);
    esp = this.spush(ssBase, esp, big, this.segSel[Seg.CS], w, user);
    esp = this.spush(ssBase, esp, big, this.eip, w, user);
    if (code >= 0) esp = this.spush(ssBase, esp, big, code, w, user);
    // Commit.
    this.dLo = cDLo; this.dHi = cDHi;
    if (newCpl !== this.cpl || vm) {
      this.segSel[Seg.SS] = ssSel; this.segBase[Seg.SS] = ssBase; this.segLimit[Seg.SS] = ssLimit; this.segAttr[Seg.SS] = ssAttr;
    }
    this.materialize();
    this.flags &= ~(TF | NT | RF | VM);
    if (!(type & 1)) this.flags &= ~IF;
    if (vm) {
      for (const s of [Seg.ES, Seg.DS, Seg.FS, Seg.GS]) { this.segSel[s] = 0; this.segAttr[s] = 0; this.segBase[s] = 0; this.segLimit[s] = 0; }
    }
    this.setCpl(newCpl);
    this.loadCsDesc(sel, newCpl);
    if (big) this.regs[4] = esp; else this.setR16(4, esp);
    this.refreshAll();
    this.eip = off;
    this.stepArmed = false;
    this.updateAttn();
  }

  private tssEsp = 0;

  /**
   * Stack for privilege `dpl` from the current TSS: validates the SS descriptor (left in dLo/dHi),
   * returns the SS selector and sets tssEsp.
   */
  private tssStack(dpl: number, ext: number): number {
    const t = this.segAttr[7] & 0xf;
    const base = this.segBase[7];
    let ss: number;
    if (t === 9 || t === 11) {
      if (dpl * 8 + 4 + 7 > this.segLimit[7]) this.fault(TS, (this.segSel[7] & 0xfffc) + ext);
      this.tssEsp = this.sysRead32((base + 4 + dpl * 8) | 0);
      ss = this.sysRead16((base + 8 + dpl * 8) | 0);
    } else {
      if (dpl * 4 + 2 + 4 > this.segLimit[7]) this.fault(TS, (this.segSel[7] & 0xfffc) + ext);
      this.tssEsp = this.sysRead16((base + 2 + dpl * 4) | 0);
      ss = this.sysRead16((base + 4 + dpl * 4) | 0);
    }
    if ((ss & 0xfffc) === 0) this.fault(TS, ext);
    if (!this.readDesc(ss)) this.fault(TS, (ss & 0xfffc) + ext);
    const a = (this.dHi >>> 8) & 0xff;
    if ((ss & 3) !== dpl || ((a >> 5) & 3) !== dpl || (a & 0x1a) !== 0x12) this.fault(TS, (ss & 0xfffc) + ext);
    if (!(a & 0x80)) this.fault(SS_, (ss & 0xfffc) + ext);
    return ss;
  }

  private setAccessedAt(sel: number): void {
    // dLo/dHi hold the descriptor of sel
    this.setAccessed(sel);
  }

  /** Load CS from the descriptor in dLo/dHi with RPL = cpl. */
  private loadCsDesc(sel: number, cpl: number): void {
    this.setAccessed(sel);
    this.segSel[Seg.CS] = (sel & 0xfffc) | cpl;
    this.segBase[Seg.CS] = this.descBase();
    this.segLimit[Seg.CS] = this.descLimit();
    this.segAttr[Seg.CS] = this.descAttr();
    if (cpl !== this.cpl) this.setCpl(cpl);
    this.refreshSeg(Seg.CS);
  }

  // ---------------------------------------------------------------- far transfers

  /** The checks JMP FAR and CALL FAR make on a code-segment target (SDM: JMP/CALL, protected mode). */
  private checkFarCodeTarget(idx: number, a: number, dpl: number, rpl: number, off: number): void {
    if (!(a & 8)) this.gp(idx);
    if (a & 4) { if (dpl > this.cpl) this.gp(idx); }
    else if (rpl > this.cpl || dpl !== this.cpl) this.gp(idx);
    if (!(a & 0x80)) this.fault(NP, idx);
    if (off > this.descLimit()) this.gp(0);
  }

  private farJump(sel: number, off: number): void {
    if (!this.isProt()) {
      this.loadSegReal(Seg.CS, sel);
      this.eip = off;
      return;
    }
    const idx = sel & 0xfffc;
    if (idx === 0) this.gp(0);
    if (!this.readDesc(sel)) this.gp(idx);
    const a = (this.dHi >>> 8) & 0xff;
    const dpl = (a >> 5) & 3, rpl = sel & 3;
    if (a & 0x10) {
      this.checkFarCodeTarget(idx, a, dpl, rpl, off);
      this.loadCsDesc(sel, this.cpl);
      this.eip = off;
      return;
    }
    const type = a & 0x1f;
    if (dpl < this.cpl || dpl < rpl) this.gp(idx);
    if (!(a & 0x80)) this.fault(NP, idx);
    if (type === 4 || type === 0xc) {
      const gOff = type === 0xc ? ((this.dHi & 0xffff0000) | (this.dLo & 0xffff)) >>> 0 : this.dLo & 0xffff;
      const tsel = this.dLo >>> 16;
      if ((tsel & 0xfffc) === 0) this.gp(0);
      if (!this.readDesc(tsel)) this.gp(tsel & 0xfffc);
      const ta = (this.dHi >>> 8) & 0xff;
      const tdpl = (ta >> 5) & 3;
      if ((ta & 0x18) !== 0x18) this.gp(tsel & 0xfffc);
      if (ta & 4) { if (tdpl > this.cpl) this.gp(tsel & 0xfffc); }
      else if (tdpl !== this.cpl) this.gp(tsel & 0xfffc);
      if (!(ta & 0x80)) this.fault(NP, tsel & 0xfffc);
      if (gOff > this.descLimit()) this.gp(0);
      this.loadCsDesc(tsel, this.cpl);
      this.eip = gOff;
      return;
    }
    if (type === 5) { this.taskSwitch(this.dLo >>> 16, TS_JMP, this.getEflags()); return; }
    if (type === 1 || type === 9) { this.taskSwitch(sel, TS_JMP, this.getEflags()); return; }
    this.gp(idx);
  }

  private farCall(sel: number, off: number): void {
    const w = this.o32 ? 4 : 2;
    if (!this.isProt()) {
      const cs = this.segSel[Seg.CS];
      this.pushV(cs);
      this.pushV(this.eip);
      this.loadSegReal(Seg.CS, sel);
      this.eip = off;
      return;
    }
    const idx = sel & 0xfffc;
    if (idx === 0) this.gp(0);
    if (!this.readDesc(sel)) this.gp(idx);
    const a = (this.dHi >>> 8) & 0xff;
    const dpl = (a >> 5) & 3, rpl = sel & 3;
    if (a & 0x10) {
      this.checkFarCodeTarget(idx, a, dpl, rpl, off);
      const dl = this.dLo, dh = this.dHi;
      this.pushV(this.segSel[Seg.CS]);
      this.pushV(this.eip);
      this.dLo = dl; this.dHi = dh;
      this.loadCsDesc(sel, this.cpl);
      this.eip = off;
      return;
    }
    const type = a & 0x1f;
    if (dpl < this.cpl || dpl < rpl) this.gp(idx);
    if (!(a & 0x80)) this.fault(NP, idx);
    if (type === 5) { this.taskSwitch(this.dLo >>> 16, TS_CALL, this.getEflags()); return; }
    if (type === 1 || type === 9) { this.taskSwitch(sel, TS_CALL, this.getEflags()); return; }
    if (type !== 4 && type !== 0xc) this.gp(idx);
    const gate32 = type === 0xc;
    const gw = gate32 ? 4 : 2;
    const gOff = gate32 ? ((this.dHi & 0xffff0000) | (this.dLo & 0xffff)) >>> 0 : this.dLo & 0xffff;
    const params = this.dHi & 0x1f;
    const tsel = this.dLo >>> 16;
    if ((tsel & 0xfffc) === 0) this.gp(0);
    if (!this.readDesc(tsel)) this.gp(tsel & 0xfffc);
    const ta = (this.dHi >>> 8) & 0xff;
    const tdpl = (ta >> 5) & 3;
    if ((ta & 0x18) !== 0x18 || tdpl > this.cpl) this.gp(tsel & 0xfffc);
    if (!(ta & 0x80)) this.fault(NP, tsel & 0xfffc);
    const gateCsLimit = this.descLimit();
    const cDLo = this.dLo, cDHi = this.dHi;
    void w;
    if (!(ta & 4) && tdpl < this.cpl) {
      // More privileged: new stack from the TSS, parameters copied.
      const ss = this.tssStack(tdpl, 0);
      let esp = this.tssEsp;
      const ssBase = this.descBase(), ssLimit = this.descLimit(), ssAttr = this.descAttr();
      // SDM CALL: room for the parameters plus SS:ESP and CS:EIP, else #SS(new SS selector).
      if (!this.stackRoom(ssLimit, ssAttr, esp, gw * (4 + params))) this.fault(SS_, ss & 0xfffc);
      if (gOff > gateCsLimit) this.gp(0);
      const big = (ssAttr & 0x4000) !== 0;
      const user = tdpl === 3;
      const oldSs = this.segSel[Seg.SS], oldEsp = this.regs[4];
      const vals: number[] = [];
      for (let i = params - 1; i >= 0; i--) vals.push(gate32 ? this.peek32(i * 4) : this.peek16(i * 2));
      this.setAccessed(ss);
      esp = this.spush(ssBase, esp, big, oldSs, gw, user);
      esp = this.spush(ssBase, esp, big, oldEsp, gw, user);
      for (const v of vals) esp = this.spush(ssBase, esp, big, v, gw, user);
      esp = this.spush(ssBase, esp, big, this.segSel[Seg.CS], gw, user);
      esp = this.spush(ssBase, esp, big, this.eip, gw, user);
      this.segSel[Seg.SS] = ss; this.segBase[Seg.SS] = ssBase; this.segLimit[Seg.SS] = ssLimit; this.segAttr[Seg.SS] = ssAttr;
      this.dLo = cDLo; this.dHi = cDHi;
      this.loadCsDesc(tsel, tdpl);
      this.refreshAll();
      if (big) this.regs[4] = esp; else this.setR16(4, esp);
      this.eip = gOff;
      return;
    }
    if (gOff > gateCsLimit) this.gp(0);
    const saveO32 = this.o32;
    this.o32 = gate32;
    this.pushV(this.segSel[Seg.CS]);
    this.pushV(this.eip);
    this.o32 = saveO32;
    this.dLo = cDLo; this.dHi = cDHi;
    this.loadCsDesc(tsel, this.cpl);
    this.eip = gOff;
  }

  /** Validate a return CS selector (RETF/IRET) and leave its descriptor in dLo/dHi. */
  private checkReturnCs(sel: number): void {
    const idx = sel & 0xfffc;
    if (idx === 0) this.gp(0);
    if (!this.readDesc(sel)) this.gp(idx);
    const a = (this.dHi >>> 8) & 0xff;
    const dpl = (a >> 5) & 3, rpl = sel & 3;
    if ((a & 0x18) !== 0x18) this.gp(idx);
    if (rpl < this.cpl) this.gp(idx);
    if (a & 4) { if (dpl > rpl) this.gp(idx); } else if (dpl !== rpl) this.gp(idx);
    if (!(a & 0x80)) this.fault(NP, idx);
  }

  /** Validate a return SS for privilege `rpl`; descriptor left in dLo/dHi. */
  private checkReturnSs(ss: number, rpl: number): void {
    const idx = ss & 0xfffc;
    if (idx === 0) this.gp(0);
    if (!this.readDesc(ss)) this.gp(idx);
    const a = (this.dHi >>> 8) & 0xff;
    if ((ss & 3) !== rpl || ((a >> 5) & 3) !== rpl || (a & 0x1a) !== 0x12) this.gp(idx);
    if (!(a & 0x80)) this.fault(SS_, idx);
  }

  /** After a return to an outer level: data segments more privileged than the new CPL become null. */
  private nullInnerSegs(): void {
    for (const s of [Seg.ES, Seg.DS, Seg.FS, Seg.GS]) {
      const a = this.segAttr[s];
      const dpl = (a >> 5) & 3;
      const confCode = (a & 0x1c) === 0x1c;
      if ((a & 0x80) && (a & 0x10) && !confCode && dpl < this.cpl) {
        this.segSel[s] = 0; this.segAttr[s] = 0; this.segBase[s] = 0; this.segLimit[s] = 0;
        this.refreshSeg(s);
      }
    }
  }

  private farReturn(n: number): void {
    const w = this.o32 ? 4 : 2;
    if (!this.isProt()) {
      const ip = this.o32 ? this.peek32(0) >>> 0 : this.peek16(0);
      const cs = this.o32 ? this.peek32(4) & 0xffff : this.peek16(2);
      this.addSp(2 * w + n);
      this.loadSegReal(Seg.CS, cs);
      this.eip = ip;
      return;
    }
    const off = this.o32 ? this.peek32(0) >>> 0 : this.peek16(0);
    const sel = (this.o32 ? this.peek32(4) : this.peek16(2)) & 0xffff;
    this.checkReturnCs(sel);
    const rpl = sel & 3;
    if (off > this.descLimit()) this.gp(0);
    if (rpl === this.cpl) {
      this.addSp(2 * w + n);
      this.loadCsDesc(sel, this.cpl);
      this.eip = off;
      return;
    }
    const cDLo = this.dLo, cDHi = this.dHi;
    const nEsp = this.o32 ? this.peek32(2 * w + n) : this.peek16(2 * w + n);
    const nSs = (this.o32 ? this.peek32(3 * w + n) : this.peek16(3 * w + n)) & 0xffff;
    this.checkReturnSs(nSs, rpl);
    const ssBase = this.descBase(), ssLimit = this.descLimit(), ssAttr = this.descAttr();
    this.setAccessed(nSs);
    this.dLo = cDLo; this.dHi = cDHi;
    this.loadCsDesc(sel, rpl);
    this.segSel[Seg.SS] = nSs; this.segBase[Seg.SS] = ssBase; this.segLimit[Seg.SS] = ssLimit; this.segAttr[Seg.SS] = ssAttr;
    this.refreshAll();
    if (this.ss32) this.regs[4] = (nEsp + n) | 0; else this.setR16(4, nEsp + n);
    this.eip = off;
    this.nullInnerSegs();
  }

  private iret(): void {
    const w = this.o32 ? 4 : 2;
    if (!(this.cr[0] & 1) || (this.flags & VM)) {
      if ((this.flags & VM) && (this.flags & IOPL) !== IOPL) {
        if ((this.cr[4] & 1) && !this.o32) { this.iretVme(); return; }
        this.gp(0);
      }
      const ip = this.o32 ? this.peek32(0) >>> 0 : this.peek16(0);
      const cs = this.o32 ? this.peek32(4) & 0xffff : this.peek16(2);
      const fl = this.o32 ? this.peek32(8) : this.peek16(4);
      if (ip > this.segLimit[1] && false) this.gp(0);
      this.addSp(3 * w);
      this.loadSegReal(Seg.CS, cs);
      this.eip = ip;
      this.writeFlags(fl, this.o32, true);
      return;
    }
    if (this.flags & NT) {
      const back = this.sysRead16(this.segBase[7]);
      this.taskSwitch(back, TS_IRET, this.getEflags() & ~NT);
      return;
    }
    const off = this.o32 ? this.peek32(0) >>> 0 : this.peek16(0);
    const sel = (this.o32 ? this.peek32(4) : this.peek16(2)) & 0xffff;
    const fl = this.o32 ? this.peek32(8) : this.peek16(4);
    if (this.o32 && (fl & VM) && this.cpl === 0) {
      // Return to virtual-8086 mode.
      const nEsp = this.peek32(12), nSs = this.peek32(16), es = this.peek32(20), ds = this.peek32(24), fs = this.peek32(28), gs = this.peek32(32);
      this.flags = (fl & 0x3f7fd5) | 2;
      this.lzMask = 0;
      this.setCpl(3);
      this.loadSegReal(Seg.CS, sel);
      this.loadSegReal(Seg.SS, nSs);
      this.loadSegReal(Seg.ES, es); this.loadSegReal(Seg.DS, ds); this.loadSegReal(Seg.FS, fs); this.loadSegReal(Seg.GS, gs);
      this.refreshAll();
      this.regs[4] = nEsp;
      this.eip = off & 0xffff;
      this.irqCheck = true;
      this.updateAttn();
      return;
    }
    this.checkReturnCs(sel);
    const rpl = sel & 3;
    if (off > this.descLimit()) this.gp(0);
    if (rpl === this.cpl) {
      this.addSp(3 * w);
      this.loadCsDesc(sel, this.cpl);
      this.eip = off;
      this.writeFlags(fl, this.o32, true);
      return;
    }
    const cDLo = this.dLo, cDHi = this.dHi;
    const nEsp = this.o32 ? this.peek32(3 * w) : this.peek16(3 * w);
    const nSs = (this.o32 ? this.peek32(4 * w) : this.peek16(4 * w)) & 0xffff;
    this.checkReturnSs(nSs, rpl);
    const ssBase = this.descBase(), ssLimit = this.descLimit(), ssAttr = this.descAttr();
    this.setAccessed(nSs);
    this.writeFlags(fl, this.o32, true);
    this.dLo = cDLo; this.dHi = cDHi;
    this.loadCsDesc(sel, rpl);
    this.segSel[Seg.SS] = nSs; this.segBase[Seg.SS] = ssBase; this.segLimit[Seg.SS] = ssLimit; this.segAttr[Seg.SS] = ssAttr;
    this.refreshAll();
    if (this.ss32) this.regs[4] = nEsp; else this.setR16(4, nEsp);
    this.eip = off;
    this.nullInnerSegs();
  }

  private iretVme(): void {
    const ip = this.peek16(0), cs = this.peek16(2), fl = this.peek16(4);
    if ((fl & IF) && (this.flags & VIP)) this.gp(0);
    if (fl & TF) this.gp(0);
    this.addSp(6);
    this.loadSegReal(Seg.CS, cs);
    this.eip = ip;
    this.loadFlagsVme(fl);
  }

  /** VME POPF/IRET in virtual-8086 mode with IOPL < 3: FLAGS[15:0] except IF and IOPL; VIF ← IF. */
  private loadFlagsVme(fl: number): void {
    this.materialize();
    const keep = IOPL | IF;
    this.flags = (this.flags & ~0xffff) | (this.flags & keep) | (fl & 0xffff & ~keep) | 2;
    this.flags = (this.flags & ~VIF) | ((fl & IF) ? VIF : 0);
    this.updateAttn();
  }

  // ---------------------------------------------------------------- task switch

  private taskSwitch(sel: number, kind: number, eflagsImage: number): void {
    const idx = sel & 0xfffc;
    if (sel & 4) this.fault(TS, idx);
    if (!this.readDesc(sel)) this.fault(TS, idx);
    const a = (this.dHi >>> 8) & 0xff;
    const type = a & 0x1f;
    if (kind === TS_IRET) { if (type !== 0xb && type !== 3) this.fault(TS, idx); }
    else {
      if (type === 0xb || type === 3) this.gp(idx);
      if (type !== 9 && type !== 1) this.gp(idx);
    }
    if (!(a & 0x80)) this.fault(NP, idx);
    const n32 = (type & 8) !== 0;
    const nBase = this.descBase(), nLimit = this.descLimit(), nHi = this.dHi;
    if (nLimit < (n32 ? 0x67 : 0x2b)) this.fault(TS, idx);
    const g = this.regs;
    // Save the outgoing task.
    const oBase = this.segBase[7];
    const o32 = (this.segAttr[7] & 8) !== 0;
    let img = eflagsImage;
    if (kind === TS_IRET) img &= ~NT;
    if (o32) {
      this.sysWrite32((oBase + 0x20) | 0, this.eip);
      this.sysWrite32((oBase + 0x24) | 0, img);
      for (let r = 0; r < 8; r++) this.sysWrite32((oBase + 0x28 + r * 4) | 0, g[r]);
      for (let s = 0; s < 6; s++) this.sysWrite16((oBase + 0x48 + s * 4) | 0, this.segSel[s]);
    } else {
      this.sysWrite16((oBase + 0x0e) | 0, this.eip);
      this.sysWrite16((oBase + 0x10) | 0, img);
      for (let r = 0; r < 8; r++) this.sysWrite16((oBase + 0x12 + r * 2) | 0, g[r]);
      for (let s = 0; s < 4; s++) this.sysWrite16((oBase + 0x22 + s * 2) | 0, this.segSel[s]);
    }
    if (kind === TS_JMP || kind === TS_IRET) {
      const oSel = this.segSel[7];
      const da = (this.gdtr.base + (oSel & ~7) + 5) | 0;
      this.sysWrite8(da, this.sysRead8(da) & ~2);
    }
    // Read the incoming task.
    let nEip: number, nFl: number, cr3 = 0, ldt: number, tbit = 0;
    const nr = new Int32Array(8);
    const ns = new Uint16Array(6);
    if (n32) {
      cr3 = this.sysRead32((nBase + 0x1c) | 0);
      nEip = this.sysRead32((nBase + 0x20) | 0) >>> 0;
      nFl = this.sysRead32((nBase + 0x24) | 0);
      for (let r = 0; r < 8; r++) nr[r] = this.sysRead32((nBase + 0x28 + r * 4) | 0);
      for (let s = 0; s < 6; s++) ns[s] = this.sysRead16((nBase + 0x48 + s * 4) | 0);
      ldt = this.sysRead16((nBase + 0x60) | 0);
      tbit = this.sysRead16((nBase + 0x64) | 0) & 1;
    } else {
      nEip = this.sysRead16((nBase + 0x0e) | 0);
      nFl = this.sysRead16((nBase + 0x10) | 0);
      for (let r = 0; r < 8; r++) nr[r] = this.sysRead16((nBase + 0x12 + r * 2) | 0) | (g[r] & 0xffff0000);
      for (let s = 0; s < 4; s++) ns[s] = this.sysRead16((nBase + 0x22 + s * 2) | 0);
      ldt = this.sysRead16((nBase + 0x2a) | 0);
    }
    if (kind === TS_CALL || kind === TS_INT) {
      this.sysWrite16(nBase, this.segSel[7]);
      nFl |= NT;
    }
    if (kind !== TS_IRET) {
      const da = (this.gdtr.base + (sel & ~7) + 5) | 0;
      this.sysWrite8(da, this.sysRead8(da) | 2);
    }
    // Commit.
    this.segSel[7] = sel; this.segBase[7] = nBase; this.segLimit[7] = nLimit; this.segAttr[7] = ((nHi >>> 8) & 0xf0ff) | 2;
    this.cr[0] |= 8;
    if (n32 && (this.cr[0] & 0x80000000)) { this.cr[3] = cr3 >>> 0; this.flushTlbNonGlobal(); }
    for (let r = 0; r < 8; r++) g[r] = nr[r];
    this.flags = (nFl & 0x3f7fd5) | 2;
    this.lzMask = 0;
    this.eip = nEip;
    // LDT, then segments at the new CPL.
    this.segSel[6] = ldt;
    if ((ldt & 0xfffc) !== 0) {
      if ((ldt & 4) || !this.readDesc(ldt) || (((this.dHi >>> 8) & 0x1f) !== 2)) this.fault(TS, ldt & 0xfffc);
      this.segBase[6] = this.descBase(); this.segLimit[6] = this.descLimit(); this.segAttr[6] = this.descAttr();
    } else { this.segAttr[6] = 0; }
    if (this.flags & VM) {
      this.setCpl(3);
      for (let s = 0; s < 6; s++) this.loadSegReal(s, ns[s]);
    } else {
      const ncpl = ns[Seg.CS] & 3;
      this.setCpl(ncpl);
      const csSel = ns[Seg.CS];
      if ((csSel & 0xfffc) === 0 || !this.readDesc(csSel)) this.fault(TS, csSel & 0xfffc);
      const ca = (this.dHi >>> 8) & 0xff;
      if ((ca & 0x18) !== 0x18) this.fault(TS, csSel & 0xfffc);
      if (!(ca & 0x80)) this.fault(NP, csSel & 0xfffc);
      this.loadCsDesc(csSel, ncpl);
      for (const s of [Seg.SS, Seg.DS, Seg.ES, Seg.FS, Seg.GS]) {
        try { this.loadSeg(s, ns[s]); } catch (e) {
          if (e !== CPU_FAULT) throw e;
          if (this.fVec === GP) this.fVec = TS;
          throw e;
        }
      }
    }
    this.refreshAll();
    this.refreshAc();
    if (tbit) { this.trapDr6 |= DR6_BT; this.attn = 1; }
    this.irqCheck = true;
    this.updateAttn();
  }
}

const TS_JMP = 0, TS_CALL = 1, TS_IRET = 2, TS_INT = 3;

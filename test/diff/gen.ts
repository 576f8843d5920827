/**
 * Random instruction sequences for the differential tester: every integer instruction class of the
 * i686 (ALU, shifts/rotates with all counts, mul/div without #DE, BCD, bit ops, string ops with REP,
 * CMOVcc, SETcc, BSWAP, XADD, CMPXCHG, CMPXCHG8B, PUSH/POP, LEA, MOVZX/MOVSX, Jcc) and x87
 * arithmetic, loads/stores, compares and constants, encoded directly to bytes.
 *
 * Memory operands address a 256-byte buffer through EBP (= BUF + 128, never written) or an absolute
 * address; ESP points into the buffer's top, pushes and pops stay balanced within it.
 * The generator tracks which EFLAGS bits (and x87 condition codes) the SDM leaves undefined, never
 * lets an instruction read an undefined flag, and reports the mask that must be ignored at the end.
 */

export const BUF_SIZE = 256;

export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = (seed >>> 0) || 0x9e3779b9;
  }
  u32(): number {
    let x = this.s;
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    this.s = x;
    return x;
  }
  int(n: number): number {
    return this.u32() % n;
  }
  bool(p = 0.5): boolean {
    return this.u32() / 4294967296 < p;
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)];
  }
  /** Interesting 32-bit values: random, small, boundary. */
  value(): number {
    switch (this.int(8)) {
      case 0: return this.int(256);
      case 1: return [0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff][this.int(11)];
      case 2: return (0x100000000 - this.int(256)) >>> 0;
      default: return this.u32();
    }
  }
}

// EFLAGS bits.
export const CF = 1, PF = 4, AF = 0x10, ZF = 0x40, SF = 0x80, DF = 0x400, OF = 0x800;
export const ARITH = CF | PF | AF | ZF | SF | OF;
// x87 condition codes in the status word.
export const C0 = 0x100, C1 = 0x200, C2 = 0x400, C3 = 0x4000;
export const CC = C0 | C1 | C2 | C3;

/** One unit of a sequence: the instruction under test plus the prelude that makes it safe. */
export interface Unit {
  bytes: number[];
  /** Flags written with defined values / left undefined (per SDM) / read. */
  def: number;
  undef: number;
  read: number;
  /** x87 condition codes written defined / undefined; x87 stack depth change. */
  fdef: number;
  fundef: number;
  fpush: number;
  /** Minimum x87 depth needed, and free slots needed. */
  fneed: number;
  /** Stack bytes pushed (negative: popped). */
  push: number;
  /** Human label of the tested instruction class. */
  what: string;
}

export interface Case {
  regs: number[]; // EAX..EDI (ESP and EBP are set by the harness)
  eflags: number;
  mem: Uint8Array;
  units: Unit[];
}

// Register numbers.
const EAX = 0, ECX = 1, EDX = 2, EBX = 3, ESP = 4, EBP = 5, ESI = 6, EDI = 7;
/** Registers an instruction may write (not ESP, not EBP). */
const WREGS = [EAX, ECX, EDX, EBX, ESI, EDI];

type Mem = { kind: 'mem'; disp: number };
type Opnd = { kind: 'reg'; r: number } | Mem;

export interface GenContext {
  bufAddr: number;
  /** Generate x87 instructions (false while the CPU has no FPU). */
  x87: boolean;
  /** Unit classes (`what`) not to generate (e.g. known bugs during a long run). */
  exclude?: string[];
}

function modrm(reg: number, o: Opnd, ctx: GenContext): number[] {
  if (o.kind === 'reg') return [0xc0 | (reg << 3) | o.r];
  // [ebp + disp8] or [abs32]
  if (o.disp >= -128 && o.disp < 128 && (o.disp & 1) === 0) return [0x45 | (reg << 3), o.disp & 0xff];
  if (o.disp >= -128 && o.disp < 128) return [0x85 | (reg << 3), ...le32(o.disp)];
  const a = ctx.bufAddr + 128 + o.disp;
  return [0x05 | (reg << 3), ...le32(a)];
}

function le32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}
function le16(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff];
}
function imm(size: number, v: number): number[] {
  return size === 1 ? [v & 0xff] : size === 2 ? le16(v) : le32(v);
}

/** The flags each condition code reads. */
const CC_READS = [OF, OF, CF, CF, ZF, ZF, CF | ZF, CF | ZF, SF, SF, PF, PF, SF | OF, SF | OF, ZF | SF | OF, ZF | SF | OF];

function unit(bytes: number[], what: string, def: number, undef: number, read = 0, extra: Partial<Unit> = {}): Unit {
  return { bytes, what, def, undef, read, fdef: 0, fundef: 0, fpush: 0, fneed: 0, push: 0, ...extra };
}

const SPECIALS = [0, -0, Infinity, -Infinity, NaN, 5e-324, 1e308, 1, -1, 0.1, 3];

export class Generator {
  constructor(private readonly rng: Rng, private readonly ctx: GenContext) {}

  private mem(size: number): Mem {
    // Keep memory operands inside the lower 192 bytes (the top is the stack area).
    return { kind: 'mem', disp: -128 + this.rng.int(192 - size + 1) };
  }

  private rm(size: number, write: boolean): Opnd {
    if (this.rng.bool(0.35)) return this.mem(size);
    return { kind: 'reg', r: this.reg(size, write) };
  }

  private reg(size: number, write: boolean): number {
    if (size === 1) return this.rng.int(8); // AL..BH never touch ESP/EBP
    return write ? this.rng.pick(WREGS) : this.rng.int(8);
  }

  private pre(size: number): number[] {
    return size === 2 ? [0x66] : [];
  }

  private sizeBit(size: number): number {
    return size === 1 ? 0 : 1;
  }

  /** A flag-defining ALU instruction (used before readers of undefined flags, and at random). */
  alu(): Unit {
    const r = this.rng;
    const op = r.int(8); // add or adc sbb and sub xor cmp
    const size = r.pick([1, 2, 4, 4]);
    const reads = op === 2 || op === 3 ? CF : 0;
    const def = op === 1 || op === 4 || op === 6 ? ARITH & ~AF : ARITH; // logic ops: AF undefined
    const undef = op === 1 || op === 4 || op === 6 ? AF : 0;
    const w = op !== 7;
    const form = r.int(5);
    let b: number[];
    if (form === 0) {
      const o = this.rm(size, w);
      b = [...this.pre(size), op * 8 + this.sizeBit(size), ...modrm(this.reg(size, false), o, this.ctx)];
      if (o.kind === 'mem' && w && r.bool(0.2)) b = [0xf0, ...b]; // LOCK
    } else if (form === 1) {
      const d = this.reg(size, w);
      b = [...this.pre(size), op * 8 + 2 + this.sizeBit(size), ...modrm(d, this.rm(size, false), this.ctx)];
    } else if (form === 2) {
      if (size === 2 || size === 4) b = [...this.pre(size), op * 8 + 5, ...imm(size, r.value())];
      else b = [op * 8 + 4, r.value() & 0xff];
    } else {
      const o = this.rm(size, w);
      if (size === 1) b = [0x80, ...modrm(op, o, this.ctx), r.value() & 0xff];
      else if (r.bool()) b = [...this.pre(size), 0x83, ...modrm(op, o, this.ctx), r.value() & 0xff];
      else b = [...this.pre(size), 0x81, ...modrm(op, o, this.ctx), ...imm(size, r.value())];
    }
    return unit(b, ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp'][op], def, undef, reads);
  }

  private incdecnegnot(): Unit {
    const r = this.rng;
    const size = r.pick([1, 2, 4]);
    const k = r.int(4);
    const o = this.rm(size, true);
    if (k < 2) {
      if (o.kind === 'reg' && size !== 1 && r.bool()) return unit([...this.pre(size), 0x40 + k * 8 + o.r], k ? 'dec' : 'inc', ARITH & ~CF, 0);
      return unit([...this.pre(size), size === 1 ? 0xfe : 0xff, ...modrm(k, o, this.ctx)], k ? 'dec' : 'inc', ARITH & ~CF, 0);
    }
    const sub = k === 2 ? 3 : 2; // neg /3, not /2
    return unit([...this.pre(size), 0xf6 + this.sizeBit(size), ...modrm(sub, o, this.ctx)], k === 2 ? 'neg' : 'not', k === 2 ? ARITH : 0, 0);
  }

  private test(): Unit {
    const r = this.rng;
    const size = r.pick([1, 2, 4]);
    const f = r.int(3);
    let b: number[];
    if (f === 0) b = [...this.pre(size), 0x84 + this.sizeBit(size), ...modrm(this.reg(size, false), this.rm(size, false), this.ctx)];
    else if (f === 1) b = [...this.pre(size), size === 1 ? 0xa8 : 0xa9, ...imm(size, r.value())];
    else b = [...this.pre(size), 0xf6 + this.sizeBit(size), ...modrm(0, this.rm(size, false), this.ctx), ...imm(size, r.value())];
    return unit(b, 'test', ARITH & ~AF, AF);
  }

  private shift(): Unit {
    const r = this.rng;
    const size = r.pick([1, 2, 4]);
    let op = r.pick([0, 1, 2, 3, 4, 5, 7]);
    const o = this.rm(size, true);
    const form = r.int(3);
    let count: number;
    let b: number[];
    let prelude: number[] = [];
    if (form === 0) {
      count = 1;
      b = [...this.pre(size), 0xd0 + this.sizeBit(size), ...modrm(op, o, this.ctx)];
    } else {
      count = r.bool(0.3) ? r.int(256) : r.int(34);
      if (form === 1) b = [...this.pre(size), 0xc0 + this.sizeBit(size), ...modrm(op, o, this.ctx), count];
      else {
        prelude = [0xb1, count]; // mov cl, count
        if (o.kind === 'reg' && (o.r === ECX || (size === 1 && o.r === 1))) return this.shift();
        b = [...this.pre(size), 0xd2 + this.sizeBit(size), ...modrm(op, o, this.ctx)];
      }
    }
    const c = count & 31;
    const names = ['rol', 'ror', 'rcl', 'rcr', 'shl', 'shr', 'sal', 'sar'];
    if (op <= 3) {
      // Rotates: count masked to 5 bits, RCL/RCR then mod 9/17 for 8/16 bit; flags only if the masked count is non-zero.
      if (c === 0) return unit([...prelude, ...b], names[op], 0, 0, op >= 2 ? CF : 0);
      const def = c === 1 ? CF | OF : CF;
      const undef = c === 1 ? 0 : OF;
      return unit([...prelude, ...b], names[op], def, undef, op >= 2 ? CF : 0);
    }
    if (c === 0) return unit([...prelude, ...b], names[op], 0, 0);
    // SHL/SHR/SAR: CF undefined when the count is at least the operand size (for 8/16 bit).
    const bits = size * 8;
    let def = CF | ZF | SF | PF | OF;
    let undef = AF;
    if (c !== 1) { def &= ~OF; undef |= OF; }
    if (c >= bits && size !== 4) { def &= ~CF; undef |= CF; }
    return unit([...prelude, ...b], names[op], def, undef);
  }

  private shxd(): Unit {
    const r = this.rng;
    const size = r.pick([2, 4]);
    const right = r.bool();
    const o = this.rm(size, true);
    const src = this.reg(size, false);
    const useCl = r.bool();
    const count = r.bool(0.3) ? r.int(256) : r.int(33);
    const c = count & 31;
    if (size === 2 && c > 16) return this.shxd(); // result undefined
    if (useCl && (src === ECX || (o.kind === 'reg' && o.r === ECX))) return this.shxd();
    const op = right ? 0xac : 0xa4;
    const b = useCl ? [0xb1, count, ...this.pre(size), 0x0f, op + 1, ...modrm(src, o, this.ctx)]
      : [...this.pre(size), 0x0f, op, ...modrm(src, o, this.ctx), count];
    if (c === 0) return unit(b, right ? 'shrd' : 'shld', 0, 0);
    let def = CF | ZF | SF | PF | OF;
    let undef = AF;
    if (c !== 1) { def &= ~OF; undef |= OF; }
    if (size === 2 && c === 16) { def &= ~CF; undef |= CF; }
    return unit(b, right ? 'shrd' : 'shld', def, undef);
  }

  private muldiv(): Unit {
    const r = this.rng;
    const size = r.pick([1, 2, 4]);
    const k = r.int(6);
    const p = this.pre(size);
    if (k <= 1) {
      // mul / imul one-operand
      const o = this.rm(size, false);
      return unit([...p, 0xf6 + this.sizeBit(size), ...modrm(4 + k, o, this.ctx)], k ? 'imul' : 'mul', CF | OF, SF | ZF | AF | PF);
    }
    if (k === 2 && size !== 1) {
      const d = this.reg(size, true);
      const f = r.int(3);
      const b = f === 0 ? [...p, 0x0f, 0xaf, ...modrm(d, this.rm(size, false), this.ctx)]
        : f === 1 ? [...p, 0x6b, ...modrm(d, this.rm(size, false), this.ctx), r.value() & 0xff]
          : [...p, 0x69, ...modrm(d, this.rm(size, false), this.ctx), ...imm(size, r.value())];
      return unit(b, 'imul', CF | OF, SF | ZF | AF | PF);
    }
    // div / idiv with a prelude that rules out #DE: divisor in a register (ECX/CL family or EBX/BL),
    // high half chosen below the divisor (div) or the sign extension of the low half (idiv).
    const signed = k >= 4;
    const dreg = r.bool() ? ECX : EBX;
    const bits = size * 8;
    const mask = bits === 32 ? 0xffffffff : (1 << bits) - 1;
    let divisor = r.value() & mask;
    if (divisor === 0) divisor = 1 + r.int(mask);
    if (signed && divisor === mask) divisor = mask - 1 || 1; // -1 with INT_MIN overflows
    const pre: number[] = [];
    // mov dreg, divisor
    if (size === 1) pre.push(0xb0 + dreg, divisor);
    else pre.push(...p, 0xb8 + dreg, ...imm(size, divisor));
    if (!signed) {
      const high = divisor === 1 ? 0 : r.u32() % divisor;
      if (size === 1) pre.push(0xb4, high); // mov ah, high
      else pre.push(...p, 0xba, ...imm(size, high)); // mov (e)dx, high
    } else if (size === 1) {
      pre.push(0x66, 0x98); // cbw
    } else pre.push(...p, 0x99); // cwd / cdq
    if (signed && size === 1) {
      // With AX = sign-extended AL the quotient always fits unless divisor is -1 and AL = -128.
      pre.push(0x24, 0x7f); // and al, 0x7f (defines flags; also avoids -128)
      pre.push(0x66, 0x98);
    }
    if (signed && size !== 1) {
      // Avoid INT_MIN / -1 style overflow: clear the top bit of the dividend first.
      pre.push(...p, 0x25, ...imm(size, size === 2 ? 0x7fff : 0x7fffffff)); // and eax, 0x7fffffff
      pre.push(...p, 0x99);
    }
    const b = [...pre, ...p, 0xf6 + this.sizeBit(size), 0xc0 | ((6 + (signed ? 1 : 0)) << 3) | dreg];
    return unit(b, signed ? 'idiv' : 'div', 0, ARITH);
  }

  private bcd(): Unit {
    const r = this.rng;
    switch (r.int(6)) {
      case 0: return unit([0x27], 'daa', CF | AF | SF | ZF | PF, OF, CF | AF);
      case 1: return unit([0x2f], 'das', CF | AF | SF | ZF | PF, OF, CF | AF);
      case 2: return unit([0x37], 'aaa', CF | AF, OF | SF | ZF | PF, AF);
      case 3: return unit([0x3f], 'aas', CF | AF, OF | SF | ZF | PF, AF);
      case 4: return unit([0xd4, 1 + r.int(255)], 'aam', SF | ZF | PF, OF | AF | CF);
      default: return unit([0xd5, r.int(256)], 'aad', SF | ZF | PF, OF | AF | CF);
    }
  }

  private bitop(): Unit {
    const r = this.rng;
    const size = r.pick([2, 4]);
    const k = r.int(4); // bt bts btr btc
    const p = this.pre(size);
    const write = k !== 0;
    if (r.bool()) {
      const o = this.rm(size, write);
      return unit([...p, 0x0f, 0xba, ...modrm(4 + k, o, this.ctx), r.int(256)], ['bt', 'bts', 'btr', 'btc'][k], CF, OF | SF | AF | PF);
    }
    const o: Opnd = { kind: 'reg', r: this.reg(size, write) };
    return unit([...p, 0x0f, [0xa3, 0xab, 0xb3, 0xbb][k], ...modrm(this.reg(size, false), o, this.ctx)], ['bt', 'bts', 'btr', 'btc'][k], CF, OF | SF | AF | PF);
  }

  private bsfr(): Unit {
    const r = this.rng;
    const size = r.pick([2, 4]);
    const p = this.pre(size);
    const src = this.rm(size, true);
    const bit = r.int(size * 8);
    // Make the source non-zero (a zero source leaves the destination undefined).
    const pre = src.kind === 'reg'
      ? [...p, 0x81, 0xc8 | src.r, ...imm(size, 1 << bit)]
      : [...p, 0x81, ...modrm(1, src, this.ctx), ...imm(size, 1 << bit)];
    const rev = r.bool();
    return unit([...pre, ...p, 0x0f, rev ? 0xbd : 0xbc, ...modrm(this.reg(size, true), src, this.ctx)], rev ? 'bsr' : 'bsf', ZF, CF | OF | SF | AF | PF);
  }

  private mov(): Unit {
    const r = this.rng;
    const size = r.pick([1, 2, 4]);
    const p = this.pre(size);
    switch (r.int(6)) {
      case 0: return unit([...p, 0x88 + this.sizeBit(size), ...modrm(this.reg(size, false), this.rm(size, true), this.ctx)], 'mov', 0, 0);
      case 1: return unit([...p, 0x8a + this.sizeBit(size), ...modrm(this.reg(size, true), this.rm(size, false), this.ctx)], 'mov', 0, 0);
      case 2: return size === 1 ? unit([0xb0 + r.int(8), r.value() & 0xff], 'mov', 0, 0)
        : unit([...p, 0xb8 + r.pick(WREGS), ...imm(size, r.value())], 'mov', 0, 0);
      case 3: return unit([...p, 0xc6 + this.sizeBit(size), ...modrm(0, this.rm(size, true), this.ctx), ...imm(size, r.value())], 'mov', 0, 0);
      case 4: { // movzx / movsx
        const s = r.pick([1, 2]);
        const dsize = s === 1 ? r.pick([2, 4]) : 4;
        const sx = r.bool();
        return unit([...this.pre(dsize), 0x0f, (sx ? 0xbe : 0xb6) + (s === 2 ? 1 : 0), ...modrm(this.reg(dsize, true), this.rm(s, false), this.ctx)], sx ? 'movsx' : 'movzx', 0, 0);
      }
      default: { // xchg
        if (size !== 1 && r.bool(0.3)) return unit([...p, 0x90 + r.pick(WREGS)], 'xchg', 0, 0);
        const o = this.rm(size, true);
        return unit([...p, 0x86 + this.sizeBit(size), ...modrm(this.reg(size, true), o, this.ctx)], 'xchg', 0, 0);
      }
    }
  }

  private misc(): Unit {
    const r = this.rng;
    switch (r.int(12)) {
      case 0: { // lea with SIB
        const size = r.pick([2, 4]);
        const base = r.int(8);
        const idx = r.int(8);
        const scale = r.int(4);
        const d = this.reg(size, true);
        const b = base === EBP ? [0x44 | (d << 3), (scale << 6) | (idx << 3) | base, r.int(256)]
          : [0x84 | (d << 3), (scale << 6) | (idx << 3) | base, ...le32(r.value())];
        return unit([...this.pre(size), 0x8d, ...b], 'lea', 0, 0);
      }
      case 1: return unit([0x0f, 0xc8 + r.pick(WREGS)], 'bswap', 0, 0);
      case 2: { // cmovcc
        const cc = r.int(16);
        const size = r.pick([2, 4]);
        return unit([...this.pre(size), 0x0f, 0x40 + cc, ...modrm(this.reg(size, true), this.rm(size, false), this.ctx)], 'cmovcc', 0, 0, CC_READS[cc]);
      }
      case 3: { // setcc
        const cc = r.int(16);
        return unit([0x0f, 0x90 + cc, ...modrm(0, this.rm(1, true), this.ctx)], 'setcc', 0, 0, CC_READS[cc]);
      }
      case 4: { // xadd
        const size = r.pick([1, 2, 4]);
        const o = this.rm(size, true);
        const lock = o.kind === 'mem' && r.bool(0.3) ? [0xf0] : [];
        return unit([...lock, ...this.pre(size), 0x0f, 0xc0 + this.sizeBit(size), ...modrm(this.reg(size, true), o, this.ctx)], 'xadd', ARITH, 0);
      }
      case 5: { // cmpxchg
        const size = r.pick([1, 2, 4]);
        const o = this.rm(size, true);
        return unit([...this.pre(size), 0x0f, 0xb0 + this.sizeBit(size), ...modrm(this.reg(size, false), o, this.ctx)], 'cmpxchg', ARITH, 0);
      }
      case 6: { // cmpxchg8b m64 (ZF only; the other flags are unchanged)
        // qemu-i386 7.2's helper computes the flags it keeps from env->cc_op, which its translator
        // has not stored yet when the previous flag-setting instruction is in the same translation
        // block: the "unchanged" flags then come from a stale operation (even TF and other system
        // bits, and in long batches a crash). A `jmp $+2` ends the block (storing cc_op) so
        // CMPXCHG8B starts a new one and qemu computes them right; the jump changes nothing else.
        const m = this.mem(8);
        const pre: number[] = [];
        if (r.bool(0.4)) { // make the comparison succeed: EDX:EAX = the memory operand
          pre.push(0x8b, ...modrm(EAX, m, this.ctx), 0x8b, ...modrm(EDX, { kind: 'mem', disp: m.disp + 4 }, this.ctx));
        }
        const lock = r.bool(0.3) ? [0xf0] : [];
        return unit([...pre, 0xeb, 0x00, ...lock, 0x0f, 0xc7, ...modrm(1, m, this.ctx)], 'cmpxchg8b', ZF, 0);
      }
      case 7: return unit(r.bool() ? [0x66, r.pick([0x98, 0x99])] : [r.pick([0x98, 0x99])], 'cbw/cwd', 0, 0);
      case 8: {
        const k = r.int(5);
        return [unit([0xf8], 'clc', CF, 0), unit([0xf9], 'stc', CF, 0), unit([0xf5], 'cmc', CF, 0, CF),
          unit([0x9f], 'lahf', 0, 0, SF | ZF | AF | PF | CF), unit([0x9e], 'sahf', SF | ZF | AF | PF | CF, 0)][k];
      }
      case 9: { // xlat with EBX = BUF
        return unit([0x8d, 0x5d, 0x80, 0xd7], 'xlat', 0, 0); // lea ebx, [ebp-128]; xlat
      }
      case 10: { // Jcc over the next instruction (merged by the caller)
        return unit([], 'jcc', 0, 0);
      }
      default: return unit([r.bool() ? 0xfc : 0xfd], r.bool() ? 'cld' : 'std', DF, 0);
    }
  }

  private string(): Unit {
    const r = this.rng;
    const k = r.int(5); // movs stos lods cmps scas
    const size = r.pick([1, 2, 4]);
    const base = [0xa4, 0xaa, 0xac, 0xa6, 0xae][k] + this.sizeBit(size);
    const n = r.int(17);
    const rep = k === 2 ? (r.bool(0.3) ? [0xf3] : []) : k >= 3 ? [r.pick([0xf3, 0xf2])] : r.bool(0.8) ? [0xf3] : [];
    // lea esi, [ebp + a]; lea edi, [ebp + b]; mov ecx, n — with room for n elements either way.
    const span = 17 * size;
    const a = -128 + span + r.int(192 - 2 * span);
    const b2 = -128 + span + r.int(192 - 2 * span);
    const pre = [0x8d, 0x75, a & 0xff, 0x8d, 0x7d, b2 & 0xff, 0xb9, ...le32(rep.length ? n : r.value())];
    const name = ['movs', 'stos', 'lods', 'cmps', 'scas'][k];
    const flags = k >= 3 ? ARITH : 0;
    // With REP and ECX = 0 a compare leaves the flags unchanged.
    return unit([...pre, ...rep, ...this.pre(size), base], (rep.length ? 'rep ' : '') + name, rep.length && n === 0 ? 0 : flags, 0, DF);
  }

  private stack(depth: number): Unit {
    const r = this.rng;
    if (depth >= 4 && r.bool(0.6)) {
      // pop
      if (r.bool(0.7)) return unit([0x58 + r.pick(WREGS)], 'pop', 0, 0, 0, { push: -4 });
      return unit([0x8f, ...modrm(0, this.mem(4), this.ctx)], 'pop', 0, 0, 0, { push: -4 });
    }
    if (depth > 48) return this.alu();
    switch (r.int(5)) {
      case 0: return unit([0x50 + r.int(8)], 'push', 0, 0, 0, { push: 4 });
      case 1: return unit([0x6a, r.int(256)], 'push', 0, 0, 0, { push: 4 });
      case 2: return unit([0x68, ...le32(r.value())], 'push', 0, 0, 0, { push: 4 });
      case 3: return unit([0xff, ...modrm(6, this.mem(4), this.ctx)], 'push', 0, 0, 0, { push: 4 });
      default: return unit([0x9c], 'pushfd', 0, 0, ARITH | DF, { push: 4 });
    }
  }

  /**
   * Control flow and frames: LOOP/LOOPE/LOOPNE and JECXZ around a small body, CALL/RET (also
   * RET imm16 dropping a pushed argument), ENTER (levels 0-3) / LEAVE, PUSHAD/POPAD, POPFD.
   * All balanced on the stack; EBP is back to BUF + 128 after each unit.
   */
  private flow(depth: number): Unit {
    const r = this.rng;
    // A body that never writes ECX, ESP or EBP.
    const bodyRegs = [EAX, EDX, EBX, ESI, EDI];
    const body = (): number[] => {
      switch (r.int(3)) {
        case 0: return [0x40 + r.pick(bodyRegs)]; // inc r32
        case 1: return [0x48 + r.pick(bodyRegs)]; // dec r32
        default: return [0x01, 0xc0 | (r.int(8) << 3) | r.pick(bodyRegs)]; // add r32, r32
      }
    };
    switch (r.int(6)) {
      case 0: { // mov ecx, n (1..6); L: body; loop/loope/loopne L
        const n = 1 + r.int(6);
        const b = body();
        const op = r.pick([0xe2, 0xe1, 0xe0]);
        const u = [0xb9, ...le32(n), ...b, op, (-(b.length + 2)) & 0xff];
        const name = op === 0xe2 ? 'loop' : op === 0xe1 ? 'loope' : 'loopne';
        return unit(u, name, ARITH & ~CF, 0, 0);
      }
      case 1: { // mov ecx, 0 or n; jecxz over a body
        const b = body();
        return unit([0xb9, ...le32(r.bool() ? 0 : r.value()), 0xe3, b.length, ...b], 'jecxz', 0, ARITH & ~CF);
      }
      case 2: { // [push arg] call L; jmp over; L: body; ret [4]
        if (depth > 48) return this.alu();
        const arg = r.bool();
        const callee = [...body(), ...(arg ? [0xc2, 0x04, 0x00] : [0xc3])];
        return unit([...(arg ? [0x68, ...le32(r.value())] : []), 0xe8, ...le32(2), 0xeb, callee.length, ...callee],
          arg ? 'call/ret imm' : 'call/ret', ARITH & ~CF, 0);
      }
      case 3: { // enter size, level; body; leave
        if (depth > 16) return this.alu();
        const size = r.int(4) * 4;
        const level = r.int(4);
        return unit([0xc8, ...le16(size), level, ...body(), 0xc9], 'enter/leave', ARITH & ~CF, 0);
      }
      case 4: { // pushad; body; body; popad (restores everything but ESP's slot)
        if (depth > 24) return this.alu();
        return unit([0x60, ...body(), ...body(), 0x61], 'pushad/popad', ARITH & ~CF, 0);
      }
      default: { // push flags; popfd (arithmetic flags and DF)
        const f = 0x202 | (r.u32() & (ARITH | DF));
        return unit([0x68, ...le32(f), 0x9d], 'popfd', ARITH | DF, 0);
      }
    }
  }

  // ---- x87 ----

  private fmodrm(sub: number, size: number): number[] {
    const m = this.mem(size);
    return modrm(sub, m, this.ctx);
  }

  fpu(depth: number): Unit {
    const r = this.rng;
    // C1 after loads and arithmetic: the SDM clears it (or sets it for round-up), qemu-i386 7.2 leaves
    // it unchanged, so it counts as undefined here. C0, C2, C3 are undefined per SDM.
    const ARITH_CC = { fdef: 0, fundef: CC };
    const mk = (b: number[], what: string, fpush: number, fneed: number, x: Partial<Unit> = {}): Unit =>
      unit(b, what, 0, 0, 0, { fpush, fneed, ...ARITH_CC, ...x });
    if (depth === 0 || (depth < 7 && r.bool(0.3))) {
      // loads
      switch (r.int(6)) {
        case 0: return mk([0xd9, ...this.fmodrm(0, 4)], 'fld m32', 1, 0);
        case 1: return mk([0xdd, ...this.fmodrm(0, 8)], 'fld m64', 1, 0);
        case 2: return mk([0xdb, ...this.fmodrm(0, 4)], 'fild m32', 1, 0);
        case 3: return mk([0xdf, ...this.fmodrm(r.bool() ? 0 : 5, 8)], 'fild m16/m64', 1, 0);
        case 4: return mk([0xd9, 0xe8 + r.pick([0, 1, 2, 3, 4, 5, 6])], 'fldconst', 1, 0);
        default: {
          if (depth === 0) return mk([0xd9, 0xee], 'fldz', 1, 0);
          const j = r.int(depth);
          return mk([0xd9, 0xc0 + j], 'fld st(i)', 1, j + 1);
        }
      }
    }
    const i = r.int(depth);
    switch (r.int(14)) {
      case 0: return mk([0xd8, 0xc0 | (r.pick([0, 1, 4, 5, 6, 7]) << 3) | i], 'farith st0,st(i)', 0, i + 1);
      case 1: return mk([0xdc, 0xc0 | (r.pick([0, 1, 4, 5, 6, 7]) << 3) | i], 'farith st(i),st0', 0, i + 1);
      case 2: {
        if (depth < 2) return this.fpu(depth);
        const j = 1 + r.int(depth - 1);
        return mk([0xde, 0xc0 | (r.pick([0, 1, 4, 5, 6, 7]) << 3) | j], 'farithp', -1, j + 1);
      }
      case 3: return mk([0xd8, ...this.fmodrm(r.pick([0, 1, 4, 5, 6, 7]), 4)], 'farith m32', 0, 1);
      case 4: return mk([0xdc, ...this.fmodrm(r.pick([0, 1, 4, 5, 6, 7]), 8)], 'farith m64', 0, 1);
      case 5: return mk([0xd9, r.pick([0xe0, 0xe1, 0xfa, 0xfc])], 'fchs/fabs/fsqrt/frndint', 0, 1);
      case 6: return mk([0xd9, 0xc8 | i], 'fxch', 0, i + 1);
      case 7: { // compares
        const k = r.int(4);
        if (k === 0) return mk([0xd8, 0xd0 | i], 'fcom', 0, i + 1, { fdef: CC, fundef: 0 });
        if (k === 1) return mk([0xdd, 0xe0 | i], 'fucom', 0, i + 1, { fdef: CC, fundef: 0 });
        if (k === 2) return mk([0xd9, 0xe4], 'ftst', 0, 1, { fdef: CC, fundef: 0 });
        return mk([0xd9, 0xe5], 'fxam', 0, 1, { fdef: CC, fundef: 0 });
      }
      case 8: { // fcomi / fucomi → EFLAGS
        const b = [r.bool() ? 0xdb : 0xdf, (r.bool() ? 0xf0 : 0xe8) | i];
        const pop = b[0] === 0xdf ? -1 : 0;
        // ZF PF CF only: qemu and our CPU both leave OF SF AF alone.
        return unit(b, 'fcomi', ZF | PF | CF, 0, 0, { fpush: pop, fneed: i + 1, fdef: C1, fundef: 0 });
      }
      case 9: { // fcmovcc reads CF/ZF/PF
        const k = r.int(8);
        const reads = [CF, ZF, CF | ZF, PF][k & 3];
        return unit([k < 4 ? 0xda : 0xdb, 0xc0 | ((k & 3) << 3) | i], 'fcmovcc', 0, 0, reads, { fneed: i + 1, fdef: 0, fundef: 0 });
      }
      case 10: { // stores
        const k = r.int(6);
        const sub = r.bool() ? 2 : 3;
        const pop = sub === 3 ? -1 : 0;
        if (k === 0) return mk([0xd9, ...this.fmodrm(sub, 4)], 'fst(p) m32', pop, 1);
        if (k === 1) return mk([0xdd, ...this.fmodrm(sub, 8)], 'fst(p) m64', pop, 1);
        if (k === 2) return mk([0xdb, ...this.fmodrm(sub, 4)], 'fist(p) m32', pop, 1);
        if (k === 3) return mk([0xdb, ...this.fmodrm(7, 10)], 'fstp m80', -1, 1);
        if (k === 4) return mk([0xdf, ...this.fmodrm(7, 8)], 'fistp m64', -1, 1);
        return mk([0xdd, 0xd8 | i], 'fstp st(i)', -1, i + 1);
      }
      case 11: { // fldcw with random rounding/precision (exceptions stay masked)
        const cw = 0x003f | (r.pick([0, 2, 3]) << 8) | (r.int(4) << 10) | 0x1040;
        const m = this.mem(2);
        // mov word [m], cw ; fldcw [m]
        return unit([0x66, 0xc7, ...modrm(0, m, this.ctx), ...le16(cw), 0xd9, ...modrm(5, m, this.ctx)], 'fldcw', 0, 0, 0, { fdef: 0, fundef: CC });
      }
      case 12: { // fnstsw ax / fnstcw m16
        // fnstsw ax; and eax, ~0x202 (DE and the round-up C1 are not compared, see runner.ts)
        if (r.bool()) return unit([0xdf, 0xe0, 0x25, 0xfd, 0xfd, 0xff, 0xff], 'fnstsw ax', ARITH & ~AF, AF, 0, { fdef: 0, fundef: 0 });
        return unit([0xd9, ...this.fmodrm(7, 2)], 'fnstcw', 0, 0, 0, { fdef: 0, fundef: 0 });
      }
      default: { // fxtract / fscale / fprem / fld m80
        const k = r.int(4);
        if (k === 0 && depth < 8) return mk([0xd9, 0xf4], 'fxtract', 1, 1);
        if (k === 1 && depth >= 2) return mk([0xd9, 0xfd], 'fscale', 0, 2);
        if (k === 2 && depth >= 2) return mk([0xd9, 0xf8], 'fprem', 0, 2, { fdef: CC, fundef: 0 });
        if (depth < 8) {
          // fld m80 of a well-formed extended value written just before
          const m = this.mem(10);
          const e = r.pick([0, 0x3fff + r.int(64) - 32, 0x7fff, 1 + r.int(0x7ffe)]);
          const hi = e === 0 ? r.u32() & 0x7fffffff : (r.u32() | 0x80000000) >>> 0;
          const bytes = [...le32(r.u32()), ...le32(hi), ...le16(e | (r.bool() ? 0x8000 : 0))];
          const pre: number[] = [];
          for (let j = 0; j < 10; j += 2) pre.push(0x66, 0xc7, ...modrm(0, { kind: 'mem', disp: m.disp + j }, this.ctx), bytes[j], bytes[j + 1]);
          return mk([...pre, 0xdb, ...modrm(5, m, this.ctx)], 'fld m80', 1, 0);
        }
        return mk([0xd9, 0xe0], 'fchs', 0, 1);
      }
    }
  }

  /** A whole case: random registers, flags, memory and `n` units. */
  makeCase(n: number): Case {
    const r = this.rng;
    const regs = Array.from({ length: 8 }, () => r.value());
    const eflags = 0x202 | (r.u32() & (ARITH | (r.bool(0.2) ? DF : 0)));
    const mem = new Uint8Array(BUF_SIZE);
    const dv = new DataView(mem.buffer);
    for (let i = 0; i < BUF_SIZE; i += 8) {
      switch (r.int(5)) {
        case 0: dv.setFloat64(i, (r.u32() / 65536 - 32768) * (r.bool() ? 1 : 1e-3), true); break;
        case 1: dv.setFloat32(i, (r.int(2000) - 1000) / 8, true); dv.setFloat32(i + 4, r.u32() / 1e5, true); break;
        case 2: dv.setFloat64(i, r.pick(SPECIALS), true); break;
        default: dv.setUint32(i, r.value(), true); dv.setUint32(i + 4, r.value(), true);
      }
    }
    const units: Unit[] = [];
    let depth = 0;
    let undef = 0;
    let fdepth = 0;
    let fundef = 0;
    for (let k = 0; k < n; k++) {
      let u: Unit;
      const cls = r.int(100);
      if (cls < 18) u = this.alu();
      else if (cls < 24) u = this.incdecnegnot();
      else if (cls < 27) u = this.test();
      else if (cls < 37) u = this.shift();
      else if (cls < 41) u = this.shxd();
      else if (cls < 49) u = this.muldiv();
      else if (cls < 53) u = this.bcd();
      else if (cls < 58) u = this.bitop();
      else if (cls < 60) u = this.bsfr();
      else if (cls < 68) u = this.mov();
      else if (cls < 78) u = this.misc();
      else if (cls < 83) u = this.string();
      else if (cls < 88) u = this.stack(depth);
      else if (cls < 91) u = this.flow(depth);
      else if (this.ctx.x87) u = this.fpu(fdepth);
      else u = this.alu();
      if (u.what === 'jcc') {
        const body = this.alu();
        const cc = r.int(16);
        u = unit([0x70 + cc, body.bytes.length, ...body.bytes], 'jcc', 0, body.undef, CC_READS[cc] | body.read);
      }
      if (u.fneed > fdepth || fdepth + Math.max(u.fpush, 0) > 8) { k--; continue; }
      if (this.ctx.exclude && this.ctx.exclude.includes(u.what)) { k--; continue; }
      if (depth + u.push > 56 || depth + u.push < 0) { k--; continue; }
      // Never read an undefined flag: define the flags first.
      if (u.read & undef) {
        const fix = unit([0x85, 0xc0 | (r.int(8) << 3) | r.int(8)], 'test', ARITH & ~AF, AF);
        units.push(fix);
        undef = (undef & ~fix.def) | fix.undef;
        if (u.read & undef) {
          const fix2 = unit([0x01, 0xc0 | (r.int(8) << 3) | r.pick(WREGS)], 'add', ARITH, 0);
          units.push(fix2);
          undef = 0;
        }
      }
      if (u.what === 'fnstsw ax' && (fundef & CC)) {
        // fnstsw would copy undefined condition codes into AX: define them with ftst first.
        if (fdepth > 0) {
          const fix = unit([0xd9, 0xe4], 'ftst', 0, 0, 0, { fneed: 1, fdef: CC });
          units.push(fix);
          fundef = 0;
        } else continue;
      }
      units.push(u);
      undef = (undef & ~u.def) | u.undef;
      fundef = (fundef & ~u.fdef) | u.fundef;
      depth += u.push;
      fdepth += u.fpush;
    }
    return { regs, eflags, mem, units };
  }
}

/** The EFLAGS bits to ignore at the end of a case (undefined per SDM, still unwritten). */
export function undefinedMask(units: Unit[]): { flags: number; fpu: number } {
  let undef = 0;
  let fundef = 0;
  for (const u of units) {
    undef = (undef & ~u.def) | u.undef;
    fundef = (fundef & ~u.fdef) | u.fundef;
  }
  return { flags: undef, fpu: fundef };
}

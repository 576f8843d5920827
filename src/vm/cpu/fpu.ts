/**
 * The x87 FPU of the i686 (plus FCMOVcc / FCOMI family): register stack, control/status/tag words,
 * exceptions (masked responses and unmasked delivery through host.fpuError at the next waiting
 * instruction), environment/state save and restore. Arithmetic lives in softfloat80.ts,
 * transcendental functions in fpuTrans.ts, text formatting in fpuFormat.ts.
 */
import type { FpuHost, FpuUnit } from './fpuApi';
import * as sf from './softfloat80';
import { F_DE, F_IE, F_OE, F_PE, F_UE, F_ZE, R, S } from './softfloat80';
import * as tr from './fpuTrans';
import { formatF80, parseF80 } from './fpuFormat';

const SW_SF = 0x40;
const SW_ES = 0x80;
const SW_C0 = 0x100;
const SW_C1 = 0x200;
const SW_C2 = 0x400;
const SW_C3 = 0x4000;
const SW_B = 0x8000;
const SW_CC = SW_C0 | SW_C1 | SW_C2 | SW_C3;

const PREC = [24, 64, 53, 64];

/** Constants: [se, hi, lo] for round-to-nearest/up and for down/chop (qemu / Intel behaviour). */
const K_L2T = [0x4000, 0xd49a784b, 0xcd1b8afe];
const K_L2T_U = [0x4000, 0xd49a784b, 0xcd1b8aff];
const K_L2E = [0x3fff, 0xb8aa3b29, 0x5c17f0bc];
const K_L2E_D = [0x3fff, 0xb8aa3b29, 0x5c17f0bb];
const K_PI = [0x4000, 0xc90fdaa2, 0x2168c235];
const K_PI_D = [0x4000, 0xc90fdaa2, 0x2168c234];
const K_LG2 = [0x3ffd, 0x9a209a84, 0xfbcff799];
const K_LG2_D = [0x3ffd, 0x9a209a84, 0xfbcff798];
const K_LN2 = [0x3ffe, 0xb17217f7, 0xd1cf79ac];
const K_LN2_D = [0x3ffe, 0xb17217f7, 0xd1cf79ab];
/**
 * Register forms with a short path at the top of exec, by op * 8 + reg: 1 D8 arithmetic, 2 DC/DE
 * arithmetic, 3 FLD ST(i), 4 FXCH, 5 FST/FSTP ST(i).
 */
const REG_FAST = new Uint8Array(64);
for (const r of [0, 1, 4, 5, 6, 7]) { REG_FAST[r] = 1; REG_FAST[32 + r] = 2; REG_FAST[48 + r] = 2; }
REG_FAST[8] = 3; REG_FAST[9] = 4; REG_FAST[42] = 5; REG_FAST[43] = 5;
/** Whether ESC `op` (0–7) with register ModRM `modrm` is one of the forms FpuUnit.regOp runs. */
export function x87RegOp(op: number, modrm: number): boolean {
  return modrm >= 0xc0 && REG_FAST[(op << 3) | ((modrm >> 3) & 7)] !== 0;
}
/** FCOMI, FUCOMI (DB), FCOMIP, FUCOMIP (DF) with ModRM `modrm`: Fpu.comiOp takes them. */
export function x87Comi(op: number, modrm: number): boolean {
  const reg = (modrm >> 3) & 7;
  return modrm >= 0xc0 && (op === 3 || op === 7) && (reg === 5 || reg === 6);
}
/**
 * Memory forms with a short path at the top of exec, by op * 8 + reg: 1 arithmetic/compare with
 * m32real, m32int, m64real, m16int; 2 FLD m32; 3 FLD m64; 4 FST(P) m32; 5 FST(P) m64; 6 FILD m32.
 */
const MEM_FAST = new Uint8Array(64);
for (let r = 0; r < 8; r++) { MEM_FAST[r] = 1; MEM_FAST[16 + r] = 1; MEM_FAST[32 + r] = 1; MEM_FAST[48 + r] = 1; }
MEM_FAST[8] = 2; MEM_FAST[40] = 3; MEM_FAST[10] = 4; MEM_FAST[11] = 4; MEM_FAST[42] = 5; MEM_FAST[43] = 5; MEM_FAST[24] = 6;
/** The MEM_FAST forms that read their operand (all but the stores): its size in bytes, by op * 8 + reg. */
const MEM_LOAD_SIZE = new Uint8Array(64);
for (let f = 0; f < 64; f++) {
  const k = MEM_FAST[f], op = f >> 3;
  if (k === 1) MEM_LOAD_SIZE[f] = op === 4 ? 8 : op === 6 ? 2 : 4;
  else if (k === 2 || k === 6) MEM_LOAD_SIZE[f] = 4;
  else if (k === 3) MEM_LOAD_SIZE[f] = 8;
}
/** Size in bytes of the memory operand of ESC `op` with ModRM `modrm` when FpuUnit.memOp runs that form, else 0. */
export function x87MemLoad(op: number, modrm: number): number {
  return modrm >= 0xc0 ? 0 : MEM_LOAD_SIZE[(op << 3) | ((modrm >> 3) & 7)];
}
const K_ONE = [0x3fff, 0x80000000, 0];
const K_ZERO = [0, 0, 0];

export class Fpu implements FpuUnit {
  /** Physical registers R0..R7. */
  readonly se = new Uint16Array(8);
  readonly hi = new Uint32Array(8);
  readonly lo = new Uint32Array(8);
  /** Bit i set: physical register i is empty. */
  emptyMask = 0xff;
  top = 0;
  control = 0x37f;
  /** Status word without TOP (bits 11–13 always zero here). */
  sw = 0;
  /** Instruction/data pointers: fip and fdp are 32-bit words kept signed (no heap numbers); users mask them. */
  fip = 0; fcs = 0; fdp = 0; fds = 0; fop = 0;
  /**
   * qemu-i386 compatibility (used by the differential tests against qemu): C1 is not touched by
   * rounding/compares/FCHS/FABS, DE is not raised for denormal operands, FSQRT of a negative value
   * sets C2. Off by default: the SDM behaviour.
   */
  qemuCompat = false;

  constructor() { this.reset(); }

  reset(): void {
    this.control = 0x37f;
    this.sw = 0;
    this.top = 0;
    this.emptyMask = 0xff;
    this.fip = 0; this.fcs = 0; this.fdp = 0; this.fds = 0; this.fop = 0;
  }

  // ---- helpers ------------------------------------------------------------------------------

  private phys(i: number): number { return (this.top + i) & 7; }
  private isEmpty(i: number): boolean { return (this.emptyMask >> ((this.top + i) & 7) & 1) !== 0; }

  private ctx(): void {
    const cw = this.control;
    S.flags = 0;
    S.roundedUp = false;
    // The mode fields only change with the control word (or code that sets S.key = -1).
    const key = (cw & 0xf18) | (this.qemuCompat ? 0x10000 : 0);
    if (S.key === key) return;
    S.key = key;
    S.rc = (cw >> 10) & 3;
    S.prec = PREC[(cw >> 8) & 3];
    S.oeTrap = (cw & F_OE) === 0;
    S.ueTrap = (cw & F_UE) === 0;
    S.denormalFlag = !this.qemuCompat;
  }

  /** Record exception flags; ES/B follow unmasked ones. */
  private raise(f: number): void {
    this.sw |= f & 0x3f;
    if (f & ~this.control & 0x3f) this.sw |= SW_ES | SW_B;
  }

  private setC1(v: boolean): void {
    if (v) this.sw |= SW_C1; else this.sw &= ~SW_C1;
  }

  /** C1 after a rounding operation (SDM: 1 when the result was rounded up). */
  private roundC1(): void {
    if (!this.qemuCompat) this.setC1((S.flags & F_PE) !== 0 && S.roundedUp);
  }

  /** Whether the computed result may be stored (no unmasked IE/ZE/DE). Records flags. */
  private commitFlags(): boolean {
    const f = S.flags;
    const unm = f & ~this.control & 0x3f;
    if (unm & (F_IE | F_ZE | F_DE)) {
      this.raise(unm & F_IE ? F_IE : unm & F_DE ? F_DE : f & (F_ZE | F_DE));
      return false;
    }
    this.raise(f);
    return true;
  }

  /**
   * The result computed into R stored into physical register `p` unless an unmasked IE/ZE/DE stops
   * it (commitFlags), C1 set as it was rounded, then the pop of the …P forms (not when stopped).
   */
  private storeResult(p: number, popAfter: boolean): void {
    if (!this.commitFlags()) return;
    this.writePhys(p, R.se, R.hi, R.lo);
    this.roundC1();
    if (popAfter) this.pop();
  }

  /**
   * storeResult for a result of sf.fastOp into full register `p`: at most PE in S.flags (anything
   * else: storeResult), so nothing stops the store; flags, C1 and the pop as storeResult sets them.
   */
  private storeFast(p: number, popAfter: boolean): void {
    const f = S.flags;
    if ((f & ~F_PE) !== 0) { this.storeResult(p, popAfter); return; }
    let sw = this.sw | f;
    if ((f & ~this.control) !== 0) sw |= SW_ES | SW_B;
    if (!this.qemuCompat) sw = f !== 0 && S.roundedUp ? sw | SW_C1 : sw & ~SW_C1;
    this.sw = sw;
    this.se[p] = R.se; this.hi[p] = R.hi; this.lo[p] = R.lo;
    if (popAfter) { const t = this.top; this.emptyMask |= 1 << t; this.top = (t + 1) & 7; }
  }

  private writePhys(p: number, se: number, hi: number, lo: number): void {
    this.se[p] = se; this.hi[p] = hi; this.lo[p] = lo;
    this.emptyMask &= ~(1 << p);
  }
  private writeST(i: number, se: number, hi: number, lo: number): void {
    this.writePhys((this.top + i) & 7, se, hi, lo);
  }
  private writeR(i: number): void { this.writeST(i, R.se, R.hi, R.lo); }

  private pop(): void {
    this.emptyMask |= 1 << this.top;
    this.top = (this.top + 1) & 7;
  }

  /** Stack underflow (reading an empty register): IE+SF, C1=0. Returns true when masked. */
  private underflow(): boolean {
    this.sw &= ~SW_C1;
    this.sw |= SW_SF;
    this.raise(F_IE);
    return (this.control & F_IE) !== 0;
  }
  /** Stack overflow (push onto a full stack): IE+SF, C1=1. Returns true when masked. */
  private overflow(): boolean {
    this.sw |= SW_SF | SW_C1;
    this.raise(F_IE);
    return (this.control & F_IE) !== 0;
  }

  /** Push R. Handles stack overflow (masked: pushes the indefinite). Returns false on overflow. */
  private pushR(): boolean {
    const p = (this.top - 1) & 7;
    let ok = true;
    if ((this.emptyMask >> p & 1) === 0) {
      if (!this.overflow()) return false;
      sf.defaultNaN();
      ok = false;
    }
    this.top = p;
    this.writePhys(p, R.se, R.hi, R.lo);
    if (ok && !this.qemuCompat) this.sw &= ~SW_C1;
    return ok;
  }
  /** Whether a push would overflow; if so, handles it (masked: pushes indefinite) and returns true. */
  private pushFault(): boolean {
    const p = (this.top - 1) & 7;
    if ((this.emptyMask >> p & 1) !== 0) return false;
    if (this.overflow()) {
      this.top = p;
      this.writePhys(p, 0xffff, 0xc0000000, 0);
    }
    return true;
  }

  private fullTag(): number {
    let tw = 0;
    for (let p = 7; p >= 0; p--) {
      tw <<= 2;
      if (this.emptyMask >> p & 1) { tw |= 3; continue; }
      const e = this.se[p] & 0x7fff, h = this.hi[p], l = this.lo[p];
      if (e === 0 && h === 0 && l === 0) tw |= 1;
      else if (e === 0 || e === 0x7fff || (h & 0x80000000) === 0) tw |= 2;
    }
    return tw;
  }

  // ---- memory helpers -----------------------------------------------------------------------

  private read80(host: FpuHost, a: number): void {
    const lo = host.read32(a), hi = host.read32(a + 4), se = host.read16(a + 8);
    sf.set(se, hi, lo);
  }
  private write80(host: FpuHost, a: number, se: number, hi: number, lo: number): void {
    host.write32(a, lo); host.write32(a + 4, hi); host.write16(a + 8, se);
  }

  /**
   * The memory operand of the D8/DA/DC/DE arithmetic forms into R (with conversion flags), from its
   * bytes: the (first) dword or the word in `lo`, an m64's second dword in `hi`.
   */
  private convertArithOperand(op: number, lo: number, hi: number): void {
    switch (op) {
      case 0: sf.fromF32(lo | 0); break;
      case 4: sf.fromF64(hi | 0, lo | 0); break;
      case 2: sf.fromInt32(lo | 0); break;
      default: sf.fromInt32((lo << 16) >> 16); break;
    }
    if (op === 2 || op === 6) {
      // qemu rounds the integer operand but never reports flags of that conversion
      const f = S.flags;
      this.compatRound();
      S.flags = f;
    } else this.compatRound();
  }

  /**
   * qemu 7.2 rounds a converted memory operand (m32/m64 real, integer operands of FIADD etc.,
   * FBLD) to the precision-control setting; real hardware converts exactly. Compat mode only.
   */
  private compatRound(): void {
    if (!this.qemuCompat || S.prec === 64) return;
    const se = R.se, hi = R.hi, lo = R.lo;
    if ((se & 0x7fff) === 0x7fff || sf.isZero80(se, hi, lo)) return;
    sf.unpack(se, hi, lo);
    sf.roundPack80(sf.uSign, sf.uE, sf.uM, S.prec);
  }

  // ---- the instruction ----------------------------------------------------------------------

  exec(host: FpuHost, op: number, modrm: number, linear: number, o16: boolean, pm: boolean,
    ip: number, cs: number, dp: number, ds: number): void {
    const reg = (modrm >> 3) & 7;
    if (modrm >= 0xc0) {
      // The hottest register forms straight to their helpers (waiting, FIP/FOP recorded; the stack
      // moves need no arithmetic context).
      const k = REG_FAST[(op << 3) | reg];
      if (k !== 0) {
        if ((this.sw & SW_ES) !== 0) host.fpuError();
        this.regForm(k, op, modrm, ip, cs);
        return;
      }
    } else {
      // The common memory forms likewise (waiting, all pointers recorded).
      const k = MEM_FAST[(op << 3) | reg];
      if (k !== 0) {
        if ((this.sw & SW_ES) !== 0) host.fpuError();
        this.memPointers(op, modrm, ip, cs, dp, ds);
        if (k === 4) { this.stF32(host, linear, reg === 3); return; }
        if (k === 5) { this.stF64(host, linear, reg === 3); return; }
        this.readLoadForm(host, k, op, reg, linear);
        return;
      }
    }
    const mem = modrm < 0xc0;
    // Non-waiting forms do not check for a pending unmasked exception.
    let noWait = false;
    let control = false;
    if (mem) {
      if ((op === 1 && reg >= 4) || (op === 5 && (reg === 4 || reg >= 6))) control = true;
      if ((op === 1 && (reg === 6 || reg === 7)) || (op === 5 && (reg === 6 || reg === 7))) noWait = true;
    } else if ((op === 7 && modrm === 0xe0) || (op === 3 && modrm >= 0xe0 && modrm <= 0xe4)) {
      noWait = true; control = true;
    }
    if (!noWait && (this.sw & SW_ES) !== 0) host.fpuError();
    if (!control) {
      this.fip = ip; this.fcs = cs; this.fop = ((op & 7) << 8) | modrm;
      if (mem) { this.fdp = dp | 0; this.fds = ds; }
    }
    this.ctx();
    this.eflagsHost = host;
    if (mem) this.execMem(host, op, reg, linear, o16, pm);
    else this.execReg(host, op, reg, modrm & 7);
  }

  regOp(op: number, modrm: number, ip: number, cs: number): boolean {
    const reg = (modrm >> 3) & 7;
    const k = REG_FAST[(op << 3) | reg];
    if (k === 0 || modrm < 0xc0 || (this.sw & SW_ES) !== 0) return false;
    // The common cases here, what regForm does for them, without its calls and storeResult's
    // general flag handling (host instructions per operation: FADD 680 → 568, FXCH 181 → 142).
    // Anything else: regForm, nothing changed here.
    const i = modrm & 7, t = this.top, em = this.emptyMask;
    if (k <= 2) {
      // Arithmetic with both registers holding normal values and a normal result (sf.fastOp).
      const d = k === 1 ? t : (t + i) & 7, s = k === 1 ? (t + i) & 7 : t;
      if ((((em >> d) | (em >> s)) & 1) === 0) {
        this.ctx();
        if (sf.fastOp(k === 1 || reg < 4 ? reg : reg ^ 1, this.se[d], this.hi[d] | 0, this.lo[d] | 0, this.se[s], this.hi[s] | 0, this.lo[s] | 0)) {
          this.fip = ip; this.fcs = cs; this.fop = (op << 8) | modrm;
          this.storeFast(d, op === 6);
          return true;
        }
      }
    } else if (this.moveFast(k, reg === 3, (t + i) & 7, t, em)) {
      this.fip = ip; this.fcs = cs; this.fop = (op << 8) | modrm;
      return true;
    }
    this.regForm(k, op, modrm, ip, cs);
    return true;
  }

  /**
   * The register moves of regOp (kind `k`: 3 FLD ST(i), 4 FXCH, 5 FST/FSTP ST(i), `popAfter` for
   * FSTP) with ST(i) in physical register `s`, TOP `t`, the empty mask `em`, when they meet no stack
   * fault: what fldReg, fxch and fstReg do then (C1 cleared). False, nothing changed, otherwise.
   */
  private moveFast(k: number, popAfter: boolean, s: number, t: number, em: number): boolean {
    const se = this.se, hi = this.hi, lo = this.lo;
    if (k === 3) {
      const p = (t - 1) & 7;
      if (((em >> s) & 1) !== 0 || ((em >> p) & 1) === 0) return false;
      se[p] = se[s]; hi[p] = hi[s]; lo[p] = lo[s];
      this.top = p; this.emptyMask = em & ~(1 << p);
    } else if (k === 4) {
      if ((((em >> t) | (em >> s)) & 1) !== 0) return false;
      const e = se[t], h = hi[t], l = lo[t];
      se[t] = se[s]; hi[t] = hi[s]; lo[t] = lo[s];
      se[s] = e; hi[s] = h; lo[s] = l;
    } else {
      if (((em >> t) & 1) !== 0) return false;
      se[s] = se[t]; hi[s] = hi[t]; lo[s] = lo[t];
      if (popAfter) { this.emptyMask = (em & ~(1 << s)) | (1 << t); this.top = (t + 1) & 7; }
      else this.emptyMask = em & ~(1 << s);
    }
    if (!this.qemuCompat) this.sw &= ~SW_C1;
    return true;
  }

  /**
   * FCOMI/FUCOMI/FCOMIP/FUCOMIP (x87Comi) from translated code: what exec does for them (FIP, FCS,
   * FOP recorded, C1 cleared, ZF/PF/CF through `host`, the pop) when no exception is pending, both
   * registers hold values and the comparison raises nothing (an unordered FUCOMI with quiet NaNs
   * does not). Else false, nothing changed: the CPU's entry runs it (#MF, stack underflow, #IA,
   * denormal operands).
   */
  comiOp(host: FpuHost, op: number, modrm: number, ip: number, cs: number): boolean {
    const reg = (modrm >> 3) & 7, i = modrm & 7;
    if ((this.sw & SW_ES) !== 0 || this.isEmpty(0) || this.isEmpty(i)) return false;
    this.ctx();
    const r = this.compareST0(i, reg === 5);
    if (S.flags !== 0) return false;
    this.fip = ip; this.fcs = cs; this.fop = (op << 8) | modrm;
    this.comiResult(host, r, op === 7);
    return true;
  }

  memOp(op: number, modrm: number, lo: number, hi: number, ip: number, cs: number, dp: number, ds: number): boolean {
    const reg = (modrm >> 3) & 7, form = (op << 3) | reg;
    if (modrm >= 0xc0 || MEM_LOAD_SIZE[form] === 0 || (this.sw & SW_ES) !== 0) return false;
    this.memPointers(op, modrm, ip, cs, dp, ds);
    const k = MEM_FAST[form];
    if (!this.memFast(k, op, reg, lo, hi)) this.memLoadForm(k, op, reg, lo, hi);
    return true;
  }

  /**
   * memOp's common cases without memLoadForm's calls: an operand that is a normal real or a
   * non-zero integer (converted exactly, no flags: what sf.fromF32, fromF64 and fromInt32 give for
   * these values; x87entries.test.ts holds the two paths together) pushed onto an empty register
   * (FLD, FILD), or combined with a full ST0 by sf.fastOp (the arithmetic forms; not the
   * compares). False, nothing changed, otherwise — also in qemuCompat mode below 64-bit precision,
   * where compatRound rounds the operand.
   */
  private memFast(k: number, op: number, reg: number, lo: number, hi: number): boolean {
    if (this.qemuCompat && S.prec !== 64) return false;
    let se: number, h: number, l = 0;
    if (k === 2 || (k === 1 && op === 0)) { // m32real
      const e = (lo >>> 23) & 0xff;
      if (e === 0 || e === 0xff) return false;
      se = ((lo >>> 31) << 15) | (e - 127 + 16383); h = 0x80000000 | (lo << 8);
    } else if (k === 3 || (k === 1 && op === 4)) { // m64real
      const e = (hi >>> 20) & 0x7ff;
      if (e === 0 || e === 0x7ff) return false;
      se = ((hi >>> 31) << 15) | (e - 1023 + 16383); h = 0x80000000 | (hi << 11) | (lo >>> 21); l = lo << 11;
    } else { // m32int (FILD, op 2), m16int (op 6)
      const v = op === 6 ? (lo << 16) >> 16 : lo | 0;
      if (v === 0) return false;
      const m = v < 0 ? -v : v, z = Math.clz32(m);
      se = (v < 0 ? 0x8000 : 0) | (16383 + 31 - z); h = m << z;
    }
    const t = this.top;
    if (k === 1) {
      if (reg === 2 || reg === 3 || ((this.emptyMask >> t) & 1) !== 0) return false;
      if (!sf.fastOp(reg, this.se[t], this.hi[t] | 0, this.lo[t] | 0, se, h | 0, l | 0)) return false;
      this.storeFast(t, false);
      return true;
    }
    const p = (t - 1) & 7;
    if (((this.emptyMask >> p) & 1) === 0) return false;
    this.top = p;
    this.writePhys(p, se, h, l);
    if (!this.qemuCompat) this.sw &= ~SW_C1;
    return true;
  }

  /** A MEM_FAST form's instruction and data pointers and opcode recorded, its arithmetic context set. */
  private memPointers(op: number, modrm: number, ip: number, cs: number, dp: number, ds: number): void {
    this.fip = ip; this.fcs = cs; this.fop = (op << 8) | modrm;
    this.fdp = dp | 0; this.fds = ds;
    this.ctx();
  }

  /** A MEM_FAST form that reads its operand (kind `k`), the operand read at linear `a` first. */
  private readLoadForm(host: FpuHost, k: number, op: number, reg: number, a: number): void {
    const n = MEM_LOAD_SIZE[(op << 3) | reg];
    const lo = n === 2 ? host.read16(a) : host.read32(a);
    this.memLoadForm(k, op, reg, lo, n === 8 ? host.read32(a + 4) : 0);
  }

  /** A MEM_FAST form that reads its operand (kind `k`), from the operand's bytes (see memOp). */
  private memLoadForm(k: number, op: number, reg: number, lo: number, hi: number): void {
    switch (k) {
      case 1: this.convertArithOperand(op, lo, hi); this.arithLoaded(reg); return;
      case 2: sf.fromF32(lo | 0); this.compatRound(); this.pushLoaded(); return;
      case 3: sf.fromF64(hi | 0, lo | 0); this.compatRound(); this.pushLoaded(); return;
      default: sf.fromInt32(lo | 0); this.pushLoaded(); return; // FILD m32
    }
  }

  /** A REG_FAST form of kind `k` (after the pending-exception check): FIP/FOP recorded, then the operation. */
  private regForm(k: number, op: number, modrm: number, ip: number, cs: number): void {
    this.fip = ip; this.fcs = cs; this.fop = (op << 8) | modrm;
    const reg = (modrm >> 3) & 7, i = modrm & 7;
    switch (k) {
      case 1: this.ctx(); this.arithRR(0, i, reg, false); return; // D8: ST0 = ST0 op ST(i)
      case 2: this.ctx(); this.arithRR(i, 0, reg >= 4 ? reg ^ 1 : reg, op === 6); return; // DC/DE: ST(i) = ST(i) op ST0
      case 3: this.fldReg(i); return;
      case 4: this.fxch(i); return;
      default: this.fstReg(i, reg === 3); return;
    }
  }

  wait(host: FpuHost): void {
    if (this.sw & SW_ES) host.fpuError();
  }

  // ---- memory forms -------------------------------------------------------------------------

  private execMem(host: FpuHost, op: number, reg: number, a: number, o16: boolean, pm: boolean): void {
    switch (op) {
      case 0: case 2: case 4: case 6: this.readLoadForm(host, 1, op, reg, a); return; // arithmetic and compares
      case 1:
        switch (reg) {
          case 0: sf.fromF32(host.read32(a) | 0); this.compatRound(); this.pushLoaded(); return;
          case 2: case 3: this.stF32(host, a, reg === 3); return;
          case 4: this.ldenv(host, a, o16, pm); return;
          case 5: this.control = host.read16(a) & 0xffff; this.recomputeES(); return;
          case 6: this.stenv(host, a, o16, pm); this.control |= 0x3f; this.recomputeES(); return;
          case 7: host.write16(a, this.control); return;
          default: return; // D9 /1: reserved
        }
      case 3:
        switch (reg) {
          case 0: sf.fromInt32(host.read32(a) | 0); this.pushLoaded(); return;
          case 1: this.stInt(host, a, 32, true, true); return;
          case 2: case 3: this.stInt(host, a, 32, reg === 3, false); return;
          case 5: { const lo = host.read32(a) >>> 0, hi = host.read32(a + 4) >>> 0, se = host.read16(a + 8); sf.set(se, hi, lo); this.pushLoaded(); return; }
          case 7: {
            if (this.isEmpty(0)) { if (!this.underflow()) return; this.write80(host, a, 0xffff, 0xc0000000, 0); }
            else { const p = this.top; this.write80(host, a, this.se[p], this.hi[p], this.lo[p]); }
            this.pop();
            return;
          }
          default: return;
        }
      case 5:
        switch (reg) {
          case 0: { const l = host.read32(a) | 0, h = host.read32(a + 4) | 0; sf.fromF64(h, l); this.compatRound(); this.pushLoaded(); return; }
          case 1: this.stInt(host, a, 64, true, true); return;
          case 2: case 3: this.stF64(host, a, reg === 3); return;
          case 4: this.rstor(host, a, o16, pm); return;
          case 6: this.save(host, a, o16, pm); return;
          case 7: host.write16(a, this.getStatus()); return;
          default: return;
        }
      case 7:
        switch (reg) {
          case 0: sf.fromInt32((host.read16(a) << 16) >> 16); this.pushLoaded(); return;
          case 1: this.stInt(host, a, 16, true, true); return;
          case 2: case 3: this.stInt(host, a, 16, reg === 3, false); return;
          case 4: this.fbld(host, a); return;
          case 5: sf.fromI64(host.read32(a + 4) | 0, host.read32(a) >>> 0); this.pushLoaded(); return;
          case 6: this.fbstp(host, a); return;
          case 7: this.stInt(host, a, 64, true, false); return;
          default: return;
        }
    }
  }

  /** Arithmetic or compare /reg of ST0 with the operand converted into R. */
  private arithLoaded(reg: number): void {
    const bSe = R.se, bHi = R.hi, bLo = R.lo;
    const convFlags = S.flags;
    if (reg === 2 || reg === 3) { this.fcom(bSe, bHi | 0, bLo | 0, false, convFlags); if (reg === 3) this.popAfter(); return; }
    this.arithST0(reg, bSe, bHi | 0, bLo | 0, convFlags);
  }

  /** Push the loaded value in R (memory already read: a faulting read changed nothing). */
  private pushLoaded(): void {
    if (!this.commitFlags()) return;
    this.pushR();
  }

  private fbld(host: FpuHost, a: number): void {
    let v = 0n;
    for (let i = 8; i >= 0; i--) { const b = host.read8(a + i); v = v * 100n + BigInt((b >> 4) * 10 + (b & 15)); }
    const neg = (host.read8(a + 9) & 0x80) !== 0;
    sf.fromBigInt(v);
    const f = S.flags; // qemu rounds FBLD to the precision control silently
    this.compatRound();
    S.flags = f;
    if (neg) R.se ^= 0x8000;
    this.pushLoaded();
  }

  private recomputeES(): void {
    if (this.sw & ~this.control & 0x3f) this.sw |= SW_ES | SW_B;
    else this.sw &= ~(SW_ES | SW_B);
  }

  /** ST0 = ST0 op src (memory operand forms). reg: 0 add 1 mul 4 sub 5 subr 6 div 7 divr. */
  private arithST0(reg: number, bSe: number, bHi: number, bLo: number, convFlags: number): void {
    if (this.isEmpty(0)) {
      if (!this.underflow()) return;
      this.writeST(0, 0xffff, 0xc0000000, 0);
      return;
    }
    const p = this.top;
    S.flags = 0;
    // An SNaN memory operand was already made quiet (IE recorded in convFlags); operate on it.
    if (sf.fastOp(reg, this.se[p], this.hi[p] | 0, this.lo[p] | 0, bSe, bHi, bLo)) {
      S.flags |= convFlags;
      this.storeFast(p, false);
      return;
    }
    this.compute(reg, this.se[p], this.hi[p], this.lo[p], bSe, bHi >>> 0, bLo >>> 0);
    S.flags |= convFlags;
    this.storeResult(p, false);
  }

  private compute(kind: number, aSe: number, aHi: number, aLo: number, bSe: number, bHi: number, bLo: number): void {
    switch (kind) {
      case 0: sf.add(aSe, aHi, aLo, bSe, bHi, bLo, false); break;
      case 1: sf.mul(aSe, aHi, aLo, bSe, bHi, bLo); break;
      case 4: sf.add(aSe, aHi, aLo, bSe, bHi, bLo, true); break;
      case 5: sf.add(bSe, bHi, bLo, aSe, aHi, aLo, true); break;
      case 6: sf.div(aSe, aHi, aLo, bSe, bHi, bLo); break;
      default: sf.div(bSe, bHi, bLo, aSe, aHi, aLo); break;
    }
  }

  private popAfter(): void {
    // Pop after a compare, unless an unmasked invalid-operation exception aborted it.
    if ((this.sw & F_IE) && (this.control & F_IE) === 0 && (S.flags & F_IE)) return;
    this.pop();
  }

  /** Compare ST0 with a value: C3 C2 C0. */
  private fcom(bSe: number, bHi: number, bLo: number, quiet: boolean, extraFlags: number): void {
    if (this.isEmpty(0)) {
      if (this.underflow()) this.sw |= SW_C3 | SW_C2 | SW_C0;
      return;
    }
    const p = this.top;
    S.flags = 0;
    const r = sf.compare(this.se[p], this.hi[p] | 0, this.lo[p] | 0, bSe, bHi, bLo, quiet);
    S.flags |= extraFlags;
    if (!this.commitFlags()) return;
    this.setCC(r);
  }

  private setCC(r: number): void {
    let cc = 0;
    if (r < 0) cc = SW_C0; else if (r === 0) cc = SW_C3; else if (r === 2) cc = SW_C3 | SW_C2 | SW_C0;
    const keep = this.qemuCompat ? ~(SW_C0 | SW_C2 | SW_C3) : ~SW_CC;
    this.sw = (this.sw & keep) | cc;
  }

  private stF32(host: FpuHost, a: number, popAfter: boolean): void {
    let bits: number;
    if (this.isEmpty(0)) { if (!this.underflow()) return; bits = 0xffc00000; }
    else {
      const p = this.top;
      bits = sf.toF32(this.se[p], this.hi[p] | 0, this.lo[p] | 0);
      if (!this.commitStoreFlags()) return;
    }
    host.write32(a, bits | 0);
    if (popAfter) this.pop();
  }

  private stF64(host: FpuHost, a: number, popAfter: boolean): void {
    let h: number, l: number;
    if (this.isEmpty(0)) { if (!this.underflow()) return; h = 0xfff80000; l = 0; }
    else {
      const p = this.top;
      h = sf.toF64(this.se[p], this.hi[p] | 0, this.lo[p] | 0);
      l = sf.f64Lo;
      if (!this.commitStoreFlags()) return;
    }
    host.write32(a, l | 0);
    host.write32(a + 4, h | 0);
    if (popAfter) this.pop();
  }

  /** Stores to memory: unmasked IE/DE/OE/UE leave memory and the stack unchanged. */
  private commitStoreFlags(): boolean {
    const f = S.flags;
    const unm = f & ~this.control & 0x3f;
    if (unm & (F_IE | F_DE | F_OE | F_UE)) {
      this.raise(unm & F_IE ? F_IE : unm & F_DE ? F_DE : f & (F_OE | F_UE | F_PE));
      return false;
    }
    this.raise(f);
    this.roundC1();
    return true;
  }

  private stInt(host: FpuHost, a: number, bits: number, popAfter: boolean, trunc: boolean): void {
    let v = 0; // number result (|v| < 2^53), or the words below for 64-bit results
    let wLo = 0, wHi = 0;
    let big = false;
    let indefinite = false;
    if (this.isEmpty(0)) { if (!this.underflow()) return; indefinite = true; }
    else {
      const p = this.top;
      sf.toInt(this.se[p], this.hi[p], this.lo[p], bits, trunc);
      if (sf.intInvalid) { S.flags = F_IE; indefinite = true; }
      else if (sf.intIsNum) v = sf.intNum;
      else {
        big = true;
        const u = BigInt.asUintN(64, sf.intValue);
        wLo = Number(u & 0xffffffffn) | 0; wHi = Number(u >> 32n) | 0;
      }
      if (!this.commitFlags()) return;
      this.roundC1();
    }
    if (bits === 16) host.write16(a, indefinite ? 0x8000 : v & 0xffff);
    else if (bits === 32) host.write32(a, indefinite ? 0x80000000 | 0 : v | 0);
    else {
      if (indefinite) { wLo = 0; wHi = 0x80000000 | 0; }
      else if (!big) { wLo = v % 4294967296; if (wLo < 0) wLo += 4294967296; wHi = Math.floor(v / 4294967296) | 0; wLo |= 0; }
      host.write32(a, wLo);
      host.write32(a + 4, wHi);
    }
    if (popAfter) this.pop();
  }

  private fbstp(host: FpuHost, a: number): void {
    let v = 0n;
    let neg = false;
    let indefinite = false;
    if (this.isEmpty(0)) { if (!this.underflow()) return; indefinite = true; }
    else {
      const p = this.top;
      sf.toInt(this.se[p], this.hi[p], this.lo[p], 64, false);
      neg = (this.se[p] & 0x8000) !== 0;
      const iv = sf.intBig();
      if (sf.intInvalid || iv >= 1000000000000000000n || iv <= -1000000000000000000n) {
        S.flags = F_IE; indefinite = true;
      } else v = iv < 0n ? -iv : iv;
      if (!this.commitFlags()) return;
      this.roundC1();
    }
    if (indefinite) {
      for (let i = 0; i < 7; i++) host.write8(a + i, 0);
      host.write8(a + 7, 0xc0); host.write8(a + 8, 0xff); host.write8(a + 9, 0xff);
    } else {
      for (let i = 0; i < 9; i++) {
        const d = Number(v % 100n); v /= 100n;
        host.write8(a + i, ((d / 10) | 0) << 4 | (d % 10));
      }
      host.write8(a + 9, neg ? 0x80 : 0);
    }
    this.pop();
  }

  // ---- environment ----------------------------------------------------------------------------

  private stenv(host: FpuHost, a: number, o16: boolean, pm: boolean): void {
    const sw = this.getStatus(), tw = this.fullTag();
    if (!o16) {
      host.write32(a, this.control | 0xffff0000);
      host.write32(a + 4, sw | 0xffff0000);
      host.write32(a + 8, tw | 0xffff0000);
      if (pm) {
        host.write32(a + 12, this.fip);
        host.write32(a + 16, (this.fcs & 0xffff) | ((this.fop & 0x7ff) << 16));
        host.write32(a + 20, this.fdp);
        host.write32(a + 24, (this.fds & 0xffff) | 0xffff0000);
      } else {
        const ipl = (this.fcs << 4) + this.fip, dpl = (this.fds << 4) + this.fdp;
        host.write32(a + 12, (ipl & 0xffff) | 0xffff0000);
        host.write32(a + 16, ((ipl >>> 16) << 12) | (this.fop & 0x7ff));
        host.write32(a + 20, (dpl & 0xffff) | 0xffff0000);
        host.write32(a + 24, (dpl >>> 16) << 12);
      }
    } else {
      host.write16(a, this.control);
      host.write16(a + 2, sw);
      host.write16(a + 4, tw);
      if (pm) {
        host.write16(a + 6, this.fip); host.write16(a + 8, this.fcs);
        host.write16(a + 10, this.fdp); host.write16(a + 12, this.fds);
      } else {
        const ipl = (this.fcs << 4) + this.fip, dpl = (this.fds << 4) + this.fdp;
        host.write16(a + 6, ipl); host.write16(a + 8, (((ipl >>> 16) & 0xf) << 12) | (this.fop & 0x7ff));
        host.write16(a + 10, dpl); host.write16(a + 12, ((dpl >>> 16) & 0xf) << 12);
      }
    }
  }

  private ldenv(host: FpuHost, a: number, o16: boolean, pm: boolean): void {
    let cw: number, sw: number, tw: number;
    if (!o16) {
      cw = host.read16(a); sw = host.read16(a + 4); tw = host.read16(a + 8);
      if (pm) {
        this.fip = host.read32(a + 12) | 0;
        const w = host.read32(a + 16) >>> 0; this.fcs = w & 0xffff; this.fop = (w >>> 16) & 0x7ff;
        this.fdp = host.read32(a + 20) | 0; this.fds = host.read16(a + 24);
      } else {
        const w = host.read32(a + 16) >>> 0;
        this.fip = host.read16(a + 12) | (((w >>> 12) & 0xffff) << 16); this.fcs = 0; this.fop = w & 0x7ff;
        this.fdp = host.read16(a + 20) | (((host.read32(a + 24) >>> 12) & 0xffff) << 16); this.fds = 0;
      }
    } else {
      cw = host.read16(a); sw = host.read16(a + 2); tw = host.read16(a + 4);
      if (pm) {
        this.fip = host.read16(a + 6); this.fcs = host.read16(a + 8);
        this.fdp = host.read16(a + 10); this.fds = host.read16(a + 12);
      } else {
        const w = host.read16(a + 8);
        this.fip = host.read16(a + 6) | ((w >> 12) << 16); this.fcs = 0; this.fop = w & 0x7ff;
        this.fdp = host.read16(a + 10) | ((host.read16(a + 12) >> 12) << 16); this.fds = 0;
      }
    }
    this.control = cw & 0xffff;
    this.setStatus(sw);
    let m = 0;
    for (let i = 0; i < 8; i++) if (((tw >> (2 * i)) & 3) === 3) m |= 1 << i;
    this.emptyMask = m;
  }

  private save(host: FpuHost, a: number, o16: boolean, pm: boolean): void {
    this.stenv(host, a, o16, pm);
    let q = a + (o16 ? 14 : 28);
    for (let i = 0; i < 8; i++) {
      const p = this.phys(i);
      this.write80(host, q, this.se[p], this.hi[p], this.lo[p]);
      q += 10;
    }
    this.reset();
  }

  private rstor(host: FpuHost, a: number, o16: boolean, pm: boolean): void {
    // Read everything first (a faulting read leaves the state unchanged).
    let q = a + (o16 ? 14 : 28);
    const regs: number[] = [];
    for (let i = 0; i < 8; i++) {
      regs.push(host.read32(q) >>> 0, host.read32(q + 4) >>> 0, host.read16(q + 8));
      q += 10;
    }
    this.ldenv(host, a, o16, pm);
    for (let i = 0; i < 8; i++) {
      const p = this.phys(i);
      this.lo[p] = regs[3 * i]; this.hi[p] = regs[3 * i + 1]; this.se[p] = regs[3 * i + 2];
    }
  }

  // ---- register forms -------------------------------------------------------------------------

  private execReg(host: FpuHost, op: number, reg: number, i: number): void {
    switch (op) {
      case 0: // D8: ST0 = ST0 op ST(i); D0/D8 compare
        if (reg === 2 || reg === 3) { this.fcomST(i, false); if (reg === 3) this.popAfter(); return; }
        this.arithRR(0, i, reg, false);
        return;
      case 4: case 6: { // DC / DE: ST(i) = ST(i) op ST0 (sub/div forms reversed)
        if (reg === 2 || reg === 3) {
          // DC D0/D8 and DE D0..DF aliases of FCOM/FCOMP; DE D9 = FCOMPP
          if (op === 6 && reg === 3 && i === 1) { this.fcomST(1, false); if (this.popAfter2()) { this.pop(); this.pop(); } return; }
          this.fcomST(i, false);
          if (reg === 3 || op === 6) this.popAfter();
          return;
        }
        const kind = reg === 4 ? 5 : reg === 5 ? 4 : reg === 6 ? 7 : reg === 7 ? 6 : reg;
        this.arithRR(i, 0, kind, op === 6);
        return;
      }
      case 1: this.execD9(host, reg, i); return;
      case 2: // DA: FCMOVcc, FUCOMPP
        if (reg < 4) { this.fcmov(host, reg, i, false); return; }
        if (reg === 5 && i === 1) { this.fcomST(1, true); if (this.popAfter2()) { this.pop(); this.pop(); } return; }
        return;
      case 3: // DB
        if (reg < 4) { this.fcmov(host, reg, i, true); return; }
        if (reg === 4) {
          if (i === 2) { this.sw &= 0x7f00; return; } // FNCLEX
          if (i === 3) { this.reset(); return; } // FNINIT
          return; // FENI, FDISI, FSETPM: no-ops
        }
        if (reg === 5 || reg === 6) { this.fcomi(i, reg === 5, false); return; }
        return;
      case 5: // DD
        switch (reg) {
          case 0: this.emptyMask |= 1 << this.phys(i); return; // FFREE
          case 1: this.fxch(i); return;
          case 2: case 3: this.fstReg(i, reg === 3); return;
          case 4: this.fcomST(i, true); return;
          case 5: this.fcomST(i, true); this.popAfter(); return;
          default: return;
        }
      case 7: // DF
        switch (reg) {
          case 0: this.emptyMask |= 1 << this.phys(i); this.pop(); return; // FFREEP
          case 1: this.fxch(i); return;
          case 2: case 3: this.fstReg(i, true); return;
          case 4: if (i === 0) host.regs[0] = (host.regs[0] & ~0xffff) | this.getStatus(); return;
          case 5: case 6: this.fcomi(i, reg === 5, true); return;
          default: return;
        }
    }
  }

  /** Returns true when FCOMPP/FUCOMPP may pop (no unmasked IE). */
  private popAfter2(): boolean {
    return !((S.flags & F_IE) && (this.control & F_IE) === 0);
  }

  /** dst = dst op src on registers (indexes relative to TOP); optionally pop. */
  private arithRR(dst: number, src: number, kind: number, popAfter: boolean): void {
    if (this.isEmpty(dst) || this.isEmpty(src)) {
      if (!this.underflow()) return;
      this.writeST(dst, 0xffff, 0xc0000000, 0);
      if (popAfter) this.pop();
      return;
    }
    const d = this.phys(dst), s = this.phys(src);
    // operand order: a = destination, b = source (reverse kinds swap inside compute)
    if (!sf.fastOp(kind, this.se[d], this.hi[d] | 0, this.lo[d] | 0, this.se[s], this.hi[s] | 0, this.lo[s] | 0)) {
      this.compute(kind, this.se[d], this.hi[d], this.lo[d], this.se[s], this.hi[s], this.lo[s]);
    }
    this.storeResult(d, popAfter);
  }

  private fcomST(i: number, quiet: boolean): void {
    if (this.isEmpty(i)) {
      S.flags = 0;
      if (this.underflow()) this.sw |= SW_C3 | SW_C2 | SW_C0;
      else S.flags = F_IE;
      return;
    }
    const p = this.phys(i);
    this.fcom(this.se[p], this.hi[p] | 0, this.lo[p] | 0, quiet, 0);
  }

  private fcomi(i: number, quiet: boolean, popAfter: boolean): void {
    if (this.isEmpty(0) || this.isEmpty(i)) {
      if (!this.underflow()) return;
      this.eflagsHost?.setFlags(true, true, true);
      if (popAfter) this.pop();
      return;
    }
    const r = this.compareST0(i, quiet);
    if (!this.commitFlags()) return;
    this.comiResult(this.eflagsHost as FpuHost, r, popAfter);
  }
  /** ST0 compared with ST(i), both full (sf.compare's result; what it raised in S.flags). */
  private compareST0(i: number, quiet: boolean): number {
    const a = this.top, b = this.phys(i);
    return sf.compare(this.se[a], this.hi[a] | 0, this.lo[a] | 0, this.se[b], this.hi[b] | 0, this.lo[b] | 0, quiet);
  }
  /** FCOMI's comparison `r` into ZF/PF/CF through `host` (C1 cleared), then the pop of FCOMIP/FUCOMIP. */
  private comiResult(host: FpuHost, r: number, popAfter: boolean): void {
    if (!this.qemuCompat) this.sw &= ~SW_C1;
    host.setFlags(r === 0 || r === 2, r === 2, r < 0 || r === 2);
    if (popAfter) this.pop();
  }

  /** The host of the current exec (set while executing, for FCOMI/FCMOV). */
  private eflagsHost: FpuHost | null = null;

  private fcmov(host: FpuHost, cond: number, i: number, negate: boolean): void {
    const f = host.eflags();
    let c: boolean;
    switch (cond) {
      case 0: c = (f & 1) !== 0; break; // B: CF
      case 1: c = (f & 0x40) !== 0; break; // E: ZF
      case 2: c = (f & 0x41) !== 0; break; // BE: CF|ZF
      default: c = (f & 4) !== 0; break; // U: PF
    }
    if (negate) c = !c;
    if (this.isEmpty(0) || this.isEmpty(i)) {
      if (!this.underflow()) return;
      if (c) this.writeST(0, 0xffff, 0xc0000000, 0);
      return;
    }
    if (!this.qemuCompat) this.sw &= ~SW_C1;
    if (c) { const s = this.phys(i); this.writeST(0, this.se[s], this.hi[s], this.lo[s]); }
  }

  private fxch(i: number): void {
    const a = this.top, b = this.phys(i);
    if ((this.emptyMask >> a & 1) || (this.emptyMask >> b & 1)) {
      if (!this.underflow()) return;
      if (this.emptyMask >> a & 1) this.writePhys(a, 0xffff, 0xc0000000, 0);
      if (this.emptyMask >> b & 1) this.writePhys(b, 0xffff, 0xc0000000, 0);
    } else if (!this.qemuCompat) this.sw &= ~SW_C1;
    const se = this.se[a], hi = this.hi[a], lo = this.lo[a];
    this.se[a] = this.se[b]; this.hi[a] = this.hi[b]; this.lo[a] = this.lo[b];
    this.se[b] = se; this.hi[b] = hi; this.lo[b] = lo;
  }

  private fstReg(i: number, popAfter: boolean): void {
    if (this.isEmpty(0)) {
      if (!this.underflow()) return;
      this.writeST(i, 0xffff, 0xc0000000, 0);
    } else {
      const p = this.top;
      this.writeST(i, this.se[p], this.hi[p], this.lo[p]);
      if (!this.qemuCompat) this.sw &= ~SW_C1;
    }
    if (popAfter) this.pop();
  }

  /** FLD ST(i). */
  private fldReg(i: number): void {
    if (this.isEmpty(i)) {
      if (!this.underflow()) return;
      sf.defaultNaN();
    } else { const p = this.phys(i); sf.set(this.se[p], this.hi[p], this.lo[p]); }
    this.pushR();
  }

  private execD9(host: FpuHost, reg: number, i: number): void {
    switch (reg) {
      case 0: this.fldReg(i); return;
      case 1: this.fxch(i); return;
      case 2: return; // FNOP (D0) and reserved D1..D7
      case 3: this.fstReg(i, true); return; // FSTP1 alias
      case 4: this.execD9E0(i); return;
      case 5: this.execConst(i); return;
      default: this.execTrans(reg === 6 ? i : 8 + i); return;
    }
  }

  private execD9E0(i: number): void {
    switch (i) {
      case 0: case 1: { // FCHS, FABS
        if (this.isEmpty(0)) { if (!this.underflow()) return; this.writeST(0, 0xffff, 0xc0000000, 0); return; }
        const p = this.top;
        this.se[p] = i === 0 ? this.se[p] ^ 0x8000 : this.se[p] & 0x7fff;
        if (!this.qemuCompat) this.sw &= ~SW_C1;
        return;
      }
      case 4: this.fcom(0, 0, 0, false, 0); return; // FTST
      case 5: this.fxam(); return;
      default: return;
    }
  }

  private fxam(): void {
    const p = this.top;
    let sw = this.sw & ~SW_CC;
    if (this.se[p] & 0x8000) sw |= SW_C1;
    if (this.emptyMask >> p & 1) { this.sw = sw | SW_C3 | SW_C0; return; }
    const e = this.se[p] & 0x7fff, h = this.hi[p], l = this.lo[p];
    if (e === 0x7fff) {
      if (h === 0x80000000 && l === 0) sw |= SW_C2 | SW_C0;
      else if (h & 0x80000000) sw |= SW_C0;
    } else if (e === 0) {
      sw |= (h === 0 && l === 0) ? SW_C3 : SW_C3 | SW_C2;
    } else if (h & 0x80000000) sw |= SW_C2;
    this.sw = sw;
  }

  private execConst(i: number): void {
    const rc = (this.control >> 10) & 3;
    const down = rc === 1 || rc === 3;
    let k: readonly number[];
    switch (i) {
      case 0: k = K_ONE; break;
      case 1: k = rc === 2 ? K_L2T_U : K_L2T; break;
      case 2: k = down ? K_L2E_D : K_L2E; break;
      case 3: k = down ? K_PI_D : K_PI; break;
      case 4: k = down ? K_LG2_D : K_LG2; break;
      case 5: k = down ? K_LN2_D : K_LN2; break;
      case 6: k = K_ZERO; break;
      default: return; // D9 EF: reserved
    }
    sf.set(k[0], k[1], k[2]);
    this.pushR();
  }

  /** D9 F0..FF: n = 0..7 for F0..F7, 8..15 for F8..FF. */
  private execTrans(n: number): void {
    switch (n) {
      case 6: this.top = (this.top - 1) & 7; this.sw &= ~SW_CC; return; // FDECSTP
      case 7: this.top = (this.top + 1) & 7; this.sw &= ~SW_CC; return; // FINCSTP
      case 0: this.unaryTrans(tr.f2xm1); return;
      case 10: this.fsqrt(); return;
      case 12: this.unary(sf.roundToInt); return;
      case 4: this.fxtract(); return;
      case 13: this.fscale(); return;
      case 5: this.fprem(false); return;
      case 8: this.fprem(true); return;
      case 1: this.binaryTrans(tr.fyl2x); return;
      case 9: this.binaryTrans(tr.fyl2xp1); return;
      case 3: this.binaryTrans(tr.fpatan); return;
      case 2: this.trig(2); return; // FPTAN
      case 11: this.trig(3); return; // FSINCOS
      case 14: this.trig(0); return; // FSIN
      case 15: this.trig(1); return; // FCOS
    }
  }

  private unary(fn: (se: number, hi: number, lo: number) => void): void {
    if (this.isEmpty(0)) { if (!this.underflow()) return; this.writeST(0, 0xffff, 0xc0000000, 0); return; }
    const p = this.top;
    fn(this.se[p], this.hi[p], this.lo[p]);
    this.storeResult(p, false);
  }

  private unaryTrans(fn: (se: number, hi: number, lo: number) => void): void {
    this.unary(fn);
  }

  private fsqrt(): void {
    if (this.qemuCompat && !this.isEmpty(0) && (this.se[this.top] & 0x8000)) {
      this.sw = (this.sw & ~SW_CC) | SW_C2;
    }
    this.unary(sf.sqrt);
  }

  /** ST1 = f(ST0, ST1), pop. */
  private binaryTrans(fn: (aSe: number, aHi: number, aLo: number, bSe: number, bHi: number, bLo: number) => void): void {
    if (this.isEmpty(0) || this.isEmpty(1)) {
      if (!this.underflow()) return;
      this.writeST(1, 0xffff, 0xc0000000, 0);
      this.pop();
      return;
    }
    const a = this.top, b = this.phys(1);
    S.prec = 64; S.key = -1;
    fn(this.se[a], this.hi[a], this.lo[a], this.se[b], this.hi[b], this.lo[b]);
    this.storeResult(b, true);
  }

  private fxtract(): void {
    if (this.isEmpty(0)) {
      if (!this.underflow()) return;
      this.writeST(0, 0xffff, 0xc0000000, 0);
      if (!this.pushFault()) { this.top = (this.top - 1) & 7; this.writeST(0, 0xffff, 0xc0000000, 0); }
      return;
    }
    const p = this.top;
    const se = this.se[p], hi = this.hi[p], lo = this.lo[p];
    let eSe: number, eHi: number, eLo: number, mSe: number, mHi: number, mLo: number;
    if (sf.isZero80(se, hi, lo)) {
      S.flags |= F_ZE;
      eSe = 0xffff; eHi = 0x80000000; eLo = 0; mSe = se; mHi = hi; mLo = lo;
    } else if (sf.isInvalidEnc(se, hi)) {
      S.flags |= F_IE;
      eSe = mSe = 0xffff; eHi = mHi = 0xc0000000; eLo = mLo = 0;
    } else if (sf.isNaN80(se, hi, lo)) {
      sf.propagateNaN1(se, hi, lo);
      eSe = mSe = R.se; eHi = mHi = R.hi; eLo = mLo = R.lo;
    } else if ((se & 0x7fff) === 0x7fff) {
      eSe = 0x7fff; eHi = 0x80000000; eLo = 0; mSe = se; mHi = hi; mLo = lo;
    } else {
      let e = se & 0x7fff;
      let h = hi, l = lo;
      if (e === 0) {
        S.flags |= F_DE;
        sf.unpack(se, hi, lo);
        e = sf.uE + 16383 + 63;
        const m = sf.uM;
        h = Number(m >> 32n); l = Number(m & 0xffffffffn);
      }
      sf.fromInt32(e - 16383);
      eSe = R.se; eHi = R.hi; eLo = R.lo;
      mSe = (se & 0x8000) | 0x3fff; mHi = h; mLo = l;
    }
    if (!this.commitFlags()) return;
    // The push may overflow: the SDM gives the masked overflow response.
    this.writePhys(p, eSe, eHi, eLo);
    if (this.pushFault()) return;
    this.top = (this.top - 1) & 7;
    this.writeST(0, mSe, mHi, mLo);
  }

  private fscale(): void {
    if (this.isEmpty(0) || this.isEmpty(1)) { if (!this.underflow()) return; this.writeST(0, 0xffff, 0xc0000000, 0); return; }
    const a = this.top, b = this.phys(1);
    const aSe = this.se[a], aHi = this.hi[a], aLo = this.lo[a];
    const bSe = this.se[b], bHi = this.hi[b], bLo = this.lo[b];
    if (sf.isInvalidEnc(aSe, aHi) || sf.isInvalidEnc(bSe, bHi)) { S.flags |= F_IE; sf.defaultNaN(); }
    else if (sf.isNaN80(bSe, bHi, bLo)) {
      if (sf.isSNaN80(aSe, aHi, aLo)) S.flags |= F_IE;
      sf.propagateNaN1(bSe, bHi, bLo);
    } else if (sf.isInf80(bSe, bHi, bLo) && !sf.isNaN80(aSe, aHi, aLo)) {
      if (bSe & 0x8000) {
        if ((aSe & 0x7fff) === 0x7fff) { S.flags |= F_IE; sf.defaultNaN(); } else sf.set(aSe & 0x8000, 0, 0);
      } else if (sf.isZero80(aSe, aHi, aLo)) { S.flags |= F_IE; sf.defaultNaN(); }
      else sf.set((aSe & 0x8000) | 0x7fff, 0x80000000, 0);
    } else {
      const saved = S.flags;
      const rc = S.rc;
      S.rc = 3;
      sf.toInt(bSe, bHi, bLo, 64, true);
      S.rc = rc;
      let n: number;
      if (sf.intInvalid) n = (bSe & 0x8000) ? -0x10000 : 0x10000;
      else { const v = sf.intBig(); n = v > 0x10000n ? 0x10000 : v < -0x10000n ? -0x10000 : Number(v); }
      S.flags = saved;
      if (!this.qemuCompat && sf.isDenormal80(bSe, bHi, bLo) && !sf.isNaN80(aSe, aHi, aLo)) S.flags |= F_DE;
      sf.scalbn(aSe, aHi, aLo, n, 64);
    }
    this.storeResult(this.top, false);
  }

  private fprem(mod: boolean): void {
    if (this.isEmpty(0) || this.isEmpty(1)) { if (!this.underflow()) return; this.writeST(0, 0xffff, 0xc0000000, 0); return; }
    const a = this.top, b = this.phys(1);
    const aSe = this.se[a], aHi = this.hi[a], aLo = this.lo[a];
    const bSe = this.se[b], bHi = this.hi[b], bLo = this.lo[b];
    let cc = 0;
    const e0 = aSe & 0x7fff, e1 = bSe & 0x7fff;
    if (sf.isZero80(aSe, aHi, aLo) || sf.isZero80(bSe, bHi, bLo) || e0 === 0x7fff || e1 === 0x7fff ||
      sf.isInvalidEnc(aSe, aHi) || sf.isInvalidEnc(bSe, bHi)) {
      sf.modrem(aSe, aHi, aLo, bSe, bHi, bLo, mod);
    } else {
      const x0 = e0 === 0 ? 1 - Math.clz32(aHi) - (aHi === 0 ? Math.clz32(aLo) : 0) : e0;
      const x1 = e1 === 0 ? 1 - Math.clz32(bHi) - (bHi === 0 ? Math.clz32(bLo) : 0) : e1;
      const expDiff = x0 - x1;
      if (expDiff < 64) {
        sf.modrem(aSe, aHi, aLo, bSe, bHi, bLo, mod);
        const q = sf.remQuotient;
        if (q & 4) cc |= SW_C0;
        if (q & 2) cc |= SW_C3;
        if (q & 1) cc |= SW_C1;
      } else {
        const n = 32 + (expDiff % 32);
        const savedPrec = S.prec;
        sf.scalbn(bSe, bHi, bLo, expDiff - n, savedPrec);
        const tSe = R.se, tHi = R.hi, tLo = R.lo;
        sf.modrem(aSe, aHi, aLo, tSe, tHi, tLo, true);
        cc |= SW_C2;
      }
    }
    if (this.qemuCompat) {
      // qemu 7.2 rounds the (exact) remainder to the precision control and never reports the
      // quotient bits of FPREM1.
      this.compatRound();
      if (!mod) cc &= SW_C2;
    }
    if (!this.commitFlags()) return;
    this.writeR(0);
    this.sw = (this.sw & ~SW_CC) | cc;
  }

  /** kind: 0 FSIN, 1 FCOS, 2 FPTAN, 3 FSINCOS. */
  private trig(kind: number): void {
    const pushes = kind >= 2;
    if (this.isEmpty(0)) {
      if (!this.underflow()) return;
      this.writeST(0, 0xffff, 0xc0000000, 0);
      if (pushes && !this.pushFault()) { this.top = (this.top - 1) & 7; this.writeST(0, 0xffff, 0xc0000000, 0); }
      return;
    }
    if (pushes && (this.emptyMask >> ((this.top - 1) & 7) & 1) === 0) {
      // Stack overflow: masked response replaces ST0 and pushes the indefinite.
      if (!this.overflow()) return;
      this.writeST(0, 0xffff, 0xc0000000, 0);
      this.top = (this.top - 1) & 7;
      this.writeST(0, 0xffff, 0xc0000000, 0);
      return;
    }
    const p = this.top;
    const se = this.se[p], hi = this.hi[p], lo = this.lo[p];
    S.prec = 64; S.key = -1;
    const ok = tr.trig(kind, se, hi, lo);
    if (!ok) { this.sw = (this.sw & ~SW_CC) | SW_C2; return; } // out of range: operand unchanged
    if (!this.commitFlags()) return;
    this.sw &= ~(SW_C2 | SW_C1);
    this.roundC1();
    if (kind < 2) { this.writeR(0); return; }
    // FPTAN: ST0 = tan, push 1.0; FSINCOS: ST0 = sin, push cos
    this.writePhys(p, tr.T1.se, tr.T1.hi, tr.T1.lo);
    this.top = (this.top - 1) & 7;
    this.writeR(0);
  }

  // ---- debugger view ------------------------------------------------------------------------

  getStatus(): number { return (this.sw & ~0x3800) | (this.top << 11); }
  setStatus(value: number): void {
    this.top = (value >> 11) & 7;
    this.sw = value & ~0x3800 & 0xffff;
    this.sw = (this.sw & ~SW_B) | (this.sw & SW_ES ? SW_B : 0);
  }
  getTag(): number { return this.fullTag(); }
  stValue(i: number): number {
    const p = this.phys(i);
    return f80ToNumber(this.se[p], this.hi[p], this.lo[p]);
  }
  stText(i: number): string {
    const p = this.phys(i);
    return formatF80(this.se[p], this.hi[p], this.lo[p]);
  }
  setStText(i: number, text: string): boolean {
    const v = parseF80(text);
    if (!v) return false;
    this.writeST(i, v[0], v[1], v[2]);
    return true;
  }
  stEmpty(i: number): boolean { return this.isEmpty(i); }

}

/** Approximate JS number of an 80-bit value (for display). */
export function f80ToNumber(se: number, hi: number, lo: number): number {
  const e = se & 0x7fff;
  const s = se & 0x8000 ? -1 : 1;
  if (e === 0x7fff) return (hi & 0x7fffffff) === 0 && lo === 0 ? s * Infinity : NaN;
  const m = hi * 4294967296 + lo;
  const x = (e === 0 ? 1 : e) - 16383 - 63;
  return s * m * Math.pow(2, x >> 1) * Math.pow(2, x - (x >> 1));
}

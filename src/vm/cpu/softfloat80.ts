/**
 * IEEE 754 extended precision (x87 80-bit) arithmetic, bit-exact with the x87 as modelled by
 * qemu's softfloat (rounding, precision control, NaN propagation, flags).
 *
 * A value is (se, hi, lo): se = sign << 15 | biased exponent (15 bits), hi:lo = the 64-bit
 * significand (explicit integer bit J = hi bit 31) as two unsigned 32-bit numbers. Results go to
 * the module-level `R`; exception flags accumulate in `S.flags` (x87 status-word bit positions).
 * Exact intermediate results use BigInt; the common cases of loads, stores, compares and sign
 * operations never allocate.
 */

export const F_IE = 0x01;
export const F_DE = 0x02;
export const F_ZE = 0x04;
export const F_OE = 0x08;
export const F_UE = 0x10;
export const F_PE = 0x20;

export const RC_NEAR = 0;
export const RC_DOWN = 1;
export const RC_UP = 2;
export const RC_ZERO = 3;

/** Arithmetic context. `prec` = 24, 53 or 64 (precision control for the basic operations). */
export const S = {
  flags: 0,
  rc: RC_NEAR,
  prec: 64,
  /** Set by every rounding: the result's magnitude was rounded up (x87 C1). */
  roundedUp: false,
  /** Unmasked OE/UE with a register destination: deliver the result with exponent bias-adjusted by ±24576 (SDM 4.9.1.4/5). */
  oeTrap: false,
  ueTrap: false,
  /** Raise DE for denormal operands (the SDM and real hardware do; qemu 7.2 does not). */
  denormalFlag: true,
  /**
   * Which control word rc/prec/oeTrap/ueTrap/denormalFlag were last set from (the FPU skips setting
   * them again); whoever changes those fields otherwise sets it to -1.
   */
  key: -1,
};

/** Result of the last operation. */
export const R = { se: 0, hi: 0, lo: 0 };

const EXP_MAX = 0x7fff;
const BIAS = 16383;

export function set(se: number, hi: number, lo: number): void {
  R.se = se; R.hi = hi >>> 0; R.lo = lo >>> 0;
}

export function defaultNaN(): void { set(0xffff, 0xc0000000, 0); }

// ---- classification -------------------------------------------------------------------------

export function isInvalidEnc(se: number, hi: number): boolean {
  return (se & 0x7fff) !== 0 && (hi & 0x80000000) === 0;
}
export function isNaN80(se: number, hi: number, lo: number): boolean {
  return (se & 0x7fff) === 0x7fff && (hi & 0x80000000) !== 0 && ((hi & 0x7fffffff) !== 0 || lo !== 0);
}
export function isSNaN80(se: number, hi: number, lo: number): boolean {
  return isNaN80(se, hi, lo) && (hi & 0x40000000) === 0;
}
export function isInf80(se: number, hi: number, lo: number): boolean {
  return (se & 0x7fff) === 0x7fff && hi === 0x80000000 && lo === 0;
}
export function isZero80(se: number, hi: number, lo: number): boolean {
  return (se & 0x7fff) === 0 && hi === 0 && lo === 0;
}
export function isDenormal80(se: number, hi: number, lo: number): boolean {
  return (se & 0x7fff) === 0 && (hi !== 0 || lo !== 0);
}
/** Finite, non-zero, valid encoding. */
function isFiniteNZ(se: number, hi: number, lo: number): boolean {
  const e = se & 0x7fff;
  if (e === 0x7fff) return false;
  if (e === 0) return hi !== 0 || lo !== 0;
  return (hi & 0x80000000) !== 0;
}

// ---- BigInt helpers -------------------------------------------------------------------------

export function sigOf(hi: number, lo: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

export function bitLen(m: bigint): number {
  if (m === 0n) return 0;
  if (m < 0x100000000n) return 32 - Math.clz32(Number(m));
  if (m < 0x10000000000000n) { const x = Number(m); return 32 + 32 - Math.clz32(Math.floor(x / 4294967296)); }
  const h = m.toString(16);
  return (h.length - 1) * 4 + 32 - Math.clz32(parseInt(h[0], 16));
}

/** Unpacked finite non-zero operand: value = (-1)^uSign * uM * 2^uE, uM normalized to 64 bits. */
export let uSign = 0;
export let uE = 0;
export let uM = 0n;
export function unpack(se: number, hi: number, lo: number): void {
  uSign = se >>> 15;
  let e = se & 0x7fff;
  if (e === 0) e = 1;
  let m = sigOf(hi, lo);
  let ex = e - BIAS - 63;
  if ((hi & 0x80000000) === 0) {
    const s = 64 - bitLen(m);
    m <<= BigInt(s);
    ex -= s;
  }
  uM = m; uE = ex;
}

// ---- rounding -------------------------------------------------------------------------------

/** Rounded result of roundCore: biased exponent field and significand of p bits (J/hidden bit included). */
let rExp = 0;
let rSig = 0n;
let rInf = false;

function roundBits(sign: number, m: bigint, drop: number): bigint {
  if (drop <= 0) return m << BigInt(-drop);
  const D = BigInt(drop);
  let q = m >> D;
  const rem = m & ((1n << D) - 1n);
  if (rem !== 0n) {
    let inc = false;
    switch (S.rc) {
      case RC_NEAR: { const half = 1n << (D - 1n); inc = rem > half || (rem === half && (q & 1n) === 1n); break; }
      case RC_DOWN: inc = sign === 1; break;
      case RC_UP: inc = sign === 0; break;
      default: inc = false;
    }
    if (inc) q += 1n;
    rInexact = true;
    rUp = inc;
  }
  return q;
}
let rInexact = false;
let rUp = false;

/**
 * Round value (-1)^sign * m * 2^e (m > 0; include a sticky 1 in the lowest bit of m when the true
 * value has more bits) to p significant bits in a format with the given bias and all-ones exponent.
 */
function roundCore(sign: number, e: number, m: bigint, p: number, bias: number, expMax: number, traps: boolean): void {
  const L = bitLen(m);
  let E = e + L - 1 + bias;
  rInexact = false; rUp = false; rInf = false;
  if (traps && S.ueTrap && E < 1) {
    // Unmasked underflow: deliver the normalized result with the exponent biased up by 24576.
    let q = roundBits(sign, m, L - p);
    if (q >> BigInt(p) !== 0n) { q >>= 1n; E++; }
    S.flags |= F_UE | (rInexact ? F_PE : 0);
    rExp = E + 24576; rSig = q; S.roundedUp = rUp;
    return;
  }
  if (E >= 1) {
    let q = roundBits(sign, m, L - p);
    if (q >> BigInt(p) !== 0n) { q >>= 1n; E++; }
    if (E >= expMax) {
      if (traps && S.oeTrap) {
        S.flags |= F_OE | (rInexact ? F_PE : 0);
        rExp = E - 24576; rSig = q; S.roundedUp = rUp;
        return;
      }
      S.flags |= F_OE | F_PE;
      const rc = S.rc;
      const toMax = rc === RC_ZERO || (rc === RC_UP && sign === 1) || (rc === RC_DOWN && sign === 0);
      if (toMax) { rExp = expMax - 1; rSig = (1n << BigInt(p)) - 1n; S.roundedUp = false; }
      else { rExp = expMax; rSig = 1n << BigInt(p - 1); rInf = true; S.roundedUp = true; }
      return;
    }
    rExp = E; rSig = q;
    if (rInexact) S.flags |= F_PE;
    S.roundedUp = rUp;
    return;
  }
  // Tiny: denormalize, round at the precision's lowest bit at the minimum exponent.
  let tiny = true;
  if (E === 0 && L > p) {
    // Tininess after rounding: not tiny if rounding to p bits with unbounded exponent carries to 2^emin.
    const q2 = roundBits(sign, m, L - p);
    if (q2 >> BigInt(p) !== 0n) tiny = false;
    rInexact = false; rUp = false;
  }
  const q = roundBits(sign, m, L - p + (1 - E));
  rExp = (q >> BigInt(p - 1)) !== 0n ? 1 : 0;
  rSig = q;
  if (rInexact) { S.flags |= F_PE; if (tiny) S.flags |= F_UE; }
  S.roundedUp = rUp;
}

/** Round (-1)^sign * m * 2^e to the 80-bit format with p significant bits; result in R. */
export function roundPack80(sign: number, e: number, m: bigint, p: number): void {
  if (m === 0n) { set(sign << 15, 0, 0); S.roundedUp = false; return; }
  roundCore(sign, e, m, p, BIAS, EXP_MAX, true);
  if (rInf) { set((sign << 15) | EXP_MAX, 0x80000000, 0); return; }
  const sig = rSig << BigInt(64 - p);
  set((sign << 15) | (rExp & 0x7fff), Number(sig >> 32n), Number(sig & 0xffffffffn));
}

function packResult(sign: number, e: number, m: bigint): void {
  roundPack80(sign, e, m, S.prec);
}


// ---- number core (hot path): 96-bit significand n0:n1:n2 plus sticky, no allocation ----------

let n0 = 0, n1 = 0, n2 = 0, nSt = 0;
let nExp = 0;
let nInf = false;
/** Unpacked (normalized) operand: biased exponent of the leading bit and the 64-bit significand. */
let xE = 0, xH = 0, xL = 0;

function unpackN(se: number, hi: number, lo: number): void {
  let e = se & 0x7fff;
  if (e === 0) e = 1;
  if ((hi & 0x80000000) === 0) {
    if (hi === 0) { hi = lo; lo = 0; e -= 32; }
    const z = Math.clz32(hi);
    if (z) { hi = ((hi << z) | (lo >>> (32 - z))) >>> 0; lo = (lo << z) >>> 0; e -= z; }
  }
  xE = e; xH = hi >>> 0; xL = lo >>> 0;
}

function shrN(s: number): void {
  if (s <= 0) return;
  if (s >= 96) { nSt |= n0 | n1 | n2; n0 = 0; n1 = 0; n2 = 0; return; }
  while (s >= 32) { nSt |= n2; n2 = n1; n1 = n0; n0 = 0; s -= 32; }
  if (s > 0) {
    nSt |= (n2 << (32 - s));
    n2 = ((n2 >>> s) | (n1 << (32 - s))) >>> 0;
    n1 = ((n1 >>> s) | (n0 << (32 - s))) >>> 0;
    n0 = n0 >>> s;
  }
}

/** Normalize left (n0:n1:n2 non-zero); returns the shift. */
function normN(): number {
  let s = 0;
  while (n0 === 0) { n0 = n1; n1 = n2; n2 = 0; s += 32; }
  const z = Math.clz32(n0);
  if (z) {
    n0 = ((n0 << z) | (n1 >>> (32 - z))) >>> 0;
    n1 = ((n1 << z) | (n2 >>> (32 - z))) >>> 0;
    n2 = (n2 << z) >>> 0;
    s += z;
  }
  return s;
}

let nInexact = false;
/**
 * Whether rounding an inexact value in mode `rc` adds one unit in its last place: `first` is the bit
 * just below that place, `rest` non-zero when any bit further down is, `lsb` the place's own bit.
 */
function roundsUp(rc: number, sign: number, first: number, rest: number, lsb: number): boolean {
  switch (rc) {
    case RC_NEAR: return first !== 0 && (rest !== 0 || lsb !== 0);
    case RC_DOWN: return sign === 1;
    case RC_UP: return sign === 0;
    default: return false;
  }
}
function decideN(sign: number, p: number): boolean {
  let first: number, rest: number, lsb: number;
  if (p === 64) { first = n2 >>> 31; rest = (n2 & 0x7fffffff) | nSt; lsb = n1 & 1; }
  else if (p === 53) { first = (n1 >>> 10) & 1; rest = (n1 & 0x3ff) | n2 | nSt; lsb = (n1 >>> 11) & 1; }
  else { first = (n0 >>> 7) & 1; rest = (n0 & 0x7f) | n1 | n2 | nSt; lsb = (n0 >>> 8) & 1; }
  nInexact = first !== 0 || rest !== 0;
  return nInexact && roundsUp(S.rc, sign, first, rest, lsb);
}
function allOnesN(p: number): boolean {
  if (p === 64) return n0 === 0xffffffff && n1 === 0xffffffff;
  if (p === 53) return n0 === 0xffffffff && (n1 >>> 11) === 0x1fffff;
  return (n0 >>> 8) === 0xffffff;
}
/** Add one unit in the last kept place; returns the carry out of the significand. */
function incN(p: number): boolean {
  if (p === 64) {
    n1 = (n1 + 1) >>> 0;
    if (n1 === 0) { n0 = (n0 + 1) >>> 0; return n0 === 0; }
    return false;
  }
  if (p === 53) {
    const t = n1 + 0x800;
    n1 = t >>> 0;
    if (t > 0xffffffff) { n0 = (n0 + 1) >>> 0; return n0 === 0; }
    return false;
  }
  const t = n0 + 0x100;
  n0 = t >>> 0;
  return t > 0xffffffff;
}
function clearLowN(p: number): void {
  if (p === 64) n2 = 0;
  else if (p === 53) { n1 = (n1 & 0xfffff800) >>> 0; n2 = 0; }
  else { n0 = (n0 & 0xffffff00) >>> 0; n1 = 0; n2 = 0; }
  nSt = 0;
}

/**
 * Round n0:n1:n2+sticky (normalized; E = biased exponent of the leading bit in a format with
 * all-ones exponent expMax) to p bits (24, 53, 64). Result: nExp, n0:n1 (left-aligned), nInf.
 */
function roundN(sign: number, E: number, p: number, expMax: number, traps: boolean): void {
  nInf = false;
  if (E >= 1 || (traps && S.ueTrap)) {
    const inc = decideN(sign, p);
    const inexact = nInexact;
    if (inc && incN(p)) { n0 = 0x80000000; E++; }
    clearLowN(p);
    if (E < 1) { // unmasked underflow: deliver with the exponent biased up
      S.flags |= F_UE | (inexact ? F_PE : 0);
      nExp = E + 24576; S.roundedUp = inc;
      return;
    }
    if (E >= expMax) {
      if (traps && S.oeTrap) {
        S.flags |= F_OE | (inexact ? F_PE : 0);
        nExp = E - 24576; S.roundedUp = inc;
        return;
      }
      S.flags |= F_OE | F_PE;
      const rc = S.rc;
      if (rc === RC_ZERO || (rc === RC_UP && sign === 1) || (rc === RC_DOWN && sign === 0)) {
        nExp = expMax - 1;
        n0 = p === 24 ? 0xffffff00 : 0xffffffff;
        n1 = p === 64 ? 0xffffffff : p === 53 ? 0xfffff800 : 0;
        S.roundedUp = false;
      } else { nExp = expMax; n0 = 0x80000000; n1 = 0; nInf = true; S.roundedUp = true; }
      return;
    }
    nExp = E;
    if (inexact) S.flags |= F_PE;
    S.roundedUp = inc;
    return;
  }
  let tiny = true;
  if (E === 0 && decideN(sign, p) && allOnesN(p)) tiny = false;
  shrN(1 - E);
  const inc = decideN(sign, p);
  const inexact = nInexact;
  if (inc) incN(p);
  clearLowN(p);
  nExp = (n0 & 0x80000000) !== 0 ? 1 : 0;
  if (inexact) { S.flags |= F_PE; if (tiny) S.flags |= F_UE; }
  else if (S.ueTrap) S.flags |= F_UE; // unmasked: a tiny result signals #U even when exact (store aborted)
  S.roundedUp = inc;
}

function packN80(sign: number): void {
  set((sign << 15) | (nExp & 0x7fff), n0, n1);
}

/** Round the unpacked operand (xE, xH, xL) to the precision control. */
function roundX(sign: number): void {
  n0 = xH; n1 = xL; n2 = 0; nSt = 0;
  roundN(sign, xE, S.prec, 0x7fff, true);
  packN80(sign);
}

function addFinite(aSe: number, aHi: number, aLo: number, aSign: number, bSe: number, bHi: number, bLo: number, bSign: number): void {
  unpackN(aSe, aHi, aLo);
  let Ea = xE, ah = xH, al = xL;
  unpackN(bSe, bHi, bLo);
  let Eb = xE, bh = xH, bl = xL;
  if (Eb > Ea || (Eb === Ea && (bh > ah || (bh === ah && bl > al)))) {
    let t = Ea; Ea = Eb; Eb = t;
    t = ah; ah = bh; bh = t;
    t = al; al = bl; bl = t;
    t = aSign; aSign = bSign; bSign = t;
  }
  n0 = bh; n1 = bl; n2 = 0; nSt = 0;
  shrN(Ea - Eb);
  const b0 = n0, b1 = n1, b2 = n2, bst = nSt;
  let E = Ea;
  if (aSign === bSign) {
    const t1 = al + b1;
    const c1 = t1 > 0xffffffff ? 1 : 0;
    const t0 = ah + b0 + c1;
    n2 = b2; n1 = t1 >>> 0; n0 = t0 >>> 0; nSt = bst;
    if (t0 > 0xffffffff) {
      nSt |= n2 & 1;
      n2 = ((n2 >>> 1) | (n1 << 31)) >>> 0;
      n1 = ((n1 >>> 1) | (n0 << 31)) >>> 0;
      n0 = ((n0 >>> 1) | 0x80000000) >>> 0;
      E++;
    }
  } else {
    let d2 = 0 - b2 - (bst !== 0 ? 1 : 0);
    let br = 0;
    if (d2 < 0) { d2 += 0x100000000; br = 1; }
    let d1 = al - b1 - br;
    br = 0;
    if (d1 < 0) { d1 += 0x100000000; br = 1; }
    const d0 = ah - b0 - br;
    n0 = d0 >>> 0; n1 = d1 >>> 0; n2 = d2 >>> 0; nSt = bst;
    if (n0 === 0 && n1 === 0 && n2 === 0 && nSt === 0) { set((S.rc === RC_DOWN ? 1 : 0) << 15, 0, 0); return; }
    E -= normN();
  }
  roundN(aSign, E, S.prec, 0x7fff, true);
  packN80(aSign);
}

function mulFinite(aSe: number, aHi: number, aLo: number, bSe: number, bHi: number, bLo: number, sign: number): void {
  unpackN(aSe, aHi, aLo);
  const Ea = xE, a3 = xH >>> 16, a2 = xH & 0xffff, a1 = xL >>> 16, a0 = xL & 0xffff;
  unpackN(bSe, bHi, bLo);
  const Eb = xE, b3 = xH >>> 16, b2 = xH & 0xffff, b1 = xL >>> 16, b0 = xL & 0xffff;
  let t = a0 * b0;
  let c = Math.floor(t / 65536); const l0 = t - c * 65536;
  t = a0 * b1 + a1 * b0 + c;
  c = Math.floor(t / 65536); const l1 = t - c * 65536;
  t = a0 * b2 + a1 * b1 + a2 * b0 + c;
  c = Math.floor(t / 65536); const l2 = t - c * 65536;
  t = a0 * b3 + a1 * b2 + a2 * b1 + a3 * b0 + c;
  c = Math.floor(t / 65536); const l3 = t - c * 65536;
  t = a1 * b3 + a2 * b2 + a3 * b1 + c;
  c = Math.floor(t / 65536); const l4 = t - c * 65536;
  t = a2 * b3 + a3 * b2 + c;
  c = Math.floor(t / 65536); const l5 = t - c * 65536;
  t = a3 * b3 + c;
  const l7 = Math.floor(t / 65536); const l6 = t - l7 * 65536;
  n0 = (l7 * 65536 + l6) >>> 0; n1 = (l5 * 65536 + l4) >>> 0; n2 = (l3 * 65536 + l2) >>> 0;
  nSt = l1 | l0;
  let E = Ea + Eb - 16383 + 1;
  if ((n0 & 0x80000000) === 0) {
    n0 = ((n0 << 1) | (n1 >>> 31)) >>> 0;
    n1 = ((n1 << 1) | (n2 >>> 31)) >>> 0;
    n2 = ((n2 << 1) | (l1 >>> 15)) >>> 0;
    nSt = (l1 & 0x7fff) | l0;
    E--;
  }
  roundN(sign, E, S.prec, 0x7fff, true);
  packN80(sign);
}

const DU = new Float64Array(10);
const DV = new Float64Array(4);
const DQ = new Float64Array(6);
/** Significand division by Knuth's algorithm D in base 2^16: Q = floor(A * 2^65 / B), sticky = remainder != 0. */
function divFinite(aSe: number, aHi: number, aLo: number, bSe: number, bHi: number, bLo: number, sign: number): void {
  unpackN(aSe, aHi, aLo);
  const Ea = xE, ah = xH, al = xL;
  unpackN(bSe, bHi, bLo);
  const Eb = xE;
  DV[0] = xL & 0xffff; DV[1] = xL >>> 16; DV[2] = xH & 0xffff; DV[3] = xH >>> 16;
  // dividend limbs: (A << 1) placed above four zero limbs
  DU[0] = 0; DU[1] = 0; DU[2] = 0; DU[3] = 0;
  DU[4] = (al << 1) & 0xffff; DU[5] = (al >>> 15) & 0xffff; DU[6] = ((al >>> 31) | (ah << 1)) & 0xffff;
  DU[7] = (ah >>> 15) & 0xffff; DU[8] = ah >>> 31; DU[9] = 0;
  const v3 = DV[3], v2 = DV[2];
  for (let j = 5; j >= 0; j--) {
    const num = DU[j + 4] * 65536 + DU[j + 3];
    let qh = Math.floor(num / v3);
    let rh = num - qh * v3;
    while (qh >= 65536 || qh * v2 > rh * 65536 + DU[j + 2]) {
      qh--; rh += v3;
      if (rh >= 65536) break;
    }
    let borrow = 0, carry = 0;
    for (let i = 0; i < 4; i++) {
      const p = qh * DV[i] + carry;
      carry = Math.floor(p / 65536);
      let t = DU[i + j] - (p - carry * 65536) - borrow;
      if (t < 0) { t += 65536; borrow = 1; } else borrow = 0;
      DU[i + j] = t;
    }
    let t = DU[j + 4] - carry - borrow;
    if (t < 0) {
      DU[j + 4] = t + 65536;
      qh--;
      let c = 0;
      for (let i = 0; i < 4; i++) {
        const w = DU[i + j] + DV[i] + c;
        c = w >= 65536 ? 1 : 0;
        DU[i + j] = w - c * 65536;
      }
      DU[j + 4] = (DU[j + 4] + c) % 65536;
    } else DU[j + 4] = t;
    DQ[j] = qh;
  }
  n0 = (DQ[5] * 65536 + DQ[4]) >>> 0; n1 = (DQ[3] * 65536 + DQ[2]) >>> 0; n2 = (DQ[1] * 65536 + DQ[0]) >>> 0;
  nSt = DU[0] + DU[1] + DU[2] + DU[3];
  // Q < 2^66: leading bit at 65 (A >= B) or 64
  const E = Ea - Eb + 16383 + (n0 >= 2 ? 0 : -1);
  normN();
  roundN(sign, E, S.prec, 0x7fff, true);
  packN80(sign);
}

// ---- NaN handling ---------------------------------------------------------------------------

/** x87 rule for two NaN/other operands (qemu pickNaN for x86). Sets R. */
export function propagateNaN2(aSe: number, aHi: number, aLo: number, bSe: number, bHi: number, bLo: number): void {
  const aN = isNaN80(aSe, aHi, aLo), bN = isNaN80(bSe, bHi, bLo);
  const aS = aN && (aHi & 0x40000000) === 0, bS = bN && (bHi & 0x40000000) === 0;
  if (aS || bS) S.flags |= F_IE;
  let aLarger: boolean;
  if (aHi !== bHi) aLarger = (aHi >>> 0) > (bHi >>> 0);
  else if (aLo !== bLo) aLarger = (aLo >>> 0) > (bLo >>> 0);
  else aLarger = (aSe >>> 15) < (bSe >>> 15);
  let pickB: boolean;
  if (aS) pickB = bS ? !aLarger : bN;
  else if (aN) pickB = bS || !bN ? false : !aLarger;
  else pickB = true;
  if (pickB) set(bSe, (bHi | 0xc0000000) >>> 0, bLo);
  else set(aSe, (aHi | 0xc0000000) >>> 0, aLo);
}

/** One NaN operand: silence (IE for SNaN). */
export function propagateNaN1(se: number, hi: number, lo: number): void {
  if ((hi & 0x40000000) === 0) S.flags |= F_IE;
  set(se, (hi | 0xc0000000) >>> 0, lo);
}

function denCheck2(aSe: number, aHi: number, aLo: number, bSe: number, bHi: number, bLo: number): void {
  if (S.denormalFlag && (isDenormal80(aSe, aHi, aLo) || isDenormal80(bSe, bHi, bLo))) S.flags |= F_DE;
}

// ---- fast paths: both operands normal, result normal -----------------------------------------
//
// Locals only (no module-level number state: a `let` holding a value >= 2^31 is a heap number,
// and every store of one allocates). Exact 32x32 -> 64-bit products: the low word is Math.imul's,
// the high word is round((x*y - lo) / 2^32): x*y as a double is within 2^10 of the product and the
// subtraction adds at most another 2^10, far below 2^31, so the rounding recovers the high word.
// A fast path that meets anything else (denormal/zero/special operand, a result that is tiny or
// overflows) returns false before touching R or S, and the general code below runs instead.

/** Fast paths on (tests compare them with the general code by switching this off). */
export const fastPath = { on: true };

const TWO32 = 4294967296;
const TWO_M32 = 1 / 4294967296;

/** Normal operand: exponent 1..0x7ffe with the J bit set. */
function isNormal(se: number, hi: number): boolean {
  return ((se & 0x7fff) - 1) >>> 0 < 0x7ffe && (hi | 0) < 0;
}

/**
 * Round s0:s1:s2 (s0 >= 2^31) plus sticky st (non-zero = some bit below s2) at biased exponent E to
 * S.prec bits in S.rc and write R. False (nothing written) when E < 1 or the rounded exponent
 * reaches 0x7fff: the general code handles underflow, overflow and the unmasked OE/UE responses.
 */
function roundFast(sign: number, E: number, s0: number, s1: number, s2: number, st: number): boolean {
  if (E < 1) return false;
  s0 >>>= 0; s1 >>>= 0; s2 >>>= 0; // (callers pass signed words: no heap numbers at the call)
  const p = S.prec;
  let first: number, rest: number, lsb: number;
  if (p === 64) { first = s2 >>> 31; rest = (s2 & 0x7fffffff) | st; lsb = s1 & 1; }
  else if (p === 53) { first = (s1 >>> 10) & 1; rest = (s1 & 0x3ff) | s2 | st; lsb = (s1 >>> 11) & 1; s1 = (s1 & 0xfffff800) >>> 0; }
  else { first = (s0 >>> 7) & 1; rest = (s0 & 0x7f) | s1 | s2 | st; lsb = (s0 >>> 8) & 1; s0 = (s0 & 0xffffff00) >>> 0; s1 = 0; }
  const inexact = (first | rest) !== 0;
  const inc = inexact && roundsUp(S.rc, sign, first, rest, lsb);
  if (inc) {
    if (p === 64) {
      s1 = s1 + 1;
      if (s1 === TWO32) { s1 = 0; s0 = s0 + 1; }
    } else if (p === 53) {
      s1 = s1 + 0x800;
      if (s1 >= TWO32) { s1 -= TWO32; s0 = s0 + 1; }
    } else s0 = s0 + 0x100;
    if (s0 === TWO32) { s0 = 0x80000000; E++; }
  }
  if (E >= 0x7fff) return false;
  R.se = (sign << 15) | E; R.hi = s0; R.lo = s1;
  if (inexact) S.flags |= F_PE;
  S.roundedUp = inc;
  return true;
}

/**
 * roundFast for S.prec = 64 (the Linux default), small enough for V8 to inline. s2 is given signed
 * (its sign bit is the rounding bit).
 */
function round64(sign: number, E: number, s0: number, s1: number, s2: number, st: number): boolean {
  if (E < 1) return false;
  s0 >>>= 0; s1 >>>= 0;
  const rest = (s2 & 0x7fffffff) | st;
  let inc = false;
  if ((s2 | rest) !== 0) {
    inc = roundsUp(S.rc, sign, s2 >>> 31, rest, s1 & 1);
    if (inc) {
      s1 += 1;
      if (s1 === TWO32) { s1 = 0; s0 += 1; if (s0 === TWO32) { s0 = 0x80000000; E++; } }
    }
    if (E >= 0x7fff) return false;
    S.flags |= F_PE;
  } else if (E >= 0x7fff) return false;
  R.se = (sign << 15) | E; R.hi = s0; R.lo = s1;
  S.roundedUp = inc;
  return true;
}

/** a + b for normal a, b with signs aSign, bSign (the subtrahend's already flipped). */
function addFast(aSe: number, aHi: number, aLo: number, aSign: number, bSe: number, bHi: number, bLo: number, bSign: number): boolean {
  let ea = aSe & 0x7fff, ah = aHi >>> 0, al = aLo >>> 0;
  let eb = bSe & 0x7fff, bh = bHi >>> 0, bl = bLo >>> 0;
  let sign = aSign;
  if (eb > ea || (eb === ea && (bh > ah || (bh === ah && bl > al)))) {
    let t = ea; ea = eb; eb = t;
    t = ah; ah = bh; bh = t;
    t = al; al = bl; bl = t;
    sign = bSign;
  }
  // b >> d as b0:b1:b2 + sticky
  const d = ea - eb;
  let b0: number, b1: number, b2: number, st: number;
  if (d === 0) { b0 = bh; b1 = bl; b2 = 0; st = 0; }
  else if (d < 32) { b0 = bh >>> d; b1 = ((bl >>> d) | (bh << (32 - d))) >>> 0; b2 = (bl << (32 - d)) >>> 0; st = 0; }
  else if (d === 32) { b0 = 0; b1 = bh; b2 = bl; st = 0; }
  else if (d < 64) { const k = d - 32; b0 = 0; b1 = bh >>> k; b2 = ((bl >>> k) | (bh << (32 - k))) >>> 0; st = bl << (32 - k); }
  else if (d === 64) { b0 = 0; b1 = 0; b2 = bh; st = bl; }
  else if (d < 96) { const k = d - 64; b0 = 0; b1 = 0; b2 = bh >>> k; st = (bh << (32 - k)) | bl; }
  else { b0 = 0; b1 = 0; b2 = 0; st = 1; }
  let E = ea;
  let s0: number, s1: number, s2: number;
  // Words as unsigned 32-bit values, sums and differences taken mod 2^32 with the carries and
  // borrows from unsigned compares (V8 keeps it all in 32-bit integer registers).
  if (aSign === bSign) {
    s1 = (al + b1) >>> 0;
    const c1 = s1 < al ? 1 : 0;
    s0 = (ah + b0 + c1) >>> 0;
    s2 = b2;
    if (s0 < ah || (c1 === 1 && s0 === ah)) { // a carry out of the top word
      st |= s2 & 1;
      s2 = ((s2 >>> 1) | (s1 << 31)) >>> 0;
      s1 = ((s1 >>> 1) | (s0 << 31)) >>> 0;
      s0 = ((s0 >>> 1) | 0x80000000) >>> 0;
      E++;
    }
  } else {
    // a - b - (sticky ? a bit more : 0); the sticky stays (the difference's fraction is non-zero)
    const r2 = st !== 0 ? 1 : 0;
    s2 = (0 - b2 - r2) >>> 0;
    const br2 = b2 !== 0 || r2 !== 0 ? 1 : 0;
    s1 = (al - b1 - br2) >>> 0;
    const br1 = al < b1 || (al === b1 && br2 === 1) ? 1 : 0;
    s0 = (ah - b0 - br1) >>> 0; // a >= b: no borrow out
    if (s0 < 0x80000000) {
      if (s0 === 0 && s1 === 0 && s2 === 0 && st === 0) {
        // exact zero: +0, or -0 when rounding down
        R.se = S.rc === RC_DOWN ? 0x8000 : 0; R.hi = 0; R.lo = 0;
        S.roundedUp = false;
        return true;
      }
      // normalize (a large cancellation only happens for d <= 1, without sticky)
      while (s0 === 0) { s0 = s1; s1 = s2; s2 = 0; E -= 32; }
      const z = Math.clz32(s0);
      if (z !== 0) {
        s0 = ((s0 << z) | (s1 >>> (32 - z))) >>> 0;
        s1 = ((s1 << z) | (s2 >>> (32 - z))) >>> 0;
        s2 = (s2 << z) >>> 0;
        E -= z;
      }
    }
  }
  return S.prec === 64 ? round64(sign, E, s0 | 0, s1 | 0, s2 | 0, st) : roundFast(sign, E, s0 | 0, s1 | 0, s2 | 0, st);
}

function mulFast(aSe: number, aHi: number, aLo: number, bSe: number, bHi: number, bLo: number, sign: number): boolean {
  const ah = aHi >>> 0, al = aLo >>> 0, bh = bHi >>> 0, bl = bLo >>> 0;
  const l00 = Math.imul(al, bl) >>> 0, h00 = Math.round((al * bl - l00) * TWO_M32);
  const l01 = Math.imul(al, bh) >>> 0, h01 = Math.round((al * bh - l01) * TWO_M32);
  const l10 = Math.imul(ah, bl) >>> 0, h10 = Math.round((ah * bl - l10) * TWO_M32);
  const l11 = Math.imul(ah, bh) >>> 0, h11 = Math.round((ah * bh - l11) * TWO_M32);
  const c1 = h00 + l01 + l10;
  let m1 = c1 >>> 0;
  const c2 = h01 + h10 + l11 + (c1 - m1) * TWO_M32;
  let m2 = c2 >>> 0;
  let m3 = h11 + (c2 - m2) * TWO_M32;
  let st = l00;
  let E = (aSe & 0x7fff) + (bSe & 0x7fff) - 16383 + 1;
  if (m3 < 0x80000000) {
    m3 = ((m3 << 1) | (m2 >>> 31)) >>> 0;
    m2 = ((m2 << 1) | (m1 >>> 31)) >>> 0;
    m1 = ((m1 << 1) | (st >>> 31)) >>> 0;
    st &= 0x7fffffff;
    E--;
  }
  return S.prec === 64 ? round64(sign, E, m3 | 0, m2 | 0, m1 | 0, st | 0) : roundFast(sign, E, m3 | 0, m2 | 0, m1 | 0, st | 0);
}

/**
 * A / B for normal a, b: base-2^32 long division. A' = A (A >= B) or 2A, so that 1 <= A'/B < 2 and
 * R0 = A' - B < B; then two steps R = R * 2^32 - q * B with q = floor(R * 2^32 / B) give
 * Q = 1:q1:q2 = floor(A' * 2^64 / B) and the sticky bit (R != 0). Each q is estimated from doubles as
 * floor(r * (2^32 / bd)): r and bd are within 2^-53 relative of R and B, the reciprocal and the
 * product each add at most 2^-53, so the estimate is within 2^32 * 2^-51 < 1 of the true quotient
 * (q < 2^32) and is off by at most one; the exact remainder (32x32 products as in mulFast) corrects it.
 */
function divFast(aSe: number, aHi: number, aLo: number, bSe: number, bHi: number, bLo: number, sign: number): boolean {
  const ah = aHi >>> 0, al = aLo >>> 0, bh = bHi >>> 0, bl = bLo >>> 0;
  let E = (aSe & 0x7fff) - (bSe & 0x7fff) + 16383;
  let rh: number, rl: number;
  if (ah > bh || (ah === bh && al >= bl)) {
    rl = al - bl; rh = ah - bh;
    if (rl < 0) { rl += TWO32; rh -= 1; }
  } else {
    E--;
    rl = ((al << 1) >>> 0) - bl;
    rh = (((ah << 1) | (al >>> 31)) >>> 0) - bh;
    if (rl < 0) { rl += TWO32; rh -= 1; }
    rh = rh >>> 0; // the 2^64 bit of 2A absorbs the borrow
  }
  if (E < 1) return false;
  const inv = TWO32 / (bh * TWO32 + bl);
  let q1 = 0, q = 0;
  for (let k = 0; k < 2; k++) {
    q1 = q;
    q = Math.floor((rh * TWO32 + rl) * inv);
    const l0 = Math.imul(q, bl) >>> 0, h0 = Math.round((q * bl - l0) * TWO_M32);
    const l1 = Math.imul(q, bh) >>> 0, h1 = Math.round((q * bh - l1) * TWO_M32);
    // R * 2^32 - q * B as d2:d1:d0 (d2 signed)
    let d0 = 0, d1 = rl - h0 - l1, d2 = rh - h1;
    if (l0 !== 0) { d0 = TWO32 - l0; d1 -= 1; }
    const c = Math.floor(d1 * TWO_M32);
    d1 -= c * TWO32; d2 += c;
    while (d2 < 0) { // q too large
      q--;
      d0 += bl; if (d0 >= TWO32) { d0 -= TWO32; d1 += 1; }
      d1 += bh; if (d1 >= TWO32) { d1 -= TWO32; d2 += 1; }
    }
    while (d2 > 0 || d1 > bh || (d1 === bh && d0 >= bl)) { // remainder >= B: q too small
      q++;
      d0 -= bl; if (d0 < 0) { d0 += TWO32; d1 -= 1; }
      d1 -= bh; if (d1 < 0) { d1 += TWO32; d2 -= 1; }
    }
    rh = d1; rl = d0;
  }
  // Q = 1:q1:q (65 bits); sticky = the final remainder
  const s0 = 0x80000000 | (q1 >>> 1);
  const s1 = (q1 << 31) | (q >>> 1);
  const s2 = q << 31;
  const st = rh !== 0 || rl !== 0 ? 1 : 0;
  return S.prec === 64 ? round64(sign, E, s0, s1, s2, st) : roundFast(sign, E, s0, s1, s2, st);
}

/**
 * The fast path of an arithmetic operation (kind as the x87 reg field: 0 add, 1 mul, 4 sub,
 * 5 subr, 6 div, 7 div reversed) on a = (aSe, aHi, aLo), b = (bSe, bHi, bLo); the words may be
 * given as signed or unsigned 32-bit numbers (signed ones are small integers to V8: no boxing at
 * the call). True: R, S.flags (PE) and S.roundedUp are set. False: nothing changed, use the
 * general code (add, mul, div).
 */
export function fastOp(kind: number, aSe: number, aHi: number, aLo: number, bSe: number, bHi: number, bLo: number): boolean {
  if (!fastPath.on) return false;
  if (!isNormal(aSe, aHi) || !isNormal(bSe, bHi)) return zeroOp(kind, aSe, aHi, aLo, bSe, bHi, bLo);
  switch (kind) {
    case 0: return addFast(aSe, aHi, aLo, aSe >>> 15, bSe, bHi, bLo, bSe >>> 15);
    case 1: return mulFast(aSe, aHi, aLo, bSe, bHi, bLo, (aSe ^ bSe) >>> 15);
    case 4: return addFast(aSe, aHi, aLo, aSe >>> 15, bSe, bHi, bLo, (bSe >>> 15) ^ 1);
    case 5: return addFast(bSe, bHi, bLo, bSe >>> 15, aSe, aHi, aLo, (aSe >>> 15) ^ 1);
    case 6: return divFast(aSe, aHi, aLo, bSe, bHi, bLo, (aSe ^ bSe) >>> 15);
    default: return divFast(bSe, bHi, bLo, aSe, aHi, aLo, (aSe ^ bSe) >>> 15);
  }
}

/**
 * fastOp with a zero operand and the other zero or normal (no flags: neither is denormal or
 * special): the general code's results. A sum with one zero term is the other term rounded to the
 * precision control, exact at 64 bits (other precisions: the general code); x / 0 is left to it.
 */
function zeroOp(kind: number, aSe: number, aHi: number, aLo: number, bSe: number, bHi: number, bLo: number): boolean {
  const aZ = (aSe & 0x7fff) === 0 && (aHi | aLo) === 0, bZ = (bSe & 0x7fff) === 0 && (bHi | bLo) === 0;
  if (!(aZ ? bZ || isNormal(bSe, bHi) : bZ && isNormal(aSe, aHi))) return false;
  const sign = (aSe ^ bSe) & 0x8000;
  switch (kind) {
    case 1: // a * b
      R.se = sign; R.hi = 0; R.lo = 0; break;
    case 6: // a / b
      if (bZ) return false;
      R.se = sign; R.hi = 0; R.lo = 0; break;
    case 7: // b / a
      if (aZ) return false;
      R.se = sign; R.hi = 0; R.lo = 0; break;
    default: { // x + y: 0 a + b, 4 a - b, 5 b - a
      let xSe = aSe, xHi = aHi, xLo = aLo, xZ = aZ, ySe = bSe, yHi = bHi, yLo = bLo, yZ = bZ;
      if (kind === 5) { xSe = bSe; xHi = bHi; xLo = bLo; xZ = bZ; ySe = aSe; yHi = aHi; yLo = aLo; yZ = aZ; }
      if (kind !== 0) ySe ^= 0x8000;
      if (xZ && yZ) { R.se = (xSe & 0x8000) === (ySe & 0x8000) ? xSe & 0x8000 : S.rc === RC_DOWN ? 0x8000 : 0; R.hi = 0; R.lo = 0; break; }
      if (S.prec !== 64) return false;
      if (yZ) { R.se = xSe; R.hi = xHi >>> 0; R.lo = xLo >>> 0; } else { R.se = ySe; R.hi = yHi >>> 0; R.lo = yLo >>> 0; }
      break;
    }
  }
  S.roundedUp = false;
  return true;
}

// ---- basic arithmetic -----------------------------------------------------------------------

/** R = a + b (or a - b when `sub`), rounded to S.prec. */
export function add(aSe: number, aHi: number, aLo: number, bSe: number, bHi: number, bLo: number, sub: boolean): void {
  if (fastOp(sub ? 4 : 0, aSe, aHi, aLo, bSe, bHi, bLo)) return;
  S.roundedUp = false;
  if (isInvalidEnc(aSe, aHi) || isInvalidEnc(bSe, bHi)) { S.flags |= F_IE; defaultNaN(); return; }
  if (isNaN80(aSe, aHi, aLo) || isNaN80(bSe, bHi, bLo)) { propagateNaN2(aSe, aHi, aLo, bSe, bHi, bLo); return; }
  const aSign = aSe >>> 15;
  const bSign = (bSe >>> 15) ^ (sub ? 1 : 0);
  const aInf = (aSe & 0x7fff) === 0x7fff, bInf = (bSe & 0x7fff) === 0x7fff;
  if (aInf || bInf) {
    if (aInf && bInf && aSign !== bSign) { S.flags |= F_IE; defaultNaN(); return; }
    denCheck2(aSe, aHi, aLo, bSe, bHi, bLo);
    set(((aInf ? aSign : bSign) << 15) | 0x7fff, 0x80000000, 0);
    return;
  }
  denCheck2(aSe, aHi, aLo, bSe, bHi, bLo);
  const aZ = isZero80(aSe, aHi, aLo), bZ = isZero80(bSe, bHi, bLo);
  if (aZ && bZ) {
    const s = aSign === bSign ? aSign : (S.rc === RC_DOWN ? 1 : 0);
    set(s << 15, 0, 0);
    return;
  }
  if (bZ) { unpackN(aSe, aHi, aLo); roundX(aSign); return; }
  if (aZ) { unpackN(bSe, bHi, bLo); roundX(bSign); return; }
  addFinite(aSe, aHi, aLo, aSign, bSe, bHi, bLo, bSign);
}

export function mul(aSe: number, aHi: number, aLo: number, bSe: number, bHi: number, bLo: number): void {
  if (fastOp(1, aSe, aHi, aLo, bSe, bHi, bLo)) return;
  S.roundedUp = false;
  if (isInvalidEnc(aSe, aHi) || isInvalidEnc(bSe, bHi)) { S.flags |= F_IE; defaultNaN(); return; }
  if (isNaN80(aSe, aHi, aLo) || isNaN80(bSe, bHi, bLo)) { propagateNaN2(aSe, aHi, aLo, bSe, bHi, bLo); return; }
  const s = (aSe ^ bSe) >>> 15 & 1;
  const aInf = (aSe & 0x7fff) === 0x7fff, bInf = (bSe & 0x7fff) === 0x7fff;
  const aZ = isZero80(aSe, aHi, aLo), bZ = isZero80(bSe, bHi, bLo);
  if (aInf || bInf) {
    if (aZ || bZ) { S.flags |= F_IE; defaultNaN(); return; }
    denCheck2(aSe, aHi, aLo, bSe, bHi, bLo);
    set((s << 15) | 0x7fff, 0x80000000, 0);
    return;
  }
  denCheck2(aSe, aHi, aLo, bSe, bHi, bLo);
  if (aZ || bZ) { set(s << 15, 0, 0); return; }
  mulFinite(aSe, aHi, aLo, bSe, bHi, bLo, s);
}

export function div(aSe: number, aHi: number, aLo: number, bSe: number, bHi: number, bLo: number): void {
  if (fastOp(6, aSe, aHi, aLo, bSe, bHi, bLo)) return;
  S.roundedUp = false;
  if (isInvalidEnc(aSe, aHi) || isInvalidEnc(bSe, bHi)) { S.flags |= F_IE; defaultNaN(); return; }
  if (isNaN80(aSe, aHi, aLo) || isNaN80(bSe, bHi, bLo)) { propagateNaN2(aSe, aHi, aLo, bSe, bHi, bLo); return; }
  const s = (aSe ^ bSe) >>> 15 & 1;
  const aInf = (aSe & 0x7fff) === 0x7fff, bInf = (bSe & 0x7fff) === 0x7fff;
  const aZ = isZero80(aSe, aHi, aLo), bZ = isZero80(bSe, bHi, bLo);
  if (aInf) {
    if (bInf) { S.flags |= F_IE; defaultNaN(); return; }
    denCheck2(aSe, aHi, aLo, bSe, bHi, bLo);
    set((s << 15) | 0x7fff, 0x80000000, 0); return;
  }
  if (bInf) { denCheck2(aSe, aHi, aLo, bSe, bHi, bLo); set(s << 15, 0, 0); return; }
  if (bZ) {
    if (aZ) { S.flags |= F_IE; defaultNaN(); return; }
    denCheck2(aSe, aHi, aLo, bSe, bHi, bLo);
    S.flags |= F_ZE; set((s << 15) | 0x7fff, 0x80000000, 0); return;
  }
  denCheck2(aSe, aHi, aLo, bSe, bHi, bLo);
  if (aZ) { set(s << 15, 0, 0); return; }
  divFinite(aSe, aHi, aLo, bSe, bHi, bLo, s);
}

export function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  const L = bitLen(n);
  // Initial estimate from the top 52 bits by double sqrt (~26 correct bits), then Newton from above.
  const sh = Math.max(0, (L - 52) & ~1);
  let x = BigInt(Math.ceil(Math.sqrt(Number(n >> BigInt(sh))))) + 1n;
  x <<= BigInt(sh / 2);
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

export function sqrt(aSe: number, aHi: number, aLo: number): void {
  S.roundedUp = false;
  if (isInvalidEnc(aSe, aHi)) { S.flags |= F_IE; defaultNaN(); return; }
  if (isNaN80(aSe, aHi, aLo)) { propagateNaN1(aSe, aHi, aLo); return; }
  if (isZero80(aSe, aHi, aLo)) { set(aSe, 0, 0); return; }
  if (aSe >>> 15) { S.flags |= F_IE; defaultNaN(); return; }
  if ((aSe & 0x7fff) === 0x7fff) { set(aSe, aHi, aLo); return; }
  if (S.denormalFlag && isDenormal80(aSe, aHi, aLo)) S.flags |= F_DE;
  unpack(aSe, aHi, aLo);
  let e = uE, m = uM;
  if (e & 1) { m <<= 1n; e -= 1; }
  const M = m << 128n;
  const r = isqrt(M);
  const sticky = r * r !== M ? 1n : 0n;
  packResult(0, (e - 128) / 2 - 1, (r << 1n) | sticky);
}

/** Compare: returns -1 (a < b), 0 (equal), 1 (a > b), 2 (unordered). `quiet` = FUCOM semantics. */
export function compare(aSe: number, aHi: number, aLo: number, bSe: number, bHi: number, bLo: number, quiet: boolean): number {
  aHi >>>= 0; aLo >>>= 0; bHi >>>= 0; bLo >>>= 0; // (callers may pass signed words)
  if (isInvalidEnc(aSe, aHi) || isInvalidEnc(bSe, bHi)) { S.flags |= F_IE; return 2; }
  const aN = isNaN80(aSe, aHi, aLo), bN = isNaN80(bSe, bHi, bLo);
  if (aN || bN) {
    if (!quiet || (aN && (aHi & 0x40000000) === 0) || (bN && (bHi & 0x40000000) === 0)) S.flags |= F_IE;
    return 2;
  }
  denCheck2(aSe, aHi, aLo, bSe, bHi, bLo);
  const aZ = isZero80(aSe, aHi, aLo), bZ = isZero80(bSe, bHi, bLo);
  if (aZ && bZ) return 0;
  const as = aSe >>> 15, bs = bSe >>> 15;
  if (as !== bs) return as ? -1 : 1;
  // Same sign: compare magnitude (exp 0 treated as exp 1; lexicographic on exp, hi, lo).
  let ae = aSe & 0x7fff, be = bSe & 0x7fff;
  if (ae === 0) ae = 1;
  if (be === 0) be = 1;
  if (aZ) ae = 0;
  if (bZ) be = 0;
  let c: number;
  if (ae !== be) c = ae > be ? 1 : -1;
  else if (aHi !== bHi) c = (aHi >>> 0) > (bHi >>> 0) ? 1 : -1;
  else if (aLo !== bLo) c = (aLo >>> 0) > (bLo >>> 0) ? 1 : -1;
  else c = 0;
  return as ? -c : c;
}

// ---- integer conversions --------------------------------------------------------------------

/** Exact conversion of an integer to 80-bit (FILD, FBLD). */
export function fromBigInt(v: bigint): void {
  if (v === 0n) { set(0, 0, 0); return; }
  const s = v < 0n ? 1 : 0;
  const m = s ? -v : v;
  const L = bitLen(m);
  const sig = m << BigInt(64 - L);
  set((s << 15) | (BIAS + L - 1), Number(sig >> 32n), Number(sig & 0xffffffffn));
}
export function fromInt32(v: number): void {
  if (v === 0) { set(0, 0, 0); return; }
  const s = v < 0 ? 1 : 0;
  const m = s ? -v : v; // up to 2^31
  const lz = Math.clz32(m);
  set((s << 15) | (BIAS + 31 - lz), (m << lz) >>> 0, 0);
}

/** Exact conversion of a signed 64-bit integer given as words (FILD m64). */
export function fromI64(h: number, l: number): void {
  let s = 0;
  h |= 0; l >>>= 0;
  if (h < 0) { s = 1; l = (-l) >>> 0; h = (~h + (l === 0 ? 1 : 0)) >>> 0; } else h >>>= 0;
  if (h === 0 && l === 0) { set(s << 15, 0, 0); return; }
  let e = BIAS + 63;
  if (h === 0) { h = l; l = 0; e -= 32; }
  const z = Math.clz32(h);
  if (z) { h = ((h << z) | (l >>> (32 - z))) >>> 0; l = (l << z) >>> 0; e -= z; }
  set((s << 15) | e, h, l);
}

/**
 * Round to an integer with the current rounding mode (or toward zero). Sets `intInvalid` when not
 * representable in `bits` (16, 32 or 64) bits; the result `intValue` is then meaningless.
 */

let irIp = 0, irFirst = 0, irRest = 0, irInc = false;
/** Round the unpacked operand (xH:xL with fb >= 11 fraction bits) to an integer (< 2^53+1) in mode rc. */
function intRoundN(sign: number, fb: number, rc: number): void {
  let ip: number, first: number, rest: number;
  if (fb >= 64) {
    ip = 0;
    if (fb === 64) { first = xH >>> 31; rest = (xH & 0x7fffffff) | xL; } else { first = 0; rest = 1; }
  } else if (fb >= 32) {
    const k = fb - 32;
    if (k === 0) { ip = xH; first = xL >>> 31; rest = xL & 0x7fffffff; }
    else { ip = xH >>> k; first = (xH >>> (k - 1)) & 1; rest = (xH & ((1 << (k - 1)) - 1)) | xL; }
  } else {
    ip = xH * Math.pow(2, 32 - fb) + (xL >>> fb);
    first = (xL >>> (fb - 1)) & 1; rest = xL & ((1 << (fb - 1)) - 1);
  }
  const inc = (first !== 0 || rest !== 0) && roundsUp(rc, sign, first, rest, ip % 2);
  irIp = ip; irFirst = first; irRest = rest; irInc = inc;
}

export let intValue = 0n;
export let intInvalid = false;
/** Fast path result: when `intIsNum`, the integer is `intNum` (|v| < 2^53) and `intValue` is not set. */
export let intNum = 0;
export let intIsNum = false;
export function intBig(): bigint { return intIsNum ? BigInt(intNum) : intValue; }
export function toInt(se: number, hi: number, lo: number, bits: number, trunc: boolean): void {
  intInvalid = false; intValue = 0n; intNum = 0; intIsNum = true; S.roundedUp = false;
  if (isInvalidEnc(se, hi) || (se & 0x7fff) === 0x7fff) { intInvalid = true; return; }
  if (isZero80(se, hi, lo)) return;
  // (FIST/FISTP/FISTTP/FBSTP list no #D in the SDM: a denormal source just rounds to 0 or ±1)
  unpackN(se, hi, lo);
  const fb = BIAS + 63 - xE; // fraction bits of the 64-bit significand
  if (fb >= 11) {
    const sign = se >>> 15;
    intRoundN(sign, fb, trunc ? RC_ZERO : S.rc);
    const ip = irIp, first = irFirst, rest = irRest, inc = irInc;
    const q = inc ? ip + 1 : ip;
    const lim = Math.pow(2, bits - 1);
    if (sign ? q > lim : q >= lim) { intInvalid = true; return; }
    if (first !== 0 || rest !== 0) S.flags |= F_PE;
    S.roundedUp = inc;
    intNum = sign ? -q : q;
    return;
  }
  intIsNum = false;
  unpack(se, hi, lo);
  let q: bigint;
  rInexact = false; rUp = false;
  if (uE >= 0) q = uE > 80 ? 1n << 80n : uM << BigInt(uE);
  else if (uE < -70) {
    // |x| < 2^-6: only the sticky bit matters
    const saved = S.rc;
    if (trunc) S.rc = RC_ZERO;
    q = roundBits(uSign, 1n, 2);
    S.rc = saved;
  } else {
    const saved = S.rc;
    if (trunc) S.rc = RC_ZERO;
    q = roundBits(uSign, uM, -uE);
    S.rc = saved;
  }
  const lim = 1n << BigInt(bits - 1);
  if (uSign ? q > lim : q >= lim) { intInvalid = true; return; }
  if (rInexact) S.flags |= F_PE;
  S.roundedUp = rUp;
  intValue = uSign ? -q : q;
}

// ---- float32 / float64 conversions ---------------------------------------------------------

/** Load float32 bits into R (exact). */
export function fromF32(bits: number): void {
  const s = bits >>> 31, e = (bits >>> 23) & 0xff, f = bits & 0x7fffff;
  if (e === 0xff) {
    if (f === 0) { set((s << 15) | 0x7fff, 0x80000000, 0); return; }
    const hi = (0x80000000 | (f << 8)) >>> 0;
    if ((f & 0x400000) === 0) { S.flags |= F_IE; set((s << 15) | 0x7fff, (hi | 0x40000000) >>> 0, 0); return; }
    set((s << 15) | 0x7fff, hi, 0); return;
  }
  if (e === 0) {
    if (f === 0) { set(s << 15, 0, 0); return; }
    if (S.denormalFlag) S.flags |= F_DE;
    const lz = Math.clz32(f); // f < 2^23, lz >= 9
    set((s << 15) | (BIAS - 126 - (lz - 8)), (f << lz) >>> 0, 0);
    return;
  }
  set((s << 15) | (e - 127 + BIAS), (0x80000000 | (f << 8)) >>> 0, 0);
}

/** Load float64 (hi:lo words) into R (exact). */
export function fromF64(whi: number, wlo: number): void {
  const s = whi >>> 31, e = (whi >>> 20) & 0x7ff;
  const fh = whi & 0xfffff;
  if (e === 0x7ff) {
    if (fh === 0 && wlo === 0) { set((s << 15) | 0x7fff, 0x80000000, 0); return; }
    let hi = (0x80000000 | (fh << 11) | (wlo >>> 21)) >>> 0;
    const lo = (wlo << 11) >>> 0;
    if ((fh & 0x80000) === 0) { S.flags |= F_IE; hi = (hi | 0x40000000) >>> 0; }
    set((s << 15) | 0x7fff, hi, lo); return;
  }
  if (e === 0) {
    if (fh === 0 && wlo === 0) { set(s << 15, 0, 0); return; }
    if (S.denormalFlag) S.flags |= F_DE;
    // significand = fh:wlo (52 bits) * 2^(-1074)
    let hi = ((fh << 11) | (wlo >>> 21)) >>> 0, lo = (wlo << 11) >>> 0; // aligned as if J at bit 63, exponent -1022
    let ex = BIAS - 1022;
    if (hi === 0) { hi = lo; lo = 0; ex -= 32; }
    const lz = Math.clz32(hi);
    if (lz) { hi = ((hi << lz) | (lo >>> (32 - lz))) >>> 0; lo = (lo << lz) >>> 0; }
    ex -= lz;
    set((s << 15) | ex, hi, lo);
    return;
  }
  set((s << 15) | (e - 1023 + BIAS), (0x80000000 | (fh << 11) | (wlo >>> 21)) >>> 0, (wlo << 11) >>> 0);
}

/**
 * Fast float32/float64 store of a normal value whose rounded result is normal: the bits as a signed
 * number (float64: the high word, the low word in f64Lo), or 0 when the general code must run.
 */
function toFloatFast(s: number, E: number, hi: number, lo: number, p: number, expMax: number): number {
  if (E < 1) return 0;
  let first: number, rest: number, lsb: number;
  if (p === 53) { first = (lo >>> 10) & 1; rest = lo & 0x3ff; lsb = (lo >>> 11) & 1; lo = (lo & 0xfffff800) >>> 0; }
  else { first = (hi >>> 7) & 1; rest = (hi & 0x7f) | lo; lsb = (hi >>> 8) & 1; hi = (hi & 0xffffff00) >>> 0; lo = 0; }
  const inexact = (first | rest) !== 0;
  const inc = inexact && roundsUp(S.rc, s, first, rest, lsb);
  if (inc) {
    if (p === 53) {
      lo = lo + 0x800;
      if (lo >= TWO32) { lo -= TWO32; hi = hi + 1; }
    } else hi = hi + 0x100;
    if (hi === TWO32) { hi = 0x80000000; E++; }
  }
  if (E >= expMax) return 0;
  if (inexact) S.flags |= F_PE;
  S.roundedUp = inc;
  if (p === 53) {
    f64Lo = ((hi << 21) | (lo >>> 11)) | 0;
    return (s << 31) | (E << 20) | ((hi >>> 11) & 0xfffff);
  }
  return (s << 31) | (E << 23) | ((hi >>> 8) & 0x7fffff);
}

/** Convert R-style operand to float32 bits (returned); flags per rounding. */
export function toF32(se: number, hi: number, lo: number): number {
  hi >>>= 0; lo >>>= 0; // (callers may pass signed words)
  S.roundedUp = false;
  const s = se >>> 15;
  if (isInvalidEnc(se, hi)) { S.flags |= F_IE; return 0xffc00000 | 0; }
  if ((se & 0x7fff) === 0x7fff) {
    if (hi === 0x80000000 && lo === 0) return ((s << 31) | 0x7f800000) >>> 0;
    if ((hi & 0x40000000) === 0) S.flags |= F_IE;
    return ((s << 31) | 0x7fc00000 | ((hi >>> 8) & 0x3fffff)) >>> 0;
  }
  if (isZero80(se, hi, lo)) return (s << 31) >>> 0;
  // (FST lists no #D in the SDM)
  if (fastPath.on && isNormal(se, hi)) { const b = toFloatFast(s, (se & 0x7fff) - 16383 + 127, hi >>> 0, lo >>> 0, 24, 255); if (b !== 0) return b; }
  unpackN(se, hi, lo);
  n0 = xH; n1 = xL; n2 = 0; nSt = 0;
  roundN(s, xE - 16383 + 127, 24, 255, false);
  return ((s << 31) | (nExp << 23) | ((n0 >>> 8) & 0x7fffff)) >>> 0;
}

/** Convert to float64; returns the high word, low word in `f64Lo`. */
export let f64Lo = 0;
export function toF64(se: number, hi: number, lo: number): number {
  hi >>>= 0; lo >>>= 0; // (callers may pass signed words)
  S.roundedUp = false;
  const s = se >>> 15;
  if (isInvalidEnc(se, hi)) { S.flags |= F_IE; f64Lo = 0; return 0xfff80000; }
  if ((se & 0x7fff) === 0x7fff) {
    if (hi === 0x80000000 && lo === 0) { f64Lo = 0; return ((s << 31) | 0x7ff00000) >>> 0; }
    if ((hi & 0x40000000) === 0) S.flags |= F_IE;
    f64Lo = (hi << 21) | (lo >>> 11);
    return ((s << 31) | 0x7ff80000 | ((hi >>> 11) & 0x7ffff)) >>> 0;
  }
  if (isZero80(se, hi, lo)) { f64Lo = 0; return (s << 31) >>> 0; }
  // (FST lists no #D in the SDM)
  if (fastPath.on && isNormal(se, hi)) { const b = toFloatFast(s, (se & 0x7fff) - 16383 + 1023, hi >>> 0, lo >>> 0, 53, 2047); if (b !== 0) return b; }
  unpackN(se, hi, lo);
  n0 = xH; n1 = xL; n2 = 0; nSt = 0;
  roundN(s, xE - 16383 + 1023, 53, 2047, false);
  f64Lo = (n0 << 21) | (n1 >>> 11);
  return ((s << 31) | (nExp << 20) | ((n0 >>> 11) & 0xfffff)) >>> 0;
}

// ---- other operations ------------------------------------------------------------------------

/** FRNDINT: round to integer with the current mode, then to S.prec. */
export function roundToInt(se: number, hi: number, lo: number): void {
  S.roundedUp = false;
  if (isInvalidEnc(se, hi)) { S.flags |= F_IE; defaultNaN(); return; }
  if (isNaN80(se, hi, lo)) { propagateNaN1(se, hi, lo); return; }
  if ((se & 0x7fff) === 0x7fff || isZero80(se, hi, lo)) { set(se, hi, lo); return; }
  if (S.denormalFlag && isDenormal80(se, hi, lo)) S.flags |= F_DE;
  const sign = se >>> 15;
  unpackN(se, hi, lo);
  const fb = BIAS + 63 - xE;
  // At or above 2^(p-1) the precision grid is coarser than the integers: one rounding to p bits.
  if (xE - BIAS >= S.prec - 1) { roundX(sign); return; }
  if (fb >= 11) {
    intRoundN(sign, fb, S.rc);
    const inexact = irFirst !== 0 || irRest !== 0, up = irInc;
    if (inexact) S.flags |= F_PE;
    const q = up ? irIp + 1 : irIp;
    if (q === 0) { set(sign << 15, 0, 0); S.roundedUp = false; return; }
    let h = Math.floor(q / 4294967296), l = (q - h * 4294967296) >>> 0, e = BIAS + 63;
    if (h === 0) { h = l; l = 0; e -= 32; }
    const z = Math.clz32(h);
    if (z) { h = ((h << z) | (l >>> (32 - z))) >>> 0; l = (l << z) >>> 0; e -= z; }
    xE = e; xH = h >>> 0; xL = l;
    roundX(sign);
    if (inexact) S.roundedUp = up;
    return;
  }
  // 2^53 <= |x| < 2^63 with a fraction: exact BigInt path
  unpack(se, hi, lo);
  rInexact = false; rUp = false;
  const q = roundBits(uSign, uM, -uE);
  const inexact = rInexact, up = rUp;
  if (inexact) S.flags |= F_PE;
  packResult(uSign, 0, q);
  if (inexact) S.roundedUp = up;
}

/** scalbn with clamped n, rounded to p bits (FSCALE uses 64). */
export function scalbn(se: number, hi: number, lo: number, n: number, p: number): void {
  S.roundedUp = false;
  if (isInvalidEnc(se, hi)) { S.flags |= F_IE; defaultNaN(); return; }
  if (isNaN80(se, hi, lo)) { propagateNaN1(se, hi, lo); return; }
  if ((se & 0x7fff) === 0x7fff || isZero80(se, hi, lo)) { set(se, hi, lo); return; }
  if (S.denormalFlag && isDenormal80(se, hi, lo)) S.flags |= F_DE;
  if (n > 0x10000) n = 0x10000;
  if (n < -0x10000) n = -0x10000;
  unpackN(se, hi, lo);
  n0 = xH; n1 = xL; n2 = 0; nSt = 0;
  roundN(se >>> 15, xE + n, p, 0x7fff, true);
  packN80(se >>> 15);
}

/**
 * FPREM (mod=true, truncating quotient) / FPREM1 (round-to-nearest quotient) when the exponent
 * difference is below 64: exact remainder in R, low quotient bits in `remQuotient`.
 */
export let remQuotient = 0;
export function modrem(aSe: number, aHi: number, aLo: number, bSe: number, bHi: number, bLo: number, mod: boolean): void {
  remQuotient = 0;
  S.roundedUp = false;
  if (isInvalidEnc(aSe, aHi) || isInvalidEnc(bSe, bHi)) { S.flags |= F_IE; defaultNaN(); return; }
  const aExp = aSe & 0x7fff, bExp = bSe & 0x7fff;
  if (aExp === 0x7fff) {
    if (isNaN80(aSe, aHi, aLo) || isNaN80(bSe, bHi, bLo)) { propagateNaN2(aSe, aHi, aLo, bSe, bHi, bLo); return; }
    S.flags |= F_IE; defaultNaN(); return;
  }
  if (bExp === 0x7fff) {
    if (isNaN80(bSe, bHi, bLo)) { propagateNaN2(aSe, aHi, aLo, bSe, bHi, bLo); return; }
    denCheck2(aSe, aHi, aLo, 0, 0, 0);
    if (aExp === 0 && (aHi & 0x80000000)) { set((aSe & 0x8000) | 1, aHi, aLo); return; }
    set(aSe, aHi, aLo); return;
  }
  if (isZero80(bSe, bHi, bLo)) { S.flags |= F_IE; defaultNaN(); return; }
  denCheck2(aSe, aHi, aLo, bSe, bHi, bLo);
  if (isZero80(aSe, aHi, aLo)) { set(aSe, aHi, aLo); return; }
  unpack(aSe, aHi, aLo);
  const ea = uE, ma = uM, sa = uSign;
  unpack(bSe, bHi, bLo);
  const eb = uE, mb = uM;
  const expDiff = ea - eb;
  if (expDiff < 0 && (mod || expDiff < -1)) {
    if (aExp === 0 && (aHi & 0x80000000)) { set((aSe & 0x8000) | 1, aHi, aLo); return; }
    set(aSe, aHi, aLo); return;
  }
  // |a| = ma*2^ea, |b| = mb*2^eb; work at exponent min(ea, eb)
  const e0 = Math.min(ea, eb);
  const A = ma << BigInt(ea - e0), B = mb << BigInt(eb - e0);
  let q = A / B;
  let r = A - q * B;
  let s = sa;
  if (!mod) {
    const twice = r << 1n;
    if (twice > B || (twice === B && (q & 1n) === 1n)) { q += 1n; r = B - r; s ^= 1; }
  }
  remQuotient = Number(q & 7n);
  if (r === 0n) { set(sa << 15, 0, 0); return; }
  roundPack80(s, e0, r, 64);
}

export function chs(): void { R.se ^= 0x8000; }

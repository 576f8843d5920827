/**
 * x87 transcendental instructions, computed in BigInt floating point with ~256 significant bits
 * and rounded once to 64 bits (so nearly always correctly rounded, well inside the SDM's 1 ulp
 * bound). Special cases follow the SDM and qemu-i386. Off the hot path: allocation is fine here.
 */
import * as sf from './softfloat80';
import { F_DE, F_IE, F_ZE, R, S } from './softfloat80';

const W = 192;

/** Big float: value = m * 2^e (m signed). */
interface BF { m: bigint; e: number }

function bf(m: bigint, e: number): BF {
  const a = m < 0n ? -m : m;
  const L = sf.bitLen(a);
  if (L > W) { const s = L - W; return { m: m >> BigInt(s), e: e + s }; }
  return { m, e };
}
function bmul(a: BF, b: BF): BF { return bf(a.m * b.m, a.e + b.e); }
function badd(a: BF, b: BF): BF {
  if (a.m === 0n) return b;
  if (b.m === 0n) return a;
  const la = sf.bitLen(a.m < 0n ? -a.m : a.m) + a.e, lb = sf.bitLen(b.m < 0n ? -b.m : b.m) + b.e;
  if (la - lb > W + 8) return a;
  if (lb - la > W + 8) return b;
  if (a.e <= b.e) return bf(a.m + (b.m << BigInt(b.e - a.e)), a.e);
  return bf((a.m << BigInt(a.e - b.e)) + b.m, b.e);
}
function bneg(a: BF): BF { return { m: -a.m, e: a.e }; }
function bsub(a: BF, b: BF): BF { return badd(a, bneg(b)); }
function bdiv(a: BF, b: BF): BF {
  const la = sf.bitLen(a.m < 0n ? -a.m : a.m), lb = sf.bitLen(b.m < 0n ? -b.m : b.m);
  const sh = W + 4 + lb - la;
  const n = sh >= 0 ? a.m << BigInt(sh) : a.m >> BigInt(-sh);
  return bf(n / b.m, a.e - sh - b.e);
}
/** a / k for a small positive integer k (series terms). */
function bdivSmall(a: BF, k: number): BF {
  const L = sf.bitLen(a.m < 0n ? -a.m : a.m);
  if (L < W) { const sh = W - L; return bf((a.m << BigInt(sh)) / BigInt(k), a.e - sh); }
  return bf(a.m / BigInt(k), a.e);
}
function bsqrt(a: BF): BF {
  // a > 0
  let m = a.m, e = a.e;
  const L = sf.bitLen(m);
  let sh = 2 * W + 8 - L;
  if ((e - sh) & 1) sh++;
  m = sh >= 0 ? m << BigInt(sh) : m >> BigInt(-sh);
  e -= sh;
  return bf(sf.isqrt(m), e / 2);
}
function small(a: BF): number { // approximate log2 |a|
  return a.m === 0n ? -Infinity : sf.bitLen(a.m < 0n ? -a.m : a.m) + a.e;
}
const ONE: BF = { m: 1n, e: 0 };

function fromX80(se: number, hi: number, lo: number): BF {
  if (sf.isZero80(se, hi, lo)) return { m: 0n, e: 0 };
  sf.unpack(se, hi, lo);
  return { m: sf.uSign ? -sf.uM : sf.uM, e: sf.uE };
}

/** Round a (never exact) big float to 64 bits into R. `dir` = sign of (true - computed) when known tiny. */
function toX80(a: BF, dir = 0): void {
  if (a.m === 0n) { sf.set(0, 0, 0); return; }
  const s = a.m < 0n ? 1 : 0;
  let m = s ? -a.m : a.m;
  let e = a.e;
  // at least 80 significant bits, then a sticky/direction bit far below the rounding point
  const L = sf.bitLen(m);
  if (L < 80) { m <<= BigInt(80 - L); e -= 80 - L; }
  m <<= 2n; e -= 2;
  const d = s ? -dir : dir; // direction of the true value's magnitude relative to m
  if (d < 0) m -= 1n; else m |= 1n;
  sf.roundPack80(s, e, m, 64);
}

// ---- constants (fixed point, computed once) ----------------------------------------------------

const FP = 600; // fixed-point fraction bits for constants
function atanInvFixed(n: bigint): bigint {
  const one = 1n << BigInt(FP);
  let term = one / n;
  const n2 = n * n;
  let sum = 0n;
  let k = 1n;
  let sign = 1n;
  while (term !== 0n) {
    sum += sign * (term / k);
    term /= n2;
    k += 2n;
    sign = -sign;
  }
  return sum;
}
let PI_FX = 0n; // pi * 2^FP
let LN2_FX = 0n;
function consts(): void {
  if (PI_FX !== 0n) return;
  PI_FX = 16n * atanInvFixed(5n) - 4n * atanInvFixed(239n);
  // ln 2 = 2 atanh(1/3)
  const one = 1n << BigInt(FP);
  let term = one / 3n, sum = 0n, k = 1n;
  while (term !== 0n) { sum += term / k; term /= 9n; k += 2n; }
  LN2_FX = 2n * sum;
}
function piBF(): BF { consts(); return bf(PI_FX, -FP); }
function ln2BF(): BF { consts(); return bf(LN2_FX, -FP); }

// ---- elementary series ---------------------------------------------------------------------------

/** e^y - 1 for |y| <= 1. */
function expm1(y: BF): BF {
  let term = y, sum = y;
  for (let k = 2; k < 200; k++) {
    term = bdivSmall(bmul(term, y), k);
    if (term.m === 0n || small(term) < small(sum) - W - 4) break;
    sum = badd(sum, term);
  }
  return sum;
}
/** atanh series: sum t^(2k+1)/(2k+1), |t| small. */
function atanhS(t: BF): BF {
  const t2 = bmul(t, t);
  let p = t, sum = t;
  for (let k = 3; k < 1000; k += 2) {
    p = bmul(p, t2);
    const term = bdivSmall(p, k);
    if (term.m === 0n || small(term) < small(sum) - W - 4) break;
    sum = badd(sum, term);
  }
  return sum;
}
/** atan series for |t| <= 0.2. */
function atanS(t: BF): BF {
  const t2 = bmul(t, t);
  let p = t, sum = t, sign = -1n;
  for (let k = 3; k < 1000; k += 2) {
    p = bmul(p, t2);
    const t0 = bdivSmall(p, k);
    const term = sign < 0n ? bneg(t0) : t0;
    if (term.m === 0n || small(term) < small(sum) - W - 4) break;
    sum = badd(sum, term);
    sign = -sign;
  }
  return sum;
}
/** atan(t) for |t| <= 1 (two half-angle reductions). */
function atanBF(t: BF): BF {
  let x = t;
  for (let i = 0; i < 2; i++) x = bdiv(x, badd(ONE, bsqrt(badd(ONE, bmul(x, x)))));
  return bmul(atanS(x), { m: 4n, e: 0 });
}
/** ln(1 + x) for 1 + x in [sqrt(2)/2, sqrt(2)] (FYL2XP1 range): 2 atanh(x / (2 + x)). */
function log1pBF(x: BF): BF {
  return bmul(atanhS(bdiv(x, badd({ m: 2n, e: 0 }, x))), { m: 2n, e: 0 });
}
/** ln(x), x > 0: x = z * 2^n with z in [sqrt(2)/2, sqrt(2)), ln z = 2 atanh((z-1)/(z+1)). */
function lnBF(x: BF): BF {
  let n = small(x) - 1;
  let z: BF = { m: x.m, e: x.e - n };
  // compare z with sqrt(2) using the top 53 bits
  const L = sf.bitLen(z.m);
  const top = Number(z.m >> BigInt(Math.max(0, L - 53))) * Math.pow(2, z.e + Math.max(0, L - 53));
  if (top >= Math.SQRT2) { n++; z = { m: x.m, e: x.e - n }; }
  const l = bmul(atanhS(bdiv(bsub(z, ONE), badd(z, ONE))), { m: 2n, e: 0 });
  if (n === 0) return l;
  return badd(bmul({ m: BigInt(n), e: 0 }, ln2BF()), l);
}

// ---- sin/cos ---------------------------------------------------------------------------------

function sinS(r: BF): BF {
  const r2 = bmul(r, r);
  let term = r, sum = r;
  for (let k = 2; k < 400; k += 2) {
    term = bneg(bdivSmall(bmul(term, r2), k * (k + 1)));
    if (term.m === 0n || small(term) < small(sum) - W - 4) break;
    sum = badd(sum, term);
  }
  return sum;
}
function cosS(r: BF): BF {
  const r2 = bmul(r, r);
  let term: BF = ONE, sum: BF = ONE;
  for (let k = 1; k < 400; k += 2) {
    term = bneg(bdivSmall(bmul(term, r2), k * (k + 1)));
    if (term.m === 0n || small(term) < small(sum) - W - 4) break;
    sum = badd(sum, term);
  }
  return sum;
}

/** Reduce x (|x| < 2^63) modulo pi/2: returns r and the quadrant. */
let quadrant = 0;
function reduce(x: BF): BF {
  consts();
  quadrant = 0;
  if (small(x) <= -1) return x; // |x| < 0.5 < pi/4
  // x = m * 2^e with e >= -64
  const F = FP;
  const X = x.e >= 0 ? x.m << BigInt(x.e + F) : x.m << BigInt(F + x.e); // x * 2^F
  const PIO2 = PI_FX >> 1n; // pi/2 * 2^F
  // k = round(X / PIO2)
  let k = X / PIO2;
  let r = X - k * PIO2;
  const half = PIO2 >> 1n;
  if (r > half) { r -= PIO2; k += 1n; } else if (r < -half) { r += PIO2; k -= 1n; }
  quadrant = Number(BigInt.asUintN(2, k));
  return bf(r, -F);
}

/** Working values for the second result of FPTAN/FSINCOS (the value left in the old ST0 slot). */
export const T1 = { se: 0, hi: 0, lo: 0 };

/**
 * kind: 0 FSIN, 1 FCOS, 2 FPTAN, 3 FSINCOS. Returns false when |x| >= 2^63 (C2=1, no change).
 * On success R = value to push (FPTAN: 1.0, FSINCOS: cos) or the result (FSIN/FCOS), and T1 the
 * value for the original slot (FPTAN: tan, FSINCOS: sin).
 */
export function trig(kind: number, se: number, hi: number, lo: number): boolean {
  const e = se & 0x7fff;
  if (sf.isInvalidEnc(se, hi)) { S.flags |= F_IE; sf.defaultNaN(); return both(kind); }
  if (sf.isNaN80(se, hi, lo)) { sf.propagateNaN1(se, hi, lo); return both(kind); }
  if (e === 0x7fff) { S.flags |= F_IE; sf.defaultNaN(); return both(kind); }
  if (e >= 0x3fff + 63) return false;
  if (sf.isZero80(se, hi, lo)) {
    // sin(±0) = ±0, cos(0) = 1, tan(±0) = ±0
    if (kind === 1) { sf.set(0x3fff, 0x80000000, 0); return true; }
    if (kind === 0) { sf.set(se, 0, 0); return true; }
    T1.se = se; T1.hi = 0; T1.lo = 0;
    sf.set(0x3fff, 0x80000000, 0); // FPTAN pushes 1.0, FSINCOS pushes cos(0) = 1.0
    return true;
  }
  if (S.denormalFlag && e === 0) S.flags |= F_DE;
  const x = fromX80(se, hi, lo);
  const neg = x.m < 0n;
  const tiny = small(x) < -120;
  const r = reduce(x);
  const q = quadrant;
  // sin x = [sin r, cos r, -sin r, -cos r][q], cos x = [cos r, -sin r, -cos r, sin r][q]
  const needSinR = kind !== 1 ? (q & 1) === 0 || kind >= 2 : (q & 1) === 1 || kind >= 2;
  const needCosR = kind !== 1 ? (q & 1) === 1 || kind >= 2 : (q & 1) === 0 || kind >= 2;
  const sr = tiny ? r : needSinR ? sinS(r) : ONE, cr = tiny ? ONE : needCosR ? cosS(r) : ONE;
  const sinv = q === 0 ? sr : q === 1 ? cr : q === 2 ? bneg(sr) : bneg(cr);
  const cosv = q === 0 ? cr : q === 1 ? bneg(sr) : q === 2 ? bneg(cr) : sr;
  // direction hints for tiny arguments: sin x = x - x^3/6, tan x = x + x^3/3, cos x = 1 - x^2/2
  const sDir = tiny ? (neg ? 1 : -1) : 0, tDir = tiny ? (neg ? -1 : 1) : 0, cDir = tiny ? -1 : 0;
  switch (kind) {
    case 0: toX80(sinv, sDir); return true;
    case 1: toX80(cosv, cDir); return true;
    case 2:
      toX80(tiny ? sinv : bdiv(sinv, cosv), tDir);
      T1.se = R.se; T1.hi = R.hi; T1.lo = R.lo;
      sf.set(0x3fff, 0x80000000, 0);
      return true;
    default: {
      toX80(sinv, sDir);
      T1.se = R.se; T1.hi = R.hi; T1.lo = R.lo;
      const f = S.flags;
      toX80(cosv, cDir);
      S.flags |= f;
      return true;
    }
  }
}
function both(_kind: number): boolean {
  T1.se = R.se; T1.hi = R.hi; T1.lo = R.lo;
  return true;
}

// ---- F2XM1 ----------------------------------------------------------------------------------

export function f2xm1(se: number, hi: number, lo: number): void {
  S.prec = 64; S.key = -1;
  const e = se & 0x7fff;
  if (sf.isInvalidEnc(se, hi)) { S.flags |= F_IE; sf.defaultNaN(); return; }
  if (sf.isNaN80(se, hi, lo)) { sf.propagateNaN1(se, hi, lo); return; }
  if (e > 0x3fff || (e === 0x3fff && (hi !== 0x80000000 || lo !== 0))) { S.flags |= F_IE; sf.defaultNaN(); return; }
  if (e === 0x3fff) { if (se & 0x8000) sf.set(0xbffe, 0x80000000, 0); else sf.set(se, hi, lo); return; }
  if (sf.isZero80(se, hi, lo)) { sf.set(se, hi, lo); return; }
  if (S.denormalFlag && e === 0) S.flags |= F_DE;
  const x = fromX80(se, hi, lo);
  toX80(expm1(bmul(x, ln2BF())));
}

// ---- FYL2X / FYL2XP1 --------------------------------------------------------------------------

/** qemu's floatx80_is_signaling_nan (ignores the integer bit, so pseudo-NaNs count). */
function looseSNaN(se: number, hi: number, lo: number): boolean {
  return (se & 0x7fff) === 0x7fff && (hi & 0x40000000) === 0 && ((hi & 0x3fffffff) !== 0 || lo !== 0);
}
function silence(se: number, hi: number, lo: number): void {
  S.flags |= F_IE;
  sf.set(se, (hi | 0xc0000000) >>> 0, lo);
}

function isOne(se: number, hi: number, lo: number): boolean { return se === 0x3fff && hi === 0x80000000 && lo === 0; }

/** ST1 * log2(ST0): a = ST0, b = ST1; result in R. */
export function fyl2x(aSe: number, aHi: number, aLo: number, bSe: number, bHi: number, bLo: number): void {
  const aSign = aSe >>> 15, bSign = bSe >>> 15;
  if (looseSNaN(aSe, aHi, aLo)) { silence(aSe, aHi, aLo); return; }
  if (looseSNaN(bSe, bHi, bLo)) { silence(bSe, bHi, bLo); return; }
  if (sf.isInvalidEnc(aSe, aHi) || sf.isInvalidEnc(bSe, bHi)) { S.flags |= F_IE; sf.defaultNaN(); return; }
  if (sf.isNaN80(aSe, aHi, aLo)) { sf.set(aSe, aHi, aLo); return; }
  if (sf.isNaN80(bSe, bHi, bLo)) { sf.set(bSe, bHi, bLo); return; }
  const aZ = sf.isZero80(aSe, aHi, aLo), bZ = sf.isZero80(bSe, bHi, bLo);
  if (aSign && !aZ) { S.flags |= F_IE; sf.defaultNaN(); return; }
  den2(aSe, aHi, aLo, bSe, bHi, bLo);
  if (sf.isInf80(bSe, bHi, bLo)) {
    const c = sf.compare(aSe, aHi, aLo, 0x3fff, 0x80000000, 0, false);
    if (c < 0) sf.set(bSe ^ 0x8000, bHi, bLo);
    else if (c > 0) sf.set(bSe, bHi, bLo);
    else { S.flags |= F_IE; sf.defaultNaN(); }
    return;
  }
  if (sf.isInf80(aSe, aHi, aLo)) {
    if (bZ) { S.flags |= F_IE; sf.defaultNaN(); return; }
    sf.set(bSign ? aSe ^ 0x8000 : aSe, aHi, aLo); return;
  }
  if (aZ) {
    if (bZ) { S.flags |= F_IE; sf.defaultNaN(); return; }
    S.flags |= F_ZE; sf.set(bSign ? 0x7fff : 0xffff, 0x80000000, 0); return;
  }
  if (bZ) {
    if (sf.compare(aSe, aHi, aLo, 0x3fff, 0x80000000, 0, false) < 0) sf.set(bSe ^ 0x8000, 0, 0);
    else sf.set(bSe, 0, 0);
    return;
  }
  if (isOne(aSe, aHi, aLo)) { sf.set(bSign ? 0x8000 : 0, 0, 0); return; }
  const x = fromX80(aSe, aHi, aLo), y = fromX80(bSe, bHi, bLo);
  // exact power of two: log2 is an integer, result = n * y rounded once
  if ((aHi === 0x80000000 && aLo === 0) && (aSe & 0x7fff) !== 0) {
    const n = (aSe & 0x7fff) - 16383;
    sf.fromInt32(n);
    sf.mul(R.se, R.hi, R.lo, bSe, bHi, bLo);
    return;
  }
  toX80(bmul(bdiv(lnBF(x), ln2BF()), y));
}

export function fyl2xp1(aSe: number, aHi: number, aLo: number, bSe: number, bHi: number, bLo: number): void {
  const aExp = aSe & 0x7fff;
  if (looseSNaN(aSe, aHi, aLo)) { silence(aSe, aHi, aLo); return; }
  if (looseSNaN(bSe, bHi, bLo)) { silence(bSe, bHi, bLo); return; }
  if (sf.isInvalidEnc(aSe, aHi) || sf.isInvalidEnc(bSe, bHi)) { S.flags |= F_IE; sf.defaultNaN(); return; }
  if (sf.isNaN80(aSe, aHi, aLo)) { sf.set(aSe, aHi, aLo); return; }
  if (sf.isNaN80(bSe, bHi, bLo)) { sf.set(bSe, bHi, bLo); return; }
  // Range: sqrt(2)/2 - 1 .. sqrt(2) - 1 (AMD; Intel documents |x| < 1 - sqrt(2)/2), as qemu
  const sig = sf.sigOf(aHi, aLo);
  if (aExp > 0x3ffd || (aExp === 0x3ffd && sig > ((aSe & 0x8000) ? 0x95f619980c4336f7n : 0xd413cccfe7799211n))) {
    S.flags |= F_IE; sf.defaultNaN(); return;
  }
  const aZ = sf.isZero80(aSe, aHi, aLo), bZ = sf.isZero80(bSe, bHi, bLo);
  den2(aSe, aHi, aLo, bSe, bHi, bLo);
  if (aZ || bZ || (bSe & 0x7fff) === 0x7fff) {
    // exact: zero or infinity times the argument
    const f = S.flags;
    sf.mul(aSe, aHi, aLo, bSe, bHi, bLo);
    S.flags |= f;
    return;
  }
  const x = fromX80(aSe, aHi, aLo), y = fromX80(bSe, bHi, bLo);
  toX80(bmul(bdiv(log1pBF(x), ln2BF()), y));
}

function den2(aSe: number, aHi: number, aLo: number, bSe: number, bHi: number, bLo: number): void {
  if (S.denormalFlag && (sf.isDenormal80(aSe, aHi, aLo) || sf.isDenormal80(bSe, bHi, bLo))) S.flags |= F_DE;
}

// ---- FPATAN -------------------------------------------------------------------------------------

/** atan2(ST1, ST0): a = ST0 (x), b = ST1 (y). */
export function fpatan(aSe: number, aHi: number, aLo: number, bSe: number, bHi: number, bLo: number): void {
  if (looseSNaN(aSe, aHi, aLo)) { silence(aSe, aHi, aLo); return; }
  if (looseSNaN(bSe, bHi, bLo)) { silence(bSe, bHi, bLo); return; }
  if (sf.isInvalidEnc(aSe, aHi) || sf.isInvalidEnc(bSe, bHi)) { S.flags |= F_IE; sf.defaultNaN(); return; }
  if (sf.isNaN80(aSe, aHi, aLo)) { sf.set(aSe, aHi, aLo); return; }
  if (sf.isNaN80(bSe, bHi, bLo)) { sf.set(bSe, bHi, bLo); return; }
  const xSign = aSe >>> 15, ySign = bSe >>> 15;
  const xInf = sf.isInf80(aSe, aHi, aLo), yInf = sf.isInf80(bSe, bHi, bLo);
  const xZ = sf.isZero80(aSe, aHi, aLo), yZ = sf.isZero80(bSe, bHi, bLo);
  den2(aSe, aHi, aLo, bSe, bHi, bLo);
  if (yZ && !xSign) { sf.set(bSe, bHi, bLo); return; }
  const xe = xZ ? 0 : effExp(aSe, aHi, aLo), ye = yZ ? 0 : effExp(bSe, bHi, bLo);
  consts();
  const pi = piBF();
  let r: BF;
  if (!xSign && ((xInf && !yInf) || (!xZ && !yZ && !xInf && !yInf && xe - ye >= 80))) {
    // |y/x| tiny: atan(y/x) = y/x * (1 - tiny): round y/x with a downward (in magnitude) hint
    if (xInf) { sf.set(bSe & 0x8000, 0, 0); return; }
    r = bdiv(fromX80(bSe, bHi, bLo), fromX80(aSe, aHi, aLo));
    toX80(r, ySign ? 1 : -1);
    return;
  }
  if (yZ) r = pi;
  else if (yInf) {
    if (xInf) r = xSign ? bmul(pi, { m: 3n, e: -2 }) : bmul(pi, { m: 1n, e: -2 });
    else r = bmul(pi, { m: 1n, e: -1 });
  } else if (xZ || (!xInf && ye - xe >= 80)) r = bmul(pi, { m: 1n, e: -1 });
  else if (xInf || xe - ye >= 80) r = pi;
  else {
    const x = fromX80(aSe & 0x7fff, aHi, aLo), y = fromX80(bSe & 0x7fff, bHi, bLo);
    const yGreater = sf.compare(bSe & 0x7fff, bHi, bLo, aSe & 0x7fff, aHi, aLo, true) > 0;
    if (!yGreater) {
      const t = atanBF(bdiv(y, x));
      r = xSign ? bsub(pi, t) : t;
    } else {
      const t = atanBF(bdiv(x, y));
      const half = bmul(pi, { m: 1n, e: -1 });
      r = xSign ? badd(half, t) : bsub(half, t);
    }
  }
  if (ySign) r = bneg(r);
  toX80(r);
}

function effExp(se: number, hi: number, lo: number): number {
  const e = se & 0x7fff;
  if (e !== 0) return e;
  return 1 - (hi !== 0 ? Math.clz32(hi) : 32 + Math.clz32(lo));
}


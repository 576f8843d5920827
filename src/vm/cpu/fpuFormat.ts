/**
 * Text form of 80-bit extended values for the debugger: 21 significant decimal digits, correctly
 * rounded (enough to identify every 80-bit value), plus the raw encoding; and the parser used to set
 * a register from text ("1.5", "-inf", "nan", "1e-4000", "0x3fff8000000000000000").
 */
import * as sf from './softfloat80';

const DIGITS = 21;

function hex80(se: number, hi: number, lo: number): string {
  return '0x' + se.toString(16).padStart(4, '0') + (hi >>> 0).toString(16).padStart(8, '0') +
    (lo >>> 0).toString(16).padStart(8, '0');
}

/** Finite non-zero value: 21 significant digits (correctly rounded) and the decimal exponent. */
export function digitsF80(se: number, hi: number, lo: number): { digits: string; exp10: number } {
  const e = se & 0x7fff;
  const M = sf.sigOf(hi, lo);
  const E = (e === 0 ? 1 : e) - 16383 - 63;
  const L = sf.bitLen(M);
  let k = Math.floor((E + L - 1) * Math.LOG10E * Math.LN2);
  let q = 0n;
  for (let iter = 0; iter < 4; iter++) {
    const sh = DIGITS - 1 - k; // want v * 10^sh in [10^20, 10^21)
    let num = M, den = 1n;
    if (E >= 0) num <<= BigInt(E); else den <<= BigInt(-E);
    if (sh >= 0) num *= 10n ** BigInt(sh); else den *= 10n ** BigInt(-sh);
    q = num / den;
    const r = num - q * den;
    if (2n * r > den || (2n * r === den && (q & 1n) === 1n)) q += 1n;
    if (q >= 10n ** BigInt(DIGITS)) { k++; continue; }
    if (q < 10n ** BigInt(DIGITS - 1)) { k--; continue; }
    break;
  }
  return { digits: q.toString(), exp10: k };
}

/** Decimal text of the value alone (no raw encoding). */
export function decimalF80(se: number, hi: number, lo: number): string {
  const sign = se & 0x8000 ? '-' : '';
  const e = se & 0x7fff;
  if (e === 0x7fff) {
    if ((hi & 0x80000000) === 0) return sign + 'pseudo-' + ((hi & 0x7fffffff) === 0 && lo === 0 ? 'inf' : 'nan');
    if ((hi & 0x7fffffff) === 0 && lo === 0) return sign + 'inf';
    return sign + ((hi & 0x40000000) ? 'nan' : 'snan');
  }
  if (e !== 0 && (hi & 0x80000000) === 0) return sign + 'unnormal';
  if (sf.sigOf(hi, lo) === 0n) return sign + '0';
  const { digits: all, exp10: k } = digitsF80(se, hi, lo);
  let digits = all.replace(/0+$/, '');
  if (digits === '') digits = '0';
  if (k >= 0 && k < DIGITS) {
    if (digits.length <= k + 1) return sign + digits.padEnd(k + 1, '0');
    return sign + digits.slice(0, k + 1) + '.' + digits.slice(k + 1);
  }
  if (k < 0 && k >= -5) return sign + '0.' + '0'.repeat(-k - 1) + digits;
  const mant = digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits;
  return sign + mant + 'e' + (k >= 0 ? '+' : '') + k;
}

/** "3.14159265358979323851 (0x4000c90fdaa22168c235)". */
export function formatF80(se: number, hi: number, lo: number): string {
  return decimalF80(se, hi, lo) + ' (' + hex80(se, hi, lo) + ')';
}

/** Parse text into [se, hi, lo]; null when unparsable. Decimal input is rounded to nearest-even. */
export function parseF80(text: string): [number, number, number] | null {
  const t = text.trim().toLowerCase();
  const raw = /^0x([0-9a-f]{1,20})$/.exec(t);
  if (raw) {
    const v = BigInt('0x' + raw[1]);
    return [Number(v >> 64n) & 0xffff, Number((v >> 32n) & 0xffffffffn), Number(v & 0xffffffffn)];
  }
  const sp = /^([+-]?)(inf|infinity|nan|snan|qnan)$/.exec(t);
  if (sp) {
    const s = sp[1] === '-' ? 0x8000 : 0;
    if (sp[2].startsWith('inf')) return [s | 0x7fff, 0x80000000, 0];
    if (sp[2] === 'snan') return [s | 0x7fff, 0xa0000000, 0];
    return [s | 0x7fff, 0xc0000000, 0];
  }
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/.exec(t);
  if (!m || (m[2] === '' && (m[3] === undefined || m[3] === ''))) return null;
  const s = m[1] === '-' ? 1 : 0;
  const frac = m[3] ?? '';
  const digits = (m[2] + frac).replace(/^0+/, '');
  let exp10 = (m[4] ? parseInt(m[4], 10) : 0) - frac.length;
  if (digits === '') return [s << 15, 0, 0];
  if (!Number.isFinite(exp10) || Math.abs(exp10) > 100000) {
    exp10 = exp10 > 0 ? 100000 : -100000;
  }
  let num = BigInt(digits), den = 1n;
  if (exp10 >= 0) num *= 10n ** BigInt(exp10); else den = 10n ** BigInt(-exp10);
  // value = num/den; produce m with >= 80 significant bits plus sticky
  const shift = Math.max(0, 80 + sf.bitLen(den) - sf.bitLen(num));
  const n2 = num << BigInt(shift);
  let q = n2 / den;
  const r = n2 - q * den;
  q = (q << 1n) | (r !== 0n ? 1n : 0n);
  const saved = { flags: sf.S.flags, rc: sf.S.rc, prec: sf.S.prec, oe: sf.S.oeTrap, ue: sf.S.ueTrap, up: sf.S.roundedUp };
  sf.S.rc = sf.RC_NEAR; sf.S.oeTrap = false; sf.S.ueTrap = false;
  sf.roundPack80(s, -shift - 1, q, 64);
  const out: [number, number, number] = [sf.R.se, sf.R.hi, sf.R.lo];
  sf.S.flags = saved.flags; sf.S.rc = saved.rc; sf.S.prec = saved.prec; sf.S.oeTrap = saved.oe;
  sf.S.ueTrap = saved.ue; sf.S.roundedUp = saved.up; sf.S.key = -1;
  return out;
}

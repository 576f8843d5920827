/**
 * Tokenizer for NASM source lines (after preprocessing) and for preprocessor expressions.
 * Numbers follow NASM's forms: 0x/0h/$0 hex, h suffix, 0b/0y and b/y suffix binary, 0o/0q and o/q
 * suffix octal, 0d/0t and d/t suffix decimal, underscores anywhere; character constants in ', " and `.
 */

export const enum T {
  Id = 1,
  Num = 2,
  Str = 3,
  Op = 4,
  Float = 5,
}

export interface Token {
  t: T;
  /** Identifier text, operator text, float source text. */
  s: string;
  /** Numeric value for Num. */
  v: number | bigint;
  /** Bytes of a string constant. */
  b?: number[];
  /** 0-based column. */
  col: number;
}

export class AsmError extends Error {
  constructor(message: string, readonly col = 0) {
    super(message);
  }
}

const ID_START = new Uint8Array(128);
const ID_CHAR = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z_.?]/.test(ch)) ID_START[c] = 1;
  if (/[A-Za-z0-9_$#@~.?]/.test(ch)) ID_CHAR[c] = 1;
}
ID_START['@'.charCodeAt(0)] = 1; // nasm accepts @ at the start in practice (..@ labels use '.')

export function isIdStart(c: number): boolean {
  return c < 128 ? ID_START[c] === 1 : false;
}
export function isIdChar(c: number): boolean {
  return c < 128 ? ID_CHAR[c] === 1 : false;
}

const OPS3 = ['<<<', '>>>', '<=>'];
const OPS2 = ['<<', '>>', '//', '%%', '==', '!=', '<>', '<=', '>=', '&&', '||', '^^'];

function toNum(big: bigint): number | bigint {
  if (big > BigInt(Number.MAX_SAFE_INTEGER)) {
    return BigInt.asIntN(64, big);
  }
  return Number(big);
}

function parseDigits(s: string, radix: number): number | bigint | null {
  if (s.length === 0) return null;
  let v = 0n;
  const R = BigInt(radix);
  let small = 0;
  let useSmall = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 95) continue; // _
    let d: number;
    if (c >= 48 && c <= 57) d = c - 48;
    else if (c >= 97 && c <= 122) d = c - 87;
    else if (c >= 65 && c <= 90) d = c - 55;
    else return null;
    if (d >= radix) return null;
    if (useSmall) {
      small = small * radix + d;
      if (small > 2 ** 50) {
        useSmall = false;
        v = BigInt(small);
      }
    } else {
      v = v * R + BigInt(d);
    }
  }
  if (useSmall) return small;
  if (v >= 1n << 64n) v &= (1n << 64n) - 1n;
  return toNum(v);
}

/** Parses a NASM numeric literal; returns null if it is not a valid integer literal. */
export function parseNumber(text: string): number | bigint | null {
  const s = text;
  const lower = s.toLowerCase();
  if (lower.startsWith('$')) return parseDigits(s.slice(1), 16);
  if (lower.length > 2 && lower[0] === '0') {
    const p = lower[1];
    const rest = s.slice(2);
    if (p === 'x' || p === 'h') return parseDigits(rest, 16);
    if (p === 'b' || p === 'y') {
      const r = parseDigits(rest, 2);
      if (r !== null) return r;
    }
    if (p === 'o' || p === 'q') return parseDigits(rest, 8);
    if (p === 'd' || p === 't') {
      const r = parseDigits(rest, 10);
      if (r !== null) return r;
    }
  }
  const last = lower[lower.length - 1];
  const body = s.slice(0, -1);
  switch (last) {
    case 'h':
      return parseDigits(body, 16);
    case 'q':
    case 'o':
      return parseDigits(body, 8);
    case 'b':
    case 'y': {
      const r = parseDigits(body, 2);
      if (r !== null) return r;
      break;
    }
    case 'd':
    case 't': {
      const r = parseDigits(body, 10);
      if (r !== null) return r;
      break;
    }
  }
  return parseDigits(s, 10);
}

function escapeString(src: string, start: number, out: number[]): number {
  // backquoted string with C escapes; returns index after closing quote
  let i = start;
  while (i < src.length) {
    const ch = src[i];
    if (ch === '`') return i + 1;
    if (ch === '\\' && i + 1 < src.length) {
      const e = src[i + 1];
      i += 2;
      switch (e) {
        case 'n': out.push(10); break;
        case 't': out.push(9); break;
        case 'r': out.push(13); break;
        case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
          let v = e.charCodeAt(0) - 48;
          let k = 0;
          while (k < 2 && i < src.length && src[i] >= '0' && src[i] <= '7') {
            v = v * 8 + src.charCodeAt(i) - 48;
            i++;
            k++;
          }
          out.push(v & 0xff);
          break;
        }
        case 'x': {
          let v = 0;
          let k = 0;
          while (k < 2 && i < src.length && /[0-9a-fA-F]/.test(src[i])) {
            v = v * 16 + parseInt(src[i], 16);
            i++;
            k++;
          }
          out.push(v);
          break;
        }
        case 'a': out.push(7); break;
        case 'b': out.push(8); break;
        case 'e': out.push(27); break;
        case 'f': out.push(12); break;
        case 'v': out.push(11); break;
        case 'u': case 'U': {
          const n = e === 'u' ? 4 : 8;
          const hex = src.slice(i, i + n);
          i += n;
          pushUtf8(parseInt(hex, 16) || 0, out);
          break;
        }
        default:
          out.push(e.charCodeAt(0) & 0xff);
      }
      continue;
    }
    pushUtf8(src.codePointAt(i) ?? 0, out);
    i += (src.codePointAt(i) ?? 0) > 0xffff ? 2 : 1;
  }
  throw new AsmError('unterminated string', start - 1);
}

export function pushUtf8(cp: number, out: number[]): void {
  if (cp < 0x80) out.push(cp);
  else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 63));
  else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
  else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
}

/** Tokenizes one line (comments must already be removed, or are stopped at ';'). */
export function tokenize(src: string): Token[] {
  const toks: Token[] = [];
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src.charCodeAt(i);
    if (c === 32 || c === 9 || c === 13 || c === 10 || c === 12 || c === 11) {
      i++;
      continue;
    }
    if (c === 59) break; // ;
    const start = i;
    // numbers (and floats)
    if ((c >= 48 && c <= 57) || (c === 36 && i + 1 < n && src.charCodeAt(i + 1) >= 48 && src.charCodeAt(i + 1) <= 57)) {
      let j = i + 1;
      let isFloat = false;
      while (j < n) {
        const d = src.charCodeAt(j);
        if (isIdChar(d) && d !== 46 && d !== 36) j++;
        else if (d === 46) {
          isFloat = true;
          j++;
        } else if ((d === 43 || d === 45) && /[eEpP]$/.test(src.slice(i, j)) && !/^(0[xh]|\$)/i.test(src.slice(i, j)) && !/[hH]$/.test(src.slice(i, j))) {
          // exponent sign in a decimal float
          isFloat = true;
          j++;
        } else if ((d === 43 || d === 45) && /^0x[0-9a-f_.]*p$/i.test(src.slice(i, j))) {
          isFloat = true;
          j++;
        } else break;
      }
      const text = src.slice(i, j);
      if (!isFloat) {
        const v = parseNumber(text);
        if (v === null) {
          if (/^[0-9][0-9_]*e[0-9]+$/i.test(text)) {
            toks.push({ t: T.Float, s: text, v: 0, col: start });
            i = j;
            continue;
          }
          throw new AsmError(`invalid number '${text}'`, start);
        }
        toks.push({ t: T.Num, s: text, v, col: start });
      } else {
        toks.push({ t: T.Float, s: text, v: 0, col: start });
      }
      i = j;
      continue;
    }
    if (c === 39 || c === 34) {
      // '...' or "..."
      const q = src[i];
      const end = src.indexOf(q, i + 1);
      if (end < 0) throw new AsmError('unterminated string', start);
      const bytes: number[] = [];
      const body = src.slice(i + 1, end);
      for (let k = 0; k < body.length; k++) {
        const cp = body.codePointAt(k) ?? 0;
        if (cp > 0xffff) k++;
        pushUtf8(cp, bytes);
      }
      toks.push({ t: T.Str, s: src.slice(i, end + 1), v: 0, b: bytes, col: start });
      i = end + 1;
      continue;
    }
    if (c === 96) {
      const bytes: number[] = [];
      const end = escapeString(src, i + 1, bytes);
      toks.push({ t: T.Str, s: src.slice(i, end), v: 0, b: bytes, col: start });
      i = end;
      continue;
    }
    if (c === 63 && (i + 1 >= n || !isIdChar(src.charCodeAt(i + 1)))) {
      toks.push({ t: T.Op, s: '?', v: 0, col: start });
      i++;
      continue;
    }
    if (isIdStart(c) || c === 36 || c === 64) {
      // identifiers; '$' alone or '$$' are operators-ish ids
      let j = i + 1;
      if (c === 36) {
        if (j < n && src.charCodeAt(j) === 36) {
          toks.push({ t: T.Id, s: '$$', v: 0, col: start });
          i = j + 1;
          continue;
        }
        if (j >= n || !isIdStart(src.charCodeAt(j))) {
          toks.push({ t: T.Id, s: '$', v: 0, col: start });
          i = j;
          continue;
        }
      }
      while (j < n && isIdChar(src.charCodeAt(j))) j++;
      toks.push({ t: T.Id, s: src.slice(i, j), v: 0, col: start });
      i = j;
      continue;
    }
    // operators
    const s3 = src.substr(i, 3);
    if (OPS3.includes(s3)) {
      toks.push({ t: T.Op, s: s3, v: 0, col: start });
      i += 3;
      continue;
    }
    const s2 = src.substr(i, 2);
    if (OPS2.includes(s2)) {
      toks.push({ t: T.Op, s: s2, v: 0, col: start });
      i += 2;
      continue;
    }
    const ch = src[i];
    if ('+-*/%&|^~!<>=()[],:?{}'.includes(ch)) {
      toks.push({ t: T.Op, s: ch, v: 0, col: start });
      i++;
      continue;
    }
    if (c === 92) {
      i++;
      continue; // stray backslash
    }
    throw new AsmError(`unexpected character '${ch}'`, start);
  }
  return toks;
}

/** Finds the start of a ';' comment outside strings, or -1. */
export function commentStart(line: string): number {
  let q = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (q) {
      if (q === 96 && c === 92) {
        i++;
        continue;
      }
      if (c === q) q = 0;
      continue;
    }
    if (c === 39 || c === 34 || c === 96) q = c;
    else if (c === 59) return i;
  }
  return -1;
}

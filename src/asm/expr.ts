/**
 * NASM expressions: parsing to a small AST once, evaluation once per pass.
 * Values carry a relocation base `r` (0 = plain number; otherwise a section or extern id), so
 * `label2 - label1` is a plain number while `label` is relocatable, as in nasm.
 */
import { AsmError, T, Token } from './lexer';

export type Expr =
  | { k: 'num'; v: number | bigint }
  | { k: 'flt'; s: string }
  | { k: 'sym'; name: string; col: number }
  | { k: 'here' }
  | { k: 'base' }
  | { k: 'reg'; name: string; col: number }
  | { k: 'un'; op: string; a: Expr }
  | { k: 'bin'; op: string; a: Expr; b: Expr }
  | { k: 'tern'; c: Expr; a: Expr; b: Expr }
  | { k: 'seg'; a: Expr }
  | { k: 'wrt'; a: Expr; b: Expr };

export interface Val {
  n: number | bigint;
  /** relocation base: 0 none, >0 section id, <0 extern id */
  r: number;
  /** value not known yet (forward reference in an early pass) */
  u: boolean;
  /** `wrt ..plt/..got/..gotoff/..gotpc/..sym` (elf32 relocation flavour) */
  w?: string;
  /** the symbol named by a `sym wrt ..got/..plt/..sym` expression */
  s?: string;
}

export const REGS8 = ['al', 'cl', 'dl', 'bl', 'ah', 'ch', 'dh', 'bh'];
export const REGS16 = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di'];
export const REGS32 = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'];
export const SREGS = ['es', 'cs', 'ss', 'ds', 'fs', 'gs'];

export const enum RC {
  R8 = 1,
  R16 = 2,
  R32 = 3,
  SREG = 4,
  CREG = 5,
  DREG = 6,
  TREG = 7,
  FPU = 8,
}

export interface RegInfo {
  cls: RC;
  num: number;
  size: number;
}

export const REGISTERS = new Map<string, RegInfo>();
REGS8.forEach((r, i) => REGISTERS.set(r, { cls: RC.R8, num: i, size: 8 }));
REGS16.forEach((r, i) => REGISTERS.set(r, { cls: RC.R16, num: i, size: 16 }));
REGS32.forEach((r, i) => REGISTERS.set(r, { cls: RC.R32, num: i, size: 32 }));
SREGS.forEach((r, i) => REGISTERS.set(r, { cls: RC.SREG, num: i, size: 16 }));
for (let i = 0; i < 8; i++) {
  REGISTERS.set('cr' + i, { cls: RC.CREG, num: i, size: 32 });
  REGISTERS.set('dr' + i, { cls: RC.DREG, num: i, size: 32 });
  REGISTERS.set('tr' + i, { cls: RC.TREG, num: i, size: 32 });
  REGISTERS.set('st' + i, { cls: RC.FPU, num: i, size: 80 });
}

export function regInfo(name: string): RegInfo | undefined {
  return REGISTERS.get(name.toLowerCase());
}

// ---------------------------------------------------------------- parsing

const BIN_LEVEL = new Map<string, number>([
  ['||', 0], ['^^', 1], ['&&', 2],
  ['=', 3], ['==', 3], ['!=', 3], ['<>', 3], ['<', 3], ['<=', 3], ['>', 3], ['>=', 3], ['<=>', 3],
  ['|', 4], ['^', 5], ['&', 6], ['<<', 7], ['>>', 7], ['<<<', 7], ['>>>', 7], ['+', 8], ['-', 8],
  ['*', 9], ['/', 9], ['//', 9], ['%', 9], ['%%', 9],
]);

export class ExprParser {
  pos = 0;
  constructor(
    readonly toks: Token[],
    public allowRegs = false,
  ) {}

  peek(): Token | undefined {
    return this.toks[this.pos];
  }
  isOp(s: string): boolean {
    const t = this.toks[this.pos];
    return t !== undefined && t.t === T.Op && t.s === s;
  }
  col(): number {
    const t = this.toks[this.pos];
    return t ? t.col : this.toks.length ? this.toks[this.toks.length - 1].col + 1 : 0;
  }

  parse(): Expr {
    let e = this.ternary();
    // `wrt` applies to the whole expression before it (nasm: `sym+$$-label wrt ..gotpc`)
    for (;;) {
      const t = this.toks[this.pos];
      if (!t || t.t !== T.Id || t.s.toLowerCase() !== 'wrt') return e;
      this.pos++;
      e = { k: 'wrt', a: e, b: this.unary() };
    }
  }

  private ternary(): Expr {
    const c = this.binary(0);
    if (this.isOp('?')) {
      this.pos++;
      const a = this.ternary();
      if (!this.isOp(':')) throw new AsmError("expecting ':' in conditional expression", this.col());
      this.pos++;
      const b = this.ternary();
      return { k: 'tern', c, a, b };
    }
    return c;
  }

  /** precedence climbing over nasm's binary operator levels */
  private binary(minLevel: number): Expr {
    let a = this.unary();
    for (;;) {
      const t = this.toks[this.pos];
      if (!t) return a;
      let lvl: number | undefined;
      const op = t.s;
      if (t.t === T.Op) lvl = BIN_LEVEL.get(t.s);
      if (lvl === undefined || lvl < minLevel) return a;
      this.pos++;
      const b = this.binary(lvl + 1);
      a = { k: 'bin', op, a, b };
    }
  }
  private unary(): Expr {
    const t = this.toks[this.pos];
    if (!t) throw new AsmError('expression syntax error', this.col());
    if (t.t === T.Op && (t.s === '-' || t.s === '+' || t.s === '~' || t.s === '!')) {
      this.pos++;
      const a = this.unary();
      if (t.s === '+') return a;
      if (t.s === '-' && a.k === 'flt') return { k: 'flt', s: a.s.startsWith('-') ? a.s.slice(1) : '-' + a.s };
      if (t.s === '-' && a.k === 'num') return { k: 'num', v: typeof a.v === 'bigint' ? BigInt.asIntN(64, -a.v) : -a.v };
      return { k: 'un', op: t.s, a };
    }
    if (t.t === T.Id && t.s.toLowerCase() === 'seg') {
      this.pos++;
      return { k: 'seg', a: this.unary() };
    }
    return this.primary();
  }
  private primary(): Expr {
    const t = this.toks[this.pos];
    if (!t) throw new AsmError('expression syntax error', this.col());
    this.pos++;
    switch (t.t) {
      case T.Num:
        return { k: 'num', v: t.v };
      case T.Float:
        return { k: 'flt', s: t.s };
      case T.Str: {
        const b = t.b ?? [];
        if (b.length > 8) throw new AsmError('character constant too long', t.col);
        let v = 0n;
        for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
        return { k: 'num', v: v > BigInt(Number.MAX_SAFE_INTEGER) ? BigInt.asIntN(64, v) : Number(v) };
      }
      case T.Op:
        if (t.s === '(') {
          const e = this.ternary();
          if (!this.isOp(')')) throw new AsmError("expecting ')'", this.col());
          this.pos++;
          return e;
        }
        throw new AsmError('expression syntax error', t.col);
      case T.Id: {
        const s = t.s;
        if (s === '$') return { k: 'here' };
        if (s === '$$') return { k: 'base' };
        const lower = s.toLowerCase();
        if (this.allowRegs && REGISTERS.has(lower)) return { k: 'reg', name: lower, col: t.col };
        if (REGISTERS.has(lower)) throw new AsmError(`register '${s}' not allowed in an expression here`, t.col);
        if (lower === '__float32__' || lower === '__float64__' || lower === '__float80m__' || lower === '__float80e__' ||
            lower === '__?float32?__' || lower === '__?float64?__') {
          // __float32__(1.5): an integer holding the float's bits
          if (!this.isOp('(')) throw new AsmError("expecting '('", this.col());
          this.pos++;
          let neg = false;
          if (this.isOp('-')) {
            neg = true;
            this.pos++;
          }
          const f = this.toks[this.pos++];
          if (!f || (f.t !== T.Float && f.t !== T.Num)) throw new AsmError('expecting a floating-point constant', this.col());
          if (!this.isOp(')')) throw new AsmError("expecting ')'", this.col());
          this.pos++;
          const txt = (neg ? '-' : '') + f.s;
          const bytes = floatBytes(txt, lower.includes('32') ? 4 : 8);
          let v = 0n;
          for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
          return { k: 'num', v: v > BigInt(Number.MAX_SAFE_INTEGER) ? BigInt.asIntN(64, v) : Number(v) };
        }
        return { k: 'sym', name: s.startsWith('$') ? s.slice(1) : s, col: t.col };
      }
      default:
        throw new AsmError('expression syntax error', t.col);
    }
  }
}

// ---------------------------------------------------------------- arithmetic

const SAFE = Number.MAX_SAFE_INTEGER;
function big(x: number | bigint): bigint {
  return typeof x === 'bigint' ? x : BigInt(x);
}
function norm(x: bigint): number | bigint {
  const y = BigInt.asIntN(64, x);
  return y >= -BigInt(SAFE) && y <= BigInt(SAFE) ? Number(y) : y;
}
export function toU64(x: number | bigint): bigint {
  return BigInt.asUintN(64, big(x));
}
export function isZero(x: number | bigint): boolean {
  return typeof x === 'bigint' ? x === 0n : x === 0;
}

export function arith(op: string, a: number | bigint, b: number | bigint): number | bigint {
  if (typeof a === 'number' && typeof b === 'number') {
    switch (op) {
      case '+': {
        const r = a + b;
        if (r <= SAFE && r >= -SAFE) return r;
        break;
      }
      case '-': {
        const r = a - b;
        if (r <= SAFE && r >= -SAFE) return r;
        break;
      }
      case '*': {
        const r = a * b;
        if (r <= SAFE && r >= -SAFE) return r;
        break;
      }
      case '&':
      case '|':
      case '^':
        if (a >= 0 && b >= 0 && a <= 0x7fffffff && b <= 0x7fffffff) {
          return op === '&' ? a & b : op === '|' ? a | b : a ^ b;
        }
        break;
      case '<<':
      case '<<<':
        if (a >= 0 && a < 0x100000 && b >= 0 && b < 32) {
          const r = a * 2 ** b;
          if (r <= SAFE) return r;
        }
        break;
      case '>>':
        if (a >= 0 && b >= 0 && b < 64) return Math.floor(a / 2 ** b);
        break;
      case '>>>':
        if (b >= 0 && b < 64) return Math.floor(a / 2 ** b);
        break;
    }
  }
  const A = big(a);
  const B = big(b);
  switch (op) {
    case '+': return norm(A + B);
    case '-': return norm(A - B);
    case '*': return norm(A * B);
    case '&': return norm(A & B);
    case '|': return norm(A | B);
    case '^': return norm(A ^ B);
    case '<<':
    case '<<<': {
      const s = BigInt.asUintN(64, B);
      return s >= 64n ? 0 : norm(A << s);
    }
    case '>>': {
      const s = BigInt.asUintN(64, B);
      return s >= 64n ? 0 : norm(BigInt.asUintN(64, A) >> s);
    }
    case '>>>': {
      const s = BigInt.asUintN(64, B);
      return norm(BigInt.asIntN(64, A) >> (s >= 64n ? 63n : s));
    }
    case '/':
    case '%': {
      if (B === 0n) throw new AsmError('division by zero');
      const ua = BigInt.asUintN(64, A);
      const ub = BigInt.asUintN(64, B);
      return norm(op === '/' ? ua / ub : ua % ub);
    }
    case '//':
    case '%%': {
      if (B === 0n) throw new AsmError('division by zero');
      return norm(op === '//' ? A / B : A % B);
    }
  }
  throw new AsmError(`bad operator ${op}`);
}

function cmpNum(a: number | bigint, b: number | bigint): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  const A = big(a);
  const B = big(b);
  return A < B ? -1 : A > B ? 1 : 0;
}

// ---------------------------------------------------------------- evaluation

export interface EvalCtx {
  /** Returns the symbol's value, or undefined when not (yet) defined. */
  lookup(name: string, col: number): Val | undefined;
  here(): Val;
  base(): Val;
  /** Called for a symbol that is still undefined (final pass: error). */
  undefinedSym(name: string, col: number): void;
  segOf?(v: Val, col: number): Val;
}

const ZERO: Val = { n: 0, r: 0, u: false };

export function evaluate(e: Expr, ctx: EvalCtx): Val {
  switch (e.k) {
    case 'num':
      return { n: e.v, r: 0, u: false };
    case 'sym': {
      const v = ctx.lookup(e.name, e.col);
      if (v === undefined) {
        ctx.undefinedSym(e.name, e.col);
        return { n: 0, r: 0, u: true };
      }
      return v;
    }
    case 'here':
      return ctx.here();
    case 'base':
      return ctx.base();
    case 'flt':
      throw new AsmError('floating-point constant not allowed here');
    case 'reg':
      throw new AsmError(`register '${e.name}' not allowed in an expression here`, e.col);
    case 'seg': {
      const a = evaluate(e.a, ctx);
      if (ctx.segOf) return ctx.segOf(a, 0);
      return { n: 0, r: 0, u: a.u };
    }
    case 'wrt': {
      const a = evaluate(e.a, ctx);
      if (e.b.k === 'sym' && /^\.\.(plt|got|gotoff|gotpc|sym)$/i.test(e.b.name)) return { ...a, w: e.b.name.slice(2).toLowerCase(), s: e.a.k === 'sym' ? e.a.name : undefined };
      throw new AsmError("'wrt' is supported only with ..plt, ..got, ..gotoff, ..gotpc and ..sym");
    }
    case 'un': {
      const a = evaluate(e.a, ctx);
      if (a.r !== 0 && !a.u) throw new AsmError(`unary operator '${e.op}' applied to a relocatable value`);
      let n: number | bigint;
      switch (e.op) {
        case '-': n = arith('-', 0, a.n); break;
        case '~': n = typeof a.n === 'number' ? -a.n - 1 : norm(~a.n); break;
        default: n = isZero(a.n) ? 1 : 0; break;
      }
      return { n, r: 0, u: a.u };
    }
    case 'tern': {
      const c = evaluate(e.c, ctx);
      const a = evaluate(e.a, ctx);
      const b = evaluate(e.b, ctx);
      if (c.u) return { n: 0, r: 0, u: true };
      return isZero(c.n) ? b : a;
    }
    case 'bin': {
      const op = e.op;
      const chain = (op === '+' || op === '-') && (isAddSub(e.a) || isAddSub(e.b));
      const a = chain ? ZERO : evaluate(e.a, ctx);
      const b = chain ? ZERO : evaluate(e.b, ctx);
      const u = a.u || b.u;
      if (chain) {
        // a sum of several relocatable terms (e.g. `ext + $$ - label`): combine them all at once
        const terms: [number, Val][] = [];
        collectTerms(e, 1, ctx, terms);
        const coef = new Map<number, number>();
        let n: number | bigint = 0;
        let uu = false;
        for (const [sg, v] of terms) {
          n = arith(sg > 0 ? '+' : '-', n, v.n);
          uu = uu || v.u;
          if (v.r !== 0) coef.set(v.r, (coef.get(v.r) ?? 0) + sg);
        }
        let r = 0;
        for (const [base, c] of coef) {
          if (c === 0) continue;
          if (c !== 1 || r !== 0) {
            if (uu) return { n: 0, r: 0, u: true };
            if (relocOk) {
              r = 0;
              break;
            }
            throw new AsmError('expression is not simple or relocatable');
          }
          r = base;
        }
        return { n, r, u: uu };
      }
      if (op === '+') {
        return { n: arith('+', a.n, b.n), r: a.r || b.r, u };
      }
      if (op === '-') {
        let r = a.r;
        if (b.r !== 0) {
          if (b.r === a.r) r = 0;
          else if (!u && !relocOk) throw new AsmError('subtraction of values in different sections');
          else r = 0;
        }
        return { n: arith('-', a.n, b.n), r, u };
      }
      if ((a.r !== 0 || b.r !== 0) && !u && !relocOk) {
        throw new AsmError(`operator '${op}' applied to a relocatable value`);
      }
      if (u) return { n: 0, r: 0, u: true };
      switch (op) {
        case '&&': return { n: !isZero(a.n) && !isZero(b.n) ? 1 : 0, r: 0, u };
        case '||': return { n: !isZero(a.n) || !isZero(b.n) ? 1 : 0, r: 0, u };
        case '^^': return { n: !isZero(a.n) !== !isZero(b.n) ? 1 : 0, r: 0, u };
        case '=':
        case '==': return { n: cmpNum(a.n, b.n) === 0 ? 1 : 0, r: 0, u };
        case '!=':
        case '<>': return { n: cmpNum(a.n, b.n) !== 0 ? 1 : 0, r: 0, u };
        case '<': return { n: cmpNum(a.n, b.n) < 0 ? 1 : 0, r: 0, u };
        case '<=': return { n: cmpNum(a.n, b.n) <= 0 ? 1 : 0, r: 0, u };
        case '>': return { n: cmpNum(a.n, b.n) > 0 ? 1 : 0, r: 0, u };
        case '>=': return { n: cmpNum(a.n, b.n) >= 0 ? 1 : 0, r: 0, u };
        case '<=>': return { n: cmpNum(a.n, b.n), r: 0, u };
        default:
          return { n: arith(op, a.n, b.n), r: 0, u };
      }
    }
  }
  return ZERO;
}

function isAddSub(e: Expr): boolean {
  return (e.k === 'bin' && (e.op === '+' || e.op === '-')) || (e.k === 'un' && e.op === '-');
}

function collectTerms(e: Expr, sign: number, ctx: EvalCtx, out: [number, Val][]): void {
  if (e.k === 'bin' && (e.op === '+' || e.op === '-')) {
    collectTerms(e.a, sign, ctx, out);
    collectTerms(e.b, e.op === '+' ? sign : -sign, ctx, out);
    return;
  }
  if (e.k === 'un' && e.op === '-') {
    collectTerms(e.a, -sign, ctx, out);
    return;
  }
  out.push([sign, evaluate(e, ctx)]);
}

/** bin output resolves every label to a number; set while evaluating in bin mode. */
let relocOk = false;
export function setRelocOk(v: boolean): void {
  relocOk = v;
}

/** Does the expression mention a symbol (used for forward-reference bookkeeping)? */
export function exprSymbols(e: Expr, out: string[]): void {
  switch (e.k) {
    case 'sym': out.push(e.name); break;
    case 'un': case 'seg': exprSymbols(e.a, out); break;
    case 'bin': case 'wrt': exprSymbols(e.a, out); exprSymbols(e.b, out); break;
    case 'tern': exprSymbols(e.c, out); exprSymbols(e.a, out); exprSymbols(e.b, out); break;
  }
}

// ---------------------------------------------------------------- floats

/**
 * Converts a NASM floating-point literal to IEEE bytes (4, 8 or 10), correctly rounded
 * (round-to-nearest-even) from the exact decimal value, as nasm does.
 */
export function floatBytes(text: string, size: 4 | 8 | 10): number[] {
  let s = text.replace(/_/g, '').trim();
  let neg = false;
  if (s.startsWith('-')) {
    neg = true;
    s = s.slice(1);
  } else if (s.startsWith('+')) s = s.slice(1);
  const lower = s.toLowerCase();
  const mantBits = size === 4 ? 24 : size === 8 ? 53 : 64;
  const expBits = size === 4 ? 8 : size === 8 ? 11 : 15;
  const bias = (1 << (expBits - 1)) - 1;
  let num: bigint;
  let den = 1n;
  let special: 'inf' | 'nan' | 'qnan' | 'snan' | null = null;
  if (/^__\??(infinity|inf)\??__$/.test(lower)) special = 'inf';
  else if (/^__\??(qnan|nan)\??__$/.test(lower)) special = 'qnan';
  else if (/^__\??snan\??__$/.test(lower)) special = 'snan';
  num = 0n;
  if (!special) {
    let m: RegExpMatchArray | null;
    if ((m = /^(?:0x|0h)([0-9a-f]*)(?:\.([0-9a-f]*))?(?:p([+-]?[0-9]+))?$/.exec(lower))) {
      const ip = m[1] || '0';
      const fp = m[2] || '';
      num = BigInt('0x' + (ip + fp || '0'));
      let e2 = -4 * fp.length + (m[3] ? parseInt(m[3], 10) : 0);
      if (e2 >= 0) num <<= BigInt(e2);
      else den = 1n << BigInt(-e2);
      e2 = 0;
    } else if ((m = /^([0-9]*)(?:\.([0-9]*))?(?:e([+-]?[0-9]+))?$/.exec(lower.replace(/^0d/, '')))) {
      const ip = m[1] || '';
      const fp = m[2] || '';
      const e10 = (m[3] ? parseInt(m[3], 10) : 0) - fp.length;
      num = BigInt((ip + fp).replace(/^0+(?=.)/, '') || '0');
      if (e10 >= 0) num *= 10n ** BigInt(e10);
      else den = 10n ** BigInt(-e10);
    } else {
      throw new AsmError(`invalid floating-point constant '${text}'`);
    }
  }
  // produce sign, biased exponent, mantissa (with explicit integer bit for 80-bit)
  let expField = 0;
  let mant = 0n;
  const maxExp = (1 << expBits) - 1;
  if (special) {
    expField = maxExp;
    if (special === 'inf') mant = 0n;
    else if (special === 'qnan') mant = 1n << BigInt(mantBits - 2);
    else mant = 1n;
    if (size === 10) mant |= 1n << 63n;
  } else if (num !== 0n) {
    // find e such that 2^(mantBits-1) <= num/den * 2^k < 2^mantBits
    const nb = num.toString(2).length;
    const db = den.toString(2).length;
    let k = mantBits - (nb - db) - 1;
    const scaled = (kk: number): [bigint, bigint] => {
      const n = kk >= 0 ? num << BigInt(kk) : num;
      const d = kk >= 0 ? den : den << BigInt(-kk);
      return [n / d, n % d];
    };
    let [q, r] = scaled(k);
    while (q >= 1n << BigInt(mantBits)) {
      k--;
      [q, r] = scaled(k);
    }
    while (q < 1n << BigInt(mantBits - 1)) {
      k++;
      [q, r] = scaled(k);
    }
    // value = q * 2^-k ; unbiased exponent of leading bit = mantBits-1-k
    let e = mantBits - 1 - k;
    const minExp = 1 - bias;
    if (e < minExp) {
      // subnormal: re-scale so exponent == minExp
      const shift = minExp - e;
      k = k - shift;
      [q, r] = scaled(k);
      e = minExp;
      // rounding
      const d = k >= 0 ? den : den << BigInt(-k);
      const twice = r * 2n;
      if (twice > d || (twice === d && (q & 1n) === 1n)) q += 1n;
      if (q >= 1n << BigInt(mantBits - 1)) {
        expField = 1;
        mant = q;
      } else {
        expField = 0;
        mant = q;
      }
    } else {
      const d = k >= 0 ? den : den << BigInt(-k);
      const twice = r * 2n;
      if (twice > d || (twice === d && (q & 1n) === 1n)) q += 1n;
      if (q >= 1n << BigInt(mantBits)) {
        q >>= 1n;
        e++;
      }
      expField = e + bias;
      mant = q;
      if (expField >= maxExp) {
        expField = maxExp;
        mant = size === 10 ? 1n << 63n : 0n;
      }
    }
    if (size !== 10) mant &= (1n << BigInt(mantBits - 1)) - 1n;
  }
  const out: number[] = [];
  if (size === 10) {
    for (let i = 0; i < 8; i++) out.push(Number((mant >> BigInt(8 * i)) & 0xffn));
    const se = expField | (neg ? 0x8000 : 0);
    out.push(se & 0xff, se >> 8);
    return out;
  }
  const fracBits = mantBits - 1;
  let bits = (BigInt(expField) << BigInt(fracBits)) | mant;
  if (neg) bits |= 1n << BigInt(size * 8 - 1);
  for (let i = 0; i < size; i++) {
    out.push(Number(bits & 0xffn));
    bits >>= 8n;
  }
  return out;
}

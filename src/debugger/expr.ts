/**
 * The expression language of SPEC §7, used by watch/hover/REPL evaluation, breakpoint conditions,
 * logpoint interpolation and the REPL commands' address arguments.
 *
 *   numbers   0x10  10h  0b101  101b  0o17  17q  $1F  'A'  'AB' (NASM character constants, little-endian)
 *   names     registers (eax, ax, al, ah, zf, cs, cr0, …), symbols, `$` (linear address of EIP),
 *             `$name` forces a symbol even when it is spelled like a register
 *   operators (lowest first, NASM's precedence)  seg:offset   ||   ^^   &&   == != <> < <= > >=
 *             |   ^   &   << >>   + -   * / % (unsigned) // %% (signed)   unary - + ~ !
 *   memory    [expr], byte|word|dword|qword [expr] (also `dword ptr [x]`), [seg:offset]
 *
 * `[expr]` addresses linear memory (symbols are linear addresses); `seg:offset` computes
 * base(seg) + offset, with the segment register's hidden base, or `selector << 4` for a number.
 *
 * Values are BigInts; comparisons give 1 or 0. Errors are ExprError with a 1-based column and say
 * what was expected.
 */

export class ExprError extends Error {
  constructor(readonly column: number, readonly detail: string) {
    super(`column ${column}: ${detail}`);
    this.name = 'ExprError';
  }
}

export type Node =
  | { k: 'num'; v: bigint; pos: number }
  | { k: 'reg'; name: string; pos: number }
  | { k: 'sym'; name: string; pos: number }
  | { k: 'dollar'; pos: number }
  | { k: 'un'; op: string; a: Node; pos: number }
  | { k: 'bin'; op: string; a: Node; b: Node; pos: number }
  | { k: 'seg'; seg: Node; off: Node; pos: number }
  | { k: 'mem'; size: number; addr: Node; pos: number };

/** What the evaluator needs from the machine and the program. */
export interface EvalEnv {
  /** A register's value and width in bytes, or undefined when `name` is not a register. */
  register(name: string): { value: bigint; size: number } | undefined;
  isRegister(name: string): boolean;
  /** A symbol's linear address and element size (0 unknown), or undefined. */
  symbol(name: string): { address: number; elementSize: number } | undefined;
  /** Little-endian read of `size` bytes at a linear address; undefined when unreadable. */
  readMemory(linear: number, size: number): bigint | undefined;
  /** Linear address of the current instruction. */
  dollar(): number;
  /** Base of a segment register (`ds`) or, for a number, its base in the current mode. */
  segmentBase(selectorOrRegister: string | number): number;
  /** Default memory operand size in bytes when neither a size keyword nor a symbol says. */
  defaultSize?: number;
}

/** An evaluation result: value, width in bytes when known, and where it lives when it is an lvalue. */
export interface EvalResult {
  value: bigint;
  /** Width in bytes (0 = unsized number). */
  size: number;
  lvalue?: { kind: 'register'; name: string } | { kind: 'memory'; address: number; size: number };
}

const SIZE_WORDS: Record<string, number> = { byte: 1, word: 2, dword: 4, qword: 8 };

type Tok = { t: 'num'; v: bigint; pos: number } | { t: 'id'; v: string; pos: number } | { t: 'op'; v: string; pos: number } | { t: 'end'; pos: number };

const OPS3 = ['<<=', '>>='];
const OPS2 = ['||', '^^', '&&', '==', '!=', '<>', '<=', '>=', '<<', '>>', '//', '%%'];
const OPS1 = '+-*/%&|^~!<>()[]:=';

function isIdStart(c: string): boolean {
  return /[A-Za-z_.?@]/.test(c);
}
function isIdChar(c: string): boolean {
  return /[A-Za-z0-9_.?@$#]/.test(c);
}

function parseNumber(text: string, pos: number): bigint {
  let s = text.replace(/_/g, '').toLowerCase();
  const bad = (): never => { throw new ExprError(pos, `'${text}' is not a valid number`); };
  let radix = 10;
  if (/^0[xh]/.test(s)) { radix = 16; s = s.slice(2); }
  else if (/^0[by]/.test(s)) { radix = 2; s = s.slice(2); }
  else if (/^0[oq]/.test(s)) { radix = 8; s = s.slice(2); }
  else if (/^0[dt]/.test(s)) { radix = 10; s = s.slice(2); }
  else if (s.startsWith('$')) { radix = 16; s = s.slice(1); }
  else if (/^[0-9][0-9a-f]*h$/.test(s)) { radix = 16; s = s.slice(0, -1); }
  else if (/^[01]+[by]$/.test(s)) { radix = 2; s = s.slice(0, -1); }
  else if (/^[0-7]+[oq]$/.test(s)) { radix = 8; s = s.slice(0, -1); }
  else if (/^[0-9]+[dt]$/.test(s)) { radix = 10; s = s.slice(0, -1); }
  if (s.length === 0) bad();
  const digits = '0123456789abcdef'.slice(0, radix);
  let v = 0n;
  const r = BigInt(radix);
  for (const ch of s) {
    const d = digits.indexOf(ch);
    if (d < 0) bad();
    v = v * r + BigInt(d);
  }
  return v;
}

export function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    const pos = i + 1;
    if (c === ' ' || c === '\t') { i++; continue; }
    if (/[0-9]/.test(c) || (c === '$' && /[0-9]/.test(src[i + 1] ?? ''))) {
      let j = i + 1;
      while (j < src.length && /[0-9A-Za-z_]/.test(src[j])) j++;
      out.push({ t: 'num', v: parseNumber(src.slice(i, j), pos), pos });
      i = j;
      continue;
    }
    if (c === "'" || c === '"' || c === '`') {
      const j = src.indexOf(c, i + 1);
      if (j < 0) throw new ExprError(pos, `unterminated character constant: expected a closing ${c}`);
      const body = src.slice(i + 1, j);
      if (body.length === 0 || body.length > 8) throw new ExprError(pos, 'a character constant holds 1 to 8 characters');
      let v = 0n;
      for (let k = body.length - 1; k >= 0; k--) v = (v << 8n) | BigInt(body.charCodeAt(k) & 0xff);
      out.push({ t: 'num', v, pos });
      i = j + 1;
      continue;
    }
    if (c === '$') {
      // `$` alone is EIP; `$name` is a symbol spelled like a register.
      let j = i + 1;
      if (j < src.length && isIdStart(src[j])) {
        while (j < src.length && isIdChar(src[j])) j++;
        out.push({ t: 'id', v: src.slice(i, j), pos });
      } else {
        out.push({ t: 'id', v: '$', pos });
      }
      i = j;
      continue;
    }
    if (isIdStart(c)) {
      let j = i + 1;
      while (j < src.length && isIdChar(src[j])) j++;
      let word = src.slice(i, j);
      // st(0) spelling of x87 registers.
      if (/^st$/i.test(word) && /^\(\s*[0-7]\s*\)/.test(src.slice(j))) {
        const m = /^\(\s*([0-7])\s*\)/.exec(src.slice(j)) as RegExpExecArray;
        word = `st${m[1]}`;
        j += m[0].length;
      }
      out.push({ t: 'id', v: word, pos });
      i = j;
      continue;
    }
    const three = src.slice(i, i + 3);
    const two = src.slice(i, i + 2);
    if (OPS3.includes(three)) throw new ExprError(pos, `assignment '${three}' is not an expression operator`);
    if (OPS2.includes(two)) { out.push({ t: 'op', v: two, pos }); i += 2; continue; }
    if (OPS1.includes(c)) {
      if (c === '=') throw new ExprError(pos, "expected an operator: use '==' to compare");
      out.push({ t: 'op', v: c, pos });
      i++;
      continue;
    }
    throw new ExprError(pos, `unexpected character '${c}'`);
  }
  out.push({ t: 'end', pos: src.length + 1 });
  return out;
}

function describe(t: Tok): string {
  if (t.t === 'end') return 'the end of the expression';
  if (t.t === 'num') return `the number ${t.v}`;
  return `'${t.v}'`;
}

/** Binary operators by precedence level (index 0 lowest). */
/** NASM's order: comparisons bind looser than `|`, so `eax & 1 == 1` is `(eax & 1) == 1`. */
const LEVELS: string[][] = [
  ['||'],
  ['^^'],
  ['&&'],
  ['==', '!=', '<>', '<', '<=', '>', '>='],
  ['|'],
  ['^'],
  ['&'],
  ['<<', '>>'],
  ['+', '-'],
  ['*', '/', '%', '//', '%%'],
];

class Parser {
  private i = 0;
  constructor(private readonly toks: Tok[]) {}

  private peek(): Tok { return this.toks[this.i]; }
  private next(): Tok { return this.toks[this.i++]; }
  private isOp(v: string): boolean { const t = this.peek(); return t.t === 'op' && t.v === v; }
  private expect(v: string, what: string): Tok {
    const t = this.peek();
    if (t.t !== 'op' || t.v !== v) throw new ExprError(t.pos, `expected ${what}, found ${describe(t)}`);
    return this.next();
  }

  parseAll(): Node {
    const n = this.parseTop();
    const t = this.peek();
    if (t.t !== 'end') throw new ExprError(t.pos, `expected an operator or the end of the expression, found ${describe(t)}`);
    return n;
  }

  /** seg:offset binds loosest. */
  parseTop(): Node {
    const a = this.parseLevel(0);
    if (this.isOp(':')) {
      const t = this.next();
      const b = this.parseLevel(0);
      return { k: 'seg', seg: a, off: b, pos: t.pos };
    }
    return a;
  }

  private parseLevel(level: number): Node {
    if (level >= LEVELS.length) return this.parseUnary();
    let a = this.parseLevel(level + 1);
    for (;;) {
      const t = this.peek();
      if (t.t === 'op' && LEVELS[level].includes(t.v)) {
        this.next();
        const b = this.parseLevel(level + 1);
        a = { k: 'bin', op: t.v, a, b, pos: t.pos };
      } else {
        return a;
      }
    }
  }

  private parseUnary(): Node {
    const t = this.peek();
    if (t.t === 'op' && (t.v === '-' || t.v === '+' || t.v === '~' || t.v === '!')) {
      this.next();
      return { k: 'un', op: t.v, a: this.parseUnary(), pos: t.pos };
    }
    return this.parsePrimary();
  }

  private parsePrimary(): Node {
    const t = this.next();
    if (t.t === 'num') return { k: 'num', v: t.v, pos: t.pos };
    if (t.t === 'op' && t.v === '(') {
      const n = this.parseTop();
      this.expect(')', "')'");
      return n;
    }
    if (t.t === 'op' && t.v === '[') return this.parseMemory(0, t.pos);
    if (t.t === 'id') {
      const lower = t.v.toLowerCase();
      if (lower in SIZE_WORDS) {
        let n = this.peek();
        if (n.t === 'id' && n.v.toLowerCase() === 'ptr') { this.next(); n = this.peek(); }
        if (n.t === 'op' && n.v === '[') {
          this.next();
          return this.parseMemory(SIZE_WORDS[lower], t.pos);
        }
        throw new ExprError(n.pos, `expected '[' after '${t.v}', found ${describe(n)}`);
      }
      if (t.v === '$') return { k: 'dollar', pos: t.pos };
      if (t.v.startsWith('$')) return { k: 'sym', name: t.v.slice(1), pos: t.pos };
      return { k: 'sym', name: t.v, pos: t.pos }; // resolved to a register or a symbol at evaluation
    }
    throw new ExprError(t.pos, `expected a number, register, symbol, '(' or '[', found ${describe(t)}`);
  }

  private parseMemory(size: number, pos: number): Node {
    const addr = this.parseTop();
    this.expect(']', "']'");
    return { k: 'mem', size, addr, pos };
  }
}

/** Parses an expression (throws ExprError). The tree can be evaluated many times. */
export function parseExpression(src: string): Node {
  if (src.trim() === '') throw new ExprError(1, 'expected an expression');
  return new Parser(tokenize(src)).parseAll();
}

const M64 = (1n << 64n) - 1n;

function toSigned(v: bigint, size: number): bigint {
  if (size <= 0) return v;
  const bits = BigInt(size * 8);
  return BigInt.asIntN(Number(bits), v);
}

/** Evaluates a parsed tree. */
export function evaluateNode(n: Node, env: EvalEnv): EvalResult {
  switch (n.k) {
    case 'num': return { value: n.v, size: 0 };
    case 'dollar': return { value: BigInt(env.dollar() >>> 0), size: 4 };
    case 'sym': {
      const r = env.register(n.name);
      if (r) return { value: r.value, size: r.size, lvalue: { kind: 'register', name: n.name.toUpperCase() } };
      const s = env.symbol(n.name);
      if (s) return { value: BigInt(s.address >>> 0), size: 0 };
      throw new ExprError(n.pos, `unknown symbol or register '${n.name}'`);
    }
    case 'un': {
      const a = evaluateNode(n.a, env).value;
      switch (n.op) {
        case '-': return { value: -a, size: 0 };
        case '+': return { value: a, size: 0 };
        case '~': return { value: ~a, size: 0 };
        default: return { value: a === 0n ? 1n : 0n, size: 0 };
      }
    }
    case 'bin': {
      const ra = evaluateNode(n.a, env);
      // Short-circuit logic.
      if (n.op === '&&') return { value: ra.value !== 0n && evaluateNode(n.b, env).value !== 0n ? 1n : 0n, size: 0 };
      if (n.op === '||') return { value: ra.value !== 0n || evaluateNode(n.b, env).value !== 0n ? 1n : 0n, size: 0 };
      if (n.op === '^^') return { value: (ra.value !== 0n) !== (evaluateNode(n.b, env).value !== 0n) ? 1n : 0n, size: 0 };
      const a = ra.value;
      const b = evaluateNode(n.b, env).value;
      const bool = (x: boolean): EvalResult => ({ value: x ? 1n : 0n, size: 0 });
      switch (n.op) {
        case '+': return { value: a + b, size: 0 };
        case '-': return { value: a - b, size: 0 };
        case '*': return { value: a * b, size: 0 };
        case '/': case '//': case '%': case '%%': {
          if (b === 0n) throw new ExprError(n.pos, 'division by zero');
          if (n.op === '//') return { value: a / b, size: 0 };
          if (n.op === '%%') return { value: a % b, size: 0 };
          // NASM: `/` and `%` are unsigned (64-bit).
          const ua = BigInt.asUintN(64, a);
          const ub = BigInt.asUintN(64, b);
          return { value: n.op === '/' ? ua / ub : ua % ub, size: 0 };
        }
        case '<<': if (b < 0n || b > 64n) throw new ExprError(n.pos, 'shift count must be 0 to 64'); return { value: (a << b) & M64, size: 0 };
        case '>>': if (b < 0n || b > 64n) throw new ExprError(n.pos, 'shift count must be 0 to 64'); return { value: a >> b, size: 0 };
        case '&': return { value: a & b, size: 0 };
        case '|': return { value: a | b, size: 0 };
        case '^': return { value: a ^ b, size: 0 };
        case '==': return bool(a === b);
        case '!=': case '<>': return bool(a !== b);
        case '<': return bool(a < b);
        case '<=': return bool(a <= b);
        case '>': return bool(a > b);
        case '>=': return bool(a >= b);
      }
      throw new ExprError(n.pos, `unknown operator '${n.op}'`);
    }
    case 'seg': {
      let base: number;
      if (n.seg.k === 'sym' && env.isRegister(n.seg.name) && /^[cdefgs]s$/i.test(n.seg.name)) base = env.segmentBase(n.seg.name.toLowerCase());
      else base = env.segmentBase(Number(evaluateNode(n.seg, env).value & 0xffffn));
      const off = evaluateNode(n.off, env).value;
      return { value: BigInt((base + Number(off & 0xffffffffn)) >>> 0), size: 0 };
    }
    case 'mem': {
      const address = Number(evaluateNode(n.addr, env).value & 0xffffffffn) >>> 0;
      let size = n.size;
      if (size === 0) {
        if (n.addr.k === 'sym' && !env.isRegister(n.addr.name)) {
          const s = env.symbol(n.addr.name);
          if (s && [1, 2, 4, 8].includes(s.elementSize)) size = s.elementSize;
        }
        if (size === 0) size = env.defaultSize ?? 4;
      }
      const v = env.readMemory(address, size);
      if (v === undefined) throw new ExprError(n.pos, `cannot read ${size} byte(s) at 0x${address.toString(16)}: not mapped`);
      return { value: v, size, lvalue: { kind: 'memory', address, size } };
    }
  }
  throw new ExprError(1, 'malformed expression');
}

/** Parses and evaluates. */
export function evaluate(src: string, env: EvalEnv): EvalResult {
  return evaluateNode(parseExpression(src), env);
}

/** The value as an unsigned 32-bit address. */
export function toAddress(v: bigint): number {
  return Number(v & 0xffffffffn) >>> 0;
}

export { toSigned };

/** Names (symbols/registers) an expression refers to, for completions and validation. */
export function identifiersOf(n: Node): string[] {
  const out: string[] = [];
  const walk = (x: Node): void => {
    switch (x.k) {
      case 'sym': out.push(x.name); break;
      case 'un': walk(x.a); break;
      case 'bin': walk(x.a); walk(x.b); break;
      case 'seg': walk(x.seg); walk(x.off); break;
      case 'mem': walk(x.addr); break;
      default: break;
    }
  };
  walk(n);
  return out;
}

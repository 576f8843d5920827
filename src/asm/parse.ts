/**
 * Parses preprocessed lines into statements (label, prefixes, mnemonic/directive, operands),
 * once; expressions stay as ASTs to be evaluated in every pass.
 */
import { AsmError, T, Token, tokenize } from './lexer';
import { Expr, ExprParser, regInfo, RegInfo, RC } from './expr';
import { isMnemonic } from './insns';

export type OpAst =
  | { kind: 'reg'; reg: RegInfo; to: boolean; col: number }
  | {
      kind: 'mem';
      size: number;
      far: boolean;
      near: boolean;
      seg: number;
      regs: { name: string; reg: RegInfo; coef: number; scaled: boolean }[];
      disp: Expr | null;
      dispSize: number;
      nosplit: boolean;
      col: number;
    }
  | { kind: 'imm'; size: number; strict: boolean; jmp: '' | 'short' | 'near' | 'far'; e: Expr; seg: Expr | null; col: number };

export type DataItem = { kind: 'expr'; e: Expr; col: number } | { kind: 'str'; bytes: number[] } | { kind: 'float'; text: string; col: number } | { kind: 'undef' };

export interface Stmt {
  file: string;
  line: number;
  macro: boolean;
  text: string;
  label: string | null;
  labelCol: number;
  times: Expr | null;
  prefixes: string[];
  /** instruction mnemonic, data/res directive, or assembler directive */
  op: string;
  opCol: number;
  kind: 'none' | 'insn' | 'data' | 'res' | 'equ' | 'dir' | 'incbin';
  ops: OpAst[];
  data: DataItem[];
  unit: number;
  /** directive argument tokens */
  args: Token[];
  /** for equ / res / dir with an expression */
  expr: Expr | null;
  /** per-pass state */
  longJump: boolean;
  /** instruction whose encoding cannot depend on symbol values or position */
  constEnc: boolean;
  timesFwd?: boolean;
  cache: { bits: number; bytes: number[]; warnings: string[] } | null;
}

function exprConst(e: Expr | null): boolean {
  if (!e) return true;
  switch (e.k) {
    case 'sym': case 'here': case 'base': case 'seg': case 'wrt': return false;
    case 'un': return exprConst(e.a);
    case 'bin': return exprConst(e.a) && exprConst(e.b);
    case 'tern': return exprConst(e.c) && exprConst(e.a) && exprConst(e.b);
    default: return true;
  }
}

export function opsConst(ops: OpAst[]): boolean {
  for (const o of ops) {
    if (o.kind === 'imm' && (!exprConst(o.e) || !exprConst(o.seg))) return false;
    if (o.kind === 'mem' && !exprConst(o.disp)) return false;
  }
  return true;
}

const SIZES: Record<string, number> = { byte: 8, word: 16, dword: 32, qword: 64, tword: 80, oword: 128, yword: 256, zword: 512 };
const DATA: Record<string, number> = { db: 1, dw: 2, dd: 4, dq: 8, dt: 10, do: 16, dy: 32, dz: 64 };
const RES: Record<string, number> = { resb: 1, resw: 2, resd: 4, resq: 8, rest: 10, reso: 16, resy: 32, resz: 64 };
const PREFIXES = new Set(['lock', 'rep', 'repe', 'repz', 'repne', 'repnz', 'a16', 'a32', 'o16', 'o32', 'wait', 'xacquire', 'xrelease', 'bnd', 'nobnd']);
const SEGPFX = new Set(['es', 'cs', 'ss', 'ds', 'fs', 'gs']);
export const DIRECTIVES = new Set([
  'bits', 'use16', 'use32', 'org', 'section', 'segment', 'global', 'extern', 'common', 'absolute', 'align', 'alignb',
  'struc', 'endstruc', 'istruc', 'at', 'iend', 'cpu', 'default', 'sectalign', 'warning', 'list', 'map', 'static', 'required', 'float', 'incbin',
]);

export function dataUnit(op: string): number {
  return DATA[op] ?? 0;
}
export function resUnit(op: string): number {
  return RES[op] ?? 0;
}

export class LineParser {
  /** last non-local label, for `.local` names */
  lastGlobal = '';
  inStruc = '';

  qualify(name: string): string {
    if (name.startsWith('.') && !name.startsWith('..')) return this.lastGlobal + name;
    return name;
  }

  private qualifyExpr(e: Expr): Expr {
    switch (e.k) {
      case 'sym':
        if (e.name.startsWith('.') && !e.name.startsWith('..')) return { k: 'sym', name: this.lastGlobal + e.name, col: e.col };
        return e;
      case 'un':
      case 'seg':
        return { ...e, a: this.qualifyExpr(e.a) };
      case 'bin':
        return { ...e, a: this.qualifyExpr(e.a), b: this.qualifyExpr(e.b) };
      case 'wrt':
        return { ...e, a: this.qualifyExpr(e.a), b: this.qualifyExpr(e.b) };
      case 'tern':
        return { ...e, c: this.qualifyExpr(e.c), a: this.qualifyExpr(e.a), b: this.qualifyExpr(e.b) };
      default:
        return e;
    }
  }

  expr(p: ExprParser): Expr {
    return this.qualifyExpr(p.parse());
  }

  parse(text: string, file: string, line: number, macro: boolean): Stmt {
    const toks = tokenize(text);
    const st: Stmt = {
      file, line, macro, text, label: null, labelCol: 0, times: null, prefixes: [], op: '', opCol: 0, kind: 'none',
      ops: [], data: [], unit: 0, args: [], expr: null, longJump: false, constEnc: false, cache: null,
    };
    let i = 0;
    // [directive ...] form
    if (toks.length && toks[0].t === T.Op && toks[0].s === '[') {
      const last = toks[toks.length - 1];
      if (!(last.t === T.Op && last.s === ']')) throw new AsmError("expecting ']'", last.col);
      const inner = toks.slice(1, -1);
      if (!inner.length || inner[0].t !== T.Id) throw new AsmError('directive expected', toks[0].col);
      st.kind = 'dir';
      st.op = inner[0].s.toLowerCase();
      st.opCol = inner[0].col;
      st.args = inner.slice(1);
      return st;
    }
    // label
    const t0 = toks[0];
    if (t0 && t0.t === T.Id) {
      const low = t0.s.toLowerCase();
      const colon = toks[1] && toks[1].t === T.Op && toks[1].s === ':';
      const isKeyword = !t0.s.startsWith('$') && (isMnemonic(low) || DIRECTIVES.has(low) || PREFIXES.has(low) || low in DATA || low in RES || low === 'times' || low === 'equ' || (SEGPFX.has(low) && !colon));
      if (colon || !isKeyword) {
        if (regInfo(low) && !t0.s.startsWith('$')) throw new AsmError(`label or instruction expected at start of line, found register '${t0.s}'`, t0.col);
        if (!colon && toks.length > 1) {
          const t1 = toks[1];
          const l1 = t1.t === T.Id ? t1.s.toLowerCase() : '';
          const keywordNext = t1.t === T.Id && (isMnemonic(l1) || DIRECTIVES.has(l1) || PREFIXES.has(l1) || l1 in DATA || l1 in RES || l1 === 'times' || l1 === 'equ' || SEGPFX.has(l1));
          if (!keywordNext) throw new AsmError(`unknown instruction '${t0.s}'`, t0.col);
        }
        let name = t0.s.startsWith('$') ? t0.s.slice(1) : t0.s;
        if (name.startsWith('.') && !name.startsWith('..')) name = this.lastGlobal + name;
        else if (!name.startsWith('..')) this.lastGlobal = name;
        st.label = name;
        st.labelCol = t0.col;
        i = colon ? 2 : 1;
      }
    }
    // times / prefixes
    while (i < toks.length && toks[i].t === T.Id) {
      const low = toks[i].s.toLowerCase();
      if (low === 'times') {
        const p = new ExprParser(toks);
        p.pos = i + 1;
        st.times = this.expr(p);
        i = p.pos;
        continue;
      }
      if (PREFIXES.has(low) || (SEGPFX.has(low) && !(toks[i + 1] && toks[i + 1].t === T.Op && toks[i + 1].s === ':'))) {
        // a segment register alone followed by a mnemonic is a prefix
        if (SEGPFX.has(low) && !(toks[i + 1] && toks[i + 1].t === T.Id)) break;
        st.prefixes.push(low);
        i++;
        continue;
      }
      break;
    }
    if (i >= toks.length) {
      if (st.times) throw new AsmError('parser: instruction expected after TIMES', toks[toks.length - 1].col);
      if (st.prefixes.length) {
        st.kind = 'insn';
        st.op = '';
      }
      return st;
    }
    const opTok = toks[i];
    if (opTok.t !== T.Id) throw new AsmError('label or instruction expected at start of line', opTok.col);
    const op = opTok.s.toLowerCase();
    st.op = op;
    st.opCol = opTok.col;
    i++;
    const rest = toks.slice(i);
    if (op === 'equ') {
      if (!st.label) throw new AsmError('equ without a label', opTok.col);
      st.kind = 'equ';
      const p = new ExprParser(rest);
      st.expr = this.expr(p);
      if (p.pos < rest.length) throw new AsmError('trailing garbage after expression', rest[p.pos].col);
      return st;
    }
    if (op in DATA) {
      st.kind = 'data';
      st.unit = DATA[op];
      st.data = this.parseData(rest);
      return st;
    }
    if (op in RES) {
      st.kind = 'res';
      st.unit = RES[op];
      const p = new ExprParser(rest);
      if (!rest.length) throw new AsmError(`${op} expects a count`, opTok.col);
      st.expr = this.expr(p);
      if (p.pos < rest.length) throw new AsmError('trailing garbage after expression', rest[p.pos].col);
      return st;
    }
    if (op === 'incbin') {
      st.kind = 'incbin';
      st.args = rest;
      return st;
    }
    if (DIRECTIVES.has(op) && !isMnemonic(op)) {
      st.kind = 'dir';
      st.args = rest;
      if (op === 'struc') {
        const nm = rest[0];
        if (nm && nm.t === T.Id) this.lastGlobal = nm.s;
      }
      if (op === 'at' || op === 'align' || op === 'alignb') {
        // expressions parsed by the assembler (may carry a data/insn tail)
      }
      return st;
    }
    if (!isMnemonic(op)) throw new AsmError(`parser: instruction expected, found '${opTok.s}'`, opTok.col);
    st.kind = 'insn';
    st.ops = this.parseOperands(rest, opTok.col + opTok.s.length);
    st.constEnc = opsConst(st.ops);
    return st;
  }

  parseData(toks: Token[]): DataItem[] {
    const items: DataItem[] = [];
    let i = 0;
    if (!toks.length) return items;
    for (;;) {
      const t = toks[i];
      if (!t) throw new AsmError('expression expected', toks.length ? toks[toks.length - 1].col + 1 : 0);
      const next = toks[i + 1];
      const atEnd = !next || (next.t === T.Op && next.s === ',');
      if (t.t === T.Str && atEnd) {
        items.push({ kind: 'str', bytes: t.b ?? [] });
        i++;
      } else if (t.t === T.Op && t.s === '?' && atEnd) {
        items.push({ kind: 'undef' });
        i++;
      } else if (t.t === T.Float && atEnd) {
        items.push({ kind: 'float', text: t.s, col: t.col });
        i++;
      } else if (t.t === T.Op && (t.s === '-' || t.s === '+') && next && next.t === T.Float && (!toks[i + 2] || (toks[i + 2].t === T.Op && toks[i + 2].s === ','))) {
        items.push({ kind: 'float', text: (t.s === '-' ? '-' : '') + next.s, col: t.col });
        i += 2;
      } else if (t.t === T.Id && /^__\??(infinity|qnan|snan|nan|inf)\??__$/i.test(t.s) && atEnd) {
        items.push({ kind: 'float', text: t.s, col: t.col });
        i++;
      } else {
        const p = new ExprParser(toks);
        p.pos = i;
        // size keywords inside data (e.g. dd dword x) are ignored
        const e = this.expr(p);
        if (e.k === 'flt') items.push({ kind: 'float', text: e.s, col: t.col });
        else items.push({ kind: 'expr', e, col: t.col });
        i = p.pos;
      }
      if (i >= toks.length) break;
      if (!(toks[i].t === T.Op && toks[i].s === ',')) throw new AsmError("comma expected after operand", toks[i].col);
      i++;
      if (i >= toks.length) break; // trailing comma allowed
    }
    return items;
  }

  parseOperands(toks: Token[], endCol: number): OpAst[] {
    const ops: OpAst[] = [];
    if (!toks.length) return ops;
    // split on top-level commas
    const groups: Token[][] = [];
    let cur: Token[] = [];
    let depth = 0;
    for (const t of toks) {
      if (t.t === T.Op) {
        if (t.s === '(' || t.s === '[') depth++;
        else if (t.s === ')' || t.s === ']') depth--;
        else if (t.s === ',' && depth === 0) {
          groups.push(cur);
          cur = [];
          continue;
        }
      }
      cur.push(t);
    }
    groups.push(cur);
    for (const g of groups) {
      if (!g.length) throw new AsmError('operand expected', endCol);
      ops.push(this.parseOperand(g));
    }
    return ops;
  }

  parseOperand(g: Token[]): OpAst {
    let i = 0;
    let size = 0;
    let strict = false;
    let jmp: '' | 'short' | 'near' | 'far' = '';
    let to = false;
    const col = g[0].col;
    while (i < g.length && g[i].t === T.Id) {
      const low = g[i].s.toLowerCase();
      if (low in SIZES) size = SIZES[low];
      else if (low === 'strict') strict = true;
      else if (low === 'short' || low === 'near' || low === 'far') jmp = low;
      else if (low === 'to') to = true;
      else break;
      i++;
    }
    if (i >= g.length) throw new AsmError('operand expected after size keyword', g[g.length - 1].col);
    const t = g[i];
    // register
    if (t.t === T.Id && i === g.length - 1 && !t.s.startsWith('$')) {
      const r = regInfo(t.s);
      if (r) return { kind: 'reg', reg: r, to, col: t.col };
    }
    // segment override outside brackets: es:[bx]
    let seg = -1;
    if (t.t === T.Id && g[i + 1] && g[i + 1].t === T.Op && g[i + 1].s === ':' && g[i + 2] && g[i + 2].t === T.Op && g[i + 2].s === '[') {
      const r = regInfo(t.s);
      if (r && r.cls === RC.SREG) {
        seg = r.num;
        i += 2;
      }
    }
    const t2 = g[i];
    if (t2.t === T.Op && t2.s === '[') {
      const last = g[g.length - 1];
      if (!(last.t === T.Op && last.s === ']')) throw new AsmError("expecting ']'", last.col);
      const inner = g.slice(i + 1, g.length - 1);
      return this.parseMem(inner, size, jmp === 'far', jmp === 'near', seg, t2.col);
    }
    const p = new ExprParser(g);
    p.pos = i;
    const e = this.expr(p);
    let segE: Expr | null = null;
    let off = e;
    if (p.pos < g.length && g[p.pos].t === T.Op && g[p.pos].s === ':') {
      p.pos++;
      segE = e;
      off = this.expr(p);
    }
    if (p.pos < g.length) throw new AsmError(`expression syntax error near '${g[p.pos].s}'`, g[p.pos].col);
    return { kind: 'imm', size, strict, jmp, e: off, seg: segE, col };
  }

  parseMem(inner: Token[], size: number, far: boolean, near: boolean, seg0: number, col: number): OpAst {
    let i = 0;
    let seg = seg0;
    let dispSize = 0;
    let nosplit = false;
    for (;;) {
      const t = inner[i];
      if (!t || t.t !== T.Id) break;
      const low = t.s.toLowerCase();
      if (low in SIZES) {
        dispSize = SIZES[low];
        i++;
        continue;
      }
      if (low === 'nosplit') {
        nosplit = true;
        i++;
        continue;
      }
      if (low === 'rel' || low === 'abs') {
        i++;
        continue;
      }
      const r = regInfo(low);
      if (r && r.cls === RC.SREG && inner[i + 1] && inner[i + 1].t === T.Op && inner[i + 1].s === ':') {
        seg = r.num;
        i += 2;
        continue;
      }
      break;
    }
    if (i >= inner.length) throw new AsmError('invalid effective address: empty', col);
    const p = new ExprParser(inner, true);
    p.pos = i;
    let e = this.expr(p);
    let memWrt: Expr | null = null;
    if (e.k === 'wrt') {
      memWrt = e.b;
      e = e.a;
    }
    if (p.pos < inner.length) throw new AsmError(`invalid effective address near '${inner[p.pos].s}'`, inner[p.pos].col);
    // decompose into registers * coef + rest
    const regs: { name: string; reg: RegInfo; coef: number; scaled: boolean }[] = [];
    let scaling = false;
    const rest: { e: Expr; neg: boolean }[] = [];
    const walk = (x: Expr, sign: number): void => {
      if (x.k === 'reg') {
        const ri = regInfo(x.name)!;
        if (ri.cls !== RC.R16 && ri.cls !== RC.R32) throw new AsmError(`invalid register '${x.name}' in effective address`, x.col);
        const ex = regs.find((r) => r.name === x.name);
        if (ex) ex.coef += sign;
        else regs.push({ name: x.name, reg: ri, coef: sign, scaled: scaling });
        return;
      }
      if (x.k === 'bin' && x.op === '+') {
        walk(x.a, sign);
        walk(x.b, sign);
        return;
      }
      if (x.k === 'bin' && x.op === '-') {
        walk(x.a, sign);
        walk(x.b, -sign);
        return;
      }
      if (x.k === 'un' && x.op === '-' && hasReg(x.a)) {
        walk(x.a, -sign);
        return;
      }
      if (x.k === 'bin' && x.op === '*' && (hasReg(x.a) || hasReg(x.b))) {
        const [regSide, k] = hasReg(x.a) ? [x.a, x.b] : [x.b, x.a];
        if (hasReg(k)) throw new AsmError('invalid effective address: register multiplied by register', col);
        const kv = constValue(k);
        const was = scaling;
        scaling = true;
        walk(regSide, sign * kv);
        scaling = was;
        return;
      }
      if (hasReg(x)) throw new AsmError('invalid effective address', col);
      rest.push({ e: x, neg: sign < 0 });
    };
    walk(e, 1);
    let disp: Expr | null = null;
    for (const r of rest) {
      const term: Expr = r.neg ? { k: 'un', op: '-', a: r.e } : r.e;
      disp = disp ? { k: 'bin', op: '+', a: disp, b: term } : term;
    }
    if (memWrt && disp) disp = { k: 'wrt', a: disp, b: memWrt };
    return { kind: 'mem', size, far, near, seg, regs: regs.filter((r) => r.coef !== 0), disp, dispSize, nosplit, col };
  }
}

function hasReg(e: Expr): boolean {
  switch (e.k) {
    case 'reg': return true;
    case 'un': case 'seg': return hasReg(e.a);
    case 'bin': case 'wrt': return hasReg(e.a) || hasReg(e.b);
    case 'tern': return hasReg(e.c) || hasReg(e.a) || hasReg(e.b);
    default: return false;
  }
}

function constValue(e: Expr): number {
  switch (e.k) {
    case 'num': return Number(e.v);
    case 'un': {
      const a = constValue(e.a);
      return e.op === '-' ? -a : e.op === '~' ? ~a : a ? 0 : 1;
    }
    case 'bin': {
      const a = constValue(e.a);
      const b = constValue(e.b);
      switch (e.op) {
        case '+': return a + b;
        case '-': return a - b;
        case '*': return a * b;
        case '/': case '//': if (!b) throw new AsmError('division by zero'); return Math.trunc(a / b);
        case '<<': return a << b;
        case '>>': return a >> b;
        default: throw new AsmError('invalid effective address: scale must be a constant');
      }
    }
    default:
      throw new AsmError('invalid effective address: scale must be a constant');
  }
}

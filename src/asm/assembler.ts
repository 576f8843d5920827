/**
 * The assembler driver: preprocess, parse once, run passes until every label is stable (nasm -Ox
 * style branch relaxation), then produce `bin` or `elf32` output, the listing, the line map and the
 * symbol table. `assemble` never throws for user errors; they come back as diagnostics.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AsmDiagnostic, AsmOptions, AsmResult, AsmSymbol, LineMapEntry, SymbolKind } from './api';
import { AsmError, T, Token, tokenize } from './lexer';
import { evaluate, EvalCtx, Expr, ExprParser, floatBytes, RC, setRelocOk, Val } from './expr';
import { DataItem, LineParser, OpAst, Stmt } from './parse';
import { EOp, encodeInsn, EncCtx, Fixup, resolveEA32 } from './encoder';
import { Preprocessor } from './preproc';
import { writeElf32, ElfReloc } from './elf';

export interface Section {
  id: number;
  name: string;
  nobits: boolean;
  align: number;
  alignSet: boolean;
  start: number;
  /** label base (vstart) */
  vstart: number;
  startAttr: number | null;
  vstartAttr: number | null;
  follows: string | null;
  size: number;
  buf: Uint8Array;
  relocs: ElfReloc[];
  elfFlags: { alloc: boolean; exec: boolean; write: boolean };
  order: number;
}

interface Sym {
  name: string;
  val: Val;
  defPass: number;
  isLabel: boolean;
  sec: number;
  kind: SymbolKind;
  elem: number;
  file: string;
  line: number;
  global: boolean;
  extern: boolean;
  offset: number;
}

interface ListRec {
  st: Stmt;
  count: number;
  sec: number;
  addr: number;
  bytes: number[];
  reserved: number;
}

const ZERO: Val = { n: 0, r: 0, u: false };
/** Largest initialised output (64 MiB); nobits sections may reserve up to 1 GiB. */
const MAX_SPACE = 1 << 26;
const MAX_NOBITS = 1 << 30;
/** 32-bit effective-address decomposition depends only on the source text: computed once. */
const eaCache = new WeakMap<object, { base: number; index: number; scale: number }>();

function toNum(v: Val): number {
  return typeof v.n === 'bigint' ? Number(BigInt.asIntN(64, v.n)) : v.n;
}

function defaultResolve(fromFile: string, name: string, dirs: string[], readFile: (p: string) => Uint8Array): string | null {
  const cands: string[] = [];
  if (path.isAbsolute(name)) cands.push(name);
  else {
    cands.push(path.join(path.dirname(fromFile), name));
    cands.push(name);
    for (const d of dirs) cands.push(path.join(d, name));
  }
  for (const c of cands) {
    try {
      readFile(c);
      return c;
    } catch {
      /* next */
    }
  }
  return null;
}

export function assemble(source: string, options: AsmOptions): AsmResult {
  try {
    return new Assembler(options).run(source);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (process.env.X86VM_ASM_DEBUG) console.error(e);
    return {
      ok: false,
      diagnostics: [{ file: options.file, line: 1, column: 1, severity: 'error', message: `internal assembler error: ${msg}` }],
      output: new Uint8Array(0), bits: 16, org: 0, hasGlobalStart: false, symbols: [], lineMap: [], files: [options.file],
    };
  }
}

class Assembler {
  readonly format: 'bin' | 'elf32';
  readonly readFile: (p: string) => Uint8Array;
  diags: AsmDiagnostic[] = [];
  passDiags: AsmDiagnostic[] = [];
  stmts: Stmt[] = [];
  syms = new Map<string, Sym>();
  sections: Section[] = [];
  secByName = new Map<string, Section>();
  pass = 0;
  changed = false;
  final = false;
  // pass state
  bits: 16 | 32 = 16;
  cur!: Section;
  absMode = false;
  absVal = 0;
  absSavedSec: Section | null = null;
  org = 0;
  orgSet = false;
  strucName = '';
  strucSaved: { sec: Section; abs: boolean; absVal: number } | null = null;
  istrucBase: Val | null = null;
  istrucName = '';
  curStmt: Stmt | null = null;
  firstBits: 16 | 32 | null = null;
  globals = new Set<string>();
  externs = new Set<string>();
  externNames: string[] = [];
  hasGlobalStart = false;
  listRecs: ListRec[] = [];
  lineMap: LineMapEntry[] = [];
  files: string[] = [];
  incbinCache = new Map<string, Uint8Array>();
  labelsSeen: { sym: Sym; stmtIdx: number }[] = [];
  dataAfterLabel = new Map<string, { elem: number }>();

  constructor(readonly opts: AsmOptions) {
    this.format = opts.format ?? 'bin';
    this.readFile = opts.readFile ?? ((p: string) => fs.readFileSync(p));
  }

  err(message: string, col = 0, st: Stmt | null = this.curStmt): void {
    const d: AsmDiagnostic = { file: st ? st.file : this.opts.file, line: st ? st.line : 1, column: col + 1, severity: 'error', message };
    this.passDiags.push(d);
  }
  warn(message: string, col = 0): void {
    if (!this.final) return;
    const st = this.curStmt;
    this.passDiags.push({ file: st ? st.file : this.opts.file, line: st ? st.line : 1, column: col + 1, severity: 'warning', message });
  }

  run(source: string): AsmResult {
    const pp = new Preprocessor({
      readFile: this.readFile,
      includeDirs: this.opts.includeDirs ?? [],
      defines: {
        __OUTPUT_FORMAT__: this.format,
        '__?OUTPUT_FORMAT?__': this.format,
        __BITS__: this.format === 'bin' ? '16' : '32',
        '__?BITS?__': this.format === 'bin' ? '16' : '32',
        ...(this.opts.defines ?? {}),
      },
      resolve: (from, name, dirs) => defaultResolve(from, name, dirs, this.readFile),
    });
    pp.run(this.opts.file, source);
    for (const d of pp.diags) this.diags.push({ file: d.file, line: d.line, column: d.col, severity: d.severity, message: d.message });
    this.files = [...new Set(pp.files)];
    const lp = new LineParser();
    for (const l of pp.out) {
      try {
        const st = lp.parse(l.text, l.file, l.line, l.macro);
        if (st.kind === 'none' && !st.label) continue;
        this.stmts.push(st);
      } catch (e) {
        if (e instanceof AsmError) this.diags.push({ file: l.file, line: l.line, column: e.col + 1, severity: 'error', message: e.message });
        else throw e;
      }
    }
    setRelocOk(this.format === 'bin');
    this.syms.clear();
    // passes
    let p = 1;
    for (;;) {
      // every pass collects the outputs (line map, relocations, warnings); the last one is kept
      this.runPass(p, true);
      if (process.env.X86VM_ASM_DEBUG) console.error("pass", p, this.changed);
      if (p >= 2 && !this.changed) break;
      if (p > 60) {
        this.passDiags.push({ file: this.opts.file, line: 1, column: 1, severity: 'error', message: 'unable to find valid values for all labels after 60 passes' });
        break;
      }
      p++;
    }
    this.diags.push(...this.passDiags);
    const ok = !this.diags.some((d) => d.severity === 'error');
    setRelocOk(false);
    let output: Uint8Array = new Uint8Array(0);
    if (ok) {
      try {
        output = this.format === 'bin' ? this.binOutput() : this.elfOutput();
      } catch (e) {
        if (e instanceof AsmError) this.diags.push({ file: this.opts.file, line: 1, column: 1, severity: 'error', message: e.message });
        else throw e;
      }
    }
    const res: AsmResult = {
      ok: !this.diags.some((d) => d.severity === 'error'),
      diagnostics: this.diags,
      output,
      bits: this.firstBits ?? (this.format === 'bin' ? 16 : 32),
      org: this.org,
      hasGlobalStart: this.hasGlobalStart,
      symbols: this.symbolTable(),
      lineMap: this.lineMap,
      files: this.files,
    };
    if (this.opts.listing) res.listing = this.makeListing();
    return res;
  }

  // ------------------------------------------------------------------ sections

  getSection(name: string): Section {
    let s = this.secByName.get(name);
    if (s) return s;
    const elf = this.format === 'elf32';
    const nobits = name === '.bss' || name.startsWith('.bss.') || name === '.tbss';
    const isText = name === '.text' || name.startsWith('.text.');
    s = {
      id: this.sections.length + 1,
      name,
      nobits,
      align: elf ? (isText ? 16 : name === '.data' || name === '.bss' || name === '.rodata' ? 4 : 1) : 4,
      alignSet: false,
      start: 0,
      vstart: 0,
      startAttr: null,
      vstartAttr: null,
      follows: null,
      size: 0,
      buf: new Uint8Array(256),
      relocs: [],
      elfFlags: { alloc: true, exec: isText, write: !isText && name !== '.rodata' && !(elf && !nobits && name !== '.data' && !name.startsWith('.data')) },
      order: this.sections.length,
    };
    this.sections.push(s);
    this.secByName.set(name, s);
    return s;
  }

  layoutBin(): void {
    // .text first, then progbits in declaration order (follows= honoured), then nobits
    const prog = this.sections.filter((s) => !s.nobits);
    const nob = this.sections.filter((s) => s.nobits);
    let order = prog.slice();
    const withFollows = order.filter((s) => s.follows);
    for (const s of withFollows) {
      const i = order.indexOf(s);
      order.splice(i, 1);
      const ti = order.findIndex((x) => x.name === s.follows);
      if (ti < 0) order.push(s);
      else order.splice(ti + 1, 0, s);
    }
    order = [...order, ...nob];
    let pos = this.org;
    let first = true;
    for (const s of order) {
      if (s.startAttr !== null) pos = s.startAttr;
      else if (!first) pos = Math.ceil(pos / s.align) * s.align;
      s.start = pos;
      s.vstart = s.vstartAttr ?? pos;
      pos += s.size;
      first = false;
    }
  }

  // ------------------------------------------------------------------ symbols

  lookup = (name: string): Val | undefined => {
    const s = this.syms.get(name);
    if (!s) return undefined;
    if (s.extern) return s.val;
    if (s.defPass < this.pass - 1 && s.defPass !== this.pass) return undefined;
    return s.val;
  };

  define(name: string, val: Val, isLabel: boolean, col: number): Sym | null {
    const st = this.curStmt!;
    let s = this.syms.get(name);
    if (s && s.defPass === this.pass) {
      this.err(`label '${name}' inconsistently redefined`, col);
      return null;
    }
    if (s && s.extern) {
      this.err(`label '${name}' is declared extern and defined here`, col);
      return null;
    }
    if (!s) {
      s = { name, val, defPass: this.pass, isLabel, sec: 0, kind: 'code', elem: 0, file: st.file, line: st.line, global: false, extern: false, offset: 0 };
      this.syms.set(name, s);
      this.changed = true;
    } else {
      if (s.val.n !== val.n || s.val.r !== val.r || s.val.u !== val.u) this.changed = true;
      s.val = val;
      s.defPass = this.pass;
      s.isLabel = isLabel;
      s.file = st.file;
      s.line = st.line;
    }
    return s;
  }

  here(): Val {
    if (this.absMode) return { n: this.absVal, r: 0, u: false };
    const c = this.cur;
    return { n: c.vstart + c.size, r: c.id, u: false };
  }

  readonly ectx: EvalCtx = {
    lookup: (name) => this.lookup(name),
    here: () => this.here(),
    base: () => (this.absMode ? { n: 0, r: 0, u: false } : { n: this.cur.vstart, r: this.cur.id, u: false }),
    segOf: (_v, col) => {
      throw new AsmError(`${this.format === 'bin' ? 'binary' : 'ELF'} output format does not support segment base references`, col);
    },
    undefinedSym: (name, col) => {
      if (this.pass >= 2) this.err(`symbol '${name}' not defined`, col);
    },
  };

  ev(e: Expr): Val {
    return evaluate(e, this.ectx);
  }

  /** Evaluates a critical expression (needs a plain number). */
  evNum(e: Expr, what: string, col = 0): number {
    const v = this.ev(e);
    if (v.u) {
      if (this.pass >= 2) this.err(`non-constant ${what}`, col);
      return 0;
    }
    if (v.r !== 0 && this.format !== 'bin') throw new AsmError(`${what} must be a constant, not a relocatable value`, col);
    return toNum(v);
  }

  // ------------------------------------------------------------------ passes

  runPass(pass: number, final: boolean): void {
    this.pass = pass;
    this.final = final;
    this.changed = false;
    this.passDiags = [];
    this.bits = this.format === 'bin' ? 16 : 32;
    this.absMode = false;
    this.strucName = '';
    this.istrucBase = null;
    this.firstBits = null;
    if (this.format === 'bin') this.layoutBin();
    for (const s of this.sections) {
      s.size = 0;
      s.relocs = [];
    }
    this.cur = this.getSection('.text');
    if (final) {
      this.listRecs = [];
      this.lineMap = [];
      this.labelsSeen = [];
    }
    const longAfter = 12;
    for (let i = 0; i < this.stmts.length; i++) {
      const st = this.stmts[i];
      this.curStmt = st;
      if (pass > longAfter && st.longJump === false) {
        /* keep */
      }
      try {
        this.exec(st, i);
      } catch (e) {
        if (e instanceof AsmError) this.err(e.message, e.col ? e.col : st.opCol);
        else throw e;
      }
    }
    this.curStmt = null;
    if (this.strucName) this.err(`'struc' ${this.strucName} without 'endstruc'`, 0);
    if (this.format === 'bin') {
      // section start changes count as changes (labels move)
      const before = this.sections.map((s) => s.start);
      this.layoutBin();
      if (this.sections.some((s, i) => s.start !== before[i])) this.changed = true;
    }
  }

  private emitBytes(bytes: number[] | Uint8Array, fixups: Fixup[] | null): void {
    if (this.absMode) {
      this.absVal += bytes.length;
      return;
    }
    const s = this.cur;
    if (s.nobits) {
      if (bytes.length) this.warn(`attempt to initialize memory in a nobits section: ignored`);
      s.size += bytes.length;
      return;
    }
    const need = s.size + bytes.length;
    if (need > MAX_SPACE) throw new AsmError('section larger than 64 MiB');
    if (need > s.buf.length) {
      let n = s.buf.length * 2;
      while (n < need) n *= 2;
      const nb = new Uint8Array(n);
      nb.set(s.buf.subarray(0, s.size));
      s.buf = nb;
    }
    s.buf.set(bytes, s.size);
    if (fixups && this.format === 'elf32' && this.final) {
      for (const f of fixups) this.addReloc(s, s.size + f.at, f);
    }
    s.size += bytes.length;
  }

  private addReloc(s: Section, offset: number, f: Fixup): void {
    const r = f.val.r;
    if (r === 0) return;
    const name = r < 0 ? this.externNames[-r - 1] ?? '' : null;
    let type = f.pcrel ? (f.size === 4 ? 2 : 21) : f.size === 4 ? 1 : f.size === 2 ? 20 : 22;
    const w = f.val.w;
    if (f.size === 4) {
      if (w === 'plt') type = 4;
      else if (w === 'got') type = 3;
      else if (w === 'gotoff') type = 9;
      else if (w === 'gotpc' || name === '_GLOBAL_OFFSET_TABLE_') {
        type = 10;
        // GOTPC: the addend is relative to the start of the section (nasm's `+$$-label` idiom)
        const at = offset;
        const v = (s.buf[at] | (s.buf[at + 1] << 8) | (s.buf[at + 2] << 16) | (s.buf[at + 3] << 24)) + offset;
        s.buf[at] = v & 0xff;
        s.buf[at + 1] = (v >>> 8) & 0xff;
        s.buf[at + 2] = (v >>> 16) & 0xff;
        s.buf[at + 3] = (v >>> 24) & 0xff;
      }
    }
    if (r > 0 && f.val.s && (w === 'got' || w === 'plt' || w === 'sym')) {
      // against the symbol itself (a GOT/PLT entry is per symbol), addend 0
      const sym = this.syms.get(f.val.s);
      const symOff = sym ? toNum(sym.val) : 0;
      const at = offset;
      const v = (s.buf[at] | (s.buf[at + 1] << 8) | (s.buf[at + 2] << 16) | (s.buf[at + 3] << 24)) - symOff;
      for (let k = 0; k < 4; k++) s.buf[at + k] = (v >>> (8 * k)) & 0xff;
      s.relocs.push({ offset, type, section: 0, symbol: f.val.s });
    } else if (r > 0) s.relocs.push({ offset, type, section: r, symbol: null });
    else s.relocs.push({ offset, type, section: 0, symbol: name ?? '' });
  }

  private reserve(n: number): void {
    if (n < 0) throw new AsmError('attempt to reserve a negative amount of space');
    if (!Number.isFinite(n) || n > MAX_NOBITS || (n > MAX_SPACE && !this.absMode && !this.cur.nobits)) throw new AsmError('attempt to reserve too much space');
    if (this.absMode) {
      this.absVal += n;
      return;
    }
    const s = this.cur;
    if (s.nobits) {
      s.size += n;
      return;
    }
    this.emitBytes(new Uint8Array(n), null);
  }

  private pos(): { sec: number; addr: number } {
    if (this.absMode) return { sec: 0, addr: this.absVal };
    return { sec: this.cur.id, addr: this.cur.vstart + this.cur.size };
  }

  exec(st: Stmt, idx: number): void {
    const start = this.pos();
    const startSec = this.cur;
    const startAbs = this.absMode;
    let emitted: number[] | null = this.final && this.opts.listing ? [] : null;
    if (st.label && st.kind !== 'equ') {
      const v = this.here();
      const sym = this.define(st.label, v, true, st.labelCol);
      if (sym) {
        sym.sec = this.absMode ? 0 : this.cur.id;
        sym.offset = this.absMode ? this.absVal : this.cur.size;
        if (this.final && !st.label.startsWith('..@')) this.labelsSeen.push({ sym, stmtIdx: idx });
        sym.kind = this.absMode ? 'equ' : this.cur.nobits ? 'bss' : 'code';
        sym.elem = 0;
        this.pendingLabels.push(sym);
      }
    }
    let count = 1;
    if (st.times) {
      const v = this.ev(st.times);
      if (v.u && this.pass === 1) st.timesFwd = true;
      if (st.timesFwd) throw new AsmError('non-constant argument supplied to TIMES', st.opCol);
      if (v.u) count = 0;
      else count = toNum(v);
      if (count < 0) {
        this.err('TIMES value is negative', st.opCol);
        count = 0;
      }
      if (count > 1e8) throw new AsmError('TIMES value too large');
    }
    let reserved = 0;
    switch (st.kind) {
      case 'none':
        break;
      case 'equ': {
        const v = this.ev(st.expr!);
        const sym = this.define(st.label!, v, false, st.labelCol);
        if (sym) {
          sym.kind = 'equ';
          sym.sec = v.r > 0 ? v.r : 0;
        }
        break;
      }
      case 'insn':
        if (count > 0) {
          // nasm evaluates a TIMES instruction's operands once; only relative branches follow
          // the position of each copy
          const enc = this.encodeStmt(st, count);
          if (enc && emitted) emitted.push(...enc.bytes.slice(0, 64));
        }
        this.markPending('code', 0);
        break;
      case 'data':
        if (count > 0) {
          // evaluated once, repeated (as nasm does for TIMES)
          const d = this.buildData(st);
          for (let k = 0; k < count; k++) {
            this.emitBytes(d.out, d.fix);
            if (emitted && k === 0) emitted.push(...d.out.slice(0, 64));
          }
        }
        this.markPending('data', st.unit);
        break;
      case 'res': {
        const n = this.evNum(st.expr!, 'reserve count', st.opCol);
        if (n < 0) throw new AsmError('attempt to reserve a negative amount of space', st.opCol);
        reserved = n * st.unit * count;
        this.reserve(reserved);
        this.markPending(this.cur.nobits ? 'bss' : 'data', st.unit);
        break;
      }
      case 'incbin':
        for (let k = 0; k < count; k++) this.incbin(st);
        this.markPending('data', 1);
        break;
      case 'dir':
        this.directive(st, count);
        break;
    }
    if (this.final) {
      const end = this.pos();
      if (!startAbs && !this.absMode && this.cur === startSec) {
        const len = end.addr - start.addr;
        if (len > 0) {
          const addr = this.format === 'bin' ? start.addr : start.addr;
          const last = this.lineMap[this.lineMap.length - 1];
          if (last && last.file === st.file && last.line === st.line && last.section === startSec.name && last.address + last.length === addr) last.length += len;
          else this.lineMap.push({ file: st.file, line: st.line, address: addr, length: len, section: startSec.name });
        }
        if (this.opts.listing) this.listRecs.push({ st, count, sec: startSec.id, addr: start.addr - startSec.vstart, bytes: emitted ?? [], reserved: reserved || (startSec.nobits ? len : 0) });
      } else if (this.opts.listing) {
        this.listRecs.push({ st, count, sec: -1, addr: start.addr, bytes: [], reserved: 0 });
      }
    }
  }

  pendingLabels: Sym[] = [];
  private markPending(kind: SymbolKind, elem: number): void {
    for (const s of this.pendingLabels) {
      if (s.kind === 'equ') continue;
      s.kind = kind === 'data' && this.cur.nobits ? 'bss' : s.kind === 'bss' ? 'bss' : kind;
      s.elem = elem;
    }
    this.pendingLabels = [];
  }

  // ------------------------------------------------------------------ instructions

  private evalOp(o: OpAst): EOp {
    if (o.kind === 'reg') return { kind: 'reg', size: o.reg.size, reg: o.reg, to: o.to };
    if (o.kind === 'imm') {
      const val = this.ev(o.e);
      const seg = o.seg ? this.ev(o.seg) : null;
      return { kind: 'imm', size: o.size, val, strict: o.strict, jmp: o.jmp, seg };
    }
    // memory
    const disp = o.disp ? this.ev(o.disp) : null;
    let asize = 0;
    for (const r of o.regs) {
      const a = r.reg.cls === RC.R16 ? 16 : 32;
      if (asize && asize !== a) throw new AsmError('impossible combination of address sizes', o.col);
      asize = a;
    }
    let base = -1;
    let index = -1;
    let scale = 1;
    if (!asize) {
      asize = o.dispSize === 16 ? 16 : o.dispSize === 32 ? 32 : this.bits;
    } else if (asize === 16) {
      if (o.regs.length > 2) throw new AsmError('invalid 16-bit effective address', o.col);
      for (const r of o.regs) {
        if (r.coef !== 1) throw new AsmError('invalid 16-bit effective address: scaled register', o.col);
        const n = r.reg.num;
        if (n === 3 || n === 5) {
          if (base >= 0) throw new AsmError('invalid 16-bit effective address: two base registers', o.col);
          base = n;
        } else if (n === 6 || n === 7) {
          if (index >= 0) throw new AsmError('invalid 16-bit effective address: two index registers', o.col);
          index = n;
        } else throw new AsmError(`invalid 16-bit effective address: '${r.name}' cannot be used`, o.col);
      }
      if (base < 0 && index >= 0) {
        base = index;
        index = -1;
      }
    } else {
      let r = eaCache.get(o);
      if (!r) {
        r = resolveEA32(o.regs.map((x) => ({ num: x.reg.num, coef: x.coef, name: x.name, scaled: x.scaled })), o.nosplit, o.col);
        eaCache.set(o, r);
      }
      base = r.base;
      index = r.index;
      scale = r.scale;
    }
    return { kind: 'mem', size: o.size, far: o.far, segOv: o.seg, base, index, scale, asize, disp, dispSize: o.dispSize === asize ? 0 : o.dispSize };
  }

  /** Encodes and emits `count` copies; returns the first copy's encoding. */
  private encodeStmt(st: Stmt, count = 1): { bytes: number[]; fixups: Fixup[] } | null {
    const e = this.encodeOne(st, count);
    if (e && count === 1) this.emitBytes(e.bytes, e.fixups);
    return e;
  }

  private encodeOne(st: Stmt, count: number): { bytes: number[]; fixups: Fixup[] } | null {
    if (this.firstBits === null) this.firstBits = this.bits;
    if (!st.op) {
      // prefixes only
      const b: number[] = [];
      if (count !== 1) throw new AsmError('TIMES with a bare prefix is not supported');
      for (const p of st.prefixes) {
        const m: Record<string, number> = { lock: 0xf0, rep: 0xf3, repe: 0xf3, repz: 0xf3, repne: 0xf2, repnz: 0xf2, es: 0x26, cs: 0x2e, ss: 0x36, ds: 0x3e, fs: 0x64, gs: 0x65, wait: 0x9b };
        if (p === 'o16' || p === 'o32') { if ((p === 'o16' ? 16 : 32) !== this.bits) b.push(0x66); }
        else if (p === 'a16' || p === 'a32') { if ((p === 'a16' ? 16 : 32) !== this.bits) b.push(0x67); }
        else if (m[p] !== undefined) b.push(m[p]);
      }
      return { bytes: b, fixups: [] };
    }
    if (st.constEnc && st.cache && st.cache.bits === this.bits) {
      if (this.final) for (const w of st.cache.warnings) this.warn(w);
      for (let k = 1; k < count; k++) this.emitBytes(st.cache.bytes, null);
      if (count > 1) this.emitBytes(st.cache.bytes, null);
      return { bytes: st.cache.bytes, fixups: [] };
    }
    let ops = st.ops.map((o) => this.evalOp(o));
    let mnem = st.op;
    if (mnem === 'imul' && ops.length === 2 && ops[1].kind === 'imm') ops = [ops[0], ops[0], ops[1]];
    const here = this.here();
    const ctx: EncCtx = {
      bits: this.bits,
      addr: toNum(here),
      secR: this.absMode ? 0 : this.cur.id,
      bin: this.format === 'bin',
      longJump: st.longJump,
      warn: st.constEnc ? (m) => warnings.push(m) : (m) => this.warn(m),
    };
    const warnings: string[] = [];
    const enc = encodeInsn(mnem, st.prefixes, ops, ctx);
    if (count > 1) {
      this.emitBytes(enc.bytes, enc.fixups);
      for (let k = 1; k < count; k++) {
        ctx.addr = toNum(this.here());
        const e2 = enc.isJump ? encodeInsn(mnem, st.prefixes, ops, ctx) : enc;
        this.emitBytes(e2.bytes, e2.fixups);
      }
    }
    if (st.constEnc) {
      st.cache = { bits: this.bits, bytes: enc.bytes, warnings };
      if (this.final) for (const w of warnings) this.warn(w);
    }
    if (enc.isJump && !enc.usedShort && this.pass > 12) st.longJump = true;
    if (this.format === 'bin') {
      for (const f of enc.fixups) if (f.val.r < 0) throw new AsmError('binary output does not support external references');
    }
    mnem = '';
    return enc;
  }

  // ------------------------------------------------------------------ data

  private buildData(st: Stmt): { out: number[]; fix: Fixup[] } {
    const unit = st.unit;
    const out: number[] = [];
    const fix: Fixup[] = [];
    for (const it of st.data) this.dataItem(it, unit, out, fix);
    return { out, fix };
  }

  private emitData(st: Stmt): void {
    const d = this.buildData(st);
    this.emitBytes(d.out, d.fix);
  }

  private dataItem(it: DataItem, unit: number, out: number[], fix: Fixup[]): void {
    switch (it.kind) {
      case 'undef':
        for (let i = 0; i < unit; i++) out.push(0);
        return;
      case 'str': {
        out.push(...it.bytes);
        const rem = it.bytes.length % unit;
        if (rem) for (let i = rem; i < unit; i++) out.push(0);
        if (it.bytes.length === 0 && false) out.push(0);
        return;
      }
      case 'float': {
        if (unit !== 4 && unit !== 8 && unit !== 10) {
          if (unit === 2) throw new AsmError('16-bit floating-point constants are not supported', it.col);
          throw new AsmError(`floating-point constant not allowed in d${unit === 1 ? 'b' : 'o'}`, it.col);
        }
        out.push(...floatBytes(it.text, unit as 4 | 8 | 10));
        return;
      }
      case 'expr': {
        const v = this.ev(it.e);
        if (unit === 10) throw new AsmError('integer supplied to a DT instruction', it.col);
        const at = out.length;
        if (unit > 8) throw new AsmError(`integer data not supported in this data size`, it.col);
        let b = typeof v.n === 'bigint' ? BigInt.asUintN(64, v.n) : null;
        let n = typeof v.n === 'number' ? v.n : 0;
        if (!v.u && v.r === 0 && unit < 8) {
          const x = toNum(v);
          const lim = 2 ** (8 * unit);
          if (x >= lim || x < -lim / 2) this.warn(`${unit === 1 ? 'byte' : unit === 2 ? 'word' : 'dword'} data exceeds bounds`, it.col);
        }
        if (b === null && (n < 0 || unit === 8)) b = BigInt.asUintN(64, BigInt(Math.trunc(n)));
        for (let i = 0; i < unit; i++) {
          if (b !== null) out.push(Number((b >> BigInt(8 * i)) & 0xffn));
          else out.push(Math.floor(n / 2 ** (8 * i)) & 0xff);
        }
        n = 0;
        b = null;
        if (v.r !== 0) {
          if (unit === 4 || unit === 2 || unit === 1) fix.push({ at, size: unit as 1 | 2 | 4, val: v, pcrel: false });
          else if (this.format === 'elf32') throw new AsmError('relocation of this size not supported', it.col);
        }
        return;
      }
    }
  }

  private incbin(st: Stmt): void {
    const toks = st.args;
    if (!toks.length || toks[0].t !== T.Str) throw new AsmError('incbin expects a file name', st.opCol);
    const name = new TextDecoder().decode(Uint8Array.from(toks[0].b ?? []));
    let data = this.incbinCache.get(name);
    if (!data) {
      const p = defaultResolve(st.file, name, this.opts.includeDirs ?? [], this.readFile);
      if (p === null) throw new AsmError(`unable to open file '${name}' for incbin`, toks[0].col);
      data = this.readFile(p);
      this.incbinCache.set(name, data);
      if (!this.files.includes(p)) this.files.push(p);
    }
    const rest = splitComma(toks.slice(1));
    let skip = 0;
    let len = data.length;
    if (rest.length >= 2 && rest[1].length) skip = this.evNum(new ExprParser(rest[1]).parse(), 'incbin offset');
    if (rest.length >= 3 && rest[2].length) len = this.evNum(new ExprParser(rest[2]).parse(), 'incbin length');
    const part = data.subarray(Math.min(skip, data.length), Math.min(data.length, skip + len));
    this.emitBytes(part, null);
  }

  // ------------------------------------------------------------------ directives

  private exprArg(toks: Token[], what: string, col: number): Expr {
    if (!toks.length) throw new AsmError(`${what} expected`, col);
    const p = new ExprParser(toks);
    const e = p.parse();
    if (p.pos < toks.length) throw new AsmError(`trailing garbage after ${what}`, toks[p.pos].col);
    return e;
  }

  private directive(st: Stmt, count: number): void {
    const a = st.args;
    switch (st.op) {
      case 'bits': {
        const n = this.evNum(this.exprArg(a, 'bits value', st.opCol), 'bits');
        if (n !== 16 && n !== 32) throw new AsmError(n === 64 ? 'bits 64 is not supported (i686 only)' : `'${n}' is not a valid bits value`, st.opCol);
        this.bits = n as 16 | 32;
        return;
      }
      case 'use16':
        this.bits = 16;
        return;
      case 'use32':
        this.bits = 32;
        return;
      case 'org': {
        if (this.format !== 'bin') throw new AsmError(`unrecognised directive 'org' for elf32 output (org is for -f bin)`, st.opCol);
        const n = this.evNum(this.exprArg(a, 'org value', st.opCol), 'org');
        if (this.org !== n) {
          this.changed = true;
          this.org = n;
          this.layoutBin();
        }
        this.orgSet = true;
        return;
      }
      case 'section':
      case 'segment': {
        if (!a.length) throw new AsmError('section name expected', st.opCol);
        let name = a[0].t === T.Str ? new TextDecoder().decode(Uint8Array.from(a[0].b ?? [])) : a[0].s;
        let i = 1;
        // names like .text.foo are tokenized as one id; names with other chars are glued
        while (i < a.length && a[i].col === a[i - 1].col + a[i - 1].s.length && !(a[i].t === T.Id && /=/.test(a[i].s))) {
          if (a[i].t === T.Op && a[i].s === '=') break;
          name += a[i].s;
          i++;
        }
        const s = this.getSection(name);
        this.sectionAttrs(s, a.slice(i));
        if (this.strucName) throw new AsmError('section change inside struc', st.opCol);
        this.absMode = false;
        this.cur = s;
        return;
      }
      case 'absolute': {
        const n = this.evNum(this.exprArg(a, 'absolute address', st.opCol), 'absolute address');
        this.absMode = true;
        this.absVal = n;
        return;
      }
      case 'global':
      case 'static':
      case 'required':
        for (const t of splitComma(a)) {
          if (!t.length || t[0].t !== T.Id) throw new AsmError('symbol name expected', st.opCol);
          const nm = t[0].s.startsWith('$') ? t[0].s.slice(1) : t[0].s;
          if (st.op === 'global') {
            this.globals.add(nm);
            if (nm === '_start') this.hasGlobalStart = true;
          }
        }
        return;
      case 'extern':
        for (const t of splitComma(a)) {
          if (!t.length || t[0].t !== T.Id) throw new AsmError('symbol name expected', st.opCol);
          const nm = t[0].s.startsWith('$') ? t[0].s.slice(1) : t[0].s;
          const ex = this.syms.get(nm);
          if (ex && !ex.extern) continue; // nasm: extern after definition is ignored
          if (!ex) {
            this.externs.add(nm);
            this.externNames.push(nm);
            const id = -this.externs.size;
            this.syms.set(nm, {
              name: nm, val: { n: 0, r: this.format === 'bin' ? 0 : id, u: this.format === 'bin' }, defPass: this.pass, isLabel: false, sec: 0, kind: 'code', elem: 0,
              file: st.file, line: st.line, global: false, extern: true, offset: 0,
            });
          }
        }
        return;
      case 'common':
        throw new AsmError('common symbols are not supported', st.opCol);
      case 'cpu':
      case 'default':
      case 'warning':
      case 'list':
      case 'map':
      case 'float':
        return;
      case 'sectalign': {
        const n = this.evNum(this.exprArg(a, 'alignment', st.opCol), 'alignment');
        if (!this.absMode && n > this.cur.align) this.cur.align = n;
        return;
      }
      case 'align':
      case 'alignb': {
        const parts = splitComma(a);
        const n = this.evNum(this.exprArg(parts[0] ?? [], 'alignment', st.opCol), 'alignment');
        if (n <= 0 || (n & (n - 1)) !== 0) throw new AsmError('alignment must be a power of two', st.opCol);
        if (!this.absMode && n > this.cur.align && this.format === 'bin') this.cur.align = n;
        if (!this.absMode && n > this.cur.align && this.format === 'elf32') this.cur.align = n;
        const here = this.absMode ? this.absVal : this.cur.size;
        const pad = (n - (here % n)) % n;
        if (pad === 0) return;
        const tailStart = st.text.indexOf(',');
        if (parts.length > 1 && tailStart >= 0) {
          const lp = new LineParser();
          const sub = lp.parse(st.text.slice(tailStart + 1), st.file, st.line, st.macro);
          for (let k = 0; k < pad; ) {
            const before = this.absMode ? this.absVal : this.cur.size;
            if (sub.kind === 'data') this.emitData(sub);
            else if (sub.kind === 'res') this.reserve(this.evNum(sub.expr!, 'reserve count') * sub.unit);
            else if (sub.kind === 'insn') {
              this.encodeStmt(sub);
            } else throw new AsmError('invalid alignment fill', st.opCol);
            const after = this.absMode ? this.absVal : this.cur.size;
            if (after === before) break;
            k += after - before;
          }
          return;
        }
        if (st.op === 'alignb' || this.absMode || this.cur.nobits) this.reserve(pad);
        else this.emitBytes(new Array(pad).fill(0x90), null);
        return;
      }
      case 'struc': {
        if (!a.length || a[0].t !== T.Id) throw new AsmError('struc name expected', st.opCol);
        const nm = a[0].s;
        this.strucSaved = { sec: this.cur, abs: this.absMode, absVal: this.absVal };
        this.strucName = nm;
        this.absMode = true;
        this.absVal = 0;
        const sym = this.define(nm, { n: 0, r: 0, u: false }, true, a[0].col);
        if (sym) sym.kind = 'equ';
        return;
      }
      case 'endstruc': {
        if (!this.strucName) throw new AsmError("'endstruc' without 'struc'", st.opCol);
        const sym = this.define(this.strucName + '_size', { n: this.absVal, r: 0, u: false }, false, st.opCol);
        if (sym) sym.kind = 'equ';
        this.strucName = '';
        if (this.strucSaved) {
          this.cur = this.strucSaved.sec;
          this.absMode = this.strucSaved.abs;
          this.absVal = this.strucSaved.absVal;
        }
        return;
      }
      case 'istruc': {
        if (!a.length || a[0].t !== T.Id) throw new AsmError('istruc name expected', st.opCol);
        this.istrucName = a[0].s;
        this.istrucBase = this.here();
        return;
      }
      case 'at': {
        if (!this.istrucBase) throw new AsmError("'at' outside 'istruc'", st.opCol);
        const parts = splitComma(a);
        let e = this.exprArg(parts[0] ?? [], 'field name', st.opCol);
        if (e.k === 'sym' && e.name.startsWith('.') && !e.name.startsWith('..')) e = { ...e, name: this.istrucName + e.name };
        const target = this.evNum(e, 'field offset', st.opCol);
        const h = this.here();
        const done = toNum(h) - toNum(this.istrucBase);
        if (target < done) throw new AsmError('data in istruc overlaps the next field (at value is behind the current position)', st.opCol);
        this.emitPad(target - done);
        const tailStart = st.text.indexOf(',');
        if (parts.length > 1 && tailStart >= 0) {
          const lp = new LineParser();
          const sub = lp.parse(st.text.slice(tailStart + 1), st.file, st.line, st.macro);
          if (sub.kind === 'data') {
            for (let k = 0; k < count; k++) this.emitData(sub);
            this.markPending('data', sub.unit);
          } else if (sub.kind === 'insn') {
            this.encodeStmt(sub);
          } else if (sub.kind === 'res') this.reserve(this.evNum(sub.expr!, 'reserve count') * sub.unit);
        }
        return;
      }
      case 'iend': {
        if (!this.istrucBase) throw new AsmError("'iend' without 'istruc'", st.opCol);
        const sz = this.lookup(this.istrucName + '_size');
        if (!sz) {
          if (this.pass >= 2) throw new AsmError(`unknown structure '${this.istrucName}'`, st.opCol);
          this.istrucBase = null;
          return;
        }
        const done = toNum(this.here()) - toNum(this.istrucBase);
        const total = toNum(sz);
        if (total > done) this.emitPad(total - done);
        this.istrucBase = null;
        return;
      }
      case 'endstruc_': return;
      default:
        throw new AsmError(`unrecognised directive '${st.op}'`, st.opCol);
    }
  }

  private emitPad(n: number): void {
    if (n <= 0) return;
    if (n > MAX_SPACE) throw new AsmError('padding larger than 64 MiB');
    if (this.absMode || this.cur.nobits) this.reserve(n);
    else this.emitBytes(new Uint8Array(n), null);
  }

  private sectionAttrs(s: Section, toks: Token[]): void {
    let i = 0;
    while (i < toks.length) {
      const t = toks[i];
      if (t.t !== T.Id) {
        i++;
        continue;
      }
      const key = t.s.toLowerCase();
      let val: Token[] | null = null;
      if (toks[i + 1] && toks[i + 1].t === T.Op && toks[i + 1].s === '=') {
        let j = i + 2;
        const v: Token[] = [];
        while (j < toks.length && !(toks[j].t === T.Id && toks[j + 1] && toks[j + 1].t === T.Op && toks[j + 1].s === '=') && !(toks[j].t === T.Id && /^(progbits|nobits|alloc|noalloc|exec|noexec|write|nowrite)$/i.test(toks[j].s))) {
          v.push(toks[j]);
          j++;
        }
        val = v;
        i = j;
      } else i++;
      switch (key) {
        case 'progbits': s.nobits = false; break;
        case 'nobits': s.nobits = true; break;
        case 'alloc': s.elfFlags.alloc = true; break;
        case 'noalloc': s.elfFlags.alloc = false; break;
        case 'exec': s.elfFlags.exec = true; break;
        case 'noexec': s.elfFlags.exec = false; break;
        case 'write': s.elfFlags.write = true; break;
        case 'nowrite': s.elfFlags.write = false; break;
        case 'align':
          if (val) {
            const n = this.evNum(new ExprParser(val).parse(), 'section alignment');
            if (n <= 0 || (n & (n - 1))) throw new AsmError('section alignment must be a power of two', t.col);
            s.align = n;
            s.alignSet = true;
          }
          break;
        case 'start':
          if (val) s.startAttr = this.evNum(new ExprParser(val).parse(), 'section start');
          break;
        case 'vstart':
          if (val) s.vstartAttr = this.evNum(new ExprParser(val).parse(), 'section vstart');
          break;
        case 'follows':
        case 'vfollows':
          if (val && val.length) s.follows = val.map((x) => x.s).join('');
          break;
        default:
          break;
      }
    }
  }

  // ------------------------------------------------------------------ outputs

  binOutput(): Uint8Array {
    this.layoutBin();
    const prog = this.sections.filter((s) => !s.nobits && s.size > 0);
    if (!prog.length) return new Uint8Array(0);
    const lo = Math.min(this.org, ...prog.map((s) => s.start));
    const hi = Math.max(...prog.map((s) => s.start + s.size));
    const base = Math.min(lo, ...prog.map((s) => s.start));
    if (hi - base > MAX_SPACE) throw new AsmError('output image larger than 64 MiB (check org and section start= addresses)');
    const out = new Uint8Array(hi - base);
    for (const s of prog) out.set(s.buf.subarray(0, s.size), s.start - base);
    // nasm starts the file at the first section, not at a lower org
    const first = Math.min(...prog.map((s) => s.start));
    return out.subarray(first - base);
  }

  elfOutput(): Uint8Array {
    const syms = [...this.syms.values()];
    for (const g of this.globals) {
      const s = this.syms.get(g);
      if (!s) throw new AsmError(`symbol '${g}' declared global but not defined`);
    }
    return writeElf32({
      file: path.basename(this.opts.file),
      sections: this.sections.map((s) => ({ name: s.name, nobits: s.nobits, align: s.align, data: s.buf.subarray(0, s.size), size: s.size, relocs: s.relocs, flags: s.elfFlags })),
      symbols: syms
        .filter((s) => !s.name.startsWith('..@'))
        .map((s) => ({
          name: s.name,
          value: s.extern ? 0 : toNum(s.val),
          section: s.extern ? -1 : s.val.r > 0 ? s.val.r : 0,
          global: this.globals.has(s.name) || s.extern,
          extern: s.extern,
          func: false,
        })),
    });
  }

  symbolTable(): AsmSymbol[] {
    const out: AsmSymbol[] = [];
    const bySec = new Map<number, Sym[]>();
    for (const s of this.syms.values()) {
      if (s.extern || s.name.startsWith('..@')) continue;
      if (s.isLabel && s.sec > 0) {
        const l = bySec.get(s.sec) ?? [];
        l.push(s);
        bySec.set(s.sec, l);
      }
    }
    const sizeOf = new Map<Sym, number>();
    for (const [secId, list] of bySec) {
      const sec = this.sections[secId - 1];
      list.sort((a, b) => a.offset - b.offset);
      for (let i = 0; i < list.length; i++) {
        let j = i + 1;
        while (j < list.length && list[j].offset === list[i].offset) j++;
        const end = j < list.length ? list[j].offset : sec.size;
        sizeOf.set(list[i], end - list[i].offset);
      }
    }
    for (const s of this.syms.values()) {
      if (s.extern || s.name.startsWith('..@')) continue;
      const secName = s.sec > 0 ? this.sections[s.sec - 1].name : s.val.r > 0 ? this.sections[s.val.r - 1].name : '';
      const kind: SymbolKind = s.isLabel && s.sec > 0 ? s.kind : 'equ';
      out.push({
        name: s.name,
        value: toNum(s.val),
        size: sizeOf.get(s) ?? 0,
        kind,
        elementSize: kind === 'data' || kind === 'bss' ? s.elem : 0,
        section: secName,
        global: this.globals.has(s.name),
        file: s.file,
        line: s.line,
      });
    }
    return out;
  }

  makeListing(): string {
    // nasm -l layout: line number, address, up to 9 bytes (continued on following rows), macro level, source
    const lines: string[] = [];
    const blank = ' '.repeat(8);
    for (const r of this.listRecs) {
      const st = r.st;
      const num = String(st.line).padStart(6);
      const lvl = st.macro ? '<1> ' : '    ';
      const src = st.text;
      if (r.sec < 0 || (r.bytes.length === 0 && r.reserved === 0)) {
        lines.push(`${num} ${blank} ${' '.repeat(20)}${lvl}${src}`);
        continue;
      }
      const addr = r.addr.toString(16).toUpperCase().padStart(8, '0');
      if (r.reserved && !r.bytes.length) {
        lines.push(`${num} ${addr} ${('<res ' + r.reserved.toString(16).toUpperCase() + 'h>').padEnd(20)}${lvl}${src}`);
        continue;
      }
      let hex = r.bytes.map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join('');
      if (r.count > 1) {
        const one = hex;
        if (one.length <= 18) {
          lines.push(`${num} ${addr} ${(one + '<rep ' + r.count.toString(16).toUpperCase() + 'h>').padEnd(20)}${lvl}${src}`);
          continue;
        }
      }
      for (let k = 0; k < hex.length; k += 18) {
        const part = hex.slice(k, k + 18) + (k + 18 < hex.length ? '-' : '');
        if (k === 0) lines.push(`${num} ${addr} ${part.padEnd(20)}${lvl}${src}`);
        else lines.push(`${num} ${(r.addr + k / 2).toString(16).toUpperCase().padStart(8, '0')} ${part.padEnd(20)}`.trimEnd());
      }
    }
    return lines.join('\n') + '\n';
  }
}

function splitComma(toks: Token[]): Token[][] {
  const out: Token[][] = [];
  let cur: Token[] = [];
  let depth = 0;
  for (const t of toks) {
    if (t.t === T.Op && (t.s === '(' || t.s === '[')) depth++;
    if (t.t === T.Op && (t.s === ')' || t.s === ']')) depth--;
    if (t.t === T.Op && t.s === ',' && depth === 0) {
      out.push(cur);
      cur = [];
      continue;
    }
    cur.push(t);
  }
  out.push(cur);
  return out;
}

export { ZERO, tokenize };

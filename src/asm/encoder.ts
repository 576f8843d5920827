/**
 * Instruction encoding: operand evaluation, template matching (nasm's preference order and its
 * optimisations: sign-extended imm8 forms, short jumps, disp8, moffs, [reg*2] split into base+index)
 * and byte emission.
 */
import { AsmError } from './lexer';
import { Val, RC, RegInfo } from './expr';
import { Template, templates } from './insns';

export interface EOp {
  kind: 'reg' | 'mem' | 'imm';
  size: number;
  reg?: RegInfo;
  to?: boolean;
  // imm
  val?: Val;
  strict?: boolean;
  jmp?: '' | 'short' | 'near' | 'far';
  seg?: Val | null;
  // mem
  far?: boolean;
  segOv?: number;
  base?: number;
  index?: number;
  scale?: number;
  asize?: number;
  disp?: Val | null;
  dispSize?: number;
}

export interface Fixup {
  /** byte offset inside the instruction */
  at: number;
  size: 1 | 2 | 4;
  val: Val;
  pcrel: boolean;
}

export interface EncCtx {
  bits: 16 | 32;
  /** address of the first byte of the instruction (same space as label values) */
  addr: number;
  /** relocation base id of the current section */
  secR: number;
  /** bin output: all labels are numbers; elf: labels in other sections need relocations */
  bin: boolean;
  /** force near jumps (relaxation stabilisation) */
  longJump: boolean;
  warn: (msg: string) => void;
}

export interface Encoded {
  bytes: number[];
  fixups: Fixup[];
  /** true if a short jump was chosen for a target that can later move */
  usedShort: boolean;
  isJump: boolean;
}

function num(v: Val): number {
  return typeof v.n === 'bigint' ? Number(BigInt.asIntN(64, v.n)) : v.n;
}

function fitsSbyte(v: Val, osize: number): boolean {
  if (v.u || v.r !== 0) return false;
  const n = num(v);
  if (osize === 16) return ((n + 128) & 0xffff) <= 255;
  return ((n + 128) >>> 0) <= 255 && n >= -0x80000000 - 128 && n <= 0xffffffff + 128;
}

const SEGPFX = [0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65];

/** Does operand `o` match template operand type `t`? Returns 0 no, 1 yes, 2 yes but size missing. */
function matchOp(t: string, o: EOp, ops: EOp[], tpl: Template, ctx: EncCtx): number {
  switch (t) {
    case 'r8': return o.kind === 'reg' && o.reg!.cls === RC.R8 ? 1 : 0;
    case 'r16': return o.kind === 'reg' && o.reg!.cls === RC.R16 ? 1 : 0;
    case 'r32': return o.kind === 'reg' && o.reg!.cls === RC.R32 ? 1 : 0;
    case 'al': return o.kind === 'reg' && o.reg!.cls === RC.R8 && o.reg!.num === 0 ? 1 : 0;
    case 'ax': return o.kind === 'reg' && o.reg!.cls === RC.R16 && o.reg!.num === 0 ? 1 : 0;
    case 'eax': return o.kind === 'reg' && o.reg!.cls === RC.R32 && o.reg!.num === 0 ? 1 : 0;
    case 'cl': return o.kind === 'reg' && o.reg!.cls === RC.R8 && o.reg!.num === 1 ? 1 : 0;
    case 'dx': return o.kind === 'reg' && o.reg!.cls === RC.R16 && o.reg!.num === 2 ? 1 : 0;
    case 'cx': return o.kind === 'reg' && o.reg!.cls === RC.R16 && o.reg!.num === 1 ? 1 : 0;
    case 'ecx': return o.kind === 'reg' && o.reg!.cls === RC.R32 && o.reg!.num === 1 ? 1 : 0;
    case 'es': case 'cs': case 'ss': case 'ds': case 'fs': case 'gs':
      return o.kind === 'reg' && o.reg!.cls === RC.SREG && o.reg!.num === ['es', 'cs', 'ss', 'ds', 'fs', 'gs'].indexOf(t) ? 1 : 0;
    case 'sreg': return o.kind === 'reg' && o.reg!.cls === RC.SREG ? 1 : 0;
    case 'creg': return o.kind === 'reg' && o.reg!.cls === RC.CREG ? 1 : 0;
    case 'dreg': return o.kind === 'reg' && o.reg!.cls === RC.DREG ? 1 : 0;
    case 'treg': return o.kind === 'reg' && o.reg!.cls === RC.TREG ? 1 : 0;
    case 'fpu': return o.kind === 'reg' && o.reg!.cls === RC.FPU && !o.to ? 1 : 0;
    case 'tofpu': return o.kind === 'reg' && o.reg!.cls === RC.FPU && !!o.to ? 1 : 0;
    case 'st0': return o.kind === 'reg' && o.reg!.cls === RC.FPU && o.reg!.num === 0 ? 1 : 0;
    case 'rm8': case 'rm16': case 'rm32': {
      const sz = t === 'rm8' ? 8 : t === 'rm16' ? 16 : 32;
      if (o.kind === 'reg') return o.reg!.cls === (sz === 8 ? RC.R8 : sz === 16 ? RC.R16 : RC.R32) ? 1 : 0;
      if (o.kind !== 'mem' || o.far) return 0;
      return memSize(o, sz, ops, tpl, ctx);
    }
    case 'm': return o.kind === 'mem' && !o.far ? 1 : 0;
    case 'm8': case 'm16': case 'm32': case 'm64': case 'm80': {
      if (o.kind !== 'mem' || o.far) return 0;
      return memSize(o, parseInt(t.slice(1), 10), ops, tpl, ctx);
    }
    case 'mfar16': case 'mfar32': {
      if (o.kind !== 'mem' || !o.far) return 0;
      const sz = t === 'mfar16' ? 16 : 32;
      if (o.size) return o.size === sz ? 1 : 0;
      return ctx.bits === sz ? 1 : 0;
    }
    case 'mo8': case 'mo16': case 'mo32': {
      if (o.kind !== 'mem' || o.far || o.base! >= 0 || o.index! >= 0) return 0;
      const sz = parseInt(t.slice(2), 10);
      if (o.size && o.size !== sz) return 0;
      return 1;
    }
    case 'one':
      return o.kind === 'imm' && !o.seg && !o.size && !o.val!.u && o.val!.r === 0 && num(o.val!) === 1 && !o.jmp ? 1 : 0;
    case 'imm8': case 'imm16': case 'imm32': {
      if (o.kind !== 'imm' || o.seg || o.jmp) return 0;
      const sz = parseInt(t.slice(3), 10);
      if (o.size) return o.size === sz ? 1 : 0;
      if (tpl.bitsFlag) return (tpl.osize || 8) === ctx.bits || (sz === ctx.bits) ? 1 : 0;
      return 1;
    }
    case 'sb16': case 'sb32': {
      if (o.kind !== 'imm' || o.seg || o.jmp) return 0;
      const sz = t === 'sb16' ? 16 : 32;
      if (o.size === 8) return 1;
      if (o.size && o.size !== sz) return 0;
      if (!o.size && tpl.bitsFlag && sz !== ctx.bits) return 0;
      if (o.strict) return 0;
      return fitsSbyte(o.val!, sz) ? 1 : 0;
    }
    case 'rel8': {
      if (o.kind !== 'imm' || o.seg) return 0;
      if (o.jmp === 'short') return 1;
      if (o.jmp === 'near' || o.jmp === 'far' || o.strict || o.size) return 0;
      if (ctx.longJump && tpl.mnem !== 'jcxz' && tpl.mnem !== 'jecxz' && !tpl.mnem.startsWith('loop')) return 0;
      const v = o.val!;
      if (v.u) return 1; // optimistic in the first pass
      if (!sameSection(v, ctx)) return tpl.mnem.startsWith('loop') || tpl.mnem.startsWith('jcxz') || tpl.mnem === 'jecxz' ? 1 : 0;
      const d = num(v) - (ctx.addr + 2 + (tpl.asize && tpl.asize !== ctx.bits ? 1 : 0));
      if (d >= -128 && d <= 127) return 1;
      return tpl.mnem.startsWith('loop') || tpl.mnem === 'jcxz' || tpl.mnem === 'jecxz' ? 1 : 0; // error later
    }
    case 'rel16': case 'rel32': {
      if (o.kind !== 'imm' || o.seg) return 0;
      if (o.jmp === 'short' || o.jmp === 'far') return 0;
      const sz = t === 'rel16' ? 16 : 32;
      if (o.size) return o.size === sz ? 1 : 0;
      return ctx.bits === sz ? 1 : 0;
    }
    case 'far16': case 'far32': {
      if (o.kind !== 'imm' || !o.seg) return 0;
      const sz = t === 'far16' ? 16 : 32;
      if (o.size) return o.size === sz ? 1 : 0;
      return ctx.bits === sz ? 1 : 0;
    }
  }
  return 0;
}


function sameSection(v: Val, ctx: EncCtx): boolean {
  if (ctx.bin) return true;
  return v.r === ctx.secR;
}

function memSize(o: EOp, sz: number, ops: EOp[], tpl: Template, ctx: EncCtx): number {
  if (o.size) return o.size === sz ? 1 : 0;
  // size implied by a register operand of the same size
  for (let i = 0; i < ops.length; i++) {
    const x = ops[i];
    if (x !== o && x.kind === 'reg' && (x.reg!.cls === RC.R8 || x.reg!.cls === RC.R16 || x.reg!.cls === RC.R32 || x.reg!.cls === RC.SREG) && x.reg!.size === sz) {
      const tt = tpl.ops[i];
      if (tt !== 'cl' && tt !== 'dx') return 1;
    }
  }
  if (tpl.bitsFlag) return sz === ctx.bits ? 1 : 0;
  return 2;
}

function tplMemSize(t: string): number {
  const m = /^(?:rm|m|mo)(8|16|32|64|80)$/.exec(t);
  return m ? parseInt(m[1], 10) : 0;
}

export function findTemplate(mnem: string, ops: EOp[], ctx: EncCtx): Template {
  const list = templates().get(mnem);
  if (!list) throw new AsmError(`unknown instruction '${mnem}'`);
  let fuzzy: Template | null = null;
  let fuzzySizes: number[] | null = null;
  let ambiguous = false;
  let countMatch = false;
  for (const tpl of list) {
    if (tpl.ops.length !== ops.length) continue;
    countMatch = true;
    let ok = 1;
    for (let i = 0; i < ops.length && ok; i++) {
      const m = matchOp(tpl.ops[i], ops[i], ops, tpl, ctx);
      if (m === 0) ok = 0;
      else if (m === 2) ok = 2;
    }
    if (ok === 1) return tpl;
    if (ok === 2) {
      const sizes = tpl.ops.map((t, i) => (ops[i].kind === 'mem' && !ops[i].size ? tplMemSize(t) : 0));
      if (!fuzzy) {
        fuzzy = tpl;
        fuzzySizes = sizes;
      } else if (fuzzySizes && sizes.some((s, i) => s !== fuzzySizes![i])) ambiguous = true;
    }
  }
  if (fuzzy && !ambiguous) return fuzzy;
  if (fuzzy) throw new AsmError('operation size not specified');
  if (!countMatch) throw new AsmError(`invalid combination of opcode and operands`);
  // helpful messages
  for (const o of ops) {
    if (o.kind === 'imm' && o.jmp === 'short' && list.some((t) => t.ops[0] === 'rel8')) throw new AsmError('short jump is out of range');
  }
  if (list.some((t) => t.ops[0] === 'rel8' && t.ops.length === 1) && !list.some((t) => t.ops[0] === 'rel16') && ops.length === 1 && ops[0].kind === 'imm') {
    throw new AsmError('short jump is out of range');
  }
  throw new AsmError('invalid combination of opcode and operands');
}

/** Emits modrm/sib/displacement for a memory operand or a register in the rm field. */
function emitModrm(out: number[], fix: Fixup[], regField: number, o: EOp, ctx: EncCtx): void {
  if (o.kind === 'reg') {
    out.push(0xc0 | (regField << 3) | o.reg!.num);
    return;
  }
  const disp = o.disp;
  const dv = disp ? disp : null;
  const wrap = (n: number): number => (o.asize === 16 ? (((n & 0xffff) ^ 0x8000) - 0x8000) : n | 0);
  const dispKnownSmall = (): boolean => {
    if (!dv) return true;
    if (dv.r !== 0 || dv.u) return false;
    const n = wrap(num(dv));
    return n >= -128 && n <= 127;
  };
  const isZeroDisp = !dv || (dv.r === 0 && !dv.u && wrap(num(dv)) === 0);
  if (o.asize === 16) {
    const b = o.base!;
    const x = o.index!;
    // b/x are 16-bit register numbers: bx=3 bp=5 si=6 di=7
    let rm: number;
    const has = (r: number): boolean => b === r || x === r;
    if (b < 0 && x < 0) {
      out.push((regField << 3) | 6);
      pushDisp(out, fix, dv, 2);
      return;
    }
    if (has(3) && has(6)) rm = 0;
    else if (has(3) && has(7)) rm = 1;
    else if (has(5) && has(6)) rm = 2;
    else if (has(5) && has(7)) rm = 3;
    else if (x < 0 && b === 6) rm = 4;
    else if (x < 0 && b === 7) rm = 5;
    else if (x < 0 && b === 5) rm = 6;
    else if (x < 0 && b === 3) rm = 7;
    else throw new AsmError('invalid 16-bit effective address');
    let mod: number;
    if (o.dispSize === 8) mod = 1;
    else if (o.dispSize === 16) mod = 2;
    else if (isZeroDisp && rm !== 6) mod = 0;
    else if (dispKnownSmall()) mod = 1;
    else mod = 2;
    out.push((mod << 6) | (regField << 3) | rm);
    if (mod === 1) pushDisp(out, fix, dv, 1);
    else if (mod === 2) pushDisp(out, fix, dv, 2);
    return;
  }
  const base = o.base!;
  const index = o.index!;
  const scale = o.scale!;
  if (base < 0 && index < 0) {
    out.push((regField << 3) | 5);
    pushDisp(out, fix, dv, 4);
    return;
  }
  const ss = scale === 1 ? 0 : scale === 2 ? 1 : scale === 4 ? 2 : scale === 8 ? 3 : -1;
  if (ss < 0) throw new AsmError('invalid effective address: bad scale');
  if (base < 0) {
    // index only: SIB with no base, disp32
    out.push((regField << 3) | 4, (ss << 6) | (index << 3) | 5);
    pushDisp(out, fix, dv, 4);
    return;
  }
  let mod: number;
  if (o.dispSize === 8) mod = 1;
  else if (o.dispSize === 32) mod = 2;
  else if (isZeroDisp && base !== 5) mod = 0;
  else if (dispKnownSmall()) mod = 1;
  else mod = 2;
  if (index < 0 && base !== 4) {
    out.push((mod << 6) | (regField << 3) | base);
  } else {
    out.push((mod << 6) | (regField << 3) | 4, (ss << 6) | ((index < 0 ? 4 : index) << 3) | base);
  }
  if (mod === 1) pushDisp(out, fix, dv, 1);
  else if (mod === 2) pushDisp(out, fix, dv, 4);
}

function pushDisp(out: number[], fix: Fixup[], v: Val | null, size: 1 | 2 | 4): void {
  const at = out.length;
  const n = v ? num(v) : 0;
  for (let i = 0; i < size; i++) out.push(Math.floor(n / 2 ** (8 * i)) & 0xff);
  if (v && v.r !== 0) fix.push({ at, size, val: v, pcrel: false });
}

function pushImm(out: number[], fix: Fixup[], v: Val, size: 1 | 2 | 4, ctx: EncCtx | null, _signedOk: boolean): void {
  const at = out.length;
  let n = num(v);
  if (ctx && !v.u && v.r === 0) {
    const lim = 2 ** (8 * size);
    if (n >= lim || n < -lim / 2) ctx.warn(`${size === 1 ? 'byte' : size === 2 ? 'word' : 'dword'} data exceeds bounds`);
  }
  if (n < 0) n = n % 2 ** 32 + 2 ** 32;
  for (let i = 0; i < size; i++) out.push(Math.floor(n / 2 ** (8 * i)) & 0xff);
  if (v.r !== 0) fix.push({ at, size, val: v, pcrel: false });
}

export function encodeInsn(mnem: string, prefixes: string[], ops: EOp[], ctx: EncCtx): Encoded {
  const tpl = findTemplate(mnem, ops, ctx);
  const out: number[] = [];
  const fix: Fixup[] = [];
  let usedShort = false;
  let isJump = false;
  // prefixes: lock/rep (in written order), segment, 66, 67
  let osz = tpl.osize;
  let asz = tpl.asize;
  let seg = -1;
  const pre: number[] = [];
  const has9B = tpl.enc.length > 0 && tpl.enc[0].k === 'b' && tpl.enc[0].v === 0x9b && mnem !== 'wait' && mnem !== 'fwait';
  for (const p of prefixes) {
    switch (p) {
      case 'lock': pre.push(0xf0); break;
      case 'rep': case 'repe': case 'repz': pre.push(0xf3); break;
      case 'repne': case 'repnz': pre.push(0xf2); break;
      case 'o16': osz = 16; break;
      case 'o32': osz = 32; break;
      case 'a16': asz = 16; break;
      case 'a32': asz = 32; break;
      case 'wait': pre.push(0x9b); break;
      case 'es': seg = 0; break;
      case 'cs': seg = 1; break;
      case 'ss': seg = 2; break;
      case 'ds': seg = 3; break;
      case 'fs': seg = 4; break;
      case 'gs': seg = 5; break;
      default: break;
    }
  }
  for (let i = 0; i < ops.length; i++) {
    const o = ops[i];
    if (o.kind === 'mem') {
      if (o.segOv! >= 0) seg = o.segOv!;
      if (o.asize && o.asize !== ctx.bits) asz = o.asize as 16 | 32;
    }
  }
  let enc = tpl.enc;
  if (has9B) {
    out.push(0x9b);
    enc = enc.slice(1);
  }
  for (let i = 0; i < pre.length; i++) out.push(pre[i]);
  if (seg >= 0) out.push(SEGPFX[seg]);
  if (osz && osz !== ctx.bits) out.push(0x66);
  if (asz && asz !== ctx.bits) out.push(0x67);
  const effAsize = asz || ctx.bits;
  for (const st of enc) {
    switch (st.k) {
      case 'b':
        out.push(st.v);
        break;
      case 'plusr':
        out.push(st.v + ops[tpl.plusR].reg!.num);
        break;
      case 'modrm': {
        const rmo = ops[tpl.rmOp];
        const regField = st.digit >= 0 ? st.digit : ops[tpl.regOp].reg!.num;
        emitModrm(out, fix, regField, rmo, ctx);
        break;
      }
      case 'imm': {
        const o = ops[st.idx];
        pushImm(out, fix, o.val!, st.size, tpl.ops[st.idx].startsWith('sb') ? null : ctx, true);
        break;
      }
      case 'mo': {
        const o = ops.find((x) => x.kind === 'mem')!;
        pushDisp(out, fix, o.disp ?? { n: 0, r: 0, u: false }, effAsize === 16 ? 2 : 4);
        break;
      }
      case 'fp': {
        const o = ops[0];
        const offSize = (osz || ctx.bits) === 16 ? 2 : 4;
        pushImm(out, fix, o.val!, offSize, ctx, false);
        pushImm(out, fix, o.seg!, 2, ctx, false);
        break;
      }
      case 'rel': {
        isJump = true;
        const o = ops[0];
        const v = o.val!;
        const at = out.length;
        const end = at + st.size + restSize(enc, st);
        if (st.size === 1) usedShort = true;
        let d = 0;
        if (!v.u) {
          if (sameSection(v, ctx)) {
            d = num(v) - (ctx.addr + end);
            if (st.size === 1 && (d < -128 || d > 127)) throw new AsmError('short jump is out of range');
          } else {
            if (st.size === 1) throw new AsmError('short jump to a different section is not possible');
            d = num(v) - (end - at);
            fix.push({ at, size: st.size, val: v, pcrel: true });
          }
        }
        if (st.size === 2 && ctx.bin) d &= 0xffff;
        for (let i = 0; i < st.size; i++) out.push(Math.floor(d / 2 ** (8 * i)) & 0xff);
        break;
      }
    }
  }
  return { bytes: out, fixups: fix, usedShort, isJump };
}

function restSize(enc: Template['enc'], after: Template['enc'][number]): number {
  let found = false;
  let n = 0;
  for (const s of enc) {
    if (found) {
      if (s.k === 'b' || s.k === 'plusr') n++;
      else if (s.k === 'imm') n += s.size;
    }
    if (s === after) found = true;
  }
  return n;
}

/** Resolves base/index/scale for a 32-bit memory operand the way nasm does. */
export function resolveEA32(regs: { num: number; coef: number; name: string; scaled?: boolean }[], nosplit: boolean, col: number): { base: number; index: number; scale: number } {
  let base = -1;
  let index = -1;
  let scale = 1;
  if (regs.length > 2) throw new AsmError('invalid effective address: too many registers', col);
  if (regs.length === 1) {
    const r = regs[0];
    if (r.coef === 1) base = r.num;
    else if (!nosplit && (r.coef === 2 || r.coef === 3 || r.coef === 5 || r.coef === 9)) {
      base = r.num;
      index = r.num;
      scale = r.coef - 1;
    } else {
      index = r.num;
      scale = r.coef;
    }
  } else if (regs.length === 2) {
    const [a, b] = regs;
    if (a.coef === 1 && b.coef === 1) {
      base = a.scaled && !b.scaled ? b.num : a.num;
      index = a.scaled && !b.scaled ? a.num : b.num;
    } else if (a.coef === 1) {
      base = a.num;
      index = b.num;
      scale = b.coef;
    } else if (b.coef === 1) {
      base = b.num;
      index = a.num;
      scale = a.coef;
    } else throw new AsmError('invalid effective address: two scaled registers', col);
  }
  if (index === 4) {
    if (scale !== 1 || base === 4) throw new AsmError('invalid effective address: esp cannot be an index', col);
    const t = base;
    base = index;
    index = t;
  }
  if (index >= 0 && scale !== 1 && scale !== 2 && scale !== 4 && scale !== 8) throw new AsmError('invalid effective address: bad scale', col);
  return { base, index, scale };
}

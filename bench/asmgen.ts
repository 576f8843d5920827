/**
 * Random instruction-line generator (seeded): registers, every 16- and 32-bit addressing form
 * (incl. SIB), immediates of every size, segment overrides, size keywords, prefixes, x87, and
 * branches to labels (for relaxation). Used by test/asm/random.test.ts, the fuzz test and bench/asm.ts.
 */

export class Rng {
  constructor(private s: number) {}
  next(): number {
    // mulberry32
    let t = (this.s = (this.s + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

const R8 = ['al', 'cl', 'dl', 'bl', 'ah', 'ch', 'dh', 'bh'];
const R16 = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di'];
const R32 = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'];
const SREG = ['es', 'cs', 'ss', 'ds', 'fs', 'gs'];
const CC = ['o', 'no', 'b', 'c', 'nae', 'ae', 'nb', 'nc', 'e', 'z', 'ne', 'nz', 'be', 'na', 'a', 'nbe', 's', 'ns', 'p', 'pe', 'np', 'po', 'l', 'nge', 'ge', 'nl', 'le', 'ng', 'g', 'nle'];
const SZ: Record<number, string> = { 8: 'byte', 16: 'word', 32: 'dword', 64: 'qword', 80: 'tword' };

export class Gen {
  labels: string[] = [];
  labelCount = 0;
  constructor(readonly r: Rng) {}

  hexOrDec(n: number): string {
    const r = this.r;
    if (n < 0) return '-' + this.hexOrDec(-n);
    switch (r.int(4)) {
      case 0: return '0x' + n.toString(16);
      case 1: return n.toString(16) + 'h';
      default: return String(n);
    }
  }

  disp(kind: 'none' | '8' | '16' | '32' | 'any'): string {
    const r = this.r;
    const k = kind === 'any' ? r.pick(['8', '8', '16', '32', 'neg8', 'zero', 'label'] as const) : kind;
    switch (k) {
      case 'none': return '';
      case '8': return this.hexOrDec(r.int(128));
      case 'neg8': return '-' + this.hexOrDec(1 + r.int(128));
      case 'zero': return '0';
      case '16': return this.hexOrDec(128 + r.int(0x7f00));
      case '32': return this.hexOrDec(0x8000 + r.int(0x7fff0000));
      case 'label': return this.labelRef();
    }
    return '0';
  }

  labelRef(): string {
    if (!this.labels.length) return '0';
    return this.r.pick(this.labels);
  }

  mem(bits: 16 | 32, size: number | 0, forceSize = false): string {
    const r = this.r;
    const sz = size && (forceSize || r.chance(0.9)) ? SZ[size] + ' ' : '';
    const seg = r.chance(0.15) ? r.pick(SREG) + ':' : '';
    let inner: string;
    const a16 = bits === 16 ? !r.chance(0.15) : r.chance(0.15);
    if (a16) {
      const forms = ['bx+si', 'bx+di', 'bp+si', 'bp+di', 'si', 'di', 'bp', 'bx', 'si+bx', 'di+bp', ''];
      const f = r.pick(forms);
      const d = f === '' ? this.hexOrDec(r.int(0x10000)) : r.chance(0.4) ? '' : this.disp('any');
      inner = f && d ? (d.startsWith('-') ? `${f}${d}` : `${f}+${d}`) : f || d;
      if (!inner) inner = 'bx';
    } else {
      const base = r.chance(0.85) ? r.pick(R32) : '';
      const index = r.chance(0.5) ? r.pick(R32.filter((x) => x !== 'esp')) : '';
      const scale = index ? r.pick(['', '*1', '*2', '*4', '*8', '*2', '*4']) : '';
      const d = r.chance(0.4) ? '' : this.disp('any');
      const parts: string[] = [];
      if (base) parts.push(base);
      if (index) parts.push(index + scale);
      let s = parts.join('+');
      if (d) s = s ? (d.startsWith('-') ? s + d : s + '+' + d) : d;
      if (!s) s = this.hexOrDec(r.int(0x100000));
      inner = s;
    }
    return `${sz}[${seg}${inner}]`;
  }

  imm(size: 8 | 16 | 32, opts: { allowSized?: boolean } = {}): string {
    const r = this.r;
    let v: number;
    switch (r.int(6)) {
      case 0: v = r.int(128); break;
      case 1: v = -1 - r.int(128); break;
      case 2: v = r.int(256); break;
      case 3: v = size === 8 ? r.int(256) : r.int(0x10000); break;
      case 4: v = size === 32 ? r.int(0x7fffffff) : size === 16 ? r.int(0x10000) : r.int(256); break;
      default: v = size === 8 ? -r.int(128) : size === 16 ? -r.int(0x8000) : -r.int(0x7fffffff); break;
    }
    if (size === 8 && (v > 255 || v < -128)) v &= 0x7f;
    if (size === 16 && (v > 0xffff || v < -0x8000)) v &= 0x7fff;
    let s = this.hexOrDec(v);
    if (opts.allowSized && r.chance(0.1)) s = `strict ${SZ[size]} ${s}`;
    return s;
  }

  reg(size: 8 | 16 | 32): string {
    return this.r.pick(size === 8 ? R8 : size === 16 ? R16 : R32);
  }

  rm(bits: 16 | 32, size: 8 | 16 | 32): string {
    return this.r.chance(0.5) ? this.reg(size) : this.mem(bits, size);
  }

  /** one random instruction line for the given mode */
  line(bits: 16 | 32): string {
    const r = this.r;
    const sz = r.pick([8, 16, 32] as const);
    const wsz = r.pick([16, 32] as const);
    const k = r.int(40);
    switch (k) {
      case 0: case 1: case 2: case 3: {
        const m = r.pick(['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp']);
        const lock = m !== 'cmp' && r.chance(0.1) ? 'lock ' : '';
        switch (r.int(5)) {
          case 0: return `${m} ${this.reg(sz)}, ${this.reg(sz)}`;
          case 1: return `${m} ${this.reg(sz)}, ${this.mem(bits, sz)}`;
          case 2: return `${lock}${m} ${this.mem(bits, sz)}, ${this.reg(sz)}`;
          case 3: return `${m} ${this.reg(sz)}, ${this.imm(sz, { allowSized: true })}`;
          default: return `${lock}${m} ${this.mem(bits, sz, true)}, ${this.imm(sz, { allowSized: true })}`;
        }
      }
      case 4: {
        const m = r.pick(['inc', 'dec', 'not', 'neg', 'mul', 'div', 'idiv', 'imul']);
        return `${m} ${r.chance(0.5) ? this.reg(sz) : this.mem(bits, sz, true)}`;
      }
      case 5: {
        switch (r.int(3)) {
          case 0: return `imul ${this.reg(wsz)}, ${this.rm(bits, wsz)}`;
          case 1: return `imul ${this.reg(wsz)}, ${this.rm(bits, wsz)}, ${this.imm(wsz)}`;
          default: return `imul ${this.reg(wsz)}, ${this.imm(wsz)}`;
        }
      }
      case 6: {
        const m = r.pick(['rol', 'ror', 'rcl', 'rcr', 'shl', 'sal', 'shr', 'sar']);
        const dst = r.chance(0.5) ? this.reg(sz) : this.mem(bits, sz, true);
        return `${m} ${dst}, ${r.pick(['1', 'cl', String(r.int(32)), this.hexOrDec(r.int(256))])}`;
      }
      case 7: {
        switch (r.int(4)) {
          case 0: return `test ${this.rm(bits, sz)}, ${this.reg(sz)}`;
          case 1: return `test ${this.reg(sz)}, ${this.mem(bits, sz)}`;
          case 2: return `test ${this.reg(sz)}, ${this.imm(sz)}`;
          default: return `test ${this.mem(bits, sz, true)}, ${this.imm(sz)}`;
        }
      }
      case 8: case 9: case 10: {
        switch (r.int(9)) {
          case 0: return `mov ${this.reg(sz)}, ${this.reg(sz)}`;
          case 1: return `mov ${this.reg(sz)}, ${this.mem(bits, sz)}`;
          case 2: return `mov ${this.mem(bits, sz)}, ${this.reg(sz)}`;
          case 3: return `mov ${this.reg(sz)}, ${r.chance(0.2) ? this.labelRef() : this.imm(sz)}`;
          case 4: return `mov ${this.mem(bits, sz, true)}, ${this.imm(sz)}`;
          case 5: return `mov ${r.pick(['al', 'ax', 'eax'])}, [${r.chance(0.3) ? r.pick(SREG) + ':' : ''}${this.hexOrDec(r.int(0xffff))}]`;
          case 6: return r.chance(0.5) ? `mov ${r.pick(SREG.filter((s) => s !== 'cs'))}, ${r.chance(0.5) ? this.reg(16) : this.mem(bits, 16)}` : `mov ${r.chance(0.5) ? this.reg(wsz) : this.mem(bits, 16)}, ${r.pick(SREG)}`;
          case 7: return r.chance(0.5) ? `mov ${this.reg(32)}, ${r.pick(['cr0', 'cr2', 'cr3', 'cr4', 'dr0', 'dr1', 'dr6', 'dr7'])}` : `mov ${r.pick(['cr0', 'cr2', 'cr3', 'cr4', 'dr0', 'dr3', 'dr7'])}, ${this.reg(32)}`;
          default: return `mov [${this.hexOrDec(r.int(0xffff))}], ${r.pick(['al', 'ax', 'eax'])}`;
        }
      }
      case 11: {
        const m = r.pick(['movzx', 'movsx']);
        const d = r.pick([16, 32] as const);
        const s = d === 16 ? 8 : r.pick([8, 16] as const);
        return `${m} ${this.reg(d)}, ${r.chance(0.5) ? this.reg(s) : this.mem(bits, s, true)}`;
      }
      case 12:
        return `${r.pick(['lea', 'lds', 'les', 'lfs', 'lgs', 'lss'])} ${this.reg(wsz)}, ${this.mem(bits, 0)}`;
      case 13: {
        switch (r.int(4)) {
          case 0: return `xchg ${this.reg(sz)}, ${this.reg(sz)}`;
          case 1: return `xchg ${this.reg(sz)}, ${this.mem(bits, sz)}`;
          case 2: return `${r.pick(['', 'lock '])}xchg ${this.mem(bits, sz)}, ${this.reg(sz)}`;
          default: return `${r.pick(['xadd', 'cmpxchg'])} ${this.rm(bits, sz)}, ${this.reg(sz)}`;
        }
      }
      case 14: {
        switch (r.int(7)) {
          case 0: return `push ${this.reg(wsz)}`;
          case 1: return `pop ${this.reg(wsz)}`;
          case 2: return `push ${this.mem(bits, wsz, true)}`;
          case 3: return `pop ${this.mem(bits, wsz, true)}`;
          case 4: return `push ${r.pick(SREG)}`;
          case 5: return `pop ${r.pick(['es', 'ss', 'ds', 'fs', 'gs'])}`;
          default: return `push ${r.pick(['', 'byte ', 'word ', 'dword ', 'strict word ', 'strict dword '])}${this.imm(r.chance(0.5) ? 8 : 16)}`;
        }
      }
      case 15: {
        const m = r.pick(['bt', 'bts', 'btr', 'btc']);
        return r.chance(0.5) ? `${m} ${this.rm(bits, wsz)}, ${this.reg(wsz)}` : `${m} ${r.chance(0.5) ? this.reg(wsz) : this.mem(bits, wsz, true)}, ${r.int(32)}`;
      }
      case 16:
        return `${r.pick(['bsf', 'bsr'])} ${this.reg(wsz)}, ${this.rm(bits, wsz)}`;
      case 17: {
        const m = r.pick(['shld', 'shrd']);
        return `${m} ${this.rm(bits, wsz)}, ${this.reg(wsz)}, ${r.chance(0.5) ? 'cl' : String(r.int(32))}`;
      }
      case 18:
        return `set${r.pick(CC)} ${r.chance(0.5) ? this.reg(8) : this.mem(bits, 8)}`;
      case 19:
        return `cmov${r.pick(CC)} ${this.reg(wsz)}, ${this.rm(bits, wsz)}`;
      case 20: {
        const a = r.pick(['al', 'ax', 'eax']);
        switch (r.int(4)) {
          case 0: return `in ${a}, ${r.int(256)}`;
          case 1: return `in ${a}, dx`;
          case 2: return `out ${r.int(256)}, ${a}`;
          default: return `out dx, ${a}`;
        }
      }
      case 21: {
        const base = r.pick(['movs', 'cmps', 'scas', 'lods', 'stos', 'ins', 'outs']);
        const suf = r.pick(['b', 'w', 'd']);
        const pre = r.pick(['', '', 'rep ', 'repe ', 'repne ', 'a16 ', 'a32 ', 'o16 ', 'o32 ', 'rep a32 ']);
        const seg = r.chance(0.1) ? r.pick(SREG) + ' ' : '';
        return `${pre}${seg}${base}${suf}`;
      }
      case 22:
        return r.pick([
          'nop', 'hlt', 'cmc', 'clc', 'stc', 'cli', 'sti', 'cld', 'std', 'cbw', 'cwde', 'cwd', 'cdq', 'lahf', 'sahf',
          'pusha', 'popa', 'pushad', 'popad', 'pushf', 'popf', 'pushfd', 'popfd', 'pushaw', 'popaw', 'pushfw', 'popfw',
          'int3', 'into', 'aaa', 'aas', 'daa', 'das', 'aam', 'aad', 'xlatb', 'leave', 'ret', 'retf', 'iret', 'iretd', 'iretw',
          'clts', 'invd', 'wbinvd', 'ud2', 'cpuid', 'rdtsc', 'rdmsr', 'wrmsr', 'rdpmc', 'rsm', 'sysenter', 'sysexit', 'salc',
          'wait', 'pause', 'int1',
        ]);
      case 23:
        switch (r.int(6)) {
          case 0: return `int ${this.hexOrDec(r.int(256))}`;
          case 1: return `ret ${this.hexOrDec(r.int(0x10000))}`;
          case 2: return `retf ${r.int(0x100)}`;
          case 3: return `enter ${r.int(0x10000)}, ${r.int(32)}`;
          case 4: return `aam ${r.int(256)}`;
          default: return `bswap ${this.reg(32)}`;
        }
      case 24: case 25: case 26: {
        // branches to labels
        const m = r.pick(['jmp', 'call', ...CC.map((c) => 'j' + c), 'jmp', 'jmp']);
        const mod = m === 'call' ? r.pick(['', 'near ']) : r.pick(['', '', '', 'short ', 'near ']);
        const target = this.branchTarget();
        if (mod === 'short ') return `${m} ${mod}$${r.chance(0.5) ? '+' : '-'}${r.int(100)}`;
        return `${m} ${mod}${target}`;
      }
      case 27:
        switch (r.int(5)) {
          case 0: return `${r.pick(['loop', 'loope', 'loopne', 'loopz', 'loopnz'])} $${r.chance(0.5) ? '+' : '-'}${r.int(100)}${r.pick(['', '', ', cx', ', ecx'])}`;
          case 1: return `${bits === 16 ? 'jcxz' : 'jecxz'} $+${r.int(100)}`;
          case 2: return `${r.pick(['jmp', 'call'])} ${this.rm(bits, bits)}`;
          case 3: return `${r.pick(['jmp', 'call'])} ${this.hexOrDec(r.int(0xffff))}:${this.hexOrDec(r.int(0xffff))}`;
          default: return `${r.pick(['jmp', 'call'])} far ${this.mem(bits, 0)}`;
        }
      case 28:
        switch (r.int(6)) {
          case 0: return `${r.pick(['lgdt', 'lidt', 'sgdt', 'sidt', 'invlpg'])} ${this.mem(bits, 0)}`;
          case 1: return `${r.pick(['lldt', 'ltr', 'verr', 'verw', 'lmsw'])} ${r.chance(0.5) ? this.reg(16) : this.mem(bits, 16)}`;
          case 2: return `${r.pick(['sldt', 'str', 'smsw'])} ${r.chance(0.5) ? this.reg(wsz) : this.mem(bits, 16)}`;
          case 3: return `${r.pick(['lar', 'lsl'])} ${this.reg(wsz)}, ${this.rm(bits, wsz)}`;
          case 4: return `arpl ${this.rm(bits, 16)}, ${this.reg(16)}`;
          default: return `bound ${this.reg(wsz)}, ${this.mem(bits, 0)}`;
        }
      case 29: case 30: case 31: {
        // x87
        const st = (): string => 'st' + r.int(8);
        switch (r.int(12)) {
          case 0: return `${r.pick(['fld', 'fst', 'fstp'])} ${r.pick(['dword', 'qword'])} ${this.mem(bits, 0)}`;
          case 1: return `${r.pick(['fld', 'fstp'])} tword ${this.mem(bits, 0)}`;
          case 2: return `${r.pick(['fild', 'fistp'])} ${r.pick(['word', 'dword', 'qword'])} ${this.mem(bits, 0)}`;
          case 3: return `${r.pick(['fist', 'fiadd', 'fimul', 'ficom', 'ficomp', 'fisub', 'fisubr', 'fidiv', 'fidivr'])} ${r.pick(['word', 'dword'])} ${this.mem(bits, 0)}`;
          case 4: return `${r.pick(['fadd', 'fmul', 'fsub', 'fsubr', 'fdiv', 'fdivr', 'fcom', 'fcomp'])} ${r.pick(['dword', 'qword'])} ${this.mem(bits, 0)}`;
          case 5: return `${r.pick(['fadd', 'fmul', 'fsub', 'fsubr', 'fdiv', 'fdivr'])} ${r.pick([`st0, ${st()}`, `${st()}, st0`, st(), `to ${st()}`])}`;
          case 6: return `${r.pick(['faddp', 'fmulp', 'fsubp', 'fsubrp', 'fdivp', 'fdivrp'])} ${r.pick(['', st(), `${st()}, st0`])}`;
          case 7: return `${r.pick(['fld', 'fst', 'fstp', 'fxch', 'fcom', 'fcomp', 'fucom', 'fucomp', 'ffree', 'fcomi', 'fcomip', 'fucomi', 'fucomip', 'fcmovb', 'fcmove', 'fcmovbe', 'fcmovu', 'fcmovnb', 'fcmovne', 'fcmovnbe', 'fcmovnu'])} ${st()}`;
          case 8: return `${r.pick(['fldcw', 'fstcw', 'fnstcw', 'fstsw', 'fnstsw'])} ${this.mem(bits, 0)}`;
          case 9: return `${r.pick(['fldenv', 'fstenv', 'fnstenv', 'frstor', 'fsave', 'fnsave', 'fbld', 'fbstp'])} ${this.mem(bits, 0)}`;
          case 10: return r.pick(['fld', 'fst', 'fstp', 'ffree', 'fstsw ax', 'fnstsw ax', 'fcompp', 'fucompp', 'fclex', 'fnclex', 'finit', 'fninit', 'fxch', 'fcom', 'fcomp', 'fucom', 'fucomp', 'fcomi', 'fadd', 'fmul', 'fsub', 'fdiv', 'fsubr', 'fdivr', 'faddp', 'fsubp']);
          default: return r.pick(['f2xm1', 'fabs', 'fchs', 'fcos', 'fdecstp', 'fincstp', 'fld1', 'fldl2t', 'fldl2e', 'fldpi', 'fldlg2', 'fldln2', 'fldz', 'fnop', 'fpatan', 'fprem', 'fprem1', 'fptan', 'frndint', 'fscale', 'fsin', 'fsincos', 'fsqrt', 'ftst', 'fxam', 'fxtract', 'fyl2x', 'fyl2xp1', 'fwait']);
        }
      }
      case 32:
        return `cmpxchg8b ${this.mem(bits, r.chance(0.5) ? 64 : 0)}`;
      case 33:
        return `${r.pick(['o16', 'o32', 'a16', 'a32'])} ${r.pick(['movsb', 'stosw', 'lodsd', 'nop', 'cbw', 'pushf', 'push 5', 'ret'])}`;
      case 34:
        return `nop ${r.chance(0.5) ? this.reg(wsz) : this.mem(bits, wsz, true)}`;
      case 35:
        return `mov ${this.reg(sz)}, ${this.mem(bits, sz).replace(/^\w+ /, '')}`;
      default: {
        // memory operand with a label displacement / forward reference
        const m = r.pick(['mov', 'add', 'cmp', 'lea']);
        const reg = this.reg(m === 'lea' ? wsz : sz);
        return `${m} ${reg}, [${r.pick(bits === 16 ? ['bx+', 'si+', 'bp+di+', ''] : ['eax+', 'ebx*4+', 'esp+', ''])}${this.branchTarget()}]`;
      }
    }
  }

  branchTarget(): string {
    const r = this.r;
    if (!this.labels.length || r.chance(0.4)) return `L${this.labelCount + 1 + r.int(20)}`; // forward
    return this.labelRef();
  }

  /** a whole program: `count` lines, labels sprinkled in, both modes */
  program(count: number): string[] {
    const out: string[] = [];
    let bits: 16 | 32 = 16;
    out.push('bits 16');
    for (let i = 0; i < count; i++) {
      if (i === Math.floor(count / 2)) {
        bits = 32;
        out.push('bits 32');
      }
      if (this.r.chance(0.08)) {
        const name = `L${++this.labelCount}`;
        this.labels.push(name);
        if (this.labels.length > 40) this.labels.shift();
        out.push(`${name}:`);
      }
      out.push(this.line(bits));
    }
    // define every forward label that may have been referenced
    for (let k = 1; k <= 25; k++) out.push(`L${this.labelCount + k}:`);
    return out;
  }
}

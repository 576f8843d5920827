/**
 * The one opcode table of the i686 integer CPU (plus the x87 escape opcodes), as data.
 *
 * Each entry is `mnemonic operands [flags]` in the SDM's operand notation:
 *   E = ModRM r/m, G = ModRM reg, M = ModRM memory only, R = ModRM register only,
 *   S = segment register in ModRM reg, C/D = control/debug register in ModRM reg,
 *   I = immediate, J = relative offset, O = moffs (address-size offset), A = far pointer;
 *   sizes b = byte, w = word, d = dword, v = 16/32 by operand size, z = like v (imm 16/32), p = far ptr.
 * Flags: `L` = LOCK allowed (with a memory destination), `#N` = group N (the ModRM reg field picks
 * the entry in GROUPS[N]), `P` = prefix, `X` = invalid (#UD), `F` = x87 escape (ModRM; the FPU decodes).
 *
 * At load time the strings are compiled into typed arrays (OP_FLAGS, GROUP_FLAGS) that drive both
 * the CPU's decoder (cpu.ts: whether a ModRM byte follows, group, validity) and `decodeLength`.
 * Index: 0x000–0x0FF one-byte opcodes, 0x100–0x1FF the 0F map.
 */

const ONE: string[] = [
  // 00
  'add Eb,Gb L', 'add Ev,Gv L', 'add Gb,Eb', 'add Gv,Ev', 'add AL,Ib', 'add eAX,Iz', 'push ES', 'pop ES',
  'or Eb,Gb L', 'or Ev,Gv L', 'or Gb,Eb', 'or Gv,Ev', 'or AL,Ib', 'or eAX,Iz', 'push CS', '0F P',
  // 10
  'adc Eb,Gb L', 'adc Ev,Gv L', 'adc Gb,Eb', 'adc Gv,Ev', 'adc AL,Ib', 'adc eAX,Iz', 'push SS', 'pop SS',
  'sbb Eb,Gb L', 'sbb Ev,Gv L', 'sbb Gb,Eb', 'sbb Gv,Ev', 'sbb AL,Ib', 'sbb eAX,Iz', 'push DS', 'pop DS',
  // 20
  'and Eb,Gb L', 'and Ev,Gv L', 'and Gb,Eb', 'and Gv,Ev', 'and AL,Ib', 'and eAX,Iz', 'es P', 'daa',
  'sub Eb,Gb L', 'sub Ev,Gv L', 'sub Gb,Eb', 'sub Gv,Ev', 'sub AL,Ib', 'sub eAX,Iz', 'cs P', 'das',
  // 30
  'xor Eb,Gb L', 'xor Ev,Gv L', 'xor Gb,Eb', 'xor Gv,Ev', 'xor AL,Ib', 'xor eAX,Iz', 'ss P', 'aaa',
  'cmp Eb,Gb', 'cmp Ev,Gv', 'cmp Gb,Eb', 'cmp Gv,Ev', 'cmp AL,Ib', 'cmp eAX,Iz', 'ds P', 'aas',
  // 40
  'inc eAX', 'inc eCX', 'inc eDX', 'inc eBX', 'inc eSP', 'inc eBP', 'inc eSI', 'inc eDI',
  'dec eAX', 'dec eCX', 'dec eDX', 'dec eBX', 'dec eSP', 'dec eBP', 'dec eSI', 'dec eDI',
  // 50
  'push eAX', 'push eCX', 'push eDX', 'push eBX', 'push eSP', 'push eBP', 'push eSI', 'push eDI',
  'pop eAX', 'pop eCX', 'pop eDX', 'pop eBX', 'pop eSP', 'pop eBP', 'pop eSI', 'pop eDI',
  // 60
  'pusha', 'popa', 'bound Gv,Ma', 'arpl Ew,Gw', 'fs P', 'gs P', 'opsize P', 'addrsize P',
  'push Iz', 'imul Gv,Ev,Iz', 'push Ib', 'imul Gv,Ev,Ib', 'insb', 'insw', 'outsb', 'outsw',
  // 70
  'jo Jb', 'jno Jb', 'jb Jb', 'jnb Jb', 'jz Jb', 'jnz Jb', 'jbe Jb', 'jnbe Jb',
  'js Jb', 'jns Jb', 'jp Jb', 'jnp Jb', 'jl Jb', 'jnl Jb', 'jle Jb', 'jnle Jb',
  // 80
  'grp1 Eb,Ib #0', 'grp1 Ev,Iz #1', 'grp1 Eb,Ib #2', 'grp1 Ev,Ib #1', 'test Eb,Gb', 'test Ev,Gv', 'xchg Eb,Gb L', 'xchg Ev,Gv L',
  'mov Eb,Gb', 'mov Ev,Gv', 'mov Gb,Eb', 'mov Gv,Ev', 'mov Ev,Sw', 'lea Gv,M', 'mov Sw,Ew', 'grp1a Ev #3',
  // 90
  'nop', 'xchg eCX,eAX', 'xchg eDX,eAX', 'xchg eBX,eAX', 'xchg eSP,eAX', 'xchg eBP,eAX', 'xchg eSI,eAX', 'xchg eDI,eAX',
  'cbw', 'cwd', 'call Ap', 'wait', 'pushf', 'popf', 'sahf', 'lahf',
  // A0
  'mov AL,Ob', 'mov eAX,Ov', 'mov Ob,AL', 'mov Ov,eAX', 'movsb', 'movsw', 'cmpsb', 'cmpsw',
  'test AL,Ib', 'test eAX,Iz', 'stosb', 'stosw', 'lodsb', 'lodsw', 'scasb', 'scasw',
  // B0
  'mov AL,Ib', 'mov CL,Ib', 'mov DL,Ib', 'mov BL,Ib', 'mov AH,Ib', 'mov CH,Ib', 'mov DH,Ib', 'mov BH,Ib',
  'mov eAX,Iv', 'mov eCX,Iv', 'mov eDX,Iv', 'mov eBX,Iv', 'mov eSP,Iv', 'mov eBP,Iv', 'mov eSI,Iv', 'mov eDI,Iv',
  // C0
  'grp2 Eb,Ib #4', 'grp2 Ev,Ib #5', 'ret Iw', 'ret', 'les Gv,Mp', 'lds Gv,Mp', 'grp11 Eb,Ib #6', 'grp11 Ev,Iz #7',
  'enter Iw,Ib', 'leave', 'retf Iw', 'retf', 'int3', 'int Ib', 'into', 'iret',
  // D0
  'grp2 Eb,1 #8', 'grp2 Ev,1 #9', 'grp2 Eb,CL #8', 'grp2 Ev,CL #9', 'aam Ib', 'aad Ib', 'salc', 'xlat',
  'esc0 F', 'esc1 F', 'esc2 F', 'esc3 F', 'esc4 F', 'esc5 F', 'esc6 F', 'esc7 F',
  // E0
  'loopnz Jb', 'loopz Jb', 'loop Jb', 'jcxz Jb', 'in AL,Ib', 'in eAX,Ib', 'out Ib,AL', 'out Ib,eAX',
  'call Jz', 'jmp Jz', 'jmp Ap', 'jmp Jb', 'in AL,DX', 'in eAX,DX', 'out DX,AL', 'out DX,eAX',
  // F0
  'lock P', 'int1', 'repne P', 'rep P', 'hlt', 'cmc', 'grp3 Eb #10', 'grp3 Ev #11',
  'clc', 'stc', 'cli', 'sti', 'cld', 'std', 'grp4 Eb #12', 'grp5 Ev #13',
];

const TWO: string[] = new Array<string>(256).fill('- X');
function two(op: number, s: string): void { TWO[op] = s; }
two(0x00, 'grp6 Ew #14'); two(0x01, 'grp7 M #15'); two(0x02, 'lar Gv,Ew'); two(0x03, 'lsl Gv,Ew');
two(0x06, 'clts'); two(0x08, 'invd'); two(0x09, 'wbinvd'); two(0x0b, 'ud2');
two(0x0d, 'nop Ev'); for (let i = 0x18; i <= 0x1f; i++) two(i, 'nop Ev');
two(0x20, 'mov Rd,Cd'); two(0x21, 'mov Rd,Dd'); two(0x22, 'mov Cd,Rd'); two(0x23, 'mov Dd,Rd');
two(0x30, 'wrmsr'); two(0x31, 'rdtsc'); two(0x32, 'rdmsr'); two(0x33, 'rdpmc'); two(0x34, 'sysenter'); two(0x35, 'sysexit');
const CC = ['o', 'no', 'b', 'nb', 'z', 'nz', 'be', 'nbe', 's', 'ns', 'p', 'np', 'l', 'nl', 'le', 'nle'];
for (let i = 0; i < 16; i++) {
  two(0x40 + i, `cmov${CC[i]} Gv,Ev`);
  two(0x80 + i, `j${CC[i]} Jz`);
  two(0x90 + i, `set${CC[i]} Eb`);
}
two(0xa0, 'push FS'); two(0xa1, 'pop FS'); two(0xa2, 'cpuid'); two(0xa3, 'bt Ev,Gv'); two(0xa4, 'shld Ev,Gv,Ib'); two(0xa5, 'shld Ev,Gv,CL');
two(0xa8, 'push GS'); two(0xa9, 'pop GS'); two(0xab, 'bts Ev,Gv L'); two(0xac, 'shrd Ev,Gv,Ib'); two(0xad, 'shrd Ev,Gv,CL'); two(0xaf, 'imul Gv,Ev');
two(0xb0, 'cmpxchg Eb,Gb L'); two(0xb1, 'cmpxchg Ev,Gv L'); two(0xb2, 'lss Gv,Mp'); two(0xb3, 'btr Ev,Gv L'); two(0xb4, 'lfs Gv,Mp'); two(0xb5, 'lgs Gv,Mp');
two(0xb6, 'movzx Gv,Eb'); two(0xb7, 'movzx Gv,Ew'); two(0xb9, 'ud1 Gv,Ev'); two(0xba, 'grp8 Ev,Ib #16'); two(0xbb, 'btc Ev,Gv L');
two(0xbc, 'bsf Gv,Ev'); two(0xbd, 'bsr Gv,Ev'); two(0xbe, 'movsx Gv,Eb'); two(0xbf, 'movsx Gv,Ew');
two(0xc0, 'xadd Eb,Gb L'); two(0xc1, 'xadd Ev,Gv L'); two(0xc7, 'grp9 M #17');
for (let i = 0; i < 8; i++) two(0xc8 + i, 'bswap Zd');
two(0xff, 'ud0 Gv,Ev');

/** Group tables: 8 entries each, chosen by ModRM.reg. */
const GROUPS: string[][] = [
  /* 0: 80 */ ['add Eb,Ib L', 'or Eb,Ib L', 'adc Eb,Ib L', 'sbb Eb,Ib L', 'and Eb,Ib L', 'sub Eb,Ib L', 'xor Eb,Ib L', 'cmp Eb,Ib'],
  /* 1: 81/83 */ ['add Ev,I L', 'or Ev,I L', 'adc Ev,I L', 'sbb Ev,I L', 'and Ev,I L', 'sub Ev,I L', 'xor Ev,I L', 'cmp Ev,I'],
  /* 2: 82 */ ['add Eb,Ib L', 'or Eb,Ib L', 'adc Eb,Ib L', 'sbb Eb,Ib L', 'and Eb,Ib L', 'sub Eb,Ib L', 'xor Eb,Ib L', 'cmp Eb,Ib'],
  /* 3: 8F */ ['pop Ev', '- X', '- X', '- X', '- X', '- X', '- X', '- X'],
  /* 4: C0 */ ['rol Eb,Ib', 'ror Eb,Ib', 'rcl Eb,Ib', 'rcr Eb,Ib', 'shl Eb,Ib', 'shr Eb,Ib', 'sal Eb,Ib', 'sar Eb,Ib'],
  /* 5: C1 */ ['rol Ev,Ib', 'ror Ev,Ib', 'rcl Ev,Ib', 'rcr Ev,Ib', 'shl Ev,Ib', 'shr Ev,Ib', 'sal Ev,Ib', 'sar Ev,Ib'],
  /* 6: C6 */ ['mov Eb,Ib', '- X', '- X', '- X', '- X', '- X', '- X', '- X'],
  /* 7: C7 */ ['mov Ev,Iz', '- X', '- X', '- X', '- X', '- X', '- X', '- X'],
  /* 8: D0/D2 */ ['rol Eb', 'ror Eb', 'rcl Eb', 'rcr Eb', 'shl Eb', 'shr Eb', 'sal Eb', 'sar Eb'],
  /* 9: D1/D3 */ ['rol Ev', 'ror Ev', 'rcl Ev', 'rcr Ev', 'shl Ev', 'shr Ev', 'sal Ev', 'sar Ev'],
  /* 10: F6 */ ['test Eb,Ib', 'test Eb,Ib', 'not Eb L', 'neg Eb L', 'mul Eb', 'imul Eb', 'div Eb', 'idiv Eb'],
  /* 11: F7 */ ['test Ev,Iz', 'test Ev,Iz', 'not Ev L', 'neg Ev L', 'mul Ev', 'imul Ev', 'div Ev', 'idiv Ev'],
  /* 12: FE */ ['inc Eb L', 'dec Eb L', '- X', '- X', '- X', '- X', '- X', '- X'],
  /* 13: FF */ ['inc Ev L', 'dec Ev L', 'call Ev', 'callf Mp', 'jmp Ev', 'jmpf Mp', 'push Ev', '- X'],
  /* 14: 0F 00 */ ['sldt Ew', 'str Ew', 'lldt Ew', 'ltr Ew', 'verr Ew', 'verw Ew', '- X', '- X'],
  /* 15: 0F 01 */ ['sgdt M', 'sidt M', 'lgdt M', 'lidt M', 'smsw Ew', '- X', 'lmsw Ew', 'invlpg M'],
  /* 16: 0F BA */ ['- X', '- X', '- X', '- X', 'bt Ev,Ib', 'bts Ev,Ib L', 'btr Ev,Ib L', 'btc Ev,Ib L'],
  /* 17: 0F C7 */ ['- X', 'cmpxchg8b Mq L', '- X', '- X', '- X', '- X', '- X', '- X'],
];

/** Compiled flags per opcode / group entry. */
export const enum OpFlag {
  ModRM = 1 << 0,
  /** Immediate byte. */
  Imm8 = 1 << 1,
  /** Immediate word. */
  Imm16 = 1 << 2,
  /** Immediate word or dword by operand size (Iz, Iv, Jz). */
  ImmZ = 1 << 3,
  /** moffs: a word or dword by address size. */
  Moffs = 1 << 4,
  /** Far pointer Ap: 4 or 6 bytes by operand size. */
  FarPtr = 1 << 5,
  Invalid = 1 << 6,
  Prefix = 1 << 7,
  Group = 1 << 8,
  /** ModRM must name memory (mod != 3). */
  MemOnly = 1 << 9,
  /** ModRM must name a register (mod == 3); mod is ignored by hardware (MOV CR/DR). */
  RegOnly = 1 << 10,
  Lock = 1 << 11,
  /** x87 escape. */
  Fpu = 1 << 12,
  /** ModRM.reg names a segment register: only 0–5 are valid. */
  SegReg = 1 << 13,
}

export interface OpInfo {
  mnemonic: string;
  operands: string;
  flags: number;
}

function compile(s: string): OpInfo {
  const parts = s.split(' ');
  const mnemonic = parts[0];
  let operands = '';
  let flags = 0;
  for (let i = 1; i < parts.length; i++) {
    const p = parts[i];
    if (p === 'L') flags |= OpFlag.Lock;
    else if (p === 'P') flags |= OpFlag.Prefix;
    else if (p === 'X') flags |= OpFlag.Invalid;
    else if (p === 'F') flags |= OpFlag.Fpu | OpFlag.ModRM;
    else if (p[0] === '#') flags |= OpFlag.Group | OpFlag.ModRM;
    else operands = p;
  }
  for (const o of operands ? operands.split(',') : []) {
    // Addressing-method operands are one capital letter plus a lower-case size (Eb, Gv, Iz) or a
    // lone capital (M); register names (AL, eAX, ES, DX) are not.
    if (!(o.length === 1 || (o.length === 2 && o[1] >= 'a' && o[1] <= 'z'))) continue;
    const k = o[0];
    const sz = o.slice(1);
    if (k === 'E' || k === 'G') flags |= OpFlag.ModRM;
    else if (k === 'M') flags |= OpFlag.ModRM | OpFlag.MemOnly;
    else if (k === 'R' || k === 'C' || k === 'D') flags |= OpFlag.ModRM | OpFlag.RegOnly;
    else if (k === 'S') flags |= OpFlag.ModRM | OpFlag.SegReg;
    else if (k === 'I' || k === 'J') {
      if (sz === 'b') flags |= OpFlag.Imm8;
      else if (sz === 'w') flags |= OpFlag.Imm16;
      else if (sz === 'z' || sz === 'v') flags |= OpFlag.ImmZ;
    } else if (k === 'O') flags |= OpFlag.Moffs;
    else if (k === 'A') flags |= OpFlag.FarPtr;
  }
  if (mnemonic === 'enter') flags |= OpFlag.Imm16 | OpFlag.Imm8;
  return { mnemonic, operands, flags };
}

export const OPCODES: ReadonlyArray<OpInfo> = [...ONE, ...TWO].map(compile);
/** Group of each group opcode (index into GROUP_ENTRIES / 8), -1 otherwise. */
export const OP_GROUP = new Int8Array(512).fill(-1);
export const OP_FLAGS = new Uint16Array(512);
export const GROUP_ENTRIES: ReadonlyArray<ReadonlyArray<OpInfo>> = GROUPS.map((g) => g.map(compile));
export const GROUP_FLAGS = new Uint16Array(GROUPS.length * 8);

for (let i = 0; i < 512; i++) {
  const s = i < 256 ? ONE[i] : TWO[i - 256];
  OP_FLAGS[i] = OPCODES[i].flags;
  const m = /#(\d+)/.exec(s);
  if (m) OP_GROUP[i] = Number(m[1]);
}
for (let g = 0; g < GROUPS.length; g++) {
  for (let r = 0; r < 8; r++) GROUP_FLAGS[g * 8 + r] = GROUP_ENTRIES[g][r].flags;
}
// Group 1 entries take their immediate size from the opcode (81: Iz, 83: Ib).
for (let r = 0; r < 8; r++) GROUP_FLAGS[1 * 8 + r] &= ~(OpFlag.Imm8 | OpFlag.ImmZ);
// 0F 01 /4 and /6 (SMSW/LMSW) accept registers.
/** Mnemonic and operands of an opcode (0x000–0x1FF) with its ModRM reg field (for groups). */
export function opInfo(opcode: number, reg: number): OpInfo {
  const g = OP_GROUP[opcode];
  return g >= 0 ? GROUP_ENTRIES[g][reg & 7] : OPCODES[opcode];
}

const enum PfxBits { None = 0 }
void PfxBits.None;

/**
 * Length of the instruction at `bytes[offset]` in 16- or 32-bit code, or -1 when it is invalid
 * (#UD on an i686 with x87) or longer than 15 bytes / runs past the buffer end.
 */
export function decodeLength(bytes: Uint8Array, offset: number, is32: boolean): number {
  let p = offset;
  const end = Math.min(bytes.length, offset + 15);
  let o32 = is32;
  let a32 = is32;
  let lock = false;
  let rep = 0;
  let b = 0;
  for (;;) {
    if (p >= end) return -1;
    b = bytes[p++];
    const f = OP_FLAGS[b];
    if (!(f & OpFlag.Prefix) || b === 0x0f) break;
    if (b === 0x66) o32 = !is32;
    else if (b === 0x67) a32 = !is32;
    else if (b === 0xf0) lock = true;
    else if (b === 0xf2 || b === 0xf3) rep = b;
  }
  if (rep === 0 && o32 !== is32) rep = 0x66;
  let op = b;
  if (b === 0x0f) {
    if (p >= end) return -1;
    op = 0x100 | bytes[p++];
  }
  let f = OP_FLAGS[op];
  if (f & OpFlag.Invalid) return -1;
  if (op === 0x109 && rep === 0xf3) return -1; // WBNOINVD
  let modrm = -1;
  if (f & OpFlag.ModRM) {
    if (p >= end) return -1;
    modrm = bytes[p++];
    const mod = modrm >> 6;
    const g = OP_GROUP[op];
    if (g >= 0) {
      const gf = GROUP_FLAGS[g * 8 + ((modrm >> 3) & 7)];
      if (gf & OpFlag.Invalid) return -1;
      // 0F 01 /4 /6 take registers; the other 0F 01 entries are memory-only.
      f = (f & ~(OpFlag.Lock | OpFlag.MemOnly)) | gf;
      if (op === 0x101 && mod === 3 && (gf & OpFlag.MemOnly)) return -1;
    }
    if ((f & OpFlag.MemOnly) && mod === 3) return -1;
    if (op >= 0x100 && laterExtension(op, modrm, rep)) return -1;
    if (f & OpFlag.Fpu) {
      if (mod === 3 ? !X87_REG[(op - 0xd8) * 64 + (modrm & 63)] : !X87_MEM[(op - 0xd8) * 8 + ((modrm >> 3) & 7)]) return -1;
    }
    if ((f & OpFlag.SegReg) && ((modrm >> 3) & 7) > 5) return -1;
    if (op === 0x8e && ((modrm >> 3) & 7) === 1) return -1; // mov cs, r/m
    if ((op === 0x120 || op === 0x122) && ((modrm >> 3) & 7) !== 0 && ((modrm >> 3) & 7) < 2) return -1;
    if ((op === 0x120 || op === 0x122) && ((modrm >> 3) & 7) > 4) return -1;
    if (lock && (!(f & OpFlag.Lock) || mod === 3)) return -1;
    if (mod !== 3 && !(f & OpFlag.RegOnly)) {
      if (a32) {
        let rm = modrm & 7;
        if (rm === 4) {
          if (p >= end) return -1;
          const sib = bytes[p++];
          if (mod === 0 && (sib & 7) === 5) p += 4;
        }
        if (mod === 0 && rm === 5) p += 4;
        else if (mod === 1) p += 1;
        else if (mod === 2) p += 4;
        rm = 0;
      } else {
        if (mod === 0 && (modrm & 7) === 6) p += 2;
        else if (mod === 1) p += 1;
        else if (mod === 2) p += 2;
      }
    }
  } else if (lock) {
    return -1;
  }
  if (f & OpFlag.Imm8) p += 1;
  if (f & OpFlag.Imm16) p += 2;
  if (f & OpFlag.ImmZ) p += o32 ? 4 : 2;
  if (f & OpFlag.Moffs) p += a32 ? 4 : 2;
  if (f & OpFlag.FarPtr) p += o32 ? 6 : 4;
  if (p > end) return -1;
  return p - offset;
}

/**
 * x87 encodings valid on a Pentium Pro with its x87 (SDM Vol. 2 opcode map, escape opcodes):
 * X87_MEM[op * 8 + reg] for memory forms, X87_REG[op * 64 + (modrm & 63)] for register forms.
 * Reserved aliases (FSTP1, FXCH4, FCOMP5 …) decode as their documented twins; FISTTP (SSE3) is absent.
 */
export const X87_MEM = new Uint8Array(64).fill(1);
export const X87_REG = new Uint8Array(512).fill(1);
{
  const memInvalid: Array<[number, number]> = [[1, 1], [3, 1], [3, 4], [3, 6], [5, 1], [5, 5], [7, 1]];
  for (const [o, r] of memInvalid) X87_MEM[o * 8 + r] = 0;
  const regInvalid = (op: number, from: number, to: number): void => {
    for (let i = from; i <= to; i++) X87_REG[op * 64 + (i - 0xc0)] = 0;
  };
  regInvalid(1, 0xd1, 0xd7); regInvalid(1, 0xe2, 0xe3); regInvalid(1, 0xe6, 0xe7); regInvalid(1, 0xef, 0xef);
  regInvalid(2, 0xe0, 0xe8); regInvalid(2, 0xea, 0xff);
  regInvalid(3, 0xe5, 0xe7); regInvalid(3, 0xf8, 0xff);
  regInvalid(5, 0xf0, 0xff);
  regInvalid(6, 0xd8, 0xd8); regInvalid(6, 0xda, 0xdf);
  regInvalid(7, 0xe1, 0xe7); regInvalid(7, 0xf8, 0xff);
}

/**
 * Encodings that later CPUs gave to extensions (SSE/3DNow! prefetches, CLDEMOTE, MPX, CET, LZCNT,
 * TZCNT, POPCNT …): #UD here, as the fuzz oracle (iced-x86) requires for features beyond i686.
 */
export function laterExtension(op: number, modrm: number, rep: number): boolean {
  // `rep`: the last F2/F3 prefix, or 0x66 when only an operand-size prefix is present.
  const mem = modrm < 0xc0;
  const reg = (modrm >> 3) & 7;
  switch (op) {
    case 0x10d: return mem;
    case 0x118: return mem && (reg < 4 || reg > 5);
    case 0x11c: return mem && reg === 0 && rep === 0; // CLDEMOTE (no 66/F2/F3 prefix)
    case 0x1b8: return rep === 0xf3;
    case 0x109: return rep === 0xf3;
    // F3 0F BC/BD (TZCNT/LZCNT) run as BSF/BSR and F3 0F 1E (ENDBR32, RDSSPD) as a hint NOP on an
    // i686: glibc and CET-enabled gcc output rely on that, so they stay valid here.
    default: return false;
  }
}

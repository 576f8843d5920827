/**
 * The register catalogue: one data table describing every register the debugger shows or accepts
 * (names, widths, parents, flag bits). Used by the Registers scope, the expression evaluator, the
 * REPL `r` command and completions.
 */
import type { CpuApi } from '../vm/cpuApi';
import type { FpuUnit } from '../vm/cpu/fpuApi';

export type RegisterGroup = 'general' | 'pointer' | 'flags' | 'segment' | 'control' | 'debug' | 'fpu';

export interface RegisterInfo {
  /** Upper-case name (`EAX`, `AL`, `ZF`, `CS.base`, `ST0`). */
  readonly name: string;
  /** Width in bits. */
  readonly width: number;
  readonly group: RegisterGroup;
  /** Name of the register this one is a part of (AX → EAX, ZF → EFLAGS, CS.base → CS). */
  readonly parent?: string;
  /** Bit position inside the parent (AH: 8, ZF: 6). */
  readonly shift: number;
  /** Where the value lives. */
  readonly store: Store;
  /** Index into regs / seg / cr / dr / st. */
  readonly index: number;
  readonly description: string;
}

type Store = 'gpr' | 'eip' | 'eflags' | 'seg' | 'segbase' | 'seglimit' | 'segattr' | 'cr' | 'dr' | 'st' | 'fpucw' | 'fpusw' | 'fputw';

/** A CPU that may carry the x87 unit (the CPU class exposes it as `fpu`). */
export type CpuWithFpu = CpuApi & { readonly fpu?: FpuUnit };

const GPR32 = ['EAX', 'ECX', 'EDX', 'EBX', 'ESP', 'EBP', 'ESI', 'EDI'];
const GPR_DESC = ['accumulator', 'counter', 'data', 'base', 'stack pointer', 'frame pointer', 'source index', 'destination index'];
const SEGS = ['ES', 'CS', 'SS', 'DS', 'FS', 'GS'];

export const FLAG_BITS: ReadonlyArray<{ name: string; bit: number; width: number; description: string }> = [
  { name: 'CF', bit: 0, width: 1, description: 'carry' },
  { name: 'PF', bit: 2, width: 1, description: 'parity' },
  { name: 'AF', bit: 4, width: 1, description: 'auxiliary carry' },
  { name: 'ZF', bit: 6, width: 1, description: 'zero' },
  { name: 'SF', bit: 7, width: 1, description: 'sign' },
  { name: 'TF', bit: 8, width: 1, description: 'trap' },
  { name: 'IF', bit: 9, width: 1, description: 'interrupt enable' },
  { name: 'DF', bit: 10, width: 1, description: 'direction' },
  { name: 'OF', bit: 11, width: 1, description: 'overflow' },
  { name: 'IOPL', bit: 12, width: 2, description: 'I/O privilege level' },
  { name: 'NT', bit: 14, width: 1, description: 'nested task' },
  { name: 'RF', bit: 16, width: 1, description: 'resume' },
  { name: 'VM', bit: 17, width: 1, description: 'virtual-8086 mode' },
  { name: 'AC', bit: 18, width: 1, description: 'alignment check' },
  { name: 'VIF', bit: 19, width: 1, description: 'virtual interrupt' },
  { name: 'VIP', bit: 20, width: 1, description: 'virtual interrupt pending' },
  { name: 'ID', bit: 21, width: 1, description: 'CPUID available' },
];

function build(): RegisterInfo[] {
  const t: RegisterInfo[] = [];
  const add = (r: RegisterInfo): void => { t.push(r); };
  GPR32.forEach((name, i) => {
    const group: RegisterGroup = i >= 4 ? 'pointer' : 'general';
    add({ name, width: 32, group, shift: 0, store: 'gpr', index: i, description: GPR_DESC[i] });
    const r16 = name.slice(1);
    add({ name: r16, width: 16, group, parent: name, shift: 0, store: 'gpr', index: i, description: `low 16 bits of ${name}` });
    if (i < 4) {
      const l = r16[0];
      add({ name: `${l}L`, width: 8, group, parent: r16, shift: 0, store: 'gpr', index: i, description: `low byte of ${r16}` });
      add({ name: `${l}H`, width: 8, group, parent: r16, shift: 8, store: 'gpr', index: i, description: `high byte of ${r16}` });
    }
  });
  add({ name: 'EIP', width: 32, group: 'pointer', shift: 0, store: 'eip', index: 0, description: 'instruction pointer' });
  add({ name: 'IP', width: 16, group: 'pointer', parent: 'EIP', shift: 0, store: 'eip', index: 0, description: 'low 16 bits of EIP' });
  add({ name: 'EFLAGS', width: 32, group: 'flags', shift: 0, store: 'eflags', index: 0, description: 'flags' });
  add({ name: 'FLAGS', width: 16, group: 'flags', parent: 'EFLAGS', shift: 0, store: 'eflags', index: 0, description: 'low 16 bits of EFLAGS' });
  for (const f of FLAG_BITS) {
    add({ name: f.name, width: f.width, group: 'flags', parent: 'EFLAGS', shift: f.bit, store: 'eflags', index: 0, description: f.description });
  }
  SEGS.forEach((name, i) => {
    add({ name, width: 16, group: 'segment', shift: 0, store: 'seg', index: i, description: `${name} selector` });
    add({ name: `${name}.BASE`, width: 32, group: 'segment', parent: name, shift: 0, store: 'segbase', index: i, description: 'hidden base' });
    add({ name: `${name}.LIMIT`, width: 32, group: 'segment', parent: name, shift: 0, store: 'seglimit', index: i, description: 'hidden limit' });
    add({ name: `${name}.ATTR`, width: 16, group: 'segment', parent: name, shift: 0, store: 'segattr', index: i, description: 'hidden attributes' });
  });
  for (const n of [0, 2, 3, 4]) add({ name: `CR${n}`, width: 32, group: 'control', shift: 0, store: 'cr', index: n, description: `control register ${n}` });
  for (const n of [0, 1, 2, 3, 6, 7]) add({ name: `DR${n}`, width: 32, group: 'debug', shift: 0, store: 'dr', index: n, description: `guest debug register ${n}` });
  for (let i = 0; i < 8; i++) add({ name: `ST${i}`, width: 80, group: 'fpu', shift: 0, store: 'st', index: i, description: `x87 stack register ${i}` });
  add({ name: 'FCW', width: 16, group: 'fpu', shift: 0, store: 'fpucw', index: 0, description: 'x87 control word' });
  add({ name: 'FSW', width: 16, group: 'fpu', shift: 0, store: 'fpusw', index: 0, description: 'x87 status word' });
  add({ name: 'FTW', width: 16, group: 'fpu', shift: 0, store: 'fputw', index: 0, description: 'x87 tag word' });
  return t;
}

export const REGISTERS: ReadonlyArray<RegisterInfo> = build();
const BY_NAME = new Map<string, RegisterInfo>(REGISTERS.map((r) => [r.name, r]));
// `ST(0)` spelling.
for (let i = 0; i < 8; i++) BY_NAME.set(`ST(${i})`, BY_NAME.get(`ST${i}`) as RegisterInfo);

/** Case-insensitive lookup (`eax`, `Al`, `zf`, `cs.base`, `st(1)`). */
export function findRegister(name: string): RegisterInfo | undefined {
  return BY_NAME.get(name.toUpperCase());
}

/** The direct children of a register in the table (EAX → AX; AX → AL, AH; EFLAGS → flags). */
export function registerChildren(name: string): RegisterInfo[] {
  const n = name.toUpperCase();
  return REGISTERS.filter((r) => r.parent === n);
}

function mask(width: number): number {
  return width >= 32 ? 0xffffffff : (1 << width) - 1;
}

/** Integer value of a register (unsigned). x87 stack registers give their approximate number; use `registerText` for them. */
export function readRegister(cpu: CpuWithFpu, r: RegisterInfo): number {
  const m = mask(r.width);
  switch (r.store) {
    case 'gpr': return ((cpu.regs[r.index] >>> r.shift) & m) >>> 0;
    case 'eip': return (cpu.eip & m) >>> 0;
    case 'eflags': return ((cpu.getEflags() >>> r.shift) & m) >>> 0;
    case 'seg': return cpu.getSegment(r.index).selector & 0xffff;
    case 'segbase': return cpu.getSegment(r.index).base >>> 0;
    case 'seglimit': return cpu.getSegment(r.index).limit >>> 0;
    case 'segattr': return cpu.getSegment(r.index).attributes & 0xffff;
    case 'cr': return cpu.cr[r.index] >>> 0;
    case 'dr': return cpu.dr[r.index] >>> 0;
    case 'st': return cpu.fpu ? cpu.fpu.stValue(r.index) : NaN;
    case 'fpucw': return cpu.fpu ? cpu.fpu.control & 0xffff : 0;
    case 'fpusw': return cpu.fpu ? cpu.fpu.getStatus() & 0xffff : 0;
    case 'fputw': return cpu.fpu ? cpu.fpu.getTag() & 0xffff : 0;
  }
}

/** Display text for registers that are not plain integers (x87), else undefined. */
export function registerText(cpu: CpuWithFpu, r: RegisterInfo): string | undefined {
  if (r.store !== 'st') return undefined;
  if (!cpu.fpu) return 'no x87 unit';
  if (cpu.fpu.stEmpty(r.index)) return 'empty';
  return cpu.fpu.stText(r.index);
}

export class RegisterWriteError extends Error {}

/**
 * Writes a register (part registers merge into their parent; flags set their bits). Segment registers
 * are loaded as the CPU's current mode does; x87 registers take text ("1.5", "0x3fff8000000000000000").
 */
export function writeRegister(cpu: CpuWithFpu, r: RegisterInfo, value: number | string): void {
  if (r.store === 'st') {
    if (!cpu.fpu) throw new RegisterWriteError('this CPU has no x87 unit');
    if (!cpu.fpu.setStText(r.index, String(value))) throw new RegisterWriteError(`cannot set ${r.name} to '${value}': expected a number such as 1.5, -inf or 0x3fff8000000000000000`);
    return;
  }
  if (typeof value === 'string') throw new RegisterWriteError(`${r.name} takes a number`);
  const m = mask(r.width);
  if (!Number.isFinite(value)) throw new RegisterWriteError(`${r.name} takes a number`);
  const v = value & m;
  const merge = (old: number): number => ((old & ~(m << r.shift)) | (v << r.shift)) | 0;
  switch (r.store) {
    case 'gpr': cpu.regs[r.index] = r.width === 32 ? v | 0 : merge(cpu.regs[r.index]); return;
    case 'eip': cpu.eip = r.width === 32 ? v >>> 0 : (merge(cpu.eip) >>> 0); return;
    case 'eflags': cpu.setEflags((r.width === 32 ? v : merge(cpu.getEflags())) >>> 0); return;
    case 'seg':
      if (!cpu.loadSegment(r.index, v & 0xffff)) throw new RegisterWriteError(`cannot load ${r.name} with 0x${(v & 0xffff).toString(16)}: the selector faults in the current mode`);
      return;
    case 'segbase': cpu.getSegment(r.index).base = v >>> 0; return;
    case 'seglimit': cpu.getSegment(r.index).limit = v >>> 0; return;
    case 'segattr': cpu.getSegment(r.index).attributes = v & 0xffff; return;
    case 'cr': cpu.cr[r.index] = v >>> 0; return;
    case 'dr': cpu.dr[r.index] = v >>> 0; return;
    case 'fpucw': if (cpu.fpu) cpu.fpu.control = v & 0xffff; return;
    case 'fpusw': if (cpu.fpu) cpu.fpu.setStatus(v & 0xffff); return;
    case 'fputw': throw new RegisterWriteError('FTW is read-only here');
  }
}

/** Names for completions (lower case, as people type them). */
export function registerNames(): string[] {
  return REGISTERS.map((r) => r.name.toLowerCase());
}

/** The EFLAGS value as `CF ZF IF` (set flags only) for compact displays. */
export function flagsText(eflags: number): string {
  const out: string[] = [];
  for (const f of FLAG_BITS) {
    if (f.width === 1 && (eflags >>> f.bit) & 1) out.push(f.name);
  }
  const iopl = (eflags >>> 12) & 3;
  if (iopl) out.push(`IOPL=${iopl}`);
  return out.join(' ');
}

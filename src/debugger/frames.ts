/**
 * Stack unwinding: EBP chains where the function has a `push ebp; mov ebp, esp` prologue, otherwise
 * a scan of the stack for return addresses (values that point just after a CALL instruction).
 */
import { Reg, Seg } from '../vm/cpuApi';
import type { CpuApi } from '../vm/cpuApi';
import type { SymbolTable } from './symbols';

export interface RawFrame {
  /** Linear address of the instruction (frame 0: EIP; others: the return address). */
  pc: number;
  /** Stack pointer (offset in SS) at that frame. */
  sp: number;
  /** Frame pointer (EBP) at that frame. */
  bp: number;
}

export interface MemReader {
  read8(linear: number): number;
}

function readWord(m: MemReader, linear: number, size: number): number {
  let v = 0;
  for (let i = size - 1; i >= 0; i--) {
    const b = m.read8((linear + i) >>> 0);
    if (b < 0) return -1;
    v = v * 256 + b;
  }
  return v;
}

/** True when the bytes before `ret` encode a near CALL that returns to `ret`. */
export function looksLikeReturnAddress(m: MemReader, ret: number): boolean {
  if (ret < 2) return false;
  if (m.read8(ret - 5) === 0xe8) return true; // call rel32
  if (m.read8(ret - 3) === 0xe8) return true; // call rel16
  // call r/m: FF /2 with 0 to 4 displacement/SIB bytes.
  for (const back of [2, 3, 4, 6, 7]) {
    if (m.read8(ret - back) === 0xff) {
      const modrm = m.read8(ret - back + 1);
      if (modrm >= 0 && ((modrm >> 3) & 7) === 2) return true;
    }
  }
  return false;
}

/** Walks up to `max` frames. */
export function unwind(cpu: CpuApi, mem: MemReader, symbols: SymbolTable | undefined, isCode: (linear: number) => boolean, max = 64): RawFrame[] {
  const size = cpu.codeSize === 16 ? 2 : 4;
  const mask = size === 2 ? 0xffff : 0xffffffff;
  const csBase = cpu.getSegment(Seg.CS).base >>> 0;
  const ssBase = cpu.getSegment(Seg.SS).base >>> 0;
  const frames: RawFrame[] = [];
  let pc = (csBase + cpu.eip) >>> 0;
  let sp = (cpu.regs[Reg.ESP] & mask) >>> 0;
  let bp = (cpu.regs[Reg.EBP] & mask) >>> 0;
  frames.push({ pc, sp, bp });
  const seen = new Set<number>();
  while (frames.length < max) {
    let ret = -1;
    let nsp = sp;
    let nbp = bp;
    const fn = symbols?.functionAt(pc);
    const start = fn ? fn.symbol.address : -1;
    const hasProlog = start >= 0 && mem.read8(start) === 0x55 &&
      ((mem.read8(start + 1) === 0x89 && mem.read8(start + 2) === 0xe5) || (mem.read8(start + 1) === 0x8b && mem.read8(start + 2) === 0xec));
    if (hasProlog && pc === start) {
      ret = readWord(mem, ssBase + sp, size);
      nsp = sp + size;
    } else if (hasProlog && pc === start + 1) {
      ret = readWord(mem, ssBase + sp + size, size);
      nbp = readWord(mem, ssBase + sp, size);
      nsp = sp + 2 * size;
    } else if (hasProlog && bp >= sp) {
      ret = readWord(mem, ssBase + bp + size, size);
      nbp = readWord(mem, ssBase + bp, size);
      nsp = bp + 2 * size;
    }
    if (ret < 0 || !(ret > 0 && isCode(csBase + ret) && looksLikeReturnAddress(mem, csBase + ret))) {
      // Scan for a return address.
      ret = -1;
      for (let i = 0; i < 256; i++) {
        const slot = sp + i * size;
        const v = readWord(mem, ssBase + slot, size);
        if (v < 0) break;
        if (v > 0 && isCode(csBase + v) && looksLikeReturnAddress(mem, csBase + v)) {
          ret = v;
          nsp = slot + size;
          break;
        }
      }
      if (ret < 0) break;
    }
    const npc = (csBase + ret) >>> 0;
    const key = npc * 0x100000000 + nsp;
    if (seen.has(key) || nsp <= sp) break;
    seen.add(key);
    pc = npc;
    sp = nsp >>> 0;
    bp = nbp >>> 0;
    frames.push({ pc, sp, bp });
  }
  return frames;
}

/**
 * Register and memory helpers for platform services written in TypeScript (BIOS, DOS) that the CPU
 * calls through `softIntHandler` in real mode.
 */
import { Flag, Reg, Seg, type CpuApi } from '../cpuApi';
import type { Machine } from '../machine';

export class RealModeCtx {
  readonly cpu: CpuApi;
  constructor(readonly m: Machine) {
    this.cpu = m.cpu;
  }

  get ax(): number { return this.cpu.regs[Reg.EAX] & 0xffff; }
  get bx(): number { return this.cpu.regs[Reg.EBX] & 0xffff; }
  get cx(): number { return this.cpu.regs[Reg.ECX] & 0xffff; }
  get dx(): number { return this.cpu.regs[Reg.EDX] & 0xffff; }
  get si(): number { return this.cpu.regs[Reg.ESI] & 0xffff; }
  get di(): number { return this.cpu.regs[Reg.EDI] & 0xffff; }
  get bp(): number { return this.cpu.regs[Reg.EBP] & 0xffff; }
  get sp(): number { return this.cpu.regs[Reg.ESP] & 0xffff; }
  get ah(): number { return (this.cpu.regs[Reg.EAX] >> 8) & 0xff; }
  get al(): number { return this.cpu.regs[Reg.EAX] & 0xff; }
  get bh(): number { return (this.cpu.regs[Reg.EBX] >> 8) & 0xff; }
  get bl(): number { return this.cpu.regs[Reg.EBX] & 0xff; }
  get ch(): number { return (this.cpu.regs[Reg.ECX] >> 8) & 0xff; }
  get cl(): number { return this.cpu.regs[Reg.ECX] & 0xff; }
  get dh(): number { return (this.cpu.regs[Reg.EDX] >> 8) & 0xff; }
  get dl(): number { return this.cpu.regs[Reg.EDX] & 0xff; }

  set16(r: Reg, v: number): void {
    this.cpu.regs[r] = (this.cpu.regs[r] & ~0xffff) | (v & 0xffff);
  }
  set32(r: Reg, v: number): void {
    this.cpu.regs[r] = v | 0;
  }
  setLo(r: Reg, v: number): void {
    this.cpu.regs[r] = (this.cpu.regs[r] & ~0xff) | (v & 0xff);
  }
  setHi(r: Reg, v: number): void {
    this.cpu.regs[r] = (this.cpu.regs[r] & ~0xff00) | ((v & 0xff) << 8);
  }
  set ax(v: number) { this.set16(Reg.EAX, v); }
  set bx(v: number) { this.set16(Reg.EBX, v); }
  set cx(v: number) { this.set16(Reg.ECX, v); }
  set dx(v: number) { this.set16(Reg.EDX, v); }
  set al(v: number) { this.setLo(Reg.EAX, v); }
  set ah(v: number) { this.setHi(Reg.EAX, v); }
  set bl(v: number) { this.setLo(Reg.EBX, v); }
  set bh(v: number) { this.setHi(Reg.EBX, v); }
  set cl(v: number) { this.setLo(Reg.ECX, v); }
  set ch(v: number) { this.setHi(Reg.ECX, v); }
  set dl(v: number) { this.setLo(Reg.EDX, v); }
  set dh(v: number) { this.setHi(Reg.EDX, v); }

  segBase(s: Seg): number {
    return this.cpu.getSegment(s).base >>> 0;
  }
  segSel(s: Seg): number {
    return this.cpu.getSegment(s).selector & 0xffff;
  }

  setFlag(f: Flag, on: boolean): void {
    const e = this.cpu.getEflags();
    this.cpu.setEflags(on ? e | f : e & ~f);
  }
  cf(on: boolean): void {
    this.setFlag(Flag.CF, on);
  }
  zf(on: boolean): void {
    this.setFlag(Flag.ZF, on);
  }

  /** Linear address seg:off (real mode). */
  lin(s: Seg, off: number): number {
    return (this.segBase(s) + (off & 0xffff)) >>> 0;
  }

  rd8(a: number): number { return this.m.physRead8(a); }
  rd16(a: number): number { return this.m.physRead16(a); }
  rd32(a: number): number { return this.m.physRead32(a); }
  wr8(a: number, v: number): void { this.m.physWrite8(a, v); }
  wr16(a: number, v: number): void { this.m.physWrite16(a, v); }
  wr32(a: number, v: number): void { this.m.physWrite32(a, v); }

  /** Reads bytes at seg:off (offset wraps at 64 KiB like real mode). */
  readBytes(s: Seg, off: number, n: number): Uint8Array {
    const out = new Uint8Array(n);
    const base = this.segBase(s);
    for (let i = 0; i < n; i++) out[i] = this.rd8(base + ((off + i) & 0xffff));
    return out;
  }

  writeBytes(s: Seg, off: number, bytes: Uint8Array): void {
    const base = this.segBase(s);
    for (let i = 0; i < bytes.length; i++) this.wr8(base + ((off + i) & 0xffff), bytes[i]);
  }

  /** NUL-terminated string at seg:off (at most `max` chars). */
  asciiz(s: Seg, off: number, max = 128): string {
    let r = '';
    const base = this.segBase(s);
    for (let i = 0; i < max; i++) {
      const c = this.rd8(base + ((off + i) & 0xffff));
      if (c === 0) break;
      r += String.fromCharCode(c);
    }
    return r;
  }

  /**
   * Linear address of the INT instruction being serviced. The CPU calls softIntHandler with EIP
   * after the 2-byte INT n (CD nn).
   */
  intSite(): number {
    return (this.segBase(Seg.CS) + ((this.cpu.eip - 2) & 0xffff)) >>> 0;
  }

  /** Makes the INT instruction run again (a service waiting for input). */
  rewindInt(): void {
    this.cpu.eip = (this.cpu.eip - 2) & 0xffff;
  }
}

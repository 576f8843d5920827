/**
 * A scripted stand-in for the CPU that follows the hook protocol of src/vm/hooks.ts to the letter,
 * so that the manager's rules (SPEC §4, §5) can be driven access by access. Instructions are scripts
 * at linear addresses (identity-mapped, one byte long unless `next` says otherwise); guest programs
 * on the real CPU are in guest.test.ts.
 */
import type { CpuApi, SegmentRegister } from '../../src/vm/cpuApi';
import { CpuMode } from '../../src/vm/cpuApi';
import { Access, StopReason } from '../../src/vm/hooks';
import type { DebugHooks } from '../../src/vm/hooks';
import { IoBus } from '../../src/vm/iobus';
import { Memory, PageKind } from '../../src/vm/memory';

export type FakeOp =
  | { t: 'mem'; linear: number; size: number; access: Access; value?: number }
  | { t: 'phys'; physical: number; size: number; access: Access; value?: number }
  | { t: 'port'; port: number; size: number; access: Access; value?: number }
  /** A REP string instruction: `count` iterations, each running `ops(i)`; ECX counts down. */
  | { t: 'rep'; count: number; ops: (i: number) => FakeOp[] };

export interface FakeInstr {
  ops: FakeOp[];
  next?: number;
}

interface SwbpMem {
  swbpRead?: ((p: number) => number) | null;
  swbpWrite?: ((p: number, v: number) => boolean) | null;
}

export class FakeCpu implements CpuApi {
  readonly mem = new Memory(0x100000);
  readonly io = new IoBus();
  readonly regs = new Int32Array(8);
  eip = 0;
  readonly cr = new Uint32Array(5);
  readonly dr = new Uint32Array(8);
  readonly hyperDr = new Uint32Array(8);
  gdtr = { base: 0, limit: 0 };
  idtr = { base: 0, limit: 0 };
  readonly mode = CpuMode.Protected;
  readonly cpl = 0;
  readonly codeSize = 32 as const;
  instructionCount = 0;
  halted = false;
  hooks: DebugHooks | null = null;
  readonly execPageFlags = new Uint8Array(1 << 20);
  readonly watchPageFlags = new Uint8Array(1 << 20);
  skipExecCheckOnce = false;
  currentInstructionLinear = 0;
  interrupts = null;
  softIntHandler = null;
  readonly program = new Map<number, FakeInstr>();
  /** Linear addresses of executed instructions, in order. */
  readonly trace: number[] = [];
  /** Vectors delivered to the guest. */
  readonly delivered: number[] = [];
  private stopRequested = false;
  private repLeft = -1;

  getEflags(): number { return 2; }
  setEflags(): void {}
  getSegment(): SegmentRegister { return { selector: 8, base: 0, limit: 0xffffffff, attributes: 0x9b }; }
  loadSegment(): boolean { return true; }
  requestStop(): void { this.stopRequested = true; }
  requestPause(): void {}
  translate(linear: number): number { return linear >>> 0 < this.mem.size ? linear >>> 0 : -1; }
  debugRead8(linear: number): number { return this.read8(linear); }
  debugWrite8(linear: number, v: number): boolean { this.write8(linear, v); return true; }
  raiseException(): void {}
  reset(): void {}
  step(): StopReason { return this.run(1); }

  /** A guest byte read (as the CPU's data path does on a SwBp page). */
  read8(p: number): number {
    const m = this.mem as Memory & SwbpMem;
    const v = this.mem.pageKind[p >>> 12] & PageKind.SwBp && m.swbpRead ? m.swbpRead(p) : -1;
    return v >= 0 ? v : this.mem.ram[p];
  }
  write8(p: number, v: number): void {
    const m = this.mem as Memory & SwbpMem;
    if (!(this.mem.pageKind[p >>> 12] & PageKind.SwBp && m.swbpWrite && m.swbpWrite(p, v))) this.mem.ram[p] = v;
  }

  at(linear: number, ...ops: FakeOp[]): this {
    this.program.set(linear, { ops });
    return this;
  }

  /** SDM 17.2.4/17.2.5 matching of the debugger DRs for a data/I/O access; returns the slot mask. */
  private hyperMatch(addr: number, size: number, access: Access, io: boolean): number {
    const dr7 = this.hyperDr[7];
    let slots = 0;
    for (let s = 0; s < 4; s++) {
      if ((dr7 & (3 << (2 * s))) === 0) continue;
      const rw = (dr7 >>> (16 + 4 * s)) & 3;
      const lenBits = (dr7 >>> (18 + 4 * s)) & 3;
      const len = [1, 2, 8, 4][lenBits];
      if (io ? rw !== 2 : rw === 0 || rw === 2 || (rw === 1 && access !== Access.Write)) continue;
      const base = this.hyperDr[s] & ~(len - 1);
      if (addr < base + len && base < addr + size) slots |= 1 << s;
    }
    return slots;
  }

  private access(op: FakeOp): void {
    const h = this.hooks!;
    switch (op.t) {
      case 'mem': {
        let value = op.value ?? 0;
        if (op.access === Access.Write) for (let i = 0; i < op.size; i++) this.write8(op.linear + i, (value >>> (8 * i)) & 0xff);
        else {
          value = 0;
          for (let i = 0; i < op.size; i++) value |= this.read8(op.linear + i) << (8 * i);
        }
        if (this.watchPageFlags[op.linear >>> 12] || this.watchPageFlags[(op.linear + op.size - 1) >>> 12]) h.onLinearAccess(op.linear, op.size, op.access, value);
        const slots = this.hyperMatch(op.linear, op.size, op.access, false);
        if (slots) h.onHyperDr(slots, op.linear, op.size, op.access, value);
        if (this.mem.pageKind[op.linear >>> 12] & PageKind.Watch) h.onPhysicalAccess(op.linear, op.size, op.access, value);
        break;
      }
      case 'phys':
        if (this.mem.pageKind[op.physical >>> 12] & PageKind.Watch) h.onPhysicalAccess(op.physical, op.size, op.access, op.value ?? 0);
        break;
      case 'port': {
        let watched = false;
        for (let i = 0; i < op.size; i++) if (this.io.portWatch[(op.port + i) & 0xffff]) watched = true;
        if (watched) h.onPort(op.port, op.size, op.access, op.value ?? 0);
        const slots = this.hyperMatch(op.port, op.size, op.access, true);
        if (slots) h.onHyperDr(slots, op.port, op.size, op.access, op.value ?? 0);
        break;
      }
      case 'rep':
        break;
    }
  }

  run(budget: number): StopReason {
    for (let n = 0; n < budget; n++) {
      const linear = this.eip;
      if (!this.skipExecCheckOnce && this.execPageFlags[linear >>> 12] && this.hooks?.onExec(linear)) return StopReason.Debug;
      this.skipExecCheckOnce = false;
      this.currentInstructionLinear = linear;
      if (this.mem.ram[linear] === 0xcc) {
        // The fetch sees the INT3 byte: a #BP trap with EIP after it.
        this.eip = linear + 1;
        if (this.hooks?.onException(3, -1, true)) return StopReason.Debug;
        this.delivered.push(3);
        this.instructionCount++;
        continue;
      }
      const ins = this.program.get(linear);
      if (!ins) return StopReason.Halted;
      this.trace.push(linear);
      const rep = ins.ops.length === 1 && ins.ops[0].t === 'rep' ? ins.ops[0] : null;
      if (rep) {
        if (this.repLeft < 0) this.repLeft = rep.count;
        while (this.repLeft > 0) {
          const i = rep.count - this.repLeft;
          for (const op of rep.ops(i)) this.access(op);
          this.repLeft--;
          this.regs[1] = this.repLeft;
          if (this.stopRequested && this.repLeft > 0) {
            this.stopRequested = false;
            return StopReason.Debug; // after the iteration, EIP still on the instruction
          }
        }
        this.repLeft = -1;
      } else {
        for (const op of ins.ops) this.access(op);
      }
      this.eip = ins.next ?? linear + 1;
      this.instructionCount++;
      if (this.stopRequested) {
        this.stopRequested = false;
        return StopReason.Debug;
      }
    }
    return StopReason.Budget;
  }
}

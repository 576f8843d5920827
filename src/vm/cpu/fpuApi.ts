/**
 * The contract between the integer CPU (cpu.ts) and the x87 unit (fpu.ts).
 *
 * The CPU decodes ESC opcodes D8–DF, handles CR0.EM/TS/MP (#NM) itself, computes the linear
 * address of a memory operand (segment base + offset, after limit checks) and calls `exec`.
 * WAIT/FWAIT calls `wait`. The FPU reads and writes guest memory only through the host, whose
 * accessors raise the CPU's own faults (#PF, #GP) by throwing the CPU's internal fault object;
 * the FPU must not catch it (its state must be unchanged by a faulting memory operand where the SDM
 * says so: memory operands are read before the stack is changed).
 */
export interface FpuHost {
  read8(linear: number): number;
  read16(linear: number): number;
  read32(linear: number): number;
  write8(linear: number, value: number): void;
  write16(linear: number, value: number): void;
  write32(linear: number, value: number): void;
  /** EAX..EDI (FSTSW AX writes regs[0] low 16 bits). */
  readonly regs: Int32Array;
  /**
   * An unmasked exception is pending at a waiting FPU instruction: the CPU raises #MF (vector 16)
   * when CR0.NE=1, otherwise asserts FERR# (IRQ 13 on a PC). Throws when it raises #MF.
   */
  fpuError(): void;
  /** CR0 value (for NE). */
  cr0(): number;
  /** Current EFLAGS (FCMOVcc reads CF, ZF, PF). */
  eflags(): number;
  /**
   * FCOMI/FCOMIP/FUCOMI/FUCOMIP: set ZF, PF, CF in EFLAGS (other flags unchanged, as qemu does;
   * the SDM leaves OF/SF/AF unspecified for these).
   */
  setFlags(zf: boolean, pf: boolean, cf: boolean): void;
}

export interface FpuUnit {
  /**
   * Execute ESC instruction. `op` = opcode - 0xD8 (0..7), `modrm` the ModRM byte, `linear` the
   * operand's linear address for memory forms (ignored for register forms: modrm >= 0xC0),
   * `o16` true for 16-bit operand size (FSTENV/FLDENV/FSAVE/FRSTOR layouts), `pm` true in protected
   * mode (environment layout). `ip`/`cs`/`dp`/`ds` are the instruction and data pointers it records.
   */
  exec(host: FpuHost, op: number, modrm: number, linear: number, o16: boolean, pm: boolean,
    ip: number, cs: number, dp: number, ds: number): void;
  /**
   * The register forms that touch neither memory nor EFLAGS (FADD/FMUL/FSUB/FSUBR/FDIV/FDIVR with
   * ST(i), FLD ST(i), FXCH, FST/FSTP ST(i): `x87RegOp` in fpu.ts) as `exec` runs them, for a caller
   * that has done the CPU's checks (CR0.EM/TS) itself. False, with nothing changed, for other forms
   * and while an unmasked exception is pending (`exec` then raises it).
   */
  regOp(op: number, modrm: number, ip: number, cs: number): boolean;
  /**
   * Likewise the memory forms that only read their operand (FLD m32/m64, FILD m32, the arithmetic
   * and compares with m32real, m64real, m32int, m16int: `x87MemLoad` in fpu.ts), from the operand's
   * bytes read by the caller: the (first) dword or the word in `lo`, an m64's second dword in `hi`;
   * `dp`/`ds` the data pointer it records.
   */
  memOp(op: number, modrm: number, lo: number, hi: number, ip: number, cs: number, dp: number, ds: number): boolean;
  /**
   * Likewise FCOMI, FUCOMI, FCOMIP, FUCOMIP (`x87Comi` in fpu.ts), ZF/PF/CF set through `host`; also
   * false, with nothing changed, when a register is empty or the comparison raises an exception.
   */
  comiOp(host: FpuHost, op: number, modrm: number, ip: number, cs: number): boolean;
  /** WAIT/FWAIT: calls host.fpuError() when an unmasked exception is pending. */
  wait(host: FpuHost): void;
  /** Power-on/FNINIT state. */
  reset(): void;

  // Debugger view (read/write without side effects).
  control: number;
  /** Status word with TOP in bits 11–13. */
  getStatus(): number;
  setStatus(value: number): void;
  /** Full tag word (2 bits per physical register). */
  getTag(): number;
  /** ST(i) as a JS number (approximate, for display) . */
  stValue(i: number): number;
  /** ST(i) exact decimal/hex text for display, e.g. "3.14159265358979323851 (0x4000c90fdaa22168c235)". */
  stText(i: number): string;
  /** Set ST(i) from text ("1.5", "-inf", "0x3fff8000000000000000"); false when unparsable. */
  setStText(i: number, text: string): boolean;
  /** Whether ST(i) is empty. */
  stEmpty(i: number): boolean;
}

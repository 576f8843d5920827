/**
 * Linux i386 signal delivery for the linux32 platform: dispositions (rt_sigaction, sigaction,
 * signal), the blocked and pending sets (rt_sigprocmask, sigprocmask, rt_sigpending), signal frames
 * on the user stack laid out as the kernel's `sigframe_ia32` / `rt_sigframe_ia32`
 * (arch/x86/include/asm/sigframe.h: sigcontext, siginfo, ucontext, the FNSAVE image of the x87),
 * handler entry (EAX = signal, EDX = &siginfo, ECX = &ucontext for SA_SIGINFO), SA_NODEFER,
 * SA_RESETHAND, SA_RESTORER, and sigreturn / rt_sigreturn.
 *
 * Signals come from kill/tkill/tgkill to the process itself (delivered when that system call
 * returns, or later when unblocked) and from CPU faults (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP),
 * which Linux forces: a blocked or ignored fault signal kills the process. Not modelled: other
 * processes, sigaltstack (handlers run on the current stack), restarting interrupted system calls
 * (nothing blocks in a single-threaded process here), queueing of more than one instance.
 */
import { Reg, Seg } from '../cpuApi';
import type { CpuApi } from '../cpuApi';
import type { FpuHost, FpuUnit } from '../cpu/fpuApi';
import { E } from './linuxFiles';
import type { LinuxAddressSpace } from './linuxMemory';

export const SA_SIGINFO = 4;
export const SA_ONSTACK = 0x08000000;
export const SA_RESTART = 0x10000000;
export const SA_NODEFER = 0x40000000;
export const SA_RESETHAND = 0x80000000;
export const SA_RESTORER = 0x04000000;
const SIG_DFL = 0;
const SIG_IGN = 1;

/** si_code values. */
export const SI_USER = 0;
export const SI_KERNEL = 0x80;
export const SI_TKILL = -6;

const SIGKILL = 9;
const SIGSTOP = 19;
/** Signals whose default action is to ignore them: SIGCHLD, SIGCONT, SIGURG, SIGWINCH. */
const DEFAULT_IGNORE = new Set([17, 18, 23, 28]);
/** Stop signals (SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU): nobody could continue us; treated as ignored. */
const DEFAULT_STOP = new Set([19, 20, 21, 22]);

const USER_CS = 0x73;
const USER_DS = 0x7b;
const TF = 0x100, DF = 0x400, RF = 0x10000;
/** EFLAGS bits sigreturn restores (arch/x86/kernel/signal.c FIX_EFLAGS). */
const FIX_EFLAGS = 0x40000 | 0x800 | 0x400 | 0x100 | 0x80 | 0x40 | 0x10 | 0x4 | 0x1 | 0x10000;

// sigcontext_32 field indexes (22 words).
const SC_GS = 0, SC_FS = 1, SC_ES = 2, SC_DS = 3, SC_TRAPNO = 12, SC_ERR = 13, SC_EIP = 14, SC_CS = 15,
  SC_EFLAGS = 16, SC_ESP_AT_SIGNAL = 17, SC_SS = 18, SC_FPSTATE = 19, SC_OLDMASK = 20, SC_CR2 = 21;
/** cpu.regs index → sigcontext index (EDI ESI EBP ESP EBX EDX ECX EAX at 4..11). */
const SC_REG = [11, 10, 9, 8, 7, 6, 5, 4];
const SC_SIZE = 88;
/** struct _fpstate_32: the FNSAVE image (108 bytes), status, magic (0xffff: no FXSR part). */
const FPSTATE_SIZE = 112;
const FPSTATE_FULL = 624;

// rt_sigframe_ia32: pretcode, sig, pinfo, puc, siginfo (128), ucontext_ia32, retcode[8].
const RT_INFO = 16;
const RT_UC = 144;
const UC_MCONTEXT = 20;
const UC_SIGMASK = 108;
const RT_RETCODE = RT_UC + 116;
const RT_SIZE = RT_RETCODE + 8;
// sigframe_ia32: pretcode, sig, sigcontext, fpstate_unused (624), extramask[1], retcode[8].
const OLD_SC = 8;
const OLD_EXTRAMASK = OLD_SC + SC_SIZE + FPSTATE_FULL;
const OLD_RETCODE = OLD_EXTRAMASK + 4;
const OLD_SIZE = OLD_RETCODE + 8;

/** The trampolines of handlers installed without SA_RESTORER (Linux's legacy retcode). */
const RT_TRAMPOLINE = [0xb8, 0xad, 0x00, 0x00, 0x00, 0xcd, 0x80, 0x90]; // mov eax, 173; int 0x80
const OLD_TRAMPOLINE = [0x58, 0xb8, 0x77, 0x00, 0x00, 0x00, 0xcd, 0x80]; // pop eax; mov eax, 119; int 0x80

interface Action {
  handler: number;
  flags: number;
  restorer: number;
  mask: [number, number];
}

/** A signal's siginfo fields (what the frame's 128-byte siginfo holds). */
export interface SigInfo {
  signo: number;
  code: number;
  /** kill/tgkill: sender pid and uid; faults: the address (si_addr). */
  pid?: number;
  uid?: number;
  addr?: number;
}

/** The interrupted user context, in sigcontext order, plus where it came from. */
export interface UserContext {
  sc: Uint32Array;
  /** Set when the context was taken in the platform's ring-0 exception stub: the ESP of its IRET frame. */
  kernelEsp: number | null;
}

/** What the signal code needs from the machine. */
export interface SignalHost {
  readonly cpu: CpuApi;
  readonly as: LinuxAddressSpace;
  /** Ends the process with the signal's status and a one-line report. */
  kill(sig: number, message: string): void;
  /** Linear address of a read-only executable page holding the two trampolines (mapped on demand). */
  trampolinePage(): number;
  /** A signal was delivered to a handler (for reports). */
  delivered(sig: number, info: SigInfo, handler: number): void;
}

function sigBit(sig: number): [number, number] {
  return sig <= 32 ? [0, (1 << (sig - 1)) >>> 0] : [1, (1 << (sig - 33)) >>> 0];
}

export class LinuxSignals {
  private readonly actions: Action[] = [];
  /** Blocked and pending sets, bit (sig - 1) of the 64-bit set as two words. */
  readonly blocked: [number, number] = [0, 0];
  readonly pending: [number, number] = [0, 0];
  private readonly pendingInfo = new Map<number, SigInfo>();

  constructor(private readonly host: SignalHost) {
    for (let i = 0; i <= 64; i++) this.actions.push({ handler: SIG_DFL, flags: 0, restorer: 0, mask: [0, 0] });
  }

  /** The installed handler address, SIG_DFL (0) or SIG_IGN (1). */
  handlerOf(sig: number): number {
    return this.actions[sig]?.handler ?? SIG_DFL;
  }

  private isBlocked(sig: number): boolean {
    const [w, b] = sigBit(sig);
    return (this.blocked[w] & b) !== 0;
  }

  private setMask(lo: number, hi: number): void {
    const [, k] = sigBit(SIGKILL);
    const [, s] = sigBit(SIGSTOP);
    this.blocked[0] = (lo & ~k & ~s) >>> 0;
    this.blocked[1] = hi >>> 0;
  }

  private ignored(sig: number): boolean {
    const h = this.actions[sig].handler;
    return h === SIG_IGN || (h === SIG_DFL && (DEFAULT_IGNORE.has(sig) || DEFAULT_STOP.has(sig)));
  }

  private discardPending(sig: number): void {
    const [w, b] = sigBit(sig);
    this.pending[w] = (this.pending[w] & ~b) >>> 0;
    this.pendingInfo.delete(sig);
  }

  // ---- system calls ----

  /** rt_sigaction(sig, act, oact, sigsetsize) with the kernel's {handler, flags, restorer, mask[2]}. */
  rtSigaction(sig: number, act: number, oact: number, setsize: number): number {
    if (setsize !== 8) return -E.EINVAL;
    return this.sigaction(sig, act, oact, true);
  }

  /** sigaction (67) with the old {handler, mask, flags, restorer}. */
  oldSigaction(sig: number, act: number, oact: number): number {
    return this.sigaction(sig, act, oact, false);
  }

  private sigaction(sig: number, act: number, oact: number, rt: boolean): number {
    if (sig < 1 || sig > 64 || (act !== 0 && (sig === SIGKILL || sig === SIGSTOP))) return -E.EINVAL;
    const as = this.host.as;
    const size = rt ? 20 : 16;
    let next: Action | null = null;
    if (act !== 0) {
      if (!as.check(act, size, false)) return -E.EFAULT;
      const d = new DataView(as.read(act, size).buffer);
      next = rt
        ? { handler: d.getUint32(0, true), flags: d.getUint32(4, true), restorer: d.getUint32(8, true), mask: [d.getUint32(12, true), d.getUint32(16, true)] }
        : { handler: d.getUint32(0, true), mask: [d.getUint32(4, true), 0], flags: d.getUint32(8, true), restorer: d.getUint32(12, true) };
    }
    if (oact !== 0) {
      const o = this.actions[sig];
      const out = new Uint8Array(size);
      const d = new DataView(out.buffer);
      if (rt) {
        d.setUint32(0, o.handler, true); d.setUint32(4, o.flags, true); d.setUint32(8, o.restorer, true);
        d.setUint32(12, o.mask[0], true); d.setUint32(16, o.mask[1], true);
      } else {
        d.setUint32(0, o.handler, true); d.setUint32(4, o.mask[0], true); d.setUint32(8, o.flags, true); d.setUint32(12, o.restorer, true);
      }
      if (!as.check(oact, size, true)) return -E.EFAULT;
      as.write(oact, out);
    }
    if (next) {
      this.actions[sig] = next;
      // POSIX: setting a pending signal to ignored discards it.
      if (this.ignored(sig)) this.discardPending(sig);
    }
    return 0;
  }

  /** signal(sig, handler) (48): SA_RESETHAND | SA_NODEFER semantics; returns the old handler. */
  signal(sig: number, handler: number): number {
    if (sig < 1 || sig > 64 || sig === SIGKILL || sig === SIGSTOP) return -E.EINVAL;
    const old = this.actions[sig].handler;
    this.actions[sig] = { handler, flags: SA_RESETHAND | SA_NODEFER, restorer: 0, mask: [0, 0] };
    if (this.ignored(sig)) this.discardPending(sig);
    return old;
  }

  /** rt_sigprocmask(how, set, oset, sigsetsize) and sigprocmask (`words` 1). */
  sigprocmask(how: number, set: number, oset: number, words: 1 | 2): number {
    const as = this.host.as;
    let lo = 0, hi = 0;
    if (set !== 0) {
      if (how < 0 || how > 2) return -E.EINVAL;
      if (!as.check(set, words * 4, false)) return -E.EFAULT;
      const d = new DataView(as.read(set, words * 4).buffer);
      lo = d.getUint32(0, true);
      hi = words === 2 ? d.getUint32(4, true) : this.blocked[1];
    }
    if (oset !== 0) {
      const out = new Uint8Array(words * 4);
      const d = new DataView(out.buffer);
      d.setUint32(0, this.blocked[0], true);
      if (words === 2) d.setUint32(4, this.blocked[1], true);
      if (!as.check(oset, words * 4, true)) return -E.EFAULT;
      as.write(oset, out);
    }
    if (set !== 0) {
      const b = this.blocked;
      if (how === 0) this.setMask(b[0] | lo, b[1] | hi); // SIG_BLOCK
      else if (how === 1) this.setMask(b[0] & ~lo, words === 2 ? b[1] & ~hi : b[1]); // SIG_UNBLOCK
      else this.setMask(lo, hi); // SIG_SETMASK
    }
    return 0;
  }

  /** rt_sigpending(set, sigsetsize): the pending signals (all of them are blocked here). */
  sigpending(set: number, words: 1 | 2): number {
    const out = new Uint8Array(words * 4);
    const d = new DataView(out.buffer);
    d.setUint32(0, this.pending[0] & this.blocked[0], true);
    if (words === 2) d.setUint32(4, this.pending[1] & this.blocked[1], true);
    if (!this.host.as.check(set, words * 4, true)) return -E.EFAULT;
    this.host.as.write(set, out);
    return 0;
  }

  /** kill/tkill/tgkill to the process itself: makes the signal pending (delivered on return). */
  send(sig: number, info: SigInfo): void {
    if (this.ignored(sig)) return;
    const [w, b] = sigBit(sig);
    if (this.pending[w] & b) return; // one instance of a standard signal
    this.pending[w] = (this.pending[w] | b) >>> 0;
    this.pendingInfo.set(sig, info);
  }

  /** The lowest-numbered pending signal that is not blocked, or 0. */
  private nextDeliverable(): number {
    for (let w = 0; w < 2; w++) {
      const m = (this.pending[w] & ~this.blocked[w]) >>> 0;
      if (m) return w * 32 + 1 + (31 - Math.clz32(m & -m));
    }
    return 0;
  }

  /**
   * Delivers every deliverable pending signal, as Linux does on the way back to user mode (each
   * handler frame nests on the previous one, the last set up runs first). Returns false when a
   * signal ended the process.
   */
  deliverPending(ctx: () => UserContext): boolean {
    for (let sig = this.nextDeliverable(); sig !== 0; sig = this.nextDeliverable()) {
      const info = this.pendingInfo.get(sig) ?? { signo: sig, code: SI_USER };
      this.discardPending(sig);
      if (this.ignored(sig)) continue;
      const a = this.actions[sig];
      if (a.handler === SIG_DFL) {
        this.host.kill(sig, info.code === SI_USER || info.code === SI_TKILL ? 'raised by the program' : 'sent');
        return false;
      }
      if (!this.setupFrame(sig, info, ctx())) return false;
    }
    return true;
  }

  /**
   * A CPU fault turned into `sig` (Linux force_sig_fault): delivered to the handler if there is
   * one and the signal is not blocked; otherwise false (the caller ends the process).
   */
  deliverFault(sig: number, info: SigInfo, ctx: UserContext): boolean {
    const a = this.actions[sig];
    if (a.handler === SIG_DFL || a.handler === SIG_IGN || this.isBlocked(sig)) {
      // force_sig: a blocked or ignored fault signal is unblocked and reset to the default: fatal.
      return false;
    }
    return this.setupFrame(sig, info, ctx);
  }

  // ---- frames ----

  private setupFrame(sig: number, info: SigInfo, ctx: UserContext): boolean {
    const host = this.host;
    const as = host.as;
    const a = this.actions[sig];
    const rt = (a.flags & SA_SIGINFO) !== 0;
    const sc = ctx.sc;
    // get_sigframe: room for the x87 state, then the frame, aligned so that ESP + 4 is a multiple
    // of 16 at handler entry (as after a call).
    let sp = sc[SC_ESP_AT_SIGNAL] >>> 0;
    const fpAddr = ((sp - FPSTATE_SIZE) & ~63) >>> 0;
    sp = fpAddr - (rt ? RT_SIZE : OLD_SIZE);
    sp = (((sp + 4) & ~15) - 4) >>> 0;
    const size = fpAddr + FPSTATE_SIZE - sp;
    if (!as.check(sp, size, true)) {
      // Linux: a frame that cannot be written is a SIGSEGV that cannot be caught.
      host.kill(11, `cannot write the ${signalText(sig)} frame at ${hex(sp)} (stack overflow?)`);
      return false;
    }
    const fpu = this.fpuOf();
    if (fpu) {
      this.fnsave(fpu, fpAddr);
      const st = as.read(fpAddr + 4, 2);
      as.write(fpAddr + 108, new Uint8Array([st[0], st[1], 0xff, 0xff])); // status, magic 0xffff
      sc[SC_FPSTATE] = fpAddr;
    } else sc[SC_FPSTATE] = 0;
    sc[SC_OLDMASK] = this.blocked[0];
    const frame = new Uint8Array(rt ? RT_SIZE : OLD_SIZE);
    const d = new DataView(frame.buffer);
    const page = a.flags & SA_RESTORER ? 0 : host.trampolinePage();
    const restorer = a.flags & SA_RESTORER ? a.restorer : rt ? page : page + 8;
    d.setUint32(0, restorer, true);
    d.setInt32(4, sig, true);
    const scOff = rt ? RT_UC + UC_MCONTEXT : OLD_SC;
    for (let i = 0; i < 22; i++) d.setUint32(scOff + i * 4, sc[i], true);
    if (rt) {
      d.setUint32(8, sp + RT_INFO, true);
      d.setUint32(12, sp + RT_UC, true);
      writeSiginfo(d, RT_INFO, info);
      // ucontext: uc_flags 0, uc_link 0, uc_stack {ss_sp 0, ss_flags SS_DISABLE, ss_size 0}, sigmask.
      d.setUint32(RT_UC + 12, 2, true);
      d.setUint32(RT_UC + UC_SIGMASK, this.blocked[0], true);
      d.setUint32(RT_UC + UC_SIGMASK + 4, this.blocked[1], true);
      frame.set(RT_TRAMPOLINE, RT_RETCODE);
    } else {
      d.setUint32(OLD_EXTRAMASK, this.blocked[1], true);
      frame.set(OLD_TRAMPOLINE, OLD_RETCODE);
    }
    as.write(sp, frame);
    // Handler entry: new blocked set, SA_RESETHAND.
    const m = a.mask;
    let lo = this.blocked[0] | m[0], hi = this.blocked[1] | m[1];
    if (!(a.flags & SA_NODEFER)) {
      const [w, b] = sigBit(sig);
      if (w === 0) lo |= b; else hi |= b;
    }
    this.setMask(lo, hi);
    const handler = a.handler;
    if (a.flags & SA_RESETHAND) this.actions[sig] = { handler: SIG_DFL, flags: 0, restorer: 0, mask: [0, 0] };
    const n = new Uint32Array(sc);
    n[SC_EIP] = handler;
    n[SC_ESP_AT_SIGNAL] = sp;
    n[SC_REG[Reg.ESP]] = sp;
    n[SC_REG[Reg.EAX]] = sig;
    n[SC_REG[Reg.EDX]] = rt ? sp + RT_INFO : 0;
    n[SC_REG[Reg.ECX]] = rt ? sp + RT_UC : 0;
    n[SC_EFLAGS] = sc[SC_EFLAGS] & ~(TF | DF | RF);
    n[SC_DS] = USER_DS;
    n[SC_ES] = USER_DS;
    n[SC_CS] = USER_CS;
    n[SC_SS] = USER_DS;
    if (!this.apply({ sc: n, kernelEsp: ctx.kernelEsp }, false)) return false;
    host.delivered(sig, info, handler);
    return true;
  }

  /**
   * sigreturn (rt = false) or rt_sigreturn (rt = true), called from the system call with the user
   * ESP at the `int 0x80`: restores the context and mask saved in the frame. Returns the restored
   * EAX (the system call's result), or null when the frame is bad (the process was killed).
   */
  sigreturn(rt: boolean, esp: number): number | null {
    const as = this.host.as;
    const base = (esp - (rt ? 4 : 8)) >>> 0;
    const size = rt ? RT_SIZE : OLD_SIZE;
    if (!as.check(base, size, false)) {
      this.host.kill(11, `${rt ? 'rt_sigreturn' : 'sigreturn'} with a bad frame at ${hex(base)}`);
      return null;
    }
    const d = new DataView(as.read(base, size).buffer);
    const scOff = rt ? RT_UC + UC_MCONTEXT : OLD_SC;
    const sc = new Uint32Array(22);
    for (let i = 0; i < 22; i++) sc[i] = d.getUint32(scOff + i * 4, true);
    if (rt) this.setMask(d.getUint32(RT_UC + UC_SIGMASK, true), d.getUint32(RT_UC + UC_SIGMASK + 4, true));
    else this.setMask(sc[SC_OLDMASK], d.getUint32(OLD_EXTRAMASK, true));
    const cur = this.host.cpu.getEflags();
    sc[SC_EFLAGS] = (cur & ~FIX_EFLAGS) | (sc[SC_EFLAGS] & FIX_EFLAGS);
    sc[SC_CS] = USER_CS;
    sc[SC_SS] = USER_DS;
    const fp = sc[SC_FPSTATE];
    const fpu = this.fpuOf();
    if (fpu) {
      if (fp !== 0 && as.check(fp, 108, false)) this.frstor(fpu, fp);
      else if (fp === 0) fpu.reset();
    }
    if (!this.apply({ sc, kernelEsp: null }, true)) return null;
    return sc[SC_REG[Reg.EAX]] | 0;
  }

  /** Puts a context on the CPU (user mode directly, or through the ring-0 stub's IRET frame). */
  private apply(ctx: UserContext, restoring: boolean): boolean {
    const cpu = this.host.cpu;
    const sc = ctx.sc;
    const segs: Array<[Seg, number]> = [[Seg.DS, SC_DS], [Seg.ES, SC_ES], [Seg.FS, SC_FS], [Seg.GS, SC_GS]];
    for (const [s, i] of segs) {
      const sel = sc[i] & 0xffff;
      if (cpu.getSegment(s).selector !== sel && !cpu.loadSegment(s, sel)) {
        this.host.kill(11, `${restoring ? 'sigreturn' : 'signal delivery'}: bad segment selector ${hex(sel, 4)}`);
        return false;
      }
    }
    for (let r = 0; r < 8; r++) if (r !== Reg.ESP || ctx.kernelEsp === null) cpu.regs[r] = sc[SC_REG[r]] | 0;
    if (ctx.kernelEsp === null) {
      cpu.eip = sc[SC_EIP] >>> 0;
      cpu.setEflags((sc[SC_EFLAGS] | 0x202) >>> 0);
    } else {
      // The ring-0 stub executes IRET next: rewrite its frame (EIP, CS, EFLAGS, ESP, SS).
      const k = ctx.kernelEsp;
      const f = new Uint8Array(20);
      const d = new DataView(f.buffer);
      d.setUint32(0, sc[SC_EIP], true);
      d.setUint32(4, USER_CS, true);
      d.setUint32(8, (sc[SC_EFLAGS] | 0x202) >>> 0, true);
      d.setUint32(12, sc[SC_REG[Reg.ESP]], true);
      d.setUint32(16, USER_DS, true);
      cpu.mem.ram.set(f, k);
      cpu.regs[Reg.ESP] = k;
    }
    return true;
  }

  // ---- x87 state in the frame ----

  private fpuOf(): FpuUnit | null {
    return (this.host.cpu as unknown as { fpu?: FpuUnit | null }).fpu ?? null;
  }

  private fpuHost(): FpuHost {
    const as = this.host.as;
    const cpu = this.host.cpu;
    const rd = (a: number, n: number): number => {
      const b = as.read(a, n);
      let v = 0;
      for (let i = n - 1; i >= 0; i--) v = (v << 8) | b[i];
      return v;
    };
    const wr = (a: number, v: number, n: number): void => {
      const b = new Uint8Array(n);
      for (let i = 0; i < n; i++) b[i] = (v >>> (8 * i)) & 0xff;
      as.write(a, b);
    };
    return {
      read8: (a) => rd(a, 1), read16: (a) => rd(a, 2), read32: (a) => rd(a, 4),
      write8: (a, v) => wr(a, v, 1), write16: (a, v) => wr(a, v, 2), write32: (a, v) => wr(a, v, 4),
      regs: cpu.regs, fpuError: () => undefined, cr0: () => cpu.cr[0], eflags: () => cpu.getEflags(), setFlags: () => undefined,
    };
  }

  /** FNSAVE to `addr` (32-bit protected-mode layout); leaves the x87 initialised, as for a handler. */
  private fnsave(fpu: FpuUnit, addr: number): void {
    fpu.exec(this.fpuHost(), 5, 0x30, addr, false, true, 0, 0, 0, 0);
  }

  private frstor(fpu: FpuUnit, addr: number): void {
    fpu.exec(this.fpuHost(), 5, 0x20, addr, false, true, 0, 0, 0, 0);
  }
}

function writeSiginfo(d: DataView, o: number, info: SigInfo): void {
  d.setInt32(o, info.signo, true);
  d.setInt32(o + 4, 0, true); // si_errno
  d.setInt32(o + 8, info.code, true);
  if (info.addr !== undefined) d.setUint32(o + 12, info.addr >>> 0, true);
  else {
    d.setInt32(o + 12, info.pid ?? 0, true);
    d.setInt32(o + 16, info.uid ?? 0, true);
  }
}

function hex(n: number, w = 8): string {
  return '0x' + (n >>> 0).toString(16).padStart(w, '0');
}

function signalText(sig: number): string {
  return `signal ${sig}`;
}

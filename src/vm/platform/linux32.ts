/**
 * The `linux32` platform: a Linux i386 process on its own machine (CPU + RAM + an empty I/O bus).
 *
 * The CPU runs in flat 32-bit protected mode at CPL 3 with paging (CR0.WP set), so unmapped and
 * read-only pages fault as on Linux. A 40-byte boot stub (real mode → protected mode → paging →
 * IRET to CPL 3) brings the CPU there through architectural instructions only. Every exception vector
 * goes through an IDT interrupt gate to a ring-0 stub that executes `int 0x81; iret`, which this
 * platform handles: the guest fault becomes the Linux signal (SIGSEGV/SIGILL/SIGFPE/SIGBUS/SIGTRAP),
 * delivered to the program's handler (the stub's IRET frame is rewritten to enter it, see
 * linuxSignals.ts) or ending the process with status 128+n. `int 0x80` system calls are served by `cpu.softIntHandler` with
 * Linux i386 numbers and -errno results; GS-based TLS uses set_thread_area and GDT entries 6–8.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type CpuApi, Reg, Seg } from '../cpuApi';
import { StopReason } from '../hooks';
import { IoBus } from '../iobus';
import type { DeviceInfo, MachineApi, TextScreen } from '../machineApi';
import { Memory } from '../memory';
import {
  E, errnoOf, FileTable, O_ACCMODE, O_APPEND, O_CLOEXEC, O_CREAT, O_DIRECTORY, O_EXCL, O_NOFOLLOW, O_RDWR,
  O_TRUNC, O_WRONLY, type OpenFile,
} from './linuxFiles';
import type { LinuxImage } from './linuxImage';
import { LinuxSignals, SI_KERNEL, SI_TKILL, SI_USER, type SigInfo, type UserContext } from './linuxSignals';
import {
  BOOT_DATA, EXC_STUBS, GDT_PHYS, IDT_PHYS, KSTACK_TOP, LinuxAddressSpace, MAPPED, PROT_EXEC, PROT_READ,
  PROT_WRITE, STUB_PHYS, TSS_PHYS,
} from './linuxMemory';

export type CpuFactory = (mem: Memory, io: IoBus) => CpuApi;

export interface LinuxOptions {
  /** Guest RAM in bytes (default 64 MiB). */
  memory?: number;
  /** argv[0] as the guest sees it. */
  argv0: string;
  args?: string[];
  env?: Record<string, string>;
  /** Directory the guest's file access is confined to; also its initial working directory. */
  cwd: string;
  /** Host path of the executable (readlink /proc/self/exe, AT_EXECFN). */
  exePath: string;
  /** Whether fds 0–2 are a terminal (ioctl TCGETS succeeds). Default false (like a pipe). */
  tty?: boolean;
  /** Seed of getrandom and AT_RANDOM (deterministic by default). */
  randomSeed?: number;
  /** Wall-clock time instead of instruction-count time. */
  realTime?: boolean;
}

/** Linux i386 signal numbers. */
export const SIG = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGBUS: 7, SIGFPE: 8,
  SIGKILL: 9, SIGUSR1: 10, SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15 } as const;
const SIG_NAMES: Record<number, string> = Object.fromEntries(Object.entries(SIG).map(([k, v]) => [v, k]));
export function signalName(n: number): string {
  return SIG_NAMES[n] ?? `signal ${n}`;
}

const USER_CS = 0x73;
const USER_DS = 0x7b;
const TLS_FIRST = 6;
const STACK_TOP = 0xc0000000;
const STACK_SIZE = 8 << 20;
/** mmap allocations go top-down from here (below the stack and its guard gap). */
const MMAP_TOP = STACK_TOP - STACK_SIZE - (16 << 20);
const MMAP_BOTTOM = 0x10000;
/** The instruction-count clock: 100 million instructions per simulated second. */
const IPS = 100_000_000;
const EPOCH = 1_700_000_000;

/** Boot stub (see the header comment); assembled from the listing in linux32.md by nasm -f bin. */
const BOOT_STUB = [
  0xfa, 0x66, 0x0f, 0x01, 0x16, 0x78, 0x40, 0x66, 0x0f, 0x01, 0x1e, 0x80, 0x40, 0x66, 0xb8, 0x11, 0x00, 0x00,
  0x00, 0x0f, 0x22, 0xc0, 0xea, 0x1b, 0x40, 0x60, 0x00, 0x66, 0xb8, 0x68, 0x00, 0x8e, 0xd8, 0x8e, 0xc0, 0x8e,
  0xd0, 0xbc, 0x00, 0x70, 0x00, 0x00, 0xb8, 0x00, 0x10, 0x00, 0x00, 0x0f, 0x22, 0xd8, 0xb8, 0x33, 0x00, 0x01,
  0x80, 0x0f, 0x22, 0xc0, 0xeb, 0x00, 0x66, 0xb8, 0x80, 0x00, 0x0f, 0x00, 0xd8, 0x6a, 0x7b, 0xff, 0x35, 0x04,
  0x4f, 0x00, 0x00, 0xff, 0x35, 0x08, 0x4f, 0x00, 0x00, 0x6a, 0x73, 0xff, 0x35, 0x00, 0x4f, 0x00, 0x00, 0x66,
  0xb8, 0x7b, 0x00, 0x8e, 0xd8, 0x8e, 0xc0, 0x31, 0xc0, 0x8e, 0xe0, 0x8e, 0xe8, 0x31, 0xdb, 0x31, 0xc9, 0x31,
  0xd2, 0x31, 0xf6, 0x31, 0xff, 0x31, 0xed, 0xcf, 0x90, 0x90, 0x90, 0x90, 0xff, 0x00, 0x00, 0x20, 0x00, 0x00,
  0x00, 0x00, 0xff, 0x07, 0x00, 0x30, 0x00, 0x00,
];

/** Names of i386 system calls, for the "unsupported system call" report. */
const SYSCALL_NAMES: Record<number, string> = {
  1: 'exit', 2: 'fork', 3: 'read', 4: 'write', 5: 'open', 6: 'close', 7: 'waitpid', 8: 'creat', 9: 'link',
  10: 'unlink', 11: 'execve', 12: 'chdir', 13: 'time', 14: 'mknod', 15: 'chmod', 19: 'lseek', 20: 'getpid',
  21: 'mount', 23: 'setuid', 24: 'getuid', 26: 'ptrace', 27: 'alarm', 29: 'pause', 30: 'utime', 33: 'access',
  36: 'sync', 37: 'kill', 38: 'rename', 39: 'mkdir', 40: 'rmdir', 41: 'dup', 42: 'pipe', 43: 'times', 45: 'brk',
  46: 'setgid', 47: 'getgid', 48: 'signal', 49: 'geteuid', 50: 'getegid', 54: 'ioctl', 55: 'fcntl', 57: 'setpgid',
  60: 'umask', 61: 'chroot', 63: 'dup2', 64: 'getppid', 65: 'getpgrp', 66: 'setsid', 67: 'sigaction',
  75: 'setrlimit', 76: 'getrlimit', 77: 'getrusage', 78: 'gettimeofday', 83: 'symlink', 85: 'readlink',
  90: 'mmap', 91: 'munmap', 92: 'truncate', 93: 'ftruncate', 94: 'fchmod', 96: 'getpriority', 99: 'statfs',
  100: 'fstatfs', 102: 'socketcall', 104: 'setitimer', 105: 'getitimer', 106: 'stat', 107: 'lstat', 108: 'fstat',
  114: 'wait4', 116: 'sysinfo', 117: 'ipc', 118: 'fsync', 119: 'sigreturn', 120: 'clone', 122: 'uname',
  125: 'mprotect', 126: 'sigprocmask', 132: 'getpgid', 133: 'fchdir', 140: '_llseek', 141: 'getdents',
  142: '_newselect', 143: 'flock', 144: 'msync', 145: 'readv', 146: 'writev', 147: 'getsid', 148: 'fdatasync',
  150: 'mlock', 151: 'munlock', 155: 'sched_getparam', 158: 'sched_yield', 162: 'nanosleep', 163: 'mremap',
  168: 'poll', 172: 'prctl', 173: 'rt_sigreturn', 174: 'rt_sigaction', 175: 'rt_sigprocmask', 176: 'rt_sigpending',
  179: 'rt_sigsuspend', 180: 'pread64', 181: 'pwrite64', 183: 'getcwd', 186: 'sigaltstack', 190: 'vfork',
  191: 'ugetrlimit', 192: 'mmap2', 193: 'truncate64', 194: 'ftruncate64', 195: 'stat64', 196: 'lstat64',
  197: 'fstat64', 199: 'getuid32', 200: 'getgid32', 201: 'geteuid32', 202: 'getegid32', 219: 'madvise',
  220: 'getdents64', 221: 'fcntl64', 224: 'gettid', 238: 'tkill', 240: 'futex', 241: 'sched_setaffinity',
  242: 'sched_getaffinity', 243: 'set_thread_area', 244: 'get_thread_area', 252: 'exit_group',
  258: 'set_tid_address', 264: 'clock_settime', 265: 'clock_gettime', 266: 'clock_getres', 267: 'clock_nanosleep',
  268: 'statfs64', 269: 'fstatfs64', 270: 'tgkill', 271: 'utimes', 295: 'openat', 296: 'mkdirat', 300: 'fstatat64',
  301: 'unlinkat', 302: 'renameat', 305: 'readlinkat', 307: 'faccessat', 308: 'pselect6', 309: 'ppoll',
  311: 'set_robust_list', 312: 'get_robust_list', 318: 'getcpu', 320: 'utimensat', 331: 'pipe2', 340: 'prlimit64',
  355: 'getrandom', 356: 'memfd_create', 359: 'socket', 360: 'socketpair', 361: 'bind', 362: 'connect',
  363: 'listen', 364: 'accept4', 365: 'getsockopt', 366: 'setsockopt', 367: 'getsockname', 368: 'getpeername',
  369: 'sendto', 370: 'sendmsg', 371: 'recvfrom', 372: 'recvmsg', 373: 'shutdown', 375: 'membarrier',
  383: 'statx', 384: 'arch_prctl', 386: 'rseq', 403: 'clock_gettime64', 404: 'clock_settime64',
  406: 'clock_getres_time64', 407: 'clock_nanosleep_time64', 412: 'utimensat_time64', 435: 'clone3',
  439: 'faccessat2',
};
const NETWORK_CALLS = new Set([102, 359, 360, 361, 362, 363, 364, 365, 366, 367, 368, 369, 370, 371, 372, 373]);

const AT_FDCWD = -100;
const AT_SYMLINK_NOFOLLOW = 0x100;
const AT_REMOVEDIR = 0x200;
const AT_EMPTY_PATH = 0x1000;

/** Exception vector → Linux signal (arch/x86/kernel/traps.c). */
function signalOfVector(v: number): number {
  switch (v) {
    case 0: case 16: case 19: return SIG.SIGFPE;
    case 1: case 3: return SIG.SIGTRAP;
    case 6: return SIG.SIGILL;
    case 11: case 12: case 17: return SIG.SIGBUS;
    default: return SIG.SIGSEGV;
  }
}
const VECTOR_NAMES: Record<number, string> = {
  0: 'divide error', 1: 'debug exception', 3: 'breakpoint', 4: 'overflow', 5: 'bound range exceeded',
  6: 'invalid opcode', 7: 'device not available', 8: 'double fault', 10: 'invalid TSS', 11: 'segment not present',
  12: 'stack fault', 13: 'general protection fault', 14: 'page fault', 16: 'x87 floating-point error',
  17: 'alignment check', 19: 'SIMD floating-point error',
};
const ERROR_CODE_VECTORS = new Set([8, 10, 11, 12, 13, 14, 17]);

function hex(n: number, w = 8): string {
  return '0x' + (n >>> 0).toString(16).padStart(w, '0');
}

export class LinuxMachine implements MachineApi {
  readonly cpu: CpuApi;
  readonly mem: Memory;
  readonly io: IoBus;
  readonly platform = 'linux32' as const;
  exitStatus: number | null = null;
  stopMessage = '';
  onConsole: ((text: string, stream: 'stdout' | 'stderr') => void) | null = null;
  /** Raw console bytes, for byte-exact comparisons (tests). Called before onConsole. */
  onConsoleBytes: ((bytes: Uint8Array, stream: 'stdout' | 'stderr') => void) | null = null;
  /** The signal that ended the process, if any. */
  termSignal = 0;
  /** Unsupported system calls reported so far (each once). */
  readonly unsupported = new Set<number>();

  readonly as: LinuxAddressSpace;
  readonly files: FileTable;
  private readonly decoders = { stdout: new TextDecoder('utf-8'), stderr: new TextDecoder('utf-8') };
  private stdinBuf: number[] = [];
  private stdinEnded = false;
  private waitingForInput = false;
  private brkStart: number;
  private brkCur: number;
  private rng: number;
  private readonly opts: LinuxOptions;
  /** Signal dispositions, masks, pending signals and frames. */
  readonly signals: LinuxSignals;
  /** Called when a signal is delivered to a handler the program installed (for reports). */
  onSignal: ((sig: number, code: number, message: string) => void) | null = null;
  /** Signals delivered to handlers so far. */
  signalsDelivered = 0;
  private trampoline = 0;
  private pendingStop: StopReason | null = null;
  private readonly startTime = Date.now();

  constructor(readonly image: LinuxImage, opts: LinuxOptions, createCpu: CpuFactory) {
    this.opts = opts;
    const size = opts.memory ?? 64 << 20;
    this.mem = new Memory(size);
    this.io = new IoBus();
    this.cpu = createCpu(this.mem, this.io);
    this.as = new LinuxAddressSpace(this.mem, () => this.cpu);
    this.files = new FileTable(opts.cwd);
    this.rng = (opts.randomSeed ?? 0x2545f491) >>> 0 || 1;
    this.brkStart = image.brk;
    this.brkCur = image.brk;
    this.loadSegments();
    const sp = this.buildStack();
    this.buildSystemTables();
    this.boot(sp);
    this.cpu.softIntHandler = (v) => this.softInt(v);
    this.signals = new LinuxSignals({
      cpu: this.cpu,
      as: this.as,
      kill: (sig, message) => this.fatal(sig, `${signalName(sig)}: ${message} at eip ${hex(this.cpu.eip)}`),
      trampolinePage: () => this.trampolinePage(),
      delivered: (sig, info, handler) => {
        this.signalsDelivered++;
        if (this.onSignal) this.onSignal(sig, info.code, `${signalName(sig)} (code ${info.code}) delivered to the handler at ${hex(handler)}`);
      },
    });
  }

  /** The page with the sigreturn trampolines of handlers installed without SA_RESTORER. */
  private trampolinePage(): number {
    if (this.trampoline) return this.trampoline;
    const page = (STACK_TOP - STACK_SIZE - (1 << 20)) >>> 12;
    this.as.map(page, 1, PROT_READ | PROT_WRITE);
    const addr = page << 12 >>> 0;
    this.as.write(addr, Uint8Array.from([0xb8, 0xad, 0, 0, 0, 0xcd, 0x80, 0x90, 0x58, 0xb8, 0x77, 0, 0, 0, 0xcd, 0x80]));
    this.as.protect(page, 1, PROT_READ | PROT_EXEC);
    this.trampoline = addr;
    return addr;
  }

  // ---- process image ----

  private loadSegments(): void {
    const segs = this.image.segments;
    // Union of permissions per page (segments may share a page).
    const pages = new Map<number, number>();
    for (const s of segs) {
      const first = s.vaddr >>> 12;
      const last = (s.vaddr + s.memsz - 1) >>> 12;
      let prot = 0;
      if (s.flags & 4) prot |= PROT_READ;
      if (s.flags & 2) prot |= PROT_WRITE;
      if (s.flags & 1) prot |= PROT_EXEC;
      for (let p = first; p <= last; p++) pages.set(p, (pages.get(p) ?? 0) | prot);
    }
    const need = pages.size + (STACK_SIZE >>> 12) + 64;
    if (this.as.freeCount() < need) {
      throw new RangeError(`the program needs ${Math.ceil((need * 4096) / (1 << 20))} MiB of guest memory; raise --mem`);
    }
    // Map writable first so that the copy below can go through the normal path, then apply permissions.
    for (const [p] of pages) this.as.map(p, 1, PROT_READ | PROT_WRITE);
    for (const s of segs) if (s.data.length) this.as.write(s.vaddr, s.data);
    for (const [p, prot] of pages) this.as.protect(p, 1, prot);
    this.as.tlbDirty = false;
  }

  private buildStack(): number {
    const top = STACK_TOP;
    const stackPages = STACK_SIZE >>> 12;
    this.as.map((top >>> 12) - stackPages, stackPages, PROT_READ | PROT_WRITE | (this.image.noExecStack ? 0 : PROT_EXEC));
    const enc = new TextEncoder();
    let sp = top - 16;
    const pushBytes = (b: Uint8Array): number => {
      sp -= b.length;
      this.as.write(sp, b);
      return sp;
    };
    const pushStr = (s: string): number => {
      const b = enc.encode(s);
      const z = new Uint8Array(b.length + 1);
      z.set(b);
      return pushBytes(z);
    };
    const execfn = pushStr(this.opts.exePath);
    const envStrs = Object.entries(this.opts.env ?? {}).map(([k, v]) => `${k}=${v}`);
    const envPtrs = envStrs.map(pushStr).reverse();
    envPtrs.reverse();
    const argv = [this.opts.argv0, ...(this.opts.args ?? [])];
    const argPtrs = argv.map(pushStr);
    const platform = pushStr('i686');
    const random = new Uint8Array(16);
    for (let i = 0; i < 16; i++) random[i] = this.nextRandom() & 0xff;
    const randomAt = pushBytes(random);
    sp &= ~15;
    const img = this.image;
    const auxv: Array<[number, number]> = [
      [3, img.phdr], [4, img.phent], [5, img.phnum], [6, 4096], [7, 0], [8, 0], [9, img.entry],
      [11, 1000], [12, 1000], [13, 1000], [14, 1000], [15, platform], [16, 0x0000813f], [17, 100], [23, 0],
      [25, randomAt], [26, 0], [31, execfn], [0, 0],
    ];
    const words: number[] = [argv.length, ...argPtrs, 0, ...envPtrs, 0];
    for (const [k, v] of auxv) words.push(k, v);
    sp -= words.length * 4;
    sp &= ~15;
    const buf = new Uint8Array(words.length * 4);
    const dv = new DataView(buf.buffer);
    words.forEach((w, i) => dv.setUint32(i * 4, w >>> 0, true));
    this.as.write(sp, buf);
    return sp;
  }

  private w32(addr: number, v: number): void {
    const r = this.mem.ram;
    r[addr] = v; r[addr + 1] = v >>> 8; r[addr + 2] = v >>> 16; r[addr + 3] = v >>> 24;
  }

  private setDescriptor(index: number, base: number, limit: number, access: number, flags: number): void {
    const a = GDT_PHYS + index * 8;
    this.w32(a, (limit & 0xffff) | ((base & 0xffff) << 16));
    this.w32(a + 4, ((base >>> 16) & 0xff) | (access << 8) | (((limit >>> 16) & 0xf) << 16) | ((flags & 0xf) << 20) | (base & 0xff000000));
  }

  private buildSystemTables(): void {
    // GDT as Linux i386: 12 kernel CS (0x60), 13 kernel DS (0x68), 14 user CS (0x73), 15 user DS (0x7b),
    // 16 TSS (0x80), 6–8 TLS (set_thread_area).
    this.setDescriptor(12, 0, 0xfffff, 0x9a, 0xc);
    this.setDescriptor(13, 0, 0xfffff, 0x92, 0xc);
    this.setDescriptor(14, 0, 0xfffff, 0xfa, 0xc);
    this.setDescriptor(15, 0, 0xfffff, 0xf2, 0xc);
    this.setDescriptor(16, TSS_PHYS, 103, 0x89, 0);
    this.w32(TSS_PHYS + 4, KSTACK_TOP);
    this.w32(TSS_PHYS + 8, 0x68);
    this.w32(TSS_PHYS + 100, 104 << 16); // I/O map base beyond the limit: no port access at CPL 3
    // IDT: an interrupt gate per vector to its stub; int3/into/0x80 reachable from CPL 3.
    for (let v = 0; v < 256; v++) {
      const off = EXC_STUBS + v * 8;
      const dpl = v === 3 || v === 4 || v === 0x80 ? 3 : 0;
      this.w32(IDT_PHYS + v * 8, (off & 0xffff) | (0x60 << 16));
      this.w32(IDT_PHYS + v * 8 + 4, (off & 0xffff0000) | 0x8e00 | (dpl << 13));
      const s = off;
      this.mem.ram[s] = 0xcd; // int 0x81
      this.mem.ram[s + 1] = 0x81;
      this.mem.ram[s + 2] = 0xcf; // iret (into a signal handler; see guestException)
      this.mem.ram.fill(0xf4, s + 3, s + 8); // hlt
    }
    this.mem.ram.set(BOOT_STUB, STUB_PHYS);
  }

  private boot(sp: number): void {
    this.w32(BOOT_DATA, this.image.entry);
    this.w32(BOOT_DATA + 4, sp);
    this.w32(BOOT_DATA + 8, 0x202);
    const cpu = this.cpu;
    cpu.loadSegment(Seg.CS, 0);
    cpu.eip = STUB_PHYS;
    for (let i = 0; i < 200 && !(cpu.cpl === 3 && cpu.eip === this.image.entry); i++) {
      const r = cpu.step();
      if (r === StopReason.TripleFault || r === StopReason.Halted) break;
    }
    if (!(cpu.cpl === 3 && cpu.eip === this.image.entry)) {
      throw new Error(`linux32: the CPU did not reach user mode at the entry point (eip ${hex(cpu.eip)}, cpl ${cpu.cpl})`);
    }
    cpu.instructionCount = 0;
  }

  // ---- MachineApi ----

  run(budget: number): StopReason {
    if (this.exitStatus !== null) return this.pendingStop ?? StopReason.Exit;
    this.waitingForInput = false;
    const r = this.cpu.run(budget);
    if (this.pendingStop !== null) return this.pendingStop;
    if (r === StopReason.TripleFault) {
      this.fatal(SIG.SIGSEGV, `SIGSEGV: triple fault at eip ${hex(this.cpu.eip)}`);
      return StopReason.Fault;
    }
    if (r === StopReason.Debug && this.waitingForInput) return StopReason.Budget;
    return r;
  }

  input(text: string): void {
    for (const b of new TextEncoder().encode(text)) this.stdinBuf.push(b);
  }

  endInput(): void {
    this.stdinEnded = true;
  }

  key(): void {
    // No keyboard controller in a Linux process; console input goes through input().
  }

  devices(): DeviceInfo[] {
    return [];
  }

  screen(): TextScreen | null {
    return null;
  }

  /** Whether the guest is blocked reading stdin (the runner should wait for input()). */
  get blockedOnInput(): boolean {
    return this.waitingForInput;
  }

  // ---- ending ----

  private finish(status: number, message: string, reason: StopReason): void {
    this.exitStatus = status & 0xff;
    this.stopMessage = message;
    this.pendingStop = reason;
    this.flushConsole();
    this.files.closeAll();
    this.cpu.requestStop();
  }

  private fatal(sig: number, message: string): void {
    this.termSignal = sig;
    this.finish(128 + sig, message, StopReason.Fault);
  }

  private flushConsole(): void {
    for (const s of ['stdout', 'stderr'] as const) {
      const rest = this.decoders[s].decode();
      if (rest && this.onConsole) this.onConsole(rest, s);
    }
  }

  private console(bytes: Uint8Array, stream: 'stdout' | 'stderr'): void {
    if (this.onConsoleBytes) this.onConsoleBytes(bytes, stream);
    if (!this.onConsole) return;
    const text = this.decoders[stream].decode(bytes, { stream: true });
    if (text && this.onConsole) this.onConsole(text, stream);
  }

  private warn(text: string): void {
    this.console(new TextEncoder().encode(`x86vm: ${text}\n`), 'stderr');
  }

  // ---- interrupts ----

  private softInt(vector: number): boolean {
    if (vector === 0x80) {
      this.syscall();
      return true;
    }
    if (vector === 0x81 && this.cpu.cpl === 0) {
      const stubOff = (this.cpu.eip >>> 0) - EXC_STUBS;
      if (stubOff >= 0 && stubOff < 256 * 8) {
        this.guestException(stubOff >>> 3);
        return true;
      }
    }
    return false;
  }

  /** A CPU exception reached its IDT stub: the frame is on the kernel stack. */
  private guestException(vector: number): void {
    const cpu = this.cpu;
    const ram = this.mem.ram;
    let sp = cpu.regs[Reg.ESP] >>> 0;
    const rd = (a: number): number => (ram[a] | (ram[a + 1] << 8) | (ram[a + 2] << 16) | (ram[a + 3] << 24)) >>> 0;
    let errorCode = -1;
    if (ERROR_CODE_VECTORS.has(vector)) { errorCode = rd(sp); sp += 4; }
    const eip = rd(sp);
    const fromUser = (rd(sp + 4) & 3) === 3;
    const userEsp = fromUser ? rd(sp + 12) : 0;
    const sig = signalOfVector(vector);
    if (fromUser) {
      const ctx = this.userContext(eip, rd(sp + 8), userEsp, sp);
      ctx.sc[12] = vector; // trapno
      ctx.sc[13] = errorCode < 0 ? 0 : errorCode; // err
      ctx.sc[21] = vector === 14 ? cpu.cr[2] >>> 0 : 0; // cr2
      const info = faultInfo(sig, vector, errorCode, eip, cpu.cr[2] >>> 0);
      if (vector === 16) info.code = x87FaultCode(this.cpu);
      if (this.signals.deliverFault(sig, info, ctx)) return;
      if (this.exitStatus !== null) return;
    }
    // Put the user context back (for post-mortem inspection).
    cpu.eip = eip;
    if (fromUser) cpu.regs[Reg.ESP] = userEsp | 0;
    const bytes: string[] = [];
    for (let i = 0; i < 8; i++) {
      const b = cpu.debugRead8((eip + i) >>> 0);
      if (b < 0) break;
      bytes.push(b.toString(16).padStart(2, '0'));
    }
    let what = VECTOR_NAMES[vector] ?? `exception ${vector}`;
    if (vector === 14) {
      const cr2 = cpu.cr[2] >>> 0;
      const acc = errorCode & 16 ? 'executing' : errorCode & 2 ? 'writing' : 'reading';
      what += ` ${acc} ${hex(cr2)}${errorCode & 1 ? ' (protection)' : ' (not mapped)'}`;
    } else if (errorCode > 0) what += ` (error code ${hex(errorCode, 4)})`;
    const insn = bytes.length ? ` [${bytes.join(' ')}]` : ' [instruction not readable]';
    this.fatal(sig, `${signalName(sig)}: ${what} at eip ${hex(eip)}${insn}`);
  }

  // ---- system calls ----

  private nextRandom(): number {
    let x = this.rng;
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    this.rng = x;
    return x;
  }

  private nowNs(): number {
    if (this.opts.realTime) return Date.now() * 1e6;
    return EPOCH * 1e9 + (this.cpu.instructionCount * 1e9) / IPS;
  }

  private monoNs(): number {
    if (this.opts.realTime) return (Date.now() - this.startTime) * 1e6;
    return (this.cpu.instructionCount * 1e9) / IPS;
  }

  private readString(addr: number, max = 4096): string | number {
    const bytes: number[] = [];
    for (let i = 0; i < max; i++) {
      if (!this.as.check(addr + i, 1, false)) return -E.EFAULT;
      const b = this.as.read(addr + i, 1)[0];
      if (b === 0) return Buffer.from(bytes).toString('utf8');
      bytes.push(b);
    }
    return -E.ENAMETOOLONG;
  }

  private put(addr: number, data: Uint8Array): boolean {
    if (!this.as.check(addr, data.length, true)) return false;
    this.as.write(addr, data);
    return true;
  }

  private get(addr: number, len: number): Uint8Array | null {
    if (!this.as.check(addr, len, false)) return null;
    return this.as.read(addr, len);
  }

  private reportUnsupported(nr: number): void {
    if (this.unsupported.has(nr)) return;
    this.unsupported.add(nr);
    const name = SYSCALL_NAMES[nr] ?? `syscall ${nr}`;
    this.warn(`unsupported system call ${name} (${nr}) returns ENOSYS`);
  }

  private syscall(): void {
    const r = this.cpu.regs;
    const nr = r[Reg.EAX] >>> 0;
    const a = [r[Reg.EBX] >>> 0, r[Reg.ECX] >>> 0, r[Reg.EDX] >>> 0, r[Reg.ESI] >>> 0, r[Reg.EDI] >>> 0, r[Reg.EBP] >>> 0];
    let res: number;
    try {
      res = this.dispatch(nr, a);
    } catch (e) {
      res = -errnoOf(e);
    }
    if (this.waitingForInput) return;
    r[Reg.EAX] = res | 0;
    // On the way back to user mode: deliver the signals that became deliverable (kill to self,
    // an unblocking sigprocmask, sigreturn).
    if (this.exitStatus === null && (this.signals.pending[0] | this.signals.pending[1]) !== 0) {
      this.signals.deliverPending(() => this.userContext(this.cpu.eip, this.cpu.getEflags(), this.cpu.regs[Reg.ESP] >>> 0, null));
    }
  }

  /** The user context as a sigcontext (registers from the CPU, EIP/EFLAGS/ESP as given). */
  private userContext(eip: number, eflags: number, esp: number, kernelEsp: number | null): UserContext {
    const cpu = this.cpu;
    const sc = new Uint32Array(22);
    sc[0] = cpu.getSegment(Seg.GS).selector;
    sc[1] = cpu.getSegment(Seg.FS).selector;
    sc[2] = cpu.getSegment(Seg.ES).selector;
    sc[3] = cpu.getSegment(Seg.DS).selector;
    const order = [Reg.EDI, Reg.ESI, Reg.EBP, Reg.ESP, Reg.EBX, Reg.EDX, Reg.ECX, Reg.EAX];
    for (let i = 0; i < 8; i++) sc[4 + i] = cpu.regs[order[i]] >>> 0;
    sc[7] = esp;
    sc[14] = eip;
    sc[15] = USER_CS;
    sc[16] = eflags;
    sc[17] = esp;
    sc[18] = USER_DS;
    return { sc, kernelEsp };
  }

  private dispatch(nr: number, a: number[]): number {
    const sa = (i: number): number => a[i] | 0;
    switch (nr) {
      case 1: // exit
      case 252: // exit_group
        this.finish(a[0] & 0xff, `exited with status ${a[0] & 0xff}`, StopReason.Exit);
        return 0;
      case 3: return this.sysRead(sa(0), a[1], a[2]);
      case 4: return this.sysWrite(sa(0), a[1], a[2]);
      case 145: return this.sysVec(sa(0), a[1], sa(2), false);
      case 146: return this.sysVec(sa(0), a[1], sa(2), true);
      case 180: return this.sysPread(sa(0), a[1], a[2], a[3] + a[4] * 0x100000000, false);
      case 181: return this.sysPread(sa(0), a[1], a[2], a[3] + a[4] * 0x100000000, true);
      case 5: return this.sysOpen(AT_FDCWD, a[0], a[1], a[2]);
      case 8: return this.sysOpen(AT_FDCWD, a[0], O_CREAT | O_WRONLY | O_TRUNC, a[1]);
      case 295: return this.sysOpen(sa(0), a[1], a[2], a[3]);
      case 6: return this.files.close(sa(0));
      case 19: return this.sysLseek(sa(0), sa(1), sa(2), 0);
      case 140: return this.sysLseek(sa(0), a[1] * 0x100000000 + a[2], sa(4), a[3]);
      case 106: case 195: return this.sysStat(AT_FDCWD, a[0], a[1], 0, nr === 106);
      case 107: case 196: return this.sysStat(AT_FDCWD, a[0], a[1], AT_SYMLINK_NOFOLLOW, nr === 107);
      case 108: case 197: return this.sysFstat(sa(0), a[1], nr === 108);
      case 300: return this.sysStat(sa(0), a[1], a[2], a[3], false);
      case 383: return this.sysStatx(sa(0), a[1], a[2], a[4]);
      case 45: return this.sysBrk(a[0]);
      case 90: {
        const args = this.get(a[0], 24);
        if (!args) return -E.EFAULT;
        const dv = new DataView(args.buffer, args.byteOffset);
        const off = dv.getUint32(20, true);
        if (off & 0xfff) return -E.EINVAL;
        return this.sysMmap(dv.getUint32(0, true), dv.getUint32(4, true), dv.getUint32(8, true),
          dv.getUint32(12, true), dv.getInt32(16, true), off);
      }
      case 192: return this.sysMmap(a[0], a[1], a[2], a[3], sa(4), a[5] * 4096);
      case 91: return this.sysMunmap(a[0], a[1]);
      case 125: return this.sysMprotect(a[0], a[1], a[2]);
      case 219: return 0; // madvise
      case 163: return -E.ENOMEM; // mremap: glibc falls back to malloc+copy
      case 122: return this.sysUname(a[0]);
      case 116: return this.sysSysinfo(a[0]);
      case 243: return this.sysSetThreadArea(a[0]);
      case 244: return this.sysGetThreadArea(a[0]);
      case 258: return 1000; // set_tid_address
      case 311: return 0; // set_robust_list
      case 386: return -E.ENOSYS; // rseq: glibc runs without it
      case 355: return this.sysGetrandom(a[0], a[1]);
      case 76: case 191: return this.sysGetrlimit(a[0], a[1]);
      case 340: return this.sysPrlimit(a[1], a[2], a[3]);
      case 75: return 0; // setrlimit
      case 85: return this.sysReadlink(AT_FDCWD, a[0], a[1], sa(2));
      case 305: return this.sysReadlink(sa(0), a[1], a[2], sa(3));
      case 54: return this.sysIoctl(sa(0), a[1], a[2]);
      case 13: {
        const t = Math.floor(this.nowNs() / 1e9);
        if (a[0] !== 0 && !this.put(a[0], u32le(t))) return -E.EFAULT;
        return t;
      }
      case 78: {
        const ns = this.nowNs();
        if (a[0] !== 0 && !this.put(a[0], words32([Math.floor(ns / 1e9), Math.floor((ns % 1e9) / 1000)]))) return -E.EFAULT;
        if (a[1] !== 0 && !this.put(a[1], words32([0, 0]))) return -E.EFAULT;
        return 0;
      }
      case 265: case 403: return this.sysClockGettime(sa(0), a[1], nr === 403);
      case 266: case 406: {
        if (a[1] !== 0 && !this.put(a[1], nr === 406 ? words32([0, 0, 1, 0]) : words32([0, 1]))) return -E.EFAULT;
        return 0;
      }
      case 162: case 407: case 267: case 158: return 0; // nanosleep, clock_nanosleep, sched_yield
      case 20: case 224: return 1000; // getpid, gettid
      case 64: return 1; // getppid
      case 24: case 47: case 49: case 50: case 199: case 200: case 201: case 202: return 1000;
      case 60: return 0o022; // umask
      case 37: return this.sysKill(sa(0), sa(1), SI_USER);
      case 238: return this.sysKill(sa(0), sa(1), SI_TKILL);
      case 270: return sa(0) !== 1000 && sa(0) !== -1 ? -E.ESRCH : this.sysKill(sa(1), sa(2), SI_TKILL);
      case 174: return this.signals.rtSigaction(sa(0), a[1], a[2], a[3]);
      case 67: return this.signals.oldSigaction(sa(0), a[1], a[2]);
      case 48: return this.signals.signal(sa(0), a[1]);
      case 175: return a[3] !== 8 ? -E.EINVAL : this.signals.sigprocmask(sa(0), a[1], a[2], 2);
      case 126: return this.signals.sigprocmask(sa(0), a[1], a[2], 1);
      case 176: return a[1] !== 8 ? -E.EINVAL : this.signals.sigpending(a[0], 2);
      case 73: return this.signals.sigpending(a[0], 1);
      case 119: case 173: {
        const eax = this.signals.sigreturn(nr === 173, this.cpu.regs[Reg.ESP] >>> 0);
        return eax === null ? 0 : eax;
      }
      case 186: // sigaltstack: accepted, but handlers run on the current stack (see linuxSignals.ts)
        if (a[1] !== 0 && !this.put(a[1], words32([0, 2, 0]))) return -E.EFAULT; // SS_DISABLE
        return 0;
      case 240: { // futex: a single thread never waits
        const op = a[1] & 0x7f;
        if (op === 0 || op === 9) return -E.EAGAIN;
        return 0;
      }
      case 33: return this.sysAccess(AT_FDCWD, a[0], a[1]);
      case 307: case 439: return this.sysAccess(sa(0), a[1], a[2]);
      case 183: return this.sysGetcwd(a[0], a[1]);
      case 12: return this.sysChdir(a[0]);
      case 10: return this.sysUnlink(AT_FDCWD, a[0], 0);
      case 301: return this.sysUnlink(sa(0), a[1], a[2]);
      case 40: return this.sysUnlink(AT_FDCWD, a[0], AT_REMOVEDIR);
      case 39: return this.sysMkdir(AT_FDCWD, a[0], a[1]);
      case 296: return this.sysMkdir(sa(0), a[1], a[2]);
      case 38: return this.sysRename(a[0], a[1]);
      case 41: return this.sysDup(sa(0), 0, false);
      case 63: return this.sysDup2(sa(0), sa(1));
      case 55: case 221: return this.sysFcntl(sa(0), sa(1), a[2]);
      case 220: return this.sysGetdents64(sa(0), a[1], a[2]);
      case 93: case 194: return this.sysFtruncate(sa(0), nr === 194 ? a[1] + a[2] * 0x100000000 : a[1]);
      case 118: case 148: return this.files.get(sa(0)) ? 0 : -E.EBADF; // fsync
      case 114: case 7: return -E.ECHILD;
      case 2: case 120: case 190: case 435: return -E.EAGAIN; // no second process
      case 11: return -E.EACCES; // execve
      case 42: case 331: this.reportUnsupported(nr); return -E.ENOSYS;
      default:
        if (NETWORK_CALLS.has(nr)) return -E.EACCES;
        this.reportUnsupported(nr);
        return -E.ENOSYS;
    }
  }

  private sysRead(fd: number, buf: number, count: number): number {
    const f = this.files.get(fd);
    if (!f) return -E.EBADF;
    if ((f.flags & O_ACCMODE) === O_WRONLY) return -E.EBADF;
    if (count === 0) return 0;
    if (!this.as.check(buf, Math.min(count, 1), true)) return -E.EFAULT;
    if (f.kind === 'stdin') {
      if (this.stdinBuf.length === 0) {
        if (this.stdinEnded) return 0;
        // Block: re-execute the int 0x80 when input arrives.
        this.waitingForInput = true;
        this.cpu.eip = (this.cpu.eip - 2) >>> 0;
        this.cpu.requestStop();
        return 0;
      }
      const n = Math.min(count, this.stdinBuf.length);
      const nl = this.stdinBuf.indexOf(10);
      const take = nl >= 0 && nl < n ? nl + 1 : n; // line discipline: one line at a time
      if (!this.as.check(buf, take, true)) return -E.EFAULT;
      this.as.write(buf, Uint8Array.from(this.stdinBuf.splice(0, take)));
      return take;
    }
    if (f.kind === 'stdout' || f.kind === 'stderr') return 0;
    if (f.kind === 'null') return 0;
    if (f.kind === 'dir') return -E.EISDIR;
    const n = Math.min(count, 1 << 20);
    if (!this.as.check(buf, n, true)) return -E.EFAULT;
    const tmp = new Uint8Array(n);
    const got = fs.readSync(f.hostFd, tmp, 0, n, f.pos);
    f.pos += got;
    this.as.write(buf, tmp.subarray(0, got));
    return got;
  }

  private sysPread(fd: number, buf: number, count: number, pos: number, write: boolean): number {
    const f = this.files.get(fd);
    if (!f) return -E.EBADF;
    if (f.kind !== 'file') return -E.ESPIPE;
    if (write) {
      const data = this.get(buf, count);
      if (!data) return -E.EFAULT;
      return fs.writeSync(f.hostFd, data, 0, data.length, pos);
    }
    if (!this.as.check(buf, count, true)) return -E.EFAULT;
    const tmp = new Uint8Array(count);
    const got = fs.readSync(f.hostFd, tmp, 0, count, pos);
    this.as.write(buf, tmp.subarray(0, got));
    return got;
  }

  private writeFile(f: OpenFile, data: Uint8Array): number {
    switch (f.kind) {
      case 'stdout': case 'stderr': this.console(data, f.kind); return data.length;
      case 'stdin': return -E.EBADF;
      case 'null': return data.length;
      case 'dir': return -E.EISDIR;
      default: {
        if ((f.flags & O_ACCMODE) === 0) return -E.EBADF;
        if (f.flags & O_APPEND) f.pos = fs.fstatSync(f.hostFd).size;
        const n = fs.writeSync(f.hostFd, data, 0, data.length, f.pos);
        f.pos += n;
        return n;
      }
    }
  }

  private sysWrite(fd: number, buf: number, count: number): number {
    const f = this.files.get(fd);
    if (!f) return -E.EBADF;
    if (count === 0) return 0;
    const data = this.get(buf, count);
    if (!data) return -E.EFAULT;
    return this.writeFile(f, data);
  }

  private sysVec(fd: number, iov: number, cnt: number, write: boolean): number {
    const f = this.files.get(fd);
    if (!f) return -E.EBADF;
    if (cnt < 0 || cnt > 1024) return -E.EINVAL;
    const vec = this.get(iov, cnt * 8);
    if (!vec) return -E.EFAULT;
    const dv = new DataView(vec.buffer, vec.byteOffset);
    let total = 0;
    if (write) {
      const parts: Uint8Array[] = [];
      for (let i = 0; i < cnt; i++) {
        const base = dv.getUint32(i * 8, true);
        const len = dv.getUint32(i * 8 + 4, true);
        if (len === 0) continue;
        const d = this.get(base, len);
        if (!d) return total ? total : -E.EFAULT;
        parts.push(d);
        total += len;
      }
      const all = new Uint8Array(total);
      let o = 0;
      for (const p of parts) { all.set(p, o); o += p.length; }
      return total ? this.writeFile(f, all) : 0;
    }
    for (let i = 0; i < cnt; i++) {
      const base = dv.getUint32(i * 8, true);
      const len = dv.getUint32(i * 8 + 4, true);
      if (len === 0) continue;
      const n = this.sysRead(fd, base, len);
      if (this.waitingForInput) return 0;
      if (n < 0) return total ? total : n;
      total += n;
      if (n < len) break;
    }
    return total;
  }

  private dirBase(dirfd: number): string | number {
    if (dirfd === AT_FDCWD) return this.files.cwd;
    const f = this.files.get(dirfd);
    if (!f) return -E.EBADF;
    if (f.kind !== 'dir') return -E.ENOTDIR;
    return f.hostPath;
  }

  private guestPath(dirfd: number, pathAddr: number, followLast = true): string | number {
    const p = this.readString(pathAddr);
    if (typeof p === 'number') return p;
    if (p === '') return -E.ENOENT;
    const base = path.isAbsolute(p) ? undefined : this.dirBase(dirfd);
    if (typeof base === 'number') return base;
    return this.files.resolve(p, base, followLast);
  }

  private sysOpen(dirfd: number, pathAddr: number, flags: number, mode: number): number {
    const p = this.readString(pathAddr);
    if (typeof p === 'number') return p;
    if (p === '/dev/null') {
      return this.files.alloc({ kind: 'null', hostFd: -1, hostPath: '/dev/null', pos: 0, flags, cloexec: !!(flags & O_CLOEXEC), refs: { n: 1 } });
    }
    const hp = this.guestPath(dirfd, pathAddr, !(flags & O_NOFOLLOW));
    if (typeof hp === 'number') return hp;
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(hp);
    } catch {
      st = undefined;
    }
    if (st?.isDirectory()) {
      if ((flags & O_ACCMODE) !== 0) return -E.EISDIR;
      return this.files.alloc({ kind: 'dir', hostFd: -1, hostPath: hp, pos: 0, flags, cloexec: !!(flags & O_CLOEXEC), refs: { n: 1 } });
    }
    if (flags & O_DIRECTORY) return st ? -E.ENOTDIR : -E.ENOENT;
    const c = fs.constants;
    let hf = (flags & O_ACCMODE) === O_WRONLY ? c.O_WRONLY : (flags & O_ACCMODE) === O_RDWR ? c.O_RDWR : c.O_RDONLY;
    if (flags & O_CREAT) hf |= c.O_CREAT;
    if (flags & O_EXCL) hf |= c.O_EXCL;
    if (flags & O_TRUNC) hf |= c.O_TRUNC;
    if (flags & O_NOFOLLOW) hf |= c.O_NOFOLLOW;
    const hostFd = fs.openSync(hp, hf, mode & 0o7777);
    const fd = this.files.alloc({ kind: 'file', hostFd, hostPath: hp, pos: 0, flags, cloexec: !!(flags & O_CLOEXEC), refs: { n: 1 } });
    if (fd < 0) fs.closeSync(hostFd);
    return fd;
  }

  private sysLseek(fd: number, offset: number, whence: number, resultAddr: number): number {
    const f = this.files.get(fd);
    if (!f) return -E.EBADF;
    if (f.kind !== 'file' && f.kind !== 'dir' && f.kind !== 'null') return -E.ESPIPE;
    let base: number;
    if (whence === 0) base = 0;
    else if (whence === 1) base = f.pos;
    else if (whence === 2) base = f.kind === 'file' ? fs.fstatSync(f.hostFd).size : 0;
    else return -E.EINVAL;
    if (resultAddr === 0 && offset > 0x7fffffff) offset |= 0; // lseek takes a signed 32-bit offset
    const pos = base + offset;
    if (pos < 0) return -E.EINVAL;
    f.pos = pos;
    if (resultAddr !== 0) {
      if (!this.put(resultAddr, words32([pos % 0x100000000, Math.floor(pos / 0x100000000)]))) return -E.EFAULT;
      return 0;
    }
    if (pos > 0x7fffffff) return -75; // EOVERFLOW
    return pos;
  }

  private statOf(f: OpenFile): StatInfo {
    if (f.kind === 'file') return statInfo(fs.fstatSync(f.hostFd));
    if (f.kind === 'dir') return statInfo(fs.statSync(f.hostPath));
    const tty = this.opts.tty && f.kind !== 'null';
    // Console: a character device when a terminal, a pipe otherwise (as under a test harness).
    return { dev: 0x16, ino: f.kind === 'null' ? 4 : 3 + (f.kind === 'stdin' ? 0 : 1), mode: tty || f.kind === 'null' ? 0o20620 : 0o10600,
      nlink: 1, uid: 1000, gid: 1000, rdev: tty ? 0x8800 : f.kind === 'null' ? 0x103 : 0, size: 0, blksize: 4096, blocks: 0,
      atime: 0, mtime: 0, ctime: 0 };
  }

  private sysStat(dirfd: number, pathAddr: number, buf: number, flags: number, old: boolean): number {
    let st: StatInfo;
    if (flags & AT_EMPTY_PATH) {
      const p = this.readString(pathAddr);
      if (p === '') {
        const f = this.files.get(dirfd);
        if (!f) return -E.EBADF;
        st = this.statOf(f);
        return this.put(buf, old ? encodeStat(st) : encodeStat64(st)) ? 0 : -E.EFAULT;
      }
    }
    const hp = this.guestPath(dirfd, pathAddr, !(flags & AT_SYMLINK_NOFOLLOW));
    if (typeof hp === 'number') return hp;
    st = statInfo(flags & AT_SYMLINK_NOFOLLOW ? fs.lstatSync(hp) : fs.statSync(hp));
    return this.put(buf, old ? encodeStat(st) : encodeStat64(st)) ? 0 : -E.EFAULT;
  }

  private sysFstat(fd: number, buf: number, old: boolean): number {
    const f = this.files.get(fd);
    if (!f) return -E.EBADF;
    const st = this.statOf(f);
    return this.put(buf, old ? encodeStat(st) : encodeStat64(st)) ? 0 : -E.EFAULT;
  }

  private sysStatx(dirfd: number, pathAddr: number, flags: number, buf: number): number {
    const p = this.readString(pathAddr);
    if (typeof p === 'number') return p;
    let st: StatInfo;
    if (p === '' && flags & AT_EMPTY_PATH) {
      const f = this.files.get(dirfd);
      if (!f) return -E.EBADF;
      st = this.statOf(f);
    } else {
      const hp = this.guestPath(dirfd, pathAddr, !(flags & AT_SYMLINK_NOFOLLOW));
      if (typeof hp === 'number') return hp;
      st = statInfo(flags & AT_SYMLINK_NOFOLLOW ? fs.lstatSync(hp) : fs.statSync(hp));
    }
    return this.put(buf, encodeStatx(st)) ? 0 : -E.EFAULT;
  }

  private sysBrk(addr: number): number {
    if (addr === 0 || addr < this.brkStart) return this.brkCur;
    const oldEnd = Math.ceil(this.brkCur / 4096);
    const newEnd = Math.ceil(addr / 4096);
    if (newEnd > oldEnd) {
      if (newEnd >= MMAP_TOP >>> 12 || !this.as.isFree(oldEnd, newEnd - oldEnd)) return this.brkCur;
      if (!this.as.map(oldEnd, newEnd - oldEnd, PROT_READ | PROT_WRITE)) return this.brkCur;
    } else if (newEnd < oldEnd) {
      this.as.unmap(newEnd, oldEnd - newEnd);
      this.flushTlb();
    }
    this.brkCur = addr;
    return addr;
  }

  private flushTlb(): void {
    if (!this.as.tlbDirty) return;
    this.as.tlbDirty = false;
    const c = this.cpu as CpuApi & { flushTlb?: () => void };
    if (typeof c.flushTlb === 'function') c.flushTlb();
  }

  private sysMmap(addr: number, len: number, prot: number, flags: number, fd: number, offset: number): number {
    if (len === 0) return -E.EINVAL;
    const pages = Math.ceil(len / 4096);
    if (pages > 0xc0000) return -E.ENOMEM;
    const fixed = (flags & 0x10) !== 0 || (flags & 0x100000) !== 0;
    const anon = (flags & 0x20) !== 0;
    let file: OpenFile | undefined;
    if (!anon) {
      file = this.files.get(fd);
      if (!file) return -E.EBADF;
      if (file.kind !== 'file') return -E.ENODEV;
    }
    let page: number;
    if (fixed) {
      if (addr & 0xfff) return -E.EINVAL;
      page = addr >>> 12;
      if (page + pages > 0xc0000 || addr < MMAP_BOTTOM) return -E.ENOMEM;
      if (flags & 0x100000 && !this.as.isFree(page, pages)) return -E.EEXIST;
    } else {
      page = -1;
      const hint = addr >>> 12;
      if (addr !== 0 && (addr & 0xfff) === 0 && addr >= MMAP_BOTTOM && this.as.isFree(hint, pages)) page = hint;
      if (page < 0) page = this.as.findFree(pages, MMAP_TOP >>> 12, Math.max(Math.ceil(this.brkCur / 4096) + 256, MMAP_BOTTOM >>> 12));
      if (page < 0) return -E.ENOMEM;
    }
    if (!this.as.map(page, pages, (prot & 7) | (file ? PROT_READ | PROT_WRITE : 0))) {
      this.as.unmap(page, pages);
      return -E.ENOMEM;
    }
    if (file) {
      const tmp = new Uint8Array(pages * 4096);
      fs.readSync(file.hostFd, tmp, 0, tmp.length, offset);
      this.as.write(page << 12, tmp);
      this.as.protect(page, pages, prot & 7);
    }
    this.flushTlb();
    return (page << 12) >>> 0;
  }

  private sysMunmap(addr: number, len: number): number {
    if (addr & 0xfff || len === 0) return -E.EINVAL;
    const pages = Math.ceil(len / 4096);
    this.as.unmap(addr >>> 12, Math.min(pages, 0x100000 - (addr >>> 12)));
    this.flushTlb();
    return 0;
  }

  private sysMprotect(addr: number, len: number, prot: number): number {
    if (addr & 0xfff) return -E.EINVAL;
    const pages = Math.ceil(len / 4096);
    if (!this.as.protect(addr >>> 12, pages, prot & 7)) return -E.ENOMEM;
    this.flushTlb();
    return 0;
  }

  /**
   * sysinfo (struct sysinfo, 64 bytes on i386): uptime from the process's monotonic clock, guest RAM
   * as total memory and its unallocated pages as free, no swap or high memory, one process, unit 1.
   * glibc's qsort asks for it (sysconf(_SC_PHYS_PAGES)) to size its buffer.
   */
  private sysSysinfo(buf: number): number {
    const total = this.mem.size;
    const free = Math.min(total, this.as.freeCount() * 4096);
    const uptime = Math.floor(this.monoNs() / 1e9);
    // uptime, loads[3], totalram, freeram, sharedram, bufferram, totalswap, freeswap, procs|pad,
    // totalhigh, freehigh, mem_unit, padding
    return this.put(buf, words32([uptime, 0, 0, 0, total, free, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0])) ? 0 : -E.EFAULT;
  }

  private sysUname(buf: number): number {
    const fields = ['Linux', 'x86vm', '6.1.0-x86vm', '#1 SMP PREEMPT_DYNAMIC', 'i686', '(none)'];
    const out = new Uint8Array(65 * 6);
    fields.forEach((s, i) => out.set(new TextEncoder().encode(s), i * 65));
    return this.put(buf, out) ? 0 : -E.EFAULT;
  }

  private sysSetThreadArea(uinfo: number): number {
    const d = this.get(uinfo, 16);
    if (!d) return -E.EFAULT;
    const dv = new DataView(d.buffer, d.byteOffset);
    let entry = dv.getInt32(0, true);
    const base = dv.getUint32(4, true);
    const limit = dv.getUint32(8, true);
    const bits = dv.getUint32(12, true);
    if (entry === -1) {
      entry = TLS_FIRST;
      for (let e = TLS_FIRST; e < TLS_FIRST + 3; e++) {
        const a = GDT_PHYS + e * 8;
        if ((this.mem.ram[a + 5] & 0x80) === 0) { entry = e; break; }
      }
      if (!this.put(uinfo, u32le(entry))) return -E.EFAULT;
    }
    if (entry < TLS_FIRST || entry >= TLS_FIRST + 3) return -E.EINVAL;
    const seg32 = bits & 1;
    const contents = (bits >> 1) & 3;
    const readExecOnly = (bits >> 3) & 1;
    const limitInPages = (bits >> 4) & 1;
    const notPresent = (bits >> 5) & 1;
    const useable = (bits >> 6) & 1;
    if (base === 0 && limit === 0 && (readExecOnly || notPresent)) {
      this.setDescriptor(entry, 0, 0, 0, 0);
      return 0;
    }
    // type: data (contents 0/1) or code (2); writable unless read_exec_only; expand-down for contents 1.
    let type = contents === 2 ? 0x8 | (readExecOnly ? 0 : 2) : (contents === 1 ? 4 : 0) | (readExecOnly ? 0 : 2);
    type |= 1; // accessed
    const access = (notPresent ? 0 : 0x80) | 0x60 | 0x10 | type;
    const fl = (limitInPages ? 8 : 0) | (seg32 ? 4 : 0) | (useable ? 1 : 0);
    this.setDescriptor(entry, base, limit, access, fl);
    return 0;
  }

  private sysGetThreadArea(uinfo: number): number {
    const d = this.get(uinfo, 4);
    if (!d) return -E.EFAULT;
    const entry = new DataView(d.buffer, d.byteOffset).getInt32(0, true);
    if (entry < TLS_FIRST || entry >= TLS_FIRST + 3) return -E.EINVAL;
    const ram = this.mem.ram;
    const a = GDT_PHYS + entry * 8;
    const lo = (ram[a] | (ram[a + 1] << 8) | (ram[a + 2] << 16) | (ram[a + 3] << 24)) >>> 0;
    const hi = (ram[a + 4] | (ram[a + 5] << 8) | (ram[a + 6] << 16) | (ram[a + 7] << 24)) >>> 0;
    const base = ((lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000)) >>> 0;
    const limit = (lo & 0xffff) | (hi & 0xf0000);
    const type = (hi >>> 8) & 0xf;
    const bits = ((hi >>> 22) & 1) | ((type & 8 ? 2 : (type & 4 ? 1 : 0)) << 1) | ((type & 2 ? 0 : 1) << 3) |
      (((hi >>> 23) & 1) << 4) | ((hi & 0x8000 ? 0 : 1) << 5) | (((hi >>> 20) & 1) << 6);
    return this.put(uinfo, words32([entry, base, limit, bits])) ? 0 : -E.EFAULT;
  }

  private sysGetrandom(buf: number, len: number): number {
    const n = Math.min(len, 1 << 20);
    if (!this.as.check(buf, n, true)) return -E.EFAULT;
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.nextRandom() & 0xff;
    this.as.write(buf, out);
    return n;
  }

  private rlimit(res: number): [number, number] {
    const INF = Infinity;
    if (res === 3) return [STACK_SIZE, INF]; // RLIMIT_STACK
    if (res === 7) return [1024, 1024]; // RLIMIT_NOFILE
    if (res === 4) return [0, INF]; // RLIMIT_CORE
    return [INF, INF];
  }

  private sysGetrlimit(res: number, buf: number): number {
    if (res > 15) return -E.EINVAL;
    const [cur, max] = this.rlimit(res);
    const c = (v: number): number => (v === Infinity ? 0xffffffff : v);
    return this.put(buf, words32([c(cur), c(max)])) ? 0 : -E.EFAULT;
  }

  private sysPrlimit(res: number, newAddr: number, oldAddr: number): number {
    if (res > 15) return -E.EINVAL;
    void newAddr;
    if (oldAddr !== 0) {
      const [cur, max] = this.rlimit(res);
      const w = (v: number): number[] => (v === Infinity ? [0xffffffff, 0xffffffff] : [v, 0]);
      if (!this.put(oldAddr, words32([...w(cur), ...w(max)]))) return -E.EFAULT;
    }
    return 0;
  }

  private sysReadlink(dirfd: number, pathAddr: number, buf: number, size: number): number {
    const p = this.readString(pathAddr);
    if (typeof p === 'number') return p;
    if (size <= 0) return -E.EINVAL;
    let target: string;
    if (p === '/proc/self/exe') target = this.opts.exePath;
    else {
      const hp = this.guestPath(dirfd, pathAddr, false);
      if (typeof hp === 'number') return hp;
      target = fs.readlinkSync(hp);
    }
    const b = new TextEncoder().encode(target).subarray(0, size);
    return this.put(buf, b) ? b.length : -E.EFAULT;
  }

  private sysIoctl(fd: number, req: number, arg: number): number {
    const f = this.files.get(fd);
    if (!f) return -E.EBADF;
    const isTty = !!this.opts.tty && (f.kind === 'stdin' || f.kind === 'stdout' || f.kind === 'stderr');
    if (req === 0x5401) { // TCGETS
      if (!isTty) return -E.ENOTTY;
      // struct termios (kernel): iflag, oflag, cflag, lflag, line, cc[19]
      const t = new Uint8Array(36);
      t.set(words32([0x500, 0x5, 0xbf, 0x8a3b]));
      t.set([3, 0x1c, 0x7f, 0x15, 4, 0, 1, 0, 0x11, 0x13, 0x1a, 0, 0x12, 0xf, 0x17, 0x16, 0, 0, 0], 17);
      return this.put(arg, t) ? 0 : -E.EFAULT;
    }
    if (req === 0x5413) { // TIOCGWINSZ
      if (!isTty) return -E.ENOTTY;
      return this.put(arg, new Uint8Array([24, 0, 80, 0, 0, 0, 0, 0])) ? 0 : -E.EFAULT;
    }
    if (req === 0x5402 || req === 0x5403 || req === 0x5404) return isTty ? 0 : -E.ENOTTY;
    return -E.ENOTTY;
  }

  private sysClockGettime(clock: number, buf: number, t64: boolean): number {
    if (clock < 0 || clock > 11) return -E.EINVAL;
    const ns = clock === 0 || clock === 8 || clock === 5 ? this.nowNs() : this.monoNs();
    const sec = Math.floor(ns / 1e9);
    const nsec = Math.floor(ns - sec * 1e9);
    const data = t64 ? words32([sec % 0x100000000, Math.floor(sec / 0x100000000), nsec, 0]) : words32([sec, nsec]);
    return this.put(buf, data) ? 0 : -E.EFAULT;
  }

  /** kill/tkill/tgkill: only the process itself exists (pid 1000; 0 and -1 include it). */
  private sysKill(pid: number, sig: number, code: number): number {
    if (pid !== 1000 && pid !== 0 && pid !== -1) return -E.ESRCH;
    if (sig < 0 || sig > 64) return -E.EINVAL;
    if (sig === 0) return 0;
    this.signals.send(sig, { signo: sig, code, pid: 1000, uid: 1000 });
    return 0;
  }

  private sysAccess(dirfd: number, pathAddr: number, mode: number): number {
    const hp = this.guestPath(dirfd, pathAddr);
    if (typeof hp === 'number') return hp;
    fs.accessSync(hp, mode & 7);
    return 0;
  }

  private sysGetcwd(buf: number, size: number): number {
    const b = new TextEncoder().encode(this.files.getcwd() + '\0');
    if (b.length > size) return -E.ERANGE;
    return this.put(buf, b) ? b.length : -E.EFAULT;
  }

  private sysChdir(pathAddr: number): number {
    const hp = this.guestPath(AT_FDCWD, pathAddr);
    if (typeof hp === 'number') return hp;
    if (!fs.statSync(hp).isDirectory()) return -E.ENOTDIR;
    this.files.cwd = hp;
    return 0;
  }

  private sysUnlink(dirfd: number, pathAddr: number, flags: number): number {
    const hp = this.guestPath(dirfd, pathAddr, false);
    if (typeof hp === 'number') return hp;
    if (hp === this.files.root) return -E.EBUSY;
    if (flags & AT_REMOVEDIR) fs.rmdirSync(hp);
    else {
      if (fs.lstatSync(hp).isDirectory()) return -E.EISDIR;
      fs.unlinkSync(hp);
    }
    return 0;
  }

  private sysMkdir(dirfd: number, pathAddr: number, mode: number): number {
    const hp = this.guestPath(dirfd, pathAddr, false);
    if (typeof hp === 'number') return hp;
    fs.mkdirSync(hp, { mode: mode & 0o7777 });
    return 0;
  }

  private sysRename(from: number, to: number): number {
    const a = this.guestPath(AT_FDCWD, from, false);
    if (typeof a === 'number') return a;
    const b = this.guestPath(AT_FDCWD, to, false);
    if (typeof b === 'number') return b;
    fs.renameSync(a, b);
    return 0;
  }

  private sysDup(fd: number, min: number, cloexec: boolean): number {
    const f = this.files.get(fd);
    if (!f) return -E.EBADF;
    f.refs.n++;
    const nfd = this.files.alloc({ ...f, cloexec }, min);
    if (nfd < 0) f.refs.n--;
    return nfd;
  }

  private sysDup2(fd: number, to: number): number {
    const f = this.files.get(fd);
    if (!f) return -E.EBADF;
    if (to < 0 || to >= 1024) return -E.EBADF;
    if (fd === to) return to;
    if (this.files.get(to)) this.files.close(to);
    f.refs.n++;
    while (this.files.fds.length < to) this.files.fds.push(undefined);
    this.files.fds[to] = { ...f, cloexec: false };
    return to;
  }

  private sysFcntl(fd: number, cmd: number, arg: number): number {
    const f = this.files.get(fd);
    if (!f) return -E.EBADF;
    switch (cmd) {
      case 0: return this.sysDup(fd, arg, false); // F_DUPFD
      case 1030: return this.sysDup(fd, arg, true); // F_DUPFD_CLOEXEC
      case 1: return f.cloexec ? 1 : 0; // F_GETFD
      case 2: f.cloexec = (arg & 1) !== 0; return 0;
      case 3: return f.flags & ~O_CLOEXEC; // F_GETFL
      case 4: f.flags = (f.flags & ~(O_APPEND | 0o4000)) | (arg & (O_APPEND | 0o4000)); return 0;
      case 5: case 6: case 7: case 12: case 13: case 14: return 0; // locks
      default: return -E.EINVAL;
    }
  }

  private sysGetdents64(fd: number, buf: number, count: number): number {
    const f = this.files.get(fd);
    if (!f) return -E.EBADF;
    if (f.kind !== 'dir') return -E.ENOTDIR;
    if (!f.dirEntries) f.dirEntries = ['.', '..', ...fs.readdirSync(f.hostPath).sort()];
    const chunks: Uint8Array[] = [];
    let used = 0;
    while (f.pos < f.dirEntries.length) {
      const name = f.dirEntries[f.pos];
      const nb = new TextEncoder().encode(name);
      const reclen = (19 + nb.length + 1 + 7) & ~7;
      if (used + reclen > count) break;
      const rec = new Uint8Array(reclen);
      const dv = new DataView(rec.buffer);
      dv.setUint32(0, f.pos + 1, true); // d_ino
      dv.setUint32(8, f.pos + 1, true); // d_off
      dv.setUint16(16, reclen, true);
      let type = 0;
      try {
        const st = fs.lstatSync(path.join(f.hostPath, name));
        type = st.isDirectory() ? 4 : st.isFile() ? 8 : st.isSymbolicLink() ? 10 : 0;
      } catch {
        type = 0;
      }
      rec[18] = type;
      rec.set(nb, 19);
      chunks.push(rec);
      used += reclen;
      f.pos++;
    }
    if (used === 0 && f.pos < f.dirEntries.length) return -E.EINVAL;
    const out = new Uint8Array(used);
    let o = 0;
    for (const c of chunks) { out.set(c, o); o += c.length; }
    return this.put(buf, out) ? used : -E.EFAULT;
  }

  private sysFtruncate(fd: number, len: number): number {
    const f = this.files.get(fd);
    if (!f) return -E.EBADF;
    if (f.kind !== 'file') return -E.EINVAL;
    fs.ftruncateSync(f.hostFd, len);
    return 0;
  }

  /** Describes a linear address for the debugger: the mapping it falls in. */
  describeAddress(addr: number): string {
    const p = this.as.prot[addr >>> 12];
    if (!(p & MAPPED)) return 'not mapped';
    return `${p & PROT_READ ? 'r' : '-'}${p & PROT_WRITE ? 'w' : '-'}${p & PROT_EXEC ? 'x' : '-'}`;
  }
}

interface StatInfo {
  dev: number; ino: number; mode: number; nlink: number; uid: number; gid: number; rdev: number; size: number;
  blksize: number; blocks: number; atime: number; mtime: number; ctime: number;
}

function statInfo(s: fs.Stats): StatInfo {
  return { dev: s.dev, ino: s.ino, mode: s.mode, nlink: s.nlink, uid: s.uid, gid: s.gid, rdev: s.rdev, size: s.size,
    blksize: s.blksize, blocks: s.blocks, atime: s.atimeMs, mtime: s.mtimeMs, ctime: s.ctimeMs };
}

function u32le(v: number): Uint8Array {
  return new Uint8Array([v, v >>> 8, v >>> 16, v >>> 24]);
}

function words32(ws: number[]): Uint8Array {
  const out = new Uint8Array(ws.length * 4);
  const dv = new DataView(out.buffer);
  ws.forEach((w, i) => dv.setUint32(i * 4, (w >>> 0), true));
  return out;
}

function lo32(v: number): number {
  return v % 0x100000000 >>> 0;
}
function hi32(v: number): number {
  return Math.floor(v / 0x100000000) >>> 0;
}

/** struct stat64 of Linux i386 (96 bytes). */
function encodeStat64(s: StatInfo): Uint8Array {
  const b = new Uint8Array(96);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, lo32(s.dev), true);
  dv.setUint32(12, lo32(s.ino), true);
  dv.setUint32(16, s.mode, true);
  dv.setUint32(20, s.nlink, true);
  dv.setUint32(24, s.uid, true);
  dv.setUint32(28, s.gid, true);
  dv.setUint32(32, lo32(s.rdev), true);
  dv.setUint32(44, lo32(s.size), true);
  dv.setUint32(48, hi32(s.size), true);
  dv.setUint32(52, s.blksize, true);
  dv.setUint32(56, lo32(s.blocks), true);
  const t = (off: number, ms: number): void => {
    dv.setUint32(off, Math.floor(ms / 1000) >>> 0, true);
    dv.setUint32(off + 4, Math.floor((ms % 1000) * 1e6) >>> 0, true);
  };
  t(64, s.atime);
  t(72, s.mtime);
  t(80, s.ctime);
  dv.setUint32(88, lo32(s.ino), true);
  dv.setUint32(92, hi32(s.ino), true);
  return b;
}

/** The old struct stat of Linux i386 (64 bytes). */
function encodeStat(s: StatInfo): Uint8Array {
  const b = new Uint8Array(64);
  const dv = new DataView(b.buffer);
  dv.setUint16(0, s.dev & 0xffff, true);
  dv.setUint32(4, lo32(s.ino), true);
  dv.setUint16(8, s.mode, true);
  dv.setUint16(10, s.nlink, true);
  dv.setUint16(12, s.uid & 0xffff, true);
  dv.setUint16(14, s.gid & 0xffff, true);
  dv.setUint16(16, s.rdev & 0xffff, true);
  dv.setUint32(20, lo32(s.size), true);
  dv.setUint32(24, s.blksize, true);
  dv.setUint32(28, lo32(s.blocks), true);
  dv.setUint32(32, Math.floor(s.atime / 1000), true);
  dv.setUint32(40, Math.floor(s.mtime / 1000), true);
  dv.setUint32(48, Math.floor(s.ctime / 1000), true);
  return b;
}

/** struct statx (256 bytes). */
function encodeStatx(s: StatInfo): Uint8Array {
  const b = new Uint8Array(256);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, 0x7ff, true); // STATX_BASIC_STATS
  dv.setUint32(4, s.blksize, true);
  dv.setUint32(16, s.nlink, true);
  dv.setUint32(20, s.uid, true);
  dv.setUint32(24, s.gid, true);
  dv.setUint16(28, s.mode, true);
  dv.setUint32(32, lo32(s.ino), true);
  dv.setUint32(36, hi32(s.ino), true);
  dv.setUint32(40, lo32(s.size), true);
  dv.setUint32(44, hi32(s.size), true);
  dv.setUint32(48, lo32(s.blocks), true);
  const t = (off: number, ms: number): void => {
    dv.setUint32(off, Math.floor(ms / 1000) >>> 0, true);
    dv.setUint32(off + 8, Math.floor((ms % 1000) * 1e6) >>> 0, true);
  };
  t(64, s.atime);
  t(80, s.ctime);
  t(96, s.ctime);
  t(112, s.mtime);
  dv.setUint32(128, (s.rdev >>> 8) & 0xfff, true);
  dv.setUint32(132, (s.rdev & 0xff) | ((s.rdev >>> 12) & 0xfff00), true);
  dv.setUint32(136, (s.dev >>> 8) & 0xfff, true);
  dv.setUint32(140, (s.dev & 0xff) | ((s.dev >>> 12) & 0xfff00), true);
  return b;
}

/** siginfo of a CPU fault, as arch/x86/kernel/traps.c and fault.c fill it. */
function faultInfo(sig: number, vector: number, errorCode: number, eip: number, cr2: number): SigInfo {
  switch (vector) {
    case 14: return { signo: sig, code: errorCode & 1 ? 2 : 1, addr: cr2 }; // SEGV_ACCERR / SEGV_MAPERR
    case 0: return { signo: sig, code: 1, addr: eip }; // FPE_INTDIV
    case 6: return { signo: sig, code: 2, addr: eip }; // ILL_ILLOPN
    case 17: return { signo: sig, code: 1, addr: 0 }; // BUS_ADRALN
    case 16: return { signo: sig, code: 0, addr: eip }; // x87: code from the FPU (x87FaultCode)
    case 1: return { signo: sig, code: 2, addr: eip }; // TRAP_TRACE
    default: return { signo: sig, code: SI_KERNEL, addr: 0 }; // #GP, int3, into, bound
  }
}

/** si_code of an x87 #MF as Linux's fpu__exception_code derives it (unmasked exceptions pending). */
function x87FaultCode(cpu: CpuApi): number {
  const fpu = (cpu as unknown as { fpu?: { control: number; getStatus(): number } | null }).fpu;
  if (!fpu) return 0;
  const err = fpu.getStatus() & ~fpu.control & 0x3f;
  if (err & 0x01) return 7; // FPE_FLTINV (also stack faults)
  if (err & 0x04) return 3; // FPE_FLTDIV
  if (err & 0x08) return 4; // FPE_FLTOVF
  if (err & 0x12) return 5; // FPE_FLTUND (underflow, denormal)
  if (err & 0x20) return 6; // FPE_FLTRES
  return 0;
}

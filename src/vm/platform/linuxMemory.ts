/**
 * The linux32 process address space: a physical page allocator over guest RAM, i386 two-level page
 * tables kept in guest RAM (walked by the CPU, so unmapped and read-only pages fault as on Linux),
 * and the kernel's own view of each linear page (physical page, protection) for system calls.
 *
 * Physical layout (identity-mapped, supervisor-only, so user code faults on it):
 *   0x1000 page directory · 0x2000 GDT (0x2800 TSS) · 0x3000 IDT · 0x4000 boot stub and exception
 *   stubs · 0x5000–0x7000 kernel stack · 0x7000 page table for 0–4 MiB · 0x8000… allocatable pages.
 */
import type { CpuApi } from '../cpuApi';
import { type Memory, PAGE_SIZE, PageKind } from '../memory';

export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const PROT_EXEC = 4;
/** Set in `prot[]` for every page that belongs to a mapping (also PROT_NONE ones). */
export const MAPPED = 0x80;

export const PD_PHYS = 0x1000;
export const GDT_PHYS = 0x2000;
export const TSS_PHYS = 0x2800;
export const IDT_PHYS = 0x3000;
export const STUB_PHYS = 0x4000;
export const EXC_STUBS = 0x4800;
export const BOOT_DATA = 0x4f00;
export const KSTACK_TOP = 0x7000;
const LOW_PT_PHYS = 0x7000;
const FIRST_FREE = 0x8000;

const PTE_P = 1;
const PTE_RW = 2;
const PTE_US = 4;
const PTE_A = 0x20;
const PTE_D = 0x40;

export class LinuxAddressSpace {
  /** Physical page number per linear page; 0 = none. */
  readonly phys = new Int32Array(1 << 20);
  /** PROT_* | MAPPED per linear page. */
  readonly prot = new Uint8Array(1 << 20);
  private readonly freePages: number[] = [];
  private nextPhys = FIRST_FREE >>> 12;
  private readonly lastPhys: number;
  /** Set when a mapping lost pages or permissions (the CPU's TLB must be flushed). */
  tlbDirty = false;

  constructor(readonly mem: Memory, private readonly cpu: () => CpuApi | null) {
    this.lastPhys = mem.size >>> 12;
    const ram = mem.ram;
    ram.fill(0, 0, FIRST_FREE);
    // Page directory entry 0 → the low page table; identity-map the kernel pages 1..7.
    this.w32(PD_PHYS, LOW_PT_PHYS | PTE_P | PTE_RW | PTE_US);
    for (let p = 1; p < 8; p++) this.w32(LOW_PT_PHYS + p * 4, (p << 12) | PTE_P | PTE_RW | PTE_A | PTE_D);
  }

  private w32(addr: number, v: number): void {
    const r = this.mem.ram;
    r[addr] = v; r[addr + 1] = v >>> 8; r[addr + 2] = v >>> 16; r[addr + 3] = v >>> 24;
  }
  private r32(addr: number): number {
    const r = this.mem.ram;
    return (r[addr] | (r[addr + 1] << 8) | (r[addr + 2] << 16) | (r[addr + 3] << 24)) >>> 0;
  }

  /** Free physical pages left (for ENOMEM decisions). */
  freeCount(): number {
    return this.freePages.length + (this.lastPhys - this.nextPhys);
  }

  private allocPhys(): number {
    // Pages never handed out are still zero (fresh RAM); recycled ones are cleared.
    if (this.freePages.length) {
      const p = this.freePages.pop() as number;
      this.mem.ram.fill(0, p << 12, (p + 1) << 12);
      // Code translated from the page's previous contents is stale now.
      if (this.mem.pageKind[p] & PageKind.Code) (this.cpu() as (CpuApi & { invalidatePage?: (page: number) => void }) | null)?.invalidatePage?.(p);
      return p;
    }
    if (this.nextPhys < this.lastPhys) return this.nextPhys++;
    return 0;
  }

  private pte(page: number): number {
    const pdeAddr = PD_PHYS + (page >>> 10) * 4;
    let pde = this.r32(pdeAddr);
    if (!(pde & PTE_P)) {
      const pt = this.allocPhys();
      if (pt === 0) return -1;
      pde = (pt << 12) | PTE_P | PTE_RW | PTE_US;
      this.w32(pdeAddr, pde);
    }
    return (pde & ~0xfff) + (page & 0x3ff) * 4;
  }

  private writePte(page: number): void {
    const at = this.pte(page);
    if (at < 0) return;
    const p = this.prot[page];
    const phys = this.phys[page];
    let v = 0;
    if (phys !== 0 && (p & (PROT_READ | PROT_WRITE | PROT_EXEC))) {
      v = (phys << 12) | PTE_P | PTE_US | PTE_A | PTE_D;
      if (p & PROT_WRITE) v |= PTE_RW;
    }
    const old = this.r32(at);
    if ((old & PTE_P) && (v === 0 || ((old & PTE_RW) && !(v & PTE_RW)) || (old & ~0xfff) !== (v & ~0xfff))) this.tlbDirty = true;
    this.w32(at, v);
  }

  isFree(page: number, count: number): boolean {
    if (page + count > 0xc0000) return false;
    for (let i = 0; i < count; i++) if (this.prot[page + i] & MAPPED) return false;
    return true;
  }

  /**
   * Maps `count` pages from `page` with `prot`, replacing whatever was there. Pages get zeroed RAM
   * (PROT_NONE pages get RAM later, when mprotect makes them accessible). False when RAM ran out.
   */
  map(page: number, count: number, prot: number): boolean {
    this.unmap(page, count);
    if (this.freeCount() < count + 2) return false;
    for (let i = 0; i < count; i++) {
      const pg = page + i;
      this.prot[pg] = MAPPED | (prot & 7);
      if (prot & 7) {
        const p = this.allocPhys();
        if (p === 0) return false;
        this.phys[pg] = p;
      }
      this.writePte(pg);
    }
    return true;
  }

  unmap(page: number, count: number): void {
    for (let i = 0; i < count; i++) {
      const pg = page + i;
      if (!(this.prot[pg] & MAPPED)) continue;
      const p = this.phys[pg];
      this.prot[pg] = 0;
      this.phys[pg] = 0;
      this.writePte(pg);
      if (p !== 0) this.freePages.push(p);
    }
  }

  /** mprotect: false when a page in the range is not mapped (ENOMEM) or RAM ran out. */
  protect(page: number, count: number, prot: number): boolean {
    for (let i = 0; i < count; i++) if (!(this.prot[page + i] & MAPPED)) return false;
    for (let i = 0; i < count; i++) {
      const pg = page + i;
      this.prot[pg] = MAPPED | (prot & 7);
      if ((prot & 7) && this.phys[pg] === 0) {
        const p = this.allocPhys();
        if (p === 0) return false;
        this.phys[pg] = p;
      }
      this.writePte(pg);
    }
    return true;
  }

  /** Highest free run of `count` pages below `below` (a page number), or -1. */
  findFree(count: number, below: number, above: number): number {
    let run = 0;
    for (let pg = below - 1; pg >= above; pg--) {
      if (this.prot[pg] & MAPPED) run = 0;
      else if (++run === count) return pg;
    }
    return -1;
  }

  /** Physical address of a user linear address, or -1 when the page is not accessible as asked. */
  physAddr(linear: number, write: boolean): number {
    const pg = linear >>> 12;
    const p = this.prot[pg];
    if (!(p & (write ? PROT_WRITE : PROT_READ | PROT_EXEC))) return -1;
    return (this.phys[pg] << 12) | (linear & 0xfff);
  }

  /** Whether [addr, addr+len) is all accessible (read or write). */
  check(addr: number, len: number, write: boolean): boolean {
    if (len === 0) return true;
    if (addr < 0 || addr + len > 0x100000000) return false;
    const need = write ? PROT_WRITE : PROT_READ | PROT_EXEC;
    for (let pg = addr >>> 12, last = (addr + len - 1) >>> 12; pg <= last; pg++) if (!(this.prot[pg] & need)) return false;
    return true;
  }

  /** Copies guest bytes out (caller checked access). Software breakpoints show their original bytes. */
  read(addr: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    const ram = this.mem.ram;
    const kinds = this.mem.pageKind;
    let i = 0;
    while (i < len) {
      const lin = addr + i;
      const pa = this.physAddr(lin, false);
      const n = Math.min(len - i, PAGE_SIZE - (lin & 0xfff));
      if (kinds[pa >>> 12] === 0) out.set(ram.subarray(pa, pa + n), i);
      else {
        const cpu = this.cpu();
        for (let k = 0; k < n; k++) out[i + k] = cpu ? cpu.debugRead8(lin + k) & 0xff : this.mem.read8(pa + k);
      }
      i += n;
    }
    return out;
  }

  /** Copies bytes into guest memory (caller checked access); code and breakpoint pages go through the CPU. */
  write(addr: number, data: Uint8Array): void {
    const ram = this.mem.ram;
    const kinds = this.mem.pageKind;
    let i = 0;
    while (i < data.length) {
      const lin = addr + i;
      const pa = (this.phys[lin >>> 12] << 12) | (lin & 0xfff);
      const n = Math.min(data.length - i, PAGE_SIZE - (lin & 0xfff));
      const cpu = this.cpu();
      if (kinds[pa >>> 12] === 0 || !cpu) ram.set(data.subarray(i, i + n), pa);
      else for (let k = 0; k < n; k++) cpu.debugWrite8(lin + k, data[i + k]);
      i += n;
    }
  }

  read32(addr: number): number {
    const b = this.read(addr, 4);
    return (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0;
  }

  write32(addr: number, v: number): void {
    this.write(addr, new Uint8Array([v, v >>> 8, v >>> 16, v >>> 24]));
  }
}

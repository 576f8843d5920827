/**
 * The `pc` platform: how a program starts on the PC machine.
 *  - boot sector / flat image at 0000:7C00 with the built-in BIOS (DL = boot drive, IF = 1);
 *  - a raw ROM image mapped below 1 MiB and at the top of the 4 GiB space, started at the reset
 *    vector F000:FFF0 (CS base 0xFFFF0000) as real hardware does;
 *  - a Multiboot (v1) kernel loaded as GRUB would: 32-bit flat protected mode, paging off,
 *    EAX = 0x2BADB002, EBX = the multiboot information structure.
 */
import { Reg, Seg, type CpuApi } from '../cpuApi';
import type { Machine } from '../machine';
import { PcBios } from './bios';

export const BOOT_ADDRESS = 0x7c00;

/** Setup entry points the CPU offers platforms beyond CpuApi (src/vm/cpu/cpu.ts). */
interface CpuSetupExtras {
  enterProtectedFlat?(cpl?: number): void;
  setSegmentCache?(seg: number, selector: number, base: number, limit: number, attributes: number): void;
}

export class PlatformError extends Error {}

/** Real-mode register state for a boot sector, as a BIOS leaves it. */
export function setRealModeEntry(m: Machine, cs: number, ip: number, ss: number, sp: number, ds = 0): void {
  const cpu = m.cpu;
  cpu.loadSegment(Seg.CS, cs);
  cpu.loadSegment(Seg.DS, ds);
  cpu.loadSegment(Seg.ES, ds);
  cpu.loadSegment(Seg.SS, ss);
  cpu.loadSegment(Seg.FS, 0);
  cpu.loadSegment(Seg.GS, 0);
  cpu.eip = ip;
  cpu.regs[Reg.ESP] = sp;
  cpu.setEflags(0x202);
}

/** Boot sector or flat image: the whole image is loaded at 0x7C00 and is also the boot disk. */
export function setupBootImage(m: Machine, image: Uint8Array, bootDrive = 0x80): PcBios {
  if (BOOT_ADDRESS + image.length > 0xa0000) {
    throw new PlatformError(`image of ${image.length} bytes does not fit in conventional memory at 0x7c00 (at most ${0xa0000 - BOOT_ADDRESS} bytes)`);
  }
  const disk = new Uint8Array(Math.max(512, Math.ceil(image.length / 512) * 512));
  disk.set(image);
  const bios = new PcBios(m, { disk, bootDrive });
  bios.install();
  m.physWrite(BOOT_ADDRESS, image);
  setRealModeEntry(m, 0, BOOT_ADDRESS, 0, BOOT_ADDRESS);
  for (let r = 0; r < 8; r++) if (r !== Reg.ESP) m.cpu.regs[r] = 0;
  m.cpu.regs[Reg.EDX] = bootDrive;
  return bios;
}

export const ROM_SIZES = 'a multiple of 64 KiB from 64 KiB to 1 MiB';

export function checkRomSize(size: number): string | null {
  if (size === 0) return 'ROM image is empty';
  if (size % 0x10000 !== 0 || size > 0x100000) return `ROM image of ${size} bytes has a wrong size (must be ${ROM_SIZES})`;
  return null;
}

/** A raw ROM at the top of 4 GiB and (its last 128 KiB) below 1 MiB; the CPU starts at F000:FFF0. */
export function setupRom(m: Machine, rom: Uint8Array): void {
  const bad = checkRomSize(rom.length);
  if (bad) throw new PlatformError(bad);
  const top = 0x100000000 - rom.length;
  const data = rom.slice();
  m.mem.registerMmio(top, rom.length, 'ROM (high)', {
    read: (addr: number, size: 1 | 2 | 4) => {
      const o = addr - top;
      let v = 0;
      for (let i = 0; i < size; i++) v |= data[o + i] << (8 * i);
      return v >>> 0;
    },
    write: () => undefined,
  });
  const low = Math.min(rom.length, 0x20000);
  const lowData = data.subarray(rom.length - low);
  const lowBase = 0x100000 - low;
  m.mem.registerMmio(lowBase, low, 'ROM (low)', {
    read: (addr: number, size: 1 | 2 | 4) => {
      const o = addr - lowBase;
      let v = 0;
      for (let i = 0; i < size; i++) v |= lowData[o + i] << (8 * i);
      return v >>> 0;
    },
    write: () => undefined,
  });
  m.resetRestarts = true;
  m.cpu.reset();
}

export const MULTIBOOT_MAGIC = 0x1badb002;
export const MULTIBOOT_BOOTLOADER_MAGIC = 0x2badb002;

export interface MultibootHeader {
  offset: number;
  flags: number;
  headerAddr: number;
  loadAddr: number;
  loadEndAddr: number;
  bssEndAddr: number;
  entryAddr: number;
}

/** The Multiboot v1 header in the first 8 KiB (32-bit aligned, checksum valid), or null. */
export function findMultibootHeader(b: Uint8Array): MultibootHeader | null {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const end = Math.min(8192, b.length) - 12;
  for (let o = 0; o <= end; o += 4) {
    if (dv.getUint32(o, true) !== MULTIBOOT_MAGIC) continue;
    const flags = dv.getUint32(o + 4, true);
    if (((MULTIBOOT_MAGIC + flags + dv.getUint32(o + 8, true)) >>> 0) !== 0) continue;
    const u = (k: number) => (o + k + 4 <= b.length ? dv.getUint32(o + k, true) : 0);
    return { offset: o, flags, headerAddr: u(12), loadAddr: u(16), loadEndAddr: u(20), bssEndAddr: u(24), entryAddr: u(28) };
  }
  return null;
}

/** Loads an ELF32 executable's PT_LOAD segments at their physical addresses; returns the entry. */
function loadElfSegments(m: Machine, b: Uint8Array): number {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (b.length < 52 || dv.getUint32(0, false) !== 0x7f454c46 || b[4] !== 1 || b[5] !== 1) {
    throw new PlatformError('multiboot kernel is neither ELF32 little-endian nor has the address fields (flag 16) set');
  }
  const phoff = dv.getUint32(28, true), phentsize = dv.getUint16(42, true), phnum = dv.getUint16(44, true);
  for (let i = 0; i < phnum; i++) {
    const p = phoff + i * phentsize;
    if (p + 32 > b.length) throw new PlatformError('multiboot kernel: program header table truncated');
    if (dv.getUint32(p, true) !== 1) continue;
    const off = dv.getUint32(p + 4, true), paddr = dv.getUint32(p + 12, true);
    const filesz = dv.getUint32(p + 16, true), memsz = dv.getUint32(p + 20, true);
    if (off + filesz > b.length) throw new PlatformError('multiboot kernel: segment beyond the end of the file');
    if (paddr + memsz > m.mem.size) throw new PlatformError(`multiboot kernel: segment at 0x${paddr.toString(16)} (+${memsz}) does not fit in guest RAM`);
    m.physWrite(paddr, b.subarray(off, off + filesz));
    for (let k = filesz; k < memsz; k++) m.physWrite8(paddr + k, 0);
  }
  return dv.getUint32(24, true);
}

/** Multiboot v1 as GRUB: load, build the info structure, enter 32-bit flat protected mode. */
export function setupMultiboot(m: Machine, b: Uint8Array, cmdline: string): { entry: number; bios: PcBios } {
  const h = findMultibootHeader(b);
  if (!h) throw new PlatformError('no Multiboot header in the first 8 KiB');
  const bios = new PcBios(m, {});
  bios.install();
  let entry: number;
  if (h.flags & 0x10000) {
    const fileOff = h.offset - (h.headerAddr - h.loadAddr);
    if (fileOff < 0) throw new PlatformError('multiboot header: header_addr below load_addr');
    const loadEnd = h.loadEndAddr === 0 ? h.loadAddr + (b.length - fileOff) : h.loadEndAddr;
    const len = loadEnd - h.loadAddr;
    if (len < 0 || fileOff + len > b.length) throw new PlatformError('multiboot header: load_end_addr beyond the file');
    const bssEnd = h.bssEndAddr || loadEnd;
    if (bssEnd > m.mem.size) throw new PlatformError(`multiboot kernel (up to 0x${bssEnd.toString(16)}) does not fit in guest RAM`);
    m.physWrite(h.loadAddr, b.subarray(fileOff, fileOff + len));
    for (let a = loadEnd; a < bssEnd; a++) m.physWrite8(a, 0);
    entry = h.entryAddr;
  } else {
    entry = loadElfSegments(m, b);
  }
  // Multiboot information at 0x9000, command line at 0x9800, memory map at 0x9400, name at 0x9c00.
  const info = 0x9000, mmap = 0x9400, cmd = 0x9800, name = 0x9c00;
  for (let i = 0; i < 0x1000; i++) m.physWrite8(info + i, 0);
  const map = bios.e820Map();
  let p = mmap;
  for (const [base, len, type] of map) {
    m.physWrite32(p, 20);
    m.physWrite32(p + 4, base); m.physWrite32(p + 8, 0);
    m.physWrite32(p + 12, len); m.physWrite32(p + 16, 0);
    m.physWrite32(p + 20, type);
    p += 24;
  }
  const cmdBytes = Buffer.from(cmdline.slice(0, 1000) + '\0', 'latin1');
  m.physWrite(cmd, cmdBytes);
  m.physWrite(name, Buffer.from('x86vm\0', 'latin1'));
  m.physWrite32(info + 0, 0x1 | 0x4 | 0x40 | 0x200); // mem, cmdline, mmap, boot loader name
  m.physWrite32(info + 4, 639);
  m.physWrite32(info + 8, Math.max(0, (m.mem.size - 0x100000) >> 10));
  m.physWrite32(info + 16, cmd);
  m.physWrite32(info + 44, p - mmap);
  m.physWrite32(info + 48, mmap);
  m.physWrite32(info + 64, name);
  enterFlatProtectedMode(m, entry);
  m.cpu.regs[Reg.EAX] = MULTIBOOT_BOOTLOADER_MAGIC | 0;
  m.cpu.regs[Reg.EBX] = info;
  m.cpu.regs[Reg.ESP] = 0x7c00; // the spec leaves ESP undefined; give the kernel something sane
  return { entry, bios };
}

/** A GDT at 0x800 (null, flat 32-bit code 0x08, flat data 0x10); CR0.PE=1; segments loaded. */
export function enterFlatProtectedMode(m: Machine, entry: number): void {
  const gdt = 0x800;
  const desc = [0, 0, 0x0000ffff, 0x00cf9a00, 0x0000ffff, 0x00cf9200];
  desc.forEach((d, i) => m.physWrite32(gdt + i * 4, d));
  const cpu = m.cpu as CpuApi & CpuSetupExtras;
  m.setA20(true);
  cpu.gdtr = { base: gdt, limit: 23 };
  cpu.setEflags(0x002);
  if (cpu.enterProtectedFlat) {
    cpu.enterProtectedFlat(0);
  } else if (cpu.setSegmentCache) {
    cpu.cr[0] = (cpu.cr[0] | 1) >>> 0;
    cpu.setSegmentCache(Seg.CS, 0x08, 0, 0xffffffff, 0xc09b);
    for (const s of [Seg.DS, Seg.ES, Seg.SS, Seg.FS, Seg.GS]) cpu.setSegmentCache(s, 0x10, 0, 0xffffffff, 0xc093);
  } else {
    throw new PlatformError('this CPU cannot be put into protected mode by the loader');
  }
  cpu.eip = entry >>> 0;
}

/**
 * Turns a parsed ELF32 executable into the process image description of the linux32 machine:
 * PT_LOAD segments with permissions (after the static-PIE load bias), PT_TLS, AT_PHDR and the
 * initial program break. Refuses what Linux i386 would refuse with a LoadError.
 */
import type { LinuxImage, LinuxImageSegment } from '../vm/platform/linuxImage';
import { LoadError } from './api';
import { type ElfFile, PType } from './elf';

/** Where a static-PIE program is placed (the i386 kernel's ELF_ET_DYN_BASE). */
export const PIE_BASE = 0x56555000;
/** Top of user space on Linux i386 (3G/1G split). */
export const TASK_SIZE = 0xc0000000;
const PT_GNU_STACK = 0x6474e551;

function hex(n: number): string {
  return '0x' + (n >>> 0).toString(16);
}

export function planElfImage(elf: ElfFile, what = 'program'): LinuxImage {
  const loads = elf.segments.filter((s) => s.type === PType.Load);
  let minVaddr = Infinity;
  for (const s of loads) minVaddr = Math.min(minVaddr, s.vaddr);
  const bias = elf.pie ? PIE_BASE - (minVaddr & ~0xfff) : 0;
  const segments: LinuxImageSegment[] = [];
  let top = 0;
  for (const s of loads) {
    if (s.memsz === 0) continue;
    const vaddr = s.vaddr + bias;
    if (vaddr + s.memsz > TASK_SIZE) {
      throw new LoadError(`${what}: segment at ${hex(vaddr)} (${s.memsz} bytes) lies outside the 3 GiB user address space`);
    }
    segments.push({ vaddr, memsz: s.memsz, data: elf.bytes.subarray(s.offset, s.offset + s.filesz), flags: s.flags & 7 });
    top = Math.max(top, vaddr + s.memsz);
  }
  if (segments.length === 0) throw new LoadError(`${what}: no loadable segment`);
  const entry = (elf.entry + bias) >>> 0;
  const inSeg = segments.some((s) => entry >= s.vaddr && entry < s.vaddr + s.memsz);
  if (!inSeg) throw new LoadError(`${what}: entry point ${hex(entry)} is outside every loadable segment`);

  let phdr = 0;
  const ph = elf.segments.find((s) => s.type === PType.Phdr);
  if (ph) phdr = ph.vaddr + bias;
  else {
    const size = elf.phnum * elf.phentsize;
    const l = loads.find((s) => elf.phoff >= s.offset && elf.phoff + size <= s.offset + s.filesz);
    if (l) phdr = l.vaddr + (elf.phoff - l.offset) + bias;
  }
  const t = elf.segments.find((s) => s.type === PType.Tls);
  const tls = t ? { vaddr: t.vaddr + bias, filesz: t.filesz, memsz: t.memsz, align: t.align } : undefined;
  const gs = elf.segments.find((s) => s.type === PT_GNU_STACK);
  const image: LinuxImage = {
    segments, entry, phdr: phdr >>> 0, phent: elf.phentsize, phnum: elf.phnum, bias,
    brk: Math.ceil(top / 4096) * 4096, noExecStack: gs !== undefined && (gs.flags & 1) === 0,
  };
  if (tls) image.tls = tls;
  return image;
}

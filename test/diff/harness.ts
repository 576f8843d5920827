/**
 * Wraps generated cases in a tiny static ELF32 executable written byte by byte (no assembler, no
 * linker): for each case it loads the memory buffer, the flags and the registers, runs the units,
 * stores EAX..EDI, EFLAGS, the 256-byte buffer and the x87 state (FNSAVE), and writes that record to
 * stdout with one `write` system call. Then `exit(0)`.
 */
import { BUF_SIZE, type Case } from './gen';

export const CODE_BASE = 0x08048000;
export const DATA_BASE = 0x0a000000;
/** Record per case: 8 regs + eflags (36) + buffer (256) + fnsave (108). */
export const REC_SIZE = 36 + BUF_SIZE + 108;

// Data layout (offsets from DATA_BASE).
const SAVE = 0x000; // 36 bytes of registers and flags
const HSTACK_TOP = 0x100; // harness stack (below 0x100)
const FSAVE = 0x100; // 108 bytes
const BUF = 0x200; // the case's buffer (256 bytes) + the stack above it
const OUT = 0x400; // one record
const BLOBS = 0x1000; // initial buffers, BUF_SIZE each

export const BUF_ADDR = DATA_BASE + BUF;

function le32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}

/** Shared code, at the start of the code: init (ESI = blob) and save subroutines. Returns offsets. */
function commonCode(x87: boolean, base: number): { code: number[]; init: number; save: number } {
  const b: number[] = [];
  const init = base + b.length;
  // init: cld; mov edi, BUF; mov ecx, 64; rep movsd; fninit; 8 × fldz; fninit; ret
  b.push(0xfc, 0xbf, ...le32(DATA_BASE + BUF), 0xb9, ...le32(BUF_SIZE / 4), 0xf3, 0xa5);
  // FNINIT only tags the registers empty; their contents stay and FNSAVE writes them out. Zeroing
  // all eight keeps every case independent of the one before (otherwise one difference in a
  // register would show again in every later case of the batch until overwritten).
  if (x87) b.push(0xdb, 0xe3, ...Array.from({ length: 8 }, () => [0xd9, 0xee]).flat(), 0xdb, 0xe3);
  b.push(0xc3);
  const save = base + b.length;
  // save (EFLAGS still those of the case: mov and call leave them alone):
  // pushfd; pop dword [SAVE + 32]; fnsave [FSAVE]; copy SAVE, BUF, FSAVE to OUT; write(1, OUT, REC_SIZE); ret
  b.push(0x9c, 0x8f, 0x05, ...le32(DATA_BASE + SAVE + 32));
  if (x87) b.push(0xdd, 0x35, ...le32(DATA_BASE + FSAVE));
  b.push(0xfc, 0xbe, ...le32(DATA_BASE + SAVE), 0xbf, ...le32(DATA_BASE + OUT), 0xb9, ...le32(9), 0xf3, 0xa5);
  b.push(0xbe, ...le32(DATA_BASE + BUF), 0xb9, ...le32(BUF_SIZE / 4), 0xf3, 0xa5);
  b.push(0xbe, ...le32(DATA_BASE + FSAVE), 0xb9, ...le32(27), 0xf3, 0xa5);
  b.push(0xb8, ...le32(4), 0xbb, ...le32(1), 0xb9, ...le32(DATA_BASE + OUT), 0xba, ...le32(REC_SIZE), 0xcd, 0x80, 0xc3);
  return { code: b, init, save };
}

function rel32(from: number, to: number): number[] {
  return le32((to - from) | 0);
}

/** Emits one case's code at linear address `at`. */
function caseCode(c: Case, index: number, at: number, init: number, save: number): number[] {
  const b: number[] = [];
  const blob = DATA_BASE + BLOBS + index * BUF_SIZE;
  // mov esp, HSTACK_TOP; mov esi, blob; call init
  b.push(0xbc, ...le32(DATA_BASE + HSTACK_TOP), 0xbe, ...le32(blob), 0xe8);
  b.push(...rel32(at + b.length + 4, init));
  // mov esp, BUF + 256; push eflags; popfd
  b.push(0xbc, ...le32(DATA_BASE + BUF + BUF_SIZE), 0x68, ...le32(c.eflags), 0x9d);
  // registers (ESP stays, EBP = BUF + 128)
  for (let r = 0; r < 8; r++) {
    if (r === 4) continue;
    const v = r === 5 ? DATA_BASE + BUF + 128 : c.regs[r];
    b.push(0xb8 + r, ...le32(v));
  }
  for (const u of c.units) b.push(...u.bytes);
  // mov [SAVE + 4r], reg (89 /r with disp32); mov esp, HSTACK_TOP; call save
  for (let r = 0; r < 8; r++) b.push(0x89, 0x05 | (r << 3), ...le32(DATA_BASE + SAVE + r * 4));
  b.push(0xbc, ...le32(DATA_BASE + HSTACK_TOP), 0xe8);
  b.push(...rel32(at + b.length + 4, save));
  return b;
}

/** Builds the ELF file for a batch of cases. */
export function buildElf(cases: Case[], x87 = true): Uint8Array {
  const codeOff = 0x100;
  const common = commonCode(x87, CODE_BASE + codeOff);
  const code: number[] = [...common.code];
  for (let i = 0; i < cases.length; i++) code.push(...caseCode(cases[i], i, CODE_BASE + codeOff + code.length, common.init, common.save));
  // exit(0)
  code.push(0xb8, ...le32(1), 0x31, 0xdb, 0xcd, 0x80);

  const hdr = 52 + 2 * 32;
  const codeEnd = codeOff + code.length;
  const dataOff = Math.ceil(codeEnd / 4096) * 4096;
  const dataFile = BLOBS + cases.length * BUF_SIZE;
  const file = new Uint8Array(dataOff + dataFile);
  const dv = new DataView(file.buffer);
  // ELF header
  file.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1, 0], 0);
  dv.setUint16(16, 2, true); // ET_EXEC
  dv.setUint16(18, 3, true); // EM_386
  dv.setUint32(20, 1, true);
  dv.setUint32(24, CODE_BASE + codeOff + common.code.length, true); // entry
  dv.setUint32(28, 52, true); // phoff
  dv.setUint32(32, 0, true); // shoff
  dv.setUint16(40, 52, true);
  dv.setUint16(42, 32, true);
  dv.setUint16(44, 2, true);
  dv.setUint16(46, 40, true);
  // PT_LOAD code: R X
  const ph = (i: number, off: number, vaddr: number, filesz: number, memsz: number, flags: number): void => {
    const o = 52 + i * 32;
    dv.setUint32(o, 1, true);
    dv.setUint32(o + 4, off, true);
    dv.setUint32(o + 8, vaddr, true);
    dv.setUint32(o + 12, vaddr, true);
    dv.setUint32(o + 16, filesz, true);
    dv.setUint32(o + 20, memsz, true);
    dv.setUint32(o + 24, flags, true);
    dv.setUint32(o + 28, 0x1000, true);
  };
  ph(0, 0, CODE_BASE, codeEnd, codeEnd, 5);
  ph(1, dataOff, DATA_BASE, dataFile, dataFile, 6);
  if (hdr > codeOff) throw new Error('header too large');
  file.set(code, codeOff);
  for (let i = 0; i < cases.length; i++) file.set(cases[i].mem, dataOff + BLOBS + i * BUF_SIZE);
  return file;
}

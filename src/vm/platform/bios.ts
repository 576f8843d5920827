/**
 * The built-in PC BIOS: a tiny ROM (IVT entries pointing at stubs in F000:E000-EFFF, so real-mode
 * code can read, chain or call the vectors) and the services themselves in TypeScript, entered
 * through the CPU's softIntHandler. A service runs natively when the INT comes from a stub or when
 * the guest's IVT entry still points at the stub; a guest that hooked a vector gets its own handler.
 *
 * Services: int 10h (modes, cursor, scroll, read/write char/attr, teletype, write string), 11h,
 * 12h, 13h (CHS and LBA-extension reads/writes on the boot image), 15h (E820, E801, 88h, A20
 * 2400-2403, 86h wait), 16h (read, status, shift flags, store), 1Ah (ticks, RTC time/date),
 * timer (IRQ 0: BDA tick count, int 1Ch) and keyboard (IRQ 1: scancodes to the BDA buffer) handlers.
 * The guest console (stdout) gets what int 10h AH=0Eh and AH=13h print; AH=09h/0Ah only write the
 * screen (programs often use AH=09h to colour a cell and AH=0Eh to print the same character).
 */
import { CpuMode, Flag, Reg, Seg } from '../cpuApi';
import type { Machine } from '../machine';
import { scancodeToAscii } from '../devices/kbc';
import { RealModeCtx } from './realmode';

export const BIOS_SEG = 0xf000;
const STUB_OFF = 0xe000;
const STUB_SIZE = 16;
const BDA = 0x400;
const KBD_BUF_START = 0x1e;
const KBD_BUF_END = 0x3e;
const EBDA_SEG = 0x9fc0;

export type IntService = (c: RealModeCtx) => void;

export interface BiosOptions {
  /** The boot disk image (int 13h), or null. */
  disk?: Uint8Array | null;
  bootDrive?: number;
}

export class PcBios {
  readonly c: RealModeCtx;
  /** Native services by vector (DOS adds 20h/21h). */
  readonly services = new Map<number, IntService>();
  disk: Uint8Array | null;
  bootDrive: number;
  private shiftFlags = 0;
  private e0 = false;

  constructor(readonly m: Machine, opts: BiosOptions = {}) {
    this.c = new RealModeCtx(m);
    this.disk = opts.disk ?? null;
    this.bootDrive = opts.bootDrive ?? 0x80;
    this.services.set(0x08, () => this.timerTick());
    this.services.set(0x09, () => this.keyboardIrq());
    this.services.set(0x10, (c) => this.int10(c));
    this.services.set(0x11, (c) => { c.ax = c.rd16(BDA + 0x10); });
    this.services.set(0x12, (c) => { c.ax = c.rd16(BDA + 0x13); });
    this.services.set(0x13, (c) => this.int13(c));
    this.services.set(0x15, (c) => this.int15(c));
    this.services.set(0x16, (c) => this.int16(c));
    this.services.set(0x1a, (c) => this.int1a(c));
  }

  stubAddress(v: number): number {
    return BIOS_SEG * 16 + STUB_OFF + v * STUB_SIZE;
  }

  /** Writes the ROM stubs, the IVT and the BDA, and programs the PIC and PIT as a BIOS POST would. */
  install(): void {
    const m = this.m;
    for (let v = 0; v < 256; v++) {
      const a = this.stubAddress(v);
      let code: number[];
      if (v === 0x08) code = [0xcd, 0x08, 0xcd, 0x1c, 0x50, 0xb0, 0x20, 0xe6, 0x20, 0x58, 0xcf];
      else if (v === 0x09) code = [0xcd, 0x09, 0x50, 0xb0, 0x20, 0xe6, 0x20, 0x58, 0xcf];
      else if (v >= 0x0a && v <= 0x0e) code = [0x50, 0xb0, 0x20, 0xe6, 0x20, 0x58, 0xcf];
      else if (v >= 0x70 && v <= 0x77) code = [0x50, 0xb0, 0x20, 0xe6, 0xa0, 0xe6, 0x20, 0x58, 0xcf];
      else if (this.services.has(v)) code = [0xcd, v, 0xca, 0x02, 0x00]; // int v; retf 2 (keeps result flags)
      else code = [0xcf];
      for (let i = 0; i < code.length; i++) m.physWrite8(a + i, code[i]);
      m.physWrite16(v * 4, STUB_OFF + v * STUB_SIZE);
      m.physWrite16(v * 4 + 2, BIOS_SEG);
    }
    // Reset vector (F000:FFF0): jmp far F000:E000+... a HLT loop, the date and the model byte.
    const rv = BIOS_SEG * 16 + 0xfff0;
    [0xfa, 0xf4, 0xeb, 0xfd].forEach((b, i) => m.physWrite8(rv + i, b));
    '11/27/26'.split('').forEach((ch, i) => m.physWrite8(BIOS_SEG * 16 + 0xfff5 + i, ch.charCodeAt(0)));
    m.physWrite8(BIOS_SEG * 16 + 0xfffe, 0xfc);
    // BIOS data area.
    const w16 = (o: number, v: number) => m.physWrite16(BDA + o, v);
    const w8 = (o: number, v: number) => m.physWrite8(BDA + o, v);
    w16(0x00, 0x3f8);
    w16(0x0e, EBDA_SEG);
    w16(0x10, 0x0222); // x87, 80x25 colour, one serial port
    w16(0x13, 639);
    w8(0x17, 0);
    w16(0x1a, KBD_BUF_START);
    w16(0x1c, KBD_BUF_START);
    w8(0x49, 3);
    w16(0x4a, 80);
    w16(0x4c, 4096);
    w16(0x4e, 0);
    for (let p = 0; p < 8; p++) w16(0x50 + p * 2, 0);
    w16(0x60, 0x0d0e);
    w8(0x62, 0);
    w16(0x63, 0x3d4);
    m.physWrite32(BDA + 0x6c, 0);
    w8(0x70, 0);
    w8(0x75, this.disk ? 1 : 0);
    w16(0x80, KBD_BUF_START);
    w16(0x82, KBD_BUF_END);
    w8(0x84, 24);
    w16(0x85, 16);
    m.physWrite16(EBDA_SEG * 16, 1); // EBDA size in KiB
    m.pic?.biosInit(0x08, 0x70, 0xf8, 0xff);
    m.pit?.biosInit();
    m.cpu.softIntHandler = (v) => this.softInt(v);
  }

  /** The CPU's softIntHandler. */
  softInt(vector: number): boolean {
    const cpu = this.m.cpu;
    if (cpu.mode !== CpuMode.Real) return false;
    const svc = this.services.get(vector);
    if (!svc) return false;
    const c = this.c;
    const site = c.intSite();
    const stub = this.stubAddress(vector);
    const fromStub = site >= this.stubAddress(0) && site < this.stubAddress(256);
    if (!fromStub) {
      const ivt = c.rd16(vector * 4) + c.rd16(vector * 4 + 2) * 16;
      if (ivt !== stub) return false; // the guest hooked this vector: deliver through its IVT entry
    }
    svc(c);
    if (fromStub && vector !== 0x08 && vector !== 0x09) {
      // The stub returns with RETF 2: restore the caller's IF from the flags image its INT pushed.
      const saved = c.rd16(c.lin(Seg.SS, c.sp + 4));
      c.setFlag(Flag.IF, (saved & Flag.IF) !== 0);
    }
    return true;
  }

  // ---- console (int 10h) ------------------------------------------------------------------

  private cursor(page = 0): { row: number; col: number } {
    const w = this.c.rd16(BDA + 0x50 + (page & 7) * 2);
    return { row: w >> 8, col: w & 0xff };
  }

  private setCursor(row: number, col: number, page = 0): void {
    this.c.wr16(BDA + 0x50 + (page & 7) * 2, ((row & 0xff) << 8) | (col & 0xff));
    if (this.m.vga && (page & 7) === this.c.rd8(BDA + 0x62)) this.m.vga.cursorOffset = row * 80 + col + this.pageStart(page) / 2;
  }

  private pageStart(page: number): number {
    return (page & 7) * 4096;
  }

  private cell(page: number, row: number, col: number): number {
    return this.pageStart(page) + (row * 80 + col) * 2;
  }

  private putCell(page: number, row: number, col: number, ch: number, attr: number | null): void {
    const v = this.m.vga;
    if (!v) return;
    const o = this.cell(page, row, col);
    v.vram[o] = ch;
    if (attr !== null) v.vram[o + 1] = attr;
  }

  private scroll(up: boolean, lines: number, attr: number, top: number, left: number, bottom: number, right: number, page = 0): void {
    const v = this.m.vga;
    if (!v) return;
    bottom = Math.min(bottom, 24);
    right = Math.min(right, 79);
    const height = bottom - top + 1;
    if (lines === 0 || lines > height) lines = height;
    const rows = up ? [...Array(height).keys()].map((i) => top + i) : [...Array(height).keys()].map((i) => bottom - i);
    for (const r of rows) {
      const src = up ? r + lines : r - lines;
      for (let col = left; col <= right; col++) {
        const d = this.cell(page, r, col);
        if ((up && src <= bottom) || (!up && src >= top)) {
          const s = this.cell(page, src, col);
          v.vram[d] = v.vram[s];
          v.vram[d + 1] = v.vram[s + 1];
        } else {
          v.vram[d] = 0x20;
          v.vram[d + 1] = attr;
        }
      }
    }
  }

  /** Teletype output: writes the screen and the guest console. */
  teletype(ch: number, page = this.c.rd8(BDA + 0x62), attr: number | null = null): void {
    this.m.console(String.fromCharCode(ch));
    let { row, col } = this.cursor(page);
    switch (ch) {
      case 0x07: return;
      case 0x08: if (col > 0) col--; break;
      case 0x0a: row++; break;
      case 0x0d: col = 0; break;
      default:
        this.putCell(page, row, col, ch, attr);
        col++;
        if (col >= 80) { col = 0; row++; }
    }
    if (row >= 25) {
      const a = this.m.vga ? this.m.vga.vram[this.cell(page, 24, 79) + 1] || 0x07 : 0x07;
      this.scroll(true, 1, a, 0, 0, 24, 79, page);
      row = 24;
    }
    this.setCursor(row, col, page);
  }

  private int10(c: RealModeCtx): void {
    const v = this.m.vga;
    switch (c.ah) {
      case 0x00: { // set mode: clear the screen
        const mode = c.al & 0x7f;
        c.wr8(BDA + 0x49, mode);
        if (v && !(c.al & 0x80)) for (let i = 0; i < 80 * 25 * 8; i++) { v.vram[i * 2] = 0x20; v.vram[i * 2 + 1] = 0x07; }
        for (let p = 0; p < 8; p++) c.wr16(BDA + 0x50 + p * 2, 0);
        c.wr8(BDA + 0x62, 0);
        this.setCursor(0, 0, 0);
        c.al = mode <= 7 ? 0x30 : 0x20;
        break;
      }
      case 0x01:
        c.wr16(BDA + 0x60, c.cx);
        if (v) { v.crtc[0x0a] = c.ch; v.crtc[0x0b] = c.cl; }
        break;
      case 0x02: this.setCursor(c.dh, c.dl, c.bh); break;
      case 0x03: {
        const { row, col } = this.cursor(c.bh);
        c.dh = row; c.dl = col; c.cx = c.rd16(BDA + 0x60);
        break;
      }
      case 0x05: {
        const page = c.al & 7;
        c.wr8(BDA + 0x62, page);
        c.wr16(BDA + 0x4e, page * 4096);
        if (v) { v.crtc[0x0c] = (page * 2048) >> 8; v.crtc[0x0d] = 0; }
        const { row, col } = this.cursor(page);
        this.setCursor(row, col, page);
        break;
      }
      case 0x06: case 0x07:
        this.scroll(c.ah === 0x06, c.al, c.bh, c.ch, c.cl, c.dh, c.dl, c.rd8(BDA + 0x62));
        break;
      case 0x08: {
        const { row, col } = this.cursor(c.bh);
        const o = this.cell(c.bh, row, col);
        c.ax = v ? v.vram[o] | (v.vram[o + 1] << 8) : 0;
        break;
      }
      case 0x09: case 0x0a: {
        const { row, col } = this.cursor(c.bh);
        let r = row, k = col;
        for (let i = 0; i < c.cx; i++) {
          this.putCell(c.bh, r, k, c.al, c.ah === 0x09 ? c.bl : null);
          if (++k >= 80) { k = 0; if (++r >= 25) break; }
        }
        break;
      }
      case 0x0e: this.teletype(c.al); break;
      case 0x0f: c.al = c.rd8(BDA + 0x49); c.ah = 80; c.bh = c.rd8(BDA + 0x62); break;
      case 0x12:
        if (c.bl === 0x10) { c.bh = 0; c.bl = 3; c.cx = 0; }
        break;
      case 0x13: {
        const page = c.bh;
        const saved = this.cursor(page);
        this.setCursor(c.dh, c.dl, page);
        const withAttr = (c.al & 2) !== 0;
        const base = c.segBase(Seg.ES);
        let off = c.bp;
        for (let i = 0; i < c.cx; i++) {
          const ch = c.rd8(base + (off++ & 0xffff));
          let attr = c.bl;
          if (withAttr) attr = c.rd8(base + (off++ & 0xffff));
          this.teletype(ch, page, ch >= 0x20 ? attr : null);
        }
        if (!(c.al & 1)) this.setCursor(saved.row, saved.col, page);
        break;
      }
      case 0x1a:
        if (c.al === 0) { c.al = 0x1a; c.bx = 0x0008; }
        break;
      default: break;
    }
  }

  // ---- disk (int 13h) ---------------------------------------------------------------------

  private geometry(): { heads: number; spt: number; cyls: number } {
    const sectors = this.disk ? Math.ceil(this.disk.length / 512) : 0;
    const heads = 16, spt = 63;
    return { heads, spt, cyls: Math.max(1, Math.min(1024, Math.ceil(sectors / (heads * spt)))) };
  }

  private diskStatus(c: RealModeCtx, ah: number): void {
    c.ah = ah;
    c.wr8(BDA + 0x74, ah);
    c.cf(ah !== 0);
  }

  private transfer(c: RealModeCtx, write: boolean, lba: number, count: number, seg: Seg | number, off: number): number {
    const disk = this.disk!;
    const base = typeof seg === 'number' ? seg * 16 : c.segBase(seg);
    let done = 0;
    for (; done < count; done++) {
      const pos = (lba + done) * 512;
      if (pos + 512 > disk.length) break;
      for (let i = 0; i < 512; i++) {
        const a = base + ((off + done * 512 + i) & 0xffff);
        if (write) disk[pos + i] = c.rd8(a);
        else c.wr8(a, disk[pos + i]);
      }
    }
    return done;
  }

  private int13(c: RealModeCtx): void {
    const drive = c.dl;
    if (!this.disk || drive !== this.bootDrive) {
      if (c.ah === 0x15) { c.ah = 0; c.cf(false); return; } // no such drive
      this.diskStatus(c, 0x01);
      return;
    }
    const g = this.geometry();
    switch (c.ah) {
      case 0x00: this.diskStatus(c, 0); break;
      case 0x01: { const s = c.rd8(BDA + 0x74); c.ah = s; c.cf(s !== 0); break; }
      case 0x02: case 0x03: {
        const count = c.al;
        const cyl = c.ch | ((c.cl & 0xc0) << 2);
        const sector = c.cl & 0x3f;
        const head = c.dh;
        if (sector === 0 || sector > g.spt || head >= g.heads || count === 0) { c.al = 0; this.diskStatus(c, 0x01); break; }
        const lba = (cyl * g.heads + head) * g.spt + sector - 1;
        const n = this.transfer(c, c.ah === 0x03, lba, count, Seg.ES, c.bx);
        c.al = n;
        this.diskStatus(c, n === count ? 0 : 0x04);
        break;
      }
      case 0x04: this.diskStatus(c, 0); break; // verify
      case 0x08: {
        const maxCyl = g.cyls - 1;
        c.ch = maxCyl & 0xff;
        c.cl = g.spt | ((maxCyl >> 2) & 0xc0);
        c.dh = g.heads - 1;
        c.dl = 1;
        c.bl = 0;
        this.diskStatus(c, 0);
        break;
      }
      case 0x15: {
        const sectors = Math.ceil(this.disk.length / 512);
        c.ah = 3; c.cx = sectors >>> 16; c.dx = sectors & 0xffff; c.cf(false);
        break;
      }
      case 0x41:
        if (c.bx === 0x55aa) { c.bx = 0xaa55; c.ah = 0x21; c.cx = 0x0001; c.cf(false); }
        else this.diskStatus(c, 0x01);
        break;
      case 0x42: case 0x43: {
        const dap = c.lin(Seg.DS, c.si);
        const count = c.rd16(dap + 2);
        const off = c.rd16(dap + 4), seg = c.rd16(dap + 6);
        const lba = c.rd32(dap + 8);
        const n = this.transfer(c, c.ah === 0x43, lba, count, seg, off);
        c.wr16(dap + 2, n);
        this.diskStatus(c, n === count ? 0 : 0x04);
        break;
      }
      case 0x48: {
        const p = c.lin(Seg.DS, c.si);
        const sectors = Math.ceil(this.disk.length / 512);
        c.wr16(p, 0x1a);
        c.wr16(p + 2, 0x02);
        c.wr32(p + 4, g.cyls); c.wr32(p + 8, g.heads); c.wr32(p + 12, g.spt);
        c.wr32(p + 16, sectors); c.wr32(p + 20, 0);
        c.wr16(p + 24, 512);
        this.diskStatus(c, 0);
        break;
      }
      default: this.diskStatus(c, 0x01);
    }
  }

  // ---- system (int 15h) -------------------------------------------------------------------

  e820Map(): Array<[number, number, number]> {
    const mem = this.m.mem.size;
    return [
      [0, 0x9fc00, 1],
      [0x9fc00, 0x400, 2],
      [0xf0000, 0x10000, 2],
      [0x100000, mem - 0x100000, 1],
    ];
  }

  private int15(c: RealModeCtx): void {
    const ax = c.ax;
    const mem = this.m.mem.size;
    if ((c.cpu.regs[Reg.EAX] >>> 0) === 0xe820 && (c.cpu.regs[Reg.EDX] >>> 0) === 0x534d4150) {
      const map = this.e820Map();
      const i = c.cpu.regs[Reg.EBX] >>> 0;
      if (i >= map.length) { c.cf(true); c.ah = 0x86; return; }
      const [base, len, type] = map[i];
      const p = c.lin(Seg.ES, c.di);
      c.wr32(p, base); c.wr32(p + 4, 0); c.wr32(p + 8, len); c.wr32(p + 12, 0); c.wr32(p + 16, type);
      let size = 20;
      if ((c.cpu.regs[Reg.ECX] >>> 0) >= 24) { c.wr32(p + 20, 1); size = 24; }
      c.set32(Reg.EAX, 0x534d4150);
      c.set32(Reg.ECX, size);
      c.set32(Reg.EBX, i + 1 < map.length ? i + 1 : 0);
      c.cf(false);
      return;
    }
    switch (ax) {
      case 0x2400: this.m.setA20(false); c.ah = 0; c.cf(false); return;
      case 0x2401: this.m.setA20(true); c.ah = 0; c.cf(false); return;
      case 0x2402: c.ah = 0; c.al = this.m.a20 ? 1 : 0; c.cf(false); return;
      case 0x2403: c.ah = 0; c.bx = 0x0003; c.cf(false); return;
      case 0xe801: {
        const kb1 = Math.min(0x3c00, Math.max(0, (mem - 0x100000) >> 10));
        const blocks = Math.max(0, (mem - 0x1000000) >> 16);
        c.ax = kb1; c.cx = kb1; c.bx = Math.min(0xffff, blocks); c.dx = Math.min(0xffff, blocks);
        c.cf(false);
        return;
      }
      default: break;
    }
    switch (c.ah) {
      case 0x88: c.ax = Math.min(0xffff, Math.max(0, (mem - 0x100000) >> 10)); c.cf(false); return;
      case 0x86: {
        // Wait CX:DX microseconds: virtual time passes.
        const us = ((c.cx << 16) | c.dx) >>> 0;
        if (!this.m.clock.realTime) this.m.clock.idleNs += us * 1000;
        c.cf(false);
        return;
      }
      case 0x4f: c.cf(true); return; // keyboard intercept: keep the scancode
      case 0xc0: c.ah = 0x86; c.cf(true); return;
      default: c.ah = 0x86; c.cf(true);
    }
  }

  // ---- keyboard (IRQ 1, int 16h) ----------------------------------------------------------

  private bufPush(word: number): boolean {
    const c = this.c;
    const head = c.rd16(BDA + 0x1a), tail = c.rd16(BDA + 0x1c);
    let next = tail + 2;
    if (next >= KBD_BUF_END) next = KBD_BUF_START;
    if (next === head) return false; // full
    c.wr16(BDA + tail, word);
    c.wr16(BDA + 0x1c, next);
    return true;
  }

  private bufPeek(): number {
    const c = this.c;
    const head = c.rd16(BDA + 0x1a), tail = c.rd16(BDA + 0x1c);
    return head === tail ? -1 : c.rd16(BDA + head);
  }

  private bufPop(): number {
    const c = this.c;
    const w = this.bufPeek();
    if (w < 0) return w;
    let head = c.rd16(BDA + 0x1a) + 2;
    if (head >= KBD_BUF_END) head = KBD_BUF_START;
    c.wr16(BDA + 0x1a, head);
    return w;
  }

  /** Translates one scancode into the BDA buffer / shift flags. */
  private scancode(code: number): void {
    if (code === 0xe0) { this.e0 = true; return; }
    const e0 = this.e0;
    this.e0 = false;
    const brk = (code & 0x80) !== 0;
    const make = code & 0x7f;
    const bit = make === 0x2a ? 0x02 : make === 0x36 ? 0x01 : make === 0x1d ? 0x04 : make === 0x38 ? 0x08 : 0;
    if (bit) {
      if (brk) this.shiftFlags &= ~bit; else this.shiftFlags |= bit;
      this.c.wr8(BDA + 0x17, this.shiftFlags);
      return;
    }
    if (brk) return;
    if (make === 0x3a) { this.shiftFlags ^= 0x40; this.c.wr8(BDA + 0x17, this.shiftFlags); return; }
    const shift = (this.shiftFlags & 0x03) !== 0;
    let ascii = e0 ? 0 : scancodeToAscii(make, shift);
    if ((this.shiftFlags & 0x40) && ascii >= 0x61 && ascii <= 0x7a && !shift) ascii -= 0x20;
    else if ((this.shiftFlags & 0x40) && ascii >= 0x41 && ascii <= 0x5a && shift) ascii += 0x20;
    if (this.shiftFlags & 0x04) {
      if ((ascii | 0x20) >= 0x61 && (ascii | 0x20) <= 0x7a) ascii = (ascii | 0x20) - 0x60;
    }
    if (this.shiftFlags & 0x08) ascii = 0;
    this.bufPush((make << 8) | ascii);
  }

  private keyboardIrq(): void {
    const kbc = this.m.kbc;
    if (!kbc) return;
    if (!(kbc.readStatus() & 1)) return;
    this.scancode(this.m.io.read(0x60, 1));
  }

  /** Pulls scancodes straight from the controller (interrupts off, or IRQ 1 not yet delivered). */
  private pollKeyboard(): void {
    const kbc = this.m.kbc;
    while (kbc && this.bufPeek() < 0 && (kbc.readStatus() & 1)) this.scancode(this.m.io.read(0x60, 1));
  }

  /** A key word (scan << 8 | ascii) or -1; `remove` takes it out of the buffer. */
  readKey(remove: boolean): number {
    if (this.bufPeek() < 0) this.pollKeyboard();
    return remove ? this.bufPop() : this.bufPeek();
  }

  private int16(c: RealModeCtx): void {
    switch (c.ah) {
      case 0x00: case 0x10: {
        const k = this.readKey(true);
        if (k < 0) {
          c.rewindInt();
          this.m.blockForInput('a key (int 16h)');
          return;
        }
        c.ax = k;
        break;
      }
      case 0x01: case 0x11: {
        const k = this.readKey(false);
        if (k < 0) {
          c.zf(true);
          // Input is over and nothing is buffered: tell the machine so that a polling loop ends.
          if (this.m.inputEnded) this.m.noteIdlePoll();
        } else {
          c.ax = k;
          c.zf(false);
        }
        break;
      }
      case 0x02: case 0x12: c.al = c.rd8(BDA + 0x17); if (c.ah === 0x12) c.ah = 0; break;
      case 0x05: c.al = this.bufPush(c.cx) ? 0 : 1; break;
      default: break;
    }
  }

  // ---- timer (IRQ 0, int 1Ah) -------------------------------------------------------------

  private timerTick(): void {
    const c = this.c;
    let t = c.rd32(BDA + 0x6c) + 1;
    if (t >= 0x1800b0) { t = 0; c.wr8(BDA + 0x70, 1); }
    c.wr32(BDA + 0x6c, t);
  }

  private bcd(v: number): number {
    return ((Math.floor(v / 10) % 10) << 4) | (v % 10);
  }

  private int1a(c: RealModeCtx): void {
    switch (c.ah) {
      case 0x00: {
        const t = c.rd32(BDA + 0x6c);
        c.cx = t >>> 16; c.dx = t & 0xffff;
        c.al = c.rd8(BDA + 0x70);
        c.wr8(BDA + 0x70, 0);
        c.cf(false);
        break;
      }
      case 0x01: c.wr32(BDA + 0x6c, ((c.cx << 16) | c.dx) >>> 0); c.wr8(BDA + 0x70, 0); c.cf(false); break;
      case 0x02: {
        const d = this.m.cmos ? this.m.cmos.date() : new Date(0);
        c.ch = this.bcd(d.getUTCHours()); c.cl = this.bcd(d.getUTCMinutes()); c.dh = this.bcd(d.getUTCSeconds()); c.dl = 0;
        c.cf(false);
        break;
      }
      case 0x04: {
        const d = this.m.cmos ? this.m.cmos.date() : new Date(0);
        c.ch = this.bcd(Math.floor(d.getUTCFullYear() / 100)); c.cl = this.bcd(d.getUTCFullYear() % 100);
        c.dh = this.bcd(d.getUTCMonth() + 1); c.dl = this.bcd(d.getUTCDate());
        c.cf(false);
        break;
      }
      default: c.cf(true);
    }
  }
}

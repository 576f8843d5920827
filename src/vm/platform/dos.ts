/**
 * The `dos` platform: a .COM program at PSP:0100 on top of the built-in PC BIOS, with int 20h and
 * int 21h services: console input/output (01, 02, 06, 07, 08, 09, 0A, 0B, 0C), exit (00, 4Ch, int
 * 20h), vectors (25h, 35h), version (30h), date/time (2Ah, 2Ch), drive (0Eh, 19h), memory (48h,
 * 49h, 4Ah) and handle file services (3Ch, 3Dh, 3Eh, 3Fh, 40h, 41h, 42h, 44h/00) confined to the
 * run's cwd: any path outside it fails with DOS error 5 (access denied), a missing file with 2.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Reg, Seg } from '../cpuApi';
import type { Machine } from '../machine';
import { PcBios } from './bios';
import { PlatformError, setRealModeEntry } from './pc';
import type { RealModeCtx } from './realmode';

export const PSP_SEG = 0x1000;
const ENV_SEG = 0x0f00;
const TOP_SEG = 0x9fc0;

const ERR_INVALID_FUNCTION = 1, ERR_FILE_NOT_FOUND = 2, ERR_PATH_NOT_FOUND = 3, ERR_TOO_MANY = 4,
  ERR_ACCESS_DENIED = 5, ERR_INVALID_HANDLE = 6, ERR_NO_MEMORY = 8;

interface OpenFile {
  fd: number;
  pos: number;
  mode: number;
}

export interface DosOptions {
  args?: string[];
  cwd: string;
  programName?: string;
}

export class DosServices {
  private readonly files = new Map<number, OpenFile>();
  /** Line being edited by an int 21h/0Ah or handle-0 read waiting for Enter. */
  private line: number[] | null = null;
  private stdinLine: number[] = [];
  private nextAllocSeg: number;
  private readonly cwd: string;

  constructor(readonly m: Machine, readonly bios: PcBios, opts: DosOptions, programEndSeg: number) {
    this.cwd = path.resolve(opts.cwd);
    this.nextAllocSeg = programEndSeg;
    bios.services.set(0x20, (c) => this.exit(c, 0));
    bios.services.set(0x21, (c) => this.int21(c));
  }

  private exit(_c: RealModeCtx, status: number): void {
    this.closeAll();
    this.m.requestExit(status & 0xff, `the program ended with status ${status & 0xff}`);
  }

  closeAll(): void {
    for (const f of this.files.values()) {
      try { fs.closeSync(f.fd); } catch { /* already closed */ }
    }
    this.files.clear();
  }

  private out(ch: number): void {
    this.bios.teletype(ch);
  }

  /** A key's ASCII (0 for extended keys), or -1 (after arranging to wait) when none is available. */
  private key(c: RealModeCtx, wait: boolean): number {
    const k = this.bios.readKey(true);
    if (k >= 0) return k & 0xff;
    if (wait) {
      c.rewindInt();
      this.m.blockForInput('console input (int 21h)');
    }
    return -1;
  }

  private fail(c: RealModeCtx, code: number): void {
    c.ax = code;
    c.cf(true);
  }

  private ok(c: RealModeCtx): void {
    c.cf(false);
  }

  /** Resolves a DOS path inside cwd, or null when it escapes. */
  private resolve(dosPath: string): string | null {
    let p = dosPath.replace(/\\/g, '/');
    if (/^[a-zA-Z]:/.test(p)) p = p.slice(2);
    if (p.startsWith('/')) p = p.slice(1);
    const full = path.resolve(this.cwd, p);
    const rel = path.relative(this.cwd, full);
    if (rel.startsWith('..') || path.isAbsolute(rel)) return null;
    // Follow symbolic links that already exist: they must stay inside too.
    try {
      const real = fs.realpathSync(full);
      const relReal = path.relative(fs.realpathSync(this.cwd), real);
      if (relReal.startsWith('..') || path.isAbsolute(relReal)) return null;
    } catch { /* does not exist yet */ }
    return full;
  }

  private newHandle(): number {
    for (let h = 5; h < 20; h++) if (!this.files.has(h)) return h;
    return -1;
  }

  private errno(e: unknown): number {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return ERR_FILE_NOT_FOUND;
    if (code === 'ENOTDIR') return ERR_PATH_NOT_FOUND;
    if (code === 'EMFILE' || code === 'ENFILE') return ERR_TOO_MANY;
    return ERR_ACCESS_DENIED;
  }

  private open(c: RealModeCtx, create: boolean): void {
    const name = c.asciiz(Seg.DS, c.dx);
    const full = this.resolve(name);
    if (!full) return this.fail(c, ERR_ACCESS_DENIED);
    const h = this.newHandle();
    if (h < 0) return this.fail(c, ERR_TOO_MANY);
    const mode = create ? 2 : c.al & 3;
    try {
      if (!create && fs.existsSync(full) && fs.statSync(full).isDirectory()) return this.fail(c, ERR_ACCESS_DENIED);
      const flags = create ? 'w+' : mode === 0 ? 'r' : 'r+';
      const fd = fs.openSync(full, flags);
      this.files.set(h, { fd, pos: 0, mode });
      c.ax = h;
      this.ok(c);
    } catch (e) {
      this.fail(c, this.errno(e));
    }
  }

  /** Reads a console line (echoed, with backspace editing) into this.line; true when Enter came. */
  private editLine(c: RealModeCtx, max: number): boolean {
    if (!this.line) this.line = [];
    for (;;) {
      const k = this.bios.readKey(true);
      if (k < 0) {
        if (this.m.inputEnded) return true; // end of input ends the line
        c.rewindInt();
        this.m.blockForInput('a line of console input (int 21h)');
        return false;
      }
      const ch = k & 0xff;
      if (ch === 0x0d) { this.out(0x0d); this.out(0x0a); return true; }
      if (ch === 0x08) {
        if (this.line.length) { this.line.pop(); this.out(8); this.out(0x20); this.out(8); }
        continue;
      }
      if (ch === 0) continue;
      if (this.line.length < max) { this.line.push(ch); this.out(ch); }
    }
  }

  private int21(c: RealModeCtx): void {
    const ah = c.ah;
    switch (ah) {
      case 0x00: return this.exit(c, 0);
      case 0x01: { const k = this.key(c, true); if (k >= 0) { this.out(k); c.al = k; } return; }
      case 0x02: this.out(c.dl); c.al = c.dl; return;
      case 0x06:
        if (c.dl === 0xff) {
          const k = this.key(c, false);
          if (k < 0) { c.al = 0; c.zf(true); if (this.m.inputEnded) this.m.noteIdlePoll(); } else { c.al = k; c.zf(false); }
        } else {
          this.out(c.dl);
          c.al = c.dl;
        }
        return;
      case 0x07: case 0x08: { const k = this.key(c, true); if (k >= 0) c.al = k; return; }
      case 0x09: {
        const base = c.segBase(Seg.DS);
        for (let i = 0, off = c.dx; i < 0x10000; i++, off++) {
          const ch = c.rd8(base + (off & 0xffff));
          if (ch === 0x24) break;
          this.out(ch);
        }
        c.al = 0x24;
        return;
      }
      case 0x0a: {
        const buf = c.lin(Seg.DS, c.dx);
        const max = c.rd8(buf);
        if (max === 0) return;
        if (!this.editLine(c, max - 1)) return;
        const line = this.line ?? [];
        this.line = null;
        c.wr8(buf + 1, line.length);
        line.forEach((ch, i) => c.wr8(buf + 2 + i, ch));
        c.wr8(buf + 2 + line.length, 0x0d);
        return;
      }
      case 0x0b: {
        const k = this.bios.readKey(false);
        c.al = k >= 0 ? 0xff : 0;
        if (k < 0 && this.m.inputEnded) this.m.noteIdlePoll();
        return;
      }
      case 0x0c: {
        while (this.bios.readKey(true) >= 0) { /* flush */ }
        const fn = c.al;
        if ([0x01, 0x06, 0x07, 0x08, 0x0a].includes(fn)) { c.ah = fn; this.int21(c); c.ah = 0x0c; }
        return;
      }
      case 0x0e: c.al = 3; return;
      case 0x19: c.al = 2; return; // C:
      case 0x25: {
        const v = c.al;
        c.wr16(v * 4, c.dx);
        c.wr16(v * 4 + 2, c.segSel(Seg.DS));
        return;
      }
      case 0x2a: {
        const d = this.m.cmos ? this.m.cmos.date() : new Date(0);
        c.cx = d.getUTCFullYear(); c.dh = d.getUTCMonth() + 1; c.dl = d.getUTCDate(); c.al = d.getUTCDay();
        return;
      }
      case 0x2c: {
        const d = this.m.cmos ? this.m.cmos.date() : new Date(0);
        c.ch = d.getUTCHours(); c.cl = d.getUTCMinutes(); c.dh = d.getUTCSeconds(); c.dl = Math.floor(d.getUTCMilliseconds() / 10);
        return;
      }
      case 0x30: c.ax = 0x0005; c.bx = 0; c.cx = 0; return; // DOS 5.0
      case 0x35: {
        const v = c.al;
        c.bx = c.rd16(v * 4);
        c.cpu.loadSegment(Seg.ES, c.rd16(v * 4 + 2));
        return;
      }
      case 0x3c: return this.open(c, true);
      case 0x3d: return this.open(c, false);
      case 0x3e: {
        const f = this.files.get(c.bx);
        if (!f) { if (c.bx <= 4) { this.ok(c); return; } return this.fail(c, ERR_INVALID_HANDLE); }
        fs.closeSync(f.fd);
        this.files.delete(c.bx);
        return this.ok(c);
      }
      case 0x3f: return this.read(c);
      case 0x40: return this.write(c);
      case 0x41: {
        const full = this.resolve(c.asciiz(Seg.DS, c.dx));
        if (!full) return this.fail(c, ERR_ACCESS_DENIED);
        try { fs.unlinkSync(full); this.ok(c); } catch (e) { this.fail(c, this.errno(e)); }
        return;
      }
      case 0x42: {
        const f = this.files.get(c.bx);
        if (!f) return this.fail(c, ERR_INVALID_HANDLE);
        const off = ((c.cx << 16) | c.dx) | 0;
        let base = 0;
        if (c.al === 1) base = f.pos;
        else if (c.al === 2) base = fs.fstatSync(f.fd).size;
        else if (c.al !== 0) return this.fail(c, ERR_INVALID_FUNCTION);
        const pos = base + off;
        if (pos < 0) return this.fail(c, 0x19);
        f.pos = pos;
        c.dx = pos >>> 16; c.ax = pos & 0xffff;
        return this.ok(c);
      }
      case 0x44:
        if (c.al === 0) {
          if (c.bx <= 2) { c.dx = 0x80d3; return this.ok(c); }
          if (this.files.has(c.bx)) { c.dx = 0x0002; return this.ok(c); }
          return this.fail(c, ERR_INVALID_HANDLE);
        }
        return this.fail(c, ERR_INVALID_FUNCTION);
      case 0x48: {
        const need = c.bx;
        const avail = TOP_SEG - this.nextAllocSeg;
        if (need > avail) { c.bx = Math.max(0, avail); return this.fail(c, ERR_NO_MEMORY); }
        c.ax = this.nextAllocSeg;
        this.nextAllocSeg += need;
        return this.ok(c);
      }
      case 0x49: case 0x4a: return this.ok(c);
      case 0x4c: return this.exit(c, c.al);
      case 0x31: return this.exit(c, c.al);
      case 0x62: c.bx = PSP_SEG; return;
      default:
        c.al = 0;
        return this.fail(c, ERR_INVALID_FUNCTION);
    }
  }

  private read(c: RealModeCtx): void {
    const h = c.bx, n = c.cx;
    if (h === 0) {
      // Cooked console read: a whole line (with CR LF) is collected first.
      if (this.stdinLine.length === 0) {
        if (!this.editLine(c, 126)) return;
        const line = this.line ?? [];
        this.line = null;
        if (line.length === 0 && this.m.inputEnded && this.bios.readKey(false) < 0) {
          c.ax = 0;
          return this.ok(c);
        }
        this.stdinLine = [...line, 0x0d, 0x0a];
      }
      const take = this.stdinLine.splice(0, n);
      c.writeBytes(Seg.DS, c.dx, Uint8Array.from(take));
      c.ax = take.length;
      return this.ok(c);
    }
    const f = this.files.get(h);
    if (!f) return h <= 4 ? (c.ax = 0, this.ok(c)) : this.fail(c, ERR_INVALID_HANDLE);
    if (f.mode === 1) return this.fail(c, ERR_ACCESS_DENIED);
    const buf = Buffer.alloc(n);
    const got = fs.readSync(f.fd, buf, 0, n, f.pos);
    f.pos += got;
    c.writeBytes(Seg.DS, c.dx, buf.subarray(0, got));
    c.ax = got;
    this.ok(c);
  }

  private write(c: RealModeCtx): void {
    const h = c.bx, n = c.cx;
    const data = c.readBytes(Seg.DS, c.dx, n);
    if (h === 1 || h === 2 || h === 3 || h === 4) {
      if (h === 2) this.m.console(Buffer.from(data).toString('latin1'), 'stderr');
      else for (const b of data) this.out(b);
      c.ax = n;
      return this.ok(c);
    }
    const f = this.files.get(h);
    if (!f) return this.fail(c, ERR_INVALID_HANDLE);
    if (f.mode === 0) return this.fail(c, ERR_ACCESS_DENIED);
    if (n === 0) {
      fs.ftruncateSync(f.fd, f.pos); // a zero-length write truncates at the position
      c.ax = 0;
      return this.ok(c);
    }
    const w = fs.writeSync(f.fd, data, 0, n, f.pos);
    f.pos += w;
    c.ax = w;
    this.ok(c);
  }
}

/** Loads a .COM image at PSP:0100 with a PSP and environment, DOS register conventions. */
export function setupDos(m: Machine, com: Uint8Array, opts: DosOptions): { bios: PcBios; dos: DosServices } {
  if (com.length > 0xff00 - 2) throw new PlatformError(`.COM program of ${com.length} bytes is larger than 65,278 bytes`);
  const bios = new PcBios(m, {});
  const dos = new DosServices(m, bios, opts, PSP_SEG + 0x1000);
  bios.install();
  const psp = PSP_SEG * 16;
  for (let i = 0; i < 0x100; i++) m.physWrite8(psp + i, 0);
  m.physWrite8(psp, 0xcd); m.physWrite8(psp + 1, 0x20);
  m.physWrite16(psp + 2, TOP_SEG);
  m.physWrite8(psp + 5, 0xc3); // CALL 5 dispatcher stand-in (returns)
  m.physWrite16(psp + 0x2c, ENV_SEG);
  m.physWrite8(psp + 0x50, 0xcd); m.physWrite8(psp + 0x51, 0x21); m.physWrite8(psp + 0x52, 0xcb);
  for (let i = 0; i < 11; i++) { m.physWrite8(psp + 0x5d + i, 0x20); m.physWrite8(psp + 0x6d + i, 0x20); }
  let tail = (opts.args ?? []).map((a) => ' ' + a).join('');
  if (tail.length > 126) tail = tail.slice(0, 126);
  m.physWrite8(psp + 0x80, tail.length);
  for (let i = 0; i < tail.length; i++) m.physWrite8(psp + 0x81 + i, tail.charCodeAt(i) & 0xff);
  m.physWrite8(psp + 0x81 + tail.length, 0x0d);
  // Environment: "PATH=\0" "\0" count=1 "C:\NAME.COM\0".
  const env = `PATH=\0\0\x01\0C:\\${(opts.programName ?? 'PROGRAM.COM').toUpperCase()}\0`;
  for (let i = 0; i < env.length; i++) m.physWrite8(ENV_SEG * 16 + i, env.charCodeAt(i) & 0xff);
  m.physWrite(psp + 0x100, com);
  m.physWrite16(psp + 0xfffe, 0); // RET from the program goes to PSP:0000 (INT 20h)
  setRealModeEntry(m, PSP_SEG, 0x100, PSP_SEG, 0xfffe, PSP_SEG);
  const r = m.cpu.regs;
  r[Reg.EAX] = 0; r[Reg.EBX] = 0; r[Reg.ECX] = 0x00ff; r[Reg.EDX] = PSP_SEG;
  r[Reg.ESI] = 0x100; r[Reg.EDI] = 0xfffe; r[Reg.EBP] = 0x091c;
  return { bios, dos };
}

/**
 * VGA in text mode: the 32 KiB text window at 0xB8000-0xBFFFF (registered as MMIO on Memory),
 * the CRTC at 0x3D4/0x3D5 (cursor start/end, start address, cursor location), and the other
 * VGA ports (0x3C0-0x3CF: attribute, misc output, sequencer, DAC, graphics; 0x3DA input status)
 * kept as plain register files so that BIOS-style mode setting code works. 80x25, 16 colours.
 */
import type { IoBus, IoSize } from '../iobus';
import type { DeviceRegister, TextScreen } from '../machineApi';
import type { Memory } from '../memory';
import type { Clock, Device } from './device';

export const VGA_TEXT_BASE = 0xb8000;
const VGA_TEXT_SIZE = 0x8000;

export class VgaText implements Device {
  readonly name = 'VGA (text mode)';
  readonly ports = [{ first: 0x3c0, count: 0x10 }, { first: 0x3d4, count: 2 }, { first: 0x3da, count: 1 }];
  readonly mmio = [{ base: VGA_TEXT_BASE, length: VGA_TEXT_SIZE }];
  readonly vram = new Uint8Array(VGA_TEXT_SIZE);
  readonly crtc = new Uint8Array(0x19);
  crtcIndex = 0;
  readonly seq = new Uint8Array(5);
  seqIndex = 0;
  readonly gfx = new Uint8Array(9);
  gfxIndex = 0;
  readonly attr = new Uint8Array(0x15);
  attrIndex = 0;
  private attrFlipFlop = false;
  miscOutput = 0x67;
  readonly dac = new Uint8Array(768);
  private dacWrite = 0;
  private dacRead = 0;
  readonly cols = 80;
  readonly rows = 25;

  constructor(private readonly clock: Clock | null, mem?: Memory, io?: IoBus) {
    this.crtc[0x0a] = 0x0d; // cursor start line 13
    this.crtc[0x0b] = 0x0e; // cursor end line 14
    this.crtc[0x09] = 0x0f; // max scan line 15 (16-line cells)
    for (let i = 0; i < this.cols * this.rows; i++) { this.vram[i * 2] = 0x20; this.vram[i * 2 + 1] = 0x07; }
    if (mem) {
      mem.registerMmio(VGA_TEXT_BASE, VGA_TEXT_SIZE, 'VGA text memory', {
        read: (addr: number, size: 1 | 2 | 4) => {
          const o = addr - VGA_TEXT_BASE;
          let v = 0;
          for (let i = 0; i < size; i++) v |= this.vram[o + i] << (8 * i);
          return v >>> 0;
        },
        write: (addr: number, size: 1 | 2 | 4, value: number) => {
          const o = addr - VGA_TEXT_BASE;
          for (let i = 0; i < size; i++) this.vram[o + i] = (value >>> (8 * i)) & 0xff;
        },
      });
    }
    if (io) {
      const h = {
        read: (port: number, size: IoSize) => {
          let v = 0;
          for (let i = 0; i < size; i++) v |= this.readPort(port + i) << (8 * i);
          return v;
        },
        write: (port: number, size: IoSize, value: number) => {
          for (let i = 0; i < size; i++) this.writePort(port + i, (value >>> (8 * i)) & 0xff);
        },
      };
      io.register(0x3c0, 0x10, 'VGA', h);
      io.register(0x3d4, 2, 'VGA CRTC', h);
      io.register(0x3da, 1, 'VGA input status', h);
    }
  }

  get cursorOffset(): number {
    return (this.crtc[0x0e] << 8) | this.crtc[0x0f];
  }

  set cursorOffset(v: number) {
    this.crtc[0x0e] = (v >> 8) & 0xff;
    this.crtc[0x0f] = v & 0xff;
  }

  get startAddress(): number {
    return (this.crtc[0x0c] << 8) | this.crtc[0x0d];
  }

  readPort(port: number): number {
    switch (port) {
      case 0x3d4: return this.crtcIndex;
      case 0x3d5: return this.crtcIndex < this.crtc.length ? this.crtc[this.crtcIndex] : 0xff;
      case 0x3da: {
        this.attrFlipFlop = false;
        // Display enable / vertical retrace toggling with time (60 Hz frames).
        const t = this.clock ? this.clock.now() : 0;
        const inFrame = (t % 16.683e6) / 16.683e6;
        const vretrace = inFrame > 0.95;
        const hblank = Math.floor(t / 15.9e3 * 2) & 1;
        return (vretrace ? 0x08 : 0) | (vretrace || hblank ? 0x01 : 0);
      }
      case 0x3c0: return this.attrIndex;
      case 0x3c1: return this.attr[this.attrIndex & 0x1f] ?? 0;
      case 0x3c4: return this.seqIndex;
      case 0x3c5: return this.seq[this.seqIndex] ?? 0xff;
      case 0x3cc: return this.miscOutput;
      case 0x3ce: return this.gfxIndex;
      case 0x3cf: return this.gfx[this.gfxIndex] ?? 0xff;
      case 0x3c7: return 3;
      case 0x3c8: return this.dacWrite / 3 | 0;
      case 0x3c9: {
        const v = this.dac[this.dacRead];
        this.dacRead = (this.dacRead + 1) % 768;
        return v;
      }
      default: return 0xff;
    }
  }

  writePort(port: number, v: number): void {
    switch (port) {
      case 0x3d4: this.crtcIndex = v; break;
      case 0x3d5: if (this.crtcIndex < this.crtc.length) this.crtc[this.crtcIndex] = v; break;
      case 0x3c0:
        if (!this.attrFlipFlop) this.attrIndex = v;
        else if ((this.attrIndex & 0x1f) < this.attr.length) this.attr[this.attrIndex & 0x1f] = v;
        this.attrFlipFlop = !this.attrFlipFlop;
        break;
      case 0x3c2: this.miscOutput = v; break;
      case 0x3c4: this.seqIndex = v; break;
      case 0x3c5: if (this.seqIndex < this.seq.length) this.seq[this.seqIndex] = v; break;
      case 0x3ce: this.gfxIndex = v; break;
      case 0x3cf: if (this.gfxIndex < this.gfx.length) this.gfx[this.gfxIndex] = v; break;
      case 0x3c7: this.dacRead = (v * 3) % 768; break;
      case 0x3c8: this.dacWrite = (v * 3) % 768; break;
      case 0x3c9: this.dac[this.dacWrite] = v & 0x3f; this.dacWrite = (this.dacWrite + 1) % 768; break;
      default: break;
    }
  }

  /** The visible screen (from the CRTC start address) with the cursor. */
  screen(): TextScreen {
    const n = this.cols * this.rows;
    const cells = new Uint16Array(n);
    const start = this.startAddress * 2;
    for (let i = 0; i < n; i++) {
      const o = (start + i * 2) % VGA_TEXT_SIZE;
      cells[i] = this.vram[o] | (this.vram[o + 1] << 8);
    }
    const rel = this.cursorOffset - this.startAddress;
    return {
      cols: this.cols,
      rows: this.rows,
      cells,
      cursor: { row: Math.floor(rel / this.cols), col: rel % this.cols, visible: (this.crtc[0x0a] & 0x20) === 0 },
    };
  }

  /** The screen as text lines with trailing blanks removed. */
  screenText(): string {
    const s = this.screen();
    const lines: string[] = [];
    for (let r = 0; r < s.rows; r++) {
      let line = '';
      for (let c = 0; c < s.cols; c++) {
        const ch = s.cells[r * s.cols + c] & 0xff;
        line += ch >= 0x20 && ch < 0x7f ? String.fromCharCode(ch) : ch === 0 ? ' ' : '.';
      }
      lines.push(line.trimEnd());
    }
    while (lines.length && lines[lines.length - 1] === '') lines.pop();
    return lines.join('\n');
  }

  registers(): DeviceRegister[] {
    const s = this.screen();
    return [
      { name: 'CRTC index', value: this.crtcIndex, width: 8, port: 0x3d4 },
      { name: 'cursor location', value: this.cursorOffset, width: 16, port: 0x3d5 },
      { name: 'cursor row', value: s.cursor.row, width: 8 },
      { name: 'cursor column', value: s.cursor.col, width: 8 },
      { name: 'start address', value: this.startAddress, width: 16, port: 0x3d5 },
      { name: 'cursor start', value: this.crtc[0x0a], width: 8, port: 0x3d5 },
      { name: 'cursor end', value: this.crtc[0x0b], width: 8, port: 0x3d5 },
      { name: 'misc output', value: this.miscOutput, width: 8, port: 0x3cc },
      { name: 'text memory', value: VGA_TEXT_BASE, width: 32, address: VGA_TEXT_BASE },
    ];
  }
}

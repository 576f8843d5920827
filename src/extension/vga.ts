/**
 * VGA text mode (x86vm/screen events) → rows of coloured runs for the VM Screen webview. Pure.
 * Each cell is `char | attr << 8`; attr = blink/bg(3 bits) and fg(4 bits). Characters are code
 * page 437, mapped to Unicode.
 */
import type { ScreenEvent } from '../adapter/protocol';

/** The 16 standard VGA text colours (DAC defaults). */
export const VGA_PALETTE: readonly string[] = [
  '#000000', '#0000aa', '#00aa00', '#00aaaa', '#aa0000', '#aa00aa', '#aa5500', '#aaaaaa',
  '#555555', '#5555ff', '#55ff55', '#55ffff', '#ff5555', '#ff55ff', '#ffff55', '#ffffff',
];

const CP437_LOW = ' ☺☻♥♦♣♠•◘○◙♂♀♪♫☼►◄↕‼¶§▬↨↑↓→←∟↔▲▼';
const CP437_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■ ';

export function cp437(byte: number): string {
  const b = byte & 0xff;
  if (b < 0x20) return CP437_LOW[b];
  if (b === 0x7f) return '⌂';
  if (b < 0x80) return String.fromCharCode(b);
  return CP437_HIGH[b - 0x80];
}

export interface Run {
  text: string;
  fg: number;
  bg: number;
  blink: boolean;
}

/** Rows of runs of equal attributes. */
export function screenRows(ev: ScreenEvent): Run[][] {
  const rows: Run[][] = [];
  for (let r = 0; r < ev.rows; r++) {
    const runs: Run[] = [];
    let cur: Run | undefined;
    for (let c = 0; c < ev.cols; c++) {
      const cell = ev.cells[r * ev.cols + c] ?? 0x0720;
      const attr = (cell >> 8) & 0xff;
      const fg = attr & 0x0f;
      const bg = (attr >> 4) & 0x07;
      const blink = (attr & 0x80) !== 0;
      const ch = cp437(cell & 0xff);
      if (cur && cur.fg === fg && cur.bg === bg && cur.blink === blink) cur.text += ch;
      else { cur = { text: ch, fg, bg, blink }; runs.push(cur); }
    }
    rows.push(runs);
  }
  return rows;
}

/** The screen as plain text (trailing blanks trimmed), for tests and the e2e check. */
export function screenText(ev: ScreenEvent): string {
  return screenRows(ev).map((runs) => runs.map((r) => r.text).join('').replace(/\s+$/, '')).join('\n').replace(/\n+$/, '');
}

/**
 * Value formatting for variables, hovers, the REPL and logpoints: hex / decimal, signed, characters,
 * and memory dumps.
 */

export interface FormatOptions {
  /** DAP ValueFormat.hex: show hexadecimal first. Default true for registers and memory. */
  hex?: boolean;
}

function mask(size: number): bigint {
  return size <= 0 ? -1n : (1n << BigInt(size * 8)) - 1n;
}

/** `0x` + hex digits padded to the width (size bytes; 0 = no padding, negative numbers as `-0x..`). */
export function hex(v: bigint | number, size = 0): string {
  let b = typeof v === 'number' ? BigInt(Math.trunc(v)) : v;
  if (size > 0) b &= mask(size);
  if (b < 0n) return `-0x${(-b).toString(16)}`;
  const s = b.toString(16);
  return `0x${size > 0 ? s.padStart(size * 2, '0') : s}`;
}

/** The printable character for a byte, or undefined. */
export function charOf(byte: number): string | undefined {
  if (byte >= 0x20 && byte < 0x7f) return String.fromCharCode(byte);
  return undefined;
}

function charSuffix(v: bigint, size: number): string {
  if (size !== 1 && !(size === 0 && v >= 0x20n && v < 0x7fn)) return '';
  const c = charOf(Number(v & 0xffn));
  if (c === undefined) return '';
  return ` '${c === "'" ? "\\'" : c === '\\' ? '\\\\' : c}'`;
}

/**
 * A value of `size` bytes (0 = a plain number):
 *   hex:     `0x0000002a (42)`, `0xffffffff (-1)`, byte `0x41 (65 'A')`
 *   decimal: `42 (0x0000002a)`, `-1 (0xffffffff)`
 * The decimal part is signed when the top bit is set and differs from unsigned.
 */
export function formatValue(v: bigint, size: number, opts: FormatOptions = {}): string {
  const useHex = opts.hex ?? true;
  if (size > 0) {
    const u = v & mask(size);
    const s = BigInt.asIntN(size * 8, u);
    const dec = s < 0n ? `${s}` : `${u}`;
    const ch = charSuffix(u, size);
    if (useHex) return `${hex(u, size)} (${dec}${ch})`;
    return `${dec}${ch} (${hex(u, size)})`;
  }
  const ch = charSuffix(v, 0);
  if (useHex) return v < 0n ? `${hex(v & mask(4), 4)} (${v})` : `${hex(v)} (${v}${ch})`;
  return v < 0n ? `${v} (${hex(v & mask(4), 4)})` : `${v}${ch} (${hex(v)})`;
}

/** Short form for compact displays: hex with padding, or signed decimal. */
export function formatShort(v: bigint | number, size: number, opts: FormatOptions = {}): string {
  const b = typeof v === 'number' ? BigInt(Math.trunc(v)) : v;
  if (opts.hex ?? true) return hex(b, size);
  if (size > 0) return `${BigInt.asIntN(size * 8, b & mask(size))}`;
  return `${b}`;
}

/** A C-ish quoted string of bytes up to the first NUL (at most `max` characters). */
export function quoteBytes(bytes: ArrayLike<number>, max = 64): string {
  let s = '"';
  let i = 0;
  for (; i < bytes.length && i < max; i++) {
    const b = bytes[i];
    if (b === 0) break;
    if (b === 0x0a) s += '\\n';
    else if (b === 0x0d) s += '\\r';
    else if (b === 0x09) s += '\\t';
    else if (b === 0x22) s += '\\"';
    else if (b === 0x5c) s += '\\\\';
    else if (b >= 0x20 && b < 0x7f) s += String.fromCharCode(b);
    else s += `\\x${b.toString(16).padStart(2, '0')}`;
  }
  s += '"';
  if (i === max && i < bytes.length && bytes[i] !== 0) s += '...';
  return s;
}

/**
 * A memory dump like `db`/`dw`/`dd` (16 bytes a line): address, units, and for bytes the ASCII column.
 * `read` returns -1 for unreadable bytes, shown as `??`.
 */
export function dumpMemory(address: number, length: number, unit: 1 | 2 | 4, read: (linear: number) => number): string {
  const lines: string[] = [];
  const perLine = 16;
  for (let off = 0; off < length; off += perLine) {
    const base = (address + off) >>> 0;
    const n = Math.min(perLine, length - off);
    const cells: string[] = [];
    let ascii = '';
    for (let i = 0; i < n; i += unit) {
      let v = 0;
      let ok = true;
      for (let k = unit - 1; k >= 0; k--) {
        const b = read((base + i + k) >>> 0);
        if (b < 0) ok = false;
        v = v * 256 + (b < 0 ? 0 : b);
      }
      cells.push(ok ? v.toString(16).padStart(unit * 2, '0') : '?'.repeat(unit * 2));
      if (unit === 1) {
        const b = read((base + i) >>> 0);
        ascii += b < 0 ? '?' : charOf(b) ?? '.';
      }
    }
    let line = `${base.toString(16).padStart(8, '0')}  `;
    if (unit === 1) {
      const left = cells.slice(0, 8).join(' ');
      const right = cells.slice(8).join(' ');
      line += (right ? `${left}-${right}` : left).padEnd(47) + `  ${ascii}`;
    } else {
      line += cells.join(' ');
    }
    lines.push(line);
  }
  return lines.join('\n');
}

/** DAP memoryReference for a linear address. */
export function memoryReference(linear: number): string {
  return `0x${(linear >>> 0).toString(16)}`;
}

/** Parses a memoryReference back (`0x7c00`, decimal). Undefined when malformed. */
export function parseMemoryReference(ref: unknown): number | undefined {
  if (typeof ref !== 'string') return undefined;
  const s = ref.trim();
  if (!/^(0x[0-9a-f]+|[0-9]+)$/i.test(s)) return undefined;
  const v = Number(s);
  if (!Number.isSafeInteger(v) || v < 0 || v > 0xffffffff) return undefined;
  return v;
}

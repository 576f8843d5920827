/**
 * Symbol and line lookup, both ways: name → address, address → nearest symbol + offset,
 * file:line → addresses (moving to the next line that has code), address → file:line.
 */
import * as path from 'node:path';
import type { LineRange, ProgramSymbol } from '../loader/api';

export class SymbolTable {
  private readonly byName = new Map<string, ProgramSymbol>();
  private readonly byLower = new Map<string, ProgramSymbol>();
  /** Code/data labels sorted by address (equ constants excluded). */
  private readonly sorted: ProgramSymbol[];

  constructor(readonly all: ReadonlyArray<ProgramSymbol>) {
    for (const s of all) {
      if (!this.byName.has(s.name)) this.byName.set(s.name, s);
      const l = s.name.toLowerCase();
      if (!this.byLower.has(l)) this.byLower.set(l, s);
    }
    this.sorted = all.filter((s) => s.kind !== 'equ').slice().sort((a, b) => a.address - b.address || rank(a) - rank(b));
  }

  /** Exact name first, then case-insensitive. */
  get(name: string): ProgramSymbol | undefined {
    return this.byName.get(name) ?? this.byLower.get(name.toLowerCase());
  }

  /** The symbol at or before `address` (within its size when known, else within 64 KiB), with the offset. */
  lookup(address: number): { symbol: ProgramSymbol; offset: number } | undefined {
    const a = this.sorted;
    const found = lastAtOrBefore(a, address);
    if (found < 0) return undefined;
    // Prefer the first of several symbols at the same address (functions over locals).
    let i = found;
    while (i > 0 && a[i - 1].address === a[found].address) i--;
    const s = a[i];
    const offset = address - s.address;
    if (s.size > 0 && offset >= s.size && s.kind !== 'code') return undefined;
    if (offset > 0x10000) return undefined;
    return { symbol: s, offset };
  }

  /** `name` or `name+0x12`, or undefined. */
  describe(address: number): string | undefined {
    const r = this.lookup(address);
    if (!r) return undefined;
    return r.offset === 0 ? r.symbol.name : `${r.symbol.name}+0x${r.offset.toString(16)}`;
  }

  /** The symbol exactly at `address`. */
  at(address: number): ProgramSymbol | undefined {
    const r = this.lookup(address);
    return r && r.offset === 0 ? r.symbol : undefined;
  }

  /** Functions/code labels (for frames): the nearest code symbol at or before `address`. */
  functionAt(address: number): { symbol: ProgramSymbol; offset: number } | undefined {
    const a = this.sorted;
    let best: ProgramSymbol | undefined;
    for (const s of a) {
      if (s.address > address) break;
      if (s.kind === 'function' || (s.kind === 'code' && !s.name.includes('.'))) best = s;
    }
    if (!best || address - best.address > 0x100000) return undefined;
    if (best.kind === 'function' && best.size > 0 && address - best.address >= best.size) return undefined;
    return { symbol: best, offset: address - best.address };
  }

  names(): string[] {
    return [...this.byName.keys()];
  }
}

function rank(s: ProgramSymbol): number {
  return s.kind === 'function' ? 0 : s.kind === 'code' ? (s.name.includes('.') ? 2 : 1) : 3;
}

function norm(file: string): string {
  const p = path.resolve(file);
  return process.platform === 'win32' ? p.toLowerCase() : p;
}

export class LineTable {
  private readonly byAddress: LineRange[];
  private readonly byFile = new Map<string, LineRange[]>();

  constructor(readonly ranges: ReadonlyArray<LineRange>) {
    this.byAddress = ranges.filter((r) => r.length > 0).slice().sort((a, b) => a.address - b.address);
    for (const r of ranges) {
      const k = norm(r.file);
      let l = this.byFile.get(k);
      if (!l) this.byFile.set(k, (l = []));
      l.push(r);
    }
    for (const l of this.byFile.values()) l.sort((a, b) => a.line - b.line || a.address - b.address);
  }

  get files(): string[] {
    return [...new Set(this.ranges.map((r) => r.file))];
  }

  hasFile(file: string): boolean {
    return this.byFile.has(norm(file));
  }

  /** The range containing `address`. */
  at(address: number): LineRange | undefined {
    const a = this.byAddress;
    const found = lastAtOrBefore(a, address);
    // Several ranges may start at the same address (DWARF); take the last one that contains it.
    for (let i = found; i >= 0 && i > found - 8; i--) {
      const r = a[i];
      if (address >= r.address && address < r.address + r.length) return r;
    }
    return undefined;
  }

  /** True when `address` is the first byte of a line range. */
  isLineStart(address: number): boolean {
    const r = this.at(address);
    return r !== undefined && r.address === address;
  }

  /**
   * Addresses for a breakpoint on `file:line`: the line's ranges, or those of the next line with code
   * (within 100 lines). `line` is what it moved to.
   */
  resolve(file: string, line: number): { line: number; addresses: number[] } | undefined {
    const l = this.byFile.get(norm(file));
    if (!l) return undefined;
    let best = -1;
    for (const r of l) {
      if (r.line >= line && r.length > 0) { best = r.line; break; }
    }
    if (best < 0 || best - line > 100) return undefined;
    const addrs = [...new Set(l.filter((r) => r.line === best && r.length > 0).map((r) => r.address))].sort((a, b) => a - b);
    // Contiguous ranges of one line: only the first address of each run.
    const starts = addrs.filter((a) => !l.some((r) => r.line === best && r.address < a && r.address + r.length === a));
    return { line: best, addresses: starts };
  }

  /** Lines of a file that have code (for breakpointLocations / goto targets). */
  linesOf(file: string): number[] {
    const l = this.byFile.get(norm(file));
    return l ? [...new Set(l.filter((r) => r.length > 0).map((r) => r.line))] : [];
  }
}

/** Index of the last entry of `a` (sorted by address) whose address is at or before `address`, or -1. */
function lastAtOrBefore(a: ReadonlyArray<{ address: number }>, address: number): number {
  let lo = 0;
  let hi = a.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid].address <= address) { found = mid; lo = mid + 1; } else hi = mid - 1;
  }
  return found;
}

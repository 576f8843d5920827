/**
 * Symbols and source lines of an ELF32 executable, in the loader contract's shapes (ProgramSymbol,
 * LineRange): `.symtab` plus the DWARF functions and line tables of src/loader/dwarf.ts.
 */
import * as path from 'node:path';
import type { LineRange, ProgramSymbol } from './api';
import { readDwarf, type DwarfInfo } from './dwarf';
import {
  type ElfFile, SHF_EXECINSTR, SHN_ABS, SHN_COMMON, SHN_UNDEF, SHT_NOBITS, STT_FILE, STT_FUNC, STT_NOTYPE,
  STT_OBJECT, STT_SECTION,
} from './elf';

export interface ElfDebugInfo {
  symbols: ProgramSymbol[];
  lines: LineRange[];
  sources: string[];
  warnings: string[];
  dwarf: DwarfInfo;
}

/**
 * `bias` is the static-PIE load bias (0 for ET_EXEC). Relative source paths are resolved against
 * `baseDir` (the program's folder).
 */
export function elfDebugInfo(elf: ElfFile, bias: number, baseDir: string): ElfDebugInfo {
  const dwarf = readDwarf(elf, bias);
  const abs = (f: string): string => (path.isAbsolute(f) ? f : path.resolve(baseDir, f));

  const lines: LineRange[] = [];
  const rows = dwarf.lines;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (r.endSequence) continue;
    const next = rows[i + 1];
    const length = next && next.address >= r.address ? next.address - r.address : 0;
    if (length === 0 && !r.isStmt) continue;
    lines.push({ file: abs(r.file), line: r.line, address: r.address, length });
  }
  const sources = [...new Set(lines.map((l) => l.file))].sort();

  const stmtAt = new Map<number, LineRange>();
  for (const l of lines) if (!stmtAt.has(l.address)) stmtAt.set(l.address, l);

  const symbols: ProgramSymbol[] = [];
  const seen = new Set<string>();
  const byKey = new Map<string, ProgramSymbol>();
  for (const s of elf.symbols) {
    if (!s.name || s.type === STT_SECTION || s.type === STT_FILE) continue;
    if (s.shndx === SHN_UNDEF || s.shndx === SHN_COMMON) continue;
    if (s.type !== STT_NOTYPE && s.type !== STT_OBJECT && s.type !== STT_FUNC) continue;
    let kind: ProgramSymbol['kind'];
    let address = s.value;
    if (s.shndx === SHN_ABS) kind = 'equ';
    else {
      const sec = elf.sections[s.shndx];
      address = (s.value + bias) >>> 0;
      if (s.type === STT_FUNC) kind = 'function';
      else if (s.type === STT_OBJECT) kind = 'object';
      else if (sec && sec.flags & SHF_EXECINSTR) kind = 'code';
      else if (sec && sec.type === SHT_NOBITS) kind = 'bss';
      else kind = 'data';
    }
    const sym: ProgramSymbol = { name: s.name, address, size: s.size, kind, elementSize: 0 };
    if (kind === 'code' || kind === 'function') {
      const l = stmtAt.get(address);
      if (l) {
        sym.file = l.file;
        sym.line = l.line;
      }
    }
    seen.add(`${s.name}@${address}`);
    byKey.set(`${s.name}@${address}`, sym);
    symbols.push(sym);
  }
  for (const f of dwarf.functions) {
    const key = `${f.name}@${f.low}`;
    const file = f.file !== undefined ? abs(f.file) : undefined;
    if (seen.has(key)) {
      const sym = byKey.get(key);
      if (sym && file !== undefined && f.line !== undefined) {
        sym.file = file;
        sym.line = f.line;
      }
      continue;
    }
    seen.add(key);
    const sym: ProgramSymbol = { name: f.name, address: f.low, size: f.high - f.low, kind: 'function', elementSize: 0 };
    if (file !== undefined) sym.file = file;
    if (f.line !== undefined) sym.line = f.line;
    symbols.push(sym);
  }
  symbols.sort((a, b) => a.address - b.address || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { symbols, lines, sources, warnings: dwarf.warnings, dwarf };
}

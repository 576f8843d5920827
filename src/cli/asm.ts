/**
 * `x86vm asm <file.asm> [-f bin|elf32] [-o out] [-l listing] [-I dir] [-D name=value]` (SPEC §8).
 * Diagnostics go to stderr as `file:line:col: error: message`; exit status 1 on any error.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { assemble } from '../asm/assembler';
import { OutputFormat } from '../asm/api';
import { UserError } from './errors';

const USAGE = 'usage: x86vm asm <file.asm> [-f bin|elf32] [-o out] [-l listing] [-I dir] [-D name[=value]]';

export async function asmCommand(args: string[]): Promise<number> {
  let file: string | null = null;
  let format: OutputFormat = 'bin';
  let out: string | null = null;
  let listing: string | null = null;
  const includeDirs: string[] = [];
  const defines: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const next = (): string => {
      const v = args[++i];
      if (v === undefined) throw new UserError(`x86vm asm: error: option ${a} needs a value\n${USAGE}`, 2);
      return v;
    };
    if (a === '-f') {
      const f = next();
      if (f !== 'bin' && f !== 'elf32' && f !== 'elf') throw new UserError(`x86vm asm: error: unknown output format '${f}' (bin or elf32)`, 2);
      format = f === 'elf' ? 'elf32' : f;
    } else if (a === '-o') out = next();
    else if (a === '-l') listing = next();
    else if (a === '-I' || a === '-i') includeDirs.push(next());
    else if (a.startsWith('-I') || a.startsWith('-i')) includeDirs.push(a.slice(2));
    else if (a === '-D' || a === '-d') {
      const d = next();
      const eq = d.indexOf('=');
      defines[eq < 0 ? d : d.slice(0, eq)] = eq < 0 ? '' : d.slice(eq + 1);
    } else if (a.startsWith('-D')) {
      const d = a.slice(2);
      const eq = d.indexOf('=');
      defines[eq < 0 ? d : d.slice(0, eq)] = eq < 0 ? '' : d.slice(eq + 1);
    } else if (a === '-h' || a === '--help') {
      process.stdout.write(USAGE + '\n');
      return 0;
    } else if (a.startsWith('-') && a !== '-') throw new UserError(`x86vm asm: error: unknown option '${a}'\n${USAGE}`, 2);
    else if (file === null) file = a;
    else throw new UserError(`x86vm asm: error: more than one input file\n${USAGE}`, 2);
  }
  if (!file) throw new UserError(`x86vm asm: error: no input file\n${USAGE}`, 2);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new UserError(`x86vm asm: error: unable to open input file '${file}'`, 1);
  }
  const r = assemble(text, { file, format, includeDirs, defines, listing: listing !== null });
  for (const d of r.diagnostics) process.stderr.write(`${d.file}:${d.line}:${d.column}: ${d.severity}: ${d.message}\n`);
  if (!r.ok) return 1;
  const outPath = out ?? (format === 'bin' ? file.replace(/\.[^./\\]*$/, '') : file.replace(/\.[^./\\]*$/, '') + '.o');
  const finalOut = outPath === file ? file + (format === 'bin' ? '.bin' : '.o') : outPath;
  try {
    fs.writeFileSync(finalOut, r.output);
    if (listing !== null && r.listing !== undefined) fs.writeFileSync(listing, r.listing);
  } catch (e) {
    throw new UserError(`x86vm asm: error: cannot write output: ${e instanceof Error ? e.message : String(e)}`, 1);
  }
  void path;
  return 0;
}

/**
 * `loadProgram(path, opts)`: turns a file into a ready machine (SPEC §3 platforms).
 *
 * Formats, in the order they are recognised: `--rom` images; `.asm`/`.nasm`/`.s` sources (platform
 * from the source: `org 0x7c00`/`bits 16` → pc, `org 100h` → dos, `global _start` → linux32, or
 * the `platform` option); Multiboot kernels (header in the first 8 KiB); ELF32 executables
 * (linux32); `.com` (dos); boot sectors (512 bytes ending 0x55AA) and flat `.img`/`.bin` images (pc).
 * Every user error is a LoadError with one line.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AsmDiagnostic, AsmResult } from '../asm/api';
import { Machine } from '../vm/machine';
import type { PlatformName } from '../vm/machineApi';
import { PlatformError, checkRomSize, findMultibootHeader, setupBootImage, setupMultiboot, setupRom } from '../vm/platform/pc';
import { setupDos } from '../vm/platform/dos';
import { createCpu } from '../vm/cpuFactory';
import { assembleSource } from './asmStage';
import { loadElfProgram, setLinuxCpuFactory } from './elfProgram';
import { linkObject } from './link';
import { LoadError, type LoadOptions, type LoadedProgram, type ProgramKind, type ProgramSymbol } from './api';

export { LoadError } from './api';
export type { LoadOptions, LoadedProgram } from './api';

const DEFAULT_MEMORY = 64 << 20;

setLinuxCpuFactory(createCpu);

/** An ELF loader for linux32 (default: elfProgram.ts's loadElfProgram). */
export type ElfProgramLoader = (file: string, bytes: Uint8Array, opts: LoadOptions) => LoadedProgram;
let elfLoader: ElfProgramLoader = loadElfProgram;
export function registerElfLoader(f: ElfProgramLoader): void {
  elfLoader = f;
}

function readInput(file: string): Uint8Array {
  try {
    const st = fs.statSync(file);
    if (st.isDirectory()) throw new LoadError(`${file}: is a directory`);
    return new Uint8Array(fs.readFileSync(file));
  } catch (e) {
    if (e instanceof LoadError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new LoadError(`${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : 'cannot read the file'}`);
  }
}

function machineFor(platform: PlatformName, opts: LoadOptions, needed = 0): Machine {
  const memory = opts.memory ?? DEFAULT_MEMORY;
  if (memory < 0x100000 || memory % 4096 !== 0 || memory > 0xc0000000) {
    throw new LoadError(`memory size ${memory} must be a multiple of 4 KiB between 1 MiB and 3 GiB`);
  }
  if (needed > memory) throw new LoadError(`the image (${needed} bytes) is larger than guest RAM (${memory} bytes)`);
  return new Machine({ platform, memory, realTime: opts.realTime });
}

function result(machine: Machine, platform: PlatformName, kind: ProgramKind, entry: number, extra: Partial<LoadedProgram> = {}): LoadedProgram {
  return { machine, platform, kind, entry, symbols: [], lines: [], sources: [], diagnostics: [], ...extra };
}

function isBootSector(b: Uint8Array): boolean {
  return b.length === 512 && b[510] === 0x55 && b[511] === 0xaa;
}

function loadImage(file: string, bytes: Uint8Array, kind: ProgramKind, opts: LoadOptions): LoadedProgram {
  const platform = opts.platform ?? 'pc';
  if (platform === 'linux32') throw new LoadError(`${file}: a ${kind === 'com' ? '.COM program' : 'boot/flat image'} cannot run on the linux32 platform`);
  const m = machineFor(platform, opts, bytes.length);
  try {
    if (platform === 'dos' || kind === 'com') {
      setupDos(m, bytes, { cwd: opts.cwd ?? path.dirname(path.resolve(file)), args: opts.args, programName: path.basename(file) });
      return result(m, 'dos', 'com', 0x10100);
    }
    setupBootImage(m, bytes);
    return result(m, 'pc', kind, 0x7c00);
  } catch (e) {
    if (e instanceof PlatformError) throw new LoadError(`${file}: ${e.message}`);
    throw e;
  }
}

function platformOfSource(r: AsmResult, source: string, opts: LoadOptions): PlatformName {
  if (opts.platform) return opts.platform;
  if (r.org === 0x7c00) return 'pc';
  if (r.org === 0x100) return 'dos';
  if (r.hasGlobalStart || /^\s*section\s+\.text/im.test(source)) return 'linux32';
  if (r.bits === 16) return 'pc';
  return 'pc';
}

function loadAsm(file: string, opts: LoadOptions): LoadedProgram {
  let source: string;
  if (opts.source !== undefined) source = opts.source;
  else {
    const bytes = readInput(file);
    if (bytes.length === 0) throw new LoadError(`${file}: empty file`);
    source = Buffer.from(bytes).toString('utf8');
  }
  const linux = opts.platform === 'linux32' ||
    (!opts.platform && /^\s*global\s+_start\b/im.test(source) && !/^\s*\[?\s*org\b/im.test(source));
  if (linux) return loadAsmLinux(file, source, opts);
  const r = assembleSource(source, { file, format: 'bin' });
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  if (!r.ok || errors.length) {
    const d = errors[0] ?? r.diagnostics[0];
    throw new LoadError(d ? `${d.file}:${d.line}:${d.column}: error: ${d.message}` : `${file}: assembly failed`, r.diagnostics);
  }
  if (r.output.length === 0) throw new LoadError(`${file}: the source produced no code`);
  const platform = platformOfSource(r, source, opts);
  const kind: ProgramKind = 'asm';
  const loaded = platform === 'dos' ? loadImage(file, r.output, 'com', { ...opts, platform: 'dos' }) : loadImage(file, r.output, 'flat', { ...opts, platform: 'pc' });
  const symbols: ProgramSymbol[] = r.symbols.map((s) => ({
    name: s.name,
    address: s.value,
    size: s.size,
    kind: s.kind,
    elementSize: s.elementSize,
    file: s.file,
    line: s.line,
  }));
  const base = platform === 'dos' ? 0x10000 : 0;
  for (const s of symbols) if (s.kind !== 'equ') s.address += base;
  return {
    ...loaded,
    kind,
    symbols,
    lines: r.lineMap.map((l) => ({ file: l.file, line: l.line, address: l.address + base, length: l.length })),
    sources: r.files,
    diagnostics: r.diagnostics as AsmDiagnostic[],
  };
}

function asmFailure(file: string, r: AsmResult): LoadError {
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  const d = errors[0] ?? r.diagnostics[0];
  return new LoadError(d ? `${d.file}:${d.line}:${d.column}: error: ${d.message}` : `${file}: assembly failed`, r.diagnostics);
}

/** linux32 from source: assemble to an ELF32 object, link it in memory, load it as a process. */
function loadAsmLinux(file: string, source: string, opts: LoadOptions): LoadedProgram {
  const r = assembleSource(source, { file, format: 'elf32' });
  if (!r.ok || r.diagnostics.some((d) => d.severity === 'error')) throw asmFailure(file, r);
  const linked = linkObject(r.output, path.basename(file));
  const loaded = loadElfProgram(file, linked.exe, { ...opts, platform: 'linux32' });
  const at = (section: string, value: number) => (linked.sectionAddress.get(section) ?? 0) + value;
  return {
    ...loaded,
    kind: 'asm',
    entry: linked.entry,
    symbols: r.symbols.map((s) => ({
      name: s.name,
      address: s.kind === 'equ' ? s.value : at(s.section, s.value),
      size: s.size,
      kind: s.kind,
      elementSize: s.elementSize,
      file: s.file,
      line: s.line,
    })),
    lines: r.lineMap.filter((l) => linked.sectionAddress.has(l.section)).map((l) => ({ file: l.file, line: l.line, address: at(l.section, l.address), length: l.length })),
    sources: r.files,
    diagnostics: r.diagnostics,
  };
}

export function loadProgram(file: string, opts: LoadOptions = {}): LoadedProgram {
  if (opts.rom) {
    const rom = readInput(opts.rom);
    const bad = checkRomSize(rom.length);
    if (bad) throw new LoadError(`${opts.rom}: ${bad}`);
    const m = machineFor('pc', opts);
    setupRom(m, rom);
    return result(m, 'pc', 'rom', 0xfffffff0);
  }
  const ext = path.extname(file).toLowerCase();
  if (ext === '.asm' || ext === '.nasm' || ext === '.s') return loadAsm(file, opts);
  const bytes = readInput(file);
  if (bytes.length === 0) throw new LoadError(`${file}: empty file`);
  const isElf = bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
  if (findMultibootHeader(bytes) && opts.platform !== 'linux32') {
    const m = machineFor('pc', opts);
    try {
      const { entry } = setupMultiboot(m, bytes, [file, ...(opts.args ?? [])].join(' '));
      return result(m, 'pc', 'multiboot', entry);
    } catch (e) {
      if (e instanceof PlatformError) throw new LoadError(`${file}: ${e.message}`);
      throw e;
    }
  }
  if (isElf) return elfLoader(file, bytes, opts);
  if (ext === '.com') return loadImage(file, bytes, 'com', opts);
  if (opts.platform === 'dos') return loadImage(file, bytes, 'com', opts);
  if (isBootSector(bytes)) return loadImage(file, bytes, 'boot', opts);
  if (ext === '.img' || ext === '.bin' || opts.platform === 'pc') return loadImage(file, bytes, 'flat', opts);
  throw new LoadError(`${file}: unknown program format (expected .asm source, boot sector, .img/.bin flat image, .com, ELF32 or Multiboot kernel)`);
}

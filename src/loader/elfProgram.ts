/**
 * `loadElfProgram`: an ELF32 executable → a ready linux32 machine (LinuxMachine) plus its symbols and
 * source lines. Called by `loadProgram` (src/loader/index.ts) for ELF files.
 */
import * as path from 'node:path';
import type { CpuFactory } from '../vm/platform/linux32';
import { LinuxMachine } from '../vm/platform/linux32';
import { type LoadedProgram, LoadError, type LoadOptions } from './api';
import { parseElf } from './elf';
import { elfDebugInfo } from './elfDebug';
import { planElfImage } from './elfImage';

let defaultCpuFactory: CpuFactory | null = null;

/** The CPU the linux32 machines are built with (set once by whoever links the CPU in). */
export function setLinuxCpuFactory(f: CpuFactory): void {
  defaultCpuFactory = f;
}

export interface ElfLoadExtras {
  /** Make fds 0–2 a terminal (ioctl TCGETS succeeds). */
  tty?: boolean;
  /** Deterministic getrandom/AT_RANDOM seed. */
  randomSeed?: number;
  createCpu?: CpuFactory;
  /** argv[0] (default: the path as given). */
  argv0?: string;
}

export function loadElfProgram(file: string, bytes: Uint8Array, opts: LoadOptions, extras: ElfLoadExtras = {}): LoadedProgram {
  const name = path.basename(file);
  const elf = parseElf(bytes, name);
  if (opts.platform && opts.platform !== 'linux32') {
    throw new LoadError(`${name}: an ELF program runs on the linux32 platform, not ${opts.platform}`);
  }
  const image = planElfImage(elf, name);
  const dbg = elfDebugInfo(elf, image.bias, path.dirname(path.resolve(file)));
  const createCpu = extras.createCpu ?? defaultCpuFactory;
  if (!createCpu) throw new LoadError(`${name}: no CPU is linked into this build`);
  const memory = opts.memory ?? 64 << 20;
  let machine: LinuxMachine;
  try {
    machine = new LinuxMachine(image, {
      memory, argv0: extras.argv0 ?? file, args: opts.args ?? [], env: opts.env ?? {},
      cwd: opts.cwd ?? path.dirname(path.resolve(file)), exePath: path.resolve(file), tty: extras.tty,
      randomSeed: extras.randomSeed, realTime: opts.realTime,
    }, createCpu);
  } catch (e) {
    if (e instanceof RangeError) throw new LoadError(`${name}: ${e.message}`);
    throw e;
  }
  return {
    machine, platform: 'linux32', kind: 'elf', entry: image.entry, symbols: dbg.symbols, lines: dbg.lines,
    sources: dbg.sources,
    diagnostics: dbg.warnings.map((message) => ({ file, line: 1, column: 1, severity: 'warning' as const, message })),
  };
}

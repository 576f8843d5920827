/**
 * Launch-configuration logic behind the DebugConfigurationProvider, pure (no vscode import):
 * F5 without a launch.json, filling defaults, and platform detection after variable substitution.
 */
import { detect, isDebuggableName, type Platform } from './detect';

export interface LaunchConfig {
  type: string;
  request: string;
  name: string;
  program?: string;
  platform?: Platform;
  stopOnEntry?: boolean;
  args?: string[];
  cwd?: string;
  memory?: string | number;
  console?: 'internalConsole' | 'integratedTerminal';
  realTime?: boolean;
  disassemblyFlavor?: 'nasm' | 'intel' | 'masm' | 'gas';
  useExternalAdapter?: boolean;
  /** Set by the provider: why this platform was chosen (for the Debug Console). */
  platformReason?: string;
  [key: string]: unknown;
}

export interface ActiveFile {
  path: string;
  languageId: string;
}

export type Resolved = { ok: true; config: LaunchConfig } | { ok: false; message: string };

const PLATFORMS: readonly string[] = ['pc', 'linux32', 'dos'];

function baseName(p: string): string {
  return p.slice(Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\')) + 1);
}

/** Is this editor a file F5 may debug without a launch.json? */
export function canDebugFile(file: ActiveFile | undefined): file is ActiveFile {
  return !!file && (file.languageId === 'x86asm' || isDebuggableName(file.path));
}

/** The configuration for F5 on `file` (what resolveDebugConfiguration returns for an empty config). */
export function configForFile(file: ActiveFile, stopOnEntry = false): LaunchConfig {
  return {
    type: 'x86vm',
    request: 'launch',
    name: `x86 VM: ${baseName(file.path)}`,
    program: file.path,
    stopOnEntry,
    console: 'integratedTerminal',
  };
}

/**
 * Step 1 (resolveDebugConfiguration, before variables are substituted): an empty configuration
 * (F5 with no launch.json) becomes one for the active file; missing fields get defaults.
 */
export function resolveConfig(config: Partial<LaunchConfig>, active: ActiveFile | undefined): Resolved {
  const empty = !config.type && !config.request && !config.name;
  if (empty) {
    if (!canDebugFile(active)) {
      return { ok: false, message: 'x86 VM: open a NASM source (.asm), an ELF32 program, a .COM file or a disk image, then press F5.' };
    }
    return { ok: true, config: configForFile(active) };
  }
  const out: LaunchConfig = { ...config, type: config.type ?? 'x86vm', request: config.request ?? 'launch', name: config.name ?? 'x86 VM' };
  if (out.request !== 'launch') return { ok: false, message: `x86 VM: request "${out.request}" is not supported; use "launch".` };
  if (!out.program) {
    if (!canDebugFile(active)) return { ok: false, message: 'x86 VM: the configuration has no "program" and the active editor is not a program to debug.' };
    out.program = active.path;
  }
  if (out.platform !== undefined && !PLATFORMS.includes(out.platform)) {
    return { ok: false, message: `x86 VM: unknown platform "${String(out.platform)}"; use pc, linux32 or dos.` };
  }
  out.console ??= 'integratedTerminal';
  out.stopOnEntry ??= false;
  return { ok: true, config: out };
}

export interface FileAccess {
  exists(path: string): boolean;
  /** Source text for sources, the first 8 KiB for binaries. */
  readText(path: string): string;
  readHead(path: string, bytes: number): Uint8Array;
}

/**
 * Step 2 (resolveDebugConfigurationWithSubstitutedVariables): the program must exist; the
 * platform is detected from it when the configuration does not name one (SPEC §3).
 */
export function finishConfig(config: LaunchConfig, files: FileAccess): Resolved {
  const program = config.program;
  if (!program) return { ok: false, message: 'x86 VM: "program" is missing.' };
  if (/\$\{/.test(program)) return { ok: false, message: `x86 VM: "program" still has an unresolved variable: ${program}` };
  if (!files.exists(program)) return { ok: false, message: `x86 VM: program not found: ${program}` };
  if (config.platform) return { ok: true, config };
  const isSource = /\.(asm|nasm|inc|s)$/i.test(program);
  const d = detect(program, isSource ? { text: files.readText(program) } : { head: files.readHead(program, 8192) });
  if (!d.ok) return { ok: false, message: `x86 VM: ${d.message}` };
  return { ok: true, config: { ...config, platform: d.value.platform, platformReason: d.value.reason } };
}

/** Dynamic configurations (the "x86 VM" entry of Run and Debug's drop-down): one per candidate file. */
export function dynamicConfigs(files: string[], workspaceRoot: string | undefined, active: ActiveFile | undefined): LaunchConfig[] {
  const out: LaunchConfig[] = [];
  const seen = new Set<string>();
  const add = (p: string): void => {
    if (seen.has(p)) return;
    seen.add(p);
    const rel = workspaceRoot && p.startsWith(workspaceRoot + '/') ? p.slice(workspaceRoot.length + 1) : baseName(p);
    out.push({ ...configForFile({ path: p, languageId: '' }), name: `x86 VM: ${rel}`, program: workspaceRoot && rel !== baseName(p) ? '${workspaceFolder}/' + rel : p });
  };
  if (canDebugFile(active)) add(active.path);
  for (const f of files) if (isDebuggableName(f)) add(f);
  return out;
}

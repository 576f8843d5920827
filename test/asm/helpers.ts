/** Test helpers: run nasm (the oracle) and our assembler on the same source. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { assemble } from '../../src/asm/assembler';
import { AsmResult, OutputFormat } from '../../src/asm/api';

export const fixturesDir = path.resolve(__dirname, '../../../test/fixtures/asm');
export const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'x86vm-asm-'));

export function nasmAvailable(): boolean {
  return spawnSync('nasm', ['-v']).status === 0;
}

/** Assembles `file` with nasm; returns the output bytes or the error text. */
export function nasm(file: string, format: OutputFormat = 'bin', extra: string[] = []): { ok: boolean; bytes: Buffer; stderr: string } {
  const out = path.join(tmpDir, path.basename(file) + '.' + format + '.nasm');
  const r = spawnSync('nasm', ['-f', format, '-o', out, ...extra, file], { encoding: 'utf8' });
  if (r.status !== 0) return { ok: false, bytes: Buffer.alloc(0), stderr: r.stderr };
  return { ok: true, bytes: fs.readFileSync(out), stderr: r.stderr };
}

export function ours(file: string, format: OutputFormat = 'bin', extra: Partial<Parameters<typeof assemble>[1]> = {}): AsmResult {
  return assemble(fs.readFileSync(file, 'utf8'), { file, format, ...extra });
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

export function firstDiff(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

// remove the scratch directory after the whole run (root-level hook)
after(() => {
  fs.rmSync(tmpDir, { recursive: true, force: true });
});

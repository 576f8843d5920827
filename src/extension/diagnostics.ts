/**
 * Assembler messages for the Problems panel, pure. They arrive as the `x86vm/diagnostics` event
 * or, from an adapter that does not send it, inside a failed launch response's message as
 * `file:line:column: error: message` lines (SPEC §8's format), which are parsed here.
 */
import type { DiagnosticInfo } from '../adapter/protocol';

const LINE = /^(.+?):(\d+):(\d+): (error|warning): (.*)$/;

export function parseDiagnostics(text: string): DiagnosticInfo[] {
  const out: DiagnosticInfo[] = [];
  const seen = new Set<string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim().replace(/^x86 VM: /, '');
    const m = LINE.exec(line);
    if (m && !seen.has(line) && seen.add(line)) out.push({ file: m[1], line: Number(m[2]), column: Number(m[3]), severity: m[4] as 'error' | 'warning', message: m[5] });
  }
  return out;
}

/** 0-based range start for VS Code from 1-based line/column (clamped). */
export function position(d: DiagnosticInfo): { line: number; character: number } {
  return { line: Math.max(0, d.line - 1), character: Math.max(0, d.column - 1) };
}

/**
 * `x86vm bench [--compare] [--check] [--json]` (SPEC §8, §9): runs every bench module, prints one
 * table, writes bench/results.json (keeping the previous figures for "ratio to previous"), and with
 * `--check` fails (exit 1) when a figure falls more than 10 % behind the committed bench/results.json.
 */
import { benchVm } from '../../bench/vm';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BenchFunction, BenchOptions, BenchRow } from '../../bench/types';
import { benchDbgf } from '../../bench/dbgf';
import { benchAsm } from '../../bench/asm';
import { benchAdapter } from '../../bench/adapter';
import { UserError } from './errors';
import { linkVm } from './link';

/** Every bench module, in table order. */
export const SUITES: Array<{ suite: string; run: BenchFunction }> = [
  { suite: 'vm', run: benchVm },
  { suite: 'dbgf', run: benchDbgf },
  { suite: 'asm', run: benchAsm },
  { suite: 'adapter', run: benchAdapter },
];

export interface BenchResults {
  version: 1;
  date: string;
  host: string;
  node: string;
  rows: BenchRow[];
  /** The figures of the run before this one (for "ratio to previous"). */
  previous?: { date: string; rows: BenchRow[] };
}

/** Units where a smaller value is better; everything else (MIPS, ops/s, x, …) is higher-is-better. */
const LOWER_IS_BETTER = new Set(['ms', 's', 'us', 'µs', 'ns', '%']);

/** How far `now` is behind `then` (0.15 = 15 % worse; negative = better). */
export function shortfall(row: BenchRow, then: BenchRow): number {
  if (row.unit === '%') {
    // An overhead: compare the slow-down factors (1 + overhead), so 0.3 % → 0.5 % is not "67 % worse".
    return (1 + row.value / 100) / (1 + then.value / 100) - 1;
  }
  if (LOWER_IS_BETTER.has(row.unit)) return then.value > 0 ? row.value / then.value - 1 : 0;
  return row.value > 0 ? then.value / row.value - 1 : then.value > 0 ? Infinity : 0;
}

const key = (r: BenchRow) => `${r.suite}\u0000${r.name}`;

function fmt(n: number | undefined, unit = ''): string {
  if (n === undefined || !Number.isFinite(n)) return '';
  const abs = Math.abs(n);
  const s = abs >= 1000 ? n.toFixed(0) : abs >= 100 ? n.toFixed(1) : abs >= 1 ? n.toFixed(2) : n.toFixed(3);
  return unit ? `${s} ${unit}` : s;
}

export function formatTable(rows: BenchRow[], previous: Map<string, BenchRow>): string {
  const head = ['suite', 'name', 'value', 'peer', 'ratio', 'vs previous', 'note'];
  const body = rows.map((r) => {
    const p = previous.get(key(r));
    const vsPrev = p ? `${shortfall(r, p) > 0 ? '-' : '+'}${(Math.abs(shortfall(r, p)) * 100).toFixed(1)} %` : '';
    return [r.suite, r.name, fmt(r.value, r.unit), fmt(r.peer, r.peer !== undefined ? r.unit : ''), fmt(r.ratio), vsPrev, r.note ?? ''];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (c: string[]) => c.map((s, i) => (i >= 2 && i <= 5 ? s.padStart(widths[i]) : i === c.length - 1 ? s : s.padEnd(widths[i]))).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

function readResults(text: string | null): BenchResults | null {
  if (!text) return null;
  try {
    const r = JSON.parse(text) as BenchResults;
    return Array.isArray(r.rows) ? r : null;
  } catch {
    return null;
  }
}

/** bench/results.json as committed in git (HEAD), or null outside a repository / not committed. */
function committedResults(file: string): BenchResults | null {
  try {
    const dir = path.dirname(file);
    const rel = path.relative(execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(), file);
    return readResults(execFileSync('git', ['show', `HEAD:${rel.split(path.sep).join('/')}`], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
  } catch {
    return null;
  }
}

/** Rows more than `tolerance` behind the baseline, as one line each. */
export function checkRows(rows: BenchRow[], baseline: BenchRow[], tolerance = 0.1): string[] {
  const base = new Map(baseline.map((r) => [key(r), r]));
  const out: string[] = [];
  for (const r of rows) {
    const b = base.get(key(r));
    if (!b || b.unit !== r.unit) continue;
    const s = shortfall(r, b);
    if (s > tolerance) out.push(`${r.suite} / ${r.name}: ${fmt(r.value, r.unit)} is ${(s * 100).toFixed(1)} % behind the committed ${fmt(b.value, b.unit)}`);
  }
  return out;
}

export async function benchCommand(args: string[], suites = SUITES): Promise<number> {
  linkVm();
  const options: BenchOptions = { compare: false };
  let check = false;
  let json = false;
  let out = path.resolve('bench', 'results.json');
  const only: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--compare') options.compare = true;
    else if (a === '--check') check = true;
    else if (a === '--json') json = true;
    else if (a === '--out' && i + 1 < args.length) out = path.resolve(args[++i]);
    else if (a === '--only' && i + 1 < args.length) only.push(...args[++i].split(','));
    else throw new UserError(`x86vm bench: error: unknown option '${a}' (usage: x86vm bench [--compare] [--check] [--json] [--only SUITE,…] [--out FILE])`, 2);
  }
  const rows: BenchRow[] = [];
  const failures: string[] = [];
  for (const s of suites) {
    if (only.length > 0 && !only.includes(s.suite)) continue;
    if (!json) process.stderr.write(`bench: ${s.suite}…\n`);
    try {
      rows.push(...(await s.run(options)));
    } catch (e) {
      failures.push(`${s.suite}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const onDisk = readResults(fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : null);
  const committed = committedResults(out) ?? onDisk;
  const previous = new Map((onDisk?.rows ?? []).map((r) => [key(r), r]));
  // With --only, the other suites keep their figures from the file.
  const ran = new Set(suites.filter((s) => only.length === 0 || only.includes(s.suite)).map((s) => s.suite));
  const kept = (onDisk?.rows ?? []).filter((r) => !ran.has(r.suite));
  const results: BenchResults = {
    version: 1,
    date: new Date().toISOString(),
    host: `${os.cpus()[0]?.model ?? 'unknown cpu'} × ${os.cpus().length}`,
    node: process.version,
    rows: [...kept, ...rows],
  };
  if (onDisk) results.previous = { date: onDisk.date, rows: onDisk.rows };
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
  if (json) process.stdout.write(JSON.stringify(results, null, 2) + '\n');
  else process.stdout.write(formatTable(rows, previous) + '\n');
  for (const f of failures) process.stderr.write(`bench: error: ${f}\n`);
  if (check) {
    const behind = checkRows(rows, committed?.rows ?? []);
    for (const b of behind) process.stderr.write(`bench: check failed: ${b}\n`);
    if (behind.length > 0 || failures.length > 0) return 1;
    if (!json) process.stderr.write(`bench: check passed (${committed ? 'against the committed figures' : 'no committed figures yet'})\n`);
  }
  return failures.length > 0 ? 1 : 0;
}

// What the bench tools in scripts/ share: the linux bench programs (bench/programs/linux/*.c), how
// they are built, and a setup step that fails in one line. bench/linux.ts builds them the same way
// (a TypeScript module of the bundle: it cannot import this file).
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

/** A tool's failure: "TOOL: message" on stderr, exit status 2. */
export function failer(tool) {
  return (msg) => { console.error(`${tool}: ${msg}`); process.exit(2); };
}

/**
 * A setup step's command for `fail` (see failer): its stdout on success; on failure one line — what
 * failed and the command's last words (stderr, then stdout: tsc reports there) — and exit 2.
 */
export function stepper(fail) {
  return (what, cmd, argv, opts) => {
    try { return execFileSync(cmd, argv, { stdio: 'pipe', encoding: 'utf8', ...opts }); } catch (e) {
      const said = `${e.stderr ?? ''}${e.stdout ?? ''}`.trim().split('\n').slice(-3).join(' / ') || e.message;
      return fail(`${what} failed${said ? `: ${said}` : ''}`);
    }
  };
}

/** The programs named (all of them when none), each checked to exist; `dir` holds their sources. */
export function linuxPrograms(root, names, fail) {
  const dir = path.join(root, 'bench', 'programs', 'linux');
  const all = readdirSync(dir).filter((f) => f.endsWith('.c')).map((f) => f.slice(0, -2)).sort();
  const programs = names.length > 0 ? names : all;
  for (const n of programs) if (!all.includes(n)) fail(`no program ${n} (have ${all.join(', ')})`);
  return { dir, programs };
}

/** Builds program `name` of `dir` into `exe` as bench/linux.ts does (gcc -m32 -static -O2). */
export function buildLinuxProgram(step, dir, name, exe) {
  step(`gcc ${name}.c`, 'gcc', ['-m32', '-static', '-O2', path.join(dir, `${name}.c`), '-o', exe]);
}

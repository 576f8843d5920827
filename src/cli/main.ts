/**
 * `x86vm` — command-line entry point (SPEC §8). Each sub-command lives in its own module; this file
 * only dispatches and turns user errors into one line on stderr (never a stack trace).
 */
import { UserError } from './errors';

type Command = (args: string[]) => Promise<number>;

const commands: Record<string, { summary: string; load: () => Command }> = {
  asm: { summary: 'assemble a NASM-syntax source to bin or elf32', load: () => require('./asm').asmCommand as Command },
  run: { summary: 'run a program (boot sector, .COM, ELF, .asm, ROM) to completion', load: () => require('./run').runCommand as Command },
  dap: { summary: 'Debug Adapter Protocol on stdin/stdout', load: () => (require('./dap') as typeof import('./dap')).dap },
  bench: { summary: 'the performance suite [--compare] [--check] [--json]', load: () => (require('./bench') as typeof import('./bench')).benchCommand },
};

function usage(): string {
  const lines = ['usage: x86vm <command> [options]', '', 'commands:'];
  for (const [name, c] of Object.entries(commands)) lines.push(`  ${name.padEnd(8)} ${c.summary}`);
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '-h' || name === '--help' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name ? 0 : 2;
  }
  const cmd = commands[name];
  if (!cmd) {
    process.stderr.write(`x86vm: error: unknown command '${name}'\n${usage()}\n`);
    return 2;
  }
  try {
    return await cmd.load()(rest);
  } catch (e) {
    if (e instanceof UserError) {
      process.stderr.write(`${e.message}\n`);
      return e.exitCode;
    }
    const msg = e instanceof Error ? e.message : String(e);
    process.stderr.write(`x86vm: internal error: ${msg}\n`);
    return 70;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}

/**
 * The linux32 corpus against qemu-i386 (the oracle): every C program of test/fixtures/linux/c is built
 * here with `gcc -m32 -static -O2 -g`, every NASM program of test/fixtures/linux/asm with
 * `nasm -f elf32` + `ld -m elf_i386`; each runs under qemu-i386 and under our VM (each in its own
 * empty working directory) and the stdout bytes and the exit status (or fatal signal) must be equal;
 * for the signal programs also the signals delivered and their si_code (qemu-i386 -strace).
 */
import { strict as assert } from 'node:assert';
import { execFile, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { loadElfProgram } from '../../src/loader/elfProgram';
import { type LinuxMachine, signalName } from '../../src/vm/platform/linux32';
import { HAVE_X87 } from '../diff/runner';
import { createCpu } from '../diff/vm';

const execFileP = promisify(execFile);
const root = path.resolve(__dirname, '../../../test/fixtures/linux');
const cDir = path.join(root, 'c');
const asmDir = path.join(root, 'asm');

/** Arguments per program (argv[1..]); the rest run without. */
const ARGS: Record<string, string[]> = { argv: ['5', 'two words', '', 'last'], segv: [], divzero: [] };
/** Programs whose output depends on the x87 unit (printf %f, libm). */
const NEEDS_X87 = new Set(['printf_float', 'math', 'matrix', 'strings']);

interface Outcome {
  stdout: string;
  status: string;
  /** Signals delivered, in order ("SIGUSR1/-6"; the last one that killed the process without a code). */
  signals?: string[];
}

const SI_CODES: Record<string, number> = { SI_USER: 0, SI_KERNEL: 128, SI_TKILL: -6, SI_QUEUE: -1 };

/** The signals qemu-i386 delivered to the guest, from its -strace log ("--- SIGUSR1 {si_signo=…, si_code=SI_TKILL"). */
function qemuSignals(exe: string, args: string[], cwd: string): string[] {
  const r = spawnSync('qemu-i386', ['-strace', exe, ...args], { cwd, env: {}, input: '', maxBuffer: 1 << 26 });
  const out: string[] = [];
  for (const m of r.stderr.toString('latin1').matchAll(/^--- (SIG\w+) \{si_signo=\w+, si_code=(-?\w+)/gm)) {
    out.push(`${m[1] === 'SIGIOT' ? 'SIGABRT' : m[1]}/${SI_CODES[m[2]] ?? Number(m[2])}`);
  }
  if (r.signal && out.length) out[out.length - 1] = out[out.length - 1].replace(/\/.*/, '');
  return out;
}

function qemu(exe: string, args: string[], cwd: string): Outcome {
  const r = spawnSync('qemu-i386', [exe, ...args], { cwd, env: {}, input: '', maxBuffer: 1 << 26 });
  return { stdout: r.stdout.toString('latin1'), status: r.signal ? `signal ${os.constants.signals[r.signal]}` : `exit ${r.status}` };
}

function vm(exe: string, args: string[], cwd: string): Outcome & { message: string } {
  const p = loadElfProgram(exe, new Uint8Array(fs.readFileSync(exe)), { cwd, args }, { createCpu });
  const m = p.machine as LinuxMachine;
  const out: Buffer[] = [];
  const signals: string[] = [];
  m.onSignal = (sig, code) => signals.push(`${signalName(sig)}/${code}`);
  m.onConsoleBytes = (b, s) => {
    if (s === 'stdout') out.push(Buffer.from(b));
  };
  m.endInput();
  for (let i = 0; i < 2000 && m.exitStatus === null; i++) {
    const r = m.run(5_000_000);
    if (r !== 0 && m.exitStatus === null) break;
  }
  const status = m.termSignal ? `signal ${m.termSignal}` : m.exitStatus === null ? `did not finish (eip 0x${m.cpu.eip.toString(16)})` : `exit ${m.exitStatus}`;
  if (m.termSignal) signals.push(signalName(m.termSignal));
  return { stdout: Buffer.concat(out).toString('latin1'), status, message: m.stopMessage, signals };
}

describe('linux32 corpus: our VM against qemu-i386', function () {
  this.timeout(120000);
  let tmp = '';
  const built = new Map<string, string>();

  before(async function () {
    this.timeout(120000);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'x86vm-corpus-'));
    const jobs: Array<() => Promise<void>> = [];
    for (const f of fs.readdirSync(cDir).filter((x) => x.endsWith('.c'))) {
      const name = path.basename(f, '.c');
      const exe = path.join(tmp, name);
      jobs.push(async () => {
        await execFileP('gcc', ['-m32', '-static', '-O2', '-g', path.join(cDir, f), '-o', exe, '-lm']);
        built.set(name, exe);
      });
    }
    for (const f of fs.readdirSync(asmDir).filter((x) => x.endsWith('.asm'))) {
      const name = 'asm-' + path.basename(f, '.asm');
      const exe = path.join(tmp, name);
      jobs.push(async () => {
        await execFileP('nasm', ['-f', 'elf32', '-g', '-F', 'dwarf', path.join(asmDir, f), '-o', exe + '.o']);
        await execFileP('ld', ['-m', 'elf_i386', exe + '.o', '-o', exe]);
        built.set(name, exe);
      });
    }
    // Two compilers at a time (the machine has two cores).
    const queue = jobs.slice();
    await Promise.all([0, 1].map(async () => {
      for (let j = queue.shift(); j; j = queue.shift()) await j();
    }));
  });

  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('has at least 15 C programs and some NASM programs', () => {
    assert.ok([...built.keys()].filter((k) => !k.startsWith('asm-')).length >= 15);
    assert.ok([...built.keys()].filter((k) => k.startsWith('asm-')).length >= 3);
  });

  const names = [
    ...fs.readdirSync(cDir).filter((x) => x.endsWith('.c')).map((x) => path.basename(x, '.c')),
    ...fs.readdirSync(asmDir).filter((x) => x.endsWith('.asm')).map((x) => 'asm-' + path.basename(x, '.asm')),
  ].sort();
  it('asm-signals without SA_RESTORER (our VM; the kernel trampolines) behaves as the SA_RESTORER build under qemu-i386', async () => {
    // qemu-i386 7.2 cannot run this build itself: its rt_sigreturn trampoline address is 8 bytes off.
    const exe = path.join(tmp, 'asm-signals-norestorer');
    await execFileP('nasm', ['-f', 'elf32', '-DNO_RESTORER', path.join(asmDir, 'signals.asm'), '-o', exe + '.o']);
    await execFileP('ld', ['-m', 'elf_i386', exe + '.o', '-o', exe]);
    const ref = built.get('asm-signals');
    assert.ok(ref, 'asm-signals built');
    const want = qemu(ref, [], fs.mkdtempSync(path.join(tmp, 'q-')));
    const got = vm(exe, [], fs.mkdtempSync(path.join(tmp, 'v-')));
    assert.equal(got.stdout, want.stdout, got.message);
    assert.equal(got.status, want.status, got.message);
    assert.deepEqual(got.signals, ['SIGUSR1/0', 'SIGUSR2/-6', 'SIGTRAP']);
  });

  it('x87_sigfpe: unmasked x87 exceptions give SIGFPE with Linux si_codes (oracle: SDM #MF + Linux fpu__exception_code)', async function () {
    if (!HAVE_X87) this.skip();
    const exe = path.join(tmp, 'x87_sigfpe');
    await execFileP('gcc', ['-m32', '-static', '-O2', '-g', path.join(root, 'sdm', 'x87_sigfpe.c'), '-o', exe, '-lm']);
    const got = vm(exe, [], fs.mkdtempSync(path.join(tmp, 'v-')));
    assert.equal(got.stdout, 'divbyzero: signal 8 code 3\noverflow: signal 8 code 4\ninvalid: signal 8 code 7\ninexact: signal 8 code 6\n', got.message);
    assert.equal(got.status, 'exit 0', got.message);
  });

  for (const name of names) {
    it(`${name}: same output and exit status`, function () {
      if (NEEDS_X87.has(name) && !HAVE_X87) this.skip();
      const exe = built.get(name);
      assert.ok(exe, `${name} built`);
      const args = ARGS[name] ?? (name === 'asm-memory' ? ['a', 'b'] : []);
      const dq = fs.mkdtempSync(path.join(tmp, 'q-'));
      const dv = fs.mkdtempSync(path.join(tmp, 'v-'));
      const want = qemu(exe, args, dq);
      const got = vm(exe, args, dv);
      assert.equal(got.stdout, want.stdout, `${name}: stdout (${got.message})`);
      assert.equal(got.status, want.status, `${name}: status (${got.message})`);
      assert.deepEqual(fs.readdirSync(dv).sort(), fs.readdirSync(dq).sort(), `${name}: files left in the working directory`);
      if (/^(sig_|asm-signals|segv|divzero|abort)/.test(name)) {
        // The signals delivered (to handlers, or fatally) and their si_code: qemu-i386 -strace.
        const want = qemuSignals(exe, args, dq);
        assert.ok(want.length > 0, `${name}: qemu-i386 -strace reported no signal`);
        assert.deepEqual(got.signals, want, `${name}: signals delivered`);
      }
    });
  }
});

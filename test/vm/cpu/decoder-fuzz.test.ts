/**
 * Decoder fuzz against iced-x86 (oracle): random byte streams decoded in 16- and 32-bit mode.
 * Wherever iced decodes a valid instruction whose CPUID features are within i686 + x87, our
 * table-driven `decodeLength` must give the same length; wherever iced says invalid, or names a
 * later feature (MMX, SSE, SYSCALL, …), ours must say #UD (-1).
 */
import * as assert from 'assert';
import { decodeLength } from '../../../src/vm/cpu/optable';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const iced = require('iced-x86') as typeof import('iced-x86');

const ALLOWED = new Set<string>(['INTEL8086', 'INTEL186', 'INTEL286', 'INTEL386', 'INTEL486', 'CPUID', 'CMOV', 'CX8', 'FPU',
  'FPU287', 'FPU387', 'MSR', 'MULTIBYTENOP', 'RDPMC', 'SEP', 'TSC',
  // F3 90 is REP NOP on CPUs before SSE2 (the PAUSE hint is architecturally a NOP there).
  'PAUSE']);

/**
 * Later encodings that an i686 executes as an older instruction (the REP prefix is ignored / the
 * opcode is a hint NOP), which real programs rely on (glibc's TZCNT, gcc -fcf-protection's ENDBR32):
 * ours decodes them with iced's length although iced names a later CPUID feature.
 */
const I686_COMPATIBLE = /^(Tzcnt|Lzcnt|Endbr|Rdsspd)/;

const N = Number(process.env.FUZZ_N ?? 1_000_000);

function fuzz(bits: 16 | 32, seed: number, n: number): { checked: number; mismatches: string[] } {
  let x = seed >>> 0;
  const rnd = (): number => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
  const allowedByCode = new Map<number, boolean>();
  const instr = new iced.Instruction();
  const mismatches: string[] = [];
  let checked = 0;
  const CHUNK = 1 << 20;
  while (checked < n) {
    const buf = new Uint8Array(CHUNK + 16);
    for (let i = 0; i < buf.length; i += 4) { const r = rnd(); buf[i] = r; buf[i + 1] = r >>> 8; buf[i + 2] = r >>> 16; buf[i + 3] = r >>> 24; }
    // Bias towards the 0F map and the x87 escapes, where most of the rules are.
    for (let i = 0; i < CHUNK; i += 7) { const r = rnd() & 15; if (r === 0) buf[i] = 0x0f; else if (r === 1) buf[i] = 0xd8 + (rnd() & 7); }
    const dec = new iced.Decoder(bits, buf, iced.DecoderOptions.None);
    while (dec.position < CHUNK && checked < n) {
      const p = dec.position;
      dec.decodeOut(instr);
      let ok: boolean;
      if (instr.isInvalid) ok = false;
      else {
        const code = instr.code as number;
        let a = allowedByCode.get(code);
        if (a === undefined) {
          a = Array.from(instr.cpuidFeatures()).every((f) => ALLOWED.has(iced.CpuidFeature[f]));
          allowedByCode.set(code, a);
        }
        ok = a || I686_COMPATIBLE.test(iced.Code[instr.code]);
      }
      const want = ok ? instr.length : -1;
      const got = decodeLength(buf, p, bits === 32);
      if (got !== want && mismatches.length < 40) {
        const hex = Array.from(buf.subarray(p, p + Math.max(instr.length, 4))).map((b) => b.toString(16).padStart(2, '0')).join(' ');
        mismatches.push(`${bits}: ${hex}: ours ${got}, iced ${want} (${iced.Code[instr.code]}${ok ? '' : instr.isInvalid ? ' invalid' : ' feature ' + Array.from(instr.cpuidFeatures()).map((f) => iced.CpuidFeature[f]).join('+')})`);
      }
      checked++;
    }
    dec.free();
  }
  instr.free();
  return { checked, mismatches };
}

describe('decoder lengths and #UD vs iced-x86 (oracle)', function () {
  this.timeout(120000);
  for (const bits of [16, 32] as const) {
    it(`${N} random sequences in ${bits}-bit mode`, function () {
      const r = fuzz(bits, 0x9e3779b9 ^ bits ^ (Number(process.env.FUZZ_SEED ?? 0) * 7919), N);
      console.log(`      ${bits}-bit: ${r.checked} sequences compared`);
      assert.deepStrictEqual(r.mismatches, []);
    });
  }
});

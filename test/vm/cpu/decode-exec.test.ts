/**
 * The executing decoder and the decode-only entry point read the same table: on random byte
 * sequences, the CPU raises #UD exactly where `decodeLength` says -1 (itself checked against
 * iced-x86 in decoder-fuzz.test.ts), in 16- and 32-bit protected mode (deliberate #UD
 * instructions UD0/UD1/UD2 excepted).
 */
import * as assert from 'assert';
import { Cpu } from '../../../src/vm/cpu/cpu';
import { decodeLength } from '../../../src/vm/cpu/optable';
import { StopReason } from '../../../src/vm/hooks';
import { IoBus } from '../../../src/vm/iobus';
import { Memory } from '../../../src/vm/memory';

const N = Number(process.env.DECODE_EXEC_N ?? 30_000);

describe('CPU #UD agrees with decodeLength', function () {
  this.timeout(60000);
  for (const bits of [16, 32] as const) {
    it(`${N} random sequences, ${bits}-bit code`, function () {
      const mem = new Memory(4 << 20);
      const cpu = new Cpu(mem, new IoBus());
      let first = -1, soft = false;
      cpu.hooks = {
        onExec: () => false, onLinearAccess: () => {}, onPhysicalAccess: () => {}, onPort: () => {}, onHyperDr: () => false,
        onException: (v, _c, s) => { if (first < 0) { first = v; soft = s; } return true; },
      };
      let x = 0x12345678 ^ bits;
      const rnd = (): number => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
      const at = 0x100000;
      const bad: string[] = [];
      for (let i = 0; i < N && bad.length < 20; i++) {
        for (let k = 0; k < 16; k++) mem.ram[at + k] = rnd() & 0xff;
        if ((rnd() & 3) === 0) mem.ram[at] = 0x0f;
        const len = decodeLength(mem.ram, at, bits === 32);
        cpu.reset();
        cpu.enterProtectedFlat(0);
        if (bits === 16) cpu.setSegmentCache(1, 0x08, at, 0xffff, 0x009b);
        for (let r = 0; r < 8; r++) cpu.regs[r] = 0x1000 + r * 0x100;
        cpu.eip = bits === 16 ? 0 : at;
        first = -1;
        const r = cpu.run(1);
        const ud = first === 6 && !soft;
        const op = mem.ram[at] === 0x0f ? 0x100 | mem.ram[at + 1] : mem.ram[at];
        // UD2 (0F 0B), UD1 (0F B9) and UD0 (0F FF) decode fine and then raise #UD on purpose.
        let p = at;
        while ([0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3].includes(mem.ram[p]) && p < at + 15) p++;
        const deliberate = len >= 0 && mem.ram[p] === 0x0f && [0x0b, 0xb9, 0xff].includes(mem.ram[p + 1]);
        void op;
        if ((len < 0) !== ud && !deliberate) {
          const hex = Array.from(mem.ram.subarray(at, at + 8)).map((b) => b.toString(16).padStart(2, '0')).join(' ');
          bad.push(`${hex}: decodeLength ${len}, cpu ${r === StopReason.Debug ? `exception ${first}` : 'ran'}`);
        }
      }
      assert.deepStrictEqual(bad, []);
    });
  }
});

/**
 * Wild guest code (SPEC §10): random bytes executed in real mode, 16/32-bit protected mode and with
 * paging on never make the CPU throw anything but a guest exception, never hang inside run(), and
 * always return a StopReason. Oracle: the CpuApi contract (run() returns within its budget).
 */
import * as assert from 'assert';
import { Cpu } from '../../../src/vm/cpu/cpu';
import { StopReason } from '../../../src/vm/hooks';
import { IoBus } from '../../../src/vm/iobus';
import { Memory } from '../../../src/vm/memory';

describe('CPU on random code', function () {
  this.timeout(60000);
  it('returns a StopReason for 100 random programs in four modes', function () {
    const mem = new Memory(1 << 20);
    const words = new Uint32Array(mem.ram.buffer, mem.ram.byteOffset, mem.ram.length >>> 2);
    const cpu = new Cpu(mem, new IoBus());
    let x = 0xdecafbad;
    const rnd = (): number => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
    const seen = new Map<number, number>();
    for (let run = 0; run < 100; run++) {
      for (let i = 0; i < words.length; i++) words[i] = rnd();
      cpu.reset();
      const mode = run % 4;
      if (mode === 0) { cpu.loadSegment(1, rnd() & 0xffff); cpu.eip = rnd() & 0xffff; }
      else {
        cpu.enterProtectedFlat(mode === 3 ? 3 : 0);
        if (mode === 2) cpu.setSegmentCache(1, 0x08, rnd() & 0xfffff, 0xffff, 0x009b);
        if (mode === 3) { cpu.cr[3] = rnd() & 0xff000; cpu.cr[0] |= 0x80000000; cpu.flushTlb(); }
        cpu.eip = rnd() & (mode === 2 ? 0xffff : 0xfffff);
        cpu.idtr = { base: rnd() & 0xfffff, limit: rnd() & 0x7ff };
        cpu.gdtr = { base: rnd() & 0xfffff, limit: rnd() & 0xffff };
      }
      for (let r = 0; r < 8; r++) cpu.regs[r] = rnd() | 0;
      let reason: StopReason = StopReason.Budget;
      for (let k = 0; k < 5 && reason === StopReason.Budget; k++) reason = cpu.run(1000);
      seen.set(reason, (seen.get(reason) ?? 0) + 1);
      assert.ok(reason >= StopReason.Budget && reason <= StopReason.Pause);
    }
    // Random code mostly ends in a triple fault or a HLT; some of it keeps running.
    assert.ok((seen.get(StopReason.TripleFault) ?? 0) + (seen.get(StopReason.Halted) ?? 0) > 0);
  });
});

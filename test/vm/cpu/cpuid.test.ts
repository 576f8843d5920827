/**
 * CPUID advertises exactly what exists (SPEC §3: i686 + x87, no MMX/SSE), and the x87 escape
 * follows CR0.EM/TS and the presence of the unit (Intel SDM Vol. 3 §2.5, Vol. 2 CPUID).
 */
import * as assert from 'assert';
import { Cpu } from '../../../src/vm/cpu/cpu';
import { StopReason } from '../../../src/vm/hooks';
import { IoBus } from '../../../src/vm/iobus';
import { Memory } from '../../../src/vm/memory';

function cpuWith(code: number[]): { cpu: Cpu; exc: number[] } {
  const mem = new Memory(2 << 20);
  const cpu = new Cpu(mem, new IoBus());
  mem.ram.set(code, 0x100000);
  cpu.enterProtectedFlat(0);
  cpu.eip = 0x100000;
  const exc: number[] = [];
  cpu.hooks = {
    onExec: () => false, onLinearAccess: () => {}, onPhysicalAccess: () => {}, onPort: () => {}, onHyperDr: () => false,
    onException: (v) => { exc.push(v); return true; },
  };
  return { cpu, exc };
}

describe('CPUID and the x87 escape (Intel SDM)', function () {
  it('leaf 0 is GenuineIntel with max leaf 1; leaf 1 is family 6 with FPU VME DE PSE TSC MSR CX8 SEP PGE CMOV only', function () {
    const { cpu } = cpuWith([0x0f, 0xa2, 0x90]);
    cpu.regs[0] = 0;
    cpu.run(1);
    const s = [cpu.regs[3], cpu.regs[2], cpu.regs[1]].map((v) => String.fromCharCode(v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >>> 24)).join('');
    assert.strictEqual(s, 'GenuineIntel');
    assert.strictEqual(cpu.regs[0], 1);
    cpu.eip = 0x100000; cpu.regs[0] = 1;
    cpu.run(1);
    assert.strictEqual((cpu.regs[0] >> 8) & 0xf, 6);
    const edx = cpu.regs[2];
    const names = ['FPU', 'VME', 'DE', 'PSE', 'TSC', 'MSR', 'PAE', 'MCE', 'CX8', 'APIC', '', 'SEP', 'MTRR', 'PGE', 'MCA', 'CMOV',
      'PAT', 'PSE36', 'PSN', 'CLFSH', '', 'DS', 'ACPI', 'MMX', 'FXSR', 'SSE', 'SSE2', 'SS', 'HTT', 'TM', '', 'PBE'];
    const have = names.filter((n, i) => n && (edx >>> i) & 1);
    assert.deepStrictEqual(have, ['FPU', 'VME', 'DE', 'PSE', 'TSC', 'MSR', 'CX8', 'SEP', 'PGE', 'CMOV']);
    assert.strictEqual(cpu.regs[1], 0, 'no ECX features (SSE3 …)');
  });

  it('without an x87 unit CPUID.FPU is 0 and ESC raises #UD; CR0.EM or CR0.TS raise #NM', function () {
    const { cpu, exc } = cpuWith([0xd9, 0xe8]); // fld1
    cpu.fpu = null;
    assert.strictEqual(cpu.run(1), StopReason.Debug);
    assert.deepStrictEqual(exc, [6]);
    const b = cpuWith([0xd9, 0xe8]);
    b.cpu.cr[0] |= 4; // EM
    b.cpu.run(1);
    assert.deepStrictEqual(b.exc, [7]);
    const c = cpuWith([0x9b, 0xd9, 0xe8]); // wait with TS+MP -> #NM
    c.cpu.cr[0] |= 0xa;
    c.cpu.run(1);
    assert.deepStrictEqual(c.exc, [7]);
    const d = cpuWith([0x0f, 0xa2]);
    d.cpu.fpu = null;
    d.cpu.regs[0] = 1;
    d.cpu.run(1);
    assert.strictEqual(d.cpu.regs[2] & 1, 0);
  });

  it('CR4 accepts the bits of advertised features (VME PVI TSD DE PSE PGE PCE) and #GPs on PAE/MCE, which CPUID does not advertise', function () {
    for (const [bit, gp] of [[0x1, false], [0x2, false], [0x4, false], [0x8, false], [0x10, false], [0x20, true], [0x40, true], [0x80, false], [0x100, false], [0x200, true]] as const) {
      const { cpu, exc } = cpuWith([0x0f, 0x22, 0xe0]); // mov cr4, eax
      cpu.regs[0] = bit;
      cpu.run(1);
      assert.deepStrictEqual(exc, gp ? [13] : [], `CR4 bit ${bit.toString(16)}`);
      assert.strictEqual(cpu.cr[4], gp ? 0 : bit);
    }
  });

  it('RDTSC counts retired instructions', function () {
    const { cpu } = cpuWith([0x90, 0x90, 0x90, 0x0f, 0x31]);
    cpu.run(4);
    assert.strictEqual(cpu.regs[0], 3);
    assert.strictEqual(cpu.regs[2], 0);
  });
});

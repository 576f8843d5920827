/**
 * CPU micro-benchmark: guest MIPS on simple loops (run: node out/bench/cpu.js).
 * Real mode and 32-bit flat protected mode; no devices. Measured in process CPU time.
 */
import { Cpu } from '../src/vm/cpu/cpu';
import { IoBus } from '../src/vm/iobus';
import { Memory } from '../src/vm/memory';

interface Case { name: string; code: number[]; pm: boolean }

const CASES: Case[] = [
  // loop: add eax, ecx ; xor ebx, eax ; dec ecx ; jnz loop  (ECX = large)
  { name: 'pm32 alu loop', pm: true, code: [0x01, 0xc8, 0x31, 0xc3, 0x49, 0x75, 0xf9] },
  // loop: mov [esi], eax ; add eax, [esi+4] ; add esi, 4 ; and esi, 0xffff ; dec ecx ; jnz
  { name: 'pm32 memory loop', pm: true, code: [0x89, 0x06, 0x03, 0x46, 0x04, 0x83, 0xc6, 0x04, 0x81, 0xe6, 0xff, 0xff, 0x00, 0x00, 0x49, 0x75, 0xed] },
  // loop: push eax ; pop ebx ; call f ; dec ecx ; jnz loop ; f: ret
  { name: 'pm32 call/stack loop', pm: true, code: [0x50, 0x5b, 0xe8, 0x04, 0x00, 0x00, 0x00, 0x49, 0x75, 0xf6, 0xf4, 0xc3] },
  // real mode: add ax, cx ; xor bx, ax ; dec cx ; jnz
  { name: 'real16 alu loop', pm: false, code: [0x01, 0xc8, 0x31, 0xc3, 0x49, 0x75, 0xf9] },
];

function bench(c: Case, n: number): number {
  const mem = new Memory(16 << 20);
  const cpu = new Cpu(mem, new IoBus());
  const at = c.pm ? 0x100000 : 0x7c00;
  mem.ram.set(c.code, at);
  if (c.pm) { cpu.enterProtectedFlat(0); cpu.regs[6] = 0x200000; cpu.regs[4] = 0x300000; }
  else { cpu.loadSegment(1, 0); for (const s of [0, 2, 3]) cpu.loadSegment(s, 0); cpu.regs[4] = 0x7000; }
  cpu.eip = at;
  cpu.regs[1] = 0x7fffffff;
  // CPU time of this process (the machine may be shared): user + system.
  const c0 = process.cpuUsage();
  let done = 0;
  while (done < n) { cpu.run(1_000_000); done += 1_000_000; if (c.pm === false) cpu.regs[1] |= 0x7fff; }
  const cu = process.cpuUsage(c0);
  const dt = (cu.user + cu.system) / 1e6;
  return done / dt / 1e6;
}

const N = Number(process.argv[2] ?? 30_000_000);
for (const c of CASES) {
  bench(c, 2_000_000);
  console.log(`${c.name.padEnd(24)} ${bench(c, N).toFixed(1)} MIPS`);
}

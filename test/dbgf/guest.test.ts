// Guest programs (test/fixtures/dbgf/*.asm, assembled by nasm -f bin: the oracle for the code bytes
// and label addresses) run on the real CPU (src/vm/cpu) and on the PC machine, hitting each kind of
// breakpoint. Expected values come from the programs' own semantics (x86 SDM: OUT, REP STOSD, MOV).
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BreakpointManager } from '../../src/dbgf/manager';
import { armBreakCommands, jsonHitReporter } from '../../src/dbgf/commands';
import type { BreakpointHit } from '../../src/dbgf/types';
import type { CpuApi } from '../../src/vm/cpuApi';
import { Reg, Seg } from '../../src/vm/cpuApi';
import { Cpu } from '../../src/vm/cpu/cpu';
import { StopReason } from '../../src/vm/hooks';
import { IoBus } from '../../src/vm/iobus';
import { Machine } from '../../src/vm/machine';
import { Memory } from '../../src/vm/memory';

const FIXTURES = path.resolve(__dirname, '../../../test/fixtures/dbgf');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dbgf-guest-'));

const createCpu = (mem: Memory, io: IoBus): CpuApi => new Cpu(mem, io);
/** Guest RAM as a DataView (RAM does not start at its buffer's start: the TLB sits in front of it). */
const ramView = (mem: Memory): DataView => new DataView(mem.ram.buffer, mem.ram.byteOffset, mem.ram.byteLength);

interface Program {
  bin: Buffer;
  sym: Record<string, number>;
}

/** nasm -f bin with a symbol map (the oracle for the bytes and the label addresses). */
function assemble(name: string): Program {
  const out = path.join(tmp, `${name}.bin`);
  const map = path.join(tmp, `${name}.map`);
  const r = spawnSync('nasm', ['-f', 'bin', '--before', `[map symbols ${map}]`, '-o', out, path.join(FIXTURES, `${name}.asm`)], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const sym: Record<string, number> = {};
  for (const m of fs.readFileSync(map, 'utf8').matchAll(/^\s+([0-9A-F]+)\s+([0-9A-F]+)\s+(\S+)$/gm)) sym[m[3]] = parseInt(m[2], 16);
  return { bin: fs.readFileSync(out), sym };
}

function realMode(cpu: CpuApi, entry: number): void {
  for (const s of [Seg.CS, Seg.DS, Seg.ES, Seg.SS]) assert.ok(cpu.loadSegment(s, 0));
  cpu.eip = entry;
  cpu.regs[Reg.ESP] = 0x7c00;
}

/** The program at 0x7C00 on a bare CPU (2 MiB RAM, empty I/O bus). */
function bare(name: string): { cpu: CpuApi; m: BreakpointManager; p: Program } {
  const p = assemble(name);
  const mem = new Memory(2 << 20);
  const cpu = createCpu(mem, new IoBus());
  mem.ram.set(p.bin, 0x7c00);
  realMode(cpu, 0x7c00);
  return { cpu, m: new BreakpointManager(cpu), p };
}

/** Runs to the end, collecting every breakpoint stop. */
function runAll(m: BreakpointManager, limit = 1_000_000): { stops: BreakpointHit[][]; reason: StopReason } {
  const stops: BreakpointHit[][] = [];
  for (let i = 0; i < 1000; i++) {
    const r = m.run(limit);
    if (r !== StopReason.Debug) return { stops, reason: r };
    stops.push(m.takeStop()!.hits);
  }
  throw new Error('too many stops');
}

after(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('dbgf on guest programs (real CPU)', function () {
  it('bo 0x3f8 w ==3: a serial write loop stops on the 3rd byte only', () => {
    const { cpu, m, p } = bare('serial');
    const lines: string[] = [];
    m.onFire(jsonHitReporter((l) => lines.push(l)));
    assert.deepEqual(armBreakCommands(m, ['bo 0x3f8 w ==3']), { ok: true, ids: [1] });
    const { stops, reason } = runAll(m);
    assert.equal(reason, StopReason.Halted);
    assert.equal(stops.length, 1);
    const h = stops[0][0];
    assert.deepEqual([h.id, h.kind, h.hits, h.access, h.port, h.size, h.value, h.eip], [1, 'port', 3, 'write', 0x3f8, 1, 'l'.charCodeAt(0), p.sym.out_insn]);
    assert.equal(m.get(1)!.hits, 5, '"Hello": five writes counted');
    assert.deepEqual(JSON.parse(lines[0]), { id: 1, kind: 'port', hits: 3, eip: p.sym.out_insn, access: 'write', port: 0x3f8, size: 1, value: 0x6c });
    assert.equal(lines.length, 1);
    void cpu;
  });

  it('port breakpoints see every port of word/dword accesses and each REP OUTSB iteration', () => {
    const { cpu, m, p } = bare('strio');
    m.setPort({ port: 0x3f8, count: 8, access: 'readWrite' });
    const { stops, reason } = runAll(m);
    assert.equal(reason, StopReason.Halted);
    const seen = stops.map((s) => [s[0].eip, s[0].access, s[0].port, s[0].size]);
    assert.deepEqual(seen, [
      [p.sym.word_out, 'write', 0x3f7, 2],
      [p.sym.dword_in, 'read', 0x3fc, 4],
      [p.sym.rep_outsb, 'write', 0x3f8, 1],
      [p.sym.rep_outsb, 'write', 0x3f8, 1],
      [p.sym.rep_outsb, 'write', 0x3f8, 1],
      [p.sym.rep_outsb, 'write', 0x3f8, 1],
    ]);
    assert.deepEqual(stops.slice(2).map((s) => s[0].value), [0x41, 0x42, 0x43, 0x44]);
    void cpu;
  });

  it('bw counter+4 w catches the rep stosd iteration that overwrites it; the rest runs on resume', () => {
    const { cpu, m, p } = bare('repstos');
    const id = m.setWatch({ address: p.sym.counter, length: 4, access: 'write' }).id!;
    assert.equal(m.run(1000), StopReason.Debug);
    const s = m.takeStop()!;
    assert.deepEqual(s.ids, [id]);
    assert.deepEqual([s.hits[0].eip, s.hits[0].address, s.hits[0].size, s.hits[0].value], [p.sym.fill, p.sym.counter, 4, 0x11223344]);
    assert.equal(cpu.eip, p.sym.fill, 'EIP still on the REP STOSD');
    assert.equal(cpu.regs[Reg.ECX] & 0xffff, 16 - 7, 'after the 7th iteration');
    assert.equal(cpu.regs[Reg.EDI] & 0xffff, p.sym.counter + 4);
    assert.equal(m.run(1000), StopReason.Halted);
    assert.equal(cpu.regs[Reg.ECX] & 0xffff, 0);
    assert.equal(cpu.regs[Reg.EAX] >>> 0, 0x11223344, 'the program read the stored counter');
    assert.equal(ramView(cpu.mem).getUint32(p.sym.tail, true), 0xcafef00d, 'stopped at the buffer end');
    assert.equal(m.get(id)!.hits, 1);
  });

  it('an INT3 breakpoint in code that reads its own bytes: the code sees the original bytes', () => {
    // Oracle: the same program without breakpoints.
    const ref = bare('selfread');
    assert.equal(ref.m.run(10_000), StopReason.Halted);
    const refSum = ramView(ref.cpu.mem).getUint16(ref.p.sym.sum, true);
    const { cpu, m, p } = bare('selfread');
    const id = m.setSoftware({ address: p.sym.target }).id!;
    assert.equal(cpu.mem.ram[p.sym.target], 0xcc, 'INT3 written into guest memory');
    assert.equal(cpu.debugRead8(p.sym.target), 0xb8, 'debugger reads see the original');
    assert.equal(m.run(10_000), StopReason.Debug);
    const s = m.takeStop()!;
    assert.deepEqual([s.ids, s.eip, s.before, cpu.eip], [[id], p.sym.target, true, p.sym.target]);
    assert.equal(cpu.mem.ram[p.sym.first], 0xb8, 'mov al,[target] read the original opcode (B8: mov ax, imm16)');
    assert.equal(ramView(cpu.mem).getUint16(p.sym.sum, true), refSum, 'checksum over its own code unchanged');
    assert.equal(m.run(10_000), StopReason.Halted, 'resuming steps over the breakpoint once');
    assert.equal(ramView(cpu.mem).getUint16(p.sym.result, true), 0x1235, 'the original instruction ran');
    assert.equal(cpu.mem.ram[p.sym.target], 0xcc, 'still armed');
    m.clear(id);
    assert.equal(cpu.mem.ram[p.sym.target], 0xb8);
  });

  it('an emulator breakpoint is invisible to the guest', () => {
    const { cpu, m, p } = bare('selfread');
    m.setEmulator({ address: p.sym.target });
    assert.equal(cpu.mem.ram[p.sym.target], 0xb8);
    assert.equal(m.run(10_000), StopReason.Debug);
    assert.equal(cpu.eip, p.sym.target);
    assert.equal(m.run(10_000), StopReason.Halted);
    assert.equal(ramView(cpu.mem).getUint16(p.sym.result, true), 0x1235);
  });

  it('hardware breakpoints: exec stops before, write traps after, on the real CPU', () => {
    const { cpu, m, p } = bare('repstos');
    const x = m.setHardware({ address: p.sym.after, type: 'exec', length: 1 }).id!;
    const w = m.setHardware({ address: p.sym.tail, type: 'readWrite', length: 4 }).id!;
    const r = m.setHardware({ address: p.sym.counter, type: 'readWrite', length: 4, trigger: 2 }).id!;
    assert.equal(m.run(1000), StopReason.Debug);
    let s = m.takeStop()!;
    assert.deepEqual([s.ids, s.before, cpu.eip], [[x], true, p.sym.after]);
    assert.equal(m.run(1000), StopReason.Debug, 'mov eax,[counter] is the 2nd access to counter');
    s = m.takeStop()!;
    assert.deepEqual([s.ids, s.before, s.hits[0].access, s.hits[0].address], [[r], false, 'read', p.sym.counter]);
    assert.equal(m.run(1000), StopReason.Halted);
    assert.equal(m.get(w)!.hits, 0);
    assert.equal(m.get(x)!.hits, 1);
  });

  it('hardware I/O breakpoint (R/W 10) and an 8-byte data breakpoint, on the real CPU', () => {
    const io = bare('strio');
    const i = io.m.setHardware({ address: 0x3f8, type: 'io', length: 2 }).id!;
    const got = runAll(io.m).stops.map((s) => [s[0].id, s[0].eip, s[0].access, s[0].port]);
    assert.deepEqual(got, [
      [i, io.p.sym.word_out, 'write', 0x3f7], // OUT DX,AX to 0x3F7 touches 0x3F8 (SDM 17.2.5: any byte of the range)
      [i, io.p.sym.rep_outsb, 'write', 0x3f8],
      [i, io.p.sym.rep_outsb, 'write', 0x3f8],
      [i, io.p.sym.rep_outsb, 'write', 0x3f8],
      [i, io.p.sym.rep_outsb, 'write', 0x3f8],
    ]);
    const rs = bare('repstos');
    const q = rs.m.setHardware({ address: rs.p.sym.counter - 4, type: 'write', length: 8 }).id!;
    assert.equal((rs.p.sym.counter - 4) % 8, 0, 'the fixture keeps it 8-aligned');
    const stops = runAll(rs.m).stops.map((s) => [s[0].id, s[0].address]);
    assert.deepEqual(stops, [
      [q, rs.p.sym.counter - 4],
      [q, rs.p.sym.counter],
    ]);
  });

  it("the guest's own DR0/DR7 keep working beside the debugger's hardware breakpoints", () => {
    // The guest arms DR0 as a write breakpoint on `counter` and installs a #DB handler in the IVT
    // (vector 1) that counts into `dbhits` and saves DR6 (SDM 17.2.3: B0 set for DR0).
    const src = `bits 16
org 0x7c00
start:  xor ax, ax
        mov ds, ax
        mov word [4], handler
        mov word [6], 0
        mov eax, counter
        mov dr0, eax
        mov eax, 0x000d0002     ; G0, R/W0 = 01 (write), LEN0 = 11 (4 bytes)
        mov dr7, eax
store:  mov dword [counter], 7
        mov eax, dr7
        mov [dr7copy], eax
        cli
        hlt
handler:
        inc word [dbhits]
        mov eax, dr6
        mov [dr6copy], eax
        iret
        align 4
counter: dd 0
dbhits: dw 0
        align 4
dr6copy: dd 0
dr7copy: dd 0
`;
    const file = path.join(tmp, 'guestdr.asm');
    fs.writeFileSync(file, src);
    const map = path.join(tmp, 'guestdr.map');
    const bin = path.join(tmp, 'guestdr.bin');
    assert.equal(spawnSync('nasm', ['-f', 'bin', '--before', `[map symbols ${map}]`, '-o', bin, file]).status, 0);
    const sym: Record<string, number> = {};
    for (const mm of fs.readFileSync(map, 'utf8').matchAll(/^\s+([0-9A-F]+)\s+([0-9A-F]+)\s+(\S+)$/gm)) sym[mm[3]] = parseInt(mm[2], 16);
    const mem = new Memory(2 << 20);
    const cpu = createCpu(mem, new IoBus());
    mem.ram.set(fs.readFileSync(bin), 0x7c00);
    realMode(cpu, 0x7c00);
    const m = new BreakpointManager(cpu);
    for (let i = 0; i < 3; i++) m.setHardware({ address: 0x100 + 4 * i, type: 'write', length: 4 }); // DR0–DR2 of the debugger
    const id = m.setHardware({ address: sym.counter, type: 'write', length: 4 }).id!; // debugger DR3
    assert.equal(m.get(id)!.slot, 3);
    assert.equal(m.run(1000), StopReason.Debug);
    const s = m.takeStop()!;
    assert.deepEqual([s.ids, s.hits[0].eip, s.hits[0].value], [[id], sym.store, 7]);
    assert.equal(m.run(1000), StopReason.Halted);
    const dv = ramView(mem);
    assert.equal(dv.getUint16(sym.dbhits, true), 1, "the guest's #DB handler ran once");
    assert.equal(dv.getUint32(sym.dr6copy, true) & 0xf, 1, 'guest DR6.B0');
    assert.equal(dv.getUint32(sym.dr7copy, true) & 0x000f00ff, 0x000d0002, 'guest DR7 as the guest wrote it');
    assert.equal(cpu.dr[0], sym.counter, 'guest DR0 unchanged');
    assert.equal(cpu.hyperDr[3], sym.counter);
  });
});

describe('dbgf on the PC machine (VGA device)', function () {
  it('bm on row 10 of VGA text memory catches the first write to row 10 only', () => {
    const p = assemble('vga');
    const machine = new Machine({ platform: 'pc', memory: 4 << 20, cpuFactory: createCpu });
    machine.mem.ram.set(p.bin, 0x7c00);
    realMode(machine.cpu, 0x7c00);
    const m = new BreakpointManager(machine);
    assert.equal(armBreakCommands(m, [`bm 0x${(0xb8000 + 160 * 10).toString(16)}+160 w 1 1`]).ok, true);
    const { stops, reason } = runAll(m);
    assert.equal(reason, StopReason.Halted);
    assert.equal(stops.length, 1);
    const h = stops[0][0];
    assert.deepEqual([h.kind, h.access, h.address, h.size, h.value, h.eip], ['mmio', 'write', 0xb8000 + 1600, 2, 0x0700 | 'K'.charCodeAt(0), p.sym.cell]);
    assert.equal(m.get(1)!.hits, 80, 'all 80 cells of row 10 counted');
    const screen = machine.screen();
    if (screen) assert.equal(screen.cells[10 * 80] & 0xff, 'K'.charCodeAt(0), 'the device got the write');
  });
});

/**
 * x87 behaviour that qemu-i386 does not model, checked against the Intel SDM (Vol. 1 ch. 8 and the
 * instruction pages): stack faults, masked responses, unmasked exceptions (destination unchanged,
 * OE/UE exponent bias adjustment, #MF at the next waiting instruction), C1 round-up, DE, FXAM
 * classes, tag word, FNSTENV/FNSAVE layouts, faulting memory operands.
 */
import * as assert from 'assert';
import { Fpu } from '../../../src/vm/cpu/fpu';
import { MemHost } from './x87harness';

const BASE = 0x1000;
function setup(): { fpu: Fpu; host: MemHost; mem: DataView } {
  const m = new Uint8Array(0x1000);
  const host = new MemHost(m, BASE);
  return { fpu: new Fpu(), host, mem: new DataView(m.buffer) };
}
// encodings
const ex = (f: Fpu, h: MemHost, op: number, modrm: number, a = 0, o16 = false, pm = true): void =>
  f.exec(h, op - 0xd8, modrm, BASE + a, o16, pm, 0x1234, 0x1b, BASE + a, 0x23);
const FLD1 = [0xd9, 0xe8] as const, FLDZ = [0xd9, 0xee] as const, FNINIT = [0xdb, 0xe3] as const;
function run(f: Fpu, h: MemHost, ...ins: (readonly [number, number] | readonly [number, number, number])[]): void {
  for (const i of ins) ex(f, h, i[0], i[1], i[2] ?? 0);
}
function st(f: Fpu, i: number): string { return f.stText(i).replace(/^.*\(0x/, '').replace(')', ''); }
const SW = (f: Fpu): number => f.getStatus();
function ld80(h: MemHost, mem: DataView, a: number, se: number, hi: number, lo: number): void {
  mem.setUint32(a, lo >>> 0, true); mem.setUint32(a + 4, hi >>> 0, true); mem.setUint16(a + 8, se, true);
}
function fldcw(f: Fpu, h: MemHost, mem: DataView, cw: number): void { mem.setUint16(0x800, cw, true); ex(f, h, 0xd9, 0x28, 0x800); }

describe('x87 against the SDM (behaviour qemu does not model)', () => {
  it('stack overflow: masked pushes the indefinite with IE, SF, C1=1', () => {
    const { fpu, host } = setup();
    for (let i = 0; i < 8; i++) run(fpu, host, FLD1);
    assert.strictEqual(SW(fpu) & 0x3800, 0);
    run(fpu, host, FLD1);
    assert.strictEqual(SW(fpu) & 0x7ff, 0x241); // C1 | SF | IE
    assert.strictEqual(st(fpu, 0), 'ffffc000000000000000');
    assert.strictEqual((SW(fpu) >> 11) & 7, 7);
  });
  it('stack overflow unmasked: no change, ES/B set, next waiting instruction signals #MF', () => {
    const { fpu, host, mem } = setup();
    fldcw(fpu, host, mem, 0x37e);
    for (let i = 0; i < 8; i++) run(fpu, host, FLD1);
    run(fpu, host, FLDZ);
    assert.strictEqual(SW(fpu) & 0xffff, 0x82c1); // B ES C1 SF IE, TOP 0
    assert.strictEqual(st(fpu, 0), '3fff8000000000000000');
    assert.strictEqual(host.errors, 0);
    run(fpu, host, [0xd9, 0xd0]); // FNOP is a waiting instruction
    assert.strictEqual(host.errors, 1);
    fpu.wait(host);
    assert.strictEqual(host.errors, 2);
    run(fpu, host, [0xdb, 0xe2]); // FNCLEX: no-wait, clears
    fpu.wait(host);
    assert.strictEqual(host.errors, 2);
    assert.strictEqual(SW(fpu) & 0x80ff, 0);
  });
  it('stack underflow: FADD with an empty ST(1) gives the indefinite, C1=0', () => {
    const { fpu, host } = setup();
    run(fpu, host, FLD1, [0xd8, 0xc1]);
    assert.strictEqual(SW(fpu) & 0x2ff, 0x41);
    assert.strictEqual(st(fpu, 0), 'ffffc000000000000000');
  });
  it('masked invalid stores: FSTP m64 from empty, FIST of NaN, FBSTP out of range', () => {
    const { fpu, host, mem } = setup();
    run(fpu, host, [0xdd, 0x18, 0x100]);
    assert.strictEqual(mem.getUint32(0x104, true), 0xfff80000);
    assert.strictEqual(mem.getUint32(0x100, true), 0);
    run(fpu, host, FNINIT);
    ld80(host, mem, 0x200, 0x7fff, 0xc0000000, 1); // QNaN
    run(fpu, host, [0xdb, 0x28, 0x200], [0xdb, 0x10, 0x110]);
    assert.strictEqual(mem.getUint32(0x110, true), 0x80000000);
    assert.strictEqual(SW(fpu) & 1, 1);
    ld80(host, mem, 0x200, 0x403f, 0x8ac72304, 0x89e80000); // 1e19
    run(fpu, host, FNINIT, [0xdb, 0x28, 0x200], [0xdf, 0x30, 0x120]);
    assert.deepStrictEqual([...new Uint8Array(mem.buffer, 0x120, 10)], [0, 0, 0, 0, 0, 0, 0, 0xc0, 0xff, 0xff]);
  });
  it('unmasked ZE: destination unchanged, ZE ES B set', () => {
    const { fpu, host, mem } = setup();
    fldcw(fpu, host, mem, 0x37b);
    run(fpu, host, FLDZ, FLD1, [0xd8, 0xf1]); // fdiv st0, st1 = 1/0
    assert.strictEqual(st(fpu, 0), '3fff8000000000000000');
    assert.strictEqual(SW(fpu) & 0x80ff, 0x8084);
  });
  it('unmasked OE and UE deliver the result with the exponent adjusted by 24576', () => {
    const { fpu, host, mem } = setup();
    fldcw(fpu, host, mem, 0x367); // OM=0, UM=0
    ld80(host, mem, 0x200, 0x3fff + 16000, 0x80000000, 0);
    run(fpu, host, [0xdb, 0x28, 0x200], [0xdb, 0x28, 0x200], [0xd8, 0xc9]); // 2^16000 * 2^16000
    assert.strictEqual(st(fpu, 0), (0x3fff + 32000 - 24576).toString(16) + '8000000000000000');
    assert.strictEqual(SW(fpu) & 0x3f, 0x08);
    ld80(host, mem, 0x200, 0x3fff - 16000, 0x80000000, 0);
    run(fpu, host, FNINIT); fldcw(fpu, host, mem, 0x367);
    run(fpu, host, [0xdb, 0x28, 0x200], [0xdb, 0x28, 0x200], [0xd8, 0xc9]);
    assert.strictEqual(st(fpu, 0), (0x3fff - 32000 + 24576).toString(16) + '8000000000000000');
    assert.strictEqual(SW(fpu) & 0x3f, 0x10);
  });
  it('masked OE/UE: infinity or largest finite by rounding mode, denormal or zero', () => {
    const { fpu, host, mem } = setup();
    ld80(host, mem, 0x200, 0x3fff + 16000, 0x80000000, 0);
    fldcw(fpu, host, mem, 0xf7f); // chop
    run(fpu, host, [0xdb, 0x28, 0x200], [0xdb, 0x28, 0x200], [0xd8, 0xc9]);
    assert.strictEqual(st(fpu, 0), '7ffeffffffffffffffff');
    assert.strictEqual(SW(fpu) & 0x3f, 0x28);
  });
  it('FST m32 of a tiny exact value with UE unmasked: #U, memory unchanged, no pop (SDM 4.9.1.5)', () => {
    const { fpu, host, mem } = setup();
    ld80(host, mem, 0x200, 0x3fff - 140, 0x80000000, 0); // 2^-140: an exact float32 denormal
    mem.setUint32(0x300, 0x12345678, true);
    run(fpu, host, [0xdb, 0x28, 0x200], [0xd9, 0x18, 0x300]); // masked: stored, no UE (exact)
    assert.strictEqual(mem.getUint32(0x300, true), 0x00000200); // 2^-140 = 2^9 * 2^-149
    assert.strictEqual(SW(fpu) & 0x3f, 0);
    run(fpu, host, FNINIT); fldcw(fpu, host, mem, 0x36f);
    mem.setUint32(0x300, 0x12345678, true);
    run(fpu, host, [0xdb, 0x28, 0x200], [0xd9, 0x18, 0x300]);
    assert.strictEqual(mem.getUint32(0x300, true), 0x12345678);
    assert.strictEqual(SW(fpu) & 0x80bf, 0x8090);
    assert.strictEqual(fpu.stEmpty(0), false);
  });
  it('C1 reports rounding up (SDM 8.1.3.3)', () => {
    const { fpu, host, mem } = setup();
    mem.setInt32(0x300, 3, true);
    fldcw(fpu, host, mem, 0xb7f); // round up
    run(fpu, host, FLD1, [0xda, 0x30, 0x300]); // fidiv dword 3
    assert.strictEqual(SW(fpu) & 0x200, 0x200);
    run(fpu, host, FNINIT); fldcw(fpu, host, mem, 0x77f); // round down
    run(fpu, host, FLD1, [0xda, 0x30, 0x300]);
    assert.strictEqual(SW(fpu) & 0x200, 0);
  });
  it('DE for a denormal operand; unmasked DE leaves the destination unchanged', () => {
    const { fpu, host, mem } = setup();
    ld80(host, mem, 0x200, 0, 0x40000000, 0);
    run(fpu, host, [0xdb, 0x28, 0x200], FLD1, [0xd8, 0xc1]);
    assert.strictEqual(SW(fpu) & 0x3f, 0x22); // DE, PE
    run(fpu, host, FNINIT); fldcw(fpu, host, mem, 0x37d);
    run(fpu, host, [0xdb, 0x28, 0x200], FLD1, [0xd8, 0xc1]);
    assert.strictEqual(st(fpu, 0), '3fff8000000000000000');
    assert.strictEqual(SW(fpu) & 0x80bf, 0x8082);
    // FST m64 of a denormal: "the denormal exception (#D) is not generated" (SDM FST), only #U/#P
    run(fpu, host, FNINIT, [0xdb, 0x28, 0x200], [0xdd, 0x10, 0x300]);
    assert.strictEqual(SW(fpu) & 0x3f, 0x30);
    // FIST lists no #D: a denormal stores 0 with PE only
    run(fpu, host, FNINIT, [0xdb, 0x28, 0x200], [0xdb, 0x10, 0x300]);
    assert.strictEqual(mem.getUint32(0x300, true), 0);
    assert.strictEqual(SW(fpu) & 0x3f, 0x20);
  });
  it('FXAM classes and C1 = sign (SDM FXAM table)', () => {
    const { fpu, host, mem } = setup();
    const cls = (se: number, hi: number, lo: number): number => {
      run(fpu, host, FNINIT);
      ld80(host, mem, 0x200, se, hi, lo);
      run(fpu, host, [0xdb, 0x28, 0x200], [0xd9, 0xe5]);
      return SW(fpu) & 0x4700;
    };
    assert.strictEqual(cls(0x0000, 0, 0), 0x4000); // zero
    assert.strictEqual(cls(0x8000, 0, 0), 0x4200); // -zero
    assert.strictEqual(cls(0x0000, 1, 0), 0x4400); // denormal
    assert.strictEqual(cls(0x3fff, 0x80000000, 0), 0x0400); // normal
    assert.strictEqual(cls(0xffff, 0x80000000, 0), 0x0700); // -inf
    assert.strictEqual(cls(0x7fff, 0xc0000000, 0), 0x0100); // NaN
    assert.strictEqual(cls(0x3fff, 0x40000000, 0), 0x0000); // unnormal: unsupported
    run(fpu, host, FNINIT, [0xd9, 0xe5]);
    assert.strictEqual(SW(fpu) & 0x4500, 0x4100); // empty
  });
  it('tag word: valid 00, zero 01, special 10, empty 11', () => {
    const { fpu, host, mem } = setup();
    ld80(host, mem, 0x200, 0x7fff, 0x80000000, 0);
    run(fpu, host, [0xdb, 0x28, 0x200], FLDZ, FLD1);
    // physical 7 = inf (special), 6 = zero, 5 = valid; others empty
    assert.strictEqual(fpu.getTag(), 0b10_01_00_11_11_11_11_11);
  });
  it('FNSTENV 32-bit protected-mode layout, masks all exceptions; FLDENV restores', () => {
    const { fpu, host, mem } = setup();
    fldcw(fpu, host, mem, 0x37e);
    run(fpu, host, FLD1, [0xdc, 0x05, 0x300]); // fadd qword [0x300] records FIP/FDP/FOP
    run(fpu, host, [0xd9, 0x30, 0x400]);
    assert.strictEqual(mem.getUint16(0x400, true), 0x37e);
    assert.strictEqual(mem.getUint16(0x404, true), fpu.getStatus() & 0xffff);
    assert.strictEqual(mem.getUint16(0x408, true), 0x3fff);
    assert.strictEqual(mem.getUint32(0x40c, true), 0x1234);
    assert.strictEqual(mem.getUint16(0x410, true), 0x1b);
    assert.strictEqual(mem.getUint16(0x412, true), 0x405); // opcode DC 05 -> 4 << 8 | 05
    assert.strictEqual(mem.getUint32(0x414, true), BASE + 0x300);
    assert.strictEqual(mem.getUint16(0x418, true), 0x23);
    assert.strictEqual(fpu.control, 0x37f);
    run(fpu, host, [0xd9, 0x20, 0x400]);
    assert.strictEqual(fpu.control, 0x37e);
  });
  it('FNSTENV 32-bit real-mode layout: linear FIP/FDP split 16/16 with the opcode (SDM Fig. 8-10)', () => {
    const { fpu, host, mem } = setup();
    // fadd qword [0x300] at CS:IP = 0x1234:0x5678, DS = 0x0100 (linear data 0x1000 + 0x300 + BASE offset)
    fpu.exec(host, 4, 0x06, BASE + 0x300, false, false, 0x5678, 0x1234, 0x0300, 0x0100);
    fpu.exec(host, 1, 0x36, BASE + 0x400, false, false, 0, 0, 0, 0);
    const ipl = 0x12340 + 0x5678, dpl = 0x1000 + 0x300;
    assert.strictEqual(mem.getUint16(0x40c, true), ipl & 0xffff);
    assert.strictEqual(mem.getUint32(0x410, true), ((ipl >>> 16) << 12) | 0x406);
    assert.strictEqual(mem.getUint16(0x414, true), dpl & 0xffff);
    assert.strictEqual(mem.getUint32(0x418, true), (dpl >>> 16) << 12);
  });
  it('FNSAVE/FRSTOR 16-bit real-mode layout round trip', () => {
    const { fpu, host, mem } = setup();
    run(fpu, host, FLD1, FLDZ);
    fpu.exec(host, 5, 0x30, BASE + 0x500, true, false, 0x10, 0x2000, 0, 0);
    assert.strictEqual(mem.getUint16(0x500, true), 0x37f);
    assert.strictEqual((mem.getUint16(0x502, true) >> 11) & 7, 6);
    assert.strictEqual(mem.getUint16(0x504, true), 0x1fff); // tags: R7 valid (00), R6 zero (01), rest empty
    assert.strictEqual(fpu.stEmpty(0), true); // FNSAVE re-initialises
    fpu.exec(host, 5, 0x20, BASE + 0x500, true, false, 0, 0, 0, 0);
    assert.strictEqual(st(fpu, 0), '00000000000000000000');
    assert.strictEqual(st(fpu, 1), '3fff8000000000000000');
    assert.strictEqual(fpu.getTag(), 0x1fff);
  });
  it('a faulting memory operand leaves the FPU unchanged', () => {
    const { fpu, host } = setup();
    run(fpu, host, FLD1);
    const before = [fpu.getStatus(), fpu.getTag()];
    const h2 = Object.create(host) as MemHost;
    h2.read32 = () => { throw new Error('#PF'); };
    assert.throws(() => fpu.exec(h2, 5, 0x00, 0x9000, false, true, 0, 0, 0, 0), /#PF/);
    assert.deepStrictEqual([fpu.getStatus(), fpu.getTag()], before);
  });
  it('FCOMI sets ZF/PF/CF, FNSTSW AX', () => {
    const { fpu, host, mem } = setup();
    run(fpu, host, FLD1, FLDZ, [0xdb, 0xf1]); // fcomi st0(0), st1(1): less -> CF
    assert.strictEqual(host.flags & 0x45, 0x01);
    ld80(host, mem, 0x200, 0x7fff, 0xc0000000, 0);
    run(fpu, host, [0xdb, 0x28, 0x200], [0xdb, 0xe9]); // fucomi NaN: unordered
    assert.strictEqual(host.flags & 0x45, 0x45);
    host.regs[0] = 0x12340000;
    run(fpu, host, [0xdf, 0xe0]);
    assert.strictEqual(host.regs[0] >>> 16, 0x1234);
    assert.strictEqual(host.regs[0] & 0xffff, fpu.getStatus());
  });
});

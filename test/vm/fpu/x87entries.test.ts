/**
 * The FPU's entries for translated code (Fpu.regOp, memOp, comiOp: their own short paths for the
 * common cases, declining with nothing changed otherwise) against the general code, Fpu.exec, which
 * is the interpreter's path and is itself checked against qemu-i386 (x87diff, x87fast) and the SDM
 * (x87sdm). Each case gives two units the same random state (control word in every rounding and
 * precision mode, masks, qemuCompat, TOP, empty and full registers holding normal, zero, denormal,
 * infinite, NaN and unsupported values, now and then a pending exception) and runs one form that
 * translated code sends to an entry — every register form regOp takes, every memory form memOp takes
 * with normal, zero, denormal, infinite and NaN reals and edge integers, FCOMI and kin — on one unit
 * through the entry (and through exec when the entry declines, as translated code does) and on the
 * other through exec. Registers, TOP, tags, status and control words, instruction and data pointers,
 * opcode, EFLAGS and #MF requests must agree.
 */
import * as assert from 'assert';
import { Fpu, x87Comi, x87MemLoad, x87RegOp } from '../../../src/vm/cpu/fpu';
import * as h from './x87harness';

const SEED = Number(process.env.X87_SEED ?? 20261129);
const CASES = Number(process.env.X87_ENTRY_CASES ?? 60000);
const BASE = 0x5000;

/** Every ModRM byte `op` takes through the entry `which`: a register form for regOp/comiOp, [EBP+disp8] for memOp. */
function forms(which: (op: number, modrm: number) => boolean): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let op = 0; op < 8; op++) for (let m = 0; m < 256; m++) if (which(op, m)) out.push([op, m]);
  return out;
}
const REG = forms(x87RegOp);
const COMI = forms(x87Comi);
const MEM = forms((op, m) => (m & 0xc7) === 0x45 && x87MemLoad(op, m) !== 0);

function randomState(r: h.Rng, f: Fpu): void {
  const buf = new Uint8Array(10);
  const dv = new DataView(buf.buffer);
  for (let p = 0; p < 8; p++) {
    h.randF80(r, buf, 0);
    f.lo[p] = dv.getUint32(0, true); f.hi[p] = dv.getUint32(4, true); f.se[p] = dv.getUint16(8, true);
  }
  f.top = r.int(8);
  // mostly ST0..ST2 full and a few empty registers, sometimes a full or an empty stack
  let em = 0;
  for (let p = 0; p < 8; p++) if (r.bool(0.3)) em |= 1 << p;
  if (r.bool(0.8)) em &= ~(7 << f.top) & ~(7 >> (8 - f.top));
  if (r.bool(0.1)) em = 0; else if (r.bool(0.05)) em = 0xff; else if (r.bool(0.1)) em |= 1 << ((f.top - 1) & 7);
  f.emptyMask = em & 0xff;
  const masks = r.bool(0.85) ? 0x3f : r.int(0x40);
  f.control = 0x40 | masks | (r.pick([0, 2, 3, 3, 3]) << 8) | (r.int(4) << 10);
  f.sw = r.bool(0.9) ? r.int(0x40) | (r.bool(0.5) ? 0x200 : 0) : 0x80 | 0x8000 | 1;
  f.qemuCompat = r.bool(0.3);
  f.fip = r.u32() | 0; f.fcs = r.int(0x10000); f.fdp = r.u32() | 0; f.fds = r.int(0x10000); f.fop = r.int(0x800);
}

function copyState(from: Fpu, to: Fpu): void {
  to.se.set(from.se); to.hi.set(from.hi); to.lo.set(from.lo);
  to.top = from.top; to.emptyMask = from.emptyMask; to.control = from.control; to.sw = from.sw;
  to.qemuCompat = from.qemuCompat;
  to.fip = from.fip; to.fcs = from.fcs; to.fdp = from.fdp; to.fds = from.fds; to.fop = from.fop;
}

function stateOf(f: Fpu, host: h.MemHost): string {
  const regs: string[] = [];
  for (let p = 0; p < 8; p++) regs.push(`${f.se[p].toString(16)}:${f.hi[p].toString(16)}:${f.lo[p].toString(16)}`);
  return `${regs.join(' ')} top=${f.top} empty=${f.emptyMask.toString(2)} cw=${f.control.toString(16)} sw=${f.sw.toString(16)} ` +
    `fip=${f.fip | 0} fcs=${f.fcs} fdp=${f.fdp | 0} fds=${f.fds} fop=${f.fop.toString(16)} eflags=${host.flags.toString(16)} mf=${host.errors}`;
}

describe('x87 entries for translated code (Fpu.regOp, memOp, comiOp) = the general code (Fpu.exec)', function () {
  this.timeout(120000);

  it(`agree on ${CASES} random states and forms (register moves and arithmetic, FCOMI, memory reals and integers)`, () => {
    const r = new h.Rng(SEED);
    const ours = new Fpu(), ref = new Fpu();
    const used = { regOp: 0, memOp: 0, comiOp: 0, declined: 0 };
    for (let n = 0; n < CASES; n++) {
      randomState(r, ref);
      copyState(ref, ours);
      const k = r.int(10);
      const [op, modrm] = k < 6 ? r.pick(REG) : k < 9 ? r.pick(MEM) : r.pick(COMI);
      const size = modrm < 0xc0 ? x87MemLoad(op, modrm) : 0;
      const mem = new Uint8Array(16);
      const dv = new DataView(mem.buffer);
      if (size === 8) { const [hi, lo] = h.randF64(r); dv.setUint32(0, lo, true); dv.setUint32(4, hi, true); }
      else if (size === 4) dv.setUint32(0, op <= 1 ? h.randF32(r) : h.randInt(r, 32), true); // D8 and FLD m32: reals; DA and FILD m32: integers
      else if (size === 2) dv.setUint16(0, h.randInt(r, 16), true);
      const hostA = new h.MemHost(mem, BASE), hostB = new h.MemHost(mem.slice(), BASE);
      hostA.flags = hostB.flags = 2 | r.int(0x100) & 0xd5;
      const ip = r.u32() | 0, cs = r.int(0x10000), dp = r.u32() | 0, ds = r.int(0x10000);
      let took: boolean;
      if (modrm >= 0xc0 && x87Comi(op, modrm)) { took = ours.comiOp(hostA, op, modrm, ip, cs); used.comiOp++; }
      else if (modrm >= 0xc0) { took = ours.regOp(op, modrm, ip, cs); used.regOp++; }
      else { took = ours.memOp(op, modrm, dv.getInt32(0, true), dv.getInt32(4, true), ip, cs, dp, ds); used.memOp++; }
      if (!took) { used.declined++; ours.exec(hostA, op, modrm, BASE, false, true, ip, cs, dp, ds); }
      ref.exec(hostB, op, modrm, BASE, false, true, ip, cs, dp, ds);
      const a = stateOf(ours, hostA), b = stateOf(ref, hostB);
      if (a !== b) assert.fail(`case ${n}: ${(0xd8 + op).toString(16)} ${modrm.toString(16)} operand ${Array.from(mem.subarray(0, size), (x) => x.toString(16).padStart(2, '0')).join('')}\n entry: ${a}\n exec:  ${b}`);
    }
    // every entry ran, and most cases took the entries' own paths
    assert.ok(used.regOp > CASES / 2 && used.memOp > CASES / 4 && used.comiOp > CASES / 20, JSON.stringify(used));
    assert.ok(used.declined < CASES / 4, JSON.stringify(used));
    console.log(`      ${JSON.stringify(used)}`);
  });
});

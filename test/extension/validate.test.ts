// I/O-port and MMIO input validation and hit conditions (SPEC §5, §6). Oracle: the SPEC's tables
// and examples (`io 0x3f8-0x3ff w`, `mmio 0xb8000+4000 w`, hit-condition windows) and NASM's
// number syntax (checked against nasm itself for the number forms).
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseNumber, validateHitCondition, validateIo, validateMmio, inputMessage } from '../../src/extension/validate';

describe('extension: I/O and MMIO breakpoint input', () => {
  it('parses every NASM number form the same as nasm does', () => {
    const forms = ['0x3f8', '0X3F8', '3f8h', '0h3f8', '$03f8', '1016', '1016d', '0d1016', '1111111000b', '0b1111111000', '0y1111111000', '1770q', '1770o', '0o1770', '0q1770', '0x3_f8'];
    const dir = mkdtempSync(join(tmpdir(), 'x86vm-num-'));
    writeFileSync(join(dir, 'n.asm'), forms.map((f) => `dd ${f}`).join('\n') + '\n');
    const r = spawnSync('nasm', ['-f', 'bin', '-o', join(dir, 'n.bin'), join(dir, 'n.asm')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const bin = readFileSync(join(dir, 'n.bin'));
    forms.forEach((f, i) => assert.equal(parseNumber(f), bin.readUInt32LE(i * 4), f));
    assert.equal(parseNumber('0x'), null);
    assert.equal(parseNumber('12z'), null);
    assert.equal(parseNumber('hello'), null);
  });

  it('accepts the SPEC forms and normalises them', () => {
    const cases: [string, string, number, number, string][] = [
      ['0x3f8', 'io 0x3f8', 0x3f8, 0x3f8, 'rw'],
      ['io 0x3f8-0x3ff w', 'io 0x3f8-0x3ff w', 0x3f8, 0x3ff, 'w'],
      ['0x60 r', 'io 0x60 r', 0x60, 0x60, 'r'],
      ['  80h   rw ', 'io 0x80', 0x80, 0x80, 'rw'],
      ['0x3f8+8 write', 'io 0x3f8-0x3ff w', 0x3f8, 0x3ff, 'w'],
      ['0xffff', 'io 0xffff', 0xffff, 0xffff, 'rw'],
    ];
    for (const [input, text, first, last, access] of cases) {
      const v = validateIo(input);
      assert.ok(v.ok, `${input}: ${v.ok ? '' : v.message}`);
      assert.deepEqual(v.value, { first, last, access, text });
    }
  });

  it('refuses bad ports with a message saying what is accepted', () => {
    const bad: [string, RegExp][] = [
      ['', /expected a port/],
      ['0x10000', /out of range/],
      ['0xfff8+9', /out of range/],
      ['0x3ff-0x3f8', /ends .* before it starts/],
      ['0x3f8 x', /unknown access "x"/],
      ['port', /not a port number/],
      ['0x60 r extra', /too many words/],
      ['0x60+0', /at least 1/],
    ];
    for (const [input, re] of bad) {
      const v = validateIo(input);
      assert.ok(!v.ok, input);
      assert.match(v.message, re, input);
      assert.equal(inputMessage(v), v.message);
    }
    assert.equal(inputMessage(validateIo('0x60')), undefined);
  });

  it('accepts MMIO ranges and refuses wrapping ones', () => {
    const ok = validateMmio('mmio 0xb8000+4000 w');
    assert.ok(ok.ok);
    assert.deepEqual(ok.value, { address: 0xb8000, length: 4000, access: 'w', text: 'mmio 0xb8000+4000 w' });
    const rw = validateMmio('0xfee00000');
    assert.ok(rw.ok);
    assert.equal(rw.value.text, 'mmio 0xfee00000 rw');
    const range = validateMmio('0xa0000-0xbffff r');
    assert.ok(range.ok);
    assert.equal(range.value.length, 0x20000);
    const last = validateMmio('0xffffffff');
    assert.ok(last.ok, 'the last byte of the address space is fine');
    for (const [input, re] of [['0xffffffff+2', /wraps/], ['0x100000000', /out of range/], ['0xb8000+0', /at least 1/], ['0xb8000 q', /unknown access/], ['', /expected an address/]] as const) {
      const v = validateMmio(input);
      assert.ok(!v.ok, input);
      assert.match(v.message, re, input);
    }
  });

  it('maps hit conditions to the SPEC §5 windows', () => {
    const table: [string, number, number | null, number][] = [
      ['5', 5, 5, 0], ['==5', 5, 5, 0], ['=5', 5, 5, 0], ['>=5', 5, null, 0], ['>5', 6, null, 0],
      ['<=5', 1, 5, 0], ['<5', 1, 4, 0], ['5..8', 5, 8, 0], ['5-8', 5, 8, 0], ['%3', 3, null, 3],
      [' >= 0x10 ', 16, null, 0], ['0x5 .. 0x8', 5, 8, 0],
    ];
    for (const [input, trigger, disable, period] of table) {
      const v = validateHitCondition(input);
      assert.ok(v.ok && v.value, input);
      assert.deepEqual(v.value, { trigger, disable, period }, input);
    }
    const empty = validateHitCondition('  ');
    assert.ok(empty.ok);
    assert.equal(empty.value, null);
    for (const bad of ['==0', '<1', '8..5', 'abc', '%0', '>= ', '5..', '0']) {
      const v = validateHitCondition(bad);
      assert.ok(!v.ok, bad);
      assert.match(v.message, /accepted: 5 · ==5/);
    }
  });
});

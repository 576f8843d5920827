import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { evaluate, EvalEnv, ExprError, parseExpression } from '../../src/debugger/expr';

/** A small machine image: registers and 64 KiB of memory at 0, symbols. */
function env(): EvalEnv & { mem: Uint8Array } {
  const mem = new Uint8Array(0x10000);
  const regs: Record<string, [bigint, number]> = {
    eax: [0x12345678n, 4], ax: [0x5678n, 2], al: [0x78n, 1], ah: [0x56n, 1], ebx: [0x1000n, 4], esp: [0x2000n, 4],
    ecx: [5n, 4], zf: [1n, 1], cf: [0n, 1], ds: [0x10n, 2], es: [0x20n, 2], si: [0x10n, 2],
  };
  const syms: Record<string, { address: number; elementSize: number }> = {
    counter: { address: 0x1000, elementSize: 4 }, msg: { address: 0x1010, elementSize: 1 }, 'main.loop': { address: 0x400, elementSize: 0 },
    eax_copy: { address: 0x1020, elementSize: 2 },
  };
  mem.set([0x78, 0x56, 0x34, 0x12, 0xef, 0xbe, 0xad, 0xde], 0x1000);
  mem.set([...Buffer.from('Hello')], 0x1010);
  mem.set([0xaa, 0xbb], 0x110);
  mem.set([0xcc, 0xdd], 0x210);
  return {
    mem,
    register: (n) => { const r = regs[n.toLowerCase()]; return r ? { value: r[0], size: r[1] } : undefined; },
    isRegister: (n) => n.toLowerCase() in regs,
    symbol: (n) => syms[n] ?? syms[n.toLowerCase()],
    readMemory: (a, size) => {
      if (a + size > mem.length) return undefined;
      let v = 0n;
      for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(mem[a + i]);
      return v;
    },
    dollar: () => 0x7c00,
    segmentBase: (s) => (typeof s === 'number' ? s << 4 : s === 'ds' ? 0x100 : s === 'es' ? 0x200 : 0),
  };
}

const ev = (s: string): bigint => evaluate(s, env()).value;

describe('debugger expression evaluator (SPEC §7)', () => {
  it('agrees with nasm on constant expressions (oracle: nasm -f bin, dq expr)', function () {
    const exprs = [
      '0x10', '10h', '0ffh', '0b101', '101b', '0o17', '17q', '$1F', "'A'", "'AB'", '1_000', '0d99', '99d',
      '1+2*3', '(1+2)*3', '7/2', '7 % 4', '-7//2', '-7 %% 3', '1<<4|1', '0x100>>4', '~0 & 0xff', '!0', '!5',
      '3 == 3', '3 != 4', '2 < 3 && 3 < 2', '0 || 5', '1 ^^ 1', '5 & 1 == 1', '6 | 1 == 7', '2 + 3 << 1',
      '-(3 - 10)', '0xffffffff + 1', '1 <= 1', '2 >= 3', '4 <> 4', '10 - 2 - 3', '100 / 10 / 5', '-1 / 2',
    ];
    const dir = mkdtempSync(path.join(tmpdir(), 'x86vm-expr-'));
    writeFileSync(path.join(dir, 'e.asm'), exprs.map((e) => `dq ${e}\n`).join(''));
    try {
      execFileSync('nasm', ['-f', 'bin', '-o', path.join(dir, 'e.bin'), path.join(dir, 'e.asm')], { stdio: 'pipe' });
    } catch (e) {
      assert.fail(`nasm rejected the expressions: ${(e as { stderr?: Buffer }).stderr?.toString()}`);
    }
    const bin = readFileSync(path.join(dir, 'e.bin'));
    exprs.forEach((e, i) => {
      const want = bin.readBigUInt64LE(i * 8);
      assert.equal(BigInt.asUintN(64, ev(e)), want, `${e}`);
    });
  });

  it('reads registers, symbols and $', () => {
    assert.equal(ev('eax'), 0x12345678n);
    assert.equal(ev('AH'), 0x56n);
    assert.equal(ev('al + 1'), 0x79n);
    assert.equal(ev('zf'), 1n);
    assert.equal(ev('counter'), 0x1000n);
    assert.equal(ev('main.loop + 4'), 0x404n);
    assert.equal(ev('$'), 0x7c00n);
    assert.equal(ev('$ + 2'), 0x7c02n);
  });

  it('reads memory with sizes, symbol element sizes and seg:offset', () => {
    assert.equal(ev('[counter]'), 0x12345678n, 'dd symbol reads a dword');
    assert.equal(ev('byte [counter]'), 0x78n);
    assert.equal(ev('word [counter]'), 0x5678n);
    assert.equal(ev('dword ptr [counter+4]'), 0xdeadbeefn);
    assert.equal(ev('qword [counter]'), 0xdeadbeef12345678n);
    assert.equal(ev('[msg]'), 0x48n, 'db symbol reads a byte');
    assert.equal(ev('[ebx] == 0x12345678'), 1n);
    assert.equal(ev('byte [ds:si]'), 0xaan, 'ds base 0x100 + si 0x10');
    assert.equal(ev('0x21:0'), 0x210n, 'numeric segment is selector << 4');
    assert.equal(ev('word [0x21:0]'), 0xddccn);
    const r = evaluate('dword [counter]', env());
    assert.deepEqual(r.lvalue, { kind: 'memory', address: 0x1000, size: 4 });
    assert.deepEqual(evaluate('al', env()).lvalue, { kind: 'register', name: 'AL' });
  });

  it('short-circuits && and || (the unreadable side is not evaluated)', () => {
    assert.equal(ev('0 && [0xfffff0]'), 0n);
    assert.equal(ev('1 || [0xfffff0]'), 1n);
    assert.throws(() => ev('1 && [0xfffff0]'), /not mapped/);
  });

  const errors: Array<[string, number, RegExp]> = [
    ['1 +', 4, /expected a number, register, symbol, '\(' or '\['/],
    ['(1 + 2', 7, /expected '\)'/],
    ['[eax', 5, /expected '\]'/],
    ['dword eax', 7, /expected '\[' after 'dword'/],
    ['eax = 1', 5, /use '==' to compare/],
    ['nosuch + 1', 1, /unknown symbol or register 'nosuch'/],
    ['1 / 0', 3, /division by zero/],
    ['0x', 1, /'0x' is not a valid number/],
    ['12ab', 1, /not a valid number/],
    ["'abc", 1, /unterminated character constant/],
    ['1 2', 3, /expected an operator or the end/],
    ['', 1, /expected an expression/],
    ['eax # 1', 5, /unexpected character '#'/],
  ];
  for (const [src, col, re] of errors) {
    it(`names the position and what was expected: ${JSON.stringify(src)}`, () => {
      try {
        evaluate(src, env());
        assert.fail('no error');
      } catch (e) {
        assert.ok(e instanceof ExprError, String(e));
        assert.equal(e.column, col, e.message);
        assert.match(e.message, re);
        assert.match(e.message, new RegExp(`^column ${col}: `));
      }
    });
  }

  it('parses once and evaluates many times against changing state', () => {
    const tree = parseExpression('eax & 0xff');
    const e = env();
    assert.equal(evaluate('eax & 0xff', e).value, 0x78n);
    assert.ok(tree);
  });
});

/**
 * Debugger text of 80-bit values against glibc (oracle): a C helper compiled with gcc for the host
 * (x86-64 long double is the same x87 80-bit format) prints each value with printf("%.20Le")
 * (correctly rounded in glibc) and parses decimal strings with strtold (correctly rounded).
 */
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { decimalF80, digitsF80, formatF80, parseF80 } from '../../../src/vm/cpu/fpuFormat';
import { Fpu } from '../../../src/vm/cpu/fpu';
import { Rng, randF80 } from './x87harness';

const C = `
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
int main(void) {
  char line[256];
  while (fgets(line, sizeof line, stdin)) {
    if (line[0] == 'f') {
      unsigned se; unsigned long long m; long double v;
      sscanf(line + 2, "%x %llx", &se, &m);
      unsigned char b[16] = {0};
      memcpy(b, &m, 8); b[8] = se & 0xff; b[9] = se >> 8;
      memcpy(&v, b, sizeof v);
      printf("%.20Le\\n", v);
    } else {
      line[strcspn(line, "\\n")] = 0;
      long double v = strtold(line + 2, NULL);
      unsigned char b[16]; memcpy(b, &v, sizeof v);
      unsigned long long m; memcpy(&m, b, 8);
      printf("%04x %016llx\\n", b[8] | (b[9] << 8), m);
    }
  }
  return 0;
}
`;

describe('x87 value text against glibc printf/strtold', function () {
  this.timeout(60000);
  let exe = '';
  before(() => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'x87fmt-'));
    fs.writeFileSync(path.join(dir, 'f.c'), C);
    exe = path.join(dir, 'f');
    execFileSync('gcc', ['-O1', '-o', exe, path.join(dir, 'f.c')]);
  });
  it('examples', () => {
    assert.strictEqual(formatF80(0x4000, 0xc90fdaa2, 0x2168c235), '3.14159265358979323851 (0x4000c90fdaa22168c235)');
    assert.strictEqual(decimalF80(0x3fff, 0xc0000000, 0), '1.5');
    assert.strictEqual(decimalF80(0xbffe, 0x80000000, 0), '-0.5');
    assert.strictEqual(decimalF80(0xffff, 0x80000000, 0), '-inf');
    assert.strictEqual(decimalF80(0x7fff, 0xc0000000, 0), 'nan');
    assert.deepStrictEqual(parseF80('0x3fff8000000000000000'), [0x3fff, 0x80000000, 0]);
    assert.deepStrictEqual(parseF80('-inf'), [0xffff, 0x80000000, 0]);
    assert.strictEqual(parseF80('1.2.3'), null);
    assert.strictEqual(parseF80(''), null);
    const f = new Fpu();
    assert.strictEqual(f.setStText(0, 'x'), false);
    assert.strictEqual(f.setStText(0, '0.1'), true);
    assert.strictEqual(f.stText(0), '0.100000000000000000001 (0x3ffbcccccccccccccccd)');
  });
  it('21 significant digits equal printf("%.20Le"); strtold equals our parser; round trip', () => {
    const r = new Rng(99);
    const vals: [number, number, number][] = [];
    while (vals.length < 3000) {
      const b = new Uint8Array(10);
      randF80(r, b, 0, 0x3fff + r.int(2000) - 1000);
      const dv = new DataView(b.buffer);
      const se = dv.getUint16(8, true), hi = dv.getUint32(4, true), lo = dv.getUint32(0, true);
      const e = se & 0x7fff;
      if (e === 0x7fff || (e !== 0 && (hi & 0x80000000) === 0) || (e === 0 && hi === 0 && lo === 0)) continue;
      if (e === 0 && (hi & 0x80000000)) continue; // pseudo-denormal: printf normalises
      vals.push([se, hi, lo]);
    }
    const input = vals.map(([se, hi, lo]) => `f ${se.toString(16)} ${hi.toString(16).padStart(8, '0')}${lo.toString(16).padStart(8, '0')}`).join('\n') + '\n';
    const printed = execFileSync(exe, { input }).toString().trim().split('\n');
    const strs: string[] = [];
    for (let i = 0; i < vals.length; i++) {
      const [se, hi, lo] = vals[i];
      const { digits, exp10 } = digitsF80(se, hi, lo);
      const ours = (se & 0x8000 ? '-' : '') + digits[0] + '.' + digits.slice(1) + 'e' + (exp10 < 0 ? '-' : '+') + String(Math.abs(exp10)).padStart(2, '0');
      assert.strictEqual(ours, printed[i], `value ${se.toString(16)}:${hi.toString(16)}${lo.toString(16)}`);
      const back = parseF80(decimalF80(se, hi, lo));
      assert.deepStrictEqual(back, [se, hi >>> 0, lo >>> 0], 'round trip of ' + decimalF80(se, hi, lo));
      // decimal strings with 1..25 digits near the value for the parser comparison
      const nd = 1 + r.int(25);
      strs.push(printed[i].replace(/^(-?\d)\.(\d*)e/, (_m, a: string, b: string) => a + '.' + b.slice(0, nd - 1) + (r.bool() ? '5' : '') + 'e'));
    }
    const parsed = execFileSync(exe, { input: strs.map((s) => 'p ' + s).join('\n') + '\n' }).toString().trim().split('\n');
    for (let i = 0; i < strs.length; i++) {
      const p = parseF80(strs[i]);
      assert.ok(p);
      const ours = p[0].toString(16).padStart(4, '0') + ' ' + p[1].toString(16).padStart(8, '0') + p[2].toString(16).padStart(8, '0');
      assert.strictEqual(ours, parsed[i], strs[i]);
    }
    console.log(`      ${vals.length} values printed as glibc does, ${strs.length} strings parsed as strtold does, all round-trip`);
  });
});

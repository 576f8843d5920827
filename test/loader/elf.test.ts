/**
 * ELF32 loader and DWARF reader against binutils as the oracle: `readelf -sW` for symbols and
 * `objdump --dwarf=decodedline` for line tables, on programs built here by gcc -m32 (DWARF 3, 4, 5,
 * static and static-PIE) and by nasm -f elf32 -g -F dwarf + ld -m elf_i386 (DWARF 2).
 * Plus a fuzz test: 10,000+ mutated ELF files never throw anything but LoadError.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LoadError } from '../../src/loader/api';
import { parseElf, STT_FUNC, STT_NOTYPE, STT_OBJECT } from '../../src/loader/elf';
import { readDwarf } from '../../src/loader/dwarf';
import { elfDebugInfo } from '../../src/loader/elfDebug';
import { planElfImage } from '../../src/loader/elfImage';

const fixtures = path.resolve(__dirname, '../../../test/fixtures/linux/loader');

function run(cmd: string, args: string[], cwd?: string): string {
  return execFileSync(cmd, args, { encoding: 'utf8', cwd, maxBuffer: 256 << 20 });
}

interface Built {
  name: string;
  file: string;
  pie: boolean;
}

let tmp = '';
const built: Built[] = [];

before(function () {
  this.timeout(60000);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'x86vm-elf-'));
  const c = path.join(fixtures, 'lines.c');
  for (const v of [3, 4, 5]) {
    const out = path.join(tmp, `lines-dwarf${v}`);
    run('gcc', ['-m32', '-static', '-O2', `-gdwarf-${v}`, c, '-o', out]);
    built.push({ name: `gcc -gdwarf-${v}`, file: out, pie: false });
  }
  const pie = path.join(tmp, 'lines-pie');
  run('gcc', ['-m32', '-static-pie', '-O2', '-g', c, '-o', pie]);
  built.push({ name: 'gcc -static-pie', file: pie, pie: true });
  const obj = path.join(tmp, 'start.o');
  run('nasm', ['-f', 'elf32', '-g', '-F', 'dwarf', path.join(fixtures, 'start.asm'), '-o', obj]);
  const exe = path.join(tmp, 'start');
  run('ld', ['-m', 'elf_i386', obj, '-o', exe]);
  built.push({ name: 'nasm + ld', file: exe, pie: false });
});

after(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const typeNames: Record<string, number> = { NOTYPE: STT_NOTYPE, OBJECT: STT_OBJECT, FUNC: STT_FUNC, SECTION: 3, FILE: 4, TLS: 6 };

describe('ELF32 loader (oracle: readelf, objdump)', () => {
  it('reads every .symtab symbol as readelf -sW lists it', () => {
    for (const b of built) {
      const elf = parseElf(new Uint8Array(fs.readFileSync(b.file)));
      const want: string[] = [];
      for (const line of run('readelf', ['-sW', b.file]).split('\n')) {
        const m = /^\s*(\d+):\s+([0-9a-f]+)\s+(\d+|0x[0-9a-f]+)\s+(\w+)\s+\w+\s+\w+\s+\S+\s*(.*)$/.exec(line);
        if (!m || m[1] === '0') continue;
        const t = typeNames[m[4]];
        if (t === undefined) continue;
        want.push(`${m[5]}|${parseInt(m[2], 16)}|${Number(m[3])}|${t}`);
      }
      const got = elf.symbols.filter((s) => typeNames[Object.keys(typeNames).find((k) => typeNames[k] === s.type) ?? ''] !== undefined)
        .map((s) => `${s.name}|${s.value}|${s.size}|${s.type}`);
      assert.ok(want.length > 5, `${b.name}: readelf listed symbols`);
      assert.deepEqual(got, want, `${b.name}: symbols`);
    }
  });

  it('decodes .debug_line exactly as objdump --dwarf=decodedline (DWARF 2, 3, 4, 5)', () => {
    for (const b of built) {
      const elf = parseElf(new Uint8Array(fs.readFileSync(b.file)));
      const dw = readDwarf(elf, 0);
      assert.deepEqual(dw.warnings, [], `${b.name}: no warnings`);
      const want: string[] = [];
      for (const line of run('objdump', ['--dwarf=decodedline', b.file]).split('\n')) {
        const m = /^(\S+)\s+(\d+|-)\s+(0x[0-9a-f]+)(?:\s+(\d+))?(?:\s+(x))?\s*$/.exec(line);
        if (!m) continue;
        want.push(m[2] === '-' ? `${path.basename(m[1])}|end|${parseInt(m[3], 16)}` : `${path.basename(m[1])}|${m[2]}|${parseInt(m[3], 16)}|${m[5] ? 'stmt' : ''}`);
      }
      const got = dw.lines.map((r) => (r.endSequence ? `${path.basename(r.file)}|end|${r.address}`
        : `${path.basename(r.file)}|${r.line}|${r.address}|${r.isStmt ? 'stmt' : ''}`));
      assert.ok(want.length > 8, `${b.name}: objdump listed rows`);
      assert.deepEqual(got, want, `${b.name}: line rows`);
    }
  });

  it('finds functions in .debug_info with their ranges, matching the symbol table', () => {
    for (const b of built.filter((x) => x.name.startsWith('gcc'))) {
      const elf = parseElf(new Uint8Array(fs.readFileSync(b.file)));
      const dbg = elfDebugInfo(elf, 0, tmp);
      for (const fn of ['main', 'sum_squares', 'fill']) {
        const f = dbg.dwarf.functions.find((x) => x.name === fn);
        assert.ok(f, `${b.name}: DWARF function ${fn}`);
        const s = elf.symbols.find((x) => x.name === fn && x.type === STT_FUNC);
        assert.ok(s, `${b.name}: symbol ${fn}`);
        assert.equal(f.low, s.value, `${b.name}: ${fn} low_pc = symbol value`);
        if (fn !== 'main') assert.equal(f.high - f.low, s.size, `${b.name}: ${fn} size`);
        assert.equal(path.basename(f.file ?? ''), 'lines.c');
        const sym = dbg.symbols.find((x) => x.name === fn);
        assert.equal(sym?.kind, 'function');
        assert.equal(sym?.file, path.join(fixtures, 'lines.c'));
      }
      // Declaration lines from the source text itself.
      const src = fs.readFileSync(path.join(fixtures, 'lines.c'), 'utf8').split('\n');
      const fl = dbg.symbols.find((x) => x.name === 'fill');
      assert.match(src[(fl?.line ?? 1) - 1], /void fill\(/, `${b.name}: decl_line of fill`);
      assert.ok(dbg.sources.includes(path.join(fixtures, 'lines.c')), `${b.name}: sources`);
      const tab = dbg.symbols.find((x) => x.name === 'table');
      assert.equal(tab?.kind, 'object');
      assert.equal(tab?.size, 32);
    }
  });

  it('gives nasm labels their kinds and source lines', () => {
    const b = built.find((x) => x.name === 'nasm + ld');
    assert.ok(b);
    const elf = parseElf(new Uint8Array(fs.readFileSync(b.file)));
    const dbg = elfDebugInfo(elf, 0, tmp);
    const by = (n: string) => dbg.symbols.find((s) => s.name === n);
    assert.equal(by('_start')?.kind, 'code');
    assert.equal(by('_start')?.line, 13);
    assert.equal(by('_start')?.file, path.join(fixtures, 'start.asm'));
    assert.equal(by('_start.again')?.line, 15);
    assert.equal(by('finish')?.line, 25, 'a label takes the line of its first instruction');
    assert.equal(by('len')?.kind, 'equ');
    assert.equal(by('len')?.address, 16);
    assert.equal(by('buf')?.kind, 'object');
    const l = dbg.lines.find((x) => x.line === 16);
    assert.equal(l?.address, (by('_start.again')?.address ?? 0) + 1, 'push ecx is one byte');
    assert.equal(l?.length, 5, 'mov eax, 4 is five bytes');
  });

  it('refuses dynamic, 64-bit, relocatable and truncated files with a clear LoadError', () => {
    const dyn = path.join(tmp, 'dyn');
    run('gcc', ['-m32', '-O2', path.join(fixtures, 'lines.c'), '-o', dyn]);
    const expectErr = (bytes: Uint8Array, re: RegExp): void => {
      assert.throws(() => planElfImage(parseElf(bytes)), (e: unknown) => e instanceof LoadError && re.test(e.message));
    };
    expectErr(new Uint8Array(fs.readFileSync(dyn)), /dynamically linked: build with -static/);
    expectErr(new Uint8Array(fs.readFileSync(path.join(tmp, 'start.o'))), /relocatable object/);
    expectErr(new Uint8Array(fs.readFileSync(process.execPath).subarray(0, 4096)), /64-bit ELF|not an i386/);
    expectErr(new TextEncoder().encode('#!/bin/sh\necho hi\n'), /not an ELF file/);
    const good = new Uint8Array(fs.readFileSync(built[0].file));
    expectErr(good.subarray(0, 40), /truncated ELF header/);
    expectErr(good.subarray(0, 0x2000), /truncated/);
  });

  it('never throws anything but LoadError on 10,000 mutated ELF files (fuzz)', function () {
    this.timeout(60000);
    const small = path.join(tmp, 'small');
    fs.writeFileSync(path.join(tmp, 'small.c'), 'int g = 5; int f(int x) { return x * g; }\nvoid _start(void) { for (;;) f(3); }\n');
    run('gcc', ['-m32', '-static', '-nostdlib', '-O1', '-g', path.join(tmp, 'small.c'), '-o', small]);
    const smallV4 = path.join(tmp, 'small4');
    run('gcc', ['-m32', '-static', '-nostdlib', '-O1', '-gdwarf-4', path.join(tmp, 'small.c'), '-o', smallV4]);
    const seeds = [small, smallV4, path.join(tmp, 'start')].map((f) => new Uint8Array(fs.readFileSync(f)));
    let rng = 0x12345678;
    const rand = (n: number): number => {
      rng ^= rng << 13; rng ^= rng >>> 17; rng ^= rng << 5;
      return (rng >>> 0) % n;
    };
    let loadErrors = 0;
    let accepted = 0;
    const N = 10000;
    for (let i = 0; i < N; i++) {
      const seed = seeds[i % seeds.length];
      let b = seed.slice();
      const mode = rand(4);
      if (mode === 0) b = b.subarray(0, rand(b.length));
      const flips = 1 + rand(8);
      for (let k = 0; k < flips; k++) {
        // Bias mutations towards the headers and the debug sections' starts, where they matter most.
        const where = rand(3) === 0 ? rand(Math.min(b.length, 0x200)) : rand(b.length || 1);
        if (b.length === 0) break;
        if (mode === 2) {
          const v = [0, 0xff, 0x7f, 0x80, 1][rand(5)];
          b[where] = v;
        } else if (mode === 3 && where + 4 <= b.length) {
          const v = [0, 0xffffffff, 0x7fffffff, rand(0x10000), 0x80000000][rand(5)];
          b[where] = v; b[where + 1] = v >>> 8; b[where + 2] = v >>> 16; b[where + 3] = v >>> 24;
        } else b[where] ^= 1 << rand(8);
      }
      try {
        const elf = parseElf(b);
        planElfImage(elf);
        elfDebugInfo(elf, elf.pie ? 0x56555000 : 0, tmp);
        accepted++;
      } catch (e) {
        if (!(e instanceof LoadError)) {
          throw new Error(`mutation ${i} threw ${(e as Error).stack ?? String(e)}`);
        }
        loadErrors++;
      }
    }
    assert.equal(loadErrors + accepted, N);
    assert.ok(loadErrors > 100 && accepted > 100, `both outcomes occur (${loadErrors} LoadError, ${accepted} accepted)`);
  });
});

/**
 * elf32 output. Oracles: nasm -f elf32 + ld -m elf_i386 + qemu-i386 (the linked programs must behave
 * identically: same stdout, same exit status), and readelf (symbols and relocations).
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { assemble } from '../../src/asm/assembler';
import { tmpDir } from './helpers';

const dir = path.resolve(__dirname, '../../../test/fixtures/asm-elf');
const programs: string[][] = [['hello.asm'], ['main.asm', 'lib.asm'], ['sections.asm'], ['fib.asm']];

function have(cmd: string, args: string[]): boolean {
  return spawnSync(cmd, args).status === 0;
}

function buildAndRun(files: string[], which: 'nasm' | 'ours'): { stdout: string; status: number | null } {
  const objs: string[] = [];
  for (const f of files) {
    const src = path.join(dir, f);
    const obj = path.join(tmpDir, `${which}-${f}.o`);
    if (which === 'nasm') {
      const r = spawnSync('nasm', ['-f', 'elf32', '-o', obj, src], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    } else {
      const r = assemble(fs.readFileSync(src, 'utf8'), { file: src, format: 'elf32' });
      assert.deepEqual(r.diagnostics.filter((d) => d.severity === 'error'), []);
      fs.writeFileSync(obj, r.output);
    }
    objs.push(obj);
  }
  const exe = path.join(tmpDir, `${which}-${files[0]}.exe`);
  const l = spawnSync('ld', ['-m', 'elf_i386', '-o', exe, ...objs], { encoding: 'utf8' });
  assert.equal(l.status, 0, `ld failed for ${which}: ${l.stderr}`);
  const run = spawnSync('qemu-i386', [exe], { encoding: 'utf8', timeout: 10000 });
  return { stdout: run.stdout, status: run.status };
}

function readelf(args: string[], file: string): string {
  return spawnSync('readelf', [...args, file], { encoding: 'utf8' }).stdout;
}

describe('assembler: elf32 objects (oracles: nasm -f elf32, ld -m elf_i386, qemu-i386, readelf)', function () {
  this.timeout(60000);
  const tools = have('ld', ['-v']) && have('qemu-i386', ['-version']);
  for (const p of programs) {
    it(`${p.join(' + ')}: linked program behaves like nasm's`, function () {
      if (!tools) this.skip();
      const n = buildAndRun(p, 'nasm');
      const o = buildAndRun(p, 'ours');
      assert.ok(n.stdout.length > 0 || n.status !== 0, 'the program must do something observable');
      assert.equal(o.stdout, n.stdout);
      assert.equal(o.status, n.status);
    });
  }

  it('PIC code (wrt ..plt/..got/..gotoff/..gotpc): same code and relocations as nasm; links with gcc -m32 and runs alike', function () {
    const src = path.join(dir, 'pic.asm');
    const nObj = path.join(tmpDir, 'pic-nasm.o');
    const oObj = path.join(tmpDir, 'pic-ours.o');
    assert.equal(spawnSync('nasm', ['-f', 'elf32', '-o', nObj, src]).status, 0);
    const r = assemble(fs.readFileSync(src, 'utf8'), { file: src, format: 'elf32' });
    assert.deepEqual(r.diagnostics, []);
    fs.writeFileSync(oObj, r.output);
    const rel = (f: string) => readelf(['-rW'], f).split('\n').filter((l) => /R_386/.test(l)).map((l) => { const c = l.trim().split(/\s+/); return `${c[0]} ${c[2]} ${c[4]}`; });
    assert.deepEqual(rel(oObj), rel(nObj));
    const dis = (f: string) => spawnSync('objdump', ['-d', f], { encoding: 'utf8' }).stdout.split('\n').slice(3).join('\n');
    assert.equal(dis(oObj), dis(nObj));
    const gcc = have('gcc', ['--version']) && tools;
    if (!gcc) return;
    const outs = [nObj, oObj].map((o) => {
      const exe = o + '.exe';
      const l = spawnSync('gcc', ['-m32', '-o', exe, o], { encoding: 'utf8' });
      if (l.status !== 0) return null;
      const run = spawnSync('qemu-i386', ['-L', '/usr/i386-linux-gnu', exe], { encoding: 'utf8', timeout: 10000 });
      return `${run.status} ${run.stdout}`;
    });
    if (outs[0] !== null) assert.equal(outs[1], outs[0]);
  });

  it('symbols and relocations match nasm (readelf)', () => {
    for (const f of ['main.asm', 'lib.asm', 'sections.asm']) {
      const src = path.join(dir, f);
      const nObj = path.join(tmpDir, `re-nasm-${f}.o`);
      assert.equal(spawnSync('nasm', ['-f', 'elf32', '-o', nObj, src]).status, 0);
      const oObj = path.join(tmpDir, `re-ours-${f}.o`);
      fs.writeFileSync(oObj, assemble(fs.readFileSync(src, 'utf8'), { file: src, format: 'elf32' }).output);
      // global and undefined symbols: same names, binding, section and value
      const syms = (file: string): string[] =>
        readelf(['-sW'], file)
          .split('\n')
          .map((l) => l.trim().split(/\s+/))
          .filter((c) => c.length >= 8 && c[4] === 'GLOBAL')
          .map((c) => `${c[7]} ${c[1]} ${c[4]} ${c[6] === 'UND' ? 'UND' : 'DEF'}`)
          .sort();
      assert.deepEqual(syms(oObj), syms(nObj), `${f}: global symbols`);
      // relocations: same offsets and types per section
      const rels = (file: string): string[] =>
        readelf(['-rW'], file)
          .split('\n')
          .filter((l) => /^[0-9a-f]{8}\s/.test(l))
          .map((l) => l.split(/\s+/).slice(0, 3).filter((_, i) => i !== 1).join(' '))
          .sort();
      assert.deepEqual(rels(oObj), rels(nObj), `${f}: relocations`);
      const hdr = readelf(['-h'], oObj);
      assert.match(hdr, /REL \(Relocatable file\)/);
      assert.match(hdr, /Intel 80386/);
    }
  });
});

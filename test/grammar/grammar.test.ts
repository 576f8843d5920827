// Grammar tests: vscode-tmgrammar-test (vscode-textmate + oniguruma, the engine VS Code uses) checks
// the scope assertions in test/grammar/*.asm. Those files are real programs: nasm (the oracle for
// "this is valid NASM") must assemble each of them.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../../..');
const dir = join(root, 'test/grammar');
const grammar = join(root, 'syntaxes/x86asm.tmLanguage.json');
const tool = join(root, 'node_modules/vscode-tmgrammar-test/dist/unit.js');
const files = readdirSync(dir).filter((f) => f.endsWith('.asm'));

function runTool(pattern: string): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [tool, '-g', grammar, pattern], { cwd: root, encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('x86asm TextMate grammar', function () {
  this.timeout(60000);

  it('has at least five test programs with assertions', () => {
    assert.ok(files.length >= 5, `only ${files.length} files`);
    for (const f of files) {
      const text = readFileSync(join(dir, f), 'utf8');
      assert.match(text, /^; SYNTAX TEST "source\.x86asm"/, f);
      assert.ok((text.match(/^;\s*(\^|<-)/gm) ?? []).length >= 5, `${f} has too few assertions`);
    }
  });

  it('every assertion in test/grammar/*.asm holds (vscode-tmgrammar-test)', () => {
    const r = runTool('test/grammar/*.asm');
    assert.equal(r.status, 0, r.out);
    for (const f of files) assert.match(r.out, new RegExp(`✓ test/grammar/${f.replace('.', '\\.')}`), r.out);
  });

  it('the tool fails on a wrong assertion (the test can fail)', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'x86asm-grammar-'));
    writeFileSync(join(tmp, 'wrong.asm'), '; SYNTAX TEST "source.x86asm" "negative"\n        mov eax, 1\n;       ^^^ constant.numeric.hex.x86asm\n');
    const r = runTool(join(tmp, 'wrong.asm'));
    assert.notEqual(r.status, 0, r.out);
    assert.match(r.out, /missing required scopes: constant\.numeric\.hex\.x86asm/);
  });

  for (const f of files) {
    it(`${f} is a real NASM program (nasm assembles it)`, () => {
      const text = readFileSync(join(dir, f), 'utf8');
      const format = /global _start/.test(text) ? 'elf32' : 'bin';
      const r = spawnSync('nasm', ['-f', format, '-o', '/dev/null', join(dir, f)], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    });
  }

  it('the manifest points at the grammar and the language id x86asm', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      contributes: { grammars: { language: string; scopeName: string; path: string }[]; languages: { id: string; extensions: string[] }[] };
    };
    const g = pkg.contributes.grammars.find((x) => x.language === 'x86asm');
    assert.ok(g);
    assert.equal(g.scopeName, 'source.x86asm');
    assert.equal(JSON.parse(readFileSync(join(root, g.path), 'utf8')).scopeName, 'source.x86asm');
    const lang = pkg.contributes.languages.find((l) => l.id === 'x86asm');
    assert.deepEqual(lang?.extensions, ['.asm', '.nasm', '.inc']);
  });
});

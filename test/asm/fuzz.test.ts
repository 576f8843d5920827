/**
 * Fuzz: at least 100,000 random and mutated lines (seeded). assemble() must never throw and never
 * report an internal error; every diagnostic is a well-formed file:line:col message.
 */
import { strict as assert } from 'node:assert';
import { assemble } from '../../src/asm/assembler';
import { Gen, Rng } from './randgen';

const SEED = Number(process.env.X86VM_ASM_SEED ?? 777);
const TOTAL = Number(process.env.X86VM_ASM_FUZZ_LINES ?? 100000);

const SNIPPETS = [
  '%macro m 2', '%endmacro', '%rep 3', '%endrep', '%if 1', '%elif 0', '%else', '%endif', '%ifdef X', '%define X(a) a+1',
  '%assign i i+1', '%include "nofile"', '%error boom', '%rotate 1', '%exitrep', 'struc s', 'endstruc', 'istruc s', 'at s.x, db 1',
  'iend', 'section .data', 'section .bss', 'section .text', 'org 0x100', 'bits 32', 'bits 16', 'bits 64', 'times 5 nop',
  'times -1 db 0', 'times 1e9 db 0', 'align 3', 'align 16', 'resb -1', 'db 1.5', 'dw 1.5', 'dt 7', 'dq 1e400', 'incbin "x"',
  'global x', 'extern y', 'x equ y', 'y equ x', '%%l:', '..@x:', '.l:', 'a: a:', '$', '[', ']', '[bits 32', 'db `\\', "db 'x",
  'mov [eax+ebx+ecx], 1', 'mov [ax], 1', 'mov [esp*2], eax', 'jmp far 1', 'dd 1/0', 'dd 1%0', 'mov eax, 1 <<< 70', '%define',
  'equ 5', 'x: equ', 'mov', 'mov ,', 'mov eax,', ',', ':', '?', 'db ?', 'dd (', 'dd )', '%', '%%', '%1', '%{1:2}', '__float32__(',
];

function mutate(r: Rng, line: string): string {
  const ops = r.int(6);
  let s = line;
  for (let k = 0; k <= ops; k++) {
    const at = r.int(s.length + 1);
    switch (r.int(6)) {
      case 0: s = s.slice(0, at) + s.slice(at + 1 + r.int(3)); break;
      case 1: s = s.slice(0, at) + String.fromCharCode(32 + r.int(95)) + s.slice(at); break;
      case 2: s = s.slice(0, at) + r.pick([',', '[', ']', ':', '+', '*', '(', ')', '%', "'", '"', '`', '\\', ';', '$', '.', '?']) + s.slice(at); break;
      case 3: s = s.slice(0, at) + ' ' + r.pick(['byte', 'word', 'dword', 'qword', 'tword', 'far', 'near', 'short', 'strict', 'to', 'seg', 'wrt', 'eax', 'st0', 'cr0', 'es', 'label', '0x', '1e', '99999999999999999999']) + ' ' + s.slice(at); break;
      case 4: s = s.toUpperCase(); break;
      default: s = s.split('').reverse().join(''); break;
    }
  }
  return s;
}

describe(`assembler: fuzz, ${TOTAL} random and mutated lines (seed ${SEED})`, function () {
  this.timeout(120000);
  it('never throws and never reports an internal error', () => {
    const r = new Rng(SEED);
    const gen = new Gen(r);
    let fed = 0;
    let chunks = 0;
    while (fed < TOTAL) {
      const n = 200 + r.int(800);
      const bits = r.chance(0.5) ? 16 : 32;
      const lines: string[] = [`bits ${bits}`];
      for (let i = 0; i < n; i++) {
        const kind = r.int(10);
        if (kind < 4) lines.push(gen.line(bits));
        else if (kind < 8) lines.push(mutate(r, gen.line(bits)));
        else if (kind < 9) lines.push(r.pick(SNIPPETS));
        else lines.push(mutate(r, r.pick(SNIPPETS)));
      }
      fed += n;
      chunks++;
      const src = lines.join('\n');
      let res;
      try {
        res = assemble(src, { file: 'fuzz.asm', format: r.chance(0.8) ? 'bin' : 'elf32', readFile: () => { throw new Error('no files in fuzz'); } });
      } catch (e) {
        assert.fail(`assemble threw on chunk ${chunks}: ${e instanceof Error ? e.stack : String(e)}`);
      }
      const internal = res.diagnostics.find((d) => /internal/.test(d.message));
      assert.equal(internal, undefined, internal ? `internal error: ${internal.message} (line ${internal.line}: ${lines[internal.line - 1]})` : '');
      for (const d of res.diagnostics) {
        assert.ok(Number.isInteger(d.line) && d.line >= 1 && Number.isInteger(d.column) && d.column >= 1, `bad position ${JSON.stringify(d)}`);
        assert.ok(d.message.length > 0 && !d.message.includes('\n'));
      }
    }
    assert.ok(fed >= TOTAL);
  });
});

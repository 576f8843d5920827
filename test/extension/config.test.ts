// Launch configuration and platform detection (SPEC §3). Oracles: nasm and ld build the real
// binaries (boot sector, .COM, ELF32) whose platform is detected; the rules are SPEC §3's.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detect, detectAsm, detectBinary, looksLikeNasm } from '../../src/extension/detect';
import { dynamicConfigs, finishConfig, resolveConfig, type FileAccess } from '../../src/extension/config';

const dir = mkdtempSync(join(tmpdir(), 'x86vm-cfg-'));
function nasm(name: string, source: string, format = 'bin'): string {
  const src = join(dir, name + '.asm');
  writeFileSync(src, source);
  const out = join(dir, name + (format === 'bin' ? '.bin' : '.o'));
  const r = spawnSync('nasm', ['-f', format, '-o', out, src], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return out;
}
const files: FileAccess = {
  exists: existsSync,
  readText: (p) => readFileSync(p, 'utf8'),
  readHead: (p, n) => new Uint8Array(readFileSync(p).subarray(0, n)),
};

const BOOT = 'bits 16\norg 0x7c00\nstart: hlt\njmp start\ntimes 510-($-$$) db 0\ndw 0xaa55\n';
const COM = 'org 100h\nmov ah, 4ch\nint 21h\n';
const LINUX = 'global _start\nsection .text\n_start: mov eax, 1\nxor ebx, ebx\nint 0x80\n';

describe('extension: platform detection (SPEC §3)', () => {
  it('detects .asm sources by org, bits, _start and section', () => {
    assert.equal(detectAsm(BOOT).platform, 'pc');
    assert.equal(detectAsm('[ORG 0x7C00]\n').platform, 'pc');
    assert.equal(detectAsm(COM).platform, 'dos');
    assert.equal(detectAsm('bits 16\norg 256\n').platform, 'dos', 'org wins over bits 16');
    assert.equal(detectAsm(LINUX).platform, 'linux32');
    assert.equal(detectAsm('section .text\nmov eax, 1\n').platform, 'linux32');
    assert.equal(detectAsm('[bits 16]\nmov ax, 1\n').platform, 'pc');
    assert.equal(detectAsm('; org 100h is only a comment\nmov ax, 4c00h\nint 21h\n').platform, 'dos');
    assert.match(detectAsm('mov ax, 1\n').reason, /flat image/);
  });

  it('detects real binaries built by nasm and ld', () => {
    const boot = nasm('boot', BOOT);
    let d = detect(boot.replace(/\.bin$/, '.img'), { head: readFileSync(boot) });
    assert.ok(d.ok && d.value.platform === 'pc' && d.value.kind === 'boot', JSON.stringify(d));
    const com = nasm('prog', COM);
    d = detectBinary(join(dir, 'PROG.COM'), readFileSync(com));
    assert.ok(d.ok && d.value.platform === 'dos' && d.value.kind === 'com');
    const obj = nasm('hello', LINUX, 'elf32');
    const exe = join(dir, 'hello');
    const ld = spawnSync('ld', ['-m', 'elf_i386', '-o', exe, obj], { encoding: 'utf8' });
    assert.equal(ld.status, 0, ld.stderr);
    d = detect(exe, { head: readFileSync(exe).subarray(0, 8192) });
    assert.ok(d.ok && d.value.platform === 'linux32' && d.value.kind === 'elf');
    const mb = nasm('mb', 'bits 32\nalign 4\ndd 0x1badb002, 0, -(0x1badb002)\nhlt\n');
    d = detectBinary(join(dir, 'kernel'), readFileSync(mb));
    assert.ok(d.ok && d.value.kind === 'multiboot', JSON.stringify(d));
  });

  it('refuses 64-bit ELF and unknown files with a clear message', () => {
    const elf64 = readFileSync(process.execPath).subarray(0, 64); // node itself: ELF64 x86-64
    const d = detectBinary('node', elf64);
    assert.ok(!d.ok);
    assert.match(d.message, /64-bit ELF/);
    const u = detectBinary('notes.txt', new Uint8Array(100));
    assert.ok(!u.ok);
    assert.match(u.message, /set "platform"/);
  });

  it('tells NASM .s files from GNU as ones', () => {
    assert.equal(looksLikeNasm('bits 32\nmov eax, 1\n'), true);
    assert.equal(looksLikeNasm('.globl main\nmain: movl $0x1, %eax\n'), false);
    const d = detect('x.s', { text: '\t.text\n\tmovl %eax, %ebx\n' });
    assert.ok(!d.ok);
    assert.match(d.message, /AT&T/);
  });
});

describe('extension: debug configuration provider logic', () => {
  it('F5 with no launch.json debugs the active .asm file', () => {
    const r = resolveConfig({}, { path: '/w/hello.asm', languageId: 'x86asm' });
    assert.ok(r.ok);
    assert.deepEqual(r.config, { type: 'x86vm', request: 'launch', name: 'x86 VM: hello.asm', program: '/w/hello.asm', stopOnEntry: false, console: 'integratedTerminal' });
    assert.ok(resolveConfig({}, { path: '/w/prog.com', languageId: 'plaintext' }).ok);
    const no = resolveConfig({}, { path: '/w/readme.md', languageId: 'markdown' });
    assert.ok(!no.ok);
    assert.match(no.message, /open a NASM source/);
    assert.ok(!resolveConfig({}, undefined).ok);
  });

  it('fills defaults and refuses bad requests and platforms', () => {
    const r = resolveConfig({ type: 'x86vm', request: 'launch', name: 'x', program: '${file}' }, undefined);
    assert.ok(r.ok);
    assert.equal(r.config.console, 'integratedTerminal');
    assert.equal(r.config.stopOnEntry, false);
    const attach = resolveConfig({ type: 'x86vm', request: 'attach', name: 'x' }, undefined);
    assert.ok(!attach.ok);
    assert.match(attach.message, /attach/);
    const bad = resolveConfig({ type: 'x86vm', request: 'launch', name: 'x', program: 'a', platform: 'win32' as never }, undefined);
    assert.ok(!bad.ok);
    assert.match(bad.message, /unknown platform "win32"/);
    const noProgram = resolveConfig({ type: 'x86vm', request: 'launch', name: 'x' }, { path: '/w/a.asm', languageId: 'x86asm' });
    assert.ok(noProgram.ok);
    assert.equal(noProgram.config.program, '/w/a.asm');
  });

  it('detects the platform after variable substitution, keeping an explicit one', () => {
    const src = join(dir, 'boot2.asm');
    writeFileSync(src, BOOT);
    const r = finishConfig({ type: 'x86vm', request: 'launch', name: 'x', program: src }, files);
    assert.ok(r.ok);
    assert.equal(r.config.platform, 'pc');
    assert.match(String(r.config.platformReason), /org 0x7c00/);
    const explicit = finishConfig({ type: 'x86vm', request: 'launch', name: 'x', program: src, platform: 'dos' }, files);
    assert.ok(explicit.ok && explicit.config.platform === 'dos');
    const missing = finishConfig({ type: 'x86vm', request: 'launch', name: 'x', program: join(dir, 'nope.asm') }, files);
    assert.ok(!missing.ok);
    assert.match(missing.message, /program not found: .*nope\.asm/);
    const unresolved = finishConfig({ type: 'x86vm', request: 'launch', name: 'x', program: '${command:pick}' }, files);
    assert.ok(!unresolved.ok);
  });

  it('offers one dynamic configuration per program, the active file first', () => {
    const list = dynamicConfigs(['/w/examples/a.asm', '/w/b.com', '/w/notes.txt', '/w/examples/a.asm'], '/w', { path: '/w/b.com', languageId: 'plaintext' });
    assert.deepEqual(list.map((c) => c.name), ['x86 VM: b.com', 'x86 VM: examples/a.asm']);
    assert.equal(list[1].program, '${workspaceFolder}/examples/a.asm');
  });
});

import { parseDiagnostics, position } from '../../src/extension/diagnostics';

describe('extension: assembler errors for the Problems panel', () => {
  it('parses nasm-style file:line:col messages from a failed launch (oracle: nasm -X gnu output format)', () => {
    const src = join(dir, 'bad.asm');
    writeFileSync(src, 'bits 16\nmov ax, bx, cx\nfoo\n');
    const r = spawnSync('nasm', ['-f', 'bin', '-o', join(dir, 'bad.bin'), src], { encoding: 'utf8' });
    assert.notEqual(r.status, 0);
    // nasm prints "file:line: error: msg"; x86vm adds the column (SPEC §8)
    const ours = r.stderr.trim().split('\n').map((l) => l.replace(/^(.+?):(\d+): /, '$1:$2:1: ')).join('\n');
    const d = parseDiagnostics('x86 VM: ' + ours);
    assert.equal(d.length, r.stderr.trim().split('\n').length);
    assert.equal(d[0].file, src);
    assert.equal(d[0].line, 2);
    assert.equal(d[0].severity, 'error');
    assert.deepEqual(position(d[0]), { line: 1, character: 0 });
    assert.deepEqual(parseDiagnostics('the program could not be loaded'), []);
    // the adapter's message repeats the first error in its detail lines: listed once
    assert.equal(parseDiagnostics('/a.asm:5:1: error: x\n/a.asm:5:1: error: x\n/a.asm:6:2: error: y').length, 2);
    assert.deepEqual(parseDiagnostics('/a/b.asm:3:7: warning: label alone on a line'), [{ file: '/a/b.asm', line: 3, column: 7, severity: 'warning', message: 'label alone on a line' }]);
  });
});

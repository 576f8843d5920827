/**
 * Platform detection for F5 without a launch.json (SPEC §3), pure: it looks at the file name and
 * the first bytes (binaries) or the text (.asm sources) and says which platform starts it and why.
 */

export type Platform = 'pc' | 'linux32' | 'dos';

export interface Detection {
  platform: Platform;
  /** What kind of program the file is, for the configuration's name. */
  kind: 'asm' | 'elf' | 'com' | 'boot' | 'flat' | 'multiboot';
  /** Why: shown in the Debug Console and used by tests. */
  reason: string;
}

export type DetectResult = { ok: true; value: Detection } | { ok: false; message: string };

const ASM_EXT = /\.(asm|nasm|inc|s)$/i;

/** Files F5 can debug: sources, .COM, images, and (by content) ELF executables. */
export function isDebuggableName(fileName: string): boolean {
  return ASM_EXT.test(fileName) || /\.(com|img|bin|elf|out)$/i.test(fileName) || !/\.[^/\\]*$/.test(baseName(fileName));
}

function baseName(p: string): string {
  const i = Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\'));
  return p.slice(i + 1);
}

/** Strips `;` comments (outside quotes) so a comment mentioning `org 100h` does not count. */
function codeOnly(source: string): string {
  const out: string[] = [];
  for (const line of source.split(/\r?\n/)) {
    let q = '';
    let cut = line.length;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (q) { if (c === q) q = ''; } else if (c === '"' || c === "'" || c === '`') q = c; else if (c === ';') { cut = i; break; }
    }
    out.push(line.slice(0, cut));
  }
  return out.join('\n');
}

/** Platform of a NASM source, as SPEC §3 says (the first matching rule wins). */
export function detectAsm(source: string): Detection {
  const code = codeOnly(source);
  const org = /^\s*\[?\s*org\s+([^\]\s;]+)/im.exec(code);
  const orgValue = org ? org[1].toLowerCase() : '';
  if (/^(0x0*7c00|0*7c00h|31744)$/.test(orgValue)) return { platform: 'pc', kind: 'asm', reason: `org ${org?.[1]} (boot sector)` };
  if (/^(0x0*100|0*100h|256)$/.test(orgValue)) return { platform: 'dos', kind: 'asm', reason: `org ${org?.[1]} (DOS .COM)` };
  if (/^\s*(global|extern)\s+[^;\n]*\b_start\b/im.test(code) || /^\s*_start\s*:/m.test(code)) {
    return { platform: 'linux32', kind: 'asm', reason: 'global _start (Linux ELF32)' };
  }
  if (/^\s*\[?\s*bits\s+16\b/im.test(code)) return { platform: 'pc', kind: 'asm', reason: 'bits 16 (real mode, boot sector at 0x7c00)' };
  if (/^\s*\[?\s*(section|segment)\s+\.(text|data|bss)\b/im.test(code)) return { platform: 'linux32', kind: 'asm', reason: 'section .text (Linux ELF32)' };
  if (/\bint\s+(0x80|80h)\b/i.test(code)) return { platform: 'linux32', kind: 'asm', reason: 'int 0x80 system calls (Linux ELF32)' };
  if (/\bint\s+(0x21|21h)\b/i.test(code)) return { platform: 'dos', kind: 'asm', reason: 'int 21h services (DOS .COM)' };
  return { platform: 'pc', kind: 'asm', reason: 'no org/bits/_start: flat image at 0x7c00 on the pc platform' };
}

/** Platform of a binary from its name and first bytes (at least 512, up to 8 KiB for multiboot). */
export function detectBinary(fileName: string, head: Uint8Array): DetectResult {
  if (head.length >= 4 && head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46) {
    if (head.length >= 20 && head[4] !== 1) return { ok: false, message: `${baseName(fileName)} is a 64-bit ELF file; the machine runs 32-bit (ELF32, i386) programs` };
    if (head.length >= 20 && (head[18] | (head[19] << 8)) !== 3) return { ok: false, message: `${baseName(fileName)} is an ELF file for another machine (e_machine ${head[18] | (head[19] << 8)}, expected 3 = i386)` };
    return { ok: true, value: { platform: 'linux32', kind: 'elf', reason: 'ELF32 i386 executable' } };
  }
  if (/\.com$/i.test(fileName)) return { ok: true, value: { platform: 'dos', kind: 'com', reason: '.COM file' } };
  for (let off = 0; off + 12 <= Math.min(head.length, 8192); off += 4) {
    const magic = (head[off] | (head[off + 1] << 8) | (head[off + 2] << 16) | (head[off + 3] << 24)) >>> 0;
    if (magic === 0x1badb002) {
      const flags = (head[off + 4] | (head[off + 5] << 8) | (head[off + 6] << 16) | (head[off + 7] << 24)) >>> 0;
      const sum = (head[off + 8] | (head[off + 9] << 8) | (head[off + 10] << 16) | (head[off + 11] << 24)) >>> 0;
      if (((magic + flags + sum) >>> 0) === 0) return { ok: true, value: { platform: 'pc', kind: 'multiboot', reason: `multiboot header at offset ${off}` } };
    }
  }
  if (head.length >= 512 && head[510] === 0x55 && head[511] === 0xaa) return { ok: true, value: { platform: 'pc', kind: 'boot', reason: 'boot signature 0x55 0xAA at offset 510' } };
  if (/\.(img|bin)$/i.test(fileName)) return { ok: true, value: { platform: 'pc', kind: 'flat', reason: 'flat image loaded at 0x7c00' } };
  return { ok: false, message: `cannot tell how to run ${baseName(fileName)}: not a NASM source, ELF32 executable, .COM file or boot image; set "platform" in launch.json` };
}

/** Detects from the name and either the source text (for .asm etc.) or the first bytes. */
export function detect(fileName: string, content: { text?: string; head?: Uint8Array }): DetectResult {
  if (ASM_EXT.test(fileName) && content.text !== undefined) {
    if (/\.s$/i.test(fileName) && !looksLikeNasm(content.text)) {
      return { ok: false, message: `${baseName(fileName)} looks like GNU as (AT&T) syntax; the built-in assembler takes NASM syntax` };
    }
    return { ok: true, value: detectAsm(content.text) };
  }
  return detectBinary(fileName, content.head ?? new Uint8Array(0));
}

/** A `.s` file is NASM if it has no GNU-as directives and no AT&T operands. */
export function looksLikeNasm(text: string): boolean {
  const code = text.split(/\r?\n/).map((l) => l.replace(/#.*$/, '')).join('\n');
  if (/^\s*\.(globl|global|text|data|section|type|size|file|ident|long|byte|asciz|string)\b/m.test(code)) return false;
  if (/%e?[abcd]x\b|\$0x[0-9a-f]+\s*,\s*%/i.test(code)) return false;
  return true;
}

/**
 * What to evaluate when the mouse hovers an x86asm source while debugging, and which registers get
 * inline values on the current line. Pure (vscode-free) so it is unit-tested.
 */

const REGISTER = /^(?:e?[abcd]x|[abcd][lh]|e?(?:si|di|sp|bp)|eip|ip|[cdefgs]s|cr[0-4]|dr[0-7]|st[0-7]|eflags|flags)$/i;
const WORD = /(?:\.\.@|\.)?[A-Za-z_?$][\w.?$@#~]*/g;
const SIZE = /^(?:byte|word|dword|qword|tword)$/i;
const KEYWORDS = new Set(['byte', 'word', 'dword', 'qword', 'tword', 'short', 'near', 'far', 'ptr', 'strict', 'rel', 'abs', 'seg', 'wrt', 'times', 'equ', 'db', 'dw', 'dd', 'dq', 'dt',
  'bits', 'org', 'section', 'segment', 'global', 'extern', 'cpu', 'default', 'align', 'use16', 'use32', 'resb', 'resw', 'resd', 'resq', 'incbin']);

export function isRegister(name: string): boolean {
  return REGISTER.test(name);
}

/** Strips a `;` comment (outside quotes). */
export function codePart(line: string): string {
  let q = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (q) { if (c === q) q = ''; } else if (c === '"' || c === "'" || c === '`') q = c; else if (c === ';') return line.slice(0, i);
  }
  return line;
}

/** Replaces quoted strings by spaces (same length), so words inside them are not seen. */
export function blankStrings(code: string): string {
  return code.replace(/"[^"]*"?|'[^']*'?|`(?:[^`\\]|\\.)*`?/g, (m) => ' '.repeat(m.length));
}

export interface Span {
  start: number;
  end: number;
  expression: string;
}

/**
 * The expression under `character`: a memory operand `[…]` (with its size keyword, so the hover
 * shows `dword [counter]`) when the cursor is inside brackets, else a register or label; nothing
 * on mnemonics, numbers, comments and directives. `mnemonicEnd` is where operands start.
 */
export function evaluatableAt(line: string, character: number): Span | undefined {
  const code = blankStrings(codePart(line));
  if (character >= code.length) return undefined;
  // inside [...]?
  const open = code.lastIndexOf('[', character);
  const close = code.indexOf(']', character);
  if (open >= 0 && close >= 0 && code.lastIndexOf(']', character - 1) < open) {
    const inner = code.slice(open + 1, close).trim();
    if (inner !== '' && !/^\s*(bits|org|section|segment|global|extern|cpu|default|absolute|map)\b/i.test(inner)) {
      const before = code.slice(0, open);
      const m = /\b(byte|word|dword|qword|tword)\s*$/i.exec(before);
      const start = m ? open - m[0].length : open;
      return { start, end: close + 1, expression: m ? `${m[1].toLowerCase()} [${inner}]` : `dword [${inner}]` };
    }
  }
  WORD.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = WORD.exec(code)) !== null) {
    const start = m.index;
    const end = start + m[0].length;
    if (character < start || character >= end) continue;
    const word = m[0];
    if (start > 0 && /[0-9]/.test(code[start - 1])) return undefined; // part of a number like 0x10
    if (SIZE.test(word) || KEYWORDS.has(word.toLowerCase())) return undefined;
    if (isRegister(word)) return { start, end, expression: word.toLowerCase() };
    // the first word of a statement is a mnemonic (or a label when it ends with ':')
    const firstWord = /^\s*(?:[^\s:;]+:\s*)?/.exec(code);
    const operandsStart = firstWord ? firstWord[0].length : 0;
    if (start === operandsStart && code[end] !== ':') return undefined;
    if (/^\$+$/.test(word)) return undefined;
    return { start, end, expression: word };
  }
  return undefined;
}

/** Registers named in a line's operands, for inline values (`eax = 0x00000005`). */
export function registersInLine(line: string): Span[] {
  const code = blankStrings(codePart(line));
  const out: Span[] = [];
  const seen = new Set<string>();
  WORD.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = WORD.exec(code)) !== null) {
    const name = m[0].toLowerCase();
    if (!isRegister(name) || seen.has(name)) continue;
    if (m.index > 0 && /[\w.$]/.test(code[m.index - 1])) continue;
    seen.add(name);
    out.push({ start: m.index, end: m.index + m[0].length, expression: name });
  }
  return out;
}

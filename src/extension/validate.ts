/**
 * Input validation for the "Add I/O Port Breakpoint…" and "Add MMIO Breakpoint…" commands and for
 * hit conditions (SPEC §5, §6). Pure: no vscode import, so the rules are unit-tested under mocha.
 * Each validator returns the normalised function-breakpoint text (`io 0x3f8-0x3ff w`) or a one-line
 * message saying what is accepted, shown by the input box as the user types.
 */

export type Access = 'r' | 'w' | 'rw';

export type Validation<T> = { ok: true; value: T } | { ok: false; message: string };

export interface IoSpec {
  first: number;
  last: number;
  access: Access;
  /** Function-breakpoint name understood by the adapter, e.g. `io 0x3f8-0x3ff w`. */
  text: string;
}

export interface MmioSpec {
  address: number;
  length: number;
  access: Access;
  text: string;
}

export interface HitWindow {
  trigger: number;
  /** null = unbounded. */
  disable: number | null;
  period: number;
}

const hex = (n: number, width = 0): string => '0x' + n.toString(16).padStart(width, '0');

/**
 * A NASM-style number: decimal, `0x…`/`0h…`/`…h`/`$0…` hex, `0b…`/`…b`/`0y…`/`…y` binary,
 * `0o…`/`0q…`/`…o`/`…q` octal, `0d…`/`…d` decimal, underscores allowed. Returns null if not one.
 */
export function parseNumber(text: string): number | null {
  const t = text.trim().toLowerCase().replace(/_/g, '');
  let m: RegExpMatchArray | null;
  let digits: string;
  let radix: number;
  if ((m = /^0[xh]([0-9a-f]+)$/.exec(t)) || (m = /^\$([0-9][0-9a-f]*)$/.exec(t)) || (m = /^([0-9][0-9a-f]*)h$/.exec(t))) {
    digits = m[1]; radix = 16;
  } else if ((m = /^0[by]([01]+)$/.exec(t)) || (m = /^([01]+)[by]$/.exec(t))) {
    digits = m[1]; radix = 2;
  } else if ((m = /^0[oq]([0-7]+)$/.exec(t)) || (m = /^([0-7]+)[oq]$/.exec(t))) {
    digits = m[1]; radix = 8;
  } else if ((m = /^0d([0-9]+)$/.exec(t)) || (m = /^([0-9]+)d?$/.exec(t))) {
    digits = m[1]; radix = 10;
  } else {
    return null;
  }
  const n = parseInt(digits, radix);
  return Number.isSafeInteger(n) ? n : null;
}

function parseAccess(word: string | undefined): Access | null {
  if (word === undefined || word === '') return 'rw';
  switch (word.toLowerCase()) {
    case 'r': case 'read': return 'r';
    case 'w': case 'write': return 'w';
    case 'rw': case 'wr': case 'readwrite': return 'rw';
    default: return null;
  }
}

const IO_HELP = 'expected a port or range and an optional access: 0x3f8 · 0x3f8-0x3ff w · 0x60 r · 0x80 rw';
const MMIO_HELP = 'expected an address, an optional +length and access: 0xb8000+4000 w · 0xfee00000 rw';

/** Validates what the user types for an I/O-port breakpoint (`io` prefix optional). */
export function validateIo(input: string): Validation<IoSpec> {
  const words = input.trim().replace(/^io\b\s*/i, '').split(/\s+/).filter((w) => w !== '');
  if (words.length === 0) return { ok: false, message: IO_HELP };
  if (words.length > 2) return { ok: false, message: `too many words; ${IO_HELP}` };
  const access = parseAccess(words[1]);
  if (access === null) return { ok: false, message: `unknown access "${words[1]}": use r, w or rw` };
  let firstText = words[0];
  let lastText: string | undefined;
  let count: number | undefined;
  const plus = words[0].indexOf('+');
  const dash = words[0].indexOf('-', 1);
  if (plus > 0) {
    firstText = words[0].slice(0, plus);
    const c = parseNumber(words[0].slice(plus + 1));
    if (c === null) return { ok: false, message: `"${words[0].slice(plus + 1)}" is not a number; ${IO_HELP}` };
    if (c < 1) return { ok: false, message: 'the port count must be at least 1' };
    count = c;
  } else if (dash > 0) {
    firstText = words[0].slice(0, dash);
    lastText = words[0].slice(dash + 1);
  }
  const first = parseNumber(firstText);
  if (first === null) return { ok: false, message: `"${firstText}" is not a port number; ${IO_HELP}` };
  let last = first;
  if (lastText !== undefined) {
    const l = parseNumber(lastText);
    if (l === null) return { ok: false, message: `"${lastText}" is not a port number; ${IO_HELP}` };
    if (l < first) return { ok: false, message: `the range ends (${hex(l)}) before it starts (${hex(first)})` };
    last = l;
  } else if (count !== undefined) {
    last = first + count - 1;
  }
  if (first > 0xffff) return { ok: false, message: `port ${hex(first)} is out of range (ports are 0x0-0xffff)` };
  if (last > 0xffff) return { ok: false, message: `the range ${hex(first)}-${hex(last)} is out of range (ports end at 0xffff)` };
  const where = first === last ? hex(first) : `${hex(first)}-${hex(last)}`;
  const text = `io ${where}${access === 'rw' ? '' : ' ' + access}`;
  return { ok: true, value: { first, last, access, text } };
}

/** Validates what the user types for an MMIO breakpoint (`mmio` prefix optional). */
export function validateMmio(input: string): Validation<MmioSpec> {
  const words = input.trim().replace(/^mmio\b\s*/i, '').split(/\s+/).filter((w) => w !== '');
  if (words.length === 0) return { ok: false, message: MMIO_HELP };
  if (words.length > 2) return { ok: false, message: `too many words; ${MMIO_HELP}` };
  const access = parseAccess(words[1]);
  if (access === null) return { ok: false, message: `unknown access "${words[1]}": use r, w or rw` };
  let addrText = words[0];
  let length = 1;
  const plus = words[0].indexOf('+');
  const dash = words[0].indexOf('-', 1);
  if (plus > 0) {
    addrText = words[0].slice(0, plus);
    const l = parseNumber(words[0].slice(plus + 1));
    if (l === null) return { ok: false, message: `"${words[0].slice(plus + 1)}" is not a length; ${MMIO_HELP}` };
    if (l < 1) return { ok: false, message: 'the length must be at least 1' };
    length = l;
  } else if (dash > 0) {
    addrText = words[0].slice(0, dash);
    const lastAddr = parseNumber(words[0].slice(dash + 1));
    const a = parseNumber(addrText);
    if (lastAddr === null || a === null) return { ok: false, message: MMIO_HELP };
    if (lastAddr < a) return { ok: false, message: `the range ends (${hex(lastAddr)}) before it starts (${hex(a)})` };
    length = lastAddr - a + 1;
  }
  const address = parseNumber(addrText);
  if (address === null) return { ok: false, message: `"${addrText}" is not an address; ${MMIO_HELP}` };
  if (address > 0xffffffff) return { ok: false, message: `address ${hex(address)} is out of range (physical addresses are 32-bit)` };
  if (address + length > 0x100000000) return { ok: false, message: `${hex(address)}+${length} is out of range (it wraps past 0xffffffff)` };
  const text = `mmio ${hex(address)}${length === 1 ? '' : '+' + length}${access === 'rw' ? ' rw' : ' ' + access}`;
  return { ok: true, value: { address, length, access, text } };
}

const HIT_HELP = 'accepted: 5 · ==5 · >=5 · >5 · <=5 · <5 · 5..8 · 5-8 · %3 (empty = every hit)';

/** Validates a hit condition (SPEC §5) and returns the trigger/disable window it means. */
export function validateHitCondition(input: string): Validation<HitWindow | null> {
  const t = input.trim();
  if (t === '') return { ok: true, value: null };
  const num = '(0x[0-9a-fA-F]+|[0-9]+)';
  const n = (s: string): number => (s.toLowerCase().startsWith('0x') ? parseInt(s, 16) : parseInt(s, 10));
  let m: RegExpExecArray | null;
  let w: HitWindow | null = null;
  if ((m = new RegExp(`^(?:==?)?\\s*${num}$`).exec(t))) {
    const v = n(m[1]); if (v >= 1) w = { trigger: v, disable: v, period: 0 };
  } else if ((m = new RegExp(`^>=\\s*${num}$`).exec(t))) {
    const v = n(m[1]); if (v >= 1) w = { trigger: v, disable: null, period: 0 };
  } else if ((m = new RegExp(`^>\\s*${num}$`).exec(t))) {
    w = { trigger: n(m[1]) + 1, disable: null, period: 0 };
  } else if ((m = new RegExp(`^<=\\s*${num}$`).exec(t))) {
    const v = n(m[1]); if (v >= 1) w = { trigger: 1, disable: v, period: 0 };
  } else if ((m = new RegExp(`^<\\s*${num}$`).exec(t))) {
    const v = n(m[1]); if (v >= 2) w = { trigger: 1, disable: v - 1, period: 0 };
  } else if ((m = new RegExp(`^${num}\\s*(?:\\.\\.|-)\\s*${num}$`).exec(t))) {
    const a = n(m[1]); const b = n(m[2]); if (a >= 1 && b >= a) w = { trigger: a, disable: b, period: 0 };
  } else if ((m = new RegExp(`^%\\s*${num}$`).exec(t))) {
    const v = n(m[1]); if (v >= 1) w = { trigger: v, disable: null, period: v };
  }
  return w ? { ok: true, value: w } : { ok: false, message: `"${t}" is not a hit condition; ${HIT_HELP}` };
}

/** The message for an input box: undefined when valid (VS Code's validateInput convention). */
export function inputMessage<T>(v: Validation<T>): string | undefined {
  return v.ok ? undefined : v.message;
}

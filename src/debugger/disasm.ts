/**
 * Disassembly through iced-x86: NASM syntax by default, Intel (XED), MASM or AT&T on request.
 * Symbols are not spliced into iced's text (so the text equals iced-x86's own output); they come
 * back in `symbol` (label at the instruction) and `targetSymbol` (branch target's name).
 */
import { Decoder, DecoderOptions, FlowControl, Formatter, FormatterSyntax, Instruction, Mnemonic } from 'iced-x86';

export type DisasmSyntax = 'nasm' | 'intel' | 'masm' | 'att';

export interface DisasmLine {
  address: number;
  length: number;
  bytes: number[];
  text: string;
  mnemonic: string;
  /** True for bytes iced-x86 could not decode (shown as `(bad)`), or unreadable memory. */
  invalid: boolean;
  /** Direct branch/call target, if any. */
  target?: number;
  flow: InstrFlow;
  /** The instruction is a CALL (near or far, direct or indirect). */
  isCall: boolean;
  /** INT n / INT3 / INTO. */
  isInt: boolean;
  /** A string instruction with a REP/REPE/REPNE prefix. */
  isRep: boolean;
  /** LOOP/LOOPE/LOOPNE. */
  isLoop: boolean;
}

export type InstrFlow = 'next' | 'jump' | 'indirect-jump' | 'branch' | 'return' | 'call' | 'indirect-call' | 'interrupt' | 'other';

const SYNTAX: Record<DisasmSyntax, FormatterSyntax> = {
  nasm: FormatterSyntax.Nasm,
  intel: FormatterSyntax.Intel,
  masm: FormatterSyntax.Masm,
  att: FormatterSyntax.Gas,
};

const formatters = new Map<DisasmSyntax, Formatter>();
function formatter(syntax: DisasmSyntax): Formatter {
  let f = formatters.get(syntax);
  if (!f) {
    f = new Formatter(SYNTAX[syntax]);
    formatters.set(syntax, f);
  }
  return f;
}

export function parseSyntax(s: unknown): DisasmSyntax {
  if (typeof s !== 'string') return 'nasm';
  const l = s.toLowerCase();
  if (l === 'intel' || l === 'masm' || l === 'nasm') return l;
  if (l === 'att' || l === 'at&t' || l === 'gas') return 'att';
  return 'nasm';
}

function flowOf(f: FlowControl): InstrFlow {
  switch (f) {
    case FlowControl.Next: return 'next';
    case FlowControl.UnconditionalBranch: return 'jump';
    case FlowControl.IndirectBranch: return 'indirect-jump';
    case FlowControl.ConditionalBranch: return 'branch';
    case FlowControl.Return: return 'return';
    case FlowControl.Call: return 'call';
    case FlowControl.IndirectCall: return 'indirect-call';
    case FlowControl.Interrupt: return 'interrupt';
    default: return 'other';
  }
}

const MAX_INSN = 15;

/**
 * Decodes `count` instructions starting at `address`. `read` gives a byte or -1 when unreadable; an
 * unreadable byte makes a one-byte invalid line. `bitness` is 16 or 32. `ipBase` is subtracted
 * from linear addresses to get the instruction pointer used for relative branch targets (the CS base).
 */
export function disassemble(read: (linear: number) => number, address: number, count: number, bitness: 16 | 32,
  syntax: DisasmSyntax = 'nasm', ipBase = 0): DisasmLine[] {
  const out: DisasmLine[] = [];
  const fmt = formatter(syntax);
  const instr = new Instruction();
  let addr = address >>> 0;
  try {
    while (out.length < count) {
      const buf: number[] = [];
      for (let i = 0; i < MAX_INSN; i++) {
        const b = read((addr + i) >>> 0);
        if (b < 0) break;
        buf.push(b);
      }
      if (buf.length === 0) {
        out.push(badLine(addr, [], '??'));
        addr = (addr + 1) >>> 0;
        continue;
      }
      const ip = (addr - ipBase) >>> 0;
      const dec = new Decoder(bitness, Uint8Array.from(buf), DecoderOptions.None);
      try {
        dec.ip = BigInt(bitness === 16 ? ip & 0xffff : ip);
        dec.decodeOut(instr);
      } finally {
        dec.free();
      }
      if (instr.isInvalid) {
        out.push(badLine(addr, [buf[0]], '(bad)'));
        addr = (addr + 1) >>> 0;
        continue;
      }
      const len = instr.length;
      const text = fmt.format(instr);
      const flow = flowOf(instr.flowControl);
      const line: DisasmLine = {
        address: addr,
        length: len,
        bytes: buf.slice(0, len),
        text,
        mnemonic: text.split(' ')[0],
        invalid: false,
        flow,
        isCall: flow === 'call' || flow === 'indirect-call',
        isInt: flow === 'interrupt' || instr.mnemonic === Mnemonic.Int || instr.mnemonic === Mnemonic.Int3 || instr.mnemonic === Mnemonic.Into,
        isRep: instr.isStringInstruction && (instr.hasRepPrefix || instr.hasRepePrefix || instr.hasRepnePrefix),
        isLoop: instr.isLoop || instr.isLoopcc,
      };
      if (flow === 'call' || flow === 'jump' || flow === 'branch') {
        if (instr.isCallNear || instr.isJmpShortOrNear || instr.isJccShortOrNear || instr.isLoop || instr.isLoopcc || instr.isJcxShort) {
          const t = Number(instr.nearBranchTarget);
          line.target = (t + ipBase) >>> 0;
        }
      }
      out.push(line);
      addr = (addr + len) >>> 0;
    }
  } finally {
    instr.free();
  }
  return out;
}

function badLine(address: number, bytes: number[], text: string): DisasmLine {
  return { address, length: 1, bytes, text, mnemonic: text, invalid: true, flow: 'other', isCall: false, isInt: false, isRep: false, isLoop: false };
}

/**
 * Disassembles `count` instructions ending just before `address` (for negative instruction offsets):
 * tries start points up to count*15 bytes back and keeps the one whose decoding lands exactly on
 * `address` with the fewest invalid instructions. `anchors` (symbol and line starts) are preferred.
 */
export function disassembleBackward(read: (linear: number) => number, address: number, count: number, bitness: 16 | 32,
  syntax: DisasmSyntax = 'nasm', ipBase = 0, anchors: number[] = []): DisasmLine[] {
  if (count <= 0) return [];
  const span = Math.min(count * MAX_INSN, 4096);
  const lo = Math.max(0, address - span);
  const starts: number[] = anchors.filter((a) => a >= lo && a < address).sort((a, b) => a - b);
  for (let s = lo; s < address && starts.length < 64 + anchors.length; s += 1) starts.push(s);
  let best: DisasmLine[] | undefined;
  let bestScore = -Infinity;
  const tried = new Set<number>();
  for (const s of starts) {
    if (tried.has(s)) continue;
    tried.add(s);
    const lines: DisasmLine[] = [];
    let a = s;
    let guard = 0;
    while (a < address && guard++ < span + 1) {
      const l = disassemble(read, a, 1, bitness, syntax, ipBase)[0];
      lines.push(l);
      a += l.length;
    }
    if (a !== address) continue;
    const tail = lines.slice(-count);
    const invalid = tail.filter((l) => l.invalid).length;
    const score = tail.length * 4 - invalid * 16 + (anchors.includes(s) ? 8 : 0);
    if (score > bestScore) {
      bestScore = score;
      best = tail;
    }
    if (tail.length === count && invalid === 0 && anchors.includes(s)) break;
  }
  if (!best) {
    // Could not synchronise: show raw bytes.
    best = [];
    for (let a = address - Math.min(count, address); a < address; a++) {
      const b = read(a);
      best.push(badLine(a, b < 0 ? [] : [b], b < 0 ? '??' : `db 0x${b.toString(16).padStart(2, '0')}`));
    }
  }
  // Pad at the front with unknown lines so callers get exactly `count`.
  while (best.length < count) {
    const first = best.length ? best[0].address : address;
    best.unshift(badLine((first - 1) >>> 0, [], '??'));
  }
  return best;
}

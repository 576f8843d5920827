/**
 * Breakpoint commands in the VirtualBox-debugger style (SPEC §6 REPL, SPEC §8 `x86vm run --break`):
 *
 *   bp ADDR [trigger [disable]]                      software (INT3)
 *   br ADDR [trigger [disable]]                      emulator
 *   ba x|r|w|i 1|2|4|8 ADDR [trigger [disable]]      hardware (r = read-write, as x86 has no read-only)
 *   bw ADDR[+LEN] [r|w|rw] [trigger [disable]]       memory watch (linear)
 *   bo PORT[-LASTPORT] [r|w|rw] [trigger [disable]]  I/O port
 *   bm ADDR[+LEN] [r|w|rw] [trigger [disable]]       MMIO (physical)
 *   bl                                               list
 *   bc|bd|be all|ID…                                 clear / disable / enable
 *
 * `trigger [disable]` are plain numbers (the seed's counts: `bp x 3` stops from the 3rd hit on,
 * `bp x 3 5` on hits 3 to 5); instead of them a hit condition of SPEC §5 may be given (`==3`,
 * `>=5`, `5..8`, `%3`). ADDR is a number (0x1f, 1fh, 31) or a symbol with optional +/- offsets,
 * resolved by the caller's resolver; in `bw`/`bm` the last `+N` is the length. Access defaults to rw.
 */
import { isHitConditionError, parseHitCondition, formatWindow, HIT_CONDITION_FORMS } from './hitCondition';
import type { HitWindow } from './hitCondition';
import type { BreakpointManager } from './manager';
import type { AccessSet, BreakpointHit, BreakpointInfo, BreakpointOutcome, HardwareType } from './types';

/** Resolves a symbol name to an address, or undefined when unknown. */
export type SymbolResolver = (name: string) => number | undefined;

export type BreakCommand =
  | { cmd: 'set'; kind: 'software' | 'emulator'; address: number; window: HitWindow }
  | { cmd: 'set'; kind: 'hardware'; type: HardwareType; length: number; address: number; window: HitWindow }
  | { cmd: 'set'; kind: 'watch' | 'mmio'; address: number; length: number; access: AccessSet; window: HitWindow }
  | { cmd: 'set'; kind: 'port'; port: number; count: number; access: AccessSet; window: HitWindow }
  | { cmd: 'list' }
  | { cmd: 'clear' | 'disable' | 'enable'; ids: number[] | 'all' };

export interface BreakCommandResult {
  ok: boolean;
  /** One line (several for `bl` and multi-id commands) for the user. */
  message: string;
  /** Breakpoints created/found/changed. */
  ids: number[];
  /** The manager's outcome for a single set/enable/disable/clear. */
  outcome?: BreakpointOutcome;
}

const COMMANDS = new Set(['bp', 'br', 'ba', 'bw', 'bo', 'bm', 'bl', 'bc', 'bd', 'be']);
const SET_COMMANDS = new Set(['bp', 'br', 'ba', 'bw', 'bo', 'bm']);

const USAGE: Record<string, string> = {
  bp: 'bp ADDR [trigger [disable]]',
  br: 'br ADDR [trigger [disable]]',
  ba: 'ba x|r|w|i 1|2|4|8 ADDR [trigger [disable]]',
  bw: 'bw ADDR[+LEN] [r|w|rw] [trigger [disable]]',
  bo: 'bo PORT[-LASTPORT] [r|w|rw] [trigger [disable]]',
  bm: 'bm ADDR[+LEN] [r|w|rw] [trigger [disable]]',
  bl: 'bl',
  bc: 'bc all|ID…',
  bd: 'bd all|ID…',
  be: 'be all|ID…',
};

/** True when the text starts with one of the breakpoint command names. */
export function isBreakCommand(text: string): boolean {
  return COMMANDS.has(text.trim().split(/\s+/)[0]?.toLowerCase() ?? '');
}

class ParseError extends Error {}

/** A NASM-style number: 0x1f, 1fh, 0b101, 31. NaN when it is not one. */
export function parseNumber(text: string): number {
  let n: number;
  if (/^0x[0-9a-f]+$/i.test(text)) n = parseInt(text.slice(2), 16);
  else if (/^[0-9][0-9a-f]*h$/i.test(text)) n = parseInt(text.slice(0, -1), 16);
  else if (/^0b[01]+$/i.test(text)) n = parseInt(text.slice(2), 2);
  else if (/^[0-9]+$/.test(text)) n = parseInt(text, 10);
  else return NaN;
  return Number.isSafeInteger(n) ? n : NaN;
}

const SYMBOL = /^[A-Za-z_.?@$][\w.?@$]*$/;

/** ADDR: a number or symbol, with +/- offsets (`main+4`, `buf-2`, `*0x7c00`). */
function parseAddress(text: string, resolve: SymbolResolver | undefined, what = 'address'): number {
  const t = text.startsWith('*') ? text.slice(1) : text;
  if (t === '') throw new ParseError(`missing ${what}`);
  const parts = t.split(/(?=[+-])|(?<=[+-])/);
  let value = 0;
  let sign = 1;
  let expectTerm = true;
  for (const p of parts) {
    if (p === '+' || p === '-') {
      if (expectTerm) throw new ParseError(`bad ${what} '${text}'`);
      sign = p === '-' ? -1 : 1;
      expectTerm = true;
      continue;
    }
    if (!expectTerm) throw new ParseError(`bad ${what} '${text}'`);
    let v = parseNumber(p);
    if (Number.isNaN(v)) {
      if (!SYMBOL.test(p)) throw new ParseError(`bad ${what} '${text}': '${p}' is neither a number nor a symbol`);
      const r = resolve ? resolve(p) : undefined;
      if (r === undefined) throw new ParseError(`unknown symbol '${p}'`);
      v = r;
    }
    value += sign * v;
    expectTerm = false;
  }
  if (expectTerm) throw new ParseError(`bad ${what} '${text}'`);
  return value;
}

function parseAccess(tok: string | undefined): AccessSet | undefined {
  switch (tok?.toLowerCase()) {
    case 'r':
      return 'read';
    case 'w':
      return 'write';
    case 'rw':
      return 'readWrite';
    default:
      return undefined;
  }
}

/** The trailing `[trigger [disable]]`, or one hit condition of SPEC §5. */
function parseWindow(rest: string[]): HitWindow {
  if (rest.length === 0) return { trigger: 1, disable: Infinity, period: 0 };
  const joined = rest.join(' ');
  if (/^[=<>%]/.test(joined) || /\.\.|^\S+\s*-\s*\S+$/.test(joined)) {
    const w = parseHitCondition(joined);
    if (isHitConditionError(w)) throw new ParseError(w.error);
    return w;
  }
  if (rest.length > 2) throw new ParseError(`too many arguments: '${joined}'`);
  const trigger = parseNumber(rest[0]);
  if (Number.isNaN(trigger)) throw new ParseError(`bad trigger '${rest[0]}': a number or a hit condition (${HIT_CONDITION_FORMS})`);
  let disable = Infinity;
  if (rest.length === 2) {
    disable = parseNumber(rest[1]);
    if (Number.isNaN(disable)) throw new ParseError(`bad disable count '${rest[1]}': a number`);
  }
  return { trigger, disable, period: 0 };
}

function parseIds(args: string[]): number[] | 'all' {
  const toks = args.join(' ').split(/[\s,]+/).filter((s) => s !== '');
  if (toks.length === 0) throw new ParseError('give breakpoint ids or all');
  if (toks.length === 1 && toks[0].toLowerCase() === 'all') return 'all';
  return toks.map((t) => {
    const n = parseNumber(t);
    if (Number.isNaN(n)) throw new ParseError(`bad breakpoint id '${t}'`);
    return n;
  });
}

/** Parses one command; `{error}` says what is wrong and the usage. */
export function parseBreakCommand(text: string, resolve?: SymbolResolver): BreakCommand | { error: string } {
  const toks = text.trim().split(/\s+/).filter((s) => s !== '');
  const name = (toks[0] ?? '').toLowerCase();
  const args = toks.slice(1);
  if (!COMMANDS.has(name)) return { error: `unknown breakpoint command '${toks[0] ?? ''}' (bp, br, ba, bw, bo, bm, bl, bc, bd, be)` };
  try {
    switch (name) {
      case 'bl':
        if (args.length > 0) throw new ParseError('bl takes no arguments');
        return { cmd: 'list' };
      case 'bc':
      case 'bd':
      case 'be':
        return { cmd: name === 'bc' ? 'clear' : name === 'bd' ? 'disable' : 'enable', ids: parseIds(args) };
      case 'bp':
      case 'br': {
        if (args.length === 0) throw new ParseError('missing address');
        return { cmd: 'set', kind: name === 'bp' ? 'software' : 'emulator', address: parseAddress(args[0], resolve), window: parseWindow(args.slice(1)) };
      }
      case 'ba': {
        if (args.length < 3) throw new ParseError('missing arguments');
        const types: Record<string, HardwareType> = { x: 'exec', r: 'readWrite', w: 'write', i: 'io' };
        const type = types[args[0].toLowerCase()];
        if (!type) throw new ParseError(`bad type '${args[0]}': x (execute), r (read-write), w (write) or i (I/O)`);
        const length = parseNumber(args[1]);
        if (length !== 1 && length !== 2 && length !== 4 && length !== 8) throw new ParseError(`bad length '${args[1]}': 1, 2, 4 or 8`);
        return { cmd: 'set', kind: 'hardware', type, length, address: parseAddress(args[2], resolve, type === 'io' ? 'port' : 'address'), window: parseWindow(args.slice(3)) };
      }
      case 'bw':
      case 'bm': {
        if (args.length === 0) throw new ParseError('missing address');
        const m = /^(.+)\+([^+]+)$/.exec(args[0]);
        let address: number;
        let length = 1;
        if (m && !Number.isNaN(parseNumber(m[2]))) {
          address = parseAddress(m[1], resolve);
          length = parseNumber(m[2]);
        } else {
          address = parseAddress(args[0], resolve);
        }
        let i = 1;
        const access = parseAccess(args[1]);
        if (access) i = 2;
        return { cmd: 'set', kind: name === 'bw' ? 'watch' : 'mmio', address, length, access: access ?? 'readWrite', window: parseWindow(args.slice(i)) };
      }
      case 'bo': {
        if (args.length === 0) throw new ParseError('missing port');
        const m = /^([^-]+)-(.+)$/.exec(args[0]);
        const port = parseAddress(m ? m[1] : args[0], resolve, 'port');
        const last = m ? parseAddress(m[2], resolve, 'port') : port;
        if (last < port) throw new ParseError(`the port range ${args[0]} is empty`);
        let i = 1;
        const access = parseAccess(args[1]);
        if (access) i = 2;
        return { cmd: 'set', kind: 'port', port, count: last - port + 1, access: access ?? 'readWrite', window: parseWindow(args.slice(i)) };
      }
    }
  } catch (e) {
    if (e instanceof ParseError) return { error: `${name}: ${e.message}; usage: ${USAGE[name]}` };
    throw e;
  }
  return { error: `unknown breakpoint command '${name}'` };
}

/** Parses and executes one command against the manager. */
export function executeBreakCommand(manager: BreakpointManager, text: string, resolve?: SymbolResolver): BreakCommandResult {
  const c = parseBreakCommand(text, resolve);
  if ('error' in c) return { ok: false, message: c.error, ids: [], outcome: 'invalidParameter' };
  switch (c.cmd) {
    case 'list':
      return { ok: true, message: formatBreakpointList(manager.list()), ids: manager.list().map((b) => b.id) };
    case 'clear':
    case 'disable':
    case 'enable': {
      const ids = c.ids === 'all' ? manager.list().map((b) => b.id) : c.ids;
      if (ids.length === 0) return { ok: true, message: 'no breakpoints', ids: [] };
      const results = ids.map((id) => manager[c.cmd](id));
      return {
        ok: results.every((r) => r.ok),
        message: results.map((r) => r.message).join('\n'),
        ids,
        outcome: results.length === 1 ? results[0].outcome : undefined,
      };
    }
    case 'set': {
      const w = { trigger: c.window.trigger, disable: c.window.disable, period: c.window.period };
      let r;
      switch (c.kind) {
        case 'software':
          r = manager.setSoftware({ address: c.address, ...w });
          break;
        case 'emulator':
          r = manager.setEmulator({ address: c.address, ...w });
          break;
        case 'hardware':
          r = manager.setHardware({ address: c.address, type: c.type, length: c.length, ...w });
          break;
        case 'watch':
          r = manager.setWatch({ address: c.address, length: c.length, access: c.access, ...w });
          break;
        case 'mmio':
          r = manager.setMmio({ address: c.address, length: c.length, access: c.access, ...w });
          break;
        case 'port':
          r = manager.setPort({ port: c.port, count: c.count, access: c.access, ...w });
          break;
      }
      return { ok: r.ok, message: r.message, ids: r.id !== undefined ? [r.id] : [], outcome: r.outcome };
    }
  }
}

/** The `bl` listing: id, enabled, kind, location, hits, window (+ logpoint / spent). */
export function formatBreakpointList(list: readonly BreakpointInfo[]): string {
  if (list.length === 0) return 'no breakpoints';
  const rows = list.map((b) => {
    const notes = [b.logpoint ? 'logpoint' : '', b.spent ? 'spent' : ''].filter((s) => s).join(', ');
    return [String(b.id), b.enabled ? 'e' : 'd', b.kind, b.location, String(b.hits), formatWindow(b) + (notes ? ` (${notes})` : '')];
  });
  const head = ['id', 'en', 'kind', 'location', 'hits', 'window'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i === 0 || i === 4 ? c.padStart(widths[i]) : i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
  return [line(head), ...rows.map(line)].join('\n');
}

/**
 * Arms the `--break` commands of `x86vm run` (only breakpoint-setting commands). Ids are 1, 2, 3… in
 * order on a fresh manager. A refused one (invalid parameter, out of range, no more hardware slots,
 * bad syntax) gives `{ok: false, message}`: the caller exits with status 2 before the guest starts.
 */
export function armBreakCommands(
  manager: BreakpointManager,
  commands: readonly string[],
  resolve?: SymbolResolver,
): { ok: true; ids: number[] } | { ok: false; message: string } {
  const ids: number[] = [];
  for (const text of commands) {
    const name = text.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
    if (!SET_COMMANDS.has(name)) {
      return { ok: false, message: `--break '${text}': not a breakpoint-setting command (bp, br, ba, bw, bo, bm)` };
    }
    const r = executeBreakCommand(manager, text, resolve);
    if (!r.ok) return { ok: false, message: `--break '${text}': ${r.message}` };
    ids.push(...r.ids);
  }
  return { ok: true, ids };
}

/** One fire as the JSON line `x86vm run --break` writes to stderr. */
export function hitToJson(hit: BreakpointHit): string {
  const o: Record<string, string | number> = { id: hit.id, kind: hit.kind, hits: hit.hits, eip: hit.eip };
  if (hit.access !== 'exec') {
    o.access = hit.access;
    if (hit.port !== undefined) o.port = hit.port;
    else if (hit.address !== undefined) o.address = hit.address;
    if (hit.size !== undefined) o.size = hit.size;
    if (hit.value !== undefined) o.value = hit.value;
  }
  return JSON.stringify(o);
}

/** A listener for `manager.onFire` writing one JSON line per fire. */
export function jsonHitReporter(write: (line: string) => void): (hit: BreakpointHit) => void {
  return (hit) => write(hitToJson(hit) + '\n');
}

/**
 * The hit-condition grammar of SPEC §5, shared by the DAP adapter (`hitCondition`) and the REPL /
 * `--break` commands. A hit condition becomes a hit window: the breakpoint stops iff
 * `trigger <= hits <= disable` and, with a period, `hits % period === 0`.
 */

export interface HitWindow {
  /** First hit that stops (>= 1). */
  trigger: number;
  /** Last hit that stops; `Infinity` when unbounded. */
  disable: number;
  /** Stop only on multiples of this (0 = every hit of the window). */
  period: number;
}

export interface HitConditionError {
  error: string;
}

/** What the grammar accepts, quoted in every error message. */
export const HIT_CONDITION_FORMS =
  'N, ==N, =N (the Nth hit only), >=N, >N, <=N, <N, N..M or N-M (hits N to M), %N (every Nth hit); ' +
  'N and M are decimal or 0x-hex, at least 1';

/** The unbounded window: every hit stops. */
export const EVERY_HIT: Readonly<HitWindow> = Object.freeze({ trigger: 1, disable: Infinity, period: 0 });

const NUM = '(0[xX][0-9a-fA-F]+|[0-9]+)';
const SINGLE = new RegExp(`^(==|=|>=|>|<=|<|%)?\\s*${NUM}$`);
const RANGE = new RegExp(`^${NUM}\\s*(\\.\\.|-)\\s*${NUM}$`);

function num(text: string): number {
  const n = /^0[xX]/.test(text) ? parseInt(text.slice(2), 16) : parseInt(text, 10);
  return Number.isSafeInteger(n) ? n : NaN;
}

function fail(text: string, why: string): HitConditionError {
  return { error: `invalid hit condition '${text}': ${why}; accepted: ${HIT_CONDITION_FORMS}` };
}

/**
 * Parses a hit condition. Empty (or all-blank) text means no hit condition: every hit stops.
 * Returns the window, or `{error}` with a one-line message saying what is accepted.
 */
export function parseHitCondition(text: string): HitWindow | HitConditionError {
  const t = text.trim();
  if (t === '') return { ...EVERY_HIT };
  const range = RANGE.exec(t);
  if (range) {
    const lo = num(range[1]);
    const hi = num(range[3]);
    if (Number.isNaN(lo) || Number.isNaN(hi)) return fail(text, 'number too large');
    if (lo < 1) return fail(text, 'hit counts start at 1');
    if (hi < lo) return fail(text, `the window ${lo}..${hi} is empty`);
    return { trigger: lo, disable: hi, period: 0 };
  }
  const m = SINGLE.exec(t);
  if (!m) return fail(text, 'not a hit condition');
  const n = num(m[2]);
  if (Number.isNaN(n)) return fail(text, 'number too large');
  switch (m[1]) {
    case undefined:
    case '==':
    case '=':
      if (n < 1) return fail(text, 'hit counts start at 1, so it never stops');
      return { trigger: n, disable: n, period: 0 };
    case '>=':
      return { trigger: Math.max(1, n), disable: Infinity, period: 0 };
    case '>':
      return { trigger: n + 1, disable: Infinity, period: 0 };
    case '<=':
      if (n < 1) return fail(text, 'hit counts start at 1, so it never stops');
      return { trigger: 1, disable: n, period: 0 };
    case '<':
      if (n < 2) return fail(text, 'hit counts start at 1, so it never stops');
      return { trigger: 1, disable: n - 1, period: 0 };
    case '%':
      if (n < 1) return fail(text, 'the period must be at least 1');
      return { trigger: n, disable: Infinity, period: n };
    default:
      return fail(text, 'not a hit condition');
  }
}

export function isHitConditionError(r: HitWindow | HitConditionError): r is HitConditionError {
  return (r as HitConditionError).error !== undefined;
}

/** "5..8", "5", "3.. every 3rd", "1..∞" — the window as `bl` and breakpoint messages show it. */
export function formatWindow(w: { trigger: number; disable: number; period: number }): string {
  const base = w.trigger === w.disable ? `${w.trigger}` : `${w.trigger}..${w.disable === Infinity ? '∞' : w.disable}`;
  return w.period > 1 ? `${base} %${w.period}` : base;
}

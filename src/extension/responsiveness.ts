/**
 * Extension-host responsiveness, measured inside the extension host: each probe is a command
 * round trip (`x86vm.ping`, answered on a later turn of the event loop, so it waits behind any
 * machine slice that is running). Pure: the summary of the probe times.
 */

export interface ProbeSummary {
  count: number;
  /** Milliseconds, rounded to 0.1 ms. */
  median: number;
  p90: number;
  max: number;
  times: number[];
}

const r1 = (x: number): number => Math.round(x * 10) / 10;

/** Median (mean of the two middle values for an even count), 90th percentile (nearest rank) and max. */
export function summarizeProbes(times: readonly number[]): ProbeSummary {
  if (times.length === 0) throw new Error('no probe times');
  const s = [...times].sort((a, b) => a - b);
  const n = s.length;
  const median = n % 2 === 1 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  const p90 = s[Math.min(n - 1, Math.ceil(0.9 * n) - 1)];
  return { count: n, median: r1(median), p90: r1(p90), max: r1(s[n - 1]), times: times.map(r1) };
}

/** The one-line report the command shows (the e2e test parses it). */
export function probeReport(s: ProbeSummary, machine: string): string {
  return `x86 VM: the extension host answered ${s.count} command probes: median ${s.median} ms, p90 ${s.p90} ms, max ${s.max} ms (machine ${machine})`;
}

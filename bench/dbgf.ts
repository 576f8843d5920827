/**
 * Breakpoint overhead (SPEC §9), as ratios measured in one run against the same guest with no
 * breakpoints: 100,000 armed breakpoints on addresses never reached (< 2 %), 4 hardware data
 * breakpoints (< 10 %), a port breakpoint on another port (≈ 0), an MMIO breakpoint on another page.
 * The guest is bench/dbgf-loop.asm (bytes embedded below, checked against nasm by a test).
 */
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { BreakpointManager } from '../src/dbgf/manager';
import type { CpuApi } from '../src/vm/cpuApi';
import { Reg, Seg } from '../src/vm/cpuApi';
import { Cpu } from '../src/vm/cpu/cpu';
import { jitConfig } from '../src/vm/cpu/jit';
import { StopReason } from '../src/vm/hooks';
import { IoBus } from '../src/vm/iobus';
import { Memory } from '../src/vm/memory';
import type { BenchOptions, BenchRow } from './types';

/** bench/dbgf-loop.asm up to `iters` (nasm -f bin). */
const LOOP_CODE = '31c08ed8668b0e287cbe2c7c31db8b0401c3895c0283c60481fe2c7d72f088d8e680664975e3faf4';
export const LOOP_ORG = 0x7c00;
const ITERS_AT = 0x28;
const DATA_DWORDS = 64;

/** The guest image, `iters` outer iterations (≈ 391 instructions each). */
export function loopImage(iters: number): Uint8Array {
  const img = new Uint8Array(ITERS_AT + 4 + DATA_DWORDS * 4);
  img.set(Buffer.from(LOOP_CODE, 'hex'));
  const dv = new DataView(img.buffer);
  dv.setUint32(ITERS_AT, iters, true);
  for (let i = 0; i < DATA_DWORDS; i++) dv.setUint32(ITERS_AT + 4 + 4 * i, 1, true);
  return img;
}

/** A full garbage collection before each timed run, so that one configuration's garbage (clearing
 * 100,000 breakpoints) is not collected during another's run. */
function collector(): () => void {
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as unknown;
    if (typeof gc === 'function') return gc as () => void;
  } catch {
    // fall through
  }
  return () => undefined;
}

let gcOnce: (() => void) | null = null;
const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * Before a timed run: a full garbage collection, then `pauseMs` of sleep so that V8's background
 * threads finish sweeping (their CPU time counts in the process's, which is what the benches time).
 */
export function settle(pauseMs: number): void {
  if (gcOnce === null) gcOnce = collector();
  gcOnce();
  Atomics.wait(sleeper, 0, 0, pauseMs);
}

/** Arms a configuration; `far` is where its breakpoints go (never executed nor accessed by the guest). */
type Setup = (m: BreakpointManager, far?: number, farPhysical?: number) => void;

interface Config {
  name: string;
  setup: Setup;
  /** Upper bound of the goal, in % overhead (for the note). */
  goal?: number;
}

const FAR = 0x100000; // 1 MiB and up: never executed nor accessed by the loop

export const CONFIGS: Config[] = [
  { name: 'no breakpoints', setup: () => undefined },
  {
    name: '100,000 armed bps elsewhere',
    goal: 2,
    setup: (m, far = FAR) => {
      for (let i = 0; i < 100_000; i++) {
        const r = i & 1 ? m.setSoftware({ address: far + i * 5 }) : m.setEmulator({ address: far + i * 5 });
        if (r.outcome !== 'created') throw new Error(r.message);
      }
    },
  },
  {
    name: '4 hardware data bps',
    goal: 10,
    setup: (m, far = FAR) => {
      for (let i = 0; i < 4; i++) {
        const r = m.setHardware({ address: far + 0x1000 * i, type: i & 1 ? 'write' : 'readWrite', length: 4 });
        if (r.outcome !== 'created') throw new Error(r.message);
      }
    },
  },
  { name: 'port bp on another port', goal: 1, setup: (m) => void m.setPort({ port: 0x3f8, count: 8, access: 'readWrite' }) },
  { name: 'MMIO bp on another page', goal: 1, setup: (m, _far, farPhysical = 0xb8000) => void m.setMmio({ address: farPhysical, length: 4000, access: 'write' }) },
];

/** One run of the loop from the start; returns [process CPU seconds, instructions]. */
function timeOnce(cpu: CpuApi, m: BreakpointManager, name: string): [number, number] {
  for (const s of [Seg.CS, Seg.DS, Seg.ES, Seg.SS]) cpu.loadSegment(s, 0);
  cpu.eip = LOOP_ORG;
  cpu.regs[Reg.ESP] = LOOP_ORG;
  cpu.setEflags(2);
  cpu.halted = false;
  const before = cpu.instructionCount;
  const c0 = process.cpuUsage();
  const r = m.run(1e12);
  const c = process.cpuUsage(c0);
  if (r !== StopReason.Halted) throw new Error(`${name}: the loop ended with stop reason ${r}, not HLT`);
  return [(c.user + c.system) / 1e6, cpu.instructionCount - before];
}

export interface DbgfBenchOptions extends Partial<BenchOptions> {
  /** Outer iterations of the loop per timed run (default 160,000 ≈ 62.6 M instructions: ≈ 100 ms translated, long enough to time). */
  iters?: number;
  /** Interleaved rounds, each a paired run of every configuration against the baseline (default 9). */
  rounds?: number;
}

function median(xs: number[]): number {
  const a = [...xs].sort((x, y) => x - y);
  return a.length % 2 ? a[a.length >> 1] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
}

export function benchDbgf(options: DbgfBenchOptions = {}): BenchRow[] {
  const rounds = options.rounds ?? 9;
  // One CPU and one manager for every configuration, so that they differ only in the breakpoints
  // armed (not in memory placement or JIT state); each configuration is armed just before its run.
  const mem = new Memory(4 << 20);
  const cpu = new Cpu(mem, new IoBus());
  mem.ram.set(loopImage(options.iters ?? 160_000), LOOP_ORG);
  const m = new BreakpointManager(cpu);
  const times = CONFIGS.map((): number[] => []);
  // Translations made or dropped during each configuration's timed runs: none means they ran the
  // very code the baseline ran (what its overhead figure then measures is the machine's noise).
  const changes = CONFIGS.map(() => 0);
  const translationChanges = (): number => { const t = cpu.translationCounts; return t === null ? 0 : t.compiled + t.invalidations; };
  let instructions = 0;
  const measure = (i: number): number => {
    m.clearAll();
    CONFIGS[i].setup(m);
    // V8 sweeps the garbage (100,000 cleared breakpoints) on background threads, whose CPU time
    // counts in the process's: let it finish (250 ms) and do an untimed run before timing.
    settle(250);
    timeOnce(cpu, m, CONFIGS[i].name);
    const before = translationChanges();
    let best = Infinity;
    for (let k = 0; k < 3; k++) {
      const [t, n] = timeOnce(cpu, m, CONFIGS[i].name);
      best = Math.min(best, t);
      instructions = n;
    }
    changes[i] += translationChanges() - before;
    return best;
  };
  for (let i = 0; i < CONFIGS.length; i++) measure(i); // warm-up (JIT)
  // Code run once per run (the loop's entry) is translated at its `threshold`-th entry: let that
  // happen before the rounds, not in whichever configuration's timed runs it falls.
  m.clearAll();
  for (let k = 0; k < jitConfig.threshold; k++) timeOnce(cpu, m, CONFIGS[0].name);
  changes.fill(0);
  for (let r = 0; r < rounds; r++) {
    // Alternate the order each round so that drift on a shared machine hits every config alike.
    const order = r & 1 ? [...CONFIGS.keys()].reverse() : [...CONFIGS.keys()];
    for (const i of order) times[i].push(measure(i));
  }
  m.detach();
  const base = Math.min(...times[0]);
  const rows: BenchRow[] = [
    { suite: 'dbgf', name: 'loop, manager attached, no breakpoints', value: instructions / base / 1e6, unit: 'MIPS', note: `${instructions} instructions, best of ${rounds}` },
  ];
  for (let i = 1; i < CONFIGS.length; i++) {
    const c = CONFIGS[i];
    // The median of the ratios to the baseline run of the same round: robust to load spikes. Their
    // middle half goes into the note (one slow baseline run moves a whole round's ratios): on a shared
    // machine a row whose breakpoints the guest never reaches reads a few % either way, and a reader
    // needs that to judge a figure near its goal.
    const paired = times[i].map((t, r) => t / times[0][r]).sort((x, y) => x - y);
    const ratio = median(paired);
    const q1 = paired[Math.floor((paired.length - 1) / 4)], q3 = paired[Math.ceil(3 * (paired.length - 1) / 4)];
    const overhead = Math.max(0, (ratio - 1) * 100);
    const pct = (x: number): string => `${x >= 1 ? '+' : '−'}${(Math.abs(x - 1) * 100).toFixed(1)}`;
    rows.push({
      suite: 'dbgf',
      name: c.name,
      value: Number(overhead.toFixed(2)),
      unit: '%',
      ratio: Number(ratio.toFixed(4)),
      note: `overhead vs no breakpoints (median of ${rounds} paired runs; their middle half ${pct(q1)} … ${pct(q3)} %; ${changes[i] === 0 ? 'no block translated or dropped in its timed runs' : `blocks translated and pages dropped in its timed runs: ${changes[i]}`}); goal < ${c.goal} %${overhead < (c.goal ?? Infinity) ? '' : ' — MISSED'}`,
    });
  }
  return rows;
}

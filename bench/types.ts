/**
 * One figure of `x86vm bench` (src/cli/bench.ts). Every bench module (bench/vm.ts → benchVm(),
 * bench/linux.ts → benchLinux(), bench/asm.ts → benchAsm(), bench/adapter.ts → benchAdapter(),
 * bench/dbgf.ts → benchDbgf()) returns an array of these; the runner prints them as a table and
 * stores them in bench/results.json.
 */
export interface BenchRow {
  /** Which module produced it: 'vm', 'linux', 'asm', 'adapter', 'dbgf'. */
  suite: string;
  /** What was measured, unique within the suite (e.g. 'sieve', '100,000 exec bps elsewhere'). */
  name: string;
  value: number;
  /**
   * Unit of `value`. It also says which direction is better for `--check`:
   * 'MIPS', 'ops/s', 'MB/s', 'x' (and anything else): higher is better;
   * 'ms', 's', 'us': lower is better; '%' (an overhead): lower is better.
   */
  unit: string;
  /** The same figure measured for the peer (qemu-i386, nasm…) in the same run, when compared. */
  peer?: number;
  /** value / peer (or the ratio the row is about), when meaningful. */
  ratio?: number;
  note?: string;
}

/** Options every bench function receives (they may ignore them). */
export interface BenchOptions {
  /** `--compare`: run the peers (qemu-i386, nasm…) side by side. */
  compare: boolean;
}

export type BenchFunction = (options: BenchOptions) => BenchRow[] | Promise<BenchRow[]>;

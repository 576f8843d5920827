/**
 * `npm run test:diff -- --cases N --seed S [--batch B] [--units U] [--reports R]`: long differential
 * runs against qemu-i386 (see runner.ts). Exit status 1 when any case differs.
 */
import { cleanup, runDiffAsync } from './runner';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return def;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v)) {
    process.stderr.write(`test:diff: --${name} needs a number\n`);
    process.exit(2);
  }
  return v;
}

const cases = arg('cases', 50000);
const seed = arg('seed', Date.now() % 0x100000000);
const t0 = Date.now();
void runDiffAsync({ cases, seed, batch: arg('batch', 2500), units: arg('units', 8), maxReports: arg('reports', 3) }).then((r) => {
  cleanup();
  for (const m of r.mismatches) if (m.report) process.stdout.write(m.report + '\n\n');
  process.stdout.write(`differential test: ${r.cases} cases, seed ${seed}, ${r.mismatches.length} mismatches ` +
    `(qemu ${r.qemuMs} ms, vm ${r.vmMs} ms, qemu crashes re-run ${r.qemuCrashes}, total ${Date.now() - t0} ms)\n`);
  process.exit(r.mismatches.length ? 1 : 0);
});

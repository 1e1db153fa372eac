import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { backfillBench } from './backfill.bench.js';
import { contractsJobBench } from './contracts-job.bench.js';
import { flagsBench } from './flags.bench.js';
import { gapRepairBench } from './gap-repair.bench.js';
import { historyBench } from './history.bench.js';
import { limiterBench } from './limiter.bench.js';
import { runnerOverheadBench } from './runner-overhead.bench.js';
import { seriesBench } from './series.bench.js';
import { upsertBench } from './upsert.bench.js';

const benches: Record<string, () => Promise<void>> = {
  'runner-overhead': runnerOverheadBench,
  upsert: upsertBench,
  'contracts-job': contractsJobBench,
  history: historyBench,
  limiter: limiterBench,
  'gap-repair': gapRepairBench,
  backfill: backfillBench,
  series: seriesBench,
  flags: flagsBench,
};

// Options (`--runs=N`, `--size=tiny`) are read by the benchmarks themselves.
const selected = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const unknown = selected.filter((name) => !(name in benches));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; available: ${Object.keys(benches).join(', ')}`);
  process.exit(2);
}
// One failed benchmark does not hide the others' figures; the exit code still says it failed.
const failed: string[] = [];
for (const [name, run] of Object.entries(benches)) {
  if (selected.length > 0 && !selected.includes(name)) continue;
  console.log(`\n=== ${name} ===`);
  const started = performance.now();
  try {
    await run();
  } catch (error) {
    failed.push(name);
    console.error(`\n${name} failed:`, error);
  }
  console.log(`\n(${name}: ${((performance.now() - started) / 1000).toFixed(1)} s)`);
}
if (failed.length > 0) console.error(`\nfailed: ${failed.join(', ')}`);
else console.log('\nall benchmarks ran to the end');
process.exit(failed.length > 0 ? 1 : 0);

import 'reflect-metadata';
import { upsertBench } from './upsert.bench.js';

const benches: Record<string, () => Promise<void>> = {
  upsert: upsertBench,
};

const selected = process.argv.slice(2);
for (const [name, run] of Object.entries(benches)) {
  if (selected.length > 0 && !selected.includes(name)) continue;
  console.log(`\n=== ${name} ===`);
  await run();
}

import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { systemClock } from '../src/jobs/clock.js';
import { JobRegistry } from '../src/jobs/job-registry.js';
import { JobRunnerService } from '../src/jobs/job-runner.service.js';
import { JobRunsRepository } from '../src/jobs/job-runs.repository.js';
import { ConcurrencySlotsRepository } from '../src/jobs/runner/concurrency-slots.repository.js';
import { createBenchDatabase, median, ms, percentile, printTable, sized } from './support.js';

/**
 * What `JobRunnerService.execute` costs around a job that does nothing, with its run history persisted
 * (claim insert, finish update) on the benchmark PostgreSQL, against calling the same no-op directly.
 * Target: ≤ 3 ms median overhead per run.
 */
export async function runnerOverheadBench(): Promise<void> {
  const RUNS = sized(500, 20);
  const WARMUP = sized(50, 5);
  const db = await createBenchDatabase();
  try {
    const runner = new JobRunnerService(
      new JobRunsRepository(db.orm),
      new ConcurrencySlotsRepository(db.orm),
      new JobRegistry(),
      {
        maxAttempts: 3,
        retryBaseMs: 1000,
        retryMaxMs: 60_000,
        heartbeatMs: 10_000,
        staleAfterMs: 60_000,
        shutdownTimeoutMs: 1000,
        byKey: {},
      },
      pino({ level: 'silent' }),
      systemClock,
    );
    const noop = async (): Promise<void> => undefined;

    const direct: number[] = [];
    const executed: number[] = [];
    for (let i = 0; i < WARMUP + RUNS; i++) {
      let start = performance.now();
      await noop();
      const directMs = performance.now() - start;
      start = performance.now();
      await runner.execute({ name: 'bench_noop', fn: noop });
      const runnerMs = performance.now() - start;
      if (i >= WARMUP) {
        direct.push(directMs);
        executed.push(runnerMs);
      }
    }
    const overhead = executed.map((value, i) => value - direct[i]);
    printTable(
      `JobRunner overhead around a no-op job, ${RUNS} sequential runs after ${WARMUP} warm-up (target: ≤ 3 ms median)`,
      ['path', 'median', 'p99', 'max'],
      [
        ['no-op called directly', ms(median(direct)), ms(percentile(direct, 99)), ms(Math.max(...direct))],
        [
          'runner.execute (history persisted)',
          ms(median(executed)),
          ms(percentile(executed, 99)),
          ms(Math.max(...executed)),
        ],
        ['overhead', ms(median(overhead)), ms(percentile(overhead, 99)), ms(Math.max(...overhead))],
      ],
    );
    console.log(
      `\nThe overhead is two round trips to PostgreSQL per run (the claim INSERT … ON CONFLICT DO NOTHING ` +
        `RETURNING and the finishing UPDATE), plus the log lines (silenced here) and timers.`,
    );
  } finally {
    await db.drop();
  }
}

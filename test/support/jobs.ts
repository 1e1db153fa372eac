import type { MikroORM } from '@mikro-orm/postgresql';
import { SchedulerRegistry } from '@nestjs/schedule';
import pino from 'pino';
import { systemClock, type Clock } from '../../src/jobs/clock.js';
import { JobRegistry } from '../../src/jobs/job-registry.js';
import { JobRunnerService } from '../../src/jobs/job-runner.service.js';
import { JobRunsRepository } from '../../src/jobs/job-runs.repository.js';
import { ConcurrencySlotsRepository } from '../../src/jobs/runner/concurrency-slots.repository.js';
import { JobSchedulerService, type SchedulerSettings } from '../../src/jobs/job-scheduler.service.js';
import { createMigratedOrm } from './database.js';

export interface LogRecord {
  level: number;
  msg: string;
  job?: string;
  runId?: string;
  attempt?: number;
  [field: string]: unknown;
}

/** A pino logger that keeps its records in memory, to assert on log lines. */
export function memoryLogger(): { logger: pino.Logger; records: LogRecord[] } {
  const records: LogRecord[] = [];
  const logger = pino(
    { level: 'debug' },
    { write: (line: string) => records.push(JSON.parse(line) as LogRecord) },
  );
  return { logger, records };
}

export const FAST_SETTINGS: SchedulerSettings = {
  maxAttempts: 3,
  retryBaseMs: 5,
  retryMaxMs: 50,
  heartbeatMs: 1000,
  staleAfterMs: 5000,
  shutdownTimeoutMs: 2000,
  catchUp: false,
  byKey: {},
};

export interface RunnerInstance {
  orm: MikroORM;
  runs: JobRunsRepository;
  registry: JobRegistry;
  runner: JobRunnerService;
  scheduler: JobSchedulerService;
  records: LogRecord[];
  close(): Promise<void>;
}

/**
 * One "replica": its own connection pool, registry, runner and scheduler on a shared database, wired
 * exactly as JobsModule wires them (without Nest, so a test can start several in one process).
 */
export async function createRunnerInstance(
  url: string,
  options: {
    settings?: Partial<SchedulerSettings>;
    clock?: Clock;
    /** A repository of the test's own (e.g. one whose writes fail on cue). */
    repository?: (orm: MikroORM) => JobRunsRepository;
  } = {},
): Promise<RunnerInstance> {
  const orm = await createMigratedOrm(url);
  const runs = options.repository?.(orm) ?? new JobRunsRepository(orm);
  const registry = new JobRegistry();
  const settings = { ...FAST_SETTINGS, ...options.settings };
  const { logger, records } = memoryLogger();
  const clock = options.clock ?? systemClock;
  const runner = new JobRunnerService(
    runs,
    new ConcurrencySlotsRepository(orm),
    registry,
    settings,
    logger,
    clock,
  );
  const scheduler = new JobSchedulerService(
    new SchedulerRegistry(),
    registry,
    runner,
    runs,
    settings,
    clock,
    logger,
  );
  return {
    orm,
    runs,
    registry,
    runner,
    scheduler,
    records,
    close: async () => {
      await runner.shutdown(100);
      await orm.close(true);
    },
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

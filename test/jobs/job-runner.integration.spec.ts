import type { MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { createRunnerInstance, sleep, type RunnerInstance } from '../support/jobs.js';
import type { JobContext } from '../../src/jobs/job-context.js';
import { defineJob } from '../../src/jobs/job-definition.js';
import {
  JobAlreadyRunningError,
  JobsShuttingDownError,
  RetryableJobError,
} from '../../src/jobs/job-errors.js';
import type { JobMetrics } from '../../src/jobs/job-result.js';
import { JobRunsRepository } from '../../src/jobs/job-runs.repository.js';
import { currentRun } from '../../src/jobs/run-context.js';

const ONE: JobMetrics = {
  items_processed: 1,
  items_created: 1,
  items_updated: 0,
  items_skipped: 0,
  custom: {},
};

/** Loses the write of the attempt counter once, as a database outage during the backoff would. */
class LosesOneAttemptWrite extends JobRunsRepository {
  lost = 0;
  constructor(orm: MikroORM) {
    super(orm);
  }
  override async setAttempt(id: string, owner: string, attempt: number): Promise<void> {
    if (this.lost === 0) {
      this.lost += 1;
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    }
    await super.setAttempt(id, owner, attempt);
  }
}

/** Polls the database until `check` holds: no fixed sleep that a loaded machine could outrun. */
async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await sleep(20);
}

describe('JobRunnerService', () => {
  let db: TestDatabase;
  let instance: RunnerInstance;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  beforeEach(async () => {
    await instance?.close();
    instance = await createRunnerInstance(db.url);
    await db.query('delete from job_runs');
  });

  afterAll(async () => {
    await instance?.close();
    await db?.drop();
  });

  const lines = (): string[] => instance.records.map((record) => record.msg);
  const row = async (id: string) => (await db.query(`select * from job_runs where id = $1`, [id]))[0];

  it('runs an ad-hoc function as a named job and returns the original JobResult, persisted in job_runs', async () => {
    const result = await instance.runner.execute({
      name: 'demo_job',
      label: 'demo_job(limit=5)',
      params: { limit: 5 },
      fn: async () => ({
        items_processed: 5,
        items_created: 2,
        items_updated: 1,
        items_skipped: 2,
        custom: { coins_collected: 5 },
      }),
    });
    expect(result).toMatchObject({
      success: true,
      job_name: 'demo_job(limit=5)',
      status: 'succeeded',
      attempts: 1,
      metrics: {
        items_processed: 5,
        items_created: 2,
        items_updated: 1,
        items_skipped: 2,
        custom: { coins_collected: 5 },
      },
    });
    expect(result.error).toBeUndefined();
    expect(result.duration_ms).toBeGreaterThanOrEqual(0);
    expect(new Date(result.completed_at!).getTime()).toBeGreaterThanOrEqual(
      new Date(result.started_at).getTime(),
    );
    expect(Object.keys(result).sort()).toEqual(
      [
        'attempts',
        'completed_at',
        'duration_ms',
        'job_name',
        'metrics',
        'run_id',
        'started_at',
        'status',
        'success',
      ].sort(),
    );

    expect(await row(result.run_id)).toMatchObject({
      job_key: 'demo_job',
      job_name: 'demo_job(limit=5)',
      trigger: 'manual',
      status: 'succeeded',
      attempts: 1,
      params: { limit: 5 },
      items_processed: 5,
      items_created: 2,
      items_updated: 1,
      items_skipped: 2,
      custom: { coins_collected: 5 },
      error: null,
      owner: instance.runner.instanceId,
    });
  });

  it('runs a registered job by key with its configured limit and timeout, through run() and execute()', async () => {
    const job = defineJob({
      key: 'registered_job',
      description: 'a registered test job',
      envPrefix: 'REGISTERED_JOB',
      schedule: '0 0 * * * *',
      limit: { default: 10, min: 1, max: 100, nullable: false },
      trigger: { path: 'registered-job', summary: 'registered' },
    });
    const seen: unknown[] = [];
    instance.registry.register(job, async (ctx) => {
      seen.push(ctx.params.limit);
      return ONE;
    });
    const result = await instance.runner.execute({ job: job.key, params: { limit: 7 }, trigger: 'cli' });
    expect(result).toMatchObject({ success: true, job_name: 'registered_job(limit=7)' });
    expect(await row(result.run_id)).toMatchObject({ trigger: 'cli', params: { limit: 7 } });

    const outcome = await instance.runner.run({ job: job.key });
    if (outcome.kind !== 'started') throw new Error(outcome.kind);
    expect((await outcome.completion).job_name).toBe('registered_job(limit=10)');
    expect(seen).toEqual([7, 10]);
  });

  it("logs the original README's lines as structured records carrying job, runId and attempt", async () => {
    const result = await instance.runner.execute({
      name: 'demo_job',
      label: 'demo_job(limit=100)',
      fn: async (ctx) => {
        ctx.logger.debug({ symbol: 'BTC' }, 'Updated asset: BTC');
        return { items_processed: 100, items_created: 0, items_updated: 100, items_skipped: 0, custom: {} };
      },
    });
    expect(lines()).toEqual([
      'Starting job: demo_job(limit=100)',
      'Updated asset: BTC',
      "Job 'demo_job(limit=100)' completed successfully: 100 processed, 0 created, 100 updated, 0 skipped",
      expect.stringMatching(/^Job 'demo_job\(limit=100\)' execution time: \d+ ms$/),
    ]);
    for (const record of instance.records) {
      expect(record).toMatchObject({ job: 'demo_job', runId: result.run_id, attempt: 1 });
    }
  });

  it('names the run in everything the job awaits (currentRun)', async () => {
    const scopes: unknown[] = [];
    const result = await instance.runner.execute({
      name: 'demo_job',
      fn: async () => {
        scopes.push(currentRun());
        await sleep(1);
        await Promise.resolve().then(() => scopes.push(currentRun()));
      },
    });
    expect(scopes).toEqual([
      { job: 'demo_job', runId: result.run_id },
      { job: 'demo_job', runId: result.run_id },
    ]);
    expect(currentRun()).toBeUndefined();
  });

  it('keeps the metrics gathered so far when a job fails, with a one-line error (the stack goes to the log only)', async () => {
    const result = await instance.runner.execute({
      name: 'demo_job',
      fn: async (ctx) => {
        ctx.metrics.items_processed = 250;
        ctx.metrics.items_created = 100;
        ctx.metrics.custom.batches_written = 1;
        throw new Error('batch 2 failed\n - detail: Key (id)=(1) already exists.');
      },
    });
    expect(result).toMatchObject({
      success: false,
      status: 'failed',
      error: 'batch 2 failed',
      attempts: 1,
      metrics: { items_processed: 250, items_created: 100, custom: { batches_written: 1 } },
      failure: { kind: 'internal', message: 'batch 2 failed' },
    });
    expect(await row(result.run_id)).toMatchObject({
      status: 'failed',
      error: 'batch 2 failed',
      items_created: 100,
    });
    const failed = instance.records.find((record) => record.msg === "Job 'demo_job' failed: batch 2 failed");
    expect((failed?.err as { stack?: string } | undefined)?.stack).toContain('batch 2 failed');
  });

  it('retries a job-level transient failure and then succeeds', async () => {
    let calls = 0;
    const result = await instance.runner.execute({
      name: 'demo_job',
      fn: async (ctx) => {
        calls += 1;
        if (ctx.attempt === 1) throw new RetryableJobError('lock busy');
        return ONE;
      },
    });
    expect(calls).toBe(2);
    expect(result).toMatchObject({ success: true, attempts: 2 });
    expect(result.failure).toBeUndefined();
    expect(await row(result.run_id)).toMatchObject({ attempts: 2, status: 'succeeded' });
    expect(lines()).toContainEqual(
      expect.stringMatching(/^Job 'demo_job' attempt 1 of 3 failed: lock busy; retrying in \d+ ms$/),
    );
  });

  it('stores the true attempt count when the attempt write was lost during the retry (the final write carries it)', async () => {
    await instance.close();
    let repository: LosesOneAttemptWrite | undefined;
    instance = await createRunnerInstance(db.url, {
      repository: (orm) => (repository = new LosesOneAttemptWrite(orm)),
    });
    const result = await instance.runner.execute({
      name: 'demo_job',
      fn: async (ctx) => {
        if (ctx.attempt === 1) throw new RetryableJobError('connection reset');
        return ONE;
      },
    });
    expect(repository?.lost).toBe(1);
    expect(result).toMatchObject({ success: true, attempts: 2 });
    expect(await row(result.run_id)).toMatchObject({ attempts: 2, status: 'succeeded' });
    expect(lines()).toContain('Could not record attempt 2: connect ECONNREFUSED 127.0.0.1:5432');
  });

  it('retries database deadlocks and lost connections up to JOB_MAX_ATTEMPTS, then fails', async () => {
    let calls = 0;
    const result = await instance.runner.execute({
      name: 'demo_job',
      fn: async () => {
        calls += 1;
        throw Object.assign(new Error('deadlock detected'), { code: '40P01' });
      },
    });
    expect(calls).toBe(3);
    expect(result).toMatchObject({
      success: false,
      status: 'failed',
      attempts: 3,
      error: 'deadlock detected',
    });
    expect(await row(result.run_id)).toMatchObject({ attempts: 3 });
  });

  it('does not retry errors that say they are not retryable, and marks upstream failures as such', async () => {
    let calls = 0;
    const upstream = Object.assign(
      new Error('CoinGecko rate limit (429) on /coins/markets after 5 attempts'),
      { retryable: false, upstream: true },
    );
    const result = await instance.runner.execute({
      name: 'demo_job',
      fn: async () => {
        calls += 1;
        throw upstream;
      },
    });
    expect(calls).toBe(1);
    expect(result).toMatchObject({
      attempts: 1,
      error: 'CoinGecko rate limit (429) on /coins/markets after 5 attempts',
      failure: { kind: 'upstream' },
    });
  });

  it('fails everything else at once', async () => {
    let calls = 0;
    const result = await instance.runner.execute({
      name: 'demo_job',
      fn: async () => {
        calls += 1;
        throw new TypeError('cannot read properties of undefined');
      },
    });
    expect(calls).toBe(1);
    expect(result.attempts).toBe(1);
  });

  it('honours the retry-after an error carries', async () => {
    const delays: unknown[] = [];
    const result = await instance.runner.execute({
      name: 'demo_job',
      fn: async (ctx) => {
        if (ctx.attempt === 1) throw new RetryableJobError('come back later', 40);
        return undefined;
      },
    });
    for (const record of instance.records) if (record.delayMs !== undefined) delays.push(record.delayMs);
    expect(result.success).toBe(true);
    // FAST_SETTINGS caps the backoff at 50 ms; the error asked for 40.
    expect(delays).toHaveLength(1);
    expect(delays[0]).toBeGreaterThanOrEqual(40);
  });

  it('times out: aborts the signal and fails the run "timed out after N ms"', async () => {
    let signal: AbortSignal | undefined;
    const result = await instance.runner.execute({
      name: 'demo_job',
      timeoutMs: 100,
      fn: async (ctx) => {
        signal = ctx.signal;
        ctx.metrics.items_processed = 7;
        await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
      },
    });
    expect(signal?.aborted).toBe(true);
    expect(result).toMatchObject({
      success: false,
      status: 'failed',
      error: 'timed out after 100 ms',
      failure: { kind: 'timeout' },
    });
    expect(result.metrics.items_processed).toBe(7);
  });

  it('waits for running jobs on shutdown, then refuses new runs', async () => {
    let release!: () => void;
    const outcome = await instance.runner.run({
      name: 'demo_job',
      fn: async () => {
        await new Promise<void>((resolve) => (release = resolve));
        return ONE;
      },
    });
    expect(outcome.kind).toBe('started');
    const drained = instance.runner.shutdown(60_000);
    expect(instance.runner.isAccepting).toBe(false);
    release();
    await drained;
    if (outcome.kind !== 'started') return;
    expect((await outcome.completion).status).toBe('succeeded');
    await expect(
      instance.runner.execute({ name: 'demo_job', fn: async () => undefined }),
    ).rejects.toBeInstanceOf(JobsShuttingDownError);
  });

  it('aborts jobs still running when the shutdown timeout passes and marks them abandoned', async () => {
    let signal: AbortSignal | undefined;
    const outcome = await instance.runner.run({
      name: 'demo_job',
      fn: async (ctx) => {
        signal = ctx.signal;
        await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
      },
    });
    if (outcome.kind !== 'started') throw new Error(outcome.kind);
    await instance.runner.shutdown(100);
    const result = await outcome.completion;
    expect(signal?.aborted).toBe(true);
    expect(result).toMatchObject({
      success: false,
      status: 'abandoned',
      error: 'interrupted by shutdown',
      failure: { kind: 'interrupted' },
    });
    expect(await row(result.run_id)).toMatchObject({ status: 'abandoned', error: 'interrupted by shutdown' });
  });

  it('refuses a second run of a running job and hands back the running one', async () => {
    let release!: () => void;
    const outcome = await instance.runner.run({
      name: 'demo_job',
      fn: () => new Promise<void>((resolve) => (release = resolve)),
    });
    if (outcome.kind !== 'started') throw new Error(outcome.kind);
    const error = await instance.runner
      .execute({ name: 'demo_job', fn: async () => undefined })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobAlreadyRunningError);
    expect((error as JobAlreadyRunningError).running).toMatchObject({
      run_id: outcome.run.id,
      status: 'running',
    });
    release();
    await outcome.completion;
  });

  it('gives the job its slot and params, writes progress while it runs and the last report with the outcome', async () => {
    const slot = new Date('2026-03-01T10:15:00Z');
    let seen: Pick<JobContext, 'slot' | 'params'> | undefined;
    let release!: () => void;
    const outcome = await instance.runner.run({
      name: 'demo_job',
      label: 'demo_job(limit=3)',
      trigger: 'schedule',
      slot,
      params: { limit: 3 },
      fn: async (ctx) => {
        seen = { slot: ctx.slot, params: ctx.params };
        for (let done = 1; done <= 100; done++) ctx.progress(done, 100);
        await new Promise<void>((resolve) => (release = resolve));
        ctx.progress(101, 100);
      },
    });
    if (outcome.kind !== 'started') throw new Error(outcome.kind);
    // The first report is written at once; the throttling itself is covered by progress-writer.spec.ts.
    await until(async () => (await row(outcome.run.id)).progress !== null);
    release();
    const result = await outcome.completion;
    expect(seen).toEqual({ slot, params: { limit: 3 } });
    expect((await row(result.run_id)).progress).toMatchObject({ done: 101, total: 100 });
  });

  it('heartbeats while running, and stops work that another instance declared abandoned', async () => {
    await instance.close();
    instance = await createRunnerInstance(db.url, { settings: { heartbeatMs: 50 } });
    let signal: AbortSignal | undefined;
    const outcome = await instance.runner.run({
      name: 'demo_job',
      fn: async (ctx) => {
        signal = ctx.signal;
        await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
      },
    });
    if (outcome.kind !== 'started') throw new Error(outcome.kind);
    await until(async () => {
      const beating = await row(outcome.run.id);
      return new Date(beating.heartbeat_at as string) > new Date(beating.started_at as string);
    });

    await db.query(`update job_runs set status = 'abandoned', error = 'taken over' where id = $1`, [
      outcome.run.id,
    ]);
    const result = await outcome.completion;
    expect(signal?.aborted).toBe(true);
    expect(result).toMatchObject({ status: 'abandoned', error: 'taken over' });
  });
});

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.js';
import { createRunnerInstance, sleep, type RunnerInstance } from '../../test/support/jobs.js';
import { JobAlreadyRunningError, JobsShuttingDownError, RetryableJobError } from './job-errors.js';
import type { JobContext } from './job-context.js';

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

  it('runs a job and returns the original JobResult, persisted in job_runs', async () => {
    const result = await instance.runner.execute(
      'demo_job',
      'demo_job(limit=5)',
      async () => ({
        items_processed: 5,
        items_created: 2,
        items_updated: 1,
        items_skipped: 2,
        custom: { coins_collected: 5 },
      }),
      { params: { limit: 5 } },
    );
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

  it("logs the original README's lines as structured records carrying job, runId and attempt", async () => {
    const result = await instance.runner.execute('demo_job', 'demo_job(limit=100)', async (ctx) => {
      ctx.logger.debug({ symbol: 'BTC' }, 'Updated asset: BTC');
      return { items_processed: 100, items_created: 0, items_updated: 100, items_skipped: 0, custom: {} };
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

  it('keeps the metrics gathered so far when a job fails, with a one-line error (the stack goes to the log only)', async () => {
    const result = await instance.runner.execute('demo_job', 'demo_job', async (ctx) => {
      ctx.metrics.items_processed = 250;
      ctx.metrics.items_created = 100;
      ctx.metrics.custom.batches_written = 1;
      throw new Error('batch 2 failed\n - detail: Key (id)=(1) already exists.');
    });
    expect(result).toMatchObject({
      success: false,
      status: 'failed',
      error: 'batch 2 failed',
      attempts: 1,
      metrics: { items_processed: 250, items_created: 100, custom: { batches_written: 1 } },
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
    const result = await instance.runner.execute('demo_job', 'demo_job', async (ctx) => {
      calls += 1;
      if (ctx.attempt === 1) throw new RetryableJobError('lock busy');
      return { items_processed: 1, items_created: 1, items_updated: 0, items_skipped: 0, custom: {} };
    });
    expect(calls).toBe(2);
    expect(result).toMatchObject({ success: true, attempts: 2 });
    expect(await row(result.run_id)).toMatchObject({ attempts: 2, status: 'succeeded' });
    expect(lines()).toContainEqual(
      expect.stringMatching(/^Job 'demo_job' attempt 1 of 3 failed: lock busy; retrying in \d+ ms$/),
    );
  });

  it('retries database deadlocks and lost connections up to JOB_MAX_ATTEMPTS, then fails', async () => {
    let calls = 0;
    const result = await instance.runner.execute('demo_job', 'demo_job', async () => {
      calls += 1;
      throw Object.assign(new Error('deadlock detected'), { code: '40P01' });
    });
    expect(calls).toBe(3);
    expect(result).toMatchObject({
      success: false,
      status: 'failed',
      attempts: 3,
      error: 'deadlock detected',
    });
  });

  it('does not retry errors that say they are not retryable (CoinGecko errors, already retried per request)', async () => {
    let calls = 0;
    const upstream = Object.assign(
      new Error('CoinGecko rate limit (429) on /coins/markets after 5 attempts'),
      {
        retryable: false,
        upstream: true,
      },
    );
    const result = await instance.runner.execute('demo_job', 'demo_job', async () => {
      calls += 1;
      throw upstream;
    });
    expect(calls).toBe(1);
    expect(result).toMatchObject({
      attempts: 1,
      error: 'CoinGecko rate limit (429) on /coins/markets after 5 attempts',
    });
  });

  it('fails everything else at once', async () => {
    let calls = 0;
    const result = await instance.runner.execute('demo_job', 'demo_job', async () => {
      calls += 1;
      throw new TypeError('cannot read properties of undefined');
    });
    expect(calls).toBe(1);
    expect(result.attempts).toBe(1);
  });

  it('honours the retry-after an error carries', async () => {
    const startedAt = Date.now();
    const result = await instance.runner.execute('demo_job', 'demo_job', async (ctx) => {
      if (ctx.attempt === 1) throw new RetryableJobError('come back later', 40);
      return undefined;
    });
    expect(result.success).toBe(true);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(40);
  });

  it('times out: aborts the signal and fails the run "timed out after N ms"', async () => {
    let signal: AbortSignal | undefined;
    const result = await instance.runner.execute(
      'demo_job',
      'demo_job',
      async (ctx) => {
        signal = ctx.signal;
        ctx.metrics.items_processed = 7;
        await new Promise((resolve) => setTimeout(resolve, 5000));
      },
      { timeoutMs: 100 },
    );
    expect(signal?.aborted).toBe(true);
    expect(result).toMatchObject({ success: false, status: 'failed', error: 'timed out after 100 ms' });
    expect(result.metrics.items_processed).toBe(7);
  });

  it('waits for running jobs on shutdown, then refuses new runs', async () => {
    const outcome = await instance.runner.start('demo_job', 'demo_job', async () => {
      await sleep(150);
      return { items_processed: 1, items_created: 0, items_updated: 0, items_skipped: 0, custom: {} };
    });
    expect(outcome.kind).toBe('started');
    await instance.runner.shutdown(5000);
    if (outcome.kind !== 'started') return;
    expect((await outcome.completion).status).toBe('succeeded');
    await expect(
      instance.runner.execute('demo_job', 'demo_job', async () => undefined),
    ).rejects.toBeInstanceOf(JobsShuttingDownError);
  });

  it('aborts jobs still running when the shutdown timeout passes and marks them abandoned', async () => {
    let signal: AbortSignal | undefined;
    const outcome = await instance.runner.start('demo_job', 'demo_job', async (ctx) => {
      signal = ctx.signal;
      await sleep(10_000);
    });
    if (outcome.kind !== 'started') throw new Error(outcome.kind);
    await instance.runner.shutdown(100);
    const result = await outcome.completion;
    expect(signal?.aborted).toBe(true);
    expect(result).toMatchObject({ success: false, status: 'abandoned', error: 'interrupted by shutdown' });
    expect(await row(result.run_id)).toMatchObject({ status: 'abandoned', error: 'interrupted by shutdown' });
  });

  it('refuses a second run of a running job and hands back the running one', async () => {
    let release!: () => void;
    const outcome = await instance.runner.start(
      'demo_job',
      'demo_job',
      () => new Promise<void>((resolve) => (release = resolve)),
    );
    if (outcome.kind !== 'started') throw new Error(outcome.kind);
    const error = await instance.runner
      .execute('demo_job', 'demo_job', async () => undefined)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobAlreadyRunningError);
    expect((error as JobAlreadyRunningError).running).toMatchObject({
      run_id: outcome.run.id,
      status: 'running',
    });
    release();
    await outcome.completion;
  });

  it('gives the job its slot, params and a progress reporter persisted at most once a second', async () => {
    const slot = new Date('2026-03-01T10:15:00Z');
    let seen: Pick<JobContext, 'slot' | 'params'> | undefined;
    const outcome = await instance.runner.start(
      'demo_job',
      'demo_job(limit=3)',
      async (ctx) => {
        seen = { slot: ctx.slot, params: ctx.params };
        for (let done = 1; done <= 100; done++) ctx.progress(done, 100);
        await sleep(2000);
        ctx.progress(101, 100);
      },
      { trigger: 'schedule', slot, params: { limit: 3 } },
    );
    if (outcome.kind !== 'started') throw new Error(outcome.kind);
    await sleep(300);
    // The first report was written at once; the next 99 wait for the one-second window.
    expect((await row(outcome.run.id)).progress).toMatchObject({ done: 1, total: 100 });
    await sleep(1000);
    expect((await row(outcome.run.id)).progress).toMatchObject({ done: 100, total: 100 });
    const result = await outcome.completion;
    expect(seen).toEqual({ slot, params: { limit: 3 } });
    expect((await row(result.run_id)).progress).toMatchObject({ done: 101, total: 100 });
  });

  it('heartbeats while running, and stops work that another instance declared abandoned', async () => {
    await instance.close();
    instance = await createRunnerInstance(db.url, { settings: { heartbeatMs: 50 } });
    let signal: AbortSignal | undefined;
    const outcome = await instance.runner.start('demo_job', 'demo_job', async (ctx) => {
      signal = ctx.signal;
      await sleep(10_000);
    });
    if (outcome.kind !== 'started') throw new Error(outcome.kind);
    await sleep(200);
    const beating = await row(outcome.run.id);
    expect(new Date(beating.heartbeat_at as string).getTime()).toBeGreaterThan(
      new Date(beating.started_at as string).getTime(),
    );

    await db.query(`update job_runs set status = 'abandoned', error = 'taken over' where id = $1`, [
      outcome.run.id,
    ]);
    const result = await outcome.completion;
    expect(signal?.aborted).toBe(true);
    expect(result).toMatchObject({ status: 'abandoned', error: 'taken over' });
  });
});

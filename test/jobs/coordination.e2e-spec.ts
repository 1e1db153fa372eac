import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { previousFire, slotForTick } from '../../src/jobs/cron-slots.js';
import { defineJob, type JobDefinition } from '../../src/jobs/job-definition.js';
import type { JobFunction } from '../../src/jobs/job-context.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { createRunnerInstance, sleep, type RunnerInstance } from '../support/jobs.js';

const definition = (key: string, dependsOn: string[] = [], schedule = '0 */15 * * * *'): JobDefinition =>
  defineJob({
    key,
    description: `test job ${key}`,
    envPrefix: key.toUpperCase(),
    schedule,
    limit: { default: 10, min: 1, max: 100, nullable: false },
    dependsOn: dependsOn.map((dependency) => ({ key: dependency })),
    trigger: { path: key.replace(/_/g, '-'), summary: key },
  });

const settingsFor = (...keys: string[]) =>
  Object.fromEntries(
    keys.map((key) => [key, { enabled: true, schedule: '0 */15 * * * *', limit: 10, timeoutMs: 10_000 }]),
  );

describe('coordination through PostgreSQL', () => {
  let db: TestDatabase;
  let instances: RunnerInstance[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterEach(async () => {
    await Promise.all(instances.map((instance) => instance.close()));
    instances = [];
    await db.query('delete from job_runs');
  });

  afterAll(async () => {
    await db?.drop();
  });

  async function replicas(
    count: number,
    options: Parameters<typeof createRunnerInstance>[1] = {},
  ): Promise<RunnerInstance[]> {
    // Created one after another: the test helper migrates without the service's advisory lock.
    for (let i = 0; i < count; i++) instances.push(await createRunnerInstance(db.url, options));
    // Warm each pool so the race below is between claims, not between connection set-ups.
    await Promise.all(instances.map((instance) => instance.orm.em.getConnection().execute('select 1')));
    return instances;
  }

  it('runs each cron slot once when several replicas fire it at the same moment', async () => {
    const executions = new Map<string, number>();
    const work: JobFunction = async (ctx) => {
      const key = ctx.slot.toISOString();
      executions.set(key, (executions.get(key) ?? 0) + 1);
      await sleep(2);
    };
    const fleet = await replicas(3, { settings: { byKey: settingsFor('tick_job') } });
    for (const instance of fleet) instance.registry.register(definition('tick_job'), work);

    const slots = Array.from({ length: 40 }, (_, i) => new Date(Date.UTC(2026, 0, 1, 0, i * 15)));
    for (const slot of slots) {
      await Promise.all(fleet.map((instance) => instance.scheduler.runSlot('tick_job', slot, 'schedule')));
    }

    expect([...executions.values()].every((count) => count === 1)).toBe(true);
    expect(executions.size).toBe(slots.length);
    const rows = await db.query<{ scheduled_for: string; count: string }>(
      `select scheduled_for, count(*) from job_runs where job_key = 'tick_job' group by scheduled_for`,
    );
    expect(rows).toHaveLength(slots.length);
    expect(rows.every((row) => Number(row.count) === 1)).toBe(true);
  });

  it('never runs a slot twice or overlaps runs, even when every replica fires every slot at once', async () => {
    const executions = new Map<string, number>();
    let concurrent = 0;
    let maxConcurrent = 0;
    const work: JobFunction = async (ctx) => {
      concurrent += 1;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      const key = ctx.slot.toISOString();
      executions.set(key, (executions.get(key) ?? 0) + 1);
      await sleep(5);
      concurrent -= 1;
    };
    const fleet = await replicas(3, { settings: { byKey: settingsFor('tick_job') } });
    for (const instance of fleet) instance.registry.register(definition('tick_job'), work);

    const slots = Array.from({ length: 30 }, (_, i) => new Date(Date.UTC(2026, 1, 1, 0, i * 15)));
    await Promise.all(
      slots.flatMap((slot) =>
        fleet.map((instance) => instance.scheduler.runSlot('tick_job', slot, 'schedule')),
      ),
    );

    expect(maxConcurrent).toBe(1);
    expect([...executions.values()].every((count) => count === 1)).toBe(true);
    const rows = await db.query<{ status: string; scheduled_for: string }>(
      `select status, scheduled_for from job_runs where job_key = 'tick_job'`,
    );
    // Every slot has exactly one row: the run, or a `skipped` record saying the job was busy.
    expect(new Set(rows.map((row) => row.scheduled_for)).size).toBe(slots.length);
    expect(rows).toHaveLength(slots.length);
    expect(rows.filter((row) => row.status === 'succeeded')).toHaveLength(executions.size);
    expect(rows.every((row) => ['succeeded', 'skipped'].includes(row.status))).toBe(true);
    const skipped = await db.query<{ error: string }>(
      `select error from job_runs where status = 'skipped' limit 1`,
    );
    if (skipped.length > 0)
      expect(skipped[0].error).toMatch(
        /^skipped: tick_job was already running( \(run [0-9a-f-]+, owner .+\))?$/,
      );
  });

  it('turns concurrent manual triggers into one run', async () => {
    let executions = 0;
    // The run lasts until every trigger has been answered, however slow the machine.
    let release!: () => void;
    const answered = new Promise<void>((resolve) => (release = resolve));
    const fleet = await replicas(2, { settings: { byKey: settingsFor('manual_job') } });
    for (const instance of fleet) {
      instance.registry.register(definition('manual_job'), async () => {
        executions += 1;
        await answered;
      });
    }
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, (_, i) => fleet[i % 2].runner.run({ job: 'manual_job', trigger: 'manual' })),
    );
    release();
    const started = outcomes.filter((outcome) => outcome.kind === 'started');
    expect(started).toHaveLength(1);
    const runId = started[0].kind === 'started' ? started[0].run.id : '';
    for (const outcome of outcomes.filter((o) => o.kind !== 'started')) {
      expect(outcome).toMatchObject({ kind: 'already_running', running: { id: runId } });
    }
    if (started[0].kind === 'started') await started[0].completion;
    expect(executions).toBe(1);
  });

  it('abandons a run whose owner stopped heartbeating, and then runs the job again', async () => {
    const [instance] = await replicas(1, {
      settings: { byKey: settingsFor('stale_job'), staleAfterMs: 60_000 },
    });
    instance.registry.register(definition('stale_job'), async () => undefined);
    const [dead] = await db.query<{ id: string }>(
      `insert into job_runs (job_key, job_name, trigger, status, attempts, started_at, heartbeat_at, owner)
       values ('stale_job', 'stale_job(limit=10)', 'manual', 'running', 1, now() - interval '5 minutes',
               timestamptz '2026-01-01T10:00:00Z', 'host-a:123:abc') returning id`,
    );

    const outcome = await instance.runner.run({ job: 'stale_job', trigger: 'manual' });
    expect(outcome.kind).toBe('started');
    if (outcome.kind === 'started') expect((await outcome.completion).status).toBe('succeeded');

    const [abandoned] = await db.query(`select status, error, completed_at from job_runs where id = $1`, [
      dead.id,
    ]);
    expect(abandoned).toMatchObject({
      status: 'abandoned',
      error: 'no heartbeat since 2026-01-01T10:00:00Z; owner host-a:123:abc presumed dead',
    });
    expect(abandoned.completed_at).not.toBeNull();
  });

  it('sweeps stale runs at start-up', async () => {
    const [instance] = await replicas(1, { settings: { staleAfterMs: 60_000 } });
    await db.query(
      `insert into job_runs (job_key, job_name, trigger, status, attempts, started_at, heartbeat_at, owner)
       values ('any_job', 'any_job', 'manual', 'running', 1, now() - interval '2 hours', now() - interval '2 hours', 'gone')`,
    );
    await instance.scheduler.start();
    const [row] = await db.query(`select status from job_runs where job_key = 'any_job'`);
    expect(row.status).toBe('abandoned');
  });

  const seedRun = (job: string, startedAt: string, status = 'succeeded', slot: string | null = null) =>
    db.query(
      `insert into job_runs (job_key, job_name, trigger, scheduled_for, status, attempts, started_at, heartbeat_at, owner, completed_at)
       values ($1, $1, $2, $3, $4, 1, $5, $5, 'earlier-instance', $5)`,
      [job, slot ? 'schedule' : 'manual', slot, status, startedAt],
    );

  /** Replicas whose clock says `now`; `seed` runs once the schema exists, before they start. */
  async function catchUpFleet(now: Date, seed: () => Promise<unknown>, count = 2, schedule = '0 0 0 * * *') {
    const executions = { daily_job: 0 };
    const fleet = await replicas(count, {
      clock: { now: () => now },
      settings: {
        catchUp: true,
        byKey: {
          daily_job: { enabled: true, schedule, limit: 10, timeoutMs: 10_000 },
          off_job: { enabled: false, schedule: '0 0 0 * * *', limit: 10, timeoutMs: 10_000 },
        },
      },
    });
    for (const instance of fleet) {
      instance.registry.register(definition('daily_job', [], schedule), async () => {
        executions.daily_job += 1;
        await sleep(20);
      });
      instance.registry.register(definition('off_job', [], '0 0 0 * * *'), async () => {
        throw new Error('disabled jobs must not catch up');
      });
    }
    await seed();
    await Promise.all(fleet.map((instance) => instance.scheduler.start()));
    await Promise.all(fleet.map((instance) => instance.scheduler.catchUpDone));
    return { fleet, executions };
  }

  it('catches up the missed slot exactly once, even with two replicas starting together', async () => {
    // The service ran two days ago, then was down over the last midnight.
    const { fleet, executions } = await catchUpFleet(new Date('2026-05-10T12:07:30Z'), async () => {
      await seedRun('daily_job', '2026-05-08T00:00:01Z', 'succeeded', '2026-05-08T00:00:00Z');
      await seedRun('off_job', '2026-05-08T00:00:01Z');
    });

    expect(executions.daily_job).toBe(1);
    const rows = await db.query(
      `select job_key, trigger, scheduled_for, status from job_runs where owner <> 'earlier-instance'`,
    );
    expect(rows).toEqual([
      {
        job_key: 'daily_job',
        trigger: 'catch_up',
        scheduled_for: expect.anything() as unknown,
        status: 'succeeded',
      },
    ]);
    expect(new Date(rows[0].scheduled_for as string).toISOString()).toBe('2026-05-10T00:00:00.000Z');

    // A later start finds the slot done and runs nothing.
    await fleet[0].scheduler.catchUp();
    expect(executions.daily_job).toBe(1);
  });

  it('catches up nothing on a new database: nothing was missed', async () => {
    const { executions } = await catchUpFleet(new Date('2026-05-10T12:07:30Z'), async () => undefined, 1);
    expect(executions.daily_job).toBe(0);
    expect(await db.query(`select 1 from job_runs`)).toEqual([]);
  });

  it('does not catch up a slot whose work a later run already did (a manual run after midnight)', async () => {
    const { executions } = await catchUpFleet(
      new Date('2026-05-10T12:07:30Z'),
      () => seedRun('daily_job', '2026-05-10T08:00:00Z'),
      1,
    );
    expect(executions.daily_job).toBe(0);
  });

  it('re-runs a slot whose run was abandoned (its replica died or was shut down mid-run)', async () => {
    const { executions } = await catchUpFleet(new Date('2026-05-10T12:07:30Z'), () =>
      seedRun('daily_job', '2026-05-10T00:00:01Z', 'abandoned', '2026-05-10T00:00:00Z'),
    );
    expect(executions.daily_job).toBe(1);
    const rows = await db.query(
      `select trigger, status, owner <> 'earlier-instance' as retaken from job_runs`,
    );
    expect(rows).toEqual([{ trigger: 'catch_up', status: 'succeeded', retaken: true }]);
  });

  it('survives a schedule that fires once in years (29 February)', async () => {
    const { executions } = await catchUpFleet(
      new Date('2031-05-10T12:00:00Z'),
      () => seedRun('daily_job', '2025-01-01T00:00:00Z'),
      1,
      '0 0 0 29 2 *',
    );
    // The last 29 February before 2031-05-10 is in 2028; nothing ran since, so that slot is caught up.
    expect(executions.daily_job).toBe(1);
    const [row] = await db.query(`select scheduled_for from job_runs where trigger = 'catch_up'`);
    expect(new Date(row.scheduled_for as string).toISOString()).toBe('2028-02-29T00:00:00.000Z');
  });

  it('runs a dependency that never succeeded first, and fails the dependent run when it fails', async () => {
    const order: string[] = [];
    let upstreamFails = true;
    const [instance] = await replicas(1, {
      settings: { byKey: settingsFor('upstream_job', 'downstream_job') },
    });
    instance.registry.register(definition('upstream_job'), async () => {
      order.push('upstream');
      if (upstreamFails) throw new Error('CoinGecko said no');
    });
    instance.registry.register(definition('downstream_job', ['upstream_job']), async () => {
      order.push('downstream');
    });

    const failedOutcome = await instance.runner.run({ job: 'downstream_job', trigger: 'manual' });
    if (failedOutcome.kind !== 'started') throw new Error(failedOutcome.kind);
    const failed = await failedOutcome.completion;
    expect(failed).toMatchObject({
      success: false,
      status: 'failed',
      error: 'dependency upstream_job failed: CoinGecko said no',
    });
    expect(order).toEqual(['upstream']);

    upstreamFails = false;
    const outcome = await instance.runner.run({ job: 'downstream_job', trigger: 'manual' });
    if (outcome.kind !== 'started') throw new Error(outcome.kind);
    expect((await outcome.completion).success).toBe(true);
    expect(order).toEqual(['upstream', 'upstream', 'downstream']);
    const runs = await db.query(`select job_key, trigger, status from job_runs order by started_at, job_key`);
    expect(runs).toEqual([
      { job_key: 'downstream_job', trigger: 'manual', status: 'failed' },
      { job_key: 'upstream_job', trigger: 'dependency', status: 'failed' },
      { job_key: 'downstream_job', trigger: 'manual', status: 'succeeded' },
      { job_key: 'upstream_job', trigger: 'dependency', status: 'succeeded' },
    ]);

    // Once the dependency has succeeded it is not run again.
    const again = await instance.runner.run({ job: 'downstream_job', trigger: 'manual' });
    if (again.kind === 'started') await again.completion;
    expect(order).toEqual(['upstream', 'upstream', 'downstream', 'downstream']);
  });

  it('drains on shutdown: running jobs finish, later ones are refused', async () => {
    const [instance] = await replicas(1, { settings: { byKey: settingsFor('slow_job') } });
    instance.registry.register(definition('slow_job'), async () => {
      await sleep(200);
    });
    const outcome = await instance.runner.run({ job: 'slow_job', trigger: 'manual' });
    if (outcome.kind !== 'started') throw new Error(outcome.kind);
    await instance.scheduler.beforeApplicationShutdown();
    expect((await outcome.completion).status).toBe('succeeded');
    expect(await instance.scheduler.runSlot('slow_job', new Date(), 'schedule')).toBeUndefined();
  });

  it('cancels a run from another replica: its owner stops it within a heartbeat, the run ends cancelled with its metrics', async () => {
    const [owner, other] = await replicas(2, {
      settings: { heartbeatMs: 50, byKey: settingsFor('batch_job') },
    });
    let batches = 0;
    const work: JobFunction = async (ctx) => {
      // Works in batches until its signal fires, like the collectors' upserts.
      while (!ctx.signal.aborted) {
        batches += 1;
        ctx.metrics.items_processed = batches * 10;
        await sleep(5);
      }
      throw ctx.signal.reason;
    };
    for (const instance of [owner, other]) instance.registry.register(definition('batch_job'), work);
    const outcome = await owner.runner.run({ job: 'batch_job' });
    if (outcome.kind !== 'started') throw new Error(outcome.kind);
    while (batches < 3) await sleep(5);

    const requested = await other.runner.cancel(outcome.run.id, 'alice');
    expect(requested).toMatchObject({ kind: 'requested', run: { id: outcome.run.id, status: 'running' } });
    const result = await outcome.completion;
    expect(result).toMatchObject({
      success: false,
      status: 'cancelled',
      error: 'cancelled by alice',
      failure: { kind: 'cancelled' },
    });
    expect(result.metrics.items_processed).toBeGreaterThanOrEqual(30);
    const [row] = await db.query(
      `select status, error, cancelled_by, cancel_requested_at is not null as requested, items_processed
         from job_runs where id = $1`,
      [outcome.run.id],
    );
    expect(row).toEqual({
      status: 'cancelled',
      error: 'cancelled by alice',
      cancelled_by: 'alice',
      requested: true,
      items_processed: result.metrics.items_processed,
    });
    expect(owner.records.map((record) => record.msg)).toContain(
      "Job 'batch_job(limit=10)' failed: cancelled by alice",
    );

    // An ended run cannot be cancelled; an unknown one is not found. The job is free again.
    expect(await other.runner.cancel(outcome.run.id, 'bob')).toMatchObject({
      kind: 'not_cancellable',
      run: { status: 'cancelled' },
    });
    expect(await other.runner.cancel('00000000-0000-4000-8000-000000000000', 'bob')).toEqual({
      kind: 'not_found',
    });
    const next = await other.runner.run({ job: 'batch_job' });
    expect(next.kind).toBe('started');
    if (next.kind === 'started') await other.runner.cancel(next.run.id, 'carol');
    if (next.kind === 'started') expect((await next.completion).error).toBe('cancelled by carol');
  });

  describe('JOBS_MAX_CONCURRENT', () => {
    const gate = (): { promise: Promise<void>; open: () => void } => {
      let open!: () => void;
      const promise = new Promise<void>((resolve) => (open = resolve));
      return { promise, open };
    };
    const statusOf = async (id: string): Promise<unknown> =>
      (await db.query(`select status from job_runs where id = $1`, [id]))[0]?.status;
    const until = async (check: () => Promise<boolean>): Promise<void> => {
      while (!(await check())) await sleep(10);
    };

    it('runs one job at a time across two replicas, first in first out, the others visibly queued', async () => {
      const keys = ['job_a', 'job_b', 'job_c'];
      const fleet = await replicas(2, {
        settings: { maxConcurrent: 1, heartbeatMs: 50, byKey: settingsFor(...keys) },
      });
      const intervals: { job: string; start: number; end: number }[] = [];
      const holdA = gate();
      for (const instance of fleet) {
        for (const key of keys) {
          instance.registry.register(definition(key), async () => {
            const start = performance.now();
            if (key === 'job_a') await holdA.promise;
            await sleep(20);
            intervals.push({ job: key, start, end: performance.now() });
          });
        }
      }
      const a = await fleet[0].runner.run({ job: 'job_a' });
      const b = await fleet[1].runner.run({ job: 'job_b' });
      const c = await fleet[0].runner.run({ job: 'job_c' });
      if (a.kind !== 'started' || b.kind !== 'started' || c.kind !== 'started')
        throw new Error('not started');
      // Every run is claimed `queued`; the first in line takes the free slot.
      expect([a.run.status, b.run.status, c.run.status]).toEqual(['queued', 'queued', 'queued']);
      await until(async () => (await statusOf(a.run.id)) === 'running');
      expect(b.run.queuedAt).toBeInstanceOf(Date);
      // A queued job is busy: a second trigger is refused with the queued run.
      expect(await fleet[0].runner.run({ job: 'job_c' })).toMatchObject({
        kind: 'already_running',
        running: { id: c.run.id, status: 'queued' },
      });
      expect(fleet[1].runner.queuedJobKeys).toEqual(['job_b']);
      expect(fleet[0].runner.activeJobKeys).toEqual(['job_a']);
      await sleep(300); // a few queue polls: nobody gets past the cap while job_a runs
      expect([await statusOf(b.run.id), await statusOf(c.run.id)]).toEqual(['queued', 'queued']);

      holdA.open();
      const results = await Promise.all([a.completion, b.completion, c.completion]);
      expect(results.map((result) => result.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
      expect(intervals.map((interval) => interval.job)).toEqual(keys);
      for (let i = 1; i < intervals.length; i++) {
        expect(intervals[i].start).toBeGreaterThanOrEqual(intervals[i - 1].end);
      }
      const rows = await db.query<{ job_key: string; queued: boolean; started_after_queue: boolean }>(
        `select job_key, queued_at is not null as queued, started_at >= coalesce(queued_at, started_at) as started_after_queue
           from job_runs order by job_key`,
      );
      expect(rows).toEqual([
        { job_key: 'job_a', queued: true, started_after_queue: true },
        { job_key: 'job_b', queued: true, started_after_queue: true },
        { job_key: 'job_c', queued: true, started_after_queue: true },
      ]);
    });

    it('fails a run that waited JOB_QUEUE_TIMEOUT_MS for a slot (time moved on the injected clock)', async () => {
      let now = Date.parse('2026-06-01T00:00:00Z');
      const clock = { now: () => new Date(now) };
      const [instance] = await replicas(1, {
        clock,
        settings: { maxConcurrent: 1, queueTimeoutMs: 60_000, byKey: settingsFor('job_a', 'job_b') },
      });
      const holdA = gate();
      instance.registry.register(definition('job_a'), () => holdA.promise);
      let ranB = false;
      instance.registry.register(definition('job_b'), async () => {
        ranB = true;
      });
      const a = await instance.runner.run({ job: 'job_a' });
      const b = await instance.runner.run({ job: 'job_b' });
      if (a.kind !== 'started' || b.kind !== 'started') throw new Error('not started');
      expect(b.run.status).toBe('queued');
      now += 60_000;
      const result = await b.completion;
      expect(result).toMatchObject({
        success: false,
        status: 'failed',
        error: 'waited 60000 ms for a concurrency slot',
        attempts: 0,
        failure: { kind: 'timeout' },
      });
      expect(ranB).toBe(false);
      expect(await statusOf(b.run.id)).toBe('failed');
      holdA.open();
      expect((await a.completion).status).toBe('succeeded');
    });

    it("cancels a queued run from another replica, and abandons a replica's queued runs when it shuts down", async () => {
      const keys = ['job_a', 'job_b', 'job_c'];
      const fleet = await replicas(2, {
        settings: { maxConcurrent: 1, heartbeatMs: 50, byKey: settingsFor(...keys) },
      });
      const holdA = gate();
      const ran: string[] = [];
      for (const instance of fleet) {
        for (const key of keys) {
          instance.registry.register(definition(key), async () => {
            ran.push(key);
            if (key === 'job_a') await holdA.promise;
          });
        }
      }
      const a = await fleet[0].runner.run({ job: 'job_a' });
      const b = await fleet[1].runner.run({ job: 'job_b' });
      const c = await fleet[1].runner.run({ job: 'job_c' });
      if (a.kind !== 'started' || b.kind !== 'started' || c.kind !== 'started')
        throw new Error('not started');

      expect(await fleet[0].runner.cancel(b.run.id, 'alice')).toMatchObject({
        kind: 'requested',
        run: { status: 'queued' },
      });
      expect(await b.completion).toMatchObject({ status: 'cancelled', error: 'cancelled by alice' });

      await fleet[1].runner.shutdown(5000);
      expect(await c.completion).toMatchObject({ status: 'abandoned', error: 'interrupted by shutdown' });
      await until(async () => (await statusOf(c.run.id)) === 'abandoned');
      expect(await statusOf(a.run.id)).toBe('running');
      holdA.open();
      expect((await a.completion).status).toBe('succeeded');
      expect(ran).toEqual(['job_a']);
    });
  });
});

describe('cron slot arithmetic', () => {
  it.each([
    ['0 */15 * * * *', '2026-01-01T10:22:10Z', '2026-01-01T10:15:00.000Z'],
    ['0 */15 * * * *', '2026-01-01T10:15:00Z', '2026-01-01T10:15:00.000Z'],
    ['0 0 0 * * *', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00.000Z'],
    ['0 0 0 * * *', '2026-01-01T23:59:59Z', '2026-01-01T00:00:00.000Z'],
    ['0 0 1 * * *', '2026-01-01T00:30:00Z', '2025-12-31T01:00:00.000Z'],
    ['0 0 0 1 * *', '2026-03-15T00:00:00Z', '2026-03-01T00:00:00.000Z'],
  ])('previousFire(%s, %s) = %s', (expression, at, expected) => {
    expect(previousFire(expression, new Date(at)).toISOString()).toBe(expected);
  });

  it('gives a tick that wakes slightly early or late the slot it was set for', () => {
    expect(slotForTick('0 */15 * * * *', new Date('2026-01-01T10:14:59.400Z')).toISOString()).toBe(
      '2026-01-01T10:15:00.000Z',
    );
    expect(slotForTick('0 */15 * * * *', new Date('2026-01-01T10:15:00.900Z')).toISOString()).toBe(
      '2026-01-01T10:15:00.000Z',
    );
  });
});

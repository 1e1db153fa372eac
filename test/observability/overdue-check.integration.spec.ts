import type { MikroORM } from '@mikro-orm/postgresql';
import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AppConfig, JobSettings } from '../../src/config/app-config.js';
import type { Clock } from '../../src/jobs/clock.js';
import { defineJob, type JobDefinition } from '../../src/jobs/job-definition.js';
import { JobRegistry } from '../../src/jobs/job-registry.js';
import type { JobRunnerService } from '../../src/jobs/job-runner.service.js';
import { AlertingService } from '../../src/observability/alerting/alerting.service.js';
import { AlertsRepository } from '../../src/observability/alerting/alerts.repository.js';
import { createMigratedOrm, createTestDatabase, type TestDatabase } from '../support/database.js';

/*
 * The overdue check reads where every enabled job stands in one statement, and judges exactly as it did
 * with one read per job: a job that never ran, one whose last success is old (with failures after it),
 * one that only failed, one that succeeded recently, and a disabled one.
 */
const HOUR = 3600_000;
const job = (key: string): JobDefinition =>
  defineJob({
    key,
    description: `Overdue check fixture ${key}.`,
    envPrefix: key.toUpperCase(),
    // Hourly: allowed silence is 2 h + the 60 s timeout.
    schedule: '0 0 * * * *',
    timeoutMs: 60_000,
    trigger: { path: key.replaceAll('_', '-'), summary: key },
  });
const NEVER_RAN = job('never_ran_test');
const OLD_SUCCESS = job('old_success_test');
const ONLY_FAILED = job('only_failed_test');
const RECENT_SUCCESS = job('recent_success_test');
const DISABLED = job('disabled_test');
const ALL = [NEVER_RAN, OLD_SUCCESS, ONLY_FAILED, RECENT_SUCCESS, DISABLED];
const ENABLED = ALL.filter((definition) => definition !== DISABLED).map((definition) => definition.key);

const UP_AT = new Date('2026-12-07T06:30:00.000Z');
const NOW = new Date(UP_AT.getTime() + 3 * HOUR);

describe('the overdue check', () => {
  let db: TestDatabase;
  let orm: MikroORM;
  let now = UP_AT;
  const clock: Clock = { now: () => now };
  let alerting: AlertingService;
  let repository: AlertsRepository;

  async function seedRun(key: string, status: string, startedAt: Date): Promise<void> {
    await db.query(
      `insert into job_runs (job_key, job_name, trigger, status, started_at, completed_at, heartbeat_at, owner)
       values ($1, $1, 'schedule', $2, $3, $3::timestamptz + interval '5 seconds', $3, 'seed')`,
      [key, status, startedAt.toISOString()],
    );
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    orm = await createMigratedOrm(db.url, 2);
    const ago = (ms: number) => new Date(NOW.getTime() - ms);
    await seedRun(OLD_SUCCESS.key, 'succeeded', ago(5 * HOUR));
    await seedRun(OLD_SUCCESS.key, 'succeeded', ago(4 * HOUR));
    await seedRun(OLD_SUCCESS.key, 'failed', ago(3.5 * HOUR));
    await seedRun(OLD_SUCCESS.key, 'cancelled', ago(3.2 * HOUR));
    await seedRun(OLD_SUCCESS.key, 'failed', ago(3 * HOUR));
    for (const hours of [6, 4, 2]) await seedRun(ONLY_FAILED.key, 'failed', ago(hours * HOUR));
    await seedRun(RECENT_SUCCESS.key, 'failed', ago(3 * HOUR));
    await seedRun(RECENT_SUCCESS.key, 'succeeded', ago(HOUR / 2));
    await seedRun(DISABLED.key, 'failed', ago(10 * HOUR));

    const registry = new JobRegistry();
    for (const definition of ALL) registry.register(definition, () => Promise.resolve());
    const byKey: Record<string, JobSettings> = Object.fromEntries(
      ALL.map((definition) => [
        definition.key,
        {
          enabled: definition !== DISABLED,
          schedule: definition.defaultSchedule,
          limit: null,
          timeoutMs: definition.defaultTimeoutMs,
        },
      ]),
    );
    const config = new ConfigService<AppConfig, true>({
      alerts: { webhookUrl: undefined, afterFailures: 2, baseUrl: undefined, timeoutMs: 400 },
      jobs: { byKey },
    });
    // The check uses only the runner's instance id (it claims alerts as that replica) and its shutdown.
    const runner = { instanceId: 'overdue-test', shutdown: () => Promise.resolve() };
    repository = new AlertsRepository(orm);
    alerting = new AlertingService(
      repository,
      runner as unknown as JobRunnerService,
      registry,
      clock,
      config,
    );
    // Fakes only the 60 s timer: the service is up from UP_AT, and the check is called by the test.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    alerting.onApplicationBootstrap();
    now = NOW;
  }, 60_000);

  afterAll(async () => {
    await alerting?.beforeApplicationShutdown();
    vi.useRealTimers();
    await orm?.close();
    await db?.drop();
  });

  it('reads every job in one statement and raises what the per-job reads would', async () => {
    const logged = vi.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const execute = vi.spyOn(orm.em.getConnection(), 'execute');
    const raised = await alerting.checkOverdue();
    const reads = execute.mock.calls.filter(
      ([statement]) => typeof statement === 'string' && statement.includes('job_runs'),
    );
    execute.mockRestore();
    expect(reads).toHaveLength(1);

    const byJob = Object.fromEntries(raised.map((alert) => [alert.jobKey, alert]));
    expect(Object.keys(byJob).sort()).toEqual([NEVER_RAN.key, OLD_SUCCESS.key, ONLY_FAILED.key].sort());
    // Silent since the service came up (3 h), since the last success completed (4 h − 5 s), or since up.
    expect(byJob[NEVER_RAN.key]?.payload).toMatchObject({
      event: 'job_overdue',
      run_id: null,
      status: null,
      consecutive_failures: 0,
    });
    const headlines = raised.map((alert) => alert.payload.text.split('\n')[0]);
    expect(headlines).toEqual([
      `:warning: Job ${NEVER_RAN.key} is overdue: no successful run for 3 h`,
      `:warning: Job ${OLD_SUCCESS.key} is overdue: no successful run for 4 h`,
      `:warning: Job ${ONLY_FAILED.key} is overdue: no successful run for 3 h`,
    ]);
    expect(logged.mock.calls.map((call) => call[1] as unknown)).toEqual(
      raised.map((alert, index) => `Alert job_overdue for ${alert.jobKey}: ${headlines[index]}`),
    );
    expect(byJob[OLD_SUCCESS.key]?.payload).toMatchObject({ consecutive_failures: 2 });
    expect(byJob[OLD_SUCCESS.key]?.episode).toMatch(/^after:[0-9a-f-]{36}$/);
    expect(byJob[ONLY_FAILED.key]?.payload).toMatchObject({ consecutive_failures: 3 });
    expect(byJob[ONLY_FAILED.key]?.episode).toBe('after:none');
    await alerting.settled();
    logged.mockRestore();

    // Claimed once: the next minute raises nothing again.
    expect(await alerting.checkOverdue()).toEqual([]);
  });

  it('reads the same standing per job as the single-job read, for runs, old runs and none', async () => {
    // Keys reach the statement as one array literal: quotes, commas and backslashes stay inside their element.
    const odd = 'odd "key", {with} \\ marks';
    await seedRun(odd, 'succeeded', new Date(NOW.getTime() - HOUR));
    await seedRun(odd, 'failed', new Date(NOW.getTime() - HOUR / 2));
    const keys = [...ENABLED, DISABLED.key, 'unknown_test', odd];
    const bulk = await repository.standingPerJob(keys);
    for (const key of keys) expect(bulk.get(key)).toEqual(await repository.standing(key));
    expect(bulk.get(odd)?.failuresSince).toBe(1);
    expect(bulk.size).toBe(keys.length);
    expect(await repository.standingPerJob([])).toEqual(new Map());
  });
});

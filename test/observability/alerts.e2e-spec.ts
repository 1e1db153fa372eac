import { Injectable } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/jobs/clock.js';
import { JobHandler } from '../../src/jobs/framework/job-handler.decorator.js';
import { JobModule } from '../../src/jobs/framework/job-module.js';
import { ScheduledJob } from '../../src/jobs/framework/scheduled-job.js';
import { defineJob } from '../../src/jobs/job-definition.js';
import { JobRunnerService } from '../../src/jobs/job-runner.service.js';
import type { RunCompletion } from '../../src/jobs/job-result.js';
import { JobSchedulerService } from '../../src/jobs/job-scheduler.service.js';
import { AlertingService } from '../../src/observability/alerting/alerting.service.js';
import { listenOnLoopback, QUIET_ENV, startClockedApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { WebhookReceiver } from './webhook-receiver.js';

/*
 * Alerts end to end: a throw-away job that fails or succeeds on demand, two replicas of the whole
 * service on one database, a webhook receiver on loopback that answers 200, 500 or never, and a clock
 * the test moves to make the job overdue.
 */
const FLAKY_JOB = defineJob({
  key: 'flaky_test',
  description: 'Fails or succeeds as the test says.',
  envPrefix: 'FLAKY_TEST',
  // Yearly: its timer never fires during the test; overdue comes from moving the clock.
  schedule: '0 0 0 1 1 *',
  timeoutMs: 60_000,
  trigger: { path: 'flaky-test', summary: 'Fail or succeed on demand' },
});

let failing = true;

@Injectable()
class FlakyJob extends ScheduledJob(FLAKY_JOB) {
  @JobHandler(FLAKY_JOB)
  async work(): Promise<void> {
    await Promise.resolve();
    if (failing) throw new Error('CoinGecko answered 503 after 5 attempts');
  }
}

@JobModule(FLAKY_JOB, { providers: [FlakyJob] })
class FlakyJobModule {}

const TOKEN = 'alerts-test-token-0123456789abcdef';
const SECRET_PATH = '/services/T0000/B0000/very-secret-hook-token';
const BASE_URL = 'https://cpb.example.com';

interface Replica {
  app: NestExpressApplication;
  baseUrl: string;
  alerting: AlertingService;
  runner: JobRunnerService;
  logs: string[];
}

describe('alerts to ALERT_WEBHOOK_URL', () => {
  let db: TestDatabase;
  let receiver: WebhookReceiver;
  let now = new Date();
  const clock: Clock = { now: () => now };
  let a: Replica;
  let b: Replica;

  async function startReplica(): Promise<Replica> {
    const logs: string[] = [];
    const env = {
      ...QUIET_ENV,
      LOG_LEVEL: 'info',
      DATABASE_URL: db.url,
      API_TOKENS: TOKEN,
      JOB_MAX_ATTEMPTS: '1',
      FLAKY_TEST_ENABLED: 'true',
      ALERT_WEBHOOK_URL: receiver.url,
      ALERT_AFTER_FAILURES: '2',
      ALERT_BASE_URL: BASE_URL,
      ALERT_TIMEOUT_MS: '400',
      TRIGGER_RATE_LIMIT_PER_MINUTE: '1000',
    };
    const app = await startClockedApp(env, {
      clock,
      jobs: [FlakyJobModule],
      logTo: { write: (line) => logs.push(line) },
    });
    await app.get(JobSchedulerService).start();
    return {
      app,
      baseUrl: await listenOnLoopback(app),
      alerting: app.get(AlertingService),
      runner: app.get(JobRunnerService),
      logs,
    };
  }

  /** One run of the flaky job on `replica`, then everything its end set off (alert claim, delivery). */
  async function run(replica: Replica, outcome: 'fail' | 'succeed'): Promise<RunCompletion> {
    failing = outcome === 'fail';
    const started = await replica.runner.run({ job: FLAKY_JOB.key, trigger: 'manual' });
    if (started.kind !== 'started') throw new Error(`not started: ${started.kind}`);
    const result = await started.completion;
    await replica.alerting.settled();
    return result;
  }

  const alertRows = () =>
    db.query<{ event: string; delivery: string; attempts: number; last_error: string | null }>(
      `select event, delivery, attempts, last_error from job_alerts order by created_at, id`,
    );

  beforeAll(async () => {
    db = await createTestDatabase();
    receiver = await WebhookReceiver.start(SECRET_PATH);
    a = await startReplica();
    b = await startReplica();
  }, 60_000);

  afterAll(async () => {
    await a?.app.close();
    await b?.app.close();
    await receiver?.stop();
    await db?.drop();
  });

  it('sends one job_failing after ALERT_AFTER_FAILURES failures in a row, with the Slack text and fields', async () => {
    const first = await run(a, 'fail');
    expect(first.status).toBe('failed');
    expect(receiver.requests).toHaveLength(0);

    const second = await run(a, 'fail');
    await receiver.waitFor(1);
    expect(receiver.requests[0]?.path).toBe(SECRET_PATH);
    const url = `${BASE_URL}/dashboard#/runs/${second.run_id}`;
    expect(receiver.events()[0]).toEqual({
      text: expect.stringContaining('flaky_test') as unknown,
      event: 'job_failing',
      job: 'flaky_test',
      run_id: second.run_id,
      status: 'failed',
      error: 'CoinGecko answered 503 after 5 attempts',
      consecutive_failures: 2,
      run_url: url,
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/) as unknown,
    });
    const text = String(receiver.events()[0]?.text);
    expect(text).toContain('CoinGecko answered 503 after 5 attempts');
    expect(text).toContain(url);

    await run(a, 'fail');
    expect(receiver.requests).toHaveLength(1);
    expect(await alertRows()).toEqual([
      { event: 'job_failing', delivery: 'delivered', attempts: 1, last_error: null },
    ]);
  });

  it('sends one job_recovered on the first success after that, none on the next', async () => {
    const success = await run(a, 'succeed');
    await receiver.waitFor(2);
    expect(receiver.events()[1]).toMatchObject({
      event: 'job_recovered',
      job: 'flaky_test',
      run_id: success.run_id,
      status: 'succeeded',
      error: null,
      consecutive_failures: 3,
    });
    await run(a, 'succeed');
    expect(receiver.requests).toHaveLength(2);
  });

  it('lists recent alerts at GET /api/v1/alerts (newest first) for any valid token', async () => {
    const response = await fetch(`${a.baseUrl}/api/v1/alerts?limit=5`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(response.status).toBe(200);
    const { items } = (await response.json()) as { items: Record<string, unknown>[] };
    expect(items.map((item) => item.event)).toEqual(['job_recovered', 'job_failing']);
    expect(items[1]).toMatchObject({ delivery: 'delivered', attempts: 1, job: 'flaky_test' });

    const bad = await fetch(`${a.baseUrl}/api/v1/alerts?limit=0`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ message: 'limit must be an integer between 1 and 200' });
    expect((await fetch(`${a.baseUrl}/api/v1/alerts`)).status).toBe(401);
  });

  it('retries a receiver answering 500 three times with backoff, without holding up the trigger, and records the failure', async () => {
    receiver.mode = 'fail';
    const before = receiver.requests.length;
    await run(a, 'fail');
    failing = true;
    const answered = await fetch(`${a.baseUrl}/api/v1/jobs/flaky-test`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: '{}',
    });
    const answeredAt = Date.now();
    expect(answered.status).toBe(500);
    await a.alerting.settled();
    expect(receiver.requests.length - before).toBe(3);
    const [failed] = await db.query<{
      delivery: string;
      attempts: number;
      last_error: string;
      failed_at: Date;
    }>(
      `select delivery, attempts, last_error, failed_at from job_alerts where event = 'job_failing' order by created_at desc limit 1`,
    );
    expect(failed).toMatchObject({
      delivery: 'failed',
      attempts: 3,
      last_error: 'the receiver answered HTTP 500',
    });
    // Two backoffs (1 s, then 2 s) separate the alert's first attempt from its end: the trigger answered first.
    expect(new Date(failed?.failed_at ?? 0).getTime()).toBeGreaterThan(answeredAt);

    const metrics = await (await fetch(`${a.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/^cpb_alerts_failed_total\{event="job_failing"\} 1$/m);
    expect(metrics).toMatch(/^cpb_alerts_sent_total\{event="job_failing"\} 1$/m);
    expect(metrics).toMatch(/^cpb_alerts_sent_total\{event="job_recovered"\} 1$/m);

    receiver.mode = 'ok';
    await run(a, 'succeed');
  }, 30_000);

  it('gives up on a receiver that never answers after three attempts bounded by ALERT_TIMEOUT_MS', async () => {
    receiver.mode = 'hang';
    const before = receiver.requests.length;
    await run(a, 'fail');
    await run(a, 'fail');
    expect(receiver.requests.length - before).toBe(3);
    const [failed] = await db.query(
      `select delivery, attempts, last_error from job_alerts where event = 'job_failing' order by created_at desc limit 1`,
    );
    expect(failed).toEqual({ delivery: 'failed', attempts: 3, last_error: 'timed out after 400 ms' });
    receiver.mode = 'ok';
    await run(a, 'succeed');
  }, 30_000);

  it('sends each alert from one replica only when two share the database', async () => {
    const before = receiver.requests.length;
    // Failures end on alternating replicas; each judges the streak from the database after its own run.
    await run(a, 'fail');
    await run(b, 'fail');
    await run(a, 'fail');
    await run(b, 'fail');
    expect(receiver.requests.length - before).toBe(1);
    expect(receiver.events().at(-1)).toMatchObject({ event: 'job_failing', consecutive_failures: 2 });
  });

  it('raises job_overdue once when an enabled job has gone 2 × its interval + its timeout without success', async () => {
    const before = receiver.requests.length;
    // A yearly schedule: two years plus the timeout without success is overdue, a year is not.
    now = new Date(Date.now() + 366 * 24 * 3600_000);
    expect(await a.alerting.checkOverdue()).toEqual([]);
    now = new Date(Date.now() + 3 * 366 * 24 * 3600_000);
    const raised = await Promise.all([a.alerting.checkOverdue(), b.alerting.checkOverdue()]);
    expect(raised.flat()).toHaveLength(1);
    await Promise.all([a.alerting.settled(), b.alerting.settled()]);
    expect(receiver.requests.length - before).toBe(1);
    expect(receiver.events().at(-1)).toMatchObject({
      event: 'job_overdue',
      job: 'flaky_test',
      run_id: null,
      run_url: null,
      consecutive_failures: 4,
    });
    expect(String(receiver.events().at(-1)?.text)).toContain('is overdue');
    await a.alerting.checkOverdue();
    expect(receiver.requests.length - before).toBe(1);

    // One success ends the outage: one recovery, though both failing and overdue were sent.
    await run(b, 'succeed');
    expect(receiver.events().at(-1)).toMatchObject({ event: 'job_recovered' });
    expect(receiver.requests.length - before).toBe(2);
    now = new Date();
  });

  it('never logs, stores or serves the webhook URL or its secret path', async () => {
    const stored = JSON.stringify(await db.query(`select * from job_alerts`));
    expect(stored).toContain('timed out after 400 ms');
    expect(stored).not.toContain('very-secret-hook-token');
    const served = await (
      await fetch(`${a.baseUrl}/api/v1/alerts?limit=200`, { headers: { authorization: `Bearer ${TOKEN}` } })
    ).text();
    expect(served).not.toContain('very-secret-hook-token');

    const logs = [...a.logs, ...b.logs].join('\n');
    expect(logs).toContain('Alert delivery attempt');
    expect(logs).not.toContain('very-secret-hook-token');
    expect(logs).not.toContain(receiver.url);
  });
});

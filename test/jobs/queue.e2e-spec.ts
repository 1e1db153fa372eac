import { Injectable } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOB_MODULES } from '../../src/app.module.js';
import { JobHandler } from '../../src/jobs/framework/job-handler.decorator.js';
import { JobModule } from '../../src/jobs/framework/job-module.js';
import { ScheduledJob } from '../../src/jobs/framework/scheduled-job.js';
import { defineJob } from '../../src/jobs/job-definition.js';
import { startApp, type RunningApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const job = (key: string) =>
  defineJob({
    key,
    description: `queue test job ${key}`,
    envPrefix: key.toUpperCase(),
    schedule: '0 0 5 * * *',
    trigger: { path: key.replace(/_/g, '-'), summary: key },
  });
const FIRST = job('queue_first');
const SECOND = job('queue_second');

let release: () => void = () => undefined;
const held = new Promise<void>((resolve) => (release = resolve));
const started: string[] = [];

@Injectable()
class FirstJob extends ScheduledJob(FIRST) {
  @JobHandler(FIRST)
  async first(): Promise<void> {
    started.push(FIRST.key);
    await held;
  }
}

@Injectable()
class SecondJob extends ScheduledJob(SECOND) {
  @JobHandler(SECOND)
  async second(): Promise<void> {
    started.push(SECOND.key);
  }
}

@JobModule(FIRST, { providers: [FirstJob] })
class FirstModule {}

@JobModule(SECOND, { providers: [SecondJob] })
class SecondModule {}

const ADMIN = 'queue-test-admin-token-0123456789abcd';

describe('JOBS_MAX_CONCURRENT=1 over HTTP, two replicas', () => {
  let db: TestDatabase;
  let apps: RunningApp[] = [];

  const call = (app: RunningApp, method: string, path: string) =>
    fetch(`${app.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: method === 'POST' ? '{}' : undefined,
    });
  const until = async (check: () => Promise<boolean>): Promise<void> => {
    while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 20));
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    const env = {
      DATABASE_URL: db.url,
      API_TOKENS: ADMIN,
      QUEUE_FIRST_ENABLED: 'false',
      QUEUE_SECOND_ENABLED: 'false',
      JOBS_MAX_CONCURRENT: '1',
      JOB_HEARTBEAT_MS: '100',
      TRIGGER_RATE_LIMIT_PER_MINUTE: '1000',
    };
    for (let i = 0; i < 2; i++)
      apps.push(await startApp(env, { jobs: [...JOB_MODULES, FirstModule, SecondModule] }));
  });

  afterAll(async () => {
    release();
    for (const app of apps) await app.close();
    apps = [];
    await db?.drop();
  });

  it('queues the second run behind the first, shows it queued, refuses a second trigger, then runs it', async () => {
    const first = await call(apps[0], 'POST', '/api/v1/jobs/queue-first?wait=false');
    expect(first.status).toBe(202);
    const firstId = ((await first.json()) as { run_id: string }).run_id;
    await until(async () => started.includes(FIRST.key));

    const second = await call(apps[1], 'POST', '/api/v1/jobs/queue-second?wait=false');
    expect(second.status).toBe(202);
    const secondId = ((await second.json()) as { run_id: string }).run_id;

    const page = (await (await call(apps[0], 'GET', '/api/v1/jobs/runs?status=queued')).json()) as {
      items: { run_id: string; status: string }[];
    };
    expect(page.items.map((item) => [item.run_id, item.status])).toEqual([[secondId, 'queued']]);
    const metrics = await (await call(apps[1], 'GET', '/metrics')).text();
    expect(metrics).toContain('cpb_job_queued{job="queue_second"} 1');

    const again = await call(apps[0], 'POST', '/api/v1/jobs/queue-second?wait=false');
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ run_id: secondId });
    expect(started).toEqual([FIRST.key]);

    release();
    await until(async () => {
      const run = (await (await call(apps[1], 'GET', `/api/v1/jobs/runs/${secondId}`)).json()) as {
        status: string;
      };
      return run.status === 'succeeded';
    });
    expect(started).toEqual([FIRST.key, SECOND.key]);
    const [firstRun, secondRun] = await db.query<{ completed_at: Date; started_at: Date }>(
      `select started_at, completed_at from job_runs where id = any($1::uuid[]) order by queued_at`,
      [[firstId, secondId]],
    );
    // started_at is kept to the millisecond, completed_at to the microsecond.
    expect(secondRun.started_at.getTime()).toBeGreaterThanOrEqual(firstRun.completed_at.getTime() - 1);
  });
});

import { Injectable } from '@nestjs/common';
import { Cron } from '@nestjs/schedule';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOB_MODULES } from '../../src/app.module.js';
import { createApp } from '../../src/bootstrap.js';
import { integer } from '../../src/config/env-vars.js';
import { ConfigValidationError } from '../../src/config/env.schema.js';
import { JobHandler, type JobHandlerContext } from '../../src/jobs/framework/job-handler.decorator.js';
import { definitionsOf, JobModule } from '../../src/jobs/framework/job-module.js';
import { ScheduledJob } from '../../src/jobs/framework/scheduled-job.js';
import { defineJob, JobDefinitionError } from '../../src/jobs/job-definition.js';
import { JobRunnerService } from '../../src/jobs/job-runner.service.js';
import { QUIET_ENV, startApp, type RunningApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

/*
 * The framework's promise: a job is one folder plus one line. This throw-away job is declared here the way
 * src/collectors/* declare theirs, and nothing else in the service is edited for it — yet its variables are
 * validated, its trigger route answers per the contract, and Swagger, GET /jobs and /metrics know it.
 */
const ECHO_JOB = defineJob({
  key: 'echo_test',
  description: 'A throw-away job that reports its limit and setting.',
  envPrefix: 'ECHO_TEST',
  schedule: '0 0 5 * * *',
  limit: { default: 3, min: 1, max: 7, nullable: false },
  trigger: { path: 'echo-test', summary: 'Echo its parameters' },
  settings: { ECHO_TEST_FACTOR: integer({ min: 1, max: 9, default: 2 }) },
  estimateCalls: ({ limit }) => limit,
});

let release: () => void = () => undefined;
let gate: Promise<void> = Promise.resolve();

@Injectable()
class EchoJob extends ScheduledJob(ECHO_JOB) {
  @JobHandler(ECHO_JOB)
  async echo(ctx: JobHandlerContext<typeof ECHO_JOB>): Promise<void> {
    await gate;
    ctx.metrics.items_processed = ctx.params.limit * ctx.settings.ECHO_TEST_FACTOR;
    ctx.metrics.custom.factor = ctx.settings.ECHO_TEST_FACTOR;
  }
}

@JobModule(ECHO_JOB, { providers: [EchoJob] })
class EchoJobModule {}

const TOKEN = 'framework-test-admin-token-0123456789';
const JOBS = [...JOB_MODULES, EchoJobModule];

describe('a job added as one folder', () => {
  let db: TestDatabase;
  let running: RunningApp;
  const post = (body: unknown, token = TOKEN) =>
    fetch(`${running.baseUrl}/api/v1/jobs/echo-test`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
  const get = (path: string) =>
    fetch(`${running.baseUrl}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });

  beforeAll(async () => {
    db = await createTestDatabase();
    running = await startApp(
      {
        DATABASE_URL: db.url,
        API_TOKENS: TOKEN,
        ECHO_TEST_ENABLED: 'false',
        ECHO_TEST_FACTOR: '3',
        TRIGGER_RATE_LIMIT_PER_MINUTE: '1000',
      },
      { jobs: JOBS },
    );
  });

  afterAll(async () => {
    await running?.close();
    await db?.drop();
  });

  it('validates its variables at start-up with the usual messages', async () => {
    await expect(
      createApp(
        { ...QUIET_ENV, DATABASE_URL: db.url, ECHO_TEST_LIMIT: '8', ECHO_TEST_FACTOR: '0' },
        { jobs: JOBS },
      ),
    ).rejects.toThrow(ConfigValidationError);
    try {
      await createApp(
        { ...QUIET_ENV, DATABASE_URL: db.url, ECHO_TEST_LIMIT: '8', ECHO_TEST_FACTOR: '0' },
        { jobs: JOBS },
      );
    } catch (error) {
      expect((error as ConfigValidationError).problems).toEqual([
        'ECHO_TEST_LIMIT: "8" is not an integer between 1 and 7',
        'ECHO_TEST_FACTOR: "0" is not an integer between 1 and 9',
      ]);
    }
  });

  it('answers its trigger route: 200 with the JobResult, its settings applied', async () => {
    const answer = await post({ limit: 5 });
    expect(answer.status).toBe(200);
    const result = (await answer.json()) as Record<string, unknown>;
    expect(result).toMatchObject({
      success: true,
      job_name: 'echo_test(limit=5)',
      status: 'succeeded',
      metrics: { items_processed: 15, custom: { factor: 3 } },
    });
    expect(result).not.toHaveProperty('failure');
    const defaults = (await (await post({})).json()) as { job_name: string };
    expect(defaults.job_name).toBe('echo_test(limit=3)');
  });

  it('refuses a limit outside its bounds with 400 and no token with 401; nothing runs', async () => {
    const before = ((await (await get('/api/v1/jobs/runs?job=echo_test')).json()) as { items: unknown[] })
      .items;
    const tooMany = await post({ limit: 8 });
    expect(tooMany.status).toBe(400);
    expect(await tooMany.json()).toMatchObject({ message: 'limit must be an integer between 1 and 7' });
    expect((await post({ limit: 1 }, '')).status).toBe(401);
    const after = ((await (await get('/api/v1/jobs/runs?job=echo_test')).json()) as { items: unknown[] })
      .items;
    expect(after).toHaveLength(before.length);
  });

  it('answers 409 with the running run while it runs', async () => {
    gate = new Promise((resolve) => (release = resolve));
    const accepted = await fetch(`${running.baseUrl}/api/v1/jobs/echo-test?wait=false`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: '{}',
    });
    expect(accepted.status).toBe(202);
    const { run_id: runId } = (await accepted.json()) as { run_id: string };
    const busy = await post({});
    expect(busy.status).toBe(409);
    expect(await busy.json()).toMatchObject({ run_id: runId });
    release();
  });

  it('has its own Swagger operation, GET /jobs entry and metrics labels', async () => {
    const document = (await (await fetch(`${running.baseUrl}/docs-json`)).json()) as {
      paths: Record<string, { post?: { operationId?: string; requestBody?: unknown } }>;
    };
    const operation = document.paths['/api/v1/jobs/echo-test']?.post;
    expect(operation?.operationId).toBe('echoTest');
    expect(JSON.stringify(document)).toContain('EchoTestTriggerBody');

    const jobs = (await (await get('/api/v1/jobs')).json()) as Record<string, unknown>[];
    expect(jobs.find((job) => job.key === 'echo_test')).toMatchObject({
      description: 'A throw-away job that reports its limit and setting.',
      trigger_path: '/api/v1/jobs/echo-test',
      limit: { default: 3, min: 1, max: 7, nullable: false },
      schedule: '0 0 5 * * *',
      enabled: false,
    });

    const metrics = await (await fetch(`${running.baseUrl}/metrics`)).text();
    expect(metrics).toContain('cpb_job_running{job="echo_test"} 0');
    expect(metrics).toMatch(/cpb_job_runs_total\{job="echo_test",status="succeeded",trigger="manual"\} \d+/);
  });
});

describe('definitions that could never run fail start-up, naming the job and the field', () => {
  it('refuses a definition without a handler', async () => {
    const ORPHAN = defineJob({
      key: 'orphan_test',
      description: 'no handler',
      envPrefix: 'ORPHAN_TEST',
      schedule: '0 0 5 * * *',
      trigger: { path: 'orphan-test', summary: 'Orphan' },
    });
    @JobModule(ORPHAN)
    class OrphanModule {}
    const db = await createTestDatabase();
    try {
      await expect(
        createApp({ ...QUIET_ENV, DATABASE_URL: db.url }, { jobs: [OrphanModule] }),
      ).rejects.toThrow('job orphan_test has no handler');
    } finally {
      await db.drop();
    }
  });

  describe("a job's @Cron tick is its definition's", () => {
    const job = (name: string) =>
      defineJob({
        key: `${name}_test`,
        description: 'tick test',
        envPrefix: `${name.toUpperCase()}_TEST`,
        schedule: '0 0 5 * * *',
        trigger: { path: `${name.replace(/_/g, '-')}-test`, summary: 'Tick test' },
      });
    const refusesToStart = async (modules: (new () => unknown)[], message: string): Promise<void> => {
      const db = await createTestDatabase();
      try {
        await expect(createApp({ ...QUIET_ENV, DATABASE_URL: db.url }, { jobs: modules })).rejects.toThrow(
          message,
        );
      } finally {
        await db.drop();
      }
    };

    it('refuses a definition without a tick', async () => {
      const UNSCHEDULED = job('unscheduled');
      @Injectable()
      class UnscheduledJob {
        @JobHandler(UNSCHEDULED)
        async work(): Promise<void> {}
      }
      @JobModule(UNSCHEDULED, { providers: [UnscheduledJob] })
      class UnscheduledModule {}
      await refusesToStart(
        [UnscheduledModule],
        'job unscheduled_test has no @Cron tick: its service must extend ScheduledJob(<its definition>)',
      );
    });

    it('refuses a service whose tick is the tick of another job', async () => {
      const MISTICKED = job('misticked');
      @Injectable()
      class MistickedJob extends ScheduledJob(ECHO_JOB) {
        @JobHandler(MISTICKED)
        async work(): Promise<void> {}
      }
      @JobModule(MISTICKED, { providers: [MistickedJob] })
      class MistickedModule {}
      await refusesToStart(
        [EchoJobModule, MistickedModule],
        'job echo_test: MistickedJob.tick is its tick, but MistickedJob handles job misticked_test',
      );
    });

    it('refuses a hand-written @Cron tick, which could run another job than its name says', async () => {
      const HAND_WRITTEN = job('hand_written');
      @Injectable()
      class HandWrittenJob {
        constructor(private readonly runner: JobRunnerService) {}

        @Cron(HAND_WRITTEN.defaultSchedule, { name: HAND_WRITTEN.key, timeZone: 'UTC', disabled: true })
        tick(): Promise<void> {
          return this.runner.tick(ECHO_JOB);
        }

        @JobHandler(HAND_WRITTEN)
        async work(): Promise<void> {}
      }
      @JobModule(HAND_WRITTEN, { providers: [HandWrittenJob] })
      class HandWrittenModule {}
      await refusesToStart(
        [EchoJobModule, HandWrittenModule],
        'job hand_written_test: HandWrittenJob.tick is a hand-written @Cron tick',
      );
    });

    it('builds the @Cron of the tick from the definition, off until the scheduler applies the config', () => {
      // `@Cron` keeps its options on the method under this key (@nestjs/schedule's SCHEDULE_CRON_OPTIONS).
      expect(Reflect.getMetadata('SCHEDULE_CRON_OPTIONS', EchoJob.prototype.tick)).toEqual({
        cronTime: ECHO_JOB.defaultSchedule,
        name: ECHO_JOB.key,
        timeZone: 'UTC',
        disabled: true,
      });
    });
  });

  it('refuses two jobs sharing a key, an env prefix or a route', () => {
    const [top] = definitionsOf(JOB_MODULES);
    const twin = (overrides: Partial<Parameters<typeof defineJob>[0]>) =>
      defineJob({
        key: 'twin_test',
        description: 'twin',
        envPrefix: 'TWIN_TEST',
        schedule: '0 0 5 * * *',
        trigger: { path: 'twin-test', summary: 'Twin' },
        ...overrides,
      });
    for (const [overrides, message] of [
      [{ key: top.key }, `job ${top.key}: key "${top.key}" is also used by job ${top.key}`],
      [
        { envPrefix: top.envPrefix },
        `job twin_test: envPrefix "${top.envPrefix}" is also used by job ${top.key}`,
      ],
      [
        { trigger: { path: top.triggerPath, summary: 'x' } },
        `job twin_test: trigger.path "${top.triggerPath}" is also used by job ${top.key}`,
      ],
    ] as const) {
      @JobModule(twin(overrides))
      class TwinModule {}
      expect(() => definitionsOf([...JOB_MODULES, TwinModule])).toThrow(message);
    }
  });

  it('refuses an invalid default schedule or limit', () => {
    const base = {
      key: 'bad_test',
      description: 'bad',
      envPrefix: 'BAD_TEST',
      schedule: '0 0 5 * * *',
      trigger: { path: 'bad-test', summary: 'Bad' },
    };
    expect(() => defineJob({ ...base, schedule: '0 0 25 * * *' })).toThrow(
      new JobDefinitionError('bad_test', 'schedule', '"0 0 25 * * *" is not a valid 6-field cron expression'),
    );
    expect(() => defineJob({ ...base, limit: { default: 0, min: 1, max: 5, nullable: false } })).toThrow(
      'job bad_test: limit.default 0 is outside 1..5',
    );
  });
});

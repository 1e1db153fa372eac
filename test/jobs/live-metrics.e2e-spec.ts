import { Injectable } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOB_MODULES } from '../../src/app.module.js';
import { JobHandler, type JobHandlerContext } from '../../src/jobs/framework/job-handler.decorator.js';
import { JobModule } from '../../src/jobs/framework/job-module.js';
import { ScheduledJob } from '../../src/jobs/framework/scheduled-job.js';
import { defineJob } from '../../src/jobs/job-definition.js';
import { startApp, type RunningApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { sleep } from '../support/jobs.js';

const HELD_JOB = defineJob({
  key: 'live_metrics_test',
  description: 'Counts a few items, reports progress, then waits for the test to let it end.',
  envPrefix: 'LIVE_METRICS_TEST',
  schedule: '0 0 5 * * *',
  trigger: { path: 'live-metrics-test', summary: 'Count, then wait for the test' },
});

let release: (() => void) | undefined;

@Injectable()
class HeldJob extends ScheduledJob(HELD_JOB) {
  @JobHandler(HELD_JOB)
  async work(ctx: JobHandlerContext<typeof HELD_JOB>): Promise<void> {
    ctx.metrics.items_processed = 4;
    ctx.metrics.items_created = 3;
    ctx.metrics.items_updated = 1;
    ctx.metrics.items_skipped = 2.4;
    ctx.metrics.custom = { pages_fetched: 2 };
    ctx.progress(4, 10);
    await new Promise<void>((resolve) => (release = resolve));
    ctx.metrics.items_processed = 10;
    ctx.progress(10, 10);
  }
}

@JobModule(HELD_JOB, { providers: [HeldJob] })
class HeldJobModule {}

const ADMIN = 'live-metrics-admin-token-0123456789ab';

interface RunBody {
  status: string;
  metrics: Record<string, unknown>;
  progress: { done: number; total: number | null } | null;
}

describe('a running run shows its counts so far', () => {
  let db: TestDatabase;
  let app: RunningApp;

  const call = async (method: string, path: string): Promise<Response> =>
    fetch(`${app.baseUrl}/api/v1/jobs/${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: method === 'POST' ? '{}' : undefined,
    });

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await startApp(
      {
        DATABASE_URL: db.url,
        API_TOKENS: ADMIN,
        LIVE_METRICS_TEST_ENABLED: 'false',
        TRIGGER_RATE_LIMIT_PER_MINUTE: '1000',
      },
      { jobs: [...JOB_MODULES, HeldJobModule] },
    );
  });

  afterAll(async () => {
    release?.();
    await app?.close();
    await db?.drop();
  });

  it('GET /jobs/runs/{id} shows the four counts and custom metrics before the run ends, then the final ones', async () => {
    const accepted = await call('POST', 'live-metrics-test?wait=false');
    expect(accepted.status).toBe(202);
    const { run_id: runId } = (await accepted.json()) as { run_id: string };

    // Polls until the first progress write landed: no fixed sleep a loaded machine could outrun.
    let running: RunBody;
    for (;;) {
      running = (await (await call('GET', `runs/${runId}`)).json()) as RunBody;
      if (running.progress !== null) break;
      await sleep(20);
    }
    expect(running.status).toBe('running');
    expect(running.progress).toMatchObject({ done: 4, total: 10 });
    expect(running.metrics).toEqual({
      items_processed: 4,
      items_created: 3,
      items_updated: 1,
      items_skipped: 2,
      custom: { pages_fetched: 2 },
    });

    release?.();
    let ended: RunBody;
    for (;;) {
      ended = (await (await call('GET', `runs/${runId}`)).json()) as RunBody;
      if (ended.status !== 'running') break;
      await sleep(20);
    }
    expect(ended.status).toBe('succeeded');
    expect(ended.progress).toMatchObject({ done: 10, total: 10 });
    expect(ended.metrics).toMatchObject({ items_processed: 10, custom: { pages_fetched: 2 } });
  });
});

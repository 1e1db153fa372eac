import { Injectable } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOB_MODULES } from '../../src/app.module.js';
import { JobHandler } from '../../src/jobs/framework/job-handler.decorator.js';
import { JobModule } from '../../src/jobs/framework/job-module.js';
import { ScheduledJob } from '../../src/jobs/framework/scheduled-job.js';
import { defineJob } from '../../src/jobs/job-definition.js';
import { ConcurrencySlotsRepository } from '../../src/jobs/runner/concurrency-slots.repository.js';
import { startApp, type RunningApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

/*
 * JOBS_MAX_CONCURRENT=1 and a dependency that has never succeeded. A dependent's run takes the one slot and its
 * dependency gate finds a run of the dependency already queued (triggered by hand, behind the dependent). The gate
 * waits for that run, which waits for the slot the dependent holds. The dependency must run in the dependent's
 * slot, as one the gate starts itself does. Before, both waited out JOB_QUEUE_TIMEOUT_MS and then failed.
 */

const job = (key: string, dependsOn: { key: string }[] = []) =>
  defineJob({
    key,
    description: `queue dependency test job ${key}`,
    envPrefix: key.toUpperCase(),
    schedule: '0 0 5 * * *',
    trigger: { path: key.replace(/_/g, '-'), summary: key },
    dependsOn,
  });
const BLOCKER = job('queue_dep_blocker');
const BASE = job('queue_dep_base');
const DEPENDENT = job('queue_dep_dependent', [BASE]);

let release: () => void = () => undefined;
let held = new Promise<void>((resolve) => (release = resolve));
/** Holds the dependent's work in the second case. */
let dependentHeld = Promise.resolve();
const started: string[] = [];

@Injectable()
class BlockerJob extends ScheduledJob(BLOCKER) {
  @JobHandler(BLOCKER)
  async blocker(): Promise<void> {
    started.push(BLOCKER.key);
    await held;
  }
}

@Injectable()
class BaseJob extends ScheduledJob(BASE) {
  @JobHandler(BASE)
  async base(): Promise<void> {
    started.push(BASE.key);
  }
}

@Injectable()
class DependentJob extends ScheduledJob(DEPENDENT) {
  @JobHandler(DEPENDENT)
  async dependent(): Promise<void> {
    started.push(DEPENDENT.key);
    await dependentHeld;
  }
}

@JobModule(BLOCKER, { providers: [BlockerJob] })
class BlockerModule {}

@JobModule(BASE, { providers: [BaseJob] })
class BaseModule {}

@JobModule(DEPENDENT, { providers: [DependentJob] })
class DependentModule {}

const ADMIN = 'queue-dep-test-admin-token-0123456789ab';

describe('JOBS_MAX_CONCURRENT=1: a queued dependency of the run holding the slot', () => {
  let db: TestDatabase;
  let app: RunningApp;

  const call = (method: string, path: string) =>
    fetch(`${app.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: method === 'POST' ? '{}' : undefined,
    });
  const trigger = async (path: string): Promise<string> => {
    const response = await call('POST', `/api/v1/jobs/${path}?wait=false`);
    expect(response.status).toBe(202);
    return ((await response.json()) as { run_id: string }).run_id;
  };
  const statusOf = async (id: string): Promise<{ status: string; error?: string }> =>
    (await (await call('GET', `/api/v1/jobs/runs/${id}`)).json()) as { status: string; error?: string };
  const until = async (check: () => Promise<boolean>): Promise<void> => {
    while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 20));
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await startApp(
      {
        DATABASE_URL: db.url,
        API_TOKENS: ADMIN,
        QUEUE_DEP_BLOCKER_ENABLED: 'false',
        QUEUE_DEP_BASE_ENABLED: 'false',
        QUEUE_DEP_DEPENDENT_ENABLED: 'false',
        JOBS_MAX_CONCURRENT: '1',
        // Long enough that a deadlock cannot end by timing out within the test's own limit.
        JOB_QUEUE_TIMEOUT_MS: '600000',
        TRIGGER_RATE_LIMIT_PER_MINUTE: '1000',
      },
      { jobs: [...JOB_MODULES, BlockerModule, BaseModule, DependentModule] },
    );
  });

  afterAll(async () => {
    release();
    await app?.close();
    await db?.drop();
  });

  it('runs the queued dependency in the slot of the run waiting for it', async () => {
    const blocker = await trigger('queue-dep-blocker');
    await until(async () => started.includes(BLOCKER.key));
    const dependent = await trigger('queue-dep-dependent');
    const base = await trigger('queue-dep-base');
    expect((await statusOf(dependent)).status).toBe('queued');
    expect((await statusOf(base)).status).toBe('queued');

    release();
    await until(async () => (await statusOf(dependent)).status !== 'queued');
    await until(async () => !['queued', 'running'].includes((await statusOf(dependent)).status));

    expect(await statusOf(blocker)).toMatchObject({ status: 'succeeded' });
    expect(await statusOf(base)).toMatchObject({ status: 'succeeded' });
    expect(await statusOf(dependent)).toMatchObject({ status: 'succeeded' });
    // The dependent's work starts only after the dependency succeeded. (Its gate may also have started a run of
    // the dependency of its own, trigger `dependency`, when the queued one ended between its two lookups.)
    expect(started.slice(0, 2)).toEqual([BLOCKER.key, BASE.key]);
    expect(started.at(-1)).toBe(DEPENDENT.key);
  }, 120_000);

  it('keeps the limit once the dependency has succeeded: its queued run waits its turn', async () => {
    started.length = 0;
    held = new Promise<void>((resolve) => (release = resolve));
    let releaseDependent!: () => void;
    dependentHeld = new Promise<void>((resolve) => (releaseDependent = resolve));
    const repository = app.app.get(ConcurrencySlotsRepository);
    const promote = repository.promote.bind(repository);
    let baseId = '';
    let refusals = 0;
    repository.promote = async (...args: Parameters<typeof promote>) => {
      const promoted = await promote(...args);
      if (args[0] === baseId && !promoted) refusals += 1;
      return promoted;
    };
    try {
      await trigger('queue-dep-blocker');
      await until(async () => started.includes(BLOCKER.key));
      const dependent = await trigger('queue-dep-dependent');
      baseId = await trigger('queue-dep-base');

      release();
      await until(async () => started.includes(DEPENDENT.key));
      // The dependent holds the slot: the queued dependency asks for it (every QUEUE_POLL_MS) and is refused.
      const seen = refusals;
      await until(async () => refusals >= seen + 2 || (await statusOf(baseId)).status !== 'queued');
      expect(await statusOf(baseId)).toMatchObject({ status: 'queued' });

      releaseDependent();
      await until(async () => (await statusOf(baseId)).status === 'succeeded');
      expect(await statusOf(dependent)).toMatchObject({ status: 'succeeded' });
      expect(started).toEqual([BLOCKER.key, DEPENDENT.key, BASE.key]);
    } finally {
      releaseDependent();
      repository.promote = promote;
    }
  }, 120_000);
});

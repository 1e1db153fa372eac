import { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { STATEMENT_TIMEOUT_MESSAGE, withStatementTimeout } from '../../src/database/statement-timeout.js';
import { JobRunnerService } from '../../src/jobs/job-runner.service.js';
import { startApp, type RunningApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const TOKEN = 'statement-timeout-admin-token-0123456789';
const TIMEOUT_MS = 300;

/**
 * DB_STATEMENT_TIMEOUT_MS against a lock held by another session: a second pg client opens a transaction
 * and locks what the API reads or a job writes. On PostgreSQL the statement waits for the lock; on embedded
 * PGlite (one session) it waits for the session that transaction holds. Either way it is cancelled after
 * 300 ms with 57014: the API answers 503, the run fails with the same words.
 */
describe('DB_STATEMENT_TIMEOUT_MS', () => {
  let db: TestDatabase;
  let running: RunningApp;
  let locker: pg.Client | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
    running = await startApp({
      DATABASE_URL: db.url,
      DB_STATEMENT_TIMEOUT_MS: String(TIMEOUT_MS),
      API_TOKENS: TOKEN,
    });
    await db.query(`create table timeout_probe (id int primary key, n int not null)`);
    await db.query(`insert into timeout_probe values (1, 0)`);
  });

  afterEach(async () => {
    await release();
  });

  afterAll(async () => {
    await running?.close();
    await db?.drop();
  });

  /** Another session: opens a transaction and runs `statement` in it, holding its locks until released. */
  async function lock(statement: string): Promise<void> {
    locker = new pg.Client({ connectionString: db.url });
    await locker.connect();
    await locker.query('begin');
    await locker.query(statement);
  }

  async function release(): Promise<void> {
    const client = locker;
    locker = undefined;
    if (!client) return;
    await client.query('rollback').catch(() => undefined);
    await client.end();
  }

  const read = () =>
    fetch(`${running.baseUrl}/api/v1/assets`, { headers: { authorization: `Bearer ${TOKEN}` } });

  it('sends the limit to every pooled connection', async () => {
    const orm = running.app.get(MikroORM);
    const rows = await orm.em
      .fork()
      .getConnection()
      .execute<{ statement_timeout: string }[]>('show statement_timeout');
    // PGlite keeps the setting without enforcing it; its session queue applies it instead.
    if (db.mode === 'server') expect(rows[0]?.statement_timeout).toBe(`${TIMEOUT_MS}ms`);
    expect(running.config.database.statementTimeoutMs).toBe(TIMEOUT_MS);
  });

  it('answers a read blocked by a lock with 503 and says the database was too slow', async () => {
    await lock('lock table assets in access exclusive mode');
    const started = performance.now();
    const response = await read();
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(await response.json()).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: STATEMENT_TIMEOUT_MESSAGE,
    });
    expect(performance.now() - started).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
    await release();
    // The cancelled statement left its pooled connection usable.
    expect((await read()).status).toBe(200);
  });

  it('fails a job whose statement waits on a locked row, with that text, without retrying it', async () => {
    const orm = running.app.get(MikroORM);
    const result = await running.app.get(JobRunnerService).execute({
      name: 'locked_write',
      timeoutMs: 60_000,
      fn: async () => {
        // Locked only now: the runner's own writes before the handler are done.
        await lock('select * from timeout_probe where id = 1 for update');
        try {
          await orm.em.fork().getConnection().execute('update timeout_probe set n = n + 1 where id = 1');
        } finally {
          // Released before the runner records the run's end, which would wait on PGlite too.
          await release();
        }
      },
    });
    expect(result).toMatchObject({
      success: false,
      status: 'failed',
      error: STATEMENT_TIMEOUT_MESSAGE,
      attempts: 1,
    });
    const [stored] = await db.query<{ error: string }>(`select error from job_runs where id = $1`, [
      result.run_id,
    ]);
    expect(stored?.error).toBe(STATEMENT_TIMEOUT_MESSAGE);
    expect((await db.query<{ n: number }>(`select n from timeout_probe`))[0]?.n).toBe(0);
  });

  it('lets a job give its own statements longer (withStatementTimeout)', async (context) => {
    // On PGlite the wait is for the session, which a transaction cannot lengthen for itself (see statement-timeout.ts).
    if (db.mode !== 'server') context.skip();
    const orm = running.app.get(MikroORM);
    await lock('select * from timeout_probe where id = 1 for update');
    const holder = locker;
    // The lock is held three times the shared limit, then released while the statement still waits.
    const released = new Promise<void>((resolve) => {
      setTimeout(() => void release().then(resolve), TIMEOUT_MS * 3);
    });
    const updated = await withStatementTimeout(orm.em.fork(), 10_000, (tx) =>
      tx
        .getConnection()
        .execute('update timeout_probe set n = n + 1 where id = 1', [], 'run', tx.getTransactionContext()),
    );
    await released;
    expect(holder).toBeDefined();
    expect(updated).toMatchObject({ affectedRows: 1 });
    // The longer limit ended with its transaction: the connection is back at the shared one.
    const rows = await orm.em
      .fork()
      .getConnection()
      .execute<{ statement_timeout: string }[]>('show statement_timeout');
    expect(rows[0]?.statement_timeout).toBe(`${TIMEOUT_MS}ms`);
  });
});

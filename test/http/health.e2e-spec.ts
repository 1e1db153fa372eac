import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { TcpProxy } from '../support/tcp-proxy.js';

describe('health', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let running: RunningApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    proxy = TcpProxy.forUrl(db.url);
    await proxy.start();
    running = await startApp({ DATABASE_URL: proxy.rewrite(db.url) });
  });

  afterAll(async () => {
    await running?.close();
    await proxy?.stop();
    await db?.drop();
  });

  it('GET /health/live answers 200 without checking anything', async () => {
    const response = await fetch(`${running.baseUrl}/health/live`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('GET /health/ready is 200 when the database answers and migrations are applied', async () => {
    const response = await fetch(`${running.baseUrl}/health/ready`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { status: string; checks: Record<string, { status: string }> };
    expect(body.status).toBe('ok');
    expect(body.checks.database.status).toBe('up');
    expect(body.checks.migrations).toMatchObject({ status: 'up', pending: [] });
  });

  it('GET /health/ready is 503 while the database is unreachable, and 200 again when it is back', async () => {
    await proxy.stop();
    const down = await fetch(`${running.baseUrl}/health/ready`);
    expect(down.status).toBe(503);
    const body = (await down.json()) as {
      statusCode: number;
      error: string;
      message: string;
      checks: Record<string, { status: string }>;
    };
    expect(body).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });
    expect(body.message).toMatch(/^database: /);
    expect(body.checks.database.status).toBe('down');

    await proxy.start();
    // Waits for the condition, not for a guessed time: a loaded machine may take seconds to reconnect.
    // Bounded well inside the 30 s test timeout so a real failure still reports the last status.
    let status = 0;
    const deadline = Date.now() + 20_000;
    while (status !== 200 && Date.now() < deadline) {
      status = (await fetch(`${running.baseUrl}/health/ready`)).status;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toBe(200);
  });

  it('reports pending migrations as not ready', async () => {
    const [latest] = await db.query<{ id: number; name: string }>(
      `select id, name from mikro_orm_migrations order by id desc limit 1`,
    );
    await db.query(`delete from mikro_orm_migrations where id = $1`, [latest.id]);
    try {
      const response = await fetch(`${running.baseUrl}/health/ready`);
      expect(response.status).toBe(503);
      const body = (await response.json()) as { message: string };
      expect(body.message).toBe(`migrations: 1 pending: ${latest.name}`);
    } finally {
      await db.query(`insert into mikro_orm_migrations (name, executed_at) values ($1, now())`, [
        latest.name,
      ]);
    }
  });
});

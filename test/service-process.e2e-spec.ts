import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { PROCESS_TEST_MS, freePort, spawnService, waitForHttp } from './support/service-process.js';

const QUIET = {
  JOBS_CATCH_UP: 'false',
  TOP_COINS_COLLECTION_ENABLED: 'false',
  PRICE_COLLECTION_ENABLED: 'false',
  CONTRACT_ADDRESSES_COLLECTION_ENABLED: 'false',
};

describe('the service process', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cpb-embedded-'));

  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it(
    'refuses to start on invalid configuration: one line per variable, exit code 1, no stack trace',
    async () => {
      const service = spawnService({
        ...QUIET,
        TOP_COINS_COLLECTION_SCHEDULE: '0 0 25 * * *',
        API_TOKENS: 'tiny',
        DATA_DIR: dataDir,
      });
      expect(await service.exited).toBe(1);
      const output = service.output();
      expect(output).toContain(
        'TOP_COINS_COLLECTION_SCHEDULE: "0 0 25 * * *" is not a valid 6-field cron expression',
      );
      expect(output).toContain('API_TOKENS: token #1 is shorter than 16 characters');
      expect(output).not.toContain('tiny');
      expect(output).not.toMatch(/\n\s+at /);
    },
    PROCESS_TEST_MS,
  );

  it(
    'runs on embedded PostgreSQL without DATABASE_URL, keeps its data across a restart and exits 0 on SIGTERM',
    async () => {
      const port = await freePort();
      const env = { ...QUIET, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir };
      const first = spawnService(env);
      try {
        await waitForHttp(`http://127.0.0.1:${port}/health/ready`);
      } catch (error) {
        first.child.kill('SIGKILL');
        throw new Error(`${(error as Error).message}\n${first.output()}`, { cause: error });
      }
      expect(first.output()).toContain('DATABASE_URL is not set: using embedded PostgreSQL (PGlite)');

      // While the service runs, other clients reach the same database through its multiplexed server.
      const lock = JSON.parse(readFileSync(join(dataDir, 'pglite.lock'), 'utf8')) as { port: number };
      const client = new pg.Client({
        connectionString: `postgres://postgres@127.0.0.1:${lock.port}/postgres`,
      });
      await client.connect();
      await client.query(
        `insert into assets (coingecko_id, symbol, name) values ('persisted-coin', 'PC', 'Persisted')`,
      );
      await client.end();

      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);
      expect(first.output()).toContain('Embedded PostgreSQL stopped');
      expect(existsSync(join(dataDir, 'pglite.lock'))).toBe(false);

      const second = spawnService(env);
      try {
        await waitForHttp(`http://127.0.0.1:${port}/health/ready`);
        const lockAgain = JSON.parse(readFileSync(join(dataDir, 'pglite.lock'), 'utf8')) as { port: number };
        const reader = new pg.Client({
          connectionString: `postgres://postgres@127.0.0.1:${lockAgain.port}/postgres`,
        });
        await reader.connect();
        const { rows } = await reader.query<{ name: string }>(
          `select name from assets where coingecko_id = 'persisted-coin'`,
        );
        await reader.end();
        expect(rows).toEqual([{ name: 'Persisted' }]);
        // Migrations ran on the first start only.
        expect(second.output()).toContain('Database schema is up to date');

        // A second service on the same data folder refuses to open PGlite's files twice.
        const intruder = spawnService({ ...env, PORT: String(await freePort()) });
        expect(await intruder.exited).toBe(1);
        expect(intruder.output()).toMatch(/the embedded database in .* is in use by process \d+/);
      } finally {
        second.child.kill('SIGTERM');
        expect(await second.exited).toBe(0);
      }
    },
    PROCESS_TEST_MS,
  );
});

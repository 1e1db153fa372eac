import { MikroORM } from '@mikro-orm/postgresql';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { EmbeddedPostgres } from '../../src/database/embedded-postgres.js';
import { buildOrmOptions } from '../../src/database/orm-options.js';

export interface TestDatabase {
  /** Connection URL of a database that exists only for this test file. */
  url: string;
  mode: 'server' | 'pglite';
  /** Runs SQL as an administrator of this database (outside the ORM). */
  query<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/**
 * A fresh, empty database for one test file: `CREATE DATABASE` on the PostgreSQL server the suite found,
 * or an in-process PGlite when there is none. It is dropped afterwards; nothing else is touched.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const target = inject('testDatabase');
  if (target.mode === 'server') {
    const name = `cpb_test_${process.pid}_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: target.url });
    await admin.connect();
    await admin.query(`create database "${name}"`);
    await admin.end();
    const url = withDatabase(target.url, name);
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    return {
      url,
      mode: 'server',
      query: async <T extends pg.QueryResultRow>(sql: string, params?: unknown[]) =>
        (await pool.query<T>(sql, params)).rows,
      drop: async () => {
        await pool.end();
        const client = new pg.Client({ connectionString: target.url });
        await client.connect();
        // A pool's end() resolves before its sockets close; forcing a closing session out makes pg raise an
        // unhandled FATAL 57P01 in the test process. Give the sessions a moment to go, then force the rest.
        for (let wait = 0; wait < 100; wait++) {
          const { rows } = await client.query<{ n: number }>(
            `select count(*)::int as n from pg_stat_activity where datname = $1`,
            [name],
          );
          if (rows[0]?.n === 0) break;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        await client.query(`drop database if exists "${name}" with (force)`);
        await client.end();
      },
    };
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'cpb-test-'));
  const embedded = await EmbeddedPostgres.start({ dataDir });
  const pool = new pg.Pool({ connectionString: embedded.url, max: 1 });
  return {
    url: embedded.url,
    mode: 'pglite',
    query: async <T extends pg.QueryResultRow>(sql: string, params?: unknown[]) =>
      (await pool.query<T>(sql, params)).rows,
    drop: async () => {
      await pool.end();
      await embedded.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A MikroORM connected to `url` with every migration applied. */
export async function createMigratedOrm(url: string, poolMax = 4): Promise<MikroORM> {
  const orm = await MikroORM.init(buildOrmOptions({ clientUrl: url, poolMax }));
  await orm.migrator.up();
  return orm;
}

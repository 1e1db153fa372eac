import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedPostgres } from '../../src/database/embedded-postgres.js';

/*
 * The embedded database is one PGlite session behind a socket server; the service's pool has several
 * connections onto it. Statements from concurrent connections — plain extended-protocol ones with large
 * parameters (split over several TCP packets) and short transactions — must each run whole, as on a server.
 */
describe('embedded PostgreSQL under concurrent connections', () => {
  let dataDir: string;
  let embedded: EmbeddedPostgres;
  let pool: pg.Pool;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'cpb-embedded-'));
    embedded = await EmbeddedPostgres.start({ dataDir });
    pool = new pg.Pool({ connectionString: embedded.url, max: 4 });
    await pool.query('create table t (id int primary key, v text)');
  });

  afterAll(async () => {
    await pool?.end();
    await embedded?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs every statement of four busy connections whole, with transactions among them', async () => {
    const errors: string[] = [];
    let done = 0;
    const upserts = async (worker: number): Promise<void> => {
      for (let i = 0; i < 60; i++) {
        try {
          await pool.query(
            'insert into t (id, v) values ($1, $2) on conflict (id) do update set v = excluded.v',
            [worker * 1000 + i, 'x'.repeat(20_000)],
          );
          done++;
        } catch (error) {
          errors.push((error as Error).message);
        }
      }
    };
    const transactions = async (): Promise<void> => {
      for (let i = 0; i < 60; i++) {
        const client = await pool.connect();
        try {
          await client.query('begin');
          const { rows } = await client.query<{ n: number }>('select $1::int as n', [i]);
          expect(rows[0].n).toBe(i);
          await client.query('commit');
          done++;
        } catch (error) {
          errors.push((error as Error).message);
          await client.query('rollback').catch(() => undefined);
        } finally {
          client.release();
        }
      }
    };
    await Promise.all([upserts(0), upserts(1), transactions(), transactions()]);
    expect(errors).toEqual([]);
    expect(done).toBe(240);
    const [{ n }] = (await pool.query<{ n: number }>('select count(*)::int as n from t')).rows;
    expect(n).toBe(120);
  }, 30_000);
});

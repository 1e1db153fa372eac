import type { MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMigratedOrm, createTestDatabase, type TestDatabase } from '../support/database.js';
import { createPricePartitions } from '../support/price-partitions.js';

describe('migrations', () => {
  let db: TestDatabase;
  let orm: MikroORM;

  beforeAll(async () => {
    db = await createTestDatabase();
    orm = await createMigratedOrm(db.url);
  });

  afterAll(async () => {
    await orm?.close(true);
    await db?.drop();
  });

  it('create every table on an empty database', async () => {
    const tables = await db.query<{ table_name: string }>(
      `select table_name from information_schema.tables
        where table_schema = 'public'
          and table_name not in (select relname from pg_class where relispartition)
        order by table_name`,
    );
    expect(tables.map((t) => t.table_name)).toEqual([
      'asset_contracts',
      'asset_prices',
      'asset_prices_daily',
      'asset_prices_hourly',
      'asset_provider_id_checks',
      'asset_provider_ids',
      'asset_rankings',
      'assets',
      'coingecko_calls',
      'coingecko_run_calls',
      'job_alerts',
      'job_runs',
      'mikro_orm_migrations',
      'price_flags',
      'price_gap_attempts',
      'price_history_coverage',
      'provider_calls',
      'rate_limit_windows',
    ]);
  });

  it('are idempotent: a second run (a second start) applies nothing', async () => {
    expect(await orm.migrator.up()).toEqual([]);
    expect(await orm.migrator.getPending()).toEqual([]);
  });

  it('match the entities exactly (migration:create would find nothing to write)', async () => {
    const diff = await orm.schema.getUpdateSchemaSQL({ wrap: false });
    expect(diff.trim()).toBe('');
  });

  it('store money and quantities as numeric, never floating point', async () => {
    const columns = await db.query<{ table_name: string; column_name: string; data_type: string }>(
      `select table_name, column_name, data_type from information_schema.columns
        where table_schema = 'public' and (column_name like '%usd' or column_name in ('dominance', 'change_percent_24h'))`,
    );
    expect(columns.length).toBeGreaterThanOrEqual(9);
    for (const column of columns)
      expect(column.data_type, `${column.table_name}.${column.column_name}`).toBe('numeric');
  });

  describe('natural keys refuse duplicates', () => {
    let assetId: string;

    beforeAll(async () => {
      const [asset] = await db.query<{ id: string }>(
        `insert into assets (coingecko_id, symbol, name) values ('bitcoin', 'BTC', 'Bitcoin') returning id`,
      );
      assetId = asset.id;
    });

    const duplicate = /duplicate key value violates unique constraint/;

    it('assets (coingecko_id)', async () => {
      await expect(
        db.query(`insert into assets (coingecko_id, symbol, name) values ('bitcoin', 'BTC', 'Bitcoin 2')`),
      ).rejects.toThrow(duplicate);
      // Symbols are shared by different coins and must stay insertable.
      await db.query(
        `insert into assets (coingecko_id, symbol, name) values ('bitcoin-on-x', 'BTC', 'Wrapped')`,
      );
    });

    it('asset_rankings (asset_id, snapshot_date, source)', async () => {
      const insert = `insert into asset_rankings (asset_id, snapshot_date, rank, source) values ($1, '2026-01-01', 1, 'coingecko')`;
      await db.query(insert, [assetId]);
      await expect(db.query(insert, [assetId])).rejects.toThrow(
        /asset_rankings_asset_id_snapshot_date_source_unique/,
      );
    });

    it('asset_prices (asset_id, timestamp, source)', async () => {
      await createPricePartitions(db, '2026-01-01T00:00:00Z');
      const insert = `insert into asset_prices (asset_id, timestamp, price_usd, source) values ($1, '2026-01-01T00:15:00Z', '1.5', 'coingecko')`;
      await db.query(insert, [assetId]);
      // The natural key is the primary key; each monthly partition holds its own index of it.
      await expect(db.query(insert, [assetId])).rejects.toThrow(/asset_prices_p202601_pkey/);
    });

    it('asset_contracts (chain, contract_address)', async () => {
      const insert = `insert into asset_contracts (asset_id, chain, contract_address) values ($1, 'ethereum', '0xabc')`;
      await db.query(insert, [assetId]);
      await expect(db.query(insert, [assetId])).rejects.toThrow(
        /asset_contracts_chain_contract_address_unique/,
      );
    });

    it('job_runs (job_key, scheduled_for) and one running run per job', async () => {
      const insert = `insert into job_runs (job_key, job_name, trigger, scheduled_for, status, started_at, heartbeat_at, owner)
                      values ('top_coins_collection', 'top_coins_collection(limit=1)', $1, $2, $3, now(), now(), 'test')`;
      await db.query(insert, ['schedule', '2026-01-01T00:00:00Z', 'succeeded']);
      await expect(db.query(insert, ['schedule', '2026-01-01T00:00:00Z', 'failed'])).rejects.toThrow(
        /job_runs_job_key_scheduled_for_unique/,
      );
      await db.query(insert, ['manual', null, 'running']);
      await expect(db.query(insert, ['manual', null, 'running'])).rejects.toThrow(
        /job_runs_one_active_per_job/,
      );
      // Finished manual runs have no slot and never collide.
      await db.query(insert, ['manual', null, 'succeeded']);
      await db.query(insert, ['manual', null, 'succeeded']);
    });

    it('job_runs only accepts the documented statuses and triggers', async () => {
      await expect(
        db.query(`insert into job_runs (job_key, job_name, trigger, status, started_at, heartbeat_at, owner)
                  values ('x', 'x', 'manual', 'done', now(), now(), 'test')`),
      ).rejects.toThrow(/job_runs_status_check/);
      await expect(
        db.query(`insert into job_runs (job_key, job_name, trigger, status, started_at, heartbeat_at, owner)
                  values ('x', 'x', 'webhook', 'running', now(), now(), 'test')`),
      ).rejects.toThrow(/job_runs_trigger_check/);
    });
  });
});

import { MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOrmOptions } from '../../src/database/orm-options.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const BEFORE = 'Migration20261202010000_job_runs_status_indexes';
const PARTITIONING = 'Migration20261207000000_asset_prices_partitioned';

/** Every raw row with every column, as text, in one order: what must survive the migration both ways. */
const ALL_PRICES = `select asset_id::text, timestamp::text, source, price_usd::text, volume_24h_usd::text,
                           market_cap_usd::text, change_percent_24h::text, created_at::text
                      from asset_prices order by asset_id, timestamp, source`;

/** The rollups as a from-scratch GROUP BY over the raw rows would give them. */
function groupedRollup(unit: 'hour' | 'day'): string {
  return `select asset_id::text, date_trunc('${unit}', timestamp, 'UTC')::text as bucket, source,
                 ((array_agg(price_usd order by timestamp))[1])::text as open, max(price_usd)::text as high,
                 min(price_usd)::text as low, ((array_agg(price_usd order by timestamp desc))[1])::text as close,
                 count(*)::int as points,
                 ((array_agg(market_cap_usd order by timestamp desc))[1])::text as market_cap_usd,
                 ((array_agg(volume_24h_usd order by timestamp desc))[1])::text as volume_24h_usd
            from asset_prices group by 1, 2, 3 order by 1, 2, 3`;
}

function storedRollup(table: string): string {
  return `select asset_id::text, bucket::text, source, open::text, high::text, low::text, close::text, points,
                 market_cap_usd::text, volume_24h_usd::text
            from ${table} order by 1, 2, 3`;
}

describe('asset_prices partitioning migration, on a populated database', () => {
  let db: TestDatabase;
  let orm: MikroORM;
  let before: Record<string, unknown>[];

  beforeAll(async () => {
    db = await createTestDatabase();
    orm = await MikroORM.init(buildOrmOptions({ clientUrl: db.url, poolMax: 2 }));
    await orm.migrator.up({ to: BEFORE });
    await db.query(`insert into assets (coingecko_id, symbol, name)
                    select 'coin-' || n, 'C' || n, 'Coin ' || n from generate_series(1, 5) n`);
    // Three months of 15-minute rows (two sources for one coin), with odd amounts and nulls.
    await db.query(`insert into asset_prices (asset_id, timestamp, price_usd, volume_24h_usd, market_cap_usd,
                                              change_percent_24h, source, created_at)
                    select a.id, t, (1000 + extract(epoch from t)::bigint % 977) / 7.0, case when a.symbol = 'C2' then null else 1e30 end,
                           123456789012345678901234567890.123456789, -0.5, s, t + interval '1 second'
                      from assets a
                     cross join generate_series('2026-08-31T22:00:00Z'::timestamptz, '2026-10-01T02:00:00Z', '15 minutes') t
                     cross join (values ('coingecko'), ('other')) v(s)
                     where s = 'coingecko' or a.symbol = 'C1'`);
    before = await db.query(ALL_PRICES);
    expect(before.length).toBeGreaterThan(15_000);
    await orm.migrator.up({ to: PARTITIONING });
  });

  afterAll(async () => {
    await orm?.close(true);
    await db?.drop();
  });

  it('keeps every row and every natural key, each in its own month’s partition', async () => {
    expect(await db.query(ALL_PRICES)).toEqual(before);
    const partitions = await db.query<{ name: string; rows: number }>(
      `select c.relname as name, (select count(*)::int from asset_prices p where p.tableoid = c.oid) as rows
         from pg_inherits i join pg_class c on c.oid = i.inhrelid
        where i.inhparent = 'asset_prices'::regclass order by 1`,
    );
    expect(partitions.slice(0, 3).map((p) => p.name)).toEqual([
      'asset_prices_p202608',
      'asset_prices_p202609',
      'asset_prices_p202610',
    ]);
    expect(partitions.reduce((sum, p) => sum + p.rows, 0)).toBe(before.length);
    const months = await db.query<{ name: string; n: number }>(
      `select to_char(timestamp at time zone 'UTC', '"asset_prices_p"YYYYMM') as name, count(*)::int as n
         from asset_prices group by 1 order by 1`,
    );
    for (const month of months) expect(partitions.find((p) => p.name === month.name)?.rows).toBe(month.n);
    // No catch-all: a row outside every partition is refused, not parked.
    const defaults = await db.query(
      `select 1 from pg_partitioned_table where partrelid = 'asset_prices'::regclass and partdefid <> 0`,
    );
    expect(defaults).toEqual([]);
  });

  it('fills the hourly and daily rollups with what a GROUP BY over the raw rows gives', async () => {
    expect(await db.query(storedRollup('asset_prices_hourly'))).toEqual(
      await db.query(groupedRollup('hour')),
    );
    expect(await db.query(storedRollup('asset_prices_daily'))).toEqual(await db.query(groupedRollup('day')));
  });

  it('migrates down to the unpartitioned table with every row, and up again', async () => {
    await orm.migrator.down({ to: BEFORE });
    const kind = await db.query<{ relkind: string }>(
      `select relkind from pg_class where relname = 'asset_prices'`,
    );
    expect(kind).toEqual([{ relkind: 'r' }]);
    expect(await db.query(ALL_PRICES)).toEqual(before);
    const constraint = await db.query(
      `select 1 from pg_constraint where conname = 'asset_prices_asset_id_timestamp_source_unique'`,
    );
    expect(constraint).toHaveLength(1);
    await orm.migrator.up();
    expect(await db.query(ALL_PRICES)).toEqual(before);
  });
});

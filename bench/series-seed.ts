import { performance } from 'node:perf_hooks';
import type { BenchDatabase } from './support.js';

/** The unpartitioned copy: a plain table with the natural key as its primary key, and no rollups. */
export const FLAT = 'bench_asset_prices_flat';
/** The migration before the partitioning, and the partitioning itself. */
const BEFORE = 'Migration20261202010000_job_runs_status_indexes';
const PARTITIONING = 'Migration20261207000000_asset_prices_partitioned';

const SLOT_MS = 15 * 60_000;
const DAY_MS = 86_400_000;

export interface SeriesData {
  /** Every asset's id; the first `withHistory` have prices. */
  assetIds: string[];
  withHistory: number;
  /** The first slot (inclusive) and the end of the last one (exclusive), on 15-minute boundaries. */
  start: Date;
  end: Date;
  rawRows: number;
  /** How many UTC months the raw rows span (the partitions the migration filled). */
  months: number;
  seedMs: { raw: number; migration: number; flat: number; analyze: number };
}

const log = (text: string): void => console.log(`  ${new Date().toISOString()} ${text}`);

/**
 * `assets` assets, the first `withHistory` of them with one 15-minute price per slot over `days` days up to the
 * current slot, written into the previous schema (one unpartitioned `asset_prices`), one generate_series
 * INSERT … SELECT per 30 days so a long seed shows progress. Then the project's own partitioning migration turns
 * them into monthly partitions and builds both rollups from them (its `up` is timed: the figure per million rows
 * in docs/operations.md), and the later migrations run. The same rows are copied into the flat table last.
 */
export async function seedSeries(
  db: BenchDatabase,
  options: { assets: number; withHistory: number; days: number },
): Promise<SeriesData> {
  await db.orm.migrator.down({ to: BEFORE });
  const end = new Date(Math.floor(Date.now() / SLOT_MS) * SLOT_MS);
  const start = new Date(end.getTime() - options.days * DAY_MS);
  const { rows: assets } = await db.pool.query<{ id: string }>(
    `insert into assets (coingecko_id, symbol, name, is_tracked)
     select 'bench-coin-' || n, 'B' || n, 'Bench coin ' || n, n <= $2
       from generate_series(1, $1::int) n
      order by n
     returning id`,
    [options.assets, options.withHistory],
  );
  const assetIds = assets.map((row) => row.id);
  const historyIds = assetIds.slice(0, options.withHistory);

  let started = performance.now();
  let rawRows = 0;
  for (let from = start.getTime(); from < end.getTime(); from += 30 * DAY_MS) {
    const to = Math.min(end.getTime(), from + 30 * DAY_MS);
    // Ordered by time as the collector writes them; the price wanders per asset, amounts have many digits.
    const result = await db.pool.query(
      `insert into asset_prices (asset_id, timestamp, price_usd, volume_24h_usd, market_cap_usd,
                                 change_percent_24h, source)
       select a.id, t,
              (1000 + (extract(epoch from t)::bigint / 900 + a.n * 7919) % 977) / 7.0,
              123456789.123456789 + a.n, 98765432101.987654321 + a.n, -0.5, 'coingecko'
         from generate_series($1::timestamptz, $2::timestamptz - interval '15 minutes', '15 minutes') t
        cross join unnest($3::uuid[]) with ordinality as a(id, n)`,
      [new Date(from).toISOString(), new Date(to).toISOString(), historyIds],
    );
    rawRows += result.rowCount ?? 0;
    log(`seeded ${rawRows.toLocaleString('en-US')} raw rows (previous schema)`);
  }
  await db.pool.query('vacuum analyze asset_prices');
  const raw = performance.now() - started;
  const { rows: span } = await db.pool.query<{ months: number }>(
    `select count(distinct date_trunc('month', timestamp, 'UTC'))::int as months from asset_prices`,
  );

  started = performance.now();
  await db.orm.migrator.up({ to: PARTITIONING });
  const migration = performance.now() - started;
  log(`partitioning migration done in ${(migration / 1000).toFixed(1)} s`);
  await db.orm.migrator.up();

  started = performance.now();
  await db.pool.query(`create table ${FLAT} (
      asset_id uuid not null, timestamp timestamptz not null, price_usd numeric not null,
      volume_24h_usd numeric null, market_cap_usd numeric null, change_percent_24h numeric null,
      source text not null default 'coingecko', created_at timestamptz not null default now(),
      primary key (asset_id, timestamp, source))`);
  await db.pool.query(
    `insert into ${FLAT} select asset_id, timestamp, price_usd, volume_24h_usd, market_cap_usd,
                                change_percent_24h, source, created_at
       from asset_prices order by timestamp, asset_id`,
  );
  log('flat copy done');
  const flat = performance.now() - started;

  started = performance.now();
  await db.pool.query(
    `vacuum analyze asset_prices, asset_prices_hourly, asset_prices_daily, ${FLAT}, assets`,
  );
  const analyze = performance.now() - started;
  return {
    assetIds,
    withHistory: historyIds.length,
    start,
    end,
    rawRows,
    months: span[0].months,
    seedMs: { raw, migration, flat, analyze },
  };
}

import { performance } from 'node:perf_hooks';
import { AssetPriceSchema } from '../src/assets/entities/asset-price.entity.js';
import { upsertMany } from '../src/database/upsert.js';
import { createBenchDatabase, median, ms, printTable } from './support.js';

const ROWS = 10_000;
const ROUNDS = 5;

interface PriceRow {
  asset: string;
  timestamp: Date;
  priceUsd: string;
  volume24hUsd: string;
  marketCapUsd: string;
  changePercent24h: string;
  source: string;
}

const RAW_UPSERT = `
  insert into asset_prices (asset_id, timestamp, price_usd, volume_24h_usd, market_cap_usd, change_percent_24h, source)
  select * from unnest($1::uuid[], $2::timestamptz[], $3::numeric[], $4::numeric[], $5::numeric[], $6::numeric[], $7::text[])
  on conflict (asset_id, timestamp, source) do update
     set price_usd = excluded.price_usd, volume_24h_usd = excluded.volume_24h_usd,
         market_cap_usd = excluded.market_cap_usd, change_percent_24h = excluded.change_percent_24h
   where (asset_prices.price_usd, asset_prices.volume_24h_usd, asset_prices.market_cap_usd, asset_prices.change_percent_24h)
         is distinct from (excluded.price_usd, excluded.volume_24h_usd, excluded.market_cap_usd, excluded.change_percent_24h)`;

/**
 * 10,000 asset_prices rows through the project's upsert path (`upsertMany`: MikroORM query builder,
 * one multi-row statement per batch) against a hand-written `INSERT … SELECT FROM unnest(…) ON
 * CONFLICT` with pg, on the same database in the same run: a fresh insert and an unchanged re-run.
 */
export async function upsertBench(): Promise<void> {
  const db = await createBenchDatabase();
  try {
    const assetIds = (
      await db.pool.query<{ id: string }>(
        `insert into assets (coingecko_id, symbol, name)
         select 'coin-' || i, 'C' || i, 'Coin ' || i from generate_series(1, ${ROWS}) i returning id`,
      )
    ).rows.map((row) => row.id);
    const timestamp = new Date('2026-01-01T00:15:00Z');
    const rows: PriceRow[] = assetIds.map((asset, i) => ({
      asset,
      timestamp,
      priceUsd: `${(i + 1) * 1.2345}e-3`,
      volume24hUsd: `${1_000_000 + i}.123456`,
      marketCapUsd: `${9_000_000_000 + i * 17}`,
      changePercent24h: `${(i % 200) / 10 - 10}`,
      source: 'coingecko',
    }));
    const options = {
      conflictOn: ['asset', 'timestamp', 'source'] as const,
      compare: ['priceUsd', 'volume24hUsd', 'marketCapUsd', 'changePercent24h'] as const,
    };
    const project = async (): Promise<number> => {
      const start = performance.now();
      await upsertMany(db.orm.em.fork(), AssetPriceSchema, rows, {
        conflictOn: [...options.conflictOn],
        compare: [...options.compare],
      });
      return performance.now() - start;
    };
    const rawUpsert = async (): Promise<number> => {
      const start = performance.now();
      const batch = 1000;
      for (let offset = 0; offset < rows.length; offset += batch) {
        const slice = rows.slice(offset, offset + batch);
        await db.pool.query(RAW_UPSERT, [
          slice.map((r) => r.asset),
          slice.map((r) => r.timestamp.toISOString()),
          slice.map((r) => r.priceUsd),
          slice.map((r) => r.volume24hUsd),
          slice.map((r) => r.marketCapUsd),
          slice.map((r) => r.changePercent24h),
          slice.map((r) => r.source),
        ]);
      }
      return performance.now() - start;
    };
    const clear = async (): Promise<void> => {
      await db.pool.query('truncate asset_prices');
    };
    // The project path's own work, without the database: merging duplicate keys and building the
    // per-column arrays, measured by running the same steps in isolation.
    const prepareOnly = (): number => {
      const start = performance.now();
      const unique = new Map<string, PriceRow>();
      for (const row of rows)
        unique.set(JSON.stringify([row.asset, row.timestamp.toISOString(), row.source]), row);
      const kept = [...unique.values()];
      for (const property of [
        'asset',
        'timestamp',
        'priceUsd',
        'volume24hUsd',
        'marketCapUsd',
        'changePercent24h',
        'source',
      ] as const) {
        kept.map((row) => (row[property] instanceof Date ? row[property].toISOString() : row[property]));
      }
      return performance.now() - start;
    };

    // Warm both paths (JIT, connections, plan caches) before measuring.
    await clear();
    await project();
    await clear();
    await rawUpsert();

    const fresh = { project: [] as number[], raw: [] as number[] };
    const unchanged = { project: [] as number[], raw: [] as number[] };
    const build: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      await clear();
      fresh.project.push(await project());
      unchanged.project.push(await project());
      await clear();
      fresh.raw.push(await rawUpsert());
      unchanged.raw.push(await rawUpsert());
      build.push(prepareOnly());
    }

    const rowsFor = (label: string, timings: { project: number[]; raw: number[] }): string[] => {
      const project = median(timings.project);
      const raw = median(timings.raw);
      return [
        label,
        ms(raw),
        ms(project),
        `${(raw / project).toFixed(2)}×`,
        `${Math.round(ROWS / (project / 1000)).toLocaleString('en')} rows/s`,
      ];
    };
    printTable(
      `asset_prices upsert, ${ROWS.toLocaleString('en')} rows, median of ${ROUNDS} rounds (target: project ≥ 0.5× raw speed)`,
      ['case', 'raw pg unnest', 'project upsertMany', 'speed vs raw', 'project throughput'],
      [rowsFor('fresh insert', fresh), rowsFor('unchanged re-run', unchanged)],
    );
    const prepareMs = median(build);
    const gap = median(fresh.project) - median(fresh.raw);
    console.log(
      `\nWhere the project path's remaining time goes (${ms(gap)} over raw on a fresh insert): merging rows that ` +
        `share a natural key and turning ${ROWS.toLocaleString('en')} rows into one array per column take ${ms(prepareMs)}; ` +
        `the rest is reading column names and types from the entity metadata, Kysely compiling the statement and ` +
        `MikroORM's connection layer. The SQL PostgreSQL executes is the same INSERT … SELECT FROM unnest(…) ON CONFLICT ` +
        `shape as the raw path, so the database work is the same.`,
    );
  } finally {
    await db.drop();
  }
}

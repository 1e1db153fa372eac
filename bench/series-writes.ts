import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { type PricePartitions } from '../src/assets/storage/price-partitions.repository.js';
import type { PriceMonth } from '../src/assets/storage/price-months.js';
import { type PricesWriteRepository, type PriceRow } from '../src/assets/write/prices.write-repository.js';
import { FLAT, type SeriesData } from './series-seed.js';
import { median } from './support.js';

const SLOT_MS = 15 * 60_000;

export interface WriteFigures {
  assets: number;
  slots: number;
  partitioned: number;
  flat: number;
}

function slotRows(assetIds: readonly string[], slot: Date): PriceRow[] {
  return assetIds.map((assetId, n) => ({
    assetId,
    timestamp: slot,
    priceUsd: (1000 + ((slot.getTime() / SLOT_MS + n * 7919) % 977) / 7).toFixed(9),
    volume24hUsd: `${123456789 + n}.123456789`,
    marketCapUsd: `${98765432101 + n}.987654321`,
    changePercent24h: '-0.5',
  }));
}

/** The flat table's write: the natural key's upsert of the same rows, in a transaction, no rollups. */
async function flatWrite(pool: pg.Pool, rows: readonly PriceRow[]): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query(
      `insert into ${FLAT} as p (asset_id, timestamp, price_usd, volume_24h_usd, market_cap_usd,
                                 change_percent_24h, source)
       select a, t, pr, v, mc, ch, 'coingecko'
         from unnest($1::uuid[], $2::timestamptz[], $3::numeric[], $4::numeric[], $5::numeric[], $6::numeric[])
              as r(a, t, pr, v, mc, ch)
       on conflict (asset_id, timestamp, source) do update
          set price_usd = excluded.price_usd, volume_24h_usd = excluded.volume_24h_usd,
              market_cap_usd = excluded.market_cap_usd, change_percent_24h = excluded.change_percent_24h
        where (p.price_usd, p.volume_24h_usd, p.market_cap_usd, p.change_percent_24h)
              is distinct from (excluded.price_usd, excluded.volume_24h_usd, excluded.market_cap_usd,
                                excluded.change_percent_24h)`,
      [
        rows.map((r) => r.assetId),
        rows.map((r) => r.timestamp.toISOString()),
        rows.map((r) => r.priceUsd),
        rows.map((r) => r.volume24hUsd),
        rows.map((r) => r.marketCapUsd),
        rows.map((r) => r.changePercent24h),
      ],
    );
    await client.query('commit');
  } catch (error) {
    await client.query('rollback');
    throw error;
  } finally {
    client.release();
  }
}

/**
 * `slots` fresh price slots after the data's end, each for `assetIds.length` assets: through the project's
 * PricesWriteRepository (partition check, raw upsert, hourly and daily rollups, one transaction) and into the
 * flat table, alternating which goes first. Median per write.
 */
export async function writeFigures(
  prices: PricesWriteRepository,
  pool: pg.Pool,
  data: SeriesData,
  assetIds: readonly string[],
  slots: number,
): Promise<WriteFigures> {
  const partitioned: number[] = [];
  const flat: number[] = [];
  // Two slots unmeasured first: plans, caches, the ORM's compiled statement.
  for (let k = 0; k < slots + 2; k++) {
    const rows = slotRows(assetIds, new Date(data.end.getTime() + k * SLOT_MS));
    const runs: [number[], () => Promise<unknown>][] = [
      [partitioned, () => prices.upsertPrices(rows)],
      [flat, () => flatWrite(pool, rows)],
    ];
    if (k % 2 === 1) runs.reverse();
    for (const [times, run] of runs) {
      const started = performance.now();
      await run();
      if (k >= 2) times.push(performance.now() - started);
    }
  }
  return { assets: assetIds.length, slots, partitioned: median(partitioned), flat: median(flat) };
}

export interface ExpiryFigures {
  month: string;
  dropped: number;
  deleted: number;
  dropMs: number;
  deleteMs: number;
}

/**
 * Expiring one month of raw rows: the project's PricePartitions.drop (DETACH + DROP, what
 * price_storage_maintenance runs) against a DELETE of the same rows from the flat table.
 * The oldest month wholly inside the data, else (a few days' data) the oldest that holds rows.
 */
export async function expiryFigures(
  partitions: PricePartitions,
  pool: pg.Pool,
  data: SeriesData,
): Promise<ExpiryFigures> {
  const months = await partitions.list();
  const whole = months.find((m) => m.from >= data.start && m.to <= data.end);
  const month: PriceMonth = whole ?? months.find((m) => m.to > data.start)!;
  let started = performance.now();
  const deleted = await pool.query(`delete from ${FLAT} where timestamp >= $1 and timestamp < $2`, [
    month.from.toISOString(),
    month.to.toISOString(),
  ]);
  const deleteMs = performance.now() - started;
  started = performance.now();
  const dropped = await partitions.drop(month);
  const dropMs = performance.now() - started;
  return { month: month.name, dropped, deleted: deleted.rowCount ?? 0, dropMs, deleteMs };
}

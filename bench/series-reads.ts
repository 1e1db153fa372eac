import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { type PriceReadsRepository } from '../src/assets/prices/price-reads.repository.js';
import { bucketStart, INTERVAL_MS, type SeriesInterval } from '../src/assets/prices/series-interval.js';
import { load, type LoadResult } from './http-load.js';
import { FLAT, type SeriesData } from './series-seed.js';
import { percentile, sized } from './support.js';

const DAY_MS = 86_400_000;
const CONNECTIONS = 50;
const ONE = sized({ maxRequests: 400, maxMs: 10_000 }, { maxRequests: 20, maxMs: 500 });
const PHASE = sized({ maxRequests: 20_000, maxMs: 8_000 }, { maxRequests: 200, maxMs: 300 });
const WARM = sized({ maxRequests: 500, maxMs: 5_000 }, { maxRequests: 20, maxMs: 300 });
/** Statements timed one after another on one connection, per figure and schema. */
const STATEMENTS = sized(200, 10);

export interface HttpFigures {
  healthAt50: LoadResult;
  yearAt50: LoadResult;
  yearOne: LoadResult;
  dayOne: LoadResult;
  atOne: LoadResult;
  atAssets: number;
}

/** The moments the reads ask about: a year and a day up to the data's end, and a month (tiny: a day) before it. */
export function moments(data: SeriesData) {
  const end = new Date(data.end.getTime() - 1);
  return {
    yearFrom: new Date(end.getTime() - 365 * DAY_MS),
    dayFrom: new Date(end.getTime() - DAY_MS),
    to: end,
    at: new Date(data.end.getTime() - sized(30, 1) * DAY_MS),
  };
}

export const p95 = (result: LoadResult): number => percentile(result.latenciesMs, 95);

/** The three reads through the real HTTP service, as a client sends them. */
export async function httpFigures(
  base: string,
  headers: Record<string, string>,
  data: SeriesData,
): Promise<HttpFigures> {
  const m = moments(data);
  const ids = data.assetIds.slice(0, data.withHistory);
  const year = (id: string) =>
    `${base}/api/v1/assets/${id}/prices/series?from=${m.yearFrom.toISOString()}&to=${m.to.toISOString()}` +
    '&interval=auto&max_points=500';
  const day = `${base}/api/v1/assets/${ids[0]}/prices/series?from=${m.dayFrom.toISOString()}&to=${m.to.toISOString()}&interval=15m`;
  const atAssets = ids.slice(0, 100);
  const at = `${base}/api/v1/prices/at?assets=${atAssets.join(',')}&at=${m.at.toISOString()}`;
  // A different asset on each connection, so no two requests in flight ask the same thing.
  const years = ids.slice(0, CONNECTIONS).map(year);
  const health = `${base}/health/live`;

  for (const url of [health, day, at]) await load({ url, headers, connections: 4, ...WARM });
  await load({ url: years[0], urls: years, headers, connections: 10, ...WARM });
  const healthAt50 = await load({ url: health, headers, connections: CONNECTIONS, ...PHASE });
  const yearAt50 = await load({ url: years[0], urls: years, headers, connections: CONNECTIONS, ...PHASE });
  const yearOne = await load({ url: years[0], headers, connections: 1, ...ONE });
  const dayOne = await load({ url: day, headers, connections: 1, ...ONE });
  const atOne = await load({ url: at, headers, connections: 1, ...ONE });
  const failed = [healthAt50, yearAt50, yearOne, dayOne, atOne].reduce((sum, r) => sum + r.errors, 0);
  if (failed > 0) throw new Error(`${failed} requests failed or answered other than 200`);
  return { healthAt50, yearAt50, yearOne, dayOne, atOne, atAssets: atAssets.length };
}

/** A raw-row series over the flat table, binned like the repository's 15m read but at any interval. */
const FLAT_SERIES = `
  select to_char(b.t at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as t, b.open::text as open,
         b.high::text as high, b.low::text as low, b.close::text as close, b.points
    from (select date_bin($1::interval, p.timestamp, '1970-01-01T00:00:00Z'::timestamptz) as t,
                 (array_agg(p.price_usd order by p.timestamp))[1] as open,
                 max(p.price_usd) as high, min(p.price_usd) as low,
                 (array_agg(p.price_usd order by p.timestamp desc))[1] as close, count(*)::int as points
            from ${FLAT} p
           where p.asset_id = $2::uuid and p.source = 'coingecko'
             and p.timestamp >= $3::timestamptz and p.timestamp < $4::timestamptz
           group by 1) b
   order by b.t`;

/** The prices/at statement of the repository, over the flat table (ids only, no CoinGecko-id lookup). */
const FLAT_AT = `
  select r.id, p.timestamp, p.price_usd::text
    from unnest($1::uuid[]) with ordinality as r(id, ord)
    left join lateral (
      select q.timestamp, q.price_usd from ${FLAT} q
       where q.asset_id = r.id and q.source = 'coingecko'
         and q.timestamp > $2::timestamptz and q.timestamp <= $3::timestamptz
       order by q.timestamp desc limit 1) p on true
   order by r.ord`;

export interface StatementFigures {
  year: number;
  day: number;
  at: number;
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 3; i++) await run();
  const times: number[] = [];
  for (let i = 0; i < STATEMENTS; i++) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  return percentile(times, 95);
}

/**
 * The same three reads as statements on one connection, p95: on the partitioned schema through the project's
 * PriceReadsRepository (the year from the daily rollup, as `auto` picks `1d`), on the flat copy from its raw rows.
 */
export async function statementFigures(
  reads: PriceReadsRepository,
  pool: pg.Pool,
  data: SeriesData,
): Promise<{ partitioned: StatementFigures; flat: StatementFigures }> {
  const m = moments(data);
  const assetId = data.assetIds[0];
  const ids = data.assetIds.slice(0, Math.min(100, data.withHistory));
  const window = (interval: SeriesInterval, from: Date) => ({
    from: bucketStart(interval, from),
    until: new Date(bucketStart(interval, m.to).getTime() + INTERVAL_MS[interval]),
  });
  const yearRange = window('1d', m.yearFrom);
  const dayRange = window('15m', m.dayFrom);
  const after = new Date(m.at.getTime() - DAY_MS);
  const assets = ids.map((id) => ({ key: id, id }));
  // Both providers in order, as PRICE_PROVIDERS=coingecko,coinpaprika reads them (the bench writes coingecko only).
  const sources = ['coingecko', 'coinpaprika'];
  const partitioned = {
    year: await timed(() => reads.series({ assetId, sources, interval: '1d', ...yearRange })),
    day: await timed(() => reads.series({ assetId, sources, interval: '15m', ...dayRange })),
    at: await timed(() => reads.pricesAt({ assets, sources, after, at: m.at })),
  };
  const client = await pool.connect();
  try {
    const iso = (d: Date) => d.toISOString();
    const flat = {
      year: await timed(() =>
        client.query(FLAT_SERIES, ['1 day', assetId, iso(yearRange.from), iso(yearRange.until)]),
      ),
      day: await timed(() =>
        client.query(FLAT_SERIES, ['15 minutes', assetId, iso(dayRange.from), iso(dayRange.until)]),
      ),
      at: await timed(() => client.query(FLAT_AT, [ids, iso(after), iso(m.at)])),
    };
    return { partitioned, flat };
  } finally {
    client.release();
  }
}

import type { NestExpressApplication } from '@nestjs/platform-express';
import { JOB_MODULES } from '../src/app.module.js';
import { PriceReadsRepository } from '../src/assets/prices/price-reads.repository.js';
import { PricePartitions } from '../src/assets/storage/price-partitions.repository.js';
import { PricesWriteRepository } from '../src/assets/write/prices.write-repository.js';
import { createApp } from '../src/bootstrap.js';
import { definitionsOf } from '../src/jobs/framework/job-module.js';
import { httpFigures, p95, statementFigures } from './series-reads.js';
import { seedSeries } from './series-seed.js';
import { expiryFigures, writeFigures } from './series-writes.js';
import { createBenchDatabase, ms, printTable, sized } from './support.js';

const TOKEN = 'series-bench-token-0123456789abcdef';
const NA = '—';

/** `--name=N` on the command line (a positive integer), else `full`, or `tiny` under --size=tiny. */
function intOption(name: string, full: number, tiny: number): number {
  const flag = process.argv.find((arg) => arg.startsWith(`--${name}=`));
  if (flag === undefined) return sized(full, tiny);
  const value = Number(flag.slice(name.length + 3));
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`--${name} must be a positive integer (got ${flag})`);
  return value;
}

const seconds = (value: number): string => `${(value / 1000).toFixed(1)} s`;
const times = (value: number): string => `${value.toFixed(2)}×`;
const verdict = (ok: boolean): string => (ok ? 'pass' : 'MISS');

/**
 * Issue 22's price history at scale: `--assets=N` (default 100) assets × a year of 15-minute prices (tiny: 3 assets ×
 * 3 days) seeded in SQL into the previous schema, then partitioned and rolled up by the project's own migration
 * (its time per million rows is a row of the table), and the same rows in an unpartitioned copy (a plain table with
 * the natural key, no rollups) in the same database. The reads go through the real HTTP service on the partitioned
 * schema, against `/health/live` of the same process as the floor; the same reads as statements compare the two
 * schemas (the service only reads the real one). The write of one slot for 1,000 assets goes through
 * PricesWriteRepository (rollups included) against the flat table's upsert; a month expires by the maintenance's
 * DETACH + DROP against a DELETE of the same rows.
 */
export async function seriesBench(): Promise<void> {
  const withHistory = intOption('assets', 100, 3);
  const days = sized(365, 3);
  const writeAssets = sized(1000, 20);
  const db = await createBenchDatabase();
  const rows: string[][] = [];
  let title: string | undefined;
  try {
    const data = await seedSeries(db, { assets: Math.max(withHistory, writeAssets), withHistory, days });
    const seed = data.seedMs;
    title =
      `${withHistory.toLocaleString('en-US')} assets × ${days} days of 15-minute prices = ` +
      `${data.rawRows.toLocaleString('en-US')} raw rows; seeded in ${seconds(seed.raw + seed.migration + seed.flat + seed.analyze)} ` +
      `(raw ${seconds(seed.raw)}, partitioning migration ${seconds(seed.migration)}, flat copy ${seconds(seed.flat)}, ` +
      `vacuum analyze ${seconds(seed.analyze)})`;
    console.log(title);

    const jobs = definitionsOf(JOB_MODULES);
    const { app } = (await createApp({
      DATABASE_URL: db.url,
      API_TOKENS: TOKEN,
      LOG_LEVEL: 'silent',
      JOBS_CATCH_UP: 'false',
      HOST: '127.0.0.1',
      PORT: '0',
      ...Object.fromEntries(jobs.map((job) => [`${job.envPrefix}_ENABLED`, 'false'])),
    })) as { app: NestExpressApplication };
    db.closeBeforeDrop(() => app.close());
    await app.listen(0, '127.0.0.1');
    const address = app.getHttpServer().address();
    if (typeof address !== 'object' || !address) throw new Error('server has no address');
    const base = `http://127.0.0.1:${address.port}`;

    const http = await httpFigures(base, { authorization: `Bearer ${TOKEN}` }, data);
    const statements = await statementFigures(app.get(PriceReadsRepository), db.pool, data);
    const writeIds = data.assetIds.slice(0, writeAssets);
    const write = await writeFigures(app.get(PricesWriteRepository), db.pool, data, writeIds, sized(15, 3));
    const expiry = await expiryFigures(app.get(PricePartitions), db.pool, data);

    const floor = http.healthAt50.throughput;
    const share = http.yearAt50.throughput / floor;
    rows.push(
      [
        'GET /health/live, 50 connections (the floor)',
        `${Math.round(floor)} req/s`,
        NA,
        '1.00×',
        'the floor',
        NA,
      ],
      [
        'HTTP: one-year series, auto/500 points (1d), 1 connection, p95',
        ms(p95(http.yearOne)),
        NA,
        NA,
        '≤ 20 ms',
        verdict(p95(http.yearOne) <= 20),
      ],
      [
        'HTTP: one-year series, auto/500, 50 connections (50 assets)',
        `${Math.round(http.yearAt50.throughput)} req/s`,
        NA,
        `${times(share)} of floor`,
        '≥ 0.5×',
        verdict(share >= 0.5),
      ],
      [
        'HTTP: one-day series, 15m, 1 connection, p95',
        ms(p95(http.dayOne)),
        NA,
        NA,
        '≤ 10 ms',
        verdict(p95(http.dayOne) <= 10),
      ],
      [
        `HTTP: prices/at, ${http.atAssets} assets, a month ago, 1 connection, p95`,
        ms(p95(http.atOne)),
        NA,
        NA,
        '≤ 20 ms',
        verdict(p95(http.atOne) <= 20),
      ],
      [
        'SQL: one-year series at 1d, p95 (rollup vs raw rows)',
        ms(statements.partitioned.year),
        ms(statements.flat.year),
        times(statements.flat.year / statements.partitioned.year),
        NA,
        NA,
      ],
      [
        'SQL: one-day series at 15m, p95',
        ms(statements.partitioned.day),
        ms(statements.flat.day),
        times(statements.flat.day / statements.partitioned.day),
        NA,
        NA,
      ],
      [
        `SQL: prices/at, ${http.atAssets} assets, p95`,
        ms(statements.partitioned.at),
        ms(statements.flat.at),
        times(statements.flat.at / statements.partitioned.at),
        NA,
        NA,
      ],
      [
        `write one slot for ${write.assets} assets (median of ${write.slots}), rollups vs none`,
        ms(write.partitioned),
        ms(write.flat),
        times(write.partitioned / write.flat),
        '≤ 1.3×',
        verdict(write.partitioned / write.flat <= 1.3),
      ],
      [
        `expire one month (${expiry.month}): DETACH + DROP vs DELETE`,
        `${ms(expiry.dropMs)} (${expiry.dropped} rows)`,
        `${ms(expiry.deleteMs)} (${expiry.deleted} rows)`,
        `DELETE ÷ DROP: ${times(expiry.deleteMs / expiry.dropMs)}`,
        NA,
        NA,
      ],
      [
        `partitioning migration up, ${data.rawRows.toLocaleString('en-US')} rows over ${data.months} months`,
        `${seconds(seed.migration)} (${seconds((seed.migration / data.rawRows) * 1_000_000)} per million rows)`,
        NA,
        NA,
        NA,
        NA,
      ],
    );
  } finally {
    await db.drop();
  }
  printTable(
    `${title ?? ''}; ratios are against the floor or the unpartitioned copy measured in the same run`,
    ['measurement', 'partitioned (real schema)', 'unpartitioned copy', 'ratio', 'target', 'result'],
    rows,
  );
}

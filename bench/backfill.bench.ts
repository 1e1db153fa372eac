import { SchedulerRegistry } from '@nestjs/schedule';
import { performance } from 'node:perf_hooks';
import { PriceGapsRepository } from '../src/assets/price-gaps.repository.js';
import { createApp } from '../src/bootstrap.js';
import { PRICE_HISTORY_BACKFILL_JOB } from '../src/collectors/price-history-backfill/price-history-backfill.job.js';
import { TOP_COINS_JOB } from '../src/collectors/top-coins/top-coins.job.js';
import { JobRunnerService } from '../src/jobs/job-runner.service.js';
import { CoinGeckoFake } from '../test/fakes/coingecko-fake.js';
import { createBenchDatabase, ms, printTable, sized } from './support.js';

const CHART = '/coins/{id}/market_chart/range' as const;
/** The target: one daily and one hourly range per asset. */
const TARGET_CALLS_PER_ASSET = 2.0;
const JOB = PRICE_HISTORY_BACKFILL_JOB.key;

// The same rows as the job writes, without its rollup refresh and coverage bookkeeping: the cost of the data alone.
const RAW_INSERT = `
  insert into asset_prices (asset_id, timestamp, source, price_usd, market_cap_usd, volume_24h_usd,
                            change_percent_24h, backfilled)
  select r.asset_id, r.timestamp, 'coingecko', r.price, r.market_cap, r.volume, r.change, true
    from unnest($1::uuid[], $2::timestamptz[], $3::numeric[], $4::numeric[], $5::numeric[], $6::numeric[])
      as r(asset_id, timestamp, price, market_cap, volume, change)
  on conflict (asset_id, timestamp, source) do nothing`;

interface StoredRow {
  asset_id: string;
  ts: string;
  price: string;
  cap: string | null;
  volume: string | null;
  change: string | null;
  hourly: boolean;
}

/**
 * 100 newly tracked assets (3 at `--size=tiny`) and one `price_history_backfill` run over the fake CoinGecko with
 * the default ranges (365 days daily, the last 90 of them hourly): calls per asset against the target of 2.0,
 * points inserted per second, and, in the same run, the same points written by a raw
 * `INSERT … SELECT FROM unnest(…) ON CONFLICT DO NOTHING` with pg, one statement per asset and range as the
 * job makes them, as the baseline.
 */
export async function backfillBench(): Promise<void> {
  const assets = sized(100, 3);
  const db = await createBenchDatabase();
  const fake = await CoinGeckoFake.start({ coins: assets });
  db.closeBeforeDrop(() => fake.stop());
  const { app } = await createApp({
    DATABASE_URL: db.url,
    COINGECKO_BASE_URL: fake.url,
    COINGECKO_RATE_LIMIT_PER_MINUTE: '100000',
    LOG_LEVEL: 'silent',
    JOBS_CATCH_UP: 'false',
    TOP_COINS_COLLECTION_ENABLED: 'false',
    CONTRACT_ADDRESSES_COLLECTION_ENABLED: 'false',
    PRICE_COLLECTION_ENABLED: 'false',
    PRICE_HISTORY_BACKFILL_ENABLED: 'true',
  });
  db.closeBeforeDrop(() => app.close());
  try {
    // No timer may start another run while the benchmark measures.
    for (const [, job] of app.get(SchedulerRegistry).getCronJobs()) await job.stop();

    const coins = fake.coins().map((coin) => ({ id: coin.id, symbol: coin.symbol, name: coin.name }));
    await db.pool.query(
      `insert into assets (coingecko_id, symbol, name, is_tracked)
       select x->>'id', upper(x->>'symbol'), x->>'name', true from jsonb_array_elements($1::jsonb) x`,
      [JSON.stringify(coins)],
    );
    // The job depends on the ranking job having succeeded once; the assets are already there.
    await db.pool.query(
      `insert into job_runs (job_key, job_name, trigger, status, started_at, heartbeat_at, owner, completed_at)
       values ($1, $1, 'manual', 'succeeded', now(), now(), 'bench', now())`,
      [TOP_COINS_JOB.key],
    );

    // The job's own writes (rows, rollups), timed where it makes them.
    const prices = app.get(PriceGapsRepository);
    const insertMissing = prices.insertMissing.bind(prices);
    const writes = { ms: 0, statements: 0 };
    prices.insertMissing = async (rows, options) => {
      const start = performance.now();
      try {
        return await insertMissing(rows, options);
      } finally {
        writes.ms += performance.now() - start;
        writes.statements++;
      }
    };

    fake.clearRequests();
    const jobStart = performance.now();
    const outcome = await app
      .get(JobRunnerService)
      .run({ job: JOB, trigger: 'cli', params: { limit: assets } });
    if (outcome.kind !== 'started') throw new Error(`${JOB} did not start: ${outcome.kind}`);
    const result = await outcome.completion;
    const jobMs = performance.now() - jobStart;
    prices.insertMissing = insertMissing;
    if (!result.success) throw new Error(`${JOB} failed: ${result.error}`);
    const calls = fake.count(CHART);
    const points = Number(result.metrics.custom.points_inserted);

    const { rows: stored } = await db.pool.query<StoredRow>(
      `select asset_id::text, timestamp::text as ts, price_usd::text as price, market_cap_usd::text as cap,
              volume_24h_usd::text as volume, change_percent_24h::text as change,
              extract(epoch from timestamp)::bigint % 86400 <> 0 as hourly
         from asset_prices where backfilled order by asset_id, timestamp`,
    );
    await db.pool.query('delete from asset_prices where backfilled');
    await db.pool.query('vacuum analyze asset_prices');
    const batches = new Map<string, StoredRow[]>();
    for (const row of stored) {
      const key = `${row.asset_id}/${row.hourly}`;
      const batch = batches.get(key);
      if (batch) batch.push(row);
      else batches.set(key, [row]);
    }
    const rawStart = performance.now();
    for (const batch of batches.values()) {
      await db.pool.query(RAW_INSERT, [
        batch.map((row) => row.asset_id),
        batch.map((row) => row.ts),
        batch.map((row) => row.price),
        batch.map((row) => row.cap),
        batch.map((row) => row.volume),
        batch.map((row) => row.change),
      ]);
    }
    const rawMs = performance.now() - rawStart;

    const perSecond = (count: number, elapsedMs: number) =>
      Math.round(count / (elapsedMs / 1000)).toLocaleString('en');
    const callsPerAsset = calls / assets;
    printTable(
      `${JOB} of ${assets} newly tracked assets (365 days daily + 90 days hourly each), ` +
        `${points.toLocaleString('en')} points, fake CoinGecko`,
      ['measure', 'value'],
      [
        ['upstream calls (market_chart/range)', calls],
        [
          `calls per asset (target ≤ ${TARGET_CALLS_PER_ASSET.toFixed(1)})`,
          `${callsPerAsset.toFixed(2)} ${callsPerAsset <= TARGET_CALLS_PER_ASSET ? '(met)' : '(MISSED)'}`,
        ],
        ['wall time of the run (HTTP, parsing, inserts, rollups, coverage)', ms(jobMs)],
        ['points inserted per second by the job', perSecond(points, jobMs)],
        [`its insertMissing writes with the rollups (${writes.statements} calls)`, ms(writes.ms)],
        [`baseline: raw INSERT … ON CONFLICT DO NOTHING, ${batches.size} statements`, ms(rawMs)],
        ['baseline points per second', perSecond(stored.length, rawMs)],
        ['job time / baseline', `${(jobMs / rawMs).toFixed(2)}×`],
        ['job write time / baseline', `${(writes.ms / rawMs).toFixed(2)}×`],
      ],
    );
    if (stored.length !== points) throw new Error(`${points} points reported, ${stored.length} stored`);
  } finally {
    await db.drop();
  }
}

import { SchedulerRegistry } from '@nestjs/schedule';
import { performance } from 'node:perf_hooks';
import { PriceGapsRepository, type RepairedPrice } from '../src/assets/price-gaps.repository.js';
import { createApp } from '../src/bootstrap.js';
import { JobRunnerService } from '../src/jobs/job-runner.service.js';
import { CoinGeckoFake } from '../test/fakes/coingecko-fake.js';
import { createBenchDatabase, isTiny, ms, printTable } from './support.js';

const DEFAULT_ASSETS = 1000;
const SLOT_MS = 15 * 60_000;
const HOUR_MS = 3_600_000;
const CHART = '/coins/{id}/market_chart/range' as const;

/** `--assets=N` on the command line, else `BENCH_GAP_REPAIR_ASSETS`, else 1,000. */
function assetCount(): number {
  const flag = process.argv.find((arg) => arg.startsWith('--assets='));
  const text = flag?.slice('--assets='.length) ?? process.env.BENCH_GAP_REPAIR_ASSETS;
  if (text === undefined || text === '') return isTiny() ? 20 : DEFAULT_ASSETS;
  const count = Number(text);
  if (!Number.isInteger(count) || count < 1 || count > 10_000)
    throw new Error(`--assets must be an integer from 1 to 10000 (got ${text})`);
  return count;
}

const RAW_INSERT = `
  insert into asset_prices (asset_id, timestamp, source, price_usd, market_cap_usd, volume_24h_usd, change_percent_24h)
  select r.asset_id, r.timestamp, 'coingecko', r.price, r.market_cap, r.volume, r.change
    from unnest($1::uuid[], $2::timestamptz[], $3::numeric[], $4::numeric[], $5::numeric[], $6::numeric[])
      as r(asset_id, timestamp, price, market_cap, volume, change)
  on conflict (asset_id, timestamp, source) do nothing`;

interface FilledRow {
  asset_id: string;
  ts: string;
  price: string;
  cap: string | null;
  volume: string | null;
  change: string | null;
}

/**
 * N tracked assets (default 1,000) with 24 h of 15-minute price slots, 10% of them deleted, then one
 * `price_gap_repair` run over the fake CoinGecko: calls made against the minimum (one per asset with
 * holes), wall time, and the time the repair spent in its `insertMissing` writes against a raw
 * `INSERT … SELECT FROM unnest(…) ON CONFLICT DO NOTHING` of the same rows with pg, in the same run.
 */
export async function gapRepairBench(): Promise<void> {
  const assets = assetCount();
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
    // Enabled so that its schedule defines the expected slots; its timer is stopped below.
    PRICE_COLLECTION_ENABLED: 'true',
    PRICE_GAP_REPAIR_ENABLED: 'true',
  });
  db.closeBeforeDrop(() => app.close());
  try {
    // No timer may start a price or repair run while the benchmark measures.
    const crons = app.get(SchedulerRegistry).getCronJobs();
    for (const [, job] of crons) await job.stop();

    const coins = fake.coins().map((coin) => ({ id: coin.id, symbol: coin.symbol, name: coin.name }));
    await db.pool.query(
      `insert into assets (coingecko_id, symbol, name, is_tracked)
       select x->>'id', upper(x->>'symbol'), x->>'name', true from jsonb_array_elements($1::jsonb) x`,
      [JSON.stringify(coins)],
    );
    await db.pool.query(
      `insert into job_runs (job_key, job_name, trigger, status, started_at, heartbeat_at, owner, completed_at)
       values ('price_collection', 'price_collection(limit=100)', 'manual', 'succeeded', now(), now(), 'bench', now())`,
    );
    // Full history from 25 h ago to the last slot, then 10% of the slots well inside the lookback
    // (so that every deleted slot is one the job expects, whatever second it starts) deleted.
    const now = Date.now();
    const lastSlot = Math.floor(now / SLOT_MS) * SLOT_MS;
    const firstSlot = lastSlot - 25 * HOUR_MS;
    await db.pool.query(
      `insert into asset_prices (asset_id, timestamp, source, price_usd, market_cap_usd, volume_24h_usd, change_percent_24h)
       select a.id, t, 'coingecko', 1.5, 1000, 10, 0.5
         from assets a cross join generate_series($1::timestamptz, $2::timestamptz, '15 minutes') t`,
      [new Date(firstSlot).toISOString(), new Date(lastSlot).toISOString()],
    );
    const { rows: punched } = await db.pool.query<{ asset_id: string; ts: string }>(
      `delete from asset_prices
        where timestamp between $1::timestamptz and $2::timestamptz
          and abs(hashtext(asset_id::text || timestamp::text)) % 10 = 0
       returning asset_id::text, timestamp::text as ts`,
      [new Date(now - 23 * HOUR_MS).toISOString(), new Date(now - 30 * 60_000).toISOString()],
    );
    const withHoles = new Set(punched.map((row) => row.asset_id)).size;
    const slotsPerAsset = Math.floor((lastSlot - firstSlot) / SLOT_MS) + 1;
    await db.pool.query('vacuum analyze asset_prices');

    // The repair's own writes, timed where the job makes them.
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
    const runner = app.get(JobRunnerService);
    const jobStart = performance.now();
    const outcome = await runner.run({ job: 'price_gap_repair', trigger: 'cli', params: { limit: 10_000 } });
    if (outcome.kind !== 'started') throw new Error(`price_gap_repair did not start: ${outcome.kind}`);
    const result = await outcome.completion;
    const jobMs = performance.now() - jobStart;
    prices.insertMissing = insertMissing;
    if (!result.success) throw new Error(`price_gap_repair failed: ${result.error}`);

    // The same rows the job wrote, written again by a raw statement: one per asset as the job does, and
    // all in one statement.
    const { rows: filled } = await db.pool.query<FilledRow>(
      `select p.asset_id::text, p.timestamp::text as ts, p.price_usd::text as price, p.market_cap_usd::text as cap,
              p.volume_24h_usd::text as volume, p.change_percent_24h::text as change
         from asset_prices p
         join unnest($1::uuid[], $2::timestamptz[]) as h(asset_id, ts) on p.asset_id = h.asset_id and p.timestamp = h.ts
        order by p.asset_id, p.timestamp`,
      [punched.map((row) => row.asset_id), punched.map((row) => row.ts)],
    );
    const byAsset = new Map<string, FilledRow[]>();
    for (const row of filled) byAsset.set(row.asset_id, [...(byAsset.get(row.asset_id) ?? []), row]);
    const removeFilled = async (): Promise<void> => {
      await db.pool.query(
        `delete from asset_prices p using unnest($1::uuid[], $2::timestamptz[]) as h(asset_id, ts)
          where p.asset_id = h.asset_id and p.timestamp = h.ts`,
        [filled.map((row) => row.asset_id), filled.map((row) => row.ts)],
      );
      await db.pool.query('vacuum analyze asset_prices');
    };
    const rawInsert = async (batches: FilledRow[][]): Promise<number> => {
      const start = performance.now();
      for (const batch of batches) {
        await db.pool.query(RAW_INSERT, [
          batch.map((row) => row.asset_id),
          batch.map((row) => row.ts),
          batch.map((row) => row.price),
          batch.map((row) => row.cap),
          batch.map((row) => row.volume),
          batch.map((row) => row.change),
        ]);
      }
      return performance.now() - start;
    };
    // The project's insert replayed outside the job, one call per asset, without the HTTP calls between.
    const projectInsert = async (batches: FilledRow[][]): Promise<number> => {
      const start = performance.now();
      for (const batch of batches) {
        const rows: RepairedPrice[] = batch.map((row) => ({
          assetId: row.asset_id,
          timestamp: new Date(row.ts),
          priceUsd: row.price,
          marketCapUsd: row.cap,
          volume24hUsd: row.volume,
          priceDayBefore: null,
        }));
        await prices.insertMissing(rows);
      }
      return performance.now() - start;
    };
    const perAsset = [...byAsset.values()];
    await removeFilled();
    const rawPerAssetMs = await rawInsert(perAsset);
    await removeFilled();
    const projectReplayMs = await projectInsert(perAsset);
    await removeFilled();
    const rawOneMs = await rawInsert([filled]);

    const calls = fake.count(CHART);
    const custom = result.metrics.custom;
    printTable(
      `price_gap_repair over ${assets.toLocaleString('en')} tracked assets × ${slotsPerAsset} 15-minute slots (25 h; 24 h lookback), ` +
        `${punched.length.toLocaleString('en')} missing (10% of the slots 23 h to 30 min ago)`,
      ['measure', 'value'],
      [
        ['upstream calls made (market_chart/range)', calls],
        ['minimum: assets with holes', withHoles],
        ['calls / minimum', `${(calls / withHoles).toFixed(2)}×`],
        [
          'slots missing / filled (job metrics)',
          `${String(custom.slots_missing)} / ${String(custom.slots_filled)}`,
        ],
        ['wall time of the run', ms(jobMs)],
        [`repair's insertMissing inside the run (${writes.statements} statements)`, ms(writes.ms)],
        [`repair's insertMissing replayed, one statement per asset`, ms(projectReplayMs)],
        [`baseline: raw INSERT … ON CONFLICT DO NOTHING, one per asset`, ms(rawPerAssetMs)],
        ['in-run write time / raw per asset', `${(writes.ms / rawPerAssetMs).toFixed(2)}×`],
        ['replayed write time / raw per asset', `${(projectReplayMs / rawPerAssetMs).toFixed(2)}×`],
        [`raw INSERT … ON CONFLICT DO NOTHING, all ${filled.length} rows in one statement`, ms(rawOneMs)],
      ],
    );
  } finally {
    await db.drop();
  }
}

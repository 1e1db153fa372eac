import { performance } from 'node:perf_hooks';
import { createApp } from '../src/bootstrap.js';
import { CoinGeckoClient } from '../src/coingecko/coingecko.client.js';
import { JobRunnerService } from '../src/jobs/job-runner.service.js';
import { CoinGeckoFake, loadFixture, type FakeCoinListItem } from '../test/fakes/coingecko-fake.js';
import { createBenchDatabase, ms, printTable, sized } from './support.js';

const LIST_FIXTURE = 'coins-list/coins-list_include-platform_2023-10.json';

/**
 * The whole contract-addresses job over CoinGecko's real 10,244-coin `/coins/list?include_platform=true`
 * recording, every coin known as an asset: wall time, upstream calls and peak RSS, against the baseline
 * of just fetching and parsing that list (the one upstream call the job cannot avoid) in the same run.
 */
export async function contractsJobBench(): Promise<void> {
  const db = await createBenchDatabase();
  const fake = await CoinGeckoFake.start({ coins: 10 });
  db.closeBeforeDrop(() => fake.stop());
  const list = loadFixture<FakeCoinListItem[]>(LIST_FIXTURE).slice(0, sized(Infinity, 200));
  fake.setCoinsList(list);
  const { app } = await createApp({
    DATABASE_URL: db.url,
    COINGECKO_BASE_URL: fake.url,
    COINGECKO_RATE_LIMIT_PER_MINUTE: '100000',
    LOG_LEVEL: 'silent',
    JOBS_CATCH_UP: 'false',
    TOP_COINS_COLLECTION_ENABLED: 'false',
    PRICE_COLLECTION_ENABLED: 'false',
    CONTRACT_ADDRESSES_COLLECTION_ENABLED: 'false',
    CONTRACT_ADDRESSES_DECIMALS_PER_RUN: '50',
  });
  db.closeBeforeDrop(() => app.close());
  try {
    await db.pool.query(
      `insert into assets (coingecko_id, symbol, name)
       select x->>'id', upper(x->>'symbol'), x->>'name' from jsonb_array_elements($1::jsonb) x`,
      [JSON.stringify(list.map(({ id, symbol, name }) => ({ id, symbol, name })))],
    );
    // A successful top-coins run satisfies the job's dependency without calling /coins/markets.
    await db.pool.query(
      `insert into job_runs (job_key, job_name, trigger, status, started_at, heartbeat_at, owner, completed_at)
       values ('top_coins_collection', 'top_coins_collection(limit=100)', 'manual', 'succeeded', now(), now(), 'bench', now())`,
    );

    const client = app.get(CoinGeckoClient);
    const fetchStart = performance.now();
    const fetched = await client.coinsListWithPlatforms();
    const fetchMs = performance.now() - fetchStart;
    fake.clearRequests();

    const runner = app.get(JobRunnerService);
    const rssBefore = process.memoryUsage().rss;
    const jobStart = performance.now();
    const outcome = await runner.run({
      job: 'contract_addresses_collection',
      trigger: 'cli',
      params: { limit: null },
    });
    if (outcome.kind !== 'started') throw new Error(outcome.kind);
    const result = await outcome.completion;
    const jobMs = performance.now() - jobStart;
    const peakRssMb = process.resourceUsage().maxRSS / 1024;

    printTable(
      `contract_addresses_collection over the real ${fetched.items.length.toLocaleString('en')}-coin list, every coin a known asset`,
      ['measure', 'value'],
      [
        ['baseline: fetch + parse the list once', ms(fetchMs)],
        ['whole job (list + normalise + upsert + decimals)', ms(jobMs)],
        ['job / baseline', `${(jobMs / fetchMs).toFixed(2)}×`],
        ['upstream calls: /coins/list', fake.count('/coins/list')],
        ['upstream calls: /coins/{id} (decimals, capped per run)', fake.count('/coins/{id}')],
        ['contracts written', result.metrics.items_created + result.metrics.items_updated],
        [
          'assets processed / skipped',
          `${String(result.metrics.custom.assets_processed)} / ${String(result.metrics.custom.assets_skipped)}`,
        ],
        ['RSS before the job', `${(rssBefore / 1024 / 1024).toFixed(0)} MB`],
        ['peak RSS of the process (fake server included)', `${peakRssMb.toFixed(0)} MB`],
      ],
    );
    if (!result.success) console.log(`\nThe job failed: ${result.error}`);
  } finally {
    await db.drop();
  }
}

import type { NestExpressApplication } from '@nestjs/platform-express';
import { createApp } from '../../src/bootstrap.js';
import type { Environment } from '../../src/config/environment.js';
import type { Clock } from '../../src/jobs/clock.js';
import type { JobContext } from '../../src/jobs/job-context.js';
import { JobRegistry } from '../../src/jobs/job-registry.js';
import { emptyMetrics, type JobMetrics, type JobResult } from '../../src/jobs/job-result.js';
import { JobRunnerService } from '../../src/jobs/job-runner.service.js';
import { CoinGeckoFake, type CoinGeckoFakeOptions } from '../fakes/coingecko-fake.js';
import { startCoinPaprikaFake, type CoinPaprikaFake, type PaprikaPlan } from '../fakes/coinpaprika-fake.js';
import { QUIET_ENV, startClockedApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { memoryLogger, type LogRecord } from '../support/jobs.js';

export interface CollectorsHarness {
  db: TestDatabase;
  fake: CoinGeckoFake;
  app: NestExpressApplication;
  /** Runs a job through the runner, as a manual trigger does, and waits for its JobResult. */
  run(job: string, params?: { limit: number | null }): Promise<JobResult>;
  /** Calls a job's work directly for a given cron slot (what a retry of that slot does). */
  collect(job: string, slot: Date, params: { limit: number | null }): Promise<JobMetrics>;
  /** Log records of the last `collect`. */
  lastLogs: LogRecord[];
  /** `xmin` (row version) of every row of a table, by a key column: unchanged rows keep theirs. */
  versions(table: string, key: string): Promise<Record<string, string>>;
  close(): Promise<void>;
}

/** The whole service against a fresh database and a fake CoinGecko on loopback, with fast retries. */
export async function startCollectors(
  options: {
    fake?: CoinGeckoFakeOptions;
    env?: Environment;
    /** Runs once the fake CoinGecko listens, before the service starts (e.g. a second fake following it). */
    beforeApp?: (fake: CoinGeckoFake) => Promise<Environment>;
  } = {},
): Promise<CollectorsHarness> {
  const db = await createTestDatabase();
  const fake = await CoinGeckoFake.start(options.fake);
  const extraEnv = options.beforeApp ? await options.beforeApp(fake) : {};
  const { app } = await createApp({
    ...QUIET_ENV,
    DATABASE_URL: db.url,
    COINGECKO_BASE_URL: fake.url,
    COINGECKO_RATE_LIMIT_PER_MINUTE: '100000',
    COINGECKO_MAX_RETRIES: '2',
    COINGECKO_RETRY_BASE_MS: '1',
    COINGECKO_RETRY_MAX_MS: '5',
    COINGECKO_TIMEOUT_MS: '5000',
    ...options.env,
    ...extraEnv,
  });
  const runner = app.get(JobRunnerService);
  const registry = app.get(JobRegistry);
  const harness: CollectorsHarness = {
    db,
    fake,
    app,
    run: async (job, params) => {
      const outcome = await runner.run({ job, trigger: 'manual', params });
      if (outcome.kind !== 'started') throw new Error(`${job} did not start: ${outcome.kind}`);
      return outcome.completion;
    },
    lastLogs: [],
    async collect(job, slot, params) {
      const metrics = emptyMetrics();
      const { logger, records } = memoryLogger();
      this.lastLogs = records;
      const context: JobContext = {
        runId: '00000000-0000-0000-0000-000000000000',
        attempt: 1,
        logger,
        signal: new AbortController().signal,
        slot,
        params,
        metrics,
        progress: () => undefined,
      };
      return (await registry.get(job).run(context)) ?? metrics;
    },
    versions: async (table, key) =>
      Object.fromEntries(
        (
          await db.query<{ key: string; xmin: string }>(
            `select ${key}::text as key, xmin::text from ${table}`,
          )
        ).map((row) => [row.key, row.xmin]),
      ),
    close: async () => {
      await app.close();
      await fake.stop();
      await db.drop();
    },
  };
  return harness;
}

/** The original README's duplicate check, for every natural key. */
export const DUPLICATE_QUERIES = {
  asset_rankings: `select asset_id, snapshot_date, source, count(*) as count from asset_rankings group by asset_id, snapshot_date, source having count(*) > 1`,
  asset_prices: `select asset_id, timestamp, source, count(*) as count from asset_prices group by asset_id, timestamp, source having count(*) > 1`,
  asset_contracts: `select chain, contract_address, count(*) as count from asset_contracts group by chain, contract_address having count(*) > 1`,
  assets: `select coingecko_id, count(*) as count from assets group by coingecko_id having count(*) > 1`,
};

export function changedKeys(before: Record<string, string>, after: Record<string, string>): string[] {
  return Object.keys(after)
    .filter((key) => before[key] !== after[key])
    .sort();
}

/**
 * Maps assets to their ids at the fake CoinPaprika, as `provider_id_mapping` would (`matched_by: rule`): the rows
 * given, or every stored asset.
 */
export async function mapToPaprika(
  db: TestDatabase,
  paprika: Pick<CoinPaprikaFake, 'idOf'>,
  assets?: ReadonlyArray<{ id: string; coingecko_id: string }>,
): Promise<void> {
  const rows =
    assets ?? (await db.query<{ id: string; coingecko_id: string }>(`select id, coingecko_id from assets`));
  for (const row of rows) {
    await db.query(
      `insert into asset_provider_ids (asset_id, provider, provider_id, matched_by) values ($1, 'coinpaprika', $2, 'rule')`,
      [row.id, paprika.idOf(row.coingecko_id)],
    );
  }
}

/** One manual run of `job` on `app` through the runner, as a trigger makes it, and its JobResult. */
export async function runJob(
  app: NestExpressApplication,
  job: string,
  params: { limit: number | null },
): Promise<JobResult> {
  const outcome = await app.get(JobRunnerService).run({ job, trigger: 'manual', params });
  if (outcome.kind !== 'started') throw new Error(`${job} did not start: ${outcome.kind}`);
  return outcome.completion;
}

/** The service with CoinPaprika second in PRICE_PROVIDERS, on a throw-away database, both fakes on one clock. */
export interface TwoProviders {
  db: TestDatabase;
  gecko: CoinGeckoFake;
  paprika: CoinPaprikaFake;
  app: NestExpressApplication;
  /** The environment the service was started with. */
  env: Environment;
  close(): Promise<void>;
}

/**
 * Starts TwoProviders with fast CoinGecko retries and no per-minute limits in the way, collects the top coins
 * (`topCoins` of the fake's `coins`) and maps every asset to the fake CoinPaprika's id; both fakes' request logs start empty. `env` comes last.
 */
export async function startWithPaprika(options: {
  clock: Clock;
  coins: number;
  /** How many of them top coins collects (default all). */
  topCoins?: number;
  plan?: PaprikaPlan;
  apiKey?: string;
  env?: Environment;
}): Promise<TwoProviders> {
  const { clock, coins, plan = 'free', apiKey } = options;
  const db = await createTestDatabase();
  const gecko = await CoinGeckoFake.start({ coins, now: clock.now });
  const paprika = await startCoinPaprikaFake({ coingecko: gecko, now: clock.now, plan, apiKey });
  const env: Environment = {
    ...QUIET_ENV,
    DATABASE_URL: db.url,
    COINGECKO_BASE_URL: gecko.url,
    COINGECKO_RATE_LIMIT_PER_MINUTE: '100000',
    COINGECKO_MAX_RETRIES: '1',
    COINGECKO_RETRY_BASE_MS: '1',
    COINGECKO_RETRY_MAX_MS: '5',
    TRIGGER_RATE_LIMIT_PER_MINUTE: '1000',
    PRICE_PROVIDERS: 'coingecko,coinpaprika',
    COINPAPRIKA_BASE_URL: paprika.url,
    COINPAPRIKA_RATE_LIMIT_PER_MINUTE: '100000',
    ...(apiKey ? { COINPAPRIKA_API_PLAN: plan, COINPAPRIKA_API_KEY: apiKey } : {}),
    ...options.env,
  };
  const app = await startClockedApp(env, { clock });
  const close = async (): Promise<void> => {
    await app.close();
    await paprika.close();
    await gecko.stop();
    await db.drop();
  };
  try {
    const topCoins = await runJob(app, 'top_coins_collection', { limit: options.topCoins ?? coins });
    if (!topCoins.success) throw new Error(`top_coins_collection failed: ${topCoins.error ?? ''}`);
    await mapToPaprika(db, paprika);
  } catch (error) {
    await close();
    throw error;
  }
  gecko.reset();
  paprika.reset();
  return { db, gecko, paprika, app, env, close };
}

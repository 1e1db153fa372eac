import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { PriceGapsRepository } from '../../src/assets/price-gaps.repository.js';
import { PriceGapRepairModule } from '../../src/collectors/price-gap-repair/price-gap-repair.module.js';
import { PriceGapRepairer } from '../../src/collectors/price-gap-repair/price-gap-repairer.service.js';
import type { Environment } from '../../src/config/environment.js';
import { createPricePartitions } from '../support/price-partitions.js';
import type { Clock } from '../../src/jobs/clock.js';
import type { JobContext } from '../../src/jobs/job-context.js';
import { JobRegistry } from '../../src/jobs/job-registry.js';
import { emptyMetrics, type JobResult } from '../../src/jobs/job-result.js';
import { JobRunnerService } from '../../src/jobs/job-runner.service.js';
import { CoinGeckoFake, faults, type FakeMarketCoin } from '../fakes/coingecko-fake.js';
import { CHART_OFFSET_MS } from '../fakes/market-chart.js';
import { QUIET_ENV, startClockedApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { memoryLogger } from '../support/jobs.js';
import { changedKeys, DUPLICATE_QUERIES } from './harness.js';

/*
 * The gap-repair job end to end: the whole service on a throw-away PostgreSQL, the fake CoinGecko over
 * HTTP, and one clock (the jobs' JOB_CLOCK and the fake's "now") that the test sets. The price job is
 * enabled in the config (holes are judged against its schedule) but its timer is never started.
 */
const TOKEN = 'gap-repair-test-token-0123456789';
const NOW = new Date('2026-06-02T12:07:00Z');
const SLOT_MS = 15 * 60_000;
const CHART = '/coins/{id}/market_chart/range' as const;

const id = (rank: number) => `coin-${String(rank).padStart(5, '0')}`;
const slotAt = (iso: string) => new Date(iso);

describe('price gap repair', () => {
  let db: TestDatabase;
  let fake: CoinGeckoFake;
  let app: NestExpressApplication;
  let runner: JobRunnerService;
  let now = NOW;
  const clock: Clock = { now: () => now };
  let assetIds: Record<string, string> = {};
  let allCoins: FakeMarketCoin[] = [];

  const start = (env: Environment): Promise<NestExpressApplication> => startClockedApp(env, { clock });

  const baseEnv = (): Environment => ({
    ...QUIET_ENV,
    DATABASE_URL: db.url,
    API_TOKENS: TOKEN,
    COINGECKO_BASE_URL: fake.url,
    COINGECKO_RATE_LIMIT_PER_MINUTE: '100000',
    COINGECKO_MAX_RETRIES: '2',
    COINGECKO_RETRY_BASE_MS: '1',
    COINGECKO_RETRY_MAX_MS: '5',
    TRIGGER_RATE_LIMIT_PER_MINUTE: '1000',
    // Enabled in the config only: no timer runs, because the scheduler is never started here.
    PRICE_COLLECTION_ENABLED: 'true',
    PRICE_COLLECTION_LIMIT: '20',
    PRICE_GAP_REPAIR_ENABLED: 'true',
  });

  async function run(job: string, limit?: number): Promise<JobResult> {
    const outcome = await runner.run({ job, trigger: 'manual', params: { limit: limit ?? null } });
    if (outcome.kind !== 'started') throw new Error(`${job} did not start: ${outcome.kind}`);
    return outcome.completion;
  }

  const repair = (limit = 50) => run('price_gap_repair', limit);

  /** Full price history for the top 20 from 2026-06-01 11:00 (before the lookback) to 12:00 today. */
  async function seedHistory(): Promise<void> {
    await db.query(`delete from asset_prices`);
    await db.query(`delete from price_gap_attempts`);
    await createPricePartitions(db, '2026-05-01T00:00:00Z', '2026-06-30T00:00:00Z');
    await db.query(
      `insert into asset_prices (asset_id, timestamp, source, price_usd, market_cap_usd, volume_24h_usd, change_percent_24h)
       select r.asset_id, t, 'coingecko', 1.5, 1000, 10, 0.5
         from asset_rankings r
        cross join generate_series('2026-06-01T11:00:00Z'::timestamptz, '2026-06-02T12:00:00Z', '15 minutes') t
        where r.rank <= 20`,
    );
  }

  /** Deletes the rows of `coin` at `count` consecutive slots from `first`. */
  async function punch(coin: string, first: string, count = 1): Promise<Date[]> {
    const slots = Array.from(
      { length: count },
      (_, index) => new Date(slotAt(first).getTime() + index * SLOT_MS),
    );
    await db.query(`delete from asset_prices where asset_id = $1 and timestamp = any($2::timestamptz[])`, [
      assetIds[coin],
      slots.map((slot) => slot.toISOString()),
    ]);
    return slots;
  }

  const chartCalls = () => fake.requests.filter((r) => r.endpoint === CHART);

  const rowsOf = (coin: string, slots: Date[]) =>
    db.query<{ ts: string; price: string; cap: string | null; volume: string | null; change: string | null }>(
      `select to_char(timestamp at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as ts, price_usd::text as price,
              market_cap_usd::text as cap, volume_24h_usd::text as volume, change_percent_24h::text as change
         from asset_prices where asset_id = $1 and timestamp = any($2::timestamptz[]) order by timestamp`,
      [assetIds[coin], slots.map((slot) => slot.toISOString())],
    );

  /** What the fake's chart holds nearest to `slot` in a 5-minutely answer, as PostgreSQL stores it. */
  async function expectedFiveMinutely(coin: string, slot: Date) {
    const sample = slot.getTime() - (5 * 60_000 - CHART_OFFSET_MS['5m']);
    const values = fake.chartValues(coin, sample);
    const [row] = await db.query<{ price: string; cap: string; volume: string }>(
      `select $1::numeric::text as price, $2::numeric::text as cap, $3::numeric::text as volume`,
      [values?.price, values?.marketCap, values?.volume],
    );
    return { ts: slot.toISOString().replace('.000', ''), ...row, change: null };
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    fake = await CoinGeckoFake.start({ coins: 30, now: () => now });
    allCoins = fake.coins();
    app = await start(baseEnv());
    await app.listen(0, '127.0.0.1');
    runner = app.get(JobRunnerService);
    expect(await run('top_coins_collection', 25)).toMatchObject({ success: true });
    expect(await run('price_collection', 20)).toMatchObject({ success: true });
    const rows = await db.query<{ id: string; coingecko_id: string }>(`select id, coingecko_id from assets`);
    assetIds = Object.fromEntries(rows.map((row) => [row.coingecko_id, row.id]));
  });

  afterAll(async () => {
    await app?.close();
    await fake?.stop();
    await db?.drop();
  });

  beforeEach(async () => {
    now = NOW;
    fake.reset();
    fake.setCoins(allCoins);
    await seedHistory();
  });

  it('fills exactly the missing slots with the nearest samples, one call per asset with holes; a second run calls nothing', async () => {
    const sevens = [
      await punch(id(3), '2026-06-02T09:00:00Z', 7),
      await punch(id(5), '2026-06-01T13:00:00Z', 7),
    ];
    const ones = [
      await punch(id(10), '2026-06-02T11:45:00Z'),
      await punch(id(12), '2026-06-01T12:15:00Z'),
      await punch(id(15), '2026-06-02T00:00:00Z'),
    ];
    const before = await db.query<{ id: string; xmin: string }>(
      `select (asset_id, timestamp, source)::text as id, xmin::text from asset_prices`,
    );

    const result = await repair();
    expect(result).toMatchObject({
      success: true,
      status: 'succeeded',
      job_name: 'price_gap_repair(limit=50)',
    });
    expect(result.metrics).toEqual({
      items_processed: 20,
      items_created: 17,
      items_updated: 0,
      items_skipped: 0,
      custom: {
        assets_checked: 20,
        assets_with_gaps: 5,
        slots_missing: 17,
        slots_filled: 17,
        slots_unfillable: 0,
        calls: 5,
        slots_given_up: 0,
      },
    });
    // Most holes first; then the price job's order (rank).
    expect(chartCalls().map((call) => call.path)).toEqual(
      [3, 5, 10, 12, 15].map((rank) => `/coins/${id(rank)}/market_chart/range`),
    );
    for (const call of chartCalls()) {
      expect(call.query).toMatchObject({ vs_currency: 'usd', to: String(NOW.getTime() / 1000) });
      expect(Number(call.query.to) - Number(call.query.from)).toBeLessThanOrEqual(86_400);
    }
    for (const [coin, slots] of [
      [id(3), sevens[0]],
      [id(5), sevens[1]],
      [id(10), ones[0]],
      [id(12), ones[1]],
      [id(15), ones[2]],
    ] as const) {
      const expected = await Promise.all(slots.map((slot) => expectedFiveMinutely(coin, slot)));
      expect(await rowsOf(coin, slots)).toEqual(expected);
    }

    // No stored row was rewritten; nothing but the holes was added.
    const versions = Object.fromEntries(before.map((row) => [row.id, row.xmin]));
    const after = await db.query<{ id: string; xmin: string }>(
      `select (asset_id, timestamp, source)::text as id, xmin::text from asset_prices`,
    );
    expect(changedKeys(versions, Object.fromEntries(after.map((row) => [row.id, row.xmin])))).toHaveLength(
      17,
    );
    expect(after).toHaveLength(before.length + 17);
    expect(await db.query(DUPLICATE_QUERIES.asset_prices)).toEqual([]);

    fake.clearRequests();
    const again = await repair();
    expect(again.metrics).toMatchObject({ items_created: 0, custom: { slots_missing: 0, calls: 0 } });
    expect(chartCalls()).toHaveLength(0);
  });

  it('never rewrites a row that exists, even one the price job wrote while the repair ran', async () => {
    const [slot] = await punch(id(4), '2026-06-02T10:00:00Z');
    // The price job writes the slot between the hole query and the insert: the repair's insert is a no-op.
    const prices = app.select(PriceGapRepairModule).get(PriceGapsRepository);
    const insertMissing = prices.insertMissing.bind(prices);
    const spy = vi.spyOn(prices, 'insertMissing').mockImplementationOnce(async (rows, options) => {
      await db.query(
        `insert into asset_prices (asset_id, timestamp, source, price_usd) values ($1, $2, 'coingecko', 42)`,
        [assetIds[id(4)], slot.toISOString()],
      );
      return insertMissing(rows, options);
    });
    try {
      const result = await repair();
      expect(result.metrics).toMatchObject({
        items_created: 0,
        items_skipped: 1,
        custom: { slots_filled: 0 },
      });
    } finally {
      spy.mockRestore();
    }
    expect(await rowsOf(id(4), [slot])).toEqual([
      { ts: '2026-06-02T10:00:00Z', price: '42', cap: null, volume: null, change: null },
    ]);
  });

  it('a later price run for a repaired slot replaces the repaired values with its observation, without a duplicate', async () => {
    const [slot] = await punch(id(6), '2026-06-02T11:30:00Z');
    expect((await repair()).metrics.items_created).toBe(1);
    const repaired = await rowsOf(id(6), [slot]);
    const registry = app.get(JobRegistry);
    const context: JobContext = {
      runId: '00000000-0000-0000-0000-000000000000',
      attempt: 1,
      logger: memoryLogger().logger,
      signal: new AbortController().signal,
      slot,
      params: { limit: 20 },
      metrics: emptyMetrics(),
      progress: () => undefined,
    };
    await registry.get('price_collection').run(context);
    const [observed] = await rowsOf(id(6), [slot]);
    const markets = fake.coins().find((coin) => coin.id === id(6));
    expect(observed.price).not.toBe(repaired[0].price);
    const [text] = await db.query<{ price: string }>(`select $1::numeric::text as price`, [
      String(markets?.current_price),
    ]);
    expect(observed.price).toBe(text.price);
    expect(await db.query(DUPLICATE_QUERIES.asset_prices)).toEqual([]);
  });

  it('asks a hole CoinGecko cannot fill at most MAX_TRIES times, and shows it in the metrics', async () => {
    await punch(id(7), '2026-06-02T08:00:00Z');
    const [gap] = await punch(id(8), '2026-06-02T08:00:00Z', 2);
    await punch(id(9), '2026-06-02T08:00:00Z');
    fake.setChartData(id(7), 'none');
    // coin-00008: CoinGecko has no sample near its first hole (±150 s), the second one is fillable.
    fake.dropChartSamples(id(8), gap.getTime() - 200_000, gap.getTime() + 200_000);
    // coin-00009 is delisted: 404.
    fake.setCoins(allCoins.filter((coin) => coin.id !== id(9)));
    try {
      const first = await repair();
      expect(first.metrics).toMatchObject({
        items_created: 1,
        items_skipped: 3,
        custom: { slots_missing: 4, slots_filled: 1, slots_unfillable: 3, calls: 3, slots_given_up: 0 },
      });
      for (let tryNumber = 2; tryNumber <= 3; tryNumber++) {
        expect((await repair()).metrics).toMatchObject({
          custom: { slots_missing: 3, slots_unfillable: 3, calls: 3 },
        });
      }
      fake.clearRequests();
      const given = await repair();
      expect(given.metrics).toMatchObject({
        items_skipped: 0,
        custom: { slots_missing: 0, slots_unfillable: 0, calls: 0, slots_given_up: 3 },
      });
      expect(chartCalls()).toHaveLength(0);
      const attempts = await db.query<{ coingecko_id: string; tries: number; last_reason: string }>(
        `select a.coingecko_id, t.tries, t.last_reason from price_gap_attempts t join assets a on a.id = t.asset_id
          order by a.coingecko_id`,
      );
      expect(attempts).toEqual([
        { coingecko_id: id(7), tries: 3, last_reason: 'no sample near the slot' },
        { coingecko_id: id(8), tries: 3, last_reason: 'no sample near the slot' },
        { coingecko_id: id(9), tries: 3, last_reason: 'coin not found (404)' },
      ]);
    } finally {
      fake.setChartData(id(7), 'normal');
    }
  });

  it('LIMIT caps the calls, and the most damaged assets go first', async () => {
    await punch(id(2), '2026-06-02T01:00:00Z', 2);
    await punch(id(11), '2026-06-02T01:00:00Z', 5);
    await punch(id(14), '2026-06-02T01:00:00Z', 1);
    await punch(id(19), '2026-06-02T01:00:00Z', 3);
    const result = await repair(2);
    expect(result.job_name).toBe('price_gap_repair(limit=2)');
    expect(chartCalls().map((call) => call.path)).toEqual([
      `/coins/${id(11)}/market_chart/range`,
      `/coins/${id(19)}/market_chart/range`,
    ]);
    expect(result.metrics).toMatchObject({
      items_created: 8,
      items_skipped: 3,
      custom: { assets_with_gaps: 4, slots_missing: 11, slots_filled: 8, calls: 2 },
    });
  });

  it('a 429 mid-run is retried by the client: the run fills everything with one call per asset', async () => {
    await punch(id(1), '2026-06-02T03:00:00Z', 2);
    await punch(id(13), '2026-06-02T03:00:00Z');
    fake.failNext(CHART, 1, faults.rateLimited());
    const result = await repair();
    expect(result).toMatchObject({ success: true, metrics: { items_created: 3, custom: { calls: 2 } } });
    expect(chartCalls()).toHaveLength(3);
  });

  it("fails with the client's error when CoinGecko keeps failing, keeping the metrics so far", async () => {
    await punch(id(1), '2026-06-02T03:00:00Z', 2);
    await punch(id(13), '2026-06-02T03:00:00Z');
    fake.failNext(CHART, 3, faults.serverError(503));
    const result = await repair();
    expect(result).toMatchObject({ success: false, status: 'failed', attempts: 1 });
    expect(result.error).toMatch(
      new RegExp(`^CoinGecko server error \\(503\\) on /coins/${id(1)}/market_chart/range after 3 attempts`),
    );
    expect(result.metrics).toMatchObject({
      items_created: 0,
      items_skipped: 3,
      custom: { slots_missing: 3, calls: 1 },
    });
    expect(chartCalls()).toHaveLength(3);
  });

  it('leaves out the slots of a price run still in progress and the slot that fired less than 5 minutes ago', async () => {
    const [running] = await punch(id(16), '2026-06-02T11:00:00Z');
    const [recent] = await punch(id(17), '2026-06-02T12:00:00Z');
    await db.query(
      `insert into job_runs (job_key, job_name, trigger, scheduled_for, status, started_at, heartbeat_at, owner)
       values ('price_collection', 'price_collection(limit=20)', 'schedule', $1, 'running', $2, $2, 'another-replica')`,
      [running.toISOString(), NOW.toISOString()],
    );
    now = new Date('2026-06-02T12:04:59Z');
    try {
      const result = await repair();
      expect(result.metrics).toMatchObject({ custom: { slots_missing: 0, calls: 0 } });
    } finally {
      await db.query(`delete from job_runs where owner = 'another-replica'`);
    }
    now = NOW;
    expect((await repair()).metrics).toMatchObject({ custom: { slots_missing: 2, slots_filled: 2 } });
    expect(await rowsOf(id(17), [recent])).toHaveLength(1);
  });

  it('repairs holes older than a day from hourly ranges, with their 24 h change', async () => {
    const server = await start({ ...baseEnv(), PRICE_GAP_REPAIR_LOOKBACK_HOURS: '48' });
    try {
      await db.query(
        `insert into asset_prices (asset_id, timestamp, source, price_usd)
         select r.asset_id, t, 'coingecko', 1.5 from asset_rankings r
          cross join generate_series('2026-05-31T11:00:00Z'::timestamptz, '2026-06-01T10:45:00Z', '15 minutes') t
          where r.rank <= 20`,
      );
      const [old] = await punch(id(18), '2026-05-31T20:15:00Z');
      const [fresh] = await punch(id(18), '2026-06-02T06:00:00Z');
      const outcome = await server.get(JobRunnerService).run({
        job: 'price_gap_repair',
        trigger: 'manual',
        params: { limit: 50 },
      });
      if (outcome.kind !== 'started') throw new Error(outcome.kind);
      expect((await outcome.completion).metrics).toMatchObject({
        items_created: 2,
        custom: { assets_with_gaps: 1, slots_missing: 2, calls: 2 },
      });
      const hourly = chartCalls().map((call) => Number(call.query.to) - Number(call.query.from));
      expect(hourly[0]).toBeLessThanOrEqual(86_400);
      expect(hourly[1]).toBe(25 * 3600);
      // Hourly samples at minute 13:19: 20:15 takes 20:13:19, its 24 h change the sample at 20:13:19 the day before.
      const sample = slotAt('2026-05-31T20:13:19.041Z').getTime();
      const values = fake.chartValues(id(18), sample);
      const dayBefore = fake.chartValues(id(18), sample - 86_400_000);
      const [row] = await rowsOf(id(18), [old]);
      const [expected] = await db.query<{ price: string; change: string }>(
        `select $1::numeric::text as price,
                trim_scale(round(($1::numeric - $2::numeric) / $2::numeric * 100, 8))::text as change`,
        [values?.price, dayBefore?.price],
      );
      expect(row).toMatchObject({ price: expected.price, change: expected.change });
      expect(await rowsOf(id(18), [fresh])).toHaveLength(1);
    } finally {
      await server.close();
    }
  });

  it('expects no slots while price_collection is disabled', async () => {
    await punch(id(3), '2026-06-02T09:00:00Z', 3);
    const server = await start({ ...baseEnv(), PRICE_COLLECTION_ENABLED: 'false' });
    try {
      const outcome = await server.get(JobRunnerService).run({ job: 'price_gap_repair', trigger: 'manual' });
      if (outcome.kind !== 'started') throw new Error(outcome.kind);
      expect((await outcome.completion).metrics).toMatchObject({
        items_processed: 0,
        custom: { slots_missing: 0, calls: 0 },
      });
      expect(chartCalls()).toHaveLength(0);
    } finally {
      await server.close();
    }
  });

  it('the asset detail counts the holes of the last 24 h: price_gaps_24h', async () => {
    await punch(id(2), '2026-06-02T09:00:00Z', 4);
    const detail = async (coin: string) => {
      const answer = await request(app.getHttpServer())
        .get(`/api/v1/assets/${assetIds[coin]}`)
        .set('Authorization', `Bearer ${TOKEN}`);
      return { body: answer.body as { price_gaps_24h: number | null } };
    };
    expect((await detail(id(2))).body.price_gaps_24h).toBe(4);
    expect((await detail(id(1))).body.price_gaps_24h).toBe(0);
    // Rank 25 is not priced (PRICE_COLLECTION_LIMIT=20): nothing is expected of it.
    expect((await detail(id(25))).body.price_gaps_24h).toBeNull();
    await repair();
    expect((await detail(id(2))).body.price_gaps_24h).toBe(0);
  });

  it('POST /api/v1/jobs/repair-price-gaps runs it; bad limits answer 400 and run nothing', async () => {
    const post = (body: unknown) =>
      request(app.getHttpServer())
        .post('/api/v1/jobs/repair-price-gaps')
        .set('Authorization', `Bearer ${TOKEN}`)
        .send(body as object);
    for (const limit of [0, 10_001, 1.5, 'ten', null]) {
      const answer = await post({ limit });
      expect(answer.status, `limit ${String(limit)}`).toBe(400);
      expect(answer.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    }
    expect(chartCalls()).toHaveLength(0);
    await punch(id(5), '2026-06-02T09:00:00Z');
    const ok = await post({ limit: 5 });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({
      success: true,
      job_name: 'price_gap_repair(limit=5)',
      metrics: { items_created: 1, custom: { calls: 1 } },
    });
  });

  it('the hourly tick runs it through the runner for its slot', async () => {
    await punch(id(5), '2026-06-02T09:00:00Z');
    await app.get(PriceGapRepairer).tick();
    const [latest] = await db.query<{ trigger: string; scheduled_for: string; items_created: number }>(
      `select trigger, to_char(scheduled_for at time zone 'UTC', 'HH24:MI') as scheduled_for, items_created
         from job_runs where job_key = 'price_gap_repair' order by started_at desc, id desc limit 1`,
    );
    expect(latest).toEqual({ trigger: 'schedule', scheduled_for: '12:07', items_created: 1 });
  });
});

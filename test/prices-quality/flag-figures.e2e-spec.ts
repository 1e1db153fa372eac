import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PricesWriteRepository } from '../../src/assets/write/prices.write-repository.js';
import { startApp, type RunningApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import {
  flagFigures,
  priceWalk,
  slotFlags,
  SLOTS_PER_DAY,
  sumFigures,
  TOP_100_DAILY_SIGMAS,
  walkRows,
  type WalkSeries,
} from '../support/price-walk.js';

/** Bitcoin, Ether, a mid cap, a sub-cent meme coin: one per volatility of TOP_100_DAILY_SIGMAS. */
const START_PRICES = [60_000, 3_000, 0.45, 0.000021];

/*
 * Issue 24's figures for spike and freeze detection, through PricesWriteRepository (the write every price job
 * uses), with the default PRICE_SPIKE_FACTOR (10) and PRICE_FREEZE_HOURS (2): every injected 100× spike (up and
 * down) and 2-hour freeze is flagged, and fewer than 0.1 % of the other points are. bench/flags.bench.ts measures
 * the same at 100 assets, and what detection costs the write.
 */
describe('price flag figures on random walks with injected spikes and freezes', () => {
  let db: TestDatabase;
  let running: RunningApp;
  let prices: PricesWriteRepository;

  const newAssets = async (count: number): Promise<string[]> =>
    (
      await db.query<{ id: string }>(
        `insert into assets (coingecko_id, symbol, name)
         select gen_random_uuid()::text, 'W' || n, 'Walk ' || n from generate_series(1, $1::int) n returning id`,
        [count],
      )
    ).map((row) => row.id);

  const walks = (seed: number, points: number, anomalyEvery: number): WalkSeries[] =>
    TOP_100_DAILY_SIGMAS.map((dailySigma, n) =>
      priceWalk({ seed: seed + n, points, startPrice: START_PRICES[n], dailySigma, anomalyEvery }),
    );

  /** Writes the walks `batch` slots per write, every asset in each write, and judges the flags recorded. */
  const writeAndJudge = async (series: readonly WalkSeries[], start: Date, batch: number) => {
    const ids = await newAssets(series.length);
    const points = series[0].prices.length;
    for (let from = 0; from < points; from += batch)
      await prices.upsertPrices(ids.flatMap((id, n) => walkRows(id, series[n], start, from, from + batch)));
    const flags = await slotFlags(db.query, ids, start);
    return sumFigures(series.map((walk, n) => flagFigures(walk, flags.get(ids[n]) ?? [])));
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    running = await startApp({ DATABASE_URL: db.url });
    prices = running.app.get(PricesWriteRepository);
  });

  afterAll(async () => {
    await running?.close();
    await db?.drop();
  });

  it('flags every anomaly and under 0.1 % of a year of 15-minute prices, written a day at a time', async () => {
    const series = walks(2400, 365 * SLOTS_PER_DAY, 200);
    // Some freezes cross a day's write, so the run's start is found in rows an earlier write stored.
    const crossing = series
      .flatMap((walk) => walk.anomalies)
      .filter((a) => Math.floor(a.first / SLOTS_PER_DAY) !== Math.floor(a.last / SLOTS_PER_DAY));
    expect(crossing.length).toBeGreaterThan(5);

    const figures = await writeAndJudge(series, new Date('2025-12-01T00:00:00Z'), SLOTS_PER_DAY);
    expect(figures.missed).toEqual([]);
    expect(figures.spikes).toBeGreaterThan(300);
    expect(figures.freezes).toBeGreaterThan(150);
    expect(figures.cleanPoints).toBeGreaterThan(130_000);
    expect(figures.falselyFlagged / figures.cleanPoints).toBeLessThan(0.001);
  }, 600_000);

  it('flags every anomaly when each slot is its own write, as price_collection writes', async () => {
    const series = walks(2500, 3 * SLOTS_PER_DAY, 30);
    const figures = await writeAndJudge(series, new Date('2026-11-01T00:00:00Z'), 1);
    expect(figures.missed).toEqual([]);
    expect(figures.spikes).toBeGreaterThan(15);
    expect(figures.freezes).toBeGreaterThanOrEqual(8);
    expect(figures.falselyFlagged / figures.cleanPoints).toBeLessThan(0.001);
  }, 300_000);
});

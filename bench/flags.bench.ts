import { MikroORM } from '@mikro-orm/postgresql';
import { ConfigService } from '@nestjs/config';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { performance } from 'node:perf_hooks';
import { JOB_MODULES } from '../src/app.module.js';
import { PricePartitions } from '../src/assets/storage/price-partitions.repository.js';
import { PricesWriteRepository, type PriceRow } from '../src/assets/write/prices.write-repository.js';
import { createApp } from '../src/bootstrap.js';
import type { AppConfig } from '../src/config/app-config.js';
import { definitionsOf } from '../src/jobs/framework/job-module.js';
import {
  PriceFlagsWriteRepository,
  type NewPriceFlag,
} from '../src/prices-quality/price-flags.write-repository.js';
import {
  flagFigures,
  priceWalk,
  SLOT_MS,
  slotFlags,
  SLOTS_PER_DAY,
  sumFigures,
  TOP_100_DAILY_SIGMAS,
  walkRows,
  type WalkSeries,
} from '../test/support/price-walk.js';
import { createBenchDatabase, median, ms, printTable, sized } from './support.js';

const NA = '—';
/** Starting prices from Bitcoin's to a sub-cent coin's, cycled over the assets. */
const START_PRICES = [60_000, 3_000, 150, 12, 0.45, 0.000021];

/** `--name=N` on the command line (a positive integer), else `full`, or `tiny` under --size=tiny. */
function intOption(name: string, full: number, tiny: number): number {
  const flag = process.argv.find((arg) => arg.startsWith(`--${name}=`));
  if (flag === undefined) return sized(full, tiny);
  const value = Number(flag.slice(name.length + 3));
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`--${name} must be a positive integer (got ${flag})`);
  return value;
}

/** The same write with the detection left out: the baseline of what detection costs. */
class NoDetection extends PriceFlagsWriteRepository {
  override detectInWrite(): Promise<NewPriceFlag[]> {
    return Promise.resolve([]);
  }
}

const percent = (part: number, whole: number): string =>
  whole === 0 ? NA : `${((100 * part) / whole).toFixed(part === whole || part === 0 ? 0 : 3)} %`;
const times = (value: number): string => `${value.toFixed(2)}×`;
const verdict = (ok: boolean): string => (ok ? 'pass' : 'MISS');

/** Runs `a` and `b` in turn, alternating which goes first; the time of each in milliseconds. */
async function pair(
  k: number,
  a: () => Promise<unknown>,
  b: () => Promise<unknown>,
): Promise<[number, number]> {
  const timed = async (run: () => Promise<unknown>) => {
    const started = performance.now();
    await run();
    return performance.now() - started;
  };
  if (k % 2 === 0) {
    const first = await timed(a);
    return [first, await timed(b)];
  }
  const second = await timed(b);
  return [await timed(a), second];
}

/**
 * Issue 24's figures for spike and freeze detection. `--assets=N` (default 100; tiny 6) random walks of 15-minute
 * prices over `--days=N` (default 365; tiny 3), with the volatilities of the top 100 (TOP_100_DAILY_SIGMAS, fat
 * tails) and a 100× spike up, a 100× spike down or a 2-hour freeze injected about every 200 slots (tiny: 40), written a day
 * at a time through PricesWriteRepository (the write of the backfill and the gap repair) with the default
 * settings; then the flags recorded are compared with what was injected.
 *
 * What detection costs: a second set of assets gets the same walks through the same repository with detection left
 * out, day by day alternating which set goes first; then one slot for every asset, as price_collection writes,
 * both ways. Ratios are with detection over without, measured in the same run.
 */
export async function flagsBench(): Promise<void> {
  const assets = intOption('assets', 100, 6);
  const days = intOption('days', 365, 3);
  const slots = sized(15, 3);
  const db = await createBenchDatabase();
  const rows: string[][] = [];
  let title: string | undefined;
  try {
    const { app } = (await createApp({
      DATABASE_URL: db.url,
      LOG_LEVEL: 'silent',
      JOBS_CATCH_UP: 'false',
      HOST: '127.0.0.1',
      PORT: '0',
      ...Object.fromEntries(definitionsOf(JOB_MODULES).map((job) => [`${job.envPrefix}_ENABLED`, 'false'])),
    })) as { app: NestExpressApplication };
    db.closeBeforeDrop(() => app.close());
    await app.init();
    const detecting = app.get(PricesWriteRepository);
    const orm = app.get<MikroORM>(MikroORM);
    const plain = new PricesWriteRepository(
      orm,
      app.get(PricePartitions),
      new NoDetection(orm, app.get<ConfigService<AppConfig, true>>(ConfigService)),
    );

    const newAssets = async (prefix: string): Promise<string[]> =>
      (
        await db.pool.query<{ id: string }>(
          `insert into assets (coingecko_id, symbol, name)
           select $1 || n, upper($1) || n, 'Walk ' || n from generate_series(1, $2::int) n returning id`,
          [prefix, assets],
        )
      ).rows.map((row) => row.id);
    const withFlags = await newAssets('walk-');
    const without = await newAssets('plain-');
    const series: WalkSeries[] = Array.from({ length: assets }, (_, n) =>
      priceWalk({
        seed: 24_000 + n,
        points: days * SLOTS_PER_DAY,
        startPrice: START_PRICES[n % START_PRICES.length],
        dailySigma: TOP_100_DAILY_SIGMAS[n % TOP_100_DAILY_SIGMAS.length],
        anomalyEvery: sized(200, 40),
      }),
    );
    const start = new Date(Date.UTC(2025, 11, 1));
    const dayRows = (ids: readonly string[], day: number): PriceRow[] =>
      ids.flatMap((id, n) => walkRows(id, series[n], start, day * SLOTS_PER_DAY, (day + 1) * SLOTS_PER_DAY));

    const dayWith: number[] = [];
    const dayWithout: number[] = [];
    for (let day = 0; day < days; day++) {
      const [a, b] = await pair(
        day,
        () => detecting.upsertPrices(dayRows(withFlags, day)),
        () => plain.upsertPrices(dayRows(without, day)),
      );
      dayWith.push(a);
      dayWithout.push(b);
    }
    const query = async (text: string, params: unknown[]) =>
      (await db.pool.query<Record<string, unknown>>(text, params)).rows;
    const flags = await slotFlags(query, withFlags, start);
    const figures = sumFigures(series.map((walk, n) => flagFigures(walk, flags.get(withFlags[n]) ?? [])));

    // One slot after the walks' end for every asset, as price_collection writes: its neighbours are stored.
    const slotWith: number[] = [];
    const slotWithout: number[] = [];
    const end = start.getTime() + days * SLOTS_PER_DAY * SLOT_MS;
    for (let k = 0; k < slots + 2; k++) {
      const slotRows = (ids: readonly string[]): PriceRow[] =>
        ids.map((assetId, n) => ({
          assetId,
          timestamp: new Date(end + k * SLOT_MS),
          priceUsd: series[n].prices.at(-1)!,
          volume24hUsd: series[n].volumes.at(-1)!,
          marketCapUsd: null,
          changePercent24h: null,
        }));
      const [a, b] = await pair(
        k,
        () => detecting.upsertPrices(slotRows(withFlags)),
        () => plain.upsertPrices(slotRows(without)),
      );
      // Two slots unmeasured first: plans and caches.
      if (k >= 2) {
        slotWith.push(a);
        slotWithout.push(b);
      }
    }

    const points = assets * days * SLOTS_PER_DAY;
    title =
      `${assets} assets × ${days} days of 15-minute prices = ${points.toLocaleString('en-US')} points per set; ` +
      `daily sigma ${TOP_100_DAILY_SIGMAS.map((s) => `${s * 100} %`).join(' / ')} (÷ √96 per slot, Student-t 4 tails); ` +
      `PRICE_SPIKE_FACTOR 10, PRICE_FREEZE_HOURS 2`;
    const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
    const falseShare = figures.falselyFlagged / figures.cleanPoints;
    rows.push(
      [
        `100× spikes flagged (${figures.spikes.toLocaleString('en-US')} injected, up and down)`,
        `${figures.spikesFlagged.toLocaleString('en-US')} (${percent(figures.spikesFlagged, figures.spikes)})`,
        NA,
        NA,
        'every one',
        verdict(figures.spikesFlagged === figures.spikes && figures.spikes > 0),
      ],
      [
        `2-hour freezes flagged (${figures.freezes.toLocaleString('en-US')} injected, 9 equal points, volume > 0)`,
        `${figures.freezesFlagged.toLocaleString('en-US')} (${percent(figures.freezesFlagged, figures.freezes)})`,
        NA,
        NA,
        'every one',
        verdict(figures.freezesFlagged === figures.freezes && figures.freezes > 0),
      ],
      [
        `points flagged falsely (of ${figures.cleanPoints.toLocaleString('en-US')} outside the injections)`,
        `${figures.falselyFlagged} (${percent(figures.falselyFlagged, figures.cleanPoints)})`,
        NA,
        NA,
        '< 0.1 %',
        verdict(falseShare < 0.001),
      ],
      [
        `write one day for ${assets} assets (${(assets * SLOTS_PER_DAY).toLocaleString('en-US')} rows), median of ${days}`,
        ms(median(dayWith)),
        ms(median(dayWithout)),
        times(median(dayWith) / median(dayWithout)),
        NA,
        NA,
      ],
      [
        `write the ${days} days, total`,
        `${(sum(dayWith) / 1000).toFixed(1)} s`,
        `${(sum(dayWithout) / 1000).toFixed(1)} s`,
        times(sum(dayWith) / sum(dayWithout)),
        NA,
        NA,
      ],
      [
        `write one slot for ${assets} assets (price_collection), median of ${slots}`,
        ms(median(slotWith)),
        ms(median(slotWithout)),
        times(median(slotWith) / median(slotWithout)),
        NA,
        NA,
      ],
    );
  } finally {
    await db.drop();
  }
  printTable(
    `${title ?? ''}; the write ratios are with detection over the same write without it, in the same run`,
    ['measurement', 'with detection', 'without detection', 'ratio', 'target', 'result'],
    rows,
  );
}

import type { RepairedPrice } from '../../assets/price-gaps.repository.js';
import type { MarketChart } from '../../coingecko/coingecko.types.js';
import { matchTolerance, nearestSample, usableSamples } from '../price-gap-repair/price-holes.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** The two ranges of one asset: daily points before the hourly window, hourly points in it (ending now). */
export interface HistoryRanges {
  daily: { from: Date; to: Date } | null;
  hourly: { from: Date; to: Date };
}

/**
 * How far inside the plan's limit the oldest request starts: the service's clock and CoinGecko's differ a
 * little, and a range one second too long is refused (401, error_code 10012) on the public and Demo plans.
 */
export const LIMIT_MARGIN_MS = 10 * 60_000;

/**
 * The daily range ends where the hourly one starts, so the two calls never ask for the same time. With the
 * defaults (365/90) the daily range spans 275 days: CoinGecko answers it with daily points.
 */
export function historyRanges(now: Date, settings: { days: number; hourlyDays: number }): HistoryRanges {
  // Inside the window too: a span a second over 90 days would be answered with daily points.
  const hourlyFrom = new Date(now.getTime() - settings.hourlyDays * DAY_MS + LIMIT_MARGIN_MS);
  const hourly = { from: hourlyFrom, to: now };
  if (settings.days <= settings.hourlyDays) return { daily: null, hourly };
  return {
    daily: { from: new Date(now.getTime() - settings.days * DAY_MS + LIMIT_MARGIN_MS), to: hourlyFrom },
    hourly,
  };
}

/**
 * The rows of one answer, at CoinGecko's own sample times, within the asked range. Market cap and volume
 * come from the samples at the same time; the 24 h change from the price sample nearest to a day before.
 */
export function historyRows(
  assetId: string,
  chart: MarketChart,
  range: { from: Date; to: Date },
  expectedSpacingMs: number,
): { rows: RepairedPrice[]; first: Date | null; last: Date | null } {
  const prices = usableSamples(chart.prices);
  const caps = usableSamples(chart.marketCaps);
  const volumes = usableSamples(chart.totalVolumes);
  const tolerance = matchTolerance(prices, expectedSpacingMs);
  const rows: RepairedPrice[] = [];
  for (const price of prices) {
    if (price.at < range.from.getTime() || price.at > range.to.getTime() || price.value === null) continue;
    rows.push({
      assetId,
      timestamp: new Date(price.at),
      priceUsd: price.value,
      marketCapUsd: nearestSample(caps, price.at, tolerance)?.value ?? null,
      volume24hUsd: nearestSample(volumes, price.at, tolerance)?.value ?? null,
      priceDayBefore: nearestSample(prices, price.at - DAY_MS, tolerance)?.value ?? null,
    });
  }
  return { rows, first: rows[0]?.timestamp ?? null, last: rows.at(-1)?.timestamp ?? null };
}

export const SPACING_MS = { daily: DAY_MS, hourly: HOUR_MS } as const;

/**
 * Generated `/coins/{id}/market_chart/range` answers for the fake CoinGecko, following CoinGecko's
 * automatic granularity (test/fixtures/coingecko/SOURCES.md, market-chart notes): a range of at most one
 * day that ends now gets 5-minutely points, other ranges up to 90 days hourly points, longer ranges daily
 * points at 00:00 UTC. Like the real ones, 5-minutely and hourly sample times are not on the minute.
 * Values are deterministic functions of the coin and the sample time, so a test can say which sample a
 * stored row came from (`chartValues`).
 */

export type ChartGranularity = '5m' | 'hourly' | 'daily';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

export const CHART_SPACING_MS: Record<ChartGranularity, number> = {
  '5m': 5 * MINUTE,
  hourly: 60 * MINUTE,
  daily: DAY,
};

/**
 * Where samples sit within their period: 5-minutely ones 0.959 s before each 5-minute boundary (like
 * CoinGecko's `…899041`), hourly ones at minute 13:19.041, daily ones at midnight.
 */
export const CHART_OFFSET_MS: Record<ChartGranularity, number> = {
  '5m': 299_041,
  hourly: 13 * MINUTE + 19_041,
  daily: 0,
};

/** How far `to` may lie behind the fake's clock and still count as "ending now". */
const NOW_TOLERANCE_MS = 10 * MINUTE;

export function chartGranularity(fromMs: number, toMs: number, nowMs: number): ChartGranularity {
  const span = toMs - fromMs;
  if (span <= DAY && toMs >= nowMs - NOW_TOLERANCE_MS) return '5m';
  return span <= 90 * DAY ? 'hourly' : 'daily';
}

/** Sample times of one granularity within `[fromMs, toMs]`, oldest first. */
export function chartSampleTimes(granularity: ChartGranularity, fromMs: number, toMs: number): number[] {
  const spacing = CHART_SPACING_MS[granularity];
  const offset = CHART_OFFSET_MS[granularity];
  const times: number[] = [];
  for (let at = Math.ceil((fromMs - offset) / spacing) * spacing + offset; at <= toMs; at += spacing) {
    times.push(at);
  }
  return times;
}

/** The base amounts of a coin (its `/coins/markets` entry); null when it has no price. */
export interface ChartBase {
  price: number | null;
  marketCap: number | null;
  volume: number | null;
}

/** Decimal text of the three series at one sample time (12 significant digits, e.g. `1.19883413281e-9`). */
export interface ChartValues {
  price: string;
  marketCap: string | null;
  volume: string | null;
}

export function chartValues(base: ChartBase, seed: number, atMs: number): ChartValues | null {
  if (base.price === null) return null;
  // A slow wave per coin: every sample differs from its neighbours, so the nearest one is identifiable.
  const factor = 1 + 0.05 * Math.sin(atMs / 3_700_000 + seed) + (atMs % 1_000_000) / 1e9;
  const text = (value: number | null, by: number): string | null =>
    value === null ? null : (value * by).toPrecision(12);
  return {
    price: text(base.price, factor) ?? '0',
    marketCap: text(base.marketCap, factor),
    volume: text(base.volume, 2 - factor),
  };
}

/** A stable number per coin id (its wave's phase). */
export function chartSeed(id: string): number {
  let hash = 0;
  for (const char of id) hash = (hash * 31 + char.charCodeAt(0)) % 1_000_003;
  return hash;
}

/** The JSON number a fixture or amount holds: a plain number or a `JSON.rawJSON` value. */
export function numberOf(value: unknown): number | null {
  if (typeof value === 'number') return value;
  if (typeof value === 'object' && value !== null && 'rawJSON' in value) {
    return Number((value as { rawJSON: string }).rawJSON);
  }
  return null;
}

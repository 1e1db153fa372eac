import type { CoinPaprikaPlan } from '../../config/app-config.js';
import type { HistoryRange, ProviderCapabilities } from '../market-data-provider.js';

const YEAR = 365;

/** NOTES.md (historical-ticks reference): how far back each granularity reaches on each plan, in days. */
export const COINPAPRIKA_CAPABILITIES: Record<CoinPaprikaPlan, ProviderCapabilities> = {
  free: { history: { daily: YEAR, hourly: 1, fiveMinute: 0 } },
  starter: { history: { daily: 5 * YEAR, hourly: 30, fiveMinute: 7 } },
  pro: { history: { daily: null, hourly: 90, fiveMinute: 30 } },
  business: { history: { daily: null, hourly: YEAR, fiveMinute: YEAR } },
};

/** The most points one `/tickers/{id}/historical` answer holds (its `limit`). */
export const HISTORICAL_MAX_POINTS = 5000;

export type Granularity = 'fiveMinute' | 'hourly' | 'daily';

/** The `interval` asked for each granularity, and its step. */
export const INTERVALS: Record<Granularity, { interval: string; stepMs: number }> = {
  fiveMinute: { interval: '5m', stepMs: 5 * 60_000 },
  hourly: { interval: '1h', stepMs: 3_600_000 },
  daily: { interval: '1d', stepMs: 86_400_000 },
};

const DAY_MS = 86_400_000;

/**
 * The finest granularity the plan serves for the whole range in one answer: its start within that
 * granularity's reach back from `now`, and at most HISTORICAL_MAX_POINTS points. `undefined` when none
 * can (the range starts before the plan's daily reach): such a range is never asked.
 */
export function granularityFor(
  capabilities: ProviderCapabilities,
  range: HistoryRange,
  now: Date,
): Granularity | undefined {
  const reachNeeded = (now.getTime() - range.from.getTime()) / DAY_MS;
  const spanMs = range.to.getTime() - range.from.getTime();
  for (const granularity of ['fiveMinute', 'hourly', 'daily'] as const) {
    const reach = capabilities.history[granularity];
    const within = reach === null || (reach > 0 && reachNeeded <= reach);
    if (within && spanMs / INTERVALS[granularity].stepMs < HISTORICAL_MAX_POINTS) return granularity;
  }
  return undefined;
}

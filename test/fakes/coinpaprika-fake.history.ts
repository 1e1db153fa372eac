/**
 * `GET /tickers/{id}/historical` of the fake CoinPaprika: parameters, the plan's ranges (NOTES.md table)
 * and generated points. Values follow the fake CoinGecko's market charts (market-chart.ts, seeded by the
 * CoinGecko id and based on the same current figures), so both fakes' histories of one coin agree.
 */
import { rawNumber } from './coingecko-fake.js';
import { chartSeed, chartValues, numberOf } from './market-chart.js';
import { FIRST_DATA_AT, paprikaTime, type PaprikaEntry } from './coinpaprika-fake.data.js';

export type PaprikaPlan = 'free' | 'starter' | 'pro' | 'business';
export const PAPRIKA_PLANS: readonly PaprikaPlan[] = ['free', 'starter', 'pro', 'business'];

export type HistoryGranularity = 'daily' | 'hourly' | '5-minute';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Every `interval` value NOTES.md lists, its spacing and its granularity. */
export const INTERVALS: Record<string, { ms: number; granularity: HistoryGranularity }> = {
  '5m': { ms: 5 * MINUTE, granularity: '5-minute' },
  '10m': { ms: 10 * MINUTE, granularity: '5-minute' },
  '15m': { ms: 15 * MINUTE, granularity: '5-minute' },
  '30m': { ms: 30 * MINUTE, granularity: '5-minute' },
  '45m': { ms: 45 * MINUTE, granularity: '5-minute' },
  '1h': { ms: HOUR, granularity: 'hourly' },
  '2h': { ms: 2 * HOUR, granularity: 'hourly' },
  '3h': { ms: 3 * HOUR, granularity: 'hourly' },
  '6h': { ms: 6 * HOUR, granularity: 'hourly' },
  '12h': { ms: 12 * HOUR, granularity: 'hourly' },
  '24h': { ms: DAY, granularity: 'daily' },
  '1d': { ms: DAY, granularity: 'daily' },
  '7d': { ms: 7 * DAY, granularity: 'daily' },
  '14d': { ms: 14 * DAY, granularity: 'daily' },
  '30d': { ms: 30 * DAY, granularity: 'daily' },
  '90d': { ms: 90 * DAY, granularity: 'daily' },
  '365d': { ms: 365 * DAY, granularity: 'daily' },
};

/**
 * How far back each plan may reach, per granularity (NOTES.md): 0 = not at all, Infinity = unlimited.
 * "Last 1 year" is 365 days, "last 5 years" 5 × 365 days (assumption: no leap-day arithmetic).
 */
export const PLAN_HISTORY_MS: Record<PaprikaPlan, Record<HistoryGranularity, number>> = {
  free: { daily: 365 * DAY, hourly: DAY, '5-minute': 0 },
  starter: { daily: 5 * 365 * DAY, hourly: 30 * DAY, '5-minute': 7 * DAY },
  pro: { daily: Infinity, hourly: 90 * DAY, '5-minute': 30 * DAY },
  business: { daily: Infinity, hourly: 365 * DAY, '5-minute': 365 * DAY },
};

export const HISTORY_MAX_LIMIT = 5000;
/** Assumption: without `limit` CoinPaprika answers at most 1000 points. */
export const HISTORY_DEFAULT_LIMIT = 1000;
/** Assumption: without `interval` CoinPaprika uses 5-minute ticks (its reference page's default). */
export const HISTORY_DEFAULT_INTERVAL = '5m';

export interface HistoryAnswer {
  status: number;
  body: unknown;
}

/** `2019-01-01`, `2019-01-01T00:00:00Z` (any ISO-8601 / RFC 3339 time) or Unix seconds; NaN otherwise. */
export function parsePaprikaTime(text: string): number {
  if (/^\d{1,12}$/.test(text)) return Number(text) * 1000;
  if (!/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text)) return Number.NaN;
  return Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
}

function refusal(plan: PaprikaPlan, granularity: HistoryGranularity, reachMs: number): HistoryAnswer {
  const allowed =
    reachMs === 0
      ? 'none'
      : `the last ${reachMs >= DAY ? `${Math.round(reachMs / DAY)} days` : `${Math.round(reachMs / HOUR)} hours`}`;
  return {
    status: 402,
    body: {
      error: `Your current plan (${plan}) does not allow ${granularity} historical data for this period (allowed: ${allowed}). Upgrade your plan: https://coinpaprika.com/api/pricing/`,
    },
  };
}

const bad = (message: string): HistoryAnswer => ({ status: 400, body: { error: message } });

export interface HistoryRequest {
  entry: PaprikaEntry;
  /** Price multiplier a test set for this coin (1 = none). */
  factor: number;
  query: Record<string, string>;
  plan: PaprikaPlan;
  nowMs: number;
}

/** The answer to one historical request: 400 for bad parameters, 402 outside the plan, else the points. */
export function historicalAnswer({ entry, factor, query, plan, nowMs }: HistoryRequest): HistoryAnswer {
  if (query.start === undefined || query.start === '') return bad('start is required');
  const start = parsePaprikaTime(query.start);
  if (Number.isNaN(start)) return bad('invalid start');
  const end = query.end === undefined || query.end === '' ? nowMs : parsePaprikaTime(query.end);
  if (Number.isNaN(end)) return bad('invalid end');
  const limit = query.limit === undefined ? HISTORY_DEFAULT_LIMIT : Number(query.limit);
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > HISTORY_MAX_LIMIT) return bad('invalid limit');
  if ((query.quote ?? 'usd').toLowerCase() !== 'usd') return bad('invalid quote');
  const interval = INTERVALS[query.interval ?? HISTORY_DEFAULT_INTERVAL];
  if (!interval) return bad('invalid interval');
  if (end < start) return bad('end must be after start');

  const reachMs = PLAN_HISTORY_MS[plan][interval.granularity];
  if (reachMs === 0 || start < nowMs - reachMs) return refusal(plan, interval.granularity, reachMs);

  const from = Math.max(start, Date.parse(FIRST_DATA_AT));
  const to = Math.min(end, nowMs);
  const points: unknown[] = [];
  for (
    let at = Math.ceil(from / interval.ms) * interval.ms;
    at <= to && points.length < limit;
    at += interval.ms
  ) {
    const values = historicalValuesAt(entry, factor, at);
    if (!values) break;
    points.push({
      timestamp: paprikaTime(at),
      price: rawNumber(values.price),
      volume_24h: values.volume === null ? 0 : rawNumber(values.volume),
      market_cap: values.marketCap === null ? 0 : rawNumber(values.marketCap),
    });
  }
  return { status: 200, body: points };
}

function nowOrNull(value: unknown, factor: number): number | null {
  const number = numberOf(value);
  return number === null ? null : number * factor;
}

/** The values the fake answers for one coin at one (interval-aligned) time: what a test expects stored. */
export function historicalValuesAt(entry: PaprikaEntry, factor: number, atMs: number) {
  return chartValues(
    {
      price: (numberOf(entry.market.current_price) ?? 0) * entry.factor * factor,
      marketCap: nowOrNull(entry.market.market_cap, entry.factor * factor),
      volume: nowOrNull(entry.market.total_volume, entry.factor * factor),
    },
    chartSeed(entry.market.id),
    atMs,
  );
}

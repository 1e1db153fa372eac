import { CronTime } from 'cron';
import { granularityFor, INTERVALS } from '../../providers/coinpaprika/coinpaprika.capabilities.js';
import type { ProviderCapabilities } from '../../providers/market-data-provider.js';
import { floorToMinute } from '../slot-dates.js';

/*
 * Which price slots should exist, how to ask CoinGecko for the missing ones, and which sample fills each.
 * Pure functions: the job, the asset detail and the specs share them.
 */

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;
/** A slot this young may still be written by its own price run (the run claims it, then calls CoinGecko). */
export const SETTLE_MS = 5 * MINUTE_MS;
/** CoinGecko answers hourly points up to this range; longer ranges get daily points. */
const MAX_HOURLY_RANGE_MS = 90 * DAY_MS;
/** CoinGecko's spacing of 5-minutely and hourly points. */
export const FIVE_MINUTES_MS = 5 * MINUTE_MS;

export interface ExpectedSlotsOptions {
  /** The price job's 6-field cron expression (UTC). */
  schedule: string;
  /** Fire times at or after this instant count. */
  from: Date;
  now: Date;
  /** Slot timestamps (minute-floored) whose price run is still queued or running. */
  inProgress?: readonly Date[];
}

/**
 * The price timestamps the price job should have written in `[from, now]`: its fire times floored to the
 * minute, as it stores them, without the slots fired less than SETTLE_MS ago or still in progress. Oldest
 * first, each minute once (a schedule firing every second still writes one row a minute).
 */
export function expectedSlots(options: ExpectedSlotsOptions): Date[] {
  const cron = new CronTime(options.schedule, 'UTC');
  const last = options.now.getTime() - SETTLE_MS;
  const skipped = new Set((options.inProgress ?? []).map((slot) => floorToMinute(slot).getTime()));
  const slots: Date[] = [];
  let cursor = options.from.getTime() - 1;
  for (;;) {
    const fire = cron.getNextDateFrom(new Date(cursor)).toJSDate().getTime();
    if (fire > last) break;
    const minute = floorToMinute(new Date(fire)).getTime();
    if (!skipped.has(minute)) slots.push(new Date(minute));
    // Later fire times in the same minute land on the same row: continue from the minute's last millisecond.
    cursor = minute + MINUTE_MS - 1;
  }
  return slots;
}

/** One `/coins/{id}/market_chart/range` call and the holes it should fill. */
export interface ChartRange {
  from: Date;
  to: Date;
  /** The holes this range answers, oldest first. */
  holes: Date[];
  /** The spacing CoinGecko uses for such a range (the answer's own spacing wins when it has one). */
  expectedSpacingMs: number;
}

/**
 * The calls that cover an asset's holes, most recent first. Holes of the last 24 h share one range ending
 * now (CoinGecko answers 5-minutely points for it, too fine to reach a day further back, so their 24 h
 * change stays unknown). Older holes go in ranges of at most 90 days (hourly points) that start 24 h and
 * half a spacing before their first hole, so the answer also holds the samples their 24 h change needs.
 */
export function planRanges(holes: readonly Date[], now: Date): ChartRange[] {
  const sorted = [...holes].sort((a, b) => a.getTime() - b.getTime());
  const dayAgo = now.getTime() - DAY_MS;
  const recent = sorted.filter((hole) => hole.getTime() >= dayAgo);
  const older = sorted.filter((hole) => hole.getTime() < dayAgo);
  const ranges: ChartRange[] = [];
  if (recent.length > 0) {
    const from = Math.max(dayAgo, recent[0].getTime() - FIVE_MINUTES_MS / 2);
    ranges.push({ from: new Date(from), to: now, holes: recent, expectedSpacingMs: FIVE_MINUTES_MS });
  }
  const margin = HOUR_MS / 2;
  const chunks: Date[][] = [];
  for (const hole of older) {
    const chunk = chunks.at(-1);
    const span = chunk ? hole.getTime() + margin - (chunk[0].getTime() - DAY_MS - margin) : Infinity;
    if (chunk && span <= MAX_HOURLY_RANGE_MS) chunk.push(hole);
    else chunks.push([hole]);
  }
  for (const chunk of chunks.reverse()) {
    ranges.push({
      from: new Date(chunk[0].getTime() - DAY_MS - margin),
      to: new Date(Math.min(chunk[chunk.length - 1].getTime() + margin, now.getTime())),
      holes: chunk,
      expectedSpacingMs: HOUR_MS,
    });
  }
  return ranges;
}

export interface Sample {
  at: number;
  value: string | null;
}

/** Samples with a value, oldest first: the search below relies on the order. */
export function usableSamples(points: readonly Sample[]): Sample[] {
  return points.filter((point) => point.value !== null).sort((a, b) => a.at - b.at);
}

/**
 * Half the spacing of the answer's samples (their median gap), or of the expected spacing when the
 * answer has fewer than two: how far a sample may lie from a slot and still stand for it.
 */
export function matchTolerance(samples: readonly Sample[], expectedSpacingMs: number): number {
  if (samples.length < 2) return expectedSpacingMs / 2;
  const gaps = samples
    .slice(1)
    .map((sample, index) => sample.at - samples[index].at)
    .sort((a, b) => a - b);
  return gaps[Math.floor((gaps.length - 1) / 2)] / 2;
}

/** The sample nearest to `atMs` within `toleranceMs` (the earlier one on a tie), from sorted samples. */
export function nearestSample(
  samples: readonly Sample[],
  atMs: number,
  toleranceMs: number,
): Sample | undefined {
  let low = 0;
  let high = samples.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (samples[middle].at < atMs) low = middle + 1;
    else high = middle;
  }
  const candidates = [samples[low - 1], samples[low]].filter((sample) => sample !== undefined);
  let best: Sample | undefined;
  for (const sample of candidates) {
    const distance = Math.abs(sample.at - atMs);
    if (distance <= toleranceMs && (!best || distance < Math.abs(best.at - atMs))) best = sample;
  }
  return best;
}

/** A repaired row: amounts as CoinGecko's decimal text, `priceDayBefore` for the 24 h change. */
export interface FilledSlot {
  slot: Date;
  priceUsd: string;
  marketCapUsd: string | null;
  volume24hUsd: string | null;
  /** The price sample nearest to 24 h before the slot, when the answer holds one. */
  priceDayBefore: string | null;
}

export interface ChartSeries {
  prices: readonly Sample[];
  marketCaps: readonly Sample[];
  totalVolumes: readonly Sample[];
}

/** Fills what the answer can fill: each hole takes the nearest price sample, else it stays a hole. */
export function fillHoles(range: ChartRange, chart: ChartSeries): { filled: FilledSlot[]; unfilled: Date[] } {
  const prices = usableSamples(chart.prices);
  const caps = usableSamples(chart.marketCaps);
  const volumes = usableSamples(chart.totalVolumes);
  const tolerance = matchTolerance(prices, range.expectedSpacingMs);
  const filled: FilledSlot[] = [];
  const unfilled: Date[] = [];
  for (const slot of range.holes) {
    const at = slot.getTime();
    const price = nearestSample(prices, at, tolerance);
    if (!price?.value) {
      unfilled.push(slot);
      continue;
    }
    filled.push({
      slot,
      priceUsd: price.value,
      marketCapUsd: nearestSample(caps, at, tolerance)?.value ?? null,
      volume24hUsd: nearestSample(volumes, at, tolerance)?.value ?? null,
      priceDayBefore: nearestSample(prices, at - DAY_MS, tolerance)?.value ?? null,
    });
  }
  return { filled, unfilled };
}

/** A fallback provider's history call for one range's holes, at a granularity fine enough to stand for a slot. */
export interface FallbackRange {
  from: Date;
  to: Date;
  holes: Date[];
  /** The spacing of the points the plan serves for it (5 minutes or an hour). */
  expectedSpacingMs: number;
}

/**
 * The range to ask a fallback provider (CoinPaprika) for the holes of `range`, within its plan: the same range
 * when the plan serves it 5-minutely or hourly, else the holes alone with half an hour each side (the 24 h
 * change stays unknown then), else none. A daily point never fills a 15-minute slot, so a range the plan
 * serves only daily is not asked; one beyond every reach of the plan cannot be (granularityFor).
 */
export function fallbackRange(
  range: ChartRange,
  capabilities: ProviderCapabilities,
  now: Date,
): FallbackRange | undefined {
  const first = range.holes[0];
  const last = range.holes.at(-1);
  if (!first || !last) return undefined;
  const margin = HOUR_MS / 2;
  const wide = { from: new Date(Math.min(range.from.getTime(), first.getTime() - margin)), to: range.to };
  const tight = {
    from: new Date(first.getTime() - margin),
    to: new Date(Math.min(last.getTime() + margin, now.getTime())),
  };
  for (const candidate of [wide, tight]) {
    const granularity = granularityFor(capabilities, candidate, now);
    if (granularity === 'fiveMinute' || granularity === 'hourly')
      return { ...candidate, holes: range.holes, expectedSpacingMs: INTERVALS[granularity].stepMs };
  }
  return undefined;
}

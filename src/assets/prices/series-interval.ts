/**
 * The bucket sizes of `GET /assets/{id}/prices/series` and the arithmetic that picks one. Every bucket starts on a
 * UTC boundary of its size: quarter hours, hours, 4-hour blocks from midnight, UTC days, ISO weeks (Monday 00:00 UTC).
 */

export const SERIES_INTERVALS = ['15m', '1h', '4h', '1d', '1w'] as const;
export type SeriesInterval = (typeof SERIES_INTERVALS)[number];
export const SERIES_INTERVAL_CHOICES = [...SERIES_INTERVALS, 'auto'] as const;
export type SeriesIntervalChoice = (typeof SERIES_INTERVAL_CHOICES)[number];

export const DEFAULT_MAX_POINTS = 500;
export const MAX_MAX_POINTS = 5000;
export const MAX_RANGE_YEARS = 10;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const INTERVAL_MS: Record<SeriesInterval, number> = {
  '15m': 15 * MINUTE,
  '1h': HOUR,
  '4h': 4 * HOUR,
  '1d': DAY,
  '1w': 7 * DAY,
};

/** 1970-01-01 was a Thursday: ISO weeks are counted from Monday 1970-01-05. */
const WEEK_ORIGIN = 4 * DAY;

/** The start of the bucket of `interval` holding `at`. */
export function bucketStart(interval: SeriesInterval, at: Date): Date {
  const size = INTERVAL_MS[interval];
  const origin = interval === '1w' ? WEEK_ORIGIN : 0;
  return new Date(Math.floor((at.getTime() - origin) / size) * size + origin);
}

/** How many buckets `[from, to]` touches at `interval`: from the one holding `from` to the one holding `to`. */
export function bucketsBetween(interval: SeriesInterval, from: Date, to: Date): number {
  const first = bucketStart(interval, from).getTime();
  const last = bucketStart(interval, to).getTime();
  return Math.round((last - first) / INTERVAL_MS[interval]) + 1;
}

/** The finest interval whose buckets over `[from, to]` fit in `maxPoints`, or undefined when not even weeks do. */
export function autoInterval(from: Date, to: Date, maxPoints: number): SeriesInterval | undefined {
  return SERIES_INTERVALS.find((interval) => bucketsBetween(interval, from, to) <= maxPoints);
}

/**
 * The longest range that fits `maxPoints` buckets wherever it starts: `maxPoints - 1` intervals (a range that
 * starts late in a bucket and ends early in another touches one bucket more than its length in intervals).
 */
export function largestRange(interval: SeriesInterval, maxPoints: number): number {
  return (maxPoints - 1) * INTERVAL_MS[interval];
}

/** `5 days 4 hours 45 minutes`: a duration in the words of the 400 that names the largest range allowed. */
export function describeDuration(ms: number): string {
  let rest = Math.floor(ms / MINUTE);
  const parts: string[] = [];
  for (const [unit, minutes] of [
    ['day', 24 * 60],
    ['hour', 60],
    ['minute', 1],
  ] as const) {
    const count = Math.floor(rest / minutes);
    rest -= count * minutes;
    if (count > 0) parts.push(`${count} ${unit}${count === 1 ? '' : 's'}`);
  }
  return parts.length === 0 ? '0 minutes' : parts.join(' ');
}

/** `to` is at most `MAX_RANGE_YEARS` calendar years (UTC) after `from`. */
export function withinMaxRange(from: Date, to: Date): boolean {
  const limit = new Date(from.getTime());
  limit.setUTCFullYear(limit.getUTCFullYear() + MAX_RANGE_YEARS);
  return to.getTime() <= limit.getTime();
}

import { beforeAll, describe, expect, it } from 'vitest';
import { browserModule } from './browser-module.js';

interface Run {
  status: string;
  started_at?: string;
  duration_ms?: number | null;
  progress?: { done?: number; total?: number | null } | null;
}
interface Metrics {
  items_processed: number;
  items_created: number;
  items_updated: number;
  items_skipped: number;
}
interface Format {
  DASH: string;
  utc(date: Date): string;
  relative(date: Date, now?: number): string;
  parseTime(iso: unknown): Date | null;
  formatDuration(ms: unknown): string;
  runDuration(run: Run, now?: number): number | null;
  formatCounts(metrics: Metrics | null): string;
  countsInWords(metrics: Metrics | null): string;
  progressOf(run: Run | null): { percent: number | null; text: string } | null;
  median(values: number[]): number | null;
  number(n: unknown): string;
  scheduleInWords(expression: unknown): string;
  formatPrice(value: unknown): string;
  PRICE_RANGES: string[];
  monthsBefore(date: Date, months: number): Date;
  rangeBounds(range: string, now: number, firstAt?: string | null): { from: string; to: string } | null;
}

let format: Format;
beforeAll(async () => {
  format = await browserModule<Format>('format.js');
});

const NOW = Date.parse('2026-12-07T12:00:00Z');

describe('dashboard formatting (format.js)', () => {
  it('writes times in UTC, and how far they are from now', () => {
    expect(format.utc(new Date('2026-01-02T03:04:05.678Z'))).toBe('2026-01-02 03:04:05');
    const ago = (seconds: number) => format.relative(new Date(NOW - seconds * 1000), NOW);
    expect(ago(0)).toBe('now');
    expect(ago(42)).toBe('42 seconds ago');
    expect(ago(5 * 60)).toBe('5 minutes ago');
    expect(ago(3 * 3600)).toBe('3 hours ago');
    expect(ago(47 * 3600)).toBe('47 hours ago');
    expect(ago(3 * 86_400)).toBe('3 days ago');
    expect(format.relative(new Date(NOW + 90_000), NOW)).toBe('in 2 minutes');
    expect(format.parseTime('not a time')).toBeNull();
    expect(format.parseTime(42)).toBeNull();
    expect(format.parseTime('2026-12-07T12:00:00Z')?.getTime()).toBe(NOW);
  });

  it.each([
    [0, '0 ms'],
    [999.4, '999 ms'],
    [1000, '1.0 s'],
    [59_949, '59.9 s'],
    [60_000, '1 min 0 s'],
    [3_599_000, '59 min 59 s'],
    [3_600_000, '1 h 0 min'],
    [26 * 3_600_000 + 5 * 60_000, '26 h 5 min'],
  ])('writes a duration of %s ms as %s', (ms, words) => {
    expect(format.formatDuration(ms)).toBe(words);
  });

  it('writes an unknown or impossible duration as a dash', () => {
    for (const ms of [null, undefined, -1, Number.NaN, Number.POSITIVE_INFINITY, '5'])
      expect(format.formatDuration(ms)).toBe(format.DASH);
  });

  it("takes a finished run's recorded duration, and a running one's age", () => {
    const started_at = new Date(NOW - 7000).toISOString();
    expect(format.runDuration({ status: 'succeeded', duration_ms: 4000, started_at }, NOW)).toBe(4000);
    expect(format.runDuration({ status: 'running', duration_ms: null, started_at }, NOW)).toBe(7000);
    expect(format.runDuration({ status: 'queued', started_at }, NOW)).toBeNull();
  });

  it('writes counts as figures and in words', () => {
    const metrics = { items_processed: 1234, items_created: 5, items_updated: 0, items_skipped: 1229 };
    expect(format.formatCounts(metrics)).toBe('1,234 / 5 / 0 / 1,229');
    expect(format.countsInWords(metrics)).toBe('1,234 processed, 5 created, 0 updated, 1,229 skipped');
    expect(format.formatCounts(null)).toBe(format.DASH);
    expect(format.countsInWords(null)).toBe('');
    expect(format.number(undefined)).toBe('?');
  });

  it('says how far a running run is, with or without a total', () => {
    expect(format.progressOf({ status: 'running', progress: { done: 3, total: 20 } })).toEqual({
      percent: 15,
      text: '15% · 3 / 20',
    });
    expect(format.progressOf({ status: 'running', progress: { done: 30, total: 20 } })?.percent).toBe(100);
    expect(format.progressOf({ status: 'running', progress: { done: 1500, total: null } })).toEqual({
      percent: null,
      text: '1,500 done',
    });
    expect(format.progressOf({ status: 'succeeded', progress: { done: 3, total: 20 } })).toBeNull();
    expect(format.progressOf({ status: 'running', progress: null })).toBeNull();
    expect(format.progressOf(null)).toBeNull();
  });

  it('takes the median of an odd and an even number of values', () => {
    expect(format.median([])).toBeNull();
    expect(format.median([9, 1, 5])).toBe(5);
    expect(format.median([4, 1, 3, 2])).toBe(2.5);
  });
});

describe('cron schedules in words (format.js)', () => {
  it.each([
    ['*/10 * * * * *', 'every 10 seconds'],
    ['* * * * * *', 'every second'],
    ['0 * * * * *', 'every minute'],
    ['0 */15 * * * *', 'every 15 minutes'],
    ['0 5 * * * *', 'hourly at minute 5'],
    ['0 30 */6 * * *', 'every 6 hours at minute 30'],
    ['0 0 3 * * *', 'daily at 03:00 UTC'],
    ['30 15 4 * * *', 'daily at 04:15:30 UTC'],
    ['0 0 2 * * 0', 'weekly on Sunday at 02:00 UTC'],
    ['0 0 2 * * 6', 'weekly on Saturday at 02:00 UTC'],
  ])('says %s is %s', (expression, words) => {
    expect(format.scheduleInWords(expression)).toBe(words);
  });

  it.each([
    ['0 0 1 1 * *', 'a day of the month'],
    ['0 0 0 * 6 *', 'a month'],
    ['0 0 2 * * 1-5', 'a weekday range'],
    ['0 0 2 * * 7', 'a weekday out of 0–6'],
    ['*/5 */5 * * * *', 'a second step with a minute step'],
    ['0 0 1-3 * * *', 'an hour range'],
    ['0 0 * * *', 'five fields'],
    ['', 'nothing'],
  ])('leaves %s (%s) to the expression itself', (expression) => {
    expect(format.scheduleInWords(expression)).toBe('custom schedule');
  });

  it('tolerates no expression and stray spaces', () => {
    expect(format.scheduleInWords(undefined)).toBe('custom schedule');
    expect(format.scheduleInWords('  0 0 3 * * *  ')).toBe('daily at 03:00 UTC');
  });
});

describe('prices and chart ranges (format.js)', () => {
  it('writes a USD amount from its decimal string: cents from $1 up, four significant digits below', () => {
    expect(format.formatPrice('43123.456789')).toBe('$43,123.46');
    expect(format.formatPrice('1')).toBe('$1.00');
    expect(format.formatPrice('0')).toBe('$0.00');
    expect(format.formatPrice('0.000123456')).toBe('$0.0001235');
    expect(format.formatPrice(-2.5)).toBe('-$2.50');
    for (const value of [null, undefined, '', 'abc', Number.NaN]) expect(format.formatPrice(value)).toBe('?');
  });

  it('goes back calendar months, to the last day of a shorter month', () => {
    const back = (iso: string, months: number) => format.monthsBefore(new Date(iso), months).toISOString();
    expect(back('2026-03-31T10:15:00.000Z', 1)).toBe('2026-02-28T10:15:00.000Z');
    expect(back('2028-03-31T00:00:00.000Z', 1)).toBe('2028-02-29T00:00:00.000Z');
    expect(back('2028-02-29T12:00:00.000Z', 12)).toBe('2027-02-28T12:00:00.000Z');
    expect(back('2026-01-15T00:00:00.000Z', 1)).toBe('2025-12-15T00:00:00.000Z');
  });

  it('gives each range of the picker its window, ending now', () => {
    const to = new Date(NOW).toISOString();
    expect(format.PRICE_RANGES).toEqual(['day', 'week', 'month', 'year', 'all']);
    expect(format.rangeBounds('day', NOW)).toEqual({ from: '2026-12-06T12:00:00.000Z', to });
    expect(format.rangeBounds('week', NOW)).toEqual({ from: '2026-11-30T12:00:00.000Z', to });
    expect(format.rangeBounds('month', NOW)).toEqual({ from: '2026-11-07T12:00:00.000Z', to });
    expect(format.rangeBounds('year', NOW)).toEqual({ from: '2025-12-07T12:00:00.000Z', to });
    expect(format.rangeBounds('all', NOW, '2024-05-01T00:00:00Z')).toEqual({
      from: '2024-05-01T00:00:00.000Z',
      to,
    });
    expect(format.rangeBounds('decade', NOW)).toBeNull();
  });

  it('starts "all" at the first stored price, within the ten years the series route allows', () => {
    expect(format.rangeBounds('all', NOW, null)).toBeNull();
    expect(format.rangeBounds('all', NOW, 'not a time')).toBeNull();
    expect(format.rangeBounds('all', NOW, '2001-01-01T00:00:00Z')?.from).toBe('2016-12-07T12:00:00.000Z');
    // A clock behind the data: never a window that ends before it starts.
    expect(format.rangeBounds('all', NOW, '2027-01-01T00:00:00Z')?.from).toBe(new Date(NOW).toISOString());
  });
});

import { CronTime } from 'cron';

/** `YYYY-MM` of a UTC instant. */
export function utcMonth(at: Date): string {
  return at.toISOString().slice(0, 7);
}

/** 00:00 UTC on the first day of the month after `at`'s. */
export function monthEnd(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1));
}

/**
 * How many times the (UTC) schedule fires after `after` and before the end of its month. Walks the fire
 * times (at most 44,640 for a per-minute schedule); results are kept per schedule and minute, so the
 * dashboard's polling and `/metrics` do not walk them again.
 */
export function remainingFires(schedule: string, after: Date): number {
  const minute = Math.floor(after.getTime() / 60_000);
  const cacheKey = `${schedule}|${minute}`;
  const cached = cache.get(cacheKey);
  if (cached !== undefined) return cached;
  const cron = new CronTime(schedule, 'UTC');
  const end = monthEnd(after).getTime();
  let count = 0;
  for (let next = cron.getNextDateFrom(after); next.toMillis() < end; next = cron.getNextDateFrom(next))
    count++;
  if (cache.size > 256) cache.clear();
  cache.set(cacheKey, count);
  return count;
}

const cache = new Map<string, number>();

export interface JobCallProjection {
  /** Calls one run makes: its last successful run's actual count, else its definition's estimate. */
  callsPerRun: number;
  callsPerRunFrom: 'last_success' | 'estimate';
  /** Scheduled runs left this month (0 for a disabled job). */
  remainingRuns: number;
  /** Calls made this month so far plus callsPerRun × remainingRuns. */
  projectedMonthlyCalls: number;
}

export function projectJob(options: {
  enabled: boolean;
  schedule: string;
  now: Date;
  callsSoFar: number;
  lastSuccessCalls: number | undefined;
  estimate: () => number;
}): JobCallProjection {
  const fromRun = options.lastSuccessCalls !== undefined;
  const callsPerRun = fromRun ? (options.lastSuccessCalls ?? 0) : Math.max(0, Math.ceil(options.estimate()));
  const remainingRuns = options.enabled ? remainingFires(options.schedule, options.now) : 0;
  return {
    callsPerRun,
    callsPerRunFrom: fromRun ? 'last_success' : 'estimate',
    remainingRuns,
    projectedMonthlyCalls: options.callsSoFar + callsPerRun * remainingRuns,
  };
}

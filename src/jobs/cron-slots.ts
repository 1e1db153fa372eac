import { CronTime } from 'cron';

/** Long enough for the rarest valid schedule, Feb 29 (up to 8 years apart across a skipped leap year). */
const MAX_LOOKBACK_MS = 9 * 366 * 24 * 60 * 60 * 1000;

/** The next time the (UTC) expression fires strictly after `after`. */
export function nextFire(expression: string, after: Date): Date {
  return new CronTime(expression, 'UTC').getNextDateFrom(after).toJSDate();
}

/**
 * The last time the (UTC) expression fired at or before `at`. The cron library only looks forward, so
 * look back over a window that doubles until it holds a fire time, then walk forward to the last one.
 */
export function previousFire(expression: string, at: Date): Date {
  const cron = new CronTime(expression, 'UTC');
  const atMs = at.getTime();
  for (let window = 1000; window <= MAX_LOOKBACK_MS; window *= 2) {
    let candidate = cron.getNextDateFrom(new Date(atMs - window)).toJSDate();
    if (candidate.getTime() > atMs) continue;
    for (;;) {
      const following = cron.getNextDateFrom(candidate).toJSDate();
      if (following.getTime() > atMs) return candidate;
      candidate = following;
    }
  }
  throw new Error(`"${expression}" has not fired in the 9 years before ${at.toISOString()}`);
}

/** How early a timer may wake and still belong to the fire time it was set for. */
const TICK_TOLERANCE_MS = 2000;

/** The slot a cron tick at `now` belongs to: its scheduled fire time, even if the timer woke a little early or late. */
export function slotForTick(expression: string, now: Date): Date {
  return previousFire(expression, new Date(now.getTime() + TICK_TOLERANCE_MS));
}

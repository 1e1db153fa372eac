/**
 * Time as the jobs see it — the runner, the progress writer, the scheduler and run durations all read
 * it here; tests inject their own to move time (between cron slots, past a timeout) without waiting.
 */
export interface Clock {
  now(): Date;
}

export const JOB_CLOCK = Symbol('JOB_CLOCK');

export const systemClock: Clock = { now: () => new Date() };

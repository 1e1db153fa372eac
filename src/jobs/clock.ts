/** Time as the scheduler sees it; tests inject their own to move between cron slots without waiting. */
export interface Clock {
  now(): Date;
}

export const JOB_CLOCK = Symbol('JOB_CLOCK');

export const systemClock: Clock = { now: () => new Date() };

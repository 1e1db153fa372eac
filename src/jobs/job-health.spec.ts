import { describe, expect, it } from 'vitest';
import { assessHealth, NO_FACTS, scheduleIntervalMs } from './job-health.js';

const EVERY_15_MIN = '0 */15 * * * *';
const DAILY = '0 0 0 * * *';
const NOW = new Date('2026-12-01T12:00:00.000Z');
const hoursBefore = (hours: number) => new Date(NOW.getTime() - hours * 3_600_000);

describe('scheduleIntervalMs', () => {
  it('is the gap between two fires of the schedule', () => {
    expect(scheduleIntervalMs(EVERY_15_MIN, NOW)).toBe(15 * 60_000);
    expect(scheduleIntervalMs(DAILY, NOW)).toBe(24 * 3_600_000);
  });

  it('takes the gap after the next fire for an irregular schedule', () => {
    // Fires at 09:00 and 17:00: from noon the next fire is 17:00, then 09:00 the day after (16 h).
    expect(scheduleIntervalMs('0 0 9,17 * * *', NOW)).toBe(16 * 3_600_000);
  });
});

describe('assessHealth', () => {
  const enabled = { schedule: DAILY, enabled: true };

  it('is unknown for a job that never succeeded nor failed', () => {
    expect(assessHealth(NO_FACTS, enabled, NOW)).toEqual({
      state: 'unknown',
      consecutive_failures: 0,
      last_success_at: null,
      failing_since: null,
      late_after: null,
    });
  });

  it('is healthy within 2× the interval of the last success, late after it', () => {
    const recent = { ...NO_FACTS, lastSuccessAt: hoursBefore(47) };
    expect(assessHealth(recent, enabled, NOW)).toMatchObject({
      state: 'healthy',
      last_success_at: hoursBefore(47).toISOString(),
      late_after: new Date(NOW.getTime() + 3_600_000).toISOString(),
    });
    const old = { ...NO_FACTS, lastSuccessAt: hoursBefore(49) };
    expect(assessHealth(old, enabled, NOW).state).toBe('late');
    // Fifteen-minute schedule: 31 minutes without a success is late.
    const prices = { schedule: EVERY_15_MIN, enabled: true };
    expect(assessHealth({ ...NO_FACTS, lastSuccessAt: hoursBefore(0.5) }, prices, NOW).state).toBe('healthy');
    expect(assessHealth({ ...NO_FACTS, lastSuccessAt: hoursBefore(0.52) }, prices, NOW).state).toBe('late');
  });

  it('is never late while disabled: nothing is expected to run', () => {
    const old = { ...NO_FACTS, lastSuccessAt: hoursBefore(500) };
    expect(assessHealth(old, { schedule: DAILY, enabled: false }, NOW)).toMatchObject({
      state: 'healthy',
      late_after: null,
    });
  });

  it('is failing with the streak when runs failed since the last success, whether enabled or not', () => {
    const facts = { lastSuccessAt: hoursBefore(3), consecutiveFailures: 2, failingSince: hoursBefore(2) };
    for (const job of [enabled, { schedule: DAILY, enabled: false }]) {
      expect(assessHealth(facts, job, NOW)).toMatchObject({
        state: 'failing',
        consecutive_failures: 2,
        failing_since: hoursBefore(2).toISOString(),
      });
    }
    // Failing wins over late: the failure is what an operator acts on.
    const never = { lastSuccessAt: null, consecutiveFailures: 1, failingSince: hoursBefore(1) };
    expect(assessHealth(never, enabled, NOW).state).toBe('failing');
  });
});

import { describe, expect, it } from 'vitest';
import { ConfigValidationError, parseEnv } from './env.schema.js';

function problemsOf(env: Record<string, string>): string[] {
  try {
    parseEnv(env);
  } catch (error) {
    if (error instanceof ConfigValidationError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('price quality settings', () => {
  it('default to a factor of 10, 2 hours and 3 percent', () => {
    expect(parseEnv({}).quality).toEqual({ spikeFactor: 10, freezeHours: 2, divergencePercent: 3 });
  });

  it('take decimal values', () => {
    expect(
      parseEnv({ PRICE_SPIKE_FACTOR: '2.5', PRICE_FREEZE_HOURS: ' 0.75 ', PRICE_DIVERGENCE_PERCENT: '1.5' })
        .quality,
    ).toEqual({ spikeFactor: 2.5, freezeHours: 0.75, divergencePercent: 1.5 });
  });

  it('refuse a factor of 1 or less, a zero or negative duration, and text', () => {
    expect(problemsOf({ PRICE_SPIKE_FACTOR: '1' })).toEqual([
      'PRICE_SPIKE_FACTOR: "1" is not a number above 1 and at most 1000000',
    ]);
    expect(problemsOf({ PRICE_FREEZE_HOURS: '0' })).toEqual([
      'PRICE_FREEZE_HOURS: "0" is not a number above 0 and at most 8760',
    ]);
    expect(problemsOf({ PRICE_FREEZE_HOURS: '-2' })).toHaveLength(1);
    expect(problemsOf({ PRICE_SPIKE_FACTOR: 'ten' })).toHaveLength(1);
  });

  it('refuse a divergence percent of 0, above 1000, negative or with a percent sign', () => {
    expect(problemsOf({ PRICE_DIVERGENCE_PERCENT: '0' })).toEqual([
      'PRICE_DIVERGENCE_PERCENT: "0" is not a number above 0 and at most 1000',
    ]);
    expect(problemsOf({ PRICE_DIVERGENCE_PERCENT: '1001' })).toHaveLength(1);
    expect(problemsOf({ PRICE_DIVERGENCE_PERCENT: '-3' })).toHaveLength(1);
    expect(problemsOf({ PRICE_DIVERGENCE_PERCENT: '3%' })).toHaveLength(1);
  });
});

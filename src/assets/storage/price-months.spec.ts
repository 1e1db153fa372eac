import { describe, expect, it } from 'vitest';
import { monthNamed, monthOf, monthsFrom, monthsOf } from './price-months.js';

describe('price months', () => {
  it('name a month by its UTC year and month, with UTC midnight bounds', () => {
    expect(monthOf(new Date('2026-12-31T23:59:59.999Z'))).toEqual({
      name: 'asset_prices_p202612',
      from: new Date('2026-12-01T00:00:00Z'),
      to: new Date('2027-01-01T00:00:00Z'),
    });
    expect(monthOf(new Date('2027-01-01T00:00:00Z')).name).toBe('asset_prices_p202701');
  });

  it('give the current month and the next ones across a year end', () => {
    expect(monthsFrom(new Date('2026-11-15T12:00:00Z'), 3).map((m) => m.name)).toEqual([
      'asset_prices_p202611',
      'asset_prices_p202612',
      'asset_prices_p202701',
    ]);
  });

  it('give the distinct months of some instants, oldest first', () => {
    const instants = ['2026-03-02T00:00:00Z', '2025-12-31T23:45:00Z', '2026-03-30T00:00:00Z'].map(
      (s) => new Date(s),
    );
    expect(monthsOf(instants).map((m) => m.name)).toEqual(['asset_prices_p202512', 'asset_prices_p202603']);
  });

  it('read a partition name back, and refuse other names', () => {
    expect(monthNamed('asset_prices_p202602')?.from).toEqual(new Date('2026-02-01T00:00:00Z'));
    expect(monthNamed('asset_prices_p202613')).toBeUndefined();
    expect(monthNamed('asset_prices_hourly')).toBeUndefined();
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { browserModule } from './browser-module.js';

interface FlagsFormat {
  FLAG_KINDS: string[];
  flagDetail(flag: unknown): string;
}

describe('dashboard price flag details (flags-format.js)', () => {
  let format: FlagsFormat;
  beforeAll(async () => {
    format = await browserModule<FlagsFormat>('flags-format.js');
  });

  it('says each kind in one line from its detail', () => {
    expect(
      format.flagDetail({
        kind: 'spike',
        detail: {
          direction: 'down',
          price_usd: '0.9',
          factor: 111.11,
          previous: { price_usd: '100' },
          next: { price_usd: '100' },
        },
      }),
    ).toBe('$0.9, down ×111.11 between $100 and $100');
    expect(
      format.flagDetail({
        kind: 'freeze',
        detail: { price_usd: '5.25', hours: 2, run_start: '2026-11-30T20:15:00Z' },
      }),
    ).toBe('$5.25 unchanged for 2 h since 2026-11-30T20:15:00Z');
    expect(
      format.flagDetail({
        kind: 'divergence',
        detail: { price_usd: '100', percent: 3.5, other: { source: 'coinpaprika', price_usd: '103.5' } },
      }),
    ).toBe("$100, 3.5 % off coinpaprika's $103.5");
  });

  it('falls back to what it knows when the detail is missing or of another shape', () => {
    expect(format.flagDetail({ kind: 'spike', detail: null })).toBe('?, up');
    expect(format.flagDetail({ kind: 'freeze', detail: ['x'] })).toBe('? unchanged');
    expect(format.flagDetail({ kind: 'divergence' })).toBe("?, off the other provider's ?");
    expect(format.flagDetail({ kind: 'stale' })).toBe('stale');
    expect(format.flagDetail(null)).toBe('flag');
    expect(format.FLAG_KINDS).toEqual(['spike', 'freeze', 'divergence']);
  });
});

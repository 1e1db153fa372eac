import { describe, expect, it } from 'vitest';
import { assetCursor, contractCursor, MAX_CURSOR_LENGTH, priceCursor, rankingCursor } from './page-cursor.js';

const raw = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('page cursors', () => {
  it('round-trip every kind, as URL-safe text', () => {
    const cases: Array<[string, unknown, unknown]> = [
      [
        assetCursor.encode({ bucket: 1, symbol: 'ÉTH/€', coingeckoId: 'eth' }),
        assetCursor.decode,
        { bucket: 1, symbol: 'ÉTH/€', coingeckoId: 'eth' },
      ],
      [
        priceCursor.encode({ timestamp: '2026-11-28T09:45:00.123456Z', source: 'coingecko' }),
        priceCursor.decode,
        { timestamp: '2026-11-28T09:45:00.123456Z', source: 'coingecko' },
      ],
      [
        rankingCursor.encode({
          snapshotDate: '2024-02-29',
          rank: 42,
          source: 'coingecko',
          assetId: '3f0c8d52-4f3e-4a8e-9a55-2f1b3c4d5e6f',
        }),
        rankingCursor.decode,
        {
          snapshotDate: '2024-02-29',
          rank: 42,
          source: 'coingecko',
          assetId: '3f0c8d52-4f3e-4a8e-9a55-2f1b3c4d5e6f',
        },
      ],
      [
        contractCursor.encode({
          chain: 'solana',
          contractAddress: 'DezXAZ8z7PnrnRJjz3wXBoRgixCa6xjnB7YaB1pPB263',
        }),
        contractCursor.decode,
        { chain: 'solana', contractAddress: 'DezXAZ8z7PnrnRJjz3wXBoRgixCa6xjnB7YaB1pPB263' },
      ],
    ];
    for (const [cursor, decode, expected] of cases) {
      expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      expect((decode as (text: string) => unknown)(cursor)).toEqual(expected);
    }
  });

  it('keeps an empty symbol (symbols are data, not validated here) but not an empty CoinGecko id', () => {
    expect(assetCursor.decode(raw(['assets', 0, '', 'x']))).toEqual({
      bucket: 0,
      symbol: '',
      coingeckoId: 'x',
    });
    expect(assetCursor.decode(raw(['assets', 0, 'X', '']))).toBeUndefined();
  });

  it('refuses a cursor of another list', () => {
    const asset = assetCursor.encode({ bucket: 0, symbol: 'BTC', coingeckoId: 'bitcoin' });
    const contract = contractCursor.encode({ chain: 'ethereum', contractAddress: '0xabc' });
    expect(priceCursor.decode(asset)).toBeUndefined();
    expect(rankingCursor.decode(asset)).toBeUndefined();
    expect(contractCursor.decode(asset)).toBeUndefined();
    // Same arity, other kind.
    expect(priceCursor.decode(contract)).toBeUndefined();
  });

  it.each([
    ['empty', ''],
    ['not base64url', 'abc+/='],
    ['padded', `${raw(['contracts', 'a', 'b'])}==`],
    ['not JSON', Buffer.from('not json').toString('base64url')],
    ['not an array', raw({ kind: 'contracts' })],
    ['too few values', raw(['contracts', 'ethereum'])],
    ['too many values', raw(['contracts', 'ethereum', '0xabc', 'extra'])],
    ['a number for the chain', raw(['contracts', 1, '0xabc'])],
    ['an empty address', raw(['contracts', 'ethereum', ''])],
    ['a huge value', raw(['contracts', 'ethereum', 'x'.repeat(1001)])],
    ['too long', 'A'.repeat(MAX_CURSOR_LENGTH + 1)],
  ])('refuses %s', (_name, cursor) => {
    expect(contractCursor.decode(cursor)).toBeUndefined();
  });

  it('refuses a last-bits variant of a valid cursor (only the canonical spelling was issued)', () => {
    const cursor = contractCursor.encode({ chain: 'ethereum', contractAddress: '0xab' });
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = cursor.at(-1) ?? 'A';
    const variants = [...alphabet]
      .filter((character) => character !== last)
      .map((character) => cursor.slice(0, -1) + character)
      .filter((variant) => Buffer.from(variant, 'base64url').equals(Buffer.from(cursor, 'base64url')));
    for (const variant of variants) expect(contractCursor.decode(variant)).toBeUndefined();
  });

  it.each([
    ['bucket 2', raw(['assets', 2, 'BTC', 'bitcoin'])],
    ['bucket as text', raw(['assets', '0', 'BTC', 'bitcoin'])],
    ['symbol null', raw(['assets', 0, null, 'bitcoin'])],
  ])('refuses an asset cursor with %s', (_name, cursor) => {
    expect(assetCursor.decode(cursor)).toBeUndefined();
  });

  it.each([
    ['milliseconds only', raw(['prices', '2026-11-28T09:45:00.123Z', 'coingecko'])],
    ['an offset', raw(['prices', '2026-11-28T09:45:00.000000+01:00', 'coingecko'])],
    ['an impossible day', raw(['prices', '2026-02-30T09:45:00.000000Z', 'coingecko'])],
    ['SQL in the timestamp', raw(['prices', "2026-11-28'; drop table assets; --", 'coingecko'])],
    ['no source', raw(['prices', '2026-11-28T09:45:00.000000Z', ''])],
  ])('refuses a price cursor with %s', (_name, cursor) => {
    expect(priceCursor.decode(cursor)).toBeUndefined();
  });

  it.each([
    [
      'an impossible date',
      raw(['rankings', '2026-02-29', 1, 'coingecko', '3f0c8d52-4f3e-4a8e-9a55-2f1b3c4d5e6f']),
    ],
    [
      'a fractional rank',
      raw(['rankings', '2026-11-28', 1.5, 'coingecko', '3f0c8d52-4f3e-4a8e-9a55-2f1b3c4d5e6f']),
    ],
    [
      'a rank beyond int4',
      raw(['rankings', '2026-11-28', 2 ** 31, 'coingecko', '3f0c8d52-4f3e-4a8e-9a55-2f1b3c4d5e6f']),
    ],
    ['a bad asset id', raw(['rankings', '2026-11-28', 1, 'coingecko', 'bitcoin'])],
  ])('refuses a ranking cursor with %s', (_name, cursor) => {
    expect(rankingCursor.decode(cursor)).toBeUndefined();
  });
});

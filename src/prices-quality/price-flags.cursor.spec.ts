import { describe, expect, it } from 'vitest';
import { encodeCursor } from '../http/keyset-cursor.js';
import { flagCursor, type FlagCursor } from './price-flags.cursor.js';

const POSITION: FlagCursor = {
  timestamp: '2026-11-28T09:45:00.123456Z',
  assetId: '3f0c8d52-4f3e-4a8e-9a55-2f1b3c4d5e6f',
  source: 'coingecko',
  kind: 'spike',
};

describe('flagCursor', () => {
  it('decodes what it encodes', () => {
    expect(flagCursor.decode(flagCursor.encode(POSITION))).toEqual(POSITION);
  });

  it('refuses another list’s cursor, a wrong arity and values it never issues', () => {
    const bad = [
      encodeCursor('prices', [POSITION.timestamp, POSITION.source]),
      encodeCursor('flags', [POSITION.timestamp, POSITION.assetId, POSITION.source]),
      encodeCursor('flags', ['2026-11-28T09:45:00Z', POSITION.assetId, POSITION.source, 'spike']),
      encodeCursor('flags', ['2026-13-28T09:45:00.000000Z', POSITION.assetId, POSITION.source, 'spike']),
      encodeCursor('flags', [POSITION.timestamp, 'bitcoin', POSITION.source, 'spike']),
      encodeCursor('flags', [POSITION.timestamp, POSITION.assetId, '', 'spike']),
      encodeCursor('flags', [POSITION.timestamp, POSITION.assetId, POSITION.source, 'gap']),
      'not a cursor',
      '',
    ];
    for (const cursor of bad) expect(flagCursor.decode(cursor), cursor).toBeUndefined();
  });
});

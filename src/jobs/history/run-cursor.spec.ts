import { describe, expect, it } from 'vitest';
import { encodeCursor } from '../../http/keyset-cursor.js';
import { runCursor } from './run-cursor.js';
import { toMilliseconds } from './run-view.js';

const ID = '0b8f8a3e-2f6c-4a7e-9d55-3f1c2b7a9e10';

describe('run cursor', () => {
  it('round-trips the exact microsecond position', () => {
    const position = { startedAt: '2026-11-28T00:00:00.012345Z', id: ID };
    expect(runCursor.decode(runCursor.encode(position))).toEqual(position);
  });

  it('refuses other lists’ cursors, the old format, impossible times and non-UUID ids', () => {
    const old = Buffer.from(JSON.stringify({ t: '2026-11-28T00:00:00.012Z', i: ID })).toString('base64url');
    for (const cursor of [
      old,
      encodeCursor('assets', ['2026-11-28T00:00:00.012345Z', ID]),
      encodeCursor('runs', ['2026-11-28T00:00:00.012Z', ID]),
      encodeCursor('runs', ['0000-01-01T00:00:00.000000Z', ID]),
      encodeCursor('runs', ['2026-13-01T00:00:00.000000Z', ID]),
      encodeCursor('runs', ['2026-11-28T00:00:00.000000Z', 'x']),
      encodeCursor('runs', ['2026-11-28T00:00:00.000000Z']),
    ]) {
      expect(runCursor.decode(cursor), cursor).toBeUndefined();
    }
  });

  it('shows a start time to the millisecond, truncated as Date#toISOString would', () => {
    expect(toMilliseconds('2026-11-28T00:00:00.012999Z')).toBe(
      new Date('2026-11-28T00:00:00.012999Z').toISOString(),
    );
  });
});

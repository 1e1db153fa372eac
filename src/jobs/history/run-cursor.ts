import { decodeCursor, encodeCursor, isUuid } from '../../http/keyset-cursor.js';

/**
 * `/jobs/runs`, newest first: `(started_at, id)`, unique, the order of the `(started_at, id)` and
 * `(job_key, started_at desc, id desc)` indexes. The time keeps PostgreSQL's microseconds so the position
 * is exact whatever precision a row was written with.
 */
export interface RunCursor {
  startedAt: string;
  id: string;
}

// A four-digit year other than 0000: anything else may be out of PostgreSQL's range.
const MICROSECOND_UTC =
  /^(?!0000)\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{6}Z$/;

export const runCursor = {
  encode: (position: RunCursor): string => encodeCursor('runs', [position.startedAt, position.id]),
  decode(cursor: string): RunCursor | undefined {
    const values = decodeCursor('runs', cursor, 2);
    if (!values) return undefined;
    const [startedAt, id] = values;
    if (typeof startedAt !== 'string' || !MICROSECOND_UTC.test(startedAt) || !isUuid(id)) return undefined;
    if (Number.isNaN(Date.parse(startedAt))) return undefined;
    return { startedAt, id };
  },
};

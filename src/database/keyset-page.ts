import { sql, type RawBuilder } from 'kysely';

/** Rows of one page, and the sort key of its last row when more rows follow (else null). */
export interface Page<T, K> {
  items: T[];
  next: K | null;
}

/** Splits `limit + 1` fetched rows into a page and the key of its last row when more rows follow. */
export function toPage<R, T, K>(
  rows: readonly R[],
  limit: number,
  item: (row: R) => T,
  key: (row: R) => K,
): Page<T, K> {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  const last = kept.at(-1);
  return { items: kept.map(item), next: more && last !== undefined ? key(last) : null };
}

/** The conditions joined by `and`; `true` when there are none. */
export const allOf = (conditions: readonly RawBuilder<unknown>[]): RawBuilder<unknown> =>
  conditions.length === 0 ? sql`true` : sql.join(conditions, sql` and `);

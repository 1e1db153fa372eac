/**
 * Raw queries return PostgreSQL's text for timestamps (MikroORM keeps them as strings to avoid precision
 * loss), e.g. `2026-11-28 09:45:57.123+00`. Turn that (or a Date) into a Date.
 */
export function toDate(value: unknown): Date {
  if (value instanceof Date) return value;
  if (typeof value !== 'string') throw new TypeError(`not a timestamp: ${String(value)}`);
  const iso = value.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00');
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) throw new TypeError(`not a timestamp: ${value}`);
  return date;
}

export function toDateOrNull(value: unknown): Date | null {
  return value === null || value === undefined ? null : toDate(value);
}

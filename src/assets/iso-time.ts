/**
 * Strict ISO 8601 parsing for query parameters. `Date.parse` is too forgiving for an API: it rolls
 * `2026-02-30` over to March 2, reads `2026-11-28T10:00` in the server's local zone, and accepts
 * free-form text like `Nov 28 2026` — each a silently different query. These accept one spelling and
 * real calendar values only, and keep to years PostgreSQL and JavaScript both represent (1–9999).
 */

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?(Z|[+-](\d{2}):(\d{2}))$/i;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function isRealDate(year: number, month: number, day: number): boolean {
  return year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

/** `YYYY-MM-DD` naming a day that exists (`2024-02-29` yes, `2026-02-29` no). */
export function isCalendarDate(value: string): boolean {
  const match = DATE.exec(value);
  return match !== null && isRealDate(Number(match[1]), Number(match[2]), Number(match[3]));
}

/**
 * An instant written as ISO 8601 with an explicit zone (`Z` or `±HH:MM`) — a timestamp without one would
 * mean a different instant on each server — with optional seconds and up to microsecond fractions
 * (PostgreSQL's precision). Returns the instant (to the millisecond) or undefined.
 */
export function parseIsoTimestamp(value: string): Date | undefined {
  const match = TIMESTAMP.exec(value);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second = '0', fraction = '', zone, offsetHours, offsetMinutes] =
    match;
  if (!isRealDate(Number(year), Number(month), Number(day))) return undefined;
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) return undefined;
  if (zone?.toUpperCase() !== 'Z' && (Number(offsetHours) > 14 || Number(offsetMinutes) > 59)) {
    return undefined;
  }
  // Every field is checked above, so the engine's parser only has to do the arithmetic.
  const millis = fraction.padEnd(3, '0').slice(0, 3);
  const normalised = `${year}-${month}-${day}T${hour}:${minute}:${second.padStart(2, '0')}.${millis}${zone === 'z' ? 'Z' : zone}`;
  const instant = new Date(normalised);
  return Number.isNaN(instant.getTime()) ? undefined : instant;
}

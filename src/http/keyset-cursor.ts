/**
 * The one keyset cursor format of the API (run history and the read API alike): base64url of a JSON array
 * `[kind, ...position]`, where the position is the sort key of the last row of the page. The next page
 * starts strictly after it, so pages neither skip nor repeat rows while rows are added or removed
 * elsewhere, and deep pages cost what the first one does (no OFFSET). Decoding checks the kind, the
 * arity and the canonical encoding; each list then checks every value's shape, so a cursor of one list is
 * refused by another and nothing a client invents reaches SQL unchecked.
 */

/** A cursor over this length is not one we issued (they hold one row's sort key). */
export const MAX_CURSOR_LENGTH = 2048;

/** Text values of a position: at most this long, and never NUL (PostgreSQL text cannot hold one). */
const MAX_TEXT = 1000;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type CursorValue = string | number | boolean | null;

export function encodeCursor(kind: string, position: readonly CursorValue[]): string {
  return Buffer.from(JSON.stringify([kind, ...position]), 'utf8').toString('base64url');
}

/** The position of a cursor of `kind`, or undefined when it is not one (wrong kind, length, encoding, JSON). */
export function decodeCursor(kind: string, cursor: string, arity: number): unknown[] | undefined {
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !BASE64URL.test(cursor)) return undefined;
  const bytes = Buffer.from(cursor, 'base64url');
  // Buffer decoding is lenient (it ignores trailing bits); only the canonical spelling is ours.
  if (bytes.toString('base64url') !== cursor) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== arity + 1 || parsed[0] !== kind) return undefined;
  return parsed.slice(1) as unknown[];
}

export const isCursorText = (value: unknown): value is string =>
  typeof value === 'string' && value.length > 0 && value.length <= MAX_TEXT && !value.includes('\u0000');

export const isMaybeEmptyCursorText = (value: unknown): value is string =>
  typeof value === 'string' && value.length <= MAX_TEXT && !value.includes('\u0000');

export const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);

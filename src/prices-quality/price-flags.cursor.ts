import { decodeCursor, encodeCursor, isCursorText, isUuid } from '../http/keyset-cursor.js';
import { parseIsoTimestamp } from '../assets/iso-time.js';
import { PRICE_FLAG_KINDS, type PriceFlagKind } from './price-flag.entity.js';

/**
 * `/prices/flags`, newest first: the whole natural key `(timestamp, asset_id, source, kind)`, so the order is total
 * and a page never skips or repeats one of several flags of one moment. The timestamp keeps PostgreSQL's
 * microseconds: a millisecond Date would round them away.
 */
export interface FlagCursor {
  timestamp: string;
  assetId: string;
  source: string;
  kind: PriceFlagKind;
}

const MICROSECOND_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;
const isKind = (value: unknown): value is PriceFlagKind =>
  typeof value === 'string' && (PRICE_FLAG_KINDS as readonly string[]).includes(value);

export const flagCursor = {
  encode: (position: FlagCursor): string =>
    encodeCursor('flags', [position.timestamp, position.assetId, position.source, position.kind]),
  decode(cursor: string): FlagCursor | undefined {
    const values = decodeCursor('flags', cursor, 4);
    if (!values) return undefined;
    const [timestamp, assetId, source, kind] = values;
    if (typeof timestamp !== 'string' || !MICROSECOND_UTC.test(timestamp) || !parseIsoTimestamp(timestamp)) {
      return undefined;
    }
    if (!isUuid(assetId) || !isCursorText(source) || !isKind(kind)) return undefined;
    return { timestamp, assetId: assetId.toLowerCase(), source, kind };
  },
};

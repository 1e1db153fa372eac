import {
  decodeCursor as decode,
  encodeCursor as encode,
  isCursorText as isText,
  isMaybeEmptyCursorText,
  isUuid,
  MAX_CURSOR_LENGTH,
} from '../http/keyset-cursor.js';
import { isCalendarDate, parseIsoTimestamp } from './iso-time.js';

export { MAX_CURSOR_LENGTH };

/** The read API's cursors, in the API's one keyset cursor format (`http/keyset-cursor.ts`). */

/** `/assets`: `(bucket, symbol, coingecko_id)`; bucket 0 = exact symbol/id match of the search, 1 = other. */
export interface AssetCursor {
  bucket: 0 | 1;
  symbol: string;
  coingeckoId: string;
}

/**
 * `/assets/{id}/prices`, newest first: `(timestamp, source)` — unique per asset (the natural key), and the
 * order of the `(asset_id, timestamp, source)` index read backwards. The timestamp keeps PostgreSQL's
 * microseconds (`2026-11-28T09:45:00.000000Z`): a millisecond Date would round them away and repeat rows.
 */
export interface PriceCursor {
  timestamp: string;
  source: string;
}

/**
 * `/rankings`: the snapshot date (a cursor stays on the snapshot it started on, even when a newer one
 * lands meanwhile) and `(rank, source, asset_id)`, unique within a date.
 */
export interface RankingCursor {
  snapshotDate: string;
  rank: number;
  source: string;
  assetId: string;
}

/** `/contracts?chain=`: the chain (a cursor cannot continue another chain) and the contract address. */
export interface ContractCursor {
  chain: string;
  contractAddress: string;
}

const MICROSECOND_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

export const assetCursor = {
  encode: (position: AssetCursor): string =>
    encode('assets', [position.bucket, position.symbol, position.coingeckoId]),
  decode(cursor: string): AssetCursor | undefined {
    const values = decode('assets', cursor, 3);
    if (!values) return undefined;
    const [bucket, symbol, coingeckoId] = values;
    if ((bucket !== 0 && bucket !== 1) || !isMaybeEmptyCursorText(symbol)) {
      return undefined;
    }
    if (!isText(coingeckoId)) return undefined;
    return { bucket, symbol, coingeckoId };
  },
};

export const priceCursor = {
  encode: (position: PriceCursor): string => encode('prices', [position.timestamp, position.source]),
  decode(cursor: string): PriceCursor | undefined {
    const values = decode('prices', cursor, 2);
    if (!values) return undefined;
    const [timestamp, source] = values;
    if (typeof timestamp !== 'string' || !MICROSECOND_UTC.test(timestamp) || !isText(source)) {
      return undefined;
    }
    if (!parseIsoTimestamp(timestamp)) return undefined;
    return { timestamp, source };
  },
};

export const rankingCursor = {
  encode: (position: RankingCursor): string =>
    encode('rankings', [position.snapshotDate, position.rank, position.source, position.assetId]),
  decode(cursor: string): RankingCursor | undefined {
    const values = decode('rankings', cursor, 4);
    if (!values) return undefined;
    const [snapshotDate, rank, source, assetId] = values;
    if (typeof snapshotDate !== 'string' || !isCalendarDate(snapshotDate)) return undefined;
    // `rank` is an int4 column: anything outside its range is not a rank we returned.
    if (typeof rank !== 'number' || !Number.isInteger(rank) || Math.abs(rank) > 2 ** 31 - 1) return undefined;
    if (!isText(source) || !isUuid(assetId)) return undefined;
    return { snapshotDate, rank, source, assetId };
  },
};

export const contractCursor = {
  encode: (position: ContractCursor): string =>
    encode('contracts', [position.chain, position.contractAddress]),
  decode(cursor: string): ContractCursor | undefined {
    const values = decode('contracts', cursor, 2);
    if (!values) return undefined;
    const [chain, contractAddress] = values;
    if (!isText(chain) || !isText(contractAddress)) return undefined;
    return { chain, contractAddress };
  },
};

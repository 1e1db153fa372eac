import { isCalendarDate, parseIsoTimestamp } from './iso-time.js';

/**
 * Opaque keyset cursors: base64url of a JSON array `[kind, ...position]`, where the position is the sort
 * key of the last row of the page. The next page starts strictly after it, so pages neither skip nor
 * repeat rows while rows are added or removed elsewhere, and deep pages cost what the first one does
 * (no OFFSET). Decoding checks the kind and every value's shape: a cursor of one list is refused by
 * another, and nothing a client invents reaches SQL unchecked.
 */

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

/** A cursor over this length is not one we issued (they hold one row's sort key). */
export const MAX_CURSOR_LENGTH = 2048;

const MAX_TEXT = 1000;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const MICROSECOND_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

function encode(kind: string, position: readonly Json[]): string {
  return Buffer.from(JSON.stringify([kind, ...position]), 'utf8').toString('base64url');
}

/** The position of a cursor of `kind`, or undefined when it is not one (wrong kind, length, encoding, JSON). */
function decode(kind: string, cursor: string, arity: number): unknown[] | undefined {
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

// PostgreSQL text cannot hold NUL: a cursor carrying one was not issued by us.
const isText = (value: unknown): value is string =>
  typeof value === 'string' && value.length > 0 && value.length <= MAX_TEXT && !value.includes('\u0000');

export const assetCursor = {
  encode: (position: AssetCursor): string =>
    encode('assets', [position.bucket, position.symbol, position.coingeckoId]),
  decode(cursor: string): AssetCursor | undefined {
    const values = decode('assets', cursor, 3);
    if (!values) return undefined;
    const [bucket, symbol, coingeckoId] = values;
    if ((bucket !== 0 && bucket !== 1) || typeof symbol !== 'string' || symbol.length > MAX_TEXT) {
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
    if (!isText(source) || typeof assetId !== 'string' || !UUID.test(assetId)) return undefined;
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

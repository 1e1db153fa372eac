import { z } from 'zod';
import { JsonNumber } from '../../coingecko/coingecko.json.js';
import type { CoinPaprikaCoin, CoinPaprikaHistoricalTick, CoinPaprikaTicker } from './coinpaprika.types.js';

/*
 * Schemas for CoinPaprika's answers (NOTES.md; test/fixtures/coinpaprika/), applied to bodies parsed by
 * `parseJsonKeepingNumbers`, so every JSON number arrives as a JsonNumber and amounts keep the text
 * CoinPaprika wrote. Lists are checked item by item (`parseList`): a bad item is dropped and counted.
 * Tolerated: `null` or absent amounts, a ticker without a USD quote (no price), rank 0 (unranked).
 */

const DECIMAL_TEXT = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof JsonNumber) return `the number ${value.text}`;
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? `the text ${JSON.stringify(value.slice(0, 40))}` : `a ${typeof value}`;
}

/** An amount for a `numeric` column: the decimal text as sent, `null` when sent null or left out. */
const decimal = z
  .unknown()
  .optional()
  .transform((value, ctx): string | null => {
    if (value === null || value === undefined) return null;
    if (value instanceof JsonNumber) return value.text;
    if (typeof value === 'string' && DECIMAL_TEXT.test(value)) return value;
    ctx.addIssue({ code: 'custom', message: `expected a number or null, got ${describe(value)}` });
    return z.NEVER;
  });

/** A rank: a whole number ≥ 0 (0 = unranked, as CoinPaprika sends it); absent or null read as 0. */
const rank = z
  .unknown()
  .optional()
  .transform((value, ctx): number => {
    if (value === null || value === undefined) return 0;
    if (value instanceof JsonNumber && Number.isSafeInteger(value.value) && value.value >= 0)
      return value.value;
    ctx.addIssue({ code: 'custom', message: `expected a rank, got ${describe(value)}` });
    return z.NEVER;
  });

const id = z.string().refine((text) => text.trim().length > 0, 'empty id');
const textOrNull = z
  .string()
  .nullish()
  .transform((value) => value ?? null);

const usdQuote = z.object({
  price: decimal,
  volume_24h: decimal,
  market_cap: decimal,
  percent_change_24h: decimal,
});

export const tickerSchema = z
  .object({
    id,
    name: z.string(),
    symbol: z.string(),
    rank,
    last_updated: textOrNull,
    quotes: z.object({ USD: usdQuote.nullish() }).nullish(),
  })
  .transform((raw): CoinPaprikaTicker => {
    const usd = raw.quotes?.USD;
    return {
      id: raw.id,
      name: raw.name,
      symbol: raw.symbol,
      rank: raw.rank,
      priceUsd: usd?.price ?? null,
      volume24hUsd: usd?.volume_24h ?? null,
      marketCapUsd: usd?.market_cap ?? null,
      percentChange24h: usd?.percent_change_24h ?? null,
      lastUpdated: raw.last_updated,
    };
  });

export const coinSchema = z
  .object({
    id,
    name: z.string(),
    symbol: z.string(),
    rank,
    is_new: z.boolean().nullish(),
    is_active: z.boolean().nullish(),
    type: z.string().nullish(),
  })
  .transform((raw): CoinPaprikaCoin => ({
    id: raw.id,
    name: raw.name,
    symbol: raw.symbol,
    rank: raw.rank,
    isNew: raw.is_new ?? false,
    // A coin that does not say is taken as active: the list is of coins CoinPaprika tracks.
    isActive: raw.is_active ?? true,
    type: raw.type ?? 'coin',
  }));

const timestamp = z.string().refine((text) => !Number.isNaN(Date.parse(text)), 'not a date-time');

/** A historical point without a price is no point: dropped and counted. */
export const historicalTickSchema = z
  .object({
    timestamp,
    price: decimal.refine((value) => value !== null, 'no price'),
    volume_24h: decimal,
    market_cap: decimal,
  })
  .transform((raw): CoinPaprikaHistoricalTick => ({
    timestamp: raw.timestamp,
    price: raw.price ?? '',
    volume24h: raw.volume_24h,
    marketCap: raw.market_cap,
  }));

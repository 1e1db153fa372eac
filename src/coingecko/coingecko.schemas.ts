import { z } from 'zod';
import { JsonNumber } from './coingecko.json.js';
import type {
  ChartPoint,
  CoinDetail,
  CoinListItem,
  DetailPlatform,
  GlobalMarket,
  MarketChart,
  MarketCoin,
  ParsedList,
  PingResult,
} from './coingecko.types.js';

/*
 * Schemas for what CoinGecko really sends (see test/fixtures/coingecko/), applied to bodies parsed by
 * `parseJsonKeepingNumbers`, so every JSON number arrives as a JsonNumber. They accept the quirks of
 * real responses — `null` in any numeric field, `market_cap_rank: null`, platforms keyed by `""` with
 * `""` or `null` addresses, ids with spaces, symbols shared by many coins — and reject only what cannot
 * be used. Lists are checked item by item: one bad coin is dropped and counted, not fatal for the page.
 */

/** The grammar of a JSON number, for the rare amount sent as a string. */
const DECIMAL_TEXT = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof JsonNumber) return `the number ${value.text}`;
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the text ${JSON.stringify(value.slice(0, 40))}`;
  return `a ${typeof value}`;
}

/** An amount for a `numeric` column: the decimal text as sent, `null` when sent as null or left out. */
const decimal = z
  .unknown()
  .optional()
  .transform((value, ctx): string | null => {
    if (value === null || value === undefined) return null;
    if (value instanceof JsonNumber) return value.text;
    if (typeof value === 'string' && DECIMAL_TEXT.test(value)) return value;
    ctx.addIssue({ code: 'custom', message: `expected a number or null, got ${describeJson(value)}` });
    return z.NEVER;
  });

/** A whole number (rank, decimals), `null` when sent as null or left out. */
const integerOrNull = z
  .unknown()
  .optional()
  .transform((value, ctx): number | null => {
    if (value === null || value === undefined) return null;
    if (value instanceof JsonNumber && Number.isSafeInteger(value.value)) return value.value;
    ctx.addIssue({ code: 'custom', message: `expected an integer or null, got ${describeJson(value)}` });
    return z.NEVER;
  });

const coinId = z.string().refine((id) => id.trim().length > 0, 'empty id');

const textOrNull = z
  .string()
  .nullish()
  .transform((value) => value ?? null);

/** Platform id (may be `""`) → address (may be `""` or `null`), kept raw. */
const platforms = z.record(z.string(), z.string().nullable());

export const marketCoinSchema = z
  .object({
    id: coinId,
    symbol: z.string(),
    name: z.string(),
    image: textOrNull,
    current_price: decimal,
    market_cap: decimal,
    market_cap_rank: integerOrNull,
    total_volume: decimal,
    price_change_percentage_24h: decimal,
    circulating_supply: decimal,
    total_supply: decimal,
    max_supply: decimal,
    last_updated: textOrNull,
  })
  .transform((coin): MarketCoin => ({
    id: coin.id,
    symbol: coin.symbol,
    name: coin.name,
    image: coin.image,
    currentPrice: coin.current_price,
    marketCap: coin.market_cap,
    marketCapRank: coin.market_cap_rank,
    totalVolume: coin.total_volume,
    priceChangePercentage24h: coin.price_change_percentage_24h,
    circulatingSupply: coin.circulating_supply,
    totalSupply: coin.total_supply,
    maxSupply: coin.max_supply,
    lastUpdated: coin.last_updated,
  }));

export const coinListItemSchema = z
  .object({ id: coinId, symbol: z.string(), name: z.string(), platforms })
  .transform((coin): CoinListItem => coin);

export const pingSchema = z
  .object({ gecko_says: z.string() })
  .transform((body): PingResult => ({ geckoSays: body.gecko_says }));

const currencyAmounts = z.record(z.string(), decimal).optional();

export const globalSchema = z
  .object({
    data: z.object({
      total_market_cap: currencyAmounts,
      total_volume: currencyAmounts,
      market_cap_percentage: currencyAmounts,
      updated_at: integerOrNull,
    }),
  })
  .transform(({ data }): GlobalMarket => {
    const percentages: Record<string, string> = {};
    for (const [symbol, share] of Object.entries(data.market_cap_percentage ?? {})) {
      if (share !== null) percentages[symbol] = share;
    }
    return {
      totalMarketCapUsd: data.total_market_cap?.usd ?? null,
      totalVolumeUsd: data.total_volume?.usd ?? null,
      marketCapPercentage: percentages,
      updatedAt: data.updated_at === null ? null : new Date(data.updated_at * 1000),
    };
  });

const detailPlatformSchema = z
  .object({ decimal_place: integerOrNull, contract_address: textOrNull })
  .transform((entry): DetailPlatform => ({
    decimalPlace: entry.decimal_place,
    contractAddress: entry.contract_address ?? '',
  }));

/** `/coins/{id}`: a broken `detail_platforms` entry is dropped (and counted), the coin is kept. */
export const coinDetailSchema = z
  .object({
    id: coinId,
    symbol: z.string(),
    name: z.string(),
    asset_platform_id: textOrNull,
    platforms: platforms.nullish(),
    detail_platforms: z.record(z.string(), z.unknown()).nullish(),
  })
  .transform((coin): { detail: CoinDetail; skipped: number } => {
    const detailPlatforms: Record<string, DetailPlatform> = {};
    let skipped = 0;
    for (const [platform, entry] of Object.entries(coin.detail_platforms ?? {})) {
      const parsed = detailPlatformSchema.safeParse(entry);
      if (parsed.success) detailPlatforms[platform] = parsed.data;
      else skipped++;
    }
    return {
      detail: {
        id: coin.id,
        symbol: coin.symbol,
        name: coin.name,
        assetPlatformId: coin.asset_platform_id,
        platforms: coin.platforms ?? {},
        detailPlatforms,
      },
      skipped,
    };
  });

/** `[unix_ms, amount]`: the time as a number (CoinGecko sends whole milliseconds), the amount as text. */
const chartPoint = z.unknown().transform((raw, ctx): ChartPoint => {
  const at = Array.isArray(raw) && raw[0] instanceof JsonNumber ? raw[0].value : Number.NaN;
  if (!Array.isArray(raw) || raw.length < 2 || !Number.isFinite(at)) {
    ctx.addIssue({ code: 'custom', message: `expected [unix_ms, amount], got ${describeJson(raw)}` });
    return z.NEVER;
  }
  const value = decimal.safeParse(raw[1]);
  if (!value.success) {
    ctx.addIssue({ code: 'custom', message: value.error.issues[0]?.message ?? 'invalid amount' });
    return z.NEVER;
  }
  return { at: Math.round(at), value: value.data };
});

const chartSeries = z.array(z.unknown());

/**
 * `/coins/{id}/market_chart/range`: `prices` must be a list (the rest may be missing, e.g. for a coin
 * without market data); a malformed point is dropped and counted, the others are kept.
 */
export const marketChartSchema = z
  .object({ prices: chartSeries, market_caps: chartSeries.nullish(), total_volumes: chartSeries.nullish() })
  .transform((body): { chart: MarketChart; skipped: number } => {
    let skipped = 0;
    const points = (series: unknown[] | null | undefined): ChartPoint[] => {
      const kept: ChartPoint[] = [];
      for (const raw of series ?? []) {
        const parsed = chartPoint.safeParse(raw);
        if (parsed.success) kept.push(parsed.data);
        else skipped++;
      }
      return kept;
    };
    const chart = {
      prices: points(body.prices),
      marketCaps: points(body.market_caps),
      totalVolumes: points(body.total_volumes),
    };
    return { chart, skipped };
  });

/** The body as a whole cannot be used (not a list, missing fields): a clear error, never retried. */
export class ResponseShapeError extends Error {
  override readonly name = 'ResponseShapeError';
}

/** One dropped item, for the log: where it was, its id when it had one, and what was wrong. */
export interface ItemProblem {
  index: number;
  id?: string;
  problem: string;
}

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  const path = issue.path.map(String).join('.');
  return path ? `${path}: ${issue.message}` : issue.message;
}

const MAX_PROBLEMS_KEPT = 5;

/** Parses a JSON array item by item; throws ResponseShapeError when `body` is not an array at all. */
export function parseList<T>(
  body: unknown,
  item: z.ZodType<T>,
  what: string,
): ParsedList<T> & { problems: ItemProblem[] } {
  if (!Array.isArray(body))
    throw new ResponseShapeError(`expected an array of ${what}, got ${describeJson(body)}`);
  const items: T[] = [];
  const problems: ItemProblem[] = [];
  let skipped = 0;
  body.forEach((raw: unknown, index) => {
    const parsed = item.safeParse(raw);
    if (parsed.success) {
      items.push(parsed.data);
      return;
    }
    skipped++;
    if (problems.length < MAX_PROBLEMS_KEPT) {
      const id = typeof raw === 'object' && raw !== null && 'id' in raw ? raw.id : undefined;
      problems.push({
        index,
        ...(typeof id === 'string' ? { id } : {}),
        problem: firstIssue(parsed.error),
      });
    }
  });
  return { items, skipped, problems };
}

/** Parses a single JSON object; throws ResponseShapeError saying what was wrong. */
export function parseObject<T>(body: unknown, schema: z.ZodType<T>, what: string): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ResponseShapeError(`expected ${what}, got ${describeJson(body)}`);
  }
  throw new ResponseShapeError(`${what} is not usable (${firstIssue(parsed.error)})`);
}

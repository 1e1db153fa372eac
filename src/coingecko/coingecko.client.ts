/**
 * CoinGeckoClient — the only code in the service that talks to CoinGecko.
 *
 * Import `CoinGeckoModule` and inject `CoinGeckoClient`. Every method takes `{ signal }` (the job's
 * AbortSignal): when it fires, the wait for the rate limiter, the wait between retries and the request in
 * flight stop at once and the call rejects with `signal.reason`.
 *
 *   ping(opts?)                          → { geckoSays }
 *   marketsTop(limit, opts?)             → { items: MarketCoin[], skipped }
 *       /coins/markets?vs_currency=usd&order=market_cap_desc, pages of 250 (per_page = limit when
 *       limit < 250), one page in flight at a time, exactly ceil(limit / 250) requests (fewer when the
 *       list ends). Coins that move between pages while paging show up twice: the first occurrence wins,
 *       so the result holds at most `limit` unique coins (a coin that moved up past a page already
 *       fetched is missed; the next run sees it).
 *   marketsByIds(ids, opts?)             → { items: MarketCoin[], skipped, missing: string[] }
 *       /coins/markets?ids=a,b,c in batches of at most 250 ids (no spaces after commas: CoinGecko drops
 *       " id"), one batch in flight at a time; duplicate and empty ids are ignored; `missing` lists the
 *       requested ids CoinGecko did not return.
 *   coinsListWithPlatforms(opts?)        → { items: CoinListItem[], skipped }   one /coins/list call
 *   global(opts?)                        → GlobalMarket { totalMarketCapUsd, totalVolumeUsd, marketCapPercentage, updatedAt }
 *   coin(id, opts?)                      → CoinDetail { id, symbol, name, assetPlatformId, platforms, detailPlatforms }
 *       /coins/{id} with localization, tickers, market, community and developer data turned off.
 *   marketChartRange(id, {from, to}, opts?) → MarketChart { prices, marketCaps, totalVolumes }
 *       /coins/{id}/market_chart/range?vs_currency=usd&from=&to= (unix seconds, from floored, to rounded
 *       up); CoinGecko picks the granularity (5-minutely for one day ending now, hourly up to 90 days).
 *   stats()                              → per-endpoint { requests, rateLimited, retries, failures, bytes, skippedItems }
 *
 * `onProgress(done, total)` in the options of marketsTop and marketsByIds reports after each page/batch.
 * Amounts are decimal strings exactly as CoinGecko wrote them (`"1.2e-9"`, `"9.9585e-08"`, `"1e+30"`),
 * `null` when CoinGecko sent null; PostgreSQL `numeric` accepts them as they are. Malformed items are
 * dropped and counted in `skipped` (and logged), never fatal for the whole response.
 *
 * Failures throw `CoinGeckoError` (`endpoint`, `path`, `status?`, `errorCode?`, `kind`, `attempts`,
 * `retryable = false`, `upstream = true`) with a message an operator can act on, e.g.
 * `CoinGecko rate limit (429) on /coins/markets after 5 attempts; …`. Transient failures (429, 5xx,
 * timeouts, connection errors, Cloudflare pages, truncated JSON) were already retried here; key and plan
 * errors (error codes 10002, 10005, 10010, 10011) and other 4xx fail at once. A 404 on `coin(id)` has
 * `status === 404` (unknown id) for callers that want to skip one coin.
 *
 * How requests are made (rate limiter, retries, timeouts, keys): see coingecko.transport.ts.
 */
import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { z } from 'zod';
import type { AppConfig } from '../config/app-config.js';
import {
  coinDetailSchema,
  coinListItemSchema,
  globalSchema,
  marketChartSchema,
  marketCoinSchema,
  parseList,
  parseObject,
  pingSchema,
  ResponseShapeError,
} from './coingecko.schemas.js';
import { CoinGeckoStats } from './coingecko.stats.js';
import { CoinGeckoTransport, type TransportResult } from './coingecko.transport.js';
import type {
  CallOptions,
  CoinDetail,
  CoinGeckoEndpoint,
  CoinListItem,
  EndpointStats,
  GlobalMarket,
  MarketChart,
  MarketCoin,
  MarketsByIdsResult,
  PagedCallOptions,
  ParsedList,
  PingResult,
} from './coingecko.types.js';

/** CoinGecko's largest `per_page` for /coins/markets, and the most ids one call can price. */
export const MARKETS_PAGE_SIZE = 250;

type Params = Record<string, string | number | boolean>;

@Injectable()
export class CoinGeckoClient implements OnModuleInit {
  private readonly logger = new Logger(CoinGeckoClient.name);
  private readonly settings: AppConfig['coingecko'];

  constructor(
    private readonly transport: CoinGeckoTransport,
    private readonly counters: CoinGeckoStats,
    config: ConfigService<AppConfig, true>,
  ) {
    this.settings = config.get('coingecko', { infer: true });
  }

  onModuleInit(): void {
    const { plan, baseUrl, rateLimitPerMinute, apiKey } = this.settings;
    this.logger.log(
      { plan, baseUrl, rateLimitPerMinute, apiKey: apiKey ? 'set' : 'unset' },
      `CoinGecko ${plan} plan at ${baseUrl}, at most ${rateLimitPerMinute} requests/min`,
    );
    if (plan === 'public' && apiKey) {
      this.logger.warn(
        { plan },
        'COINGECKO_API_KEY is set but COINGECKO_API_PLAN=public: the key is not sent (use demo or pro to send it)',
      );
    }
  }

  async ping(opts: CallOptions = {}): Promise<PingResult> {
    return this.getObject('/ping', '/ping', {}, pingSchema, 'a ping answer', opts);
  }

  async marketsTop(limit: number, opts: PagedCallOptions = {}): Promise<ParsedList<MarketCoin>> {
    if (!Number.isSafeInteger(limit) || limit < 1)
      throw new RangeError(`limit must be a positive integer, got ${limit}`);
    const perPage = Math.min(MARKETS_PAGE_SIZE, limit);
    const pages = Math.ceil(limit / perPage);
    const items: MarketCoin[] = [];
    const seen = new Set<string>();
    let skipped = 0;
    let duplicates = 0;
    for (let page = 1; page <= pages; page++) {
      const result = await this.getList(
        '/coins/markets',
        '/coins/markets',
        { vs_currency: 'usd', order: 'market_cap_desc', per_page: perPage, page, sparkline: false },
        marketCoinSchema,
        'coins',
        opts,
      );
      skipped += result.skipped;
      for (const coin of result.items) {
        if (seen.has(coin.id)) {
          duplicates++;
          continue;
        }
        seen.add(coin.id);
        if (items.length < limit) items.push(coin);
      }
      opts.onProgress?.(items.length, limit);
      // A short page is the end of CoinGecko's list: there is nothing on the next one.
      if (result.items.length + result.skipped < perPage) break;
    }
    if (duplicates > 0) {
      this.logger.log(
        { endpoint: '/coins/markets', duplicates, limit },
        `${duplicates} coin(s) moved between /coins/markets pages while paging; kept their first occurrence`,
      );
    }
    return { items, skipped };
  }

  async marketsByIds(ids: readonly string[], opts: PagedCallOptions = {}): Promise<MarketsByIdsResult> {
    // A comma inside an id would split it in the `ids` parameter; no CoinGecko id has one.
    const wanted = [...new Set(ids)].filter((id) => id.trim() !== '' && !id.includes(','));
    const unusable = [...new Set(ids)].filter((id) => id.trim() !== '' && id.includes(','));
    const found = new Map<string, MarketCoin>();
    let skipped = 0;
    for (let start = 0; start < wanted.length; start += MARKETS_PAGE_SIZE) {
      const batch = wanted.slice(start, start + MARKETS_PAGE_SIZE);
      const result = await this.getList(
        '/coins/markets',
        '/coins/markets',
        {
          vs_currency: 'usd',
          ids: batch.join(','),
          order: 'market_cap_desc',
          per_page: MARKETS_PAGE_SIZE,
          page: 1,
          sparkline: false,
        },
        marketCoinSchema,
        'coins',
        opts,
      );
      skipped += result.skipped;
      for (const coin of result.items) if (!found.has(coin.id)) found.set(coin.id, coin);
      opts.onProgress?.(Math.min(start + batch.length, wanted.length), wanted.length);
    }
    const missing = [...wanted.filter((id) => !found.has(id)), ...unusable];
    return { items: [...found.values()], skipped, missing };
  }

  async coinsListWithPlatforms(opts: CallOptions = {}): Promise<ParsedList<CoinListItem>> {
    const { items, skipped } = await this.getList(
      '/coins/list',
      '/coins/list',
      { include_platform: true },
      coinListItemSchema,
      'coins',
      opts,
    );
    return { items, skipped };
  }

  async global(opts: CallOptions = {}): Promise<GlobalMarket> {
    return this.getObject('/global', '/global', {}, globalSchema, 'global market data', opts);
  }

  async coin(id: string, opts: CallOptions = {}): Promise<CoinDetail> {
    if (id.trim() === '') throw new RangeError('coin id must not be empty');
    const path = `/coins/${encodeURIComponent(id)}`;
    const { detail, skipped } = await this.getObject(
      '/coins/{id}',
      path,
      {
        localization: false,
        tickers: false,
        market_data: false,
        community_data: false,
        developer_data: false,
        sparkline: false,
      },
      coinDetailSchema,
      'a coin',
      opts,
    );
    if (skipped > 0) this.noteSkipped('/coins/{id}', path, skipped, []);
    return detail;
  }

  async marketChartRange(
    id: string,
    range: { from: Date; to: Date },
    opts: CallOptions = {},
  ): Promise<MarketChart> {
    const from = Math.floor(range.from.getTime() / 1000);
    const to = Math.ceil(range.to.getTime() / 1000);
    if (id.trim() === '' || !(from <= to))
      throw new RangeError(`no market chart range "${id}" ${from}..${to}`);
    const endpoint = '/coins/{id}/market_chart/range';
    const path = `/coins/${encodeURIComponent(id)}/market_chart/range`;
    const params = { vs_currency: 'usd', from, to };
    const parsed = await this.getObject(endpoint, path, params, marketChartSchema, 'a market chart', opts);
    if (parsed.skipped > 0) this.noteSkipped(endpoint, path, parsed.skipped, []);
    return parsed.chart;
  }

  /** Per-endpoint counters since start-up (a copy). */
  stats(): Record<CoinGeckoEndpoint, EndpointStats> {
    return this.counters.snapshot();
  }

  private async getList<T>(
    endpoint: CoinGeckoEndpoint,
    path: string,
    params: Params,
    schema: z.ZodType<T>,
    what: string,
    opts: CallOptions,
  ): Promise<ParsedList<T>> {
    const result = await this.transport.get(endpoint, path, params, opts.signal);
    const parsed = this.shaped(endpoint, path, result, () => parseList(result.body, schema, what));
    if (parsed.skipped > 0) this.noteSkipped(endpoint, path, parsed.skipped, parsed.problems);
    return { items: parsed.items, skipped: parsed.skipped };
  }

  private async getObject<T>(
    endpoint: CoinGeckoEndpoint,
    path: string,
    params: Params,
    schema: z.ZodType<T>,
    what: string,
    opts: CallOptions,
  ): Promise<T> {
    const result = await this.transport.get(endpoint, path, params, opts.signal);
    return this.shaped(endpoint, path, result, () => parseObject(result.body, schema, what));
  }

  /** Runs a parse; a body of the wrong shape becomes a CoinGeckoError (not retried: it would not change). */
  private shaped<R>(endpoint: CoinGeckoEndpoint, path: string, result: TransportResult, parse: () => R): R {
    try {
      return parse();
    } catch (error) {
      if (!(error instanceof ResponseShapeError)) throw error;
      this.counters.add(endpoint, 'failures');
      throw this.transport.error(
        { kind: 'invalid_response', status: 200, detail: error.message },
        { endpoint, path, attempts: result.attempts },
      );
    }
  }

  private noteSkipped(endpoint: CoinGeckoEndpoint, path: string, skipped: number, examples: unknown[]): void {
    this.counters.add(endpoint, 'skippedItems', skipped);
    this.logger.warn(
      { endpoint, path, skipped, examples },
      `CoinGecko ${path}: skipped ${skipped} malformed item(s)`,
    );
  }
}

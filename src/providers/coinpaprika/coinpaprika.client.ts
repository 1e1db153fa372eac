/**
 * CoinPaprikaClient — the only code in the service that talks to CoinPaprika (NOTES.md, docs/providers.md).
 * One of the MarketDataProvider implementations; ProvidersModule builds it.
 *
 *   tickers(opts?)               → CoinPaprikaTicker[]   ONE `GET /tickers?quotes=USD` (every active coin)
 *   coins(opts?)                 → CoinPaprikaCoin[]     ONE `GET /coins` (the mapping job's list)
 *   marketsTop(limit, opts?)     → the first `limit` ranked tickers of one /tickers call
 *   prices(ids, opts?)           → one /tickers call filtered to `ids`; `missing` = ids not in it or without a price
 *   historyRange(id, range, opts?) → one `/tickers/{id}/historical` at the finest interval the plan serves for
 *                                  the range (COINPAPRIKA_API_PLAN, coinpaprika.capabilities.ts); a range it
 *                                  cannot serve throws HistoryRangeUnavailableError before any call
 *   capabilities()               → the plan's history reach
 *
 * Amounts are decimal text as CoinPaprika wrote its JSON numbers. Malformed items are dropped, counted
 * (`cpb_provider_skipped_items_total`) and logged, never fatal. Failures are CoinPaprikaError or
 * CoinPaprikaBudgetError (coinpaprika.errors.ts): upstream, not retried by the runner, named, key-free.
 */
import { Logger } from '@nestjs/common';
import type { z } from 'zod';
import { parseList, ResponseShapeError } from '../../coingecko/coingecko.schemas.js';
import type { CallOptions, PagedCallOptions } from '../../coingecko/coingecko.types.js';
import type { AppConfig } from '../../config/app-config.js';
import type { Clock } from '../../jobs/clock.js';
import type {
  HistoryRange,
  MarketDataProvider,
  ProviderCapabilities,
  ProviderHistoryPoint,
  ProviderPrices,
  ProviderQuote,
} from '../market-data-provider.js';
import { HistoryRangeUnavailableError } from '../provider-errors.js';
import {
  COINPAPRIKA_CAPABILITIES,
  granularityFor,
  HISTORICAL_MAX_POINTS,
  INTERVALS,
} from './coinpaprika.capabilities.js';
import { coinSchema, historicalTickSchema, tickerSchema } from './coinpaprika.schemas.js';
import type { CoinPaprikaStats, ProviderEndpointStats } from './coinpaprika.stats.js';
import type { CoinPaprikaTransport } from './coinpaprika.transport.js';
import type { CoinPaprikaCoin, CoinPaprikaEndpoint, CoinPaprikaTicker } from './coinpaprika.types.js';

export interface CoinPaprikaClientOptions {
  transport: CoinPaprikaTransport;
  stats: CoinPaprikaStats;
  settings: AppConfig['coinpaprika'];
  /** The plan's history reach is measured back from this clock's now. */
  clock: Clock;
}

export class CoinPaprikaClient implements MarketDataProvider {
  readonly name = 'coinpaprika' as const;
  private readonly logger = new Logger(CoinPaprikaClient.name);
  private readonly transport: CoinPaprikaTransport;
  private readonly counters: CoinPaprikaStats;
  private readonly settings: AppConfig['coinpaprika'];
  private readonly clock: Clock;

  constructor(options: CoinPaprikaClientOptions) {
    this.transport = options.transport;
    this.counters = options.stats;
    this.settings = options.settings;
    this.clock = options.clock;
  }

  async tickers(opts: CallOptions = {}): Promise<CoinPaprikaTicker[]> {
    return this.getList('/tickers', '/tickers', { quotes: 'USD' }, tickerSchema, 'tickers', opts);
  }

  async coins(opts: CallOptions = {}): Promise<CoinPaprikaCoin[]> {
    return this.getList('/coins', '/coins', {}, coinSchema, 'coins', opts);
  }

  async marketsTop(limit: number, opts: PagedCallOptions = {}): Promise<ProviderQuote[]> {
    if (!Number.isSafeInteger(limit) || limit < 1)
      throw new RangeError(`limit must be a positive integer, got ${limit}`);
    // Unranked coins (rank 0) come last; CoinPaprika's order is by rank, but the answer is not trusted for it.
    const ranked = (await this.tickers(opts))
      .filter((ticker) => ticker.rank > 0)
      .sort((a, b) => a.rank - b.rank)
      .slice(0, limit);
    opts.onProgress?.(ranked.length, limit);
    return ranked.map(quoteOf);
  }

  async prices(providerIds: readonly string[], opts: PagedCallOptions = {}): Promise<ProviderPrices> {
    const wanted = [...new Set(providerIds)].filter((id) => id.trim() !== '');
    if (wanted.length === 0) return { items: [], missing: [] };
    const byId = new Map<string, CoinPaprikaTicker>();
    for (const ticker of await this.tickers(opts)) if (!byId.has(ticker.id)) byId.set(ticker.id, ticker);
    const items: ProviderQuote[] = [];
    const missing: string[] = [];
    for (const id of wanted) {
      const ticker = byId.get(id);
      if (ticker && ticker.priceUsd !== null) items.push(quoteOf(ticker));
      else missing.push(id);
    }
    opts.onProgress?.(wanted.length, wanted.length);
    return { items, missing };
  }

  async historyRange(
    providerId: string,
    range: HistoryRange,
    opts: CallOptions = {},
  ): Promise<ProviderHistoryPoint[]> {
    if (providerId.trim() === '' || !(range.from.getTime() <= range.to.getTime())) {
      throw new RangeError(
        `no history range "${providerId}" ${range.from.toISOString()}..${range.to.toISOString()}`,
      );
    }
    const granularity = granularityFor(this.capabilities(), range, this.clock.now());
    if (granularity === undefined) {
      throw new HistoryRangeUnavailableError(
        'coinpaprika',
        this.settings.plan,
        `history from ${range.from.toISOString()} (to ${range.to.toISOString()}) of ${providerId}`,
      );
    }
    const path = `/tickers/${encodeURIComponent(providerId)}/historical`;
    const ticks = await this.getList(
      '/tickers/{id}/historical',
      path,
      {
        start: Math.floor(range.from.getTime() / 1000),
        end: Math.ceil(range.to.getTime() / 1000),
        interval: INTERVALS[granularity].interval,
        limit: HISTORICAL_MAX_POINTS,
        quote: 'usd',
      },
      historicalTickSchema,
      'historical ticks',
      opts,
    );
    return ticks.map((tick) => ({
      at: new Date(tick.timestamp),
      priceUsd: tick.price,
      marketCapUsd: tick.marketCap,
      volume24hUsd: tick.volume24h,
    }));
  }

  capabilities(): ProviderCapabilities {
    return COINPAPRIKA_CAPABILITIES[this.settings.plan];
  }

  /** Per-endpoint counters since start-up (a copy), for the metrics. */
  stats(): Record<CoinPaprikaEndpoint, ProviderEndpointStats> {
    return this.counters.snapshot();
  }

  private async getList<T>(
    endpoint: CoinPaprikaEndpoint,
    path: string,
    params: Record<string, string | number>,
    schema: z.ZodType<T>,
    what: string,
    opts: CallOptions,
  ): Promise<T[]> {
    const result = await this.transport.get(endpoint, path, params, opts.signal);
    let parsed: ReturnType<typeof parseList<T>>;
    try {
      parsed = parseList(result.body, schema, what);
    } catch (error) {
      if (!(error instanceof ResponseShapeError)) throw error;
      this.counters.add(endpoint, 'failures');
      // The wrong shape would not change on a retry.
      throw this.transport.error(
        { kind: 'invalid_response', status: 200, detail: error.message },
        { endpoint, path, attempts: result.attempts },
      );
    }
    if (parsed.skipped > 0) {
      this.counters.add(endpoint, 'skippedItems', parsed.skipped);
      this.logger.warn(
        { provider: 'coinpaprika', endpoint, path, skipped: parsed.skipped, examples: parsed.problems },
        `CoinPaprika ${path}: skipped ${parsed.skipped} malformed item(s)`,
      );
    }
    return parsed.items;
  }
}

function quoteOf(ticker: CoinPaprikaTicker): ProviderQuote {
  return {
    providerId: ticker.id,
    symbol: ticker.symbol,
    name: ticker.name,
    rank: ticker.rank > 0 ? ticker.rank : null,
    priceUsd: ticker.priceUsd,
    marketCapUsd: ticker.marketCapUsd,
    volume24hUsd: ticker.volume24hUsd,
    changePercent24h: ticker.percentChange24h,
  };
}

/**
 * What the fake CoinPaprika answers, apart from faults and auth: its coins (from the CoinGecko market
 * coins, coinpaprika-fake.data.ts), the price knobs tests set, and the body of each endpoint.
 */
import { rawNumber, type FakeMarketCoin } from './coingecko-fake.js';
import {
  byRank,
  paprikaEntries,
  scaled,
  tickerOf,
  type PaprikaCoin,
  type PaprikaEntry,
} from './coinpaprika-fake.data.js';
import { historicalAnswer, historicalValuesAt, type PaprikaPlan } from './coinpaprika-fake.history.js';
import type { ChartValues } from './market-chart.js';

export type PaprikaEndpoint = '/tickers' | '/tickers/{id}' | '/tickers/{id}/historical' | '/coins';

export function endpointOf(path: string): PaprikaEndpoint | 'unknown' {
  if (path === '/tickers' || path === '/coins') return path;
  if (/^\/tickers\/[^/]+$/.test(path)) return '/tickers/{id}';
  if (/^\/tickers\/[^/]+\/historical$/.test(path)) return '/tickers/{id}/historical';
  return 'unknown';
}

export interface Answer {
  status: number;
  body: unknown;
}

const NOT_FOUND: Answer = { status: 404, body: { error: 'id not found' } };

export class PaprikaBook {
  /** Prices set by a test (decimal text), by CoinPaprika id. */
  readonly prices = new Map<string, string>();
  /** Price multipliers set by a test, by CoinPaprika id. */
  readonly multipliers = new Map<string, number>();
  /** CoinPaprika ids left out of `/tickers`. */
  readonly dropped = new Set<string>();
  private cache: { markets: FakeMarketCoin[]; entries: PaprikaEntry[] } | undefined;

  constructor(
    private readonly markets: () => FakeMarketCoin[],
    private readonly collisions: boolean,
    public plan: PaprikaPlan,
    public now: () => Date,
  ) {}

  /** The coins, rebuilt only when the market coins changed (a coin object replaced, added or removed). */
  entries(): PaprikaEntry[] {
    const markets = this.markets();
    const cached = this.cache;
    if (cached?.markets.length === markets.length && markets.every((coin, i) => coin === cached.markets[i])) {
      return cached.entries;
    }
    this.cache = { markets, entries: paprikaEntries(markets, this.collisions) };
    return this.cache.entries;
  }

  coinsList(): PaprikaCoin[] {
    return this.entries().map((entry) => ({ ...entry.coin }));
  }

  idOf(coingeckoId: string): string {
    const entry = this.entries().find((candidate) => !candidate.extra && candidate.market.id === coingeckoId);
    if (!entry) throw new Error(`fake CoinPaprika has no coin for CoinGecko id ${coingeckoId}`);
    return entry.coin.id;
  }

  /** A CoinPaprika id as it is, a CoinGecko id as its CoinPaprika id. */
  resolve(id: string): string {
    return this.entries().some((entry) => entry.coin.id === id) ? id : this.idOf(id);
  }

  historicalValues(id: string, atMs: number): ChartValues | null {
    const paprikaId = this.resolve(id);
    const entry = this.entries().find((candidate) => candidate.coin.id === paprikaId);
    if (!entry) throw new Error(`fake CoinPaprika has no coin ${paprikaId}`);
    return historicalValuesAt(entry, this.multipliers.get(paprikaId) ?? 1, atMs);
  }

  resetPrices(): void {
    this.prices.clear();
    this.multipliers.clear();
  }

  answer(endpoint: PaprikaEndpoint, path: string, query: Record<string, string>): Answer {
    switch (endpoint) {
      case '/coins':
        return { status: 200, body: this.entries().map((entry) => entry.coin) };
      case '/tickers':
        return this.tickers(query);
      case '/tickers/{id}': {
        const entry = this.active(path.slice('/tickers/'.length));
        return entry ? { status: 200, body: this.ticker(entry) } : NOT_FOUND;
      }
      case '/tickers/{id}/historical': {
        const entry = this.active(path.slice('/tickers/'.length, -'/historical'.length));
        if (!entry) return NOT_FOUND;
        return historicalAnswer({
          entry,
          factor: this.multipliers.get(entry.coin.id) ?? 1,
          query,
          plan: this.plan,
          nowMs: this.now().getTime(),
        });
      }
    }
  }

  private tickers(query: Record<string, string>): Answer {
    const quotes = (query.quotes ?? 'USD').split(',').map((quote) => quote.trim().toUpperCase());
    if (quotes.some((quote) => quote !== 'USD')) return { status: 400, body: { error: 'invalid quotes' } };
    const limit = query.limit === undefined ? Infinity : Number(query.limit);
    if (!(limit >= 1)) return { status: 400, body: { error: 'invalid limit' } };
    const active = this.entries()
      .filter((entry) => entry.coin.is_active && !this.dropped.has(entry.coin.id))
      .sort(byRank)
      .slice(0, limit);
    return { status: 200, body: active.map((entry) => this.ticker(entry)) };
  }

  private active(id: string): PaprikaEntry | undefined {
    return this.entries().find((candidate) => candidate.coin.id === id && candidate.coin.is_active);
  }

  private ticker(entry: PaprikaEntry): Record<string, unknown> {
    const factor = entry.factor * (this.multipliers.get(entry.coin.id) ?? 1);
    const set = this.prices.get(entry.coin.id);
    const price = set !== undefined ? rawNumber(set) : (scaled(entry.market.current_price, factor) ?? 0);
    return tickerOf({ entry, price, factor, nowMs: this.now().getTime() });
  }
}

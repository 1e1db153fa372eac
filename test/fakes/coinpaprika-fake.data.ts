/**
 * The fake CoinPaprika's data, derived from the fake CoinGecko's market coins so both fakes describe the
 * same coins (coinpaprika-fake.ts states the assumptions). A coin's CoinPaprika id is
 * `<symbol>-<name slug>` (NOTES.md); `/coins` adds coins CoinGecko's list does not have: symbol
 * collisions with the top coins, inactive coins and unranked (rank 0) ones, as CoinPaprika's list has.
 */
import { rawNumber, type FakeMarketCoin } from './coingecko-fake.js';
import { numberOf } from './market-chart.js';

/** One `GET /coins` entry, exactly the fields CoinPaprika documents. */
export interface PaprikaCoin {
  id: string;
  name: string;
  symbol: string;
  rank: number;
  is_new: boolean;
  is_active: boolean;
  type: 'coin' | 'token';
}

/** A CoinPaprika coin and where its figures come from. */
export interface PaprikaEntry {
  coin: PaprikaCoin;
  /** The CoinGecko market coin this one is (its id seeds the history), or the top coin a collision copies. */
  market: FakeMarketCoin;
  /** True for a coin CoinGecko does not have (a collision, an inactive or unranked coin). */
  extra: boolean;
  /** An extra coin's price relative to the coin it collides with. */
  factor: number;
}

/** Symbols of the recorded top 100 that are native coins of their own chain (the rest are tokens). */
const NATIVE_SYMBOLS = new Set(
  'btc eth xrp bnb sol doge trx ada avax sui xlm hbar ton bch ltc dot xmr apt near icp cro etc kas atom fil algo tia vet eos sei stx inj ftn flr kcs tao'.split(
    ' ',
  ),
);

/** How a name becomes the second half of a CoinPaprika id: lower case, runs of other characters as `-`. */
export function slugOf(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** `btc-bitcoin` for `{symbol: 'btc', name: 'Bitcoin'}`. */
export function coinPaprikaIdOf(coin: { symbol: string; name: string }): string {
  return `${slugOf(coin.symbol)}-${slugOf(coin.name)}`;
}

/** Extra coins collide with this many of the top coins (fewer when there are fewer coins). */
const COLLIDING_TOP = 30;
const IMPOSTOR_WORDS = ['Token', 'Classic', 'Inu', 'AI', 'Cash', 'Gold'];

/**
 * The CoinPaprika coins for these CoinGecko market coins (rank order), then the extra coins:
 * - for every 2nd of the top 30, an active impostor: the same symbol, another name (`Bitcoin Token`),
 *   ranked after every real coin;
 * - for every 3rd, an inactive old version: the same symbol and name, rank 0, id `<id>-old`;
 * - for every 5th, an unranked twin: the same symbol and name, active, rank 0, `is_new`, id `<id>-bsc`;
 * - three inactive coins nothing else knows.
 */
export function paprikaEntries(markets: FakeMarketCoin[], collisions: boolean): PaprikaEntry[] {
  const used = new Set<string>();
  const unique = (id: string): string => {
    let candidate = id;
    for (let n = 2; used.has(candidate); n++) candidate = `${id}-${n}`;
    used.add(candidate);
    return candidate;
  };
  const real = markets.map((market, index): PaprikaEntry => {
    const symbol = market.symbol.toUpperCase();
    const native = NATIVE_SYMBOLS.has(market.symbol) || (index >= 100 && index % 5 === 0);
    return {
      coin: {
        id: unique(coinPaprikaIdOf(market)),
        name: market.name,
        symbol,
        rank: index + 1,
        is_new: false,
        is_active: true,
        type: native ? 'coin' : 'token',
      },
      market,
      extra: false,
      factor: 1,
    };
  });
  if (!collisions) return real;
  const extras: PaprikaEntry[] = [];
  let nextRank = real.length + 1;
  real.slice(0, COLLIDING_TOP).forEach((entry, index) => {
    const { coin, market } = entry;
    if (index % 2 === 0) {
      const name = `${coin.name} ${IMPOSTOR_WORDS[(index / 2) % IMPOSTOR_WORDS.length]}`;
      extras.push({
        coin: {
          ...coin,
          id: unique(coinPaprikaIdOf({ symbol: coin.symbol, name })),
          name,
          rank: nextRank++,
          type: 'token',
        },
        market,
        extra: true,
        factor: 0.0001,
      });
    }
    if (index % 3 === 0) {
      extras.push({
        coin: { ...coin, id: unique(`${coin.id}-old`), rank: 0, is_active: false },
        market,
        extra: true,
        factor: 0.01,
      });
    }
    if (index % 5 === 0) {
      extras.push({
        coin: { ...coin, id: unique(`${coin.id}-bsc`), rank: 0, is_new: true, type: 'token' },
        market,
        extra: true,
        factor: 0.001,
      });
    }
  });
  for (const name of ['Dead Coin One', 'Dead Coin Two', 'Dead Coin Three']) {
    const symbol = name
      .split(' ')
      .map((word) => word[0])
      .join('');
    extras.push({
      coin: {
        id: unique(coinPaprikaIdOf({ symbol, name })),
        name,
        symbol,
        rank: 0,
        is_new: false,
        is_active: false,
        type: 'coin',
      },
      market: markets[0] ?? { id: 'none', symbol, name },
      extra: true,
      factor: 0.000001,
    });
  }
  return [...real, ...extras];
}

/** Ticker order: by rank, unranked (rank 0) coins last. */
export function byRank(a: PaprikaEntry, b: PaprikaEntry): number {
  const rank = (entry: PaprikaEntry): number =>
    entry.coin.rank === 0 ? Number.MAX_SAFE_INTEGER : entry.coin.rank;
  return rank(a) - rank(b);
}

/** A decimal amount times a factor, as a JSON number (the amount itself when the factor is 1). */
export function scaled(value: unknown, factor: number): unknown {
  if (value === null || value === undefined) return null;
  if (factor === 1) return value;
  const number = numberOf(value);
  return number === null ? null : rawNumber(String(Number((number * factor).toPrecision(12))));
}

/** CoinPaprika writes times to the second, without milliseconds (`2018-11-14T07:20:41Z`). */
export function paprikaTime(atMs: number): string {
  return new Date(Math.floor(atMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function isoOrNull(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : paprikaTime(at);
}

/** When every coin's data starts (the history serves nothing earlier); an assumption, see the fake. */
export const FIRST_DATA_AT = '2015-01-01T00:00:00Z';

export interface TickerInput {
  entry: PaprikaEntry;
  /** The USD price as it is to be sent (a JSON number or `JSON.rawJSON` value). */
  price: unknown;
  /** Amounts relative to the market coin's: the entry's factor times any multiplier a test set. */
  factor: number;
  nowMs: number;
}

/** The ticker object of NOTES.md (USD quote) for one coin. */
export function tickerOf({ entry, price, factor, nowMs }: TickerInput): Record<string, unknown> {
  const { coin, market } = entry;
  const percent24h = numberOf(market.price_change_percentage_24h) ?? 0;
  const seed = (coin.rank % 17) / 10;
  const ath = entry.extra ? null : scaled(market.ath, factor);
  const priceNumber = numberOf(price);
  const athNumber = numberOf(ath);
  return {
    id: coin.id,
    name: coin.name,
    symbol: coin.symbol,
    rank: coin.rank,
    circulating_supply: market.circulating_supply ?? 0,
    total_supply: market.total_supply ?? 0,
    // CoinPaprika sends 0 for "no maximum" (NOTES.md: may be null or 0); CoinGecko sends null.
    max_supply: market.max_supply ?? 0,
    beta_value: Number((0.5 + seed / 4).toFixed(6)),
    first_data_at: FIRST_DATA_AT,
    last_updated: paprikaTime(Math.floor(nowMs / 300_000) * 300_000),
    quotes: {
      USD: {
        price,
        volume_24h: scaled(market.total_volume, factor) ?? 0,
        volume_24h_change_24h: -2.5,
        market_cap: scaled(market.market_cap, factor) ?? 0,
        market_cap_change_24h: Number((percent24h * 0.9).toFixed(2)),
        percent_change_15m: 0,
        percent_change_30m: 0,
        percent_change_1h: Number((seed - 0.8).toFixed(2)),
        percent_change_6h: 0,
        percent_change_12h: -0.09,
        percent_change_24h: Number(percent24h.toFixed(2)),
        percent_change_7d: 0.28,
        percent_change_30d: 27.39,
        percent_change_1y: -37.99,
        ath_price: ath,
        ath_date: entry.extra ? null : isoOrNull(market.ath_date),
        percent_from_price_ath:
          priceNumber !== null && athNumber ? Number(((priceNumber / athNumber - 1) * 100).toFixed(2)) : null,
      },
    },
  };
}

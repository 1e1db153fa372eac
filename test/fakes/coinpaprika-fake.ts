/**
 * A fake CoinPaprika API v1 on 127.0.0.1: a real HTTP server (ephemeral port by default) serving
 * `/tickers`, `/tickers/{id}`, `/tickers/{id}/historical` and `/coins` under `/v1`, built from
 * /work/shared/coinpaprika/NOTES.md (documentation, nothing recorded live). Its coins are the fake
 * CoinGecko's: the same default coins (the recorded top 100), or `coingecko: fake` to follow a running
 * CoinGecko fake live, so a coin's CoinPaprika price is its CoinGecko price at that moment.
 *
 *   const paprika = await startCoinPaprikaFake({ coingecko: gecko, plan: 'starter', apiKey: 'k' });
 *   … COINPAPRIKA_BASE_URL: paprika.url …                        // http://127.0.0.1:<port>/v1
 *   paprika.failNext('/tickers', 2, paprikaFaults.rateLimited('3'));
 *   expect(paprika.count('/tickers')).toBe(3);
 *   await paprika.close();
 *
 * Data: idOf (CoinGecko id → CoinPaprika id), coinsList, setCoins (without `coingecko`), setPrice /
 * setPriceMultiplier / resetPrices (divergence), dropTickers / restoreTickers (answers without some
 * assets), historicalValues (what a history answer holds at a time), setPlan / setApiKey / setClock.
 * Faults: failNext (per endpoint or 'all'), setFailRate, setRateLimit, latencyMs, holdAnswers, reset.
 * Introspection: requests, count(endpoint?), countPath(path), counts(), lastRequest(endpoint?).
 *
 * ASSUMPTIONS about CoinPaprika (NOTES.md does not say; docs/providers.md "The fake CoinPaprika" repeats them):
 * - Error bodies are JSON `{"error": "<text>"}`. Unknown coin: 404 `{"error":"id not found"}` (also for
 *   an inactive coin's ticker). Unknown path: 404 `{"error":"not found"}`. Bad query: 400.
 * - Auth: with `apiKey` set (the pro host), no `Authorization` header → 401 `{"error":"missing API key"}`,
 *   another key → 403 `{"error":"invalid API key"}`; a `Bearer ` prefix is expected. Without `apiKey`
 *   (the free host) any header is ignored and every request is answered.
 * - 429 body `{"error":"Too many requests"}`; `Retry-After` in seconds (from setRateLimit, or as scripted).
 * - HTML error pages come from Cloudflare in front of the API, like CoinGecko's.
 * - `/tickers`: every active coin ordered by rank, rank-0 (unranked) coins last; `limit` keeps the first
 *   N; `quotes` defaults to `USD` and only `USD` is served (another quote → 400). Every plan gets every
 *   coin (NOTES.md says the free plan covers about 2,000 assets; the fake does not cut).
 * - Ticker amounts: price, market cap, volume, supplies and ATH are CoinGecko's for the same coin;
 *   `max_supply` 0 where CoinGecko has null; `last_updated` is the fake's clock floored to 5 minutes;
 *   `first_data_at` is 2015-01-01T00:00:00Z for every coin, and history starts there.
 * - `/coins`: `[{id, name, symbol, rank, is_new, is_active, type}]`, ids `<symbol>-<name slug>`, plus coins
 *   CoinGecko's list does not have (coinpaprika-fake.data.ts): same-symbol impostors, inactive old versions
 *   (`<id>-old`, rank 0), unranked twins (`<id>-bsc`, rank 0, is_new) and inactive dead coins.
 * - History: `start` required (`2019-01-01`, RFC 3339 or Unix seconds), `end` defaults to now, `limit`
 *   1..5000 (default 1000), `quote` usd only, `interval` default `5m`. Points sit on multiples of the
 *   interval since the Unix epoch, oldest first, the first `limit` from `start`; none after the clock.
 *   A range reaching further back than the plan allows for that granularity (NOTES.md table; free: daily
 *   365 days, hourly 1 day, 5-minute none) → 402 `{"error":"Your current plan (free) does not allow …"}`.
 *   Only `start` is checked against the plan. Prices follow the CoinGecko fake's market chart of the coin.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoinGeckoFake, loadFixture, type FakeMarketCoin } from './coingecko-fake.js';
import { endpointOf, PaprikaBook, type PaprikaEndpoint } from './coinpaprika-fake.answers.js';
import type { PaprikaCoin } from './coinpaprika-fake.data.js';
import { FaultSwitches, type PaprikaFault } from './coinpaprika-fake.faults.js';
import type { PaprikaPlan } from './coinpaprika-fake.history.js';
import type { ChartValues } from './market-chart.js';

export type { PaprikaEndpoint } from './coinpaprika-fake.answers.js';
export { coinPaprikaIdOf, type PaprikaCoin } from './coinpaprika-fake.data.js';
export { paprikaFaults, type PaprikaFault } from './coinpaprika-fake.faults.js';
export { PLAN_HISTORY_MS, INTERVALS, type PaprikaPlan } from './coinpaprika-fake.history.js';

export interface PaprikaRequest {
  endpoint: PaprikaEndpoint | 'unknown';
  method: string;
  /** The request target as received (path and query, still encoded). */
  url: string;
  /** Path below `/v1`, decoded (`/tickers/btc-bitcoin`). */
  path: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  at: number;
  /** The status answered, once sent (absent while held or when cut off). */
  status?: number;
}

export interface CoinPaprikaFakeOptions {
  /** Default 0 (an ephemeral port). */
  port?: number;
  /** Follow this CoinGecko fake's coins and prices live (takes precedence over `coins`). */
  coingecko?: CoinGeckoFake;
  /** As the CoinGecko fake's option: a number generates that many, default the recorded top 100. */
  coins?: number | FakeMarketCoin[];
  /** The plan whose history ranges apply; default `free`. */
  plan?: PaprikaPlan;
  /** When set, requests need `Authorization: Bearer <apiKey>` (the pro host). */
  apiKey?: string;
  latencyMs?: number;
  rateLimit?: { limit: number; windowMs?: number };
  /** The fake's "now" (history ranges, `last_updated`); default the real clock. */
  now?: () => Date;
  /** Add `/coins` entries CoinGecko does not have (symbol collisions, inactive, rank 0); default true. */
  collisions?: boolean;
}

const API_PREFIX = '/v1';

export class CoinPaprikaFake {
  /** Base URL, ending in `/v1`. */
  readonly url: string;
  /** Delay before every answer. */
  latencyMs: number;
  /** Every request received, oldest first. */
  readonly requests: PaprikaRequest[] = [];

  private markets: FakeMarketCoin[];
  private readonly coingecko: CoinGeckoFake | undefined;
  private readonly book: PaprikaBook;
  private apiKey: string | undefined;
  private readonly faults = new FaultSwitches<PaprikaEndpoint>();
  private held: Promise<void> | undefined;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly httpServer: http.Server,
    port: number,
    options: CoinPaprikaFakeOptions,
  ) {
    this.url = `http://127.0.0.1:${port}${API_PREFIX}`;
    this.latencyMs = options.latencyMs ?? 0;
    this.coingecko = options.coingecko;
    this.apiKey = options.apiKey;
    this.book = new PaprikaBook(
      () => this.marketCoins(),
      options.collisions ?? true,
      options.plan ?? 'free',
      options.now ?? (() => new Date()),
    );
    if (options.rateLimit) this.setRateLimit(options.rateLimit.limit, options.rateLimit.windowMs);
    const coins = options.coins;
    this.markets =
      coins === undefined
        ? loadFixture<FakeMarketCoin[]>('coins-markets/markets_usd_top100_2025-04-14.json')
        : typeof coins === 'number'
          ? CoinGeckoFake.generateCoins(coins)
          : [...coins];
  }

  static async start(options: CoinPaprikaFakeOptions = {}): Promise<CoinPaprikaFake> {
    const server = http.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    const fake = new CoinPaprikaFake(server, (server.address() as AddressInfo).port, options);
    server.on('connection', (socket: Socket) => {
      fake.sockets.add(socket);
      socket.on('close', () => fake.sockets.delete(socket));
    });
    server.on('request', (req, res) => {
      fake.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`fake CoinPaprika failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      });
    });
    return fake;
  }

  async close(): Promise<void> {
    this.faults.destroyHanging();
    const closed = new Promise<void>((resolve) => this.httpServer.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  /** The same as `close` (the CoinGecko fake's name). */
  stop(): Promise<void> {
    return this.close();
  }

  // ---- data ----------------------------------------------------------------------------------------

  /** The CoinGecko market coins this fake describes, in rank order. */
  marketCoins(): FakeMarketCoin[] {
    return this.coingecko ? this.coingecko.coins() : [...this.markets];
  }

  /** Replaces the coins (only without a linked CoinGecko fake: change that one instead). */
  setCoins(coins: FakeMarketCoin[]): void {
    if (this.coingecko) throw new Error('fake CoinPaprika follows a CoinGecko fake: change its coins');
    this.markets = [...coins];
  }

  /** Every coin `/coins` lists (extras included), in the order it lists them. */
  coinsList(): PaprikaCoin[] {
    return this.book.coinsList();
  }

  /** The CoinPaprika id of a CoinGecko coin (`bitcoin` → `btc-bitcoin`). */
  idOf(coingeckoId: string): string {
    return this.book.idOf(coingeckoId);
  }

  /** Sends this USD price for a coin (CoinPaprika or CoinGecko id); a string is written verbatim. */
  setPrice(id: string, price: number | string): void {
    this.book.prices.set(this.book.resolve(id), String(price));
  }

  /** Multiplies a coin's price, market cap and volume (tickers and history), e.g. 1.05 for +5 %. */
  setPriceMultiplier(id: string, multiplier: number): void {
    this.book.multipliers.set(this.book.resolve(id), multiplier);
  }

  resetPrices(): void {
    this.book.resetPrices();
  }

  /** Leaves these coins (CoinPaprika or CoinGecko ids) out of `/tickers`; `/tickers/{id}` still answers. */
  dropTickers(ids: string[]): void {
    for (const id of ids) this.book.dropped.add(this.book.resolve(id));
  }

  /** Puts dropped coins back (all when no ids are given). */
  restoreTickers(ids?: string[]): void {
    if (!ids) this.book.dropped.clear();
    else for (const id of ids) this.book.dropped.delete(this.book.resolve(id));
  }

  /** What `/tickers/{id}/historical` holds for a coin at an interval-aligned time (decimal text). */
  historicalValues(id: string, atMs: number): ChartValues | null {
    return this.book.historicalValues(id, atMs);
  }

  setPlan(plan: PaprikaPlan): void {
    this.book.plan = plan;
  }

  /** Requires `Authorization: Bearer <key>` (undefined: no key needed). */
  setApiKey(key: string | undefined): void {
    this.apiKey = key;
  }

  setClock(now: () => Date): void {
    this.book.now = now;
  }

  // ---- faults --------------------------------------------------------------------------------------

  /** The next `times` requests to `endpoint` (or to any, `'all'`) get `fault` instead of their answer. */
  failNext(endpoint: PaprikaEndpoint | 'all', times: number, fault: PaprikaFault): void {
    this.faults.failNext(endpoint, times, fault);
  }

  /**
   * A share (0..1) of requests to `endpoint` (default all) get `fault` (default 503), chosen by a seeded
   * random stream: the same requests fail on every run. `null` turns it off.
   */
  setFailRate(
    rate: number | null,
    options: { fault?: PaprikaFault; endpoint?: PaprikaEndpoint | 'all'; seed?: number } = {},
  ): void {
    this.faults.setFailRate(rate, options);
  }

  /** At most `limit` answered requests per `windowMs` (sliding); the rest get 429 with `Retry-After`. */
  setRateLimit(limit: number | null, windowMs = 60_000): void {
    this.faults.setRateLimit(limit, windowMs);
  }

  /** Holds every answer until the returned function is called. */
  holdAnswers(): () => void {
    let release!: () => void;
    this.held = new Promise<void>((resolve) => (release = resolve));
    return () => {
      this.held = undefined;
      release();
    };
  }

  /** Clears faults, limits, latency, price knobs, dropped tickers and the request log; coins stay. */
  reset(): void {
    this.faults.clear();
    this.latencyMs = 0;
    this.book.resetPrices();
    this.book.dropped.clear();
    this.requests.length = 0;
  }

  // ---- introspection -------------------------------------------------------------------------------

  count(endpoint?: PaprikaEndpoint): number {
    return endpoint
      ? this.requests.filter((request) => request.endpoint === endpoint).length
      : this.requests.length;
  }

  /** Requests to one exact path below `/v1` (`/tickers/btc-bitcoin/historical`). */
  countPath(path: string): number {
    return this.requests.filter((request) => request.path === path).length;
  }

  /** Requests by path below `/v1`. */
  counts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const request of this.requests) counts[request.path] = (counts[request.path] ?? 0) + 1;
    return counts;
  }

  lastRequest(endpoint?: PaprikaEndpoint): PaprikaRequest | undefined {
    return (endpoint ? this.requests.filter((request) => request.endpoint === endpoint) : this.requests).at(
      -1,
    );
  }

  clearRequests(): void {
    this.requests.length = 0;
  }

  // ---- the server ----------------------------------------------------------------------------------

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const inApi = url.pathname.startsWith(`${API_PREFIX}/`);
    const path = inApi ? decodeURIComponent(url.pathname.slice(API_PREFIX.length)) : url.pathname;
    const endpoint = inApi ? endpointOf(path) : 'unknown';
    const query: Record<string, string> = {};
    for (const [key, value] of url.searchParams) if (!(key in query)) query[key] = value;
    const request: PaprikaRequest = {
      endpoint,
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      path,
      query,
      headers: req.headers,
      at: Date.now(),
    };
    this.requests.push(request);
    res.on('finish', () => (request.status = res.statusCode));

    if (this.held) await this.held;
    if (this.latencyMs > 0) await sleep(this.latencyMs);
    if (res.destroyed) return;

    if (endpoint === 'unknown' || req.method !== 'GET') {
      json(res, 404, { error: 'not found' });
      return;
    }
    const fault = this.faults.next(endpoint);
    if (fault) {
      this.faults.apply(fault, res, () => JSON.stringify(this.book.answer(endpoint, path, query).body));
      return;
    }
    if (this.refuseKey(req, res)) return;
    if (this.faults.refuseRate(res)) return;
    const answer = this.book.answer(endpoint, path, query);
    json(res, answer.status, answer.body);
  }

  private refuseKey(req: http.IncomingMessage, res: http.ServerResponse): boolean {
    if (this.apiKey === undefined) return false;
    const value = req.headers.authorization;
    if (value === undefined || value === '') {
      json(res, 401, { error: 'missing API key' });
      return true;
    }
    if (value !== `Bearer ${this.apiKey}`) {
      json(res, 403, { error: 'invalid API key' });
      return true;
    }
    return false;
  }
}

/** Starts a fake CoinPaprika; `await fake.close()` stops it. */
export function startCoinPaprikaFake(options: CoinPaprikaFakeOptions = {}): Promise<CoinPaprikaFake> {
  return CoinPaprikaFake.start(options);
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/**
 * A fake CoinGecko API v3 on 127.0.0.1: a real HTTP server (ephemeral port by default) serving
 * `/ping`, `/coins/markets`, `/coins/list`, `/global` and `/coins/{id}` from the recorded fixtures in
 * `test/fixtures/coingecko/` and from generated data, with switches for everything that goes wrong with
 * the real one. Tests start one per file; `npm run demo` runs one through `coingecko-fake.cli.ts`.
 *
 *   const fake = await CoinGeckoFake.start({ coins: 1000 });     // or coins: CoinGeckoFake.generateCoins(…)
 *   … COINGECKO_BASE_URL: fake.url …                             // http://127.0.0.1:<port>/api/v3
 *   fake.failNext('/coins/markets', 2, faults.serverError(503));
 *   expect(fake.count('/coins/markets')).toBe(3);
 *   await fake.stop();
 *
 * Data: setCoins / updateCoin / setPrice / moveCoin / swapCoins / mapCoins (markets, in rank order),
 * setCoinsList, setGlobal, setCoinDetail / setDetailPlatforms, onMarketsPage (runs after each markets
 * page is answered, e.g. to move coins between pages while a client pages).
 * Faults: failNext (scripted answers per endpoint: 5xx, 429 with Retry-After, Cloudflare HTML or
 * `error code: 1015`, truncated JSON, error object in a 200, connection reset, no answer), latencyMs,
 * setRateLimit (a real per-window limit answering CoinGecko's 429 body with `retry-after`),
 * requireKey / server plan (10002 missing key, 10010 Pro key on the public host, 10011 Demo key on the Pro
 * host), restrictEndpoint (10005).
 * Introspection: count(endpoint?), requests, lastRequest(endpoint?) with path, query, headers, arrival
 * time (`at`) and the status answered.
 * Market charts (`/coins/{id}/market_chart/range`, see market-chart.ts): generated from each coin's
 * markets entry against the fake's clock (`now` option, setClock); setChartData(id, 'none') for a coin
 * without data, dropChartSamples for a window without samples; an id not in the markets list is a 404.
 * On the public host (public and Demo plans) a range starting more than 365 days before the fake's clock is
 * refused with 401 / error_code 10012 (TIME_RANGE_REFUSAL); the Pro host serves any range.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  chartGranularity,
  chartSampleTimes,
  chartSeed,
  chartValues,
  numberOf,
  type ChartValues,
} from './market-chart.js';

export const FIXTURES_DIR = join(import.meta.dirname, '..', 'fixtures', 'coingecko');

export type FakeEndpoint =
  '/ping' | '/coins/markets' | '/coins/list' | '/global' | '/coins/{id}' | '/coins/{id}/market_chart/range';

/** JSON.rawJSON (Node ≥ 21): a number serialised exactly as written. Not in TypeScript's lib yet. */
const rawJSON = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

/** A JSON number that serialises exactly as `text` (e.g. `"1.0e+15"`, `"9.9585e-08"`). */
export function rawNumber(text: string): unknown {
  return rawJSON(text);
}

export function readFixture(relativePath: string): string {
  return readFileSync(join(FIXTURES_DIR, relativePath), 'utf8');
}

interface ReviverContext {
  source?: string;
}

/** A fixture parsed so that serialising it again writes every number exactly as it was recorded. */
export function loadFixture<T = unknown>(relativePath: string): T {
  return JSON.parse(readFixture(relativePath), (_key: string, value: unknown, context?: ReviverContext) =>
    typeof value === 'number' && context?.source !== undefined ? rawJSON(context.source) : value,
  ) as T;
}

/** One coin as `/coins/markets` sends it (snake_case, every field CoinGecko has). */
export interface FakeMarketCoin {
  id: string;
  symbol: string;
  name: string;
  [field: string]: unknown;
}

export interface FakeCoinListItem {
  id: string;
  symbol: string;
  name: string;
  platforms: Record<string, string | null>;
}

export interface FakeDetailPlatform {
  decimal_place: number | null;
  contract_address: string;
}

export type FakeFault =
  | { kind: 'status'; status: number; body?: string; contentType?: string; headers?: Record<string, string> }
  | { kind: 'rate-limited'; retryAfter?: string; status?: number }
  | { kind: 'cloudflare-html'; status: number }
  | { kind: 'cloudflare-text'; code: number; status: number }
  | { kind: 'truncated' }
  | { kind: 'error-body'; errorCode: number; message: string; status: number }
  | { kind: 'reset' }
  | { kind: 'hang' };

const RATE_LIMIT_BODY = readFixture('errors/error_429_rate-limit_2022-09-29.json');

const DAY_MS = 24 * 60 * 60 * 1000;
/** The public and Demo plans' history limit on market charts (the Pro host has none here). */
export const PUBLIC_HISTORY_DAYS = 365;
/**
 * CoinGecko's refusal of a market chart reaching past 365 days on the public/Demo plans, byte for byte as
 * recorded (test/fixtures/coingecko/SOURCES.md): HTTP 401, error_code 10012, nested under `error` (unlike the
 * other error bodies). Its `timestamp` stays the recorded one: no client reads it.
 */
export const TIME_RANGE_REFUSAL = JSON.parse(
  readFixture('errors/error_401_time-range_10012_2024-04-20.json'),
) as {
  error: { status: { timestamp: string; error_code: number; error_message: string } };
};

/** Ready-made faults for `failNext`. */
export const faults = {
  /** A 5xx with CoinGecko's JSON error body (`{"status":500,"error":"Internal Server Error"}`). */
  serverError: (status = 500): FakeFault => ({
    kind: 'status',
    status,
    body: JSON.stringify({ status, error: http.STATUS_CODES[status] ?? 'Error' }),
  }),
  /** Any status and body. */
  status: (status: number, body?: unknown, headers?: Record<string, string>): FakeFault => ({
    kind: 'status',
    status,
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    ...(headers ? { headers } : {}),
  }),
  /** CoinGecko's real 429 body; `retryAfter` (seconds or an HTTP date) becomes the `retry-after` header. */
  rateLimited: (retryAfter?: string): FakeFault => ({
    kind: 'rate-limited',
    ...(retryAfter === undefined ? {} : { retryAfter }),
  }),
  /** A Cloudflare HTML error page (e.g. 502 Bad gateway, 520, 522) instead of JSON. */
  cloudflareHtml: (status = 502): FakeFault => ({ kind: 'cloudflare-html', status }),
  /** Cloudflare's plain-text answer, e.g. `error code: 1015` (rate limited at the edge). */
  cloudflareText: (code = 1015, status = 429): FakeFault => ({ kind: 'cloudflare-text', code, status }),
  /** The normal answer cut in half (a 200 with a correctly framed but truncated JSON body). */
  truncatedJson: (): FakeFault => ({ kind: 'truncated' }),
  /** An error object (`{"status":{"error_code":…}}`), by default with HTTP 200 as CoinGecko sometimes does. */
  errorBody: (errorCode: number, status = 200, message = 'error'): FakeFault => ({
    kind: 'error-body',
    errorCode,
    status,
    message,
  }),
  /** The connection is closed without an answer. */
  connectionReset: (): FakeFault => ({ kind: 'reset' }),
  /** No answer at all until the client gives up (timeouts). */
  hang: (): FakeFault => ({ kind: 'hang' }),
};

export interface FakeRequest {
  endpoint: FakeEndpoint | 'unknown';
  method: string;
  /** The request target exactly as received (path and query string, still encoded). */
  url: string;
  /** Path below `/api/v3`, decoded (`/coins/1move token`). */
  path: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  at: number;
  /** The HTTP status answered, once the answer has been sent (absent while held, or when cut off). */
  status?: number;
}

export interface MarketsPageInfo {
  page: number;
  perPage: number;
  ids: string[] | undefined;
  /** Ids served on this page, in order. */
  served: string[];
}

export interface CoinGeckoFakeOptions {
  /** Default 0 (an ephemeral port). */
  port?: number;
  /**
   * Market coins in rank order: a number generates that many (see `generateCoins`), an array is used as
   * given. Default: the real top-100 recorded on 2025-04-14.
   */
  coins?: number | FakeMarketCoin[];
  /**
   * Which CoinGecko host this fake plays: `public` = api.coingecko.com (public and Demo plans; a Pro key
   * gets 10010), `pro` = pro-api.coingecko.com (a key is always required; a Demo key gets 10011).
   */
  server?: 'public' | 'pro';
  /** A key requests must carry (in `x-cg-demo-api-key` on the public host, `x-cg-pro-api-key` on Pro). */
  requireKey?: string;
  latencyMs?: number;
  rateLimit?: { limit: number; windowMs?: number };
  /** The fake's "now" for market charts (which ranges end now); default the real clock. */
  now?: () => Date;
}

const API_PREFIX = '/api/v3';
const MAX_PER_PAGE = 250;
const DEFAULT_PER_PAGE = 100;

const MESSAGES = {
  10002:
    "API Key Missing. Please make sure you're using the right authentication method. For Pro API, please visit: https://docs.coingecko.com/reference/authentication. For Public/Demo API, please visit: https://docs.coingecko.com/v3.0.1/reference/authentication",
  10005:
    "You may not have access to this endpoint. e.g. 'This request is limited Pro API subscribers'. You may wanna subscribe to a paid plan here: https://www.coingecko.com/en/api/pricing",
  10010:
    'If you are using Pro API key, please change your root URL from api.coingecko.com to pro-api.coingecko.com',
  10011:
    'If you are using Demo API key, please change your root URL from pro-api.coingecko.com to api.coingecko.com',
} as const;

function pad(rank: number): string {
  return String(rank).padStart(5, '0');
}

/** A generated coin's contract address: deterministic, 40 hex digits. */
function addressOf(rank: number): string {
  return `0x${rank.toString(16).padStart(8, '0').repeat(5)}`;
}

export class CoinGeckoFake {
  /** Base URL, ending in `/api/v3`. */
  readonly url: string;
  /** Delay before every answer. */
  latencyMs: number;
  /** Every request received, oldest first. */
  readonly requests: FakeRequest[] = [];

  private markets: FakeMarketCoin[];
  private coinsListOverride: FakeCoinListItem[] | undefined;
  private globalBody: unknown = loadFixture('oas-examples/demo-oas_global.example.json');
  private readonly details = new Map<string, unknown>();
  private readonly scripted = new Map<FakeEndpoint, FakeFault[]>();
  private readonly pageHooks = new Set<(info: MarketsPageInfo) => void>();
  private readonly restricted = new Set<FakeEndpoint>();
  private readonly hanging = new Set<http.ServerResponse>();
  private readonly sockets = new Set<Socket>();
  private rateLimit: { limit: number; windowMs: number } | undefined;
  private rateWindow: number[] = [];
  private server: 'public' | 'pro';
  private requiredKey: string | undefined;
  private held: Promise<void> | undefined;
  private now: () => Date;
  private readonly chartless = new Set<string>();
  private readonly chartHoles = new Map<string, [number, number][]>();

  private constructor(
    private readonly httpServer: http.Server,
    port: number,
    options: CoinGeckoFakeOptions,
  ) {
    this.url = `http://127.0.0.1:${port}${API_PREFIX}`;
    this.latencyMs = options.latencyMs ?? 0;
    this.server = options.server ?? 'public';
    this.requiredKey = options.requireKey;
    this.now = options.now ?? (() => new Date());
    if (options.rateLimit) this.setRateLimit(options.rateLimit.limit, options.rateLimit.windowMs);
    const coins = options.coins;
    this.markets =
      coins === undefined
        ? loadFixture<FakeMarketCoin[]>('coins-markets/markets_usd_top100_2025-04-14.json')
        : typeof coins === 'number'
          ? CoinGeckoFake.generateCoins(coins)
          : [...coins];
  }

  static async start(options: CoinGeckoFakeOptions = {}): Promise<CoinGeckoFake> {
    const server = http.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    const fake = new CoinGeckoFake(server, (server.address() as AddressInfo).port, options);
    server.on('connection', (socket: Socket) => {
      fake.sockets.add(socket);
      socket.on('close', () => fake.sockets.delete(socket));
    });
    server.on('request', (req, res) => {
      fake.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`fake CoinGecko failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      });
    });
    return fake;
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
    const closed = new Promise<void>((resolve) => this.httpServer.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  // ---- data ----------------------------------------------------------------------------------------

  /**
   * `count` coins in rank order, deterministic: ids `coin-00001`…, prices and market caps falling with
   * rank, and CoinGecko's quirks on fixed ranks — every 11th shares the symbol `dup`, every 13th has no
   * image, every 7th no max supply, every 97th a tiny price `1.2e-9`, every 89th a supply of `1e30`, and
   * rank 123 (mod 250) an id with a space (`coin 00123`).
   */
  static generateCoins(count: number, options: { firstRank?: number } = {}): FakeMarketCoin[] {
    const first = options.firstRank ?? 1;
    const coins: FakeMarketCoin[] = [];
    for (let rank = first; rank < first + count; rank++) {
      const marketCap = Math.round(3e11 / rank ** 1.5);
      const price = Number((50_000 / rank ** 1.2).toPrecision(8));
      const supply = Math.round(marketCap / price);
      coins.push({
        id: rank % 250 === 123 ? `coin ${pad(rank)}` : `coin-${pad(rank)}`,
        symbol: rank % 11 === 0 ? 'dup' : `c${pad(rank)}`,
        name: `Coin ${pad(rank)}`,
        image: rank % 13 === 0 ? null : `https://coin-images.example/coins/images/${rank}/large/coin.png`,
        current_price: rank % 97 === 0 ? rawNumber('1.2e-9') : price,
        market_cap: marketCap,
        market_cap_rank: rank,
        fully_diluted_valuation: rank % 7 === 0 ? null : marketCap,
        total_volume: Math.round(marketCap / 20),
        high_24h: price,
        low_24h: price,
        price_change_24h: 0,
        price_change_percentage_24h: ((rank % 21) - 10) / 10,
        market_cap_change_24h: 0,
        market_cap_change_percentage_24h: 0,
        circulating_supply: supply,
        total_supply: rank % 89 === 0 ? rawNumber('1e30') : supply,
        max_supply: rank % 89 === 0 ? rawNumber('1e30') : rank % 7 === 0 ? null : supply * 2,
        ath: price * 2,
        ath_change_percentage: -50,
        ath_date: '2024-12-17T15:02:41.429Z',
        atl: price / 10,
        atl_change_percentage: 900,
        atl_date: '2020-03-13T02:22:55.044Z',
        roi: null,
        last_updated: '2025-04-14T13:07:50.808Z',
      });
    }
    return coins;
  }

  /** The market coins in rank order (a copy). */
  coins(): FakeMarketCoin[] {
    return [...this.markets];
  }

  setCoins(coins: FakeMarketCoin[]): void {
    this.markets = [...coins];
  }

  /** Applies `change` to every coin (e.g. a price drift); the return value replaces the coin. */
  mapCoins(change: (coin: FakeMarketCoin, index: number) => FakeMarketCoin): void {
    this.markets = this.markets.map(change);
  }

  updateCoin(id: string, patch: Partial<FakeMarketCoin>): void {
    const index = this.indexOf(id);
    this.markets[index] = { ...this.markets[index], ...patch, id: this.markets[index].id };
  }

  /** Sets `current_price`; a string is written verbatim as a JSON number (e.g. `'1.2e-9'`). */
  setPrice(id: string, price: number | string): void {
    this.updateCoin(id, { current_price: typeof price === 'string' ? rawNumber(price) : price });
  }

  /** Moves a coin to `toIndex` (0-based position in the market-cap order). */
  moveCoin(id: string, toIndex: number): void {
    const [coin] = this.markets.splice(this.indexOf(id), 1);
    this.markets.splice(toIndex, 0, coin);
  }

  swapCoins(a: string, b: string): void {
    const i = this.indexOf(a);
    const j = this.indexOf(b);
    [this.markets[i], this.markets[j]] = [this.markets[j], this.markets[i]];
  }

  /**
   * `/coins/list?include_platform=true`. Unless set, derived from the market coins: natives (every 5th
   * from rank 1) `{}`, tokens on ethereum (and binance-smart-chain for every 3rd), plus CoinGecko's quirks:
   * a `""` platform with a `""` address (every 17th) and a `null` address (every 19th).
   */
  coinsList(): FakeCoinListItem[] {
    if (this.coinsListOverride) return [...this.coinsListOverride];
    return this.markets.map((coin, index) => {
      const rank = index + 1;
      const platforms: Record<string, string | null> = {};
      if (rank % 5 !== 1) {
        platforms.ethereum = addressOf(rank);
        if (rank % 3 === 0) platforms['binance-smart-chain'] = addressOf(rank);
      }
      if (rank % 17 === 0) platforms[''] = '';
      if (rank % 19 === 0) platforms.eos = null;
      return { id: coin.id, symbol: coin.symbol, name: coin.name, platforms };
    });
  }

  setCoinsList(items: FakeCoinListItem[] | undefined): void {
    this.coinsListOverride = items ? [...items] : undefined;
  }

  /** The whole `/global` body, or just the total market cap in USD (written verbatim when a string). */
  setGlobal(body: unknown): void {
    if (typeof body === 'object' && body !== null && 'totalMarketCapUsd' in body) {
      const total = (body as { totalMarketCapUsd: number | string }).totalMarketCapUsd;
      this.globalBody = {
        data: {
          active_cryptocurrencies: this.markets.length,
          markets: 1000,
          total_market_cap: { usd: typeof total === 'string' ? rawNumber(total) : total },
          total_volume: { usd: 1e11 },
          market_cap_percentage: { btc: 57.9, eth: 9.6 },
          market_cap_change_percentage_24h_usd: 0,
          updated_at: Math.floor(Date.now() / 1000),
        },
      };
      return;
    }
    this.globalBody = body;
  }

  /** The whole `/coins/{id}` body for one id. */
  setCoinDetail(id: string, body: unknown): void {
    this.details.set(id, body);
  }

  /** `/coins/{id}` with these `detail_platforms` (the rest derived from the coins list). */
  setDetailPlatforms(id: string, detailPlatforms: Record<string, FakeDetailPlatform>): void {
    const item = this.coinsList().find((coin) => coin.id === id);
    const platforms = Object.fromEntries(
      Object.entries(detailPlatforms).map(([platform, entry]) => [platform, entry.contract_address]),
    );
    this.details.set(id, {
      id,
      symbol: item?.symbol ?? id,
      name: item?.name ?? id,
      asset_platform_id: Object.keys(platforms).find((platform) => platform !== '') ?? null,
      platforms,
      detail_platforms: detailPlatforms,
    });
  }

  /** Runs after each `/coins/markets` answer; returns a function that removes the hook. */
  onMarketsPage(hook: (info: MarketsPageInfo) => void): () => void {
    this.pageHooks.add(hook);
    return () => {
      this.pageHooks.delete(hook);
    };
  }

  /** The clock market charts are answered against (a test's injected clock). */
  setClock(now: () => Date): void {
    this.now = now;
  }

  /** `'none'`: the coin answers empty series (CoinGecko has no chart for it); `'normal'` undoes it. */
  setChartData(id: string, data: 'none' | 'normal'): void {
    if (data === 'none') this.chartless.add(id);
    else this.chartless.delete(id);
  }

  /** The coin's charts have no sample in `[fromMs, toMs]` (a hole in CoinGecko's own history). */
  dropChartSamples(id: string, fromMs: number, toMs: number): void {
    this.chartHoles.set(id, [...(this.chartHoles.get(id) ?? []), [fromMs, toMs]]);
  }

  /** The values a coin's chart holds at one sample time, as the fake writes them. */
  chartValues(id: string, atMs: number): ChartValues | null {
    const coin = this.markets[this.indexOf(id)];
    const base = {
      price: numberOf(coin.current_price),
      marketCap: numberOf(coin.market_cap),
      volume: numberOf(coin.total_volume),
    };
    return chartValues(base, chartSeed(id), atMs);
  }

  // ---- faults --------------------------------------------------------------------------------------

  /** The next `times` requests to `endpoint` get `fault` instead of their answer. */
  failNext(endpoint: FakeEndpoint, times: number, fault: FakeFault): void {
    const queue = this.scripted.get(endpoint) ?? [];
    for (let i = 0; i < times; i++) queue.push(fault);
    this.scripted.set(endpoint, queue);
  }

  /** At most `limit` answered requests per `windowMs` (sliding); the rest get CoinGecko's 429. */
  setRateLimit(limit: number | null, windowMs = 60_000): void {
    this.rateLimit = limit === null ? undefined : { limit, windowMs };
    this.rateWindow = [];
  }

  requireKey(key: string | undefined, server: 'public' | 'pro' = this.server): void {
    this.requiredKey = key;
    this.server = server;
  }

  /** Answers `endpoint` with 10005 (not included in the plan). */
  restrictEndpoint(endpoint: FakeEndpoint, restricted = true): void {
    if (restricted) this.restricted.add(endpoint);
    else this.restricted.delete(endpoint);
  }

  /** Holds every answer until the returned function is called: a run stays mid-request as long as a test needs. */
  holdAnswers(): () => void {
    let release!: () => void;
    this.held = new Promise<void>((resolve) => (release = resolve));
    return () => {
      this.held = undefined;
      release();
    };
  }

  /** Clears faults, hooks, limits, latency and the request log; the data stays. */
  reset(): void {
    this.scripted.clear();
    this.pageHooks.clear();
    this.restricted.clear();
    this.rateLimit = undefined;
    this.rateWindow = [];
    this.latencyMs = 0;
    this.requests.length = 0;
  }

  // ---- introspection -------------------------------------------------------------------------------

  count(endpoint?: FakeEndpoint): number {
    return endpoint
      ? this.requests.filter((request) => request.endpoint === endpoint).length
      : this.requests.length;
  }

  lastRequest(endpoint?: FakeEndpoint): FakeRequest | undefined {
    const matching = endpoint
      ? this.requests.filter((request) => request.endpoint === endpoint)
      : this.requests;
    return matching.at(-1);
  }

  clearRequests(): void {
    this.requests.length = 0;
  }

  // ---- the server ----------------------------------------------------------------------------------

  private indexOf(id: string): number {
    const index = this.markets.findIndex((coin) => coin.id === id);
    if (index < 0) throw new Error(`fake CoinGecko has no coin ${id}`);
    return index;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname.startsWith(API_PREFIX)
      ? decodeURIComponent(url.pathname.slice(API_PREFIX.length)) || '/'
      : url.pathname;
    const endpoint = url.pathname.startsWith(API_PREFIX) ? endpointOf(path) : 'unknown';
    const query: Record<string, string> = {};
    for (const [key, value] of url.searchParams) if (!(key in query)) query[key] = value;
    const request: FakeRequest = {
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
      json(res, 404, { error: 'Incorrect path. Please check https://www.coingecko.com/api/' });
      return;
    }
    const fault = this.scripted.get(endpoint)?.shift();
    if (fault && this.applyFault(fault, endpoint, path, query, res)) return;
    if (this.refuseKey(req, res)) return;
    if (this.restricted.has(endpoint)) {
      errorCode(res, 401, 10005);
      return;
    }
    if (this.refuseRate(res)) return;

    const answer = this.answer(endpoint, path, query);
    json(res, answer.status, answer.body);
    if (endpoint === '/coins/markets' && answer.page) for (const hook of this.pageHooks) hook(answer.page);
  }

  /** Returns true when the fault answered the request. */
  private applyFault(
    fault: FakeFault,
    endpoint: FakeEndpoint,
    path: string,
    query: Record<string, string>,
    res: http.ServerResponse,
  ): boolean {
    switch (fault.kind) {
      case 'status':
        res.writeHead(fault.status, {
          'content-type': fault.contentType ?? 'application/json',
          ...fault.headers,
        });
        res.end(fault.body ?? '');
        return true;
      case 'rate-limited':
        res.writeHead(fault.status ?? 429, {
          'content-type': 'application/json',
          ...(fault.retryAfter === undefined ? {} : { 'retry-after': fault.retryAfter }),
        });
        res.end(RATE_LIMIT_BODY);
        return true;
      case 'cloudflare-html':
        res.writeHead(fault.status, { 'content-type': 'text/html; charset=UTF-8', server: 'cloudflare' });
        res.end(cloudflarePage(fault.status));
        return true;
      case 'cloudflare-text':
        res.writeHead(fault.status, { 'content-type': 'text/plain; charset=UTF-8', server: 'cloudflare' });
        res.end(`error code: ${fault.code}`);
        return true;
      case 'truncated': {
        const answer = this.answer(endpoint, path, query);
        const text = JSON.stringify(answer.body);
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
        res.end(text.slice(0, Math.max(1, Math.floor(text.length / 2))));
        return true;
      }
      case 'error-body':
        json(res, fault.status, { status: { error_code: fault.errorCode, error_message: fault.message } });
        return true;
      case 'reset':
        res.socket?.destroy();
        return true;
      case 'hang':
        this.hanging.add(res);
        res.on('close', () => this.hanging.delete(res));
        return true;
    }
  }

  private refuseKey(req: http.IncomingMessage, res: http.ServerResponse): boolean {
    const demo = header(req, 'x-cg-demo-api-key');
    const pro = header(req, 'x-cg-pro-api-key');
    if (this.server === 'public') {
      if (pro !== undefined) return errorCode(res, 401, 10010);
      if (this.requiredKey !== undefined && demo !== this.requiredKey) return errorCode(res, 401, 10002);
      return false;
    }
    if (demo !== undefined) return errorCode(res, 401, 10011);
    if (pro === undefined || (this.requiredKey !== undefined && pro !== this.requiredKey)) {
      return errorCode(res, 401, 10002);
    }
    return false;
  }

  private refuseRate(res: http.ServerResponse): boolean {
    if (!this.rateLimit) return false;
    const now = Date.now();
    const { limit, windowMs } = this.rateLimit;
    this.rateWindow = this.rateWindow.filter((at) => at > now - windowMs);
    if (this.rateWindow.length < limit) {
      this.rateWindow.push(now);
      return false;
    }
    const freeInMs = this.rateWindow[0] + windowMs - now;
    res.writeHead(429, {
      'content-type': 'application/json',
      'retry-after': String(Math.max(1, Math.ceil(freeInMs / 1000))),
    });
    res.end(RATE_LIMIT_BODY);
    return true;
  }

  private answer(
    endpoint: FakeEndpoint,
    path: string,
    query: Record<string, string>,
  ): { status: number; body: unknown; page?: MarketsPageInfo } {
    switch (endpoint) {
      case '/ping':
        return { status: 200, body: { gecko_says: '(V3) To the Moon!' } };
      case '/global':
        return { status: 200, body: this.globalBody };
      case '/coins/list': {
        const withPlatforms = query.include_platform === 'true';
        const items = this.coinsList().map((coin) =>
          withPlatforms ? coin : { id: coin.id, symbol: coin.symbol, name: coin.name },
        );
        return { status: 200, body: items };
      }
      case '/coins/{id}':
        return this.coinDetail(path.slice('/coins/'.length));
      case '/coins/{id}/market_chart/range':
        return this.marketChart(path.slice('/coins/'.length, -'/market_chart/range'.length), query);
      case '/coins/markets':
        return this.marketsPage(query);
    }
  }

  private marketsPage(query: Record<string, string>): {
    status: number;
    body: unknown;
    page?: MarketsPageInfo;
  } {
    if (!query.vs_currency) {
      return {
        status: 422,
        body: JSON.parse(readFixture('errors/error_422_coins-markets_missing-vs_currency_2021-07-19.json')),
      };
    }
    const perPage = Math.min(
      MAX_PER_PAGE,
      Math.max(1, Number(query.per_page ?? DEFAULT_PER_PAGE) || DEFAULT_PER_PAGE),
    );
    const page = Math.max(1, Number(query.page ?? 1) || 1);
    const ids = query.ids === undefined ? undefined : query.ids.split(',');
    const wanted = ids ? new Set(ids) : undefined;
    const selected = wanted ? this.markets.filter((coin) => wanted.has(coin.id)) : this.markets;
    const served = selected.slice((page - 1) * perPage, page * perPage);
    return {
      status: 200,
      body: served,
      page: { page, perPage, ids, served: served.map((coin) => coin.id) },
    };
  }

  private marketChart(id: string, query: Record<string, string>): { status: number; body: unknown } {
    if (!query.vs_currency) return { status: 422, body: { error: 'Missing parameter vs_currency' } };
    const from = Number(query.from) * 1000;
    const to = Number(query.to) * 1000;
    if (!Number.isFinite(from) || !Number.isFinite(to) || query.from === '' || query.to === '') {
      return { status: 422, body: { error: 'Invalid parameter from or to' } };
    }
    if (!this.markets.some((coin) => coin.id === id))
      return { status: 404, body: { error: 'coin not found' } };
    if (this.server === 'public' && from < this.now().getTime() - PUBLIC_HISTORY_DAYS * DAY_MS)
      return { status: 401, body: TIME_RANGE_REFUSAL };
    const series = { prices: [] as unknown[], market_caps: [] as unknown[], total_volumes: [] as unknown[] };
    if (this.chartless.has(id) || to < from) return { status: 200, body: series };
    const holes = this.chartHoles.get(id) ?? [];
    for (const at of chartSampleTimes(chartGranularity(from, to, this.now().getTime()), from, to)) {
      if (holes.some(([start, end]) => at >= start && at <= end)) continue;
      const values = this.chartValues(id, at);
      if (!values) continue;
      series.prices.push([at, rawNumber(values.price)]);
      series.market_caps.push([at, values.marketCap === null ? null : rawNumber(values.marketCap)]);
      series.total_volumes.push([at, values.volume === null ? null : rawNumber(values.volume)]);
    }
    return { status: 200, body: series };
  }

  private coinDetail(id: string): { status: number; body: unknown } {
    const stored = this.details.get(id);
    if (stored !== undefined) return { status: 200, body: stored };
    const item = this.coinsList().find((coin) => coin.id === id);
    if (!item) return { status: 404, body: { error: 'coin not found' } };
    const entries = Object.entries(item.platforms);
    const native = entries.length === 0;
    const detailPlatforms: Record<string, FakeDetailPlatform> = native
      ? { '': { decimal_place: null, contract_address: '' } }
      : Object.fromEntries(
          entries.map(([platform, address], index) => [
            platform,
            {
              decimal_place: platform === '' ? null : index % 2 === 0 ? 18 : 6,
              contract_address: address ?? '',
            },
          ]),
        );
    return {
      status: 200,
      body: {
        id: item.id,
        symbol: item.symbol,
        name: item.name,
        web_slug: item.id,
        asset_platform_id: native ? null : (entries.find(([platform]) => platform !== '')?.[0] ?? null),
        platforms: native ? { '': '' } : item.platforms,
        detail_platforms: detailPlatforms,
        categories: [],
        last_updated: '2025-04-14T13:07:50.808Z',
      },
    };
  }
}

function endpointOf(path: string): FakeEndpoint | 'unknown' {
  if (path === '/ping' || path === '/coins/markets' || path === '/coins/list' || path === '/global')
    return path;
  if (/^\/coins\/[^/]+$/.test(path)) return '/coins/{id}';
  if (/^\/coins\/[^/]+\/market_chart\/range$/.test(path)) return '/coins/{id}/market_chart/range';
  return 'unknown';
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function errorCode(res: http.ServerResponse, status: number, code: keyof typeof MESSAGES): true {
  json(res, status, {
    status: { timestamp: new Date().toISOString(), error_code: code, error_message: MESSAGES[code] },
  });
  return true;
}

/** Shaped like Cloudflare's 5xx pages (title "<host> | 502: Bad gateway", "Error code 502" in the body). */
function cloudflarePage(status: number): string {
  const reason = http.STATUS_CODES[status] ?? 'Error';
  return `<!DOCTYPE html>
<html lang="en-US">
<head><title>api.coingecko.com | ${status}: ${reason}</title></head>
<body>
<div id="cf-wrapper"><h1><span class="inline-block">${reason}</span>
<span class="code-label">Error code ${status}</span></h1>
<p>Visit <a href="https://www.cloudflare.com/5xx-error-landing">cloudflare.com</a> for more information.</p>
<span class="cf-footer-item">Cloudflare Ray ID: <strong>8f2b1c3d4e5f6a7b</strong></span></div>
</body>
</html>
`;
}

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PricesWriteRepository } from '../../src/assets/write/prices.write-repository.js';
import { JOB_CLOCK, type Clock } from '../../src/jobs/clock.js';
import { startApp, type RunningApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { relationsRead, statementsOf } from './price-reads.support.js';

const TOKEN = 'series-token-0123456789abcdef';
const MISSING_ID = '00000000-0000-4000-8000-000000000000';
const HUGE = '1000000000000000000000000000000';
const TINY = '0.0000000012';
const LONG = '56.789012345678901234';

/** The series coin's prices (coingecko): two days of a week with holes, the next Monday, and one in October. */
const PRICES: Array<[string, string]> = [
  ['2026-10-15T12:00:00Z', '5'],
  ['2026-11-27T00:00:00Z', '10'],
  ['2026-11-27T00:15:00Z', '12'],
  ['2026-11-27T00:30:00Z', '9'],
  ['2026-11-27T00:45:00Z', '11'],
  ['2026-11-27T01:00:00Z', '20'],
  ['2026-11-27T03:00:00Z', '30.5'],
  ['2026-11-27T03:45:00Z', TINY],
  ['2026-11-27T05:00:00Z', LONG],
  ['2026-11-28T10:00:00Z', HUGE],
  ['2026-11-30T00:00:00Z', '200'],
];

interface Point {
  t: string;
  open: string;
  high: string;
  low: string;
  close: string;
  points: number;
}

interface Series {
  asset_id: string;
  source: string;
  interval: string;
  from: string;
  to: string;
  points: Point[];
}

const point = (t: string, open: string, high: string, low: string, close: string, points: number): Point => ({
  t,
  open,
  high,
  low,
  close,
  points,
});
const flat = (t: string, price: string): Point => point(t, price, price, price, price, 1);

describe('GET /assets/{id}/prices/series (e2e)', () => {
  let db: TestDatabase;
  let running: RunningApp;
  let coin: string;
  let history: string;
  let unpriced: string;
  let clock: Clock;

  async function get<T = Series>(path: string, token: string | null = TOKEN) {
    const response = await fetch(`${running.baseUrl}/api/v1${path}`, {
      headers: token === null ? {} : { authorization: `Bearer ${token}` },
    });
    return { status: response.status, body: (await response.json()) as T };
  }
  const series = (query: string, id = coin) => get(`/assets/${id}/prices/series?${query}`);
  const error = async (query: string): Promise<{ status: number; message: string }> => {
    const answer = await get<{ statusCode: number; message: string }>(
      `/assets/${coin}/prices/series?${query}`,
    );
    return { status: answer.status, message: answer.body.message };
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    running = await startApp({ DATABASE_URL: db.url, API_TOKENS: TOKEN });
    clock = running.app.get<Clock>(JOB_CLOCK);
    const rows = await db.query<{ id: string; coingecko_id: string }>(
      `insert into assets (coingecko_id, symbol, name)
       values ('series-coin', 'SER', 'Series'), ('history-coin', 'HIS', 'History'), ('unpriced', 'UNP', 'Unpriced')
       returning id, coingecko_id`,
    );
    const id = (name: string): string => rows.find((row) => row.coingecko_id === name)?.id ?? '';
    [coin, history, unpriced] = [id('series-coin'), id('history-coin'), id('unpriced')];
    const writer = running.app.get(PricesWriteRepository);
    const row = (assetId: string, at: string, price: string) => ({
      assetId,
      timestamp: new Date(at),
      priceUsd: price,
      volume24hUsd: null,
      marketCapUsd: null,
      changePercent24h: null,
    });
    // Written in three batches, as collections would: the rollups are kept up to date by each write.
    await writer.upsertPrices(PRICES.slice(0, 5).map(([at, price]) => row(coin, at, price)));
    await writer.upsertPrices(PRICES.slice(5).map(([at, price]) => row(coin, at, price)));
    await writer.upsertPrices([
      row(history, '2026-10-15T12:00:00Z', '1'),
      row(history, '2026-11-02T08:00:00Z', '2'),
    ]);
    // The tiny price is a real spike, and the writes flag it: flags on points are price-sources.e2e-spec's
    // subject, so this spec reads the prices alone.
    await db.query('delete from price_flags');
    // Another provider's price in the same slot: read only when asked for.
    await db.query(
      `insert into asset_prices (asset_id, timestamp, price_usd, source) values ($1, '2026-11-27T00:15:00Z', 99, 'coinpaprika')`,
      [coin],
    );
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    await running?.close();
    await db?.drop();
  });

  const DAY = 'from=2026-11-27T00:00:00Z&to=2026-11-27T06:00:00Z';

  it('15m: every stored price, oldest first, empty buckets left out, amounts exact', async () => {
    const answer = await series(`${DAY}&interval=15m`);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      asset_id: coin,
      source: 'coingecko',
      interval: '15m',
      from: '2026-11-27T00:00:00.000Z',
      to: '2026-11-27T06:00:00.000Z',
      points: PRICES.slice(1, 9).map(([at, price]) => flat(new Date(at).toISOString(), price)),
    });
  });

  it('1h and 4h read the hourly rollup: first open, max high, min low, last close, summed points', async () => {
    expect((await series(`${DAY}&interval=1h`)).body.points).toEqual([
      point('2026-11-27T00:00:00.000Z', '10', '12', '9', '11', 4),
      flat('2026-11-27T01:00:00.000Z', '20'),
      point('2026-11-27T03:00:00.000Z', '30.5', '30.5', TINY, TINY, 2),
      flat('2026-11-27T05:00:00.000Z', LONG),
    ]);
    expect((await series(`${DAY}&interval=4h`)).body.points).toEqual([
      point('2026-11-27T00:00:00.000Z', '10', '30.5', TINY, TINY, 7),
      flat('2026-11-27T04:00:00.000Z', LONG),
    ]);
  });

  it('1d and 1w read the daily rollup; weeks start on Monday UTC', async () => {
    const range = 'from=2026-11-27T00:00:00Z&to=2026-11-30T12:00:00Z';
    expect((await series(`${range}&interval=1d`)).body.points).toEqual([
      point('2026-11-27T00:00:00.000Z', '10', LONG, TINY, LONG, 8),
      flat('2026-11-28T00:00:00.000Z', HUGE),
      flat('2026-11-30T00:00:00.000Z', '200'),
    ]);
    const weeks = await series('from=2026-10-01T00:00:00Z&to=2026-12-01T00:00:00Z&interval=1w');
    expect(weeks.body.points).toEqual([
      flat('2026-10-12T00:00:00.000Z', '5'),
      point('2026-11-23T00:00:00.000Z', '10', HUGE, TINY, HUGE, 9),
      flat('2026-11-30T00:00:00.000Z', '200'),
    ]);
  });

  it('auto picks the finest interval with at most max_points buckets, and says which', async () => {
    expect((await series(DAY)).body.interval).toBe('15m');
    expect((await series(`${DAY}&max_points=10`)).body.interval).toBe('1h');
    expect((await series(`${DAY}&interval=auto&max_points=2`)).body.interval).toBe('4h');
    const year = await series('from=2025-12-01T00:00:00Z&to=2026-11-30T23:59:59Z');
    expect(year.body.interval).toBe('1d');
    expect(year.body.points).toHaveLength(4);
    expect((await series('from=2020-01-01T00:00:00Z&to=2026-11-30T00:00:00Z')).body.interval).toBe('1w');
  });

  it('defaults to the last 24 hours of the clock', async () => {
    vi.spyOn(clock, 'now').mockReturnValue(new Date('2026-11-27T06:00:00Z'));
    const answer = await series('');
    expect(answer.body).toMatchObject({
      interval: '15m',
      from: '2026-11-26T06:00:00.000Z',
      to: '2026-11-27T06:00:00.000Z',
    });
    expect(answer.body.points).toHaveLength(8);
    vi.restoreAllMocks();
  });

  it('reads another provider only when source asks for it', async () => {
    const answer = await series(`${DAY}&interval=15m&source=coinpaprika`);
    expect(answer.body).toMatchObject({
      source: 'coinpaprika',
      points: [flat('2026-11-27T00:15:00.000Z', '99')],
    });
    expect(await error(`${DAY}&interval=1h&source=nobody`)).toEqual({
      status: 400,
      message: 'source must be one of the known providers: coingecko, coinpaprika',
    });
  });

  it('answers 400 with the reason for every bad range or parameter', async () => {
    const month = 'from=2026-11-01T00:00:00Z&to=2026-11-28T00:00:00Z';
    const cases: Array<[string, RegExp | string]> = [
      [
        `${month}&interval=15m`,
        /needs 2593 points at 15m; .*at most 500 points at 15m: the largest range is 5 days 4 hours 45 minutes/,
      ],
      [
        `${DAY}&interval=15m&max_points=24`,
        /at most 24 points at 15m: the largest range is 5 hours 45 minutes/,
      ],
      [
        'from=2026-11-28T00:00:00Z&to=2026-11-27T00:00:00Z',
        'from (2026-11-28T00:00:00Z) must not be later than to (2026-11-27T00:00:00Z)',
      ],
      [`${DAY}&interval=5m`, 'interval must be one of 15m, 1h, 4h, 1d, 1w, auto'],
      ['from=2010-01-01T00:00:00Z&to=2026-11-28T00:00:00Z', /longer than 10 years/],
      [
        'from=2017-01-01T00:00:00Z&to=2026-11-28T00:00:00Z&max_points=100',
        /even at 1w, more than max_points \(100\)/,
      ],
      [
        'from=2026-02-30T00:00:00Z',
        'from must be an ISO 8601 timestamp with a time zone (e.g. 2026-11-28T00:00:00Z)',
      ],
      ['to=yesterday', 'to must be an ISO 8601 timestamp with a time zone (e.g. 2026-11-28T00:00:00Z)'],
      ['max_points=0', 'max_points must be an integer from 1 to 5000'],
      ['max_points=5001', 'max_points must be an integer from 1 to 5000'],
      ['max_points=abc', 'max_points must be an integer from 1 to 5000'],
      ['source=Not%20A%20Source', 'source must be one of the known providers: coingecko, coinpaprika'],
      ['limit=5', 'property limit should not exist'],
    ];
    for (const [query, message] of cases) {
      const answer = await error(query);
      expect(answer.status, query).toBe(400);
      if (typeof message === 'string') expect(answer.message, query).toBe(message);
      else expect(answer.message, query).toMatch(message);
    }
  });

  it('answers 404 for an unknown asset, 400 for an id that is not a UUID, 401 without a token', async () => {
    expect(await get(`/assets/${MISSING_ID}/prices/series`)).toMatchObject({
      status: 404,
      body: { message: `asset ${MISSING_ID} not found` },
    });
    expect((await get('/assets/bitcoin/prices/series')).status).toBe(400);
    expect(await get(`/assets/${coin}/prices/series`, null)).toMatchObject({
      status: 401,
      body: { statusCode: 401, error: 'Unauthorized' },
    });
  });

  it('reads only the partitions of its range, and the rollups by their key', async () => {
    const read = async (query: string): Promise<string[]> => {
      const { statements } = await statementsOf(() => series(query));
      const reads = statements.filter(({ text }) => /asset_prices/.test(text));
      expect(reads).toHaveLength(1);
      return relationsRead(db, reads[0]);
    };
    expect(await read(`${DAY}&interval=15m`)).toEqual(['asset_prices_p202611']);
    expect(await read('from=2026-10-31T20:00:00Z&to=2026-11-01T04:00:00Z&interval=15m')).toEqual([
      'asset_prices_p202610',
      'asset_prices_p202611',
    ]);
    expect(await read(`${DAY}&interval=4h`)).toEqual(['asset_prices_hourly']);
    expect(await read(`${DAY}&interval=1w`)).toEqual(['asset_prices_daily']);
  });

  it('GET /assets/{id} tells the span of the history: first, last and the oldest raw price', async () => {
    expect((await get<{ history: unknown }>(`/assets/${coin}`)).body.history).toEqual({
      first_at: '2026-10-15T12:00:00.000Z',
      last_at: '2026-11-30T00:00:00.000Z',
      raw_from: '2026-10-15T12:00:00.000Z',
    });
    expect((await get<{ history: unknown }>(`/assets/${unpriced}`)).body.history).toEqual({
      first_at: null,
      last_at: null,
      raw_from: null,
    });
    // October's raw month expired (as retention does it): the rollups still know that day.
    await db.query(`alter table asset_prices detach partition asset_prices_p202610`);
    expect((await get<{ history: unknown }>(`/assets/${history}`)).body.history).toEqual({
      first_at: '2026-10-15T00:00:00.000Z',
      last_at: '2026-11-02T08:00:00.000Z',
      raw_from: '2026-11-02T08:00:00.000Z',
    });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PricesWriteRepository } from '../../src/assets/write/prices.write-repository.js';
import { startApp, type RunningApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { relationsRead, statementsOf, type Captured } from './price-reads.support.js';

const TOKEN = 'price-plans-token-0123456789abcdef';

/** Fourteen UTC months, October 2025 to November 2026: each gets its partition and a few prices. */
const MONTHS = Array.from({ length: 14 }, (_, k) => {
  const start = new Date(Date.UTC(2025, 9 + k, 1));
  return {
    start,
    name: `asset_prices_p${start.getUTCFullYear()}${String(start.getUTCMonth() + 1).padStart(2, '0')}`,
  };
});

/*
 * Every read of the price history must cost the partitions of its range, not the history's length. Timing that
 * would race the machine, so this looks at plans instead: each statement a read sends is captured on its way to
 * PostgreSQL and replayed under EXPLAIN (nothing run), and the raw partitions in its plan must be exactly the months
 * its range touches. The rollups are plain tables probed by their key: a rollup read must name no raw partition.
 */
describe('price reads at scale: every plan touches only the partitions of its range', () => {
  let db: TestDatabase;
  let running: RunningApp;
  let coin: string;
  const rawOf = (relations: string[]): string[] =>
    relations.filter((name) => /^asset_prices_p\d{6}$/.test(name));

  beforeAll(async () => {
    db = await createTestDatabase();
    running = await startApp({ DATABASE_URL: db.url, API_TOKENS: TOKEN });
    const [row] = await db.query<{ id: string }>(
      `insert into assets (coingecko_id, symbol, name) values ('plans-coin', 'PLN', 'Plans') returning id`,
    );
    coin = row.id;
    const writer = running.app.get(PricesWriteRepository);
    // Four slots on the 1st, the 15th and the last day of every month, written as collections do (rollups included).
    for (const { start } of MONTHS) {
      const last = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 0, 23));
      const days = [start, new Date(start.getTime() + 14 * 86_400_000), last];
      await writer.upsertPrices(
        days.flatMap((day) =>
          [0, 15, 30, 45].map((minute) => ({
            assetId: coin,
            timestamp: new Date(day.getTime() + minute * 60_000),
            priceUsd: String(100 + day.getUTCMonth() + minute / 100),
            volume24hUsd: null,
            marketCapUsd: null,
            changePercent24h: null,
          })),
        ),
      );
    }
    // Planner statistics, so a plan is the one a grown table would get rather than an empty table's guess.
    await db.query('analyze asset_prices');
  }, 120_000);

  afterAll(async () => {
    await running?.close();
    await db?.drop();
  });

  async function readsOf(path: string, table: RegExp): Promise<Captured[]> {
    const { result, statements } = await statementsOf(async () => {
      const response = await fetch(`${running.baseUrl}/api/v1${path}`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      return { status: response.status, body: await response.text() };
    });
    expect(result.status, result.body).toBe(200);
    const reads = statements.filter(({ text }) => /^\s*(select|with)\b/i.test(text) && table.test(text));
    expect(reads.length, `statements reading ${table}`).toBeGreaterThan(0);
    return reads;
  }

  const series = (query: string) => `/assets/${coin}/prices/series?${query}`;

  it('holds the fourteen partitions the test needs', async () => {
    const rows = await db.query<{ name: string }>(
      `select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
        where i.inhparent = 'asset_prices'::regclass order by c.relname`,
    );
    expect(rows.map((r) => r.name)).toEqual(expect.arrayContaining(MONTHS.map((m) => m.name)));
  });

  it.each([
    [
      'a day at 15m',
      'from=2026-03-15T00:00:00Z&to=2026-03-16T00:00:00Z&interval=15m',
      ['asset_prices_p202603'],
    ],
    ['a day at auto', 'from=2026-03-15T00:00:00Z&to=2026-03-16T00:00:00Z', ['asset_prices_p202603']],
    [
      'a night across a month end at 15m',
      'from=2026-02-28T20:00:00Z&to=2026-03-01T04:00:00Z&interval=15m',
      ['asset_prices_p202602', 'asset_prices_p202603'],
    ],
    // `to` is inclusive, so a month's range ends at 23:59:59 of its last day.
    [
      'a month at 15m',
      'from=2026-06-01T00:00:00Z&to=2026-06-30T23:59:59Z&interval=15m&max_points=5000',
      ['asset_prices_p202606'],
    ],
  ])('the series of %s reads its months of raw rows only', async (_, query, months) => {
    for (const statement of await readsOf(series(query), /asset_prices/)) {
      expect(rawOf(await relationsRead(db, statement)), statement.text).toEqual(months);
    }
  });

  it.each([
    ['a week at 1h', 'from=2026-03-10T00:00:00Z&to=2026-03-17T00:00:00Z&interval=1h', 'asset_prices_hourly'],
    ['a month at 4h', 'from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:00Z&interval=4h', 'asset_prices_hourly'],
    ['a year at 1d', 'from=2025-11-01T00:00:00Z&to=2026-11-01T00:00:00Z&interval=1d', 'asset_prices_daily'],
    ['a year at 1w', 'from=2025-11-01T00:00:00Z&to=2026-11-01T00:00:00Z&interval=1w', 'asset_prices_daily'],
    [
      'a year at auto/500',
      'from=2025-11-01T00:00:00Z&to=2026-11-01T00:00:00Z&max_points=500',
      'asset_prices_daily',
    ],
  ])('the series of %s reads its rollup and no raw partition', async (_, query, rollup) => {
    for (const statement of await readsOf(series(query), /asset_prices/)) {
      const relations = await relationsRead(db, statement);
      expect(rawOf(relations), statement.text).toEqual([]);
      expect(relations, statement.text).toContain(rollup);
    }
  });

  it.each([
    ['a month ago, within a day', 'at=2026-10-15T12:00:00Z', ['asset_prices_p202610']],
    [
      'a month start, within a day',
      'at=2026-06-01T06:00:00Z',
      ['asset_prices_p202605', 'asset_prices_p202606'],
    ],
    ['a month end, within a week', 'at=2026-04-30T23:00:00Z&max_age=P7D', ['asset_prices_p202604']],
  ])('prices/at %s reads the months of (at - max_age, at] only', async (_, query, months) => {
    const reads = await readsOf(`/prices/at?assets=${coin}&${query}`, /asset_prices/);
    expect(reads).toHaveLength(1);
    expect(rawOf(await relationsRead(db, reads[0])), reads[0].text).toEqual(months);
  });

  it("the write's rollup refresh reads the raw rows of its own month only", async () => {
    const writer = running.app.get(PricesWriteRepository);
    const { statements } = await statementsOf(() =>
      writer.upsertPrices([
        {
          assetId: coin,
          timestamp: new Date('2026-08-15T10:15:00Z'),
          priceUsd: '1.5',
          volume24hUsd: null,
          marketCapUsd: null,
          changePercent24h: null,
        },
      ]),
    );
    const refresh = statements.filter(({ text }) => /insert\s+into\s+"?asset_prices_hourly/i.test(text));
    expect(refresh).toHaveLength(1);
    expect(rawOf(await relationsRead(db, refresh[0])), refresh[0].text).toEqual(['asset_prices_p202608']);
  });

  it('the check tells a pruned plan from one over the whole history', async () => {
    // Without a range on timestamp the planner must list every month: if this ever came back short, the
    // assertions above would pass anything.
    const all = rawOf(
      await relationsRead(db, { text: 'select * from asset_prices where asset_id = $1', values: [coin] }),
    );
    expect(all).toEqual(expect.arrayContaining(MONTHS.map((m) => m.name)));
  });
});

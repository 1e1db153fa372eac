import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoinGeckoFake } from '../fakes/coingecko-fake.js';
import { paprikaFaults, startCoinPaprikaFake, type CoinPaprikaFake } from '../fakes/coinpaprika-fake.js';
import { startApp, type RunningApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { TestJwksServer } from '../support/jwks.js';

const ADMIN_TOKEN = 'c7'.repeat(16);
const MISSING_ID = '00000000-0000-4000-8000-000000000000';

type Body = Record<string, unknown>;
interface Mapping {
  asset_id: string;
  coingecko_id: string;
  status: string;
  provider_id: string | null;
  matched_by: string | null;
  reason: string | null;
  candidates: { provider_id: string }[];
  checked_at: string | null;
}

describe('asset identity: provider_id_mapping, GET /providers/mappings, PATCH coinpaprika_id (e2e)', () => {
  let db: TestDatabase;
  let gecko: CoinGeckoFake;
  let paprika: CoinPaprikaFake;
  let idp: TestJwksServer;
  let running: RunningApp;
  let readerToken: string;

  const env = () => ({
    DATABASE_URL: db.url,
    API_TOKENS: ADMIN_TOKEN,
    ...idp.env(),
    COINGECKO_BASE_URL: gecko.url,
    COINGECKO_RATE_LIMIT_PER_MINUTE: '100000',
    COINGECKO_RETRY_BASE_MS: '1',
    COINGECKO_RETRY_MAX_MS: '5',
    COINPAPRIKA_BASE_URL: paprika.url,
    COINPAPRIKA_RATE_LIMIT_PER_MINUTE: '100000',
    JOB_MAX_ATTEMPTS: '1',
    PRICE_PROVIDERS: 'coingecko,coinpaprika',
  });

  async function call(
    method: 'GET' | 'POST' | 'PATCH',
    path: string,
    options: { body?: unknown; token?: string | null } = {},
  ): Promise<{ status: number; body: Body; text: string }> {
    const token = options.token === undefined ? ADMIN_TOKEN : options.token;
    const headers: Record<string, string> = token === null ? {} : { authorization: `Bearer ${token}` };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${running.baseUrl}/api/v1${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    return { status: response.status, text, body: JSON.parse(text) as Body };
  }

  async function all(status?: string): Promise<Mapping[]> {
    const items: Mapping[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 100; page++) {
      const query = new URLSearchParams({
        limit: '7',
        ...(status ? { status } : {}),
        ...(cursor ? { cursor } : {}),
      });
      const answer = await call('GET', `/providers/mappings?${query.toString()}`);
      expect(answer.status, answer.text).toBe(200);
      items.push(...(answer.body.items as Mapping[]));
      cursor = answer.body.next_cursor as string | null;
      if (cursor === null) return items;
    }
    throw new Error('pagination did not end');
  }

  const assetId = async (coingeckoId: string): Promise<string> => {
    const [row] = await db.query<{ id: string }>('select id from assets where coingecko_id = $1', [
      coingeckoId,
    ]);
    if (!row) throw new Error(`no asset ${coingeckoId}`);
    return row.id;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    gecko = await CoinGeckoFake.start();
    paprika = await startCoinPaprikaFake({ coingecko: gecko });
    idp = await TestJwksServer.start();
    running = await startApp(env());
    readerToken = await idp.mint({ realm_access: { roles: ['reader'] } }, { subject: 'reader-1' });
    const top = await call('POST', '/jobs/collect-top-coins', { body: { limit: 100 } });
    expect(top.status, top.text).toBe(200);
    // A second "Bitcoin" (BTC) without a ranking: the fake's namesakes and this one's missing rank leave it ambiguous.
    await db.query(
      `insert into assets (coingecko_id, symbol, name) values ('bitcoin-impostor', 'BTC', 'Bitcoin')`,
    );
  });

  afterAll(async () => {
    await running?.close();
    await paprika?.close();
    await gecko?.stop();
    await idp?.close();
    await db?.drop();
  });

  it('lists every asset as unmapped and never checked before the first run', async () => {
    const items = await all();
    expect(items).toHaveLength(101);
    expect(items.every((item) => item.status === 'unmapped' && item.checked_at === null)).toBe(true);
    expect(items.map((item) => item.coingecko_id)).toEqual(items.map((item) => item.coingecko_id).sort());
  });

  it('maps the assets from ONE GET /coins call, never wrongly, and reports the rest', async () => {
    paprika.requests.length = 0;
    const run = await call('POST', '/jobs/map-provider-ids', { body: {} });
    expect(run.status, run.text).toBe(200);
    expect(run.body).toMatchObject({ success: true, job_name: 'provider_id_mapping' });
    expect(paprika.count('/coins')).toBe(1);
    expect(paprika.requests).toHaveLength(1);
    const metrics = run.body.metrics as { items_created: number; custom: Record<string, number> };
    const { assets_mapped: mapped, assets_unmapped: unmapped, assets_ambiguous: ambiguous } = metrics.custom;
    expect((mapped ?? 0) + (unmapped ?? 0) + (ambiguous ?? 0)).toBe(101);
    expect(metrics.items_created).toBe(mapped);

    const rows = await db.query<{ coingecko_id: string; provider_id: string; matched_by: string }>(
      `select a.coingecko_id, m.provider_id, m.matched_by from asset_provider_ids m join assets a on a.id = m.asset_id
        where m.provider = 'coinpaprika'`,
    );
    expect(rows).toHaveLength(mapped ?? -1);
    const wrong = rows.filter((row) => row.provider_id !== paprika.idOf(row.coingecko_id));
    expect(wrong).toEqual([]);
    expect(rows.every((row) => row.matched_by === 'rule')).toBe(true);
    expect(mapped).toBeGreaterThanOrEqual(90);
    process.stdout.write(
      `provider_id_mapping on the fake: ${mapped} mapped, ${ambiguous} ambiguous, ${unmapped} unmapped\n`,
    );

    const listed = await all('mapped');
    expect(listed).toHaveLength(mapped ?? -1);
    const bitcoin = listed.find((item) => item.coingecko_id === 'bitcoin');
    expect(bitcoin).toMatchObject({
      provider_id: 'btc-bitcoin',
      matched_by: 'rule',
      reason: expect.stringMatching(/^symbol and name/) as unknown,
    });
    expect((await all('ambiguous')).find((item) => item.coingecko_id === 'bitcoin-impostor')).toMatchObject({
      status: 'ambiguous',
      provider_id: null,
      candidates: expect.arrayContaining([
        { provider_id: 'btc-bitcoin', name: 'Bitcoin', symbol: 'BTC', rank: 1 },
      ]) as unknown,
    });
    for (const status of ['unmapped', 'ambiguous'] as const) {
      const items = await all(status);
      expect(items.every((item) => item.status === status && item.provider_id === null)).toBe(true);
      expect(items.every((item) => typeof item.reason === 'string' && item.checked_at !== null)).toBe(true);
      if (status === 'ambiguous') expect(items.every((item) => item.candidates.length >= 1)).toBe(true);
    }
    expect((await all('unmapped')).length + (await all('ambiguous')).length).toBe(101 - (mapped ?? 0));
  });

  it('a second run changes nothing', async () => {
    const before = await db.query(
      'select asset_id, provider_id, updated_at from asset_provider_ids order by asset_id',
    );
    const run = await call('POST', '/jobs/map-provider-ids', { body: {} });
    expect(run.status, run.text).toBe(200);
    expect(run.body.metrics).toMatchObject({ items_created: 0, items_updated: 0 });
    expect(
      await db.query('select asset_id, provider_id, updated_at from asset_provider_ids order by asset_id'),
    ).toEqual(before);
  });

  it('PATCH coinpaprika_id: 400 for a wrong format, naming the field; nothing changes', async () => {
    const id = await assetId('bitcoin');
    for (const value of [
      'BTC-Bitcoin',
      'bitcoin',
      'btc--bitcoin',
      '-btc',
      'btc bitcoin',
      42,
      true,
      'a-'.repeat(60) + 'b',
    ]) {
      const answer = await call('PATCH', `/assets/${id}`, { body: { coinpaprika_id: value } });
      expect(answer.status, JSON.stringify(value)).toBe(400);
      expect(answer.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(answer.body.message).toMatch(/^coinpaprika_id must be a CoinPaprika coin id/);
    }
    const [row] = await db.query<{ provider_id: string }>(
      'select provider_id from asset_provider_ids where asset_id = $1',
      [id],
    );
    expect(row?.provider_id).toBe('btc-bitcoin');
  });

  it('PATCH coinpaprika_id: 409 naming the asset that holds the id, and is_tracked left alone', async () => {
    const ethereum = await assetId('ethereum');
    const answer = await call('PATCH', `/assets/${ethereum}`, {
      body: { coinpaprika_id: 'btc-bitcoin', is_tracked: true },
    });
    expect(answer.status, answer.text).toBe(409);
    expect(answer.body).toEqual({
      statusCode: 409,
      error: 'Conflict',
      message: `coinpaprika_id btc-bitcoin is already mapped to asset ${await assetId('bitcoin')} (bitcoin, by the mapping job); clear it there first`,
    });
    const [row] = await db.query<{ is_tracked: boolean }>('select is_tracked from assets where id = $1', [
      ethereum,
    ]);
    expect(row?.is_tracked).toBe(false);
  });

  it('PATCH coinpaprika_id: sets (admin), clears with null, and the job leaves both alone', async () => {
    // An asset the rules mapped: the admin's id replaces the rule's.
    const target = (await all('mapped')).find((item) => item.coingecko_id === 'tron');
    if (!target) throw new Error('tron is not mapped');
    const set = await call('PATCH', `/assets/${target.asset_id}`, {
      body: { coinpaprika_id: 'zzz-admin-choice' },
    });
    expect(set.status, set.text).toBe(200);
    expect(set.body.provider_ids).toEqual([
      {
        provider: 'coinpaprika',
        provider_id: 'zzz-admin-choice',
        matched_by: 'admin',
        updated_at: expect.any(String) as unknown,
      },
    ]);
    const got = await call('GET', `/assets/${target.asset_id}`);
    expect(got.body.provider_ids).toEqual(set.body.provider_ids);

    const eth = await assetId('ethereum');
    const cleared = await call('PATCH', `/assets/${eth}`, { body: { coinpaprika_id: null } });
    expect(cleared.status, cleared.text).toBe(200);
    expect(cleared.body.provider_ids).toEqual([]);

    const run = await call('POST', '/jobs/map-provider-ids', { body: {} });
    expect(run.status, run.text).toBe(200);
    expect((run.body.metrics as { custom: Body }).custom.admin_assets).toBe(2);
    const mappings = await all();
    expect(mappings.find((item) => item.asset_id === target.asset_id)).toMatchObject({
      status: 'mapped',
      provider_id: 'zzz-admin-choice',
      matched_by: 'admin',
      reason: 'set by an admin',
    });
    expect(mappings.find((item) => item.coingecko_id === 'ethereum')).toMatchObject({
      status: 'unmapped',
      provider_id: null,
      reason: 'cleared by an admin',
    });
    // Set again, the id is the admin's; `eth-ethereum` was free since the clear.
    const again = await call('PATCH', `/assets/${eth}`, { body: { coinpaprika_id: 'eth-ethereum' } });
    expect(again.status, again.text).toBe(200);
    expect((again.body.provider_ids as Body[])[0]).toMatchObject({
      provider_id: 'eth-ethereum',
      matched_by: 'admin',
    });
  });

  it('a rule mapping whose coin vanished from /coins is removed and the asset listed unmapped', async () => {
    const gone = gecko.coins().find((coin) => coin.id === 'dogecoin');
    expect(gone).toBeDefined();
    gecko.setCoins(gecko.coins().filter((coin) => coin.id !== 'dogecoin'));
    const run = await call('POST', '/jobs/map-provider-ids', { body: {} });
    expect(run.status, run.text).toBe(200);
    expect((run.body.metrics as { custom: Body }).custom.mappings_removed).toBe(1);
    const doge = (await all()).find((item) => item.coingecko_id === 'dogecoin');
    expect(doge).toMatchObject({ status: 'unmapped', provider_id: null, matched_by: null });
    if (gone) gecko.setCoins([...gecko.coins(), gone]);
  });

  it('CoinPaprika failing the run: 502 naming CoinPaprika, mappings unchanged', async () => {
    const before = await db.query('select * from asset_provider_ids order by asset_id');
    // A refusal CoinPaprika's client does not retry (a 5xx would be retried with backoff: same outcome, slower).
    paprika.failNext('/coins', 10, paprikaFaults.status(400, { error: 'bad request' }));
    const run = await call('POST', '/jobs/map-provider-ids', { body: {} });
    paprika.reset();
    expect(run.status, run.text).toBe(502);
    expect(String(run.body.error)).toContain('CoinPaprika');
    expect(await db.query('select * from asset_provider_ids order by asset_id')).toEqual(before);
  });

  it('routes: 401 without a token, 403 for PATCH without the admin role, 400 for bad queries, 404 unknown asset', async () => {
    expect((await call('GET', '/providers/mappings', { token: null })).status).toBe(401);
    expect((await call('GET', '/providers/mappings', { token: readerToken })).status).toBe(200);
    const id = await assetId('bitcoin');
    const forbidden = await call('PATCH', `/assets/${id}`, {
      body: { coinpaprika_id: null },
      token: readerToken,
    });
    expect(forbidden.status).toBe(403);
    expect(
      (await call('PATCH', `/assets/${id}`, { body: { coinpaprika_id: null }, token: null })).status,
    ).toBe(401);
    const missing = await call('PATCH', `/assets/${MISSING_ID}`, { body: { coinpaprika_id: 'btc-bitcoin' } });
    expect(missing.status).toBe(404);
    expect(missing.body.message).toBe(`asset ${MISSING_ID} not found`);
    for (const [query, message] of [
      ['status=done', 'status must be one of mapped, unmapped, ambiguous'],
      ['cursor=abc', 'cursor is not valid'],
      ['limit=0', 'limit must be an integer from 1 to 500'],
    ] as const) {
      const answer = await call('GET', `/providers/mappings?${query}`);
      expect(answer.status, query).toBe(400);
      expect(answer.body.message).toBe(message);
    }
    const [row] = await db.query<{ n: number }>(
      "select count(*)::int as n from asset_provider_ids where provider_id = 'btc-bitcoin'",
    );
    expect(row?.n).toBe(1);
  });

  it('without coinpaprika in PRICE_PROVIDERS the run ends at once, saying why, and makes no call', async () => {
    await running.close();
    running = await startApp({ ...env(), PRICE_PROVIDERS: 'coingecko' });
    paprika.requests.length = 0;
    const run = await call('POST', '/jobs/map-provider-ids', { body: {} });
    expect(run.status, run.text).toBe(200);
    expect(run.body.metrics).toMatchObject({
      items_processed: 0,
      custom: { not_mapped: 'coinpaprika is not in PRICE_PROVIDERS', assets_mapped: 0 },
    });
    expect(paprika.requests).toHaveLength(0);
  });
});

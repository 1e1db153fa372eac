import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeCoinListItem } from '../fakes/coingecko-fake.js';
import { faults } from '../fakes/coingecko-fake.js';
import { changedKeys, DUPLICATE_QUERIES, startCollectors, type CollectorsHarness } from './harness.js';

const id = (rank: number): string => `coin-${String(rank).padStart(5, '0')}`;

describe('contract addresses collection', () => {
  let h: CollectorsHarness;
  let list: FakeCoinListItem[];

  beforeAll(async () => {
    h = await startCollectors({ fake: { coins: 300 }, env: { CONTRACT_ADDRESSES_DECIMALS_PER_RUN: '3' } });
    await h.run('top_coins_collection', { limit: 300 });
    // Real quirks on top of the generated list.
    list = h.fake.coinsList();
    const byId = new Map(list.map((item) => [item.id, item]));
    byId.get(id(2))!.platforms = { ethereum: '0xABCDEFABCDEFABCDEFABCDEFABCDEFABCDEFABCD', '': '' };
    byId.get(id(3))!.platforms = {
      ethereum: '0xabcdefabcdefabcdefabcdefabcdefabcdefabcd',
      solana: 'So11111111111111111111111111111111111111112',
    };
    byId.get(id(4))!.platforms = {
      'polygon-pos': '0x2791Bca1f2de4661ED88A30C99A7a9449Aa84174',
      tron: 'TEkxiTehnzSmSe2XqrBj4w32RUN966rdz8',
      eos: null,
    };
    byId.get('coin 00123')!.platforms = {
      'binance-smart-chain': '0x000000000000000000000000000000000000dEaD',
    };
    h.fake.setCoinsList(list.filter((item) => item.id !== id(9)));
    h.fake.setDetailPlatforms(id(2), {
      ethereum: { decimal_place: 18, contract_address: '0xABCDEFABCDEFABCDEFABCDEFABCDEFABCDEFABCD' },
    });
    h.fake.setDetailPlatforms(id(3), {
      ethereum: { decimal_place: 6, contract_address: '0xabcdefabcdefabcdefabcdefabcdefabcdefabcd' },
      solana: { decimal_place: 9, contract_address: 'So11111111111111111111111111111111111111112' },
    });
    h.fake.setDetailPlatforms(id(4), {
      'polygon-pos': { decimal_place: 6, contract_address: '0x2791bca1f2de4661ed88a30c99a7a9449aa84174' },
      tron: { decimal_place: null, contract_address: 'TEkxiTehnzSmSe2XqrBj4w32RUN966rdz8' },
    });
  });

  afterAll(async () => {
    await h?.close();
  });

  it('makes ONE /coins/list call for all assets, normalises and upserts every contract', async () => {
    h.fake.clearRequests();
    const result = await h.run('contract_addresses_collection', { limit: null });
    expect(result.error).toBeUndefined();
    expect(result.success).toBe(true);
    expect(result.job_name).toBe('contract_addresses_collection(limit=all)');
    expect(h.fake.count('/coins/list')).toBe(1);
    expect(h.fake.lastRequest('/coins/list')?.query.include_platform).toBe('true');
    // Decimals: at most CONTRACT_ADDRESSES_DECIMALS_PER_RUN calls, best-ranked assets first.
    expect(h.fake.requests.filter((r) => r.endpoint === '/coins/{id}').map((r) => r.path)).toEqual([
      `/coins/${id(2)}`,
      `/coins/${id(3)}`,
      `/coins/${id(4)}`,
    ]);

    const rows = await h.db.query<{
      chain: string;
      contract_address: string;
      token_standard: string | null;
      decimals: number | null;
      owner: string;
    }>(
      `select c.chain, c.contract_address, c.token_standard, c.decimals, a.coingecko_id as owner
         from asset_contracts c join assets a on a.id = c.asset_id
        where a.coingecko_id in ($1, $2, $3, 'coin 00123') order by a.coingecko_id, c.chain`,
      [id(2), id(3), id(4)],
    );
    expect(rows).toEqual([
      {
        owner: 'coin 00123',
        chain: 'bsc',
        contract_address: '0x000000000000000000000000000000000000dead',
        token_standard: 'BEP20',
        decimals: null,
      },
      // Rank 2 keeps the contract rank 3 also lists in another letter case.
      {
        owner: id(2),
        chain: 'ethereum',
        contract_address: '0xabcdefabcdefabcdefabcdefabcdefabcdefabcd',
        token_standard: 'ERC20',
        decimals: 18,
      },
      {
        owner: id(3),
        chain: 'solana',
        contract_address: 'So11111111111111111111111111111111111111112',
        token_standard: 'SPL',
        decimals: 9,
      },
      {
        owner: id(4),
        chain: 'polygon',
        contract_address: '0x2791bca1f2de4661ed88a30c99a7a9449aa84174',
        token_standard: 'ERC20',
        decimals: 6,
      },
      {
        owner: id(4),
        chain: 'tron',
        contract_address: 'TEkxiTehnzSmSe2XqrBj4w32RUN966rdz8',
        token_standard: 'TRC20',
        decimals: null,
      },
    ]);

    const [{ n: stored }] = await h.db.query<{ n: number }>(`select count(*)::int as n from asset_contracts`);
    expect(result.metrics).toMatchObject({
      items_created: stored,
      items_updated: 0,
      items_skipped: 1,
      custom: {
        assets_processed: 300,
        contracts_created: stored,
        contracts_updated: 0,
        contracts_conflicting: 1,
        assets_unknown_to_coingecko: 1,
        decimals_calls: 3,
        decimals_filled: 3,
      },
    });
    expect(result.metrics.items_processed).toBe(stored + 1);
    // Natives (ranks 1, 6, 11, … have no platforms) and the coin missing from the list are skipped.
    const natives = Array.from({ length: 300 }, (_, i) => i + 1).filter((rank) => rank % 5 === 1).length;
    expect(result.metrics.custom).toMatchObject({
      assets_without_contracts: natives,
      assets_skipped: natives + 1,
    });
  });

  it('a second run with the same data rewrites no address and fills the next decimals', async () => {
    const before = await h.versions('asset_contracts', `chain || ' ' || contract_address`);
    h.fake.clearRequests();
    const result = await h.run('contract_addresses_collection', { limit: null });
    expect(result.metrics).toMatchObject({
      items_created: 0,
      items_updated: 0,
      custom: { contracts_unchanged: result.metrics.items_skipped - 1 },
    });
    expect(h.fake.count('/coins/list')).toBe(1);
    // The next three assets still lacking decimals were asked (the generated coins have none: 404s are skipped).
    expect(h.fake.count('/coins/{id}')).toBe(3);
    // Only the contracts of the assets asked for decimals were rewritten (their decimals and when they
    // were asked); the address upsert itself changed nothing.
    const changed = changedKeys(
      before,
      await h.versions('asset_contracts', `chain || ' ' || contract_address`),
    );
    const asked = await h.db.query<{ key: string }>(
      `select chain || ' ' || contract_address as key from asset_contracts where decimals_checked_at >= $1 order by 1`,
      [result.started_at],
    );
    expect(changed).toEqual(asked.map((row) => row.key));
    expect(changed.length).toBeGreaterThan(0);
  });

  it('asks for decimals CoinGecko does not know only after every other asset was asked (converges)', async () => {
    const asked = new Set<string>();
    for (let run = 0; run < 4; run++) {
      h.fake.clearRequests();
      await h.run('contract_addresses_collection', { limit: 30 });
      const paths = h.fake.requests.filter((r) => r.endpoint === '/coins/{id}').map((r) => r.path);
      expect(paths).toHaveLength(3);
      for (const path of paths) {
        expect(asked.has(path), `${path} asked twice before the others`).toBe(false);
        asked.add(path);
      }
    }
  });

  it('limit=N considers only the first N assets by latest rank', async () => {
    h.fake.clearRequests();
    const result = await h.run('contract_addresses_collection', { limit: 10 });
    expect(result.job_name).toBe('contract_addresses_collection(limit=10)');
    expect(result.metrics.custom).toMatchObject({ assets_processed: 10 });
    expect(h.fake.count('/coins/list')).toBe(1);
  });

  it('moves a contract to the better-ranked asset when ownership changes', async () => {
    const next = h.fake.coinsList();
    next.find((item) => item.id === id(1))!.platforms = {
      ethereum: '0x2791BCA1F2DE4661ED88A30C99A7A9449AA84174',
    };
    next.find((item) => item.id === id(4))!.platforms = {
      ethereum: '0x2791bca1f2de4661ed88a30c99a7a9449aa84174',
    };
    h.fake.setCoinsList(next);
    const result = await h.run('contract_addresses_collection', { limit: 5 });
    // Rank 1 now claims rank 4's contract; rank 3 still repeats rank 2's.
    expect(result.metrics.custom).toMatchObject({ contracts_conflicting: 2 });
    const [owner] = await h.db.query(
      `select a.coingecko_id from asset_contracts c join assets a on a.id = c.asset_id
        where c.chain = 'ethereum' and c.contract_address = '0x2791bca1f2de4661ed88a30c99a7a9449aa84174'`,
    );
    expect(owner.coingecko_id).toBe(id(1));
    h.fake.setCoinsList(list);
  });

  it('never duplicates a contract (the original README check)', async () => {
    expect(await h.db.query(DUPLICATE_QUERIES.asset_contracts)).toEqual([]);
  });

  it('fails with a clear error when the list call fails, keeping the contracts already stored', async () => {
    const [before] = await h.db.query(`select count(*)::int as n from asset_contracts`);
    h.fake.failNext('/coins/list', 5, faults.truncatedJson());
    const result = await h.run('contract_addresses_collection', { limit: null });
    h.fake.reset();
    expect(result.success).toBe(false);
    expect(result.error).toMatch(/^CoinGecko .*\/coins\/list after 3 attempts/);
    const [after] = await h.db.query(`select count(*)::int as n from asset_contracts`);
    expect(after).toEqual(before);
  });
});

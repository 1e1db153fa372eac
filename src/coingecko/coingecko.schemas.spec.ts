import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseJsonKeepingNumbers } from './coingecko.json.js';
import {
  coinDetailSchema,
  coinListItemSchema,
  globalSchema,
  marketCoinSchema,
  parseList,
  parseObject,
  pingSchema,
  ResponseShapeError,
} from './coingecko.schemas.js';

const FIXTURES = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'coingecko');

function fixture(path: string): unknown {
  return parseJsonKeepingNumbers(readFileSync(join(FIXTURES, path), 'utf8'));
}

function byId<T extends { id: string }>(items: T[], id: string): T {
  const found = items.find((item) => item.id === id);
  if (!found) throw new Error(`no ${id}`);
  return found;
}

describe('/coins/markets schema, on every recorded response', () => {
  it.each([
    ['coins-markets/markets_usd_top100_2025-04-14.json', 100],
    ['coins-markets/markets_usd_top100_pcp-1y_2021-06-24.json', 100],
    ['coins-markets/markets_usd_per-page-30_2025-03-04.json', 30],
    ['coins-markets/markets_ids-bitcoin-space-ethereum_vs-eth_2021-05-15.json', 2],
    ['oas-examples/demo-oas_coins-markets.example.json', 1],
  ])('%s: all %i coins parse, none skipped', (path, count) => {
    const { items, skipped } = parseList(fixture(path), marketCoinSchema, 'coins');
    expect(skipped).toBe(0);
    expect(items).toHaveLength(count);
    expect(new Set(items.map((coin) => coin.id)).size).toBe(count);
  });

  it('keeps amounts as the decimal text CoinGecko wrote, nulls as null', () => {
    const recent = parseList(
      fixture('coins-markets/markets_usd_top100_2025-04-14.json'),
      marketCoinSchema,
      'coins',
    );
    expect(byId(recent.items, 'bitcoin')).toEqual({
      id: 'bitcoin',
      symbol: 'btc',
      name: 'Bitcoin',
      image: 'https://coin-images.coingecko.com/coins/images/1/large/bitcoin.png?1696501400',
      currentPrice: '85156',
      marketCap: '1690620920152',
      marketCapRank: 1,
      totalVolume: '30914541865',
      priceChangePercentage24h: '0.87752',
      circulatingSupply: '19851175.0',
      totalSupply: '19851175.0',
      maxSupply: '21000000.0',
      lastUpdated: '2025-04-14T13:07:50.808Z',
    });
    expect(byId(recent.items, 'shiba-inu').currentPrice).toBe('1.238e-05');

    const old = parseList(
      fixture('coins-markets/markets_usd_top100_pcp-1y_2021-06-24.json'),
      marketCoinSchema,
      'coins',
    );
    const shib = byId(old.items, 'shiba-inu');
    expect(shib).toMatchObject({
      currentPrice: '6.73e-06',
      circulatingSupply: '497730966630395.75',
      totalSupply: '1.0e+15',
      maxSupply: null,
    });
  });

  it('keeps coins that share a symbol (usdt, usdc, weth are each several coins)', () => {
    const { items } = parseList(
      fixture('coins-markets/markets_usd_top100_2025-04-14.json'),
      marketCoinSchema,
      'coins',
    );
    for (const symbol of ['usdt', 'usdc', 'weth']) {
      expect(items.filter((coin) => coin.symbol === symbol).length).toBeGreaterThan(1);
    }
  });

  it('accepts null in every numeric field, a null rank, a null image and missing optional fields', () => {
    const body = parseJsonKeepingNumbers(
      JSON.stringify([
        {
          id: 'x',
          symbol: 'x',
          name: 'X',
          image: null,
          current_price: null,
          market_cap: null,
          market_cap_rank: null,
          total_volume: null,
          price_change_percentage_24h: null,
          circulating_supply: null,
          total_supply: null,
          max_supply: null,
        },
        { id: 'y', symbol: 'y', name: 'Y' },
      ]),
    );
    const { items, skipped } = parseList(body, marketCoinSchema, 'coins');
    expect(skipped).toBe(0);
    expect(items[0]).toMatchObject({ id: 'x', image: null, currentPrice: null, marketCapRank: null });
    expect(items[1]).toMatchObject({ id: 'y', image: null, currentPrice: null, lastUpdated: null });
  });

  it('skips and counts the items it cannot use, keeps the rest', () => {
    const body = parseJsonKeepingNumbers(
      '[{"id":"ok","symbol":"o","name":"O","current_price":1},' +
        '{"symbol":"noid","name":"No id"},' +
        '{"id":"","symbol":"e","name":"Empty id"},' +
        '{"id":"bad-price","symbol":"b","name":"B","current_price":"cheap"},' +
        '{"id":"bad-rank","symbol":"r","name":"R","market_cap_rank":1.5},' +
        '"not a coin", null]',
    );
    const { items, skipped, problems } = parseList(body, marketCoinSchema, 'coins');
    expect(items.map((coin) => coin.id)).toEqual(['ok']);
    expect(skipped).toBe(6);
    expect(problems[0]?.index).toBe(1);
    expect(problems[0]?.problem).toMatch(/^id: /);
    expect(problems.find((problem) => problem.id === 'bad-rank')?.problem).toMatch(/integer/);
  });

  it('rejects a body that is not a list', () => {
    expect(() => parseList(parseJsonKeepingNumbers('{"coins":[]}'), marketCoinSchema, 'coins')).toThrow(
      new ResponseShapeError('expected an array of coins, got an object'),
    );
  });
});

describe('/coins/list?include_platform=true schema', () => {
  it('parses all 10,244 coins of the recorded list and keeps its quirks', () => {
    const { items, skipped } = parseList(
      fixture('coins-list/coins-list_include-platform_2023-10.json'),
      coinListItemSchema,
      'coins',
    );
    expect(skipped).toBe(0);
    expect(items).toHaveLength(10_244);
    expect(byId(items, 'bitcoin').platforms).toEqual({});
    expect(byId(items, 'peos').platforms).toEqual({ eos: null });
    expect(byId(items, 'ayin').platforms).toEqual({ '': 'vT49PY8ksoUL6NcXiZ1t2wAmC7tTPRfFfER8n3UCLvXy' });
    expect(byId(items, 'acala').platforms).toEqual({ polkadot: '' });
    expect(byId(items, '1move token')).toMatchObject({ symbol: '1mt', name: '1Move Token' });
    const symbols = new Map<string, number>();
    for (const coin of items) symbols.set(coin.symbol, (symbols.get(coin.symbol) ?? 0) + 1);
    expect([...symbols.values()].filter((count) => count > 1).length).toBeGreaterThan(1000);
  });

  it('parses the documented example', () => {
    const { items } = parseList(
      fixture('oas-examples/demo-oas_coins-list.example.json'),
      coinListItemSchema,
      'coins',
    );
    expect(items[0]).toEqual({
      id: 'official-trump',
      symbol: 'trump',
      name: 'Official Trump',
      platforms: { solana: '6p6xgHyF7AeE6TZkSmFsko444wqoP15icUSqi2jfGiPN' },
    });
  });

  it('skips an item without platforms or with a non-text address', () => {
    const body = parseJsonKeepingNumbers(
      '[{"id":"a","symbol":"a","name":"A"},{"id":"b","symbol":"b","name":"B","platforms":{"ethereum":12}},' +
        '{"id":"c","symbol":"c","name":"C","platforms":{}}]',
    );
    const { items, skipped } = parseList(body, coinListItemSchema, 'coins');
    expect(items.map((coin) => coin.id)).toEqual(['c']);
    expect(skipped).toBe(2);
  });
});

describe('/coins/{id} schema', () => {
  it('reads a native coin: platform "" with null decimals', () => {
    const { detail, skipped } = parseObject(
      fixture('oas-examples/demo-oas_coins-id_bitcoin.example.json'),
      coinDetailSchema,
      'a coin',
    );
    expect(skipped).toBe(0);
    expect(detail).toMatchObject({
      id: 'bitcoin',
      assetPlatformId: null,
      platforms: { '': '' },
      detailPlatforms: { '': { decimalPlace: null, contractAddress: '' } },
    });
  });

  it('reads tokens with decimals per platform, including null decimals and odd addresses', () => {
    const weth = parseObject(
      fixture('oas-examples/demo-oas_coins-contract.example.json'),
      coinDetailSchema,
      'a coin',
    );
    expect(weth.detail.detailPlatforms.ethereum).toEqual({
      decimalPlace: 18,
      contractAddress: '0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2',
    });
    const usdc = parseObject(
      fixture('oas-examples/public-oas-2025-04_coins-contract_usd-coin.example.json'),
      coinDetailSchema,
      'a coin',
    );
    expect(usdc.skipped).toBe(0);
    expect(usdc.detail.id).toBe('usd-coin');
    expect(Object.keys(usdc.detail.detailPlatforms)).toHaveLength(15);
    expect(usdc.detail.detailPlatforms.stellar?.decimalPlace).toBeNull();
    expect(usdc.detail.detailPlatforms.polkadot?.contractAddress).toBe('1337');
  });

  it('reads 2021 responses that had no detail_platforms at all', () => {
    const bitcoin = parseObject(
      fixture('coins-id/coins-id_bitcoin_full_2021-05-15.json'),
      coinDetailSchema,
      'a coin',
    );
    expect(bitcoin.detail).toMatchObject({ id: 'bitcoin', detailPlatforms: {}, platforms: { '': '' } });
    const tether = parseObject(
      fixture('coins-id/coins-contract_ethereum_0xdac17f_tether_2021-08-13.json'),
      coinDetailSchema,
      'a coin',
    );
    expect(tether.detail.assetPlatformId).toBe('ethereum');
    expect(Object.keys(tether.detail.platforms)).toHaveLength(7);
  });

  it('drops a broken detail_platforms entry and counts it, keeping the coin', () => {
    const body = parseJsonKeepingNumbers(
      '{"id":"t","symbol":"t","name":"T","detail_platforms":{"ethereum":{"decimal_place":18,"contract_address":"0xab"},' +
        '"solana":{"decimal_place":"nine","contract_address":"So1"},"tron":null}}',
    );
    const { detail, skipped } = parseObject(body, coinDetailSchema, 'a coin');
    expect(Object.keys(detail.detailPlatforms)).toEqual(['ethereum']);
    expect(skipped).toBe(2);
  });

  it('rejects a coin without an id', () => {
    expect(() => parseObject(parseJsonKeepingNumbers('{"symbol":"x"}'), coinDetailSchema, 'a coin')).toThrow(
      /a coin is not usable \(id: /,
    );
  });
});

describe('/global and /ping schemas', () => {
  it('reads the total market cap in USD as decimal text', () => {
    const global = parseObject(fixture('oas-examples/demo-oas_global.example.json'), globalSchema, 'global');
    expect(global).toEqual({
      totalMarketCapUsd: '2621040321355.0405',
      totalVolumeUsd: '95133256404.37308',
      marketCapPercentage: { btc: '57.9539332566265', eth: '9.58227145398409', usdt: '7.223241338072757' },
      updatedAt: new Date(1779878351 * 1000),
    });
  });

  it('rejects /global without data', () => {
    expect(() => parseObject(parseJsonKeepingNumbers('[]'), globalSchema, 'global market data')).toThrow(
      'expected global market data, got an array',
    );
  });

  it.each(['oas-examples/demo-oas_ping.example.json', 'ping/ping_2019.json'])('parses %s', (path) => {
    expect(parseObject(fixture(path), pingSchema, 'ping')).toEqual({ geckoSays: '(V3) To the Moon!' });
  });
});

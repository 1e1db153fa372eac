import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseJsonKeepingNumbers } from '../../coingecko/coingecko.json.js';
import { parseList } from '../../coingecko/coingecko.schemas.js';
import { coinSchema, historicalTickSchema, tickerSchema } from './coinpaprika.schemas.js';

const TICKER_TEXT = readFileSync(
  join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'coinpaprika', 'ticker-btc-bitcoin.json'),
  'utf8',
);

describe('CoinPaprika ticker schema', () => {
  it('reads the documented ticker example, amounts as the decimal text CoinPaprika wrote', () => {
    const parsed = tickerSchema.parse(parseJsonKeepingNumbers(TICKER_TEXT));
    expect(parsed).toEqual({
      id: 'btc-bitcoin',
      name: 'Bitcoin',
      symbol: 'BTC',
      rank: 1,
      priceUsd: '5162.15941296',
      volume24hUsd: '7304207651.1585',
      marketCapUsd: '91094433242',
      percentChange24h: '1.59',
      lastUpdated: '2018-11-14T07:20:41Z',
    });
  });

  it('keeps digits a float would lose, and exponents as written', () => {
    const body = parseJsonKeepingNumbers(
      '{"id":"x-x","name":"X","symbol":"X","rank":0,"quotes":{"USD":{"price":1.2e-9,"market_cap":123456789012345678901,"volume_24h":null}}}',
    );
    expect(tickerSchema.parse(body)).toMatchObject({
      rank: 0,
      priceUsd: '1.2e-9',
      marketCapUsd: '123456789012345678901',
      volume24hUsd: null,
      percentChange24h: null,
    });
  });

  it('drops and counts malformed items without failing the list; a ticker without USD has no price', () => {
    const body = parseJsonKeepingNumbers(
      JSON.stringify([
        { id: 'btc-bitcoin', name: 'Bitcoin', symbol: 'BTC', rank: 1, quotes: { USD: { price: 1 } } },
        { id: '', name: 'Empty', symbol: 'E', rank: 2 },
        { id: 'eth-ethereum', name: 'Ethereum', symbol: 'ETH', rank: 'two' },
        { id: 'usdt-tether', name: 'Tether', symbol: 'USDT', rank: 3, quotes: { USD: { price: 'one' } } },
        { id: 'no-quote', name: 'No quote', symbol: 'NQ', rank: 4 },
      ]),
    );
    const parsed = parseList(body, tickerSchema, 'tickers');
    expect(parsed.items.map((ticker) => [ticker.id, ticker.priceUsd])).toEqual([
      ['btc-bitcoin', '1'],
      ['no-quote', null],
    ]);
    expect(parsed.skipped).toBe(3);
    expect(parsed.problems.map((problem) => problem.index)).toEqual([1, 2, 3]);
  });
});

describe('CoinPaprika /coins and historical schemas', () => {
  it('reads /coins entries; a coin that does not say is active', () => {
    const body = parseJsonKeepingNumbers(
      '[{"id":"btc-bitcoin","name":"Bitcoin","symbol":"BTC","rank":1,"is_new":false,"is_active":true,"type":"coin"},' +
        '{"id":"usdt-tether","name":"Tether","symbol":"USDT","rank":3,"type":"token"},{"name":"no id"}]',
    );
    const parsed = parseList(body, coinSchema, 'coins');
    expect(parsed.items).toEqual([
      {
        id: 'btc-bitcoin',
        name: 'Bitcoin',
        symbol: 'BTC',
        rank: 1,
        isNew: false,
        isActive: true,
        type: 'coin',
      },
      {
        id: 'usdt-tether',
        name: 'Tether',
        symbol: 'USDT',
        rank: 3,
        isNew: false,
        isActive: true,
        type: 'token',
      },
    ]);
    expect(parsed.skipped).toBe(1);
  });

  it('reads historical ticks and drops one without a price or a time', () => {
    const body = parseJsonKeepingNumbers(
      '[{"timestamp":"2026-12-01T00:00:00Z","price":97000.5,"volume_24h":1e10,"market_cap":null},' +
        '{"timestamp":"2026-12-01T01:00:00Z","price":null},{"timestamp":"yesterday","price":1}]',
    );
    const parsed = parseList(body, historicalTickSchema, 'ticks');
    expect(parsed.items).toEqual([
      { timestamp: '2026-12-01T00:00:00Z', price: '97000.5', volume24h: '1e10', marketCap: null },
    ]);
    expect(parsed.skipped).toBe(2);
  });
});

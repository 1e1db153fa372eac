import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseJsonKeepingNumbers } from './coingecko.json.js';
import { marketChartSchema, parseObject, ResponseShapeError } from './coingecko.schemas.js';

const FIXTURES = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'coingecko');

const parse = (text: string) =>
  parseObject(parseJsonKeepingNumbers(text), marketChartSchema, 'a market chart');

describe('/coins/{id}/market_chart/range schema', () => {
  it("parses CoinGecko's documented example, keeping sample times and the decimal text of every amount", () => {
    const text = readFileSync(
      join(FIXTURES, 'oas-examples/demo-oas_coins-id-market-chart-range.example.json'),
      'utf8',
    );
    expect(parse(text)).toEqual({
      skipped: 0,
      chart: {
        prices: [
          { at: 1779027899041, value: '77953.82550382407' },
          { at: 1779028199661, value: '78052.87543398788' },
        ],
        marketCaps: [
          { at: 1779027899041, value: '1560631481361.8042' },
          { at: 1779028199661, value: '1562027330524.267' },
        ],
        totalVolumes: [
          { at: 1779027899041, value: '18688431751.857048' },
          { at: 1779028199661, value: '18974828816.446976' },
        ],
      },
    });
  });

  it('keeps digits a float would lose and exponents as written; null amounts stay null', () => {
    const { chart } = parse(
      '{"prices":[[1700000000000,123456789012345678901.123456789],[1700000300000,1.2e-9]],' +
        '"market_caps":[[1700000000000,null]],"total_volumes":[[1700000000000,1e+30]]}',
    );
    expect(chart.prices.map((point) => point.value)).toEqual(['123456789012345678901.123456789', '1.2e-9']);
    expect(chart.marketCaps).toEqual([{ at: 1700000000000, value: null }]);
    expect(chart.totalVolumes).toEqual([{ at: 1700000000000, value: '1e+30' }]);
  });

  it('drops and counts malformed points, keeping the others', () => {
    const { chart, skipped } = parse(
      '{"prices":[[1700000000000,1],[1700000300000],["x",2],[1700000600000,"abc"],{"t":1},[1700000900000,"4.5"]],' +
        '"market_caps":[[1700000000000,3,"extra"]]}',
    );
    expect(skipped).toBe(4);
    expect(chart.prices).toEqual([
      { at: 1700000000000, value: '1' },
      { at: 1700000900000, value: '4.5' },
    ]);
    // A longer tuple still has its time and amount first; series left out are empty.
    expect(chart.marketCaps).toEqual([{ at: 1700000000000, value: '3' }]);
    expect(chart.totalVolumes).toEqual([]);
  });

  it('an empty chart (a coin without data) parses to empty series', () => {
    expect(parse('{"prices":[],"market_caps":[],"total_volumes":[]}')).toEqual({
      skipped: 0,
      chart: { prices: [], marketCaps: [], totalVolumes: [] },
    });
  });

  it('refuses a body without a prices list, saying what was wrong', () => {
    expect(() => parse('{"error":"coin not found"}')).toThrow(ResponseShapeError);
    expect(() => parse('{"error":"coin not found"}')).toThrow(/^a market chart is not usable \(prices: /);
    expect(() => parse('[]')).toThrow('expected a market chart, got an array');
  });
});

import { describe, expect, it } from 'vitest';
import { JsonNumber, parseJsonKeepingNumbers } from './coingecko.json.js';

describe('parseJsonKeepingNumbers', () => {
  it('keeps the text of every number exactly as written', () => {
    const body = parseJsonKeepingNumbers(
      '{"tiny":1.2e-9,"huge":1e30,"api":1.0e+15,"zeros":0.10,"big":123456789012345678901,"neg":-1.034312375871936e+15}',
    ) as Record<string, JsonNumber>;
    expect(Object.fromEntries(Object.entries(body).map(([key, value]) => [key, value.text]))).toEqual({
      tiny: '1.2e-9',
      huge: '1e30',
      api: '1.0e+15',
      zeros: '0.10',
      big: '123456789012345678901',
      neg: '-1.034312375871936e+15',
    });
    // What a float round trip would have made of the big integer:
    expect(String(body.big.value)).toBe('123456789012345680000');
  });

  it('leaves strings, booleans and null alone and serialises numbers back as numbers', () => {
    const body = parseJsonKeepingNumbers('[{"id":"1move token","ok":true,"n":null,"x":"12"},7]');
    expect(body).toEqual([{ id: '1move token', ok: true, n: null, x: '12' }, new JsonNumber('7')]);
    expect(JSON.stringify(body)).toBe('[{"id":"1move token","ok":true,"n":null,"x":"12"},7]');
  });

  it('throws SyntaxError on a cut-off body', () => {
    expect(() => parseJsonKeepingNumbers('[{"id":"bitcoin","current_price":8')).toThrow(SyntaxError);
  });
});

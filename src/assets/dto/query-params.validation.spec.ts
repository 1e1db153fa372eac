import 'reflect-metadata';
import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validate } from 'class-validator';
import { describe, expect, it } from 'vitest';
import { ContractsQueryDto } from './contracts-query.dto.js';
import { ListAssetsQueryDto } from './list-assets-query.dto.js';
import { PriceHistoryQueryDto } from './price-history-query.dto.js';
import { RankingsQueryDto } from './rankings-query.dto.js';
import { UpdateAssetDto } from './update-asset.dto.js';

/** What the global ValidationPipe does with a query: transform (no implicit conversion), then validate. */
async function check<T extends object>(
  dto: ClassConstructor<T>,
  plain: Record<string, unknown>,
): Promise<{ value: T; messages: string[] }> {
  const value = plainToInstance(dto, plain, { enableImplicitConversion: false });
  const errors = await validate(value, { whitelist: true, forbidNonWhitelisted: true });
  return { value, messages: errors.flatMap((error) => Object.values(error.constraints ?? {})) };
}

const LIMIT_MESSAGE = 'limit must be an integer from 1 to 500';

describe('query parameters', () => {
  it('defaults limit to 100 and reads digits as a number', async () => {
    expect((await check(ListAssetsQueryDto, {})).value.limit).toBe(100);
    const { value, messages } = await check(ListAssetsQueryDto, { limit: '500' });
    expect(messages).toEqual([]);
    expect(value.limit).toBe(500);
  });

  it.each(['0', '501', 'abc', '1.5', '-1', '', '1e2', ' 5', '99999999999999999999', ['1', '2']])(
    'refuses limit=%j with one message naming it',
    async (limit) => {
      expect((await check(RankingsQueryDto, { limit })).messages).toEqual([LIMIT_MESSAGE]);
    },
  );

  it('reads tracked as a boolean only from true/false', async () => {
    expect((await check(ListAssetsQueryDto, { tracked: 'TRUE' })).value.tracked).toBe(true);
    expect((await check(ListAssetsQueryDto, { tracked: 'false' })).value.tracked).toBe(false);
    expect((await check(ListAssetsQueryDto, { tracked: '1' })).messages).toEqual([
      'tracked must be true or false',
    ]);
  });

  it('trims a search and treats a blank one as absent', async () => {
    expect((await check(ListAssetsQueryDto, { search: '  eth ' })).value.search).toBe('eth');
    const blank = await check(ListAssetsQueryDto, { search: '   ' });
    expect(blank.messages).toEqual([]);
    expect(blank.value.search).toBeUndefined();
  });

  it('refuses unknown parameters', async () => {
    expect((await check(ListAssetsQueryDto, { page: '2' })).messages).toEqual([
      'property page should not exist',
    ]);
  });

  it('canonicalises from/to and restores a + the query string turned into a space', async () => {
    const { value, messages } = await check(PriceHistoryQueryDto, {
      from: '2026-11-28t10:00:00 01:00',
      to: '2026-11-28T12:00:00z',
    });
    expect(messages).toEqual([]);
    expect(value.from).toBe('2026-11-28T10:00:00+01:00');
    expect(value.to).toBe('2026-11-28T12:00:00Z');
    expect((await check(PriceHistoryQueryDto, { from: '2026-11-28' })).messages).toEqual([
      'from must be an ISO 8601 timestamp with a time zone (e.g. 2026-11-28T00:00:00Z)',
    ]);
  });

  it('accepts calendar dates only', async () => {
    expect((await check(RankingsQueryDto, { date: '2024-02-29' })).messages).toEqual([]);
    expect((await check(RankingsQueryDto, { date: '2026-02-29' })).messages).toEqual([
      'date must be a calendar date as YYYY-MM-DD (e.g. 2026-11-28)',
    ]);
  });

  it('requires a chain, with one message', async () => {
    expect((await check(ContractsQueryDto, {})).messages).toEqual([
      'chain is required: a chain name such as ethereum or solana',
    ]);
    expect((await check(ContractsQueryDto, { chain: 'x'.repeat(101) })).messages).toEqual([
      'chain must be one chain name of at most 100 characters',
    ]);
    expect((await check(ContractsQueryDto, { chain: ' Ethereum ', address: ' 0xabc ' })).value).toMatchObject(
      {
        chain: 'Ethereum',
        address: '0xabc',
      },
    );
  });

  it('takes is_tracked as a JSON boolean only', async () => {
    expect((await check(UpdateAssetDto, { is_tracked: false })).messages).toEqual([]);
    for (const is_tracked of ['true', 1, null, undefined]) {
      expect((await check(UpdateAssetDto, { is_tracked })).messages).toEqual([
        'is_tracked must be true or false',
      ]);
    }
  });
});

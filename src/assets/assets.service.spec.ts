import { BadRequestException, Logger, NotFoundException } from '@nestjs/common';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Principal } from '../auth/principal.types.js';
import type { AssetsRepository, RankingQuery } from './assets.repository.js';
import { AssetsService } from './assets.service.js';
import type { AssetDto } from './dto/asset.dto.js';
import type { PriceHistoryQueryDto } from './dto/price-history-query.dto.js';
import type { RankingsQueryDto } from './dto/rankings-query.dto.js';
import { assetCursor, contractCursor, rankingCursor } from './page-cursor.js';
import type { PriceGapsService } from './price-gaps.service.js';
import type { PriceReadsRepository } from './prices/price-reads.repository.js';

const ASSET_ID = '3f0c8d52-4f3e-4a8e-9a55-2f1b3c4d5e6f';
const ASSET: AssetDto = {
  id: ASSET_ID,
  coingecko_id: 'bonk',
  symbol: 'BONK',
  name: 'Bonk',
  asset_type: 'cryptocurrency',
  logo_url: null,
  is_active: true,
  is_tracked: true,
  created_at: '2026-11-01T00:00:00.000Z',
  updated_at: '2026-11-28T00:00:00.000Z',
};

/** A repository whose every query is a spy answering nothing, unless a test says otherwise. */
function fakeRepository(overrides: Partial<Record<keyof AssetsRepository, unknown>> = {}) {
  const emptyPage = { items: [], next: null };
  const repository = {
    listAssets: vi.fn().mockResolvedValue(emptyPage),
    findAsset: vi.fn().mockResolvedValue(ASSET),
    exists: vi.fn().mockResolvedValue(true),
    contractsOf: vi.fn().mockResolvedValue([]),
    latestRankingOf: vi.fn().mockResolvedValue(undefined),
    latestPriceOf: vi.fn().mockResolvedValue(undefined),
    priceHistory: vi.fn().mockResolvedValue(emptyPage),
    latestSnapshotDate: vi.fn().mockResolvedValue('2026-11-28'),
    rankings: vi.fn().mockResolvedValue(emptyPage),
    findContract: vi.fn().mockResolvedValue(undefined),
    listContracts: vi.fn().mockResolvedValue(emptyPage),
    setTracked: vi.fn().mockResolvedValue({ coingeckoId: 'bonk', previous: false }),
    ...overrides,
  };
  const gaps = { recentHoles: vi.fn().mockResolvedValue(0) } as unknown as PriceGapsService;
  const history = { first_at: null, last_at: null, raw_from: null };
  const priceReads = {
    historyBounds: vi.fn().mockResolvedValue(history),
  } as unknown as PriceReadsRepository;
  return {
    repository,
    service: new AssetsService(repository as unknown as AssetsRepository, gaps, priceReads),
  };
}

const rankingsQuery = (query: Partial<RankingsQueryDto>): RankingsQueryDto => ({ limit: 100, ...query });

describe('AssetsService', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('encodes the last row key of a full page as next_cursor, and none on the last page', async () => {
    const next = { bucket: 0 as const, symbol: 'BTC', coingeckoId: 'bitcoin' };
    const { service } = fakeRepository({ listAssets: vi.fn().mockResolvedValue({ items: [ASSET], next }) });
    const page = await service.list({ limit: 1 });
    expect(page.next_cursor).toBe(assetCursor.encode(next));
    const { service: last } = fakeRepository();
    expect((await last.list({ limit: 1 })).next_cursor).toBeNull();
  });

  it('answers 400 "cursor is not valid" before touching the database', async () => {
    const { service, repository } = fakeRepository();
    await expect(service.list({ limit: 5, cursor: 'garbage' })).rejects.toThrow(
      new BadRequestException('cursor is not valid'),
    );
    expect(repository.listAssets).not.toHaveBeenCalled();
  });

  it('defaults rankings to the latest snapshot and reports an empty table as snapshot_date null', async () => {
    const { service, repository } = fakeRepository();
    expect((await service.rankings(rankingsQuery({}))).snapshot_date).toBe('2026-11-28');
    expect(repository.rankings).toHaveBeenCalledWith<[RankingQuery]>({
      snapshotDate: '2026-11-28',
      after: undefined,
      limit: 100,
    });
    const { service: empty, repository: emptyRepository } = fakeRepository({
      latestSnapshotDate: vi.fn().mockResolvedValue(undefined),
    });
    expect(await empty.rankings(rankingsQuery({}))).toEqual({
      snapshot_date: null,
      items: [],
      next_cursor: null,
    });
    expect(emptyRepository.rankings).not.toHaveBeenCalled();
  });

  it('continues the snapshot of a ranking cursor, not the newest one', async () => {
    const { service, repository } = fakeRepository();
    const cursor = rankingCursor.encode({
      snapshotDate: '2026-11-27',
      rank: 2,
      source: 'coingecko',
      assetId: ASSET_ID,
    });
    const page = await service.rankings(rankingsQuery({ cursor }));
    expect(page.snapshot_date).toBe('2026-11-27');
    expect(repository.latestSnapshotDate).not.toHaveBeenCalled();
    await expect(service.rankings(rankingsQuery({ cursor, date: '2026-11-28' }))).rejects.toThrow(
      BadRequestException,
    );
  });

  it('refuses from later than to (400) before looking the asset up', async () => {
    const { service, repository } = fakeRepository();
    const query = {
      limit: 10,
      from: '2026-11-28T01:00:00+02:00',
      to: '2026-11-27T22:59:59Z',
    } as PriceHistoryQueryDto;
    await expect(service.prices(ASSET_ID, query)).rejects.toThrow(
      'from (2026-11-28T01:00:00+02:00) must not be later than to (2026-11-27T22:59:59Z)',
    );
    expect(repository.exists).not.toHaveBeenCalled();
    // The same instant in two zones is a valid (one-instant) range.
    await service.prices(ASSET_ID, {
      limit: 10,
      from: '2026-11-28T01:00:00+02:00',
      to: '2026-11-27T23:00:00Z',
    });
    expect(repository.priceHistory).toHaveBeenCalledOnce();
  });

  it('answers 404 for the prices of an unknown asset', async () => {
    const { service } = fakeRepository({ exists: vi.fn().mockResolvedValue(false) });
    await expect(service.prices(ASSET_ID, { limit: 10 })).rejects.toThrow(
      new NotFoundException(`asset ${ASSET_ID} not found`),
    );
  });

  it('looks up contracts by normalised chain and address, and refuses a cursor of another chain', async () => {
    const { service, repository } = fakeRepository();
    await service.contracts({
      chain: 'Ethereum',
      address: '0xA0b86991c6218b36c1D19D4a2e9Eb0cE3606eB48',
      limit: 100,
    });
    expect(repository.findContract).toHaveBeenCalledWith(
      'ethereum',
      '0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48',
    );
    await service.contracts({
      chain: 'solana',
      address: 'DezXAZ8z7PnrnRJjz3wXBoRgixCa6xjnB7YaB1pPB263',
      limit: 100,
    });
    expect(repository.findContract).toHaveBeenLastCalledWith(
      'solana',
      'DezXAZ8z7PnrnRJjz3wXBoRgixCa6xjnB7YaB1pPB263',
    );
    const cursor = contractCursor.encode({ chain: 'ethereum', contractAddress: '0xa0' });
    await expect(service.contracts({ chain: 'solana', cursor, limit: 100 })).rejects.toThrow(
      'cursor is not valid',
    );
  });

  it('logs who changed is_tracked (kind and subject only) and answers the asset', async () => {
    const log = vi.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const { service } = fakeRepository();
    const principal: Principal = {
      kind: 'jwt',
      subject: 'alice',
      roles: ['admin'],
      isAdmin: true,
      rateKey: 'jwt:iss|alice',
    };
    const answer = await service.setTracked(ASSET_ID, true, principal);
    expect(answer).toMatchObject({ id: ASSET_ID, contracts: [], latest_ranking: null, latest_price: null });
    expect(log).toHaveBeenCalledWith(
      {
        assetId: ASSET_ID,
        coingeckoId: 'bonk',
        isTracked: true,
        previous: false,
        principal: { kind: 'jwt', subject: 'alice' },
      },
      'Asset bonk: is_tracked set to true by jwt alice',
    );
  });

  it('answers 404 when the asset to update does not exist', async () => {
    const { service } = fakeRepository({ setTracked: vi.fn().mockResolvedValue(undefined) });
    const principal: Principal = {
      kind: 'static',
      subject: 'api-token#1',
      roles: ['admin'],
      isAdmin: true,
      rateKey: 'static:x',
    };
    await expect(service.setTracked(ASSET_ID, true, principal)).rejects.toThrow(NotFoundException);
  });
});

import { MikroORM } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { sql } from 'kysely';
import { SqlRepository } from '../../database/sql-repository.js';
import { upsertMany, type UpsertCounts, type WriteOptions } from '../../database/upsert.js';
import { AssetRankingSchema } from '../entities/asset-ranking.entity.js';
import { AssetSchema } from '../entities/asset.entity.js';
import type { ProviderName } from '../../providers/provider-name.js';
import { COINGECKO_SOURCE, inLatestSnapshot } from '../latest-snapshot.js';
import { PriceSources } from '../prices/price-sources.js';

/** An asset as a collector saw it upstream; `coingecko_id` is the natural key. */
export interface AssetRow {
  coingeckoId: string;
  symbol: string;
  name: string;
  logoUrl: string | null;
  isActive: boolean;
}

/** A coin's place in one day's snapshot of a provider; amounts are decimal text, as the provider sent them. */
export interface RankingRow {
  assetId: string;
  /** `YYYY-MM-DD`, UTC. */
  snapshotDate: string;
  rank: number;
  marketCapUsd: string | null;
  priceUsd: string | null;
  volume24hUsd: string | null;
  changePercent24h: string | null;
  dominance: string | null;
  /** The provider ranked it; CoinGecko when absent. */
  source?: ProviderName;
}

/** An asset a job works on, in the order the job must take them. */
export interface AssetRef {
  id: string;
  coingeckoId: string;
}

export interface TrackedAsset extends AssetRef {
  symbol: string;
  /** Its CoinPaprika id once mapped (`asset_provider_ids`), for the price fallback. */
  coinpaprikaId: string | null;
}

/** The write side of `assets` and `asset_rankings`, and the asset lists the collectors work through. */
@Injectable()
export class AssetsWriteRepository extends SqlRepository {
  constructor(
    orm: MikroORM,
    private readonly sources: PriceSources,
  ) {
    super(orm);
  }

  /** Upserts on `coingecko_id` and returns every row's id by `coingecko_id` (changed or not). */
  async upsertAssets(
    rows: readonly AssetRow[],
    options: WriteOptions = {},
  ): Promise<UpsertCounts & { ids: Map<string, string> }> {
    const result = await upsertMany(this.em(), AssetSchema, rows, {
      ...options,
      conflictOn: ['coingeckoId'],
      compare: ['symbol', 'name', 'logoUrl', 'isActive'],
      touch: ['updatedAt'],
      returning: ['id'],
    });
    const ids = new Map(result.rows.map((row) => [String(row.coingeckoId), String(row.id)]));
    const unresolved = rows.filter((row) => !ids.has(row.coingeckoId)).map((row) => row.coingeckoId);
    if (unresolved.length > 0)
      throw new Error(`no asset row for ${unresolved.slice(0, 5).join(', ')} after the upsert`);
    const { inserted, updated, unchanged } = result;
    return { inserted, updated, unchanged, ids };
  }

  /** Rankings on `(asset_id, snapshot_date, source)`. */
  upsertRankings(rows: readonly RankingRow[], options: WriteOptions = {}): Promise<UpsertCounts> {
    const ranking = ({ assetId, source, ...row }: RankingRow) => ({
      ...row,
      asset: assetId,
      source: source ?? COINGECKO_SOURCE,
    });
    return upsertMany(this.em(), AssetRankingSchema, rows.map(ranking), {
      ...options,
      conflictOn: ['asset', 'snapshotDate', 'source'],
      compare: ['rank', 'marketCapUsd', 'priceUsd', 'volume24hUsd', 'changePercent24h', 'dominance'],
      touch: ['updatedAt'],
    });
  }

  /**
   * The assets mapped to these ids of `provider` (`asset_provider_ids`), by provider id: the only assets a
   * provider other than CoinGecko can rank, since it cannot create one.
   */
  async assetIdsAt(provider: ProviderName, providerIds: readonly string[]): Promise<Map<string, string>> {
    if (providerIds.length === 0) return new Map();
    const { rows } = await sql<{ providerId: string; assetId: string }>`
      select provider_id as "providerId", asset_id as "assetId" from asset_provider_ids
       where provider = ${provider} and provider_id = any(${[...providerIds]}::text[])`.execute(this.db());
    return new Map(rows.map((row) => [row.providerId, row.assetId]));
  }

  /**
   * The assets to price: the top `limit` of the latest ranking snapshot, plus every asset marked
   * `is_tracked` (a portfolio asset outside the top N), each once, best-ranked first.
   */
  async trackedAssets(limit: number): Promise<TrackedAsset[]> {
    const { rows } = await sql<TrackedAsset>`
      with top as (
        select r.asset_id, r.rank from asset_rankings r
         where ${inLatestSnapshot('r', this.sources.rankings())}
         order by r.rank, r.asset_id
         limit ${limit}
      )
      select a.id, a.coingecko_id as "coingeckoId", a.symbol, m.provider_id as "coinpaprikaId"
        from assets a left join top t on t.asset_id = a.id
        left join asset_provider_ids m on m.asset_id = a.id and m.provider = 'coinpaprika'
       where t.asset_id is not null or a.is_tracked
       order by t.rank nulls last, a.coingecko_id`.execute(this.db());
    return rows;
  }

  /**
   * Active assets, best-ranked first (latest snapshot; unranked ones after, by CoinGecko id), the first
   * `limit` of them or all (`null`). The order decides which asset keeps a contract two coins claim.
   */
  async activeAssetsByRank(limit: number | null): Promise<AssetRef[]> {
    const { rows } = await sql<AssetRef>`
      select a.id, a.coingecko_id as "coingeckoId"
        from assets a
        left join asset_rankings r on r.asset_id = a.id and ${inLatestSnapshot('r', this.sources.rankings())}
       where a.is_active
       order by r.rank nulls last, a.coingecko_id
       ${limit === null ? sql`` : sql`limit ${limit}`}`.execute(this.db());
    return rows;
  }
}

import { MikroORM } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { upsertMany, type UpsertCounts, type WriteOptions } from '../../database/upsert.js';
import { AssetRankingSchema } from '../entities/asset-ranking.entity.js';
import { COINGECKO_SOURCE } from '../latest-snapshot.js';

/** A coin's place in one day's CoinGecko snapshot; amounts are decimal text, as CoinGecko sent them. */
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
}

/** The write side of `asset_rankings`: natural key `(asset_id, snapshot_date, source)`. */
@Injectable()
export class RankingsWriteRepository {
  constructor(private readonly orm: MikroORM) {}

  upsertRankings(rows: readonly RankingRow[], options: WriteOptions = {}): Promise<UpsertCounts> {
    const ranking = ({ assetId, ...row }: RankingRow) => ({
      ...row,
      asset: assetId,
      source: COINGECKO_SOURCE,
    });
    return upsertMany(this.orm.em.fork(), AssetRankingSchema, rows.map(ranking), {
      ...options,
      conflictOn: ['asset', 'snapshotDate', 'source'],
      compare: ['rank', 'marketCapUsd', 'priceUsd', 'volume24hUsd', 'changePercent24h', 'dominance'],
      touch: ['updatedAt'],
    });
  }
}

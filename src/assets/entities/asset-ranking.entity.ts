import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { AssetSchema } from './asset.entity.js';

/** A coin's place in one daily market-cap snapshot; natural key `(asset_id, snapshot_date, source)`. */
export const AssetRankingSchema = defineEntity({
  name: 'AssetRanking',
  tableName: 'asset_rankings',
  properties: {
    id: p.uuid().primary().defaultRaw('gen_random_uuid()'),
    asset: () => p.manyToOne(AssetSchema).deleteRule('cascade'),
    snapshotDate: p.date(),
    rank: p.integer(),
    marketCapUsd: p.decimal('string').columnType('numeric').nullable(),
    priceUsd: p.decimal('string').columnType('numeric').nullable(),
    volume24hUsd: p.decimal('string').columnType('numeric').fieldName('volume_24h_usd').nullable(),
    changePercent24h: p.decimal('string').columnType('numeric').fieldName('change_percent_24h').nullable(),
    dominance: p.decimal('string').columnType('numeric').nullable(),
    source: p.text().default('coingecko'),
    createdAt: p.datetime().defaultRaw('now()'),
    updatedAt: p.datetime().defaultRaw('now()'),
  },
  uniques: [
    {
      name: 'asset_rankings_asset_id_snapshot_date_source_unique',
      properties: ['asset', 'snapshotDate', 'source'],
    },
  ],
  indexes: [{ name: 'asset_rankings_snapshot_date_rank_index', properties: ['snapshotDate', 'rank'] }],
});

export type AssetRanking = InferEntity<typeof AssetRankingSchema>;

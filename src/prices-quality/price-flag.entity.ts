import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { AssetSchema } from '../assets/entities/asset.entity.js';

export const PRICE_FLAG_KINDS = ['spike', 'freeze', 'divergence'] as const;
export type PriceFlagKind = (typeof PRICE_FLAG_KINDS)[number];

/**
 * One anomaly of one stored price point (docs/providers.md, "Quality flags"); the primary key is the natural key
 * `(asset_id, timestamp, source, kind)`. The schema lives in the migration; this definition keeps the ORM's view
 * in step with it. Writes go through PriceFlagsWriteRepository, reads through PriceFlagsRepository.
 */
export const PriceFlagSchema = defineEntity({
  name: 'PriceFlag',
  tableName: 'price_flags',
  properties: {
    asset: () => p.manyToOne(AssetSchema).deleteRule('cascade').primary(),
    timestamp: p.datetime().primary(),
    source: p.text().primary(),
    kind: p.enum(PRICE_FLAG_KINDS).primary(),
    detail: p.json<Record<string, unknown>>(),
    createdAt: p.datetime().defaultRaw('now()'),
  },
  indexes: [
    { name: 'price_flags_timestamp_index', properties: ['timestamp', 'asset', 'source', 'kind'] },
    { name: 'price_flags_kind_timestamp_index', properties: ['kind', 'timestamp', 'asset', 'source'] },
  ],
});

export type PriceFlag = InferEntity<typeof PriceFlagSchema>;

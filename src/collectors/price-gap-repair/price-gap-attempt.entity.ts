import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { AssetSchema } from '../../assets/entities/asset.entity.js';

/**
 * A price hole the gap-repair job could not fill, and how often it asked. The schema lives in the
 * migration; this definition keeps the ORM's view (and `migration:create`) in step with it. Queries go
 * through PriceGapRepairRepository.
 */
export const PriceGapAttemptSchema = defineEntity({
  name: 'PriceGapAttempt',
  tableName: 'price_gap_attempts',
  properties: {
    asset: () => p.manyToOne(AssetSchema).primary().deleteRule('cascade'),
    slot: p.datetime().primary(),
    tries: p.integer().default(0),
    lastTriedAt: p.datetime(),
    lastReason: p.text(),
  },
  indexes: [{ name: 'price_gap_attempts_slot_index', properties: ['slot'] }],
});

export type PriceGapAttempt = InferEntity<typeof PriceGapAttemptSchema>;

import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { AssetSchema } from '../../assets/entities/asset.entity.js';

export const MATCHED_BY = ['rule', 'admin'] as const;
export type MatchedBy = (typeof MATCHED_BY)[number];

export const MAPPING_STATUSES = ['mapped', 'unmapped', 'ambiguous'] as const;
export type MappingStatus = (typeof MAPPING_STATUSES)[number];

/**
 * An asset's id at another provider. Natural keys `(asset_id, provider)` (the primary key) and
 * `(provider, provider_id)`; both live in AssetProviderIdsWriteRepository. The schema lives in the
 * migration; this definition keeps the ORM's view in step with it.
 */
export const AssetProviderIdSchema = defineEntity({
  name: 'AssetProviderId',
  tableName: 'asset_provider_ids',
  properties: {
    asset: () => p.manyToOne(AssetSchema).deleteRule('cascade').primary(),
    provider: p.text().primary(),
    providerId: p.text(),
    matchedBy: p.enum(MATCHED_BY),
    createdAt: p.datetime().defaultRaw('now()'),
    updatedAt: p.datetime().defaultRaw('now()'),
  },
  uniques: [
    { name: 'asset_provider_ids_provider_provider_id_unique', properties: ['provider', 'providerId'] },
  ],
});

export type AssetProviderId = InferEntity<typeof AssetProviderIdSchema>;

/** The last outcome of matching one asset against one provider's list (see the migration). */
export const AssetProviderIdCheckSchema = defineEntity({
  name: 'AssetProviderIdCheck',
  tableName: 'asset_provider_id_checks',
  properties: {
    asset: () => p.manyToOne(AssetSchema).deleteRule('cascade').primary(),
    provider: p.text().primary(),
    outcome: p.enum(MAPPING_STATUSES),
    reason: p.text().nullable(),
    candidates: p.json<unknown[]>().default('[]'),
    checkedAt: p.datetime().nullable(),
    adminClearedAt: p.datetime().nullable(),
  },
});

export type AssetProviderIdCheck = InferEntity<typeof AssetProviderIdCheckSchema>;

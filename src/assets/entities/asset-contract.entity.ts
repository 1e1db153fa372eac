import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { AssetSchema } from './asset.entity.js';

/**
 * A token contract on one chain; natural key `(chain, contract_address)`. EVM addresses are stored
 * lower-case, case-sensitive chains (Solana, Tron, …) keep CoinGecko's spelling.
 */
export const AssetContractSchema = defineEntity({
  name: 'AssetContract',
  tableName: 'asset_contracts',
  properties: {
    id: p.uuid().primary().defaultRaw('gen_random_uuid()'),
    asset: () => p.manyToOne(AssetSchema).deleteRule('cascade').index('asset_contracts_asset_id_index'),
    chain: p.text(),
    contractAddress: p.text(),
    tokenStandard: p.text().nullable(),
    decimals: p.integer().nullable(),
    /** When `/coins/{id}` was last asked for the decimals; those never found are asked again last. */
    decimalsCheckedAt: p.datetime().nullable(),
    isVerified: p.boolean().default(false),
    createdAt: p.datetime().defaultRaw('now()'),
    updatedAt: p.datetime().defaultRaw('now()'),
  },
  uniques: [
    { name: 'asset_contracts_chain_contract_address_unique', properties: ['chain', 'contractAddress'] },
  ],
});

export type AssetContract = InferEntity<typeof AssetContractSchema>;

import { Injectable } from '@nestjs/common';
import { sql } from 'kysely';
import { SqlRepository } from '../../database/sql-repository.js';
import { toDateOrNull } from '../../database/pg-values.js';
import { upsertMany, type UpsertCounts, type WriteOptions } from '../../database/upsert.js';
import type { NormalisedContract } from '../contract-chains.js';
import { AssetContractSchema } from '../entities/asset-contract.entity.js';

/** A contract and the asset that owns it. */
export interface ContractRow extends NormalisedContract {
  assetId: string;
}

/** A contract whose token decimals are still unknown. */
export interface PendingDecimals {
  assetId: string;
  chain: string;
  contractAddress: string;
  /** When `/coins/{id}` was last asked for them; null = never. */
  checkedAt: Date | null;
}

/** What `/coins/{id}` said about a contract's decimals (null: it did not know them). */
export interface DecimalsAnswer {
  assetId: string;
  chain: string;
  contractAddress: string;
  decimals: number | null;
  checkedAt: Date;
}

const NATURAL_KEY = ['chain', 'contractAddress'] as const;

/** The write side of `asset_contracts`: natural key `(chain, contract_address)`, and its decimals queue. */
@Injectable()
export class ContractsWriteRepository extends SqlRepository {
  /** Owner and token standard of each contract; decimals are left as they are. */
  upsertContracts(rows: readonly ContractRow[], options: WriteOptions = {}): Promise<UpsertCounts> {
    const contract = ({ assetId, ...row }: ContractRow) => ({ ...row, asset: assetId });
    return upsertMany(this.em(), AssetContractSchema, rows.map(contract), {
      ...options,
      conflictOn: NATURAL_KEY,
      compare: ['asset', 'tokenStandard'],
      touch: ['updatedAt'],
    });
  }

  /** Every contract whose token decimals are still unknown. */
  async pendingDecimals(): Promise<PendingDecimals[]> {
    const { rows } = await sql<Omit<PendingDecimals, 'checkedAt'> & { checkedAt: unknown }>`
      select asset_id as "assetId", chain, contract_address as "contractAddress",
             decimals_checked_at as "checkedAt"
        from asset_contracts
       where decimals is null`.execute(this.db());
    return rows.map((row) => ({ ...row, checkedAt: toDateOrNull(row.checkedAt) }));
  }

  /** Records each answer, found or not, so unknown decimals go to the back of the queue. */
  recordDecimals(answers: readonly DecimalsAnswer[], options: WriteOptions = {}): Promise<UpsertCounts> {
    const answer = ({ assetId, checkedAt, ...row }: DecimalsAnswer) => ({
      ...row,
      asset: assetId,
      decimalsCheckedAt: checkedAt,
    });
    return upsertMany(this.em(), AssetContractSchema, answers.map(answer), {
      ...options,
      conflictOn: NATURAL_KEY,
      compare: ['decimals', 'decimalsCheckedAt'],
      touch: ['updatedAt'],
    });
  }
}

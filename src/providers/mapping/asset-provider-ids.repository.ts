import { Injectable } from '@nestjs/common';
import { sql } from 'kysely';
import { SqlRepository } from '../../database/sql-repository.js';
import type { ProviderName } from '../provider-name.js';
import type { MatchableAsset, MatchCandidate } from './coin-matcher.js';
import type { MappingStatus, MatchedBy } from './asset-provider-id.entity.js';

/** One of an asset's provider ids, as the API answers it. */
export interface ProviderIdRow {
  provider: string;
  provider_id: string;
  matched_by: MatchedBy;
  updated_at: string;
}

/** One asset in `GET /providers/mappings`. */
export interface MappingRow {
  asset_id: string;
  coingecko_id: string;
  symbol: string;
  name: string;
  provider: string;
  status: MappingStatus;
  provider_id: string | null;
  matched_by: MatchedBy | null;
  reason: string | null;
  candidates: MatchCandidate[];
  checked_at: string | null;
}

const iso = (value: unknown): string | null =>
  value === null || value === undefined ? null : new Date(value as string | Date).toISOString();

/**
 * The read side of asset identity. An asset's status is computed, not stored twice: `mapped` when it has a
 * mapping row (whoever set it), else `ambiguous` when the last run found several candidates, else `unmapped`
 * (no candidate, an admin's clear, or never checked yet: `checked_at` null).
 */
@Injectable()
export class AssetProviderIdsRepository extends SqlRepository {
  async idsOf(assetId: string): Promise<ProviderIdRow[]> {
    const { rows } = await sql<Omit<ProviderIdRow, 'updated_at'> & { updated_at: unknown }>`
      select provider, provider_id, matched_by, updated_at from asset_provider_ids
       where asset_id = ${assetId} order by provider`.execute(this.db());
    return rows.map((row) => ({ ...row, updated_at: iso(row.updated_at) ?? '' }));
  }

  /** The id of one asset at one provider, when mapped. */
  async providerIdOf(assetId: string, provider: ProviderName): Promise<string | undefined> {
    const { rows } = await sql<{ providerId: string }>`
      select provider_id as "providerId" from asset_provider_ids
       where asset_id = ${assetId} and provider = ${provider}`.execute(this.db());
    return rows[0]?.providerId;
  }

  /** Every asset with its latest rank (CoinGecko's latest snapshot it is in), for the matcher. */
  async matchableAssets(): Promise<MatchableAsset[]> {
    const { rows } = await sql<MatchableAsset>`
      select a.id as "assetId", a.coingecko_id as "coingeckoId", a.symbol, a.name, r.rank
        from assets a
        left join lateral (
          select rank from asset_rankings k where k.asset_id = a.id
           order by k.snapshot_date desc, (k.source = 'coingecko') desc limit 1
        ) r on true
       order by a.coingecko_id`.execute(this.db());
    return rows;
  }

  async mappings(options: {
    provider: ProviderName;
    status?: MappingStatus;
    after?: string;
    limit: number;
  }): Promise<{ items: MappingRow[]; next?: string }> {
    const { provider, status, after, limit } = options;
    const { rows } = await sql<Omit<MappingRow, 'checked_at'> & { checked_at: unknown }>`
      select * from (
        select a.id as asset_id, a.coingecko_id, a.symbol, a.name, ${provider}::text as provider,
               case when m.provider_id is not null then 'mapped'
                    when c.outcome = 'ambiguous' then 'ambiguous' else 'unmapped' end as status,
               m.provider_id, m.matched_by,
               case when m.provider_id is not null and c.outcome is distinct from 'mapped' then null
                    else c.reason end as reason,
               case when m.provider_id is null then coalesce(c.candidates, '[]'::jsonb) else '[]'::jsonb end
                 as candidates,
               c.checked_at
          from assets a
          left join asset_provider_ids m on m.asset_id = a.id and m.provider = ${provider}
          left join asset_provider_id_checks c on c.asset_id = a.id and c.provider = ${provider}
         where ${after === undefined ? sql`true` : sql`a.coingecko_id > ${after}`}
      ) s
       where ${status === undefined ? sql`true` : sql`s.status = ${status}`}
       order by s.coingecko_id
       limit ${limit + 1}`.execute(this.db());
    const items = rows.slice(0, limit).map((row) => ({ ...row, checked_at: iso(row.checked_at) }));
    const last = items.at(-1);
    return { items, next: rows.length > limit && last ? last.coingecko_id : undefined };
  }
}

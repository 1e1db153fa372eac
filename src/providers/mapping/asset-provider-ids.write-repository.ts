import { Injectable } from '@nestjs/common';
import { sql, type Kysely } from 'kysely';
import { SqlRepository } from '../../database/sql-repository.js';
import type { ProviderName } from '../provider-name.js';
import type { MatchCandidate, MatchOutcome } from './coin-matcher.js';

/** One asset's outcome of a mapping run. */
export interface RunOutcome {
  assetId: string;
  outcome: MatchOutcome;
}

export interface RunWrite {
  /** Rule mappings inserted / changed to another id. */
  created: number;
  updated: number;
  /** Rule mappings removed because the run no longer maps the asset to that id (coin gone, or now ambiguous). */
  removed: number;
  /** Mapped by the matcher but not written: an admin gave the id to another asset while the run was matching. */
  held: number;
}

/** What the job must leave alone: admin mappings (their ids are reserved) and assets an admin unmapped. */
export interface AdminState {
  reserved: Map<string, string>;
  adminAssets: Set<string>;
}

export type AdminSet =
  { kind: 'set' } | { kind: 'held'; holder: { assetId: string; coingeckoId: string; matchedBy: string } };

/**
 * The write side of `asset_provider_ids` and `asset_provider_id_checks`. The natural keys live here, once:
 * `(asset_id, provider)` (one id per asset and provider) and `(provider, provider_id)` (one asset per id).
 * Every write holds a transaction-scoped advisory lock per provider, so a mapping run and an admin's PATCH
 * never interleave: the run's "is this id held by someone else" and its insert see one state.
 */
@Injectable()
export class AssetProviderIdsWriteRepository extends SqlRepository {
  private async lock(db: Kysely<unknown>, provider: ProviderName): Promise<void> {
    await sql`select pg_advisory_xact_lock(hashtext(${`asset_provider_ids:${provider}`}))`.execute(db);
  }

  async adminState(provider: ProviderName): Promise<AdminState> {
    const { rows } = await sql<{ assetId: string; providerId: string | null }>`
      select asset_id as "assetId", provider_id as "providerId" from asset_provider_ids
       where provider = ${provider} and matched_by = 'admin'
      union all
      select asset_id, null from asset_provider_id_checks
       where provider = ${provider} and admin_cleared_at is not null`.execute(this.db());
    const reserved = new Map<string, string>();
    const adminAssets = new Set<string>();
    for (const row of rows) {
      adminAssets.add(row.assetId);
      if (row.providerId !== null) reserved.set(row.providerId, row.assetId);
    }
    return { reserved, adminAssets };
  }

  /**
   * Writes one run's outcomes in one transaction: a rule mapping the run no longer makes is removed first
   * (so two assets may swap ids in one run), then each mapping is inserted or moved to its new id, then
   * every asset's outcome is recorded. Admin rows are never touched, and an id another asset holds is skipped.
   */
  applyRun(options: {
    provider: ProviderName;
    outcomes: readonly RunOutcome[];
    checkedAt: Date;
  }): Promise<RunWrite> {
    const { provider, outcomes, checkedAt } = options;
    const mapped = outcomes.flatMap(({ assetId, outcome }) =>
      outcome.status === 'mapped' ? [{ assetId, providerId: outcome.providerId }] : [],
    );
    const checks = outcomes.map(({ assetId, outcome }) => ({
      assetId,
      outcome: outcome.status,
      reason: outcome.reason,
      candidates: outcome.status === 'mapped' ? [] : outcome.candidates,
    }));
    return this.em().transactional(async (tx) => {
      const db = tx.getKysely<unknown>();
      await this.lock(db, provider);
      const assetIds = outcomes.map((item) => item.assetId);
      const removed = await sql<{ n: number }>`
        with run as (
          select * from jsonb_to_recordset(${JSON.stringify(mapped)}::jsonb) as r("assetId" uuid, "providerId" text)
        ), gone as (
          delete from asset_provider_ids m
           where m.provider = ${provider} and m.matched_by = 'rule'
             and m.asset_id = any(${assetIds}::uuid[])
             and not exists (select 1 from run where run."assetId" = m.asset_id and run."providerId" = m.provider_id)
          returning 1
        ) select count(*)::int as n from gone`.execute(db);
      const written = await sql<{ inserted: boolean }>`
        insert into asset_provider_ids (asset_id, provider, provider_id, matched_by, created_at, updated_at)
        select r."assetId", ${provider}, r."providerId", 'rule', now(), now()
          from jsonb_to_recordset(${JSON.stringify(mapped)}::jsonb) as r("assetId" uuid, "providerId" text)
         where not exists (select 1 from asset_provider_ids h
                            where h.provider = ${provider} and h.provider_id = r."providerId"
                              and h.asset_id <> r."assetId")
        on conflict (asset_id, provider) do update
           set provider_id = excluded.provider_id, updated_at = now()
         where asset_provider_ids.matched_by = 'rule'
           and asset_provider_ids.provider_id is distinct from excluded.provider_id
        returning (xmax = 0) as inserted`.execute(db);
      const unchanged = await sql<{ n: number }>`
        select count(*)::int as n from asset_provider_ids m
          join jsonb_to_recordset(${JSON.stringify(mapped)}::jsonb) as r("assetId" uuid, "providerId" text)
            on r."assetId" = m.asset_id and r."providerId" = m.provider_id
         where m.provider = ${provider}`.execute(db);
      await sql`
        insert into asset_provider_id_checks (asset_id, provider, outcome, reason, candidates, checked_at)
        select c."assetId", ${provider}, c.outcome, c.reason, coalesce(c.candidates, '[]'::jsonb), ${checkedAt}
          from jsonb_to_recordset(${JSON.stringify(checks)}::jsonb)
               as c("assetId" uuid, outcome text, reason text, candidates jsonb)
        on conflict (asset_id, provider) do update
           set outcome = excluded.outcome, reason = excluded.reason, candidates = excluded.candidates,
               checked_at = excluded.checked_at`.execute(db);
      const created = written.rows.filter((row) => row.inserted).length;
      const updated = written.rows.length - created;
      return {
        created,
        updated,
        removed: removed.rows[0]?.n ?? 0,
        held: mapped.length - (unchanged.rows[0]?.n ?? 0),
      };
    });
  }

  /** An admin's mapping: refused when another asset holds the id (whoever set it there). */
  setByAdmin(options: { assetId: string; provider: ProviderName; providerId: string }): Promise<AdminSet> {
    const { assetId, provider, providerId } = options;
    return this.em().transactional(async (tx) => {
      const db = tx.getKysely<unknown>();
      await this.lock(db, provider);
      const { rows } = await sql<{ assetId: string; coingeckoId: string; matchedBy: string }>`
        select m.asset_id as "assetId", a.coingecko_id as "coingeckoId", m.matched_by as "matchedBy"
          from asset_provider_ids m join assets a on a.id = m.asset_id
         where m.provider = ${provider} and m.provider_id = ${providerId} and m.asset_id <> ${assetId}`.execute(
        db,
      );
      const [holder] = rows;
      if (holder) return { kind: 'held', holder };
      await sql`
        insert into asset_provider_ids (asset_id, provider, provider_id, matched_by, created_at, updated_at)
        values (${assetId}, ${provider}, ${providerId}, 'admin', now(), now())
        on conflict (asset_id, provider) do update
           set provider_id = excluded.provider_id, matched_by = 'admin', updated_at = now()
         where (asset_provider_ids.provider_id, asset_provider_ids.matched_by)
               is distinct from (excluded.provider_id, excluded.matched_by)`.execute(db);
      await this.recordAdmin(db, {
        assetId,
        provider,
        outcome: 'mapped',
        reason: 'set by an admin',
        cleared: false,
      });
      return { kind: 'set' };
    });
  }

  /** An admin's "no mapping": the row goes, and the job leaves the asset unmapped until an admin sets an id. */
  clearByAdmin(options: { assetId: string; provider: ProviderName }): Promise<void> {
    const { assetId, provider } = options;
    return this.em().transactional(async (tx) => {
      const db = tx.getKysely<unknown>();
      await this.lock(db, provider);
      await sql`delete from asset_provider_ids where asset_id = ${assetId} and provider = ${provider}`.execute(
        db,
      );
      await this.recordAdmin(db, {
        assetId,
        provider,
        outcome: 'unmapped',
        reason: 'cleared by an admin',
        cleared: true,
      });
    });
  }

  private async recordAdmin(
    db: Kysely<unknown>,
    row: {
      assetId: string;
      provider: ProviderName;
      outcome: 'mapped' | 'unmapped';
      reason: string;
      cleared: boolean;
    },
  ): Promise<void> {
    const none: MatchCandidate[] = [];
    await sql`
      insert into asset_provider_id_checks (asset_id, provider, outcome, reason, candidates, checked_at, admin_cleared_at)
      values (${row.assetId}, ${row.provider}, ${row.outcome}, ${row.reason}, ${JSON.stringify(none)}::jsonb, now(),
              ${row.cleared ? sql`now()` : sql`null`})
      on conflict (asset_id, provider) do update
         set outcome = excluded.outcome, reason = excluded.reason, candidates = excluded.candidates,
             checked_at = excluded.checked_at, admin_cleared_at = excluded.admin_cleared_at`.execute(db);
  }
}

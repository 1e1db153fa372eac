import { MikroORM } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { sql, type Kysely } from 'kysely';
import type { PriceHole } from '../../assets/price-gaps.repository.js';

/** `assetId|slot ms`: one hole. */
export const holeKey = (hole: PriceHole): string => `${hole.assetId}|${hole.slot.getTime()}`;

/**
 * `price_gap_attempts`: how often each hole was asked without being filled, so that a hole CoinGecko
 * cannot fill is asked at most `PRICE_GAP_REPAIR_MAX_TRIES` times instead of every hour forever.
 */
@Injectable()
export class PriceGapAttemptsRepository {
  constructor(private readonly orm: MikroORM) {}

  private db(): Kysely<unknown> {
    return this.orm.em.fork().getKysely<unknown>();
  }

  /** Tries so far of the holes of these assets at or after `since`, by {@link holeKey}. */
  async triesOf(assetIds: readonly string[], since: Date): Promise<Map<string, number>> {
    if (assetIds.length === 0) return new Map();
    const { rows } = await sql<{ asset_id: string; slot_ms: string; tries: number }>`
      select asset_id, (extract(epoch from slot) * 1000)::bigint::text as slot_ms, tries
        from price_gap_attempts
       where asset_id = any(${sql.val([...assetIds])}::uuid[]) and slot >= ${since.toISOString()}::timestamptz`.execute(
      this.db(),
    );
    return new Map(
      rows.map((row) => [holeKey({ assetId: row.asset_id, slot: new Date(Number(row.slot_ms)) }), row.tries]),
    );
  }

  /** Counts one more unanswered ask of each hole, with why it stayed a hole. */
  async recordUnfilled(holes: readonly PriceHole[], reason: string, at: Date): Promise<void> {
    // One row may be changed once per statement: a hole listed twice counts once.
    const unique = [...new Map(holes.map((hole) => [holeKey(hole), hole])).values()];
    if (unique.length === 0) return;
    await sql`
      insert into price_gap_attempts (asset_id, slot, tries, last_tried_at, last_reason)
      select h.asset_id, h.slot, 1, ${at.toISOString()}::timestamptz, ${reason}
        from unnest(
          ${sql.val(unique.map((hole) => hole.assetId))}::uuid[],
          ${sql.val(unique.map((hole) => hole.slot.toISOString()))}::timestamptz[]
        ) as h(asset_id, slot)
      on conflict (asset_id, slot) do update
        set tries = price_gap_attempts.tries + 1,
            last_tried_at = excluded.last_tried_at,
            last_reason = excluded.last_reason`.execute(this.db());
  }

  /** Forgets the tries of holes that are filled now. */
  async forget(holes: readonly PriceHole[]): Promise<void> {
    if (holes.length === 0) return;
    await sql`
      delete from price_gap_attempts t
       using unnest(
         ${sql.val(holes.map((hole) => hole.assetId))}::uuid[],
         ${sql.val(holes.map((hole) => hole.slot.toISOString()))}::timestamptz[]
       ) as h(asset_id, slot)
       where t.asset_id = h.asset_id and t.slot = h.slot`.execute(this.db());
  }

  /** Deletes the tries of slots older than the lookback: such slots are never asked again. */
  async prune(before: Date): Promise<number> {
    const result =
      await sql`delete from price_gap_attempts where slot < ${before.toISOString()}::timestamptz`.execute(
        this.db(),
      );
    return Number(result.numAffectedRows ?? 0);
  }
}

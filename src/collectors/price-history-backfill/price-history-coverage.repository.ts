import { MikroORM } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { sql, type RawBuilder } from 'kysely';
import { COINGECKO_SOURCE, inLatestSnapshot } from '../../assets/latest-snapshot.js';
import type { AppConfig } from '../../config/app-config.js';
import { SqlRepository } from '../../database/sql-repository.js';
import { PRICE_HISTORY_BACKFILL_JOB } from './price-history-backfill.job.js';

export type Granularity = 'daily' | 'hourly';

/** A priced asset whose coverage is not complete, with what is left of it. */
export interface BackfillCandidate {
  id: string;
  coingeckoId: string;
  dailyDone: boolean;
  hourlyDone: boolean;
  tries: number;
}

export interface AssetCoverage {
  status: 'complete' | 'pending' | 'set_aside';
  daily_from: string | null;
  daily_to: string | null;
  hourly_from: string | null;
  hourly_to: string | null;
  points_inserted: number;
  tries: number;
  last_error: string | null;
  completed_at: string | null;
}

export interface SetAsideAsset {
  asset_id: string;
  coingecko_id: string;
  tries: number;
  last_error: string | null;
  last_tried_at: string | null;
}

export interface CoverageCounts {
  priced: number;
  complete: number;
  pending: number;
  set_aside: number;
}

const iso = (value: Date | null): string | null => (value === null ? null : new Date(value).toISOString());

/**
 * `price_history_coverage`: what the history backfill has stored per asset (source `coingecko`), and the
 * priced assets it still has to fill — the price job's set (top `limit` of the latest ranking, plus
 * `is_tracked`), tracked assets first (a coin just added to a portfolio), then by rank.
 */
@Injectable()
export class PriceHistoryCoverageRepository extends SqlRepository {
  /** PRICE_HISTORY_BACKFILL_MAX_TRIES: an asset that failed this many runs is set aside. */
  readonly maxTries: number;

  constructor(orm: MikroORM, config: ConfigService<AppConfig, true>) {
    super(orm);
    const settings = config.get('jobs', { infer: true }).byKey[PRICE_HISTORY_BACKFILL_JOB.key]?.settings;
    const maxTries = settings?.PRICE_HISTORY_BACKFILL_MAX_TRIES;
    this.maxTries = typeof maxTries === 'number' ? maxTries : 3;
  }

  /** The priced assets (top `pricedLimit` of the latest ranking, plus tracked ones) with their coverage row. */
  private priced(pricedLimit: number): RawBuilder<unknown> {
    return sql`
      with top as (
        select r.asset_id, r.rank from asset_rankings r
         where ${inLatestSnapshot('r')}
         order by r.rank, r.asset_id
         limit ${pricedLimit}
      )
      select a.id, a.coingecko_id, a.is_tracked, t.rank, c.daily_done, c.hourly_done, c.tries,
             c.completed_at, c.last_error, c.last_tried_at
        from assets a
        left join top t on t.asset_id = a.id
        left join price_history_coverage c on c.asset_id = a.id and c.source = ${COINGECKO_SOURCE}
       where t.asset_id is not null or a.is_tracked`;
  }

  /** The next `limit` assets to backfill, in the order the job takes them; set-aside ones are left out. */
  async candidates(pricedLimit: number, maxTries: number, limit: number): Promise<BackfillCandidate[]> {
    const { rows } = await sql<BackfillCandidate>`
      select p.id, p.coingecko_id as "coingeckoId", coalesce(p.daily_done, false) as "dailyDone",
             coalesce(p.hourly_done, false) as "hourlyDone", coalesce(p.tries, 0) as tries
        from (${this.priced(pricedLimit)}) p
       where p.completed_at is null and coalesce(p.tries, 0) < ${maxTries}
       order by p.is_tracked desc, p.rank nulls last, p.coingecko_id
       limit ${limit}`.execute(this.db());
    return rows;
  }

  /** Records one range as done: the earliest and latest point the answer held (null for an empty answer). */
  async rangeDone(
    assetId: string,
    granularity: Granularity,
    points: { from: Date | null; to: Date | null; inserted: number },
    now: Date,
  ): Promise<void> {
    const from = sql.ref(`${granularity}_from`);
    const to = sql.ref(`${granularity}_to`);
    const done = sql.ref(`${granularity}_done`);
    const otherDone = sql.ref(`c.${granularity === 'daily' ? 'hourly' : 'daily'}_done`);
    const fromText = points.from?.toISOString() ?? null;
    const toText = points.to?.toISOString() ?? null;
    await sql`
      insert into price_history_coverage as c (asset_id, source, ${from}, ${to}, ${done}, points_inserted, last_tried_at)
      values (${assetId}::uuid, ${COINGECKO_SOURCE}, ${fromText}::timestamptz, ${toText}::timestamptz, true,
              ${points.inserted}, ${now.toISOString()}::timestamptz)
      on conflict (asset_id, source) do update set
        ${from} = excluded.${from}, ${to} = excluded.${to}, ${done} = true,
        points_inserted = c.points_inserted + excluded.points_inserted, last_tried_at = excluded.last_tried_at,
        completed_at = case when ${otherDone} then excluded.last_tried_at else c.completed_at end`.execute(
      this.db(),
    );
  }

  /** A range that failed: one more try, the error kept for operators. */
  async failed(assetId: string, error: string, now: Date): Promise<number> {
    const { rows } = await sql<{ tries: number }>`
      insert into price_history_coverage as c (asset_id, source, tries, last_error, last_tried_at)
      values (${assetId}::uuid, ${COINGECKO_SOURCE}, 1, ${error}, ${now.toISOString()}::timestamptz)
      on conflict (asset_id, source) do update set
        tries = c.tries + 1, last_error = excluded.last_error, last_tried_at = excluded.last_tried_at
      returning tries`.execute(this.db());
    return rows[0]?.tries ?? 1;
  }

  async counts(pricedLimit: number, maxTries: number): Promise<CoverageCounts> {
    const { rows } = await sql<CoverageCounts>`
      select count(*)::int as priced,
             count(*) filter (where p.completed_at is not null)::int as complete,
             count(*) filter (where p.completed_at is null and coalesce(p.tries, 0) < ${maxTries})::int as pending,
             count(*) filter (where p.completed_at is null and p.tries >= ${maxTries})::int as set_aside
        from (${this.priced(pricedLimit)}) p`.execute(this.db());
    return rows[0] ?? { priced: 0, complete: 0, pending: 0, set_aside: 0 };
  }

  async setAside(pricedLimit: number, maxTries: number): Promise<SetAsideAsset[]> {
    const { rows } = await sql<{
      id: string;
      coingecko_id: string;
      tries: number;
      last_error: string | null;
      last_tried_at: Date | null;
    }>`
      select p.id, p.coingecko_id, p.tries, p.last_error, p.last_tried_at
        from (${this.priced(pricedLimit)}) p
       where p.completed_at is null and p.tries >= ${maxTries}
       order by p.is_tracked desc, p.rank nulls last, p.coingecko_id`.execute(this.db());
    return rows.map((row) => ({
      asset_id: row.id,
      coingecko_id: row.coingecko_id,
      tries: row.tries,
      last_error: row.last_error,
      last_tried_at: iso(row.last_tried_at),
    }));
  }

  /** One asset's coverage; null when the backfill has not touched it. */
  async ofAsset(assetId: string): Promise<AssetCoverage | null> {
    const { rows } = await sql<{
      daily_from: Date | null;
      daily_to: Date | null;
      hourly_from: Date | null;
      hourly_to: Date | null;
      points_inserted: number;
      tries: number;
      last_error: string | null;
      completed_at: Date | null;
    }>`
      select daily_from, daily_to, hourly_from, hourly_to, points_inserted, tries, last_error, completed_at
        from price_history_coverage where asset_id = ${assetId}::uuid and source = ${COINGECKO_SOURCE}`.execute(
      this.db(),
    );
    const row = rows[0];
    if (!row) return null;
    const status =
      row.completed_at !== null ? 'complete' : row.tries >= this.maxTries ? 'set_aside' : 'pending';
    return {
      status,
      daily_from: iso(row.daily_from),
      daily_to: iso(row.daily_to),
      hourly_from: iso(row.hourly_from),
      hourly_to: iso(row.hourly_to),
      points_inserted: row.points_inserted,
      tries: row.tries,
      last_error: row.last_error,
      completed_at: iso(row.completed_at),
    };
  }
}

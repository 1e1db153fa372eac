import { MikroORM } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { sql, type RawBuilder } from 'kysely';
import { COINGECKO_SOURCE, inLatestSnapshot } from '../../assets/latest-snapshot.js';
import { PriceSources } from '../../assets/prices/price-sources.js';
import type { AppConfig } from '../../config/app-config.js';
import { SqlRepository } from '../../database/sql-repository.js';
import type { ProviderName } from '../../providers/provider-name.js';
import { assetCoverage, pricedCoverage } from './coverage-sql.js';
import { dailyHistorySource } from './history-sources.js';
import { PRICE_HISTORY_BACKFILL_JOB } from './price-history-backfill.job.js';

export type Granularity = 'daily' | 'hourly';

/** A priced asset whose coverage is not complete, with what is left of it. */
export interface BackfillCandidate {
  id: string;
  coingeckoId: string;
  /** The asset's id at the provider of the daily range when that is not CoinGecko (null until mapped). */
  dailyProviderId?: string | null;
  /** The asset's id at the outage fallback (the next provider of PRICE_PROVIDERS), null until mapped. */
  fallbackProviderId?: string | null;
  /** The ranges the fallback already stood in for during an outage (its own coverage row). */
  fallbackHourlyDone?: boolean;
  fallbackDailyDone?: boolean;
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
  /** The provider of the daily range when CoinGecko's plan cannot serve it (history-sources.ts); else null. */
  readonly dailySource: ProviderName | null;
  /** The provider asked when CoinGecko is down or over its budget: the first other one of PRICE_PROVIDERS. */
  readonly fallbackSource: ProviderName | null;

  constructor(
    orm: MikroORM,
    config: ConfigService<AppConfig, true>,
    private readonly sources: PriceSources,
  ) {
    super(orm);
    const settings = config.get('jobs', { infer: true }).byKey[PRICE_HISTORY_BACKFILL_JOB.key]?.settings;
    const maxTries = settings?.PRICE_HISTORY_BACKFILL_MAX_TRIES;
    this.maxTries = typeof maxTries === 'number' ? maxTries : 3;
    const days = settings?.PRICE_HISTORY_BACKFILL_DAYS;
    const source = dailyHistorySource(
      {
        coingecko: config.get('coingecko', { infer: true }),
        coinpaprika: config.get('coinpaprika', { infer: true }),
        providers: config.get('providers', { infer: true }),
      },
      typeof days === 'number' ? days : 365,
    );
    this.dailySource = source === 'coingecko' ? null : source;
    this.fallbackSource =
      config.get('providers', { infer: true }).order.find((name) => name !== COINGECKO_SOURCE) ?? null;
  }

  /** The priced assets with their coverage (coverage-sql.ts). */
  private priced(pricedLimit: number): RawBuilder<unknown> {
    return pricedCoverage({
      latestRanking: inLatestSnapshot('r', this.sources.rankings()),
      pricedLimit,
      dailySource: this.dailySource,
      fallbackSource: this.fallbackSource,
    });
  }

  /** The next `limit` assets to backfill, in the order the job takes them; set-aside ones are left out. */
  async candidates(pricedLimit: number, maxTries: number, limit: number): Promise<BackfillCandidate[]> {
    const { rows } = await sql<BackfillCandidate>`
      select p.id, p.coingecko_id as "coingeckoId", coalesce(p.daily_done, false) as "dailyDone",
             coalesce(p.hourly_done, false) as "hourlyDone", coalesce(p.tries, 0) as tries,
             p.daily_provider_id as "dailyProviderId", p.fallback_provider_id as "fallbackProviderId",
             p.fallback_hourly_done as "fallbackHourlyDone", p.fallback_daily_done as "fallbackDailyDone"
        from (${this.priced(pricedLimit)}) p
       where p.completed_at is null and coalesce(p.tries, 0) < ${maxTries}
         -- Waiting for a mapping only (its CoinGecko part done): nothing to ask yet, so it takes no place in the run.
         and not (${this.dailySource !== null} and coalesce(p.hourly_done, false) and p.daily_provider_id is null)
       -- Assets the fallback already gave history in an outage wait behind those with none, so a long outage
       -- reaches every asset rather than asking the same first ones run after run.
       order by p.is_tracked desc, (p.fallback_hourly_done or p.fallback_daily_done), p.rank nulls last,
                p.coingecko_id
       limit ${limit}`.execute(this.db());
    return rows;
  }

  /**
   * Records one range as done: the earliest and latest point the answer held (null for an empty answer). A range
   * marked done without points keeps the bounds an earlier answer recorded (the fallback's hourly range, then the
   * daily range's "hourly done" mark on the same row).
   */
  async rangeDone(
    assetId: string,
    granularity: Granularity,
    points: { from: Date | null; to: Date | null; inserted: number },
    now: Date,
    source: ProviderName = COINGECKO_SOURCE,
  ): Promise<void> {
    const from = sql.ref(`${granularity}_from`);
    const to = sql.ref(`${granularity}_to`);
    const done = sql.ref(`${granularity}_done`);
    const otherDone = sql.ref(`c.${granularity === 'daily' ? 'hourly' : 'daily'}_done`);
    const fromText = points.from?.toISOString() ?? null;
    const toText = points.to?.toISOString() ?? null;
    await sql`
      insert into price_history_coverage as c (asset_id, source, ${from}, ${to}, ${done}, points_inserted, last_tried_at)
      values (${assetId}::uuid, ${source}, ${fromText}::timestamptz, ${toText}::timestamptz, true,
              ${points.inserted}, ${now.toISOString()}::timestamptz)
      on conflict (asset_id, source) do update set
        ${from} = coalesce(excluded.${from}, c.${from}), ${to} = coalesce(excluded.${to}, c.${to}), ${done} = true,
        points_inserted = c.points_inserted + excluded.points_inserted, last_tried_at = excluded.last_tried_at,
        completed_at = case when ${otherDone} then excluded.last_tried_at else c.completed_at end`.execute(
      this.db(),
    );
  }

  /** A range that failed: one more try, the error kept for operators. */
  async failed(
    assetId: string,
    error: string,
    now: Date,
    source: ProviderName = COINGECKO_SOURCE,
  ): Promise<number> {
    const { rows } = await sql<{ tries: number }>`
      insert into price_history_coverage as c (asset_id, source, tries, last_error, last_tried_at)
      values (${assetId}::uuid, ${source}, 1, ${error}, ${now.toISOString()}::timestamptz)
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

  /**
   * One asset's coverage; null when the backfill has not touched it. With the daily range on another provider it is
   * the asset's two rows together, as `priced` combines them: the hourly range from CoinGecko's row, the daily range
   * from the other provider's.
   */
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
    }>`${assetCoverage(assetId, this.dailySource)}`.execute(this.db());
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

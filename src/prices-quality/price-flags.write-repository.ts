import { MikroORM } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { AppConfig } from '../config/app-config.js';
import { SqlRepository } from '../database/sql-repository.js';
import { toDate } from '../database/pg-values.js';
import { currentRun, type RunScope } from '../jobs/run-context.js';
import { anomalyCandidates, scanRanges, type WrittenPrice } from './anomaly-scan.js';
import { quoteDivergences, writeDivergences, type ComparedQuote } from './divergence-scan.js';
import type { PriceFlagKind } from './price-flag.entity.js';

/** A flag to record; `detail` says why (its shape per kind is in docs/providers.md). */
export interface NewPriceFlag {
  assetId: string;
  timestamp: Date;
  source: string;
  kind: PriceFlagKind;
  detail: Record<string, unknown>;
}

/** Flags that one statement newly recorded, and the run (if any) whose write found them. */
export interface RecordedFlags {
  flags: NewPriceFlag[];
  run: RunScope | undefined;
}

export type RecordedFlagsListener = (recorded: RecordedFlags) => void;

type Row = Record<string, unknown>;

/**
 * Inserts candidate rows, keeping the flags already recorded: the natural key `(asset_id, timestamp, source, kind)`
 * is named here and nowhere else, and a re-scan of the same points records nothing twice.
 */
const insertFlags = (candidates: RawBuilder<unknown>) => sql<Row>`
  insert into price_flags (asset_id, "timestamp", source, kind, detail)
  select c.asset_id, c.timestamp, c.source, c.kind, c.detail from (${candidates}) c
  on conflict (asset_id, "timestamp", source, kind) do nothing
  returning asset_id, "timestamp", source, kind, detail`;

function toFlag(row: Row): NewPriceFlag {
  return {
    assetId: String(row.asset_id),
    timestamp: toDate(row.timestamp),
    source: String(row.source),
    kind: row.kind as PriceFlagKind,
    detail: (typeof row.detail === 'string' ? JSON.parse(row.detail) : row.detail) as Record<string, unknown>,
  };
}

/**
 * The write side of `price_flags`. Two ways in: `detectInWrite`, which every raw price write runs in its own
 * transaction (spikes, freezes, and divergences from another source's row of the same slot), and
 * `recordQuoteDivergences` for the cross-check job's comparisons with a second provider's live quotes.
 * Listeners (the metric, the `price_anomaly` alert) hear of flags only once they are committed and only of new ones.
 */
@Injectable()
export class PriceFlagsWriteRepository extends SqlRepository {
  private readonly logger = new Logger('PriceFlags');
  private readonly settings: AppConfig['quality'];
  private readonly listeners = new Set<RecordedFlagsListener>();

  constructor(orm: MikroORM, config: ConfigService<AppConfig, true>) {
    super(orm);
    this.settings = config.get('quality', { infer: true });
  }

  /**
   * Flags the spikes and freezes around `written` (the keys a raw write just stored) and the divergences
   * between them and other sources' rows of the same slots, in that write's transaction `tx`. Returns the
   * new flags; the caller announces them once the transaction has committed.
   */
  async detectInWrite(tx: Kysely<unknown>, written: readonly WrittenPrice[]): Promise<NewPriceFlag[]> {
    if (written.length === 0) return [];
    const anomalies = await insertFlags(anomalyCandidates(scanRanges(written), this.settings)).execute(tx);
    const divergences = await insertFlags(writeDivergences(written, this.settings.divergencePercent)).execute(
      tx,
    );
    return [...anomalies.rows, ...divergences.rows].map(toFlag);
  }

  /**
   * Flags the stored rows whose price differs from the other provider's quote by more than
   * PRICE_DIVERGENCE_PERCENT (flags already recorded are kept as they are), then announces the new ones once
   * committed. `found` counts the diverging rows, recorded before or now.
   */
  async recordQuoteDivergences(
    quotes: readonly ComparedQuote[],
  ): Promise<{ found: number; recorded: NewPriceFlag[] }> {
    if (quotes.length === 0) return { found: 0, recorded: [] };
    const candidates = quoteDivergences(quotes, this.settings.divergencePercent);
    const { found, rows } = await this.em().transactional(async (tx) => {
      const db = tx.getKysely<unknown>();
      const counted = await sql<{
        found: number;
      }>`select count(*)::int as found from (${candidates}) c`.execute(db);
      const inserted = await insertFlags(candidates).execute(db);
      return { found: counted.rows[0]?.found ?? 0, rows: inserted.rows };
    });
    const recorded = rows.map(toFlag);
    this.announce(recorded);
    return { found, recorded };
  }

  /** Tells the listeners about newly recorded flags (none: nothing happens). */
  announce(flags: readonly NewPriceFlag[]): void {
    if (flags.length === 0) return;
    const recorded: RecordedFlags = { flags: [...flags], run: currentRun() };
    for (const listener of this.listeners) {
      try {
        listener(recorded);
      } catch (error) {
        // A listener's failure must not turn a committed price write into a failed one.
        this.logger.warn({ err: error }, 'A price flag listener failed');
      }
    }
  }

  onRecorded(listener: RecordedFlagsListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

import type { UpsertCounts } from '../database/upsert.js';
import type { JobMetrics } from '../jobs/job-result.js';

/**
 * An upsert's `onBatch` that keeps a run's counts current after every batch, so a run that fails later
 * still reports what it wrote: created and updated rows as written, skipped = `skippedBefore` (items the
 * collector left out) + rows that were already identical, plus the job's own custom counts.
 */
export function countWrites(
  metrics: JobMetrics,
  skippedBefore: number,
  custom: (totals: UpsertCounts) => JobMetrics['custom'],
): (totals: UpsertCounts) => void {
  return (totals) => {
    metrics.items_created = totals.inserted;
    metrics.items_updated = totals.updated;
    metrics.items_skipped = skippedBefore + totals.unchanged;
    Object.assign(metrics.custom, custom(totals));
  };
}

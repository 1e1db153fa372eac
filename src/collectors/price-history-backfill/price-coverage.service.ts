import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { CronTime } from 'cron';
import { PriceGapsService } from '../../assets/price-gaps.service.js';
import type { AppConfig } from '../../config/app-config.js';
import { JOB_CLOCK, type Clock } from '../../jobs/clock.js';
import { JobSchedulerService } from '../../jobs/job-scheduler.service.js';
import { PRICE_HISTORY_BACKFILL_JOB } from './price-history-backfill.job.js';
import { PriceHistoryCoverageRepository, type SetAsideAsset } from './price-history-coverage.repository.js';

export interface PriceCoverage {
  priced: number;
  complete: number;
  pending: number;
  set_aside: number;
  percent: number;
  runs_needed: number;
  estimated_completion_at: string | null;
  set_aside_assets: SetAsideAsset[];
}

/** Past this many runs the estimate is not walked (a year of 10-minute runs). */
const MAX_WALKED_RUNS = 60_000;

/** The history coverage of the priced assets, for `GET /prices/coverage`. */
@Injectable()
export class PriceCoverageService {
  constructor(
    private readonly coverage: PriceHistoryCoverageRepository,
    private readonly gaps: PriceGapsService,
    private readonly scheduler: JobSchedulerService,
    private readonly config: ConfigService<AppConfig, true>,
    @Inject(JOB_CLOCK) private readonly clock: Clock,
  ) {}

  private get settings() {
    const job = this.config.get('jobs', { infer: true }).byKey[PRICE_HISTORY_BACKFILL_JOB.key];
    return {
      limit: job?.limit ?? PRICE_HISTORY_BACKFILL_JOB.limit?.default ?? 20,
      maxTries: this.coverage.maxTries,
    };
  }

  async summary(): Promise<PriceCoverage> {
    const { limit, maxTries } = this.settings;
    const [counts, setAside, jobs] = await Promise.all([
      this.coverage.counts(this.gaps.pricedLimit, maxTries),
      this.coverage.setAside(this.gaps.pricedLimit, maxTries),
      this.scheduler.describe(),
    ]);
    const job = jobs.find((one) => one.key === PRICE_HISTORY_BACKFILL_JOB.key);
    const runsNeeded = Math.ceil(counts.pending / limit);
    return {
      ...counts,
      percent: counts.priced === 0 ? 100 : Math.floor((counts.complete / counts.priced) * 1000) / 10,
      runs_needed: runsNeeded,
      // Nothing pending: done now. A disabled job never completes on its own.
      estimated_completion_at:
        runsNeeded === 0
          ? this.clock.now().toISOString()
          : job?.enabled === true
            ? nthFire(job.schedule, this.clock.now(), runsNeeded)
            : null,
      set_aside_assets: setAside,
    };
  }
}

/** The time of the schedule's `n`th fire after `after`: when the last of `n` runs starts. */
function nthFire(schedule: string, after: Date, n: number): string | null {
  if (n > MAX_WALKED_RUNS) return null;
  const cron = new CronTime(schedule, 'UTC');
  let next = cron.getNextDateFrom(after);
  for (let run = 1; run < n; run++) next = cron.getNextDateFrom(next);
  return next.toUTC().toISO({ suppressMilliseconds: true });
}

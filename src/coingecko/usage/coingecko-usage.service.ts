import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../../config/app-config.js';
import type { JobDefinition } from '../../jobs/job-definition.js';
import { monthEnd, projectJob, utcMonth, type JobCallProjection } from './call-projection.js';
import { CoinGeckoUsageRepository } from './coingecko-usage.repository.js';

/** A job as the projection sees it: what `JobSchedulerService.describe()` answers. */
export interface ProjectedJob {
  key: string;
  definition: JobDefinition;
  enabled: boolean;
  schedule: string;
}

export interface CoinGeckoUsage {
  month: string;
  calls: number;
  budget: number | null;
  remaining: number | null;
  resets_at: string;
  by_job: Record<string, number>;
  by_endpoint: Record<string, number>;
  projected_month_end: number;
}

/**
 * This month's CoinGecko calls (cluster-wide, from the database) against COINGECKO_MONTHLY_CALL_BUDGET,
 * and where the schedules take the month: each enabled job's calls per run — what its last successful
 * run actually cost, or its definition's `estimateCalls` before it has one — times its remaining fire times.
 */
@Injectable()
export class CoinGeckoUsageService {
  private readonly budget: number | null;
  private readonly jobSettings: AppConfig['jobs']['byKey'];

  constructor(
    private readonly repository: CoinGeckoUsageRepository,
    config: ConfigService<AppConfig, true>,
  ) {
    this.budget = config.get('coingecko', { infer: true }).monthlyCallBudget;
    this.jobSettings = config.get('jobs', { infer: true }).byKey;
  }

  get monthlyBudget(): number | null {
    return this.budget;
  }

  /** The month's total so far: one row read, cheap enough for every `/metrics` scrape. */
  monthTotal(now: Date): Promise<number> {
    return this.repository.monthTotal(utcMonth(now));
  }

  async projectJobs(jobs: readonly ProjectedJob[], now: Date): Promise<Map<string, JobCallProjection>> {
    const [calls, lastSuccess] = await Promise.all([
      this.repository.monthCalls(utcMonth(now)),
      this.repository.lastSuccessCalls(jobs.map((job) => job.key)),
    ]);
    return this.project(jobs, now, sumBy(calls, 'job'), lastSuccess);
  }

  async usage(jobs: readonly ProjectedJob[], now: Date): Promise<CoinGeckoUsage> {
    const month = utcMonth(now);
    const [calls, lastSuccess] = await Promise.all([
      this.repository.monthCalls(month),
      this.repository.lastSuccessCalls(jobs.map((job) => job.key)),
    ]);
    const byJob = sumBy(calls, 'job');
    const total = calls.reduce((sum, row) => sum + row.calls, 0);
    const projections = this.project(jobs, now, byJob, lastSuccess);
    // Calls of jobs outside the schedules (unattributed, jobs no longer registered) are spent all the same.
    let projected = total;
    for (const projection of projections.values())
      projected += projection.callsPerRun * projection.remainingRuns;
    return {
      month,
      calls: total,
      budget: this.budget,
      remaining: this.budget === null ? null : Math.max(0, this.budget - total),
      resets_at: monthEnd(now).toISOString().replace('.000Z', 'Z'),
      by_job: byJob,
      by_endpoint: sumBy(calls, 'endpoint'),
      projected_month_end: projected,
    };
  }

  private project(
    jobs: readonly ProjectedJob[],
    now: Date,
    callsByJob: Record<string, number>,
    lastSuccess: Map<string, number>,
  ): Map<string, JobCallProjection> {
    const projections = new Map<string, JobCallProjection>();
    for (const job of jobs) {
      const settings = this.jobSettings[job.key];
      projections.set(
        job.key,
        projectJob({
          enabled: job.enabled,
          schedule: job.schedule,
          now,
          callsSoFar: callsByJob[job.key] ?? 0,
          lastSuccessCalls: lastSuccess.get(job.key),
          estimate: () =>
            job.definition.estimateCalls(
              { limit: settings ? settings.limit : (job.definition.limit?.default ?? null) },
              // The parsed values of the definition's own variables, by full name (see JobSettings).
              settings?.settings ?? {},
            ),
        }),
      );
    }
    return projections;
  }
}

function sumBy(rows: readonly { job: string; endpoint: string; calls: number }[], field: 'job' | 'endpoint') {
  const sums: Record<string, number> = {};
  for (const row of rows) sums[row[field]] = (sums[row[field]] ?? 0) + row.calls;
  return sums;
}

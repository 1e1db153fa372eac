import type { ConfigService } from '@nestjs/config';
import { describe, expect, it } from 'vitest';
import { JOB_MODULES } from '../../app.module.js';
import type { AppConfig } from '../../config/app-config.js';
import { parseEnv } from '../../config/env.schema.js';
import { definitionsOf } from '../../jobs/framework/job-module.js';
import { remainingFires } from './call-projection.js';
import type { CoinGeckoUsageRepository, MonthCalls } from './coingecko-usage.repository.js';
import { CoinGeckoUsageService } from './coingecko-usage.service.js';

const DEFINITIONS = definitionsOf(JOB_MODULES);
const NOW = new Date('2026-12-15T12:00:00Z');

/**
 * By hand, for the default schedules and limits: fire times left after 2026-12-15T12:00Z and before
 * 2027-01-01 × calls per run (the definitions' estimates: nothing has run yet).
 */
const BY_HAND: Record<string, number> = {
  top_coins_collection: 16 * 2, // daily 00:00 (Dec 16–31) × (ceil(100/250) + 1)
  price_collection: (47 + 16 * 96) * 1, // every 15 min (12:15–23:45 today, then 16 days) × ceil(100/250)
  contract_addresses_collection: 16 * 51, // daily 01:00 × (1 list + 50 decimals)
  price_gap_repair: (12 + 16 * 24) * 50, // hourly at :07 (12:07–23:07 today, then 16 days) × limit 50
  job_runs_retention: 0, // sends nothing to CoinGecko
  price_storage_maintenance: 0, // sends nothing to CoinGecko
  // every 10 min (12:10–23:50 today, then 16 days) × 2 calls × limit 20, until its first run reports its real count
  price_history_backfill: (71 + 16 * 144) * 40,
  provider_id_mapping: 0, // its one call goes to CoinPaprika, not CoinGecko
  price_cross_check: 0, // its one call goes to the second provider, CoinPaprika
};
const COLLECTORS = [
  'top_coins_collection',
  'price_collection',
  'contract_addresses_collection',
  'price_gap_repair',
];

function service(
  env: Record<string, string>,
  data: { calls?: MonthCalls[]; lastSuccess?: Map<string, number> },
) {
  const config = parseEnv(env, DEFINITIONS);
  const repository = {
    monthCalls: () => Promise.resolve(data.calls ?? []),
    lastSuccessCalls: () => Promise.resolve(data.lastSuccess ?? new Map<string, number>()),
    monthTotal: () => Promise.resolve((data.calls ?? []).reduce((sum, row) => sum + row.calls, 0)),
  } as unknown as CoinGeckoUsageRepository;
  const configService = {
    get: (key: keyof AppConfig) => config[key],
  } as unknown as ConfigService<AppConfig, true>;
  const jobs = DEFINITIONS.map((definition) => ({
    key: definition.key,
    definition,
    enabled: config.jobs.byKey[definition.key].enabled,
    schedule: config.jobs.byKey[definition.key].schedule,
  }));
  return { usage: new CoinGeckoUsageService(repository, configService), jobs };
}

describe('CoinGeckoUsageService projection', () => {
  it('matches a hand computation for the default schedules on 15 December, 12:00 UTC', async () => {
    const { usage, jobs } = service({ COINGECKO_MONTHLY_CALL_BUDGET: '20000' }, {});
    for (const job of jobs) expect(BY_HAND, `hand figure for ${job.key}`).toHaveProperty(job.key);
    const expected = jobs.reduce((sum, job) => sum + BY_HAND[job.key], 0);
    expect(await usage.usage(jobs, NOW)).toEqual({
      month: '2026-12',
      calls: 0,
      budget: 20000,
      remaining: 20000,
      resets_at: '2027-01-01T00:00:00Z',
      by_job: {},
      by_endpoint: {},
      projected_month_end: expected,
    });
    const perJob = await usage.projectJobs(jobs, NOW);
    for (const job of jobs)
      expect(perJob.get(job.key)?.projectedMonthlyCalls, job.key).toBe(BY_HAND[job.key]);
    // With all four collectors: 32 + 1583 + 816 + 19800, twice a Demo plan's 10,000 credits.
    if (jobs.some((job) => job.key === 'price_gap_repair'))
      expect(COLLECTORS.reduce((sum, key) => sum + BY_HAND[key], 0)).toBe(22_231);
  });

  it("uses the last successful run's real count, adds the month's calls, and skips disabled jobs", async () => {
    const { usage, jobs } = service(
      {
        PRICE_GAP_REPAIR_ENABLED: 'false',
        CONTRACT_ADDRESSES_COLLECTION_ENABLED: 'false',
        PRICE_COLLECTION_LIMIT: '600',
      },
      {
        calls: [
          { job: 'top_coins_collection', endpoint: '/coins/markets', calls: 30 },
          { job: 'top_coins_collection', endpoint: '/global', calls: 15 },
          { job: 'unattributed', endpoint: '/ping', calls: 2 },
        ],
        lastSuccess: new Map([['top_coins_collection', 3]]),
      },
    );
    const result = await usage.usage(jobs, NOW);
    expect(result).toMatchObject({
      calls: 47,
      budget: null,
      remaining: null,
      by_job: { top_coins_collection: 45, unattributed: 2 },
      by_endpoint: { '/coins/markets': 30, '/global': 15, '/ping': 2 },
      // 47 so far + top coins 16 × 3 (its last run) + prices 1583 × ceil(600/250) + the history backfill's estimate
      projected_month_end: 47 + 16 * 3 + 1583 * 3 + BY_HAND.price_history_backfill,
    });
    const perJob = await usage.projectJobs(jobs, NOW);
    expect(perJob.get('top_coins_collection')).toEqual({
      callsPerRun: 3,
      callsPerRunFrom: 'last_success',
      remainingRuns: 16,
      projectedMonthlyCalls: 45 + 48,
    });
    expect(perJob.get('contract_addresses_collection')).toMatchObject({
      callsPerRun: 51,
      remainingRuns: 0,
      projectedMonthlyCalls: 0,
    });
  });

  it('counts fire times up to the end of the month only', () => {
    expect(remainingFires('0 0 0 * * *', new Date('2026-12-31T00:00:00Z'))).toBe(0);
    expect(remainingFires('0 0 0 * * *', new Date('2026-12-30T23:59:59Z'))).toBe(1);
    expect(remainingFires('0 */15 * * * *', new Date('2027-02-28T23:00:00Z'))).toBe(3);
  });
});

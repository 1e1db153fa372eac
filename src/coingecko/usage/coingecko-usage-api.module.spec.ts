import { Logger } from '@nestjs/common';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { JobSchedulerService } from '../../jobs/job-scheduler.service.js';
import { CoinGeckoUsageApiModule } from './coingecko-usage-api.module.js';
import type { CoinGeckoUsage, CoinGeckoUsageService } from './coingecko-usage.service.js';

const NOW = new Date('2026-12-15T12:00:00Z');

function startUp(budget: number | null, projected: number) {
  const figures: CoinGeckoUsage = {
    month: '2026-12',
    calls: 120,
    budget,
    remaining: budget === null ? null : budget - 120,
    resets_at: '2027-01-01T00:00:00Z',
    by_job: {},
    by_endpoint: {},
    projected_month_end: projected,
  };
  const usage = { monthlyBudget: budget, usage: vi.fn(() => Promise.resolve(figures)) };
  const scheduler = { describe: () => Promise.resolve([]) };
  const module = new CoinGeckoUsageApiModule(
    usage as unknown as CoinGeckoUsageService,
    scheduler as unknown as JobSchedulerService,
    { now: () => NOW },
  );
  const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  return { module, warn, usage };
}

afterEach(() => vi.restoreAllMocks());

describe('start-up check of the schedules against COINGECKO_MONTHLY_CALL_BUDGET', () => {
  it('logs one warning when the schedules project more calls this month than the budget', async () => {
    const { module, warn } = startUp(10_000, 22_231);
    await module.onApplicationBootstrap();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][1]).toBe(
      'The job schedules project 22231 CoinGecko calls in 2026-12, over COINGECKO_MONTHLY_CALL_BUDGET=10000 ' +
        '(120 made so far): runs will fail once it is used up; space the schedules out or raise the budget',
    );
  });

  it('says nothing when the projection fits, or without a budget', async () => {
    const fits = startUp(10_000, 10_000);
    await fits.module.onApplicationBootstrap();
    expect(fits.warn).not.toHaveBeenCalled();
    vi.restoreAllMocks();
    const none = startUp(null, 50_000);
    await none.module.onApplicationBootstrap();
    expect(none.warn).not.toHaveBeenCalled();
    expect(none.usage.usage).not.toHaveBeenCalled();
  });
});

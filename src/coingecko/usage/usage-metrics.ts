import { Logger } from '@nestjs/common';
import { Gauge, type Registry } from 'prom-client';
import type { CoinGeckoUsageService } from './coingecko-usage.service.js';

/**
 * `cpb_coingecko_calls_month` and `cpb_coingecko_budget_remaining` (absent without a budget), read at
 * scrape time from the limiter's row: the same figures on every replica, one primary-key read a scrape.
 */
export function registerCoinGeckoUsageMetrics(registry: Registry, usage: CoinGeckoUsageService): void {
  const logger = new Logger('Metrics');
  let pending: Promise<number | undefined> | undefined;
  // Both gauges are collected in one scrape: read the total once for the pair.
  const total = (): Promise<number | undefined> => {
    pending ??= usage
      .monthTotal(new Date())
      .catch((error: unknown) => {
        logger.warn({ err: error }, "Could not read this month's CoinGecko calls");
        return undefined;
      })
      .finally(() => setImmediate(() => (pending = undefined)));
    return pending;
  };
  new Gauge({
    name: 'cpb_coingecko_calls_month',
    help: 'Requests sent to CoinGecko this UTC month by every replica, retries included',
    registers: [registry],
    async collect() {
      const calls = await total();
      this.reset();
      if (calls !== undefined) this.set(calls);
    },
  });
  new Gauge({
    name: 'cpb_coingecko_budget_remaining',
    help: 'Calls left this UTC month under COINGECKO_MONTHLY_CALL_BUDGET (absent without a budget)',
    registers: [registry],
    async collect() {
      const budget = usage.monthlyBudget;
      const calls = budget === null ? undefined : await total();
      this.reset();
      if (budget !== null && calls !== undefined) this.set(Math.max(0, budget - calls));
    },
  });
}

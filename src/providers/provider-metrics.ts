import { Logger } from '@nestjs/common';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { CoinPaprikaClient } from './coinpaprika/coinpaprika.client.js';
import type { ProviderEndpointStats } from './coinpaprika/coinpaprika.stats.js';
import { COINPAPRIKA_ENDPOINTS } from './coinpaprika/coinpaprika.types.js';
import type { ProviderUsageService } from './usage/provider-usage.service.js';

/**
 * The providers other than CoinGecko (which keeps its `cpb_coingecko_*` names), labelled with `provider`:
 * this process's counters since start-up, and the month's calls and budget left read from the limiter's row
 * at scrape time (the same figures on every replica).
 */
export const PROVIDER_COUNTERS: Record<keyof ProviderEndpointStats, { name: string; help: string }> = {
  requests: { name: 'cpb_provider_requests_total', help: 'HTTP requests sent to a provider (every attempt)' },
  rateLimited: {
    name: 'cpb_provider_rate_limited_total',
    help: 'Provider answers that were rate-limit errors (429)',
  },
  retries: {
    name: 'cpb_provider_retries_total',
    help: 'Provider requests repeated after a transient failure',
  },
  failures: { name: 'cpb_provider_failures_total', help: 'Provider calls that failed after their retries' },
  skippedItems: {
    name: 'cpb_provider_skipped_items_total',
    help: 'Malformed items dropped from provider answers',
  },
};

export function registerProviderMetrics(
  registry: Registry,
  coinpaprika: CoinPaprikaClient,
  usage: ProviderUsageService,
): void {
  for (const [field, { name, help }] of Object.entries(PROVIDER_COUNTERS) as [
    keyof ProviderEndpointStats,
    { name: string; help: string },
  ][]) {
    new Counter({
      name,
      help,
      labelNames: ['provider', 'endpoint'] as const,
      registers: [registry],
      collect() {
        const stats = coinpaprika.stats();
        this.reset();
        for (const endpoint of COINPAPRIKA_ENDPOINTS)
          this.inc({ provider: 'coinpaprika', endpoint }, stats[endpoint][field]);
      },
    });
  }
  const logger = new Logger('Metrics');
  let pending: Promise<number | undefined> | undefined;
  // Both gauges are collected in one scrape: read the total once for the pair.
  const total = (): Promise<number | undefined> => {
    pending ??= usage
      .monthTotal('coinpaprika', new Date())
      .catch((error: unknown) => {
        logger.warn({ err: error }, "Could not read this month's CoinPaprika calls");
        return undefined;
      })
      .finally(() => setImmediate(() => (pending = undefined)));
    return pending;
  };
  new Gauge({
    name: 'cpb_provider_calls_month',
    help: 'Requests sent to a provider this UTC month by every replica, retries included (CoinGecko: cpb_coingecko_calls_month)',
    labelNames: ['provider'] as const,
    registers: [registry],
    async collect() {
      const calls = await total();
      this.reset();
      if (calls !== undefined) this.set({ provider: 'coinpaprika' }, calls);
    },
  });
  new Gauge({
    name: 'cpb_provider_budget_remaining',
    help: "Calls left this UTC month under a provider's monthly budget",
    labelNames: ['provider'] as const,
    registers: [registry],
    async collect() {
      const budget = usage.budgetOf('coinpaprika');
      const calls = budget === null ? undefined : await total();
      this.reset();
      if (budget !== null && calls !== undefined)
        this.set({ provider: 'coinpaprika' }, Math.max(0, budget - calls));
    },
  });
}

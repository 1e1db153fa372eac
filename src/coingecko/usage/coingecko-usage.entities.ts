import { defineEntity, p } from '@mikro-orm/core';
import { JobRunSchema } from '../../jobs/job-run.entity.js';

/*
 * The tables of the shared CoinGecko limit and the call accounting. Their queries are hand-written SQL
 * (RateLimitRepository, CoinGeckoUsageRepository); these definitions keep the ORM's view of the schema,
 * and so `migration:create`, in step with the migrations.
 */

/** One row per shared limit: the start times of its last N admitted requests, the Retry-After hold, the month's total. */
export const RateLimitWindowSchema = defineEntity({
  name: 'RateLimitWindow',
  tableName: 'rate_limit_windows',
  properties: {
    key: p.text().primary(),
    starts: p.type('bigint[]').columnType('bigint[]').defaultRaw(`'{}'`),
    heldUntil: p.bigint().nullable(),
    month: p.date().nullable(),
    monthCalls: p.bigint().defaultRaw('0'),
    updatedAt: p.datetime().defaultRaw('now()'),
  },
});

/** Requests sent to CoinGecko per UTC month, job and endpoint, retries included. */
export const CoinGeckoCallSchema = defineEntity({
  name: 'CoinGeckoCall',
  tableName: 'coingecko_calls',
  properties: {
    month: p.date().primary(),
    jobKey: p.text().primary(),
    endpoint: p.text().primary(),
    calls: p.bigint().defaultRaw('0'),
  },
});

/** Requests one run sent, for the month's projection; deleted with its run. */
export const CoinGeckoRunCallSchema = defineEntity({
  name: 'CoinGeckoRunCall',
  tableName: 'coingecko_run_calls',
  properties: {
    run: () =>
      p.manyToOne(JobRunSchema).primary().deleteRule('cascade').updateRule('no action').fieldName('run_id'),
    calls: p.bigint().defaultRaw('0'),
  },
});

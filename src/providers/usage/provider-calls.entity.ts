import { defineEntity, p } from '@mikro-orm/core';

/**
 * Requests sent to a provider other than CoinGecko per UTC month, provider, job and endpoint, retries
 * included. Written by RateLimitRepository in the statement that admits a call, read by
 * ProviderUsageRepository; this definition keeps the ORM's view of the schema in step with the migration.
 */
export const ProviderCallSchema = defineEntity({
  name: 'ProviderCall',
  tableName: 'provider_calls',
  properties: {
    month: p.date().primary(),
    provider: p.text().primary(),
    jobKey: p.text().primary(),
    endpoint: p.text().primary(),
    calls: p.bigint().defaultRaw('0'),
  },
});

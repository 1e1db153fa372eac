import { HttpModule } from '@nestjs/axios';
import { Module, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/app-config.js';
import { CoinGeckoClient } from './coingecko.client.js';
import { CoinGeckoRateLimiter } from './coingecko.rate-limiter.js';
import { CoinGeckoStats } from './coingecko.stats.js';
import { coinGeckoHttpOptions } from './coingecko.http-options.js';
import { CoinGeckoTransport } from './coingecko.transport.js';
import { RateLimitRepository } from './limiter/rate-limit.repository.js';

const MINUTE_MS = 60_000;
/**
 * Added to CoinGecko's minute: the N-th request after any request starts at least 61 s after it, so a
 * request that was slow to arrive never lands inside the upstream's window. Costs 1.6 % of the throughput.
 */
export const RATE_LIMIT_MARGIN_MS = 1000;

/**
 * CoinGecko access for the collectors: import this module, inject CoinGeckoClient. A static module, so
 * however many collector modules import it, the process has one client, one axios instance with one
 * keep-alive agent, and one rate limiter shared by every job — and, through the database, by every replica.
 */
@Module({
  imports: [
    HttpModule.registerAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<AppConfig, true>) =>
        coinGeckoHttpOptions(config.get('coingecko', { infer: true })),
    }),
  ],
  providers: [
    {
      provide: CoinGeckoRateLimiter,
      inject: [ConfigService, RateLimitRepository],
      useFactory: (config: ConfigService<AppConfig, true>, store: RateLimitRepository) => {
        const settings = config.get('coingecko', { infer: true });
        return new CoinGeckoRateLimiter({
          store,
          limit: settings.rateLimitPerMinute,
          windowMs: MINUTE_MS,
          marginMs: RATE_LIMIT_MARGIN_MS,
          monthlyBudget: settings.monthlyCallBudget,
        });
      },
    },
    RateLimitRepository,
    CoinGeckoStats,
    CoinGeckoTransport,
    CoinGeckoClient,
  ],
  exports: [CoinGeckoClient],
})
export class CoinGeckoModule implements OnApplicationShutdown {
  constructor(
    private readonly limiter: CoinGeckoRateLimiter,
    private readonly transport: CoinGeckoTransport,
  ) {}

  /**
   * Only once the app is shutting down for good: running jobs are drained in `beforeApplicationShutdown`,
   * and a limiter stopped or a connection cut earlier (onModuleDestroy runs first) would fail them.
   */
  onApplicationShutdown(): void {
    this.transport.closeConnections();
    this.limiter.close();
  }
}

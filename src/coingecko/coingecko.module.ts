import { HttpModule } from '@nestjs/axios';
import { Module, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/app-config.js';
import { CoinGeckoClient } from './coingecko.client.js';
import { CoinGeckoRateLimiter } from './coingecko.rate-limiter.js';
import { CoinGeckoStats } from './coingecko.stats.js';
import { CoinGeckoTransport, coinGeckoHttpOptions } from './coingecko.transport.js';

const MINUTE_MS = 60_000;

/**
 * CoinGecko access for the collectors: import this module, inject CoinGeckoClient. A static module, so
 * however many collector modules import it, the process has one client, one axios instance with one
 * keep-alive agent, and one rate limiter shared by every job.
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
      inject: [ConfigService],
      useFactory: (config: ConfigService<AppConfig, true>) =>
        new CoinGeckoRateLimiter({
          limit: config.get('coingecko', { infer: true }).rateLimitPerMinute,
          windowMs: MINUTE_MS,
        }),
    },
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
  async onApplicationShutdown(): Promise<void> {
    this.transport.closeConnections();
    await this.limiter.close();
  }
}

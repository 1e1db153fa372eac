import { Inject, Logger, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { CoinGeckoModule } from '../coingecko/coingecko.module.js';
import { RateLimitRepository } from '../coingecko/limiter/rate-limit.repository.js';
import type { AppConfig } from '../config/app-config.js';
import { JOB_CLOCK, type Clock } from '../jobs/clock.js';
import { JobsModule } from '../jobs/jobs.module.js';
import { CoinGeckoMarketDataProvider } from './coingecko/coingecko.provider.js';
import { CoinPaprikaClient } from './coinpaprika/coinpaprika.client.js';
import { createCoinPaprika, type CoinPaprikaParts } from './coinpaprika/coinpaprika.factory.js';
import { sendsKey } from './coinpaprika/coinpaprika.transport.js';
import { MarketDataProviders } from './market-data-providers.service.js';

/** CoinPaprika's client, limiter and transport, built together (coinpaprika.factory.ts). */
const COINPAPRIKA_PARTS = Symbol('COINPAPRIKA_PARTS');

/**
 * The market-data providers behind one interface: CoinPaprikaClient, the CoinGecko adapter, and
 * MarketDataProviders (the configured ones in PRICE_PROVIDERS order). A static module: however many job
 * modules import it, there is one CoinPaprika client, one axios instance with one keep-alive agent and one
 * CoinPaprika limiter, shared with every replica through the database (`rate_limit_windows` key `coinpaprika`).
 */
@Module({
  imports: [CoinGeckoModule, JobsModule],
  providers: [
    RateLimitRepository,
    {
      provide: COINPAPRIKA_PARTS,
      inject: [ConfigService, RateLimitRepository, JOB_CLOCK],
      useFactory: (config: ConfigService<AppConfig, true>, store: RateLimitRepository, clock: Clock) =>
        createCoinPaprika({ settings: config.get('coinpaprika', { infer: true }), store, clock }),
    },
    {
      provide: CoinPaprikaClient,
      inject: [COINPAPRIKA_PARTS],
      useFactory: (parts: CoinPaprikaParts) => parts.client,
    },
    CoinGeckoMarketDataProvider,
    {
      provide: MarketDataProviders,
      inject: [ConfigService, CoinGeckoMarketDataProvider, CoinPaprikaClient],
      useFactory: (
        config: ConfigService<AppConfig, true>,
        coingecko: CoinGeckoMarketDataProvider,
        coinpaprika: CoinPaprikaClient,
      ) => new MarketDataProviders(config.get('providers', { infer: true }).order, [coingecko, coinpaprika]),
    },
  ],
  exports: [CoinPaprikaClient, CoinGeckoMarketDataProvider, MarketDataProviders],
})
export class ProvidersModule implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('CoinPaprikaClient');

  constructor(
    private readonly config: ConfigService<AppConfig, true>,
    @Inject(COINPAPRIKA_PARTS) private readonly coinpaprika: CoinPaprikaParts,
  ) {}

  /** Like CoinGeckoClient's start-up line, only when CoinPaprika is in use; never the key. */
  onModuleInit(): void {
    if (!this.config.get('providers', { infer: true }).order.includes('coinpaprika')) return;
    const settings = this.config.get('coinpaprika', { infer: true });
    const { plan, baseUrl, rateLimitPerMinute, monthlyCallBudget } = settings;
    const apiKey = settings.apiKey ? 'set' : 'unset';
    this.logger.log(
      { provider: 'coinpaprika', plan, baseUrl, rateLimitPerMinute, monthlyCallBudget, apiKey },
      `CoinPaprika ${plan} plan at ${baseUrl}, at most ${rateLimitPerMinute} requests/min, ${monthlyCallBudget} calls/month`,
    );
    if (settings.apiKey && !sendsKey(settings)) {
      this.logger.warn(
        { provider: 'coinpaprika', plan },
        'COINPAPRIKA_API_KEY is set but not sent: the free plan and the free host take no key (use a paid plan to send it)',
      );
    }
  }

  /** Only once the app shuts down for good (running jobs are drained first), like CoinGeckoModule. */
  onApplicationShutdown(): void {
    this.coinpaprika.transport.close();
    this.coinpaprika.limiter.close();
  }
}

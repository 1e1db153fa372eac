import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { CoinGeckoClient } from '../../coingecko/coingecko.client.js';
import { CoinGeckoUsageService } from '../../coingecko/usage/coingecko-usage.service.js';
import { registerCoinGeckoUsageMetrics } from '../../coingecko/usage/usage-metrics.js';
import { COINGECKO_ENDPOINTS, type EndpointStats } from '../../coingecko/coingecko.types.js';
import { describeFailure } from '../../jobs/job-errors.js';
import { JobRegistry } from '../../jobs/job-registry.js';
import { JobRunnerService, type RunEndEvent } from '../../jobs/job-runner.service.js';
import { JobRunsReadRepository } from '../../jobs/history/job-runs.read-repository.js';
import { CoinPaprikaClient } from '../../providers/coinpaprika/coinpaprika.client.js';
import { registerProviderMetrics } from '../../providers/provider-metrics.js';
import { ProviderUsageService } from '../../providers/usage/provider-usage.service.js';
import { registerPriceFlagMetrics } from '../../prices-quality/price-flag-metrics.js';
import { PriceFlagsWriteRepository } from '../../prices-quality/price-flags.write-repository.js';
import { registerAlertMetrics } from '../alerting/alert-metrics.js';
import { AlertingService } from '../alerting/alerting.service.js';

const COINGECKO_COUNTERS: Record<keyof EndpointStats, { name: string; help: string }> = {
  requests: { name: 'cpb_coingecko_requests_total', help: 'HTTP requests sent to CoinGecko (every attempt)' },
  rateLimited: {
    name: 'cpb_coingecko_rate_limited_total',
    help: 'CoinGecko answers that were rate-limit errors',
  },
  retries: {
    name: 'cpb_coingecko_retries_total',
    help: 'CoinGecko requests repeated after a transient failure',
  },
  failures: { name: 'cpb_coingecko_failures_total', help: 'CoinGecko calls that failed after their retries' },
  bytes: { name: 'cpb_coingecko_response_bytes_total', help: 'Response body bytes received from CoinGecko' },
  skippedItems: {
    name: 'cpb_coingecko_skipped_items_total',
    help: 'Malformed items dropped from CoinGecko answers',
  },
};

/**
 * Prometheus metrics of this process (`/metrics`): Node's defaults, the runs this instance executed, what
 * they wrote, the providers' counters, the price flags recorded, and — read from the database at scrape time, so every
 * replica reports the same — when each job last succeeded.
 */
@Injectable()
export class MetricsService implements OnModuleInit, OnModuleDestroy {
  readonly registry = new Registry();
  private readonly logger = new Logger(MetricsService.name);
  private unsubscribe: (() => void) | undefined;
  private readonly unsubscribeFlags: () => void;

  private readonly runs = new Counter({
    name: 'cpb_job_runs_total',
    help: 'Job runs ended on this instance, by job, status and trigger',
    labelNames: ['job', 'status', 'trigger'] as const,
    registers: [this.registry],
  });

  private readonly duration = new Histogram({
    name: 'cpb_job_run_duration_seconds',
    help: 'Duration of job runs ended on this instance',
    labelNames: ['job', 'status'] as const,
    buckets: [0.1, 0.5, 1, 5, 15, 30, 60, 300, 900],
    registers: [this.registry],
  });

  private readonly items = new Counter({
    name: 'cpb_job_items_total',
    help: 'Items of job runs on this instance: processed, created, updated, skipped',
    labelNames: ['job', 'kind'] as const,
    registers: [this.registry],
  });

  constructor(
    private readonly runner: JobRunnerService,
    history: JobRunsReadRepository,
    jobs: JobRegistry,
    coingecko: CoinGeckoClient,
    alerting: AlertingService,
    usage: CoinGeckoUsageService,
    coinpaprika: CoinPaprikaClient,
    providerUsage: ProviderUsageService,
    flags: PriceFlagsWriteRepository,
  ) {
    collectDefaultMetrics({ register: this.registry, prefix: 'cpb_' });
    registerAlertMetrics(this.registry, alerting);
    registerCoinGeckoUsageMetrics(this.registry, usage);
    registerProviderMetrics(this.registry, coinpaprika, providerUsage);
    this.unsubscribeFlags = registerPriceFlagMetrics(this.registry, flags);
    // prom-client calls collect() with the metric as `this`; these are what the callbacks need from here.
    // (the constructor's parameters are in scope there).
    const logger = this.logger;
    new Gauge({
      name: 'cpb_job_running',
      help: 'Runs in progress on this instance, by job',
      labelNames: ['job'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const { definition } of jobs.all()) this.set({ job: definition.key }, 0);
        for (const job of runner.activeJobKeys) this.inc({ job });
      },
    });
    new Gauge({
      name: 'cpb_job_queued',
      help: 'Runs of this instance waiting for a JOBS_MAX_CONCURRENT slot, by job',
      labelNames: ['job'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const { definition } of jobs.all()) this.set({ job: definition.key }, 0);
        for (const job of runner.queuedJobKeys) this.inc({ job });
      },
    });
    new Gauge({
      name: 'cpb_job_last_success_timestamp_seconds',
      help: 'When each job last succeeded on any replica (Unix time; absent when it never did)',
      labelNames: ['job'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        try {
          // One index probe per registered job, never a scan of the history.
          const keys = jobs.all().map(({ definition }) => definition.key);
          for (const [job, at] of await history.lastSuccessPerJob(keys)) this.set({ job }, at);
        } catch (error) {
          logger.warn({ err: error }, `Could not read the last successes: ${describeFailure(error)}`);
        }
      },
    });
    for (const [field, { name, help }] of Object.entries(COINGECKO_COUNTERS) as [
      keyof EndpointStats,
      { name: string; help: string },
    ][]) {
      new Counter({
        name,
        help,
        labelNames: ['endpoint'] as const,
        registers: [this.registry],
        collect() {
          const stats = coingecko.stats();
          this.reset();
          for (const endpoint of COINGECKO_ENDPOINTS) this.inc({ endpoint }, stats[endpoint][field]);
        },
      });
    }
  }

  onModuleInit(): void {
    this.unsubscribe = this.runner.onRunEnd((event) => this.record(event));
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
    this.unsubscribeFlags();
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private record({ jobKey, trigger, result }: RunEndEvent): void {
    this.runs.inc({ job: jobKey, status: result.status, trigger });
    this.duration.observe({ job: jobKey, status: result.status }, result.duration_ms / 1000);
    const { metrics } = result;
    this.items.inc({ job: jobKey, kind: 'processed' }, metrics.items_processed);
    this.items.inc({ job: jobKey, kind: 'created' }, metrics.items_created);
    this.items.inc({ job: jobKey, kind: 'updated' }, metrics.items_updated);
    this.items.inc({ job: jobKey, kind: 'skipped' }, metrics.items_skipped);
  }
}

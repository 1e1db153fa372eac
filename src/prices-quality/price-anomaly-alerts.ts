import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { JOB_CLOCK, type Clock } from '../jobs/clock.js';
import type { AnomalySummary } from '../observability/alerting/alert.types.js';
import { AlertingService } from '../observability/alerting/alerting.service.js';
import type { PriceFlagKind } from './price-flag.entity.js';
import { PriceFlagsRepository } from './price-flags.repository.js';
import {
  PriceFlagsWriteRepository,
  type NewPriceFlag,
  type RecordedFlags,
} from './price-flags.write-repository.js';

/** The job an alert names when flags were recorded outside any run (a script calling the write directly). */
export const NO_RUN_JOB = 'price_write';

/** The UTC hour of `at` (`2026-12-07T16`): an anomaly alert's throttle window, and so its episode. */
const hourOf = (at: Date): string => at.toISOString().slice(0, 13);

/**
 * Raises `price_anomaly` when a price write records new flags: at most one alert per writing job, kind and UTC
 * hour. The episode `<kind>:<hour>` in `job_alerts`' unique key is that throttle across replicas; the set of
 * episodes this process has already raised saves the claim's round trip for every later write of the hour (a
 * backfill can record flags in thousands of writes).
 */
@Injectable()
export class PriceAnomalyAlerts implements OnModuleInit, OnModuleDestroy {
  private readonly raised = new Set<string>();
  private hour = '';
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly flags: PriceFlagsWriteRepository,
    private readonly reads: PriceFlagsRepository,
    private readonly alerting: AlertingService,
    @Inject(JOB_CLOCK) private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = this.flags.onRecorded((recorded) => this.onRecorded(recorded));
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  private onRecorded({ flags, run }: RecordedFlags): void {
    const at = this.clock.now();
    const hour = hourOf(at);
    if (hour !== this.hour) {
      this.raised.clear();
      this.hour = hour;
    }
    const job = run?.job ?? NO_RUN_JOB;
    for (const [kind, ofKind] of Map.groupBy(flags, (flag) => flag.kind)) {
      const episode = `${kind}:${hour}`;
      if (this.raised.has(`${job} ${episode}`)) continue;
      this.raised.add(`${job} ${episode}`);
      const [example] = ofKind;
      this.alerting.notify(episode, async () => ({
        event: 'price_anomaly',
        job,
        runId: run?.runId ?? null,
        status: run ? 'running' : null,
        error: null,
        consecutiveFailures: 0,
        at,
        anomaly: await this.summary(kind, ofKind.length, example),
      }));
    }
  }

  private async summary(kind: PriceFlagKind, count: number, example: NewPriceFlag): Promise<AnomalySummary> {
    return {
      kind,
      count,
      asset: (await this.reads.coingeckoIdOf(example.assetId)) ?? example.assetId,
      asset_id: example.assetId,
      timestamp: example.timestamp.toISOString(),
      source: example.source,
    };
  }
}

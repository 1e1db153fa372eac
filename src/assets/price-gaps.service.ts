import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { expectedSlots, DAY_MS } from '../collectors/price-gap-repair/price-holes.js';
import { PRICES_JOB } from '../collectors/prices/prices.job.js';
import type { AppConfig, JobSettings } from '../config/app-config.js';
import { JOB_CLOCK, type Clock } from '../jobs/clock.js';
import { PriceGapsRepository, type PriceHole } from './price-gaps.repository.js';

/**
 * Holes in the price history, as the gap-repair job and the asset detail both count them: the fire
 * times of the configured price schedule in a window, floored to the minute, that fired at least five
 * minutes ago and whose price run is not still in progress, from each asset's first stored price on,
 * without a stored price. None while `price_collection` is disabled (nothing is expected then).
 */
@Injectable()
export class PriceGapsService {
  private readonly priceJob: JobSettings | undefined;

  constructor(
    config: ConfigService<AppConfig, true>,
    private readonly repository: PriceGapsRepository,
    @Inject(JOB_CLOCK) private readonly clock: Clock,
  ) {
    this.priceJob = config.get('jobs', { infer: true }).byKey[PRICES_JOB.key];
  }

  /** How many assets the price job prices (its configured limit). */
  get pricedLimit(): number {
    return this.priceJob?.limit ?? PRICES_JOB.limit?.default ?? 100;
  }

  /** The price slots expected in `[from, now]`, oldest first; null while the price job is disabled. */
  async expected(from: Date, now: Date): Promise<Date[] | null> {
    if (!this.priceJob?.enabled) return null;
    const inProgress = await this.repository.inProgressSlots(PRICES_JOB.key, from);
    return expectedSlots({ schedule: this.priceJob.schedule, from, now, inProgress });
  }

  holes(assetIds: readonly string[], slots: readonly Date[]): Promise<PriceHole[]> {
    return this.repository.holes(assetIds, slots);
  }

  /** Holes of one asset in the last 24 h; null when the price job does not price it or is disabled. */
  async recentHoles(assetId: string): Promise<number | null> {
    const now = this.clock.now();
    const slots = await this.expected(new Date(now.getTime() - DAY_MS), now);
    if (slots === null || !(await this.repository.isPriced(assetId, this.pricedLimit))) return null;
    return (await this.repository.holes([assetId], slots)).length;
  }
}

import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { JOB_CLOCK, type Clock } from '../../jobs/clock.js';
import { MONTHS_AHEAD, monthsFrom } from './price-months.js';
import { PricePartitions } from './price-partitions.repository.js';

/**
 * Creates the partitions of the current month and the next two at start-up, so a service that was down over a
 * month end (and missed the daily maintenance job) writes its first slot into a partition that is already there.
 * Writers create a missing month themselves anyway; this keeps that path for backfills and clocks far ahead.
 */
@Injectable()
export class PricePartitionsAhead implements OnApplicationBootstrap {
  private readonly logger = new Logger(PricePartitionsAhead.name);

  constructor(
    private readonly partitions: PricePartitions,
    @Inject(JOB_CLOCK) private readonly clock: Clock,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    try {
      const created = await this.partitions.ensureMonths(monthsFrom(this.clock.now(), MONTHS_AHEAD));
      if (created.length > 0)
        this.logger.log({ partitions: created }, `Created partitions ${created.join(', ')}`);
    } catch (error) {
      // Start-up goes on (the readiness check reports a missing schema); writers create their months on demand.
      const message = error instanceof Error ? error.message : String(error);
      this.logger.warn({ err: error }, `Could not create the price partitions ahead: ${message}`);
    }
  }
}

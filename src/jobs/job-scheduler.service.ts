import { Inject, Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronTime } from 'cron';
import type { Logger } from 'pino';
import type { JobSettings } from '../config/app-config.js';
import { JOB_CLOCK, type Clock } from './clock.js';
import { nextFire, previousFire, slotForTick } from './cron-slots.js';
import type { JobDefinition } from './job-definition.js';
import { describeFailure } from './job-errors.js';
import { JobRegistry } from './job-registry.js';
import type { JobTrigger } from './job-run.entity.js';
import {
  JOB_RUNNER_SETTINGS,
  JOBS_LOGGER,
  JobRunnerService,
  type JobRunnerSettings,
  type StartOutcome,
} from './job-runner.service.js';
import { JobRunsRepository } from './job-runs.repository.js';

export interface SchedulerSettings extends JobRunnerSettings {
  catchUp: boolean;
}

export interface ScheduledJobView {
  key: string;
  definition: JobDefinition;
  enabled: boolean;
  schedule: string;
  nextRunAt: Date | null;
}

/**
 * Turns cron ticks into runs. The `@Cron` decorators on the collectors carry the README's default
 * expressions; at start-up this applies `<PREFIX>_SCHEDULE` and `<PREFIX>_ENABLED` to them through
 * SchedulerRegistry, sweeps stale runs (and keeps sweeping every JOB_HEARTBEAT_MS), and catches up on
 * each job's most recent missed slot. Every tick becomes a claim on `(job, slot)` in the database, so
 * with N replicas each slot runs once.
 */
@Injectable()
export class JobSchedulerService implements BeforeApplicationShutdown {
  private sweepTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Settles when start-up catch-up has finished (tests and the CLI wait for it). */
  catchUpDone: Promise<void> = Promise.resolve();

  constructor(
    private readonly cron: SchedulerRegistry,
    private readonly registry: JobRegistry,
    private readonly runner: JobRunnerService,
    private readonly runs: JobRunsRepository,
    @Inject(JOB_RUNNER_SETTINGS) private readonly settings: SchedulerSettings,
    @Inject(JOB_CLOCK) private readonly clock: Clock,
    @Inject(JOBS_LOGGER) private readonly logger: Logger,
  ) {
    runner.handleTicks((definition) => this.onTick(definition));
  }

  /** Applies the configured schedules, sweeps stale runs and starts catch-up. Call once, after the app initialised. */
  async start(): Promise<void> {
    for (const { definition } of this.registry.all()) this.applySchedule(definition);
    await this.runner.sweepStale().catch((error: unknown) => this.logSweepFailure(error));
    this.sweepTimer = setInterval(() => {
      this.runner.sweepStale().catch((error: unknown) => this.logSweepFailure(error));
    }, this.settings.heartbeatMs);
    this.sweepTimer.unref();
    if (this.settings.catchUp) {
      // Never rejects (each job's catch-up logs its own failure), so nothing can go unhandled here.
      this.catchUpDone = this.catchUp();
    }
  }

  /** What a `@Cron` tick calls: run the job for the slot this tick belongs to. */
  async onTick(definition: JobDefinition): Promise<void> {
    const settings = this.settingsOf(definition.key);
    if (!settings?.enabled || this.stopped) return;
    let slot: Date;
    try {
      slot = slotForTick(settings.schedule, this.clock.now());
    } catch (error) {
      this.logger.error(
        { job: definition.key, err: error },
        `Could not place a tick of ${definition.key}: ${describeFailure(error)}`,
      );
      return;
    }
    await this.runSlot(definition.key, slot, 'schedule');
  }

  /**
   * Runs the job for `slot` unless the slot already has a run (anywhere); with the job busy, records a
   * skipped run instead. Waits for the run to end and never throws: a tick has nobody to throw to.
   */
  async runSlot(
    job: string,
    slot: Date,
    trigger: Extract<JobTrigger, 'schedule' | 'catch_up'>,
  ): Promise<StartOutcome | undefined> {
    if (!this.runner.isAccepting) return undefined;
    try {
      // Only catch-up takes over an abandoned slot run: a tick's slot is new, so there is nothing to take over.
      const outcome = await this.runner.run({ job, trigger, slot, reclaimAbandoned: trigger === 'catch_up' });
      if (outcome.kind === 'slot_taken') {
        this.logger.debug(
          { job, slot: slot.toISOString(), runId: outcome.existing.id, owner: outcome.existing.owner },
          `Slot ${slot.toISOString()} of ${job} already has a run`,
        );
      }
      if (outcome.kind === 'started') await outcome.completion;
      return outcome;
    } catch (error) {
      this.logger.error(
        { job, slot: slot.toISOString(), err: error },
        `Could not run ${job}: ${describeFailure(error)}`,
      );
      return undefined;
    }
  }

  /**
   * For each enabled job, in dependency order: when its most recent past slot was missed — no run of it,
   * or only an abandoned one, and no run since that did the job's work — run that slot once. Replicas
   * starting together race on the same slot claim. A job with no run at all is left to its schedule: a
   * new database has missed nothing. Never rejects.
   */
  async catchUp(): Promise<void> {
    const now = this.clock.now();
    for (const { definition } of this.registry.all()) {
      const settings = this.settingsOf(definition.key);
      if (!settings?.enabled || this.stopped) continue;
      try {
        const slot = previousFire(settings.schedule, now);
        if (!(await this.runs.hasAnyRun(definition.key))) continue;
        const existing = await this.runs.findBySlot(definition.key, slot);
        if (existing && existing.status !== 'abandoned') continue;
        if (!existing && (await this.runs.hasWorkSince(definition.key, slot))) continue;
        this.logger.info(
          { job: definition.key, slot: slot.toISOString() },
          `Catching up: ${definition.key} missed its slot at ${slot.toISOString()}`,
        );
        await this.runSlot(definition.key, slot, 'catch_up');
      } catch (error) {
        this.logger.error(
          { job: definition.key, err: error },
          `Catch-up of ${definition.key} failed: ${describeFailure(error)}`,
        );
      }
    }
  }

  /** Each registered job's schedule (GET /jobs; its latest run comes from the run history). */
  async describe(): Promise<ScheduledJobView[]> {
    return this.registry.all().map(({ definition }) => {
      const settings = this.settingsOf(definition.key);
      const enabled = settings?.enabled ?? false;
      const schedule = settings?.schedule ?? definition.defaultSchedule;
      return {
        key: definition.key,
        definition,
        enabled,
        schedule,
        nextRunAt: enabled && !this.stopped ? nextFire(schedule, this.clock.now()) : null,
      };
    });
  }

  /** Ticks stop first, then running jobs get SHUTDOWN_TIMEOUT_MS to finish; the database closes after this. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.sweepTimer);
    for (const { definition } of this.registry.all()) {
      if (this.cron.doesExist('cron', definition.key)) await this.cron.getCronJob(definition.key).stop();
    }
    await this.runner.shutdown();
  }

  private applySchedule(definition: JobDefinition): void {
    const settings = this.settingsOf(definition.key);
    const hasTick = this.cron.doesExist('cron', definition.key);
    if (!settings?.enabled) {
      if (hasTick) this.cron.deleteCronJob(definition.key);
      this.logger.info(
        { job: definition.key, enabled: false },
        `Job ${definition.key} is disabled (${definition.envPrefix}_ENABLED=false): not scheduled`,
      );
      return;
    }
    if (!hasTick) {
      this.logger.warn(
        { job: definition.key },
        `Job ${definition.key} has no @Cron tick: it runs only when triggered`,
      );
      return;
    }
    const tick = this.cron.getCronJob(definition.key);
    tick.setTime(new CronTime(settings.schedule, 'UTC'));
    tick.start();
    const nextRunAt = nextFire(settings.schedule, this.clock.now()).toISOString();
    this.logger.info(
      { job: definition.key, schedule: settings.schedule, nextRunAt },
      `Job ${definition.key} scheduled "${settings.schedule}" (UTC), next run at ${nextRunAt}`,
    );
  }

  private settingsOf(key: string): JobSettings | undefined {
    return this.settings.byKey[key];
  }

  private logSweepFailure(error: unknown): void {
    this.logger.warn({ err: error }, `Stale-run sweep failed: ${describeFailure(error)}`);
  }
}

import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnModuleInit,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../../config/app-config.js';
import { JOB_CLOCK, type Clock } from '../../jobs/clock.js';
import { scheduleIntervalMs } from '../../jobs/job-health.js';
import { describeFailure } from '../../jobs/job-errors.js';
import { JobRegistry } from '../../jobs/job-registry.js';
import { JobRunnerService, type RunEndEvent } from '../../jobs/job-runner.service.js';
import { buildPayload, type AlertEvent, type AlertFacts } from './alert.types.js';
import { AlertsRepository, type AlertRecord, type JobStanding, type NewAlert } from './alerts.repository.js';
import { sendWebhook } from './webhook.sender.js';

/** How often each replica looks for overdue jobs; the claim in the database keeps it to one alert. */
export const OVERDUE_CHECK_MS = 60_000;

export interface AlertCounts {
  sent: Record<AlertEvent, number>;
  failed: Record<AlertEvent, number>;
}

const zero = (): Record<AlertEvent, number> => ({
  job_failing: 0,
  job_recovered: 0,
  job_overdue: 0,
  price_anomaly: 0,
});

/** A job the standing read returned nothing for: as one that never ran. */
const NO_STANDING: JobStanding = { lastSuccess: null, failuresSince: 0 };

/** The outage an alert belongs to: named after the job's last success before it. */
const episodeAfter = (success: { id: string } | null): string => `after:${success?.id ?? 'none'}`;

/**
 * Raises `job_failing` after ALERT_AFTER_FAILURES failed runs in a row, `job_recovered` on the first
 * success after a failing or overdue alert, and `job_overdue` when an enabled job has gone without a
 * success for twice its schedule interval plus its timeout while this service was up, and sends the alerts other
 * modules raise through `notify` (`price_anomaly`, PriceAnomalyAlerts). Each alert is
 * claimed in `job_alerts` (one replica wins) and delivered in the background: a slow or broken
 * receiver never delays a run or a trigger.
 */
@Injectable()
export class AlertingService implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Alerts');
  private readonly settings: AppConfig['alerts'];
  private readonly jobs: AppConfig['jobs'];
  private readonly pending = new Set<Promise<void>>();
  /** Evaluations of one job run in order, so that a failure and the success after it are judged in sequence. */
  private readonly queues = new Map<string, Promise<void>>();
  private readonly stopping = new AbortController();
  private readonly counts: AlertCounts = { sent: zero(), failed: zero() };
  private upSince: Date | undefined;
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly alerts: AlertsRepository,
    private readonly runner: JobRunnerService,
    private readonly registry: JobRegistry,
    @Inject(JOB_CLOCK) private readonly clock: Clock,
    config: ConfigService<AppConfig, true>,
  ) {
    this.settings = config.get('alerts', { infer: true });
    this.jobs = config.get('jobs', { infer: true });
  }

  onModuleInit(): void {
    this.unsubscribe = this.runner.onRunEnd((event) => this.track(() => this.onRunEnd(event), event.jobKey));
  }

  onApplicationBootstrap(): void {
    this.upSince = this.clock.now();
    this.timer = setInterval(() => this.track(() => this.checkOverdue()), OVERDUE_CHECK_MS);
    this.timer.unref();
  }

  /**
   * Runs end while the runner drains (its own `beforeApplicationShutdown`): wait for that, then give
   * alerts in flight up to ALERT_TIMEOUT_MS before abandoning them — they are recorded as failed.
   */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.runner.shutdown();
    this.unsubscribe?.();
    const all = Promise.allSettled([...this.pending]);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      all,
      new Promise((resolve) => (timer = setTimeout(resolve, this.settings.timeoutMs))),
    ]);
    clearTimeout(timer);
    this.stopping.abort();
    await all;
  }

  /** Alerts sent and failed by this process since it started (for `/metrics`). */
  stats(): AlertCounts {
    return { sent: { ...this.counts.sent }, failed: { ...this.counts.failed } };
  }

  /** Resolves once every evaluation and delivery started so far has finished (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /**
   * Claims and sends an alert that no run's end raises (`price_anomaly`), in the background: the price write that
   * found the anomaly never waits for the claim or the delivery. `facts` is read in that background work too.
   */
  notify(episode: string, facts: () => Promise<AlertFacts>): void {
    this.track(async () => this.raise(await facts(), episode));
  }

  /** Looks for enabled jobs without a success for 2 × their interval + their timeout; raises `job_overdue`. */
  async checkOverdue(): Promise<AlertRecord[]> {
    const now = this.clock.now();
    const raised: AlertRecord[] = [];
    const enabled = this.registry.all().flatMap(({ definition }) => {
      const job = this.jobs.byKey[definition.key];
      return job?.enabled ? [{ key: definition.key, job }] : [];
    });
    // One statement for every job: this runs on each replica every minute, whatever the number of jobs.
    const standings = await this.alerts.standingPerJob(enabled.map(({ key }) => key));
    for (const { key, job } of enabled) {
      const allowedMs = 2 * scheduleIntervalMs(job.schedule, now) + job.timeoutMs;
      const { lastSuccess, failuresSince } = standings.get(key) ?? NO_STANDING;
      const since = Math.max(lastSuccess?.completedAt.getTime() ?? 0, (this.upSince ?? now).getTime());
      const silentMs = now.getTime() - since;
      if (silentMs <= allowedMs) continue;
      const overdueMs = now.getTime() - (lastSuccess?.completedAt.getTime() ?? since);
      const alert = await this.raise(
        {
          event: 'job_overdue',
          job: key,
          runId: null,
          status: null,
          error: null,
          consecutiveFailures: failuresSince,
          at: now,
          overdueMs,
        },
        episodeAfter(lastSuccess),
      );
      if (alert) raised.push(alert);
    }
    return raised;
  }

  private async onRunEnd({ jobKey, result }: RunEndEvent): Promise<void> {
    const at = this.clock.now();
    if (result.status === 'failed') {
      const { lastSuccess, failuresSince } = await this.alerts.standing(jobKey);
      if (failuresSince < this.settings.afterFailures) return;
      await this.raise(
        {
          event: 'job_failing',
          job: jobKey,
          runId: result.run_id,
          status: result.status,
          error: result.error ?? null,
          consecutiveFailures: failuresSince,
          at,
        },
        episodeAfter(lastSuccess),
      );
    } else if (result.status === 'succeeded') {
      const before = { runId: result.run_id, startedAt: new Date(result.started_at) };
      const { lastSuccess, failuresSince } = await this.alerts.standing(jobKey, before);
      const facts: AlertFacts = {
        event: 'job_recovered',
        job: jobKey,
        runId: result.run_id,
        status: result.status,
        error: null,
        consecutiveFailures: failuresSince,
        at,
      };
      await this.raise(facts, episodeAfter(lastSuccess));
    }
  }

  /** Claims the alert (undefined when another replica, or an earlier run, already did) and sends it. */
  private async raise(facts: AlertFacts, episode: string): Promise<AlertRecord | undefined> {
    const alert: NewAlert = {
      jobKey: facts.job,
      event: facts.event,
      episode,
      payload: buildPayload(facts, this.settings.baseUrl),
      owner: this.runner.instanceId,
    };
    const claimed =
      facts.event === 'job_recovered'
        ? await this.alerts.claimRecovery(alert)
        : await this.alerts.claim(alert);
    if (!claimed) return undefined;
    this.logger.log(
      { job: facts.job, event: facts.event, alertId: claimed.id, runId: facts.runId },
      `Alert ${facts.event} for ${facts.job}: ${claimed.payload.text.split('\n')[0]}`,
    );
    this.track(() => this.deliver(claimed));
    return claimed;
  }

  private async deliver(alert: AlertRecord): Promise<void> {
    const url = this.settings.webhookUrl;
    if (!url) {
      await this.alerts.recordOutcome(alert.id, { delivery: 'not_configured', attempts: 0, error: null });
      return;
    }
    const fields = { job: alert.jobKey, event: alert.event, alertId: alert.id };
    const outcome = await sendWebhook(alert.payload, {
      url,
      timeoutMs: this.settings.timeoutMs,
      signal: this.stopping.signal,
      onAttemptFailed: (attempt, reason) => {
        this.logger.warn({ ...fields, attempt }, `Alert delivery attempt ${attempt} failed: ${reason}`);
        this.alerts.recordAttempt(alert.id, attempt, reason).catch(() => undefined);
      },
    });
    if (outcome.delivered) {
      this.counts.sent[alert.event] += 1;
      this.logger.log({ ...fields, attempts: outcome.attempts }, `Alert ${alert.event} delivered`);
    } else {
      this.counts.failed[alert.event] += 1;
      this.logger.error(
        { ...fields, attempts: outcome.attempts },
        `Alert ${alert.event} for ${alert.jobKey} not delivered after ${outcome.attempts} attempt(s): ${outcome.error}`,
      );
    }
    await this.alerts.recordOutcome(alert.id, {
      delivery: outcome.delivered ? 'delivered' : 'failed',
      attempts: outcome.attempts,
      error: outcome.error,
    });
  }

  /** Runs `work` in the background (queued behind the same job's earlier work when `queue` is given). */
  private track(work: () => Promise<unknown>, queue?: string): void {
    const previous = (queue && this.queues.get(queue)) || Promise.resolve();
    const promise = previous
      .then(work)
      .then(
        () => undefined,
        (error: unknown) =>
          this.logger.warn({ err: error }, `Alert evaluation failed: ${describeFailure(error)}`),
      )
      .finally(() => {
        this.pending.delete(promise);
        if (queue && this.queues.get(queue) === promise) this.queues.delete(queue);
      });
    this.pending.add(promise);
    if (queue) this.queues.set(queue, promise);
  }
}

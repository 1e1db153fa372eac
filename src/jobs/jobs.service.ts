import { BadRequestException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { CoinGeckoUsageService } from '../coingecko/usage/coingecko-usage.service.js';
import { API_PREFIX } from '../http/api-prefix.js';
import { JOB_CLOCK, type Clock } from './clock.js';
import { JobRunsReadRepository, type RunHistoryQuery } from './history/job-runs.read-repository.js';
import { runCursor } from './history/run-cursor.js';
import { runPageItemsJson, runPagePosition } from './history/run-page.js';
import { SharedReads } from './history/shared-reads.js';
import { toRunView } from './history/run-view.js';
import { JobHealthService } from './job-health.js';
import { JobSchedulerService } from './job-scheduler.service.js';
import type { JobRunDto, JobRunPageDto, JobSummaryDto } from './dto/job-views.dto.js';
import type { JobRunStatus } from './job-run.entity.js';

export { toRunView };

/** What the JobsController does, minus HTTP: triggers go through the runner, reads through the repository. */
@Injectable()
export class JobsService {
  private readonly pages = new SharedReads<string>();

  constructor(
    private readonly scheduler: JobSchedulerService,
    private readonly history: JobRunsReadRepository,
    private readonly health: JobHealthService,
    private readonly usage: CoinGeckoUsageService,
    @Inject(JOB_CLOCK) private readonly clock: Clock,
  ) {}

  async describeJobs(): Promise<JobSummaryDto[]> {
    const jobs = await this.scheduler.describe();
    const at = this.clock.now();
    const [latest, health, calls] = await Promise.all([
      this.history.latestPerJob(jobs.map((job) => job.key)),
      this.health.assess(jobs),
      this.usage.projectJobs(jobs, at),
    ]);
    const now = at.getTime();
    return jobs.map((job) => {
      const lastRun = latest.get(job.key);
      const projection = calls.get(job.key)!; // projectJobs() answers every job it is given
      return {
        key: job.key,
        description: job.definition.description,
        trigger_path: `/${API_PREFIX}/jobs/${job.definition.triggerPath}`,
        limit: job.definition.limit ? { ...job.definition.limit } : null,
        enabled: job.enabled,
        schedule: job.schedule,
        next_run_at: job.nextRunAt?.toISOString() ?? null,
        last_run: lastRun ? toRunView(lastRun, now) : null,
        health: health.get(job.key)!, // assess() answers every job it is given
        calls_per_run: projection.callsPerRun,
        projected_monthly_calls: projection.projectedMonthlyCalls,
      };
    });
  }

  /**
   * One page of the run history as its JSON text (a `JobRunPageDto`), written straight from the rows: this
   * is the hottest read of the API, and building the views then serialising them cost more than the query
   * (see run-page.ts). A page that writer refuses (a time outside years 1–9999) is read from the view columns
   * and serialised through `toRunView`, as every page was before. Identical requests that arrive together
   * share one read (SharedReads: each answer still comes from a read that began after its request arrived).
   */
  async listRuns(query: {
    job?: string;
    status?: JobRunStatus;
    limit?: number;
    cursor?: string;
  }): Promise<string> {
    const limit = query.limit ?? 50;
    const before = query.cursor === undefined ? undefined : decodeRunCursor(query.cursor);
    const filter = { jobKey: query.job, status: query.status, limit: limit + 1, before };
    const key = JSON.stringify([filter.jobKey, filter.status, limit, query.cursor]);
    return this.pages.read(key, () => this.writeRunPage(filter, limit));
  }

  private async writeRunPage(filter: RunHistoryQuery, limit: number): Promise<string> {
    const rows = await this.history.listPage(filter);
    const more = rows.length > limit;
    const count = more ? limit : rows.length;
    const now = this.clock.now().getTime();
    const items = runPageItemsJson(rows, count, now);
    const position = more ? runPagePosition(rows[count - 1]) : undefined;
    if (items !== undefined && (!more || position)) {
      return `{"items":${items},"next_cursor":${JSON.stringify(position ? runCursor.encode(position) : null)}}`;
    }
    return JSON.stringify(await this.viewPage(filter, limit, now));
  }

  private async viewPage(filter: RunHistoryQuery, limit: number, now: number): Promise<JobRunPageDto> {
    const rows = await this.history.list(filter);
    const more = rows.length > limit;
    const count = more ? limit : rows.length;
    const items = new Array<JobRunDto>(count);
    for (let index = 0; index < count; index += 1) items[index] = toRunView(rows[index], now);
    const last = rows[count - 1];
    return {
      items,
      next_cursor: more && last ? runCursor.encode({ startedAt: last.started_at, id: last.id }) : null,
    };
  }

  async getRun(id: string): Promise<JobRunDto> {
    const run = await this.history.get(id);
    if (!run) throw new NotFoundException(`run ${id} not found`);
    return toRunView(run, this.clock.now().getTime());
  }
}

function decodeRunCursor(text: string): { startedAt: string; id: string } {
  const cursor = runCursor.decode(text);
  if (cursor) return cursor;
  throw new BadRequestException('cursor is not valid (use the next_cursor of the previous page)');
}

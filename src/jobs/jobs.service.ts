import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { API_PREFIX } from '../http/api-prefix.js';
import { toJobResult } from './job-runner.service.js';
import { JobRunsRepository, type JobRunRecord } from './job-runs.repository.js';
import { JobSchedulerService } from './job-scheduler.service.js';
import type { JobRunDto, JobRunPageDto, JobSummaryDto } from './dto/job-views.dto.js';
import type { JobRunStatus } from './job-run.entity.js';

interface Cursor {
  startedAt: Date;
  id: string;
}

const ISO_INSTANT = /^(?!0000)\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What the JobsController does, minus HTTP: triggers go through the runner, reads through the repository. */
@Injectable()
export class JobsService {
  constructor(
    private readonly scheduler: JobSchedulerService,
    private readonly runs: JobRunsRepository,
  ) {}

  async describeJobs(): Promise<JobSummaryDto[]> {
    const jobs = await this.scheduler.describe();
    return jobs.map((job) => ({
      key: job.key,
      description: job.definition.description,
      trigger_path: `/${API_PREFIX}/jobs/${job.definition.triggerPath}`,
      limit: job.definition.limit ? { ...job.definition.limit } : null,
      enabled: job.enabled,
      schedule: job.schedule,
      next_run_at: job.nextRunAt?.toISOString() ?? null,
      last_run: job.lastRun ? toRunView(job.lastRun) : null,
    }));
  }

  async listRuns(query: {
    job?: string;
    status?: JobRunStatus;
    limit?: number;
    cursor?: string;
  }): Promise<JobRunPageDto> {
    const limit = query.limit ?? 50;
    const before = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const rows = await this.runs.list({ jobKey: query.job, status: query.status, limit: limit + 1, before });
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      items: page.map(toRunView),
      next_cursor:
        rows.length > limit && last ? encodeCursor({ startedAt: last.startedAt, id: last.id }) : null,
    };
  }

  async getRun(id: string): Promise<JobRunDto> {
    const run = await this.runs.get(id);
    if (!run) throw new NotFoundException(`run ${id} not found`);
    return toRunView(run);
  }
}

export function toRunView(run: JobRunRecord): JobRunDto {
  return {
    ...toJobResult(run),
    job_key: run.jobKey,
    trigger: run.trigger,
    scheduled_for: run.scheduledFor?.toISOString() ?? null,
    params: run.params,
    progress: run.progress,
    heartbeat_at: run.heartbeatAt.toISOString(),
    owner: run.owner,
  };
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify({ t: cursor.startedAt.toISOString(), i: cursor.id })).toString(
    'base64url',
  );
}

function decodeCursor(text: string): Cursor {
  try {
    const parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as {
      t?: unknown;
      i?: unknown;
    };
    // Only the exact ISO form we issue (four-digit year): anything else may be out of PostgreSQL's range.
    const startedAt =
      typeof parsed.t === 'string' && ISO_INSTANT.test(parsed.t) ? new Date(parsed.t) : undefined;
    if (
      startedAt &&
      !Number.isNaN(startedAt.getTime()) &&
      typeof parsed.i === 'string' &&
      UUID.test(parsed.i)
    ) {
      return { startedAt, id: parsed.i };
    }
  } catch {
    // fall through to the 400 below
  }
  throw new BadRequestException('cursor is not valid (use the next_cursor of the previous page)');
}

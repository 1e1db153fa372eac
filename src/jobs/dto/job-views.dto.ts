import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { JobHealthDto } from './job-health.dto.js';
import { JOB_RUN_STATUSES, JOB_TRIGGERS, type JobRunStatus, type JobTrigger } from '../job-run.entity.js';

/** The original README's JobMetrics. */
export class JobMetricsDto {
  @ApiProperty({ type: 'integer', minimum: 0, example: 100 }) items_processed!: number;
  @ApiProperty({ type: 'integer', minimum: 0, example: 0 }) items_created!: number;
  @ApiProperty({ type: 'integer', minimum: 0, example: 3 }) items_updated!: number;
  @ApiProperty({ type: 'integer', minimum: 0, example: 97 }) items_skipped!: number;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    example: { coins_collected: 100, assets_created: 0, assets_updated: 3, rankings_created: 0 },
  })
  custom!: Record<string, unknown>;
}

/** The original README's JobResult plus the run's identity. */
export class JobResultDto {
  @ApiProperty({ example: true }) success!: boolean;
  @ApiProperty({ example: 'top_coins_collection(limit=100)', description: 'The run label' })
  job_name!: string;
  @ApiProperty({ type: 'integer', minimum: 0, example: 5432 }) duration_ms!: number;
  @ApiProperty({ type: String, format: 'date-time', example: '2026-11-28T00:00:00.012Z' })
  started_at!: string;
  @ApiProperty({ type: String, format: 'date-time', example: '2026-11-28T00:00:05.444Z', nullable: true })
  completed_at!: string | null;
  @ApiProperty({ type: JobMetricsDto }) metrics!: JobMetricsDto;
  @ApiPropertyOptional({ example: 'CoinGecko rate limit (429) on /coins/markets after 5 attempts' })
  error?: string;
  @ApiProperty({ type: String, format: 'uuid', example: '0b8f8a3e-2f6c-4a7e-9d55-3f1c2b7a9e10' })
  run_id!: string;
  @ApiProperty({ enum: JOB_RUN_STATUSES, example: 'succeeded' }) status!: JobRunStatus;
  @ApiProperty({ type: 'integer', minimum: 0, example: 1 }) attempts!: number;
}

export class JobProgressDto {
  @ApiProperty({ type: 'integer', minimum: 0, example: 500 }) done!: number;
  @ApiProperty({ type: 'integer', minimum: 0, example: 1000, nullable: true }) total!: number | null;
  @ApiProperty({ type: String, format: 'date-time', example: '2026-11-28T00:00:03.000Z' })
  updated_at!: string;
}

/** One row of `job_runs`: the JobResult plus scheduling details, progress and ownership. */
export class JobRunDto extends JobResultDto {
  @ApiProperty({ example: 'top_coins_collection' }) job_key!: string;
  @ApiProperty({ enum: JOB_TRIGGERS, example: 'manual' }) trigger!: JobTrigger;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    example: '2026-11-28T00:00:00.000Z',
    description: 'The cron slot; null for a run without one (manual, CLI)',
  })
  scheduled_for!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    example: null,
    description:
      'When the run began waiting for a JOBS_MAX_CONCURRENT slot; null for a run that never queued',
  })
  queued_at!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, example: { limit: 100 } }) params!: Record<
    string,
    unknown
  >;
  @ApiProperty({ type: JobProgressDto, nullable: true }) progress!: JobProgressDto | null;
  @ApiProperty({ type: String, format: 'date-time', example: '2026-11-28T00:00:05.444Z' })
  heartbeat_at!: string;
  @ApiProperty({ example: 'worker-1:4242:a1b2c3', description: 'Instance that ran it' }) owner!: string;
}

export class JobRunPageDto {
  @ApiProperty({ type: [JobRunDto] }) items!: JobRunDto[];
  @ApiProperty({
    nullable: true,
    type: String,
    example: 'eyJ0IjoiMjAyNi0xMS0yOFQwMDowMDowMC4wMTJaIiwiaSI6IjBiOGYifQ',
  })
  next_cursor!: string | null;
}

export class JobLimitDto {
  @ApiProperty({
    type: 'integer',
    nullable: true,
    example: 100,
    description: 'Used when a trigger names none; null = all',
  })
  default!: number | null;
  @ApiProperty({ type: 'integer', minimum: 1, example: 1 }) min!: number;
  @ApiProperty({ type: 'integer', minimum: 1, example: 10000 }) max!: number;
  @ApiProperty({ example: false, description: 'Whether `null` (all) is accepted' }) nullable!: boolean;
}

export class JobSummaryDto {
  @ApiProperty({ example: 'top_coins_collection' }) key!: string;
  @ApiProperty({
    example: 'Top N coins by market cap from /coins/markets: upserts assets and the day’s rankings.',
  })
  description!: string;
  @ApiProperty({
    example: '/api/v1/jobs/collect-top-coins',
    description: 'POST here to trigger the job (admin)',
  })
  trigger_path!: string;
  @ApiProperty({
    type: JobLimitDto,
    nullable: true,
    description: 'Limit bounds; null for a job without a limit',
  })
  limit!: JobLimitDto | null;
  @ApiProperty({ example: true }) enabled!: boolean;
  @ApiProperty({ example: '0 0 0 * * *', description: 'Effective 6-field cron expression, UTC' })
  schedule!: string;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    example: '2026-11-29T00:00:00.000Z',
    description: 'Null when the job is disabled',
  })
  next_run_at!: string | null;
  @ApiProperty({ type: JobRunDto, nullable: true, description: 'Null for a job that never ran' })
  last_run!: JobRunDto | null;
  @ApiProperty({ type: JobHealthDto }) health!: JobHealthDto;
  @ApiProperty({
    type: Number,
    example: 4,
    description:
      "CoinGecko calls of one run: its last successful run's count, else the definition's estimate",
  })
  calls_per_run!: number;
  @ApiProperty({
    type: Number,
    example: 372,
    description:
      "This month's calls so far plus calls_per_run × the schedule's remaining fire times (0 when disabled)",
  })
  projected_monthly_calls!: number;
}

export class TriggerAcceptedDto {
  @ApiProperty({ type: String, format: 'uuid', example: '0b8f8a3e-2f6c-4a7e-9d55-3f1c2b7a9e10' })
  run_id!: string;
  @ApiProperty({
    example: '/api/v1/jobs/runs/0b8f8a3e-2f6c-4a7e-9d55-3f1c2b7a9e10',
    description: 'Poll this (GET) for the run',
  })
  status_url!: string;
}

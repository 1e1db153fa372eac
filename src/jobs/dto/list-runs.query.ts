import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { JOB_RUN_STATUSES, type JobRunStatus } from '../job-run.entity.js';

export const MAX_RUNS_PAGE = 200;
export const JOB_KEY_RULE = 'job must be a job key in lower_snake_case, as GET /api/v1/jobs lists them';

export class ListRunsQuery {
  // The registered keys are filled in as an enum from the job registry (src/http/openapi).
  @ApiPropertyOptional({ description: 'Only runs of this job key (as `GET /api/v1/jobs` lists them)' })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9_]{1,100}$/, { message: JOB_KEY_RULE })
  job?: string;

  @ApiPropertyOptional({ enum: JOB_RUN_STATUSES })
  @IsOptional()
  @IsIn(JOB_RUN_STATUSES, { message: `status must be one of ${JOB_RUN_STATUSES.join(', ')}` })
  status?: JobRunStatus;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_RUNS_PAGE, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: `limit must be an integer between 1 and ${MAX_RUNS_PAGE}` })
  @Min(1, { message: `limit must be an integer between 1 and ${MAX_RUNS_PAGE}` })
  @Max(MAX_RUNS_PAGE, { message: `limit must be an integer between 1 and ${MAX_RUNS_PAGE}` })
  limit?: number;

  @ApiPropertyOptional({ description: 'The `next_cursor` of the previous page' })
  @IsOptional()
  @IsString()
  cursor?: string;
}

export class TriggerQuery {
  @ApiPropertyOptional({
    enum: ['true', 'false'],
    default: 'true',
    description:
      '`false`: answer 202 at once with the run id; `true`: wait for the run and answer its JobResult',
  })
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'wait must be true or false' })
  wait?: 'true' | 'false';
}

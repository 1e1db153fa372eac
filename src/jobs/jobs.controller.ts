import { BadRequestException, Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ApiAuth } from '../auth/api-auth.decorator.js';
import { ListRunsQuery } from './dto/list-runs.query.js';
import { JobRunDto, JobRunPageDto, JobSummaryDto } from './dto/job-views.dto.js';
import { JobsService } from './jobs.service.js';

const error = (statusCode: number, reason: string, message: string) => ({
  schema: { example: { statusCode, error: reason, message } },
});

/**
 * The jobs and their run history; reads need any valid token. Each job's trigger route is generated
 * from its definition (see `triggerControllerFor`).
 */
@ApiTags('jobs')
@ApiAuth()
@Controller('jobs')
export class JobsController {
  constructor(private readonly jobs: JobsService) {}

  @Get()
  @ApiOperation({ summary: 'Every job: enabled, effective schedule, next run time (UTC), last run' })
  @ApiOkResponse({ type: [JobSummaryDto] })
  describeJobs(): Promise<JobSummaryDto[]> {
    return this.jobs.describeJobs();
  }

  @Get('runs')
  @ApiOperation({ summary: 'Run history, newest first (cursor-paginated, at most 200 per page)' })
  @ApiOkResponse({ type: JobRunPageDto })
  @ApiBadRequestResponse(error(400, 'Bad Request', 'limit must be an integer between 1 and 200'))
  listRuns(@Query() query: ListRunsQuery): Promise<JobRunPageDto> {
    return this.jobs.listRuns(query);
  }

  @Get('runs/:id')
  @ApiOperation({ summary: 'One run with its metrics, progress and error' })
  @ApiOkResponse({ type: JobRunDto })
  @ApiBadRequestResponse(error(400, 'Bad Request', 'id must be a UUID'))
  @ApiNotFoundResponse(error(404, 'Not Found', 'run 0b8f8a3e-2f6c-4a7e-9d55-3f1c2b7a9e10 not found'))
  getRun(
    @Param('id', new ParseUUIDPipe({ exceptionFactory: () => new BadRequestException('id must be a UUID') }))
    id: string,
  ): Promise<JobRunDto> {
    return this.jobs.getRun(id);
  }
}

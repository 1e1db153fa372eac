import {
  applyDecorators,
  BadRequestException,
  Controller,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import type { Response } from 'express';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiAuth } from '../auth/api-auth.decorator.js';
import { CurrentPrincipal } from '../auth/current-principal.decorator.js';
import type { Principal } from '../auth/principal.types.js';
import { RequireAdmin } from '../auth/require-admin.decorator.js';
import { CancelAcceptedDto } from './dto/cancel-run.dto.js';
import { JobRunnerService } from './job-runner.service.js';
import { answerCancel } from './run-cancel.js';
import { ApiErrorResponse, detailOf, errorExample } from '../http/openapi/error-schemas.js';
import { JOB_KEY_RULE, ListRunsQuery } from './dto/list-runs.query.js';
import { JobRunDto, JobRunPageDto, JobSummaryDto } from './dto/job-views.dto.js';
import { JobsService } from './jobs.service.js';

const EXAMPLE_RUN_ID = '0b8f8a3e-2f6c-4a7e-9d55-3f1c2b7a9e10';
const PAGE_LIMIT_RULE = 'limit must be an integer between 1 and 200';
const RUN_ID_PIPE = new ParseUUIDPipe({
  exceptionFactory: () => new BadRequestException('id must be a UUID'),
});

/** A route on one run (`runs/:id`): its id parameter and the 400/404 that come with it. */
const RunIdRoute = (): MethodDecorator =>
  applyDecorators(
    ApiParam({
      name: 'id',
      description: 'The run id (`run_id`)',
      schema: { type: 'string', format: 'uuid' },
    }),
    ApiErrorResponse({
      status: 400,
      description: 'The id is not a UUID.',
      examples: [errorExample('id is not a UUID', 400, 'id must be a UUID')],
    }),
    ApiErrorResponse({
      status: 404,
      description: 'No run has this id.',
      examples: [errorExample('Unknown id', 404, `run ${EXAMPLE_RUN_ID} not found`)],
    }),
  );

/**
 * The jobs and their run history; reads need any valid token. Each job's trigger route is generated
 * from its definition (see `triggerControllerFor`).
 */
@ApiTags('jobs')
@ApiAuth()
@Controller('jobs')
export class JobsController {
  constructor(
    private readonly jobs: JobsService,
    private readonly runner: JobRunnerService,
  ) {}

  @Get()
  @ApiOperation({
    operationId: 'listJobs',
    summary: 'Every job: enabled, effective schedule, next run time (UTC), last run',
    description:
      'Each registered job with its description, trigger route, limit bounds, whether it is enabled, its ' +
      'effective schedule and next run time (UTC), and its last run (null when it never ran).',
  })
  @ApiOkResponse({
    type: [JobSummaryDto],
    description: 'The registered jobs, each after those it depends on.',
  })
  describeJobs(): Promise<JobSummaryDto[]> {
    return this.jobs.describeJobs();
  }

  @Get('runs')
  @ApiOperation({
    summary: 'Run history, newest first (cursor-paginated, at most 200 per page)',
    description:
      'Runs of every job, or of one (`job`) or one status (`status`), newest first. Pass `next_cursor` as ' +
      '`cursor` (with the same filters) for the next page.',
  })
  @ApiOkResponse({ type: JobRunPageDto, description: 'One page of runs, newest first.' })
  @ApiErrorResponse({
    status: 400,
    description: 'A query parameter is invalid; `message` names it.',
    examples: [
      errorExample('limit out of range', 400, PAGE_LIMIT_RULE, { details: [detailOf(PAGE_LIMIT_RULE)] }),
      errorExample('malformed job key', 400, JOB_KEY_RULE, { details: [detailOf(JOB_KEY_RULE)] }),
    ],
  })
  listRuns(@Query() query: ListRunsQuery, @Res({ passthrough: true }) response: Response): Promise<string> {
    // The page comes already serialised (see JobsService.listRuns); Express then sends it as it sends
    // res.json's text: same body, charset, ETag and HEAD handling.
    response.type('application/json');
    return this.jobs.listRuns(query);
  }

  @Get('runs/:id')
  @ApiOperation({
    summary: 'One run with its metrics, progress and error',
    description:
      'The run, as in the run history: its JobResult, trigger, slot, parameters, progress and owner.',
  })
  @ApiOkResponse({ type: JobRunDto, description: 'The run.' })
  @RunIdRoute()
  getRun(
    @Param('id', RUN_ID_PIPE)
    id: string,
  ): Promise<JobRunDto> {
    return this.jobs.getRun(id);
  }

  @Post('runs/:id/cancel')
  @HttpCode(HttpStatus.ACCEPTED)
  @RequireAdmin()
  @ApiOperation({
    operationId: 'cancelRun',
    summary: 'Cancel a running or queued run (admin)',
    description:
      'Records the request on the run, from any replica. The process running it stops it within one heartbeat ' +
      '(`JOB_HEARTBEAT_MS`): the run ends `cancelled` with error `cancelled by <who asked>`, keeping its metrics.',
  })
  @ApiAcceptedResponse({ type: CancelAcceptedDto, description: 'The cancel request is recorded.' })
  @RunIdRoute()
  @ApiErrorResponse({
    status: 409,
    schema: 'RunConflictError',
    description: 'The run is neither running nor queued; `status` says what it is.',
    examples: [
      errorExample(
        'Already ended',
        409,
        `run ${EXAMPLE_RUN_ID} is succeeded: only a running or queued run can be cancelled`,
        {
          run_id: EXAMPLE_RUN_ID,
          status: 'succeeded',
        },
      ),
    ],
  })
  async cancelRun(
    @Param('id', RUN_ID_PIPE)
    id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<CancelAcceptedDto> {
    return answerCancel(id, await this.runner.cancel(id, principal.subject));
  }
}

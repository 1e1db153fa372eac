import {
  applyDecorators,
  BadRequestException,
  Body,
  ConflictException,
  Controller,
  Get,
  HttpCode,
  HttpStatus,
  Logger,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Res,
  ServiceUnavailableException,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadGatewayResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiInternalServerErrorResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiAuth } from '../auth/api-auth.decorator.js';
import { CurrentPrincipal } from '../auth/current-principal.decorator.js';
import type { Principal } from '../auth/principal.types.js';
import { RequireAdmin } from '../auth/require-admin.decorator.js';
import { TriggerThrottle } from '../auth/trigger-throttle.decorator.js';
import { CONTRACT_ADDRESSES_JOB } from '../collectors/contract-addresses/contract-addresses.definition.js';
import { PRICES_JOB } from '../collectors/prices/prices.definition.js';
import { TOP_COINS_JOB } from '../collectors/top-coins/top-coins.definition.js';
import { API_PREFIX } from '../http/api-prefix.js';
import { ListRunsQuery, TriggerQuery } from './dto/list-runs.query.js';
import { TriggerContractsDto, TriggerLimitDto } from './dto/trigger-job.dto.js';
import {
  JobResultDto,
  JobRunDto,
  JobRunPageDto,
  JobSummaryDto,
  TriggerAcceptedDto,
} from './dto/job-views.dto.js';
import { JobsShuttingDownError, UPSTREAM_FAILURE } from './job-errors.js';
import type { JobDefinition } from './job-definition.js';
import { JobsService } from './jobs.service.js';

const error = (statusCode: number, reason: string, message: string, extra: Record<string, unknown> = {}) => ({
  schema: { example: { statusCode, error: reason, message, ...extra } },
});

/**
 * A trigger route: POST, 200 when it ends, admin only, throttled per token, and documented — the three
 * trigger routes differ only in their path, job and body.
 */
function TriggerRoute(
  path: string,
  definition: JobDefinition,
  summary: string,
  body: { type: new () => object; examples: Record<string, { value: unknown }> },
): MethodDecorator {
  const limitRule = `limit must be an integer between ${definition.limit.min} and ${definition.limit.max}`;
  return applyDecorators(
    Post(path),
    HttpCode(HttpStatus.OK),
    RequireAdmin(),
    TriggerThrottle(),
    ApiBody({ type: body.type, required: false, examples: body.examples }),
    ApiOperation({
      summary,
      description:
        `Runs \`${definition.key}\` now (admin). By default waits for the run and answers its JobResult; ` +
        '`?wait=false` answers 202 at once with the run id to poll. Nothing runs on a 4xx.',
    }),
    ApiOkResponse({ type: JobResultDto, description: 'The run succeeded' }),
    ApiAcceptedResponse({ type: TriggerAcceptedDto, description: '`wait=false`: the run started' }),
    ApiBadRequestResponse(error(400, 'Bad Request', limitRule)),
    ApiUnsupportedMediaTypeResponse(
      error(
        415,
        'Unsupported Media Type',
        'Content-Type must be application/json for a request with a body (got text/plain)',
      ),
    ),
    ApiConflictResponse(
      error(409, 'Conflict', `${definition.key} is already running (run ${EXAMPLE_RUN_ID})`, {
        run_id: EXAMPLE_RUN_ID,
      }),
    ),
    ApiBadGatewayResponse({
      type: JobResultDto,
      description: 'The run failed because CoinGecko failed (body: its JobResult)',
    }),
    ApiInternalServerErrorResponse({
      type: JobResultDto,
      description: 'The run failed for another reason (body: its JobResult)',
    }),
    ApiServiceUnavailableResponse(
      error(503, 'Service Unavailable', 'the service is shutting down and accepts no new job runs'),
    ),
  );
}

const EXAMPLE_RUN_ID = '0b8f8a3e-2f6c-4a7e-9d55-3f1c2b7a9e10';
const LIMIT_EXAMPLES = { ten: { value: { limit: 10 } }, defaults: { value: {} } };

/**
 * Triggers and run history. Triggers need the admin role and are rate-limited per token; reads need any
 * valid token. A trigger answers the run's JobResult when it ends (200, or 502 when CoinGecko failed it,
 * 500 for other failures), 202 at once with `?wait=false`, 409 while the job runs, 503 during shutdown.
 */
@ApiTags('jobs')
@ApiAuth()
@Controller('jobs')
export class JobsController {
  private readonly logger = new Logger(JobsController.name);

  constructor(private readonly jobs: JobsService) {}

  @TriggerRoute('collect-top-coins', TOP_COINS_JOB, 'Collect the top coins by market cap', {
    type: TriggerLimitDto,
    examples: LIMIT_EXAMPLES,
  })
  collectTopCoins(
    @Body() body: TriggerLimitDto,
    @Query() query: TriggerQuery,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) response: Response,
  ): Promise<JobResultDto | TriggerAcceptedDto> {
    return this.trigger(TOP_COINS_JOB, body.limit, query, principal, response);
  }

  @TriggerRoute('collect-prices', PRICES_JOB, 'Collect prices of the tracked assets', {
    type: TriggerLimitDto,
    examples: LIMIT_EXAMPLES,
  })
  collectPrices(
    @Body() body: TriggerLimitDto,
    @Query() query: TriggerQuery,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) response: Response,
  ): Promise<JobResultDto | TriggerAcceptedDto> {
    return this.trigger(PRICES_JOB, body.limit, query, principal, response);
  }

  @TriggerRoute(
    'collect-contract-addresses',
    CONTRACT_ADDRESSES_JOB,
    'Collect contract addresses of known assets',
    {
      type: TriggerContractsDto,
      examples: {
        all: { value: { limit: null } },
        first100: { value: { limit: 100 } },
        defaults: { value: {} },
      },
    },
  )
  collectContractAddresses(
    @Body() body: TriggerContractsDto,
    @Query() query: TriggerQuery,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) response: Response,
  ): Promise<JobResultDto | TriggerAcceptedDto> {
    return this.trigger(CONTRACT_ADDRESSES_JOB, body.limit, query, principal, response);
  }

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

  private async trigger(
    definition: JobDefinition,
    limit: number | null | undefined,
    query: TriggerQuery,
    principal: Principal,
    response: Response,
  ): Promise<JobResultDto | TriggerAcceptedDto> {
    let outcome;
    try {
      outcome = await this.jobs.trigger(definition.key, limit);
    } catch (failure) {
      if (failure instanceof JobsShuttingDownError) throw new ServiceUnavailableException(failure.message);
      throw failure;
    }
    if (outcome.kind === 'already_running') {
      throw new ConflictException({
        message: `${definition.key} is already running (run ${outcome.running.id})`,
        run_id: outcome.running.id,
      });
    }
    this.logger.log(
      { job: definition.key, runId: outcome.runId, by: principal.subject, kind: principal.kind },
      `Manual run of ${definition.key} triggered by ${principal.subject}`,
    );
    if (query.wait === 'false') {
      response.status(HttpStatus.ACCEPTED);
      return { run_id: outcome.runId, status_url: `/${API_PREFIX}/jobs/runs/${outcome.runId}` };
    }
    const result = await outcome.completion;
    if (!result.success) {
      response.status(result[UPSTREAM_FAILURE] ? HttpStatus.BAD_GATEWAY : HttpStatus.INTERNAL_SERVER_ERROR);
    }
    // Spread drops the in-process marker, which is a symbol key anyway.
    return { ...result };
  }
}

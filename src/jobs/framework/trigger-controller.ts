import {
  applyDecorators,
  Body,
  ConflictException,
  Controller,
  HttpCode,
  HttpStatus,
  Injectable,
  Logger,
  Post,
  Query,
  Res,
  ServiceUnavailableException,
  type Type,
} from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiAuth } from '../../auth/api-auth.decorator.js';
import { CurrentPrincipal } from '../../auth/current-principal.decorator.js';
import type { Principal } from '../../auth/principal.types.js';
import { RequireAdmin } from '../../auth/require-admin.decorator.js';
import { TriggerThrottle } from '../../auth/trigger-throttle.decorator.js';
import { API_PREFIX } from '../../http/api-prefix.js';
import type { ErrorBody } from '../../http/http-exception.filter.js';
import {
  ApiErrorResponse,
  detailOf,
  errorExample,
  FAILED_RUN_ERROR,
  RUN_CONFLICT_ERROR,
  type ErrorExample,
} from '../../http/openapi/error-schemas.js';
import { JobResultDto, TriggerAcceptedDto } from '../dto/job-views.dto.js';
import { TriggerQuery } from '../dto/list-runs.query.js';
import type { JobDefinition } from '../job-definition.js';
import { JobsShuttingDownError } from '../job-errors.js';
import { withoutFailure, type JobResult } from '../job-result.js';
import { JobRunnerService } from '../job-runner.service.js';
import { pascalCase, triggerBodyFor, triggerExamples, type TriggerBody } from './trigger-body.js';

const EXAMPLE_RUN_ID = '0b8f8a3e-2f6c-4a7e-9d55-3f1c2b7a9e10';

/** A failed run's answer: the shared error body and every field of the JobResult (`error` is the run's error). */
export type FailedRunBody = JobResult & ErrorBody;

export function failedRunBody(statusCode: number, result: JobResult): FailedRunBody {
  const message = result.error ?? `run ${result.run_id} ended ${result.status}`;
  return { statusCode, message, ...result, error: message };
}

function failedRunExample(summary: string, statusCode: number, jobName: string, error: string): ErrorExample {
  const value = failedRunBody(statusCode, {
    success: false,
    job_name: jobName,
    duration_ms: 5432,
    started_at: '2026-11-28T00:00:00.012Z',
    completed_at: '2026-11-28T00:00:05.444Z',
    metrics: { items_processed: 250, items_created: 0, items_updated: 250, items_skipped: 0, custom: {} },
    error,
    run_id: EXAMPLE_RUN_ID,
    status: 'failed',
    attempts: 1,
  });
  return { summary, value };
}

/** What every trigger route does once its body is valid: start a manual run and answer per the contract. */
@Injectable()
export class JobTriggers {
  private readonly logger = new Logger('JobTriggers');

  constructor(private readonly runner: JobRunnerService) {}

  async trigger(
    definition: JobDefinition,
    body: TriggerBody,
    query: TriggerQuery,
    principal: Principal,
    response: Response,
  ): Promise<JobResult | FailedRunBody | TriggerAcceptedDto> {
    let outcome;
    try {
      const params = body.limit === undefined ? {} : { limit: body.limit };
      outcome = await this.runner.run({ job: definition.key, trigger: 'manual', params });
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
    // Manual runs have no cron slot, so neither 'slot_taken' nor 'skipped' can happen.
    if (outcome.kind !== 'started') throw new Error(`unexpected outcome ${outcome.kind} for a manual run`);
    const runId = outcome.run.id;
    this.logger.log(
      { job: definition.key, runId, by: principal.subject, kind: principal.kind },
      `Manual run of ${definition.key} triggered by ${principal.subject}`,
    );
    if (query.wait === 'false') {
      response.status(HttpStatus.ACCEPTED);
      return { run_id: runId, status_url: `/${API_PREFIX}/jobs/runs/${runId}` };
    }
    const result = await outcome.completion;
    if (result.success) return withoutFailure(result);
    const statusCode =
      result.failure?.kind === 'upstream' ? HttpStatus.BAD_GATEWAY : HttpStatus.INTERNAL_SERVER_ERROR;
    response.status(statusCode);
    return failedRunBody(statusCode, withoutFailure(result));
  }
}

function TriggerRoute(definition: JobDefinition, body: Type): MethodDecorator {
  const limit = definition.limit;
  const limitRule = limit
    ? `limit must be an integer between ${limit.min} and ${limit.max}`
    : 'property limit should not exist';
  return applyDecorators(
    Post(definition.triggerPath),
    HttpCode(HttpStatus.OK),
    RequireAdmin(),
    TriggerThrottle(),
    ApiBody({ type: body, required: false, examples: triggerExamples(definition) }),
    ApiOperation({
      operationId: definition.operationId,
      summary: definition.triggerSummary,
      description:
        `${definition.description} Runs \`${definition.key}\` now (admin). By default waits for the run and ` +
        'answers its JobResult; `?wait=false` answers 202 at once with the run id to poll. Nothing runs on a 4xx.',
    }),
    ApiOkResponse({ type: JobResultDto, description: 'The run succeeded' }),
    ApiAcceptedResponse({ type: TriggerAcceptedDto, description: '`wait=false`: the run started' }),
    // 413, 415, the unexpected 500 and the JWKS-down 503 are added to every route by the document's completion.
    ApiErrorResponse({
      status: 400,
      description: 'The body or a query parameter is invalid; `message` says which and why. Nothing was run.',
      examples: [
        errorExample('limit out of bounds', 400, limitRule, { details: [detailOf(limitRule)] }),
        errorExample('unknown field', 400, 'property foo should not exist', {
          details: [detailOf('property foo should not exist')],
        }),
        errorExample('wait not a boolean', 400, 'wait must be true or false', {
          details: [detailOf('wait must be true or false')],
        }),
        errorExample('body is not JSON', 400, 'Request body is not valid JSON'),
      ],
    }),
    ApiErrorResponse({
      status: 409,
      schema: RUN_CONFLICT_ERROR,
      description: 'The job is already running; `run_id` is the running run (poll it). Nothing new was run.',
      examples: [
        errorExample('Already running', 409, `${definition.key} is already running (run ${EXAMPLE_RUN_ID})`, {
          run_id: EXAMPLE_RUN_ID,
        }),
      ],
    }),
    ApiErrorResponse({
      status: 502,
      schema: FAILED_RUN_ERROR,
      description:
        "The run failed because CoinGecko failed: the error body (`message` is the run's error) with every field " +
        'of its JobResult.',
      examples: [
        failedRunExample(
          'CoinGecko failed',
          502,
          definition.key,
          'CoinGecko server error (503) on /coins/markets after 5 attempts',
        ),
      ],
    }),
    ApiErrorResponse({
      status: 500,
      schema: FAILED_RUN_ERROR,
      description:
        "The run failed for another reason (timeout, database, bug): the error body (`message` is the run's " +
        'error) with every field of its JobResult.',
      examples: [failedRunExample('Run timed out', 500, definition.key, 'timed out after 300000 ms')],
    }),
    ApiErrorResponse({
      status: 503,
      description: 'The service is shutting down and accepts no new job runs; another replica may.',
      examples: [
        errorExample('Shutting down', 503, 'the service is shutting down and accepts no new job runs'),
      ],
    }),
  );
}

/**
 * The trigger route of one job, `POST /api/v1/jobs/<trigger path>`, generated from its definition:
 * admin only, throttled per token, its body validated against the job's limit bounds, documented as
 * its own Swagger operation.
 */
export function triggerControllerFor(definition: JobDefinition): Type {
  const body = triggerBodyFor(definition);

  @ApiTags('jobs')
  @ApiAuth()
  @Controller('jobs')
  class TriggerController {
    constructor(readonly triggers: JobTriggers) {}

    @TriggerRoute(definition, body)
    trigger(
      @Body() value: TriggerBody,
      @Query() query: TriggerQuery,
      @CurrentPrincipal() principal: Principal,
      @Res({ passthrough: true }) response: Response,
    ): Promise<JobResult | FailedRunBody | TriggerAcceptedDto> {
      return this.triggers.trigger(definition, value, query, principal, response);
    }
  }
  // The ValidationPipe and Swagger read the body's class from here; a generated class has no static type.
  Reflect.defineMetadata(
    'design:paramtypes',
    [body, TriggerQuery, Object, Object],
    TriggerController.prototype,
    'trigger',
  );
  Object.defineProperty(TriggerController, 'name', {
    value: `${pascalCase(definition.key)}TriggerController`,
  });
  return TriggerController;
}

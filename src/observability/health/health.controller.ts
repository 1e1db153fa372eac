import { MikroORM } from '@mikro-orm/postgresql';
import { Controller, Get, HttpCode, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { Response } from 'express';
import { Public } from '../../auth/public.decorator.js';
import { MigrationsService } from '../../database/migrations.service.js';
import type { ErrorBody } from '../../http/http-exception.filter.js';
import {
  ApiErrorResponse,
  errorExample,
  READINESS_ERROR,
  schemaRef,
} from '../../http/openapi/error-schemas.js';
import { JobRunnerService } from '../../jobs/job-runner.service.js';

const CHECK_TIMEOUT_MS = 3000;

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly orm: MikroORM,
    private readonly migrations: MigrationsService,
    private readonly runner: JobRunnerService,
  ) {}

  @Get('live')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'getLiveness',
    summary: 'The process is up (no dependency is checked)',
    description:
      'For a liveness probe: answers 200 as long as the process serves HTTP, even while it shuts down.',
  })
  @ApiOkResponse({
    description: 'The process is up.',
    schema: {
      type: 'object',
      required: ['status'],
      properties: { status: { type: 'string', enum: ['ok'] } },
      example: { status: 'ok' },
    },
  })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({
    operationId: 'getReadiness',
    summary: 'The database answers and every migration is applied (503 while shutting down)',
    description:
      'For a readiness probe: 200 when the database answers and no migration is pending; 503 (with the ' +
      'failing check) otherwise, and from the moment the service starts shutting down, so that a load ' +
      'balancer sends it no new traffic while it drains its jobs.',
  })
  @ApiOkResponse({
    description: 'Ready: every check is up.',
    schema: {
      type: 'object',
      required: ['status', 'checks'],
      properties: {
        status: { type: 'string', enum: ['ok'] },
        checks: { type: 'object', additionalProperties: schemaRef('HealthCheck') },
      },
      example: {
        status: 'ok',
        checks: { database: { status: 'up' }, migrations: { status: 'up', pending: [] } },
      },
    },
  })
  @ApiErrorResponse({
    status: 503,
    schema: READINESS_ERROR,
    description: 'Not ready: a check is down (the message names it), or the service is shutting down.',
    examples: [
      errorExample('Database down', 503, 'database: connect ECONNREFUSED 127.0.0.1:5432', {
        checks: { database: { status: 'down', message: 'connect ECONNREFUSED 127.0.0.1:5432' } },
      }),
      errorExample('Shutting down', 503, 'shutting down', {
        checks: { shutdown: { status: 'down', message: 'shutting down' } },
      }),
    ],
  })
  async ready(
    @Res({ passthrough: true }) response: Response,
  ): Promise<{ status: string; checks: Record<string, unknown> } | ErrorBody> {
    // A replica that is draining its jobs should get no new traffic from a load balancer. That is the
    // plan, not a fault: answered here rather than thrown, so that each probe does not log a warning.
    if (!this.runner.isAccepting) {
      response.status(503);
      return {
        statusCode: 503,
        error: 'Service Unavailable',
        message: 'shutting down',
        checks: { shutdown: { status: 'down', message: 'shutting down' } },
      };
    }
    try {
      const result = await this.health.check([
        () =>
          this.indicators
            .check('database')
            .attempt(async () => {
              await this.orm.em.getConnection().execute('select 1');
            })
            .withTimeout(CHECK_TIMEOUT_MS),
        () =>
          this.indicators
            .check('migrations')
            .attempt(async () => {
              const pending = await this.migrations.pending();
              if (pending.length > 0) throw new Error(`${pending.length} pending: ${pending.join(', ')}`);
              return { pending };
            })
            .withTimeout(CHECK_TIMEOUT_MS),
      ]);
      return { status: result.status, checks: result.details };
    } catch (error) {
      if (error instanceof ServiceUnavailableException) {
        const body = error.getResponse() as {
          details?: Record<string, { status: string; message?: string }>;
        };
        const details = body.details ?? {};
        const failing = Object.entries(details)
          .filter(([, check]) => check.status === 'down')
          .map(([name, check]) => `${name}: ${check.message ?? 'down'}`);
        throw new ServiceUnavailableException({
          message: failing.join('; ') || 'not ready',
          checks: details,
        });
      }
      throw error;
    }
  }
}

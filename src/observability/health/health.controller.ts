import { MikroORM } from '@mikro-orm/postgresql';
import { Controller, Get, HttpCode, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { Public } from '../../auth/public.decorator.js';
import { MigrationsService } from '../../database/migrations.service.js';
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
  @ApiOperation({ summary: 'The process is up (no dependency is checked)' })
  @ApiOkResponse({ schema: { example: { status: 'ok' } } })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({
    summary: 'The database answers and every migration is applied (503 while shutting down)',
  })
  @ApiOkResponse({
    schema: {
      example: {
        status: 'ok',
        checks: { database: { status: 'up' }, migrations: { status: 'up', pending: [] } },
      },
    },
  })
  @ApiServiceUnavailableResponse({
    schema: {
      example: {
        statusCode: 503,
        error: 'Service Unavailable',
        message: 'database: connect ECONNREFUSED 127.0.0.1:5432',
        checks: { database: { status: 'down', message: 'connect ECONNREFUSED 127.0.0.1:5432' } },
      },
    },
  })
  async ready(): Promise<{ status: string; checks: Record<string, unknown> }> {
    // A replica that is draining its jobs should get no new traffic from a load balancer.
    if (!this.runner.isAccepting) {
      throw new ServiceUnavailableException({
        message: 'shutting down',
        checks: { shutdown: { status: 'down', message: 'shutting down' } },
      });
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

import { Controller, Get, Headers, Res, UnauthorizedException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import { Public } from '../../auth/public.decorator.js';
import type { AppConfig } from '../../config/app-config.js';
import { ApiErrorResponse, errorExample } from '../../http/openapi/error-schemas.js';
import { METRICS_AUTH } from '../../http/swagger.js';
import { MetricsService } from './metrics.service.js';

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/**
 * Prometheus scrape endpoint. Public, unless METRICS_TOKEN is set: then it needs `Authorization: Bearer
 * <METRICS_TOKEN>` (a scraper credential of its own, separate from the API tokens).
 */
@ApiTags('observability')
@Public()
@Controller('metrics')
export class MetricsController {
  private readonly token: Buffer | undefined;

  constructor(
    private readonly metrics: MetricsService,
    config: ConfigService<AppConfig, true>,
  ) {
    const token = config.get('metrics', { infer: true }).token;
    this.token = token ? digest(token) : undefined;
  }

  @Get()
  @ApiOperation({
    operationId: 'getMetrics',
    summary: 'Prometheus metrics (needs `Bearer <METRICS_TOKEN>` when METRICS_TOKEN is set)',
    description:
      'Prometheus text exposition: job runs, durations, items, running jobs, last success per job, ' +
      'CoinGecko calls. Public unless `METRICS_TOKEN` is set; then only that token is accepted (not an API token).',
  })
  // Either no credential (METRICS_TOKEN unset) or the metrics token.
  @ApiSecurity({})
  @ApiSecurity(METRICS_AUTH)
  @ApiOkResponse({
    description: 'Prometheus text exposition format',
    content: { 'text/plain': { schema: { type: 'string' } } },
  })
  @ApiErrorResponse({
    status: 401,
    description: '`METRICS_TOKEN` is set and the request does not carry it. Carries `WWW-Authenticate`.',
    headers: { 'WWW-Authenticate': { description: '`Bearer realm="metrics"`', schema: { type: 'string' } } },
    examples: [errorExample('No or wrong metrics token', 401, 'METRICS_TOKEN required')],
  })
  async scrape(
    @Headers('authorization') authorization: string | undefined,
    @Res() response: Response,
  ): Promise<void> {
    if (this.token) {
      const presented = /^Bearer +(\S+) *$/i.exec(authorization ?? '')?.[1];
      // Compared as digests: constant time whatever the length.
      if (!presented || !timingSafeEqual(digest(presented), this.token)) {
        response.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
        throw new UnauthorizedException('METRICS_TOKEN required');
      }
    }
    const { contentType, body } = await this.metrics.render();
    response.setHeader('Content-Type', contentType);
    response.send(body);
  }
}

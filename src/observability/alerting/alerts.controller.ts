import { Controller, Get, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { ApiAuth } from '../../auth/api-auth.decorator.js';
import { ALERT_EVENTS } from './alert.types.js';
import { AlertsRepository, type AlertRecord } from './alerts.repository.js';

export const MAX_ALERTS_PAGE = 200;
const LIMIT_MESSAGE = `limit must be an integer between 1 and ${MAX_ALERTS_PAGE}`;

export class ListAlertsQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_ALERTS_PAGE, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: LIMIT_MESSAGE })
  @Min(1, { message: LIMIT_MESSAGE })
  @Max(MAX_ALERTS_PAGE, { message: LIMIT_MESSAGE })
  limit?: number;
}

export class AlertDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ALERT_EVENTS, example: 'job_failing' }) event!: string;
  @ApiProperty({
    example: 'price_collection',
    description: 'The job key (for `price_anomaly`, the job whose price write recorded the flags)',
  })
  job!: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) run_id!: string | null;
  @ApiProperty({ example: 'Job price_collection is failing: 3 runs in a row failed' }) text!: string;
  @ApiProperty({ nullable: true, type: String, example: 'CoinGecko answered 503 after 5 attempts' })
  error!: string | null;
  @ApiProperty({ example: 3 }) consecutive_failures!: number;
  @ApiProperty({ nullable: true, type: String, example: 'https://cpb.example.com/dashboard#/runs/0b8f…' })
  run_url!: string | null;
  @ApiProperty({ example: '2026-12-01T13:00:00.000Z', description: 'When the alert was raised' }) at!: string;
  @ApiProperty({
    enum: ['pending', 'delivered', 'failed', 'not_configured'],
    description: '`not_configured`: recorded, but ALERT_WEBHOOK_URL is not set',
  })
  delivery!: string;
  @ApiProperty({ example: 1, description: 'Delivery attempts made' }) attempts!: number;
  @ApiProperty({ nullable: true, type: String }) delivered_at!: string | null;
  @ApiProperty({ nullable: true, type: String }) failed_at!: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'the receiver answered HTTP 500' })
  last_error!: string | null;
}

export class AlertListDto {
  @ApiProperty({ type: [AlertDto] }) items!: AlertDto[];
}

function toDto(alert: AlertRecord): AlertDto {
  return {
    id: alert.id,
    event: alert.event,
    job: alert.jobKey,
    run_id: alert.runId,
    text: alert.payload.text,
    error: alert.payload.error,
    consecutive_failures: alert.payload.consecutive_failures,
    run_url: alert.payload.run_url,
    at: alert.payload.at,
    delivery: alert.delivery,
    attempts: alert.attempts,
    delivered_at: alert.deliveredAt?.toISOString() ?? null,
    failed_at: alert.failedAt?.toISOString() ?? null,
    last_error: alert.lastError,
  };
}

/** The alerts raised about jobs and price anomalies, for the dashboard's "recent alerts"; any valid token reads them. */
@ApiTags('alerts')
@ApiAuth()
@Controller('alerts')
export class AlertsController {
  constructor(private readonly alerts: AlertsRepository) {}

  @Get()
  @ApiOperation({
    operationId: 'listAlerts',
    summary:
      'Recent alerts (job_failing, job_recovered, job_overdue, price_anomaly), newest first, with their delivery',
    description:
      'The alerts raised about jobs and about anomalies their price writes found (what the webhook was sent), ' +
      'newest first, each with its delivery state and attempts; `limit` (default 20) caps the list.',
  })
  @ApiOkResponse({ type: AlertListDto })
  @ApiBadRequestResponse({
    schema: { example: { statusCode: 400, error: 'Bad Request', message: LIMIT_MESSAGE } },
  })
  async list(@Query() query: ListAlertsQuery): Promise<AlertListDto> {
    return { items: (await this.alerts.recent(query.limit ?? 20)).map(toDto) };
  }
}

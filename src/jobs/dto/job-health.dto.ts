import { ApiProperty } from '@nestjs/swagger';
import { JOB_HEALTH_STATES, type JobHealthState } from '../job-health.js';

/** A job at a glance (see `assessHealth`): what the dashboard's health column and an operator's probe read. */
export class JobHealthDto {
  @ApiProperty({
    enum: JOB_HEALTH_STATES,
    example: 'healthy',
    description:
      '`failing`: runs failed since the last success; `late`: enabled and no success within 2× the schedule interval; ' +
      '`unknown`: never succeeded nor failed',
  })
  state!: JobHealthState;
  @ApiProperty({
    type: 'integer',
    minimum: 0,
    example: 0,
    description: 'Runs that failed since the last success',
  })
  consecutive_failures!: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2026-11-28T00:00:05.444Z' })
  last_success_at!: string | null;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    example: null,
    description: 'Start of the first failed run since the last success',
  })
  failing_since!: string | null;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    example: '2026-11-30T00:00:05.444Z',
    description: 'When the job turns late without a new success; null when disabled or never succeeded',
  })
  late_after!: string | null;
}

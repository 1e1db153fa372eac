import { ApiProperty } from '@nestjs/swagger';

/** The 202 of `POST /jobs/runs/{id}/cancel`: the request is recorded; the run ends `cancelled` shortly. */
export class CancelAcceptedDto {
  @ApiProperty({ type: String, format: 'uuid', example: '0b8f8a3e-2f6c-4a7e-9d55-3f1c2b7a9e10' })
  run_id!: string;
  @ApiProperty({
    enum: ['running', 'queued'],
    example: 'running',
    description: 'The status of the run when the request was recorded; poll the run until it is `cancelled`.',
  })
  status!: 'running' | 'queued';
  @ApiProperty({ type: String, format: 'date-time', example: '2026-11-28T00:00:03.000Z' })
  cancel_requested_at!: string;
}

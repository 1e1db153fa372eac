import { ApiProperty } from '@nestjs/swagger';
import type { CoinGeckoUsage } from '../coingecko-usage.service.js';

const COUNTS = { type: 'object', additionalProperties: { type: 'integer' } } as const;

/** `GET /api/v1/coingecko/usage`. */
export class CoinGeckoUsageDto implements CoinGeckoUsage {
  @ApiProperty({ type: String, example: '2026-12', description: 'The UTC calendar month counted.' })
  month!: string;

  @ApiProperty({
    type: Number,
    example: 1234,
    description: 'Requests sent to CoinGecko this month, every replica and retry included.',
  })
  calls!: number;

  @ApiProperty({
    type: Number,
    nullable: true,
    example: 10_000,
    description: '`COINGECKO_MONTHLY_CALL_BUDGET`; null = no cap.',
  })
  budget!: number | null;

  @ApiProperty({
    type: Number,
    nullable: true,
    example: 8766,
    description: 'Calls left this month; null without a budget.',
  })
  remaining!: number | null;

  @ApiProperty({
    type: String,
    format: 'date-time',
    example: '2027-01-01T00:00:00Z',
    description: 'When the count starts again.',
  })
  resets_at!: string;

  @ApiProperty({
    ...COUNTS,
    example: { price_collection: 1100, top_coins_collection: 134 },
    description: 'Calls this month by job.',
  })
  by_job!: Record<string, number>;

  @ApiProperty({
    ...COUNTS,
    example: { '/coins/markets': 1234 },
    description: 'Calls this month by CoinGecko endpoint.',
  })
  by_endpoint!: Record<string, number>;

  @ApiProperty({
    type: Number,
    example: 9120,
    description:
      "Calls so far plus, for each enabled job, its calls per run (its last successful run's count, else its estimate) × its remaining fire times this month.",
  })
  projected_month_end!: number;
}

import { ApiProperty } from '@nestjs/swagger';
import { PROVIDER_NAMES, type ProviderName } from '../../provider-name.js';
import type { ProviderUsage, ProvidersUsage } from '../provider-usage.service.js';

const COUNTS = { type: 'object', additionalProperties: { type: 'integer' } } as const;

/** One provider in `GET /api/v1/providers/usage`. */
export class ProviderUsageDto implements ProviderUsage {
  @ApiProperty({
    enum: PROVIDER_NAMES,
    example: 'coinpaprika',
    description: 'The name PRICE_PROVIDERS uses.',
  })
  provider!: ProviderName;

  @ApiProperty({ type: String, example: 'CoinPaprika' })
  label!: string;

  @ApiProperty({
    type: Boolean,
    example: true,
    description: 'Listed in `PRICE_PROVIDERS`; a provider that is not is never asked for prices.',
  })
  in_use!: boolean;

  @ApiProperty({
    type: Number,
    nullable: true,
    example: 2,
    description: 'Its place in `PRICE_PROVIDERS` (1 = preferred); null when not listed.',
  })
  preference!: number | null;

  @ApiProperty({
    type: String,
    example: 'free',
    description: 'The configured plan (`COINGECKO_API_PLAN`, `COINPAPRIKA_API_PLAN`).',
  })
  plan!: string;

  @ApiProperty({
    type: Number,
    example: 96,
    description: 'Requests sent to the provider this UTC month, every replica and retry included.',
  })
  calls!: number;

  @ApiProperty({
    type: Number,
    nullable: true,
    example: 20_000,
    description:
      'The monthly budget (`COINGECKO_MONTHLY_CALL_BUDGET`, `COINPAPRIKA_MONTHLY_CALL_BUDGET` or the plan’s calls); null = no cap.',
  })
  budget!: number | null;

  @ApiProperty({
    type: Number,
    nullable: true,
    example: 19_904,
    description: 'Calls left this month; null without a budget.',
  })
  remaining!: number | null;

  @ApiProperty({ ...COUNTS, example: { price_collection: 96 }, description: 'Calls this month by job.' })
  by_job!: Record<string, number>;

  @ApiProperty({ ...COUNTS, example: { '/tickers': 96 }, description: 'Calls this month by endpoint.' })
  by_endpoint!: Record<string, number>;
}

/** `GET /api/v1/providers/usage`. */
export class ProvidersUsageDto implements ProvidersUsage {
  @ApiProperty({ type: String, example: '2026-12', description: 'The UTC calendar month counted.' })
  month!: string;

  @ApiProperty({
    type: String,
    format: 'date-time',
    example: '2027-01-01T00:00:00Z',
    description: 'When the counts start again.',
  })
  resets_at!: string;

  @ApiProperty({
    type: () => [ProviderUsageDto],
    description: 'Every provider the service knows, in a fixed order.',
  })
  providers!: ProviderUsageDto[];
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, ValidateBy, type ValidationArguments } from 'class-validator';
import { PROVIDER_NAMES, type ProviderName } from '../../providers/provider-name.js';
import { ApiDecimal, ApiTimestamp } from '../dto/api-fields.js';
import { IsIsoTimestamp, ToInteger, ToIsoTimestamp } from '../dto/query-params.validation.js';
import { PriceFlagDto } from './price-flag.dto.js';
import { SourceParameter } from './price-sources.js';
import {
  DEFAULT_MAX_POINTS,
  MAX_MAX_POINTS,
  SERIES_INTERVAL_CHOICES,
  SERIES_INTERVALS,
  type SeriesInterval,
  type SeriesIntervalChoice,
} from './series-interval.js';

/** The top-level `source` of a series whose buckets come from more than one provider. */
export const MIXED_SOURCE = 'mixed';

export class PriceSeriesQueryDto {
  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    example: '2026-11-27T00:00:00Z',
    description: 'Start of the range (ISO 8601 with `Z` or an offset). Default: 24 hours before `to`.',
  })
  @ToIsoTimestamp()
  @IsOptional()
  @IsIsoTimestamp()
  from?: string;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    example: '2026-11-28T00:00:00Z',
    description: 'End of the range, inclusive (ISO 8601 with `Z` or an offset). Default: now.',
  })
  @ToIsoTimestamp()
  @IsOptional()
  @IsIsoTimestamp()
  to?: string;

  @ApiPropertyOptional({
    type: String,
    enum: [...SERIES_INTERVAL_CHOICES],
    default: 'auto',
    example: '1h',
    description:
      'Bucket size. `auto` picks the finest of `15m`, `1h`, `4h`, `1d`, `1w` with at most `max_points` buckets in the range.',
  })
  @IsOptional()
  @IsIn([...SERIES_INTERVAL_CHOICES], {
    message: `interval must be one of ${SERIES_INTERVAL_CHOICES.join(', ')}`,
  })
  interval: SeriesIntervalChoice = 'auto';

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_MAX_POINTS,
    default: DEFAULT_MAX_POINTS,
    example: 500,
    description: `Most buckets the answer may hold, 1 to ${MAX_MAX_POINTS}.`,
  })
  @ToInteger()
  @ValidateBy({
    name: 'isMaxPoints',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_MAX_POINTS,
      defaultMessage: (args?: ValidationArguments) =>
        `${args?.property ?? 'max_points'} must be an integer from 1 to ${MAX_MAX_POINTS}`,
    },
  })
  max_points: number = DEFAULT_MAX_POINTS;

  @SourceParameter()
  source?: ProviderName;
}

/** A flag on one of the stored prices a bucket holds. */
export class SeriesFlagDto extends PriceFlagDto {
  @ApiTimestamp('The flagged price’s time.', '2026-11-27T10:15:00.000Z')
  timestamp!: string;
}

/** One bucket: the prices stored in it. */
export class SeriesPointDto {
  @ApiTimestamp('Start of the bucket (UTC).', '2026-11-27T10:00:00.000Z')
  t!: string;

  @ApiDecimal('First price of the bucket, USD.', '3410.5', false)
  open!: string;

  @ApiDecimal('Highest price of the bucket, USD.', '3431.02', false)
  high!: string;

  @ApiDecimal('Lowest price of the bucket, USD.', '3402.11', false)
  low!: string;

  @ApiDecimal('Last price of the bucket, USD.', '3421.17', false)
  close!: string;

  @ApiProperty({
    type: 'integer',
    minimum: 1,
    example: 4,
    description: 'How many stored prices the bucket holds.',
  })
  points!: number;

  @ApiPropertyOptional({
    type: String,
    enum: [...PROVIDER_NAMES],
    example: 'coinpaprika',
    description:
      'The provider of this bucket’s prices; present only when the series mixes providers (top-level `source` ' +
      'is then `mixed`).',
  })
  source?: ProviderName;

  @ApiPropertyOptional({
    type: () => [SeriesFlagDto],
    description:
      'The flags of the stored prices inside the bucket (of its provider), oldest first; absent when none is flagged.',
  })
  flags?: SeriesFlagDto[];
}

export class PriceSeriesDto {
  @ApiProperty({ type: String, format: 'uuid', example: '3f0c8d52-4f3e-4a8e-9a55-2f1b3c4d5e6f' })
  asset_id!: string;

  @ApiProperty({
    type: String,
    enum: [...PROVIDER_NAMES, MIXED_SOURCE],
    example: 'coingecko',
    description:
      'The provider every bucket comes from (the one `source` asked for, else the first in `PRICE_PROVIDERS` ' +
      'that has each bucket), or `mixed` when buckets come from different providers: each point then names its own.',
  })
  source!: ProviderName | typeof MIXED_SOURCE;

  @ApiProperty({
    type: String,
    enum: [...SERIES_INTERVALS],
    example: '1h',
    description: 'The bucket size used: the one asked for, or the one `auto` chose.',
  })
  interval!: SeriesInterval;

  @ApiTimestamp('Start of the range, as asked (or defaulted).', '2026-11-27T00:00:00.000Z')
  from!: string;

  @ApiTimestamp('End of the range, as asked (or defaulted).', '2026-11-28T00:00:00.000Z')
  to!: string;

  @ApiProperty({
    type: () => [SeriesPointDto],
    description:
      'Oldest first; buckets without a price are left out. The first and last buckets are whole, so they may hold ' +
      'prices slightly before `from` or after `to`.',
  })
  points!: SeriesPointDto[];
}

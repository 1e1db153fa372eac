import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, ValidateBy } from 'class-validator';
import { PROVIDER_NAMES, type ProviderName } from '../../providers/provider-name.js';
import { ApiDecimal, ApiTimestamp } from '../dto/api-fields.js';
import { IsIsoTimestamp, ToIsoTimestamp } from '../dto/query-params.validation.js';
import { ApiPriceFlags, PriceFlagDto } from './price-flag.dto.js';
import { SourceParameter } from './price-sources.js';

export const MAX_ASSETS_AT = 500;
export const MISSING_REASONS = ['unknown_asset', 'no_price_within_max_age'] as const;
export type MissingReason = (typeof MISSING_REASONS)[number];

export class PricesAtQueryDto {
  @ApiProperty({
    type: String,
    example: 'bitcoin,3f0c8d52-4f3e-4a8e-9a55-2f1b3c4d5e6f',
    description:
      `Comma-separated asset ids or CoinGecko ids, at most ${MAX_ASSETS_AT}; required. ` +
      'Repeats (also an id and the CoinGecko id of the same asset) answer once, at the first mention.',
  })
  @ValidateBy({
    name: 'isAssetList',
    validator: {
      validate: (value: unknown) => typeof value === 'string',
      defaultMessage: (args) =>
        args?.value === undefined
          ? 'assets is required: comma-separated asset ids or CoinGecko ids (e.g. assets=bitcoin,ethereum)'
          : 'assets must be one comma-separated list (e.g. assets=bitcoin,ethereum), not a repeated parameter',
    },
  })
  assets!: string;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    example: '2026-10-31T23:59:59Z',
    description:
      'The moment (ISO 8601 with `Z` or an offset); the price is the last one at or before it. Default: now.',
  })
  @ToIsoTimestamp()
  @IsOptional()
  @IsIsoTimestamp()
  at?: string;

  @ApiPropertyOptional({
    type: String,
    default: 'P1D',
    example: 'PT6H',
    description:
      'How old the price may be, as an ISO 8601 duration of whole years, months, weeks, days, hours, minutes or ' +
      'seconds (`PT15M`, `PT6H`, `P1D`, `P7D`, `P1M`). An asset without a price that recent is listed in `missing`.',
  })
  @IsOptional()
  @IsString()
  max_age?: string;

  @SourceParameter()
  source?: ProviderName;
}

export class PriceAtDto {
  @ApiProperty({ type: String, format: 'uuid', example: '3f0c8d52-4f3e-4a8e-9a55-2f1b3c4d5e6f' })
  asset_id!: string;

  @ApiTimestamp('When the price was observed (at or before `at`).', '2026-10-31T23:45:00.000Z')
  timestamp!: string;

  @ApiDecimal('Price in USD.', '3421.17', false)
  price_usd!: string;

  @ApiProperty({
    type: String,
    enum: [...PROVIDER_NAMES],
    example: 'coingecko',
    description:
      'The provider of the price: the first in `PRICE_PROVIDERS` with one at `timestamp`, or `source`.',
  })
  source!: ProviderName;

  @ApiPriceFlags()
  flags?: PriceFlagDto[];
}

export class MissingPriceDto {
  @ApiProperty({ type: String, example: 'not-a-coin', description: 'The requested asset, as sent.' })
  asset!: string;

  @ApiProperty({
    type: String,
    enum: [...MISSING_REASONS],
    example: 'no_price_within_max_age',
    description:
      '`unknown_asset`: no asset has this id or CoinGecko id; `no_price_within_max_age`: none recent enough.',
  })
  reason!: MissingReason;
}

export class PricesAtDto {
  @ApiTimestamp('The moment asked for (or now).', '2026-10-31T23:59:59.000Z')
  at!: string;

  @ApiProperty({ type: () => [PriceAtDto], description: 'One per asset that has a price, in request order.' })
  items!: PriceAtDto[];

  @ApiProperty({
    type: () => [MissingPriceDto],
    description: 'The requested assets without one, in request order.',
  })
  missing!: MissingPriceDto[];
}

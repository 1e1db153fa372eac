import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, ValidateBy } from 'class-validator';
import { ApiNextCursor, ApiTimestamp } from '../assets/dto/api-fields.js';
import { PageQueryDto } from '../assets/dto/page-query.dto.js';
import { IsPageLimit, ToInteger } from '../assets/dto/query-params.validation.js';
import { PriceFlagDto } from '../assets/prices/price-flag.dto.js';
import { PRICE_FLAG_KINDS, type PriceFlagKind } from './price-flag.entity.js';

export const DEFAULT_FLAGS_PAGE = 50;
export const KIND_MESSAGE = `kind must be one of ${PRICE_FLAG_KINDS.join(', ')}`;
const MAX_ASSET_KEY = 200;
export const ASSET_MESSAGE = 'asset must be one asset id or CoinGecko id (e.g. asset=bitcoin)';

export class PriceFlagsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: 500,
    default: DEFAULT_FLAGS_PAGE,
    example: 50,
    description: 'Flags per page, 1 to 500.',
  })
  @ToInteger()
  @IsPageLimit()
  override limit: number = DEFAULT_FLAGS_PAGE;

  @ApiPropertyOptional({
    enum: PRICE_FLAG_KINDS,
    example: 'spike',
    description: 'Only flags of this kind; every kind without it.',
  })
  @IsOptional()
  @IsIn(PRICE_FLAG_KINDS, { message: KIND_MESSAGE })
  kind?: PriceFlagKind;

  @ApiPropertyOptional({
    type: String,
    maxLength: MAX_ASSET_KEY,
    example: 'bitcoin',
    description:
      'Only the flags of this asset, by id or CoinGecko id (as `/prices/at` takes them); 404 when none has it.',
  })
  @IsOptional()
  // One message whatever is wrong (empty, repeated, too long): the client learns what `asset` must be.
  @ValidateBy({
    name: 'isAssetKey',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'string' && value.trim().length > 0 && value.length <= MAX_ASSET_KEY,
      defaultMessage: () => ASSET_MESSAGE,
    },
  })
  asset?: string;
}

/** One flagged price point: which asset, which stored row, and (as on a read's `flags`) what kind of anomaly and why. */
export class PriceFlagItemDto extends PriceFlagDto {
  @ApiProperty({ type: String, format: 'uuid', example: '3f0c8d52-4f3e-4a8e-9a55-2f1b3c4d5e6f' })
  asset_id!: string;

  @ApiProperty({ type: String, example: 'bitcoin' })
  coingecko_id!: string;

  @ApiProperty({ type: String, example: 'BTC' })
  symbol!: string;

  @ApiTimestamp(
    'The time of the flagged price (the `asset_prices` row it is about).',
    '2026-11-27T10:15:00.000Z',
  )
  timestamp!: string;

  @ApiProperty({ type: String, example: 'coingecko', description: 'The provider of the flagged price.' })
  source!: string;

  @ApiTimestamp('When the flag was recorded.', '2026-11-27T10:30:01.250Z')
  created_at!: string;
}

export class PriceFlagPageDto {
  @ApiProperty({ type: () => [PriceFlagItemDto], description: 'Newest price first.' })
  items!: PriceFlagItemDto[];

  @ApiNextCursor()
  next_cursor!: string | null;
}

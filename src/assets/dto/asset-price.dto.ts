import { ApiProperty } from '@nestjs/swagger';
import { ApiPriceFlags, PriceFlagDto } from '../prices/price-flag.dto.js';
import { ApiDecimal, ApiNextCursor, ApiTimestamp } from './api-fields.js';

/** One row of `asset_prices`: the price of one time, from one provider. */
export class AssetPriceDto {
  @ApiProperty({ type: String, format: 'uuid', example: '3f0c8d52-4f3e-4a8e-9a55-2f1b3c4d5e6f' })
  asset_id!: string;

  @ApiTimestamp('Observation time (the price run’s slot, floored to the minute).', '2026-11-28T09:45:00.000Z')
  timestamp!: string;

  @ApiDecimal('Price in USD.', '3421.17', false)
  price_usd!: string;

  @ApiDecimal('Market cap in USD.', '412345678901.25')
  market_cap_usd!: string | null;

  @ApiDecimal('24 h trading volume in USD.', '18234567890.5')
  volume_24h_usd!: string | null;

  @ApiDecimal('24 h price change, percent.', '-1.2345')
  change_percent_24h!: string | null;

  @ApiProperty({
    type: String,
    example: 'coingecko',
    description:
      'The provider of the price: the first in `PRICE_PROVIDERS` with one at `timestamp`, or the one `source` asked for.',
  })
  source!: string;

  @ApiPriceFlags()
  flags?: PriceFlagDto[];
}

export class AssetPricePageDto {
  @ApiProperty({ type: () => [AssetPriceDto], description: 'Newest first.' })
  items!: AssetPriceDto[];

  @ApiNextCursor()
  next_cursor!: string | null;
}

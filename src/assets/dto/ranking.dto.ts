import { ApiProperty } from '@nestjs/swagger';
import { PROVIDER_NAMES } from '../../providers/provider-name.js';
import { ApiDecimal, ApiNextCursor } from './api-fields.js';

/** One row of a ranking snapshot, with its asset. */
export class RankingDto {
  @ApiProperty({ type: 'integer', example: 1 })
  rank!: number;

  @ApiProperty({ type: String, format: 'uuid', example: '3f0c8d52-4f3e-4a8e-9a55-2f1b3c4d5e6f' })
  asset_id!: string;

  @ApiProperty({ type: String, example: 'bitcoin' })
  coingecko_id!: string;

  @ApiProperty({ type: String, example: 'BTC' })
  symbol!: string;

  @ApiProperty({ type: String, example: 'Bitcoin' })
  name!: string;

  @ApiProperty({
    type: String,
    nullable: true,
    example: 'https://coin-images.coingecko.com/coins/images/1/large/bitcoin.png',
  })
  logo_url!: string | null;

  @ApiDecimal('Market cap in USD.', '1923456789012.5')
  market_cap_usd!: string | null;

  @ApiDecimal('Price in USD.', '97123.45')
  price_usd!: string | null;

  @ApiDecimal('24 h trading volume in USD.', '45678901234.75')
  volume_24h_usd!: string | null;

  @ApiDecimal('24 h price change, percent.', '0.8123')
  change_percent_24h!: string | null;

  @ApiDecimal('Share of the snapshot’s total market cap, percent.', '56.7891')
  dominance!: string | null;

  @ApiProperty({
    type: String,
    enum: [...PROVIDER_NAMES],
    example: 'coingecko',
    description:
      'The provider that ranked it: `coinpaprika` on a day CoinGecko failed the top-coins run. A day’s snapshot is one provider’s list, the first in `PRICE_PROVIDERS` that ranked that day.',
  })
  source!: string;
}

export class RankingPageDto {
  @ApiProperty({
    type: String,
    format: 'date',
    nullable: true,
    example: '2026-11-28',
    description: 'The snapshot listed: the requested date, else the latest one; null when there is none yet.',
  })
  snapshot_date!: string | null;

  @ApiProperty({ type: () => [RankingDto], description: 'By rank.' })
  items!: RankingDto[];

  @ApiNextCursor()
  next_cursor!: string | null;
}

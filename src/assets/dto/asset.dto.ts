import { ApiProperty } from '@nestjs/swagger';
import { ApiDecimal, ApiNextCursor, ApiTimestamp } from './api-fields.js';
import { AssetContractDto } from './contract.dto.js';
import { AssetPriceDto } from './asset-price.dto.js';
import { AssetCoverageDto } from '../../collectors/price-history-backfill/price-coverage.dto.js';

/** One row of `assets`, as every route answers it. */
export class AssetDto {
  @ApiProperty({ type: String, format: 'uuid', example: '3f0c8d52-4f3e-4a8e-9a55-2f1b3c4d5e6f' })
  id!: string;

  @ApiProperty({ type: String, example: 'ethereum', description: 'CoinGecko id (unique).' })
  coingecko_id!: string;

  @ApiProperty({ type: String, example: 'ETH', description: 'Upper-case; not unique (e.g. many USDT).' })
  symbol!: string;

  @ApiProperty({ type: String, example: 'Ethereum' })
  name!: string;

  @ApiProperty({ type: String, example: 'cryptocurrency' })
  asset_type!: string;

  @ApiProperty({
    type: String,
    nullable: true,
    example: 'https://coin-images.coingecko.com/coins/images/279/large/ethereum.png',
  })
  logo_url!: string | null;

  @ApiProperty({ type: Boolean, example: true })
  is_active!: boolean;

  @ApiProperty({
    type: Boolean,
    example: false,
    description: 'Priced by the price job even outside the top N (set with PATCH).',
  })
  is_tracked!: boolean;

  @ApiTimestamp('First collected.', '2026-11-01T00:00:03.120Z')
  created_at!: string;

  @ApiTimestamp('Last changed.', '2026-11-28T00:00:02.480Z')
  updated_at!: string;
}

/** The asset's place in its most recent ranking snapshot. */
export class LatestRankingDto {
  @ApiProperty({ type: 'integer', example: 2 })
  rank!: number;

  @ApiProperty({ type: String, format: 'date', example: '2026-11-28' })
  snapshot_date!: string;

  @ApiDecimal('Market cap in USD.', '412345678901.25')
  market_cap_usd!: string | null;

  @ApiDecimal('Price in USD.', '3421.17')
  price_usd!: string | null;

  @ApiDecimal('24 h trading volume in USD.', '18234567890.5')
  volume_24h_usd!: string | null;

  @ApiDecimal('24 h price change, percent.', '-1.2345')
  change_percent_24h!: string | null;

  @ApiDecimal('Share of the snapshot’s total market cap, percent.', '12.3456')
  dominance!: string | null;

  @ApiProperty({ type: String, example: 'coingecko' })
  source!: string;
}

/** What price history the asset has, so a client knows which ranges a series can show. */
export class AssetHistoryDto {
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    example: '2025-12-01T00:00:00.000Z',
    description:
      'The oldest price: its time while the raw prices of its day are kept, else its UTC day (daily rollup). ISO 8601, UTC; null when none.',
  })
  first_at!: string | null;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    example: '2026-11-28T09:45:00.000Z',
    description: 'The newest price. ISO 8601, UTC; null when none.',
  })
  last_at!: string | null;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    example: '2026-06-01T00:00:00.000Z',
    description:
      'The oldest raw (15-minute) price still stored: `15m` series start here; older ranges come from the rollups ' +
      '(PRICE_RAW_RETENTION_DAYS). ISO 8601, UTC; null when none.',
  })
  raw_from!: string | null;
}

export class AssetDetailDto extends AssetDto {
  @ApiProperty({ type: () => [AssetContractDto], description: 'Its token contracts, by chain.' })
  contracts!: AssetContractDto[];

  @ApiProperty({
    type: () => LatestRankingDto,
    nullable: true,
    description: 'Null when the asset is in no ranking snapshot.',
  })
  latest_ranking!: LatestRankingDto | null;

  @ApiProperty({
    type: () => AssetPriceDto,
    nullable: true,
    description: 'The newest price observation; null when it was never priced.',
  })
  latest_price!: AssetPriceDto | null;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    example: 0,
    description:
      'Price slots of the last 24 h (PRICE_COLLECTION_SCHEDULE, from its first stored price) without a stored price; ' +
      'the price_gap_repair job refills them. Null when the price job does not price this asset or is disabled.',
  })
  price_gaps_24h!: number | null;

  @ApiProperty({
    type: () => AssetHistoryDto,
    description: 'The span of its price history, from every source.',
  })
  history!: AssetHistoryDto;

  @ApiProperty({
    type: () => AssetCoverageDto,
    nullable: true,
    description: 'What price_history_backfill has stored of its history; null before it touched the asset.',
  })
  coverage!: AssetCoverageDto | null;
}

export class AssetPageDto {
  @ApiProperty({ type: () => [AssetDto] })
  items!: AssetDto[];

  @ApiNextCursor()
  next_cursor!: string | null;
}

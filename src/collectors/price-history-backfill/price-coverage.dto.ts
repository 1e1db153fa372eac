import { ApiProperty } from '@nestjs/swagger';
import type { PriceCoverage } from './price-coverage.service.js';
import type { AssetCoverage, SetAsideAsset } from './price-history-coverage.repository.js';

export class SetAsideAssetDto implements SetAsideAsset {
  @ApiProperty({ type: String, format: 'uuid' })
  asset_id!: string;

  @ApiProperty({ type: String, example: 'some-delisted-coin' })
  coingecko_id!: string;

  @ApiProperty({ type: Number, example: 3, description: 'Runs in which its calls failed.' })
  tries!: number;

  @ApiProperty({ type: String, nullable: true, description: "CoinGecko's refusal, as the job saw it." })
  last_error!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  last_tried_at!: string | null;
}

/** `GET /api/v1/prices/coverage`. */
export class PriceCoverageDto implements PriceCoverage {
  @ApiProperty({
    type: Number,
    description: 'Assets price_collection prices (top PRICE_COLLECTION_LIMIT plus tracked).',
  })
  priced!: number;

  @ApiProperty({ type: Number, description: 'Priced assets whose history is backfilled.' })
  complete!: number;

  @ApiProperty({ type: Number, description: 'Priced assets the backfill still has to fill.' })
  pending!: number;

  @ApiProperty({
    type: Number,
    description: 'Assets whose calls failed PRICE_HISTORY_BACKFILL_MAX_TRIES times.',
  })
  set_aside!: number;

  @ApiProperty({
    type: Number,
    example: 87.5,
    description: 'complete / priced, in percent (one decimal, floored).',
  })
  percent!: number;

  @ApiProperty({ type: Number, description: 'Runs of PRICE_HISTORY_BACKFILL_LIMIT assets still needed.' })
  runs_needed!: number;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description:
      'When the last needed run starts on the current schedule and limit (budget deferrals not foreseen); ' +
      'null while the job is disabled.',
  })
  estimated_completion_at!: string | null;

  @ApiProperty({ type: [SetAsideAssetDto] })
  set_aside_assets!: SetAsideAssetDto[];
}

/** An asset's history coverage, in `GET /api/v1/assets/{id}`. */
export class AssetCoverageDto implements AssetCoverage {
  @ApiProperty({ enum: ['complete', 'pending', 'set_aside'] })
  status!: 'complete' | 'pending' | 'set_aside';

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'Earliest daily point backfilled.',
  })
  daily_from!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  daily_to!: string | null;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'Earliest hourly point backfilled.',
  })
  hourly_from!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  hourly_to!: string | null;

  @ApiProperty({ type: Number })
  points_inserted!: number;

  @ApiProperty({ type: Number })
  tries!: number;

  @ApiProperty({ type: String, nullable: true })
  last_error!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  completed_at!: string | null;
}

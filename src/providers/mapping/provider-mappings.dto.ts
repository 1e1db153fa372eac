import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { ApiNextCursor, ApiTimestamp } from '../../assets/dto/api-fields.js';
import { AssetDetailDto } from '../../assets/dto/asset.dto.js';
import { PageQueryDto } from '../../assets/dto/page-query.dto.js';
import {
  MAPPING_STATUSES,
  MATCHED_BY,
  type MappingStatus,
  type MatchedBy,
} from './asset-provider-id.entity.js';

export class ProviderMappingsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    enum: MAPPING_STATUSES,
    example: 'unmapped',
    description: 'Only assets in this state; all assets without it.',
  })
  @IsOptional()
  @IsIn(MAPPING_STATUSES, { message: `status must be one of ${MAPPING_STATUSES.join(', ')}` })
  status?: MappingStatus;
}

/** A coin the mapping job could not choose (ambiguous), or a same-symbol coin whose name differs (unmapped). */
export class MappingCandidateDto {
  @ApiProperty({ type: String, example: 'aion-aion' })
  provider_id!: string;

  @ApiProperty({ type: String, example: 'Aion' })
  name!: string;

  @ApiProperty({ type: String, example: 'AION' })
  symbol!: string;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    example: 410,
    description: 'The provider’s rank; null when unranked.',
  })
  rank!: number | null;
}

/** One asset's identity at one provider. */
export class ProviderIdDto {
  @ApiProperty({ type: String, example: 'coinpaprika' })
  provider!: string;

  @ApiProperty({ type: String, example: 'btc-bitcoin' })
  provider_id!: string;

  @ApiProperty({
    enum: MATCHED_BY,
    example: 'rule',
    description: '`rule`: the mapping job; `admin`: PATCH /assets/{id}.',
  })
  matched_by!: MatchedBy;

  @ApiTimestamp('When this mapping was last set.', '2026-12-07T00:45:02.120Z')
  updated_at!: string;
}

export class ProviderMappingDto {
  @ApiProperty({ type: String, format: 'uuid', example: '3f0c8d52-4f3e-4a8e-9a55-2f1b3c4d5e6f' })
  asset_id!: string;

  @ApiProperty({ type: String, example: 'bitcoin' })
  coingecko_id!: string;

  @ApiProperty({ type: String, example: 'BTC' })
  symbol!: string;

  @ApiProperty({ type: String, example: 'Bitcoin' })
  name!: string;

  @ApiProperty({ type: String, example: 'coinpaprika' })
  provider!: string;

  @ApiProperty({ enum: MAPPING_STATUSES, example: 'mapped' })
  status!: MappingStatus;

  @ApiProperty({ type: String, nullable: true, example: 'btc-bitcoin', description: 'Null unless mapped.' })
  provider_id!: string | null;

  @ApiProperty({ enum: MATCHED_BY, nullable: true, example: 'rule', description: 'Null unless mapped.' })
  matched_by!: MatchedBy | null;

  @ApiProperty({
    type: String,
    nullable: true,
    example: 'symbol and name',
    description: 'Why the last mapping run (or admin) decided so; null when the asset was never checked.',
  })
  reason!: string | null;

  @ApiProperty({
    type: () => [MappingCandidateDto],
    description:
      'Ambiguous: the coins it could not choose between. Unmapped: same-symbol coins with another name.',
  })
  candidates!: MappingCandidateDto[];

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    example: '2026-12-07T00:45:02.120Z',
    description: 'When a mapping run (or an admin) last decided; null: not checked yet.',
  })
  checked_at!: string | null;
}

export class ProviderMappingPageDto {
  @ApiProperty({ type: () => [ProviderMappingDto] })
  items!: ProviderMappingDto[];

  @ApiNextCursor()
  next_cursor!: string | null;
}

/** `GET /assets/{id}` and `PATCH /assets/{id}`: the asset with its ids at the other providers. */
export class AssetWithProviderIdsDto extends AssetDetailDto {
  @ApiProperty({
    type: () => [ProviderIdDto],
    description: 'Its ids at the other providers (none until the mapping job or an admin sets one).',
  })
  provider_ids!: ProviderIdDto[];
}

import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import type { ProviderName } from '../../providers/provider-name.js';
import { SourceParameter } from '../prices/price-sources.js';
import { PageQueryDto } from './page-query.dto.js';
import { IsIsoTimestamp, ToIsoTimestamp } from './query-params.validation.js';

export class PriceHistoryQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    example: '2026-11-27T00:00:00Z',
    description: 'Earliest `timestamp` included (ISO 8601 with `Z` or an offset). Default: no lower bound.',
  })
  @ToIsoTimestamp()
  @IsOptional()
  @IsIsoTimestamp()
  from?: string;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    example: '2026-11-28T00:00:00Z',
    description: 'Latest `timestamp` included (ISO 8601 with `Z` or an offset). Default: no upper bound.',
  })
  @ToIsoTimestamp()
  @IsOptional()
  @IsIsoTimestamp()
  to?: string;

  @SourceParameter()
  source?: ProviderName;
}

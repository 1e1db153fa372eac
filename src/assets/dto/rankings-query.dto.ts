import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { PageQueryDto } from './page-query.dto.js';
import { IsCalendarDate } from './query-params.validation.js';

export class RankingsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    type: String,
    format: 'date',
    example: '2026-11-28',
    description:
      'Snapshot date (UTC) as YYYY-MM-DD. Default: the latest snapshot present. A date without a snapshot answers an empty list.',
  })
  @IsOptional()
  @IsCalendarDate()
  date?: string;
}

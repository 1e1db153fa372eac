import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { MAX_CURSOR_LENGTH } from '../page-cursor.js';
import { DEFAULT_PAGE_SIZE, IsPageLimit, MAX_PAGE_SIZE, ToInteger } from './query-params.validation.js';

/** `limit` and `cursor`, shared by every list of the read API. */
export class PageQueryDto {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_PAGE_SIZE,
    default: DEFAULT_PAGE_SIZE,
    example: 50,
    description: `Items per page, 1 to ${MAX_PAGE_SIZE}.`,
  })
  @ToInteger()
  @IsPageLimit()
  limit: number = DEFAULT_PAGE_SIZE;

  @ApiPropertyOptional({
    type: String,
    maxLength: MAX_CURSOR_LENGTH,
    description:
      'Opaque: the `next_cursor` of the previous page, sent with the same filters. Absent for the first page.',
    example: 'WyJhc3NldHMiLDEsIkVUSCIsImV0aGVyZXVtIl0',
  })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_CURSOR_LENGTH)
  cursor?: string;
}

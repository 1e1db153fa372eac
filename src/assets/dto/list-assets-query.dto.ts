import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, MaxLength } from 'class-validator';
import { PageQueryDto } from './page-query.dto.js';
import { ToBoolean, ToTrimmedOrAbsent } from './query-params.validation.js';

export class ListAssetsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    type: String,
    maxLength: 100,
    example: 'eth',
    description:
      'Case-insensitive: symbol starts with it, name contains it, or CoinGecko id starts with it. Exact symbol or CoinGecko id matches come first. Blank = no filter.',
  })
  @ToTrimmedOrAbsent()
  @IsOptional()
  @IsString()
  @MaxLength(100)
  search?: string;

  @ApiPropertyOptional({
    type: Boolean,
    example: true,
    description: 'Only assets whose `is_tracked` is this (`true` or `false`).',
  })
  @ToBoolean()
  @IsOptional()
  @IsBoolean({ message: 'tracked must be true or false' })
  tracked?: boolean;
}

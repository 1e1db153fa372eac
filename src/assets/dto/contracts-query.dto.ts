import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { PageQueryDto } from './page-query.dto.js';
import { IsChainName, ToTrimmedOrAbsent } from './query-params.validation.js';

export class ContractsQueryDto extends PageQueryDto {
  @ApiProperty({
    type: String,
    maxLength: 100,
    example: 'ethereum',
    description:
      'Chain, case-insensitive: `ethereum`, `bsc`, `polygon`, `solana`, … (CoinGecko platform ids such as `binance-smart-chain` work too).',
  })
  @ToTrimmedOrAbsent()
  @IsChainName()
  chain!: string;

  @ApiPropertyOptional({
    type: String,
    maxLength: 200,
    example: '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48',
    description:
      'Look up one address. On an EVM chain, and for any `0x` + 40 hex digits address, the letter case does not matter; other addresses (Solana, Tron, …) must match exactly. Without it, every contract of the chain is listed, page by page.',
  })
  @ToTrimmedOrAbsent()
  @IsOptional()
  @IsString()
  @MaxLength(200)
  address?: string;
}

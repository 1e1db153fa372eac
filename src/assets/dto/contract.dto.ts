import { ApiProperty } from '@nestjs/swagger';
import { ApiNextCursor, ApiTimestamp } from './api-fields.js';

/** One row of `asset_contracts`, as listed in an asset's detail. */
export class AssetContractDto {
  @ApiProperty({ type: String, format: 'uuid', example: '8b1f2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d' })
  id!: string;

  @ApiProperty({ type: String, example: 'ethereum' })
  chain!: string;

  @ApiProperty({
    type: String,
    example: '0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48',
    description: 'EVM addresses lower-case; others (Solana, Tron, …) as the chain spells them.',
  })
  contract_address!: string;

  @ApiProperty({ type: String, nullable: true, example: 'erc20' })
  token_standard!: string | null;

  @ApiProperty({ type: 'integer', nullable: true, example: 6 })
  decimals!: number | null;

  @ApiProperty({ type: Boolean, example: false })
  is_verified!: boolean;

  @ApiTimestamp('First collected.', '2026-11-01T01:00:04.000Z')
  created_at!: string;

  @ApiTimestamp('Last changed.', '2026-11-28T01:00:05.000Z')
  updated_at!: string;
}

/** A contract with the asset it belongs to (`GET /contracts`). */
export class ContractDto extends AssetContractDto {
  @ApiProperty({ type: String, format: 'uuid', example: '3f0c8d52-4f3e-4a8e-9a55-2f1b3c4d5e6f' })
  asset_id!: string;

  @ApiProperty({ type: String, example: 'usd-coin', description: 'The asset’s CoinGecko id.' })
  coingecko_id!: string;

  @ApiProperty({ type: String, example: 'USDC', description: 'The asset’s symbol.' })
  symbol!: string;

  @ApiProperty({ type: String, example: 'USDC', description: 'The asset’s name.' })
  name!: string;
}

export class ContractPageDto {
  @ApiProperty({
    type: () => [ContractDto],
    description: 'By contract address. With `address`: the one matching contract, or none.',
  })
  items!: ContractDto[];

  @ApiNextCursor()
  next_cursor!: string | null;
}

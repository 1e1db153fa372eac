import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, Max, Min, ValidateIf } from 'class-validator';

const integerRule = (max: number): string => `limit must be an integer between 1 and ${max}`;

/** Body of `POST /jobs/collect-top-coins` and `POST /jobs/collect-prices`; an empty body means the configured limit. */
export class TriggerLimitDto {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: 10_000,
    example: 10,
    description: 'How many coins; omit for the configured default (`<PREFIX>_LIMIT`).',
  })
  // `undefined` (absent) means the default; an explicit null is not a number of coins.
  @ValidateIf((body: TriggerLimitDto) => body.limit !== undefined)
  @IsInt({ message: integerRule(10_000) })
  @Min(1, { message: integerRule(10_000) })
  @Max(10_000, { message: integerRule(10_000) })
  limit?: number;
}

/** Body of `POST /jobs/collect-contract-addresses`: `null` means all known assets. */
export class TriggerContractsDto {
  @ApiPropertyOptional({
    type: 'integer',
    nullable: true,
    minimum: 1,
    maximum: 100_000,
    example: null,
    description: 'First N assets by latest rank; `null` for all; omit for the configured default.',
  })
  @ValidateIf((body: TriggerContractsDto) => body.limit !== undefined && body.limit !== null)
  @IsInt({ message: `${integerRule(100_000)}, or null for all` })
  @Min(1, { message: `${integerRule(100_000)}, or null for all` })
  @Max(100_000, { message: `${integerRule(100_000)}, or null for all` })
  limit?: number | null;
}

import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, Matches, ValidateIf } from 'class-validator';

/**
 * CoinPaprika's ids: `<symbol>-<name slug>`, lower-case letters and digits in two or more parts joined by
 * single hyphens (`btc-bitcoin`, `usdt0-usdt0`), 3 to 100 characters.
 */
export const COINPAPRIKA_ID = /^(?=.{3,100}$)[a-z0-9]+(-[a-z0-9]+)+$/;
const COINPAPRIKA_ID_MESSAGE =
  'coinpaprika_id must be a CoinPaprika coin id (lower-case letters and digits in two or more parts joined by "-", ' +
  'e.g. btc-bitcoin, at most 100 characters) or null';

/**
 * `PATCH /assets/{id}`: at least one of these fields (any other is refused by the global ValidationPipe). Without
 * `coinpaprika_id`, `is_tracked` is required, so `{}` is refused naming it.
 */
export class UpdateAssetDto {
  @ApiPropertyOptional({
    type: Boolean,
    example: true,
    description:
      'Price this asset even when it is outside the top N of the latest ranking (e.g. a portfolio holding). Required ' +
      'unless `coinpaprika_id` is sent.',
  })
  @ValidateIf((body: UpdateAssetDto) => body.is_tracked !== undefined || body.coinpaprika_id === undefined)
  @IsBoolean({ message: 'is_tracked must be true or false' })
  is_tracked?: boolean;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    maxLength: 100,
    pattern: COINPAPRIKA_ID.source,
    example: 'btc-bitcoin',
    description:
      'The asset’s CoinPaprika id, set by an admin (`matched_by: admin`; the mapping job never changes it). `null` ' +
      'clears the mapping, and the job leaves the asset unmapped until an id is set again. 409 when another asset ' +
      'has this id.',
  })
  @ValidateIf((body: UpdateAssetDto) => body.coinpaprika_id !== undefined && body.coinpaprika_id !== null)
  // One validator, so a wrong value gets one message (Matches refuses a non-string too).
  @Matches(COINPAPRIKA_ID, { message: COINPAPRIKA_ID_MESSAGE })
  coinpaprika_id?: string | null;
}

import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiBadRequestExamples, invalidParameter, PAGE_ERRORS } from '../assets/assets.api-docs.js';
import { ApiAuth } from '../auth/api-auth.decorator.js';
import { ApiErrorResponse, errorExample } from '../http/openapi/error-schemas.js';
import { ASSET_MESSAGE, KIND_MESSAGE, PriceFlagPageDto, PriceFlagsQueryDto } from './price-flags.dto.js';
import { PriceFlagsService } from './price-flags.service.js';

@ApiTags('assets')
@ApiAuth()
@Controller('prices')
export class PriceFlagsController {
  constructor(private readonly flags: PriceFlagsService) {}

  @Get('flags')
  @ApiOperation({
    operationId: 'listPriceFlags',
    summary: 'Flagged price points, newest first',
    description:
      'The quality flags of the stored prices (`spike`, `freeze`, `divergence`), newest price first, each with its ' +
      'asset, the flagged row (`timestamp`, `source`) and the detector’s `detail`; by `kind` and by `asset` (id or ' +
      'CoinGecko id), cursor-paginated. A flagged price stays stored and is answered by the price reads with its flags.',
  })
  @ApiOkResponse({ type: PriceFlagPageDto, description: 'One page of flags.' })
  @ApiBadRequestExamples('A query parameter is invalid; `message` names it.', [
    invalidParameter('kind is not a flag kind', KIND_MESSAGE),
    invalidParameter('asset is empty or repeated', ASSET_MESSAGE),
    ...PAGE_ERRORS,
  ])
  @ApiErrorResponse({
    status: 404,
    description: 'No asset has this id or CoinGecko id.',
    examples: [errorExample('Unknown asset', 404, 'asset not-a-coin not found')],
  })
  list(@Query() query: PriceFlagsQueryDto): Promise<PriceFlagPageDto> {
    return this.flags.list(query);
  }
}

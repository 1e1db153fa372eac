import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiAuth } from '../../auth/api-auth.decorator.js';
import { ApiBadRequestExamples, badRequest, invalidParameter } from '../assets.api-docs.js';
import { ASSETS_REQUIRED, INVALID_MAX_AGE, PriceReadsService } from './price-reads.service.js';
import { PricesAtDto, PricesAtQueryDto } from './prices-at.dto.js';

@ApiTags('assets')
@ApiAuth()
@Controller('prices')
export class PricesAtController {
  constructor(private readonly reads: PriceReadsService) {}

  @Get('at')
  @ApiOperation({
    operationId: 'getPricesAt',
    summary: 'The price of several assets at one moment',
    description:
      'For each asset (by id or CoinGecko id, up to 500), its last price at or before `at` (default now) and no ' +
      'older than `max_age` (default `P1D`), in request order. An asset without one is listed in `missing` with ' +
      'the reason. One SQL statement, whatever the number of assets.',
  })
  @ApiOkResponse({ type: PricesAtDto, description: 'The prices found, and the assets without one.' })
  @ApiBadRequestExamples('A query parameter is missing or invalid; `message` says which.', [
    invalidParameter('assets missing', ASSETS_REQUIRED),
    badRequest('too many assets', 'assets lists 501 assets; at most 500 per request'),
    badRequest('max_age is not a duration', INVALID_MAX_AGE),
    invalidParameter(
      'at is not an ISO timestamp',
      'at must be an ISO 8601 timestamp with a time zone (e.g. 2026-11-28T00:00:00Z)',
    ),
    invalidParameter('unknown query parameter', 'property asset should not exist'),
  ])
  at(@Query() query: PricesAtQueryDto): Promise<PricesAtDto> {
    return this.reads.pricesAt(query);
  }
}

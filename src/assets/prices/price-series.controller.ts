import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiAuth } from '../../auth/api-auth.decorator.js';
import {
  ApiAssetNotFound,
  ApiBadRequestExamples,
  badRequest,
  INVALID_ASSET_ID,
  invalidParameter,
} from '../assets.api-docs.js';
import { ApiAssetId, AssetId } from '../assets.controller.js';
import { PriceReadsService } from './price-reads.service.js';
import { PriceSeriesDto, PriceSeriesQueryDto } from './price-series.dto.js';

@ApiTags('assets')
@ApiAuth()
@Controller('assets')
export class PriceSeriesController {
  constructor(private readonly reads: PriceReadsService) {}

  @Get(':id/prices/series')
  @ApiOperation({
    operationId: 'getAssetPriceSeries',
    summary: 'Price series of an asset, for a chart',
    description:
      'Open, high, low and close of each UTC bucket (`15m`, `1h`, `4h`, `1d` or `1w`, ISO weeks from Monday) between ' +
      '`from` and `to`, oldest first, buckets without a price left out. `15m` reads the stored prices, `1h`/`4h` the ' +
      'hourly rollup and `1d`/`1w` the daily one, so a year at `1d` is 365 rows whatever the raw volume. `auto` (the ' +
      'default) picks the finest interval with at most `max_points` buckets and says which in `interval`.',
  })
  @ApiAssetId()
  @ApiOkResponse({ type: PriceSeriesDto, description: 'The series, oldest first.' })
  @ApiBadRequestExamples(
    'The id or a query parameter is invalid, or the range does not fit; `message` says why.',
    [
      INVALID_ASSET_ID,
      badRequest(
        'too many points at an explicit interval',
        'the range from 2026-11-01T00:00:00.000Z to 2026-11-28T00:00:00.000Z needs 2593 points at 15m; max_points ' +
          'allows at most 500 points at 15m: the largest range is 5 days 4 hours 45 minutes ' +
          '(or choose a coarser interval, auto, or a higher max_points)',
      ),
      badRequest(
        'from is later than to',
        'from (2026-11-28T00:00:00Z) must not be later than to (2026-11-27T00:00:00Z)',
      ),
      badRequest(
        'range over 10 years',
        'the range from 2010-01-01T00:00:00.000Z to 2026-11-28T00:00:00.000Z is longer than 10 years, the most one ' +
          'series spans',
      ),
      invalidParameter('unknown interval', 'interval must be one of 15m, 1h, 4h, 1d, 1w, auto'),
      invalidParameter('max_points out of range', 'max_points must be an integer from 1 to 5000'),
      invalidParameter(
        'from is not an ISO timestamp',
        'from must be an ISO 8601 timestamp with a time zone (e.g. 2026-11-28T00:00:00Z)',
      ),
      invalidParameter('unknown query parameter', 'property limit should not exist'),
    ],
  )
  @ApiAssetNotFound()
  series(@AssetId() id: string, @Query() query: PriceSeriesQueryDto): Promise<PriceSeriesDto> {
    return this.reads.series(id, query);
  }
}

import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiAuth } from '../../auth/api-auth.decorator.js';
import { PriceCoverageDto } from './price-coverage.dto.js';
import { PriceCoverageService } from './price-coverage.service.js';

@ApiTags('assets')
@ApiAuth()
@Controller('prices')
export class PriceCoverageController {
  constructor(private readonly coverage: PriceCoverageService) {}

  @Get('coverage')
  @ApiOperation({
    operationId: 'getPriceCoverage',
    summary: 'How much of the priced assets’ history is backfilled',
    description:
      'Counts of the priced assets whose history `price_history_backfill` has completed, still has to fill, or set ' +
      'aside after PRICE_HISTORY_BACKFILL_MAX_TRIES failed runs (listed with their errors), the percentage, and when ' +
      'the backfill is expected to complete at the current schedule and limit.',
  })
  @ApiOkResponse({ type: PriceCoverageDto })
  get(): Promise<PriceCoverageDto> {
    return this.coverage.summary();
  }
}

import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiAuth } from '../../auth/api-auth.decorator.js';
import { JOB_CLOCK, type Clock } from '../../jobs/clock.js';
import { ProvidersUsageDto } from './dto/providers-usage.dto.js';
import { ProviderUsageService } from './provider-usage.service.js';

@ApiTags('providers')
@ApiAuth()
@Controller('providers')
export class ProvidersUsageController {
  constructor(
    private readonly usage: ProviderUsageService,
    @Inject(JOB_CLOCK) private readonly clock: Clock,
  ) {}

  @Get('usage')
  @ApiOperation({
    operationId: 'getProvidersUsage',
    summary: "This month's calls and budget of every market-data provider",
    description:
      'Per provider: requests sent this UTC month by every replica (retries included), its monthly budget, what is ' +
      'left, and the calls by job and by endpoint. CoinGecko’s projection stays in `GET /coingecko/usage`.',
  })
  @ApiOkResponse({ type: ProvidersUsageDto })
  get(): Promise<ProvidersUsageDto> {
    return this.usage.usage(this.clock.now());
  }
}

import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiAuth } from '../../auth/api-auth.decorator.js';
import { JOB_CLOCK, type Clock } from '../../jobs/clock.js';
import { JobSchedulerService } from '../../jobs/job-scheduler.service.js';
import { CoinGeckoUsageService } from './coingecko-usage.service.js';
import { CoinGeckoUsageDto } from './dto/coingecko-usage.dto.js';

@ApiTags('coingecko')
@ApiAuth()
@Controller('coingecko')
export class CoinGeckoUsageController {
  constructor(
    private readonly usage: CoinGeckoUsageService,
    private readonly scheduler: JobSchedulerService,
    @Inject(JOB_CLOCK) private readonly clock: Clock,
  ) {}

  @Get('usage')
  @ApiOperation({
    operationId: 'getCoinGeckoUsage',
    summary: "This month's CoinGecko calls, budget and projection",
    description:
      'Requests sent to CoinGecko this UTC month by every replica (retries included), by job and by endpoint, ' +
      'against `COINGECKO_MONTHLY_CALL_BUDGET`, and the projected count at the end of the month from the schedules.',
  })
  @ApiOkResponse({ type: CoinGeckoUsageDto })
  async get(): Promise<CoinGeckoUsageDto> {
    return this.usage.usage(await this.scheduler.describe(), this.clock.now());
  }
}

import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiAuth } from '../auth/api-auth.decorator.js';
import { ApiBadRequestExamples, badRequest, invalidParameter, PAGE_ERRORS } from './assets.api-docs.js';
import { AssetsService } from './assets.service.js';
import { RankingPageDto } from './dto/ranking.dto.js';
import { RankingsQueryDto } from './dto/rankings-query.dto.js';

@ApiTags('assets')
@ApiAuth()
@Controller('rankings')
export class RankingsController {
  constructor(private readonly assets: AssetsService) {}

  @Get()
  @ApiOperation({
    operationId: 'listRankings',
    summary: 'A daily market-cap ranking snapshot',
    description:
      'The snapshot of `date` (default: the latest one present) by rank, each row with its asset, cursor-paginated. A date without a snapshot answers 200 with no items; before any snapshot exists, `snapshot_date` is null.',
  })
  @ApiOkResponse({ type: RankingPageDto, description: 'One page of the snapshot, by rank.' })
  @ApiBadRequestExamples('A query parameter is invalid; `message` names it.', [
    invalidParameter(
      'date is not a calendar date',
      'date must be a calendar date as YYYY-MM-DD (e.g. 2026-11-28)',
    ),
    badRequest(
      'cursor of another snapshot',
      'cursor is not valid for date 2026-11-28: it continues the 2026-11-27 snapshot',
    ),
    ...PAGE_ERRORS,
  ])
  list(@Query() query: RankingsQueryDto): Promise<RankingPageDto> {
    return this.assets.rankings(query);
  }
}

import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiBadRequestExamples, invalidParameter, PAGE_ERRORS } from '../../assets/assets.api-docs.js';
import { ApiAuth } from '../../auth/api-auth.decorator.js';
import { ProviderMappingPageDto, ProviderMappingsQueryDto } from './provider-mappings.dto.js';
import { ProviderIdsService } from './provider-ids.service.js';

@ApiTags('providers')
@ApiAuth()
@Controller('providers')
export class ProviderMappingsController {
  constructor(private readonly providerIds: ProviderIdsService) {}

  @Get('mappings')
  @ApiOperation({
    operationId: 'listProviderMappings',
    summary: 'Assets and their CoinPaprika ids',
    description:
      'Every asset with its CoinPaprika mapping state, by CoinGecko id, cursor-paginated. `mapped`: it has an id ' +
      '(`matched_by` `rule` or `admin`); `ambiguous`: the last mapping run found several coins and chose none ' +
      '(`candidates`); `unmapped`: no coin matched, an admin cleared it, or it was not checked yet (`checked_at` null).',
  })
  @ApiOkResponse({ type: ProviderMappingPageDto, description: 'One page of assets.' })
  @ApiBadRequestExamples('A query parameter is invalid; `message` names it.', [
    invalidParameter('status is not a mapping state', 'status must be one of mapped, unmapped, ambiguous'),
    ...PAGE_ERRORS,
  ])
  list(@Query() query: ProviderMappingsQueryDto): Promise<ProviderMappingPageDto> {
    return this.providerIds.list(query);
  }
}

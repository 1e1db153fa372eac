import {
  BadRequestException,
  Body,
  Controller,
  Get,
  Param,
  ParseUUIDPipe,
  Patch,
  Query,
} from '@nestjs/common';
import {
  ApiBody,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import { ApiAuth } from '../auth/api-auth.decorator.js';
import { CurrentPrincipal } from '../auth/current-principal.decorator.js';
import type { Principal } from '../auth/principal.types.js';
import { RequireAdmin } from '../auth/require-admin.decorator.js';
import { ApiErrorResponse, errorExample } from '../http/openapi/error-schemas.js';
import {
  ApiAssetNotFound,
  ApiBadRequestExamples,
  badRequest,
  INVALID_ASSET_ID,
  invalidParameter,
  PAGE_ERRORS,
} from './assets.api-docs.js';
import { AssetsService } from './assets.service.js';
import { AssetPageDto } from './dto/asset.dto.js';
import { AssetPricePageDto } from './dto/asset-price.dto.js';
import { ListAssetsQueryDto } from './dto/list-assets-query.dto.js';
import { PriceHistoryQueryDto } from './dto/price-history-query.dto.js';
import { UpdateAssetDto } from './dto/update-asset.dto.js';
import { AssetWithProviderIdsDto } from '../providers/mapping/provider-mappings.dto.js';
import { ProviderIdsService } from '../providers/mapping/provider-ids.service.js';

/** `:id` must be a UUID: anything else is a 400 naming the parameter, not a database error. */
export const AssetId = (): ParameterDecorator =>
  Param(
    'id',
    new ParseUUIDPipe({ exceptionFactory: () => new BadRequestException(INVALID_ASSET_ID.message) }),
  );

export const ApiAssetId = (): MethodDecorator =>
  ApiParam({
    name: 'id',
    description: 'The asset’s id (`id` in the asset lists).',
    schema: { type: 'string', format: 'uuid' },
    example: '3f0c8d52-4f3e-4a8e-9a55-2f1b3c4d5e6f',
  });

@ApiTags('assets')
@ApiAuth()
@Controller('assets')
export class AssetsController {
  constructor(
    private readonly assets: AssetsService,
    private readonly providerIds: ProviderIdsService,
  ) {}

  /** The detail answer of GET and PATCH: the asset and its ids at the other providers. */
  private async detail(id: string): Promise<AssetWithProviderIdsDto> {
    const [asset, providerIds] = await Promise.all([this.assets.get(id), this.providerIds.idsOf(id)]);
    return { ...asset, provider_ids: providerIds };
  }

  @Get()
  @ApiOperation({
    operationId: 'listAssets',
    summary: 'List or search assets',
    description:
      'Assets by symbol (then CoinGecko id), cursor-paginated. `search` matches symbol prefix, name substring or CoinGecko id prefix, case-insensitively; exact symbol or CoinGecko id matches come first.',
  })
  @ApiOkResponse({ type: AssetPageDto, description: 'One page of assets.' })
  @ApiBadRequestExamples('A query parameter is invalid; `message` names it.', [
    ...PAGE_ERRORS,
    invalidParameter('tracked is not a boolean', 'tracked must be true or false'),
  ])
  list(@Query() query: ListAssetsQueryDto): Promise<AssetPageDto> {
    return this.assets.list(query);
  }

  @Get(':id')
  @ApiOperation({
    operationId: 'getAsset',
    summary: 'One asset with its contracts, latest ranking and latest price',
    description:
      'The asset by id, with its token contracts, its latest ranking, its latest price (null when none), the span ' +
      'of its price history (`history`) and its ids at the other providers (`provider_ids`).',
  })
  @ApiAssetId()
  @ApiOkResponse({ type: AssetWithProviderIdsDto, description: 'The asset.' })
  @ApiBadRequestExamples('The id is not a UUID.', [INVALID_ASSET_ID])
  @ApiAssetNotFound()
  get(@AssetId() id: string): Promise<AssetWithProviderIdsDto> {
    return this.detail(id);
  }

  @Get(':id/prices')
  @ApiOperation({
    operationId: 'listAssetPrices',
    summary: 'Price history of an asset',
    description:
      'Price observations newest first, optionally within `[from, to]` (both inclusive), cursor-paginated.',
  })
  @ApiAssetId()
  @ApiOkResponse({ type: AssetPricePageDto, description: 'One page of prices, newest first.' })
  @ApiBadRequestExamples('The id or a query parameter is invalid; `message` names it.', [
    INVALID_ASSET_ID,
    invalidParameter(
      'from is not an ISO timestamp',
      'from must be an ISO 8601 timestamp with a time zone (e.g. 2026-11-28T00:00:00Z)',
    ),
    badRequest(
      'from is later than to',
      'from (2026-11-28T00:00:00Z) must not be later than to (2026-11-27T00:00:00Z)',
    ),
    ...PAGE_ERRORS,
  ])
  @ApiAssetNotFound()
  prices(@AssetId() id: string, @Query() query: PriceHistoryQueryDto): Promise<AssetPricePageDto> {
    return this.assets.prices(id, query);
  }

  @Patch(':id')
  @RequireAdmin()
  @ApiOperation({
    operationId: 'updateAsset',
    summary: 'Track an asset, or set its CoinPaprika id (admin)',
    description:
      'Sets `is_tracked`: a tracked asset is priced by the price job even outside the top N of the latest ranking — ' +
      'how a portfolio asset gets priced. Sets or clears (`null`) `coinpaprika_id`, the asset’s CoinPaprika id ' +
      '(`matched_by: admin`, which the mapping job never changes; a cleared asset is not mapped again by rule). ' +
      'An id another asset has answers 409 naming that asset, and nothing changes. Answers the updated asset.',
  })
  @ApiAssetId()
  @ApiBody({ type: UpdateAssetDto })
  @ApiOkResponse({ type: AssetWithProviderIdsDto, description: 'The asset as updated (same shape as GET).' })
  @ApiUnsupportedMediaTypeResponse({ description: 'The body is not sent as `application/json`.' })
  @ApiBadRequestExamples('The id or the body is invalid.', [
    INVALID_ASSET_ID,
    invalidParameter('is_tracked missing or not a boolean', 'is_tracked must be true or false'),
    invalidParameter(
      'coinpaprika_id is not a CoinPaprika id',
      'coinpaprika_id must be a CoinPaprika coin id (lower-case letters and digits in two or more parts joined by "-", ' +
        'e.g. btc-bitcoin, at most 100 characters) or null',
    ),
    invalidParameter('a field other than is_tracked and coinpaprika_id', 'property name should not exist'),
    badRequest('body is not JSON', 'Request body is not valid JSON'),
  ])
  @ApiAssetNotFound()
  @ApiErrorResponse({
    status: 409,
    description: 'The CoinPaprika id is mapped to another asset (named in `message`).',
    examples: [
      errorExample(
        'Id held by another asset',
        409,
        'coinpaprika_id btc-bitcoin is already mapped to asset 3f0c8d52-4f3e-4a8e-9a55-2f1b3c4d5e6f (bitcoin, by the ' +
          'mapping job); clear it there first',
      ),
    ],
  })
  async update(
    @AssetId() id: string,
    @Body() body: UpdateAssetDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<AssetWithProviderIdsDto> {
    // The id first: a 409 (or 404) leaves is_tracked unchanged too.
    if (body.coinpaprika_id !== undefined) {
      await this.assets.get(id);
      await this.providerIds.setCoinPaprikaId(id, body.coinpaprika_id, principal);
    }
    if (body.is_tracked !== undefined) await this.assets.setTracked(id, body.is_tracked, principal);
    return this.detail(id);
  }
}

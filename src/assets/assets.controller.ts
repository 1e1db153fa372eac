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
import {
  ApiAssetNotFound,
  ApiBadRequestExamples,
  badRequest,
  INVALID_ASSET_ID,
  invalidParameter,
  PAGE_ERRORS,
} from './assets.api-docs.js';
import { AssetsService } from './assets.service.js';
import { AssetDetailDto, AssetPageDto } from './dto/asset.dto.js';
import { AssetPricePageDto } from './dto/asset-price.dto.js';
import { ListAssetsQueryDto } from './dto/list-assets-query.dto.js';
import { PriceHistoryQueryDto } from './dto/price-history-query.dto.js';
import { UpdateAssetDto } from './dto/update-asset.dto.js';

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
  constructor(private readonly assets: AssetsService) {}

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
      'The asset by id, with its token contracts, its latest ranking, its latest price (null when none) and the span ' +
      'of its price history (`history`).',
  })
  @ApiAssetId()
  @ApiOkResponse({ type: AssetDetailDto, description: 'The asset.' })
  @ApiBadRequestExamples('The id is not a UUID.', [INVALID_ASSET_ID])
  @ApiAssetNotFound()
  get(@AssetId() id: string): Promise<AssetDetailDto> {
    return this.assets.get(id);
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
    summary: 'Track an asset (admin)',
    description:
      'Sets `is_tracked`: a tracked asset is priced by the price job even outside the top N of the latest ranking — how a portfolio asset gets priced. Answers the updated asset.',
  })
  @ApiAssetId()
  @ApiBody({ type: UpdateAssetDto })
  @ApiOkResponse({ type: AssetDetailDto, description: 'The asset as updated (same shape as GET).' })
  @ApiUnsupportedMediaTypeResponse({ description: 'The body is not sent as `application/json`.' })
  @ApiBadRequestExamples('The id or the body is invalid.', [
    INVALID_ASSET_ID,
    invalidParameter('is_tracked missing or not a boolean', 'is_tracked must be true or false'),
    invalidParameter('a field other than is_tracked', 'property name should not exist'),
    badRequest('body is not JSON', 'Request body is not valid JSON'),
  ])
  @ApiAssetNotFound()
  update(
    @AssetId() id: string,
    @Body() body: UpdateAssetDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<AssetDetailDto> {
    return this.assets.setTracked(id, body.is_tracked, principal);
  }
}

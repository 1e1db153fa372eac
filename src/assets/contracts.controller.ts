import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiAuth } from '../auth/api-auth.decorator.js';
import { ApiBadRequestExamples, invalidParameter, PAGE_ERRORS } from './assets.api-docs.js';
import { AssetsService } from './assets.service.js';
import { ContractPageDto } from './dto/contract.dto.js';
import { ContractsQueryDto } from './dto/contracts-query.dto.js';

@ApiTags('assets')
@ApiAuth()
@Controller('contracts')
export class ContractsController {
  constructor(private readonly assets: AssetsService) {}

  @Get()
  @ApiOperation({
    operationId: 'listContracts',
    summary: 'Look up a contract address on a chain, or list a chain’s contracts',
    description:
      'With `address`: the contract at that address (0 or 1 item). On an EVM chain, and for any `0x` + 40 hex digits address, the letter case does not matter; other addresses (Solana, Tron, …) must match exactly. `chain` is case-insensitive and accepts CoinGecko platform ids (`binance-smart-chain` = `bsc`). Without `address`: every contract of the chain by address, cursor-paginated. Each item carries its asset.',
  })
  @ApiOkResponse({ type: ContractPageDto, description: 'The matching contract(s), each with its asset.' })
  @ApiBadRequestExamples('A query parameter is missing or invalid; `message` names it.', [
    invalidParameter('chain missing', 'chain is required: a chain name such as ethereum or solana'),
    ...PAGE_ERRORS,
  ])
  list(@Query() query: ContractsQueryDto): Promise<ContractPageDto> {
    return this.assets.contracts(query);
  }
}

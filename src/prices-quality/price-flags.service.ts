import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { INVALID_CURSOR } from '../assets/assets.service.js';
import { flagCursor, type FlagCursor } from './price-flags.cursor.js';
import type { PriceFlagPageDto, PriceFlagsQueryDto } from './price-flags.dto.js';
import { PriceFlagsRepository } from './price-flags.repository.js';

/** `GET /prices/flags`: the flagged price points, newest first, for operators. */
@Injectable()
export class PriceFlagsService {
  constructor(private readonly flags: PriceFlagsRepository) {}

  async list(query: PriceFlagsQueryDto): Promise<PriceFlagPageDto> {
    let after: FlagCursor | undefined;
    if (query.cursor !== undefined) {
      after = flagCursor.decode(query.cursor);
      if (after === undefined) throw new BadRequestException(INVALID_CURSOR);
    }
    let assetId: string | undefined;
    if (query.asset !== undefined) {
      assetId = await this.flags.resolveAsset(query.asset);
      if (assetId === undefined) throw new NotFoundException(`asset ${query.asset} not found`);
    }
    const page = await this.flags.page({ kind: query.kind, assetId, after, limit: query.limit });
    return { items: page.items, next_cursor: page.next ? flagCursor.encode(page.next) : null };
  }
}

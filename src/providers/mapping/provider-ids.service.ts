import { BadRequestException, ConflictException, Injectable, Logger } from '@nestjs/common';
import type { Principal } from '../../auth/principal.types.js';
import { decodeCursor, encodeCursor, isCursorText } from '../../http/keyset-cursor.js';
import type { ProviderName } from '../provider-name.js';
import { AssetProviderIdsRepository, type ProviderIdRow } from './asset-provider-ids.repository.js';
import { AssetProviderIdsWriteRepository } from './asset-provider-ids.write-repository.js';
import type { ProviderMappingPageDto, ProviderMappingsQueryDto } from './provider-mappings.dto.js';

/** The other providers assets are mapped to (CoinGecko is the assets' own identity). */
const MAPPED_PROVIDER: ProviderName = 'coinpaprika';

const mappingCursor = {
  encode: (coingeckoId: string): string => encodeCursor('mappings', [coingeckoId]),
  decode(cursor: string): string | undefined {
    const [coingeckoId] = decodeCursor('mappings', cursor, 1) ?? [];
    return isCursorText(coingeckoId) ? coingeckoId : undefined;
  },
};

/** Asset identity across providers, for the routes: the mappings list and an admin's set or clear. */
@Injectable()
export class ProviderIdsService {
  private readonly logger = new Logger(ProviderIdsService.name);

  constructor(
    private readonly reads: AssetProviderIdsRepository,
    private readonly writes: AssetProviderIdsWriteRepository,
  ) {}

  idsOf(assetId: string): Promise<ProviderIdRow[]> {
    return this.reads.idsOf(assetId);
  }

  async list(query: ProviderMappingsQueryDto): Promise<ProviderMappingPageDto> {
    let after: string | undefined;
    if (query.cursor !== undefined) {
      after = mappingCursor.decode(query.cursor);
      if (after === undefined) throw new BadRequestException('cursor is not valid');
    }
    const page = await this.reads.mappings({
      provider: MAPPED_PROVIDER,
      status: query.status,
      after,
      limit: query.limit,
    });
    return { items: page.items, next_cursor: page.next ? mappingCursor.encode(page.next) : null };
  }

  /**
   * `coinpaprika_id` of PATCH /assets/{id}: an id held by another asset is a 409 naming that asset (nothing
   * changes); `null` clears the mapping and keeps the mapping job from setting one by rule again.
   */
  async setCoinPaprikaId(assetId: string, providerId: string | null, principal: Principal): Promise<void> {
    const who = `${principal.kind} ${principal.subject}`;
    const fields = {
      assetId,
      provider: MAPPED_PROVIDER,
      providerId,
      principal: { kind: principal.kind, subject: principal.subject },
    };
    if (providerId === null) {
      await this.writes.clearByAdmin({ assetId, provider: MAPPED_PROVIDER });
      this.logger.log(fields, `Asset ${assetId}: coinpaprika_id cleared by ${who}`);
      return;
    }
    const result = await this.writes.setByAdmin({ assetId, provider: MAPPED_PROVIDER, providerId });
    if (result.kind === 'held') {
      const { holder } = result;
      throw new ConflictException(
        `coinpaprika_id ${providerId} is already mapped to asset ${holder.assetId} (${holder.coingeckoId}, ` +
          `${holder.matchedBy === 'admin' ? 'by an admin' : 'by the mapping job'}); clear it there first`,
      );
    }
    this.logger.log(fields, `Asset ${assetId}: coinpaprika_id set to ${providerId} by ${who}`);
  }
}

import { BadRequestException, Injectable, Logger, NotFoundException, Optional } from '@nestjs/common';
import type { Principal } from '../auth/principal.types.js';
import { PriceHistoryCoverageRepository } from '../collectors/price-history-backfill/price-history-coverage.repository.js';
import { AssetsRepository } from './assets.repository.js';
import { normaliseChain, normaliseContractAddress } from './contract-address.rules.js';
import type { AssetDetailDto, AssetPageDto } from './dto/asset.dto.js';
import type { AssetPricePageDto } from './dto/asset-price.dto.js';
import type { ContractPageDto } from './dto/contract.dto.js';
import type { ContractsQueryDto } from './dto/contracts-query.dto.js';
import type { ListAssetsQueryDto } from './dto/list-assets-query.dto.js';
import type { PriceHistoryQueryDto } from './dto/price-history-query.dto.js';
import type { RankingPageDto } from './dto/ranking.dto.js';
import type { RankingsQueryDto } from './dto/rankings-query.dto.js';
import { parseIsoTimestamp } from './iso-time.js';
import { assetCursor, contractCursor, priceCursor, rankingCursor } from './page-cursor.js';
import { PriceGapsService } from './price-gaps.service.js';
import { PriceReadsRepository } from './prices/price-reads.repository.js';

export const INVALID_CURSOR = 'cursor is not valid';

/** Decodes an optional cursor; a cursor the list did not issue is the client's mistake (400). */
function decodeCursor<T>(cursor: string | undefined, decode: (text: string) => T | undefined): T | undefined {
  if (cursor === undefined) return undefined;
  const position = decode(cursor);
  if (position === undefined) throw new BadRequestException(INVALID_CURSOR);
  return position;
}

const notFound = (id: string): NotFoundException => new NotFoundException(`asset ${id} not found`);

/** The read API over collected data, and the one write it allows (`is_tracked`). */
@Injectable()
export class AssetsService {
  private readonly logger = new Logger(AssetsService.name);

  constructor(
    private readonly repository: AssetsRepository,
    private readonly gaps: PriceGapsService,
    private readonly priceReads: PriceReadsRepository,
    // Optional for the unit spec, which builds the service by hand.
    @Optional() private readonly coverage?: PriceHistoryCoverageRepository,
  ) {}

  async list(query: ListAssetsQueryDto): Promise<AssetPageDto> {
    const page = await this.repository.listAssets({
      search: query.search,
      tracked: query.tracked,
      after: decodeCursor(query.cursor, assetCursor.decode),
      limit: query.limit,
    });
    return { items: page.items, next_cursor: page.next ? assetCursor.encode(page.next) : null };
  }

  async get(id: string): Promise<AssetDetailDto> {
    const asset = await this.repository.findAsset(id);
    if (!asset) throw notFound(id);
    const [contracts, ranking, price, gaps, history, coverage] = await Promise.all([
      this.repository.contractsOf(id),
      this.repository.latestRankingOf(id),
      this.repository.latestPriceOf(id),
      this.gaps.recentHoles(id),
      this.priceReads.historyBounds(id),
      this.coverage?.ofAsset(id) ?? null,
    ]);
    return {
      ...asset,
      contracts,
      latest_ranking: ranking ?? null,
      latest_price: price ?? null,
      price_gaps_24h: gaps,
      history,
      coverage,
    };
  }

  async prices(id: string, query: PriceHistoryQueryDto): Promise<AssetPricePageDto> {
    const from = query.from === undefined ? undefined : parseIsoTimestamp(query.from);
    const to = query.to === undefined ? undefined : parseIsoTimestamp(query.to);
    if (from && to && from.getTime() > to.getTime()) {
      throw new BadRequestException(`from (${query.from}) must not be later than to (${query.to})`);
    }
    const after = decodeCursor(query.cursor, priceCursor.decode);
    if (!(await this.repository.exists(id))) throw notFound(id);
    const page = await this.repository.priceHistory({
      assetId: id,
      from: query.from,
      to: query.to,
      source: query.source,
      after,
      limit: query.limit,
    });
    return { items: page.items, next_cursor: page.next ? priceCursor.encode(page.next) : null };
  }

  /**
   * A snapshot by rank: the requested date, else the latest present. A cursor continues the snapshot it
   * was issued for, even when a newer snapshot lands between two pages; with a `date` it must match.
   */
  async rankings(query: RankingsQueryDto): Promise<RankingPageDto> {
    const after = decodeCursor(query.cursor, rankingCursor.decode);
    if (after && query.date !== undefined && after.snapshotDate !== query.date) {
      throw new BadRequestException(
        `${INVALID_CURSOR} for date ${query.date}: it continues the ${after.snapshotDate} snapshot`,
      );
    }
    const snapshotDate = after?.snapshotDate ?? query.date ?? (await this.repository.latestSnapshotDate());
    if (snapshotDate === undefined) return { snapshot_date: null, items: [], next_cursor: null };
    const page = await this.repository.rankings({ snapshotDate, after, limit: query.limit });
    return {
      snapshot_date: snapshotDate,
      items: page.items,
      next_cursor: page.next ? rankingCursor.encode(page.next) : null,
    };
  }

  /** One address on a chain (spelled as the collector stores it), or the chain's contracts page by page. */
  async contracts(query: ContractsQueryDto): Promise<ContractPageDto> {
    const chain = normaliseChain(query.chain);
    const after = decodeCursor(query.cursor, contractCursor.decode);
    if (after && after.chain !== chain) throw new BadRequestException(INVALID_CURSOR);
    if (query.address !== undefined) {
      const contract = await this.repository.findContract(
        chain,
        normaliseContractAddress(chain, query.address),
      );
      // One address is at most one contract: no further page, whatever the cursor said.
      return { items: contract ? [contract] : [], next_cursor: null };
    }
    const page = await this.repository.listContracts({ chain, after, limit: query.limit });
    return { items: page.items, next_cursor: page.next ? contractCursor.encode(page.next) : null };
  }

  /** Marks an asset as tracked (priced even outside the top N) or not; logs who did it. */
  async setTracked(id: string, isTracked: boolean, principal: Principal): Promise<AssetDetailDto> {
    const change = await this.repository.setTracked(id, isTracked);
    if (!change) throw notFound(id);
    this.logger.log(
      {
        assetId: id,
        coingeckoId: change.coingeckoId,
        isTracked,
        previous: change.previous,
        principal: { kind: principal.kind, subject: principal.subject },
      },
      change.previous === isTracked
        ? `Asset ${change.coingeckoId}: is_tracked already ${String(isTracked)} (request by ${principal.kind} ${principal.subject})`
        : `Asset ${change.coingeckoId}: is_tracked set to ${String(isTracked)} by ${principal.kind} ${principal.subject}`,
    );
    return this.get(id);
  }
}

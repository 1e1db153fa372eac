import { BadRequestException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { JOB_CLOCK, type Clock } from '../../jobs/clock.js';
import type { ProviderName } from '../../providers/provider-name.js';
import { AssetsRepository } from '../assets.repository.js';
import { parseIsoTimestamp } from '../iso-time.js';
import { parseIsoDuration, subtractDuration } from './iso-duration.js';
import {
  PriceReadsRepository,
  type FlagRow,
  type RequestedAsset,
  type SeriesPointRow,
} from './price-reads.repository.js';
import {
  MIXED_SOURCE,
  type PriceSeriesDto,
  type PriceSeriesQueryDto,
  type SeriesPointDto,
} from './price-series.dto.js';
import { PriceSources } from './price-sources.js';
import { MAX_ASSETS_AT, type PricesAtDto, type PricesAtQueryDto } from './prices-at.dto.js';
import {
  autoInterval,
  bucketsBetween,
  bucketStart,
  describeDuration,
  INTERVAL_MS,
  largestRange,
  MAX_RANGE_YEARS,
  type SeriesInterval,
  withinMaxRange,
} from './series-interval.js';

const DAY_MS = 86_400_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const ASSETS_REQUIRED =
  'assets is required: comma-separated asset ids or CoinGecko ids (e.g. assets=bitcoin,ethereum)';
export const INVALID_MAX_AGE =
  'max_age must be an ISO 8601 duration of whole units, such as PT15M, PT6H, P1D, P7D or P1M';

/** Validated by the DTO already, so a parse failure here is a programming error, not the client's. */
function instant(text: string): Date {
  const at = parseIsoTimestamp(text);
  if (!at) throw new Error(`unvalidated timestamp ${text}`);
  return at;
}

type SourcedPoint = SeriesPointDto & { source: ProviderName };

/** Hangs each flag on the bucket holding its price, when that bucket was answered from the flag's source. */
function withFlags(
  interval: SeriesInterval,
  rows: readonly SeriesPointRow[],
  flags: readonly FlagRow[],
): SourcedPoint[] {
  const points = rows.map((row): SourcedPoint => ({ ...row, source: row.source as ProviderName }));
  if (flags.length === 0) return points;
  const byBucket = new Map<string, SourcedPoint>(
    points.map((point) => [`${point.t} ${point.source}`, point]),
  );
  for (const { timestamp, source, kind, detail } of flags) {
    const point = byBucket.get(`${bucketStart(interval, new Date(timestamp)).toISOString()} ${source}`);
    if (point) (point.flags ??= []).push({ timestamp, kind, detail });
  }
  return points;
}

/** The series and point-in-time reads of the price history. "Now" is the jobs' clock, so tests can move it. */
@Injectable()
export class PriceReadsService {
  constructor(
    private readonly reads: PriceReadsRepository,
    private readonly assets: AssetsRepository,
    private readonly sources: PriceSources,
    @Inject(JOB_CLOCK) private readonly clock: Clock,
  ) {}

  async series(assetId: string, query: PriceSeriesQueryDto): Promise<PriceSeriesDto> {
    const to = query.to === undefined ? this.clock.now() : instant(query.to);
    const from = query.from === undefined ? new Date(to.getTime() - DAY_MS) : instant(query.from);
    const interval = this.intervalFor(query, from, to);
    if (!(await this.assets.exists(assetId))) throw new NotFoundException(`asset ${assetId} not found`);
    const sources = this.sources.of(query.source);
    const range = {
      assetId,
      sources,
      from: bucketStart(interval, from),
      until: new Date(bucketStart(interval, to).getTime() + INTERVAL_MS[interval]),
    };
    const [rows, flags] = await Promise.all([
      this.reads.series({ ...range, interval }),
      this.reads.flagsBetween(range),
    ]);
    const used = new Set(rows.map((row) => row.source));
    // One provider for the whole series is said once; a mix is said on every point.
    const mixed = used.size > 1;
    const source = query.source ?? (mixed ? MIXED_SOURCE : (rows[0]?.source ?? sources[0]));
    const points = withFlags(interval, rows, flags).map(({ source: bucketSource, ...point }) =>
      mixed ? { ...point, source: bucketSource } : point,
    );
    return {
      asset_id: assetId,
      source: source as PriceSeriesDto['source'],
      interval,
      from: from.toISOString(),
      to: to.toISOString(),
      points,
    };
  }

  /** The interval asked for, or the one `auto` picks; 400 for a range it cannot answer in `max_points`. */
  private intervalFor(query: PriceSeriesQueryDto, from: Date, to: Date): SeriesInterval {
    const range = `from ${from.toISOString()} to ${to.toISOString()}`;
    if (from.getTime() > to.getTime()) {
      throw new BadRequestException(
        `from (${query.from ?? from.toISOString()}) must not be later than to (${query.to ?? to.toISOString()})`,
      );
    }
    if (!withinMaxRange(from, to)) {
      throw new BadRequestException(
        `the range ${range} is longer than ${MAX_RANGE_YEARS} years, the most one series spans`,
      );
    }
    const max = query.max_points;
    if (query.interval === 'auto') {
      const chosen = autoInterval(from, to, max);
      if (chosen) return chosen;
      throw new BadRequestException(
        `the range ${range} needs ${bucketsBetween('1w', from, to)} points even at 1w, more than max_points ` +
          `(${max}): shorten the range or raise max_points`,
      );
    }
    const needed = bucketsBetween(query.interval, from, to);
    if (needed > max) {
      throw new BadRequestException(
        `the range ${range} needs ${needed} points at ${query.interval}; max_points allows at most ${max} points ` +
          `at ${query.interval}: the largest range is ${describeDuration(largestRange(query.interval, max))} ` +
          '(or choose a coarser interval, auto, or a higher max_points)',
      );
    }
    return query.interval;
  }

  async pricesAt(query: PricesAtQueryDto): Promise<PricesAtDto> {
    const sent = query.assets
      .split(',')
      .map((key) => key.trim())
      .filter((key) => key.length > 0);
    if (sent.length === 0) throw new BadRequestException(ASSETS_REQUIRED);
    if (sent.length > MAX_ASSETS_AT) {
      throw new BadRequestException(
        `assets lists ${sent.length} assets; at most ${MAX_ASSETS_AT} per request`,
      );
    }
    const maxAge = parseIsoDuration(query.max_age ?? 'P1D');
    if (!maxAge) throw new BadRequestException(INVALID_MAX_AGE);
    const at = query.at === undefined ? this.clock.now() : instant(query.at);
    const after = subtractDuration(at, maxAge);
    const oldest = new Date(at.getTime());
    oldest.setUTCFullYear(oldest.getUTCFullYear() - MAX_RANGE_YEARS);
    if (Number.isNaN(after.getTime()) || after.getTime() < oldest.getTime()) {
      throw new BadRequestException(
        `max_age must be at most ${MAX_RANGE_YEARS} years (P${MAX_RANGE_YEARS}Y)`,
      );
    }

    // A UUID in any letter case, or a CoinGecko id (always lower case at CoinGecko), is one asset: repeats go.
    const requested = new Map<string, RequestedAsset>();
    for (const key of sent) {
      const normalised = key.toLowerCase();
      if (!requested.has(normalised)) {
        requested.set(normalised, { key: normalised, id: UUID.test(normalised) ? normalised : null });
      }
    }
    const asSent = new Map(sent.map((key) => [key.toLowerCase(), key] as const).reverse());
    const sources = this.sources.of(query.source);
    const rows = await this.reads.pricesAt({ assets: [...requested.values()], sources, after, at });

    const answer: PricesAtDto = { at: at.toISOString(), items: [], missing: [] };
    const seen = new Set<string>();
    for (const row of rows) {
      const asset = asSent.get(row.key) ?? row.key;
      if (row.asset_id === null) {
        answer.missing.push({ asset, reason: 'unknown_asset' });
        continue;
      }
      // An id and the CoinGecko id of the same asset: answered once, where it was first named.
      if (seen.has(row.asset_id)) continue;
      seen.add(row.asset_id);
      if (row.timestamp === null || row.price_usd === null || row.source === null) {
        answer.missing.push({ asset, reason: 'no_price_within_max_age' });
      } else {
        answer.items.push({
          asset_id: row.asset_id,
          timestamp: row.timestamp,
          price_usd: row.price_usd,
          source: row.source as ProviderName,
          ...(row.flags === null ? {} : { flags: row.flags }),
        });
      }
    }
    return answer;
  }
}

import { applyDecorators, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { sql, type RawBuilder } from 'kysely';
import type { AppConfig } from '../../config/app-config.js';
import { PROVIDER_NAMES, type ProviderName } from '../../providers/provider-name.js';
import { rankingSources } from '../latest-snapshot.js';

export const UNKNOWN_SOURCE = `source must be one of the known providers: ${PROVIDER_NAMES.join(', ')}`;

/** The optional `source` query parameter of every price read: one provider, asked for by name. */
export const SourceParameter = (): PropertyDecorator =>
  applyDecorators(
    ApiPropertyOptional({
      type: String,
      enum: [...PROVIDER_NAMES],
      example: 'coinpaprika',
      description:
        'Read only this provider’s prices. Default: by preference, each price from the first provider in ' +
        '`PRICE_PROVIDERS` that has one for that time; a provider not listed there is read only when asked for here.',
    }),
    IsOptional(),
    IsIn([...PROVIDER_NAMES], { message: UNKNOWN_SOURCE }),
  );

/**
 * Which providers a read may answer from, best first: the one `source` asks for, else `PRICE_PROVIDERS`.
 * Every read keeps one row per asset and time (or bucket): the one whose source comes first in this list.
 */
@Injectable()
export class PriceSources {
  private readonly order: readonly ProviderName[];

  constructor(config: ConfigService<AppConfig, true>) {
    this.order = config.get('providers', { infer: true }).order;
  }

  of(source?: ProviderName): readonly ProviderName[] {
    return source === undefined ? this.order : [source];
  }

  /** The sources a ranking is read from, best first (latest-snapshot.ts: CoinGecko is always among them). */
  rankings(): readonly ProviderName[] {
    return rankingSources(this.order);
  }
}

/** `column = any(sources)`: the rows a read may answer from. */
export function fromSources(column: RawBuilder<unknown>, sources: readonly string[]): RawBuilder<unknown> {
  return sql`${column} = any(${sources}::text[])`;
}

/** A row's rank by preference (1 = best), to order the rows of one time by and keep the first. */
export function preference(column: RawBuilder<unknown>, sources: readonly string[]): RawBuilder<number> {
  return sql<number>`array_position(${sources}::text[], ${column})`;
}

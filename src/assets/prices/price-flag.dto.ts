import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PRICE_FLAG_KINDS, type PriceFlagKind } from '../../prices-quality/price-flag.entity.js';

/** A quality flag on a stored price (`price_flags`): the price stays stored and is answered, with this beside it. */
export class PriceFlagDto {
  @ApiProperty({
    type: String,
    enum: [...PRICE_FLAG_KINDS],
    example: 'spike',
    description: '`spike`, `freeze` or `divergence` (docs/providers.md, Quality flags).',
  })
  kind!: PriceFlagKind;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    example: {
      direction: 'up',
      price_usd: '970050',
      previous: { timestamp: '2026-11-27T10:00:00.000Z', price_usd: '97000.5' },
      next: { timestamp: '2026-11-27T10:30:00.000Z', price_usd: '97010.25' },
      factor: 10,
      threshold: 10,
    },
    description:
      'Why the price was flagged, as the detector recorded it (its shape per kind: docs/providers.md).',
  })
  detail!: unknown;
}

/** The optional `flags` of a price item: present only on a flagged price. */
export const ApiPriceFlags = (): PropertyDecorator =>
  ApiPropertyOptional({
    type: () => [PriceFlagDto],
    description: 'The price’s quality flags, by kind; absent when it has none.',
  });

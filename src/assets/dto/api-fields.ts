import { ApiProperty } from '@nestjs/swagger';

/**
 * A `numeric` column on the wire: its exact decimal text, as PostgreSQL prints it — never a JSON number,
 * which a client parses into a binary float (`0.1 + 0.2`, 30-digit market caps, 18-decimal token prices).
 */
export const ApiDecimal = (description: string, example: string | null, nullable = true): PropertyDecorator =>
  ApiProperty({
    type: String,
    format: 'decimal',
    nullable,
    example,
    description: `${description} Decimal string, exact (never a float)${nullable ? '; null when unknown' : ''}.`,
  });

export const ApiTimestamp = (description: string, example: string): PropertyDecorator =>
  ApiProperty({ type: String, format: 'date-time', example, description: `${description} ISO 8601, UTC.` });

export const ApiNextCursor = (): PropertyDecorator =>
  ApiProperty({
    type: String,
    nullable: true,
    example: 'WyJhc3NldHMiLDEsIkVUSCIsImV0aGVyZXVtIl0',
    description: 'Pass as `cursor` (with the same filters) for the next page; null on the last page.',
  });

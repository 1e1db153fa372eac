import 'reflect-metadata';
import { BadRequestException, ValidationPipe, type ArgumentMetadata } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsInt, IsString, Max, Min, ValidateNested } from 'class-validator';
import { describe, expect, it } from 'vitest';
import { ApiValidationPipe } from './api-validation.pipe.js';

class Item {
  @IsString()
  x!: string;
}

class Body {
  @IsInt({ message: 'limit must be an integer between 1 and 10000' })
  @Min(1, { message: 'limit must be an integer between 1 and 10000' })
  @Max(10000, { message: 'limit must be an integer between 1 and 10000' })
  limit!: number;

  @ValidateNested({ each: true })
  @Type(() => Item)
  items!: Item[];
}

const OPTIONS = { whitelist: true, forbidNonWhitelisted: true, transform: true };
const METADATA: ArgumentMetadata = { type: 'body', metatype: Body };
const INPUT = { limit: 0, items: [{ x: 1 }], foo: true };

async function refusal(pipe: ValidationPipe): Promise<Record<string, unknown>> {
  const outcome = await pipe.transform(INPUT, METADATA).then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(BadRequestException);
  return (outcome as BadRequestException).getResponse() as Record<string, unknown>;
}

describe('ApiValidationPipe', () => {
  it("keeps Nest's message list and adds one {field, reason} per problem, nested paths included", async () => {
    const ours = await refusal(new ApiValidationPipe(OPTIONS));
    const nest = await refusal(new ValidationPipe(OPTIONS));
    expect(ours.message).toEqual(nest.message);
    expect(ours.message).toContain('items.0.x must be a string');
    // One entry per message, in the same order.
    expect(ours.details).toHaveLength((ours.message as string[]).length);
    expect(ours.details).toEqual([
      { field: 'foo', reason: 'property foo should not exist' },
      { field: 'limit', reason: 'limit must be an integer between 1 and 10000' },
      { field: 'items.0.x', reason: 'x must be a string' },
    ]);
    expect(nest.details).toBeUndefined();
  });
});

import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, Max, Min, ValidateIf } from 'class-validator';
import type { JobDefinition } from '../job-definition.js';

export interface TriggerBody {
  limit?: number | null;
}

/**
 * The trigger body class of one job, built from its limit bounds: `{"limit"?: int min..max}` (or `null`
 * for all, where allowed); `{}` only, for a job without a limit. The global ValidationPipe
 * (whitelist, forbidNonWhitelisted) refuses anything else with 400.
 */
export function triggerBodyFor(definition: JobDefinition): new () => TriggerBody {
  const body = class {};
  Object.defineProperty(body, 'name', { value: `${pascalCase(definition.key)}TriggerBody` });
  const limit = definition.limit;
  if (!limit) return body;

  const rule = `limit must be an integer between ${limit.min} and ${limit.max}${limit.nullable ? ', or null for all' : ''}`;
  const property: PropertyDecorator[] = [
    ApiPropertyOptional({
      type: 'integer',
      minimum: limit.min,
      maximum: limit.max,
      ...(limit.nullable ? { nullable: true } : {}),
      example: limit.nullable ? null : Math.min(10, limit.max),
      description: limit.nullable
        ? 'How many items; `null` for all; omit for the configured default (`' +
          definition.envPrefix +
          '_LIMIT`).'
        : 'How many items; omit for the configured default (`' + definition.envPrefix + '_LIMIT`).',
    }),
    // `undefined` (absent) means the default; an explicit null means "all" only where the job allows it.
    ValidateIf(
      (value: TriggerBody) => value.limit !== undefined && !(limit.nullable && value.limit === null),
    ),
    IsInt({ message: rule }),
    Min(limit.min, { message: rule }),
    Max(limit.max, { message: rule }),
  ];
  for (const decorate of property.reverse()) decorate(body.prototype, 'limit');
  return body;
}

export function pascalCase(key: string): string {
  return key.replace(/(^|_)([a-z0-9])/g, (_, __: string, char: string) => char.toUpperCase());
}

/** Request examples for Swagger UI. */
export function triggerExamples(definition: JobDefinition): Record<string, { value: unknown }> {
  if (!definition.limit) return { defaults: { value: {} } };
  if (definition.limit.nullable) {
    return {
      all: { value: { limit: null } },
      first100: { value: { limit: Math.min(100, definition.limit.max) } },
      defaults: { value: {} },
    };
  }
  return { ten: { value: { limit: Math.min(10, definition.limit.max) } }, defaults: { value: {} } };
}

/**
 * The deepest a request body may nest (the body object itself is level 1). Every DTO of the API is at most
 * two levels deep; the limit leaves room and keeps the walk below — and class-transformer and
 * class-validator after it, which recurse — far from the stack limit.
 */
export const MAX_BODY_DEPTH = 32;

/**
 * Keys that name the prototype machinery. `JSON.parse` keeps `__proto__` as an own property, but
 * class-transformer drops it before the ValidationPipe could call it an unknown property: these are refused
 * here, wherever they appear, as every other unknown property is.
 */
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export type InspectionFinding =
  { kind: 'too_deep' } | { kind: 'nul' } | { kind: 'forbidden_key'; key: string };

export interface InspectionOptions {
  maxDepth: number;
  /**
   * Also read `a[b]` and `a.b` keys as paths (query strings): a parser with bracket syntax would turn
   * `__proto__[x]` into the very key refused here.
   */
  pathKeys?: boolean;
}

function forbiddenKey(key: string, pathKeys: boolean): string | undefined {
  if (FORBIDDEN_KEYS.has(key)) return key;
  if (!pathKeys) return undefined;
  return key.split(/[[\].]/).find((segment) => FORBIDDEN_KEYS.has(segment));
}

/**
 * Walks parsed JSON (or a parsed query) with an explicit stack — never recursion, so no input can
 * overflow the call stack — and reports the first problem: nesting deeper than `maxDepth`, a NUL
 * character in a key or string (PostgreSQL text cannot hold one), or a forbidden key. Bounded: it never
 * descends past `maxDepth` and visits each value once, and a body holds at most as many values as bytes
 * (the body-parser limit).
 */
export function inspectJson(root: unknown, options: InspectionOptions): InspectionFinding | undefined {
  const pathKeys = options.pathKeys ?? false;
  const values: unknown[] = [root];
  const depths: number[] = [1];
  while (values.length > 0) {
    const value = values.pop();
    const depth = depths.pop() ?? 1;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return { kind: 'nul' };
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth > options.maxDepth) return { kind: 'too_deep' };
    if (Array.isArray(value)) {
      for (const item of value) {
        values.push(item);
        depths.push(depth + 1);
      }
      continue;
    }
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const forbidden = forbiddenKey(key, pathKeys);
      if (forbidden !== undefined) return { kind: 'forbidden_key', key: forbidden };
      if (key.includes('\u0000')) return { kind: 'nul' };
      values.push(record[key]);
      depths.push(depth + 1);
    }
  }
  return undefined;
}

const CHARSET = /;\s*charset\s*=\s*(?:"([^"]*)"|([^;\s]*))/i;

/** The charset a Content-Type declares, lower-cased; undefined when it declares none. */
export function declaredCharset(contentType: string | undefined): string | undefined {
  const match = contentType === undefined ? null : CHARSET.exec(contentType);
  if (!match) return undefined;
  return (match[1] ?? match[2] ?? '').toLowerCase();
}

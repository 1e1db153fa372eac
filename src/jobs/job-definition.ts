import { validateCronExpression } from 'cron';
import type { z } from 'zod';

/**
 * A job, declared once with `defineJob` in its own folder. Everything outside the folder — config
 * variables, the trigger route and its Swagger operation, `GET /jobs`, the dashboard, metrics labels and
 * the CLI — is derived from this object. Nothing here depends on Nest, so the config schema and the CLI
 * can read definitions without booting the app.
 */
export interface JobParams {
  /** How many items the job works on; `null` means "all" (only where `limit.nullable`), or no limit at all. */
  limit: number | null;
}

/** The params of a job without a limit: nothing (its trigger body must be `{}`). */
export type NoJobParams = Record<never, never>;

/**
 * What one job's code sees as its params, from its definition's `limit`: `{ limit: number }` when the limit
 * is not nullable (the runner has resolved it, so a fallback would be dead code), `{ limit: number | null }`
 * when `null` ("all") is accepted, `{}` for a job without a limit.
 */
export type JobParamsOf<L extends JobLimit | undefined> = [L] extends [JobLimit]
  ? L['nullable'] extends false
    ? { readonly limit: number }
    : { readonly limit: number | null }
  : NoJobParams;

export interface JobLimit {
  /** Used when neither `<PREFIX>_LIMIT` nor the trigger body gives one; `null` = all. */
  readonly default: number | null;
  readonly min: number;
  readonly max: number;
  /** Whether `null` ("all") is accepted in the trigger body and `all`/empty in `<PREFIX>_LIMIT`. */
  readonly nullable: boolean;
}

/**
 * A job's own environment variables, by full name (`{ CONTRACT_ADDRESSES_DECIMALS_PER_RUN: integer(…) }`): names
 * stay exactly what operators set, so they need not repeat the job's prefix.
 */
export type JobSettingsSchema = Readonly<Record<string, z.ZodType<unknown, string | undefined>>>;
export type JobSettingsOf<S extends JobSettingsSchema> = { readonly [K in keyof S]: z.output<S[K]> };

export interface JobSpec<S extends JobSettingsSchema, L extends JobLimit | undefined> {
  /** Stable key stored in `job_runs.job_key`, used as the cron job name and the CLI argument. */
  key: string;
  /** One line for `GET /jobs`, Swagger and the dashboard. */
  description: string;
  /** Prefix of the job's environment variables (`<PREFIX>_ENABLED`, `_SCHEDULE`, `_LIMIT`, `_TIMEOUT_MS`). */
  envPrefix: string;
  /** 6-field cron expression (UTC) used when `<PREFIX>_SCHEDULE` is not set. */
  schedule: string;
  /** Omit for a job that takes no limit: it has no `<PREFIX>_LIMIT` and its trigger body must be `{}`. */
  limit?: L;
  /** Default of `<PREFIX>_TIMEOUT_MS`. */
  timeoutMs?: number;
  /** Jobs that must have succeeded once before this one runs; run first (trigger `dependency`) when they have not. */
  dependsOn?: readonly { readonly key: string }[];
  /** `POST /api/v1/jobs/<path>`; its Swagger operation is named after it (`collect-top-coins` → `collectTopCoins`). */
  trigger: { path: string; summary: string };
  /** Upstream (CoinGecko) calls one run is expected to make; the call budget's projection uses it. */
  estimateCalls?: (params: JobParamsOf<L>, settings: JobSettingsOf<S>) => number;
  /** The job's own variables beyond the four standard ones, by full variable name. */
  settings?: S;
  /** The run label; default `<key>(limit=<n|all>)`, or the key alone for a job without a limit. */
  label?: (params: JobParamsOf<L>) => string;
}

/**
 * `P` is what the job's own code sees as its params (see JobParamsOf); framework code that handles any job
 * uses the default, the runner's `{ limit: number | null }`.
 */
export interface JobDefinition<
  S extends JobSettingsSchema = JobSettingsSchema,
  P extends object = JobParams,
> {
  readonly key: string;
  readonly description: string;
  readonly envPrefix: string;
  readonly defaultSchedule: string;
  readonly limit: JobLimit | null;
  readonly defaultTimeoutMs: number;
  readonly dependsOn: readonly string[];
  readonly triggerPath: string;
  readonly triggerSummary: string;
  /** `collectTopCoins` for `collect-top-coins`: the trigger's OpenAPI operationId. */
  readonly operationId: string;
  readonly settings: S;
  // Method syntax on purpose: a job's definition stays assignable to JobDefinition whatever its params.
  label(params: P): string;
  estimateCalls(params: P, settings: JobSettingsOf<S>): number;
}

/** The params one job's handler receives, from its definition (`ParamsOf<typeof PRICES_JOB>`). */
export type ParamsOf<D extends JobDefinition> = Parameters<D['label']>[0];

export const DEFAULT_JOB_TIMEOUT_MS = 15 * 60 * 1000;

/** Nest token: the definitions of the job modules the app was built with (see `JOB_MODULES`). */
export const JOB_DEFINITIONS = Symbol('JOB_DEFINITIONS');

const KEY = /^[a-z][a-z0-9_]{0,62}$/;
const PREFIX = /^[A-Z][A-Z0-9_]{0,62}$/;
const PATH = /^[a-z][a-z0-9-]{0,62}$/;

/** Thrown at start-up (or import) for a definition that could never run; names the job and the field. */
export class JobDefinitionError extends Error {
  constructor(key: string, field: string, problem: string) {
    super(`job ${key}: ${field} ${problem}`);
    this.name = 'JobDefinitionError';
  }
}

export function defineJob<
  const S extends JobSettingsSchema = Record<never, never>,
  const L extends JobLimit | undefined = undefined,
>(spec: JobSpec<S, L>): JobDefinition<S, JobParamsOf<L>> {
  const fail = (field: string, problem: string): never => {
    throw new JobDefinitionError(spec.key, field, problem);
  };
  if (!KEY.test(spec.key)) fail('key', 'must be lower_snake_case');
  if (!PREFIX.test(spec.envPrefix)) fail('envPrefix', 'must be UPPER_SNAKE_CASE');
  if (!PATH.test(spec.trigger.path)) fail('trigger.path', 'must be lower-kebab-case');
  const schedule = spec.schedule.trim().replace(/\s+/g, ' ');
  if (schedule.split(' ').length !== 6 || !validateCronExpression(schedule).valid) {
    fail('schedule', `"${spec.schedule}" is not a valid 6-field cron expression`);
  }
  const limit: JobLimit | undefined = spec.limit;
  if (limit) {
    const { min, max, default: byDefault, nullable } = limit;
    if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || min < 1 || max < min) {
      fail('limit', `bounds ${min}..${max} are not integers with 1 <= min <= max`);
    }
    if (
      byDefault === null ? !nullable : !Number.isSafeInteger(byDefault) || byDefault < min || byDefault > max
    ) {
      fail('limit.default', `${String(byDefault)} is outside ${min}..${max}${nullable ? ' (or null)' : ''}`);
    }
  }
  for (const name of Object.keys(spec.settings ?? {})) {
    if (!PREFIX.test(name)) fail('settings', `variable ${name} must be UPPER_SNAKE_CASE`);
  }
  const timeoutMs = spec.timeoutMs ?? DEFAULT_JOB_TIMEOUT_MS;
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1000)
    fail('timeoutMs', `${timeoutMs} is below 1000 ms`);
  const limited = limit !== undefined;
  return Object.freeze({
    key: spec.key,
    description: spec.description,
    envPrefix: spec.envPrefix,
    defaultSchedule: schedule,
    limit: limit ? Object.freeze({ ...limit }) : null,
    defaultTimeoutMs: timeoutMs,
    dependsOn: (spec.dependsOn ?? []).map((dependency) => dependency.key),
    triggerPath: spec.trigger.path,
    triggerSummary: spec.trigger.summary,
    operationId: spec.trigger.path.replace(/-([a-z0-9])/g, (_, char: string) => char.toUpperCase()),
    settings: spec.settings ?? ({} as S),
    label:
      spec.label ??
      // Without a label of its own a limited job's params carry a limit, so this view of them is exact.
      ((params) => (limited ? limitLabel(spec.key, params as unknown as JobParams) : spec.key)),
    estimateCalls: spec.estimateCalls ?? (() => 0),
  });
}

export function limitLabel(key: string, params: JobParams): string {
  return `${key}(limit=${params.limit ?? 'all'})`;
}

/**
 * Refuses a set of definitions that would collide at run time: two jobs with one key, env prefix or
 * trigger route.
 */
export function assertDistinct(definitions: readonly JobDefinition[]): void {
  const seen = new Map<string, string>();
  for (const definition of definitions) {
    for (const [field, value] of [
      ['key', definition.key],
      ['envPrefix', definition.envPrefix],
      ['trigger.path', definition.triggerPath],
    ] as const) {
      const other = seen.get(`${field}:${value}`);
      if (other)
        throw new JobDefinitionError(definition.key, field, `"${value}" is also used by job ${other}`);
      seen.set(`${field}:${value}`, definition.key);
    }
  }
}

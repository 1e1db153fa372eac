import { z } from 'zod';
import type { JobDefinition } from '../jobs/job-definition.js';
import type { AppConfig, CoinGeckoPlan, JobSettings } from './app-config.js';
import {
  apiTokens,
  boolean,
  commaList,
  cronExpression,
  httpUrl,
  integer,
  isUnset,
  milliseconds,
  oneOf,
  show,
  text,
} from './env-vars.js';
import { checkProviderEnv, providerShape, toProviderConfig } from './provider-env.js';
import { qualityShape, toQualityConfig } from './quality-env.js';

/*
 * Every environment variable the service reads, parsed by one zod schema into a typed AppConfig: the
 * service's own variables plus, for each registered job, `<PREFIX>_ENABLED`, `_SCHEDULE`, `_LIMIT`,
 * `_TIMEOUT_MS` and the job's own settings. The service refuses to start on any problem and names each.
 */

function jobLimit(limit: NonNullable<JobDefinition['limit']>) {
  const { min, max, nullable } = limit;
  return z
    .string()
    .optional()
    .transform((raw, ctx): number | null => {
      if (raw === undefined || raw.trim() === '' || (nullable && raw.trim().toLowerCase() === 'all')) {
        return isUnset(raw) ? limit.default : null;
      }
      const value = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
      if (!Number.isSafeInteger(value) || value < min || value > max) {
        const empty = nullable ? ', or empty for all' : '';
        ctx.addIssue({
          code: 'custom',
          message: `${show(raw)} is not an integer between ${min} and ${max}${empty}`,
        });
        return z.NEVER;
      }
      return value;
    });
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const PLANS = ['public', 'demo', 'pro'] as const;

export const COINGECKO_HOSTS: Record<CoinGeckoPlan, string> = {
  public: 'https://api.coingecko.com/api/v3',
  demo: 'https://api.coingecko.com/api/v3',
  pro: 'https://pro-api.coingecko.com/api/v3',
};

export const COINGECKO_DEFAULT_RATE_LIMITS: Record<CoinGeckoPlan, number> = { public: 5, demo: 30, pro: 500 };

function jobShape(definition: JobDefinition): Record<string, z.ZodType<unknown, string | undefined>> {
  const prefix = definition.envPrefix;
  const shape: Record<string, z.ZodType<unknown, string | undefined>> = {
    [`${prefix}_ENABLED`]: boolean(true),
    [`${prefix}_SCHEDULE`]: cronExpression(definition.defaultSchedule),
    [`${prefix}_TIMEOUT_MS`]: milliseconds({ min: 1000, default: definition.defaultTimeoutMs }),
  };
  if (definition.limit) shape[`${prefix}_LIMIT`] = jobLimit(definition.limit);
  for (const [name, schema] of Object.entries(definition.settings)) shape[name] = schema;
  return shape;
}

const baseShape = {
  PORT: integer({ min: 0, max: 65535, default: 3001 }),
  HOST: text(),
  DATABASE_URL: httpUrl({ secretInUrl: true, protocols: ['postgres:', 'postgresql:'] }),
  DATA_DIR: text(),
  DB_MIGRATE: boolean(true),
  DB_POOL_MAX: integer({ min: 1, max: 100, default: 10 }),
  // Below 100 ms ordinary reads on a busy server would fail; a job needing longer asks for it (withStatementTimeout).
  DB_STATEMENT_TIMEOUT_MS: milliseconds({ min: 100, default: 30_000 }),

  COINGECKO_BASE_URL: httpUrl(),
  COINGECKO_API_KEY: text(),
  COINGECKO_API_PLAN: oneOf(PLANS, undefined),
  COINGECKO_RATE_LIMIT_PER_MINUTE: integer({ min: 1, max: 100_000, default: 0 }),
  COINGECKO_TIMEOUT_MS: milliseconds({ min: 100, default: 15_000 }),
  COINGECKO_MAX_RETRIES: integer({ min: 0, max: 20, default: 4 }),
  COINGECKO_RETRY_BASE_MS: milliseconds({ min: 0, default: 1000 }),
  COINGECKO_RETRY_MAX_MS: milliseconds({ min: 0, default: 60_000 }),
  COINGECKO_MONTHLY_CALL_BUDGET: integer({ min: 1, default: 0 }),

  API_TOKENS: apiTokens(),
  AUTH_JWKS_URL: httpUrl(),
  AUTH_ISSUER: text(),
  AUTH_AUDIENCE: commaList(),
  AUTH_ADMIN_ROLE: text(),
  TRIGGER_RATE_LIMIT_PER_MINUTE: integer({ min: 1, max: 100_000, default: 10 }),

  JOB_MAX_ATTEMPTS: integer({ min: 1, max: 20, default: 3 }),
  JOB_RETRY_BASE_MS: milliseconds({ min: 0, default: 1000 }),
  JOB_RETRY_MAX_MS: milliseconds({ min: 0, default: 60_000 }),
  JOB_HEARTBEAT_MS: milliseconds({ min: 100, default: 10_000 }),
  JOB_STALE_AFTER_MS: milliseconds({ min: 1000, default: 60_000 }),
  JOBS_CATCH_UP: boolean(true),
  SHUTDOWN_TIMEOUT_MS: milliseconds({ min: 0, default: 30_000 }),
  JOBS_MAX_CONCURRENT: integer({ min: 1, max: 1000, default: 0 }),
  JOB_QUEUE_TIMEOUT_MS: milliseconds({ min: 1000, default: 900_000 }),

  // Slack-style webhook URLs carry their secret in the path: never echo the value.
  ALERT_WEBHOOK_URL: httpUrl({ secretInUrl: true }),
  ALERT_AFTER_FAILURES: integer({ min: 1, max: 1000, default: 3 }),
  ALERT_BASE_URL: httpUrl(),
  ALERT_TIMEOUT_MS: milliseconds({ min: 100, default: 5000 }),

  LOG_LEVEL: oneOf(LOG_LEVELS, 'info'),
  LOG_FORMAT: oneOf(['json', 'pretty'] as const, 'json'),
  METRICS_TOKEN: text(),
  ...providerShape,
  ...qualityShape,
};

/** Every variable the service reads with these jobs registered (the docs test holds the docs to it). */
export function envVariables(definitions: readonly JobDefinition[]): string[] {
  return [
    ...Object.keys(baseShape),
    ...definitions.flatMap((definition) => Object.keys(jobShape(definition))),
  ];
}

const serviceSchema = z.object(baseShape).superRefine((env, ctx) => {
  checkProviderEnv(env, ctx);
  if (env.COINGECKO_API_PLAN && env.COINGECKO_API_PLAN !== 'public' && !env.COINGECKO_API_KEY) {
    ctx.addIssue({
      code: 'custom',
      path: ['COINGECKO_API_PLAN'],
      message: `"${env.COINGECKO_API_PLAN}" needs COINGECKO_API_KEY to be set (or use the public plan)`,
    });
  }
  if (env.JOB_RETRY_MAX_MS < env.JOB_RETRY_BASE_MS) {
    ctx.addIssue({
      code: 'custom',
      path: ['JOB_RETRY_MAX_MS'],
      message: `${env.JOB_RETRY_MAX_MS} is smaller than JOB_RETRY_BASE_MS (${env.JOB_RETRY_BASE_MS})`,
    });
  }
  if (env.COINGECKO_RETRY_MAX_MS < env.COINGECKO_RETRY_BASE_MS) {
    ctx.addIssue({
      code: 'custom',
      path: ['COINGECKO_RETRY_MAX_MS'],
      message: `${env.COINGECKO_RETRY_MAX_MS} is smaller than COINGECKO_RETRY_BASE_MS (${env.COINGECKO_RETRY_BASE_MS})`,
    });
  }
  // A run is declared dead after missing a few heartbeats, not after one that came a little late.
  if (env.JOB_STALE_AFTER_MS < 2 * env.JOB_HEARTBEAT_MS) {
    ctx.addIssue({
      code: 'custom',
      path: ['JOB_STALE_AFTER_MS'],
      message: `${env.JOB_STALE_AFTER_MS} must be at least twice JOB_HEARTBEAT_MS (${env.JOB_HEARTBEAT_MS}), or live runs would be declared dead`,
    });
  }
});

type ParsedEnv = z.output<typeof serviceSchema>;

/** Thrown when the environment does not describe a runnable service; one line per bad variable. */
export class ConfigValidationError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  ${problem}`).join('\n')}`);
    this.name = 'ConfigValidationError';
  }
}

/**
 * Parses the service's variables and those of every job in `definitions` (the registered job modules',
 * see `definitionsOf`); all problems are reported together.
 */
export function parseEnv(
  env: Readonly<Record<string, string | undefined>>,
  definitions: readonly JobDefinition[] = [],
): AppConfig {
  const service = serviceSchema.safeParse(env);
  const jobs = definitions.map((definition) => ({
    definition,
    parsed: z.object(jobShape(definition)).safeParse(env),
  }));
  const issues = [
    ...(service.success ? [] : service.error.issues),
    ...jobs.flatMap(({ parsed }) => (parsed.success ? [] : parsed.error.issues)),
  ];
  if (!service.success || issues.length > 0) {
    const problems = issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigValidationError([...new Set(problems)]);
  }
  const byKey: Record<string, JobSettings> = {};
  for (const { definition, parsed } of jobs) {
    if (parsed.success) byKey[definition.key] = toJobSettings(definition, parsed.data);
  }
  return toAppConfig(service.data, byKey);
}

function toJobSettings(definition: JobDefinition, values: Record<string, unknown>): JobSettings {
  const prefix = definition.envPrefix;
  const settings: Record<string, unknown> = {};
  for (const name of Object.keys(definition.settings)) settings[name] = values[name];
  return {
    enabled: values[`${prefix}_ENABLED`] as boolean,
    schedule: values[`${prefix}_SCHEDULE`] as string,
    limit: definition.limit ? (values[`${prefix}_LIMIT`] as number | null) : null,
    timeoutMs: values[`${prefix}_TIMEOUT_MS`] as number,
    settings,
  };
}

function toAppConfig(env: ParsedEnv, jobs: Record<string, JobSettings>): AppConfig {
  const plan: CoinGeckoPlan = env.COINGECKO_API_PLAN ?? (env.COINGECKO_API_KEY ? 'demo' : 'public');
  return {
    port: env.PORT,
    host: env.HOST ?? '0.0.0.0',
    database: {
      url: env.DATABASE_URL,
      dataDir: env.DATA_DIR ?? './.data',
      migrate: env.DB_MIGRATE,
      poolMax: env.DB_POOL_MAX,
      statementTimeoutMs: env.DB_STATEMENT_TIMEOUT_MS,
    },
    coingecko: {
      plan,
      baseUrl: env.COINGECKO_BASE_URL ?? COINGECKO_HOSTS[plan],
      apiKey: env.COINGECKO_API_KEY,
      rateLimitPerMinute: env.COINGECKO_RATE_LIMIT_PER_MINUTE || COINGECKO_DEFAULT_RATE_LIMITS[plan],
      timeoutMs: env.COINGECKO_TIMEOUT_MS,
      maxRetries: env.COINGECKO_MAX_RETRIES,
      retryBaseMs: env.COINGECKO_RETRY_BASE_MS,
      retryMaxMs: env.COINGECKO_RETRY_MAX_MS,
      monthlyCallBudget: env.COINGECKO_MONTHLY_CALL_BUDGET || null,
    },
    ...toProviderConfig(env),
    ...toQualityConfig(env),
    auth: {
      apiTokens: env.API_TOKENS,
      jwksUrl: env.AUTH_JWKS_URL,
      issuer: env.AUTH_ISSUER,
      audience: env.AUTH_AUDIENCE,
      adminRole: env.AUTH_ADMIN_ROLE ?? 'admin',
      triggerRateLimitPerMinute: env.TRIGGER_RATE_LIMIT_PER_MINUTE,
    },
    jobs: {
      maxAttempts: env.JOB_MAX_ATTEMPTS,
      retryBaseMs: env.JOB_RETRY_BASE_MS,
      retryMaxMs: env.JOB_RETRY_MAX_MS,
      heartbeatMs: env.JOB_HEARTBEAT_MS,
      staleAfterMs: env.JOB_STALE_AFTER_MS,
      catchUp: env.JOBS_CATCH_UP,
      shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
      maxConcurrent: env.JOBS_MAX_CONCURRENT || null,
      queueTimeoutMs: env.JOB_QUEUE_TIMEOUT_MS,
      byKey: jobs,
    },
    alerts: {
      webhookUrl: env.ALERT_WEBHOOK_URL,
      afterFailures: env.ALERT_AFTER_FAILURES,
      baseUrl: env.ALERT_BASE_URL,
      timeoutMs: env.ALERT_TIMEOUT_MS,
    },
    log: { level: env.LOG_LEVEL ?? 'info', format: env.LOG_FORMAT ?? 'json' },
    metrics: { token: env.METRICS_TOKEN },
  };
}

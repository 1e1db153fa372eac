import { validateCronExpression } from 'cron';
import { z } from 'zod';
import { JOB_DEFINITIONS } from '../collectors/job-definitions.js';
import { DEFAULT_JOB_TIMEOUT_MS, type JobDefinition } from '../jobs/job-definition.js';
import type { AppConfig, CoinGeckoPlan, JobSettings } from './app-config.js';

/*
 * Every environment variable the service reads, parsed by one zod schema into a typed AppConfig.
 * Each variable parses from `string | undefined`; an empty string counts as "not set" so that a
 * `.env` line like `COINGECKO_API_KEY=` does not switch anything on. Messages name the value so an
 * operator can see what was wrong — except for secrets, whose values never leave this file.
 */

type Raw = string | undefined;

const show = (raw: string): string => JSON.stringify(raw);
const isUnset = (raw: Raw): raw is undefined => raw === undefined || raw.trim() === '';

function integer(options: { min: number; max?: number; default: number }) {
  const max = options.max ?? Number.MAX_SAFE_INTEGER;
  const range = options.max === undefined ? `>= ${options.min}` : `between ${options.min} and ${max}`;
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (isUnset(raw)) return options.default;
      const text = raw.trim();
      const value = /^-?\d+$/.test(text) ? Number(text) : Number.NaN;
      if (!Number.isSafeInteger(value) || value < options.min || value > max) {
        ctx.addIssue({ code: 'custom', message: `${show(raw)} is not an integer ${range}` });
        return z.NEVER;
      }
      return value;
    });
}

function boolean(defaultValue: boolean) {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (isUnset(raw)) return defaultValue;
      const text = raw.trim().toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(text)) return true;
      if (['false', '0', 'no', 'off'].includes(text)) return false;
      ctx.addIssue({ code: 'custom', message: `${show(raw)} is not a boolean (use true or false)` });
      return z.NEVER;
    });
}

function oneOf<const T extends readonly string[]>(values: T, defaultValue: T[number] | undefined) {
  return z
    .string()
    .optional()
    .transform((raw, ctx): T[number] | undefined => {
      if (isUnset(raw)) return defaultValue;
      const text = raw.trim().toLowerCase();
      if (values.includes(text)) return text;
      ctx.addIssue({ code: 'custom', message: `${show(raw)} is not one of ${values.join(', ')}` });
      return z.NEVER;
    });
}

function httpUrl(options: { secretInUrl?: boolean; protocols?: readonly string[] } = {}) {
  const protocols = options.protocols ?? ['http:', 'https:'];
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (isUnset(raw)) return undefined;
      const text = raw.trim();
      let url: URL | undefined;
      try {
        url = new URL(text);
      } catch {
        url = undefined;
      }
      if (!url || !protocols.includes(url.protocol)) {
        // A database URL carries a password: describe the problem without echoing it.
        const shown = options.secretInUrl ? 'the value' : show(raw);
        ctx.addIssue({
          code: 'custom',
          message: `${shown} is not a valid URL (expected ${protocols.map((p) => p.replace(':', '://')).join(' or ')}…)`,
        });
        return z.NEVER;
      }
      return text.replace(/\/+$/, '');
    });
}

function text() {
  return z
    .string()
    .optional()
    .transform((raw) => (isUnset(raw) ? undefined : raw.trim()));
}

function cronExpression(defaultValue: string) {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (isUnset(raw)) return defaultValue;
      const expression = raw.trim().replace(/\s+/g, ' ');
      // The same library that runs @Cron validates here, so what passes start-up also schedules.
      if (expression.split(' ').length !== 6 || !validateCronExpression(expression).valid) {
        ctx.addIssue({ code: 'custom', message: `${show(raw)} is not a valid 6-field cron expression` });
        return z.NEVER;
      }
      return expression;
    });
}

function jobLimit(definition: JobDefinition) {
  const { min, max, nullable } = definition.limit;
  return z
    .string()
    .optional()
    .transform((raw, ctx): number | null => {
      if (raw === undefined || raw.trim() === '' || (nullable && raw.trim().toLowerCase() === 'all')) {
        return isUnset(raw) ? definition.defaultLimit : null;
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

const MIN_TOKEN_LENGTH = 16;
/** Node timers take at most 2^31 - 1 ms (~24.8 days); a larger value would fire after 1 ms. */
const MAX_TIMER_MS = 2_147_483_647;

function milliseconds(options: { min: number; default: number }) {
  return integer({ ...options, max: MAX_TIMER_MS });
}

function apiTokens() {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (isUnset(raw)) return [];
      const tokens = raw
        .split(',')
        .map((token) => token.trim())
        .filter((token) => token.length > 0);
      const short = tokens.filter((token) => token.length < MIN_TOKEN_LENGTH).length;
      if (short > 0) {
        // Never echo a token, not even a bad one: say which position is wrong instead.
        const positions = tokens
          .map((token, index) => (token.length < MIN_TOKEN_LENGTH ? index + 1 : 0))
          .filter((position) => position > 0);
        ctx.addIssue({
          code: 'custom',
          message: `token${positions.length > 1 ? 's' : ''} #${positions.join(', #')} ${positions.length > 1 ? 'are' : 'is'} shorter than ${MIN_TOKEN_LENGTH} characters; use long random tokens (e.g. \`openssl rand -hex 32\`)`,
        });
        return z.NEVER;
      }
      return tokens;
    });
}

function commaList() {
  return z
    .string()
    .optional()
    .transform((raw) =>
      isUnset(raw)
        ? []
        : raw
            .split(',')
            .map((item) => item.trim())
            .filter((item) => item.length > 0),
    );
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const PLANS = ['public', 'demo', 'pro'] as const;

export const COINGECKO_HOSTS: Record<CoinGeckoPlan, string> = {
  public: 'https://api.coingecko.com/api/v3',
  demo: 'https://api.coingecko.com/api/v3',
  pro: 'https://pro-api.coingecko.com/api/v3',
};

export const COINGECKO_DEFAULT_RATE_LIMITS: Record<CoinGeckoPlan, number> = { public: 5, demo: 30, pro: 500 };

function jobShape(definition: JobDefinition) {
  const prefix = definition.envPrefix;
  return {
    [`${prefix}_ENABLED`]: boolean(true),
    [`${prefix}_SCHEDULE`]: cronExpression(definition.defaultSchedule),
    [`${prefix}_LIMIT`]: jobLimit(definition),
    [`${prefix}_TIMEOUT_MS`]: milliseconds({ min: 1000, default: DEFAULT_JOB_TIMEOUT_MS }),
  };
}

const baseShape = {
  PORT: integer({ min: 0, max: 65535, default: 3001 }),
  HOST: text(),
  DATABASE_URL: httpUrl({ secretInUrl: true, protocols: ['postgres:', 'postgresql:'] }),
  DATA_DIR: text(),
  DB_MIGRATE: boolean(true),
  DB_POOL_MAX: integer({ min: 1, max: 100, default: 10 }),

  COINGECKO_BASE_URL: httpUrl(),
  COINGECKO_API_KEY: text(),
  COINGECKO_API_PLAN: oneOf(PLANS, undefined),
  COINGECKO_RATE_LIMIT_PER_MINUTE: integer({ min: 1, max: 100_000, default: 0 }),
  COINGECKO_TIMEOUT_MS: milliseconds({ min: 100, default: 15_000 }),
  COINGECKO_MAX_RETRIES: integer({ min: 0, max: 20, default: 4 }),
  COINGECKO_RETRY_BASE_MS: milliseconds({ min: 0, default: 1000 }),
  COINGECKO_RETRY_MAX_MS: milliseconds({ min: 0, default: 60_000 }),

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
  CONTRACT_ADDRESSES_DECIMALS_PER_RUN: integer({ min: 0, max: 10_000, default: 50 }),

  ALERT_WEBHOOK_URL: httpUrl(),
  ALERT_AFTER_FAILURES: integer({ min: 1, max: 1000, default: 3 }),

  LOG_LEVEL: oneOf(LOG_LEVELS, 'info'),
  LOG_FORMAT: oneOf(['json', 'pretty'] as const, 'json'),
  METRICS_TOKEN: text(),
};

const jobsShape = Object.assign({}, ...JOB_DEFINITIONS.map(jobShape)) as Record<
  string,
  | ReturnType<typeof boolean>
  | ReturnType<typeof cronExpression>
  | ReturnType<typeof jobLimit>
  | ReturnType<typeof integer>
>;

/** Every variable the service reads (README and `.env.example` document each one; a test holds them to it). */
export const ENV_VARIABLES: readonly string[] = Object.keys({ ...baseShape, ...jobsShape });

const envSchema = z.object({ ...baseShape, ...jobsShape }).superRefine((env, ctx) => {
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

type ParsedEnv = z.output<typeof envSchema>;

/** Thrown when the environment does not describe a runnable service; one line per bad variable. */
export class ConfigValidationError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  ${problem}`).join('\n')}`);
    this.name = 'ConfigValidationError';
  }
}

export function parseEnv(env: Readonly<Record<string, string | undefined>>): AppConfig {
  const result = envSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigValidationError([...new Set(problems)]);
  }
  return toAppConfig(result.data);
}

function toAppConfig(env: ParsedEnv): AppConfig {
  const plan: CoinGeckoPlan = env.COINGECKO_API_PLAN ?? (env.COINGECKO_API_KEY ? 'demo' : 'public');
  const jobs: Record<string, JobSettings> = {};
  const jobEnv = env as unknown as Record<string, unknown>;
  for (const definition of JOB_DEFINITIONS) {
    const prefix = definition.envPrefix;
    jobs[definition.key] = {
      enabled: jobEnv[`${prefix}_ENABLED`] as boolean,
      schedule: jobEnv[`${prefix}_SCHEDULE`] as string,
      limit: jobEnv[`${prefix}_LIMIT`] as number | null,
      timeoutMs: jobEnv[`${prefix}_TIMEOUT_MS`] as number,
    };
  }
  return {
    port: env.PORT,
    host: env.HOST ?? '0.0.0.0',
    database: {
      url: env.DATABASE_URL,
      dataDir: env.DATA_DIR ?? './.data',
      migrate: env.DB_MIGRATE,
      poolMax: env.DB_POOL_MAX,
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
    },
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
      contractDecimalsPerRun: env.CONTRACT_ADDRESSES_DECIMALS_PER_RUN,
      byKey: jobs,
    },
    alerts: { webhookUrl: env.ALERT_WEBHOOK_URL, afterFailures: env.ALERT_AFTER_FAILURES },
    log: { level: env.LOG_LEVEL ?? 'info', format: env.LOG_FORMAT ?? 'json' },
    metrics: { token: env.METRICS_TOKEN },
  };
}

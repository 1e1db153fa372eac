/** The typed configuration the service runs with, produced once from the environment by `parseEnv`. */
import type { ProviderName } from '../providers/provider-name.js';

export type CoinGeckoPlan = 'public' | 'demo' | 'pro';
export type CoinPaprikaPlan = 'free' | 'starter' | 'pro' | 'business';

export interface JobSettings {
  enabled: boolean;
  /** 6-field cron expression, evaluated in UTC. */
  schedule: string;
  /** `null` = all (only for jobs whose limit is nullable). */
  limit: number | null;
  timeoutMs: number;
  /** The job's own variables (its definition's `settings`), by full variable name. */
  settings?: Readonly<Record<string, unknown>>;
}

export interface AppConfig {
  port: number;
  host: string;
  database: {
    /** Unset = embedded PGlite under `dataDir`. */
    url: string | undefined;
    dataDir: string;
    migrate: boolean;
    poolMax: number;
    /** `DB_STATEMENT_TIMEOUT_MS`: the longest a statement may run (or wait for a lock) before it is cancelled. */
    statementTimeoutMs: number;
  };
  coingecko: {
    plan: CoinGeckoPlan;
    baseUrl: string;
    apiKey: string | undefined;
    rateLimitPerMinute: number;
    timeoutMs: number;
    maxRetries: number;
    retryBaseMs: number;
    retryMaxMs: number;
    /** Calls allowed per UTC month (`COINGECKO_MONTHLY_CALL_BUDGET`); null = no cap. */
    monthlyCallBudget: number | null;
  };
  /** `PRICE_PROVIDERS`: the order of preference for prices, rankings and reads (docs/providers.md). */
  providers: { order: ProviderName[] };
  /**
   * The price quality flags (docs/providers.md): `PRICE_SPIKE_FACTOR`, `PRICE_FREEZE_HOURS`,
   * `PRICE_DIVERGENCE_PERCENT`.
   */
  quality: { spikeFactor: number; freezeHours: number; divergencePercent: number };
  coinpaprika: {
    plan: CoinPaprikaPlan;
    baseUrl: string;
    apiKey: string | undefined;
    rateLimitPerMinute: number;
    /** Calls allowed per UTC month: `COINPAPRIKA_MONTHLY_CALL_BUDGET`, else the plan's monthly calls. */
    monthlyCallBudget: number;
    timeoutMs: number;
    maxRetries: number;
    retryBaseMs: number;
    retryMaxMs: number;
  };
  auth: {
    apiTokens: string[];
    jwksUrl: string | undefined;
    issuer: string | undefined;
    audience: string[];
    adminRole: string;
    triggerRateLimitPerMinute: number;
  };
  jobs: {
    maxAttempts: number;
    retryBaseMs: number;
    retryMaxMs: number;
    heartbeatMs: number;
    staleAfterMs: number;
    catchUp: boolean;
    shutdownTimeoutMs: number;
    /** Runs executing at once across the cluster (`JOBS_MAX_CONCURRENT`); null = no cap. */
    maxConcurrent: number | null;
    queueTimeoutMs: number;
    byKey: Record<string, JobSettings>;
  };
  alerts: {
    webhookUrl: string | undefined;
    afterFailures: number;
    /** Where the dashboard is reached (`<base>/dashboard#/runs/<id>` in alert links); unset = no link. */
    baseUrl: string | undefined;
    timeoutMs: number;
  };
  log: {
    level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
    format: 'json' | 'pretty';
  };
  metrics: { token: string | undefined };
}

/** The typed configuration the service runs with, produced once from the environment by `parseEnv`. */
export type CoinGeckoPlan = 'public' | 'demo' | 'pro';

export interface JobSettings {
  enabled: boolean;
  /** 6-field cron expression, evaluated in UTC. */
  schedule: string;
  /** `null` = all (only for jobs whose limit is nullable). */
  limit: number | null;
  timeoutMs: number;
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
    contractDecimalsPerRun: number;
    byKey: Record<string, JobSettings>;
  };
  alerts: { webhookUrl: string | undefined; afterFailures: number };
  log: {
    level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
    format: 'json' | 'pretty';
  };
  metrics: { token: string | undefined };
}

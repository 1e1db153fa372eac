import { type LoggerService } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { CoinGeckoClient } from '../../src/coingecko/coingecko.client.js';
import { CoinGeckoModule } from '../../src/coingecko/coingecko.module.js';
import { AppConfigModule } from '../../src/config/config.module.js';
import type { Environment } from '../../src/config/environment.js';
import { RateLimitRepository } from '../../src/coingecko/limiter/rate-limit.repository.js';
import { MemorySlotStore } from '../../src/coingecko/limiter/memory-slot-store.js';

/**
 * Retries that take milliseconds and a rate limit that never binds, so a spec waits only where it means
 * to; a spec overrides any of these.
 */
export const FAST_ENV: Environment = {
  LOG_LEVEL: 'silent',
  COINGECKO_RETRY_BASE_MS: '1',
  COINGECKO_RETRY_MAX_MS: '20',
  COINGECKO_RATE_LIMIT_PER_MINUTE: '100000',
  COINGECKO_TIMEOUT_MS: '2000',
};

export interface ClientUnderTest {
  client: CoinGeckoClient;
  close(): Promise<void>;
}

/**
 * A CoinGeckoClient built the way the service builds it (config + CoinGeckoModule), without the app and
 * without a database: the limit's window lives in this process (`MemorySlotStore`, the same algorithm as
 * the SQL; test/coingecko/shared-rate-limit.e2e-spec.ts covers the database).
 */
export async function createClient(env: Environment, logger?: LoggerService): Promise<ClientUnderTest> {
  const builder = Test.createTestingModule({
    imports: [AppConfigModule.forRoot({ ...FAST_ENV, ...env }), CoinGeckoModule],
  })
    .overrideProvider(RateLimitRepository)
    .useValue(new MemorySlotStore());
  if (logger) builder.setLogger(logger);
  const moduleRef = await builder.compile();
  await moduleRef.init();
  return { client: moduleRef.get(CoinGeckoClient), close: () => moduleRef.close() };
}

/** Records every log call, to check what is (and is never) logged. */
export class CapturingLogger implements LoggerService {
  readonly lines: { level: string; args: unknown[] }[] = [];
  log(...args: unknown[]): void {
    this.lines.push({ level: 'log', args });
  }
  warn(...args: unknown[]): void {
    this.lines.push({ level: 'warn', args });
  }
  error(...args: unknown[]): void {
    this.lines.push({ level: 'error', args });
  }
  debug(...args: unknown[]): void {
    this.lines.push({ level: 'debug', args });
  }
  verbose(...args: unknown[]): void {
    this.lines.push({ level: 'verbose', args });
  }
  text(): string {
    return JSON.stringify(this.lines);
  }
  /** `delayMs` of each "retry in N ms" warning, in order. */
  retryDelays(): number[] {
    return this.lines.flatMap(({ level, args }) => {
      const fields = args[0];
      return level === 'warn' && typeof fields === 'object' && fields !== null && 'delayMs' in fields
        ? [Number(fields.delayMs)]
        : [];
    });
  }
}

import { Injectable, type LoggerService } from '@nestjs/common';
import { Logger } from 'nestjs-pino';

/** Nest's own start-up chatter (one line per module and route, some naming prefixes that do not apply). */
const FRAMEWORK_CONTEXTS = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestApplication',
]);
const MAPPED_ROUTE = /^Mapped \{(.+), (\w+)\} route$/;

/**
 * The application logger (nestjs-pino's) with Nest's module and route lines moved to debug; the routes
 * they name are kept for the one start-up summary line (`routes()`).
 */
@Injectable()
export class AppLogger implements LoggerService {
  private readonly mapped: string[] = [];

  constructor(private readonly logger: Logger) {}

  /** `GET /api/v1/jobs`, … in the order Nest mapped them. */
  routes(): readonly string[] {
    return this.mapped;
  }

  log(message: unknown, ...params: unknown[]): void {
    const context = params.at(-1);
    if (typeof context === 'string' && FRAMEWORK_CONTEXTS.has(context)) {
      const route = typeof message === 'string' ? MAPPED_ROUTE.exec(message) : null;
      if (route) this.mapped.push(`${route[2]} ${route[1]}`);
      this.logger.debug(message, ...params);
      return;
    }
    this.logger.log(message, ...params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.logger.error(message, ...params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.logger.warn(message, ...params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.logger.debug(message, ...params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.logger.verbose(message, ...params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.logger.fatal(message, ...params);
  }
}

import { Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { JOB_DEFINITIONS, type JobDefinition } from '../jobs/job-definition.js';
import type { AppConfig } from './app-config.js';
import { readEnvironment, type Environment } from './environment.js';
import { parseEnv } from './env.schema.js';

/** The whole parsed AppConfig, for the few places that need all of it at once (e.g. secret redaction). */
export const APP_CONFIG = Symbol('APP_CONFIG');

/**
 * Parses the environment once and exposes it through Nest's `ConfigService<AppConfig, true>`.
 * Tests pass their own variables instead of the process environment.
 */
@Module({})
export class AppConfigModule {
  /** `definitions`: the registered jobs, whose variables are validated with the service's own. */
  static forRoot(
    env: Environment = readEnvironment(),
    definitions: readonly JobDefinition[] = [],
  ): DynamicModule {
    const config: AppConfig = parseEnv(env, definitions);
    return {
      module: AppConfigModule,
      global: true,
      imports: [
        ConfigModule.forRoot({
          ignoreEnvFile: true,
          skipProcessEnv: true,
          isGlobal: true,
          load: [() => ({ ...config })],
        }),
      ],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: JOB_DEFINITIONS, useValue: definitions },
      ],
      exports: [ConfigModule, APP_CONFIG, JOB_DEFINITIONS],
    };
  }
}

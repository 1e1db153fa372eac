import { Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
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
  static forRoot(env: Environment = readEnvironment()): DynamicModule {
    const config: AppConfig = parseEnv(env);
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
      providers: [{ provide: APP_CONFIG, useValue: config }],
      exports: [ConfigModule, APP_CONFIG],
    };
  }
}

import type { ConfigService } from '@nestjs/config';
import type { AppConfig } from './app-config.js';

/** `ConfigService` typed against AppConfig: `config.get('jobs', { infer: true })` is fully typed. */
export type AppConfigService = ConfigService<AppConfig, true>;

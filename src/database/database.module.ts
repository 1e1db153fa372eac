import { MikroOrmModule } from '@mikro-orm/nestjs';
import { MikroORM, PostgreSqlDriver } from '@mikro-orm/postgresql';
import {
  Global,
  Inject,
  Logger,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ModuleRef } from '@nestjs/core';
import type { AppConfig } from '../config/app-config.js';
import type { AppConfigService } from '../config/config.types.js';
import { DATABASE_CONNECTION, type DatabaseConnection } from './database-connection.js';
import { EmbeddedPostgres } from './embedded-postgres.js';
import { MigrationsService } from './migrations.service.js';
import { buildOrmOptions } from './orm-options.js';
import { redactUrl } from './redact-url.js';

/** Embedded PGlite is one session behind a multiplexer: a small pool is all it can use. */
const EMBEDDED_POOL_MAX = 4;

/**
 * Resolves the database (the configured server, or an embedded PGlite started here) and owns its
 * lifetime: the ORM closes first, the embedded server after it, so no pooled connection loses its
 * server while still open.
 */
@Global()
@Module({})
class DatabaseConnectionModule implements OnApplicationShutdown {
  private readonly logger = new Logger('Database');

  constructor(
    @Inject(DATABASE_CONNECTION) private readonly connection: DatabaseConnection,
    private readonly moduleRef: ModuleRef,
  ) {}

  static register(): DynamicModule {
    return {
      module: DatabaseConnectionModule,
      providers: [
        {
          provide: DATABASE_CONNECTION,
          inject: [ConfigService],
          useFactory: async (config: AppConfigService): Promise<DatabaseConnection> => {
            const logger = new Logger('Database');
            const { url, dataDir } = config.get('database', { infer: true });
            if (url) {
              logger.log({ database: redactUrl(url) }, `Using PostgreSQL at ${redactUrl(url)}`);
              return { kind: 'external', url };
            }
            const embedded = await EmbeddedPostgres.start({ dataDir });
            logger.log(
              { database: embedded.url, dataDir: embedded.dataDir },
              `DATABASE_URL is not set: using embedded PostgreSQL (PGlite) in ${embedded.dataDir}, serving ${embedded.url}`,
            );
            return { kind: 'embedded', url: embedded.url, embedded };
          },
        },
      ],
      exports: [DATABASE_CONNECTION],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    const embedded = this.connection.embedded;
    if (!embedded) return;
    const orm = this.moduleRef.get(MikroORM, { strict: false });
    await orm.close();
    await embedded.stop();
    this.logger.log('Embedded PostgreSQL stopped');
  }
}

@Module({})
export class DatabaseModule implements OnModuleInit {
  constructor(
    private readonly migrations: MigrationsService,
    private readonly config: ConfigService<AppConfig, true>,
  ) {}

  static forRoot(): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      imports: [
        DatabaseConnectionModule.register(),
        MikroOrmModule.forRootAsync({
          driver: PostgreSqlDriver,
          inject: [DATABASE_CONNECTION, ConfigService],
          useFactory: (connection: DatabaseConnection, config: AppConfigService) =>
            buildOrmOptions({
              clientUrl: connection.url,
              statementTimeoutMs: config.get('database', { infer: true }).statementTimeoutMs,
              // One line with the reason: the error references pg's client, several KB when serialised.
              onPoolError: (error) =>
                new Logger('Database').warn(
                  { code: (error as { code?: unknown }).code },
                  `Lost an idle database connection: ${error.message}`,
                ),
              poolMax:
                connection.kind === 'embedded'
                  ? EMBEDDED_POOL_MAX
                  : config.get('database', { infer: true }).poolMax,
            }),
        }),
      ],
      providers: [MigrationsService],
      exports: [MigrationsService],
    };
  }

  async onModuleInit(): Promise<void> {
    if (this.config.get('database', { infer: true }).migrate) {
      await this.migrations.migrate();
    }
  }
}

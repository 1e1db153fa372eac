import { readEnvironment } from './src/config/environment.js';
import { parseEnv } from './src/config/env.schema.js';
import { EmbeddedPostgres } from './src/database/embedded-postgres.js';
import { buildOrmOptions } from './src/database/orm-options.js';

/**
 * Configuration for MikroORM's own CLI (`npx mikro-orm …`, e.g. `debug` or `schema:update --dump`).
 * The service and `npm run migration:*` build the same options from `buildOrmOptions`. Without
 * DATABASE_URL the CLI connects to the embedded database of a running service.
 */
const config = parseEnv(readEnvironment());
const url = config.database.url ?? EmbeddedPostgres.runningIn(config.database.dataDir)?.url;
if (!url) {
  throw new Error(
    'Set DATABASE_URL, or start the service (npm start) so the CLI can reach its embedded database',
  );
}

export default buildOrmOptions({ clientUrl: url, poolMax: 2 });

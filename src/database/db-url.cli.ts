import { readEnvironment } from '../config/environment.js';
import { EmbeddedPostgres } from './embedded-postgres.js';

/*
 * `npm run -s db:url`: prints the connection URL of the database the service uses, for psql and other
 * tools — DATABASE_URL when set, else the embedded server running in DATA_DIR (default ./.data; the demo's
 * is ./.data/demo). Exits 1 with a reason when no embedded server runs there, so that `psql "$(…)"` never
 * silently connects to whatever answers on port 5432.
 */
const env = readEnvironment();
const dataDir = env.DATA_DIR?.trim() || './.data';
if (env.DATABASE_URL?.trim()) {
  process.stdout.write(`${env.DATABASE_URL.trim()}\n`);
} else {
  const running = EmbeddedPostgres.runningIn(dataDir);
  if (running) {
    process.stdout.write(`${running.url}\n`);
  } else {
    process.stderr.write(
      `no embedded database is running in ${dataDir} (start the service or the demo first; the demo's is DATA_DIR=.data/demo)\n`,
    );
    process.exitCode = 1;
  }
}

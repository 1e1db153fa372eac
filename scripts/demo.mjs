// `npm run demo`: the service against a fake CoinGecko and a fake CoinPaprika on this machine — no network,
// no API key, no database server. Starts test/fakes/coingecko-fake.cli.ts (the recorded top 100 plus
// generated coins) and test/fakes/coinpaprika-fake.cli.ts (the same coins, copying the CoinGecko fake's
// prices), then the service (built when needed) pointed at both with PRICE_PROVIDERS=coingecko,coinpaprika,
// with its own embedded database in ./.data/demo. Ctrl-C stops all three.
//
// DEMO_COINGECKO_PORT (8787) and DEMO_COINPAPRIKA_PORT (8788) move the fakes; PORT, API_TOKENS, DATA_DIR,
// LOG_FORMAT, PRICE_PROVIDERS, COINGECKO_RATE_LIMIT_PER_MINUTE and COINPAPRIKA_RATE_LIMIT_PER_MINUTE are
// honoured when set. DATABASE_URL is ignored on purpose (the demo must not write fake prices into a real
// database); set DEMO_DATABASE_URL to use a server anyway.
import { spawn } from 'node:child_process';
import http from 'node:http';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = process.env;
const fakePort = Number(env.DEMO_COINGECKO_PORT || 8787);
const fakeUrl = `http://127.0.0.1:${fakePort}/api/v3`;
const paprikaPort = Number(env.DEMO_COINPAPRIKA_PORT || 8788);
const paprikaUrl = `http://127.0.0.1:${paprikaPort}/v1`;
const providers = env.PRICE_PROVIDERS || 'coingecko,coinpaprika';
const servicePort = env.PORT || '3001';
const token = env.API_TOKENS || 'demo-token-0123456789abcdef';

/** True when `url` answers 200 (the CoinGecko fake's /ping, the CoinPaprika fake's /coins). */
function ping(url) {
  return new Promise((resolve) => {
    const request = http.get(url, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.on('error', () => resolve(false));
    request.setTimeout(1000, () => request.destroy());
  });
}

const children = new Set();
let stopping = false;

function start(name, args, childEnv) {
  const child = spawn(process.execPath, args, { cwd: root, env: childEnv, stdio: 'inherit' });
  children.add(child);
  child.on('exit', (code, signal) => {
    children.delete(child);
    if (!stopping) {
      process.stderr.write(`demo: ${name} exited (${signal ?? code}); stopping\n`);
      stop(typeof code === 'number' && code !== 0 ? code : 1);
    } else if (children.size === 0) {
      process.exit(process.exitCode ?? 0);
    }
  });
  return child;
}

function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  process.exitCode = code;
  if (children.size === 0) process.exit(code);
  for (const child of children) child.kill('SIGTERM');
}

process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

start('fake CoinGecko', [
  '--import',
  '@swc-node/register/esm-register',
  'test/fakes/coingecko-fake.cli.ts',
  '--port',
  String(fakePort),
]);

start('fake CoinPaprika', [
  '--import',
  '@swc-node/register/esm-register',
  'test/fakes/coinpaprika-fake.cli.ts',
  '--port',
  String(paprikaPort),
  '--follow',
  fakeUrl,
]);

const deadline = Date.now() + 30_000;
for (const [name, url] of [
  ['CoinGecko', `${fakeUrl}/ping`],
  ['CoinPaprika', `${paprikaUrl}/coins`],
]) {
  while (!stopping && !(await ping(url))) {
    if (Date.now() > deadline) {
      process.stderr.write(`demo: the fake ${name} did not answer at ${url} within 30 s\n`);
      stop(1);
      break;
    }
    await sleep(200);
  }
}

if (!stopping) {
  start('service', ['scripts/run-built.mjs', 'dist/src/main.js'], {
    ...env,
    COINGECKO_BASE_URL: fakeUrl,
    // The fake plays the public host: no key is needed, and a real one is not sent to it.
    COINGECKO_API_PLAN: 'public',
    COINGECKO_API_KEY: '',
    COINGECKO_RATE_LIMIT_PER_MINUTE: env.COINGECKO_RATE_LIMIT_PER_MINUTE || '600',
    PRICE_PROVIDERS: providers,
    COINPAPRIKA_BASE_URL: paprikaUrl,
    // The free plan (no key; its history ranges), as the fake plays it by default.
    COINPAPRIKA_API_PLAN: 'free',
    COINPAPRIKA_API_KEY: '',
    COINPAPRIKA_RATE_LIMIT_PER_MINUTE: env.COINPAPRIKA_RATE_LIMIT_PER_MINUTE || '600',
    DATABASE_URL: env.DEMO_DATABASE_URL || '',
    DATA_DIR: env.DATA_DIR || './.data/demo',
    API_TOKENS: token,
    LOG_FORMAT: env.LOG_FORMAT || 'pretty',
    PORT: servicePort,
  });
  process.stdout.write(
    [
      '',
      `demo: fake CoinGecko at ${fakeUrl}, fake CoinPaprika at ${paprikaUrl}`,
      `demo: the service starts on http://localhost:${servicePort} (PRICE_PROVIDERS=${providers})`,
      `demo: API docs http://localhost:${servicePort}/docs — bearer token: ${token}`,
      `demo: e.g. curl -X POST -H 'Authorization: Bearer ${token}' -H 'Content-Type: application/json' \\`,
      `        -d '{"limit":300}' http://localhost:${servicePort}/api/v1/jobs/collect-top-coins`,
      'demo: Ctrl-C stops all three',
      '',
    ].join('\n'),
  );
}

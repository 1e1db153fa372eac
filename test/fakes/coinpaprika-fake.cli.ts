/**
 * The fake CoinPaprika as a process on a fixed port, for `npm run demo` and for trying the service offline:
 *
 *   node --import @swc-node/register/esm-register test/fakes/coinpaprika-fake.cli.ts [options]
 *
 *   --port 8788                 port on 127.0.0.1
 *   --coins 5000                coins: the recorded top 100 of 2025-04-14, then generated ones (as the
 *                               fake CoinGecko's CLI)
 *   --follow URL                copy the coins and prices of a fake CoinGecko at URL (…/api/v3) every
 *                               --follow-ms, so both fakes quote the same prices (the demo does this)
 *   --follow-ms MS              how often to copy (default 15000)
 *   --plan free|starter|pro|business   the plan whose history ranges apply (default free)
 *   --key KEY                   require `Authorization: Bearer KEY`
 *   --rpm N                     answer 429 with Retry-After beyond N requests a minute
 *   --latency MS                delay every answer
 *
 * Stops on Ctrl-C / SIGTERM.
 */
import { parseArgs } from 'node:util';
import { CoinGeckoFake, loadFixture, rawNumber, type FakeMarketCoin } from './coingecko-fake.js';
import { PAPRIKA_PLANS, type PaprikaPlan } from './coinpaprika-fake.history.js';
import { startCoinPaprikaFake } from './coinpaprika-fake.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8788' },
    coins: { type: 'string', default: '5000' },
    follow: { type: 'string' },
    'follow-ms': { type: 'string', default: '15000' },
    plan: { type: 'string', default: 'free' },
    key: { type: 'string' },
    rpm: { type: 'string' },
    latency: { type: 'string', default: '0' },
  },
});

function positiveInteger(name: string, text: string, min = 0): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min) {
    console.error(`--${name}: "${text}" is not an integer >= ${min}`);
    process.exit(2);
  }
  return value;
}

const plan = values.plan as PaprikaPlan;
if (!PAPRIKA_PLANS.includes(plan)) {
  console.error(`--plan: "${values.plan}" is not one of ${PAPRIKA_PLANS.join(', ')}`);
  process.exit(2);
}

const recorded = loadFixture<FakeMarketCoin[]>('coins-markets/markets_usd_top100_2025-04-14.json');
const total = Math.max(recorded.length, positiveInteger('coins', values.coins, 1));
const followMs = positiveInteger('follow-ms', values['follow-ms'], 100);

const fake = await startCoinPaprikaFake({
  port: positiveInteger('port', values.port),
  coins: [
    ...recorded,
    ...CoinGeckoFake.generateCoins(total - recorded.length, { firstRank: recorded.length + 1 }),
  ],
  plan,
  ...(values.key ? { apiKey: values.key } : {}),
  ...(values.rpm ? { rateLimit: { limit: positiveInteger('rpm', values.rpm, 1) } } : {}),
  latencyMs: positiveInteger('latency', values.latency),
});

interface ReviverContext {
  source?: string;
}

/** Every `/coins/markets` page of a CoinGecko (fake), numbers kept as written; undefined when it does not answer. */
async function marketsOf(url: string): Promise<FakeMarketCoin[] | undefined> {
  const coins: FakeMarketCoin[] = [];
  for (let page = 1; ; page++) {
    const response = await fetch(`${url}/coins/markets?vs_currency=usd&per_page=250&page=${page}`, {
      signal: AbortSignal.timeout(10_000),
    }).catch(() => undefined);
    if (!response?.ok) return undefined;
    const items = JSON.parse(
      await response.text(),
      (_key: string, value: unknown, context?: ReviverContext) =>
        typeof value === 'number' && context?.source !== undefined ? rawNumber(context.source) : value,
    ) as FakeMarketCoin[];
    coins.push(...items);
    if (items.length < 250) return coins;
  }
}

let copied = false;
async function follow(url: string): Promise<void> {
  const coins = await marketsOf(url);
  if (coins && coins.length > 0) {
    fake.setCoins(coins);
    if (!copied) console.log(`Fake CoinPaprika: following ${coins.length} coins of ${url}`);
    copied = true;
  }
}

const followUrl = values.follow?.replace(/\/+$/, '');
if (followUrl) await follow(followUrl);
const timer = followUrl ? setInterval(() => void follow(followUrl), followMs) : undefined;

console.log(
  `Fake CoinPaprika (${plan} plan, ${fake.coinsList().length} coins) listening: COINPAPRIKA_BASE_URL=${fake.url}`,
);

async function shutdown(signal: string): Promise<void> {
  if (timer) clearInterval(timer);
  await fake.close();
  console.log(`Fake CoinPaprika stopped (${signal})`);
  process.exit(0);
}
process.once('SIGINT', () => void shutdown('SIGINT'));
process.once('SIGTERM', () => void shutdown('SIGTERM'));

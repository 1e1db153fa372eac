/**
 * The fake CoinGecko as a process on a fixed port, for `npm run demo` and for trying the service offline:
 *
 *   node --import @swc-node/register/esm-register test/fakes/coingecko-fake.cli.ts [options]
 *
 *   --port 8787        port on 127.0.0.1
 *   --coins 5000       market coins: the recorded top 100 of 2025-04-14, then generated ones
 *   --key KEY          require this API key (x-cg-demo-api-key, or x-cg-pro-api-key with --plan pro)
 *   --plan public|pro  which CoinGecko host to play (default public: api.coingecko.com)
 *   --rpm N            answer 429 with retry-after beyond N requests a minute
 *   --latency MS       delay every answer
 *   --drift-ms MS      move prices a little every MS (default 60000; 0 = never)
 *
 * Coins the recorded coins list knows keep their real platforms and contract addresses; generated coins
 * get generated ones. Stops on Ctrl-C / SIGTERM.
 */
import { parseArgs } from 'node:util';
import {
  CoinGeckoFake,
  loadFixture,
  rawNumber,
  type FakeCoinListItem,
  type FakeMarketCoin,
} from './coingecko-fake.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8787' },
    coins: { type: 'string', default: '5000' },
    key: { type: 'string' },
    plan: { type: 'string', default: 'public' },
    rpm: { type: 'string' },
    latency: { type: 'string', default: '0' },
    'drift-ms': { type: 'string', default: '60000' },
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

if (values.plan !== 'public' && values.plan !== 'pro') {
  console.error(`--plan: "${values.plan}" is not public or pro`);
  process.exit(2);
}

const recorded = loadFixture<FakeMarketCoin[]>('coins-markets/markets_usd_top100_2025-04-14.json');
const total = Math.max(recorded.length, positiveInteger('coins', values.coins, 1));
const coins = [
  ...recorded,
  ...CoinGeckoFake.generateCoins(total - recorded.length, { firstRank: recorded.length + 1 }),
];

const fake = await CoinGeckoFake.start({
  port: positiveInteger('port', values.port),
  coins,
  server: values.plan,
  ...(values.key ? { requireKey: values.key } : {}),
  ...(values.rpm ? { rateLimit: { limit: positiveInteger('rpm', values.rpm, 1) } } : {}),
  latencyMs: positiveInteger('latency', values.latency),
});

const realList = new Map(
  loadFixture<FakeCoinListItem[]>('coins-list/coins-list_include-platform_2023-10.json').map((item) => [
    item.id,
    item,
  ]),
);
fake.setCoinsList(fake.coinsList().map((item) => realList.get(item.id) ?? item));

function numberOf(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'object' && value !== null && 'rawJSON' in value) return Number(value.rawJSON);
  return undefined;
}

const driftMs = positiveInteger('drift-ms', values['drift-ms']);
let tick = 0;
const drift =
  driftMs > 0
    ? setInterval(() => {
        tick++;
        // A deterministic wobble of at most ±1 %, different for every coin and every tick.
        fake.mapCoins((coin, index) => {
          const price = numberOf(coin.current_price);
          if (price === undefined) return coin;
          const next = price * (1 + 0.01 * Math.sin(tick * 1.7 + index));
          return {
            ...coin,
            current_price: rawNumber(String(Number(next.toPrecision(8)))),
            last_updated: new Date().toISOString(),
          };
        });
      }, driftMs)
    : undefined;

console.log(`Fake CoinGecko (${values.plan} host, ${total} coins) listening: COINGECKO_BASE_URL=${fake.url}`);

async function shutdown(signal: string): Promise<void> {
  if (drift) clearInterval(drift);
  await fake.stop();
  console.log(`Fake CoinGecko stopped (${signal})`);
  process.exit(0);
}
process.once('SIGINT', () => void shutdown('SIGINT'));
process.once('SIGTERM', () => void shutdown('SIGTERM'));

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CoinPaprikaCoin } from '../coinpaprika/coinpaprika.types.js';
import { matchCoins, type MatchableAsset } from './coin-matcher.js';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../../test/fixtures/providers/${name}`, import.meta.url), 'utf8'));

interface RawCoin {
  id: string;
  name: string;
  symbol: string;
  rank: number;
  is_new: boolean;
  is_active: boolean;
  type: string;
}

const coins = (fixture('coinpaprika-coins.json') as RawCoin[]).map((coin): CoinPaprikaCoin => ({
  id: coin.id,
  name: coin.name,
  symbol: coin.symbol,
  rank: coin.rank,
  isNew: coin.is_new,
  isActive: coin.is_active,
  type: coin.type,
}));
const assets = (
  fixture('coingecko-top500.json') as { coingecko_id: string; symbol: string; name: string; rank: number }[]
).map((coin): MatchableAsset => ({
  assetId: coin.coingecko_id,
  coingeckoId: coin.coingecko_id,
  symbol: coin.symbol.toUpperCase(),
  name: coin.name,
  rank: coin.rank,
}));
const answers = fixture('mapping-answers.json') as Record<string, string | null>;

const coin = (id: string, symbol: string, name: string, rank: number, isActive = true): CoinPaprikaCoin => ({
  id,
  symbol,
  name,
  rank,
  isNew: false,
  isActive,
  type: 'coin',
});
const asset = (coingeckoId: string, symbol: string, name: string, rank: number | null): MatchableAsset => ({
  assetId: coingeckoId,
  coingeckoId,
  symbol,
  name,
  rank,
});

describe('matchCoins on the top 500 fixture', () => {
  it('maps at least 97 % of the coins CoinPaprika lists and none wrongly', () => {
    const outcomes = matchCoins({ assets, coins });
    expect(assets).toHaveLength(500);
    const listed = assets.filter((item) => answers[item.coingeckoId] !== null);
    let right = 0;
    const wrong: string[] = [];
    const missed: string[] = [];
    const counts = { mapped: 0, ambiguous: 0, unmapped: 0, byRank: 0 };
    for (const item of assets) {
      const outcome = outcomes.get(item.assetId);
      if (!outcome) throw new Error(`no outcome for ${item.coingeckoId}`);
      counts[outcome.status] += 1;
      if (outcome.status === 'mapped' && outcome.reason.includes('rank')) counts.byRank += 1;
      const answer = answers[item.coingeckoId];
      if (outcome.status === 'mapped') {
        if (outcome.providerId === answer) right += 1;
        else wrong.push(`${item.coingeckoId} → ${outcome.providerId} (answer ${String(answer)})`);
      } else if (answer !== null) {
        missed.push(`${item.coingeckoId} ${outcome.status}: ${outcome.reason}`);
      }
    }
    const percent = (100 * right) / listed.length;
    // The figures go to the test output: the issue asks for them, not only for the pass.
    process.stdout.write(
      `matcher: ${assets.length} assets, ${listed.length} listed by CoinPaprika; mapped ${counts.mapped} ` +
        `(${right} right, ${wrong.length} wrong, ${counts.byRank} by the rank tiebreak), ambiguous ${counts.ambiguous}, unmapped ${counts.unmapped}; ` +
        `${percent.toFixed(1)} % of the listed coins mapped\n  missed: ${missed.join('\n          ')}\n`,
    );
    expect(wrong).toEqual([]);
    expect(percent).toBeGreaterThanOrEqual(97);
    // The fixture really has collisions: same-symbol coins, and same symbol AND name ones the rank decides.
    expect(counts.byRank).toBeGreaterThan(0);
  });
});

describe('matchCoins rules', () => {
  const only = (input: Parameters<typeof matchCoins>[0], id: string) => matchCoins(input).get(id);

  it('never matches an inactive coin', () => {
    const outcome = only(
      { assets: [asset('luna', 'LUNA', 'Terra', 5)], coins: [coin('luna-terra', 'LUNA', 'Terra', 0, false)] },
      'luna',
    );
    expect(outcome).toMatchObject({ status: 'unmapped', reason: 'no active coin with symbol LUNA' });
  });

  it('needs the name as well as the symbol, and lists the same-symbol coins when it finds none', () => {
    const outcome = only(
      {
        assets: [asset('pi-network', 'PI', 'Pi Network', 29)],
        coins: [coin('pi-plian', 'PI', 'Plian', 900)],
      },
      'pi-network',
    );
    expect(outcome).toMatchObject({
      status: 'unmapped',
      candidates: [{ provider_id: 'pi-plian', rank: 900 }],
    });
  });

  it('meets names across case, punctuation, diacritics, a trailing "Token"/"Coin" and rename notes', () => {
    const cases: [MatchableAsset, CoinPaprikaCoin][] = [
      [asset('binancecoin', 'BNB', 'BNB', 5), coin('bnb-binance-coin', 'BNB', 'BNB', 4)],
      [
        asset('curve-dao-token', 'CRV', 'Curve DAO', 94),
        coin('crv-curve-dao-token', 'CRV', 'Curve DAO Token', 90),
      ],
      [asset('gatechain-token', 'GT', 'Gate', 42), coin('gt-gatetoken', 'GT', 'GateToken', 44)],
      [asset('sonic-3', 'S', 'Sonic (prev. FTM)', 65), coin('ftm-fantom', 'S', 'Sonic', 60)],
      [asset('pokemon', 'PKM', 'Pokémon', 300), coin('pkm-pokemon', 'PKM', 'Pokemon', 310)],
      [asset('crypto-com-chain', 'CRO', 'Cronos', 48), coin('cro-cryptocom-chain', 'CRO', 'Cronos', 50)],
    ];
    for (const [item, paprika] of cases) {
      expect(only({ assets: [item], coins: [paprika] }, item.assetId), item.coingeckoId).toMatchObject({
        status: 'mapped',
        providerId: paprika.id,
      });
    }
    // "coin" inside a word is not the word "coin"; a bridged copy's parenthesis stays part of its name.
    expect(
      only(
        { assets: [asset('bitcoin', 'BTC', 'Bitcoin', 1)], coins: [coin('btc-bit', 'BTC', 'Bit', 1)] },
        'bitcoin',
      ),
    ).toMatchObject({ status: 'unmapped' });
    expect(
      only(
        {
          assets: [asset('tether', 'USDT', 'Tether', 3)],
          coins: [coin('usdt-tether-wormhole', 'USDT', 'Tether (Wormhole)', 3)],
        },
        'tether',
      ),
    ).toMatchObject({ status: 'unmapped' });
  });

  it('breaks a tie by rank only when exactly one namesake is ranked near the asset', () => {
    const coins = [coin('aion-aion', 'AION', 'Aion', 410), coin('aion-aion-2', 'AION', 'Aion', 3100)];
    expect(only({ assets: [asset('aion', 'AION', 'Aion', 400)], coins }, 'aion')).toMatchObject({
      status: 'mapped',
      providerId: 'aion-aion',
    });
    const close = [coin('aion-aion', 'AION', 'Aion', 410), coin('aion-aion-2', 'AION', 'Aion', 395)];
    expect(only({ assets: [asset('aion', 'AION', 'Aion', 400)], coins: close }, 'aion')).toMatchObject({
      status: 'ambiguous',
      candidates: [{ provider_id: 'aion-aion' }, { provider_id: 'aion-aion-2' }],
    });
    expect(only({ assets: [asset('aion', 'AION', 'Aion', null)], coins }, 'aion')).toMatchObject({
      status: 'ambiguous',
    });
  });

  it('refuses a lone namesake ranked far away', () => {
    const coins = [coin('noah-noahswap', 'NOAH', 'NoahSwap', 2410)];
    expect(only({ assets: [asset('noahswap', 'NOAH', 'NoahSwap', 499)], coins }, 'noahswap')).toMatchObject({
      status: 'ambiguous',
    });
  });

  it('never takes a reserved id; a coin two assets claim goes to the one ranked near it, or to neither', () => {
    const coins = [coin('weth-weth', 'WETH', 'WETH', 30)];
    const reserved = new Map([['weth-weth', 'admin-asset']]);
    expect(only({ assets: [asset('weth', 'WETH', 'WETH', 31)], coins, reserved }, 'weth')).toMatchObject({
      status: 'unmapped',
      reason: 'its match weth-weth is mapped to another asset',
    });
    const both = matchCoins({
      assets: [asset('weth', 'WETH', 'WETH', 31), asset('weth-2', 'WETH', 'WETH', 35)],
      coins,
    });
    expect([both.get('weth')?.status, both.get('weth-2')?.status]).toEqual(['ambiguous', 'ambiguous']);
    // One of them ranked near the coin, the other unranked: the ranked one keeps it.
    const ranked = matchCoins({
      assets: [asset('weth', 'WETH', 'WETH', 31), asset('weth-2', 'WETH', 'WETH', null)],
      coins,
    });
    expect([ranked.get('weth')?.status, ranked.get('weth-2')?.status]).toEqual(['mapped', 'ambiguous']);
  });
});

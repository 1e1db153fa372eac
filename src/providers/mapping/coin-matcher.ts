import type { CoinPaprikaCoin } from '../coinpaprika/coinpaprika.types.js';
import { coinGeckoKeys, coinPaprikaKeys, symbolKey } from './name-keys.js';

/** One of this service's assets (CoinGecko's view of a coin), as the matcher reads it. */
export interface MatchableAsset {
  assetId: string;
  coingeckoId: string;
  symbol: string;
  name: string;
  /** Its rank in the latest ranking snapshot; null when it is in none. */
  rank: number | null;
}

/** A coin the matcher considered and could not choose between (or could not take). */
export interface MatchCandidate {
  provider_id: string;
  name: string;
  symbol: string;
  /** The provider's rank; null when it ranks the coin 0 (unranked). */
  rank: number | null;
}

export type MatchOutcome =
  | { status: 'mapped'; providerId: string; reason: string }
  | { status: 'ambiguous'; reason: string; candidates: MatchCandidate[] }
  | { status: 'unmapped'; reason: string; candidates: MatchCandidate[] };

export interface MatchInput {
  assets: readonly MatchableAsset[];
  coins: readonly CoinPaprikaCoin[];
  /** Provider ids held by assets the matcher must not map (admin mappings): never given to another asset. */
  reserved?: ReadonlyMap<string, string>;
}

/**
 * How far two providers' ranks of one coin may plausibly differ: each counts supply and markets its own way,
 * so a coin ranked 300 by one may be 420 by the other, but not 3,000. Used only to break a tie between coins
 * that already agree on symbol and name.
 */
export function rankWindow(rank: number): number {
  return Math.max(25, Math.ceil(rank / 2));
}

function candidateOf(coin: CoinPaprikaCoin): MatchCandidate {
  return {
    provider_id: coin.id,
    name: coin.name,
    symbol: coin.symbol,
    rank: coin.rank > 0 ? coin.rank : null,
  };
}

/**
 * Matches each asset to at most one CoinPaprika coin (docs/providers.md, "Asset identity"):
 * 1. candidates are the ACTIVE coins of the same symbol; an inactive coin is never matched;
 * 2. of those, the coins whose name keys (name-keys.ts) meet the asset's are name matches;
 * 3. one name match is the answer, unless both are ranked and its rank is over four windows away (then it
 *    is a namesake: `ambiguous`; rank can refuse a match, never make one); several are broken by rank only when exactly one of them is ranked
 *    within rankWindow of the asset's rank; otherwise the asset is `ambiguous`, with the name matches;
 * 4. no name match: `unmapped` (same-symbol coins are listed as candidates for an admin to look at);
 * 5. a coin several assets resolve to goes to the one of them ranked within rankWindow of it, if exactly one
 *    is, else to none (the others `ambiguous`); a coin reserved for another asset is never taken.
 * Nothing is guessed: every mapping rests on symbol AND name.
 */
export function matchCoins(input: MatchInput): Map<string, MatchOutcome> {
  const reserved = input.reserved ?? new Map<string, string>();
  const bySymbol = new Map<string, { coin: CoinPaprikaCoin; keys: Set<string> }[]>();
  for (const coin of input.coins) {
    if (!coin.isActive) continue;
    const key = symbolKey(coin.symbol);
    const list = bySymbol.get(key) ?? [];
    list.push({ coin, keys: coinPaprikaKeys(coin) });
    bySymbol.set(key, list);
  }

  const outcomes = new Map<string, MatchOutcome>();
  const claims = new Map<string, string[]>();
  for (const asset of input.assets) {
    const outcome = matchOne(asset, bySymbol.get(symbolKey(asset.symbol)) ?? [], reserved);
    outcomes.set(asset.assetId, outcome);
    if (outcome.status === 'mapped') {
      claims.set(outcome.providerId, [...(claims.get(outcome.providerId) ?? []), asset.assetId]);
    }
  }
  const rankOf = new Map(input.assets.map((asset) => [asset.assetId, asset.rank]));
  for (const [providerId, assetIds] of claims) {
    if (assetIds.length < 2) continue;
    const coin = input.coins.find((item) => item.id === providerId);
    // As between namesake coins: the one claimant ranked near the coin keeps it, or none does.
    const near = assetIds.filter((assetId) => {
      const rank = rankOf.get(assetId) ?? null;
      return (
        coin !== undefined && coin.rank > 0 && rank !== null && Math.abs(coin.rank - rank) <= rankWindow(rank)
      );
    });
    const keeper = near.length === 1 ? near[0] : undefined;
    for (const assetId of assetIds) {
      if (assetId === keeper) continue;
      outcomes.set(assetId, {
        status: 'ambiguous',
        reason: keeper
          ? `${providerId} matches ${assetIds.length} assets by symbol and name; another, ranked near it, has it`
          : `${providerId} matches ${assetIds.length} assets by symbol and name`,
        candidates: coin ? [candidateOf(coin)] : [],
      });
    }
  }
  return outcomes;
}

function matchOne(
  asset: MatchableAsset,
  sameSymbol: readonly { coin: CoinPaprikaCoin; keys: Set<string> }[],
  reserved: ReadonlyMap<string, string>,
): MatchOutcome {
  if (sameSymbol.length === 0) {
    return { status: 'unmapped', reason: `no active coin with symbol ${asset.symbol}`, candidates: [] };
  }
  const keys = coinGeckoKeys(asset);
  const named = sameSymbol.filter(({ keys: coinKeys }) => [...coinKeys].some((key) => keys.has(key)));
  const held = named.filter(({ coin }) => {
    const holder = reserved.get(coin.id);
    return holder !== undefined && holder !== asset.assetId;
  });
  const free = named.filter((entry) => !held.includes(entry));
  if (named.length === 0) {
    return {
      status: 'unmapped',
      reason: `no active ${asset.symbol} coin is named like "${asset.name}"`,
      candidates: sameSymbol.map(({ coin }) => candidateOf(coin)),
    };
  }
  if (free.length === 0) {
    return {
      status: 'unmapped',
      reason: `its match ${held.map(({ coin }) => coin.id).join(', ')} is mapped to another asset`,
      candidates: held.map(({ coin }) => candidateOf(coin)),
    };
  }
  const [only] = free;
  if (free.length === 1 && only && held.length === 0) {
    if (
      asset.rank !== null &&
      only.coin.rank > 0 &&
      Math.abs(only.coin.rank - asset.rank) > 4 * rankWindow(asset.rank)
    ) {
      // A namesake far down the other list is another coin of the same name, not this one re-ranked.
      return {
        status: 'ambiguous',
        reason: `the only match ${only.coin.id} is ranked ${only.coin.rank}, far from ${asset.rank}`,
        candidates: [candidateOf(only.coin)],
      };
    }
    return { status: 'mapped', providerId: only.coin.id, reason: 'symbol and name' };
  }
  // Several coins agree on symbol and name (or one of them is held): rank may break the tie, never more.
  const candidates = named.map(({ coin }) => candidateOf(coin));
  const rank = asset.rank;
  if (rank === null) {
    return {
      status: 'ambiguous',
      reason: `${named.length} coins match and the asset has no rank`,
      candidates,
    };
  }
  const window = rankWindow(rank);
  const near = named.filter(({ coin }) => coin.rank > 0 && Math.abs(coin.rank - rank) <= window);
  const [nearest] = near;
  if (near.length === 1 && nearest && free.includes(nearest)) {
    return {
      status: 'mapped',
      providerId: nearest.coin.id,
      reason: `symbol and name; rank ${nearest.coin.rank} is the only one within ${window} of ${rank}`,
    };
  }
  return {
    status: 'ambiguous',
    reason: `${named.length} coins match; ${near.length} ranked within ${window} of ${rank}`,
    candidates,
  };
}

import type { PriceRow } from '../../src/assets/write/prices.write-repository.js';

/** The collection's slot: one price per asset every 15 minutes, 96 a day. */
export const SLOT_MS = 15 * 60_000;
export const SLOTS_PER_DAY = 96;

/**
 * Daily volatilities (standard deviation of daily log returns) spanning the top 100 by market cap: about 3 % for
 * Bitcoin, 4.5 % for Ether and the large caps, 6 to 8 % for the rest. A series' 15-minute sigma is the daily one
 * divided by √96.
 */
export const TOP_100_DAILY_SIGMAS = [0.03, 0.045, 0.06, 0.08] as const;

/** Freezes last this long from their first to their last point: PRICE_FREEZE_HOURS (2) is 8 slots, so 9 points. */
export const FREEZE_POINTS = 9;

/** What a series had injected, and where the detector must flag it. */
export interface InjectedAnomaly {
  kind: 'spike' | 'freeze';
  /** Spikes: the bad print is 100 times the walk's price, or a hundredth of it. */
  direction?: 'up' | 'down';
  /** The first slot of the anomaly (a spike's only one). */
  first: number;
  /** Its last slot. */
  last: number;
  /** The slot the flag is expected at: a spike's point, the point where a freeze reaches two hours. */
  flagged: number;
}

export interface WalkSeries {
  /** Decimal text per slot, as a provider sends it (8 significant digits). */
  prices: string[];
  /** The 24 h volume per slot, never zero (a freeze only counts with volume). */
  volumes: string[];
  anomalies: InjectedAnomaly[];
}

export interface WalkOptions {
  seed: number;
  points: number;
  startPrice: number;
  dailySigma: number;
  /** The mean distance in slots between injected anomalies, which alternate spike up, spike down, freeze; none without. */
  anomalyEvery?: number;
}

/** mulberry32: a small PRNG whose stream depends on the seed only, so every run sees the same series. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A standard normal draw (Box-Muller). */
function normal(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/**
 * A Student-t draw with 4 degrees of freedom scaled to unit variance: crypto returns have fat tails, so the walk
 * has the occasional 5 to 10 sigma move a normal walk would not, which is what could fool a spike detector.
 */
function fatTailed(random: () => number): number {
  const dof = 4;
  let chi = 0;
  for (let k = 0; k < dof; k++) chi += normal(random) ** 2;
  return normal(random) / Math.sqrt(chi / dof) / Math.sqrt(dof / (dof - 2));
}

/**
 * A geometric random walk of 15-minute prices (log returns fat-tailed, `dailySigma / √96` per slot), with
 * anomalies injected at random slots at least 20 slots apart: a spike is one print at 100× or a hundredth of the walk,
 * which goes on from where it was; a freeze repeats one price for FREEZE_POINTS slots while the walk goes on
 * underneath, so the next point jumps to where the market went.
 */
export function priceWalk(options: WalkOptions): WalkSeries {
  const random = prng(options.seed);
  const sigma = options.dailySigma / Math.sqrt(SLOTS_PER_DAY);
  const walk: number[] = [];
  let price = options.startPrice;
  for (let slot = 0; slot < options.points; slot++) {
    walk.push(price);
    price *= Math.exp(sigma * fatTailed(random) - (sigma * sigma) / 2);
  }
  const shown = [...walk];
  const anomalies: InjectedAnomaly[] = [];
  if (options.anomalyEvery !== undefined) {
    const kinds = ['up', 'down', 'freeze'] as const;
    // Clear of both ends: a spike needs two neighbours, and the newest point waits for the next write.
    for (let slot = 20; ;) {
      slot += 20 + Math.floor(random() * 2 * Math.max(0, options.anomalyEvery - 20));
      if (slot + FREEZE_POINTS + 20 > options.points) break;
      const kind = kinds[anomalies.length % kinds.length];
      if (kind === 'freeze') {
        const last = slot + FREEZE_POINTS - 1;
        for (let k = slot; k <= last; k++) shown[k] = walk[slot];
        anomalies.push({ kind: 'freeze', first: slot, last, flagged: last });
        slot = last;
      } else {
        shown[slot] = kind === 'up' ? walk[slot] * 100 : walk[slot] / 100;
        anomalies.push({ kind: 'spike', direction: kind, first: slot, last: slot, flagged: slot });
      }
    }
  }
  const baseVolume = options.startPrice * 1e7;
  return {
    prices: shown.map((value) => value.toPrecision(8)),
    volumes: shown.map(() => (baseVolume * (0.5 + random())).toFixed(2)),
    anomalies,
  };
}

/** The rows of `series` for `assetId` from slot `from` up to (not including) `to`, timestamps from `start`. */
export function walkRows(
  assetId: string,
  series: WalkSeries,
  start: Date,
  from: number,
  to: number,
): PriceRow[] {
  const rows: PriceRow[] = [];
  for (let slot = from; slot < Math.min(to, series.prices.length); slot++) {
    rows.push({
      assetId,
      timestamp: new Date(start.getTime() + slot * SLOT_MS),
      priceUsd: series.prices[slot],
      volume24hUsd: series.volumes[slot],
      marketCapUsd: null,
      changePercent24h: null,
    });
  }
  return rows;
}

/** One recorded flag of a walk's asset, placed on the walk's slots. */
export interface SlotFlag {
  slot: number;
  kind: string;
  direction?: string;
}

export interface FlagFigures {
  spikes: number;
  spikesFlagged: number;
  freezes: number;
  freezesFlagged: number;
  /** The points outside every injected anomaly, and how many of them carry a flag. */
  cleanPoints: number;
  falselyFlagged: number;
  missed: InjectedAnomaly[];
}

/**
 * Compares the flags recorded for a walk with what it had injected: an anomaly counts as flagged when a flag of its
 * kind (and a spike's direction) sits on its `flagged` slot; a point outside every anomaly with any flag is a false one.
 */
export function flagFigures(series: WalkSeries, flags: readonly SlotFlag[]): FlagFigures {
  const at = new Map<number, SlotFlag[]>();
  for (const flag of flags) at.set(flag.slot, [...(at.get(flag.slot) ?? []), flag]);
  const inAnomaly = new Set<number>();
  const missed: InjectedAnomaly[] = [];
  let spikes = 0;
  let spikesFlagged = 0;
  let freezes = 0;
  let freezesFlagged = 0;
  for (const anomaly of series.anomalies) {
    for (let slot = anomaly.first; slot <= anomaly.last; slot++) inAnomaly.add(slot);
    const found = (at.get(anomaly.flagged) ?? []).some(
      (flag) => flag.kind === anomaly.kind && flag.direction === anomaly.direction,
    );
    if (anomaly.kind === 'spike') {
      spikes++;
      if (found) spikesFlagged++;
    } else {
      freezes++;
      if (found) freezesFlagged++;
    }
    if (!found) missed.push(anomaly);
  }
  const falselyFlagged = [...at.keys()].filter((slot) => !inAnomaly.has(slot)).length;
  return {
    spikes,
    spikesFlagged,
    freezes,
    freezesFlagged,
    cleanPoints: series.prices.length - inAnomaly.size,
    falselyFlagged,
    missed,
  };
}

/** Sums the figures of several walks. */
export function sumFigures(all: readonly FlagFigures[]): FlagFigures {
  return all.reduce((sum, one) => ({
    spikes: sum.spikes + one.spikes,
    spikesFlagged: sum.spikesFlagged + one.spikesFlagged,
    freezes: sum.freezes + one.freezes,
    freezesFlagged: sum.freezesFlagged + one.freezesFlagged,
    cleanPoints: sum.cleanPoints + one.cleanPoints,
    falselyFlagged: sum.falselyFlagged + one.falselyFlagged,
    missed: [...sum.missed, ...one.missed],
  }));
}

type Query = (sql: string, params: unknown[]) => Promise<Record<string, unknown>[]>;

/** The flags recorded for each of `assetIds`, placed on the slots of walks that began at `start`. */
export async function slotFlags(
  query: Query,
  assetIds: readonly string[],
  start: Date,
): Promise<Map<string, SlotFlag[]>> {
  const rows = (await query(
    `select asset_id, timestamp as ts, kind, detail->>'direction' as direction
       from price_flags where asset_id = any($1::uuid[])`,
    [assetIds],
  )) as { asset_id: string; ts: Date; kind: string; direction: string | null }[];
  const flags = new Map<string, SlotFlag[]>(assetIds.map((id) => [id, []]));
  for (const row of rows) {
    flags.get(row.asset_id)?.push({
      slot: Math.round((row.ts.getTime() - start.getTime()) / SLOT_MS),
      kind: row.kind,
      ...(row.direction === null ? {} : { direction: row.direction }),
    });
  }
  return flags;
}

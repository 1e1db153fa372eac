import type { ConfigService } from '@nestjs/config';
import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import type { PriceGapsRepository } from '../../assets/price-gaps.repository.js';
import type { PriceGapsService } from '../../assets/price-gaps.service.js';
import type { CoinGeckoClient } from '../../coingecko/coingecko.client.js';
import { CoinGeckoBudgetError, CoinGeckoError } from '../../coingecko/coingecko.errors.js';
import type { AppConfig } from '../../config/app-config.js';
import type { JobHandlerContext } from '../../jobs/framework/job-handler.decorator.js';
import { emptyMetrics } from '../../jobs/job-result.js';
import { COINPAPRIKA_CAPABILITIES } from '../../providers/coinpaprika/coinpaprika.capabilities.js';
import type { MarketDataProviders } from '../../providers/market-data-providers.service.js';
import type { BackfillBudget } from './backfill-budget.js';
import { BackfillOutageFallback } from './outage-fallback.js';
import { type PRICE_HISTORY_BACKFILL_JOB } from './price-history-backfill.job.js';
import { PriceHistoryBackfiller } from './price-history-backfiller.service.js';
import type {
  BackfillCandidate,
  PriceHistoryCoverageRepository,
} from './price-history-coverage.repository.js';
import type { ScheduleYield, YieldDecision } from './schedule-yield.js';

const NOW = new Date('2026-06-02T12:07:00Z');
const SETTINGS = {
  PRICE_HISTORY_BACKFILL_DAYS: 365,
  PRICE_HISTORY_BACKFILL_HOURLY_DAYS: 90,
  PRICE_HISTORY_BACKFILL_MAX_TRIES: 3,
};

const candidate = (coingeckoId: string, done: Partial<BackfillCandidate> = {}): BackfillCandidate => ({
  id: `id-${coingeckoId}`,
  coingeckoId,
  dailyDone: false,
  hourlyDone: false,
  tries: 0,
  ...done,
});

const refusal = (status: number, errorCode?: number) =>
  new CoinGeckoError({
    kind: status === 404 ? 'client_error' : 'auth',
    status,
    errorCode,
    detail: 'x',
    endpoint: '/coins/{id}/market_chart/range',
    path: '/coins/x/market_chart/range',
    attempts: 1,
    message: `CoinGecko refused (${status})`,
  });

function backfiller(options: {
  assets: BackfillCandidate[];
  headroom?: number | null;
  chart?: (id: string) => Promise<unknown>;
  plan?: 'public' | 'demo' | 'pro';
  settings?: Record<string, number>;
  decide?: () => Promise<YieldDecision>;
  clock?: { now: () => Date };
  wait?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** A stand-in for CoinPaprika as the outage fallback: its history calls by provider id. */
  fallback?: { asked: string[]; answer?: () => Promise<unknown> };
}) {
  const calls: string[] = [];
  const chart = options.chart ?? (() => Promise.resolve({ prices: [], marketCaps: [], totalVolumes: [] }));
  const coingecko = {
    marketChartRange: vi.fn((id: string, range: { from: Date; to: Date }) => {
      calls.push(`${id}:${Math.round((NOW.getTime() - range.from.getTime()) / 86_400_000)}d`);
      return chart(id);
    }),
  };
  const coverage = {
    dailySource: null,
    fallbackSource: options.fallback ? 'coinpaprika' : null,
    candidates: vi.fn(() => Promise.resolve(options.assets)),
    rangeDone: vi.fn(() => Promise.resolve()),
    failed: vi.fn(() => Promise.resolve(1)),
    counts: vi.fn(() => Promise.resolve({ priced: 0, complete: 0, pending: 0, set_aside: 0 })),
  };
  const config = {
    get: (key: string) =>
      key === 'coingecko'
        ? { plan: options.plan ?? 'public' }
        : key === 'providers'
          ? { order: ['coingecko'] }
          : { byKey: { price_history_backfill: { settings: options.settings ?? SETTINGS } } },
  };
  const prices = {
    insertMissing: vi.fn((rows: unknown[]) => Promise.resolve(rows.length)),
  } as unknown as PriceGapsRepository;
  const clock = options.clock ?? { now: () => NOW };
  const service = new PriceHistoryBackfiller(
    coingecko as unknown as CoinGeckoClient,
    { pricedLimit: 10 } as PriceGapsService,
    prices,
    coverage as unknown as PriceHistoryCoverageRepository,
    { headroom: () => Promise.resolve(options.headroom ?? null) } as unknown as BackfillBudget,
    // The outage fallback end to end: test/collectors/price-history-backfill-outage.e2e-spec.ts.
    new BackfillOutageFallback(
      prices,
      coverage as unknown as PriceHistoryCoverageRepository,
      clock,
      options.fallback && paprikaProviders(options.fallback.asked, options.fallback.answer),
    ),
    config as unknown as ConfigService<AppConfig, true>,
    clock,
    {
      decide: options.decide ?? (() => Promise.resolve({ go: true, priority: {} })),
    } as unknown as ScheduleYield,
    options.wait ?? (() => Promise.resolve()),
  );
  return { service, calls, coverage, coingecko };
}

/** Providers with a CoinPaprika that answers one point at the end of every range it is asked. */
function paprikaProviders(asked: string[], answer?: () => Promise<unknown>): MarketDataProviders {
  const provider = {
    name: 'coinpaprika',
    capabilities: () => COINPAPRIKA_CAPABILITIES.pro,
    historyRange: (id: string, range: { from: Date; to: Date }) => {
      asked.push(id);
      return answer
        ? answer()
        : Promise.resolve([{ at: range.to, priceUsd: '1', marketCapUsd: null, volume24hUsd: null }]);
    },
  };
  return {
    get: (name: string) => (name === 'coinpaprika' ? provider : undefined),
  } as unknown as MarketDataProviders;
}

function context(
  signal = new AbortController().signal,
): JobHandlerContext<typeof PRICE_HISTORY_BACKFILL_JOB> {
  return {
    runId: '00000000-0000-0000-0000-000000000001',
    attempt: 1,
    logger: pino({ level: 'silent' }),
    signal,
    slot: NOW,
    params: { limit: 20 },
    metrics: emptyMetrics(),
    progress: () => undefined,
    settings: SETTINGS,
  };
}

describe('PriceHistoryBackfiller', () => {
  it('asks the hourly then the daily range of each asset, and only the ranges not done yet', async () => {
    const { service, calls } = backfiller({ assets: [candidate('a'), candidate('b', { hourlyDone: true })] });
    const metrics = await service.backfill(context());
    expect(calls).toEqual(['a:90d', 'a:365d', 'b:365d']);
    expect(metrics.custom).toMatchObject({
      assets_checked: 2,
      assets_backfilled: 2,
      calls: 3,
      deferred_for_budget: 0,
    });
  });

  it('stops before an asset the budget would not cover, and says so', async () => {
    const { service, calls } = backfiller({ assets: [candidate('a'), candidate('b')], headroom: 3 });
    const metrics = await service.backfill(context());
    expect(calls).toEqual(['a:90d', 'a:365d']);
    expect(metrics.custom).toMatchObject({ assets_checked: 1, calls: 2, deferred_for_budget: 1 });
  });

  it('with a fallback, a budget that would not cover the asset sends it and the rest to the fallback', async () => {
    const asked: string[] = [];
    const assets = [
      candidate('a', { fallbackProviderId: 'a-a' }),
      candidate('b', { fallbackProviderId: 'b-b' }),
    ];
    const { service, calls } = backfiller({ assets, headroom: 3, fallback: { asked } });
    const metrics = await service.backfill(context());
    expect(calls).toEqual(['a:90d', 'a:365d']);
    expect(asked).toEqual(['b-b', 'b-b']);
    expect(metrics.custom).toMatchObject({
      assets_checked: 2,
      assets_backfilled: 1,
      assets_from_fallback: 1,
      calls: 2,
      deferred_for_budget: 1,
      calls_by_source: { coinpaprika: 2 },
      prices_by_source: { coingecko: 0, coinpaprika: 2 },
      fallback_reasons: {
        coingecko: expect.stringMatching(/^CoinGecko's monthly budget leaves the backfill 1 call/) as unknown,
      },
    });
  });

  it('with a fallback, a key error still counts no try and goes to the fallback; an unmapped asset asks nothing', async () => {
    const asked: string[] = [];
    const assets = [candidate('a', { fallbackProviderId: 'a-a' }), candidate('b')];
    const { service, calls, coverage } = backfiller({
      assets,
      chart: () => Promise.reject(refusal(401, 10002)),
      fallback: { asked },
    });
    const metrics = await service.backfill(context());
    expect(calls).toEqual(['a:90d']);
    expect(asked).toEqual(['a-a', 'a-a']);
    expect(coverage.failed).not.toHaveBeenCalled();
    expect(metrics.custom).toMatchObject({
      assets_from_fallback: 1,
      calls: 1,
      prices_by_source: { coinpaprika: 2 },
    });
  });

  it("with a fallback, the client's budget refusal fails the run only when nothing could stand in", async () => {
    const spent = () => Promise.reject(new CoinGeckoBudgetError(100, new Date('2026-07-01T00:00:00Z')));
    const unmapped = backfiller({ assets: [candidate('a')], chart: spent, fallback: { asked: [] } });
    await expect(unmapped.service.backfill(context())).rejects.toThrow(CoinGeckoBudgetError);

    const asked: string[] = [];
    const mapped = backfiller({
      assets: [candidate('a', { fallbackProviderId: 'a-a' })],
      chart: spent,
      fallback: { asked },
    });
    const metrics = await mapped.service.backfill(context());
    expect(asked).toEqual(['a-a', 'a-a']);
    expect(metrics.custom).toMatchObject({
      assets_from_fallback: 1,
      deferred_for_budget: 0,
      fallback_reasons: { coingecko: expect.stringContaining('budget') as unknown },
    });
  });

  it('a cancel during the fallback call ends the run cancelled, not as a fallback failure', async () => {
    const controller = new AbortController();
    const cancel = () => {
      controller.abort(new Error('cancelled by operator'));
      return Promise.reject(new Error('aborted'));
    };
    const { service } = backfiller({
      assets: [candidate('a', { fallbackProviderId: 'a-a' })],
      chart: () => Promise.reject(new CoinGeckoBudgetError(100, new Date('2026-07-01T00:00:00Z'))),
      fallback: { asked: [], answer: cancel },
    });
    const ctx = context(controller.signal);
    await expect(service.backfill(ctx)).rejects.toThrow('cancelled by operator');
    expect(ctx.metrics.custom.fallback_reasons).toEqual({
      coingecko: expect.stringContaining('budget') as unknown,
    });
  });

  it('counts a try for an asset CoinGecko refuses (404, 401 without a key error) and goes on', async () => {
    const { service, calls, coverage } = backfiller({
      assets: [candidate('gone'), candidate('old'), candidate('ok')],
      chart: (id) =>
        id === 'gone'
          ? Promise.reject(refusal(404))
          : id === 'old'
            ? Promise.reject(refusal(401))
            : Promise.resolve({ prices: [], marketCaps: [], totalVolumes: [] }),
    });
    const metrics = await service.backfill(context());
    expect(calls).toEqual(['gone:90d', 'old:90d', 'ok:90d', 'ok:365d']);
    expect(coverage.failed).toHaveBeenCalledTimes(2);
    expect(metrics.custom).toMatchObject({ assets_backfilled: 1, assets_failed: 2 });
  });

  it('fails the run on a key error instead of setting assets aside', async () => {
    const { service, coverage } = backfiller({
      assets: [candidate('a')],
      chart: () => Promise.reject(refusal(401, 10002)),
    });
    await expect(service.backfill(context())).rejects.toThrow(CoinGeckoError);
    expect(coverage.failed).not.toHaveBeenCalled();
  });

  it('waits while the schedule goes first, and ends the run early after 5 minutes of waiting', async () => {
    let looks = 0;
    // Two looks say wait (2 s each), then the way is clear for the first asset; after it, another job runs for good.
    const decide = (): Promise<YieldDecision> => {
      looks++;
      const clear = looks === 3 || looks === 4;
      return Promise.resolve(
        clear
          ? { go: true, priority: {} }
          : { go: false, waitMs: 2000, reason: 'price_collection is running' },
      );
    };
    const { service, calls } = backfiller({ assets: [candidate('a'), candidate('b')], decide });
    const metrics = await service.backfill(context());
    expect(calls).toEqual(['a:90d', 'a:365d']);
    expect(metrics.custom).toMatchObject({
      assets_backfilled: 1,
      deferred_for_schedule: 1,
      waited_for_schedule_ms: 5 * 60_000,
    });
  });

  it('ends the run at once when another job is queued for a concurrency slot it may hold', async () => {
    const decide = (): Promise<YieldDecision> =>
      Promise.resolve({ go: false, stop: true, reason: 'price_collection is queued for a concurrency slot' });
    const { service, calls } = backfiller({ assets: [candidate('a')], decide });
    const metrics = await service.backfill(context());
    expect(calls).toEqual([]);
    expect(metrics.custom).toMatchObject({ deferred_for_schedule: 1, waited_for_schedule_ms: 0, calls: 0 });
  });

  it('takes each range from the clock at its call, so a long run never asks past 365 days', async () => {
    let now = NOW.getTime();
    // Each answer takes 3 minutes by the job clock (pacing at a low per-minute limit, yield waits).
    const chart = () => {
      now += 3 * 60_000;
      return Promise.resolve({ prices: [], marketCaps: [], totalVolumes: [] });
    };
    const assets = ['a', 'b', 'c', 'd'].map((id) => candidate(id));
    const { service, coingecko } = backfiller({ assets, chart, clock: { now: () => new Date(now) } });
    const asked: number[] = [];
    coingecko.marketChartRange.mockImplementation((_id: string, range: { from: Date; to: Date }) => {
      asked.push(now - range.from.getTime());
      return chart();
    });
    await service.backfill(context());
    expect(asked).toHaveLength(8);
    for (const reach of asked) expect(reach).toBeLessThan(365 * 86_400_000);
  });

  it('counts only the calls it sent: not one cancelled in a yield wait, nor one the budget refused', async () => {
    const controller = new AbortController();
    const cancelled = backfiller({
      assets: [candidate('a')],
      decide: () => Promise.resolve({ go: false, waitMs: 2000, reason: 'price_collection is running' }),
      wait: () => {
        controller.abort(new Error('cancelled'));
        return Promise.reject(controller.signal.reason as Error);
      },
    });
    const cancelledCtx = context(controller.signal);
    await expect(cancelled.service.backfill(cancelledCtx)).rejects.toThrow('cancelled');
    expect(cancelledCtx.metrics.custom).toMatchObject({ calls: 0 });

    const spent = backfiller({
      assets: [candidate('a'), candidate('b')],
      chart: (id) =>
        id === 'a'
          ? Promise.resolve({ prices: [], marketCaps: [], totalVolumes: [] })
          : Promise.reject(new CoinGeckoBudgetError(100, new Date('2026-07-01T00:00:00Z'))),
    });
    const spentCtx = context();
    await expect(spent.service.backfill(spentCtx)).rejects.toThrow(CoinGeckoBudgetError);
    expect(spentCtx.metrics.custom).toMatchObject({ calls: 2 });
  });

  it('refuses to start with more than 365 days on the public and Demo plans, not on pro', () => {
    const settings = { ...SETTINGS, PRICE_HISTORY_BACKFILL_DAYS: 730 };
    for (const plan of ['public', 'demo'] as const) {
      expect(() => backfiller({ assets: [], plan, settings }).service.onModuleInit()).toThrow(
        `PRICE_HISTORY_BACKFILL_DAYS=730: the "${plan}" CoinGecko plan serves only the last 365 days of history`,
      );
    }
    expect(() => backfiller({ assets: [], plan: 'pro', settings }).service.onModuleInit()).not.toThrow();
  });
});

import { Injectable } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOB_MODULES } from '../../src/app.module.js';
import { AssetsModule } from '../../src/assets/assets.module.js';
import { PricesWriteRepository, type PriceRow } from '../../src/assets/write/prices.write-repository.js';
import type { Clock } from '../../src/jobs/clock.js';
import { JobHandler } from '../../src/jobs/framework/job-handler.decorator.js';
import { JobModule } from '../../src/jobs/framework/job-module.js';
import { ScheduledJob } from '../../src/jobs/framework/scheduled-job.js';
import { defineJob } from '../../src/jobs/job-definition.js';
import type { RunCompletion } from '../../src/jobs/job-result.js';
import { JobRunnerService } from '../../src/jobs/job-runner.service.js';
import { AlertingService } from '../../src/observability/alerting/alerting.service.js';
import { listenOnLoopback, QUIET_ENV, startClockedApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { WebhookReceiver } from '../observability/webhook-receiver.js';

/*
 * `price_anomaly` end to end: a throw-away job writes the rows the test gives it through the real price write
 * (which flags spikes and freezes in its transaction), a webhook receiver on loopback gets the alerts, and the
 * test's clock decides the hour that throttles them.
 */
const WRITER_JOB = defineJob({
  key: 'price_writer_test',
  description: 'Writes the price rows the test gives it.',
  envPrefix: 'PRICE_WRITER_TEST',
  schedule: '0 0 0 1 1 *',
  timeoutMs: 60_000,
  trigger: { path: 'price-writer-test', summary: 'Write the test rows' },
});

let nextRows: PriceRow[] = [];

@Injectable()
class PriceWriterJob extends ScheduledJob(WRITER_JOB) {
  constructor(private readonly prices: PricesWriteRepository) {
    super();
  }

  @JobHandler(WRITER_JOB)
  async work(): Promise<void> {
    await this.prices.upsertPrices(nextRows);
  }
}

@JobModule(WRITER_JOB, { imports: [AssetsModule], providers: [PriceWriterJob] })
class PriceWriterJobModule {}

const TOKEN = 'anomaly-alerts-test-token-0123456789';
const SECRET_PATH = '/services/T0000/B0000/anomaly-secret-hook';
const BASE_URL = 'https://cpb.example.com';
const SLOT_MS = 15 * 60_000;
const START = Date.parse('2026-11-30T20:00:00Z');

describe('price_anomaly alerts and cpb_price_flags_total', () => {
  let db: TestDatabase;
  let receiver: WebhookReceiver;
  let app: NestExpressApplication;
  let baseUrl: string;
  let alerting: AlertingService;
  let runner: JobRunnerService;
  const logs: string[] = [];
  let now = new Date('2026-12-07T16:10:00Z');
  const clock: Clock = { now: () => now };
  const assets: Record<string, string> = {};

  /** One row per price, 15 minutes apart from `first` (a slot number from START), with a 24 h volume. */
  const series = (asset: string, prices: readonly string[], first = 0): PriceRow[] =>
    prices.map((price, index) => ({
      assetId: assets[asset] ?? '',
      timestamp: new Date(START + (first + index) * SLOT_MS),
      priceUsd: price,
      volume24hUsd: '1000000',
      marketCapUsd: null,
      changePercent24h: null,
    }));

  /** One run of the writer with `rows`, then everything its flags set off (claim, delivery). */
  async function write(rows: PriceRow[]): Promise<RunCompletion> {
    nextRows = rows;
    const started = await runner.run({ job: WRITER_JOB.key, trigger: 'manual' });
    if (started.kind !== 'started') throw new Error(`not started: ${started.kind}`);
    const result = await started.completion;
    expect(result.status).toBe('succeeded');
    await alerting.settled();
    return result;
  }

  const flagCounts = async (): Promise<Record<string, number>> => {
    const body = await (await fetch(`${baseUrl}/metrics`)).text();
    return Object.fromEntries(
      [...body.matchAll(/^cpb_price_flags_total\{kind="(\w+)"\} (\d+)$/gm)].map(([, kind, n]) => [
        kind,
        Number(n),
      ]),
    );
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    receiver = await WebhookReceiver.start(SECRET_PATH);
    const env = {
      ...QUIET_ENV,
      LOG_LEVEL: 'info',
      DATABASE_URL: db.url,
      API_TOKENS: TOKEN,
      JOB_MAX_ATTEMPTS: '1',
      ALERT_WEBHOOK_URL: receiver.url,
      ALERT_BASE_URL: BASE_URL,
    };
    app = await startClockedApp(env, {
      clock,
      jobs: [...JOB_MODULES, PriceWriterJobModule],
      logTo: { write: (line) => logs.push(line) },
    });
    baseUrl = await listenOnLoopback(app);
    alerting = app.get(AlertingService);
    runner = app.get(JobRunnerService);
    for (const asset of ['bitcoin', 'ethereum', 'solana']) {
      const [{ id }] = await db.query<{ id: string }>(
        `insert into assets (coingecko_id, symbol, name) values ($1, $1, $1) returning id`,
        [asset],
      );
      assets[asset] = id;
    }
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await receiver?.stop();
    await db?.drop();
  });

  it('counts every kind from 0 before any flag', async () => {
    expect(await flagCounts()).toEqual({ spike: 0, freeze: 0, divergence: 0 });
  });

  it('sends one price_anomaly for the first spike of the hour, naming the job, the run and the point', async () => {
    const run = await write(series('bitcoin', ['100', '101', '1050', '102']));
    await receiver.waitFor(1);
    expect(receiver.requests[0]?.path).toBe(SECRET_PATH);
    const url = `${BASE_URL}/dashboard#/runs/${run.run_id}`;
    const [body] = receiver.events('price_anomaly');
    expect(body).toEqual({
      text: expect.stringContaining('1 new spike flag(s) written by price_writer_test') as unknown,
      event: 'price_anomaly',
      job: 'price_writer_test',
      run_id: run.run_id,
      status: 'running',
      error: null,
      consecutive_failures: 0,
      run_url: url,
      at: '2026-12-07T16:10:00.000Z',
      anomaly: {
        kind: 'spike',
        count: 1,
        asset: 'bitcoin',
        asset_id: assets.bitcoin,
        timestamp: new Date(START + 2 * SLOT_MS).toISOString(),
        source: 'coingecko',
      },
    });
    expect(String(body?.text)).toContain(
      `bitcoin (coingecko) at ${new Date(START + 2 * SLOT_MS).toISOString()}`,
    );
    expect(String(body?.text)).toContain(url);
    expect(JSON.stringify(body)).not.toContain('anomaly-secret-hook');
    expect(await flagCounts()).toEqual({ spike: 1, freeze: 0, divergence: 0 });
    expect(logs.some((line) => line.includes('Alert price_anomaly for price_writer_test'))).toBe(true);
    expect(logs.join('\n')).not.toContain('anomaly-secret-hook');
  });

  it('throttles: more spikes of that job in the same hour send nothing, a first freeze is its own alert', async () => {
    now = new Date('2026-12-07T16:55:00Z');
    // Two more spikes (ethereum up, solana down) and a 2-hour freeze of bitcoin after its series.
    await write([
      ...series('ethereum', ['10', '11', '500', '12']),
      ...series('solana', ['50', '51', '0.4', '52']),
      ...series('bitcoin', ['103', ...Array<string>(10).fill('104')], 4),
    ]);
    await receiver.waitFor(2);
    // The two are delivered side by side: the receiver may get them in either order.
    expect(receiver.events('price_anomaly')[0]?.anomaly).toMatchObject({ kind: 'spike', asset: 'bitcoin' });
    expect(receiver.events('price_anomaly')[1]?.anomaly).toEqual(
      expect.objectContaining({ kind: 'freeze', asset: 'bitcoin', count: 2, source: 'coingecko' }),
    );
    expect(await flagCounts()).toEqual({ spike: 3, freeze: 2, divergence: 0 });
    const rows = await db.query<{ episode: string; delivery: string }>(
      `select episode, delivery from job_alerts where event = 'price_anomaly' order by episode desc`,
    );
    expect(rows).toEqual([
      { episode: 'spike:2026-12-07T16', delivery: 'delivered' },
      { episode: 'freeze:2026-12-07T16', delivery: 'delivered' },
    ]);
  });

  it('writing the same points again records no flag: no alert, the counter stays', async () => {
    now = new Date('2026-12-07T17:01:00Z');
    await write(series('ethereum', ['10', '11', '500', '12']));
    expect(receiver.events('price_anomaly')).toHaveLength(2);
    expect(await flagCounts()).toEqual({ spike: 3, freeze: 2, divergence: 0 });
  });

  it('alerts again in the next hour, and lists the alerts at GET /api/v1/alerts', async () => {
    await write(series('ethereum', ['13', '14', '900', '15'], 20));
    await receiver.waitFor(3);
    expect(receiver.events('price_anomaly')[2]).toMatchObject({
      at: '2026-12-07T17:01:00.000Z',
      anomaly: { kind: 'spike', asset: 'ethereum', count: 1 },
    });
    const response = await fetch(`${baseUrl}/api/v1/alerts?limit=5`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(response.status).toBe(200);
    const { items } = (await response.json()) as { items: Record<string, unknown>[] };
    expect(items.map((item) => [item.event, item.job])).toEqual([
      ['price_anomaly', 'price_writer_test'],
      ['price_anomaly', 'price_writer_test'],
      ['price_anomaly', 'price_writer_test'],
    ]);
    expect(String(items[0]?.text)).toContain('ethereum (coingecko)');
  });

  it('a write outside any run (a script) alerts as job price_write, with no run', async () => {
    now = new Date('2026-12-07T17:30:00Z');
    await app.get(PricesWriteRepository).upsertPrices(series('solana', ['60', '61', '6000', '62'], 40));
    await alerting.settled();
    await receiver.waitFor(4);
    expect(receiver.events('price_anomaly')[3]).toMatchObject({
      text: expect.stringContaining('1 new spike flag(s) written by price_write') as unknown,
      job: 'price_write',
      run_id: null,
      run_url: null,
      status: null,
      anomaly: { kind: 'spike', asset: 'solana', count: 1 },
    });
    expect(await flagCounts()).toEqual({ spike: 5, freeze: 2, divergence: 0 });
  });
});

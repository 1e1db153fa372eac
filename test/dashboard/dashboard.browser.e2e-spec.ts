import { Injectable } from '@nestjs/common';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { JOB_MODULES } from '../../src/app.module.js';
import { JobHandler, type JobHandlerContext } from '../../src/jobs/framework/job-handler.decorator.js';
import { JobModule } from '../../src/jobs/framework/job-module.js';
import { ScheduledJob } from '../../src/jobs/framework/scheduled-job.js';
import { defineJob } from '../../src/jobs/job-definition.js';
import { CoinGeckoFake } from '../fakes/coingecko-fake.js';
import { startApp, type RunningApp } from '../support/app.js';
import {
  axeViolations,
  HAS_CHROMIUM,
  launchChromium,
  NO_CHROMIUM_REASON,
  screenshot,
} from '../support/browser.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { TestJwksServer } from '../support/jwks.js';

const SKIP_REASON = NO_CHROMIUM_REASON;
const ADMIN_TOKEN = 'dashboard-browser-admin-token-0123456789';
const TEST_TIMEOUT_MS = 40_000;
const WIDTHS = [1400, 1024, 390] as const;

/*
 * A job that holds each run open until the test lets it go: the dashboard's progress, Run now and Cancel
 * are seen while it runs, without racing a real job's speed. It reports 3 of `limit` done, then waits.
 */
const PROBE_JOB = defineJob({
  key: 'dashboard_probe',
  description: 'A test job that reports progress and waits for the test.',
  envPrefix: 'DASHBOARD_PROBE',
  schedule: '0 0 4 * * *',
  limit: { default: 10, min: 1, max: 50, nullable: false },
  trigger: { path: 'probe-dashboard', summary: 'Run the dashboard probe' },
});

const gates: Array<() => void> = [];
/** Lets the oldest waiting probe run finish. */
const releaseProbe = () => gates.shift()?.();

@Injectable()
class ProbeJob extends ScheduledJob(PROBE_JOB) {
  @JobHandler(PROBE_JOB)
  async probe(ctx: JobHandlerContext): Promise<void> {
    const total = ctx.params.limit ?? 10;
    ctx.metrics.items_processed = 3;
    ctx.progress(3, total);
    await new Promise<void>((resolve, reject) => {
      gates.push(resolve);
      ctx.signal.addEventListener('abort', () => reject(new Error('probe aborted')), { once: true });
    });
    ctx.metrics.items_processed = total;
    ctx.metrics.items_created = total;
    ctx.metrics.custom.probes = total;
    ctx.progress(total, total);
  }
}

@JobModule(PROBE_JOB, { providers: [ProbeJob] })
class ProbeJobModule {}

const LONG_ERROR =
  'CoinGecko answered 503 on /coins/markets after 5 attempts: upstream maintenance window ' +
  'and a very long explanation that must not widen the page '.repeat(4) +
  '\nsecond line of the error\nthird line';

/** Chromium logs every non-2xx fetch as a console error; those the test provokes on purpose are expected. */
const expectedHttpError = (status: number) =>
  new RegExp(`^Failed to load resource: the server responded with a status of ${status} `);

if (!HAS_CHROMIUM) process.stdout.write(`[tests] dashboard browser tests skipped: ${SKIP_REASON}\n`);

describe.skipIf(!HAS_CHROMIUM)(
  HAS_CHROMIUM
    ? 'the dashboard in a real browser (Chromium)'
    : `the dashboard in a real browser — skipped: ${SKIP_REASON}`,
  // A real browser on a 2-core machine that runs the other test files at the same time: a page load or an
  // axe pass can take several times what it takes alone.
  { timeout: 90_000 },
  () => {
    let db: TestDatabase;
    let fake: CoinGeckoFake;
    let jwks: TestJwksServer;
    let running: RunningApp;
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    /** Console errors and uncaught exceptions of the page (CSP violations land here too). */
    let problems: string[];

    beforeAll(async () => {
      db = await createTestDatabase();
      fake = await CoinGeckoFake.start({ coins: 20 });
      jwks = await TestJwksServer.start();
      running = await startApp(
        {
          DATABASE_URL: db.url,
          COINGECKO_BASE_URL: fake.url,
          COINGECKO_RATE_LIMIT_PER_MINUTE: '100000',
          API_TOKENS: ADMIN_TOKEN,
          TRIGGER_RATE_LIMIT_PER_MINUTE: '1000',
          DASHBOARD_PROBE_ENABLED: 'false',
          JOB_HEARTBEAT_MS: '1000',
          ...jwks.env(),
        },
        { jobs: [...JOB_MODULES, ProbeJobModule] },
      );
      // History to lay out: a failure with a long, multi-line error, and a success before it.
      await db.query(
        `insert into job_runs (job_key, job_name, trigger, status, attempts, params, started_at, completed_at,
                               duration_ms, heartbeat_at, owner, items_processed, error)
         values ('price_collection', 'price_collection(limit=100)', 'schedule', 'succeeded', 1, '{"limit":100}',
                 now() - interval '2 hours', now() - interval '2 hours' + interval '4 seconds', 4000, now(),
                 'replica-a:1:abc', 100, null),
                ('price_collection', 'price_collection(limit=100)', 'schedule', 'failed', 3, '{"limit":100}',
                 now() - interval '1 hour', now() - interval '1 hour' + interval '9 seconds', 9000, now(),
                 'replica-b:2:def', 40, $1)`,
        [LONG_ERROR],
      );
      // Thirty skipped slots of the retention job, three hours back: more than one page of history.
      await db.query(
        `insert into job_runs (job_key, job_name, trigger, scheduled_for, status, attempts, started_at, completed_at,
                               duration_ms, heartbeat_at, owner, error)
         select 'job_runs_retention', 'job_runs_retention', 'schedule', now() - interval '3 hours' - i * interval '1 minute',
                'skipped', 0, now() - interval '3 hours' - i * interval '1 minute',
                now() - interval '3 hours' - i * interval '1 minute', 0, now(), 'replica-a:1:abc', 'busy'
           from generate_series(1, 30) as i`,
      );
      browser = await launchChromium();
    });

    afterAll(async () => {
      while (gates.length) releaseProbe();
      await browser?.close();
      await running?.close();
      await jwks?.close();
      await fake?.stop();
      await db?.drop();
    });

    beforeEach(async () => {
      // A fresh context per test: its own sessionStorage, so no token leaks from one test into the next.
      context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      page = await context.newPage();
      page.setDefaultTimeout(30_000);
      problems = [];
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(message.text());
      });
      page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
    });

    afterEach(async () => {
      await context?.close();
    });

    /** Page problems, minus the 404 of a route a part of the service may not have yet. */
    const unexpectedProblems = (...statuses: number[]) =>
      problems.filter((text) => ![404, ...statuses].some((status) => expectedHttpError(status).test(text)));

    const open = async (hash = '') => {
      await page.goto(`${running.baseUrl}/dashboard${hash}`);
      await page.locator('#status', { hasText: 'Enter a bearer token' }).waitFor();
    };

    const useToken = async (token: string) => {
      await page.getByLabel('Bearer token').fill(token);
      await page.getByRole('button', { name: 'Use token' }).click();
    };

    const panel = (key: string) => page.locator(`article.job-card[data-job="${key}"]`);

    const signIn = async () => {
      await open();
      await useToken(ADMIN_TOKEN);
      await panel(PROBE_JOB.key).waitFor();
    };

    /** The page scrolls vertically only, and `locator` lies inside the viewport's width once scrolled to. */
    const expectFits = async (what: string) => {
      // A string, evaluated in the page: this project's TypeScript has no DOM types (it targets Node).
      const widths = await page.evaluate<{ scroll: number; inner: number; wide: string[] }>(`({
        scroll: document.documentElement.scrollWidth,
        inner: window.innerWidth,
        // What sticks out, to say why when it fails.
        wide: [...document.querySelectorAll('body *')]
          .filter((node) => node.getBoundingClientRect().right > window.innerWidth + 0.5)
          .slice(0, 5)
          .map((node) => node.tagName.toLowerCase() + '.' + node.className + ' ' + node.getBoundingClientRect().right),
      })`);
      expect(
        widths.scroll,
        `${what}: page wider than the viewport (${widths.wide.join(', ')})`,
      ).toBeLessThanOrEqual(widths.inner);
    };

    const expectReachable = async (button: ReturnType<Page['locator']>, width: number) => {
      await button.scrollIntoViewIfNeeded();
      await expect.poll(() => button.isVisible()).toBe(true);
      const box = await button.boundingBox();
      expect(box, 'button has a box').not.toBeNull();
      expect(box!.x).toBeGreaterThanOrEqual(0);
      expect(box!.x + box!.width).toBeLessThanOrEqual(width);
    };

    const startProbe = async (limit?: string) => {
      await panel(PROBE_JOB.key)
        .getByRole('button', { name: `Run ${PROBE_JOB.key} now` })
        .click();
      const dialog = page.getByRole('dialog', { name: `Run ${PROBE_JOB.key} now?` });
      await dialog.waitFor();
      const field = dialog.getByLabel('Limit', { exact: true });
      expect(await field.inputValue()).toBe('10'); // the definition's default, prefilled
      if (limit !== undefined) await field.fill(limit);
      await dialog.getByRole('button', { name: 'Start run' }).click();
      await page.locator('#banner', { hasText: `${PROBE_JOB.key}: running` }).waitFor();
    };

    it(
      'runs a job from Run now: limit asked and confirmed, progress while it runs, the banner to its end, history, detail and chart',
      async () => {
        await signIn();
        const probe = panel(PROBE_JOB.key);
        expect(await probe.locator('.chart').getAttribute('data-runs')).toBe('0');
        expect(await probe.locator('figcaption').textContent()).toBe('No finished runs yet.');

        // A limit outside the definition's bounds is refused in the dialog, before any request.
        await probe.getByRole('button', { name: `Run ${PROBE_JOB.key} now` }).click();
        const dialog = page.getByRole('dialog', { name: `Run ${PROBE_JOB.key} now?` });
        await dialog.getByLabel('Limit', { exact: true }).fill('51');
        await dialog.getByRole('button', { name: 'Start run' }).click();
        await dialog.getByRole('alert').filter({ hasText: 'an integer from 1 to 50' }).waitFor();
        await dialog.getByRole('button', { name: 'Cancel' }).click();
        expect(await dialog.isVisible()).toBe(false);

        // A job that accepts "all" (limit null by default) offers it, checked, with the number field off.
        await page.getByRole('button', { name: 'Run contract_addresses_collection now' }).click();
        const contracts = page.getByRole('dialog', { name: 'Run contract_addresses_collection now?' });
        expect(await contracts.getByLabel('All (no limit)').isChecked()).toBe(true);
        expect(await contracts.getByLabel('Limit', { exact: true }).isDisabled()).toBe(true);
        await contracts.getByLabel('All (no limit)').uncheck();
        expect(await contracts.getByLabel('Limit', { exact: true }).isEnabled()).toBe(true);
        await page.keyboard.press('Escape'); // closes the dialog, starts nothing
        expect(await contracts.isVisible()).toBe(false);

        await startProbe('20');
        // 3 of 20 done: 15 %, on the banner and on the job's panel; Run now is off while it runs.
        await page.locator('#banner', { hasText: '15% · 3 / 20' }).waitFor();
        await probe.locator('progress').waitFor();
        expect(await probe.locator('progress').getAttribute('value')).toBe('15');
        expect(await probe.locator('.job-progress').textContent()).toContain('15% · 3 / 20');
        const runNow = probe.getByRole('button', { name: `Run ${PROBE_JOB.key} now` });
        expect(await runNow.isDisabled()).toBe(true);
        expect(await runNow.textContent()).toBe('Running…');
        await screenshot(page, 'dashboard-running-1400');

        releaseProbe();
        await page
          .locator('#banner', {
            hasText: `${PROBE_JOB.key} succeeded in`,
          })
          .waitFor();
        expect(await page.locator('#banner-text').textContent()).toContain(
          '20 processed, 20 created, 0 updated, 0 skipped',
        );
        await expect.poll(() => runNow.isDisabled()).toBe(false);
        await probe.locator('.badge.health-healthy').waitFor();
        await expect.poll(() => probe.locator('.chart').getAttribute('data-runs')).toBe('1');

        // The history row, then its detail view.
        const row = page.locator('#runs-body tr[data-status="succeeded"]', { hasText: 'dashboard_probe' });
        await row.waitFor();
        expect(await row.locator('td').nth(6).textContent()).toBe('20 / 20 / 0 / 0');
        await row.getByRole('link').click();
        await page.waitForURL(/#\/runs\/[0-9a-f-]{36}$/);
        const detail = page.locator('#view-run');
        await detail.getByRole('heading', { name: 'Run of dashboard_probe' }).waitFor();
        expect(await page.locator('#view-main').isHidden()).toBe(true);
        const facts = await detail.locator('dl.detail').innerText();
        for (const text of [
          'manual',
          '{"limit":20}',
          'Attempts\n1',
          'items_created\n20',
          'none (not a scheduled run)',
        ]) {
          expect(facts).toContain(text);
        }
        expect(await detail.locator('table.metrics').innerText()).toContain('probes\t20');
        const chart = detail.locator('.chart');
        expect(await chart.getAttribute('data-runs')).toBe('1');
        expect(await chart.locator('g.current').count()).toBe(1);
        expect(await detail.locator('figcaption').textContent()).toContain('1 succeeded, 0 failed');
        expect(await detail.getByRole('button', { name: 'Cancel this run' }).count()).toBe(0);

        // Alerts and CoinGecko usage: shown, or a sentence saying this service has no such route.
        await expect
          .poll(() => page.locator('#alerts-note').textContent())
          .toMatch(/^(No alerts raised\.|This service does not report alerts.*)$/);
        await expect
          .poll(
            async () =>
              `${await page.locator('#usage-note').textContent()}${await page.locator('#usage').textContent()}`,
          )
          .toMatch(/ calls in \d{4}-\d\d|This service does not report CoinGecko usage/);

        // Back to the jobs; the history filters by job and by status.
        await page.getByRole('link', { name: '← All jobs' }).click();
        await page.locator('#view-main').waitFor();
        await page.getByLabel('Status', { exact: true }).selectOption('failed');
        await page.locator('#runs-body tr[data-status="failed"]').first().waitFor();
        expect(await page.locator('#runs-body tr[data-run-id]').count()).toBe(1);
        await page.getByLabel('Job', { exact: true }).selectOption(PROBE_JOB.key);
        await page.locator('#runs-body', { hasText: 'No runs match these filters.' }).waitFor();

        expect(unexpectedProblems()).toEqual([]);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'fits 1400, 1024 and 390 px without horizontal scrolling, every Run now and Cancel reachable, no serious axe violations',
      async () => {
        await signIn();
        await startProbe();
        const probe = panel(PROBE_JOB.key);
        await probe.getByRole('button', { name: `Cancel the running ${PROBE_JOB.key} run` }).waitFor();
        // The failed run's error: one line, the rest behind its expander.
        const failed = page.locator('#runs-body tr[data-status="failed"]').first();
        const summary = failed.locator('details summary');
        expect(await summary.textContent()).toBe(LONG_ERROR.split('\n')[0]);
        expect((await summary.boundingBox())!.height).toBeLessThan(30);
        await summary.click();
        expect(await failed.locator('details pre').isVisible()).toBe(true);
        await summary.press('Enter'); // keyboard closes it again
        expect(await failed.locator('details pre').isVisible()).toBe(false);
        await panel('price_collection')
          .locator('.badge.health-failing', { hasText: 'failing · 1 in a row' })
          .waitFor();

        const runId = (await page.locator('#banner-link').getAttribute('href'))!.replace('#/runs/', '');
        for (const width of WIDTHS) {
          await page.setViewportSize({ width, height: 900 });
          await page.goto(`${running.baseUrl}/dashboard#/`);
          await panel(PROBE_JOB.key).locator('progress').waitFor();
          await expectFits(`jobs at ${width}px`);
          const runButtons = page.getByRole('button', { name: /^Run [a-z_]+ now$/ });
          expect(await runButtons.count()).toBe(JOB_MODULES.length + 1);
          for (const button of await runButtons.all()) await expectReachable(button, width);
          await expectReachable(probe.getByRole('button', { name: /^Cancel the running/ }), width);
          // Keyboard: Tab reaches a Run now button, and its focus ring shows.
          await page.getByRole('button', { name: 'Run top_coins_collection now' }).focus();
          const outline = await page.evaluate('getComputedStyle(document.activeElement).outlineStyle');
          expect(outline).toBe('solid');
          await screenshot(page, `dashboard-${width}`);
          const violations = await axeViolations(page);
          expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([]);

          await page.goto(`${running.baseUrl}/dashboard#/runs/${runId}`);
          const cancel = page.getByRole('button', { name: 'Cancel this run' });
          await cancel.waitFor();
          await expectFits(`run detail at ${width}px`);
          await expectReachable(cancel, width);
          await screenshot(page, `dashboard-run-${width}`);
          const detailViolations = await axeViolations(page);
          expect(detailViolations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual(
            [],
          );
        }

        // Cancel, confirmed: the run ends `cancelled` (the route answers 202; the runner stops it).
        await page.getByRole('button', { name: 'Cancel this run' }).click();
        const confirm = page.getByRole('dialog', { name: 'Cancel this run?' });
        await confirm.getByRole('button', { name: 'Cancel the run' }).click();
        await page.locator('#run-message', { hasText: `Cancel requested for run ${runId}` }).waitFor();
        await page.locator('#view-run .badge.status-cancelled').waitFor({ timeout: 15_000 });
        expect(unexpectedProblems()).toEqual([]);
      },
      // Three widths, each with two page loads and two axe passes: ~15 s alone, over 80 s in a loaded CI run.
      TEST_TIMEOUT_MS * 6,
    );

    it(
      'pages the history with Load more, and shows queued runs, alerts and CoinGecko usage as the API gives them',
      async () => {
        // The shapes of other parts' answers, fixed here so that their rendering is what is tested.
        const runId = '0b8f8a3e-2f6c-4a7e-9d55-3f1c2b7a9e10';
        await page.route('**/api/v1/alerts?*', (route) =>
          route.fulfill({
            json: {
              items: [
                {
                  id: '1f8f8a3e-2f6c-4a7e-9d55-3f1c2b7a9e10',
                  event: 'job_failing',
                  job: 'price_collection',
                  run_id: runId,
                  text: 'Job price_collection is failing: 3 runs in a row failed',
                  error: 'CoinGecko answered 503 after 5 attempts',
                  consecutive_failures: 3,
                  run_url: null,
                  at: new Date().toISOString(),
                  delivery: 'failed',
                  attempts: 3,
                  delivered_at: null,
                  failed_at: new Date().toISOString(),
                  last_error: 'the receiver answered HTTP 500',
                },
                {
                  id: '2f8f8a3e-2f6c-4a7e-9d55-3f1c2b7a9e10',
                  event: 'price_anomaly',
                  job: 'price_collection',
                  run_id: runId,
                  text: ':mag: Price anomaly: 1 new spike flag(s) written by price_collection; bitcoin (coingecko) at 2026-12-07T16:00:00.000Z\nRun: https://cpb.example.com/dashboard#/runs/x',
                  error: null,
                  consecutive_failures: 0,
                  run_url: null,
                  at: new Date().toISOString(),
                  delivery: 'delivered',
                  attempts: 1,
                  delivered_at: new Date().toISOString(),
                  failed_at: null,
                  last_error: null,
                },
              ],
            },
          }),
        );
        await page.route('**/api/v1/coingecko/usage', (route) =>
          route.fulfill({
            json: {
              month: '2026-12',
              calls: 1234,
              budget: 10_000,
              remaining: 8766,
              resets_at: '2027-01-01T00:00:00Z',
              by_job: { price_collection: 1100, top_coins_collection: 134 },
              by_endpoint: { '/coins/markets': 1234 },
              projected_month_end: 12_000,
            },
          }),
        );
        await page.route('**/api/v1/jobs/runs?status=queued*', (route) =>
          route.fulfill({
            json: {
              items: [
                {
                  run_id: runId,
                  job_key: 'price_collection',
                  job_name: 'price_collection(limit=100)',
                  status: 'queued',
                  started_at: new Date().toISOString(),
                  queued_at: new Date().toISOString(),
                },
              ],
              next_cursor: null,
            },
          }),
        );
        await signIn();
        await page.locator('#alerts li', { hasText: 'price_collection' }).first().waitFor();
        const alert = await page.locator('#alerts li').first().innerText();
        for (const text of [
          'failing',
          'delivery: failed (the receiver answered HTTP 500)',
          'CoinGecko answered 503',
        ]) {
          expect(alert).toContain(text);
        }
        expect(await page.locator('#alerts li a').first().getAttribute('href')).toBe(`#/runs/${runId}`);
        // An anomaly shows its headline (without the emoji code and the run link line).
        expect(await page.locator('#alerts li').nth(1).innerText()).toContain(
          'Price anomaly: 1 new spike flag(s) written by price_collection; bitcoin (coingecko) at 2026-12-07T16:00:00.000Z',
        );
        expect(await page.locator('#alerts li .alert-text').innerText()).not.toContain(':mag:');
        const usage = await page.locator('#usage').innerText();
        for (const text of [
          '1,234 calls in 2026-12 (UTC) of a 10,000 budget',
          '8,766 remaining',
          'over the budget',
        ]) {
          expect(usage).toContain(text);
        }
        expect(await page.locator('#usage meter').getAttribute('value')).toBe('1234');
        expect(await page.locator('#queue li').innerText()).toContain('#1 price_collection(limit=100)');

        await page.getByLabel('Job', { exact: true }).selectOption('job_runs_retention');
        await expect.poll(() => page.locator('#runs-body tr[data-run-id]').count()).toBe(25);
        await page.getByRole('button', { name: 'Load more' }).click();
        await expect.poll(() => page.locator('#runs-body tr[data-run-id]').count()).toBe(30);
        expect(await page.getByRole('button', { name: 'Load more' }).isHidden()).toBe(true);
        // A refresh keeps the loaded pages.
        await page.getByRole('button', { name: 'Refresh now' }).click();
        await page.locator('#refreshed', { hasText: 'Last refreshed' }).waitFor();
        expect(await page.locator('#runs-body tr[data-run-id]').count()).toBe(30);
        expect(unexpectedProblems()).toEqual([]);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'shows when a run waited for a free slot (queued_at) in its detail, and no such row for one that did not',
      async () => {
        const runId = '4a1c7e2b-9d3f-4b6a-8e5d-2c7f9a1b3e40';
        const queuedAt = '2026-12-07T10:00:01.000Z';
        const base = {
          run_id: runId,
          job_key: 'price_collection',
          job_name: 'price_collection(limit=100)',
          trigger: 'schedule',
          status: 'succeeded',
          params: { limit: 100 },
          attempts: 1,
          owner: 'replica-a:1:abc',
          scheduled_for: '2026-12-07T10:00:00.000Z',
          started_at: '2026-12-07T10:00:42.000Z',
          completed_at: '2026-12-07T10:00:46.000Z',
          heartbeat_at: '2026-12-07T10:00:46.000Z',
          duration_ms: 4000,
          error: null,
          progress: null,
          metrics: {
            items_processed: 100,
            items_created: 0,
            items_updated: 100,
            items_skipped: 0,
            custom: {},
          },
        };
        let answer: Record<string, unknown> = { ...base, queued_at: queuedAt };
        await page.route(`**/api/v1/jobs/runs/${runId}`, (route) => route.fulfill({ json: answer }));
        await signIn();
        await page.goto(`${running.baseUrl}/dashboard#/runs/${runId}`);
        const facts = page.locator('#view-run dl.detail');
        await facts.waitFor();
        const text = await facts.innerText();
        expect(text).toContain('Queued (UTC)\n2026-12-07 10:00:01');
        expect(text.indexOf('Queued (UTC)')).toBeLessThan(text.indexOf('Started (UTC)'));
        expect(await facts.locator(`time[datetime="${queuedAt}"]`).count()).toBe(1);

        answer = { ...base, queued_at: null };
        await page.getByRole('button', { name: 'Refresh now' }).click();
        await expect.poll(() => facts.innerText()).not.toContain('Queued');
        expect(await facts.innerText()).toContain('Started (UTC)');
        expect(unexpectedProblems()).toEqual([]);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'finds an asset and shows its price chart over the range picked (day, week, …, all) from the series route',
      async () => {
        // The series route's contract (issue 22), fixed here so that the dashboard's drawing is what is tested.
        const assetId = '3f0c8d52-4f3e-4a8e-9a55-2f1b3c4d5e6f';
        const asset = {
          id: assetId,
          coingecko_id: 'ethereum',
          symbol: 'ETH',
          name: 'Ethereum',
          is_tracked: true,
          latest_price: { price_usd: '3050.5', timestamp: new Date().toISOString(), source: 'coingecko' },
          history: {
            first_at: '2025-01-01T00:00:00.000Z',
            last_at: new Date().toISOString(),
            raw_from: null,
          },
        };
        const asked: URL[] = [];
        await page.route('**/api/v1/assets?*', (route) =>
          route.fulfill({ json: { items: [asset], next_cursor: null } }),
        );
        await page.route(`**/api/v1/assets/${assetId}`, (route) => route.fulfill({ json: asset }));
        await page.route(`**/api/v1/assets/${assetId}/prices/series?*`, (route) => {
          const url = new URL(route.request().url());
          asked.push(url);
          const from = url.searchParams.get('from')!;
          const to = url.searchParams.get('to')!;
          const points = [0, 1, 2].map((i) => ({
            t: new Date(Date.parse(from) + ((Date.parse(to) - Date.parse(from)) * i) / 2).toISOString(),
            open: String(3000 + i * 10),
            high: String(3020 + i * 10),
            low: String(2990 + i * 10),
            close: String(3010 + i * 10),
            points: 4,
          }));
          return route.fulfill({
            json: { asset_id: assetId, source: 'coingecko', interval: '1h', from, to, points },
          });
        });
        await signIn();
        await page.getByLabel('Symbol, name or CoinGecko id').fill('eth');
        await page.getByRole('button', { name: 'Find assets' }).click();
        await page.getByRole('link', { name: 'ETH · Ethereum' }).click();
        await page.getByRole('heading', { name: 'Ethereum (ETH)' }).waitFor();
        const chart = page.locator('#price-chart .price-chart');
        await expect.poll(() => chart.getAttribute('data-points')).toBe('3');
        expect(await page.locator('#price-chart figcaption').textContent()).toContain('closed at $3,030.00');
        const day = asked.at(-1)!;
        expect(day.searchParams.get('interval')).toBe('auto');
        expect(Date.parse(day.searchParams.get('to')!) - Date.parse(day.searchParams.get('from')!)).toBe(
          86_400_000,
        );

        await page.getByRole('radio', { name: 'Week' }).check();
        await expect.poll(() => asked.length).toBe(2);
        const week = asked[1];
        expect(Date.parse(week.searchParams.get('to')!) - Date.parse(week.searchParams.get('from')!)).toBe(
          7 * 86_400_000,
        );
        await page.getByRole('radio', { name: 'All' }).check();
        await expect.poll(() => asked.length).toBe(3);
        expect(asked[2].searchParams.get('from')).toBe('2025-01-01T00:00:00.000Z');

        for (const width of WIDTHS) {
          await page.setViewportSize({ width, height: 900 });
          await expectFits(`asset view at ${width}px`);
          const violations = await axeViolations(page);
          expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([]);
        }
        await screenshot(page, 'dashboard-asset-390');
        expect(unexpectedProblems()).toEqual([]);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'keeps the token in this tab’s sessionStorage only, out of the URL and localStorage',
      async () => {
        await signIn();
        expect(page.url()).toBe(`${running.baseUrl}/dashboard`);
        const storage = await page.evaluate(() => ({
          session: Object.values(sessionStorage),
          local: Object.keys(localStorage).length,
        }));
        expect(storage).toEqual({ session: [ADMIN_TOKEN], local: 0 });
        // …which keeps the tab signed in across a reload.
        await page.reload();
        await panel(PROBE_JOB.key).waitFor();
        expect(unexpectedProblems()).toEqual([]);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'asks for another token when the service refuses it (401)',
      async () => {
        await open();
        await useToken('not-a-valid-token');
        await page
          .locator('#status', { hasText: 'The service refused this token (401: Invalid token)' })
          .waitFor();
        expect(await page.locator('article.job-card').count()).toBe(0);
        expect(await page.locator('#jobs').textContent()).toContain('the token was refused');
        expect(unexpectedProblems(401)).toEqual([]);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'shows the 403 answer to a token without the admin role and disables its Run now buttons',
      async () => {
        const reader = await jwks.mint({ realm_access: { roles: ['reader'] } });
        await open();
        await useToken(reader);
        await panel('price_collection').waitFor();
        await page.getByRole('button', { name: 'Run price_collection now' }).click();
        await page.getByRole('dialog').getByRole('button', { name: 'Start run' }).click();
        await page.locator('#banner', { hasText: 'this token may not do that (403: ' }).waitFor();
        for (const button of await page.getByRole('button', { name: /^Run .* now$/ }).all()) {
          expect(await button.isDisabled()).toBe(true);
        }
        expect(unexpectedProblems(403)).toEqual([]);
      },
      TEST_TIMEOUT_MS,
    );
  },
);

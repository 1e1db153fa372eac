import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextFire } from '../../src/jobs/cron-slots.js';
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

const TOKEN = 'dashboard-coverage-token-0123456789';
const WIDTHS = [1400, 1024, 390] as const;
// Once a year, so no run fires while the test reads the estimate.
const SCHEDULE = '0 0 4 1 1 *';
/** Markup in a server string: it must show as text, never become an element. */
const HOSTILE_ERROR =
  'CoinGecko rejected /coins/gone-coin/market_chart/range (401): 10012 Your request exceeds the allowed time range. ' +
  '<img src=x id=injected onerror="document.title=1">';

/*
 * The backfill progress panel against a seeded database: 8 tracked assets, 5 with complete history, 2 pending
 * (one never tried, one tried once), 1 set aside after 3 tries with an error holding markup. The job is enabled
 * on a yearly schedule (1 January, 04:00 UTC) so the estimate is a fixed time and no run starts meanwhile.
 */
describe.skipIf(!HAS_CHROMIUM)(
  HAS_CHROMIUM
    ? 'the dashboard shows the price history backfill progress (Chromium)'
    : `the dashboard's backfill progress — skipped: ${NO_CHROMIUM_REASON}`,
  { timeout: 120_000 },
  () => {
    let db: TestDatabase;
    let fake: CoinGeckoFake;
    let running: RunningApp;
    let browser: Browser;

    beforeAll(async () => {
      db = await createTestDatabase();
      fake = await CoinGeckoFake.start({ coins: 3 });
      running = await startApp({
        DATABASE_URL: db.url,
        COINGECKO_BASE_URL: fake.url,
        API_TOKENS: TOKEN,
        PRICE_HISTORY_BACKFILL_ENABLED: 'true',
        PRICE_HISTORY_BACKFILL_SCHEDULE: SCHEDULE,
      });
      await db.query(
        `insert into assets (coingecko_id, symbol, name, is_tracked)
         select 'coin-' || i, 'C' || i, 'Coin ' || i, true from generate_series(1, 7) i
         union all select 'gone-coin', 'GONE', 'Gone', true`,
      );
      await db.query(
        `insert into price_history_coverage (asset_id, source, daily_done, hourly_done, tries, last_error, last_tried_at,
                                             completed_at)
         select id, 'coingecko', true, true, 0, null, now(), now() from assets where coingecko_id in
                ('coin-1', 'coin-2', 'coin-3', 'coin-4', 'coin-5')
         union all select id, 'coingecko', false, true, 1, 'CoinGecko server error (503)', now(), null
                     from assets where coingecko_id = 'coin-6'
         union all select id, 'coingecko', false, true, 3, $1, now() - interval '2 hours', null
                     from assets where coingecko_id = 'gone-coin'`,
        [HOSTILE_ERROR],
      );
      browser = await launchChromium();
    });

    afterAll(async () => {
      await browser?.close();
      await running?.close();
      await fake?.stop();
      await db?.drop();
    });

    it('shows the counts, percentage, estimate and the set-aside asset with its error, escaped, at every width', async () => {
      const asked = new Date();
      const answer = await fetch(`${running.baseUrl}/api/v1/prices/coverage`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(answer.status).toBe(200);
      const coverage = (await answer.json()) as { estimated_completion_at: string };
      expect(coverage).toMatchObject({ priced: 8, complete: 5, pending: 2, set_aside: 1, percent: 62.5 });
      // The next fire after the request, whatever today's date (this year's until 04:00 on 1 January); the one
      // after the answer too, should the fire pass while the request is served.
      const fires = [nextFire(SCHEDULE, asked), nextFire(SCHEDULE, new Date())].map((at) =>
        at.toISOString().replace('.000Z', 'Z'),
      );
      expect(fires).toContain(coverage.estimated_completion_at);
      const next = new Date(coverage.estimated_completion_at);

      const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      const page: Page = await context.newPage();
      page.setDefaultTimeout(30_000);
      const problems: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(message.text());
      });
      page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
      try {
        await page.goto(`${running.baseUrl}/dashboard`);
        await page.getByLabel('Bearer token').fill(TOKEN);
        await page.getByRole('button', { name: 'Use token' }).click();
        const section = page.getByRole('region', { name: 'Price history backfill' });
        await section.getByText('62.5 % of 8 priced assets have their history.').waitFor();

        const terms = await section.locator('dl.facts dt').allTextContents();
        const values = await section.locator('dl.facts dd').allTextContents();
        const facts = Object.fromEntries(terms.map((term, index) => [term, values[index]]));
        const year = next.getUTCFullYear();
        expect(facts).toMatchObject({ Complete: '5', Pending: '2', 'Set aside': '1' });
        expect(facts['Estimated completion']).toMatch(
          new RegExp(`^${year}-01-01 04:00:00 UTC, in \\d+ (?:day|hour|minute)s? \\(1 more run\\)$`),
        );
        expect(await section.getByRole('progressbar').getAttribute('value')).toBe('62.5');

        const setAside = section.getByRole('list', { name: 'Set aside (1)' }).getByRole('listitem');
        expect(await setAside.count()).toBe(1);
        expect(await setAside.locator('code').textContent()).toBe('gone-coin');
        expect(await setAside.textContent()).toContain('3 tries');
        expect(await setAside.locator('.error-line').textContent()).toBe(HOSTILE_ERROR);
        expect(await page.locator('#injected').count()).toBe(0);

        for (const width of WIDTHS) {
          await page.setViewportSize({ width, height: 900 });
          await section.scrollIntoViewIfNeeded();
          const scroll = await page.evaluate<number>('document.documentElement.scrollWidth');
          expect(scroll, `page wider than ${width}px`).toBeLessThanOrEqual(width);
          const violations = await axeViolations(page);
          expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([]);
        }
        await screenshot(page, 'dashboard-coverage-390');
        expect(problems.filter((text) => !/status of 404/.test(text))).toEqual([]);
      } finally {
        await context.close();
      }
    });
  },
);

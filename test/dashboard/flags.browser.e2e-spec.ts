import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../support/app.js';
import {
  axeViolations,
  HAS_CHROMIUM,
  launchChromium,
  NO_CHROMIUM_REASON,
  screenshot,
} from '../support/browser.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const TOKEN = 'dashboard-flags-token-0123456789';
const WIDTHS = [1400, 1024, 390] as const;
/** Markup in a symbol: it must show as text, never become an element. */
const HOSTILE_SYMBOL = '<img src=x id=injected onerror="document.title=1">';

/*
 * The price flags panel against a seeded price_flags table and the real GET /api/v1/prices/flags: 25 flags (a page
 * is 20), 12 spikes, 8 freezes and 5 divergences, one of them on an asset whose symbol holds markup.
 */
describe.skipIf(!HAS_CHROMIUM)(
  HAS_CHROMIUM
    ? 'the dashboard lists the price flags (Chromium)'
    : `the dashboard's price flags — skipped: ${NO_CHROMIUM_REASON}`,
  { timeout: 120_000 },
  () => {
    let db: TestDatabase;
    let running: RunningApp;
    let browser: Browser;

    beforeAll(async () => {
      db = await createTestDatabase();
      running = await startApp({ DATABASE_URL: db.url, API_TOKENS: TOKEN });
      await db.query(
        `insert into assets (coingecko_id, symbol, name)
         values ('bitcoin', 'BTC', 'Bitcoin'), ('weird-coin', $1, 'Weird')`,
        [HOSTILE_SYMBOL],
      );
      await db.query(
        `insert into price_flags (asset_id, timestamp, source, kind, detail)
         select a.id, timestamp '2026-12-07 12:00' - n * interval '15 minutes', 'coingecko',
                case when n <= 12 then 'spike' when n <= 20 then 'freeze' else 'divergence' end,
                case when n <= 12 then jsonb_build_object('direction', 'up', 'price_usd', '1050', 'factor', 10.29,
                                         'previous', jsonb_build_object('price_usd', '101'),
                                         'next', jsonb_build_object('price_usd', '102'))
                     when n <= 20 then jsonb_build_object('price_usd', '5.25', 'hours', 2.5,
                                         'run_start', '2026-12-07T08:00:00Z')
                     else jsonb_build_object('price_usd', '100', 'percent', 4.2,
                                         'other', jsonb_build_object('source', 'coinpaprika', 'price_usd', '104.2'))
                end
           from generate_series(1, 25) n
           join assets a on a.coingecko_id = case when n = 3 then 'weird-coin' else 'bitcoin' end`,
      );
      browser = await launchChromium();
    });

    afterAll(async () => {
      await browser?.close();
      await running?.close();
      await db?.drop();
    });

    it('lists the newest flags, pages with More flags, filters by kind, and says when there are none', async () => {
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
        const section = page.getByRole('region', { name: 'Price flags' });
        const rows = section.locator('#flags-body tr');
        await expect.poll(() => rows.count()).toBe(20);

        const cells = (row: number) => rows.nth(row).locator('td').allTextContents();
        const [asset, time, source, kind, detail] = await cells(0);
        expect([asset, source, kind, detail]).toEqual([
          'BTC',
          'coingecko',
          'spike',
          '$1050, up ×10.29 between $101 and $102',
        ]);
        expect(time).toContain('2026-12-07 11:45');
        const hostile = await cells(2);
        expect(hostile[0]).toBe(HOSTILE_SYMBOL);
        expect(await page.locator('#injected').count()).toBe(0);
        expect(await rows.nth(0).getByRole('link', { name: 'BTC' }).getAttribute('href')).toMatch(
          /^#\/assets\/[0-9a-f-]{36}$/,
        );

        const more = section.getByRole('button', { name: 'More flags' });
        await more.click();
        await expect.poll(() => rows.count()).toBe(25);
        await expect.poll(() => more.isHidden()).toBe(true);
        expect((await cells(24))[3]).toBe('divergence');
        expect((await cells(24))[4]).toBe("$100, 4.2 % off coinpaprika's $104.2");

        await section.getByLabel('Kind').selectOption('freeze');
        await expect.poll(() => rows.count()).toBe(8);
        expect(new Set(await section.locator('#flags-body td[data-label="Kind"]').allTextContents())).toEqual(
          new Set(['freeze']),
        );
        expect((await cells(0))[4]).toBe('$5.25 unchanged for 2.5 h since 2026-12-07T08:00:00Z');

        for (const width of WIDTHS) {
          await page.setViewportSize({ width, height: 900 });
          await section.scrollIntoViewIfNeeded();
          const scroll = await page.evaluate<number>('document.documentElement.scrollWidth');
          expect(scroll, `page wider than ${width}px`).toBeLessThanOrEqual(width);
          const violations = await axeViolations(page);
          expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([]);
        }
        await screenshot(page, 'dashboard-flags-390');

        await db.query(`delete from price_flags where kind = 'freeze'`);
        await section.getByLabel('Kind').selectOption('spike');
        await expect.poll(() => rows.count()).toBe(12);
        await section.getByLabel('Kind').selectOption('freeze');
        await section.getByText('No freeze flags.').waitFor();

        // The service failing the route: the panel says so and the rest of the page goes on.
        await page.route('**/api/v1/prices/flags?*', (route) =>
          route.fulfill({
            status: 503,
            contentType: 'application/json',
            body: JSON.stringify({ statusCode: 503, error: 'Service Unavailable', message: 'database down' }),
          }),
        );
        await section.getByLabel('Kind').selectOption('');
        await section.getByText('Cannot load the price flags (503: database down).').waitFor();
        expect(problems.filter((text) => !/status of (404|503)/.test(text))).toEqual([]);
      } finally {
        await context.close();
      }
    });
  },
);

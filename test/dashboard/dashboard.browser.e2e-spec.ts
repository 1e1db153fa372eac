import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CoinGeckoFake } from '../fakes/coingecko-fake.js';
import { startApp, type RunningApp } from '../support/app.js';
import { HAS_CHROMIUM, launchChromium, NO_CHROMIUM_REASON } from '../support/browser.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { TestJwksServer } from '../support/jwks.js';

const SKIP_REASON = NO_CHROMIUM_REASON;
const ADMIN_TOKEN = 'dashboard-browser-admin-token-0123456789';
const TEST_TIMEOUT_MS = 15_000;
const JOB_KEYS = ['top_coins_collection', 'price_collection', 'contract_addresses_collection'];

/** Chromium logs every non-2xx fetch as a console error; those the test provokes on purpose are expected. */
const expectedHttpError = (status: number) =>
  new RegExp(`^Failed to load resource: the server responded with a status of ${status} `);

if (!HAS_CHROMIUM) process.stdout.write(`[tests] dashboard browser tests skipped: ${SKIP_REASON}\n`);

describe.skipIf(!HAS_CHROMIUM)(
  HAS_CHROMIUM
    ? 'the dashboard in a real browser (Chromium)'
    : `the dashboard in a real browser — skipped: ${SKIP_REASON}`,
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
      running = await startApp({
        DATABASE_URL: db.url,
        COINGECKO_BASE_URL: fake.url,
        COINGECKO_RATE_LIMIT_PER_MINUTE: '100000',
        API_TOKENS: ADMIN_TOKEN,
        TRIGGER_RATE_LIMIT_PER_MINUTE: '1000',
        ...jwks.env(),
      });
      browser = await launchChromium();
    });

    afterAll(async () => {
      await browser?.close();
      await running?.close();
      await jwks?.close();
      await fake?.stop();
      await db?.drop();
    });

    beforeEach(async () => {
      // A fresh context per test: its own sessionStorage, so no token leaks from one test into the next.
      context = await browser.newContext();
      page = await context.newPage();
      page.setDefaultTimeout(10_000);
      problems = [];
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(message.text());
      });
      page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
    });

    afterEach(async () => {
      await context?.close();
    });

    const open = async () => {
      await page.goto(`${running.baseUrl}/dashboard`);
      await page.locator('#status', { hasText: 'Enter a bearer token' }).waitFor();
    };

    const useToken = async (token: string) => {
      await page.getByLabel('Bearer token').fill(token);
      await page.getByRole('button', { name: 'Use token' }).click();
    };

    it(
      'lists the three jobs, runs top coins on "Run now" and shows the run succeed, keeping the token out of the URL',
      async () => {
        await open();
        await useToken(ADMIN_TOKEN);
        await page.locator('#jobs-body tr[data-job]').nth(2).waitFor();
        expect(await page.locator('#jobs-body tr[data-job] th').allTextContents()).toEqual(JOB_KEYS);
        expect(await page.locator('#runs-body').textContent()).toContain('No runs yet.');

        await page.getByRole('button', { name: 'Run top_coins_collection now' }).click();
        await page.locator('#action-message', { hasText: 'Started top_coins_collection: run ' }).waitFor();
        const succeeded = page.locator('#runs-body tr[data-status="succeeded"]').first();
        await succeeded.waitFor();
        const cells = await succeeded.locator('td').allTextContents();
        expect(cells.slice(0, 3)).toEqual(['succeeded', 'manual', 'top_coins_collection(limit=100)']);
        expect(cells[6]).toBe('20 / 20 / 0 / 0');
        const topCoins = page.locator('#jobs-body tr[data-job="top_coins_collection"]');
        await topCoins.locator('.badge', { hasText: 'succeeded' }).waitFor();

        // The token lives in this tab's sessionStorage only: not in the URL, not in localStorage.
        expect(page.url()).toBe(`${running.baseUrl}/dashboard`);
        const storage = await page.evaluate(() => ({
          session: Object.values(sessionStorage),
          local: Object.keys(localStorage).length,
        }));
        expect(storage).toEqual({ session: [ADMIN_TOKEN], local: 0 });
        // …which keeps the tab signed in across a reload.
        await page.reload();
        await page.locator('#jobs-body tr[data-job]').nth(2).waitFor();

        expect(problems).toEqual([]);
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
        expect(await page.locator('#jobs-body tr[data-job]').count()).toBe(0);
        expect(await page.locator('#runs-body').textContent()).toContain('the token was refused');
        expect(problems.filter((text) => !expectedHttpError(401).test(text))).toEqual([]);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'shows the 403 answer to a token without the admin role and disables its Run now buttons',
      async () => {
        const reader = await jwks.mint({ realm_access: { roles: ['reader'] } });
        await open();
        await useToken(reader);
        await page.locator('#jobs-body tr[data-job]').nth(2).waitFor();
        await page.getByRole('button', { name: 'Run price_collection now' }).click();
        await page.locator('#action-message', { hasText: 'this token may not run jobs (403: ' }).waitFor();
        for (const button of await page.getByRole('button', { name: /^Run .* now$/ }).all()) {
          expect(await button.isDisabled()).toBe(true);
        }
        expect(problems.filter((text) => !expectedHttpError(403).test(text))).toEqual([]);
      },
      TEST_TIMEOUT_MS,
    );
  },
);

import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoinGeckoFake } from '../fakes/coingecko-fake.js';
import { startApp, type RunningApp } from '../support/app.js';
import { HAS_CHROMIUM, launchChromium, NO_CHROMIUM_REASON } from '../support/browser.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const TOKEN = 'swagger-ui-admin-token-0123456789ab';

if (!HAS_CHROMIUM) process.stdout.write(`[tests] Swagger UI browser test skipped: ${NO_CHROMIUM_REASON}\n`);

/** The API explored as an operator would: Swagger UI, "Authorize" with a token, "Try it out" on a trigger. */
describe.skipIf(!HAS_CHROMIUM)('Swagger UI in a real browser (Chromium)', () => {
  let db: TestDatabase;
  let fake: CoinGeckoFake;
  let running: RunningApp;
  let browser: Browser;

  beforeAll(async () => {
    db = await createTestDatabase();
    fake = await CoinGeckoFake.start({ coins: 20 });
    running = await startApp({
      DATABASE_URL: db.url,
      COINGECKO_BASE_URL: fake.url,
      COINGECKO_RATE_LIMIT_PER_MINUTE: '100000',
      API_TOKENS: TOKEN,
    });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await running?.close();
    await fake?.stop();
    await db?.drop();
  });

  it('"Authorize" with a bearer token, then "Try it out" on collect-top-coins runs the job', async () => {
    const page = await browser.newPage();
    page.setDefaultTimeout(15_000);
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });

    await page.goto(`${running.baseUrl}/docs`);
    await page.locator('button.authorize').first().click();
    await page.locator('.modal-ux input[type="text"], .modal-ux input[type="password"]').first().fill(TOKEN);
    await page.locator('.modal-ux button.authorize').first().click();
    await page.locator('.modal-ux button.btn-done').first().click();

    const operation = page.locator('#operations-jobs-collectTopCoins');
    await operation.locator('.opblock-summary').click();
    await operation.locator('button.try-out__btn').click();
    await operation.locator('textarea.body-param__text').fill('{"limit": 3}');
    await operation.locator('button.execute').click();

    const status = operation.locator('.live-responses-table .response .response-col_status').first();
    await expect.poll(async () => (await status.textContent())?.trim(), { timeout: 15_000 }).toBe('200');
    const body = await operation
      .locator('.live-responses-table .response-col_description pre')
      .first()
      .textContent();
    expect(body).toContain('"job_name": "top_coins_collection(limit=3)"');
    expect(body).toContain('"success": true');
    expect(problems).toEqual([]);
    // As the page says: the token stays in memory (no persistAuthorization), and the dashboard is linked.
    expect(await page.evaluate('window.localStorage.getItem("authorized")')).toBeNull();
    expect(await page.locator('.info a[href="/dashboard"]').count()).toBeGreaterThan(0);
    const [run] = await db.query(`select job_key, trigger, status from job_runs`);
    expect(run).toEqual({ job_key: 'top_coins_collection', trigger: 'manual', status: 'succeeded' });
  }, 45_000);
});

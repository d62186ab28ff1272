import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { renderDemoPage } from '../src/modules/cookies/demo-page.ts';
import { loadPreset } from '../src/policy/index.ts';
import { buildTestApp, type TestApp } from './helpers/app.ts';
import { openBrowser } from './helpers/browser.ts';

// Host-Tracker's preference cookie in real Chromium (HT-CNS-01): the website (another origin than Klauzula)
// has a blocked tag that writes `ht_preferences`, the register's preference cookie, once it is released.

type PageGlobals = { klauzulaConsent: { ready: Promise<void> }; klauzulaDemoRan?: string[] };

describe('cookie banner in Chromium (Host-Tracker preset)', () => {
  let app: TestApp;
  let site: Server;
  let siteUrl: string;
  let klauzulaUrl: string;
  let browser: Browser;

  before(async () => {
    browser = await openBrowser();
    site = createServer((request, response) => {
      const url = new URL(request.url ?? '/', siteUrl);
      if (url.pathname !== '/') return response.writeHead(404).end();
      const html = renderDemoPage({
        bannerSrc: `${klauzulaUrl}/banner/v1/banner.js`,
        config: app.cookies.config('www'),
        lang: 'en',
      });
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
    });
    await new Promise<void>((resolve) => site.listen(0, resolve));
    siteUrl = `http://localhost:${(site.address() as AddressInfo).port}`;
    const policy = structuredClone(loadPreset('hosttracker'));
    policy.cookies.banner!.sites = [{ id: 'www', origins: [siteUrl] }];
    app = await buildTestApp({ policy });
    klauzulaUrl = await app.http.listen({ port: 0, host: '127.0.0.1' });
  });
  after(async () => {
    await browser?.close();
    await new Promise((resolve) => site.close(resolve));
    await app?.close();
  });

  async function open(page: Page): Promise<void> {
    await page.goto(`${siteUrl}/`);
    await page.evaluate(() => (globalThis as unknown as PageGlobals).klauzulaConsent.ready);
  }
  const cookieNames = async (context: BrowserContext) =>
    (await context.cookies([siteUrl, klauzulaUrl])).map((cookie) => cookie.name).sort();
  const tagsRun = (page: Page) =>
    page.evaluate(() => (globalThis as unknown as PageGlobals).klauzulaDemoRan ?? []);
  const button = (page: Page, action: string) =>
    page.locator(`#klauzula-consent button[data-action="${action}"]`);

  it('HT-CNS-01: on a first visit without consent no preference cookie is set; it is written only after the user allows it', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await open(page);
      await button(page, 'accept_all').waitFor();
      assert.deepEqual(await cookieNames(context), [], 'nothing is written before consent');
      assert.deepEqual(await tagsRun(page), []);

      // Another page view without a choice still writes nothing.
      await open(page);
      assert.deepEqual(await cookieNames(context), []);

      // Rejecting keeps only the consent cookie; the preference cookie stays unset on the next visit too.
      await button(page, 'reject_all').click();
      await page.waitForFunction("document.cookie.includes('ht_consent')");
      assert.deepEqual(await cookieNames(context), ['ht_consent']);
      await open(page);
      assert.deepEqual(await tagsRun(page), []);
      assert.deepEqual(await cookieNames(context), ['ht_consent']);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }

    const allowing = await browser.newContext();
    try {
      const page = await allowing.newPage();
      await open(page);
      await button(page, 'accept_all').click();
      await page.waitForFunction("document.cookie.includes('ht_preferences')");
      assert.deepEqual(await tagsRun(page), ['preferences']);
      assert.deepEqual(await cookieNames(allowing), ['ht_consent', 'ht_preferences']);
    } finally {
      await allowing.close();
    }
  });
});

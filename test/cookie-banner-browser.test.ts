import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { renderDemoPage } from '../src/modules/cookies/demo-page.ts';
import { loadPreset } from '../src/policy/index.ts';
import { buildTestApp, type TestApp } from './helpers/app.ts';
import { openBrowser } from './helpers/browser.ts';

// The cookie banner in real Chromium, embedded in an operator's website served from another origin
// (http://localhost:<port>) than Klauzula (http://127.0.0.1:<port>), as in production. The page has one
// blocked tag per category that needs consent (analytics, advertising); each writes what the ClickMeeting
// preset's cookie register declares for its category: cookies, Local Storage, Session Storage, IndexedDB.

/** The browser globals the page functions use (the project's TypeScript has no DOM library). */
type PageGlobals = {
  klauzulaConsent: { ready: Promise<void> };
  klauzulaDemoRan?: string[];
  klauzulaDemoNecessaryRan?: boolean;
  klauzulaDemoUndeclaredRan?: boolean;
  pageMarker?: number;
  dataLayer?: ArrayLike<unknown>[];
  localStorage: { clear(): void };
  sessionStorage: { clear(): void };
  indexedDB: { databases(): Promise<{ name?: string }[]> };
  getComputedStyle(element: unknown): Record<string, string>;
};
type Storage = {
  cookies: string[];
  local: string[];
  session: string[];
  indexedDb: string[];
  tagsRun: string[];
};
type Ledger = { records: Record<string, unknown>[] };

describe('cookie banner in Chromium (ClickMeeting preset)', () => {
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
      const lang = url.searchParams.get('lang') === 'en' ? 'en' : 'pl';
      const html = renderDemoPage({
        bannerSrc: `${klauzulaUrl}/banner/v1/banner.js`,
        config: app.cookies.config('www'),
        lang,
      });
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
    });
    await new Promise<void>((resolve) => site.listen(0, resolve));
    siteUrl = `http://localhost:${(site.address() as AddressInfo).port}`;
    const policy = structuredClone(loadPreset('clickmeeting'));
    policy.cookies.banner!.sites = [{ id: 'www', origins: [siteUrl] }];
    app = await buildTestApp({ policy });
    klauzulaUrl = await app.http.listen({ port: 0, host: '127.0.0.1' });
  });
  after(async () => {
    await browser?.close();
    await new Promise((resolve) => site.close(resolve));
    await app?.close();
  });

  /** Runs `run` in a fresh browser context: no cookies or storage from other tests. */
  async function withPage(run: (page: Page, context: BrowserContext) => Promise<void>): Promise<void> {
    const context = await browser.newContext();
    const errors: string[] = [];
    try {
      const page = await context.newPage();
      page.on('pageerror', (error) => errors.push(error.message));
      await run(page, context);
      assert.deepEqual(errors, [], 'no script error on the page');
    } finally {
      await context.close();
    }
  }

  async function open(page: Page, lang: 'pl' | 'en' = 'pl'): Promise<void> {
    await page.goto(`${siteUrl}/?lang=${lang}`);
    await page.evaluate(() => (globalThis as unknown as PageGlobals).klauzulaConsent.ready);
  }

  async function storageOf(page: Page, context: BrowserContext): Promise<Storage> {
    const inPage = await page.evaluate(async () => ({
      local: Object.keys((globalThis as unknown as PageGlobals).localStorage).sort(),
      session: Object.keys((globalThis as unknown as PageGlobals).sessionStorage).sort(),
      indexedDb: (await (globalThis as unknown as PageGlobals).indexedDB.databases())
        .map((db) => db.name ?? '')
        .sort(),
      tagsRun: (globalThis as unknown as PageGlobals).klauzulaDemoRan ?? [],
    }));
    const cookies = (await context.cookies([siteUrl, klauzulaUrl])).map((cookie) => cookie.name).sort();
    return { cookies, ...inPage };
  }

  /** dataLayer entries as arrays (gtag pushes Arguments objects). */
  function dataLayer(page: Page): Promise<unknown[][]> {
    return page.evaluate(() =>
      ((globalThis as unknown as PageGlobals).dataLayer ?? []).map((entry) => Array.from(entry)),
    );
  }

  async function consentCookie(context: BrowserContext) {
    const cookie = (await context.cookies(siteUrl)).find((c) => c.name === 'cm_consent');
    assert.ok(cookie, 'the consent cookie is set');
    return {
      cookie,
      value: JSON.parse(decodeURIComponent(cookie.value)) as { id: string; v: string; g: string[] },
    };
  }

  /** The operator's read of the ledger for one visitor, once `count` records are there. */
  async function ledgerOf(visitorId: string, count: number): Promise<Ledger['records']> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const response = await app.http.inject({
        url: `/v1/cookie-consents?visitorId=${visitorId}`,
        headers: app.operator,
      });
      const { records } = response.json() as Ledger;
      if (records.length >= count) return records;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.fail(`the ledger never showed ${count} record(s) for ${visitorId}`);
  }

  const button = (page: Page, action: string) =>
    page.locator(`#klauzula-consent button[data-action="${action}"]`);

  it('CM-CKE-01: nothing non-essential is stored before a choice; "reject all" on the first layer stores only the consent cookie', async () => {
    await withPage(async (page, context) => {
      await open(page);
      await assert.doesNotReject(button(page, 'reject_all').waitFor());
      assert.deepEqual(await storageOf(page, context), {
        cookies: [],
        local: [],
        session: [],
        indexedDb: [],
        tagsRun: [],
      });

      // "Accept all" and "Reject all" are equally prominent: same element, same class, same computed style.
      const looks = await page.locator('#klauzula-consent .box .row button').evaluateAll((buttons) =>
        buttons.map((b) => {
          const s = (globalThis as unknown as PageGlobals).getComputedStyle(b);
          return {
            tag: b.tagName,
            cls: b.className,
            style: [s.backgroundColor, s.color, s.fontSize, s.fontWeight, s.padding, s.borderStyle].join('|'),
          };
        }),
      );
      assert.equal(looks.length, 3);
      assert.deepEqual(looks[0], looks[1]);
      assert.deepEqual(looks[1], looks[2]);

      // A strictly necessary tag runs at once; a tag of a category the policy does not declare never does.
      assert.deepEqual(
        await page.evaluate(() => {
          const w = globalThis as unknown as PageGlobals;
          return [w.klauzulaDemoNecessaryRan, w.klauzulaDemoUndeclaredRan];
        }),
        [true, undefined],
      );

      await page.evaluate(() => {
        (globalThis as unknown as PageGlobals).pageMarker = 1;
      });
      await button(page, 'reject_all').click();
      const { value, cookie } = await consentCookie(context);
      assert.deepEqual(value.g, []);
      assert.equal(value.v, '2022-12-15');
      const days = (cookie.expires * 1000 - Date.now()) / 86_400_000;
      assert.ok(days > 179 && days <= 180, `the consent cookie lives the register's 180 days, not ${days}`);
      assert.deepEqual(await storageOf(page, context), {
        cookies: ['cm_consent'],
        local: [],
        session: [],
        indexedDb: [],
        tagsRun: [],
      });

      const [record] = await ledgerOf(value.id, 1);
      assert.equal(record!.action, 'reject_all');
      assert.equal(record!.channel, 'banner');
      assert.deepEqual(record!.denied, ['analytics', 'advertising']);
      assert.equal(record!.ipAnonymised, '127.0.0.0');
      assert.match(String(record!.userAgent), /Chrome/);
      assert.equal(
        await page.evaluate(() => (globalThis as unknown as PageGlobals).pageMarker),
        1,
        'nothing was withdrawn, so the page was not reloaded',
      );

      // The next page view remembers the choice: no banner, still nothing stored, the settings button stays.
      await open(page);
      assert.equal(await button(page, 'reject_all').count(), 0);
      assert.equal(await page.locator('#klauzula-consent button.reopen').count(), 1);
      assert.deepEqual((await storageOf(page, context)).tagsRun, []);
    });
  });

  it('CM-CKE-01: no box is pre-ticked; granting analytics in the preference centre releases only the analytics tag', async () => {
    await withPage(async (page, context) => {
      await open(page);
      await button(page, 'settings').click();
      const boxes = await page
        .locator('#klauzula-consent input[type=checkbox]')
        .evaluateAll((inputs) =>
          inputs.map((i) => [
            (i as unknown as { name: string; checked: boolean; disabled: boolean }).name,
            (i as unknown as { name: string; checked: boolean; disabled: boolean }).checked,
            (i as unknown as { name: string; checked: boolean; disabled: boolean }).disabled,
          ]),
        );
      assert.deepEqual(boxes, [
        ['authorisation', true, true],
        ['service_configuration', true, true],
        ['interface_language', true, true],
        ['analytics', false, false],
        ['advertising', false, false],
      ]);
      const vendorLink = page.locator(
        '#klauzula-consent fieldset[data-category="analytics"] a[href="https://www.hotjar.com/privacy"]',
      );
      assert.equal(await vendorLink.count(), 1, 'CM-CKE-03: the vendor is listed with its privacy policy');
      assert.equal(
        await page.locator('#klauzula-consent a[href="https://optout.networkadvertising.org/"]').count(),
        1,
      );

      await page.locator('#klauzula-consent input[name="analytics"]').check();
      await button(page, 'custom').click();
      await page.waitForFunction(
        () => ((globalThis as unknown as PageGlobals).klauzulaDemoRan ?? []).length > 0,
      );
      await page.waitForFunction(async () =>
        (await (globalThis as unknown as PageGlobals).indexedDB.databases()).some(
          (db) => db.name === 'cm_analytics',
        ),
      );
      assert.deepEqual(await storageOf(page, context), {
        cookies: ['_hjSessionUser_demo', 'cm_consent'],
        local: ['cm_analytics_demo'],
        session: ['cm_analytics_visit'],
        indexedDb: ['cm_analytics'],
        tagsRun: ['analytics'],
      });
      const { value } = await consentCookie(context);
      const [record] = await ledgerOf(value.id, 1);
      assert.deepEqual(
        [record!.action, record!.channel, record!.granted, record!.denied],
        ['custom', 'preference_centre', ['analytics'], ['advertising']],
      );
    });
  });

  it('Google Consent Mode v2: defaults denied before any tag, then an update on each choice', async () => {
    await withPage(async (page) => {
      await open(page);
      const defaults = [
        'consent',
        'default',
        {
          ad_storage: 'denied',
          ad_user_data: 'denied',
          ad_personalization: 'denied',
          analytics_storage: 'denied',
          security_storage: 'granted',
          functionality_storage: 'granted',
          wait_for_update: 500,
        },
      ];
      assert.deepEqual(await dataLayer(page), [defaults]);
      await button(page, 'accept_all').click();
      await page.waitForFunction(
        () => ((globalThis as unknown as PageGlobals).klauzulaDemoRan ?? []).length === 2,
      );
      const granted = {
        ad_storage: 'granted',
        ad_user_data: 'granted',
        ad_personalization: 'granted',
        analytics_storage: 'granted',
        security_storage: 'granted',
        functionality_storage: 'granted',
      };
      assert.deepEqual(await dataLayer(page), [defaults, ['consent', 'update', granted]]);
      assert.equal(
        await page.evaluate(() => (globalThis as unknown as PageGlobals).klauzulaDemoUndeclaredRan),
        undefined,
        'accepting all never runs a tag of an undeclared category',
      );

      await page.locator('#klauzula-consent button.reopen').click();
      await page.locator('#klauzula-consent input[name="advertising"]').uncheck();
      const reloaded = page.waitForEvent('load');
      await button(page, 'custom').click();
      await reloaded;
      await page.evaluate(() => (globalThis as unknown as PageGlobals).klauzulaConsent.ready);
      // On the fresh page: the default first, then at once the visitor's stored choice.
      assert.deepEqual(await dataLayer(page), [
        defaults,
        [
          'consent',
          'update',
          { ...granted, ad_storage: 'denied', ad_user_data: 'denied', ad_personalization: 'denied' },
        ],
      ]);
    });
  });

  it('CM-CKE-02: withdrawing analytics deletes its cookies, Local and Session Storage and IndexedDB, and its tag no longer runs', async () => {
    await withPage(async (page, context) => {
      await open(page);
      await button(page, 'accept_all').click();
      await page.waitForFunction(async () =>
        (await (globalThis as unknown as PageGlobals).indexedDB.databases()).some(
          (db) => db.name === 'cm_analytics',
        ),
      );
      const granted = await storageOf(page, context);
      assert.deepEqual(granted.cookies, ['_hjSessionUser_demo', 'cm_consent', 'cm_partner_ref']);
      assert.deepEqual(granted.tagsRun, ['analytics', 'advertising']);
      const { value } = await consentCookie(context);
      await ledgerOf(value.id, 1);

      // CM-CKE-04: withdrawn from the persistent settings button, effective at once (the page reloads so the
      // tag that already ran stops), the advertising consent untouched.
      await page.locator('#klauzula-consent button.reopen').click();
      assert.equal(await page.locator('#klauzula-consent input[name="analytics"]').isChecked(), true);
      await page.locator('#klauzula-consent input[name="analytics"]').uncheck();
      const reloaded = page.waitForEvent('load');
      await button(page, 'custom').click();
      await reloaded;
      await page.evaluate(() => (globalThis as unknown as PageGlobals).klauzulaConsent.ready);
      await page.waitForFunction(
        async () =>
          !(await (globalThis as unknown as PageGlobals).indexedDB.databases()).some(
            (db) => db.name === 'cm_analytics',
          ),
      );
      assert.deepEqual(await storageOf(page, context), {
        cookies: ['cm_consent', 'cm_partner_ref'],
        local: [],
        session: [],
        indexedDb: [],
        tagsRun: ['advertising'],
      });
      const records = await ledgerOf(value.id, 2);
      assert.deepEqual(
        records.map((r) => [r.action, r.given, r.withdrawn]),
        [
          ['accept_all', ['analytics', 'advertising'], []],
          ['custom', [], ['analytics']],
        ],
      );
    });
  });

  it('asks again when the cookie wording changed since the choice, and runs nothing meanwhile', async () => {
    await withPage(async (page, context) => {
      await open(page);
      await button(page, 'accept_all').click();
      const { value, cookie } = await consentCookie(context);
      await context.clearCookies();
      await page.evaluate(() => {
        (globalThis as unknown as PageGlobals).localStorage.clear();
        (globalThis as unknown as PageGlobals).sessionStorage.clear();
      });
      const older = { ...value, v: '2021-01-01' };
      await context.addCookies([{ ...cookie, value: encodeURIComponent(JSON.stringify(older)) }]);
      await open(page);
      await button(page, 'accept_all').waitFor();
      assert.deepEqual((await storageOf(page, context)).tagsRun, []);
      await button(page, 'reject_all').click();
      const records = await ledgerOf(value.id, 2);
      assert.equal(records[1]!.action, 'reject_all');
      assert.deepEqual(records[1]!.withdrawn, ['analytics', 'advertising']);
    });
  });

  it('a choice made while Klauzula was unreachable is recorded on the next page view', async () => {
    await withPage(async (page, context) => {
      await page.route('**/banner/v1/consents', (route) => route.abort());
      await open(page);
      await button(page, 'accept_all').click();
      await page.waitForFunction(
        () => ((globalThis as unknown as PageGlobals).klauzulaDemoRan ?? []).length === 2,
      );
      const { value } = await consentCookie(context);
      assert.equal((value as unknown as { r: number }).r, 0, 'not yet recorded');
      await page.unroute('**/banner/v1/consents');
      await open(page);
      const [record] = await ledgerOf(value.id, 1);
      assert.equal(record!.action, 'accept_all');
      assert.equal(record!.channel, 'banner');
    });
  });

  it('speaks Polish or English after the page', async () => {
    await withPage(async (page) => {
      await open(page, 'pl');
      assert.deepEqual(await page.locator('#klauzula-consent .row button').allTextContents(), [
        'Akceptuję wszystkie',
        'Odrzucam wszystkie',
        'Ustawienia',
      ]);
      assert.equal(
        await page.locator('#klauzula-consent h2').textContent(),
        'Centrum preferencji prywatności',
      );
      const privacy = page.locator('#klauzula-consent a[href="https://clickmeeting.com/pl/legal"]');
      assert.equal(await privacy.textContent(), 'Polityka prywatności');
      await open(page, 'en');
      assert.deepEqual(await page.locator('#klauzula-consent .row button').allTextContents(), [
        'Accept all',
        'Reject all',
        'Settings',
      ]);
      assert.equal(await page.locator('#klauzula-consent h2').textContent(), 'Privacy preference centre');
      await button(page, 'settings').click();
      assert.equal(
        await page.locator('#klauzula-consent fieldset[data-category="advertising"] legend').textContent(),
        'Advertising',
      );
    });
  });

  it("Klauzula's own demo page works with the banner it serves", async () => {
    await withPage(async (page, context) => {
      await page.goto(`${klauzulaUrl}/banner/demo?lang=en`);
      await button(page, 'accept_all').click();
      await page.waitForFunction(
        () => ((globalThis as unknown as PageGlobals).klauzulaDemoRan ?? []).length === 2,
      );
      const cookie = (await context.cookies(klauzulaUrl)).find((c) => c.name === 'cm_consent');
      assert.ok(cookie);
      const { id } = JSON.parse(decodeURIComponent(cookie.value)) as { id: string };
      const [record] = await ledgerOf(id, 1);
      assert.equal(record!.language, 'en');
    });
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'drizzle-orm';
import { loadPreset, PolicyError, parsePolicy } from '../src/policy/index.ts';
import {
  advanceClock,
  anApp,
  aTestClock,
  events,
  logIn,
  logInRequest,
  mailsTo,
  registered,
} from './helpers/accounts.ts';
import type { TestApp } from './helpers/app.ts';
import { aCustomer, uploadCsv } from './helpers/entrusted.ts';
import { pdfText } from './helpers/pdf-text.ts';

// Privacy clauses built on the modules' existing machinery: the processing record's coverage (BK-PRC-01).

function routeRequest(app: TestApp, body: Record<string, unknown>) {
  return app.http.inject({
    method: 'POST',
    url: '/v1/privacy/requests',
    headers: app.operator,
    payload: body,
  });
}

function recordVisit(app: TestApp, body: Record<string, unknown>) {
  return app.http.inject({
    method: 'POST',
    url: '/v1/visitors/records',
    headers: app.operator,
    payload: body,
  });
}

async function visitorRows(app: TestApp) {
  return app.db.rows<{
    identifier: string | null;
    data: Record<string, string>;
    account_id: string | null;
    anonymised_at: unknown;
  }>(sql`select identifier, data, account_id, anonymised_at from visitor_records order by occurred_at, id`);
}

describe('privacy clauses', () => {
  it('BK-PRC-01: the processing record covers every entrusted category; a custom booking field added on 2026-04-01 is booking-related data', async (t) => {
    const { app, accountId, owner } = await aCustomer(t, 'bookero', {
      frozenTime: '2026-04-01T10:00:00+02:00',
    });
    const csv =
      'email,first_name,last_name,company,phone,website,work_city,custom:allergies\nk@x.pl,Kasia,Nowak,Salon,+48 600 000 001,https://salon.example,Kraków,orzechy';
    assert.equal((await uploadCsv(app, accountId, owner.writes, csv)).statusCode, 201);
    const res = await app.http.inject({
      method: 'GET',
      url: `/v1/accounts/${accountId}/entrusted/processing-record`,
      headers: owner.reads,
    });
    assert.equal(res.statusCode, 200, res.body);
    const record = res.json();
    const allergies = record.categories.customFields.find((f: { key: string }) => f.key === 'allergies');
    assert.equal(allergies.category, 'booking_data');
    assert.equal(allergies.createdAt, '2026-04-01T08:00:00.000Z');
    const coverage = Object.fromEntries(
      record.coverage.map((c: { category: string; heldIn: string[] }) => [c.category, c.heldIn]),
    );
    assert.deepEqual(Object.keys(coverage), [
      'name',
      'email',
      'company',
      'business_address',
      'phone',
      'website',
      'booking_data',
      'customer_defined_fields',
    ]);
    for (const [category, heldIn] of Object.entries(coverage))
      assert.ok((heldIn as string[]).length > 0, `${category} is held somewhere in the client schema`);
    assert.ok(coverage.booking_data.includes('custom:allergies'));
    assert.ok(coverage.booking_data.includes('activity:booking'));
    assert.ok(coverage.company.includes('company'));
    assert.ok(coverage.business_address.includes('work_city'));
  });

  it('MOC-CNS-01: a policy whose website sets no cookies loads only without a banner and with strictly necessary cookies; nothing is set before login', async (t) => {
    const moc = loadPreset('myownconference');
    const load = (policy: unknown) => parsePolicy(JSON.stringify(policy), 'json', 'moc.json');
    assert.doesNotThrow(() => load(moc));
    const withBanner = structuredClone(moc);
    withBanner.cookies.banner = structuredClone(loadPreset('hosttracker').cookies.banner);
    const withAnalytics = structuredClone(moc);
    withAnalytics.cookies.categories.push({
      ...withAnalytics.cookies.categories[0]!,
      id: 'analytics',
      strictlyNecessary: false,
    });
    withAnalytics.cookies.register.push({
      ...withAnalytics.cookies.register[0]!,
      name: '_ga',
      category: 'analytics',
    });
    for (const [broken, path] of [
      [withBanner, 'cookies.banner'],
      [withAnalytics, `cookies.register.${moc.cookies.register.length}.category`],
    ] as const) {
      assert.throws(
        () => load(broken),
        (error: unknown) =>
          error instanceof PolicyError &&
          error.issues.some((issue) => issue.path.replace(/\[(\d+)\]/g, '.$1') === path),
        path,
      );
    }

    // The MOC deployment: the public pages and the banner endpoints set no cookie; only logging in does.
    const { app } = await aCustomer(t, 'myownconference', { frozenTime: '2026-03-01T10:00:00+01:00' });
    for (const url of ['/v1/policy', '/banner/v1/banner.js', '/banner/v1/config?site=www', '/banner/demo']) {
      const res = await app.http.inject({ method: 'GET', url });
      assert.equal(res.headers['set-cookie'], undefined, `${url} (${res.statusCode}) sets no cookie`);
    }
    const login = await logInRequest(app, 'anna@roza.example', 'correct horse battery');
    assert.equal(login.statusCode, 200, login.body);
    const cookies = [login.headers['set-cookie'] ?? []].flat();
    assert.deepEqual(
      cookies.map((c) => c.split('=')[0]),
      ['klz_session'],
    );
    assert.match(cookies[0]!, /HttpOnly/i);
  });

  it('CM-PRV-16: signup shows the public profile default (public); hidden on 2026-01-20 10:00, the public URL answers 404 at once', async (t) => {
    const { app, accountId, owner, clockId } = await aCustomer(t, 'clickmeeting', {
      frozenTime: '2026-01-20T10:00:00+01:00',
    });
    const page = (id: string) => app.http.inject({ method: 'GET', url: `/v1/public/profiles/${id}` });
    const setting = await app.http.inject({
      method: 'GET',
      url: `/v1/accounts/${accountId}/public-profile`,
      headers: owner.reads,
    });
    assert.deepEqual(setting.json(), { visible: true, hiddenParts: [], byDefault: true });
    assert.equal((await page(accountId)).statusCode, 200);
    assert.equal((await page(accountId)).json().phone, '+48 600 100 200');

    // Hiding a part first, then the whole page.
    const put = (body: object) =>
      app.http.inject({
        method: 'PUT',
        url: `/v1/accounts/${accountId}/public-profile`,
        headers: owner.writes,
        payload: body,
      });
    assert.equal((await put({ visible: true, hiddenParts: ['phone'] })).statusCode, 200);
    assert.equal((await page(accountId)).json().phone, undefined);
    const hidden = await put({ visible: false });
    assert.equal(hidden.statusCode, 200, hidden.body);
    const gone = await page(accountId);
    assert.equal(gone.statusCode, 404);
    assert.doesNotMatch(gone.body, /Róża/);
    const [changed] = (await events(app, accountId)).filter(
      (e) => e.type === 'account.public_profile_changed' && e.data.visible === false,
    );
    assert.equal(changed?.clause, 'CM-PRV-16');
    assert.equal(changed?.occurredAt, '2026-01-20T09:00:00.000Z');

    // The choice at signup: a user who switches it off never has a public page.
    const other = await registered(app, clockId, {
      email: 'ukryty@firma.example',
      phone: '+48 600 999 999',
      company: {
        name: 'Inna Firma sp. z o.o.',
        taxId: '1234563218',
        country: 'PL',
        address: { street: 'ul. Krótka 2', postalCode: '00-001', city: 'Warszawa', country: 'PL' },
        isLegalPerson: true,
      },
      publicProfile: false,
    });
    assert.deepEqual((other as unknown as { publicProfile: unknown }).publicProfile, {
      visible: false,
      hiddenParts: [],
      byDefault: true,
    });
    assert.equal((await page(other.accountId)).statusCode, 404);
    // A policy without a public profile offers none.
    const qu = await aCustomer(t, 'quanda');
    const none = await qu.app.http.inject({ method: 'GET', url: `/v1/public/profiles/${qu.accountId}` });
    assert.equal(none.statusCode, 404);
  });

  it('BK-PRV-01: every dataset carries the provider role; an erasure e-mail from a salon client on 2026-04-14 is routed to the salon as controller', async (t) => {
    const { app, accountId, owner } = await aCustomer(t, 'bookero', {
      frozenTime: '2026-04-14T11:00:00+02:00',
    });
    const policy = app.current().policy;
    for (const c of policy.retention.categories) {
      assert.ok(['controller', 'processor'].includes(c.role), `${c.id} is tagged`);
      if (c.data?.includes('entrusted')) assert.equal(c.role, 'processor', `${c.id} holds entrusted data`);
    }
    assert.ok(policy.retention.categories.some((c) => c.role === 'processor'));
    assert.ok(policy.retention.categories.some((c) => c.role === 'controller'));

    // A channel the policy does not offer is refused and nothing is recorded.
    const byLetter = await routeRequest(app, {
      type: 'erasure',
      channel: 'letter',
      email: 'klientka@example.pl',
      controllerAccountId: accountId,
    });
    assert.equal(byLetter.statusCode, 400, byLetter.body);
    const res = await routeRequest(app, {
      type: 'erasure',
      channel: 'email',
      receivedAt: '2026-04-14T09:30:00+02:00',
      email: 'Klientka@Example.pl',
      statement: 'Proszę usunąć moje dane z salonu.',
      controllerAccountId: accountId,
    });
    assert.equal(res.statusCode, 201, res.body);
    const routed = res.json();
    assert.deepEqual(
      [routed.status, routed.controllerAccountId, routed.receivedOn, routed.dueOn, routed.clause],
      ['routed', accountId, '2026-04-14', '2026-05-14', 'BK-PRV-01'],
    );
    const [toSalon] = await mailsTo(app, 'anna@roza.example', 'privacy.request_routed');
    assert.ok(toSalon, 'the salon is told');
    assert.match(toSalon.body.text, /klientka@example\.pl/);
    assert.match(toSalon.body.text, /2026-05-14/);
    assert.match(toSalon.body.text, /BK-PRV-01/);
    const [toClient] = await mailsTo(app, 'klientka@example.pl', 'privacy.request_routed_requester');
    assert.match(toClient!.body.text, /Kwiaciarnia Róża/);
    const [event] = (await events(app, accountId)).filter((e) => e.type === 'dsr.routed_to_controller');
    assert.equal(event?.clause, 'BK-PRV-01');
    assert.equal(event?.data.operatorRole, 'processor');
    assert.doesNotMatch(JSON.stringify(event), /klientka/);
    const list = await app.http.inject({
      method: 'GET',
      url: `/v1/accounts/${accountId}/privacy/routed-requests`,
      headers: owner.reads,
    });
    assert.deepEqual(
      list.json().requests.map((r: { id: string }) => r.id),
      [routed.id],
    );
    // The operator's own queue (controller requests) is untouched.
    const queue = await app.http.inject({
      method: 'GET',
      url: '/v1/privacy/requests',
      headers: app.operator,
    });
    assert.equal(queue.json().requests.length, 0);
  });

  it('MOC-PRV-02: a webinar attendee writes to privacy@ on 2026-03-02; the request is logged and routed to the organiser, closed by 2026-04-01', async (t) => {
    const { app, accountId } = await aCustomer(t, 'myownconference', {
      frozenTime: '2026-03-03T09:00:00+01:00',
    });
    const res = await routeRequest(app, {
      type: 'rectification',
      channel: 'email',
      receivedAt: '2026-03-02T16:40:00+01:00',
      email: 'uczestnik@example.pl',
      statement: 'Please add my company name to my attendee profile.',
      locale: 'en',
      controllerAccountId: accountId,
    });
    assert.equal(res.statusCode, 201, res.body);
    const routed = res.json();
    assert.deepEqual(
      [routed.status, routed.receivedOn, routed.dueOn, routed.routedAt, routed.clause],
      ['routed', '2026-03-02', '2026-04-01', '2026-03-03T08:00:00.000Z', 'MOC-PRV-02'],
    );
    assert.ok(routed.routedAt <= '2026-04-01', 'closed within the deadline');
    const [notice] = await mailsTo(app, 'anna@roza.example', 'privacy.request_routed');
    assert.match(notice!.body.text, /uczestnik@example\.pl/);
    assert.match(notice!.body.text, /add my company name/);
    const logged = (await events(app, accountId)).filter((e) => e.type === 'dsr.routed_to_controller');
    assert.deepEqual(
      logged.map((e) => [e.clause, e.data.receivedOn, e.data.dueOn]),
      [['MOC-PRV-02', '2026-03-02', '2026-04-01']],
    );

    // Host-Tracker holds no end-customer data to route: refused.
    const ht = await aCustomer(t, 'hosttracker');
    const refused = await routeRequest(ht.app, {
      type: 'erasure',
      channel: 'email',
      email: 'x@example.pl',
      controllerAccountId: ht.accountId,
    });
    assert.equal(refused.statusCode, 409, refused.body);
    assert.equal(refused.json().code, 'privacy.routing_not_offered');
  });

  it('HT-PRC-01: an SMS alert on 2026-03-03 carries only name, country, e-mail and phone to the gateway, and only predefined messages go', async (t) => {
    const { app, accountId } = await aCustomer(t, 'hosttracker', { frozenTime: '2026-03-03T08:15:00+01:00' });
    const send = (kind: string) =>
      app.http.inject({
        method: 'POST',
        url: `/v1/accounts/${accountId}/sms-alerts`,
        headers: app.operator,
        payload: {
          kind,
          person: {
            name: 'Anna Nowak',
            country: 'PL',
            email: 'anna@roza.example',
            phone: '+48600100200',
            company: 'Kwiaciarnia Róża sp. z o.o.',
            address: 'ul. Długa 1, 80-831 Gdańsk',
          },
          params: { monitor: 'https://roza.example', status: 'HTTP 503', since: '08:10' },
          locale: 'pl',
        },
      });
    const res = await send('site_problem_alert');
    assert.equal(res.statusCode, 201, res.body);
    assert.deepEqual(res.json().fields, ['country', 'email', 'name', 'phone']);
    const [sms] = (await app.outbox.list({ recipient: '+48600100200' })).filter((m) => m.channel === 'sms');
    assert.ok(sms, 'queued for the gateway');
    assert.equal(sms.clause, 'HT-PRC-01');
    assert.deepEqual(sms.body.data, {
      name: 'Anna Nowak',
      country: 'PL',
      email: 'anna@roza.example',
      phone: '+48600100200',
    });
    const all = JSON.stringify(sms);
    assert.doesNotMatch(all, /Kwiaciarnia|Długa|Gdańsk/);
    assert.equal(sms.body.text, 'Problem z https://roza.example: HTTP 503 od 08:10.');
    const [event] = (await events(app, accountId)).filter((e) => e.type === 'notification.sms_queued');
    assert.deepEqual([event?.clause, event?.occurredAt], ['HT-PRC-01', '2026-03-03T07:15:00.000Z']);

    // A message outside the predefined ones never goes by SMS.
    const promo = await send('marketing_offer');
    assert.equal(promo.statusCode, 409);
    assert.equal(promo.json().code, 'privacy.sms_not_offered');
    // The mail worker leaves SMS rows to the SMS gateway.
    const mailed: string[] = [];
    await app.outbox.deliver(async (m) => {
      mailed.push(m.channel);
      return { providerMessageId: 'mail-1' };
    });
    assert.ok(!mailed.includes('sms'));
  });

  it('CM-PRV-14: a US vendor without SCCs added on 2026-02-20 blocks its integration until SCCs dated 2026-02-25 are attached; the public register lists recipients', async (t) => {
    const { app, accountId, owner } = await aCustomer(t, 'clickmeeting', {
      frozenTime: '2026-02-20T10:00:00+01:00',
    });
    const add = (body: object) =>
      app.http.inject({ method: 'POST', url: '/v1/recipients', headers: app.operator, payload: body });
    const vendor = await add({
      name: 'AdPlatform Inc.',
      kind: 'independent_controller',
      purpose: { pl: 'Reklama', en: 'Advertising' },
      location: 'US',
      integration: 'ad_pixel',
    });
    assert.equal(vendor.statusCode, 201, vendor.body);
    assert.equal(vendor.json().transfersAllowed, false);
    // An EEA recipient (a payment institution) needs no basis, and may not be given one.
    const payu = await add({
      name: 'PayU S.A.',
      kind: 'independent_controller',
      purpose: { pl: 'Płatności', en: 'Payments' },
      location: 'PL',
    });
    assert.equal(payu.json().transferBasis, 'eea');
    const wrong = await add({
      name: 'X',
      kind: 'processor',
      purpose: { pl: 'x', en: 'x' },
      location: 'DE',
      basis: { kind: 'scc', reference: 'x', date: '2026-02-20' },
    });
    assert.equal(wrong.statusCode, 400);

    const switchOn = () =>
      app.http.inject({
        method: 'PUT',
        url: `/v1/accounts/${accountId}/integrations/ad_pixel`,
        headers: owner.writes,
        payload: { enabled: true },
      });
    const blocked = await switchOn();
    assert.equal(blocked.statusCode, 409, blocked.body);
    assert.equal(blocked.json().code, 'processors.transfer_basis_missing');
    assert.match(blocked.json().message, /AdPlatform/);
    assert.equal(
      (await events(app, accountId)).filter((e) => e.type === 'processors.integration_switched').length,
      0,
    );

    const sccs = await app.http.inject({
      method: 'PUT',
      url: `/v1/recipients/${vendor.json().id}/transfer-basis`,
      headers: app.operator,
      payload: { basis: 'scc', reference: 'SCC (EU) 2021/914, module 1', date: '2026-02-25' },
    });
    assert.equal(sccs.statusCode, 200, sccs.body);
    assert.equal((await switchOn()).statusCode, 200);

    const register = await app.http.inject({ method: 'GET', url: '/v1/public/recipients' });
    const listed = register.json().recipients as { name: string; kind: string; transferBasis: string }[];
    assert.deepEqual(
      listed.filter((r) => r.kind !== 'processor').map((r) => [r.name, r.kind, r.transferBasis]),
      [
        ['AdPlatform Inc.', 'independent_controller', 'scc'],
        ['PayU S.A.', 'independent_controller', 'eea'],
      ],
    );
    assert.ok(
      listed.some((r) => r.kind === 'processor'),
      'the sub-processors are listed as processors',
    );
  });

  it("HT-PRC-02: the bot's first message on 2026-03-05 links Microsoft's privacy statement and the Report abuse route; Microsoft is a registered recipient", async (t) => {
    const { app } = await aCustomer(t, 'hosttracker', { frozenTime: '2026-03-05T10:00:00+01:00' });
    const res = await app.http.inject({ method: 'GET', url: '/v1/public/notices/bot-first-message?lang=en' });
    assert.equal(res.statusCode, 200, res.body);
    const message = res.json();
    assert.match(message.text, /https:\/\/privacy\.microsoft\.com\/privacystatement/);
    assert.match(message.text, /Report abuse: https:\/\/www\.botframework\.com\//);
    assert.deepEqual(
      message.links.map((l: { rel: string }) => l.rel),
      ['privacy', 'report_abuse'],
    );
    assert.equal(message.clause, 'HT-PRC-02');
    assert.equal(message.recipient.name, 'Microsoft (Bot Framework)');
    const register = await app.http.inject({ method: 'GET', url: '/v1/public/recipients' });
    assert.ok(
      register
        .json()
        .recipients.some(
          (r: { name: string; integration: string | null }) =>
            r.name === 'Microsoft (Bot Framework)' && r.integration === 'bot',
        ),
    );
    // A policy whose bot names no registered sub-processor does not load.
    const broken = structuredClone(loadPreset('hosttracker'));
    broken.notices!.bot!.subProcessor = 'nobody';
    assert.throws(() => parsePolicy(JSON.stringify(broken), 'json', 'ht.json'), PolicyError);
  });

  it('CM-PRC-06: an event registration page shown on 2026-04-01 gets the participant notice with the ToS and privacy policy links', async (t) => {
    const { app } = await aCustomer(t, 'clickmeeting', { frozenTime: '2026-04-01T12:00:00+02:00' });
    for (const lang of ['pl', 'en'] as const) {
      const res = await app.http.inject({
        method: 'GET',
        url: `/v1/public/notices/participants?lang=${lang}`,
      });
      assert.equal(res.statusCode, 200, res.body);
      const notice = res.json();
      assert.match(notice.text, lang === 'pl' ? /czacie/ : /chat messages/);
      assert.match(notice.text, lang === 'pl' ? /nagrać i opublikować/ : /record and publish/);
      assert.deepEqual(
        notice.links.map((l: { rel: string; url: string; version: string }) => [l.rel, l.url, l.version]),
        [
          ['terms', 'https://clickmeeting.com/pl/legal', '2022-12-15'],
          ['privacy', 'https://clickmeeting.com/pl/legal', '2022-12-15'],
        ],
      );
      assert.equal(notice.clause, 'CM-PRC-06');
    }
    // A policy without the notice serves none.
    const qu = await aCustomer(t, 'quanda');
    assert.equal(
      (await qu.app.http.inject({ method: 'GET', url: '/v1/public/notices/participants' })).statusCode,
      404,
    );
  });

  it('CM-PRC-01: a client signing up on 2026-01-20 accepts DPA version 2022-12-15 with the ToS and downloads it from the account as PDF', async (t) => {
    const { app, accountId, owner } = await aCustomer(t, 'clickmeeting', {
      frozenTime: '2026-01-20T09:00:00+01:00',
    });
    const acc = await app.http.inject({
      method: 'GET',
      url: `/v1/accounts/${accountId}/acceptances`,
      headers: owner.reads,
    });
    const rows = (acc.json().acceptances ?? acc.json()) as {
      documentKind: string;
      documentVersion: string;
      acceptedAt: string;
    }[];
    const dpa = rows.find((r) => r.documentKind === 'dpa');
    const terms = rows.find((r) => r.documentKind === 'terms');
    assert.equal(dpa?.documentVersion, '2022-12-15');
    assert.equal(dpa?.acceptedAt, terms?.acceptedAt, 'accepted together with the ToS');
    const pdf = await app.http.inject({
      method: 'GET',
      url: `/v1/accounts/${accountId}/documents/dpa?lang=en`,
      headers: owner.reads,
    });
    assert.equal(pdf.statusCode, 200, pdf.body);
    assert.equal(pdf.headers['content-type'], 'application/pdf');
    const { text } = await pdfText(pdf.rawPayload);
    assert.match(text, /2022-12-15/);
    assert.match(text, /integral part of the Terms of Service/);
    assert.match(text, /EEA or otherwise subject to the GDPR/);
    assert.match(text, /Kwiaciarnia Róża/);
    const [downloaded] = (await events(app, accountId)).filter((e) => e.type === 'account.dpa_downloaded');
    assert.equal(downloaded?.clause, 'CM-PRC-01');
    // Another account cannot download it.
    const other = await aCustomer(t, 'quanda');
    const foreign = await other.app.http.inject({
      method: 'GET',
      url: `/v1/accounts/${accountId}/documents/dpa`,
      headers: other.owner.reads,
    });
    assert.notEqual(foreign.statusCode, 200);
  });

  it('CM-PRV-11: an analytics identifier set on 2026-01-01 with a max-age of 180 days: its visitor records are anonymised when the job runs on 2026-06-30', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const clock = await aTestClock(app, '2026-01-01T12:00:00+01:00');
    const visit = {
      cookie: 'cm_analytics_main',
      value: 'v-7f3a',
      setAt: '2026-01-01T12:00:00+01:00',
      maxAgeDays: 180,
      data: {
        url: 'https://clickmeeting.com/pricing',
        ip: '203.0.113.7',
        os: 'Linux',
        browser: 'Firefox 130',
        location: 'Gdańsk, PL',
      },
      testClockId: clock,
    };
    const res = await recordVisit(app, visit);
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(
      res.json().expiresAt,
      '2026-06-29T22:00:00.000Z',
      'through 2026-06-29, gone at the start of 2026-06-30',
    );
    // The register bounds the lifetime; an undeclared identifier is refused.
    assert.equal((await recordVisit(app, { ...visit, maxAgeDays: 400 })).statusCode, 400);
    assert.equal((await recordVisit(app, { ...visit, cookie: '_fbp' })).statusCode, 400);

    await advanceClock(app, clock, '2026-06-29T23:59:00+02:00');
    assert.equal((await visitorRows(app))[0]!.identifier, 'v-7f3a');
    await advanceClock(app, clock, '2026-06-30T00:00:00+02:00');
    const [row] = await visitorRows(app);
    assert.deepEqual([row!.identifier, row!.data], [null, {}]);
    assert.ok(row!.anonymised_at);
    const [event] = (await events(app, 'visitors')).filter((e) => e.type === 'privacy.visitor_anonymised');
    assert.deepEqual([event?.clause, event?.occurredAt], ['CM-PRV-11', '2026-06-29T22:00:00.000Z']);
  });

  it('CM-PRV-15: visitor logs from 2026-03-01 linked to an account created on 2026-03-02 are in its access export on 2026-03-10, and outlive the identifier', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const clock = await aTestClock(app, '2026-03-01T09:00:00+01:00');
    const res = await recordVisit(app, {
      cookie: 'cm_analytics_main',
      value: 'v-9b1c',
      setAt: '2026-03-01T09:00:00+01:00',
      maxAgeDays: 5,
      data: { url: 'https://clickmeeting.com/signup', ip: '198.51.100.23', log: 'GET /signup 200' },
      testClockId: clock,
    });
    assert.equal(res.statusCode, 201, res.body);
    await advanceClock(app, clock, '2026-03-02T10:00:00+01:00');
    const { accountId } = await aCustomer(t, 'clickmeeting', { app, clockId: clock });
    const link = await app.http.inject({
      method: 'POST',
      url: '/v1/visitors/link',
      headers: app.operator,
      payload: { cookie: 'cm_analytics_main', value: 'v-9b1c', accountId },
    });
    assert.deepEqual(link.json(), { linked: 1 });
    const [linked] = (await events(app, accountId)).filter((e) => e.type === 'privacy.visitor_data_linked');
    assert.equal(linked?.clause, 'CM-PRV-15');

    // The identifier's end (2026-03-06) no longer anonymises them: they are the account's personal data.
    await advanceClock(app, clock, '2026-03-10T10:00:00+01:00');
    assert.equal((await visitorRows(app))[0]!.identifier, 'v-9b1c');
    const owner = await logIn(app, 'anna@roza.example');
    const opened = await app.http.inject({
      method: 'POST',
      url: '/v1/privacy/requests',
      headers: owner.writes,
      payload: { type: 'access' },
    });
    assert.equal(opened.statusCode, 201, opened.body);
    const done = await app.http.inject({
      method: 'POST',
      url: `/v1/privacy/requests/${opened.json().id}/completion`,
      headers: app.operator,
      payload: {},
    });
    assert.equal(done.statusCode, 200, done.body);
    const exported = await app.http.inject({
      method: 'GET',
      url: `/v1/privacy/requests/${opened.json().id}/export?format=json`,
      headers: owner.reads,
    });
    assert.equal(exported.statusCode, 200, exported.body);
    assert.deepEqual(exported.json().visits, [
      {
        occurredAt: '2026-03-01T08:00:00.000Z',
        cookie: 'cm_analytics_main',
        url: 'https://clickmeeting.com/signup',
        ip: '198.51.100.23',
        log: 'GET /signup 200',
      },
    ]);
  });

  it('CM-PRV-17: a candidate without talent-pool consent whose recruitment closed on 2026-03-15 is not in the pool on 2026-05-01 and is deleted when the claims period ends', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const clock = await aTestClock(app, '2026-02-01T09:00:00+01:00');
    const post = (url: string, payload: object = {}) =>
      app.http.inject({ method: 'POST', url, headers: app.operator, payload });
    const recruitment = await post('/v1/recruitments', { title: 'Backend developer', testClockId: clock });
    assert.equal(recruitment.statusCode, 201, recruitment.body);
    const id = recruitment.json().id as string;
    const jan = await post(`/v1/recruitments/${id}/candidates`, {
      name: 'Jan Kandydat',
      email: 'jan.kandydat@example.pl',
      extra: { photo: 'cv-photo.jpg' },
      talentPoolConsent: false,
    });
    assert.equal(jan.statusCode, 201, jan.body);
    const ewa = await post(`/v1/recruitments/${id}/candidates`, {
      name: 'Ewa Pulowa',
      email: 'ewa.pool@example.pl',
      talentPoolConsent: true,
    });
    await advanceClock(app, clock, '2026-03-15T10:00:00+01:00');
    const closed = await post(`/v1/recruitments/${id}/close`);
    assert.equal(closed.statusCode, 200, closed.body);
    // 3 years of claims (the policy's category) from the close: kept through 2029-03-15.
    assert.equal(closed.json().keepUntil, '2029-03-15T23:00:00.000Z');
    assert.equal(
      (
        await post(`/v1/recruitments/${id}/candidates`, {
          name: 'X',
          email: 'x@example.pl',
          talentPoolConsent: false,
        })
      ).statusCode,
      409,
    );

    await advanceClock(app, clock, '2026-05-01T09:00:00+02:00');
    const pool = await app.http.inject({
      method: 'GET',
      url: '/v1/candidates/talent-pool',
      headers: app.operator,
    });
    assert.deepEqual(
      pool.json().candidates.map((c: { name: string }) => c.name),
      ['Ewa Pulowa'],
    );

    const names = async () =>
      (await app.db.rows<{ name: string }>(sql`select name from recruitment_candidates order by name`)).map(
        (r) => r.name,
      );
    await advanceClock(app, clock, '2029-03-15T23:59:00+01:00');
    assert.deepEqual(await names(), ['Ewa Pulowa', 'Jan Kandydat']);
    await advanceClock(app, clock, '2029-03-16T00:00:00+01:00');
    assert.deepEqual(await names(), ['Ewa Pulowa'], 'the pool candidate stays while the consent lasts');
    const deleted = (await events(app, 'recruitment')).filter((e) => e.type === 'privacy.candidate_deleted');
    assert.deepEqual(
      deleted.map((e) => [e.clause, e.data.candidate, e.occurredAt]),
      [['CM-PRV-17', jan.json().id, '2029-03-15T23:00:00.000Z']],
    );
    // Withdrawing the pool consent (a mail to privacy@) after the claims period deletes at once.
    const withdrawn = await post(`/v1/candidates/${ewa.json().id}/talent-pool-withdrawal`);
    assert.deepEqual(withdrawn.json(), { deleted: true });
    assert.deepEqual(await names(), []);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { strFromU8, unzipSync } from 'fflate';
import { manualClock } from '../src/platform/clock.ts';
import {
  aCompany,
  activate,
  advanceClock,
  anApp,
  anIco,
  aTestClock,
  entitlements,
  events,
  logIn,
  mailsTo,
  registered,
  type Session,
} from './helpers/accounts.ts';
import { buildTestApp, type TestApp } from './helpers/app.ts';

// A session reaches the account's content only while the contract runs (CM-LIF-12): an expired account's
// open session and a liquidated account's new one reach the restore/renew screen and the export, nothing
// else. The customer's export of its own data (a ZIP) and a discontinued feature that leaves the
// entitlements on its day, not a day earlier, with export open through the last day (QU-LIF-10).

const GOOD_CARD = { number: '4242 4242 4242 4242', expMonth: 12, expYear: 2030 };
const DECLINES_LATER = { number: '4000000000000341', expMonth: 12, expYear: 2030 };
const EMAIL = 'anna@roza.example';

function get(app: TestApp, url: string, headers: Record<string, string>) {
  return app.http.inject({ method: 'GET', url, headers });
}

async function post(app: TestApp, url: string, payload?: object, headers = app.operator) {
  return app.http.inject({ method: 'POST', url, headers, ...(payload === undefined ? {} : { payload }) });
}

/** A ClickMeeting customer on Live monthly, ordered at `orderedAt`, activated. */
async function aLiveCustomer(app: TestApp, orderedAt: string) {
  const clock = await aTestClock(app, orderedAt);
  const { accountId } = await registered(app, clock, { email: EMAIL, accountType: 'paid', plan: 'live' });
  await activate(app, EMAIL);
  const res = await post(app, `/v1/accounts/${accountId}/subscriptions`, {
    plan: 'live',
    frequency: 'monthly',
    card: GOOD_CARD,
    recurringConsent: true,
    identification: { orderingPerson: 'Anna Nowak' },
  });
  assert.equal(res.statusCode, 201, res.body);
  return { clock, accountId };
}

async function contentAnswer(app: TestApp, accountId: string, session: Session) {
  const res = await get(app, `/v1/accounts/${accountId}/entrusted/contacts`, session.reads);
  return [res.statusCode, res.statusCode === 403 ? res.json().code : null];
}

function unzip(body: Buffer): Record<string, Uint8Array> {
  return unzipSync(new Uint8Array(body));
}

describe('sessions after the contract ends (CM-LIF-12)', () => {
  it('CM-LIF-02, CM-LIF-12: a session opened on 2026-03-31 reaches content until the account expires at 2026-04-01 00:00, then only the restore screen and the export', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const { clock, accountId } = await aLiveCustomer(app, '2026-03-01T10:00:00+01:00');
    const card = await post(app, `/v1/accounts/${accountId}/payment-methods`, {
      card: DECLINES_LATER,
      recurringConsent: true,
    });
    assert.equal(card.statusCode, 201, card.body);

    await advanceClock(app, clock, '2026-03-31T23:30:00+02:00');
    const session = await logIn(app, EMAIL);
    assert.deepEqual(await contentAnswer(app, accountId, session), [200, null], 'the last paid day');

    await advanceClock(app, clock, '2026-04-01T00:00:00+02:00');
    assert.equal((await entitlements(app, accountId)).state, 'expired');
    assert.deepEqual(
      await contentAnswer(app, accountId, session),
      [403, 'lifecycle.access_ended'],
      'the same cookie no longer reaches content',
    );
    const add = await post(
      app,
      `/v1/accounts/${accountId}/entrusted/contacts`,
      { email: 'x@y.example' },
      session.writes,
    );
    assert.equal(add.statusCode, 403);
    // The restore/renew screen stays: the account's state, its bills, and the export.
    for (const url of ['entitlements', 'billing', 'cancellation'])
      assert.equal((await get(app, `/v1/accounts/${accountId}/${url}`, session.reads)).statusCode, 200, url);
    const exported = await get(app, `/v1/accounts/${accountId}/export`, session.reads);
    assert.equal(exported.statusCode, 200, exported.body);
    assert.equal(exported.headers['content-type'], 'application/zip');
    assert.ok(unzip(exported.rawPayload)['account/account.json']);
    // The operator's key is never limited by the session gate (it never reads entrusted data at all).
    assert.equal((await get(app, `/v1/accounts/${accountId}/billing`, app.operator)).statusCode, 200);
  });

  it('CM-LIF-09, CM-LIF-12: liquidated from 2026-03-01, a user logging in that day sees only the restore screen', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const { clock, accountId } = await aLiveCustomer(app, '2026-02-01T10:00:00+01:00');
    await advanceClock(app, clock, '2026-02-10T10:00:00+01:00');
    assert.equal((await post(app, `/v1/accounts/${accountId}/cancellation`)).statusCode, 201);
    await advanceClock(app, clock, '2026-02-28T23:30:00+01:00');
    const before = await logIn(app, EMAIL);
    assert.deepEqual(await contentAnswer(app, accountId, before), [200, null], 'access to the end of 02-28');

    await advanceClock(app, clock, '2026-03-01T00:00:00+01:00');
    assert.equal((await entitlements(app, accountId)).state, 'liquidated');
    assert.equal(
      (await contentAnswer(app, accountId, before))[0],
      401,
      'the old session ended with the contract',
    );
    const after = await logIn(app, EMAIL);
    assert.deepEqual(await contentAnswer(app, accountId, after), [403, 'lifecycle.access_ended']);
    const restore = await post(app, `/v1/accounts/${accountId}/restore-requests`, undefined, after.writes);
    assert.equal(restore.statusCode, 201, restore.body);
    // The notices' link answers: a signed-in user is sent to its own account's export.
    const link = await get(app, '/export', after.reads);
    assert.equal(link.statusCode, 303);
    assert.equal(link.headers.location, `/v1/accounts/${accountId}/export`);
    assert.equal((await get(app, '/export', {})).statusCode, 401);
  });
});

describe('discontinuing the surveys module (QU-LIF-10)', () => {
  it('QU-LIF-10: surveys discontinued on 2026-10-01 with notice on 2026-09-01: still entitled and exporting on 2026-09-30, gone at 2026-10-01 00:00', async (t) => {
    const clock = manualClock('2026-09-01T09:00:00+02:00');
    const app = await buildTestApp({ preset: 'quanda', clock });
    t.after(() => app.close());
    const testClock = await aTestClock(app, '2026-09-01T09:00:00+02:00');
    const company = {
      ...aCompany('Kytky s.r.o.', anIco('2728012'), 'CZ'),
      address: { street: 'Dlouhá 1', postalCode: '110 00', city: 'Praha 1', country: 'CZ' },
    };
    const { accountId } = await registered(app, testClock, { company, email: EMAIL });
    await activate(app, EMAIL);
    const order = await post(app, `/v1/accounts/${accountId}/subscriptions`, {
      plan: 'professional_200',
      frequency: 'monthly',
    });
    assert.equal(order.statusCode, 201, order.body);
    const invoice = order.json().invoice as { id: string; gross: string; number: string };
    const paid = await post(app, `/v1/accounts/${accountId}/invoices/${invoice.id}/payments`, {
      amount: invoice.gross,
      currency: 'CZK',
      reference: 'transfer 1',
    });
    assert.equal(paid.statusCode, 201, paid.body);
    const contact = await post(app, `/v1/accounts/${accountId}/entrusted/contacts`, {
      email: 'jan.novak@zakaznik.example',
      lastName: 'Novák',
    });
    assert.equal(contact.statusCode, 201, contact.body);

    const tooSoon = await post(app, '/v1/discontinuations', {
      feature: 'surveys',
      effectiveOn: '2026-09-30',
    });
    assert.equal(tooSoon.statusCode, 409, 'notice on 2026-09-01 allows 2026-10-01 at the earliest');
    const announced = await post(app, '/v1/discontinuations', {
      feature: 'surveys',
      effectiveOn: '2026-10-01',
    });
    assert.equal(announced.statusCode, 201, announced.body);
    assert.equal(announced.json().lastDay, '2026-09-30');
    const [notice] = await mailsTo(app, EMAIL, 'lifecycle.discontinuation_notice');
    assert.match(notice!.body.text, /2026-09-30/);
    assert.ok(notice!.body.text.includes('https://app.klauzula.test/export'));
    const listed = await get(app, '/v1/discontinuations', app.operator);
    assert.deepEqual(
      listed
        .json()
        .discontinuations.map((d: { feature: string; effectiveOn: string }) => [d.feature, d.effectiveOn]),
      [['surveys', '2026-10-01']],
    );

    await advanceClock(app, testClock, '2026-09-30T23:59:59+02:00');
    const lastDay = await entitlements(app, accountId);
    assert.deepEqual([lastDay.state, lastDay.features.includes('surveys')], ['active', true]);
    assert.equal(lastDay.validUntil, '2026-09-30T22:00:00.000Z', 'cached no later than the discontinuation');
    // The customer's own export (no operator key reads entrusted data).
    const exported = await get(app, `/v1/accounts/${accountId}/export`, (await logIn(app, EMAIL)).reads);
    assert.equal(exported.statusCode, 200, exported.body);
    const files = unzip(exported.rawPayload);
    const pdfName = `billing/invoices/${invoice.number.replace(/[^A-Za-z0-9_-]+/g, '-')}.pdf`;
    assert.equal(strFromU8(files[pdfName]!.subarray(0, 5)), '%PDF-', 'the invoice as PDF');
    assert.match(strFromU8(files['entrusted/contacts.csv']!), /jan\.novak@zakaznik\.example/);
    const account = JSON.parse(strFromU8(files['account/account.json']!));
    assert.equal(account.lifecycle.state, 'active');
    assert.equal(account.profile.companyName ?? account.profile.company?.name, 'Kytky s.r.o.');
    assert.ok(JSON.parse(strFromU8(files['billing/payments.json']!)).length >= 1);
    assert.ok(files['privacy/consents.json']);
    const logged = (await events(app, accountId)).filter((e) => e.type === 'account.data_exported');
    assert.deepEqual(
      logged.map((e) => [e.occurredAt, e.clause]),
      [['2026-09-30T21:59:59.000Z', 'QU-LIF-10']],
    );
    assert.equal(
      (await events(app, accountId)).some((e) => e.type === 'account.feature_discontinued'),
      false,
    );

    await advanceClock(app, testClock, '2026-10-01T00:00:00+02:00');
    const onTheDay = await entitlements(app, accountId);
    assert.deepEqual(
      [onTheDay.features.includes('surveys'), onTheDay.features.includes('crm')],
      [false, true],
      'only the discontinued feature leaves',
    );
    const gone = (await events(app, accountId)).find((e) => e.type === 'account.feature_discontinued');
    assert.deepEqual([gone?.occurredAt, gone?.clause], ['2026-09-30T22:00:00.000Z', 'QU-LIF-10']);
  });
});

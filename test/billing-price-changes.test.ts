import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  aCompany,
  advanceClock,
  aNip,
  anApp,
  anIco,
  aTestClock,
  events,
  mailsTo,
  registered,
} from './helpers/accounts.ts';
import type { TestApp } from './helpers/app.ts';

// A new price list reaches each existing customer only through its own notice (CM-BIL-03, QU-BIL-11).

const GOOD_CARD = { number: '4242 4242 4242 4242', expMonth: 12, expYear: 2030 };

function announce(app: TestApp, body: Record<string, unknown>) {
  return app.http.inject({ method: 'POST', url: '/v1/price-changes', headers: app.operator, payload: body });
}

async function order(app: TestApp, accountId: string, body: Record<string, unknown>) {
  const res = await app.http.inject({
    method: 'POST',
    url: `/v1/accounts/${accountId}/subscriptions`,
    headers: app.operator,
    payload: body,
  });
  assert.equal(res.statusCode, 201, res.body);
  return res.json();
}

async function invoiceNets(app: TestApp, accountId: string): Promise<[string, string][]> {
  const res = await app.http.inject({
    method: 'GET',
    url: `/v1/accounts/${accountId}/billing`,
    headers: app.operator,
  });
  assert.equal(res.statusCode, 200, res.body);
  return [...res.json().invoices]
    .reverse()
    .map((i: { issueDate: string; net: string }) => [i.issueDate, i.net] as [string, string]);
}

/** Quanda's customer pays every open invoice by transfer (dunning would otherwise restrict the account). */
async function payOpenInvoices(app: TestApp, accountId: string) {
  const res = await app.http.inject({
    method: 'GET',
    url: `/v1/accounts/${accountId}/billing`,
    headers: app.operator,
  });
  for (const invoice of res.json().invoices as {
    id: string;
    status: string;
    gross: string;
    currency: string;
  }[]) {
    if (invoice.status !== 'issued') continue;
    const paid = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${accountId}/invoices/${invoice.id}/payments`,
      headers: app.operator,
      payload: { amount: invoice.gross, currency: invoice.currency, reference: `transfer ${invoice.id}` },
    });
    assert.equal(paid.statusCode, 201, paid.body);
  }
}

async function notices(app: TestApp, accountId: string) {
  const res = await app.http.inject({
    method: 'GET',
    url: `/v1/accounts/${accountId}/price-change-notices`,
    headers: app.operator,
  });
  assert.equal(res.statusCode, 200, res.body);
  return res.json().notices;
}

/** A ClickMeeting customer of its own company, paying Live monthly by card from the clock's current day. */
async function aLiveCustomer(app: TestApp, clock: string, n: number) {
  const { accountId } = await registered(app, clock, {
    email: `owner${n}@firma${n}.example`,
    company: aCompany(`Firma ${n} sp. z o.o.`, aNip(`52602502${n}`)),
    accountType: 'paid',
    plan: 'live',
  });
  await order(app, accountId, {
    plan: 'live',
    frequency: 'monthly',
    card: GOOD_CARD,
    recurringConsent: true,
  });
  return accountId;
}

describe('ClickMeeting: a price rise (Regulamin IV par. 3)', () => {
  it('CM-BIL-03: a rise to 139.00 effective 2026-07-01 whose notice reaches users on 2026-06-10: the 2026-07-01 renewal is at 119.00, renewals from 2026-07-10 at 139.00; a new customer pays 139.00 from 2026-07-01', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const clock = await aTestClock(app, '2026-03-01T10:00:00+01:00');
    const renewsOnThe1st = await aLiveCustomer(app, clock, 1);
    await advanceClock(app, clock, '2026-03-09T10:00:00+01:00');
    const renewsOnThe9th = await aLiveCustomer(app, clock, 2);
    await advanceClock(app, clock, '2026-03-10T10:00:00+01:00');
    const renewsOnThe10th = await aLiveCustomer(app, clock, 3);

    await advanceClock(app, clock, '2026-06-10T10:00:00+02:00');
    const res = await announce(app, {
      effectiveDate: '2026-07-01',
      currency: 'PLN',
      prices: [{ plan: 'live', frequency: 'monthly', net: '139.00' }],
    });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().notices.length, 3);
    const [notice] = await notices(app, renewsOnThe1st);
    assert.deepEqual(
      [notice.sentOn, notice.receivedOn, notice.appliesFrom, notice.oldPrice, notice.newPrice],
      ['2026-06-10', '2026-06-10', '2026-07-10', '119.00', '139.00'],
    );
    const notified = (await events(app, renewsOnThe1st)).find((e) => e.type === 'price_change.notified');
    assert.deepEqual([notified?.clause, notified?.data.appliesFrom], ['CM-BIL-03', '2026-07-10']);
    const [mail] = await mailsTo(app, 'owner1@firma1.example', 'billing.price_change_notice');
    assert.match(mail!.body.text, /119,00 PLN na 139,00 PLN/);
    assert.match(mail!.body.text, /od 2026-07-10/);
    assert.match(mail!.body.text, /Podstawa: CM-BIL-03/);

    await advanceClock(app, clock, '2026-07-02T10:00:00+02:00');
    assert.deepEqual((await invoiceNets(app, renewsOnThe1st)).at(-1), ['2026-07-01', '119.00']);
    const newcomer = await aLiveCustomer(app, clock, 4);
    assert.deepEqual((await invoiceNets(app, newcomer)).at(-1), ['2026-07-02', '139.00']);

    await advanceClock(app, clock, '2026-07-10T10:00:00+02:00');
    assert.deepEqual((await invoiceNets(app, renewsOnThe9th)).at(-1), ['2026-07-09', '119.00']);
    assert.deepEqual((await invoiceNets(app, renewsOnThe10th)).at(-1), ['2026-07-10', '139.00']);

    await advanceClock(app, clock, '2026-08-01T10:00:00+02:00');
    assert.deepEqual((await invoiceNets(app, renewsOnThe1st)).slice(-2), [
      ['2026-07-01', '119.00'],
      ['2026-08-01', '139.00'],
    ]);
    const payments = (await app.billing.payments(renewsOnThe1st)).map((p) => p.amount);
    assert.deepEqual(payments.slice(-2), [14637n, 17097n]);
    assert.equal((await app.eventLog.verify()).ok, true);
  });

  it('CM-BIL-03: a price change with nothing to price or a bad amount is refused and notifies nobody', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const clock = await aTestClock(app, '2026-03-01T10:00:00+01:00');
    const accountId = await aLiveCustomer(app, clock, 1);
    for (const prices of [[], [{ plan: 'live', frequency: 'monthly', net: '139.001' }]]) {
      const res = await announce(app, { effectiveDate: '2026-07-01', currency: 'PLN', prices });
      assert.ok([400, 422].includes(res.statusCode), res.body);
    }
    assert.deepEqual(await notices(app, accountId), []);
  });
});

describe('Quanda: a price change with an objection window (art. 8.2, 4.6)', () => {
  const czech = (n: number) => ({
    ...aCompany(`Kytky ${n} s.r.o.`, anIco(`272801${n}`), 'CZ'),
    address: { street: 'Dlouhá 1', postalCode: '110 00', city: 'Praha 1', country: 'CZ' },
  });

  it('QU-BIL-11, QU-NOT-01: a notice emailed 2026-06-01 is deemed received 2026-06-04; an objection on 2026-06-09 keeps the old price (with a terms_objection refund right), one on 2026-06-10 is too late', async (t) => {
    const app = await anApp(t, 'quanda');
    const clock = await aTestClock(app, '2026-05-01T09:00:00+02:00');
    const customers: string[] = [];
    for (const n of [1, 2]) {
      const { accountId } = await registered(app, clock, {
        email: `k${n}@kytky${n}.example`,
        company: czech(n),
      });
      await order(app, accountId, { plan: 'professional_200', frequency: 'monthly' });
      await payOpenInvoices(app, accountId);
      customers.push(accountId);
    }
    const [objector, late] = customers as [string, string];

    await advanceClock(app, clock, '2026-06-01T09:00:00+02:00');
    for (const c of customers) await payOpenInvoices(app, c);
    const res = await announce(app, {
      effectiveDate: '2026-06-05',
      currency: 'CZK',
      prices: [{ plan: 'professional_200', frequency: 'monthly', net: '690.00' }],
      material: true,
      providerDriven: true,
    });
    assert.equal(res.statusCode, 201, res.body);
    const [notice] = await notices(app, objector);
    assert.deepEqual(
      [notice.sentOn, notice.receivedOn, notice.objectionUntil, notice.appliesFrom],
      ['2026-06-01', '2026-06-04', '2026-06-09', '2026-06-10'],
    );
    assert.equal(
      (await events(app, objector)).find((e) => e.type === 'price_change.notified')?.clause,
      'QU-BIL-11',
    );

    await advanceClock(app, clock, '2026-06-09T16:00:00+02:00');
    const objected = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${objector}/price-change-notices/${notice.id}/objection`,
      headers: app.operator,
    });
    assert.equal(objected.statusCode, 201, objected.body);
    assert.deepEqual(
      [objected.json().keepsOldPrice, objected.json().consequence, objected.json().refund],
      [true, 'provider_may_close_account', { reason: 'terms_objection' }],
    );
    const logged = (await events(app, objector)).find((e) => e.type === 'price_change.objected');
    assert.deepEqual([logged?.clause, logged?.data.objectedOn], ['QU-BIL-11', '2026-06-09']);

    await advanceClock(app, clock, '2026-06-10T09:00:00+02:00');
    const [lateNotice] = await notices(app, late);
    const tooLate = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${late}/price-change-notices/${lateNotice.id}/objection`,
      headers: app.operator,
    });
    assert.deepEqual([tooLate.statusCode, tooLate.json().code], [409, 'billing.objection_late']);

    // July: the objector is invoiced at the old price until its termination takes effect; the other at the new.
    await advanceClock(app, clock, '2026-07-01T09:00:00+02:00');
    assert.deepEqual((await invoiceNets(app, objector)).at(-1), ['2026-07-01', '590.00']);
    assert.deepEqual((await invoiceNets(app, late)).at(-1), ['2026-07-01', '690.00']);
  });

  it('QU-BIL-11, QU-LEG-02: a price change that is not material gives an objector no refund', async (t) => {
    const app = await anApp(t, 'quanda');
    const clock = await aTestClock(app, '2026-05-01T09:00:00+02:00');
    const { accountId } = await registered(app, clock, { company: czech(3) });
    await order(app, accountId, { plan: 'professional_200', frequency: 'monthly' });
    await advanceClock(app, clock, '2026-06-01T09:00:00+02:00');
    const res = await announce(app, {
      effectiveDate: '2026-06-05',
      currency: 'CZK',
      prices: [{ plan: 'professional_200', frequency: 'monthly', net: '690.00' }],
      material: false,
    });
    assert.equal(res.statusCode, 201, res.body);
    const [notice] = await notices(app, accountId);
    const objected = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${accountId}/price-change-notices/${notice.id}/objection`,
      headers: app.operator,
    });
    assert.deepEqual(
      [objected.statusCode, objected.json().keepsOldPrice, objected.json().refund],
      [201, true, null],
    );
  });
});

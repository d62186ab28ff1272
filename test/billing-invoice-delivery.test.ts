import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { advanceClock, anApp, anIco, aTestClock, events, registered } from './helpers/accounts.ts';
import type { TestApp } from './helpers/app.ts';

// QU-BIL-07: invoices are mailed on the issue date and deemed delivered on the next (Czech) business day; a
// later delivery the customer proves moves the due date later by the same number of days.

function recordDelivery(app: TestApp, accountId: string, invoiceId: string, deliveredOn: string) {
  return app.http.inject({
    method: 'POST',
    url: `/v1/accounts/${accountId}/invoices/${invoiceId}/delivery`,
    headers: app.operator,
    payload: { deliveredOn },
  });
}

async function aQuandaInvoice(app: TestApp, at: string) {
  const clock = await aTestClock(app, at);
  const { accountId } = await registered(app, clock, {
    email: 'petr@kun.example',
    company: {
      name: 'Kůň s.r.o.',
      taxId: anIco('2712345'),
      country: 'CZ',
      address: { street: 'Náměstí Míru 15', postalCode: '120 00', city: 'Praha 2', country: 'CZ' },
      isLegalPerson: true,
    },
  });
  const res = await app.http.inject({
    method: 'POST',
    url: `/v1/accounts/${accountId}/subscriptions`,
    headers: app.operator,
    payload: {
      plan: 'professional_500',
      frequency: 'monthly',
      identification: { orderingPerson: 'Petr Kůň' },
    },
  });
  assert.equal(res.statusCode, 201, res.body);
  return { clock, accountId, invoice: res.json().invoice };
}

describe('QU-BIL-07: deemed delivery and proven later delivery', () => {
  it('QU-BIL-07: issued Fri 2026-05-15, deemed delivered Mon 2026-05-18, due 2026-05-29; proven delivery Thu 2026-05-21 → due 2026-06-01', async (t) => {
    const app = await anApp(t, 'quanda');
    const { clock, accountId, invoice } = await aQuandaInvoice(app, '2026-05-15T10:00:00+02:00');
    assert.deepEqual(
      [invoice.issueDate, invoice.deemedDeliveredOn, invoice.dueDate, invoice.deliveredOn],
      ['2026-05-15', '2026-05-18', '2026-05-29', null],
    );
    // The invoice mail goes out on the issue date.
    const mails = (await app.outbox.list({ recipient: 'petr@kun.example' })).filter(
      (m) => m.template === 'billing.invoice_awaiting_payment',
    );
    assert.equal(mails.length, 1);
    assert.equal(mails[0]!.occurredAt.toISOString().slice(0, 10), '2026-05-15');

    // Not before it happened: on 2026-05-20 a delivery on 2026-05-21 is in the future.
    await advanceClock(app, clock, '2026-05-20T12:00:00+02:00');
    const early = await recordDelivery(app, accountId, invoice.id, '2026-05-21');
    assert.equal(early.statusCode, 422, early.body);
    assert.equal(early.json().code, 'billing.delivery_invalid');
    const beforeIssue = await recordDelivery(app, accountId, invoice.id, '2026-05-14');
    assert.equal(beforeIssue.statusCode, 422, beforeIssue.body);

    await advanceClock(app, clock, '2026-05-21T12:00:00+02:00');
    const res = await recordDelivery(app, accountId, invoice.id, '2026-05-21');
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(
      [res.json().deemedDeliveredOn, res.json().deliveredOn, res.json().dueDate],
      ['2026-05-18', '2026-05-21', '2026-06-01'],
    );
    const recorded = (await events(app, accountId)).filter((e) => e.type === 'invoice.delivery_recorded');
    assert.equal(recorded.length, 1);
    assert.equal(recorded[0]!.clause, 'QU-BIL-07');
    assert.deepEqual(
      [recorded[0]!.data.dueDateBefore, recorded[0]!.data.dueDate],
      ['2026-05-29', '2026-06-01'],
    );

    // The same date again changes nothing; another date is refused.
    const same = await recordDelivery(app, accountId, invoice.id, '2026-05-21');
    assert.equal(same.statusCode, 200);
    assert.equal(same.json().dueDate, '2026-06-01');
    const other = await recordDelivery(app, accountId, invoice.id, '2026-05-20');
    assert.equal(other.statusCode, 422, other.body);
    assert.equal(
      (await events(app, accountId)).filter((e) => e.type === 'invoice.delivery_recorded').length,
      1,
    );
    const tab = await app.http.inject({
      method: 'GET',
      url: `/v1/accounts/${accountId}/billing`,
      headers: app.operator,
    });
    assert.equal(tab.json().invoices[0].dueDate, '2026-06-01');
  });

  it('QU-BIL-07: deemed delivery follows the Czech calendar: issued Thu 2026-05-07, Fri 2026-05-08 is a holiday → deemed delivered Mon 2026-05-11; a delivery on the deemed day moves nothing', async (t) => {
    const app = await anApp(t, 'quanda');
    const { clock, accountId, invoice } = await aQuandaInvoice(app, '2026-05-07T10:00:00+02:00');
    assert.deepEqual([invoice.deemedDeliveredOn, invoice.dueDate], ['2026-05-11', '2026-05-21']);
    await advanceClock(app, clock, '2026-05-12T10:00:00+02:00');
    const res = await recordDelivery(app, accountId, invoice.id, '2026-05-11');
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().dueDate, '2026-05-21');
  });

  it('a policy that deems no delivery (ClickMeeting) refuses a delivery date; a customer cannot record one', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const clock = await aTestClock(app, '2026-03-15T10:00:00+01:00');
    const { accountId } = await registered(app, clock, {
      email: 'anna@roza.example',
      accountType: 'paid',
      plan: 'live',
    });
    const res = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${accountId}/subscriptions`,
      headers: app.operator,
      payload: {
        plan: 'live',
        frequency: 'monthly',
        card: { number: '4242 4242 4242 4242', expMonth: 12, expYear: 2030 },
        recurringConsent: true,
        identification: { orderingPerson: 'Anna Nowak' },
      },
    });
    const invoice = res.json().invoice;
    assert.equal(invoice.deemedDeliveredOn, null);
    const refused = await recordDelivery(app, accountId, invoice.id, '2026-03-15');
    assert.equal(refused.statusCode, 422, refused.body);
    const anonymous = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${accountId}/invoices/${invoice.id}/delivery`,
      payload: { deliveredOn: '2026-03-15' },
    });
    assert.equal(anonymous.statusCode, 401);
  });
});

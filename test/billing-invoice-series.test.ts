import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadPreset } from '../src/policy/index.ts';
import { aTestClock, registered } from './helpers/accounts.ts';
import { aRegistration, buildTestApp, type TestApp } from './helpers/app.ts';

// The invoice numbering comes from the policy (`billing.invoiceSeries`), corrections have their own series,
// and sandbox accounts number under TEST/ without taking real numbers.

const GOOD_CARD = { number: '4242 4242 4242 4242', expMonth: 12, expYear: 2030 };
const order = (app: TestApp, accountId: string) =>
  app.http.inject({
    method: 'POST',
    url: `/v1/accounts/${accountId}/subscriptions`,
    headers: app.operator,
    payload: {
      plan: 'live',
      frequency: 'monthly',
      card: GOOD_CARD,
      recurringConsent: true,
      identification: { orderingPerson: 'Anna Nowak' },
    },
  });

describe('invoice series from the policy', () => {
  it('CM-BIL-09, CM-BIL-04: INV-{YYYY}-{NNNNN} for invoices and KOR/{YYYY}/{MM}/{NNN} for corrections; a sandbox account numbers under TEST/ and takes no real number', async (t) => {
    const policy = structuredClone(loadPreset('clickmeeting'));
    policy.billing.invoiceSeries = { invoice: 'INV-{YYYY}-{NNNNN}', correction: 'KOR/{YYYY}/{MM}/{NNN}' };
    const app = await buildTestApp({ policy });
    t.after(() => app.close());

    const clock = await aTestClock(app, '2026-06-01T10:00:00+02:00');
    const { accountId } = await registered(app, clock, {
      email: 'anna@roza.example',
      accountType: 'paid',
      plan: 'live',
    });
    const sandbox = await order(app, accountId);
    assert.equal(sandbox.statusCode, 201, sandbox.body);
    assert.equal(sandbox.json().invoice.number, 'TEST/INV-2026-00001');
    const refund = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${accountId}/refunds`,
      headers: app.operator,
      payload: {
        paymentId: sandbox.json().payment.id,
        reason: 'termination_without_cause',
        on: '2026-06-19',
      },
    });
    assert.equal(refund.statusCode, 201, refund.body);
    assert.equal(refund.json().correction.number, 'TEST/KOR/2026/06/001');

    // A real customer (no test clock) starts the real series at 00001: the sandbox took none of its numbers.
    const reg = await app.http.inject({
      method: 'POST',
      url: '/v1/registrations',
      headers: app.operator,
      payload: aRegistration(app.current().policy, {
        email: 'jan@prawdziwy.example',
        accountType: 'paid',
        plan: 'live',
      }),
    });
    assert.equal(reg.statusCode, 201, reg.body);
    const real = await order(app, reg.json().accountId);
    assert.equal(real.statusCode, 201, real.body);
    assert.match(real.json().invoice.number, /^INV-\d{4}-00001$/);
  });
});

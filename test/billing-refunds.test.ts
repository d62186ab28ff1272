import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decideRefund, invoiceDocumentFromJson } from '../src/modules/billing/index.ts';
import { type Fa3Validator, makeFa3Validator } from '../src/modules/billing/ksef/index.ts';
import { AppError } from '../src/platform/errors.ts';
import { parseMoney, toDecimalString } from '../src/platform/money.ts';
import { loadPreset } from '../src/policy/index.ts';
import { anApp, aTestClock, events, registered } from './helpers/accounts.ts';
import type { TestApp } from './helpers/app.ts';

// Refunds: only for a reason on the terms' closed list (CM-BIL-04), in the amount the reason gives, through
// the gateway, documented by a correcting invoice (KOR).

const GOOD_CARD = { number: '4242 4242 4242 4242', expMonth: 12, expYear: 2030 };

let fa3: Fa3Validator;
before(async () => {
  fa3 = await makeFa3Validator();
});
after(() => fa3.close());

const clickmeeting = loadPreset('clickmeeting');
const quanda = loadPreset('quanda');

function refundReasonRefused(error: unknown): boolean {
  return error instanceof AppError && error.code === 'billing.refund_reason_not_allowed';
}

describe('decideRefund', () => {
  const june = { from: '2026-06-01', to: '2026-06-30' };

  it('CM-LIF-17: June paid 110.70 gross, terminated without cause on 2026-06-19 → 12/30 → 44.28', () => {
    const decision = decideRefund(clickmeeting, {
      reason: 'termination_without_cause',
      payments: [parseMoney('110.70', 'PLN')],
      period: june,
      on: '2026-06-19',
      frequency: 'monthly',
    });
    assert.equal(toDecimalString(decision.amount), '44.28');
    assert.equal(decision.unusedDays, 12);
    assert.equal(decision.fee, null);
  });

  it('CM-LIF-20: a withdrawal refunds every payment: 123.00 + 24.60 = 147.60, no fee', () => {
    const decision = decideRefund(clickmeeting, {
      reason: 'withdrawal',
      payments: [parseMoney('123.00', 'PLN'), parseMoney('24.60', 'PLN')],
      period: june,
      on: '2026-06-10',
      frequency: 'monthly',
    });
    assert.equal(toDecimalString(decision.amount), '147.60');
  });

  it('QU-LIF-08: a withdrawal from an annual 12,000 CZK order refunds 12,000 − 100 = 11,900 CZK', () => {
    const decision = decideRefund(quanda, {
      reason: 'withdrawal',
      payments: [parseMoney('12000.00', 'CZK')],
      period: { from: '2026-03-18', to: '2027-03-17' },
      on: '2026-04-10',
      frequency: 'annual',
    });
    assert.equal(toDecimalString(decision.amount), '11900.00');
    assert.equal(decision.amount.currency, 'CZK');
    assert.equal(toDecimalString(decision.fee!), '100.00');
  });

  it('QU-LIF-08: the handling fee never makes a refund negative', () => {
    const decision = decideRefund(quanda, {
      reason: 'withdrawal',
      payments: [parseMoney('60.00', 'CZK')],
      period: { from: '2026-03-18', to: '2026-04-17' },
      on: '2026-03-20',
      frequency: 'monthly',
    });
    assert.equal(toDecimalString(decision.amount), '0.00');
  });

  it('QU-LEG-02: closing after a material provider-driven change refunds 200 unused days of 12,000 less 100 = 6,475.34 CZK', () => {
    const decision = decideRefund(quanda, {
      reason: 'terms_objection',
      payments: [parseMoney('12000.00', 'CZK')],
      period: { from: '2026-01-01', to: '2026-12-31' },
      on: '2026-06-15',
      frequency: 'annual',
    });
    assert.equal(decision.unusedDays, 200);
    assert.equal(toDecimalString(decision.amount), '6475.34');
  });

  it('CM-BIL-04, BK-BIL-02: a normal cancellation, non-use or no reason at all is refused', () => {
    const input = {
      payments: [parseMoney('110.70', 'PLN')],
      period: june,
      on: '2026-06-19',
      frequency: 'monthly' as const,
    };
    assert.throws(
      () => decideRefund(clickmeeting, { ...input, reason: 'cancellation' }),
      refundReasonRefused,
    );
    assert.throws(() => decideRefund(clickmeeting, { ...input, reason: '' }), refundReasonRefused);
    assert.throws(
      () => decideRefund(loadPreset('bookero'), { ...input, reason: 'non_use' }),
      refundReasonRefused,
    );
  });
});

/** A ClickMeeting customer that ordered Live monthly by card on 2026-06-01 (146.37 gross for June). */
async function aPayingCustomer(app: TestApp) {
  const clock = await aTestClock(app, '2026-06-01T10:00:00+02:00');
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
      card: GOOD_CARD,
      recurringConsent: true,
      identification: { orderingPerson: 'Anna Nowak' },
    },
  });
  assert.equal(res.statusCode, 201, res.body);
  const order = res.json();
  assert.deepEqual(order.subscription.currentPeriod, { from: '2026-06-01', to: '2026-06-30' });
  assert.equal(order.invoice.gross, '146.37');
  return { clock, accountId, paymentId: order.payment.id as string, invoice: order.invoice };
}

function refund(
  app: TestApp,
  accountId: string,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
) {
  return app.http.inject({
    method: 'POST',
    url: `/v1/accounts/${accountId}/refunds`,
    headers: { ...app.operator, ...headers },
    payload: body,
  });
}

describe('POST /v1/accounts/:id/refunds', () => {
  it('CM-BIL-04: a refund without a reason, or for a normal cancellation or an unlisted reason, is refused with 422 and refunds nothing', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const { accountId, paymentId } = await aPayingCustomer(app);
    for (const body of [
      { paymentId },
      { paymentId, reason: 'cancellation' },
      { paymentId, reason: 'goodwill' },
    ]) {
      const res = await refund(app, accountId, body);
      assert.equal(res.statusCode, 422, res.body);
      assert.equal(res.json().code, 'billing.refund_reason_not_allowed');
    }
    assert.deepEqual(await app.billing.refunds(accountId), []);
    const log = await events(app, accountId);
    assert.equal(log.filter((e) => e.type === 'payment.refunded').length, 0);
  });

  it('CM-LIF-17, CM-BIL-04: terminated without cause on 2026-06-19, June paid 146.37 → 12/30 = 58.55 refunded (47.60 net + 10.95 VAT) with a KOR TEST/FV/2026/06/0002 whose FA(3) validates with P_15 −58.55', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const { accountId, paymentId, invoice } = await aPayingCustomer(app);

    const res = await refund(app, accountId, {
      paymentId,
      reason: 'termination_without_cause',
      on: '2026-06-19',
    });
    assert.equal(res.statusCode, 201, res.body);
    const body = res.json();
    // 146.37 × 12 / 30 = 58.548 → 58.55 (half up); net 119.00 × 58.55 / 146.37 = 47.60, VAT the rest.
    assert.deepEqual(
      [body.refund.amount, body.refund.currency, body.refund.reason],
      ['58.55', 'PLN', 'termination_without_cause'],
    );
    assert.match(body.refund.providerRef, /^re_sandbox_/);
    assert.deepEqual(
      [body.correction.kind, body.correction.number, body.correction.issueDate],
      ['KOR', 'TEST/FV/2026/06/0002', '2026-06-01'],
    );
    assert.deepEqual(
      [body.correction.net, body.correction.vat, body.correction.gross],
      ['-47.60', '-10.95', '-58.55'],
    );

    const detail = await app.http.inject({
      method: 'GET',
      url: `/v1/accounts/${accountId}/invoices/${body.correction.id}`,
      headers: app.operator,
    });
    assert.equal(detail.statusCode, 200, detail.body);
    const doc = invoiceDocumentFromJson(detail.json().document);
    assert.deepEqual(doc.correction?.original, {
      number: invoice.number,
      issueDate: invoice.issueDate,
      ksefNumber: null,
    });
    assert.equal(doc.lines[0]?.net.amount, -4760n);

    const xml = await app.http.inject({
      method: 'GET',
      url: `/v1/accounts/${accountId}/invoices/${body.correction.id}/fa3.xml`,
      headers: app.operator,
    });
    assert.equal(xml.statusCode, 200, xml.body);
    assert.deepEqual(fa3.validate(xml.body), { ok: true });
    assert.match(xml.body, /<RodzajFaktury>KOR<\/RodzajFaktury>/);
    assert.match(xml.body, /<P_15>-58\.55<\/P_15>/);
    assert.match(xml.body, /<NrFaKorygowanej>TEST\/FV\/2026\/06\/0001<\/NrFaKorygowanej>/);
    assert.match(xml.body, /<NrKSeFN>1<\/NrKSeFN>/);

    const log = await events(app, accountId);
    const refunded = log.filter((e) => e.type === 'payment.refunded');
    const corrected = log.filter((e) => e.type === 'invoice.corrected');
    assert.deepEqual(
      [refunded.length, refunded[0]?.clause, corrected.length, corrected[0]?.clause],
      [1, 'CM-BIL-04', 1, 'CM-BIL-04'],
    );
    assert.equal(refunded[0]?.data.amount, '58.55');
    assert.equal((await app.eventLog.verify()).ok, true);
  });

  it('CM-BIL-04: the same Idempotency-Key twice refunds once; another key for the same payment refunds nothing more', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const { accountId, paymentId } = await aPayingCustomer(app);
    const body = { paymentId, reason: 'withdrawal' };
    const first = await refund(app, accountId, body, { 'idempotency-key': 'refund-1' });
    assert.equal(first.statusCode, 201, first.body);
    assert.equal(first.json().refund.amount, '146.37', 'CM-LIF-20: the whole payment');
    const second = await refund(app, accountId, body, { 'idempotency-key': 'refund-1' });
    assert.equal(second.statusCode, 201, second.body);
    assert.equal(second.headers['idempotent-replayed'], 'true');
    assert.deepEqual(second.json(), first.json());
    const third = await refund(app, accountId, body, { 'idempotency-key': 'refund-2' });
    assert.equal(third.statusCode, 200, third.body);
    assert.equal(third.json().refund.id, first.json().refund.id);

    assert.equal((await app.billing.refunds(accountId)).length, 1);
    const log = await events(app, accountId);
    assert.equal(log.filter((e) => e.type === 'payment.refunded').length, 1);
    assert.equal(log.filter((e) => e.type === 'invoice.corrected').length, 1);
  });
});

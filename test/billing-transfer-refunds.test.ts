import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideRefund, invoiceDocumentFromJson } from '../src/modules/billing/index.ts';
import { parseMoney, toDecimalString } from '../src/platform/money.ts';
import { loadPreset } from '../src/policy/index.ts';
import { activate, advanceClock, anApp, aTestClock, events, logIn, registered } from './helpers/accounts.ts';
import type { TestApp } from './helpers/app.ts';

// Refunds of payments received by transfer (Quanda's customers pay by transfer): the same refund path as a
// card's (a reason from the closed list, a refund row, a correcting invoice), the money sent by the operator
// and confirmed with its bank reference; a handling fee is kept once per refund case, not once per payment.

const quanda = loadPreset('quanda');
const ofType = (log: Awaited<ReturnType<typeof events>>, type: string) => log.filter((e) => e.type === type);

describe('decideRefund over a case of several payments', () => {
  it('QU-LIF-08: 4,000 + 3,139 CZK paid for one annual order: the 100 CZK fee is kept from the first payment only (3,900 + 3,139)', () => {
    const input = {
      reason: 'withdrawal',
      period: { from: '2026-03-18', to: '2027-03-17' },
      on: '2026-04-10',
      frequency: 'annual' as const,
    };
    const first = decideRefund(quanda, { ...input, payments: [parseMoney('4000.00', 'CZK')] });
    const second = decideRefund(quanda, {
      ...input,
      payments: [parseMoney('3139.00', 'CZK')],
      feeLeft: first.feeLeft,
    });
    assert.deepEqual(
      [first, second].map((d) => [toDecimalString(d.amount), d.fee && toDecimalString(d.fee)]),
      [
        ['3900.00', '100.00'],
        ['3139.00', null],
      ],
    );
  });

  it('QU-LIF-08: a first payment of 60 CZK covers 60 of the fee, the other 40 come from the next payment', () => {
    const input = {
      reason: 'withdrawal',
      period: { from: '2026-03-18', to: '2027-03-17' },
      on: '2026-04-10',
      frequency: 'annual' as const,
    };
    const first = decideRefund(quanda, { ...input, payments: [parseMoney('60.00', 'CZK')] });
    const second = decideRefund(quanda, {
      ...input,
      payments: [parseMoney('500.00', 'CZK')],
      feeLeft: first.feeLeft,
    });
    assert.deepEqual(
      [first, second].map((d) => [toDecimalString(d.amount), d.fee && toDecimalString(d.fee)]),
      [
        ['0.00', '60.00'],
        ['460.00', '40.00'],
      ],
    );
    assert.equal(toDecimalString(second.feeLeft!), '0.00');
  });
});

describe('decideRefund: the terms-objection refund of a case', () => {
  it('QU-BIL-11, QU-LEG-02: an objection refund over two annual payments (200 unused days of 6,000 + 6,000 CZK) keeps the 100 CZK fee once: 3,187.67 + 3,287.67 = 6,475.34 CZK, as for one payment of 12,000', () => {
    const input = {
      reason: 'terms_objection',
      period: { from: '2026-01-01', to: '2026-12-31' },
      on: '2026-06-15',
      frequency: 'annual' as const,
    };
    const first = decideRefund(quanda, { ...input, payments: [parseMoney('6000.00', 'CZK')] });
    const second = decideRefund(quanda, {
      ...input,
      payments: [parseMoney('6000.00', 'CZK')],
      feeLeft: first.feeLeft,
    });
    const whole = decideRefund(quanda, { ...input, payments: [parseMoney('12000.00', 'CZK')] });
    assert.equal(first.unusedDays, 200);
    assert.deepEqual(
      [first, second].map((d) => [toDecimalString(d.amount), d.fee && toDecimalString(d.fee)]),
      [
        ['3187.67', '100.00'],
        ['3287.67', null],
      ],
    );
    assert.equal(toDecimalString(whole.amount), '6475.34');
    assert.equal(first.amount.amount + second.amount.amount, whole.amount.amount);
  });
});

/** A Quanda customer concluded 2026-03-04 whose annual order (7,139.00 CZK) was paid by two transfers. */
async function aCustomerPayingByTransfer(app: TestApp, transfers: readonly string[]) {
  const clock = await aTestClock(app, '2026-03-04T09:00:00+01:00');
  const { accountId } = await registered(app, clock, {
    company: {
      name: 'Kvetinarstvi Ruze s.r.o.',
      taxId: '27082440',
      country: 'CZ',
      address: { street: 'Dlouha 1', postalCode: '110 00', city: 'Praha', country: 'CZ' },
      isLegalPerson: true,
    },
  });
  await activate(app, 'anna@roza.example');
  await logIn(app, 'anna@roza.example');
  await advanceClock(app, clock, '2026-03-18T10:00:00+01:00');
  const placed = await app.http.inject({
    method: 'POST',
    url: `/v1/accounts/${accountId}/subscriptions`,
    headers: app.operator,
    payload: {
      plan: 'professional_200',
      frequency: 'annual',
      identification: { orderingPerson: 'Jana Novakova' },
    },
  });
  assert.equal(placed.statusCode, 201, placed.body);
  const invoice = placed.json().invoice;
  assert.equal(invoice.gross, '7139.00');
  const paymentIds: string[] = [];
  for (const [i, amount] of transfers.entries()) {
    const paid = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${accountId}/invoices/${invoice.id}/payments`,
      headers: app.operator,
      payload: { amount, currency: 'CZK', reference: `KB ${i + 1}` },
    });
    assert.equal(paid.statusCode, 201, paid.body);
    paymentIds.push(paid.json().payment.id);
  }
  return { clock, accountId, invoice, paymentIds };
}

describe('Quanda: refunds of transfer payments', () => {
  it('QU-LIF-08, CM-BIL-04: a withdrawal on 2026-04-10 from an order paid 4,000 + 3,139 CZK by transfer gives back 3,900 + 3,139 = 7,039 CZK (the fee once), each with a refund row and a KOR, paid once the operator confirms the transfer with its bank reference', async (t) => {
    const app = await anApp(t, 'quanda');
    const { clock, accountId, invoice, paymentIds } = await aCustomerPayingByTransfer(app, [
      '4000.00',
      '3139.00',
    ]);
    await advanceClock(app, clock, '2026-04-10T10:00:00+02:00');
    const res = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${accountId}/withdrawal`,
      headers: app.operator,
      payload: { channel: 'email' },
    });
    assert.equal(res.statusCode, 201, res.body);
    const obligations = res.json().refunds as Record<string, string>[];
    assert.deepEqual(
      obligations.map((r) => [r.amount, r.method, r.status, r.dueBy]),
      [
        ['3900.00', 'transfer', 'due', '2026-04-24'],
        ['3139.00', 'transfer', 'due', '2026-04-24'],
      ],
    );

    const refunds = await app.billing.refunds(accountId);
    assert.deepEqual(
      refunds.map((r) => [
        r.paymentId,
        r.reason,
        toDecimalString({ amount: r.amount, currency: 'CZK' }),
        r.provider,
        r.status,
        r.providerRef,
      ]),
      [
        [paymentIds[0], 'withdrawal', '3900.00', 'transfer', 'awaiting_transfer', null],
        [paymentIds[1], 'withdrawal', '3139.00', 'transfer', 'awaiting_transfer', null],
      ],
    );
    const corrections = await Promise.all(refunds.map((r) => app.billing.invoice(accountId, r.invoiceId!)));
    assert.deepEqual(
      corrections.map((c) => [
        c.kind,
        c.status,
        c.gross,
        invoiceDocumentFromJson(c.document).correction?.original.number,
      ]),
      [
        ['KOR', 'issued', '-3900.00', invoice.number],
        ['KOR', 'issued', '-3139.00', invoice.number],
      ],
    );
    const log = await events(app, accountId);
    assert.deepEqual(
      ofType(log, 'refund.due').map((e) => [e.data.amount, e.data.fee]),
      [
        ['3900.00', '100.00'],
        ['3139.00', null],
      ],
    );
    assert.equal(ofType(log, 'invoice.corrected').length, 2);

    await advanceClock(app, clock, '2026-04-20T10:00:00+02:00');
    for (const [i, obligation] of obligations.entries()) {
      const sent = await app.http.inject({
        method: 'POST',
        url: `/v1/accounts/${accountId}/refund-obligations/${obligation.id}/transfer`,
        headers: app.operator,
        payload: { reference: `KB OUT ${i + 1}` },
      });
      assert.equal(sent.statusCode, 200, sent.body);
    }
    const after = await app.billing.refunds(accountId);
    assert.deepEqual(
      after.map((r) => [r.status, r.providerRef, r.sentAt?.toISOString()]),
      [
        ['refunded', 'KB OUT 1', '2026-04-20T08:00:00.000Z'],
        ['refunded', 'KB OUT 2', '2026-04-20T08:00:00.000Z'],
      ],
    );
    const paidCorrections = await Promise.all(after.map((r) => app.billing.invoice(accountId, r.invoiceId!)));
    assert.deepEqual(
      paidCorrections.map((c) => c.status),
      ['paid', 'paid'],
    );
  });

  it('CM-BIL-04: the operator refunds a transfer payment for a listed reason: 201 awaiting the transfer with a KOR; confirming it twice records one bank reference', async (t) => {
    const app = await anApp(t, 'quanda');
    const { clock, accountId, paymentIds } = await aCustomerPayingByTransfer(app, ['7139.00']);
    await advanceClock(app, clock, '2026-04-10T10:00:00+02:00');
    const refused = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${accountId}/refunds`,
      headers: app.operator,
      payload: { paymentId: paymentIds[0], reason: 'cancellation' },
    });
    assert.equal(refused.statusCode, 422, refused.body);
    const res = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${accountId}/refunds`,
      headers: app.operator,
      payload: { paymentId: paymentIds[0], reason: 'withdrawal' },
    });
    assert.equal(res.statusCode, 201, res.body);
    const { refund, correction } = res.json();
    assert.deepEqual(
      [refund.amount, refund.status, refund.providerRef, correction.kind, correction.gross],
      ['7039.00', 'awaiting_transfer', null, 'KOR', '-7039.00'],
    );
    for (let i = 0; i < 2; i++) {
      const sent = await app.http.inject({
        method: 'POST',
        url: `/v1/accounts/${accountId}/refunds/${refund.id}/transfer`,
        headers: app.operator,
        payload: { reference: i === 0 ? 'KB OUT 9' : 'KB OUT 10' },
      });
      assert.equal(sent.statusCode, 200, sent.body);
      assert.deepEqual([sent.json().refund.status, sent.json().refund.providerRef], ['refunded', 'KB OUT 9']);
    }
    assert.equal(ofType(await events(app, accountId), 'payment.refund_sent').length, 1);
    const missing = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${accountId}/refunds/ref_nope/transfer`,
      headers: app.operator,
      payload: { reference: 'KB OUT 11' },
    });
    assert.equal(missing.statusCode, 404, missing.body);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMoney } from '../../platform/money.ts';
import { type CardError, luhnOk, makeSandboxProvider } from './sandbox-provider.ts';

const sandbox = makeSandboxProvider();
const nov2026 = { year: 2026, month: 11 };
const card = (number: string, expYear = 2028, expMonth = 12) => ({ number, expMonth, expYear });
const charge = (methodRef: string, key: string, offSession = true, exp = { expMonth: 12, expYear: 2028 }) =>
  sandbox.charge(
    { methodRef, amount: parseMoney('123.00', 'PLN'), idempotencyKey: key, offSession, on: nov2026 },
    exp,
  );

describe('sandbox provider', () => {
  it('keeps only the brand, the last four digits and the expiry of a card', () => {
    const attached = sandbox.attach(card('4242 4242 4242 4242'), nov2026);
    assert.equal(attached.last4, '4242');
    assert.equal(attached.brand, 'visa');
    assert.doesNotMatch(attached.providerRef, /4242424242/);
  });

  it('refuses numbers that fail the Luhn check and cards already expired', () => {
    assert.equal(luhnOk('4242424242424242'), true);
    assert.throws(
      () => sandbox.attach(card('4242424242424241'), nov2026),
      (e: CardError) => e.code === 'invalid_number',
    );
    assert.throws(
      () => sandbox.attach(card('4242424242424242', 2026, 10), nov2026),
      (e: CardError) => e.code === 'expired_card',
    );
  });

  it('the documented test cards decline with their codes', () => {
    assert.throws(
      () => sandbox.attach(card('4000000000000002'), nov2026),
      (e: CardError) => e.code === 'card_declined',
    );
    assert.throws(
      () => sandbox.attach(card('4000000000009995'), nov2026),
      (e: CardError) => e.code === 'insufficient_funds',
    );
    assert.throws(
      () => sandbox.attach(card('4000000000000069'), nov2026),
      (e: CardError) => e.code === 'expired_card',
    );
  });

  it('a good card is charged; the same idempotency key gives the same reference', () => {
    const { providerRef } = sandbox.attach(card('4242424242424242'), nov2026);
    const first = charge(providerRef, 'sub_1:2026-12-01');
    assert.equal(first.status, 'succeeded');
    assert.deepEqual(charge(providerRef, 'sub_1:2026-12-01'), first);
    assert.notEqual(charge(providerRef, 'sub_1:2027-01-01').providerRef, first.providerRef);
  });

  it('an authentication card fails off-session renewals and succeeds with the customer present', () => {
    const { providerRef } = sandbox.attach(card('4000002500003155'), nov2026);
    assert.deepEqual(
      { ...charge(providerRef, 'a', true), providerRef: '' },
      { status: 'failed', failureCode: 'authentication_required', providerRef: '' },
    );
    assert.equal(charge(providerRef, 'b', false).status, 'succeeded');
  });

  it('a card that attaches fine can decline every later charge, and a card past its expiry declines', () => {
    const { providerRef } = sandbox.attach(card('4000000000000341'), nov2026);
    assert.equal(charge(providerRef, 'c').status, 'failed');
    const good = sandbox.attach(card('4242424242424242', 2026, 11), nov2026);
    const later = sandbox.charge(
      {
        methodRef: good.providerRef,
        amount: parseMoney('1.00', 'PLN'),
        idempotencyKey: 'd',
        offSession: true,
        on: { year: 2026, month: 12 },
      },
      { expMonth: 11, expYear: 2026 },
    );
    assert.deepEqual(later.status === 'failed' && later.failureCode, 'expired_card');
  });

  it('charges a card by its reference alone, which carries the expiry an operator may not keep (BK-BIL-05)', () => {
    const { providerRef } = sandbox.attach(card('4242424242424242', 2026, 11), nov2026);
    assert.match(providerRef, /^pm_sandbox_ok_202611_/);
    const on = (month: number) =>
      sandbox.charge({
        methodRef: providerRef,
        amount: parseMoney('1.00', 'PLN'),
        idempotencyKey: `e${month}`,
        offSession: true,
        on: { year: 2026, month },
      });
    assert.equal(on(11).status, 'succeeded');
    const expired = on(12);
    assert.deepEqual(expired.status === 'failed' && expired.failureCode, 'expired_card');
  });
});

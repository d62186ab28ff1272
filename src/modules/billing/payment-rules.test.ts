import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMoney, toDecimalString } from '../../platform/money.ts';
import { applyPayment, drawCredit } from './payment-rules.ts';

const pln = (text: string) => parseMoney(text, 'PLN');
const shown = (a: ReturnType<typeof applyPayment>) => ({
  status: a.status,
  amountPaid: toDecimalString(a.amountPaid),
  applied: toDecimalString(a.applied),
  excess: toDecimalString(a.excess),
});

describe('applyPayment', () => {
  it('CM-BIL-08: 100.00 paid on a 123.00 invoice leaves it partially paid', () => {
    assert.deepEqual(shown(applyPayment({ gross: pln('123.00'), amountPaid: pln('0') }, pln('100.00'))), {
      status: 'partially_paid',
      amountPaid: '100.00',
      applied: '100.00',
      excess: '0.00',
    });
  });

  it('CM-BIL-08: the rest of it (23.00) pays it in full', () => {
    assert.deepEqual(shown(applyPayment({ gross: pln('123.00'), amountPaid: pln('100.00') }, pln('23.00'))), {
      status: 'paid',
      amountPaid: '123.00',
      applied: '23.00',
      excess: '0.00',
    });
  });

  it('CM-BIL-05: 150.00 received against 123.00 due leaves 27.00 over', () => {
    assert.deepEqual(shown(applyPayment({ gross: pln('123.00'), amountPaid: pln('0') }, pln('150.00'))), {
      status: 'paid',
      amountPaid: '123.00',
      applied: '123.00',
      excess: '27.00',
    });
  });

  it('money for an invoice already paid is all excess; nothing that is not money is accepted', () => {
    assert.equal(
      toDecimalString(applyPayment({ gross: pln('123.00'), amountPaid: pln('123.00') }, pln('5.00')).excess),
      '5.00',
    );
    assert.throws(() => applyPayment({ gross: pln('123.00'), amountPaid: pln('0') }, pln('0')), RangeError);
  });
});

describe('drawCredit', () => {
  it('CM-BIL-05: 27.00 of credit reduces a 123.00 charge to 96.00', () => {
    const { fromCredit, toCharge } = drawCredit(pln('123.00'), pln('27.00'));
    assert.deepEqual([toDecimalString(fromCredit), toDecimalString(toCharge)], ['27.00', '96.00']);
  });

  it('credit larger than the charge covers it all; no credit leaves the charge whole', () => {
    assert.deepEqual(Object.values(drawCredit(pln('123.00'), pln('200.00'))).map(toDecimalString), [
      '123.00',
      '0.00',
    ]);
    assert.deepEqual(Object.values(drawCredit(pln('123.00'), pln('0'))).map(toDecimalString), [
      '0.00',
      '123.00',
    ]);
  });
});

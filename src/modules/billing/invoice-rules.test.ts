import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMoney, toDecimalString } from '../../platform/money.ts';
import { loadPreset } from '../../policy/index.ts';
import {
  type Buyer,
  buyerPartyOf,
  decideInvoiceVat,
  invoiceDocument,
  invoiceDueDate,
  invoiceGross,
  issuesKsefInvoices,
  sellerOf,
} from './invoice-rules.ts';
import { euStandardVatRates } from './vat/index.ts';

const clickmeeting = loadPreset('clickmeeting');
const quanda = loadPreset('quanda');

const polishBuyer: Buyer = {
  companyName: 'Kwiaciarnia Róża sp. z o.o.',
  taxId: 'PL5260250274',
  country: 'PL',
  address: { street: 'ul. Długa 1', postalCode: '80-831', city: 'Gdańsk', country: 'PL' },
  email: 'anna@roza.example',
};
const czechBuyer: Buyer = {
  ...polishBuyer,
  companyName: 'Kytky s.r.o.',
  taxId: 'CZ12345679',
  country: 'CZ',
  address: { street: 'Dlouhá 1', postalCode: '110 00', city: 'Praha 1', country: 'CZ' },
};
const pln = (text: string) => parseMoney(text, 'PLN');

describe('invoice rules', () => {
  it('CM-BIL-08: 119.00 net to a Polish company is invoiced at 23%: 27.37 VAT, 146.37 gross', () => {
    const vat = decideInvoiceVat(clickmeeting, polishBuyer, '2026-03-15', euStandardVatRates, 'pl');
    assert.deepEqual(vat?.treatment, { kind: 'rate', percent: 23 });
    const items = [{ description: 'Live', net: pln('119.00') }];
    assert.equal(toDecimalString(invoiceGross(items, vat, 'PLN')), '146.37');
    const doc = invoiceDocument({
      policy: clickmeeting,
      number: 'FV/2026/03/0001',
      issueDate: '2026-03-15',
      period: { from: '2026-03-15', to: '2026-04-14' },
      buyer: polishBuyer,
      items,
      vat,
      payment: {
        dueDate: null,
        paid: { at: '2026-03-15', amount: pln('146.37'), method: 'card' },
        bankAccount: null,
      },
      language: 'pl',
    });
    assert.deepEqual([doc.totals.net, doc.totals.vat, doc.totals.gross].map(toDecimalString), [
      '119.00',
      '27.37',
      '146.37',
    ]);
    assert.deepEqual(doc.seller.taxId, { scheme: 'NIP', value: '5842747535' });
    assert.deepEqual(doc.buyer.taxId, { scheme: 'NIP', value: '5260250274' });
    assert.equal(doc.placeOfIssue, 'Gdańsk');
  });

  it('QU-BIL-08: a Czech company pays Czech VAT of 21%; Quanda issues no FA(3), ClickMeeting does', () => {
    const vat = decideInvoiceVat(quanda, czechBuyer, '2026-02-10', euStandardVatRates, 'pl');
    assert.deepEqual(vat?.treatment, { kind: 'rate', percent: 21 });
    assert.equal(
      toDecimalString(invoiceGross([{ net: parseMoney('5900.00', 'CZK') }], vat, 'CZK')),
      '7139.00',
    );
    assert.equal(issuesKsefInvoices(quanda), false);
    assert.equal(issuesKsefInvoices(clickmeeting), true);
    assert.deepEqual(buyerPartyOf(czechBuyer).taxId, { scheme: 'VAT', value: 'CZ12345679' });
    assert.equal(sellerOf(quanda).name, 'Quanda International s.r.o.');
  });

  it('an EU business abroad without a VIES answer is not zero-rated where the policy requires VIES', () => {
    const german: Buyer = { ...polishBuyer, country: 'DE', taxId: 'DE123456789' };
    const vat = decideInvoiceVat(clickmeeting, german, '2026-03-15', euStandardVatRates, 'pl');
    assert.equal(vat?.reason, 'eu_unverified_business_oss');
  });

  it('QU-BIL-05: an invoice issued 2026-02-10 with 14-day terms is due 2026-02-24; paid-first invoices have no due date', () => {
    assert.equal(invoiceDueDate(quanda, '2026-02-10'), '2026-02-24');
    assert.equal(invoiceDueDate(clickmeeting, '2026-03-15'), null);
  });
});

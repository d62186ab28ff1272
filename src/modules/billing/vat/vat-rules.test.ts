import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectAppError } from '../../../../test/helpers/assertions.ts';
import { add, type Money, parseMoney, toDecimalString } from '../../../platform/money.ts';
import { loadPreset, presetNames, type Vat } from '../../../policy/index.ts';
import type { VatTreatment } from '../invoice-document.ts';
import { offlineVies } from './vat-id.ts';
import { euStandardRateRows, euStandardVatRates, makeVatRateTable } from './vat-rates.ts';
import {
  compareDomesticRate,
  decideVat,
  invoiceTotals,
  invoiceVatSummary,
  taxPointFor,
  type VatBuyer,
  type VatInput,
  vatAmount,
} from './vat-rules.ts';

function vatOf(preset: string): Vat {
  const vat = loadPreset(preset).billing.vat;
  assert.ok(vat, `${preset} has a VAT section`);
  return vat;
}

const quanda = vatOf('quanda');
const clickmeeting = vatOf('clickmeeting');

const czCompany: VatBuyer = { country: 'CZ', isBusiness: true, vatId: 'CZ25596641', vatIdValid: true };
const plCompany: VatBuyer = { country: 'PL', isBusiness: true, vatId: 'PL5260250274', vatIdValid: true };
const usCompany: VatBuyer = { country: 'US', isBusiness: true, vatId: null, vatIdValid: null };
const consumer = (country: string): VatBuyer => ({
  country,
  isBusiness: false,
  vatId: null,
  vatIdValid: null,
});

function quandaSells(buyer: VatBuyer, taxPoint = '2026-04-01', language: 'pl' | 'en' = 'pl') {
  return decideVat({
    seller: { country: 'CZ', vat: quanda, clause: 'QU-BIL-08' },
    buyer,
    taxPoint,
    rates: euStandardVatRates,
    language,
  });
}

function polishSellerSells(buyer: VatBuyer, vat: Partial<Vat> = {}, taxPoint = '2026-04-01') {
  return decideVat({
    seller: { country: 'PL', vat: { ...clickmeeting, ...vat } },
    buyer,
    taxPoint,
    rates: euStandardVatRates,
  });
}

/** net + VAT as the customer pays it, e.g. "1210.00". */
function totalDue(net: Money, treatment: VatTreatment): string {
  return toDecimalString(add(net, vatAmount(net, treatment)));
}

const czk = (text: string) => parseMoney(text, 'CZK');
const pln = (text: string) => parseMoney(text, 'PLN');
const eur = (text: string) => parseMoney(text, 'EUR');

describe('decideVat for a Czech seller (Quanda)', () => {
  it('QU-BIL-08: net 1,000 CZK on 2026-04-01 — a CZ company pays 1,210 CZK', () => {
    const decision = quandaSells(czCompany);
    assert.deepEqual(decision, {
      treatment: { kind: 'rate', percent: 21 },
      reason: 'domestic_standard',
      notes: [],
      clause: 'QU-BIL-08',
    });
    assert.equal(totalDue(czk('1000.00'), decision.treatment), '1210.00');
  });

  it('QU-BIL-08: a Polish company with a VIES-valid VAT id pays 1,000 CZK with a reverse-charge note', () => {
    const decision = quandaSells(plCompany);
    assert.deepEqual(decision.treatment, { kind: 'reverse_charge_eu' });
    assert.equal(decision.reason, 'eu_b2b_reverse_charge');
    assert.deepEqual(decision.notes, ['odwrotne obciążenie']);
    assert.deepEqual(quandaSells(plCompany, '2026-04-01', 'en').notes, ['reverse charge']);
    assert.equal(totalDue(czk('1000.00'), decision.treatment), '1000.00');
  });

  it('QU-BIL-08: a US company pays 1,000 CZK, outside the scope of EU VAT', () => {
    const decision = quandaSells(usCompany);
    assert.deepEqual(decision.treatment, { kind: 'outside_scope' });
    assert.equal(decision.reason, 'non_eu_outside_scope');
    assert.equal(decision.notes.length, 1);
    assert.equal(totalDue(czk('1000.00'), decision.treatment), '1000.00');
  });

  it('QU-BIL-08 (A7): a CZ business pays CZ VAT even with a VIES-valid VAT id, and a CZ consumer too', () => {
    assert.equal(quandaSells(czCompany).reason, 'domestic_standard');
    assert.deepEqual(quandaSells(consumer('CZ')).treatment, { kind: 'rate', percent: 21 });
  });

  it('QU-BIL-08 (A7): an EU non-business individual pays their member state’s rate (OSS)', () => {
    const german = quandaSells(consumer('DE'));
    assert.deepEqual(german.treatment, { kind: 'oss', country: 'DE', percent: 19 });
    assert.equal(german.reason, 'eu_b2c_oss');
    assert.deepEqual(german.notes, ['VAT DE 19% rozliczany w procedurze OSS']);
    assert.equal(totalDue(czk('1000.00'), german.treatment), '1190.00');
    assert.deepEqual(quandaSells(consumer('FI'), '2026-04-01', 'en').notes, [
      'FI VAT 25.5% accounted for under the OSS scheme',
    ]);
    assert.deepEqual(quandaSells(consumer('GR')).treatment, { kind: 'oss', country: 'GR', percent: 24 });
    assert.deepEqual(quandaSells(consumer('EL')).treatment, { kind: 'oss', country: 'GR', percent: 24 });
  });

  it('QU-BIL-08 (A7): the buyer’s rate is the one in force on the tax point (SK 20% → 23% on 2025-01-01)', () => {
    assert.deepEqual(quandaSells(consumer('SK'), '2024-12-31').treatment, {
      kind: 'oss',
      country: 'SK',
      percent: 20,
    });
    assert.deepEqual(quandaSells(consumer('SK'), '2025-01-01').treatment, {
      kind: 'oss',
      country: 'SK',
      percent: 23,
    });
  });

  it('QU-BIL-08 (A7): a business whose VAT id VIES rejects, or that has none, pays VAT like a consumer', () => {
    const rejected = quandaSells({ ...plCompany, vatIdValid: false });
    assert.deepEqual(rejected.treatment, { kind: 'oss', country: 'PL', percent: 23 });
    assert.equal(rejected.reason, 'eu_unverified_business_oss');
    assert.equal(
      quandaSells({ ...plCompany, vatId: null, vatIdValid: null }).reason,
      'eu_unverified_business_oss',
    );
    assert.equal(
      quandaSells({ ...plCompany, vatId: '  ', vatIdValid: true }).reason,
      'eu_unverified_business_oss',
    );
  });

  it('QU-BIL-08 (A7): a VAT id VIES has not checked does not zero-rate when the policy requires VIES', async () => {
    assert.equal(quanda.viesCheckRequired, true);
    const answer = await offlineVies.check('PL', '5260250274');
    const decision = quandaSells({ ...plCompany, vatIdValid: answer.valid });
    assert.equal(decision.reason, 'eu_unverified_business_oss');
  });

  it('QU-BIL-08 (A7): a non-EU customer VAT-registered in a member state is treated as established there', () => {
    const registeredInDe = quandaSells({
      country: 'US',
      isBusiness: true,
      vatId: 'DE123456789',
      vatIdValid: true,
    });
    assert.equal(registeredInDe.reason, 'eu_b2b_reverse_charge');
    const registeredInCz = quandaSells({
      country: 'US',
      isBusiness: true,
      vatId: 'CZ25596641',
      vatIdValid: true,
    });
    assert.deepEqual(registeredInCz.treatment, { kind: 'rate', percent: 21 });
    const unchecked = quandaSells({
      country: 'US',
      isBusiness: true,
      vatId: 'DE123456789',
      vatIdValid: null,
    });
    assert.equal(unchecked.reason, 'non_eu_outside_scope');
    const britishVatId = quandaSells({
      country: 'GB',
      isBusiness: true,
      vatId: 'GB123456789',
      vatIdValid: true,
    });
    assert.equal(britishVatId.reason, 'non_eu_outside_scope');
  });

  it('QU-BIL-08: a non-EU consumer pays no VAT', () => {
    assert.equal(quandaSells(consumer('US')).reason, 'non_eu_outside_scope');
    assert.equal(quandaSells(consumer('NO')).reason, 'non_eu_outside_scope');
  });
});

describe('decideVat for a Polish seller', () => {
  it('CM-BIL-08: PLN 100.00 net invoiced on 2026-03-01 at 23% comes to PLN 123.00', () => {
    const taxPoint = taxPointFor(clickmeeting, { issueDate: '2026-03-01', supplyDate: '2026-03-31' });
    assert.equal(taxPoint, '2026-03-01');
    const decision = polishSellerSells(
      { country: 'PL', isBusiness: true, vatId: '5260250274', vatIdValid: null },
      {},
      taxPoint,
    );
    assert.deepEqual(decision.treatment, { kind: 'rate', percent: 23 });
    assert.equal(decision.reason, 'domestic_standard');
    assert.equal(totalDue(pln('100.00'), decision.treatment), '123.00');
  });

  it('CM-BIL-08: VAT follows the rate in force on the issue date, not on the supply date', () => {
    const rates = makeVatRateTable([
      ...euStandardRateRows,
      { country: 'PL', percent: 25, effectiveFrom: '2026-03-01' }, // a hypothetical rise
    ]);
    const dates = { issueDate: '2026-03-01', supplyDate: '2026-02-28' };
    const decide = (vat: Vat) =>
      decideVat({
        seller: { country: 'PL', vat, clause: 'CM-BIL-08' },
        buyer: consumer('PL'),
        taxPoint: taxPointFor(vat, dates),
        rates,
      });
    const onIssue = decide(clickmeeting);
    assert.deepEqual(onIssue.treatment, { kind: 'rate', percent: 25 });
    assert.equal(onIssue.clause, 'CM-BIL-08');
    assert.deepEqual(decide({ ...clickmeeting, rateAt: 'supply_date' }).treatment, {
      kind: 'rate',
      percent: 23,
    });
  });

  it('reverse-charges an EU business with a VIES-valid VAT id ("np II", "odwrotne obciążenie")', () => {
    const decision = polishSellerSells({
      country: 'DE',
      isBusiness: true,
      vatId: 'DE123456789',
      vatIdValid: true,
    });
    assert.deepEqual(decision, {
      treatment: { kind: 'reverse_charge_eu' },
      reason: 'eu_b2b_reverse_charge',
      notes: ['odwrotne obciążenie'],
      clause: null,
    });
  });

  it('charges an EU consumer their member state’s rate under OSS, or 23% when the policy says below threshold', () => {
    assert.deepEqual(polishSellerSells(consumer('FR')).treatment, {
      kind: 'oss',
      country: 'FR',
      percent: 20,
    });
    assert.equal(polishSellerSells(consumer('FR')).reason, 'eu_b2c_oss');
    const belowThreshold = polishSellerSells(consumer('FR'), { euConsumer: 'domestic_rate' });
    assert.deepEqual(belowThreshold, {
      treatment: { kind: 'rate', percent: 23 },
      reason: 'eu_b2c_domestic_rate',
      notes: [],
      clause: null,
    });
    const unverified = polishSellerSells(
      { country: 'FR', isBusiness: true, vatId: null, vatIdValid: null },
      { euConsumer: 'domestic_rate' },
    );
    assert.equal(unverified.reason, 'eu_unverified_business_domestic_rate');
  });

  it('treats a buyer outside the EU as not taxable in Poland ("np I"), or at 23% if the policy says so', () => {
    const swiss = { country: 'CH', isBusiness: true, vatId: 'CHE123456789', vatIdValid: null };
    assert.deepEqual(polishSellerSells(swiss).treatment, { kind: 'outside_scope' });
    assert.deepEqual(polishSellerSells(swiss, { nonEu: 'domestic_rate' }), {
      treatment: { kind: 'rate', percent: 23 },
      reason: 'non_eu_domestic_rate',
      notes: [],
      clause: null,
    });
  });

  it('charges 23% to an EU business when the policy says domestic_rate for EU businesses', () => {
    const decision = polishSellerSells(
      { country: 'DE', isBusiness: true, vatId: 'DE123456789', vatIdValid: true },
      { euBusiness: 'domestic_rate' },
    );
    assert.deepEqual(decision.treatment, { kind: 'rate', percent: 23 });
    assert.equal(decision.reason, 'eu_b2b_domestic_rate');
  });

  it('accepts an unchecked VAT id when the policy does not require VIES, never a rejected one', () => {
    const unchecked = { country: 'DE', isBusiness: true, vatId: 'DE123456789', vatIdValid: null };
    assert.equal(polishSellerSells(unchecked, { viesCheckRequired: false }).reason, 'eu_b2b_reverse_charge');
    assert.equal(polishSellerSells(unchecked).reason, 'eu_unverified_business_oss');
    assert.equal(
      polishSellerSells({ ...unchecked, vatIdValid: false }, { viesCheckRequired: false }).reason,
      'eu_unverified_business_oss',
    );
  });

  it('refuses a seller country that is not the policy’s, or one outside the EU', () => {
    const input: VatInput = {
      seller: { country: 'CZ', vat: clickmeeting },
      buyer: consumer('PL'),
      taxPoint: '2026-04-01',
      rates: euStandardVatRates,
    };
    assert.throws(() => decideVat(input), expectAppError('billing.vat_config_invalid'));
    const swissSeller = {
      ...input,
      seller: { country: 'CH', vat: { ...clickmeeting, domesticCountry: 'CH' } },
    };
    assert.throws(() => decideVat(swissSeller), expectAppError('billing.vat_config_invalid'));
  });

  it('fails loudly when the table has no rate for the tax point', () => {
    assert.throws(
      () => polishSellerSells(consumer('PL'), {}, '2010-06-01'),
      expectAppError('billing.vat_rate_unknown'),
    );
  });
});

describe('the presets’ VAT sections', () => {
  it('state a domestic rate that matches the rate table on 2026-04-01', () => {
    for (const name of presetNames) {
      const vat = loadPreset(name).billing.vat;
      if (vat === null) continue;
      assert.deepEqual(compareDomesticRate(vat, euStandardVatRates, '2026-04-01'), { matches: true }, name);
    }
  });

  it('flag a policy whose domestic rate has fallen behind the table', () => {
    const slovak: Vat = { ...quanda, domesticCountry: 'SK', domesticRatePercent: '20' };
    assert.deepEqual(compareDomesticRate(slovak, euStandardVatRates, '2025-01-01'), {
      matches: false,
      policyPercent: 20,
      tablePercent: 23,
    });
  });
});

describe('vatAmount', () => {
  const at = (percent: number): VatTreatment => ({ kind: 'rate', percent });
  const cases: [net: Money, treatment: VatTreatment, vat: string][] = [
    [pln('100.00'), at(23), '23.00'],
    [pln('0.50'), at(23), '0.12'], // 0.115 rounds half-up
    [pln('0.49'), at(23), '0.11'], // 0.1127
    [pln('-0.50'), at(23), '-0.12'], // a correction rounds like a charge
    [eur('0.02'), at(25.5), '0.01'], // 0.0051
    [czk('677.42'), at(21), '142.26'], // 142.2582
    [pln('100.00'), at(0), '0.00'],
    [pln('100.00'), { kind: 'reverse_charge_eu' }, '0.00'],
    [pln('100.00'), { kind: 'outside_scope' }, '0.00'],
    [pln('100.00'), { kind: 'exempt', basis: 'art. 43 ust. 1 pkt 37' }, '0.00'],
  ];
  for (const [net, treatment, expected] of cases) {
    it(`${toDecimalString(net)} ${net.currency} ${JSON.stringify(treatment)} → ${expected}`, () => {
      const vat = vatAmount(net, treatment);
      assert.equal(vat.currency, net.currency);
      assert.equal(toDecimalString(vat), expected);
    });
  }

  it('refuses a rate with more than two decimals', () => {
    assert.throws(() => vatAmount(pln('100.00'), { kind: 'rate', percent: 23.125 }), RangeError);
  });
});

describe('invoiceVatSummary', () => {
  const at23: VatTreatment = { kind: 'rate', percent: 23 };
  const at8: VatTreatment = { kind: 'rate', percent: 8 };

  it('computes VAT per rate on the rate’s total net (0.50 + 0.50 at 23% = 0.23, not 0.12 + 0.12)', () => {
    const rows = invoiceVatSummary([
      { net: pln('0.50'), vat: at23 },
      { net: pln('0.50'), vat: at23 },
    ]);
    assert.equal(rows.length, 1);
    assert.equal(toDecimalString(rows[0]!.net), '1.00');
    assert.equal(toDecimalString(rows[0]!.vatAmount), '0.23');
    assert.equal(toDecimalString(rows[0]!.gross), '1.23');
    assert.equal(rows[0]!.vatAmountPln, null);
  });

  it('gives one row per treatment, rates first and highest first, and totals from the rows', () => {
    const rows = invoiceVatSummary([
      { net: pln('10.00'), vat: { kind: 'outside_scope' } },
      { net: pln('50.00'), vat: at8 },
      { net: pln('100.00'), vat: at23 },
      { net: pln('20.00'), vat: { kind: 'reverse_charge_eu' } },
      { net: pln('30.00'), vat: at23 },
    ]);
    assert.deepEqual(
      rows.map((row) => [row.vat, toDecimalString(row.net), toDecimalString(row.vatAmount)]),
      [
        [at23, '130.00', '29.90'],
        [at8, '50.00', '4.00'],
        [{ kind: 'reverse_charge_eu' }, '20.00', '0.00'],
        [{ kind: 'outside_scope' }, '10.00', '0.00'],
      ],
    );
    const totals = invoiceTotals(rows, 'PLN');
    assert.deepEqual([totals.net, totals.vat, totals.gross].map(toDecimalString), [
      '210.00',
      '33.90',
      '243.90',
    ]);
    assert.deepEqual(invoiceTotals([], 'PLN').gross, pln('0.00'));
    assert.deepEqual(invoiceVatSummary([]), []);
  });

  it('converts each rate row’s VAT to PLN at the NBP rate for a foreign-currency invoice', () => {
    const rate = { currency: 'EUR', date: '2026-11-13', table: '221/A/NBP/2026', midPln: '4.2512' };
    const rows = invoiceVatSummary(
      [
        { net: eur('100.00'), vat: at23 },
        { net: eur('100.00'), vat: { kind: 'reverse_charge_eu' } },
      ],
      rate,
    );
    assert.equal(toDecimalString(rows[0]!.vatAmount), '23.00');
    assert.deepEqual(rows[0]!.vatAmountPln, pln('97.78')); // 97.7776
    assert.equal(rows[1]!.vatAmountPln, null);
  });

  it('refuses lines in two currencies', () => {
    assert.throws(
      () =>
        invoiceVatSummary([
          { net: pln('1.00'), vat: at23 },
          { net: eur('1.00'), vat: at23 },
        ]),
      TypeError,
    );
  });
});

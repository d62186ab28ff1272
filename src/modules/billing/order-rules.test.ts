import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toDecimalString } from '../../platform/money.ts';
import { loadPreset } from '../../policy/index.ts';
import { checkOrder, type Identification, quoteFirstPeriod } from './order-rules.ts';

const quanda = loadPreset('quanda');
const clickmeeting = loadPreset('clickmeeting');
const plan = (policy: typeof quanda, code: string) => policy.plans.find((p) => p.code === code)!;

const identified: Identification = {
  companyName: 'Kytky s.r.o.',
  taxId: 'CZ12345679',
  country: 'CZ',
  address: { street: 'Dlouhá 1', postalCode: '110 00', city: 'Praha 1', country: 'CZ' },
  orderingPerson: 'Jana Nováková',
};

describe('checkOrder', () => {
  it('QU-BIL-03: an order with all identification and frequency annual is accepted', () => {
    assert.deepEqual(
      checkOrder(quanda, { planCode: 'professional_200', frequency: 'annual', identification: identified }),
      [],
    );
  });

  it('QU-BIL-03: an order without a company id is rejected, citing the clause', () => {
    assert.deepEqual(
      checkOrder(quanda, {
        planCode: 'professional_200',
        frequency: 'monthly',
        identification: { ...identified, taxId: null },
      }),
      [{ field: 'identification.taxId', rule: 'required', clause: 'QU-BIL-03' }],
    );
  });

  it('QU-BIL-03: the frequency is monthly or annual, and the ordering person is named', () => {
    assert.deepEqual(
      checkOrder(quanda, {
        planCode: 'professional_200',
        frequency: 'weekly',
        identification: { ...identified, orderingPerson: ' ' },
      }),
      [
        { field: 'frequency', rule: 'one_of_monthly_annual', clause: 'QU-BIL-03' },
        { field: 'identification.orderingPerson', rule: 'required', clause: 'QU-BIL-03' },
      ],
    );
  });

  it('refuses a plan that is not paid or does not exist; no clause where the terms give none', () => {
    assert.deepEqual(
      checkOrder(quanda, { planCode: 'trial', frequency: 'monthly', identification: identified }),
      [{ field: 'plan', rule: 'not_paid' }],
    );
    assert.deepEqual(
      checkOrder(clickmeeting, {
        planCode: 'gold',
        frequency: 'monthly',
        identification: { ...identified, address: null },
      }),
      [
        { field: 'plan', rule: 'unknown' },
        { field: 'identification.address', rule: 'required' },
      ],
    );
  });
});

describe('quoteFirstPeriod', () => {
  const quote = (policy: typeof quanda, code: string, frequency: 'monthly' | 'annual', on: string) => {
    const q = quoteFirstPeriod(policy, plan(policy, code), frequency, on);
    return {
      ...q.period,
      partial: q.partial,
      net: toDecimalString(q.net),
      full: toDecimalString(q.fullPrice),
    };
  };

  it('CM-BIL-01: ClickMeeting Live monthly from 2026-03-15 runs 2026-03-15..2026-04-14 at the full 119.00', () => {
    assert.deepEqual(quote(clickmeeting, 'live', 'monthly', '2026-03-15'), {
      from: '2026-03-15',
      to: '2026-04-14',
      partial: false,
      net: '119.00',
      full: '119.00',
    });
  });

  it('QU-BIL-06: 1,000 CZK/month activated 2026-03-11 costs 1,000 × 21/31 = 677.42 for 2026-03-11..2026-03-31', () => {
    assert.deepEqual(quote(quanda, 'professional_500', 'monthly', '2026-03-11'), {
      from: '2026-03-11',
      to: '2026-03-31',
      partial: true,
      net: '677.42',
      full: '1000.00',
    });
  });

  it('QU-BIL-06: activated on the billing day itself, the first month is whole', () => {
    assert.deepEqual(quote(quanda, 'professional_500', 'monthly', '2026-04-01'), {
      from: '2026-04-01',
      to: '2026-04-30',
      partial: false,
      net: '1000.00',
      full: '1000.00',
    });
  });

  it('QU-BIL-05: an annual plan activated 2026-02-10 runs a whole year at the full price', () => {
    assert.deepEqual(quote(quanda, 'professional_200', 'annual', '2026-02-10'), {
      from: '2026-02-10',
      to: '2027-02-09',
      partial: false,
      net: '5900.00',
      full: '5900.00',
    });
  });
});

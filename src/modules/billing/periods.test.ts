// Clause ids are written "CM BIL 06" here: these tests pin the period and pro-rata arithmetic a billing
// clause uses; the clauses' behaviour (charging, renewing, refunding) is tested with the billing use cases.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { money, parseMoney, toDecimalString } from '../../platform/money.ts';
import { daysFrom, firstPeriod, fullPeriod, nextPeriod, periodDays, prorate } from './periods.ts';

const pln = (s: string) => parseMoney(s, 'PLN');
const czk = (s: string) => parseMoney(s, 'CZK');
const anniversary = { monthly: 'anniversary', day: null, firstMonthly: 'full' } as const;
const firstOfMonth = { monthly: 'fixed_day', day: 1, firstMonthly: 'prorated_to_anchor' } as const;
const fifteenth = { monthly: 'fixed_day', day: 15, firstMonthly: 'prorated_to_anchor' } as const;

describe('periods', () => {
  it('a monthly anniversary period runs to the day before the same date next month (CM BIL 01: 03-15..04-14)', () => {
    assert.deepEqual(fullPeriod('2026-03-15', 'monthly'), { from: '2026-03-15', to: '2026-04-14' });
    assert.deepEqual(nextPeriod({ from: '2026-03-15', to: '2026-04-14' }, 'monthly'), {
      from: '2026-04-15',
      to: '2026-05-14',
    });
  });

  it('a month starting on the 31st ends on the day before the clamped date', () => {
    assert.deepEqual(fullPeriod('2026-01-31', 'monthly'), { from: '2026-01-31', to: '2026-02-27' });
  });

  it('an annual period runs a year less a day, across a leap day', () => {
    assert.deepEqual(fullPeriod('2027-06-15', 'annual'), { from: '2027-06-15', to: '2028-06-14' });
    assert.equal(periodDays(fullPeriod('2027-06-15', 'annual')), 366);
    assert.deepEqual(fullPeriod('2025-06-15', 'annual'), { from: '2025-06-15', to: '2026-06-14' });
  });

  it('QU BIL 06: activated 2026-03-11 with the 1st as billing day, the first period is 03-11..03-31 (21 of 31 days)', () => {
    const first = firstPeriod('2026-03-11', 'monthly', firstOfMonth);
    assert.deepEqual(first, { from: '2026-03-11', to: '2026-03-31', partial: true });
    assert.deepEqual(nextPeriod(first, 'monthly'), { from: '2026-04-01', to: '2026-04-30' });
    assert.equal(daysFrom({ from: '2026-03-01', to: '2026-03-31' }, '2026-03-11'), 21);
  });

  it('with the 15th as billing day, activation on 03-11 runs to 03-14, and on 03-20 to 04-14', () => {
    assert.deepEqual(firstPeriod('2026-03-11', 'monthly', fifteenth), {
      from: '2026-03-11',
      to: '2026-03-14',
      partial: true,
    });
    assert.deepEqual(firstPeriod('2026-03-20', 'monthly', fifteenth), {
      from: '2026-03-20',
      to: '2026-04-14',
      partial: true,
    });
    assert.deepEqual(firstPeriod('2026-03-15', 'monthly', fifteenth), {
      from: '2026-03-15',
      to: '2026-04-14',
      partial: false,
    });
  });

  it('annual and anniversary subscriptions start with a full period', () => {
    assert.deepEqual(firstPeriod('2026-02-10', 'annual', firstOfMonth), {
      from: '2026-02-10',
      to: '2027-02-09',
      partial: false,
    });
    assert.deepEqual(firstPeriod('2026-02-10', 'monthly', anniversary), {
      from: '2026-02-10',
      to: '2026-03-09',
      partial: false,
    });
  });

  it('daysFrom counts the given day and the last day, and is 0 after the period', () => {
    const june = { from: '2026-06-01', to: '2026-06-30' };
    assert.equal(daysFrom(june, '2026-06-19'), 12);
    assert.equal(daysFrom(june, '2026-06-30'), 1);
    assert.equal(daysFrom(june, '2026-07-01'), 0);
    assert.equal(daysFrom(june, '2026-05-20'), 30);
  });
});

describe('prorate', () => {
  it('CM BIL 06: a PLN 60 add-on bought 2026-04-21 in a period ending 04-30 costs 10/30, rounded down: 20.00', () => {
    const period = { from: '2026-04-01', to: '2026-04-30' };
    const days = daysFrom(period, '2026-04-21');
    assert.equal(toDecimalString(prorate(pln('60.00'), days, period, 'monthly', '30/360', 'down')), '20.00');
  });

  it('CM BIL 07: in a 31-day month the days are capped at 30, so a whole March costs 60.00, not 62.00', () => {
    const march = { from: '2026-03-01', to: '2026-03-31' };
    assert.equal(
      toDecimalString(
        prorate(pln('60.00'), daysFrom(march, '2026-03-01'), march, 'monthly', '30/360', 'down'),
      ),
      '60.00',
    );
  });

  it('CM BIL 07: a year counts 360 days', () => {
    const year = { from: '2026-01-01', to: '2026-12-31' };
    assert.equal(toDecimalString(prorate(pln('720.00'), 180, year, 'annual', '30/360', 'down')), '360.00');
    assert.equal(toDecimalString(prorate(pln('720.00'), 365, year, 'annual', '30/360', 'down')), '720.00');
  });

  it('CM LIF 17: June paid at PLN 110.70, terminated 2026-06-19: 12 unused days refund 44.28', () => {
    const june = { from: '2026-06-01', to: '2026-06-30' };
    assert.equal(
      toDecimalString(
        prorate(pln('110.70'), daysFrom(june, '2026-06-19'), june, 'monthly', '30/360', 'half_up'),
      ),
      '44.28',
    );
  });

  it('QU BIL 06: 1,000 CZK a month activated 2026-03-11: 1,000 × 21/31 = 677.42', () => {
    const march = { from: '2026-03-01', to: '2026-03-31' };
    assert.equal(
      toDecimalString(prorate(czk('1000.00'), 21, march, 'monthly', 'calendar', 'half_up')),
      '677.42',
    );
  });

  it('QU BIL 09: upgrade from 12,000 to 24,000 CZK a year effective 2026-07-02: 12,000 × 183/365 = 6,016.44', () => {
    const year = { from: '2026-01-01', to: '2026-12-31' };
    const days = daysFrom(year, '2026-07-02');
    assert.equal(days, 183);
    assert.equal(
      toDecimalString(prorate(czk('12000.00'), days, year, 'annual', 'calendar', 'half_up')),
      '6016.44',
    );
  });

  it('QU LEG 02: closed 2026-06-15 in a year ending 12-31: 200 unused days, 12,000 × 200/365 = 6,575.34', () => {
    const year = { from: '2026-01-01', to: '2026-12-31' };
    assert.equal(daysFrom(year, '2026-06-15'), 200);
    assert.equal(
      toDecimalString(prorate(czk('12000.00'), 200, year, 'annual', 'calendar', 'half_up')),
      '6575.34',
    );
  });

  it('BK LIF 04: 1,200 PLN for 2026, termination effective 06-04: 211 days, 693.70', () => {
    const year = { from: '2026-01-01', to: '2026-12-31' };
    assert.equal(daysFrom(year, '2026-06-04'), 211);
    assert.equal(
      toDecimalString(prorate(pln('1200.00'), 211, year, 'annual', 'calendar', 'half_up')),
      '693.70',
    );
  });

  it('never exceeds the whole price and refuses negative days', () => {
    const feb = { from: '2026-02-01', to: '2026-02-28' };
    assert.deepEqual(prorate(pln('100.00'), 40, feb, 'monthly', 'calendar', 'half_up'), money(10000n, 'PLN'));
    assert.throws(() => prorate(pln('100.00'), -1, feb, 'monthly', 'calendar', 'half_up'), /non-negative/);
  });
});

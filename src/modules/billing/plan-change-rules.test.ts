import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMoney, toDecimalString } from '../../platform/money.ts';
import { loadPreset, type Policy } from '../../policy/index.ts';
import {
  addOnFirstCharge,
  decideDowngrade,
  decideObjection,
  priceChangeTiming,
  quoteUpgrade,
  type ScheduleEntry,
  scheduledAt,
} from './plan-change-rules.ts';

const quanda = loadPreset('quanda');
const clickmeeting = loadPreset('clickmeeting');
const bookero = loadPreset('bookero');
const czk = (s: string) => parseMoney(s, 'CZK');
const pln = (s: string) => parseMoney(s, 'PLN');

function withPlanChanges(policy: Policy, change: Partial<Policy['billing']['planChanges']>): Policy {
  return {
    ...policy,
    billing: { ...policy.billing, planChanges: { ...policy.billing.planChanges, ...change } },
  };
}

describe('quoteUpgrade', () => {
  it('QU-BIL-09: annual 12,000 → 24,000 CZK effective 2026-07-02 bills 12,000 × 183/365 = 6,016.44 CZK at once', () => {
    const quote = quoteUpgrade(quanda, {
      period: { from: '2026-01-01', to: '2026-12-31' },
      frequency: 'annual',
      oldPrice: czk('12000.00'),
      newPrice: czk('24000.00'),
      on: '2026-07-02',
    });
    assert.deepEqual(
      [quote.effectiveFrom, quote.days, toDecimalString(quote.difference), quote.billing],
      ['2026-07-02', 183, '6016.44', 'at_once'],
    );
  });

  it('QU-BIL-09: an upgrade on the last day of the period still bills that one day; on the first day the whole difference', () => {
    const base = {
      period: { from: '2026-01-01', to: '2026-12-31' },
      frequency: 'annual' as const,
      oldPrice: czk('12000.00'),
      newPrice: czk('24000.00'),
    };
    assert.equal(toDecimalString(quoteUpgrade(quanda, { ...base, on: '2026-12-31' }).difference), '32.88');
    assert.equal(toDecimalString(quoteUpgrade(quanda, { ...base, on: '2026-01-01' }).difference), '12000.00');
  });

  it('CM-BIL-07: a monthly upgrade on the 1st of a 31-day month is capped at 30/30 of the difference, rounded down', () => {
    const quote = quoteUpgrade(clickmeeting, {
      period: { from: '2026-03-01', to: '2026-03-31' },
      frequency: 'monthly',
      oldPrice: pln('119.00'),
      newPrice: pln('249.00'),
      on: '2026-03-01',
    });
    assert.equal(toDecimalString(quote.difference), '130.00');
    const later = quoteUpgrade(clickmeeting, {
      period: { from: '2026-03-01', to: '2026-03-31' },
      frequency: 'monthly',
      oldPrice: pln('119.00'),
      newPrice: pln('249.00'),
      on: '2026-03-21',
    });
    // 11 days × 130 / 30 = 47.666… → 47.66 (down)
    assert.deepEqual([later.days, toDecimalString(later.difference)], [11, '47.66']);
  });

  it('a policy that defers upgrades to the next period bills nothing now', () => {
    const policy = withPlanChanges(quanda, { upgrade: 'next_period', upgradeBilling: 'next_invoice' });
    const quote = quoteUpgrade(policy, {
      period: { from: '2026-01-01', to: '2026-12-31' },
      frequency: 'annual',
      oldPrice: czk('12000.00'),
      newPrice: czk('24000.00'),
      on: '2026-07-02',
    });
    assert.deepEqual(
      [quote.effectiveFrom, toDecimalString(quote.difference), quote.billing],
      ['2027-01-01', '0.00', 'next_invoice'],
    );
  });
});

describe('decideDowngrade', () => {
  it('QU-BIL-10: upgraded 2026-03-10, downgrade asked 2026-03-20 → the new price applies from 2026-04-09, the rest of April credited', () => {
    const d = decideDowngrade(quanda, {
      period: { from: '2026-03-01', to: '2026-03-31' },
      frequency: 'monthly',
      planSince: '2026-03-10',
      on: '2026-03-20',
      oldPrice: czk('1000.00'),
      newPrice: czk('590.00'),
    });
    assert.deepEqual([d.effectiveFrom, d.reason], ['2026-04-09', 'min_days_since_last_change']);
    assert.deepEqual(d.period, { from: '2026-04-01', to: '2026-04-30' });
    // 2026-04-09..30 = 22 days of 30: 410 × 22/30 = 300.67
    assert.deepEqual([d.days, toDecimalString(d.credit)], [22, '300.67']);
  });

  it('QU-BIL-10: a plan in force since 2026-01-01, downgrade asked 2026-05-20 → from 2026-06-01, nothing to credit', () => {
    const d = decideDowngrade(quanda, {
      period: { from: '2026-05-01', to: '2026-05-31' },
      frequency: 'monthly',
      planSince: '2026-01-01',
      on: '2026-05-20',
      oldPrice: czk('1000.00'),
      newPrice: czk('590.00'),
    });
    assert.deepEqual(
      [d.effectiveFrom, d.reason, d.days, toDecimalString(d.credit)],
      ['2026-06-01', 'next_period_after_request', 0, '0.00'],
    );
  });

  it('QU-BIL-10: 30 days after the last change exactly is allowed; a request after them takes effect the day it is made', () => {
    const base = {
      period: { from: '2026-04-01', to: '2026-04-30' },
      frequency: 'monthly' as const,
      planSince: '2026-03-10',
      oldPrice: czk('1000.00'),
      newPrice: czk('590.00'),
    };
    assert.equal(decideDowngrade(quanda, { ...base, on: '2026-04-09' }).effectiveFrom, '2026-04-09');
    assert.equal(decideDowngrade(quanda, { ...base, on: '2026-04-08' }).effectiveFrom, '2026-04-09');
  });

  it('without a minimum distance, next_period waits for the next period (BK-BIL-02: nothing credited within a paid period)', () => {
    const d = decideDowngrade(bookero, {
      period: { from: '2026-03-17', to: '2026-04-16' },
      frequency: 'monthly',
      planSince: '2026-03-17',
      on: '2026-03-20',
      oldPrice: pln('149.00'),
      newPrice: pln('49.00'),
    });
    assert.deepEqual([d.effectiveFrom, toDecimalString(d.credit)], ['2026-04-17', '0.00']);
  });
});

describe('addOnFirstCharge', () => {
  const extra = clickmeeting.addOns.find((a) => a.code === 'extra_storage')!;

  it('CM-BIL-06: PLN 60/month bought 2026-04-21 in a period ending 2026-04-30 → 10 days → PLN 20.00', () => {
    const first = addOnFirstCharge(clickmeeting, extra, {
      price: pln('60.00'),
      period: { from: '2026-04-01', to: '2026-04-30' },
      frequency: 'monthly',
      on: '2026-04-21',
    });
    assert.deepEqual([first.days, toDecimalString(first.amount)], [10, '20.00']);
  });

  it('CM-BIL-07: bought 2026-03-01 for 2026-03-01..31 (31 days) → capped at PLN 60.00, not 62.00', () => {
    const first = addOnFirstCharge(clickmeeting, extra, {
      price: pln('60.00'),
      period: { from: '2026-03-01', to: '2026-03-31' },
      frequency: 'monthly',
      on: '2026-03-01',
    });
    assert.equal(toDecimalString(first.amount), '60.00');
  });

  it('CM-BIL-06: rounded down to the grosz (7 days of PLN 50 → 11.666… → 11.66); annual ÷ 360', () => {
    const channel = clickmeeting.addOns.find((a) => a.code === 'extra_streaming_channel')!;
    const monthly = addOnFirstCharge(clickmeeting, channel, {
      price: pln('50.00'),
      period: { from: '2026-04-01', to: '2026-04-30' },
      frequency: 'monthly',
      on: '2026-04-24',
    });
    assert.equal(toDecimalString(monthly.amount), '11.66');
    const annual = addOnFirstCharge(clickmeeting, channel, {
      price: pln('500.00'),
      period: { from: '2026-01-01', to: '2026-12-31' },
      frequency: 'annual',
      on: '2026-12-02',
    });
    // 30 days × 500 / 360 = 41.666… → 41.66
    assert.deepEqual([annual.days, toDecimalString(annual.amount)], [30, '41.66']);
  });
});

describe('priceChangeTiming', () => {
  it('CM-BIL-03: effective 2026-07-01, notice reaching the user 2026-06-10 → new price for periods from 2026-07-10', () => {
    const t = priceChangeTiming(clickmeeting, { effectiveDate: '2026-07-01', sentOn: '2026-06-10' });
    assert.deepEqual([t.receivedOn, t.appliesFrom], ['2026-06-10', '2026-07-10']);
  });

  it('CM-BIL-03: a notice 30 days or more ahead lets the stated date stand', () => {
    const t = priceChangeTiming(clickmeeting, { effectiveDate: '2026-07-01', sentOn: '2026-05-15' });
    assert.equal(t.appliesFrom, '2026-07-01');
  });

  it('QU-BIL-11, QU-NOT-01: emailed 2026-06-01, deemed received 2026-06-04, objections through 2026-06-09, new price not before 2026-06-10', () => {
    const t = priceChangeTiming(quanda, { effectiveDate: '2026-06-05', sentOn: '2026-06-01' });
    assert.deepEqual(
      [t.receivedOn, t.objectionUntil, t.appliesFrom],
      ['2026-06-04', '2026-06-09', '2026-06-10'],
    );
  });

  it('QU-BIL-11: an objection window ending on a Saturday moves to Monday (a customer deadline)', () => {
    // sent Fri 2026-06-05 → deemed received Mon 06-08 → + 5 days = Sat 06-13 → Mon 06-15
    const t = priceChangeTiming(quanda, { effectiveDate: '2026-06-01', sentOn: '2026-06-05' });
    assert.deepEqual([t.objectionUntil, t.appliesFrom], ['2026-06-15', '2026-06-16']);
  });
});

describe('decideObjection', () => {
  it('QU-BIL-11, QU-LEG-02: the objector keeps the old price; a refund (terms_objection, less 100 CZK) only for a material provider-driven change', () => {
    assert.deepEqual(decideObjection(quanda, { material: true, providerDriven: true }), {
      keepsOldPrice: true,
      consequence: 'provider_may_close_account',
      refundReason: 'terms_objection',
    });
    assert.equal(decideObjection(quanda, { material: false, providerDriven: true }).refundReason, null);
    assert.equal(decideObjection(quanda, { material: true, providerDriven: false }).refundReason, null);
  });

  it('CM-BIL-03: an objecting ClickMeeting user may terminate at no cost, with no refund', () => {
    assert.deepEqual(decideObjection(clickmeeting, { material: true, providerDriven: true }), {
      keepsOldPrice: true,
      consequence: 'customer_may_terminate',
      refundReason: null,
    });
  });
});

describe('scheduledAt', () => {
  const entry = (
    seq: number,
    kind: ScheduleEntry['kind'],
    effectiveFrom: string,
    planCode: string,
    amount: string,
    status: ScheduleEntry['status'] = 'applied',
  ): ScheduleEntry => ({ id: `e${seq}`, seq, kind, status, effectiveFrom, planCode, price: pln(amount) });
  const fallback = { planCode: 'live', price: pln('119.00') };

  it('CM-BIL-03: a price change reaches periods from its own date only; before it the old price stands', () => {
    const entries = [entry(1, 'price_change', '2026-07-10', 'live', '139.00', 'scheduled')];
    assert.equal(toDecimalString(scheduledAt(entries, '2026-07-01', fallback).price), '119.00');
    assert.equal(toDecimalString(scheduledAt(entries, '2026-07-10', fallback).price), '139.00');
  });

  it('QU-BIL-11: a cancelled (objected) price change never counts', () => {
    const entries = [entry(1, 'price_change', '2026-07-10', 'live', '139.00', 'cancelled')];
    assert.equal(toDecimalString(scheduledAt(entries, '2026-08-01', fallback).price), '119.00');
  });

  it('a price change for the plan left behind does not follow the customer to the new plan', () => {
    const entries = [
      entry(1, 'base', '2026-03-15', 'live', '119.00'),
      entry(2, 'price_change', '2026-07-10', 'live', '139.00', 'scheduled'),
      entry(3, 'upgrade', '2026-06-20', 'automated', '249.00'),
    ];
    const at = scheduledAt(entries, '2026-08-15', fallback);
    assert.deepEqual([at.planCode, toDecimalString(at.price)], ['automated', '249.00']);
  });

  it('QU-BIL-09: two upgrades on the same day: the later one wins', () => {
    const entries = [
      entry(1, 'upgrade', '2026-07-02', 'professional_200', '5900.00'),
      entry(2, 'upgrade', '2026-07-02', 'professional_500', '10000.00'),
    ];
    assert.equal(scheduledAt(entries, '2027-01-01', fallback).planCode, 'professional_500');
  });
});

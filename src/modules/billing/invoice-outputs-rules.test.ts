import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadPreset, Policy } from '../../policy/index.ts';
import { invoiceSeriesFor, seriesOfPattern } from './billing-context.ts';
import { deemedDeliveryDate, dueDateAfterDelivery } from './invoice-rules.ts';
import { decideReminder, reminderDueAt } from './reminder-rules.ts';

const quanda = loadPreset('quanda');
const clickmeeting = loadPreset('clickmeeting');

describe('deemed delivery (QU-BIL-07)', () => {
  it('QU-BIL-07: issued Fri 2026-05-15 → deemed delivered Mon 2026-05-18 (next Czech business day)', () => {
    assert.equal(deemedDeliveryDate(quanda, '2026-05-15'), '2026-05-18');
  });
  it('QU-BIL-07: Czech holidays count: issued Thu 2026-05-07, Fri 2026-05-08 Den vítězství → Mon 2026-05-11', () => {
    assert.equal(deemedDeliveryDate(quanda, '2026-05-07'), '2026-05-11');
  });
  it('a policy that deems no delivery gives none', () => {
    assert.equal(deemedDeliveryDate(clickmeeting, '2026-05-15'), null);
  });
  it('QU-BIL-07: proven 2026-05-21 against deemed 2026-05-18 moves due 2026-05-29 → 2026-06-01; on or before the deemed day nothing moves', () => {
    const invoice = { dueDate: '2026-05-29', deemedDeliveredOn: '2026-05-18' };
    assert.equal(dueDateAfterDelivery(quanda, invoice, '2026-05-21'), '2026-06-01');
    assert.equal(dueDateAfterDelivery(quanda, invoice, '2026-05-18'), '2026-05-29');
    assert.equal(dueDateAfterDelivery(quanda, invoice, '2026-05-16'), '2026-05-29');
  });
  it('a policy where a proven delivery does not move the due date keeps it', () => {
    const strict = structuredClone(quanda);
    strict.billing.provenLateDeliveryExtendsDueDate = false;
    assert.equal(
      dueDateAfterDelivery(strict, { dueDate: '2026-05-29', deemedDeliveredOn: '2026-05-18' }, '2026-05-21'),
      '2026-05-29',
    );
  });
});

describe('reminders (CM-BIL-10)', () => {
  const june = { status: 'active' as const, currentPeriodTo: '2026-06-30', cancelAtPeriodEnd: false };
  it('CM-BIL-10: a period ending 2026-06-30 with a lead of 7 days is reminded at 2026-06-23 00:00 Warsaw', () => {
    assert.equal(reminderDueAt(clickmeeting, june)?.toISOString(), '2026-06-22T22:00:00.000Z');
  });
  it('CM-BIL-10: sends at the due time, with the period end as the renewal deadline', () => {
    assert.deepEqual(decideReminder(clickmeeting, june, '2026-06-30', new Date('2026-06-22T22:00:00Z')), {
      send: true,
      periodEnd: '2026-06-30',
      deadline: '2026-06-30',
      because: 'CM-BIL-10',
    });
  });
  it('CM-BIL-10: not a minute early, not for a cancelled or ended subscription, not for a period no longer current', () => {
    const at = new Date('2026-06-23T08:00:00Z');
    assert.deepEqual(decideReminder(clickmeeting, june, '2026-06-30', new Date('2026-06-22T21:59:00Z')), {
      send: false,
      reason: 'not_due',
    });
    assert.deepEqual(decideReminder(clickmeeting, { ...june, cancelAtPeriodEnd: true }, '2026-06-30', at), {
      send: false,
      reason: 'cancelled',
    });
    assert.deepEqual(decideReminder(clickmeeting, { ...june, status: 'ended' }, '2026-06-30', at), {
      send: false,
      reason: 'ended',
    });
    assert.deepEqual(
      decideReminder(clickmeeting, { ...june, currentPeriodTo: '2026-07-31' }, '2026-06-30', at),
      { send: false, reason: 'period_moved' },
    );
  });
  it('a policy without reminders sends none', () => {
    assert.equal(reminderDueAt(quanda, june), null);
    assert.deepEqual(decideReminder(quanda, june, '2026-06-30', new Date('2026-06-25T00:00:00Z')), {
      send: false,
      reason: 'no_reminders',
    });
  });
});

describe('invoice series from the policy', () => {
  it('names a series by its fixed prefix; the sandbox numbers under TEST/', () => {
    assert.deepEqual(seriesOfPattern('FV/{YYYY}/{MM}/{NNNN}'), {
      series: 'FV',
      pattern: 'FV/{YYYY}/{MM}/{NNNN}',
    });
    const policy = structuredClone(clickmeeting);
    policy.billing.invoiceSeries = { invoice: 'INV-{YYYY}-{NNNNN}', correction: 'KOR/{YYYY}/{NNN}' };
    assert.deepEqual(invoiceSeriesFor(null, policy), { series: 'INV', pattern: 'INV-{YYYY}-{NNNNN}' });
    assert.deepEqual(invoiceSeriesFor('clock_1', policy), {
      series: 'TEST/INV',
      pattern: 'TEST/INV-{YYYY}-{NNNNN}',
    });
    assert.deepEqual(invoiceSeriesFor(null, policy, 'KOR'), { series: 'KOR', pattern: 'KOR/{YYYY}/{NNN}' });
  });
  it('the policy schema refuses a pattern without a sequence, with two, with an unknown placeholder or the sandbox prefix', () => {
    for (const bad of ['FV/{YYYY}', 'FV/{NNN}/{NN}', 'FV/{DD}/{NNNN}', 'TEST/{NNNN}', 'FV {NNNN}']) {
      const policy = structuredClone(clickmeeting) as unknown as {
        billing: { invoiceSeries: { invoice: string } };
      };
      policy.billing.invoiceSeries.invoice = bad;
      const result = Policy.safeParse(policy);
      assert.equal(result.success, false, bad);
      assert.ok(
        result.error!.issues.some((i) => i.path.join('.') === 'billing.invoiceSeries.invoice'),
        `${bad}: ${JSON.stringify(result.error!.issues)}`,
      );
    }
    assert.equal(Policy.safeParse(clickmeeting).success, true);
  });
});

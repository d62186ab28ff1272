import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadPreset } from '../../policy/index.ts';
import { entitlementsOf } from './lifecycle-rules.ts';
import { clarificationWindow, planTermination, withRestrictions } from './operator-actions-rules.ts';

const clickmeeting = loadPreset('clickmeeting');
const quanda = loadPreset('quanda');
const bookero = loadPreset('bookero');

const code = (c: string) => (e: unknown) => (e as { code?: string }).code === c;
const at = (iso: string) => new Date(iso);
const facts = { state: 'active' as const, eligible: false, block: null, pendingTerminationAt: null };

describe('planTermination', () => {
  it('CM-LIF-15: a termination carries a ground from the closed list; unauthorised_instrument takes effect at once, refunds nothing and refuses future service', () => {
    const now = at('2026-05-05T11:00:00+02:00');
    const plan = planTermination(clickmeeting, 'unauthorised_instrument', facts, now, null);
    assert.deepEqual(
      [plan.effectiveAt.toISOString(), plan.basis, plan.refundReason, plan.refuseFutureService, plan.clause],
      [now.toISOString(), 'immediate', null, true, 'CM-LIF-15'],
    );
    assert.throws(
      () => planTermination(clickmeeting, 'no_reason_given', facts, now, null),
      code('lifecycle.ground_not_allowed'),
    );
    assert.throws(
      () => planTermination(clickmeeting, undefined, facts, now, null),
      code('lifecycle.ground_not_allowed'),
    );
  });

  it('CM-LIF-17, CM-LIF-18: without cause only for users who are not eligible; an eligible user only for an important reason, with the pro-rata refund', () => {
    const now = at('2026-08-03T10:00:00+02:00');
    const eligible = { ...facts, eligible: true };
    assert.equal(
      planTermination(clickmeeting, 'without_cause', facts, now, null).refundReason,
      'termination_without_cause',
    );
    assert.throws(
      () => planTermination(clickmeeting, 'without_cause', eligible, now, null),
      code('lifecycle.eligible_user_protected'),
    );
    const plan = planTermination(clickmeeting, 'offensive_conduct', eligible, now, null);
    assert.deepEqual(
      [plan.clause, plan.refundReason, plan.basis],
      ['CM-LIF-18', 'eligible_user_important_reason', 'immediate'],
    );
    assert.throws(
      () => planTermination(clickmeeting, 'offensive_conduct', facts, now, null),
      code('lifecycle.not_eligible_user'),
    );
  });

  it('BK-LIF-04: a notice sent on 2026-06-01 takes effect on 2026-06-04 (3 days from sending), refunded from that day', () => {
    const plan = planTermination(bookero, 'reputation_harm', facts, at('2026-06-01T10:00:00+02:00'), null);
    assert.deepEqual(
      [plan.effectiveAt.toISOString(), plan.effectiveOn, plan.basis, plan.refundReason],
      ['2026-06-03T22:00:00.000Z', '2026-06-04', 'notice_period', 'reputation_termination'],
    );
  });

  it('BK-LIF-03: blocked on 2026-06-01 → clarify through 2026-07-01; termination refused on 2026-07-01 23:59, allowed from 2026-07-02 with no refund', () => {
    const blockedAt = at('2026-06-01T10:00:00+02:00');
    const window = clarificationWindow(bookero, blockedAt)!;
    assert.deepEqual(
      [window.lastDay, window.terminableFrom.toISOString()],
      ['2026-07-01', '2026-07-01T22:00:00.000Z'],
    );
    const blocked = { ...facts, block: { blockedAt } };
    assert.throws(
      () => planTermination(bookero, 'unclarified_block', blocked, at('2026-07-01T23:59:00+02:00'), null),
      code('lifecycle.clarification_window_open'),
    );
    const plan = planTermination(
      bookero,
      'unclarified_block',
      blocked,
      at('2026-07-02T00:00:00+02:00'),
      null,
    );
    assert.deepEqual([plan.refundReason, plan.clause], [null, 'BK-LIF-03']);
    assert.throws(
      () => planTermination(bookero, 'unclarified_block', facts, at('2026-07-02T00:00:00+02:00'), null),
      code('lifecycle.no_unclarified_block'),
    );
  });

  it('QU-LIF-06: a withdrawal notice sent on 2026-09-07 is deemed delivered and takes effect on 2026-09-10 (art. 11.1); a proven earlier delivery counts', () => {
    const sent = at('2026-09-07T15:00:00+02:00');
    const deemed = planTermination(quanda, 'unlawful_customer_data', facts, sent, null);
    assert.deepEqual(
      [deemed.effectiveAt.toISOString(), deemed.effectiveOn, deemed.basis, deemed.refundReason],
      ['2026-09-09T22:00:00.000Z', '2026-09-10', 'deemed_delivery', null],
    );
    const proven = planTermination(quanda, 'serious_breach', facts, at('2026-09-08T12:00:00+02:00'), sent);
    assert.deepEqual(
      [proven.effectiveAt.toISOString(), proven.basis, proven.refundReason],
      [sent.toISOString(), 'proven_delivery', 'provider_withdrawal'],
    );
    assert.throws(
      () => planTermination(quanda, 'serious_breach', facts, sent, at('2026-09-08T12:00:00+02:00')),
      code('lifecycle.delivery_invalid'),
    );
  });

  it('a terminated account, or one whose termination is pending, cannot be terminated again', () => {
    const now = at('2026-06-01T10:00:00+02:00');
    assert.throws(
      () => planTermination(clickmeeting, 'without_cause', { ...facts, state: 'terminated' }, now, null),
      code('lifecycle.account_closed'),
    );
    assert.throws(
      () => planTermination(bookero, 'reputation_harm', { ...facts, pendingTerminationAt: now }, now, null),
      code('lifecycle.termination_pending'),
    );
  });
});

describe('withRestrictions', () => {
  const base = entitlementsOf(clickmeeting, {
    state: 'active',
    planCode: 'live',
    trialEndsAt: null,
    freeEndsAt: null,
  });
  const since = at('2026-07-07T14:00:00+02:00');
  const r = { actionId: 'opa_1', ground: 'terms_breach', clause: 'CM-LIF-16', since, resourceId: null };

  it('CM-LIF-16: a stopped conference is listed for the product; the account keeps its features', () => {
    const e = withRestrictions(base, [
      { ...r, scope: 'conference', resourceId: 'conf_42', access: 'restricted' },
    ]);
    assert.equal(e.access, 'full');
    assert.deepEqual(e.features, base.features);
    assert.deepEqual(e.restrictions, [
      {
        scope: 'conference',
        resourceId: 'conf_42',
        ground: 'terms_breach',
        clause: 'CM-LIF-16',
        since: since.toISOString(),
      },
    ]);
  });

  it('CM-LIF-16, QU-LIF-04: an account restriction lowers access and takes the features away; a suspension leaves none; nothing restricted, nothing changes', () => {
    const restricted = withRestrictions(base, [{ ...r, scope: 'account', access: 'restricted' }]);
    assert.deepEqual([restricted.access, restricted.features, restricted.limits], ['restricted', [], {}]);
    assert.equal(withRestrictions(base, [{ ...r, scope: 'account', access: 'none' }]).access, 'none');
    assert.equal(withRestrictions(base, []), base);
  });
});

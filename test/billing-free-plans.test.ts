import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { advanceClock, anApp, aTestClock, entitlements, events, registered } from './helpers/accounts.ts';
import type { TestApp } from './helpers/app.ts';

// QU-BIL-12 (Quanda art. 8.7): free ("Za darmo") tariffs get the reduced feature set of the price list, and
// staff may restrict or suspend a free account (here through the operator actions of QU-LIF-04).

function act(app: TestApp, accountId: string, body: Record<string, unknown>) {
  return app.http.inject({
    method: 'POST',
    url: `/v1/accounts/${accountId}/operator-actions`,
    headers: app.operator,
    payload: { evidence: ['ticket:ABUSE-7'], reason: 'Automatyczne pobieranie danych', ...body },
  });
}

describe('Quanda: free ("Za darmo") plans', () => {
  it('QU-BIL-12: a free account gets the reduced feature set and limits of the "Za darmo" tariff, not the paid ones', async (t) => {
    const app = await anApp(t, 'quanda');
    const clock = await aTestClock(app, '2026-05-04T09:00:00+02:00');
    const { accountId } = await registered(app, clock, { accountType: 'free', plan: 'free' });
    const now = await entitlements(app, accountId);
    assert.equal(now.plan.code, 'free');
    assert.deepEqual([...now.features].sort(), ['active_forms', 'crm', 'surveys']);
    // The cheapest paid tariff (START) has e-mail campaigns and branding removal: the free one has neither.
    const start = app.current().policy.plans.find((p) => p.code === 'start')!;
    assert.ok(start.features.includes('email_campaigns') && start.features.includes('branding_removal'));
    assert.ok(!now.features.includes('email_campaigns') && !now.features.includes('branding_removal'));
    assert.equal(now.limits.emails_per_month, 0);
  });

  it('QU-BIL-12, QU-LIF-04: staff restrict a free account on 2026-05-12 for automated use (reason and evidence recorded), access returns when lifted', async (t) => {
    const app = await anApp(t, 'quanda');
    const clock = await aTestClock(app, '2026-05-04T09:00:00+02:00');
    const { accountId } = await registered(app, clock, { accountType: 'free', plan: 'free' });
    await advanceClock(app, clock, '2026-05-12T08:00:00+02:00');
    const res = await act(app, accountId, {
      action: 'restrict',
      ground: 'excessive_or_automated_use',
      scope: 'account',
    });
    assert.equal(res.statusCode, 201, res.body);
    const restricted = await entitlements(app, accountId);
    assert.equal(restricted.access, 'restricted');
    assert.deepEqual(restricted.features, []);
    const given = (await events(app, accountId)).filter((e) => e.clause === 'QU-LIF-04');
    assert.ok(given.length >= 1, 'the restriction is logged with its clause');
    assert.equal(
      JSON.stringify(given).includes('Automatyczne'),
      false,
      'no free text (personal data) in events',
    );

    await advanceClock(app, clock, '2026-05-14T08:00:00+02:00');
    const lifted = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${accountId}/operator-actions/${res.json().action.id}/lift`,
      headers: app.operator,
      payload: { reason: 'Remedied' },
    });
    assert.equal(lifted.statusCode, 200, lifted.body);
    const back = await entitlements(app, accountId);
    assert.deepEqual(
      [back.plan.code, [...back.features].sort()],
      ['free', ['active_forms', 'crm', 'surveys']],
    );
  });
});

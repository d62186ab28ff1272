import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadPreset, PolicyError, parsePolicy } from '../src/policy/index.ts';
import {
  aCompany,
  activate,
  advanceClock,
  advanceClockByKind,
  aNip,
  anApp,
  aTestClock,
  entitlements,
  events,
  lastDayBefore,
  logIn,
  mailsTo,
  registered,
} from './helpers/accounts.ts';
import type { TestApp } from './helpers/app.ts';

// What an account may do now (GET /v1/accounts/:id/entitlements): the state, plan, features and limits the
// operator's product reads on every request, served from each process's cache.

function planOf(app: TestApp, code: string) {
  const plan = app.current().policy.plans.find((p) => p.code === code);
  assert.ok(plan, `plan ${code}`);
  return plan;
}

/** The part of an entitlements answer that a state and plan decide. */
function shape(e: {
  state: string;
  plan: { code: string };
  access: string;
  features: string[];
  limits: object;
}) {
  return { state: e.state, plan: e.plan.code, access: e.access, features: e.features, limits: e.limits };
}

describe('entitlements', () => {
  it('QU-BIL-01: a Trial account has the Trial plan (PROFESIONAL 200 scope), and from 2026-03-17 00:00 Prague the "Trial ended" plan', async (t) => {
    const app = await anApp(t, 'quanda');
    const clock = await aTestClock(app, '2026-03-02T10:00:00+01:00');
    const account = await registered(app, clock);
    const trial = planOf(app, 'trial');
    assert.equal(trial.scopeOf, 'professional_200');

    const during = await entitlements(app, account.accountId);
    assert.deepEqual(shape(during), {
      state: 'trial',
      plan: 'trial',
      access: 'full',
      features: trial.features,
      limits: trial.limits,
    });
    assert.deepEqual(during.plan, { code: 'trial', kind: 'trial', name: trial.name });
    assert.equal(during.validUntil, '2026-03-16T23:00:00.000Z');

    await advanceClock(app, clock, '2026-03-17T00:00:00+01:00');
    const ended = planOf(app, 'trial_ended');
    const after = await entitlements(app, account.accountId);
    assert.deepEqual(shape(after), {
      state: 'trial_ended',
      plan: 'trial_ended',
      access: 'full',
      features: ended.features,
      limits: ended.limits,
    });
    assert.equal(after.validUntil, null, 'no further change comes with time alone');
  });

  it('CM-ACC-04: a free account created on 2026-01-05 with 30 free days ends at 2026-02-05 00:00 Warsaw (free_expires 2026-02-04), not a moment earlier', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const free = planOf(app, 'free');
    assert.equal(free.freePeriodDays, 30);
    const clock = await aTestClock(app, '2026-01-05T08:00:00+01:00');
    const account = await registered(app, clock);

    const during = await entitlements(app, account.accountId);
    assert.deepEqual(shape(during), {
      state: 'free',
      plan: 'free',
      access: 'full',
      features: free.features,
      limits: free.limits,
    });
    assert.equal(during.validUntil, '2026-02-04T23:00:00.000Z');
    assert.equal(lastDayBefore(during.validUntil, 'Europe/Warsaw'), '2026-02-04');

    await advanceClock(app, clock, '2026-02-04T23:59:59.999+01:00');
    assert.equal(
      (await entitlements(app, account.accountId)).state,
      'free',
      'still free at the last millisecond',
    );
    assert.equal(
      (await advanceClockByKind(app, clock, '2026-02-05T00:00:00+01:00'))['lifecycle.free_end'],
      1,
    );
    const after = await entitlements(app, account.accountId);
    assert.deepEqual(shape(after), {
      state: 'free_ended',
      plan: 'free',
      access: 'restricted',
      features: [],
      limits: {},
    });

    const change = (await events(app, account.accountId)).find((e) => e.type === 'account.state_changed');
    assert.deepEqual(
      [change?.clause, change?.occurredAt, change?.data],
      [
        'CM-ACC-04',
        '2026-02-04T23:00:00.000Z',
        { from: 'free', to: 'free_ended', fromPlan: 'free', toPlan: 'free' },
      ],
    );
    const [notice] = await mailsTo(app, 'anna@roza.example', 'lifecycle.free_period_ended');
    assert.ok(notice, 'the customer is told');
    assert.equal(notice.clause, 'CM-ACC-04');
    assert.match(notice.body.text, /zakończył się 2026-02-04\./);
    assert.match(notice.body.text, /CM-ACC-04/);
  });

  it('CM-ACC-04: a policy whose free plan has no finite period fails validation', () => {
    const policy = structuredClone(loadPreset('clickmeeting')) as {
      plans: { code: string; freePeriodDays?: number }[];
    };
    const index = policy.plans.findIndex((p) => p.code === 'free');
    delete policy.plans[index]!.freePeriodDays;
    assert.throws(
      () => parsePolicy(JSON.stringify(policy), 'json', 'clickmeeting without a free period'),
      (error: unknown) =>
        error instanceof PolicyError &&
        error.issues.some((i) => i.path === `plans[${index}].freePeriodDays` && /finite/.test(i.expected)),
    );
  });

  it('the cached entitlements are right just before and just after a trial ends on a test clock', async (t) => {
    const app = await anApp(t, 'quanda');
    const clock = await aTestClock(app, '2026-03-02T10:00:00+01:00');
    const account = await registered(app, clock);
    const second = await registered(app, clock, {
      company: aCompany('Beta sp. z o.o.', aNip('584000003')),
      email: 'biuro@beta.example',
    });

    await advanceClock(app, clock, '2026-03-16T23:59:59.999+01:00');
    for (let read = 0; read < 3; read++)
      assert.equal(
        (await entitlements(app, account.accountId)).state,
        'trial',
        `read ${read} before the end`,
      );
    assert.ok(app.entitlementsCache.size() >= 1, 'answered from the cache');

    await advanceClock(app, clock, '2026-03-17T00:00:00+01:00');
    for (let read = 0; read < 3; read++) {
      const after = await entitlements(app, account.accountId);
      assert.deepEqual(
        [after.state, after.plan.code],
        ['trial_ended', 'trial_ended'],
        `read ${read} after the end`,
      );
    }
    // An account first read only after the change is right too.
    assert.equal((await entitlements(app, second.accountId)).state, 'trial_ended');
  });

  it("the operator's API key and the account's own session read its entitlements; another account's session gets 403", async (t) => {
    const app = await anApp(t, 'bookero');
    const clock = await aTestClock(app, '2026-03-02T10:00:00+01:00');
    const own = await registered(app, clock);
    const other = await registered(app, clock, {
      company: aCompany('Beta sp. z o.o.', aNip('584000003')),
      email: 'biuro@beta.example',
      phone: '+48 600 999 999',
    });
    const url = `/v1/accounts/${own.accountId}/entitlements`;

    const byOperator = await app.http.inject({ method: 'GET', url, headers: app.operator });
    assert.equal(byOperator.statusCode, 200, byOperator.body);
    const byOwner = await app.http.inject({ method: 'GET', url, headers: { cookie: own.cookie! } });
    assert.equal(byOwner.statusCode, 200, byOwner.body);
    assert.deepEqual(byOwner.json(), byOperator.json());
    assert.equal(byOwner.json().accountId, own.accountId);

    const byOther = await app.http.inject({ method: 'GET', url, headers: { cookie: other.cookie! } });
    assert.deepEqual([byOther.statusCode, byOther.json().code], [403, 'request.forbidden']);
    const anonymous = await app.http.inject({ method: 'GET', url });
    assert.deepEqual([anonymous.statusCode, anonymous.json().code], [401, 'request.unauthenticated']);
    const badKey = await app.http.inject({
      method: 'GET',
      url,
      headers: { authorization: 'Bearer klz_nope' },
    });
    assert.equal(badKey.statusCode, 401);
  });

  it('a permanent free plan has no end and carries no paid-only feature', async (t) => {
    const app = await anApp(t, 'myownconference');
    const free = planOf(app, 'free');
    assert.equal(free.freePeriodDays, undefined);
    const clock = await aTestClock(app, '2026-02-02T10:00:00+02:00');
    const account = await registered(app, clock, { company: undefined, person: { nickname: 'mk77' } });
    const now = await entitlements(app, account.accountId);
    assert.deepEqual(shape(now), {
      state: 'free',
      plan: 'free',
      access: 'full',
      features: free.features,
      limits: free.limits,
    });
    assert.equal(now.validUntil, null);
    const paidOnly = app
      .current()
      .policy.entitlements.features.filter((f) => f.paidOnly)
      .map((f) => f.code);
    assert.deepEqual(
      now.features.filter((f: string) => paidOnly.includes(f)),
      [],
    );
    await advanceClock(app, clock, '2027-02-02T10:00:00+02:00');
    assert.equal((await entitlements(app, account.accountId)).state, 'free');
  });

  it('a Host-Tracker trial package that expires leaves no features on', async (t) => {
    const app = await anApp(t, 'hosttracker');
    const policy = app.current().policy;
    assert.deepEqual([policy.trial?.days, policy.trial?.afterTrialPlanCode], [14, null]);
    const clock = await aTestClock(app, '2026-02-02T10:00:00Z');
    const account = await registered(app, clock);
    await activate(app, 'anna@roza.example');
    const trial = await entitlements(app, account.accountId);
    assert.deepEqual(shape(trial), {
      state: 'trial',
      plan: 'trial',
      access: 'full',
      features: planOf(app, 'trial').features,
      limits: planOf(app, 'trial').limits,
    });
    assert.equal(trial.validUntil, '2026-02-17T00:00:00.000Z');

    await advanceClock(app, clock, '2026-02-17T00:00:00Z');
    assert.deepEqual(shape(await entitlements(app, account.accountId)), {
      state: 'trial_ended',
      plan: 'trial',
      access: 'restricted',
      features: [],
      limits: {},
    });
    // The user still logs in, e.g. to order a package.
    await logIn(app, 'anna@roza.example');
  });
});

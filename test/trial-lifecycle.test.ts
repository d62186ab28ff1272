import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { aRegistration, buildTestApp, sessionCookie, type TestApp } from './helpers/app.ts';
import { startTestSmtpServer } from './helpers/smtp-server.ts';

// The foundation issue's "done when", as a new user would try it: register on the quanda preset bound to a
// test clock, receive the activation mail on a real SMTP server, activate, log in, read the entitlements,
// advance the clock past day 14 and see "Trial ended" with its clause in the event log.
describe('a quanda customer on a test clock', () => {
  let app: TestApp;
  let smtp: Awaited<ReturnType<typeof startTestSmtpServer>>;

  before(async () => {
    smtp = await startTestSmtpServer();
    app = await buildTestApp({ preset: 'quanda', smtpUrl: smtp.url });
  });
  after(async () => {
    await app.close();
    await smtp.close();
  });

  it('QU-ACC-03, QU-BIL-01: registers, activates by mail, concludes at first login, and ends the trial on day 15', async () => {
    const policy = app.current().policy;
    // Registration on 2026-03-02 10:00 Prague time.
    const clock = await app.http.inject({
      method: 'POST',
      url: '/v1/test-clocks',
      headers: app.operator,
      payload: { name: 'quanda trial', frozenTime: '2026-03-02T10:00:00+01:00' },
    });
    assert.equal(clock.statusCode, 201, clock.body);
    const clockId = clock.json().id as string;

    const registered = await app.http.inject({
      method: 'POST',
      url: '/v1/registrations',
      headers: app.operator,
      payload: aRegistration(policy, { testClockId: clockId }),
    });
    assert.equal(registered.statusCode, 201, registered.body);
    const { accountId, state, plan, activationRequired, contractConcludedAt } = registered.json();
    assert.equal(state, 'trial');
    assert.equal(plan, policy.trial!.planCode);
    assert.equal(activationRequired, true);
    assert.equal(contractConcludedAt, null, 'QU-ACC-03: no contract before activation and first login');

    // The activation mail arrives on the SMTP server once the worker delivers the outbox.
    await app.worker.runOnce();
    const mail = await smtp.waitFor((m) => m.to.includes('anna@roza.example'));
    const link = mail.text.match(/https:\/\/app\.klauzula\.test\/activate\?token=([\w-]+)/);
    assert.ok(link, `activation link in: ${mail.text}`);

    // Logging in before activation is refused.
    const early = await app.http.inject({
      method: 'POST',
      url: '/v1/sessions',
      payload: { email: 'anna@roza.example', password: 'correct horse battery' },
    });
    assert.equal(early.statusCode, 403);
    assert.equal(early.json().code, 'accounts.not_activated');

    // Activated on 2026-03-03, first login on 2026-03-04 09:00.
    await app.http.inject({
      method: 'POST',
      url: `/v1/test-clocks/${clockId}/advance`,
      headers: app.operator,
      payload: { to: '2026-03-03T10:00:00+01:00' },
    });
    const activated = await app.http.inject({
      method: 'POST',
      url: '/v1/activations',
      payload: { token: link[1] },
    });
    assert.equal(activated.statusCode, 200, activated.body);
    await app.http.inject({
      method: 'POST',
      url: `/v1/test-clocks/${clockId}/advance`,
      headers: app.operator,
      payload: { to: '2026-03-04T09:00:00+01:00' },
    });
    const login = await app.http.inject({
      method: 'POST',
      url: '/v1/sessions',
      payload: { email: 'anna@roza.example', password: 'correct horse battery' },
    });
    assert.equal(login.statusCode, 200, login.body);
    const cookie = sessionCookie(login.headers['set-cookie']);

    const me = await app.http.inject({ method: 'GET', url: '/v1/me', headers: { cookie } });
    assert.equal(
      me.json().account.contractConcludedAt,
      '2026-03-04T08:00:00.000Z',
      'QU-ACC-03: concluded at first login',
    );

    const during = await app.http.inject({
      method: 'GET',
      url: `/v1/accounts/${accountId}/entitlements`,
      headers: { cookie },
    });
    assert.equal(during.statusCode, 200, during.body);
    assert.equal(during.json().state, 'trial');
    assert.equal(during.json().plan.code, policy.trial!.planCode);
    assert.equal(
      during.json().validUntil,
      '2026-03-16T23:00:00.000Z',
      'trial runs through 2026-03-16 23:59 Prague',
    );

    // Through the last trial day nothing changes...
    await app.http.inject({
      method: 'POST',
      url: `/v1/test-clocks/${clockId}/advance`,
      headers: app.operator,
      payload: { to: '2026-03-16T23:59:59+01:00' },
    });
    const lastDay = await app.http.inject({
      method: 'GET',
      url: `/v1/accounts/${accountId}/entitlements`,
      headers: app.operator,
    });
    assert.equal(lastDay.json().state, 'trial', 'QU-BIL-01: still Trial at 2026-03-16 23:59:59');

    // ...and from 2026-03-17 00:00 Prague the account is on "Trial ended".
    const advanced = await app.http.inject({
      method: 'POST',
      url: `/v1/test-clocks/${clockId}/advance`,
      headers: app.operator,
      payload: { by: 'PT1S' },
    });
    assert.equal(advanced.statusCode, 200, advanced.body);
    assert.equal(advanced.json().firedByKind['lifecycle.trial_end'], 1);
    // Thirteen days on, the session from 2026-03-04 has expired on the test clock: log in again.
    const stale = await app.http.inject({ method: 'GET', url: '/v1/me', headers: { cookie } });
    assert.equal(stale.statusCode, 401);
    const again = await app.http.inject({
      method: 'POST',
      url: '/v1/sessions',
      payload: { email: 'anna@roza.example', password: 'correct horse battery' },
    });
    assert.equal(again.statusCode, 200, again.body);
    const ended = await app.http.inject({
      method: 'GET',
      url: `/v1/accounts/${accountId}/entitlements`,
      headers: { cookie: sessionCookie(again.headers['set-cookie']) },
    });
    assert.equal(ended.statusCode, 200, ended.body);
    assert.equal(ended.json().state, 'trial_ended');
    assert.equal(ended.json().plan.code, policy.trial!.afterTrialPlanCode);
    assert.notDeepEqual(ended.json().features, during.json().features);

    const events = await app.http.inject({
      method: 'GET',
      url: `/v1/accounts/${accountId}/events`,
      headers: app.operator,
    });
    const change = events.json().events.find((e: { type: string }) => e.type === 'account.state_changed');
    assert.ok(change, 'a state change event');
    assert.equal(change.clause, 'QU-BIL-01');
    assert.equal(change.occurredAt, '2026-03-16T23:00:00.000Z');
    assert.deepEqual(change.data, {
      from: 'trial',
      to: 'trial_ended',
      fromPlan: policy.trial!.planCode,
      toPlan: policy.trial!.afterTrialPlanCode,
    });

    // The customer is told, with the clause in the mail.
    await app.worker.runOnce();
    const notice = await smtp.waitFor((m) => m.to.includes('anna@roza.example') && /QU-BIL-01/.test(m.text));
    assert.match(notice.subject, /próbny/);

    const verify = await app.http.inject({ method: 'POST', url: '/v1/audit/verify', headers: app.operator });
    assert.equal(verify.json().ok, true, JSON.stringify(verify.json().problems));
  });
});

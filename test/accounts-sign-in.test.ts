import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  aCompany,
  activate,
  advanceClock,
  aNip,
  anApp,
  aTestClock,
  events,
  logIn,
  logInRequest,
  mailsTo,
  profile,
  registered,
  type Session,
  sessionOf,
  tokenMailedTo,
} from './helpers/accounts.ts';
import type { TestApp } from './helpers/app.ts';

// Logging in, sessions, passwords and users with roles, through the HTTP API on test clocks, with the
// numbers of the preset's `security` section.

const PASSWORD = 'correct horse battery';

async function me(app: TestApp, session: Pick<Session, 'reads'>) {
  return app.http.inject({ method: 'GET', url: '/v1/me', headers: session.reads });
}

function plusMinutes(iso: string, minutes: number): string {
  return new Date(new Date(iso).getTime() + minutes * 60_000).toISOString();
}

describe('logging in', () => {
  it("locks the user out at the policy's 5th failed attempt for its 15 minutes, and lets them in again at minute 15", async (t) => {
    const app = await anApp(t, 'bookero');
    const { maxFailedLogins, lockoutMinutes } = app.current().policy.security;
    assert.deepEqual([maxFailedLogins, lockoutMinutes], [5, 15]);
    const clock = await aTestClock(app, '2026-03-02T10:00:00+01:00');
    const account = await registered(app, clock);

    // A success resets the count: four failures, a success, four more do not lock.
    for (let i = 1; i < maxFailedLogins; i++)
      assert.equal((await logInRequest(app, 'anna@roza.example', 'wrong password')).statusCode, 401);
    await logIn(app, 'anna@roza.example');
    for (let i = 1; i < maxFailedLogins; i++) {
      const failed = await logInRequest(app, 'anna@roza.example', 'wrong password');
      assert.equal(failed.statusCode, 401);
      assert.equal(failed.json().code, 'accounts.login_failed');
    }
    const locking = await logInRequest(app, 'anna@roza.example', 'wrong password');
    assert.equal(locking.statusCode, 423, locking.body);
    assert.deepEqual(locking.json().details, { until: '2026-03-02T09:15:00.000Z' });
    assert.match(locking.json().message, /zablokowane do 2026-03-02T09:15:00.000Z/);

    // Locked even with the right password, to the last millisecond of the 15 minutes.
    await advanceClock(app, clock, '2026-03-02T10:14:59.999+01:00');
    const stillLocked = await logInRequest(app, 'anna@roza.example', PASSWORD);
    assert.equal(stillLocked.statusCode, 423);
    await advanceClock(app, clock, '2026-03-02T10:15:00+01:00');
    await logIn(app, 'anna@roza.example');

    const [notice] = await mailsTo(app, 'anna@roza.example', 'account.locked');
    assert.ok(notice, 'the user is told about the lock');
    assert.match(notice.body.text, /10:15/);
    const logged = (await events(app, account.accountId)).map((e) => e.type);
    assert.equal(logged.filter((type) => type === 'user.login_failed').length, 2 * (maxFailedLogins - 1));
    assert.equal(logged.filter((type) => type === 'user.locked_out').length, 1);
  });

  it('an unknown e-mail and a wrong password get the same answer', async (t) => {
    const app = await anApp(t, 'bookero');
    const clock = await aTestClock(app, '2026-03-02T10:00:00+01:00');
    await registered(app, clock);
    const unknown = await logInRequest(app, 'nobody@roza.example', PASSWORD);
    const wrong = await logInRequest(app, 'anna@roza.example', 'wrong password');
    assert.equal(unknown.statusCode, 401);
    assert.deepEqual(unknown.json(), wrong.json());
  });
});

describe('passwords', () => {
  it("BK-ACC-04: a password change on 2026-03-05 makes the old password fail at once and ends the user's other sessions", async (t) => {
    const app = await anApp(t, 'bookero');
    const clock = await aTestClock(app, '2026-03-05T09:00:00+01:00');
    const account = await registered(app, clock);
    const here = sessionOf(account.cookie!, account.csrfToken!);
    const elsewhere = await logIn(app, 'anna@roza.example');

    const change = (headers: Record<string, string>, currentPassword: string, newPassword: string) =>
      app.http.inject({
        method: 'PUT',
        url: '/v1/me/password',
        headers,
        payload: { currentPassword, newPassword },
      });
    const wrongCurrent = await change(here.writes, 'not my password', 'a brand new passphrase');
    assert.deepEqual([wrongCurrent.statusCode, wrongCurrent.json().code], [403, 'accounts.password_wrong']);
    const weak = await change(here.writes, PASSWORD, 'short');
    assert.deepEqual([weak.statusCode, weak.json().code], [422, 'accounts.password_weak']);
    assert.equal(weak.json().details.min, app.current().policy.security.passwordMinLength);

    assert.equal((await change(here.writes, PASSWORD, 'a brand new passphrase')).statusCode, 204);
    const old = await logInRequest(app, 'anna@roza.example', PASSWORD);
    assert.deepEqual([old.statusCode, old.json().code], [401, 'accounts.login_failed']);
    await logIn(app, 'anna@roza.example', 'a brand new passphrase');
    assert.equal((await me(app, elsewhere)).statusCode, 401, 'the other session has ended');
    assert.equal((await me(app, here)).statusCode, 200, 'the session that made the change goes on');

    assert.equal((await mailsTo(app, 'anna@roza.example', 'account.password_changed')).length, 1);
    const ended = (await events(app, account.accountId)).find((e) => e.type === 'sessions.revoked');
    assert.deepEqual(
      [ended?.occurredAt, ended?.data],
      ['2026-03-05T08:00:00.000Z', { reason: 'password_changed', count: 1, user: account.userId }],
    );
  });

  it('a password reset by the mailed link sets a new password once, ends every session, and the link lasts 2 hours', async (t) => {
    const app = await anApp(t, 'bookero');
    const clock = await aTestClock(app, '2026-03-05T09:00:00+01:00');
    const account = await registered(app, clock);
    const request = (email: string) =>
      app.http.inject({ method: 'POST', url: '/v1/password-resets', payload: { email } });
    const confirm = (token: string, newPassword: string) =>
      app.http.inject({
        method: 'POST',
        url: '/v1/password-resets/confirm',
        payload: { token, newPassword },
      });

    // An unknown address gets the same answer and no mail.
    const unknown = await request('nobody@roza.example');
    assert.deepEqual([unknown.statusCode, unknown.json()], [202, { accepted: true }]);
    assert.deepEqual(await app.outbox.list({ recipient: 'nobody@roza.example' }), []);

    assert.equal((await request('Anna@Roza.example')).statusCode, 202);
    const token = await tokenMailedTo(app, 'anna@roza.example', 'account.password_reset', 'reset-password');
    await advanceClock(app, clock, '2026-03-05T09:30:00+01:00');
    assert.equal((await confirm(token, 'a brand new passphrase')).statusCode, 204);
    assert.equal((await logInRequest(app, 'anna@roza.example', PASSWORD)).statusCode, 401);
    const fresh = await logIn(app, 'anna@roza.example', 'a brand new passphrase');
    assert.equal((await me(app, { reads: { cookie: account.cookie! } })).statusCode, 401);
    assert.equal((await me(app, fresh)).statusCode, 200);

    const again = await confirm(token, 'yet another passphrase');
    assert.deepEqual([again.statusCode, again.json().code], [400, 'accounts.token_invalid']);

    // A second link, used 2 hours after it was sent, no longer works.
    assert.equal((await request('anna@roza.example')).statusCode, 202);
    const [, second] = await mailsTo(app, 'anna@roza.example', 'account.password_reset');
    const secondToken = second!.body.text.match(/reset-password\?token=([\w-]+)/)![1]!;
    await advanceClock(app, clock, '2026-03-05T11:30:00+01:00');
    const expired = await confirm(secondToken, 'yet another passphrase');
    assert.deepEqual([expired.statusCode, expired.json().code], [400, 'accounts.token_invalid']);
  });
});

describe('sessions', () => {
  it('a session ends after 60 idle minutes; a request within them keeps it going', async (t) => {
    const app = await anApp(t, 'bookero');
    assert.equal(app.current().policy.security.sessionIdleMinutes, 60);
    const start = '2026-03-02T09:00:00.000Z';
    const clock = await aTestClock(app, start);
    await registered(app, clock);
    const session = await logIn(app, 'anna@roza.example');

    await advanceClock(app, clock, plusMinutes(start, 60));
    assert.equal((await me(app, session)).statusCode, 200, 'idle exactly 60 minutes');
    await advanceClock(app, clock, plusMinutes(start, 120));
    assert.equal((await me(app, session)).statusCode, 200, 'the request at minute 60 counted');
    await advanceClock(app, clock, new Date(new Date(plusMinutes(start, 180)).getTime() + 1).toISOString());
    const idle = await me(app, session);
    assert.deepEqual([idle.statusCode, idle.json().code], [401, 'request.unauthenticated']);
  });

  it('a session ends 24 hours after login however active it is', async (t) => {
    const app = await anApp(t, 'bookero');
    assert.equal(app.current().policy.security.sessionAbsoluteHours, 24);
    const start = '2026-03-02T09:00:00.000Z';
    const clock = await aTestClock(app, start);
    await registered(app, clock);
    const session = await logIn(app, 'anna@roza.example');

    for (let minute = 59; minute < 24 * 60; minute += 59) {
      await advanceClock(app, clock, plusMinutes(start, minute));
      assert.equal((await me(app, session)).statusCode, 200, `minute ${minute}`);
    }
    await advanceClock(app, clock, plusMinutes(start, 24 * 60));
    assert.equal((await me(app, session)).statusCode, 200, 'exactly 24 hours');
    await advanceClock(
      app,
      clock,
      new Date(new Date(plusMinutes(start, 24 * 60)).getTime() + 1).toISOString(),
    );
    assert.equal((await me(app, session)).statusCode, 401);
  });

  it("a change made with the session cookie needs the session's own CSRF token; a read does not", async (t) => {
    const app = await anApp(t, 'bookero');
    const clock = await aTestClock(app, '2026-03-02T09:00:00Z');
    const account = await registered(app, clock);
    const other = await registered(app, clock, {
      company: aCompany('Beta sp. z o.o.', aNip('584000003')),
      email: 'biuro@beta.example',
      phone: '+48 600 999 999',
    });
    const session = await logIn(app, 'anna@roza.example');
    const url = `/v1/accounts/${account.accountId}`;
    const rename = (headers: Record<string, string>) =>
      app.http.inject({ method: 'PATCH', url, headers, payload: { companyName: 'Róża i Syn sp. z o.o.' } });

    const attempts: Record<string, string>[] = [
      { cookie: session.cookie },
      { cookie: session.cookie, 'x-csrf-token': 'forged' },
      { cookie: session.cookie, 'x-csrf-token': other.csrfToken! },
    ];
    for (const headers of attempts) {
      const refused = await rename(headers);
      assert.deepEqual([refused.statusCode, refused.json().code], [403, 'request.csrf_failed']);
    }
    assert.equal((await profile(app, account.accountId)).companyName, 'Kwiaciarnia Róża sp. z o.o.');
    assert.equal((await app.http.inject({ method: 'GET', url, headers: session.reads })).statusCode, 200);
    const done = await rename(session.writes);
    assert.equal(done.statusCode, 200, done.body);
    assert.equal(done.json().companyName, 'Róża i Syn sp. z o.o.');
  });

  it('logging out ends the session', async (t) => {
    const app = await anApp(t, 'bookero');
    const clock = await aTestClock(app, '2026-03-02T09:00:00Z');
    await registered(app, clock);
    const session = await logIn(app, 'anna@roza.example');
    const out = await app.http.inject({
      method: 'DELETE',
      url: '/v1/sessions/current',
      headers: session.writes,
    });
    assert.equal(out.statusCode, 204);
    assert.equal((await me(app, session)).statusCode, 401);
  });
});

describe('users with roles', () => {
  it('CM-ACC-06: invited users log in by e-mail with their role; a member cannot change company data, an admin can, and each action is attributed in the audit log', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const clock = await aTestClock(app, '2026-03-03T09:00:00+01:00');
    const account = await registered(app, clock);
    await activate(app, 'anna@roza.example');
    const owner = await logIn(app, 'anna@roza.example');
    const users = `/v1/accounts/${account.accountId}/users`;

    const invite = (headers: Record<string, string>, email: string, role: string) =>
      app.http.inject({ method: 'POST', url: users, headers, payload: { email, role, firstName: 'Marek' } });
    const invited: Record<string, string> = {};
    for (const [email, role] of [
      ['m@firma.example', 'member'],
      ['admin@firma.example', 'admin'],
    ] as const) {
      const res = await invite(owner.writes, email, role);
      assert.equal(res.statusCode, 201, res.body);
      assert.deepEqual([res.json().role, res.json().status], [role, 'invited']);
      invited[role] = res.json().id;
      const token = await tokenMailedTo(app, email, 'account.user_invited', 'invitation');
      const accepted = await app.http.inject({
        method: 'POST',
        url: '/v1/invitations/accept',
        payload: { token, password: `${role} passphrase 1` },
      });
      assert.equal(accepted.statusCode, 200, accepted.body);
    }
    const taken = await invite(owner.writes, 'M@firma.example', 'member');
    assert.deepEqual([taken.statusCode, taken.json().code], [409, 'accounts.user_exists']);

    const member = await logIn(app, 'm@firma.example', 'member passphrase 1');
    const admin = await logIn(app, 'admin@firma.example', 'admin passphrase 1');
    const whoIsMember = await me(app, member);
    assert.deepEqual(
      [whoIsMember.json().user.role, whoIsMember.json().account.id],
      ['member', account.accountId],
    );

    const change = (session: Session, companyName: string) =>
      app.http.inject({
        method: 'PATCH',
        url: `/v1/accounts/${account.accountId}`,
        headers: session.writes,
        payload: { companyName },
      });
    const byMember = await change(member, 'Przejęta sp. z o.o.');
    assert.deepEqual([byMember.statusCode, byMember.json().code], [403, 'request.forbidden']);
    const inviteByMember = await invite(member.writes, 'x@firma.example', 'admin');
    assert.equal(inviteByMember.statusCode, 403);
    assert.equal(
      (await app.http.inject({ method: 'GET', url: users, headers: member.reads })).statusCode,
      200,
    );
    const byAdmin = await change(admin, 'Róża i Syn sp. z o.o.');
    assert.equal(byAdmin.statusCode, 200, byAdmin.body);
    assert.equal((await profile(app, account.accountId)).companyName, 'Róża i Syn sp. z o.o.');

    // Another account's data stay out of reach of this account's users.
    const other = await registered(app, clock, {
      company: aCompany('Beta sp. z o.o.', aNip('584000003')),
      email: 'biuro@beta.example',
    });
    const foreign = await app.http.inject({
      method: 'GET',
      url: `/v1/accounts/${other.accountId}`,
      headers: admin.reads,
    });
    assert.deepEqual([foreign.statusCode, foreign.json().code], [403, 'request.forbidden']);

    // Every action lands in the account's own audit chain, attributed to the user who took it.
    const logged = await events(app, account.accountId);
    const actors = (type: string) => logged.filter((e) => e.type === type).map((e) => e.actor);
    assert.deepEqual(actors('user.invited'), [`user:${account.userId}`, `user:${account.userId}`]);
    assert.deepEqual(actors('user.joined'), [`user:${invited.member}`, `user:${invited.admin}`]);
    assert.deepEqual(actors('user.logged_in'), [
      `user:${account.userId}`,
      `user:${invited.member}`,
      `user:${invited.admin}`,
    ]);
    assert.deepEqual(actors('account.profile_changed'), [`user:${invited.admin}`]);
    const history = await app.http.inject({
      method: 'GET',
      url: `/v1/accounts/${account.accountId}/profile-history`,
      headers: admin.reads,
    });
    assert.deepEqual(
      history
        .json()
        .changes.map((c: { field: string; actor: string; changedAt: string }) => [
          c.field,
          c.actor,
          c.changedAt,
        ]),
      [['companyName', `user:${invited.admin}`, '2026-03-03T08:00:00.000Z']],
    );
  });
});

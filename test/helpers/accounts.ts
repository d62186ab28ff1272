import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { localDateOf } from '../../src/platform/calendar.ts';
import type { StoredMessage } from '../../src/platform/outbox/outbox.ts';
import { aRegistration, buildTestApp, sessionCookie, type TestApp } from './app.ts';

/** The whole app on its own database for one test, closed when the test ends. */
export async function anApp(t: TestContext, preset: string): Promise<TestApp> {
  const app = await buildTestApp({ preset });
  t.after(() => app.close());
  return app;
}

/** A test clock frozen at `frozenTime` (ISO 8601 with its offset, e.g. `2026-03-02T10:00:00+01:00`). */
export async function aTestClock(app: TestApp, frozenTime: string): Promise<string> {
  const res = await app.http.inject({
    method: 'POST',
    url: '/v1/test-clocks',
    headers: app.operator,
    payload: { name: 'accounts test', frozenTime },
  });
  assert.equal(res.statusCode, 201, res.body);
  return res.json().id as string;
}

/** Moves a test clock to `to`, firing whatever falls due on the way; returns how many items fired. */
export async function advanceClock(app: TestApp, clockId: string, to: string): Promise<number> {
  const res = await app.http.inject({
    method: 'POST',
    url: `/v1/test-clocks/${clockId}/advance`,
    headers: app.operator,
    payload: { to },
  });
  assert.equal(res.statusCode, 200, res.body);
  return res.json().fired as number;
}

/** Like `advanceClock`, but says what fired: the number of items per due-work kind. */
export async function advanceClockByKind(
  app: TestApp,
  clockId: string,
  to: string,
): Promise<Record<string, number>> {
  const res = await app.http.inject({
    method: 'POST',
    url: `/v1/test-clocks/${clockId}/advance`,
    headers: app.operator,
    payload: { to },
  });
  assert.equal(res.statusCode, 200, res.body);
  return res.json().firedByKind as Record<string, number>;
}

/** POST /v1/registrations by the operator on `clockId`; `body` replaces the sample registration's fields. */
export function register(app: TestApp, clockId: string, body: Record<string, unknown> = {}) {
  return app.http.inject({
    method: 'POST',
    url: '/v1/registrations',
    headers: app.operator,
    payload: { ...aRegistration(app.current().policy, body), testClockId: clockId },
  });
}

/** Like `register`, but the registration must succeed; returns the reply body. */
export async function registered(
  app: TestApp,
  clockId: string,
  body: Record<string, unknown> = {},
): Promise<{
  accountId: string;
  userId: string;
  state: string;
  plan: string;
  activationRequired: boolean;
  contractConcludedAt: string | null;
  csrfToken: string | null;
  cookie: string | null;
}> {
  const res = await register(app, clockId, body);
  assert.equal(res.statusCode, 201, res.body);
  const setCookie = res.headers['set-cookie'];
  return { ...res.json(), cookie: setCookie ? sessionCookie(setCookie) : null };
}

/** A logged-in user: the headers for reads, and for changes (with the session's CSRF token). */
export type Session = {
  cookie: string;
  csrfToken: string;
  reads: Record<string, string>;
  writes: Record<string, string>;
};

export function sessionOf(cookie: string, csrfToken: string): Session {
  return { cookie, csrfToken, reads: { cookie }, writes: { cookie, 'x-csrf-token': csrfToken } };
}

export function logInRequest(app: TestApp, email: string, password: string) {
  return app.http.inject({ method: 'POST', url: '/v1/sessions', payload: { email, password } });
}

export async function logIn(
  app: TestApp,
  email: string,
  password = 'correct horse battery',
): Promise<Session> {
  const res = await logInRequest(app, email, password);
  assert.equal(res.statusCode, 200, res.body);
  return sessionOf(sessionCookie(res.headers['set-cookie']), res.json().csrfToken);
}

/** The messages in the outbox for `recipient` made from `template`, oldest first. */
export async function mailsTo(app: TestApp, recipient: string, template: string): Promise<StoredMessage[]> {
  return (await app.outbox.list({ recipient })).filter((m) => m.template === template);
}

/** The token of the only `template` mail to `recipient`, taken from the link to `path` in its text. */
export async function tokenMailedTo(
  app: TestApp,
  recipient: string,
  template: string,
  path: string,
): Promise<string> {
  const mails = await mailsTo(app, recipient, template);
  assert.equal(mails.length, 1, `one ${template} mail to ${recipient}`);
  const match = mails[0]!.body.text.match(new RegExp(`/${path}\\?token=([\\w-]+)`));
  assert.ok(match, `a ${path} link in: ${mails[0]!.body.text}`);
  return match[1]!;
}

/** Activates a new account from its activation mail. */
export async function activate(app: TestApp, email: string): Promise<void> {
  const token = await tokenMailedTo(app, email, 'account.activation', 'activate');
  const res = await app.http.inject({ method: 'POST', url: '/v1/activations', payload: { token } });
  assert.equal(res.statusCode, 200, res.body);
}

export async function entitlements(
  app: TestApp,
  accountId: string,
  headers: Record<string, string> = app.operator,
) {
  const res = await app.http.inject({
    method: 'GET',
    url: `/v1/accounts/${accountId}/entitlements`,
    headers,
  });
  assert.equal(res.statusCode, 200, res.body);
  return res.json();
}

export async function profile(
  app: TestApp,
  accountId: string,
  headers: Record<string, string> = app.operator,
) {
  const res = await app.http.inject({ method: 'GET', url: `/v1/accounts/${accountId}`, headers });
  assert.equal(res.statusCode, 200, res.body);
  return res.json();
}

export type LoggedEvent = {
  type: string;
  clause: string | null;
  actor: string;
  occurredAt: string;
  data: Record<string, unknown>;
};

export async function events(app: TestApp, accountId: string): Promise<LoggedEvent[]> {
  const res = await app.http.inject({
    method: 'GET',
    url: `/v1/accounts/${accountId}/events`,
    headers: app.operator,
  });
  assert.equal(res.statusCode, 200, res.body);
  return res.json().events;
}

/** The local calendar date of the last instant before `end`: the last day a window covered. */
export function lastDayBefore(end: string, timeZone: string): string {
  return localDateOf(new Date(new Date(end).getTime() - 1), timeZone);
}

/** `YYYY-MM-DD HH:MM` of an instant in a time zone. */
export function localTimeOf(instant: string, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(instant));
  const part = (type: string) => parts.find((p) => p.type === type)!.value;
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}`;
}

/** A valid Polish NIP starting with the 9 digits of `prefix` (its checksum digit appended). */
export function aNip(prefix: string): string {
  assert.match(prefix, /^\d{9}$/);
  const weights = [6, 5, 7, 2, 3, 4, 5, 6, 7];
  const check = weights.reduce((sum, w, i) => sum + w * Number(prefix[i]), 0) % 11;
  assert.notEqual(check, 10, `no NIP starts with ${prefix}`);
  return `${prefix}${check}`;
}

/** A valid Czech IČO starting with the 7 digits of `prefix`. */
export function anIco(prefix: string): string {
  assert.match(prefix, /^\d{7}$/);
  const sum = [8, 7, 6, 5, 4, 3, 2].reduce((acc, w, i) => acc + w * Number(prefix[i]), 0);
  return `${prefix}${(11 - (sum % 11)) % 10}`;
}

/** The sample company, renamed and with its own tax id, so that it is a different customer. */
export function aCompany(name: string, taxId: string, country = 'PL') {
  return {
    name,
    taxId,
    country,
    address: { street: 'ul. Długa 1', postalCode: '80-831', city: 'Gdańsk', country },
    isLegalPerson: true,
  };
}

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'drizzle-orm';
import {
  aCompany,
  activate,
  advanceClock,
  advanceClockByKind,
  aNip,
  anApp,
  anIco,
  aTestClock,
  entitlements,
  events,
  localTimeOf,
  logIn,
  logInRequest,
  mailsTo,
  profile,
  register,
  registered,
} from './helpers/accounts.ts';
import type { TestApp } from './helpers/app.ts';

// Sign-up rules of each seed service, through POST /v1/registrations on a test clock, with each preset's own
// numbers. Every test runs on its own database.

/** How many rows the sign-up left behind: an account, a user, a life, an acceptance. */
async function stored(app: TestApp) {
  const [row] = await app.db.rows<{
    accounts: number;
    users: number;
    lives: number;
    acceptances: number;
  }>(sql`
    select (select count(*) from accounts)::int as accounts, (select count(*) from users)::int as users,
           (select count(*) from account_states)::int as lives, (select count(*) from acceptances)::int as acceptances`);
  return row!;
}

async function acceptancesOf(app: TestApp, accountId: string) {
  const res = await app.http.inject({
    method: 'GET',
    url: `/v1/accounts/${accountId}/acceptances`,
    headers: app.operator,
  });
  assert.equal(res.statusCode, 200, res.body);
  return res.json().acceptances as {
    documentKind: string;
    documentVersion: string;
    acceptedAt: string;
    channel: string;
    ip: string | null;
  }[];
}

type Reply = {
  statusCode: number;
  body: string;
  json: () => { code: string; details: { issues: unknown[] } };
};

/** The problems a refused sign-up reports, each `{ field, rule, clause? }`. */
function issuesOf(res: Reply) {
  assert.equal(res.statusCode, 422, res.body);
  assert.equal(res.json().code, 'accounts.registration_invalid');
  return res.json().details.issues;
}

/** The problems as `field: rule`, for presets whose rules cite another seed's clause id (see the report). */
function fieldRulesOf(res: Reply): string[] {
  return (issuesOf(res) as { field: string; rule: string }[]).map((i) => `${i.field}: ${i.rule}`);
}

describe('clickmeeting sign-up', () => {
  it('CM-ACC-01: without the business declaration nothing is created; with it, the declaration is stored with its time and the ToS version', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const clock = await aTestClock(app, '2026-02-02T10:00:00+01:00');

    const consumer = await register(app, clock, { declarations: { adult: true } });
    assert.deepEqual(issuesOf(consumer), [
      { field: 'declarations.business', rule: 'required', clause: 'CM-ACC-01' },
    ]);
    assert.deepEqual(await stored(app), { accounts: 0, users: 0, lives: 0, acceptances: 0 });

    const business = await registered(app, clock);
    const account = await profile(app, business.accountId);
    assert.equal(account.declarations.business, '2026-02-02T09:00:00.000Z');
    const terms = (await acceptancesOf(app, business.accountId)).find((a) => a.documentKind === 'terms');
    assert.deepEqual(
      { version: terms?.documentVersion, at: terms?.acceptedAt },
      { version: '2022-12-15', at: '2026-02-02T09:00:00.000Z' },
    );
  });

  it('CM-ACC-02: a sign-up on 2026-03-10 without the 18+ declaration is rejected', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const clock = await aTestClock(app, '2026-03-10T12:00:00+01:00');

    const minor = await register(app, clock, { declarations: { business: true } });
    assert.deepEqual(issuesOf(minor), [
      { field: 'declarations.adult', rule: 'required', clause: 'CM-ACC-02' },
    ]);
    const unticked = await register(app, clock, { declarations: { business: true, adult: false } });
    assert.deepEqual(issuesOf(unticked), [
      { field: 'declarations.adult', rule: 'required', clause: 'CM-ACC-02' },
    ]);
    assert.equal((await stored(app)).accounts, 0);

    const adult = await registered(app, clock);
    assert.equal((await profile(app, adult.accountId)).declarations.adult, '2026-03-10T11:00:00.000Z');
  });

  it('CM-ACC-03: NIP with a free account from 2026-01-05 is refused a second free account on 2026-02-01, with an upgrade offer', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const policy = app.current().policy;
    // The catalog's NIP 5840000001 fails the NIP checksum, as does every 584000000x; this is the nearest valid one.
    const nip = aNip('584000001');
    const clock = await aTestClock(app, '2026-01-05T09:00:00+01:00');
    const first = await registered(app, clock, {
      company: aCompany('Alfa sp. z o.o.', nip),
      email: 'biuro@alfa.example',
    });
    assert.equal(first.state, 'free');

    await advanceClock(app, clock, '2026-02-01T09:00:00+01:00');
    const again = await register(app, clock, {
      company: aCompany('Alfa Webinary sp. z o.o.', nip),
      email: 'webinary@alfa.example',
    });
    assert.equal(again.statusCode, 409, again.body);
    assert.equal(again.json().code, 'accounts.free_account_exists');
    assert.deepEqual(again.json().details, {
      clause: 'CM-ACC-03',
      upgradeTo: policy.plans.filter((p) => p.kind === 'paid').map((p) => p.code),
    });
    assert.deepEqual(again.json().details.upgradeTo, ['live', 'automated', 'enterprise']);

    // The same company identity under another NIP (the policy matches company names too) is refused as well.
    const sameName = await register(app, clock, {
      company: aCompany('ALFA  sp. z o.o.', aNip('584000002')),
      email: 'inna@alfa.example',
    });
    assert.equal(sameName.statusCode, 409, sameName.body);

    // An upgrade, i.e. a paid sign-up, is what is offered: it is not refused.
    const paid = await registered(app, clock, {
      company: aCompany('Alfa Webinary sp. z o.o.', nip),
      email: 'webinary@alfa.example',
      accountType: 'paid',
      plan: 'live',
    });
    assert.equal(paid.plan, 'live');

    // Another company gets its free account.
    const other = await registered(app, clock, {
      company: aCompany('Beta sp. z o.o.', aNip('584000003')),
      email: 'biuro@beta.example',
    });
    assert.equal(other.state, 'free');
  });

  it('CM-ACC-03: a free account that has run out still counts, so its company cannot start the free period again', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const nip = aNip('584000001');
    const clock = await aTestClock(app, '2026-01-05T09:00:00+01:00');
    const first = await registered(app, clock, { company: aCompany('Alfa sp. z o.o.', nip) });

    await advanceClock(app, clock, '2026-02-06T09:00:00+01:00');
    assert.equal((await entitlements(app, first.accountId)).state, 'free_ended');
    const again = await register(app, clock, {
      company: aCompany('Alfa Nowa sp. z o.o.', nip),
      email: 'nowa@alfa.example',
    });
    assert.equal(again.statusCode, 409, again.body);
    assert.equal(again.json().details.clause, 'CM-ACC-03');
  });

  it('CM-ACC-04: a free account created on 2026-01-05 gets its end when created (last free day 2026-02-04) and no paid-only feature', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const policy = app.current().policy;
    const free = policy.plans.find((p) => p.code === 'free')!;
    assert.equal(free.freePeriodDays, 30);
    const clock = await aTestClock(app, '2026-01-05T15:30:00+01:00');

    const account = await registered(app, clock);
    assert.deepEqual({ state: account.state, plan: account.plan }, { state: 'free', plan: 'free' });
    const started = (await events(app, account.accountId)).find((e) => e.type === 'account.life_started');
    assert.equal(started?.data.freeEndsAt, '2026-02-04T23:00:00.000Z', '2026-02-05 00:00 Warsaw');

    const now = await entitlements(app, account.accountId);
    assert.equal(now.validUntil, '2026-02-04T23:00:00.000Z');
    assert.deepEqual(now.features, free.features);
    const paidOnly = policy.entitlements.features.filter((f) => f.paidOnly).map((f) => f.code);
    assert.deepEqual(paidOnly, ['branding_removal']);
    assert.ok(!now.features.includes('branding_removal'));
  });

  it('CM-ACC-07: a paid sign-up without a plan is blocked; a free sign-up without the optional phone is created', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const clock = await aTestClock(app, '2026-01-12T10:00:00+01:00');

    const paidNoPlan = await register(app, clock, { accountType: 'paid' });
    assert.deepEqual(issuesOf(paidNoPlan), [{ field: 'plan', rule: 'required', clause: 'CM-ACC-07' }]);
    const paidFreePlan = await register(app, clock, { accountType: 'paid', plan: 'free' });
    assert.deepEqual(issuesOf(paidFreePlan), [{ field: 'plan', rule: 'not_paid', clause: 'CM-ACC-07' }]);
    const unknownPlan = await register(app, clock, { accountType: 'paid', plan: 'gold' });
    assert.deepEqual(issuesOf(unknownPlan), [{ field: 'plan', rule: 'unknown' }]);
    assert.equal((await stored(app)).accounts, 0);

    const free = await registered(app, clock, { accountType: 'free', phone: undefined });
    assert.deepEqual({ state: free.state, plan: free.plan }, { state: 'free', plan: 'free' });
    assert.equal((await profile(app, free.accountId)).phone, null);
  });

  it('CM-ACC-07: a paid sign-up with its plan waits for the first payment on that plan, without free access', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const clock = await aTestClock(app, '2026-01-12T10:00:00+01:00');

    const paid = await registered(app, clock, { accountType: 'paid', plan: 'automated' });
    assert.deepEqual(
      { state: paid.state, plan: paid.plan },
      { state: 'pending_activation', plan: 'automated' },
    );
    // The contract starts at sign-up (CM-LIF-01), while the paid plan's features wait for the payment.
    assert.equal(paid.contractConcludedAt, '2026-01-12T09:00:00.000Z');
    const now = await entitlements(app, paid.accountId);
    assert.deepEqual(
      {
        state: now.state,
        plan: now.plan.code,
        access: now.access,
        features: now.features,
        limits: now.limits,
      },
      { state: 'pending_activation', plan: 'automated', access: 'none', features: [], limits: {} },
    );
  });

  it('CM-SEC-01: the password set on 2026-01-12 is stored only as a salted argon2id hash and never shown', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const clock = await aTestClock(app, '2026-01-12T10:00:00+01:00');
    const password = 'correct horse battery';

    const short = await register(app, clock, { password: 'too-short' });
    assert.deepEqual(issuesOf(short), [{ field: 'password', rule: 'min_length_10', clause: 'CM-SEC-01' }]);

    const a = await registered(app, clock);
    const b = await registered(app, clock, {
      company: aCompany('Beta sp. z o.o.', aNip('584000003')),
      email: 'biuro@beta.example',
    });
    const hashes = await app.db.rows<{ password_hash: string }>(
      sql`select password_hash from users order by created_at, id`,
    );
    assert.equal(hashes.length, 2);
    for (const { password_hash } of hashes) {
      assert.match(password_hash, /^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
      assert.ok(!password_hash.includes(password));
    }
    assert.notEqual(hashes[0]!.password_hash, hashes[1]!.password_hash, 'each hash has its own salt');

    // What support sees of the account and its users has no password in any form.
    for (const url of [`/v1/accounts/${a.accountId}`, `/v1/accounts/${a.accountId}/users`]) {
      const res = await app.http.inject({ method: 'GET', url, headers: app.operator });
      assert.equal(res.statusCode, 200);
      assert.ok(!/password|argon2/i.test(res.body), res.body);
    }
    assert.ok(b.accountId);
  });
});

describe('quanda sign-up', () => {
  it('QU-ACC-01: a legal person without the registering person, or without the capacity declaration, is rejected and nothing is stored', async (t) => {
    const app = await anApp(t, 'quanda');
    const clock = await aTestClock(app, '2026-03-02T10:00:00+01:00');
    const eventCount = async () =>
      (await app.db.rows<{ n: number }>(sql`select count(*)::int as n from events`))[0]!.n;
    const eventsBefore = await eventCount();

    const nobody = await register(app, clock, { registeringPerson: undefined });
    assert.deepEqual(issuesOf(nobody), [
      { field: 'registeringPerson', rule: 'required', clause: 'QU-ACC-01' },
    ]);
    const blank = await register(app, clock, { registeringPerson: '   ' });
    assert.deepEqual(issuesOf(blank), [
      { field: 'registeringPerson', rule: 'required', clause: 'QU-ACC-01' },
    ]);
    const incapable = await register(app, clock, { declarations: {} });
    assert.deepEqual(issuesOf(incapable), [
      { field: 'declarations.legalCapacity', rule: 'required', clause: 'QU-ACC-01' },
    ]);
    assert.deepEqual(await stored(app), { accounts: 0, users: 0, lives: 0, acceptances: 0 });
    assert.equal(await eventCount(), eventsBefore, 'no contract record either');

    // A natural person registers for itself; a legal person names who registers it.
    const person = await registered(app, clock, {
      company: { ...aCompany('Jan Novák', anIco('2716402'), 'CZ'), isLegalPerson: false },
      email: 'jan@novak.example',
      registeringPerson: undefined,
    });
    assert.equal((await profile(app, person.accountId)).registeringPerson, null);
    const company = await registered(app, clock);
    assert.equal((await profile(app, company.accountId)).registeringPerson, 'Anna Nowak');
  });

  it('QU-ACC-02: with the terms unticked the sign-up is rejected; ticked, both versions and accepted_at are stored', async (t) => {
    const app = await anApp(t, 'quanda');
    const clock = await aTestClock(app, '2026-03-02T10:00:00+01:00');

    const unticked = await register(app, clock, { acceptedDocuments: [{ kind: 'privacy', version: '1.0' }] });
    assert.deepEqual(issuesOf(unticked), [
      { field: 'acceptedDocuments.terms', rule: 'required', clause: 'QU-ACC-02' },
    ]);
    const noPrivacy = await register(app, clock, { acceptedDocuments: [{ kind: 'terms', version: '1.0' }] });
    assert.deepEqual(issuesOf(noPrivacy), [
      { field: 'acceptedDocuments.privacy', rule: 'required', clause: 'QU-ACC-02' },
    ]);
    const stale = await register(app, clock, {
      acceptedDocuments: [
        { kind: 'terms', version: '0.9' },
        { kind: 'privacy', version: '1.0' },
      ],
    });
    assert.deepEqual(issuesOf(stale), [
      { field: 'acceptedDocuments.terms', rule: 'not_current_version_1.0' },
    ]);
    assert.equal((await stored(app)).accounts, 0);

    const account = await registered(app, clock);
    const accepted = await acceptancesOf(app, account.accountId);
    assert.deepEqual(
      accepted.map((a) => [a.documentKind, a.documentVersion, a.acceptedAt, a.channel]),
      [
        ['privacy', '1.0', '2026-03-02T09:00:00.000Z', 'registration'],
        ['terms', '1.0', '2026-03-02T09:00:00.000Z', 'registration'],
      ],
    );
  });

  it('QU-ACC-03: signed up 2026-03-02, link clicked 2026-03-03 10:00, first login 2026-03-04 09:00 concludes the contract then, not before', async (t) => {
    const app = await anApp(t, 'quanda');
    const clock = await aTestClock(app, '2026-03-02T10:00:00+01:00');
    const account = await registered(app, clock);
    assert.deepEqual(
      {
        activationRequired: account.activationRequired,
        concluded: account.contractConcludedAt,
        cookie: account.cookie,
      },
      { activationRequired: true, concluded: null, cookie: null },
    );
    assert.equal((await mailsTo(app, 'anna@roza.example', 'account.activation')).length, 1);
    const early = await logInRequest(app, 'anna@roza.example', 'correct horse battery');
    assert.equal(early.statusCode, 403);
    assert.equal(early.json().code, 'accounts.not_activated');

    await advanceClock(app, clock, '2026-03-03T10:00:00+01:00');
    await activate(app, 'anna@roza.example');
    const clicked = await profile(app, account.accountId);
    assert.deepEqual(
      { activatedAt: clicked.activatedAt, concluded: clicked.contractConcludedAt },
      { activatedAt: '2026-03-03T09:00:00.000Z', concluded: null },
    );

    await advanceClock(app, clock, '2026-03-04T09:00:00+01:00');
    await logIn(app, 'anna@roza.example');
    assert.equal((await profile(app, account.accountId)).contractConcludedAt, '2026-03-04T08:00:00.000Z');
    await advanceClock(app, clock, '2026-03-05T09:00:00+01:00');
    await logIn(app, 'anna@roza.example');
    assert.equal((await profile(app, account.accountId)).contractConcludedAt, '2026-03-04T08:00:00.000Z');

    const concluded = (await events(app, account.accountId)).filter(
      (e) => e.type === 'account.contract_concluded',
    );
    assert.deepEqual(
      concluded.map((e) => [e.clause, e.occurredAt]),
      [['QU-ACC-03', '2026-03-04T08:00:00.000Z']],
    );
  });

  it('QU-ACC-03: the activation link works for its 72 hours and not a moment longer', async (t) => {
    const app = await anApp(t, 'quanda');
    assert.equal(app.current().policy.registration.activationLink.validHours, 72);
    const clock = await aTestClock(app, '2026-03-02T10:00:00+01:00');
    await registered(app, clock, {
      company: aCompany('Alfa s.r.o.', anIco('2716402'), 'CZ'),
      email: 'a@alfa.example',
    });
    await registered(app, clock, {
      company: aCompany('Beta s.r.o.', anIco('2716403'), 'CZ'),
      email: 'b@beta.example',
    });

    await advanceClock(app, clock, '2026-03-05T09:59:59.999+01:00');
    await activate(app, 'a@alfa.example');
    await advanceClock(app, clock, '2026-03-05T10:00:00+01:00');
    const late = await app.http.inject({
      method: 'POST',
      url: '/v1/activations',
      payload: { token: await tokenOf(app, 'b@beta.example') },
    });
    assert.equal(late.statusCode, 400);
    assert.equal(late.json().code, 'accounts.token_invalid');
  });

  it('QU-ACC-05: a new account has no subdomain; at first login its owner sets one, once', async (t) => {
    const app = await anApp(t, 'quanda');
    const clock = await aTestClock(app, '2026-03-02T10:00:00+01:00');
    const account = await registered(app, clock);
    assert.equal((await profile(app, account.accountId)).subdomain, null);
    await activate(app, 'anna@roza.example');
    await advanceClock(app, clock, '2026-03-04T09:00:00+01:00');
    const owner = await logIn(app, 'anna@roza.example');

    const set = await app.http.inject({
      method: 'PUT',
      url: `/v1/accounts/${account.accountId}/subdomain`,
      headers: owner.writes,
      payload: { subdomain: 'Acme' },
    });
    assert.equal(set.statusCode, 200, set.body);
    assert.equal(set.json().subdomain, 'acme');
    const rename = await app.http.inject({
      method: 'PUT',
      url: `/v1/accounts/${account.accountId}/subdomain`,
      headers: owner.writes,
      payload: { subdomain: 'acme2' },
    });
    assert.equal(rename.statusCode, 403);
  });

  it('QU-ACC-10: another company is a new registration, with its own account, contract and trial', async (t) => {
    const app = await anApp(t, 'quanda');
    const clock = await aTestClock(app, '2026-03-02T10:00:00+01:00');
    const first = await registered(app, clock, { company: aCompany('Alfa s.r.o.', anIco('2716402'), 'CZ') });
    await advanceClock(app, clock, '2026-06-01T10:00:00+02:00');
    const second = await registered(app, clock, {
      company: aCompany('Beta s.r.o.', anIco('2716403'), 'CZ'),
      email: 'jan@beta.example',
    });
    assert.notEqual(second.accountId, first.accountId);
    assert.equal(second.state, 'trial');
    assert.equal((await profile(app, second.accountId)).taxId, `CZ${anIco('2716403')}`);
    assert.equal((await profile(app, first.accountId)).taxId, `CZ${anIco('2716402')}`);
  });

  it('QU-BIL-01: registered on 2026-03-02, the account is on Trial (PROFESIONAL 200 scope) through 2026-03-16 23:59 and on "Trial ended" from 2026-03-17 00:00', async (t) => {
    const app = await anApp(t, 'quanda');
    const policy = app.current().policy;
    assert.equal(policy.trial?.days, 14);
    const plan = (code: string) => policy.plans.find((p) => p.code === code)!;
    const clock = await aTestClock(app, '2026-03-02T23:30:00+01:00');
    const account = await registered(app, clock);
    // A paid plan named at sign-up is ordered later: registration always starts the Trial.
    const named = await registered(app, clock, {
      company: aCompany('Beta s.r.o.', anIco('2716403'), 'CZ'),
      email: 'jan@beta.example',
      plan: 'professional_200',
    });
    for (const a of [account, named]) assert.deepEqual([a.state, a.plan], ['trial', 'trial']);

    const trial = await entitlements(app, account.accountId);
    assert.equal(trial.validUntil, '2026-03-16T23:00:00.000Z');
    const pro = plan('professional_200');
    assert.deepEqual(
      trial.features,
      pro.features.filter((f) => f !== 'branding_removal'),
    );
    assert.deepEqual(trial.limits, pro.limits);

    await advanceClock(app, clock, '2026-03-16T23:59:59.999+01:00');
    assert.equal((await entitlements(app, account.accountId)).state, 'trial');
    assert.equal(
      (await advanceClockByKind(app, clock, '2026-03-17T00:00:00+01:00'))['lifecycle.trial_end'],
      2,
    );
    const ended = await entitlements(app, account.accountId);
    assert.deepEqual(
      { state: ended.state, plan: ended.plan.code, features: ended.features, limits: ended.limits },
      {
        state: 'trial_ended',
        plan: 'trial_ended',
        features: plan('trial_ended').features,
        limits: plan('trial_ended').limits,
      },
    );
    const change = (await events(app, account.accountId)).find((e) => e.type === 'account.state_changed');
    assert.deepEqual(
      [change?.clause, change?.occurredAt, change?.data.to],
      ['QU-BIL-01', '2026-03-16T23:00:00.000Z', 'trial_ended'],
    );
  });

  it('QU-BIL-02: company ID first registered on 2026-03-02 that registers again on 2026-05-10 gets no new Trial', async (t) => {
    const app = await anApp(t, 'quanda');
    const ico = anIco('1234567');
    const clock = await aTestClock(app, '2026-03-02T10:00:00+01:00');
    const first = await registered(app, clock, { company: aCompany('Alfa s.r.o.', ico, 'CZ') });
    assert.equal(first.state, 'trial');

    await advanceClock(app, clock, '2026-05-10T10:00:00+02:00');
    const again = await registered(app, clock, {
      company: aCompany('Alfa Nova s.r.o.', ` ${ico.slice(0, 4)} ${ico.slice(4)} `, 'CZ'),
      email: 'nova@alfa.example',
    });
    assert.deepEqual([again.state, again.plan], ['trial_ended', 'trial_ended']);
    const started = (await events(app, again.accountId)).find((e) => e.type === 'account.life_started');
    assert.deepEqual(
      [started?.clause, started?.data.state, started?.data.trialEndsAt],
      ['QU-BIL-02', 'trial_ended', '2026-03-16T23:00:00.000Z'],
    );
    assert.equal((await entitlements(app, again.accountId)).state, 'trial_ended');
  });

  it("QU-BIL-02: re-registering during the trial does not restart it: the second account's trial ends with the first", async (t) => {
    const app = await anApp(t, 'quanda');
    const ico = anIco('1234567');
    const clock = await aTestClock(app, '2026-03-02T10:00:00+01:00');
    const first = await registered(app, clock, { company: aCompany('Alfa s.r.o.', ico, 'CZ') });
    await advanceClock(app, clock, '2026-03-09T10:00:00+01:00');
    const again = await registered(app, clock, {
      company: aCompany('Alfa s.r.o.', `CZ${ico}`, 'CZ'),
      email: 'druhy@alfa.example',
    });
    assert.equal(again.state, 'trial');
    assert.equal((await entitlements(app, again.accountId)).validUntil, '2026-03-16T23:00:00.000Z');

    assert.equal(
      (await advanceClockByKind(app, clock, '2026-03-17T00:00:00+01:00'))['lifecycle.trial_end'],
      2,
    );
    for (const id of [first.accountId, again.accountId])
      assert.equal((await entitlements(app, id)).state, 'trial_ended');
  });
});

async function tokenOf(app: TestApp, email: string): Promise<string> {
  const [mail] = await mailsTo(app, email, 'account.activation');
  const match = mail?.body.text.match(/\/activate\?token=([\w-]+)/);
  assert.ok(match, 'an activation link');
  return match[1]!;
}

describe('bookero sign-up', () => {
  it('BK-ACC-01: with "I act as a business" unticked the sign-up is rejected; a sole trader is flagged', async (t) => {
    const app = await anApp(t, 'bookero');
    const clock = await aTestClock(app, '2026-03-02T10:00:00+01:00');

    const consumer = await register(app, clock, { declarations: { legalCapacity: true } });
    assert.deepEqual(fieldRulesOf(consumer), ['declarations.business: required']);
    const incapable = await register(app, clock, { declarations: { business: true } });
    assert.deepEqual(fieldRulesOf(incapable), ['declarations.legalCapacity: required']);
    assert.equal((await stored(app)).accounts, 0);

    const soleTrader = await registered(app, clock, {
      company: {
        ...aCompany('Salon Fryzjerski Anna Nowak', aNip('526025028')),
        isLegalPerson: false,
        isSoleTrader: true,
      },
    });
    assert.equal((await profile(app, soleTrader.accountId)).isSoleTrader, true);
    const company = await registered(app, clock, {
      company: aCompany('Beta sp. z o.o.', aNip('584000003')),
      email: 'biuro@beta.example',
    });
    assert.equal((await profile(app, company.accountId)).isSoleTrader, false);
  });

  it('BK-ACC-02: a sign-up on 2026-03-02 without a phone number, or without a company name, is rejected; nothing else is required', async (t) => {
    const app = await anApp(t, 'bookero');
    const clock = await aTestClock(app, '2026-03-02T10:00:00+01:00');

    const noPhone = await register(app, clock, { phone: undefined });
    assert.deepEqual(issuesOf(noPhone), [{ field: 'phone', rule: 'required', clause: 'BK-ACC-02' }]);
    const anonymous = await register(app, clock, { phone: undefined, company: undefined });
    assert.deepEqual(fieldRulesOf(anonymous), ['company: required', 'phone: required']);
    assert.equal((await stored(app)).accounts, 0);

    const minimal = await registered(app, clock, {
      company: { name: 'Gabinet Beta', country: 'PL' },
      registeringPerson: undefined,
    });
    const data = await profile(app, minimal.accountId);
    assert.deepEqual(
      [data.companyName, data.phone, data.taxId, data.address],
      ['Gabinet Beta', '+48 600 100 200', null, null],
    );
  });

  it('BK-ACC-03: the form submitted on 2026-03-02 10:00 creates the account, logs the user in and concludes the contract, with no activation mail', async (t) => {
    const app = await anApp(t, 'bookero');
    const clock = await aTestClock(app, '2026-03-02T10:00:00+01:00');

    const unticked = await register(app, clock, { acceptedDocuments: [{ kind: 'privacy', version: '1.0' }] });
    assert.deepEqual(fieldRulesOf(unticked), ['acceptedDocuments.terms: required']);

    const account = await registered(app, clock);
    assert.deepEqual(
      { activationRequired: account.activationRequired, concluded: account.contractConcludedAt },
      { activationRequired: false, concluded: '2026-03-02T09:00:00.000Z' },
    );
    assert.ok(account.cookie && account.csrfToken, 'logged in by the sign-up');
    const me = await app.http.inject({ method: 'GET', url: '/v1/me', headers: { cookie: account.cookie } });
    assert.equal(me.statusCode, 200, me.body);
    assert.equal(me.json().account.id, account.accountId);
    assert.equal(me.json().user.status, 'active');
    assert.deepEqual(await mailsTo(app, 'anna@roza.example', 'account.activation'), []);
    assert.deepEqual(
      (await acceptancesOf(app, account.accountId)).map(
        (a) => `${a.documentKind}@${a.documentVersion} ${a.acceptedAt}`,
      ),
      ['privacy@1.0 2026-03-02T09:00:00.000Z', 'terms@2021-04-13 2026-03-02T09:00:00.000Z'],
    );
    const concluded = (await events(app, account.accountId)).find(
      (e) => e.type === 'account.contract_concluded',
    );
    assert.deepEqual([concluded?.clause, concluded?.occurredAt], ['BK-ACC-03', '2026-03-02T09:00:00.000Z']);
  });

  it('BK-ACC-04: login is by e-mail and the password set in the registration form', async (t) => {
    const app = await anApp(t, 'bookero');
    const clock = await aTestClock(app, '2026-03-02T10:00:00+01:00');
    const account = await registered(app, clock, {
      email: 'Anna@Roza.example',
      password: 'haslo z formularza',
    });

    const session = await logIn(app, 'anna@roza.example', 'haslo z formularza');
    const me = await app.http.inject({ method: 'GET', url: '/v1/me', headers: session.reads });
    assert.equal(me.json().account.id, account.accountId);
    const wrong = await logInRequest(app, 'anna@roza.example', 'correct horse battery');
    assert.equal(wrong.statusCode, 401);
    assert.equal(wrong.json().code, 'accounts.login_failed');
  });

  it('BK-ACC-05: a report of unauthorised use on 2026-04-01 09:00 opens a security ticket and ends every session of the account', async (t) => {
    const app = await anApp(t, 'bookero');
    const clock = await aTestClock(app, '2026-04-01T08:00:00+02:00');
    const account = await registered(app, clock);
    await advanceClock(app, clock, '2026-04-01T08:30:00+02:00');
    const laptop = await logIn(app, 'anna@roza.example');
    await advanceClock(app, clock, '2026-04-01T09:00:00+02:00');
    const phone = await logIn(app, 'anna@roza.example');

    const report = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${account.accountId}/sessions/revoke`,
      headers: phone.writes,
      payload: {},
    });
    assert.equal(report.statusCode, 200, report.body);
    const { ticketId, reportedAt, revoked } = report.json();
    assert.match(ticketId, /^sec_/);
    assert.equal(reportedAt, '2026-04-01T07:00:00.000Z');
    assert.equal(revoked, 3, 'the sign-up session and both logins');

    for (const cookie of [account.cookie!, laptop.cookie, phone.cookie]) {
      const res = await app.http.inject({ method: 'GET', url: '/v1/me', headers: { cookie } });
      assert.equal(res.statusCode, 401);
    }
    const logged = await events(app, account.accountId);
    const ticket = logged.find((e) => e.type === 'security.unauthorised_use_reported');
    assert.deepEqual(ticket && { clause: ticket.clause, at: ticket.occurredAt, data: ticket.data }, {
      clause: 'BK-ACC-05',
      at: '2026-04-01T07:00:00.000Z',
      data: { ticket: ticketId, user: null },
    });
    assert.equal(ticket?.actor, `user:${account.userId}`);
    const ended = logged.find((e) => e.type === 'sessions.revoked');
    assert.deepEqual(ended?.data, { reason: 'unauthorised_use_reported', count: 3, user: null });

    // The owner logs in again; the operator's support can take a report too.
    await logIn(app, 'anna@roza.example');
    const bySupport = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${account.accountId}/sessions/revoke`,
      headers: app.operator,
      payload: {},
    });
    assert.equal(bySupport.statusCode, 200, bySupport.body);
    assert.equal(bySupport.json().revoked, 1);
  });

  it('BK-BIL-01: registered on 2026-03-02, no day through 2026-03-16 is charged and the first paid period can start on 2026-03-17', async (t) => {
    const app = await anApp(t, 'bookero');
    const policy = app.current().policy;
    assert.deepEqual([policy.trial?.days, policy.trial?.planCode], [14, 'standard']);
    const standard = policy.plans.find((p) => p.code === 'standard')!;
    const clock = await aTestClock(app, '2026-03-02T10:00:00+01:00');
    const account = await registered(app, clock);
    assert.deepEqual([account.state, account.plan], ['trial', 'standard']);

    const free = await entitlements(app, account.accountId);
    assert.deepEqual(
      { validUntil: free.validUntil, access: free.access, features: free.features, limits: free.limits },
      {
        validUntil: '2026-03-16T23:00:00.000Z',
        access: 'full',
        features: standard.features,
        limits: standard.limits,
      },
    );
    await advanceClock(app, clock, '2026-03-16T23:59:59.999+01:00');
    assert.equal((await entitlements(app, account.accountId)).state, 'trial');

    assert.equal(
      (await advanceClockByKind(app, clock, '2026-03-17T00:00:00+01:00'))['lifecycle.trial_end'],
      1,
    );
    const unpaid = await entitlements(app, account.accountId);
    // Unpaid after the free days: the user still logs in, the package's functions wait for payment (BK-LIF-01).
    assert.deepEqual(
      { state: unpaid.state, plan: unpaid.plan.code, access: unpaid.access, features: unpaid.features },
      { state: 'trial_ended', plan: 'standard', access: 'restricted', features: [] },
    );
    const change = (await events(app, account.accountId)).find((e) => e.type === 'account.state_changed');
    assert.deepEqual([change?.clause, change?.occurredAt], ['BK-BIL-01', '2026-03-16T23:00:00.000Z']);
    await logIn(app, 'anna@roza.example');
  });

  it('BK-BIL-01: the 14 free days apply whatever package is selected', async (t) => {
    const app = await anApp(t, 'bookero');
    const policy = app.current().policy;
    const clock = await aTestClock(app, '2026-03-02T10:00:00+01:00');
    for (const [i, plan] of ['basic', 'standard', 'premium'].entries()) {
      const account = await registered(app, clock, {
        company: aCompany(`Gabinet ${plan}`, aNip(`58400000${i + 4}`)),
        email: `${plan}@gabinet.example`,
        phone: `+48 600 100 20${i}`,
        plan,
      });
      assert.deepEqual([account.state, account.plan], ['trial', plan]);
      const now = await entitlements(app, account.accountId);
      assert.equal(now.validUntil, '2026-03-16T23:00:00.000Z');
      assert.deepEqual(now.features, policy.plans.find((p) => p.code === plan)!.features);
    }
    assert.equal(
      (await advanceClockByKind(app, clock, '2026-03-17T00:00:00+01:00'))['lifecycle.trial_end'],
      3,
    );
  });
});

describe('myownconference sign-up', () => {
  const documents = [
    { kind: 'privacy', version: '3.10' },
    { kind: 'terms', version: '1.0' },
  ];

  it('MOC-ACC-01: a sign-up on 2026-02-02 with only e-mail, password and the nickname "mk77" creates the account; the password is only a hash and billing fields stay empty', async (t) => {
    const app = await anApp(t, 'myownconference');
    const clock = await aTestClock(app, '2026-02-02T12:00:00+02:00');
    const res = await app.http.inject({
      method: 'POST',
      url: '/v1/registrations',
      headers: app.operator,
      payload: {
        email: 'mk77@poczta.example',
        password: 'correct horse battery',
        person: { nickname: 'mk77' },
        acceptedDocuments: documents,
        testClockId: clock,
      },
    });
    assert.equal(res.statusCode, 201, res.body);
    const { accountId, state, plan } = res.json();
    assert.deepEqual([state, plan], ['free', 'free']);

    const account = await profile(app, accountId);
    assert.deepEqual(
      [account.companyName, account.taxId, account.country, account.address, account.phone],
      [null, null, null, null, null],
    );
    const users = await app.http.inject({
      method: 'GET',
      url: `/v1/accounts/${accountId}/users`,
      headers: app.operator,
    });
    assert.deepEqual(
      users
        .json()
        .users.map((u: { email: string; firstName: string; lastName: string | null }) => [
          u.email,
          u.firstName,
          u.lastName,
        ]),
      [['mk77@poczta.example', 'mk77', null]],
    );
    const [row] = await app.db.rows<{ password_hash: string }>(sql`select password_hash from users`);
    assert.match(row!.password_hash, /^\$argon2id\$/);
    // The IP address is recorded with the acceptance of the terms.
    const accepted = await app.http.inject({
      method: 'GET',
      url: `/v1/accounts/${accountId}/acceptances`,
      headers: app.operator,
    });
    assert.deepEqual(
      accepted.json().acceptances.map((a: { ip: string }) => a.ip),
      ['127.0.0.1', '127.0.0.1'],
    );
    // The activation mail names the nickname, as there is no company.
    const [mail] = await mailsTo(app, 'mk77@poczta.example', 'account.activation');
    assert.match(mail!.body.text, /mk77/);
  });

  it('MOC-ACC-02: a login on 2026-02-03 08:15 records last_visit_at = 2026-02-03 08:15 Europe/Vilnius', async (t) => {
    const app = await anApp(t, 'myownconference');
    const clock = await aTestClock(app, '2026-02-02T12:00:00+02:00');
    const account = await registered(app, clock, { person: { nickname: 'mk77' }, company: undefined });
    await activate(app, 'anna@roza.example');
    const before = await app.http.inject({
      method: 'GET',
      url: `/v1/accounts/${account.accountId}/users`,
      headers: app.operator,
    });
    assert.equal(before.json().users[0].lastVisitAt, null);

    await advanceClock(app, clock, '2026-02-03T08:15:00+02:00');
    const session = await logIn(app, 'anna@roza.example');
    const me = await app.http.inject({ method: 'GET', url: '/v1/me', headers: session.reads });
    assert.equal(me.json().user.lastVisitAt, '2026-02-03T06:15:00.000Z');
    assert.equal(localTimeOf(me.json().user.lastVisitAt, 'Europe/Vilnius'), '2026-02-03 08:15');

    // A later visit in the same session counts as a visit too (it drives MOC-LIF-02's 180 days).
    await advanceClock(app, clock, '2026-02-20T10:40:00+02:00');
    const later = await app.http.inject({ method: 'GET', url: '/v1/me', headers: session.reads });
    assert.equal(localTimeOf(later.json().user.lastVisitAt, 'Europe/Vilnius'), '2026-02-20 10:40');
  });

  it('MOC-ACC-03: a surname corrected in Profile on 2026-02-10 shows at once and the change is audit-logged', async (t) => {
    const app = await anApp(t, 'myownconference');
    const clock = await aTestClock(app, '2026-02-02T12:00:00+02:00');
    const account = await registered(app, clock, {
      company: undefined,
      person: { firstName: 'Marek', lastName: 'Kowalsky' },
    });
    await activate(app, 'anna@roza.example');
    await advanceClock(app, clock, '2026-02-10T09:00:00+02:00');
    const session = await logIn(app, 'anna@roza.example');

    const corrected = await app.http.inject({
      method: 'PATCH',
      url: '/v1/me',
      headers: session.writes,
      payload: { lastName: 'Kowalski' },
    });
    assert.equal(corrected.statusCode, 200, corrected.body);
    assert.deepEqual(corrected.json(), { firstName: 'Marek', lastName: 'Kowalski' });
    const me = await app.http.inject({ method: 'GET', url: '/v1/me', headers: session.reads });
    assert.equal(me.json().user.lastName, 'Kowalski');

    const history = await app.http.inject({
      method: 'GET',
      url: `/v1/accounts/${account.accountId}/profile-history`,
      headers: session.reads,
    });
    assert.deepEqual(history.json().changes, [
      {
        accountId: account.accountId,
        version: 2,
        field: `user:${account.userId}.lastName`,
        oldValue: 'Kowalsky',
        newValue: 'Kowalski',
        actor: `user:${account.userId}`,
        changedAt: '2026-02-10T07:00:00.000Z',
      },
    ]);
    const logged = (await events(app, account.accountId)).find((e) => e.type === 'user.profile_changed');
    assert.deepEqual(
      [logged?.clause, logged?.occurredAt, logged?.data],
      ['MOC-ACC-03', '2026-02-10T07:00:00.000Z', { user: account.userId, fields: ['lastName'], version: 2 }],
    );
  });
});

describe('hosttracker sign-up', () => {
  it('HT-ACC-01: a sign-up on 2026-02-02 with only e-mail and password (and the documents ticked) creates the account; every other field is optional', async (t) => {
    const app = await anApp(t, 'hosttracker');
    const clock = await aTestClock(app, '2026-02-02T10:00:00Z');
    const res = await app.http.inject({
      method: 'POST',
      url: '/v1/registrations',
      headers: app.operator,
      payload: {
        email: 'ops@monitoring.example',
        password: 'correct horse battery',
        acceptedDocuments: app.current().policy.documents.map((d) => ({ kind: d.kind, version: d.version })),
        testClockId: clock,
      },
    });
    assert.equal(res.statusCode, 201, res.body);
    assert.deepEqual([res.json().state, res.json().plan], ['trial', 'trial']);
    const account = await profile(app, res.json().accountId);
    assert.deepEqual([account.companyName, account.country, account.phone], [null, null, null]);

    // The documents are the one box that must be ticked.
    const unticked = await app.http.inject({
      method: 'POST',
      url: '/v1/registrations',
      headers: app.operator,
      payload: { email: 'dev@monitoring.example', password: 'correct horse battery', testClockId: clock },
    });
    assert.deepEqual(fieldRulesOf(unticked), [
      'acceptedDocuments.privacy: required',
      'acceptedDocuments.terms: required',
    ]);
  });
});

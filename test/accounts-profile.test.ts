import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  aCompany,
  activate,
  advanceClock,
  aNip,
  anApp,
  anIco,
  aTestClock,
  events,
  logIn,
  profile,
  registered,
  type Session,
} from './helpers/accounts.ts';
import type { TestApp } from './helpers/app.ts';

// Company data after sign-up: changes with their history and version, the write-once subdomain, and the
// account that never moves to another company. Through the HTTP API, on test clocks.

type Change = {
  version: number;
  field: string;
  oldValue: unknown;
  newValue: unknown;
  actor: string;
  changedAt: string;
};

async function historyOf(app: TestApp, accountId: string, headers: Record<string, string> = app.operator) {
  const res = await app.http.inject({
    method: 'GET',
    url: `/v1/accounts/${accountId}/profile-history`,
    headers,
  });
  assert.equal(res.statusCode, 200, res.body);
  return (res.json().changes as Change[]).map(({ version, field, oldValue, newValue, actor, changedAt }) => ({
    version,
    field,
    oldValue,
    newValue,
    actor,
    changedAt,
  }));
}

function patchAccount(app: TestApp, accountId: string, headers: Record<string, string>, payload: object) {
  return app.http.inject({ method: 'PATCH', url: `/v1/accounts/${accountId}`, headers, payload });
}

function setSubdomain(app: TestApp, accountId: string, headers: Record<string, string>, subdomain: string) {
  return app.http.inject({
    method: 'PUT',
    url: `/v1/accounts/${accountId}/subdomain`,
    headers,
    payload: { subdomain },
  });
}

/** A quanda customer, activated and logged in for the first time on 2026-03-04 09:00 Prague. */
async function aQuandaCustomer(app: TestApp, ico = anIco('2716402')) {
  const clock = await aTestClock(app, '2026-03-02T10:00:00+01:00');
  const account = await registered(app, clock, { company: aCompany('Alfa s.r.o.', ico, 'CZ') });
  await activate(app, 'anna@roza.example');
  await advanceClock(app, clock, '2026-03-04T09:00:00+01:00');
  const owner = await logIn(app, 'anna@roza.example');
  return { clock, account, owner };
}

describe('company data', () => {
  it('QU-ACC-04: a company address changed on 2026-04-02 is kept with its old and new value, the actor and the time', async (t) => {
    const app = await anApp(t, 'quanda');
    const { clock, account } = await aQuandaCustomer(app);
    const before = await profile(app, account.accountId);
    assert.equal(before.profileVersion, 1);

    await advanceClock(app, clock, '2026-04-02T10:00:00+02:00');
    const owner = await logIn(app, 'anna@roza.example');
    const moved = { street: 'Václavské náměstí 1', postalCode: '110 00', city: 'Praha', country: 'CZ' };
    const res = await patchAccount(app, account.accountId, owner.writes, { address: moved });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual([res.json().address, res.json().profileVersion], [moved, 2]);
    assert.deepEqual(await historyOf(app, account.accountId, owner.reads), [
      {
        version: 2,
        field: 'address',
        oldValue: before.address,
        newValue: moved,
        actor: `user:${account.userId}`,
        changedAt: '2026-04-02T08:00:00.000Z',
      },
    ]);
    const logged = (await events(app, account.accountId)).find((e) => e.type === 'account.profile_changed');
    assert.deepEqual(
      [logged?.clause, logged?.occurredAt, logged?.actor, logged?.data],
      [
        'QU-ACC-04',
        '2026-04-02T08:00:00.000Z',
        `user:${account.userId}`,
        { fields: ['address'], version: 2 },
      ],
    );
  });

  it('CM-ACC-08: the company name changed on 2026-05-05 is the data of a new profile version; the version an earlier invoice used stays in the history', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const clock = await aTestClock(app, '2026-04-06T09:00:00+02:00');
    const account = await registered(app, clock);
    await activate(app, 'anna@roza.example');
    // An invoice issued on 2026-04-06 would carry profile version 1.
    assert.equal((await profile(app, account.accountId)).profileVersion, 1);

    await advanceClock(app, clock, '2026-05-05T12:00:00+02:00');
    const owner = await logIn(app, 'anna@roza.example');
    const renamed = await patchAccount(app, account.accountId, owner.writes, {
      companyName: 'Róża i Syn sp. z o.o.',
      phone: '+48 601 200 300',
    });
    assert.equal(renamed.statusCode, 200, renamed.body);
    // The renewal invoice of 2026-05-06 takes the data of the current version.
    await advanceClock(app, clock, '2026-05-06T08:00:00+02:00');
    const now = await profile(app, account.accountId);
    assert.deepEqual(
      [now.companyName, now.phone, now.profileVersion],
      ['Róża i Syn sp. z o.o.', '+48 601 200 300', 2],
    );
    // Sending the same data again is no change: no new version, no history.
    const same = await patchAccount(app, account.accountId, app.operator, {
      companyName: 'Róża i Syn sp. z o.o.',
    });
    assert.equal(same.json().profileVersion, 2, same.body);

    assert.deepEqual(await historyOf(app, account.accountId), [
      {
        version: 2,
        field: 'companyName',
        oldValue: 'Kwiaciarnia Róża sp. z o.o.',
        newValue: 'Róża i Syn sp. z o.o.',
        actor: `user:${account.userId}`,
        changedAt: '2026-05-05T10:00:00.000Z',
      },
      {
        version: 2,
        field: 'phone',
        oldValue: '+48 600 100 200',
        newValue: '+48 601 200 300',
        actor: `user:${account.userId}`,
        changedAt: '2026-05-05T10:00:00.000Z',
      },
    ]);

    // A further change by the operator's staff makes version 3, newest first in the history.
    const byStaff = await patchAccount(app, account.accountId, app.operator, {
      companyName: 'Róża sp. z o.o.',
    });
    assert.equal(byStaff.json().profileVersion, 3);
    const [latest] = await historyOf(app, account.accountId);
    assert.deepEqual(
      [latest?.version, latest?.oldValue, latest?.actor.startsWith('api_key:')],
      [3, 'Róża i Syn sp. z o.o.', true],
    );
  });

  it('HT-ACC-02: a country changed in Profile on 2026-02-10 applies immediately, as do name, contacts and company', async (t) => {
    const app = await anApp(t, 'hosttracker');
    const clock = await aTestClock(app, '2026-02-02T10:00:00Z');
    const account = await registered(app, clock, { company: undefined, person: { nickname: 'ops' } });
    await activate(app, 'anna@roza.example');
    await advanceClock(app, clock, '2026-02-10T10:00:00Z');
    const owner = await logIn(app, 'anna@roza.example');

    const changed = await patchAccount(app, account.accountId, owner.writes, {
      country: 'DE',
      companyName: 'Ops GmbH',
      phone: '+49 30 1234567',
    });
    assert.equal(changed.statusCode, 200, changed.body);
    const now = await profile(app, account.accountId, owner.reads);
    assert.deepEqual([now.country, now.companyName, now.phone], ['DE', 'Ops GmbH', '+49 30 1234567']);
    const name = await app.http.inject({
      method: 'PATCH',
      url: '/v1/me',
      headers: owner.writes,
      payload: { firstName: 'Olga', lastName: 'Peters' },
    });
    assert.deepEqual(name.json(), { firstName: 'Olga', lastName: 'Peters' });

    const history = await historyOf(app, account.accountId);
    assert.deepEqual(
      history.map((c) => [c.version, c.field, c.oldValue, c.newValue, c.changedAt]),
      [
        [3, `user:${account.userId}.firstName`, 'ops', 'Olga', '2026-02-10T10:00:00.000Z'],
        [3, `user:${account.userId}.lastName`, null, 'Peters', '2026-02-10T10:00:00.000Z'],
        [2, 'companyName', null, 'Ops GmbH', '2026-02-10T10:00:00.000Z'],
        [2, 'country', null, 'DE', '2026-02-10T10:00:00.000Z'],
        [2, 'phone', '+48 600 100 200', '+49 30 1234567', '2026-02-10T10:00:00.000Z'],
      ],
    );
  });

  it('a tax id can be added to an account registered without one, once its country is known', async (t) => {
    const app = await anApp(t, 'myownconference');
    const clock = await aTestClock(app, '2026-02-02T10:00:00+02:00');
    const account = await registered(app, clock, { company: undefined, person: { nickname: 'mk77' } });

    const nowhere = await patchAccount(app, account.accountId, app.operator, { taxId: '5260250274' });
    assert.deepEqual(
      [nowhere.statusCode, nowhere.json().details],
      [422, { issues: [{ field: 'country', rule: 'required_with_tax_id' }] }],
    );
    const added = await patchAccount(app, account.accountId, app.operator, {
      companyName: 'mk77 Webinary',
      country: 'PL',
      taxId: '526-025-02-74',
    });
    assert.equal(added.statusCode, 200, added.body);
    assert.equal(added.json().taxId, 'PL5260250274');
  });
});

describe('subdomain', () => {
  it('QU-ACC-05: the subdomain "acme" set on 2026-03-04 cannot be renamed by the customer on 2026-03-20 (403)', async (t) => {
    const app = await anApp(t, 'quanda');
    const { clock, account, owner } = await aQuandaCustomer(app);
    assert.deepEqual(app.current().policy.registration.subdomain, {
      enabled: true,
      writeOnce: true,
      baseDomain: 'onquanda.com',
    });

    const set = await setSubdomain(app, account.accountId, owner.writes, 'acme');
    assert.equal(set.statusCode, 200, set.body);
    assert.equal(set.json().subdomain, 'acme');
    const logged = (await events(app, account.accountId)).find((e) => e.type === 'account.subdomain_set');
    assert.deepEqual([logged?.clause, logged?.occurredAt], ['QU-ACC-05', '2026-03-04T08:00:00.000Z']);

    await advanceClock(app, clock, '2026-03-20T10:00:00+01:00');
    const later = await logIn(app, 'anna@roza.example');
    for (const label of ['acme-cz', 'acme']) {
      const rename = await setSubdomain(app, account.accountId, later.writes, label);
      assert.equal(rename.statusCode, 403, rename.body);
      assert.deepEqual(
        [rename.json().code, rename.json().details],
        ['accounts.subdomain_set', { clause: 'QU-ACC-05', subdomain: 'acme' }],
      );
    }
    assert.equal((await profile(app, account.accountId)).subdomain, 'acme');
  });

  it('QU-ACC-05: the subdomain is a valid, free third-level label, set by the owner only', async (t) => {
    const app = await anApp(t, 'quanda');
    const { clock, account, owner } = await aQuandaCustomer(app);
    for (const [label, reason] of [
      ['www', 'reserved'],
      ['a', 'format'],
      ['-acme', 'format'],
      ['ac--me', 'format'],
      ['acme.cz', 'format'],
    ] as const) {
      const bad = await setSubdomain(app, account.accountId, owner.writes, label);
      assert.deepEqual(
        [bad.statusCode, bad.json().code, bad.json().details.reason],
        [422, 'accounts.subdomain_invalid', reason],
      );
    }
    assert.equal((await setSubdomain(app, account.accountId, owner.writes, 'acme')).statusCode, 200);

    const other = await registered(app, clock, {
      company: aCompany('Beta s.r.o.', anIco('2716403'), 'CZ'),
      email: 'jan@beta.example',
    });
    const taken = await setSubdomain(app, other.accountId, app.operator, 'ACME');
    assert.deepEqual([taken.statusCode, taken.json().code], [409, 'accounts.subdomain_taken']);
  });

  it('a policy without write-once subdomains lets the customer rename one; one without subdomains offers none', async (t) => {
    const clickmeeting = await anApp(t, 'clickmeeting');
    const clock = await aTestClock(clickmeeting, '2026-03-04T09:00:00+01:00');
    const account = await registered(clickmeeting, clock);
    for (const label of ['roza', 'roza-webinary'])
      assert.equal(
        (await setSubdomain(clickmeeting, account.accountId, clickmeeting.operator, label)).statusCode,
        200,
      );
    assert.equal((await profile(clickmeeting, account.accountId)).subdomain, 'roza-webinary');

    const bookero = await anApp(t, 'bookero');
    const bClock = await aTestClock(bookero, '2026-03-04T09:00:00+01:00');
    const bAccount = await registered(bookero, bClock);
    const none = await setSubdomain(bookero, bAccount.accountId, bookero.operator, 'roza');
    assert.deepEqual([none.statusCode, none.json().code], [404, 'accounts.subdomain_disabled']);
  });
});

describe('the contracting company', () => {
  it('QU-ACC-10: a request on 2026-06-01 to move the account to another company ID is refused, pointing to a new registration', async (t) => {
    const app = await anApp(t, 'quanda');
    const ico = anIco('2716402');
    const { clock, account } = await aQuandaCustomer(app, ico);
    await advanceClock(app, clock, '2026-06-01T10:00:00+02:00');
    const owner = await logIn(app, 'anna@roza.example');

    const move = (session: Session | null, taxId: string, language = 'pl') =>
      patchAccount(
        app,
        account.accountId,
        { ...(session ? session.writes : app.operator), 'accept-language': language },
        { taxId },
      );
    const other = anIco('2716403');
    const refused = await move(owner, other);
    assert.equal(refused.statusCode, 422, refused.body);
    assert.deepEqual(refused.json(), {
      code: 'accounts.not_transferable',
      message: 'Konta nie można przenieść na inną firmę; zarejestruj nowe konto.',
      details: { clause: 'QU-ACC-10', taxId: `CZ${ico}`, registerAt: '/v1/registrations' },
    });
    const inEnglish = await move(owner, `CZ${other}`, 'en');
    assert.equal(
      inEnglish.json().message,
      'The account cannot be moved to another company; register a new account.',
    );
    const byStaff = await move(null, other);
    assert.equal(byStaff.statusCode, 422, 'not even staff move a contract to another party');

    // The same company ID in another notation is no change at all.
    const same = await move(owner, ` CZ ${ico.slice(0, 4)} ${ico.slice(4)} `);
    assert.equal(same.statusCode, 200, same.body);
    assert.deepEqual([same.json().taxId, same.json().profileVersion], [`CZ${ico}`, 1]);
    const invalid = await move(owner, '12345678');
    assert.deepEqual([invalid.statusCode, invalid.json().code], [422, 'accounts.profile_invalid']);
    assert.deepEqual(await historyOf(app, account.accountId), []);

    // The new company registers on its own.
    const fresh = await registered(app, clock, {
      company: aCompany('Beta s.r.o.', other, 'CZ'),
      email: 'jan@beta.example',
    });
    assert.equal((await profile(app, fresh.accountId)).taxId, `CZ${other}`);
    assert.equal((await profile(app, account.accountId)).taxId, `CZ${ico}`);
  });

  it('a Polish account keeps its NIP: a correction in another notation is allowed, another NIP is not', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const clock = await aTestClock(app, '2026-06-01T10:00:00+02:00');
    const account = await registered(app, clock);
    const same = await patchAccount(app, account.accountId, app.operator, { taxId: 'PL 526-025-02-74' });
    assert.deepEqual([same.statusCode, same.json().taxId], [200, 'PL5260250274']);
    const other = await patchAccount(app, account.accountId, app.operator, { taxId: aNip('584000003') });
    assert.deepEqual([other.statusCode, other.json().code], [422, 'accounts.not_transferable']);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { advanceClock, events, logIn, mailsTo, type Session } from './helpers/accounts.ts';
import type { TestApp } from './helpers/app.ts';
import { aCustomer, exportCsv, searchContacts, storedCounts, uploadCsv } from './helpers/entrusted.ts';

// The provider's duties as processor, through the HTTP API on test clocks with the catalog's own dates:
// each contact's legal basis (QU-PRC-15), restriction (QU-PRC-08), profiling (QU-PRC-14), the processing
// agreement (QU-PRC-01), written instructions (QU-PRC-04), compliance notices (QU-PRC-09), the declaration
// before sensitive data (CM-PRC-05) and integrations (CM-PRC-08).

const OWNER = 'anna@roza.example';

async function contactsNamed(
  app: TestApp,
  accountId: string,
  headers: Record<string, string>,
  lines: string[],
): Promise<Record<string, string>> {
  const csv = ['email,first_name,last_name', ...lines].join('\n');
  const res = await uploadCsv(app, accountId, headers, csv);
  assert.equal(res.statusCode, 201, res.body);
  const list = (await searchContacts(app, accountId, headers)).contacts;
  return Object.fromEntries(list.map((c) => [String(c.first_name ?? c.firstName), String(c.id)]));
}

/** Moves the clock and logs the owner in again (sessions expire on sandbox time). */
async function again(app: TestApp, clockId: string, to: string): Promise<Session> {
  await advanceClock(app, clockId, to);
  return logIn(app, OWNER);
}

function call(
  app: TestApp,
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  url: string,
  headers: Record<string, string>,
  payload?: object,
) {
  return app.http.inject({ method, url, headers, ...(payload ? { payload } : {}) });
}

function send(app: TestApp, accountId: string, headers: Record<string, string>, ref: string) {
  return call(app, 'POST', `/v1/accounts/${accountId}/entrusted/sends`, headers, { ref });
}

function marketingExportEmails(csv: string): string[] {
  return (parse(csv, { columns: true }) as { email: string }[]).map((r) => r.email).sort();
}

describe("entrusted data: each contact's basis, restriction and profiling", () => {
  it('QU-PRC-15: contact D whose consent expires on 2026-06-30 is excluded from sends and shown in the "basis lapsed – delete" queue from 2026-07-01', async (t) => {
    let { app, clockId, accountId, owner } = await aCustomer(t, 'quanda', {
      frozenTime: '2026-06-29T10:00:00+02:00',
    });
    const ids = await contactsNamed(app, accountId, owner.writes, [
      'd@example.cz,D,Dvořák',
      'e@example.cz,E,Erben',
    ]);
    const d = ids.D!;
    const e = ids.E!;
    const basis = await call(
      app,
      'PUT',
      `/v1/accounts/${accountId}/entrusted/contacts/${d}/basis`,
      owner.writes,
      {
        basis: 'consent',
        consentExpiresOn: '2026-06-30',
      },
    );
    assert.equal(basis.statusCode, 200, basis.body);
    assert.deepEqual(basis.json(), {
      contactId: d,
      basis: 'consent',
      consentExpiresOn: '2026-06-30',
      objectedOn: null,
      restrictedOn: null,
    });
    const contract = await call(
      app,
      'PUT',
      `/v1/accounts/${accountId}/entrusted/contacts/${e}/basis`,
      owner.writes,
      {
        basis: 'contract',
        consentExpiresOn: '2026-01-31',
      },
    );
    assert.equal(contract.statusCode, 400, 'only a consent expires');

    owner = await again(app, clockId, '2026-06-30T23:59:00+02:00');
    const lastDay = await send(app, accountId, owner.writes, 'cmp_june');
    assert.equal(lastDay.statusCode, 201, lastDay.body);
    assert.deepEqual([lastDay.json().recipients, lastDay.json().excluded], [[d, e].sort(), []]);
    const emptyQueue = await call(
      app,
      'GET',
      `/v1/accounts/${accountId}/entrusted/lapsed-queue`,
      owner.reads,
    );
    assert.deepEqual(emptyQueue.json().contacts, []);

    owner = await again(app, clockId, '2026-07-01T00:00:00+02:00');
    const july = await send(app, accountId, owner.writes, 'cmp_july');
    assert.equal(july.statusCode, 201, july.body);
    assert.deepEqual(july.json().recipients, [e]);
    assert.deepEqual(july.json().excluded, [
      { contactId: d, standing: 'basis_lapsed', since: '2026-07-01', clause: 'QU-PRC-15' },
    ]);
    const queue = await call(app, 'GET', `/v1/accounts/${accountId}/entrusted/lapsed-queue`, owner.reads);
    assert.deepEqual(queue.json(), {
      day: '2026-07-01',
      clause: 'QU-PRC-15',
      contacts: [{ id: d, since: '2026-07-01', reason: 'consent_expired' }],
    });
    // Still stored (kept until deleted from the queue), but out of the marketing export and not editable.
    assert.deepEqual(marketingExportEmails(await exportCsv(app, accountId, owner.reads)), [
      'd@example.cz',
      'e@example.cz',
    ]);
    const marketing = await call(
      app,
      'GET',
      `/v1/accounts/${accountId}/entrusted/export?format=csv&purpose=marketing`,
      owner.reads,
    );
    assert.deepEqual(marketingExportEmails(marketing.body), ['e@example.cz']);
    const edit = await call(app, 'PATCH', `/v1/accounts/${accountId}/entrusted/contacts/${d}`, owner.writes, {
      lastName: 'Novák',
    });
    assert.equal(edit.statusCode, 409, edit.body);
    assert.equal(edit.json().code, 'entrusted.contact_not_processable');

    const deleted = await call(
      app,
      'POST',
      `/v1/accounts/${accountId}/entrusted/lapsed-queue/deletions`,
      owner.writes,
      {},
    );
    assert.equal(deleted.statusCode, 200, deleted.body);
    assert.deepEqual(deleted.json(), { contacts: 1, activities: 1 }, 'D and its June delivery');
    assert.deepEqual(await storedCounts(app, accountId), { contacts: 1, activities: 2 });
    const log = await events(app, accountId);
    const gone = log.find((x) => x.type === 'entrusted.lapsed_contacts_deleted');
    assert.deepEqual([gone?.clause, gone?.data.contacts], ['QU-PRC-15', 1]);
    assert.equal(
      log.find((x) => x.type === 'entrusted.send_resolved' && x.data.ref === 'cmp_july')?.clause,
      'QU-PRC-15',
    );
  });

  it('QU-PRC-15: an objection on 2026-05-12 ends a legitimate-interest basis that day; staff delete with a logged reason', async (t) => {
    let { app, clockId, accountId, owner } = await aCustomer(t, 'quanda', {
      frozenTime: '2026-05-11T10:00:00+02:00',
    });
    const { F: f, G: g } = await contactsNamed(app, accountId, owner.writes, [
      'f@example.cz,F,Fiala',
      'g@example.cz,G,Gott',
    ]);
    const put = await call(
      app,
      'PUT',
      `/v1/accounts/${accountId}/entrusted/contacts/${f}/basis`,
      owner.writes,
      {
        basis: 'legitimate_interest',
        objectedOn: '2026-05-12',
      },
    );
    assert.equal(put.statusCode, 200, put.body);
    assert.deepEqual((await send(app, accountId, owner.writes, 'cmp_11')).json().excluded, []);
    owner = await again(app, clockId, '2026-05-12T08:00:00+02:00');
    assert.deepEqual((await send(app, accountId, owner.writes, 'cmp_12')).json().excluded, [
      { contactId: f, standing: 'basis_lapsed', since: '2026-05-12', clause: 'QU-PRC-15' },
    ]);
    // The operator's staff (its key) delete the named contact from the queue, with the reason logged; G is not in it.
    const staff = await call(
      app,
      'POST',
      `/v1/accounts/${accountId}/entrusted/lapsed-queue/deletions`,
      app.operator,
      {
        contactIds: [f, g],
        reason: 'declared basis proved untrue (art. 10.2)',
      },
    );
    assert.equal(staff.statusCode, 200, staff.body);
    assert.equal(staff.json().contacts, 1);
    const event = (await events(app, accountId)).find((x) => x.type === 'entrusted.lapsed_contacts_deleted');
    assert.match(event!.actor, /^api_key:/);
    assert.equal(event!.data.reason, 'declared basis proved untrue (art. 10.2)');
    assert.deepEqual(
      (await searchContacts(app, accountId, owner.reads)).contacts.map((c) => c.id),
      [g],
    );
  });

  it('QU-PRC-08: a request received 2026-05-04 and found justified 2026-05-05 restricts contact C that day; the customer is told; C is left out of the 2026-05-06 campaign', async (t) => {
    let { app, clockId, accountId, owner } = await aCustomer(t, 'quanda', {
      frozenTime: '2026-05-04T10:00:00+02:00',
    });
    const { C: c, K: k } = await contactsNamed(app, accountId, owner.writes, [
      'c@example.cz,C,Čapek',
      'k@example.cz,K,Kafka',
    ]);
    const url = `/v1/accounts/${accountId}/entrusted/contacts/${c}/restriction`;
    const early = await call(app, 'PUT', url, app.operator, {
      receivedOn: '2026-05-04',
      justifiedOn: '2026-05-05',
    });
    assert.equal(early.statusCode, 422, 'not found justified in the future');
    assert.deepEqual(
      (await send(app, accountId, owner.writes, 'cmp_0504')).json().excluded,
      [],
      'the request alone restricts nothing',
    );
    const byCustomer = await call(app, 'PUT', url, owner.writes, { receivedOn: '2026-05-04' });
    assert.equal(byCustomer.statusCode, 403, 'the provider finds a request to it justified');

    owner = await again(app, clockId, '2026-05-05T11:00:00+02:00');
    const restricted = await call(app, 'PUT', url, app.operator, {
      receivedOn: '2026-05-04',
      justifiedOn: '2026-05-05',
    });
    assert.equal(restricted.statusCode, 200, restricted.body);
    assert.deepEqual(
      restricted.json(),
      { contactId: c, restrictedOn: '2026-05-05' },
      'no contact data to a key',
    );
    const [mail] = await mailsTo(app, OWNER, 'entrusted.contact_restricted');
    assert.ok(mail, 'the customer is informed');
    assert.equal(mail.clause, 'QU-PRC-08');
    assert.equal(mail.occurredAt.toISOString(), '2026-05-05T09:00:00.000Z');
    assert.match(mail.body.text, /2026-05-05/);

    owner = await again(app, clockId, '2026-05-06T09:00:00+02:00');
    const campaign = await send(app, accountId, owner.writes, 'cmp_0506');
    assert.deepEqual(campaign.json().recipients, [k]);
    assert.deepEqual(campaign.json().excluded, [
      { contactId: c, standing: 'restricted', since: '2026-05-05', clause: 'QU-PRC-08' },
    ]);
    const edit = await call(app, 'PATCH', `/v1/accounts/${accountId}/entrusted/contacts/${c}`, owner.writes, {
      firstName: 'Karel',
    });
    assert.equal(edit.statusCode, 409);
    assert.equal(edit.json().details.clause, 'QU-PRC-08');
    const stored = await call(app, 'GET', `/v1/accounts/${accountId}/entrusted/contacts/${c}`, owner.reads);
    assert.equal(stored.statusCode, 200, 'only stored, still there');
    assert.equal(stored.json().restrictedOn, '2026-05-05');
    const queue = await call(app, 'GET', `/v1/accounts/${accountId}/entrusted/lapsed-queue`, owner.reads);
    assert.deepEqual(queue.json().contacts, [], 'restricted is not deleted');
    const marketing = await call(
      app,
      'GET',
      `/v1/accounts/${accountId}/entrusted/export?purpose=marketing`,
      owner.reads,
    );
    assert.deepEqual(marketingExportEmails(marketing.body), ['k@example.cz']);
    const event = (await events(app, accountId)).find((x) => x.type === 'entrusted.contact_restricted');
    assert.deepEqual(
      [event?.clause, event?.data.restrictedOn, event?.data.customerNotified],
      ['QU-PRC-08', '2026-05-05', 1],
    );

    const lifted = await call(app, 'DELETE', url, app.operator);
    assert.equal(lifted.statusCode, 200, lifted.body);
    assert.deepEqual((await send(app, accountId, owner.writes, 'cmp_0506b')).json().excluded, []);
  });

  it('QU-PRC-14: lead scoring enabled on 2026-04-15 without a recorded basis is refused; after the basis is recorded it is enabled', async (t) => {
    const { app, accountId, owner } = await aCustomer(t, 'quanda', {
      frozenTime: '2026-04-15T10:00:00+02:00',
    });
    const url = `/v1/accounts/${accountId}/entrusted/features/lead_scoring`;
    const refused = await call(app, 'PUT', url, owner.writes, { enabled: true });
    assert.equal(refused.statusCode, 422, refused.body);
    assert.equal(refused.json().code, 'entrusted.profiling_basis_required');
    assert.equal(refused.json().details.clause, 'QU-PRC-14');
    assert.ok(!(await events(app, accountId)).some((e) => e.type === 'entrusted.profiling_feature_switched'));
    assert.equal(
      (await call(app, 'PUT', url, owner.writes, { enabled: false })).statusCode,
      200,
      'off needs nothing',
    );

    const basis = await call(
      app,
      'PUT',
      `/v1/accounts/${accountId}/entrusted/profiling-basis`,
      owner.writes,
      {
        basis: 'legitimate_interest',
      },
    );
    assert.deepEqual(basis.json(), { basis: 'legitimate_interest', recordedOn: '2026-04-15' });
    const enabled = await call(app, 'PUT', url, owner.writes, { enabled: true });
    assert.equal(enabled.statusCode, 200, enabled.body);
    assert.equal(enabled.json().enabled, true);
    const log = await events(app, accountId);
    assert.deepEqual(
      log.filter((e) => e.type.startsWith('entrusted.profiling')).map((e) => [e.type, e.clause]),
      [
        ['entrusted.profiling_feature_switched', 'QU-PRC-14'],
        ['entrusted.profiling_basis_recorded', 'QU-PRC-14'],
        ['entrusted.profiling_feature_switched', 'QU-PRC-14'],
      ],
    );
  });
});

describe('entrusted data: the processing agreement, instructions and compliance notices', () => {
  it('QU-PRC-01: concluded 2026-03-04 09:00 and ended 2026-09-30, the agreement is active until 2026-09-30, deleting afterwards, closed only once the deletion certificate is stored', async (t) => {
    let { app, clockId, accountId, owner } = await aCustomer(t, 'quanda', {
      frozenTime: '2026-03-04T09:00:00+01:00',
    });
    const url = `/v1/accounts/${accountId}/entrusted/agreement`;
    const first = await call(app, 'GET', url, owner.reads);
    assert.equal(first.statusCode, 200, first.body);
    assert.deepEqual(
      { ...(first.json() as object), accountId: undefined },
      {
        accountId: undefined,
        state: 'active',
        concludedAt: '2026-03-04T08:00:00.000Z',
        concludedOn: '2026-03-04',
        contractEndsOn: null,
        deletionDueOn: null,
        deletionCertifiedAt: null,
        certificate: null,
        clause: 'QU-PRC-01',
      },
    );
    const concluded = (await events(app, accountId)).filter(
      (e) => e.type === 'entrusted.processing_agreement_concluded',
    );
    assert.deepEqual(
      concluded.map((e) => [e.clause, e.occurredAt]),
      [['QU-PRC-01', '2026-03-04T08:00:00.000Z']],
    );
    await contactsNamed(app, accountId, owner.writes, ['x@example.cz,X,Xaver']);

    // The contract ends on 2026-09-30 (a notice in September ends it at the month's end, QU-LIF-05).
    // The customer (out of its trial) ends the contract late on 2026-09-30, with immediate effect.
    owner = await again(app, clockId, '2026-09-30T23:00:00+02:00');
    const early = await call(app, 'POST', `${url}/deletion-certificate`, app.operator);
    assert.equal(early.statusCode, 409, 'nothing to certify while the contract runs');
    const cancel = await call(app, 'POST', `/v1/accounts/${accountId}/cancellation`, app.operator);
    assert.equal(cancel.statusCode, 201, cancel.body);
    assert.equal(cancel.json().effectiveAt, '2026-09-30T21:00:00.000Z');
    const lastDay = (await call(app, 'GET', url, app.operator)).json();
    assert.deepEqual([lastDay.state, lastDay.contractEndsOn], ['active', '2026-09-30']);

    await advanceClock(app, clockId, '2026-10-01T09:00:00+02:00');
    const deleting = (await call(app, 'GET', url, app.operator)).json();
    assert.deepEqual(
      [deleting.state, deleting.contractEndsOn, deleting.deletionDueOn],
      ['deleting', '2026-09-30', '2026-10-30'],
    );
    const remaining = await call(app, 'POST', `${url}/deletion-certificate`, app.operator);
    assert.equal(remaining.statusCode, 409, 'data remain');
    assert.equal(remaining.json().details.contacts, 1);

    await app.db.transaction(() => app.entrusted.purgeEntrustedData([accountId]));
    await advanceClock(app, clockId, '2026-11-15T09:00:00+01:00');
    assert.equal(
      (await call(app, 'GET', url, app.operator)).json().state,
      'deleting',
      'time alone closes nothing',
    );
    const certified = await call(app, 'POST', `${url}/deletion-certificate`, app.operator);
    assert.equal(certified.statusCode, 201, certified.body);
    assert.deepEqual(
      [certified.json().state, certified.json().deletionCertifiedAt],
      ['closed', '2026-11-15T08:00:00.000Z'],
    );
    const log = await events(app, accountId);
    assert.equal(log.find((e) => e.type === 'entrusted.processing_agreement_closed')?.clause, 'QU-PRC-01');
    assert.equal(log.find((e) => e.type === 'entrusted.deletion_certified')?.clause, 'QU-PRC-12');
  });

  it('QU-PRC-04: an instruction e-mail of 2026-04-02 from an address not in the authorised-persons register is logged as unverified and not executed', async (t) => {
    const { app, accountId, owner } = await aCustomer(t, 'quanda', {
      frozenTime: '2026-04-02T11:00:00+02:00',
    });
    const base = `/v1/accounts/${accountId}/entrusted/instructions`;
    const register = await call(app, 'PUT', `${base}/authorised-persons`, owner.writes, {
      persons: ['dpo@customer.cz', 'Jana.Novakova@customer.cz'],
    });
    assert.deepEqual(register.json(), { persons: ['dpo@customer.cz', 'jana.novakova@customer.cz'] });
    const instruction = {
      channel: 'email',
      extendsPurpose: true,
      summary: 'Use the contacts also for a satisfaction survey',
      receivedAt: '2026-04-02T10:15:00+02:00',
    };
    const stranger = await call(app, 'POST', base, app.operator, {
      ...instruction,
      from: 'someone@gmail.com',
    });
    assert.equal(stranger.statusCode, 201, stranger.body);
    assert.deepEqual([stranger.json().verdict, stranger.json().executedAt], ['unverified', null]);
    const refused = await call(app, 'POST', `${base}/${stranger.json().id}/execution`, app.operator);
    assert.equal(refused.statusCode, 409);
    assert.deepEqual(refused.json().details.clause, 'QU-PRC-04');

    const phone = await call(app, 'POST', base, app.operator, {
      ...instruction,
      channel: 'phone',
      from: 'dpo@customer.cz',
    });
    assert.equal(phone.json().verdict, 'not_written');
    const jana = await call(app, 'POST', base, app.operator, {
      ...instruction,
      from: 'jana.novakova@customer.cz',
    });
    assert.equal(jana.json().verdict, 'accepted');
    const done = await call(app, 'POST', `${base}/${jana.json().id}/execution`, app.operator);
    assert.equal(done.statusCode, 200, done.body);
    assert.equal(done.json().executedAt, '2026-04-02T09:00:00.000Z');

    const log = (await call(app, 'GET', base, owner.reads)).json();
    assert.deepEqual(
      log.instructions.map((i: { verdict: string; executedAt: string | null }) => [
        i.verdict,
        i.executedAt !== null,
      ]),
      [
        ['unverified', false],
        ['not_written', false],
        ['accepted', true],
      ],
    );
    const logged = (await events(app, accountId)).filter((e) => e.type === 'entrusted.instruction_logged');
    assert.deepEqual(
      logged.map((e) => [e.clause, e.data.verdict]),
      [
        ['QU-PRC-04', 'unverified'],
        ['QU-PRC-04', 'not_written'],
        ['QU-PRC-04', 'accepted'],
      ],
    );
  });

  it('QU-PRC-09: staff flag on 2026-06-02 that tenant X imports contacts without a legal basis; a compliance-notice e-mail is sent and logged on 2026-06-02', async (t) => {
    const { app, accountId, owner } = await aCustomer(t, 'quanda', {
      frozenTime: '2026-06-02T14:30:00+02:00',
    });
    const base = `/v1/accounts/${accountId}/entrusted`;
    await call(app, 'PUT', `${base}/instructions/authorised-persons`, owner.writes, {
      persons: ['dpo@customer.cz'],
    });
    const instruction = await call(app, 'POST', `${base}/instructions`, app.operator, {
      channel: 'email',
      from: 'dpo@customer.cz',
      extendsPurpose: false,
      summary: 'Import the purchased list',
      receivedAt: '2026-06-02T10:00:00+02:00',
    });
    assert.equal(instruction.json().verdict, 'accepted');
    const byCustomer = await call(app, 'POST', `${base}/compliance-notices`, owner.writes, { finding: 'x' });
    assert.equal(byCustomer.statusCode, 403);

    const finding = 'Contacts are imported without a legal basis (a purchased list)';
    const res = await call(app, 'POST', `${base}/compliance-notices`, app.operator, {
      finding,
      instructionId: instruction.json().id,
    });
    assert.equal(res.statusCode, 201, res.body);
    assert.deepEqual(
      [res.json().foundAt, res.json().notifiedAt, res.json().recipients],
      ['2026-06-02T12:30:00.000Z', '2026-06-02T12:30:00.000Z', 1],
    );
    const [mail] = await mailsTo(app, OWNER, 'entrusted.compliance_notice');
    assert.ok(mail);
    assert.equal(mail.clause, 'QU-PRC-09');
    assert.equal(mail.occurredAt.toISOString(), '2026-06-02T12:30:00.000Z');
    assert.ok(mail.body.text.includes(finding));
    const event = (await events(app, accountId)).find((e) => e.type === 'entrusted.compliance_notice_sent');
    assert.deepEqual([event?.clause, event?.occurredAt], ['QU-PRC-09', '2026-06-02T12:30:00.000Z']);
    const execute = await call(
      app,
      'POST',
      `${base}/instructions/${instruction.json().id}/execution`,
      app.operator,
    );
    assert.equal(execute.statusCode, 409, 'an infringing instruction is not carried out');
    assert.equal(execute.json().details.verdict, 'infringing');
    const listed = (await call(app, 'GET', `${base}/compliance-notices`, owner.reads)).json();
    assert.deepEqual(
      listed.map((n: { finding: string }) => n.finding),
      [finding],
    );
  });
});

describe('entrusted data: sensitive fields and integrations (ClickMeeting)', () => {
  it('CM-PRC-05: a form with a "health condition" field added 2026-03-03 publishes only after the declaration is stored with its time', async (t) => {
    let { app, clockId, accountId, owner } = await aCustomer(t, 'clickmeeting', {
      frozenTime: '2026-03-03T12:00:00+01:00',
    });
    const base = `/v1/accounts/${accountId}/entrusted`;
    const form = await call(app, 'POST', `${base}/forms`, owner.writes, {
      name: 'Webinar: zdrowy kręgosłup',
      fields: [{ label: 'E-mail' }, { label: 'Health condition', sensitive: 'special_category' }],
    });
    assert.equal(form.statusCode, 201, form.body);
    const publish = () => call(app, 'POST', `${base}/forms/${form.json().id}/publication`, owner.writes);
    const refused = await publish();
    assert.equal(refused.statusCode, 409, refused.body);
    assert.deepEqual(
      [refused.json().code, refused.json().details.sensitiveFields, refused.json().details.clause],
      ['entrusted.declaration_required', ['Health condition'], 'CM-PRC-05'],
    );
    const half = await call(app, 'POST', `${base}/sensitive-data-declarations`, owner.writes, {
      hasBasis: true,
      measuresSufficient: false,
    });
    assert.equal(half.statusCode, 201);
    assert.equal((await publish()).statusCode, 409, 'both statements are needed');

    owner = await again(app, clockId, '2026-03-03T12:05:00+01:00');
    const declared = await call(app, 'POST', `${base}/sensitive-data-declarations`, owner.writes, {
      hasBasis: true,
      measuresSufficient: true,
    });
    assert.equal(declared.json().recordedAt, '2026-03-03T11:05:00.000Z');
    const published = await publish();
    assert.equal(published.statusCode, 200, published.body);
    assert.equal(published.json().publishedAt, '2026-03-03T11:05:00.000Z');
    const log = await events(app, accountId);
    assert.equal(
      log.find((e) => e.type === 'entrusted.sensitive_data_declared' && e.data.measuresSufficient)?.clause,
      'CM-PRC-05',
    );
    assert.equal(log.find((e) => e.type === 'entrusted.form_published')?.clause, 'CM-PRC-05');

    const plain = await call(app, 'POST', `${base}/forms`, owner.writes, {
      name: 'Plain',
      fields: [{ label: 'E-mail' }],
    });
    assert.equal(
      (await call(app, 'POST', `${base}/forms/${plain.json().id}/publication`, owner.writes)).statusCode,
      200,
      'ordinary fields need no declaration',
    );
  });

  it('CM-PRC-08: a CRM integration switched off on 2026-05-05 at 12:00 moves no data after 12:00', async (t) => {
    let { app, clockId, accountId, owner } = await aCustomer(t, 'clickmeeting', {
      frozenTime: '2026-04-01T09:00:00+02:00',
    });
    await contactsNamed(app, accountId, owner.writes, ['p@example.pl,P,Prus', 'r@example.pl,R,Reymont']);
    const transfer = () =>
      call(app, 'POST', `/v1/accounts/${accountId}/entrusted/transfers`, owner.writes, {
        integration: 'crm',
        direction: 'export',
      });
    const before = await transfer();
    assert.equal(before.statusCode, 409, 'not switched on yet');
    const on = await call(app, 'PUT', `/v1/accounts/${accountId}/integrations/crm`, owner.writes, {
      enabled: true,
    });
    assert.equal(on.statusCode, 200, on.body);
    const ran = await transfer();
    assert.equal(ran.statusCode, 201, ran.body);
    assert.deepEqual([ran.json().outcome, ran.json().contacts], ['ran', 2]);

    owner = await again(app, clockId, '2026-05-05T12:00:00+02:00');
    const off = await call(app, 'PUT', `/v1/accounts/${accountId}/integrations/crm`, owner.writes, {
      enabled: false,
    });
    assert.equal(off.statusCode, 200, off.body);
    const refused = await transfer();
    assert.equal(refused.statusCode, 409, refused.body);
    assert.deepEqual(
      [refused.json().code, refused.json().details.clause],
      ['entrusted.integration_off', 'CM-PRC-08'],
    );
    owner = await again(app, clockId, '2026-05-06T08:00:00+02:00');
    const imported = await call(app, 'POST', `/v1/accounts/${accountId}/entrusted/transfers`, owner.writes, {
      integration: 'crm',
      direction: 'import',
      contacts: 10,
    });
    assert.equal(imported.statusCode, 409, 'no import either');
    const log = (await events(app, accountId)).filter((e) => e.type.startsWith('entrusted.transfer_'));
    assert.deepEqual(
      log.map((e) => [e.type, e.clause, e.occurredAt]),
      [
        ['entrusted.transfer_refused', 'CM-PRC-08', '2026-04-01T07:00:00.000Z'],
        ['entrusted.transfer_ran', 'CM-PRC-08', '2026-04-01T07:00:00.000Z'],
        ['entrusted.transfer_refused', 'CM-PRC-08', '2026-05-05T10:00:00.000Z'],
        ['entrusted.transfer_refused', 'CM-PRC-08', '2026-05-06T06:00:00.000Z'],
      ],
    );
  });
});

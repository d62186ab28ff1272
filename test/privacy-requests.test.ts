import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { sql } from 'drizzle-orm';
import { manualClock } from '../src/platform/clock.ts';
import {
  activate,
  advanceClock,
  aTestClock,
  logIn,
  logInRequest,
  mailsTo,
  registered,
  type Session,
} from './helpers/accounts.ts';
import { aRegistration, buildTestApp, type TestApp } from './helpers/app.ts';
import { startTestSmtpServer, type TestSmtpServer } from './helpers/smtp-server.ts';

let smtp: TestSmtpServer;
before(async () => {
  smtp = await startTestSmtpServer();
});
after(() => smtp.close());

async function anApp(t: TestContext, preset: string) {
  const app = await buildTestApp({ preset, smtpUrl: smtp.url });
  t.after(() => app.close());
  return app;
}

async function aCustomer(
  app: TestApp,
  clock: string,
  email: string,
): Promise<{ accountId: string; session: Session }> {
  const { accountId } = await registered(app, clock, { email });
  if ((await mailsTo(app, email, 'account.activation')).length > 0) await activate(app, email);
  return { accountId, session: await logIn(app, email) };
}

async function post(app: TestApp, url: string, payload: Record<string, unknown>, headers = app.operator) {
  return app.http.inject({ method: 'POST', url, headers, payload });
}

async function opened(app: TestApp, payload: Record<string, unknown>, headers = app.operator) {
  const res = await post(app, '/v1/privacy/requests', payload, headers);
  assert.equal(res.statusCode, 201, res.body);
  return res.json();
}

async function step(app: TestApp, id: string, path: string, payload: Record<string, unknown> = {}) {
  return post(app, `/v1/privacy/requests/${id}/${path}`, payload);
}

async function history(app: TestApp, id: string, headers = app.operator) {
  const res = await app.http.inject({ method: 'GET', url: `/v1/privacy/requests/${id}`, headers });
  assert.equal(res.statusCode, 200, res.body);
  return res.json() as {
    request: Record<string, unknown>;
    identityDocuments: number;
    history: { type: string; clause: string | null; occurredAt: string; data: Record<string, unknown> }[];
  };
}

/**
 * Every text and JSON column of every table, searched for each needle: the places a person's data still are.
 */
async function whereFound(app: TestApp, needles: readonly string[]): Promise<string[]> {
  const columns = await app.db.rows<{ table_name: string; column_name: string }>(sql`
    select table_name, column_name from information_schema.columns
    where table_schema = current_schema() and data_type in ('text', 'jsonb', 'json', 'character varying')
    order by table_name, column_name`);
  const found: string[] = [];
  for (const c of columns)
    for (const needle of needles) {
      const [row] = await app.db.rows<{ n: number }>(sql`
        select count(*)::int as n from ${sql.identifier(c.table_name)}
        where ${sql.identifier(c.column_name)}::text ilike ${`%${needle}%`}`);
      if (row!.n > 0) found.push(`${c.table_name}.${c.column_name}: ${needle}`);
    }
  return found;
}

describe('data-subject requests: intake and deadlines', () => {
  it('CM-PRV-01, CM-PRV-03: an e-mail to privacy@ received 2026-01-31 is a case with its channel and receipt, due 2026-02-28; a letter of 2026-04-10 is due 2026-05-10; the acknowledgement names the President of UODO', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const clock = await aTestClock(app, '2026-01-31T09:00:00+01:00');
    const email = 'prv03@roza.example';
    const { accountId, session } = await aCustomer(app, clock, email);
    await advanceClock(app, clock, '2026-02-01T10:00:00+01:00');

    const byMail = await opened(app, {
      type: 'copy',
      channel: 'email',
      receivedAt: '2026-01-31T16:20:00+01:00',
      email,
      statement: 'I want a copy of my data',
    });
    assert.equal(byMail.channel, 'email');
    assert.equal(byMail.receivedAt, '2026-01-31T15:20:00.000Z');
    assert.equal(byMail.receivedOn, '2026-01-31');
    assert.equal(byMail.dueOn, '2026-02-28');
    assert.equal(byMail.dueClause, 'CM-PRV-03');
    assert.equal(byMail.accountId, accountId);
    const [ack] = await mailsTo(app, email, 'privacy.request_received');
    assert.match(ack!.body.text, /do 2026-02-28/);
    assert.match(ack!.body.text, /Prezes Urzędu Ochrony Danych Osobowych, ul\. Stawki 2, 00-193 Warszawa/);

    await advanceClock(app, clock, '2026-04-11T10:00:00+02:00');
    const byLetter = await opened(app, {
      type: 'access',
      channel: 'letter',
      receivedAt: '2026-04-10T11:00:00+02:00',
      email,
    });
    assert.equal(byLetter.dueOn, '2026-05-10');

    // From the logged-in Privacy Settings: the channel is the settings, the identity is the session's.
    const portal = await opened(app, { type: 'access' }, (await logIn(app, email)).writes);
    assert.equal(portal.channel, 'account_settings');
    assert.equal(portal.identity, 'verified');
    assert.equal(portal.receivedAt, '2026-04-11T08:00:00.000Z');
    assert.ok(session);

    const phone = await post(app, '/v1/privacy/requests', { type: 'access', channel: 'phone', email });
    assert.equal(phone.statusCode, 400);
    assert.equal(phone.json().code, 'privacy.channel_unknown');
    const future = await post(app, '/v1/privacy/requests', {
      type: 'access',
      channel: 'email',
      receivedAt: '2026-04-12T10:00:00+02:00',
      email,
    });
    assert.equal(future.statusCode, 400);
    assert.equal(future.json().code, 'privacy.received_in_future');
    const badDetails = await post(app, '/v1/privacy/requests', {
      type: 'withdrawal',
      channel: 'email',
      email,
      details: {},
    });
    assert.equal(badDetails.statusCode, 400);
    assert.equal(badDetails.json().code, 'privacy.details_invalid');

    const queue = await app.http.inject({
      method: 'GET',
      url: '/v1/privacy/requests',
      headers: app.operator,
    });
    assert.deepEqual(
      queue.json().requests.map((r: { id: string }) => r.id),
      [byMail.id, byLetter.id, portal.id],
      'by due date',
    );
  });

  it('CM-PRV-02: received 2026-03-02, ID requested 2026-03-03 and supplied 2026-03-10: still due 2026-04-01; overdue on 2026-04-02 raises the alarm; the ID scan is deleted when the case closes', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const clock = await aTestClock(app, '2026-03-02T09:00:00+01:00');
    const email = 'prv02@roza.example';
    await aCustomer(app, clock, email);
    const dsr = await opened(app, { type: 'copy', channel: 'email', email });
    assert.equal(dsr.dueOn, '2026-04-01');

    await advanceClock(app, clock, '2026-03-03T10:00:00+01:00');
    const asked = await step(app, dsr.id, 'identity-request');
    assert.equal(asked.statusCode, 200, asked.body);
    assert.equal(asked.json().status, 'awaiting_identity');
    assert.equal(asked.json().dueOn, '2026-04-01');
    const [askMail] = await mailsTo(app, email, 'privacy.identity_requested');
    assert.match(askMail!.body.text, /2026-04-01/);
    assert.match(askMail!.body.text, /usuniemy je po zamknięciu sprawy/);

    await advanceClock(app, clock, '2026-03-10T10:00:00+01:00');
    const doc = await step(app, dsr.id, 'identity-documents', {
      fileName: 'dowod.png',
      contentType: 'image/png',
      contentBase64: Buffer.from('a scan of an ID card').toString('base64'),
    });
    assert.equal(doc.statusCode, 200, doc.body);
    const early = await step(app, dsr.id, 'completion');
    assert.equal(early.statusCode, 409);
    assert.equal(early.json().code, 'privacy.identity_not_verified');

    await advanceClock(app, clock, '2026-04-01T23:59:00+02:00');
    assert.equal((await history(app, dsr.id)).request.overdueAt, null, 'not overdue on its last day');
    await advanceClock(app, clock, '2026-04-02T00:00:00+02:00');
    const late = await history(app, dsr.id);
    assert.equal(late.request.overdueAt, '2026-04-01T22:00:00.000Z');
    const alarm = late.history.find((e) => e.type === 'dsr.overdue')!;
    assert.equal(alarm.clause, 'CM-PRV-03');
    const [toOperator] = await mailsTo(app, 'privacy@clickmeeting.com', 'privacy.request_overdue');
    assert.ok(toOperator, 'the privacy mailbox is told');
    const overdue = await app.http.inject({
      method: 'GET',
      url: '/v1/privacy/requests?overdue=true',
      headers: app.operator,
    });
    assert.deepEqual(
      overdue.json().requests.map((r: { id: string }) => r.id),
      [dsr.id],
    );

    assert.equal((await step(app, dsr.id, 'identity-decision', { verified: true })).statusCode, 200);
    const done = await step(app, dsr.id, 'completion');
    assert.equal(done.statusCode, 200, done.body);
    const closed = await history(app, dsr.id);
    assert.equal(closed.identityDocuments, 0, 'the ID scan is gone');
    assert.equal(closed.request.status, 'completed');
    assert.deepEqual(
      closed.history.map((e) => e.type),
      [
        'dsr.received',
        'dsr.identity_requested',
        'dsr.identity_document_received',
        'dsr.overdue',
        'dsr.identity_verified',
        'dsr.closed',
      ],
    );
    const closing = closed.history.at(-1)!;
    assert.equal(closing.data.identityDocumentsDeleted, 1);
    assert.equal(closing.data.onTime, false);
    const [doc0] = await app.db.rows<{ n: number }>(
      sql`select count(*)::int as n from dsr_identity_documents`,
    );
    assert.equal(doc0!.n, 0);
    assert.ok(!JSON.stringify(closed.history).includes(email), 'the history holds no address');
  });

  it('an extension of two more months is told within the first month with reasons; later it is refused', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const clock = await aTestClock(app, '2026-03-02T09:00:00+01:00');
    const email = 'extend@roza.example';
    await aCustomer(app, clock, email);
    const first = await opened(app, { type: 'access', channel: 'email', email });
    const second = await opened(app, { type: 'access', channel: 'email', email });
    await advanceClock(app, clock, '2026-03-20T10:00:00+01:00');
    const extended = await step(app, first.id, 'extension', { months: 2, reasons: 'many requests at once' });
    assert.equal(extended.statusCode, 200, extended.body);
    assert.equal(extended.json().extendedDueOn, '2026-06-01');
    const [notice] = await mailsTo(app, email, 'privacy.request_extended');
    assert.match(notice!.body.text, /2026-06-01/);
    assert.match(notice!.body.text, /many requests at once/);
    assert.match(notice!.body.text, /Prezes Urzędu Ochrony Danych Osobowych/);

    await advanceClock(app, clock, '2026-04-02T10:00:00+02:00');
    assert.equal((await history(app, first.id)).request.overdueAt, null, 'the extended one is not overdue');
    assert.ok((await history(app, second.id)).request.overdueAt);
    const tooLate = await step(app, second.id, 'extension', { months: 1, reasons: 'too late now' });
    assert.equal(tooLate.statusCode, 409);
    assert.equal(tooLate.json().details.problem, 'too_late');
  });
});

describe('data-subject requests: answers', () => {
  it('CM-PRV-04: the first copy (2026-02-02) is free; another (2026-03-02) is prepared only after a fee quote is accepted; CM-PRV-09: portability as CSV', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const clock = await aTestClock(app, '2026-02-02T09:00:00+01:00');
    const email = 'copies@roza.example';
    const { session } = await aCustomer(app, clock, email);
    const first = await opened(app, { type: 'copy' }, session.writes);
    const done = await step(app, first.id, 'completion');
    assert.equal(done.statusCode, 200, done.body);
    const copy = await app.http.inject({
      method: 'GET',
      url: `/v1/privacy/requests/${first.id}/export?format=json`,
      headers: session.reads,
    });
    assert.equal(copy.statusCode, 200, copy.body);
    assert.equal(copy.json().person.email, email);
    assert.equal(copy.json().account.profile.companyName, 'Kwiaciarnia Róża sp. z o.o.');
    assert.equal(copy.json().account.users[0].email, email);

    await advanceClock(app, clock, '2026-03-02T09:00:00+01:00');
    const s2 = await logIn(app, email);
    const second = await opened(app, { type: 'copy' }, s2.writes);
    const refused = await step(app, second.id, 'completion');
    assert.equal(refused.statusCode, 409);
    assert.equal(refused.json().code, 'privacy.fee_quote_required');
    const firstFee = await step(app, first.id, 'fee-quote', {
      amount: '2500',
      currency: 'PLN',
      basis: 'copy cost',
    });
    assert.equal(firstFee.statusCode, 409, 'the answered first copy takes no fee');
    const quoted = await step(app, second.id, 'fee-quote', {
      amount: '2500',
      currency: 'PLN',
      basis: 'documented cost of preparing the copy',
    });
    assert.equal(quoted.statusCode, 200, quoted.body);
    assert.deepEqual(quoted.json().fee, {
      amount: '2500',
      currency: 'PLN',
      basis: 'documented cost of preparing the copy',
      acceptedAt: null,
    });
    const [feeMail] = await mailsTo(app, email, 'privacy.fee_quoted');
    assert.match(feeMail!.body.text, /25,00\s?(PLN|zł)/);
    const accepted = await post(app, `/v1/privacy/requests/${second.id}/fee-acceptance`, {}, s2.writes);
    assert.equal(accepted.statusCode, 200, accepted.body);
    assert.equal((await step(app, second.id, 'completion')).statusCode, 200);

    const portability = await opened(app, { type: 'portability' }, s2.writes);
    await step(app, portability.id, 'completion');
    const csv = await app.http.inject({
      method: 'GET',
      url: `/v1/privacy/requests/${portability.id}/export`,
      headers: s2.reads,
    });
    assert.equal(csv.statusCode, 200, csv.body);
    assert.match(String(csv.headers['content-type']), /text\/csv/);
    const lines = csv.body.split('\r\n');
    assert.equal(lines[0], 'section,path,value');
    assert.ok(lines.includes(`person,email,${email}`), csv.body.slice(0, 400));
    assert.ok(lines.some((l) => l.startsWith('account,profile.companyName,Kwiaciarnia')));

    // Another user may not read it.
    const otherEmail = 'other@tulipan.example';
    await registered(app, clock, {
      email: otherEmail,
      company: {
        ...aRegistration(app.current().policy).company,
        name: 'Tulipan sp. z o.o.',
        taxId: '1234563218',
      },
    });
    await activate(app, otherEmail);
    const other = { session: await logIn(app, otherEmail) };
    const forbidden = await app.http.inject({
      method: 'GET',
      url: `/v1/privacy/requests/${portability.id}/export`,
      headers: other.session.reads,
    });
    assert.equal(forbidden.statusCode, 403);
  });

  it('CM-PRV-07: accuracy contested on 2026-03-02: restricted at once, no e-mails at all, the check must close by 2026-04-01 (alarm on 2026-04-02); lifting it is told first', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const clock = await aTestClock(app, '2026-03-02T09:00:00+01:00');
    const email = 'restrict@roza.example';
    const { accountId, session } = await aCustomer(app, clock, email);
    await app.worker.runOnce();
    const dsr = await opened(
      app,
      { type: 'restriction', details: { ground: 'contested_accuracy' } },
      session.writes,
    );
    const notice = () =>
      app.db.transaction(() =>
        app.notifications.send([
          {
            accountId,
            recipient: email,
            locale: 'pl',
            template: 'account.password_changed',
            clause: null,
            occurredAt: new Date('2026-03-05T10:00:00+01:00'),
            params: {},
          },
        ]),
      );
    await notice();
    await app.worker.runOnce();
    const [blocked] = await mailsTo(app, email, 'account.password_changed');
    assert.equal(blocked!.status, 'suppressed');
    assert.equal(blocked!.suppressedReason, 'restricted');
    const [ack] = await mailsTo(app, email, 'privacy.request_received');
    assert.equal(ack!.status, 'sent', 'the answers about the request itself still go');

    await advanceClock(app, clock, '2026-04-01T23:00:00+02:00');
    assert.ok(!(await history(app, dsr.id)).history.some((e) => e.type === 'dsr.restriction_overdue'));
    await advanceClock(app, clock, '2026-04-02T00:00:00+02:00');
    const alarm = (await history(app, dsr.id)).history.find((e) => e.type === 'dsr.restriction_overdue')!;
    assert.equal(alarm.clause, 'CM-PRV-07');
    assert.equal(alarm.data.endsOn, '2026-04-01');

    const lifted = await step(app, dsr.id, 'completion');
    assert.equal(lifted.statusCode, 200, lifted.body);
    const [ending] = await mailsTo(app, email, 'privacy.restriction_ending');
    assert.ok(ending, 'GDPR art. 18(3): told before the restriction is lifted');
    await notice();
    await app.worker.runOnce();
    const after = await mailsTo(app, email, 'account.password_changed');
    assert.equal(after.at(-1)!.status, 'sent');
  });

  it('CM-PRV-08: an objection to direct marketing is upheld at once and answered; the next campaign leaves the person out', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const clock = await aTestClock(app, '2026-04-01T08:00:00+02:00');
    const email = 'object@roza.example';
    const { session } = await aCustomer(app, clock, email);
    await post(
      app,
      '/v1/privacy/consents',
      { purpose: 'marketing_email', action: 'given', channel: 'account_settings', language: 'pl' },
      session.writes,
    );
    const dsr = await opened(app, {
      type: 'objection',
      channel: 'email',
      email,
      details: { scope: 'direct_marketing' },
    });
    assert.equal(dsr.status, 'completed');
    const [answer] = await mailsTo(app, email, 'privacy.request_answered');
    assert.match(answer!.body.text, /Prezes Urzędu Ochrony Danych Osobowych/);
    const campaign = await post(app, '/v1/privacy/campaigns', {
      purpose: 'marketing_email',
      title: { pl: 'Kampania', en: 'Campaign' },
      content: { pl: 'Treść', en: 'Content' },
      thirdParty: false,
      similarProducts: true,
      recipients: [email],
    });
    assert.deepEqual(campaign.json().leftOut, { marketing_objection: 1 });
  });

  it('MOC-PRV-01: a consent withdrawn by an e-mail to privacy@ takes effect when received and is recorded with the request as its channel', async (t) => {
    const app = await anApp(t, 'myownconference');
    const clock = await aTestClock(app, '2026-04-01T09:00:00+03:00');
    const email = 'withdraw@roza.example';
    const { session } = await aCustomer(app, clock, email);
    await post(
      app,
      '/v1/privacy/consents',
      { purpose: 'other_uses', action: 'given', channel: 'registration', language: 'pl' },
      session.writes,
    );
    const dsr = await opened(app, {
      type: 'withdrawal',
      channel: 'email',
      email,
      details: { purpose: 'other_uses' },
    });
    assert.equal(dsr.status, 'completed');
    const overview = await app.http.inject({
      method: 'GET',
      url: '/v1/privacy/consents',
      headers: session.reads,
    });
    const purpose = overview.json().purposes.find((p: { purpose: string }) => p.purpose === 'other_uses');
    assert.equal(purpose.status, 'withdrawn');
    const last = overview.json().ledger.at(-1);
    assert.deepEqual([last.action, last.channel, last.requestId], ['withdrawn', 'request', dsr.id]);
  });

  it('CM-PRV-05: a rectification is made and confirmed within the deadline, and the recipients are told (GDPR art. 19)', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const clock = await aTestClock(app, '2026-03-05T09:00:00+01:00');
    const email = 'rectify@roza.example';
    const { accountId } = await aCustomer(app, clock, email);
    const dsr = await opened(app, {
      type: 'rectification',
      channel: 'email',
      email,
      details: { changes: { lastName: 'Nowak-Kowalska' } },
    });
    assert.equal(dsr.dueOn, '2026-04-04');
    const done = await step(app, dsr.id, 'completion');
    assert.equal(done.statusCode, 200, done.body);
    const users = await app.accounts.listUsers(accountId);
    assert.equal(users[0]!.lastName, 'Nowak-Kowalska');
    const told = (await history(app, dsr.id)).history.find((e) => e.type === 'dsr.recipients_notified');
    const recipients = app.current().policy.processor.subProcessors.filter((s) => s.scope === 'all');
    if (recipients.length > 0) {
      assert.deepEqual(
        told!.data.recipients,
        recipients.map((r) => r.id),
      );
      const [answer] = await mailsTo(app, email, 'privacy.request_answered');
      assert.ok(answer!.body.text.includes(recipients[0]!.name));
    }
  });
});

describe('data-subject requests: erasure', () => {
  const needles = (email: string) => [
    email,
    'Kwiaciarnia',
    '5260250274',
    '600 100 200',
    'Długa',
    'Anna',
    'Nowak',
  ];

  it('CM-PRV-06: a full erasure requested 2026-03-10 leaves only the legal-hold fields (first and last name, e-mail, usage history, consent records); a scan of every table finds the person nowhere else', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const clock = await aTestClock(app, '2026-03-10T09:00:00+01:00');
    const email = 'erase@roza.example';
    const { accountId, session } = await aCustomer(app, clock, email);
    await post(
      app,
      '/v1/privacy/consents',
      { purpose: 'marketing_email', action: 'given', channel: 'account_settings', language: 'pl' },
      { ...session.writes, 'user-agent': 'Anna Nowak Browser' },
    );
    const dsr = await opened(app, {
      type: 'erasure',
      channel: 'email',
      email,
      statement: 'Please delete all my data',
    });
    assert.equal(dsr.dueOn, '2026-04-09');
    await advanceClock(app, clock, '2026-03-20T10:00:00+01:00');
    const done = await step(app, dsr.id, 'completion');
    assert.equal(done.statusCode, 200, done.body);
    await app.worker.runOnce();
    const [answer] = await mailsTo(app, email, 'privacy.request_answered');
    assert.equal(answer!.status, 'sent');
    assert.match(answer!.body.text, /first_name, last_name, email, usage_history, consent_log/);
    await advanceClock(app, clock, '2026-03-22T10:00:00+01:00');

    const held = new Set([
      `users.email: ${email}`,
      'users.first_name: Anna',
      'users.last_name: Nowak',
      `privacy_subjects.email: ${email}`,
      `dsr_requests.requester_email: ${email}`,
    ]);
    const found = await whereFound(app, needles(email));
    assert.deepEqual(
      found.filter((f) => !held.has(f)),
      [],
      'only legal-hold fields keep the person',
    );
    // The consent records stay, pseudonymised; the erasure ended the consent (no more marketing).
    const ledger = await app.db.rows<{ action: string; channel: string; user_agent: string | null }>(
      sql`select action, channel, user_agent from consent_ledger where account_id = ${accountId} order by id`,
    );
    assert.deepEqual(ledger, [
      { action: 'given', channel: 'account_settings', user_agent: null },
      { action: 'withdrawn', channel: 'request', user_agent: null },
    ]);
    const erased = (await history(app, dsr.id)).history.find((e) => e.type === 'dsr.erased')!;
    assert.equal(erased.clause, 'CM-PRV-06');
    const signIn = await logInRequest(app, email, 'correct horse battery');
    assert.notEqual(signIn.statusCode, 200, 'the erased account cannot be signed into');
    assert.ok((erased.data.rows as number) > 0);
  });

  it("MOC-CNS-03: a newsletter reader without an account who asks for erasure is erased from the ledger's subject, the requests and the sent mails; nothing of them is left", async (t) => {
    const clock = manualClock('2026-11-02T10:00:00+02:00');
    const app = await buildTestApp({ preset: 'myownconference', smtpUrl: smtp.url, clock });
    t.after(() => app.close());
    const email = 'reader@example.lt';
    const given = await post(app, '/v1/privacy/consents', {
      email,
      purpose: 'marketing_email',
      action: 'given',
      channel: 'staff',
      language: 'en',
    });
    assert.equal(given.statusCode, 201, given.body);
    const queued = await post(app, '/v1/privacy/campaigns', {
      purpose: 'marketing_email',
      title: { pl: 'Webinary', en: 'Webinars' },
      content: { pl: 'Nowości', en: 'News' },
      thirdParty: false,
      similarProducts: true,
      recipients: [email],
    });
    assert.equal(queued.json().queued, 1, queued.body);
    await app.worker.runOnce();
    const dsr = await opened(app, { type: 'erasure', channel: 'email', email, locale: 'en' });
    assert.equal(dsr.accountId, null);
    assert.equal(dsr.dueOn, '2026-12-02');
    clock.set('2026-11-03T10:00:00+02:00');
    assert.equal((await step(app, dsr.id, 'completion')).statusCode, 200);
    await app.worker.runOnce();
    assert.equal((await mailsTo(app, email, 'privacy.request_answered'))[0]!.status, 'sent');
    assert.ok(
      (await whereFound(app, [email])).length > 0,
      'the sent answer still names them until the next pass',
    );
    clock.set('2026-11-04T10:00:00+02:00');
    await app.worker.runOnce();
    assert.deepEqual(await whereFound(app, [email]), []);
    const [ledger] = await app.db.rows<{ n: number }>(sql`select count(*)::int as n from consent_ledger`);
    assert.equal(ledger!.n, 2, 'the consent and its end stay as proof, pseudonymised');
  });

  it('HT-PRV-04: an erasure sent Mon 2026-06-08 is due Mon 2026-06-15; with no legal hold nothing of the person is left anywhere', async (t) => {
    const app = await anApp(t, 'hosttracker');
    const clock = await aTestClock(app, '2026-06-08T09:00:00Z');
    const email = 'erase-ht@roza.example';
    const { session } = await aCustomer(app, clock, email);
    const dsr = await opened(app, { type: 'erasure' }, session.writes);
    assert.equal(dsr.dueOn, '2026-06-15');
    assert.equal(dsr.dueClause, 'HT-PRV-04');
    await advanceClock(app, clock, '2026-06-12T10:00:00Z');
    assert.equal((await step(app, dsr.id, 'completion')).statusCode, 200);
    await app.worker.runOnce();
    await advanceClock(app, clock, '2026-06-14T10:00:00Z');
    assert.deepEqual(await whereFound(app, needles(email)), []);
    const closed = (await history(app, dsr.id)).history.find((e) => e.type === 'dsr.closed')!;
    assert.equal(closed.data.onTime, true);
  });
});

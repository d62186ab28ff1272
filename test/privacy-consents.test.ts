import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { sql } from 'drizzle-orm';
import { manualClock } from '../src/platform/clock.ts';
import { sha256Hex } from '../src/platform/ids.ts';
import { loadPreset } from '../src/policy/index.ts';
import {
  activate,
  advanceClock,
  aTestClock,
  logIn,
  mailsTo,
  registered,
  type Session,
} from './helpers/accounts.ts';
import { buildTestApp, type TestApp } from './helpers/app.ts';
import { startTestSmtpServer, type TestSmtpServer } from './helpers/smtp-server.ts';

let smtp: TestSmtpServer;
before(async () => {
  smtp = await startTestSmtpServer();
});
after(() => smtp.close());

async function anApp(
  t: TestContext,
  preset: string,
  options: { clock?: ReturnType<typeof manualClock> } = {},
) {
  const app = await buildTestApp({
    preset,
    smtpUrl: smtp.url,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  t.after(() => app.close());
  return app;
}

/** A registered, activated account on a test clock, and its owner's session. */
async function aCustomer(
  app: TestApp,
  clock: string,
  email: string,
): Promise<{ accountId: string; session: Session }> {
  const { accountId } = await registered(app, clock, { email });
  if ((await mailsTo(app, email, 'account.activation')).length > 0) await activate(app, email);
  return { accountId, session: await logIn(app, email) };
}

function consent(app: TestApp, headers: Record<string, string>, payload: Record<string, unknown>) {
  return app.http.inject({ method: 'POST', url: '/v1/privacy/consents', headers, payload });
}

function campaign(app: TestApp, recipients: string[], over: Record<string, unknown> = {}) {
  return app.http.inject({
    method: 'POST',
    url: '/v1/privacy/campaigns',
    headers: app.operator,
    payload: {
      purpose: 'marketing_email',
      title: { pl: 'Nowości w kwietniu', en: 'News in April' },
      content: { pl: 'Nowe funkcje webinarów.', en: 'New webinar features.' },
      thirdParty: false,
      similarProducts: true,
      recipients,
      ...over,
    },
  });
}

async function outboxRow(app: TestApp, id: string) {
  const [row] = await app.db.rows<{ status: string; suppressed_reason: string | null }>(
    sql`select status, suppressed_reason from outbox where id = ${id}`,
  );
  return row!;
}

describe('consents with proof and one-click withdrawal', () => {
  it('CM-CKE-05: no tick at sign-up means no marketing; a consent given in the settings is stored with its wording version, text hash, time, channel, IP and user agent', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const clock = await aTestClock(app, '2026-01-12T10:00:00+01:00');
    const email = 'cke05@roza.example';
    const { session } = await aCustomer(app, clock, email);

    const before = await campaign(app, [email]);
    assert.equal(before.statusCode, 201, before.body);
    assert.deepEqual(before.json(), { id: before.json().id, queued: 0, leftOut: { no_consent: 1 } });

    const given = await consent(
      app,
      { ...session.writes, 'user-agent': 'Firefox/140' },
      {
        purpose: 'marketing_email',
        action: 'given',
        channel: 'account_settings',
        language: 'pl',
      },
    );
    assert.equal(given.statusCode, 201, given.body);
    const wording = app.current().policy.consents.find((p) => p.id === 'marketing_email')!.wording!;
    assert.equal(given.json().wordingVersion, 'cm-marketing-email-1');
    assert.equal(given.json().wordingSha256, sha256Hex(wording.text.pl));
    assert.equal(given.json().channel, 'account_settings');
    assert.equal(given.json().occurredAt, '2026-01-12T09:00:00.000Z', "the account clock's time");
    assert.equal(given.json().userAgent, 'Firefox/140');
    assert.ok(given.json().ip, 'the IP address is kept as proof');

    const overview = await app.http.inject({
      method: 'GET',
      url: '/v1/privacy/consents',
      headers: session.reads,
    });
    assert.equal(overview.statusCode, 200, overview.body);
    assert.equal(
      overview.json().purposes.find((p: { purpose: string }) => p.purpose === 'marketing_email').status,
      'granted',
    );
    assert.equal(
      overview.json().purposes.find((p: { purpose: string }) => p.purpose === 'talent_pool').status,
      null,
    );

    const after = await campaign(app, [email]);
    assert.equal(after.json().queued, 1);

    // The user may act only for their own address; the channel must suit the caller.
    const forOther = await consent(app, session.writes, {
      email: 'someone@else.example',
      purpose: 'marketing_email',
      action: 'given',
      channel: 'account_settings',
      language: 'pl',
    });
    assert.equal(forOther.statusCode, 403);
    const unknown = await consent(app, session.writes, {
      purpose: 'horoscopes',
      action: 'given',
      channel: 'account_settings',
      language: 'pl',
    });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().code, 'privacy.purpose_unknown');
  });

  it('CM-CKE-06: an opt-out by the one-click link after the campaign was queued stops the mail at send time (suppressed, with the reason); CM-PRV-08: it is an objection to direct marketing, and a transactional mail still goes', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const clock = await aTestClock(app, '2026-03-10T09:00:00+01:00');
    const email = 'cke06@roza.example';
    const { accountId, session } = await aCustomer(app, clock, email);
    await app.worker.runOnce();
    await consent(app, session.writes, {
      purpose: 'marketing_email',
      action: 'given',
      channel: 'account_settings',
      language: 'pl',
    });

    const queued = await campaign(app, [email]);
    assert.equal(queued.json().queued, 1);
    const [mail] = await mailsTo(app, email, 'marketing.message');
    assert.ok(mail);
    assert.equal(mail.messageClass, 'marketing');
    const header = mail.headers!['List-Unsubscribe']!;
    assert.equal(mail.headers!['List-Unsubscribe-Post'], 'List-Unsubscribe=One-Click');
    const link = /^<(https:\/\/app\.klauzula\.test(\/v1\/privacy\/unsubscribe\?[^>]+))>$/.exec(header);
    assert.ok(link, header);
    assert.ok(mail.body.text.includes(link[1]!), 'the same link is in the text');

    // A tampered link changes nothing.
    const tampered = await app.http.inject({
      method: 'POST',
      url: link[2]!.replace(/t=[^&]+/, 't=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'List-Unsubscribe=One-Click',
    });
    assert.equal(tampered.statusCode, 400);
    assert.equal(tampered.json().code, 'privacy.unsubscribe_link_invalid');

    // GET only shows the button (a link scanner unsubscribes nobody).
    const page = await app.http.inject({ method: 'GET', url: link[2]! });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<form method="post"/);
    const stillGranted = await app.http.inject({
      method: 'GET',
      url: '/v1/privacy/consents',
      headers: session.reads,
    });
    assert.equal(stillGranted.json().purposes[0].status, 'granted');

    // The RFC 8058 one-click POST, as a mail client sends it.
    const click = await app.http.inject({
      method: 'POST',
      url: link[2]!,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'Gmail one-click' },
      payload: 'List-Unsubscribe=One-Click',
    });
    assert.equal(click.statusCode, 200, click.body);
    assert.deepEqual(click.json(), { unsubscribed: true, purpose: 'marketing_email' });

    // A transactional notice queued at the same time still goes (the opt-out concerns marketing only).
    await app.db.transaction(() =>
      app.notifications.send([
        {
          accountId,
          recipient: email,
          locale: 'pl',
          template: 'account.password_changed',
          clause: null,
          occurredAt: new Date('2026-03-10T09:00:30+01:00'),
          params: {},
        },
      ]),
    );
    await app.worker.runOnce();
    assert.deepEqual(await outboxRow(app, mail.id), {
      status: 'suppressed',
      suppressed_reason: 'consent_withdrawn',
    });
    await smtp.waitFor((m) => m.to.includes(email) && /Hasło/.test(m.subject));
    assert.ok(!smtp.messages.some((m) => m.to.includes(email) && m.subject === 'Nowości w kwietniu'));

    const overview = await app.http.inject({
      method: 'GET',
      url: '/v1/privacy/consents',
      headers: session.reads,
    });
    assert.equal(overview.json().purposes[0].status, 'withdrawn');
    assert.ok(
      overview.json().subject.marketingObjectedAt,
      'CM-PRV-08: the withdrawal is an objection to direct marketing',
    );
    const withdrawal = overview.json().ledger.at(-1);
    assert.equal(withdrawal.channel, 'unsubscribe_link');
    assert.equal(withdrawal.userAgent, 'Gmail one-click');

    const log = await app.eventLog.list(accountId);
    const suppressed = log.find((e) => e.type === 'message.suppressed')!;
    assert.equal(suppressed.clause, 'CM-CKE-05');
    assert.equal(suppressed.data.reason, 'consent_withdrawn');
    const withdrawn = log.find((e) => e.type === 'consent.withdrawn')!;
    assert.equal(withdrawn.data.marketingObjection, true);
    assert.ok(!JSON.stringify(log).includes(email), 'no address in the event log');

    // The next campaign leaves them out at once.
    assert.deepEqual((await campaign(app, [email])).json().leftOut, { consent_withdrawn: 1 });
  });

  it("CM-PRV-12: a campaign for a third party's product is refused before anything is queued", async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const res = await campaign(app, ['x@roza.example'], { thirdParty: true });
    assert.equal(res.statusCode, 422);
    assert.equal(res.json().code, 'privacy.campaign_refused');
    assert.equal(res.json().details.problem, 'third_party');
    assert.equal((await app.outbox.list()).filter((m) => m.template === 'marketing.message').length, 0);
  });

  it('CM-CKE-07: consent given 2026-01-12 and withdrawn 2026-04-01; after the profile is anonymised on 2026-05-01 the ledger still shows both events', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const clock = await aTestClock(app, '2026-01-12T10:00:00+01:00');
    const email = 'cke07@roza.example';
    const { accountId, session } = await aCustomer(app, clock, email);
    await consent(app, session.writes, {
      purpose: 'marketing_email',
      action: 'given',
      channel: 'account_settings',
      language: 'pl',
    });
    await advanceClock(app, clock, '2026-04-01T12:00:00+02:00');
    const withdrawn = await consent(
      app,
      { ...(await logIn(app, email)).writes },
      {
        purpose: 'marketing_email',
        action: 'withdrawn',
        channel: 'account_settings',
        language: 'pl',
      },
    );
    assert.equal(withdrawn.statusCode, 201, withdrawn.body);
    await advanceClock(app, clock, '2026-05-01T12:00:00+02:00');
    // The retention engine's anonymisation of consents reaches the ledger through its handler.
    const handler = app.retention.handlers().find((h) => h.id === 'privacy.consent_ledger')!;
    await app.db.transaction(() =>
      handler.erase({
        accountIds: [accountId],
        category: 'test',
        action: 'anonymise',
        keep: [],
        heldSubjects: [],
      }),
    );
    const rows = await app.db.rows<{
      action: string;
      occurred_at: Date;
      ip: string | null;
      user_agent: string | null;
    }>(
      sql`select action, occurred_at, ip, user_agent from consent_ledger where account_id = ${accountId} order by id`,
    );
    assert.deepEqual(
      rows.map((r) => [r.action, new Date(r.occurred_at).toISOString(), r.ip, r.user_agent]),
      [
        ['given', '2026-01-12T09:00:00.000Z', null, null],
        ['withdrawn', '2026-04-01T10:00:00.000Z', null, null],
      ],
    );
  });

  it('QU-CNS-01: a customer gets soft opt-in mail about similar services unless they ticked the opt-out at registration; QU-CNS-02: the address leaves the list 3 years after the last use (2029-07-01, not 2029-06-30)', async (t) => {
    const app = await anApp(t, 'quanda');
    const clock = await aTestClock(app, '2026-06-30T10:00:00+02:00');
    const stays = 'soft@roza.example';
    const optedOut = 'optout@roza.example';
    await aCustomer(app, clock, stays);
    const { accountId: otherId } = await registered(app, clock, { email: optedOut });
    // The opt-out box ticked at registration (the purpose is asked there).
    const optOut = await consent(app, app.operator, {
      email: optedOut,
      purpose: 'marketing_email',
      action: 'withdrawn',
      channel: 'registration',
      language: 'pl',
    });
    assert.equal(optOut.statusCode, 201, optOut.body);
    // A channel the policy does not offer for withdrawing is refused.
    const byChat = await consent(app, app.operator, {
      email: optedOut,
      purpose: 'marketing_email',
      action: 'withdrawn',
      channel: 'chat',
      language: 'pl',
    });
    assert.equal(byChat.statusCode, 400);
    assert.equal(byChat.json().code, 'privacy.channel_not_offered');
    assert.ok(otherId);

    const notSimilar = await campaign(app, [stays], { similarProducts: false });
    assert.equal(notSimilar.statusCode, 422);
    assert.equal(notSimilar.json().details.problem, 'not_similar');
    const first = await campaign(app, [stays, optedOut, 'stranger@else.example']);
    assert.deepEqual(first.json().leftOut, { consent_withdrawn: 1, no_consent: 1 });
    assert.equal(first.json().queued, 1);

    await advanceClock(app, clock, '2029-06-30T12:00:00+02:00');
    assert.equal((await campaign(app, [stays])).json().queued, 1, 'still within 3 years of the last use');
    await advanceClock(app, clock, '2029-07-01T12:00:00+02:00');
    const ended = await campaign(app, [stays]);
    assert.deepEqual(ended.json().leftOut, { soft_opt_in_ended: 1 });
    const [expired] = await app.db.rows<{ channel: string; occurred_at: Date }>(
      sql`select channel, occurred_at from consent_ledger where action = 'expired'`,
    );
    assert.equal(expired!.channel, 'retention');
    assert.equal(
      new Date(expired!.occurred_at).toISOString(),
      '2029-06-30T22:00:00.000Z',
      '2029-07-01 00:00 in Prague',
    );
  });

  it('BK-CNS-02: the logo consent is a separate flag: withdrawn in the settings, the logo leaves the showcase at once; the policy offers no unsubscribe link for it', async (t) => {
    const app = await anApp(t, 'bookero');
    const clock = await aTestClock(app, '2026-05-01T10:00:00+02:00');
    const email = 'logo@roza.example';
    const { accountId, session } = await aCustomer(app, clock, email);
    const showcase = async () =>
      (
        await app.http.inject({
          method: 'GET',
          url: '/v1/privacy/consents/company_logo_showcase/accounts',
          headers: app.operator,
        })
      ).json().accounts;
    const body = { purpose: 'company_logo_showcase', channel: 'account_settings', language: 'pl' };
    assert.equal((await consent(app, session.writes, { ...body, action: 'given' })).statusCode, 201);
    assert.deepEqual(await showcase(), [accountId]);
    await advanceClock(app, clock, '2026-05-05T15:00:00+02:00');
    const withdrawn = await consent(app, (await logIn(app, email)).writes, { ...body, action: 'withdrawn' });
    assert.equal(withdrawn.statusCode, 201, withdrawn.body);
    assert.equal(withdrawn.json().occurredAt, '2026-05-05T13:00:00.000Z');
    assert.deepEqual(await showcase(), []);
    const events = await app.eventLog.list(accountId);
    assert.deepEqual(
      events.filter((e) => e.type.startsWith('consent.')).map((e) => [e.type, e.clause]),
      [
        ['consent.given', 'BK-CNS-02'],
        ['consent.withdrawn', 'BK-CNS-02'],
      ],
    );
  });

  it('MOC-NOT-01: after a marketing opt-out on 2026-04-04 a service-change notice on 2026-05-02 is still delivered; MOC-CNS-03: the newsletter is not', async (t) => {
    const app = await anApp(t, 'myownconference');
    const clock = await aTestClock(app, '2026-02-02T10:00:00+02:00');
    const email = 'moc@roza.example';
    const { accountId, session } = await aCustomer(app, clock, email);
    await app.worker.runOnce();
    assert.equal((await campaign(app, [email])).json().leftOut.no_consent, 1, 'left unticked at sign-up');
    await consent(app, session.writes, {
      purpose: 'marketing_email',
      action: 'given',
      channel: 'account_settings',
      language: 'pl',
    });
    await campaign(app, [email]);
    await advanceClock(app, clock, '2026-04-04T10:00:00+03:00');
    const out = await consent(app, (await logIn(app, email)).writes, {
      purpose: 'marketing_email',
      action: 'withdrawn',
      channel: 'account_settings',
      language: 'pl',
    });
    assert.equal(out.statusCode, 201, out.body);
    await advanceClock(app, clock, '2026-05-02T10:00:00+03:00');
    await app.db.transaction(() =>
      app.notifications.send([
        {
          accountId,
          recipient: email,
          locale: 'pl',
          template: 'lifecycle.contract_ended',
          clause: 'MOC-NOT-01',
          occurredAt: new Date('2026-05-02T10:00:00+03:00'),
          params: { endedOn: '2026-05-02' },
        },
      ]),
    );
    await app.worker.runOnce();
    const [newsletter] = await mailsTo(app, email, 'marketing.message');
    const [notice] = await mailsTo(app, email, 'lifecycle.contract_ended');
    assert.equal(newsletter!.status, 'suppressed');
    assert.equal(notice!.status, 'sent');
    assert.equal(notice!.messageClass, 'transactional');
  });

  it('HT-NOT-01: a message to a contact its holder has not confirmed is not sent; the confirming mail and mail to confirmed contacts are', async (t) => {
    const app = await anApp(t, 'hosttracker');
    const clock = await aTestClock(app, '2026-03-02T10:00:00Z');
    const confirmed = 'confirmed@roza.example';
    const unconfirmed = 'unconfirmed@roza.example';
    const { accountId: a } = await aCustomer(app, clock, confirmed);
    const { accountId: b } = await registered(app, clock, { email: unconfirmed });
    await app.db.transaction(() =>
      app.notifications.send(
        [
          [a, confirmed],
          [b, unconfirmed],
        ].map(([accountId, recipient]) => ({
          accountId: accountId!,
          recipient: recipient!,
          locale: 'pl' as const,
          template: 'lifecycle.contract_ended' as const,
          clause: 'HT-NOT-01',
          occurredAt: new Date('2026-03-03T10:00:00Z'),
          params: { endedOn: '2026-03-03' },
        })),
      ),
    );
    await app.worker.runOnce();
    const [toConfirmed] = await mailsTo(app, confirmed, 'lifecycle.contract_ended');
    const [toUnconfirmed] = await mailsTo(app, unconfirmed, 'lifecycle.contract_ended');
    assert.equal(toConfirmed!.status, 'sent');
    assert.equal(toUnconfirmed!.status, 'suppressed');
    assert.equal(toUnconfirmed!.suppressedReason, 'contact_unconfirmed');
    const activation = await mailsTo(app, unconfirmed, 'account.activation');
    if (activation.length > 0)
      assert.equal(activation[0]!.status, 'sent', 'the activation mail confirms the contact');
    const event = (await app.eventLog.list(b)).find((e) => e.type === 'message.suppressed')!;
    assert.equal(event.clause, 'HT-NOT-01');
  });
});

describe('deemed delivery', () => {
  it('QU-NOT-01: a notice e-mailed on 2026-06-01 is stored with deemed_delivered_on 2026-06-04; a reply on 2026-06-02 sets proven delivery without moving it', async (t) => {
    const clock = manualClock(new Date('2026-06-01T08:00:00Z'));
    const app = await anApp(t, 'quanda', { clock });
    assert.equal(loadPreset('quanda').notifications.deemedDeliveryDays, 3);
    await app.db.transaction(() =>
      app.notifications.send([
        {
          accountId: null,
          recipient: 'notice@roza.example',
          locale: 'pl',
          template: 'account.password_changed',
          clause: null,
          occurredAt: clock.now(),
          params: {},
        },
      ]),
    );
    await app.worker.runOnce();
    const [sent] = await mailsTo(app, 'notice@roza.example', 'account.password_changed');
    assert.equal(sent!.status, 'sent');
    assert.equal(sent!.deemedDeliveredOn, '2026-06-04');
    const proven = await app.http.inject({
      method: 'POST',
      url: `/v1/outbox/${sent!.id}/proven-delivery`,
      headers: app.operator,
      payload: { at: '2026-06-02T09:00:00+02:00' },
    });
    assert.equal(proven.statusCode, 200, proven.body);
    assert.equal(proven.json().provenDeliveredAt, '2026-06-02T07:00:00.000Z');
    assert.equal(proven.json().deemedDeliveredOn, '2026-06-04');
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { sql } from 'drizzle-orm';
import { loadPreset, type Policy } from '../src/policy/index.ts';
import { advanceClock, anIco, aTestClock, events, mailsTo, registered } from './helpers/accounts.ts';
import { buildTestApp, type TestApp } from './helpers/app.ts';
import { startTestSmtpServer, type TestSmtpServer } from './helpers/smtp-server.ts';

// CM-BIL-10: a reminder before a subscription period ends states the gross amount due to renew and the
// renewal deadline; sent once per period, never for a cancelled or ended subscription.

const GOOD_CARD = { number: '4242 4242 4242 4242', expMonth: 12, expYear: 2030 };

/** ClickMeeting with Live at 100.00 PLN net a month: 123.00 PLN gross, as in CM-BIL-10's example. */
function policy(): Policy {
  const p = structuredClone(loadPreset('clickmeeting'));
  const live = p.plans.find((plan) => plan.code === 'live')!;
  (live.prices as Record<string, Record<string, string>>).monthly = { PLN: '100.00' };
  return p;
}

let smtp: TestSmtpServer;
before(async () => {
  smtp = await startTestSmtpServer();
});
after(() => smtp.close());

async function anApp(t: TestContext): Promise<TestApp> {
  const app = await buildTestApp({ policy: policy(), smtpUrl: smtp.url });
  t.after(() => app.close());
  return app;
}

async function aJuneCustomer(app: TestApp, email: string) {
  const clock = await aTestClock(app, '2026-06-01T10:00:00+02:00');
  const { accountId } = await registered(app, clock, { email, accountType: 'paid', plan: 'live' });
  const res = await app.http.inject({
    method: 'POST',
    url: `/v1/accounts/${accountId}/subscriptions`,
    headers: app.operator,
    payload: {
      plan: 'live',
      frequency: 'monthly',
      card: GOOD_CARD,
      recurringConsent: true,
      identification: { orderingPerson: 'Anna Nowak' },
    },
  });
  assert.equal(res.statusCode, 201, res.body);
  assert.deepEqual(res.json().subscription.currentPeriod, { from: '2026-06-01', to: '2026-06-30' });
  assert.equal(res.json().invoice.gross, '123.00');
  return { clock, accountId, subscriptionId: res.json().subscription.id as string };
}

describe('CM-BIL-10: renewal reminders', () => {
  it('CM-BIL-10: a plan ending 2026-06-30 with a lead of 7 days → the reminder goes out on 2026-06-23 with PLN 123.00 and the deadline 2026-06-30, over SMTP, once; the next period gets its own', async (t) => {
    const app = await anApp(t);
    const email = 'remind-me@roza.example';
    const { clock, accountId } = await aJuneCustomer(app, email);
    assert.equal(app.current().policy.billing.renewalReminderLeadDays, 7);

    await advanceClock(app, clock, '2026-06-22T23:59:00+02:00');
    assert.equal((await mailsTo(app, email, 'billing.renewal_reminder')).length, 0, 'not before 2026-06-23');

    await advanceClock(app, clock, '2026-06-23T08:00:00+02:00');
    const [queued] = await mailsTo(app, email, 'billing.renewal_reminder');
    assert.ok(queued);
    assert.equal(
      queued.occurredAt.toISOString(),
      '2026-06-22T22:00:00.000Z',
      'fired at 2026-06-23 00:00 Warsaw',
    );
    await app.worker.runOnce();
    const mail = await smtp.waitFor((m) => m.to.includes(email) && /Przypomnienie/.test(m.subject));
    assert.match(mail.subject, /Live .* kończy się 2026-06-30/);
    assert.match(
      mail.text,
      /Kwota do zapłaty za odnowienie \(brutto\): 123,00 PLN\. Termin odnowienia: 2026-06-30\./,
    );
    assert.match(mail.text, /CM-BIL-10/);

    const sent = (await events(app, accountId)).filter((e) => e.type === 'subscription.reminder_sent');
    assert.equal(sent.length, 1);
    assert.equal(sent[0]!.clause, 'CM-BIL-10');
    assert.deepEqual(
      [sent[0]!.data.periodEnd, sent[0]!.data.deadline, sent[0]!.data.gross, sent[0]!.data.currency],
      ['2026-06-30', '2026-06-30', '123.00', 'PLN'],
    );

    // Once: later advances send nothing more for June.
    await advanceClock(app, clock, '2026-06-30T12:00:00+02:00');
    assert.equal((await mailsTo(app, email, 'billing.renewal_reminder')).length, 1);

    // Renewed on 2026-07-01 for July: July's reminder on 2026-07-24.
    await advanceClock(app, clock, '2026-07-24T08:00:00+02:00');
    const reminders = await mailsTo(app, email, 'billing.renewal_reminder');
    assert.equal(reminders.length, 2);
    assert.match(reminders.at(-1)!.body.text, /Termin odnowienia: 2026-07-31/);
  });

  it('CM-BIL-10: no reminder for a subscription cancelled to its period end, nor for one that ended', async (t) => {
    const app = await anApp(t);
    const cancelled = await aJuneCustomer(app, 'cancelled@roza.example');
    await app.db.transaction(async () => {
      await app.db.q.execute(
        sql`update subscriptions set cancel_at_period_end = true where id = ${cancelled.subscriptionId}`,
      );
    });
    const ended = await aJuneCustomer(app, 'ended@roza.example');
    await app.db.transaction(async () => {
      await app.db.q.execute(
        sql`update subscriptions set status = 'ended' where id = ${ended.subscriptionId}`,
      );
    });
    await advanceClock(app, cancelled.clock, '2026-06-25T08:00:00+02:00');
    await advanceClock(app, ended.clock, '2026-06-25T08:00:00+02:00');
    assert.equal((await mailsTo(app, 'cancelled@roza.example', 'billing.renewal_reminder')).length, 0);
    assert.equal((await mailsTo(app, 'ended@roza.example', 'billing.renewal_reminder')).length, 0);
    for (const { accountId } of [cancelled, ended])
      assert.equal(
        (await events(app, accountId)).filter((e) => e.type === 'subscription.reminder_sent').length,
        0,
      );
  });

  it('a policy without reminders (Quanda: renewal invoices are the notice) schedules none', async (t) => {
    const app = await buildTestApp({ preset: 'quanda' });
    t.after(() => app.close());
    const clock = await aTestClock(app, '2026-04-01T10:00:00+02:00');
    const { accountId } = await registered(app, clock, {
      email: 'petr@kun.example',
      company: {
        name: 'Kůň s.r.o.',
        taxId: anIco('2712345'),
        country: 'CZ',
        address: { street: 'Náměstí Míru 15', postalCode: '120 00', city: 'Praha 2', country: 'CZ' },
        isLegalPerson: true,
      },
    });
    const res = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${accountId}/subscriptions`,
      headers: app.operator,
      payload: {
        plan: 'professional_500',
        frequency: 'monthly',
        identification: { orderingPerson: 'Petr Kůň' },
      },
    });
    assert.equal(res.statusCode, 201, res.body);
    assert.deepEqual(
      (await app.dueWork.pending(accountId)).filter((i) => i.kind === 'billing.reminder'),
      [],
    );
  });
});

describe('CM-BIL-10: what the reminder states', () => {
  it('CM-BIL-10, CM-BIL-06: an add-on bought on 2026-06-21 renews with July: the reminder of 2026-06-23 states (100.00 + 60.00) × 1.23 = PLN 196.80', async (t) => {
    const app = await anApp(t);
    const email = 'addon-reminder@roza.example';
    const { clock, accountId } = await aJuneCustomer(app, email);
    await advanceClock(app, clock, '2026-06-21T10:00:00+02:00');
    const bought = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${accountId}/add-ons`,
      headers: { ...app.operator, 'idempotency-key': 'addon-1' },
      payload: { addOn: 'extra_storage' },
    });
    assert.equal(bought.statusCode, 201, bought.body);
    await advanceClock(app, clock, '2026-06-23T08:00:00+02:00');
    const [mail] = await mailsTo(app, email, 'billing.renewal_reminder');
    assert.match(mail!.body.text, /\(brutto\): 196,80 PLN\. Termin odnowienia: 2026-06-30\./);
    const [sent] = (await events(app, accountId)).filter((e) => e.type === 'subscription.reminder_sent');
    assert.equal(sent?.data.gross, '196.80');
  });

  it('CM-BIL-10, CM-LIF-06: a suspension asked on 2026-06-10 starts with July (the next unpaid period): no reminder on 2026-06-23, as nothing will be charged', async (t) => {
    const app = await anApp(t);
    const email = 'suspended-reminder@roza.example';
    const { clock, accountId } = await aJuneCustomer(app, email);
    await advanceClock(app, clock, '2026-06-10T10:00:00+02:00');
    const suspended = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${accountId}/suspension`,
      headers: { ...app.operator, 'idempotency-key': 'susp-1' },
    });
    assert.equal(suspended.statusCode, 201, suspended.body);
    assert.equal(suspended.json().startsOn, '2026-07-01');
    await advanceClock(app, clock, '2026-06-25T08:00:00+02:00');
    assert.equal((await mailsTo(app, email, 'billing.renewal_reminder')).length, 0);
    assert.equal(
      (await events(app, accountId)).filter((e) => e.type === 'subscription.reminder_sent').length,
      0,
    );
  });
});

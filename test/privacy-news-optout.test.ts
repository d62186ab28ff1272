import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { activate, advanceClock, aTestClock, logIn, mailsTo, registered } from './helpers/accounts.ts';
import { buildTestApp } from './helpers/app.ts';
import { startTestSmtpServer, type TestSmtpServer } from './helpers/smtp-server.ts';

// Host-Tracker's occasional company and product news to the order e-mail (HT-CNS-02), on a test clock.

let smtp: TestSmtpServer;
before(async () => {
  smtp = await startTestSmtpServer();
});
after(() => smtp.close());

describe('Host-Tracker company news', () => {
  it('HT-CNS-02: news carry an unsubscribe option; after an opt-out on 2026-03-10 the April 2026 news are not sent while billing notices still are', async (t) => {
    const app = await buildTestApp({ preset: 'hosttracker', smtpUrl: smtp.url });
    t.after(() => app.close());
    const clock = await aTestClock(app, '2026-02-02T10:00:00+02:00');
    const email = 'orders@monitoring.example';
    const { accountId } = await registered(app, clock, { email });
    if ((await mailsTo(app, email, 'account.activation')).length > 0) await activate(app, email);
    await app.worker.runOnce();

    const news = (month: string) =>
      app.http.inject({
        method: 'POST',
        url: '/v1/privacy/campaigns',
        headers: app.operator,
        payload: {
          purpose: 'company_news',
          title: { pl: `Nowości ${month}`, en: `News ${month}` },
          content: { pl: 'Nowe lokalizacje sprawdzania.', en: 'New check locations.' },
          thirdParty: false,
          similarProducts: true,
          recipients: [email],
        },
      });

    // February: the order e-mail gets the news (soft opt-in), with a one-click unsubscribe option.
    const february = await news('2026-02');
    assert.equal(february.statusCode, 201, february.body);
    assert.equal(february.json().queued, 1);
    await app.worker.runOnce();
    const [sent] = await mailsTo(app, email, 'marketing.message');
    assert.equal(sent!.status, 'sent');
    assert.match(sent!.headers!['List-Unsubscribe']!, /\/v1\/privacy\/unsubscribe\?/);
    assert.equal(sent!.headers!['List-Unsubscribe-Post'], 'List-Unsubscribe=One-Click');

    // 2026-03-10: the customer opts out in the account settings.
    await advanceClock(app, clock, '2026-03-10T10:00:00+02:00');
    const out = await app.http.inject({
      method: 'POST',
      url: '/v1/privacy/consents',
      headers: (await logIn(app, email)).writes,
      payload: { purpose: 'company_news', action: 'withdrawn', channel: 'account_settings', language: 'pl' },
    });
    assert.equal(out.statusCode, 201, out.body);

    // April 2026: the news leave the customer out; a billing notice still goes.
    await advanceClock(app, clock, '2026-04-07T10:00:00+02:00');
    const april = await news('2026-04');
    assert.equal(april.json().queued, 0);
    assert.deepEqual(april.json().leftOut, { consent_withdrawn: 1 });
    await app.db.transaction(() =>
      app.notifications.send([
        {
          accountId,
          recipient: email,
          locale: 'pl',
          template: 'billing.renewal_reminder',
          clause: 'HT-CNS-02',
          occurredAt: new Date('2026-04-07T10:00:00+02:00'),
          params: {
            planName: 'Standard',
            periodEnd: '2026-04-30',
            amount: '99,00 PLN',
            deadline: '2026-04-30',
            billingUrl: 'https://app.klauzula.test/billing',
          },
        },
      ]),
    );
    await app.worker.runOnce();
    assert.equal((await mailsTo(app, email, 'marketing.message')).length, 1, 'only the February news');
    const [billing] = await mailsTo(app, email, 'billing.renewal_reminder');
    assert.equal(billing!.status, 'sent');
    assert.equal(billing!.messageClass, 'transactional');
  });
});

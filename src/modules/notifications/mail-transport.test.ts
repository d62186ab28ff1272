import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { expectAppError } from '../../../test/helpers/assertions.ts';
import { startTestSmtpServer, type TestSmtpServer } from '../../../test/helpers/smtp-server.ts';
import { type MailMessage, makeSmtpTransport, messageIdFor, parseSmtpUrl } from './mail-transport.ts';
import { isPermanentMailFailure } from './notifications-errors.ts';
import { renderTemplate } from './templates.ts';

const FROM = 'Zespół Żółwik CRM <no-reply@zolwik.example>';

function activationMail(outboxId: string, to = 'jan.kowalski@example.com'): MailMessage {
  const rendered = renderTemplate('account.activation', 'pl', {
    operatorName: 'Żółwik CRM',
    companyName: 'Żabka Sp. z o.o.',
    activationUrl: `https://app.zolwik.example/activate?token=${outboxId}-tok&lang=pl`,
    validUntil: '15 marca 2026, 14:00',
  });
  return { to, from: FROM, messageId: messageIdFor(outboxId), ...rendered };
}

describe('parseSmtpUrl', () => {
  const valid: [string, ReturnType<typeof parseSmtpUrl>][] = [
    [
      'smtp://user:pass@127.0.0.1:2525',
      { host: '127.0.0.1', port: 2525, secure: false, auth: { user: 'user', pass: 'pass' } },
    ],
    ['smtps://mail.example.com', { host: 'mail.example.com', port: 465, secure: true }],
    ['smtp://mail.example.com/', { host: 'mail.example.com', port: 587, secure: false }],
    [
      'smtp://apikey%40example.com:p%40ss%3Aw%2Frd@mail.example.com:587',
      {
        host: 'mail.example.com',
        port: 587,
        secure: false,
        auth: { user: 'apikey@example.com', pass: 'p@ss:w/rd' },
      },
    ],
    ['smtp://[::1]:2525', { host: '::1', port: 2525, secure: false }],
  ];
  for (const [url, config] of valid) {
    it(`reads ${url}`, () => assert.deepEqual(parseSmtpUrl(url), config));
  }

  const invalid: [string, string, RegExp][] = [
    ['not a URL', 'smtp user:secret@mail', /it is not a URL/],
    ['another scheme', 'https://user:secret@mail.example.com', /scheme must be smtp or smtps, not "https"/],
    ['no host', 'smtp://', /host is missing/],
    ['port 0', 'smtp://mail.example.com:0', /port must be between 1 and 65535/],
    ['a port out of range', 'smtp://user:secret@mail.example.com:70000', /it is not a URL/],
    ['a user without a password', 'smtp://secret@mail.example.com', /both a user name and a password/],
    ['a path', 'smtp://mail.example.com/inbox', /path is not allowed/],
    ['query parameters', 'smtp://user:secret@mail.example.com?pool=true', /query parameters/],
    ['a broken percent-encoding', 'smtp://user:secret%zz@mail.example.com', /password is not correctly/],
  ];
  for (const [name, url, reason] of invalid) {
    it(`refuses ${name}, without echoing the URL`, () => {
      assert.throws(
        () => parseSmtpUrl(url),
        expectAppError('notifications.invalid_smtp_url', {}, (error) => {
          assert.match(error.message, reason);
          assert.ok(!error.message.includes('secret'), 'the message must not leak the password');
        }),
      );
    });
  }

  it('makes makeSmtpTransport fail at once, not at the first mail', () => {
    assert.throws(
      () => makeSmtpTransport('smtp//mail.example.com'),
      expectAppError('notifications.invalid_smtp_url'),
    );
  });
});

describe('makeSmtpTransport against a real SMTP server', () => {
  let server: TestSmtpServer;
  before(async () => {
    server = await startTestSmtpServer({
      rejectRecipients: { 'bounce@example.com': 550, 'busy@example.com': 451 },
    });
  });
  after(() => server.close());

  it('delivers a Polish template that reads back intact: subject, Message-ID, sender and links', async () => {
    const transport = makeSmtpTransport(server.url);
    const message = {
      ...activationMail('msg_01ROUNDTRIP'),
      headers: { 'X-Klauzula-Template': 'account.activation' },
    };
    try {
      const sent = await transport.send(message);
      const mail = await server.waitFor((m) => m.messageId === '<msg_01ROUNDTRIP@klauzula.local>');
      assert.match(mail.raw, /^Subject: =\?UTF-8\?[BQ]\?/im, 'the subject travels as RFC 2047 encoded words');
      assert.equal(mail.subject, 'Aktywuj konto w serwisie Żółwik CRM');
      assert.equal(mail.from, FROM);
      assert.equal(mail.to, 'jan.kowalski@example.com');
      assert.deepEqual(mail.envelope, { from: 'no-reply@zolwik.example', to: ['jan.kowalski@example.com'] });
      assert.equal(mail.headers.get('x-klauzula-template'), 'account.activation');
      assert.ok(mail.text.includes('https://app.zolwik.example/activate?token=msg_01ROUNDTRIP-tok&lang=pl'));
      assert.ok(mail.text.includes('dziękujemy za założenie konta firmy Żabka Sp. z o.o.'));
      assert.equal(mail.text, message.text);
      assert.equal(mail.html, message.html);
      assert.equal(sent.providerMessageId, mail.queueId);
    } finally {
      await transport.close();
    }
  });

  it('sends a redelivered outbox row with the same Message-ID, so the duplicate is recognisable', async () => {
    const transport = makeSmtpTransport(server.url);
    try {
      await transport.send(activationMail('msg_01TWICE'));
      await transport.send(activationMail('msg_01TWICE'));
      const copies = server.messages.filter((m) => m.messageId === '<msg_01TWICE@klauzula.local>');
      assert.equal(copies.length, 2);
    } finally {
      await transport.close();
    }
  });

  it('logs in with the percent-decoded credentials of the URL', async () => {
    const transport = makeSmtpTransport(`smtp://mailer%40quanda.example:p%40ss@127.0.0.1:${server.port}`);
    try {
      await transport.send(activationMail('msg_01AUTH'));
      const mail = await server.waitFor((m) => m.messageId === '<msg_01AUTH@klauzula.local>');
      assert.equal(mail.authenticatedUser, 'mailer@quanda.example');
    } finally {
      await transport.close();
    }
  });

  it('throws a permanent mail_rejected error when the server refuses the recipient with 550', async () => {
    const transport = makeSmtpTransport(server.url);
    try {
      await assert.rejects(
        transport.send(activationMail('msg_01BOUNCE', 'bounce@example.com')),
        expectAppError('notifications.mail_rejected', {}, (error) => {
          assert.match(error.message, /bounce@example\.com/);
          assert.match(error.message, /550/);
          assert.equal(error.details?.['smtpCode'], 550);
          assert.equal(error.details?.['permanent'], true);
          assert.equal(isPermanentMailFailure(error), true);
        }),
      );
      assert.ok(!server.messages.some((m) => m.messageId === '<msg_01BOUNCE@klauzula.local>'));
    } finally {
      await transport.close();
    }
  });

  it('throws a retryable mail_rejected error when the server refuses the recipient with 451', async () => {
    const transport = makeSmtpTransport(server.url);
    try {
      await assert.rejects(
        transport.send(activationMail('msg_01BUSY', 'busy@example.com')),
        expectAppError('notifications.mail_rejected', {}, (error) => {
          assert.equal(error.details?.['smtpCode'], 451);
          assert.equal(isPermanentMailFailure(error), false);
        }),
      );
    } finally {
      await transport.close();
    }
  });

  it('refuses a malformed message before connecting, as a permanent failure', async () => {
    const transport = makeSmtpTransport(server.url);
    const cases: Partial<MailMessage>[] = [
      { to: 'not-an-address' },
      { from: 'Quanda <nobody>' },
      { messageId: 'msg_01' },
      { headers: { 'Message-ID': '<other@example.com>' } },
      { headers: { 'X-Bad\r\nBcc': 'x' } },
    ];
    try {
      for (const change of cases) {
        await assert.rejects(
          transport.send({ ...activationMail('msg_01BAD'), ...change }),
          expectAppError('notifications.invalid_message', {}, (error) =>
            assert.ok(isPermanentMailFailure(error)),
          ),
        );
      }
      assert.ok(!server.messages.some((m) => m.messageId === '<msg_01BAD@klauzula.local>'));
    } finally {
      await transport.close();
    }
  });
});

describe('makeSmtpTransport without a server', () => {
  it('throws a retryable mail_transport_failed error when nothing listens', async () => {
    const gone = await startTestSmtpServer();
    await gone.close();
    const transport = makeSmtpTransport(gone.url);
    try {
      await assert.rejects(
        transport.send(activationMail('msg_01NOSERVER')),
        expectAppError('notifications.mail_transport_failed', {}, (error) => {
          assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${gone.port}`));
          assert.equal(isPermanentMailFailure(error), false);
        }),
      );
    } finally {
      await transport.close();
    }
  });
});

describe('messageIdFor', () => {
  it('makes the Message-ID of an outbox row from its id', () => {
    assert.equal(messageIdFor('msg_01J9Z3'), '<msg_01J9Z3@klauzula.local>');
  });

  it('refuses an id that would break the Message-ID', () => {
    assert.throws(() => messageIdFor('a>b@c'), expectAppError('notifications.invalid_message'));
  });
});

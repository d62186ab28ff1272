import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerError } from 'smtp-server';
import { type ParsedMail, parseMail } from './parse-mail.ts';

export type ReceivedMail = ParsedMail & {
  envelope: { from: string; to: string[] };
  /** The message source as received (after SMTP dot-unstuffing). */
  raw: string;
  /** The id the server named in its reply: `250 OK: queued as <queueId>`. */
  queueId: string;
  /** The user name the client authenticated with, if it did. */
  authenticatedUser: string | undefined;
};

export type TestSmtpServer = {
  /** `smtp://127.0.0.1:<port>`: no TLS, no credentials needed (any are accepted). */
  url: string;
  port: number;
  /** Every accepted message, in the order received. */
  messages: ReceivedMail[];
  /** The first message, received or still to come, that matches; rejects after `timeoutMs`. */
  waitFor(predicate: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  close(): Promise<void>;
};

export type TestSmtpServerOptions = {
  /**
   * Recipients the server refuses at RCPT TO, with the reply code to refuse them with:
   * `{ 'bounce@example.com': 550 }` (permanent), `{ 'busy@example.com': 451 }` (try later).
   */
  rejectRecipients?: Record<string, number>;
};

/**
 * A real SMTP server on 127.0.0.1 and an ephemeral port, for tests that send mail over the wire.
 * It keeps every message it accepts, with its envelope, raw source, main headers and decoded text.
 * Close it after the test.
 */
export async function startTestSmtpServer(options: TestSmtpServerOptions = {}): Promise<TestSmtpServer> {
  const messages: ReceivedMail[] = [];
  const waiters = new Set<(mail: ReceivedMail) => void>();
  const rejections = new Map(
    Object.entries(options.rejectRecipients ?? {}).map(([address, code]) => [address.toLowerCase(), code]),
  );

  const server = new SMTPServer({
    logger: false,
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    closeTimeout: 1000,
    onAuth(auth, _session, callback) {
      callback(null, { user: auth.username });
    },
    onRcptTo(address, _session, callback) {
      const code = rejections.get(address.address.toLowerCase());
      if (code === undefined) return callback();
      const reason =
        code >= 500 ? 'Recipient address rejected: mailbox does not exist' : 'Mailbox busy, try again later';
      const error: SMTPServerError = Object.assign(new Error(`<${address.address}>: ${reason}`), {
        responseCode: code,
      });
      callback(error);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        const queueId = `TEST${messages.length + 1}`;
        let mail: ReceivedMail;
        try {
          mail = {
            ...parseMail(raw),
            envelope: {
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((recipient) => recipient.address),
            },
            raw: raw.toString('utf8'),
            queueId,
            authenticatedUser: typeof session.user === 'string' ? session.user : undefined,
          };
        } catch (error) {
          // Refuse loudly rather than keep a message the test could not read.
          callback(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        messages.push(mail);
        for (const notify of waiters) notify(mail);
        callback(null, `OK: queued as ${queueId}`);
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.server.address() as AddressInfo;

  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    messages,
    waitFor(predicate, timeoutMs = 5000) {
      const received = messages.find(predicate);
      if (received) return Promise.resolve(received);
      return new Promise((resolve, reject) => {
        const notify = (mail: ReceivedMail) => {
          if (!predicate(mail)) return;
          clearTimeout(timer);
          waiters.delete(notify);
          resolve(mail);
        };
        const timer = setTimeout(() => {
          waiters.delete(notify);
          const subjects = messages.map((mail) => JSON.stringify(mail.subject)).join(', ') || 'none';
          reject(new Error(`No matching mail within ${timeoutMs} ms; received: ${subjects}`));
        }, timeoutMs);
        waiters.add(notify);
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

import { createTransport } from 'nodemailer';
import type { NodemailerError } from 'nodemailer/lib/errors';
import { z } from 'zod';
import { AppError } from '../../platform/errors.ts';
import { notificationErrors } from './notifications-errors.ts';

const MESSAGE_ID_DOMAIN = 'klauzula.local';

const bareAddress = z.email();

/** `jan@example.com` or `Zespół Klauzula <no-reply@example.com>`. */
const mailbox = z.string().refine(
  (value) => {
    const named = /^[^<>]*<([^<>]+)>$/.exec(value.trim());
    return bareAddress.safeParse(named ? named[1] : value.trim()).success;
  },
  { message: 'Expected an e-mail address, optionally with a display name: "Name <address>"' },
);

/** Headers the transport sets from the message fields; a custom header must not override them. */
const RESERVED_HEADERS = new Set([
  'bcc',
  'cc',
  'content-transfer-encoding',
  'content-type',
  'date',
  'from',
  'message-id',
  'mime-version',
  'subject',
  'to',
]);

const headerName = z
  .string()
  .regex(/^[A-Za-z0-9-]+$/, 'A header name has only letters, digits and hyphens')
  .refine((name) => !RESERVED_HEADERS.has(name.toLowerCase()), 'This header is set by the transport');

/**
 * One e-mail as the outbox stores it and the transport sends it. `messageId` is set by us
 * (see `messageIdFor`), so that a message delivered twice after a retry is recognisable as
 * the same one by the recipient's mail system and by us.
 */
export const MailMessage = z.strictObject({
  to: bareAddress,
  from: mailbox,
  subject: z.string().min(1),
  text: z.string(),
  html: z.string().optional(),
  messageId: z.string().regex(/^<[^<>\s@]+@[^<>\s@]+>$/, 'Expected a Message-ID like <id@domain>'),
  headers: z.record(headerName, z.string()).optional(),
});
export type MailMessage = z.infer<typeof MailMessage>;

export type SentMail = {
  /**
   * The id under which the server queued the message, from its reply to DATA
   * (`250 2.0.0 Ok: queued as 4F2A1`); the Message-ID we set when the reply names none.
   */
  providerMessageId: string;
};

export type MailTransport = {
  /**
   * Hands the message to the server. Resolves once the server has accepted it; rejects with an
   * `AppError` otherwise (`isPermanentMailFailure` tells whether a retry can help).
   */
  send(message: MailMessage): Promise<SentMail>;
  close(): Promise<void>;
};

/** The Message-ID of the mail sent for an outbox row: the same row always gives the same id. */
export function messageIdFor(outboxId: string): string {
  if (!/^[A-Za-z0-9._-]+$/.test(outboxId)) {
    throw new AppError(notificationErrors.invalid_message, {
      message: 'An outbox id used in a Message-ID may contain only letters, digits, ".", "_" and "-"',
      details: { outboxId },
    });
  }
  return `<${outboxId}@${MESSAGE_ID_DOMAIN}>`;
}

export type SmtpConfig = {
  host: string;
  port: number;
  /** true for `smtps://` (TLS from the first byte); `smtp://` upgrades with STARTTLS when offered. */
  secure: boolean;
  auth?: { user: string; pass: string };
};

const DEFAULT_PORT = { smtp: 587, smtps: 465 } as const;

function invalidSmtpUrl(reason: string): AppError {
  // The URL itself is never echoed: it may hold the password.
  return new AppError(notificationErrors.invalid_smtp_url, {
    message:
      `Invalid SMTP URL: ${reason}. ` +
      'Expected smtp://[user:password@]host[:port] or smtps://[user:password@]host[:port]',
    details: { reason },
  });
}

function decodeUrlPart(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw invalidSmtpUrl(`the ${what} is not correctly percent-encoded`);
  }
}

/**
 * Reads an SMTP URL such as `smtp://user:pass@127.0.0.1:2525` or `smtps://user:pass@mail.example.com`.
 * The user name and password are percent-decoded (`p%40ss` is `p@ss`). Without a port, smtp uses
 * 587 and smtps 465. Throws `notifications.invalid_smtp_url` naming what is wrong, never the URL.
 */
export function parseSmtpUrl(url: string): SmtpConfig {
  if (!URL.canParse(url.trim())) throw invalidSmtpUrl('it is not a URL');
  const parsed = new URL(url.trim());
  const scheme = parsed.protocol.slice(0, -1);
  if (scheme !== 'smtp' && scheme !== 'smtps') {
    throw invalidSmtpUrl(`the scheme must be smtp or smtps, not "${scheme}"`);
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw invalidSmtpUrl('the host is missing');
  const port = parsed.port === '' ? DEFAULT_PORT[scheme] : Number(parsed.port);
  if (port === 0) throw invalidSmtpUrl('the port must be between 1 and 65535');
  if (parsed.pathname !== '' && parsed.pathname !== '/') throw invalidSmtpUrl('a path is not allowed');
  if (parsed.search !== '' || parsed.hash !== '') {
    throw invalidSmtpUrl('query parameters and fragments are not supported');
  }
  if ((parsed.username === '') !== (parsed.password === '')) {
    throw invalidSmtpUrl('give both a user name and a password, or neither');
  }
  const config: SmtpConfig = { host, port, secure: scheme === 'smtps' };
  if (parsed.username !== '') {
    config.auth = {
      user: decodeUrlPart(parsed.username, 'user name'),
      pass: decodeUrlPart(parsed.password, 'password'),
    };
  }
  return config;
}

// nodemailer waits up to 2 minutes to connect and 10 minutes on an idle socket; an outbox worker
// should rather fail fast and retry later.
const TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 60_000 };

/** Errors about this one message (its sender, recipient or content), not about the connection. */
const MESSAGE_ERROR_CODES = new Set(['EENVELOPE', 'EMESSAGE']);

function toSendError(error: unknown, message: MailMessage, server: string): AppError {
  const failure = (error instanceof Error ? error : new Error(String(error))) as NodemailerError;
  const smtp = {
    nodemailerCode: failure.code,
    smtpCode: failure.responseCode,
    smtpResponse: failure.response,
    command: failure.command,
  };
  if (failure.code !== undefined && MESSAGE_ERROR_CODES.has(failure.code) && failure.responseCode) {
    const permanent = failure.permanent === true;
    return new AppError(notificationErrors.mail_rejected, {
      message:
        `The SMTP server at ${server} ${permanent ? 'rejected' : 'temporarily refused'} ` +
        `the message ${message.messageId} to ${message.to}: ${failure.response ?? failure.message}`,
      details: { ...smtp, to: message.to, permanent, rejected: failure.rejected ?? [] },
      cause: error,
    });
  }
  // A connection, TLS or authentication failure is not the message's fault: once the server
  // or the configuration is back in order, the same message goes through.
  return new AppError(notificationErrors.mail_transport_failed, {
    message: `Could not hand the message ${message.messageId} to the SMTP server at ${server}: ${failure.message}`,
    details: { ...smtp, server, permanent: false },
    cause: error,
  });
}

function queueIdOf(response: string): string | undefined {
  return /queued as ([^\s;,]+)/i.exec(response)?.[1];
}

function validMessage(input: MailMessage): MailMessage {
  const result = MailMessage.safeParse(input);
  if (result.success) return result.data;
  throw new AppError(notificationErrors.invalid_message, {
    message: `Invalid mail message: ${z.prettifyError(result.error)}`,
    details: { issues: result.error.issues },
  });
}

/**
 * A transport that sends through one SMTP server, opening a connection per message.
 * Validates the URL at once (throws `notifications.invalid_smtp_url`), so a bad configuration
 * stops the process at start-up rather than at the first mail.
 */
export function makeSmtpTransport(url: string): MailTransport {
  const config = parseSmtpUrl(url);
  const server = `${config.host}:${config.port}`;
  const transporter = createTransport({ ...config, ...TIMEOUTS });
  return {
    async send(input) {
      const message = validMessage(input);
      try {
        const info = await transporter.sendMail({
          from: message.from,
          to: message.to,
          subject: message.subject,
          text: message.text,
          html: message.html,
          messageId: message.messageId,
          headers: message.headers,
        });
        return { providerMessageId: queueIdOf(info.response) ?? info.messageId };
      } catch (error) {
        throw toSendError(error, message, server);
      }
    },
    async close() {
      transporter.close();
    },
  };
}

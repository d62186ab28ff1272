/**
 * Just enough MIME parsing to read back what nodemailer sends: unfolded headers with RFC 2047
 * encoded words decoded, and the text/plain and text/html parts of a (possibly nested) multipart
 * body, decoded from base64, quoted-printable, 7bit or 8bit. Not a general mail parser: no
 * attachments, no RFC 2231 parameters, first text part of each kind wins.
 */
export type ParsedMail = {
  /** Header names in lower case; the first occurrence of each, unfolded and decoded. */
  headers: Map<string, string>;
  subject: string;
  messageId: string;
  from: string;
  to: string;
  /** The text/plain part with line ends as "\n". */
  text: string;
  /** The text/html part with line ends as "\n", if there is one. */
  html: string | undefined;
};

export function parseMail(raw: Buffer): ParsedMail {
  // A binary string keeps one character per byte, so boundaries can be found before decoding.
  const root = parsePart(raw.toString('latin1'));
  const found: { text?: string; html?: string } = {};
  collectTextParts(root, found);
  const header = (name: string) => root.headers.get(name) ?? '';
  return {
    headers: root.headers,
    subject: header('subject'),
    messageId: header('message-id'),
    from: header('from'),
    to: header('to'),
    text: found.text ?? '',
    html: found.html,
  };
}

type Part = { headers: Map<string, string>; body: string };

function parsePart(source: string): Part {
  const blank = /\r?\n\r?\n/.exec(source);
  const head = blank ? source.slice(0, blank.index) : source;
  const body = blank ? source.slice(blank.index + blank[0].length) : '';
  return { headers: parseHeaders(Buffer.from(head, 'latin1').toString('utf8')), body };
}

function parseHeaders(head: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n(?=[ \t])/g, '').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, decodeEncodedWords(line.slice(colon + 1).trim()));
  }
  return headers;
}

function collectTextParts(part: Part, found: { text?: string; html?: string }): void {
  const { type, params } = parseContentType(part.headers.get('content-type'));
  if (type.startsWith('multipart/')) {
    const boundary = params.get('boundary');
    if (!boundary) throw new Error(`parse-mail: ${type} without a boundary`);
    for (const child of splitMultipart(part.body, boundary)) collectTextParts(parsePart(child), found);
    return;
  }
  if (/^attachment\b/i.test(part.headers.get('content-disposition') ?? '')) return;
  const kind = type === 'text/plain' ? 'text' : type === 'text/html' ? 'html' : undefined;
  if (!kind || found[kind] !== undefined) return;
  const bytes = decodeTransferEncoding(part.body, part.headers.get('content-transfer-encoding'));
  found[kind] = decodeCharset(bytes, params.get('charset') ?? 'us-ascii').replace(/\r\n/g, '\n');
}

function parseContentType(value = 'text/plain'): { type: string; params: Map<string, string> } {
  const [type = ''] = value.split(';');
  const params = new Map<string, string>();
  for (const match of value.matchAll(/;\s*([\w.-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/g)) {
    params.set(match[1]!.toLowerCase(), match[2]?.replace(/\\(.)/g, '$1') ?? match[3]!);
  }
  return { type: type.trim().toLowerCase(), params };
}

function splitMultipart(body: string, boundary: string): string[] {
  const parts: string[] = [];
  let current: string[] | undefined;
  for (const line of body.split(/\r?\n/)) {
    const trimmed = line.trimEnd();
    if (trimmed === `--${boundary}--`) break;
    if (trimmed === `--${boundary}`) {
      if (current) parts.push(current.join('\r\n'));
      current = [];
    } else {
      current?.push(line);
    }
  }
  if (current) parts.push(current.join('\r\n'));
  return parts;
}

function decodeTransferEncoding(body: string, encoding = '7bit'): Buffer {
  switch (encoding.trim().toLowerCase()) {
    case 'base64':
      return Buffer.from(body.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
    case 'quoted-printable':
      return quotedPrintableBytes(body.replace(/[ \t]+(?=\r?\n|$)/g, '').replace(/=\r?\n/g, ''));
    default:
      return Buffer.from(body, 'latin1');
  }
}

/** `=C5=82` is one byte each; in the Q encoding of headers (`underscore`) `_` also stands for a space. */
function quotedPrintableBytes(encoded: string, underscoreIsSpace = false): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < encoded.length; i++) {
    const hex = encoded.slice(i + 1, i + 3);
    if (encoded[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else if (underscoreIsSpace && encoded[i] === '_') {
      bytes.push(0x20);
    } else {
      bytes.push(encoded.charCodeAt(i) & 0xff);
    }
  }
  return Buffer.from(bytes);
}

function decodeCharset(bytes: Buffer, charset: string): string {
  return new TextDecoder(charset.trim().toLowerCase(), { fatal: true }).decode(bytes);
}

const ENCODED_WORD = /=\?([^?*]+)(?:\*[^?]*)?\?([BbQq])\?([^?]*)\?=/g;

/**
 * Decodes RFC 2047 encoded words (`=?UTF-8?Q?Zesp=C3=B3=C5=82?=`). Whitespace between two encoded
 * words is dropped, and their bytes are joined before decoding, because an encoder may split one
 * multi-byte character across two words.
 */
export function decodeEncodedWords(value: string): string {
  let decoded = '';
  let run: { charset: string; chunks: Buffer[] } | undefined;
  let last = 0;
  const flush = () => {
    if (run) decoded += decodeCharset(Buffer.concat(run.chunks), run.charset);
    run = undefined;
  };
  for (const match of value.matchAll(ENCODED_WORD)) {
    const between = value.slice(last, match.index);
    const charset = match[1]!.toLowerCase();
    const text = match[3]!;
    const bytes =
      match[2]!.toUpperCase() === 'B' ? Buffer.from(text, 'base64') : quotedPrintableBytes(text, true);
    const continuesRun = run !== undefined && /^[ \t]*$/.test(between);
    if (!continuesRun) {
      flush();
      decoded += between;
    } else if (run?.charset !== charset) {
      flush();
    }
    run ??= { charset, chunks: [] };
    run.chunks.push(bytes);
    last = match.index + match[0].length;
  }
  flush();
  return decoded + value.slice(last);
}

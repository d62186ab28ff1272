/**
 * A minimal XML writer for generated documents: elements, attributes and text, no mixed content, no
 * comments. Names are checked, text is escaped, and characters XML 1.0 cannot carry at all (control
 * characters, lone surrogates, U+FFFE/U+FFFF) are refused rather than dropped, so what is written is what
 * the caller gave.
 */

export type XmlElement = {
  readonly name: string;
  readonly attributes: readonly (readonly [string, string])[];
  /** Text, or child elements (possibly none: an empty element). */
  readonly content: string | readonly XmlElement[];
};

/** Children as written in a builder: absent optional parts (`null`, `undefined`, `false`) and nested lists are flattened. */
export type XmlChild = XmlElement | null | undefined | false | readonly XmlChild[];

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*(?::[A-Za-z_][A-Za-z0-9_.-]*)?$/;

/** Anything outside XML 1.0's Char production: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]. */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

export class XmlWriteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlWriteError';
  }
}

function checkName(name: string): void {
  if (!NAME.test(name)) throw new XmlWriteError(`not an XML name: ${JSON.stringify(name)}`);
}

function checkChars(value: string, where: string): void {
  const bad = NOT_XML_CHAR.exec(value);
  if (bad !== null) {
    const code = bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    throw new XmlWriteError(`${where} contains U+${code}, which XML cannot represent`);
  }
}

/** An element with child elements; pass `null`/`undefined`/`false` for an absent optional child. */
export function element(
  name: string,
  children: readonly XmlChild[],
  attributes: Readonly<Record<string, string>> = {},
): XmlElement {
  checkName(name);
  const flat: XmlElement[] = [];
  const walk = (list: readonly XmlChild[]): void => {
    for (const child of list) {
      if (child === null || child === undefined || child === false) continue;
      if (Array.isArray(child)) walk(child);
      else flat.push(child as XmlElement);
    }
  };
  walk(children);
  return { name, attributes: checkedAttributes(name, attributes), content: flat };
}

/** An element holding text (escaped when written). */
export function textElement(
  name: string,
  text: string,
  attributes: Readonly<Record<string, string>> = {},
): XmlElement {
  checkName(name);
  checkChars(text, `<${name}>`);
  return { name, attributes: checkedAttributes(name, attributes), content: text };
}

function checkedAttributes(
  elementName: string,
  attributes: Readonly<Record<string, string>>,
): (readonly [string, string])[] {
  return Object.entries(attributes).map(([key, value]) => {
    checkName(key);
    checkChars(value, `attribute ${key} of <${elementName}>`);
    return [key, value] as const;
  });
}

/** Text content: `&`, `<` and `>` (the last so `]]>` never appears), and CR, which parsers would turn into LF. */
export function escapeText(value: string): string {
  return value.replace(/[&<>\r]/g, (c) => TEXT_ESCAPES[c]!);
}

/** Attribute values (always written in double quotes): also `"`, and the whitespace parsers would normalise. */
export function escapeAttribute(value: string): string {
  return value.replace(/[&<>"\r\n\t]/g, (c) => ATTRIBUTE_ESCAPES[c]!);
}

const TEXT_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#xD;' };
const ATTRIBUTE_ESCAPES: Record<string, string> = {
  ...TEXT_ESCAPES,
  '"': '&quot;',
  '\n': '&#xA;',
  '\t': '&#x9;',
};

/** The document as UTF-8 text with an XML declaration, indented by two spaces, ending in a newline. */
export function writeXmlDocument(root: XmlElement): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>\n'];
  writeElement(root, '', out);
  return out.join('');
}

function writeElement(node: XmlElement, indent: string, out: string[]): void {
  let open = `${indent}<${node.name}`;
  for (const [key, value] of node.attributes) open += ` ${key}="${escapeAttribute(value)}"`;
  if (typeof node.content === 'string') {
    out.push(`${open}>${escapeText(node.content)}</${node.name}>\n`);
  } else if (node.content.length === 0) {
    out.push(`${open}/>\n`);
  } else {
    out.push(`${open}>\n`);
    for (const child of node.content) writeElement(child, `${indent}  `, out);
    out.push(`${indent}</${node.name}>\n`);
  }
}

import fs from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  ParseOption,
  XmlDocument,
  type XmlInputProvider,
  XmlLibError,
  XsdValidator,
  xmlRegisterInputProvider,
} from 'libxml2-wasm';
import { FA3_NAMESPACE } from './fa3-xml.ts';

/** The main file of the official FA(3) schema; it imports the other three from the same folder. */
export const FA3_SCHEMA_FILE = 'schemat_FA(3)_v1-0E.xsd';

/**
 * The schema folder shipped beside the repository (`shared/ksef/xsd`, see its README). Resolved from this
 * file, so it holds wherever the repository is checked out with `shared/` next to it.
 */
export const DEFAULT_FA3_XSD_DIR = fileURLToPath(new URL('../../../../../shared/ksef/xsd/', import.meta.url));

export type Fa3ValidationResult = { ok: true } | { ok: false; errors: string[] };

export type Fa3Validator = {
  /** Checks a whole FA(3) document against the schema; never throws for a bad document. */
  validate(xml: string): Fa3ValidationResult;
  /** Frees the compiled schema (WebAssembly memory); the validator is unusable afterwards. */
  close(): void;
};

/**
 * Compiles the official FA(3) schema from `xsdDir` once and returns a validator for invoices.
 *
 * The schema's imports and includes are read from disk through a libxml2 input provider that only opens
 * files inside a folder whose schema is being compiled at that moment, so validating an invoice can never
 * make libxml2 read anything else (and external entities are refused while parsing the invoice). Errors
 * come back as readable lines, `line 42: Element 'P_15': This element is not expected. …`, with the FA(3)
 * namespace left out.
 *
 * Leaves to the caller: calling `close()` when done. The schema is compiled synchronously inside
 * libxml2; compile one validator per process and reuse it.
 */
export async function makeFa3Validator(xsdDir: string = DEFAULT_FA3_XSD_DIR): Promise<Fa3Validator> {
  const dir = resolve(xsdDir);
  const mainFile = join(dir, FA3_SCHEMA_FILE);
  const source = await readFile(mainFile);
  registerSchemaInputProvider();

  let schema: XsdValidator;
  let xsd: XmlDocument | null = null;
  compilingDirs.add(dir);
  try {
    xsd = XmlDocument.fromBuffer(source, {
      url: pathToFileURL(mainFile).href,
      option: ParseOption.XML_PARSE_NONET,
    });
    schema = XsdValidator.fromDoc(xsd);
  } catch (error) {
    throw new Error(`FA(3) schema in ${dir} could not be compiled: ${describeLibError(error).join('; ')}`, {
      cause: error,
    });
  } finally {
    compilingDirs.delete(dir);
    xsd?.dispose();
  }

  let closed = false;
  return {
    validate(xml: string): Fa3ValidationResult {
      if (closed) throw new Error('FA(3) validator: validate() after close()');
      let doc: XmlDocument;
      try {
        doc = XmlDocument.fromString(xml, {
          option: ParseOption.XML_PARSE_NONET | ParseOption.XML_PARSE_NO_XXE,
        });
      } catch (error) {
        return { ok: false, errors: describeLibError(error).map((e) => `not well-formed XML: ${e}`) };
      }
      try {
        schema.validate(doc);
        return { ok: true };
      } catch (error) {
        return { ok: false, errors: describeLibError(error) };
      } finally {
        doc.dispose();
      }
    },
    close(): void {
      if (closed) return;
      closed = true;
      schema.dispose();
    },
  };
}

/** libxml2 names elements `{namespace}Name`; within one known schema the namespace is noise. */
const NAMESPACE_IN_MESSAGE = `{${FA3_NAMESPACE}}`;

function describeLibError(error: unknown): string[] {
  if (error instanceof XmlLibError && error.details.length > 0) {
    return error.details.map((d) => {
      const message = d.message.trim().replaceAll(NAMESPACE_IN_MESSAGE, '');
      return d.line > 0 ? `line ${d.line}: ${message}` : message;
    });
  }
  return [error instanceof Error ? error.message : String(error)];
}

/** Folders whose schema is being compiled right now; the input provider opens files only inside them. */
const compilingDirs = new Set<string>();
let providerRegistered = false;

function registerSchemaInputProvider(): void {
  if (providerRegistered) return;
  if (!xmlRegisterInputProvider(schemaInputProvider)) {
    throw new Error('FA(3) validator: libxml2 refused the schema input provider');
  }
  providerRegistered = true;
}

function schemaFilePath(filename: string): string | null {
  let path: string;
  if (filename.startsWith('file:')) {
    try {
      path = fileURLToPath(filename);
    } catch {
      return null;
    }
  } else if (isAbsolute(filename)) {
    path = filename;
  } else {
    return null;
  }
  path = resolve(path);
  for (const dir of compilingDirs) {
    if (path.startsWith(dir + sep)) return path;
  }
  return null;
}

const schemaInputProvider: XmlInputProvider = {
  match(filename) {
    const path = schemaFilePath(filename);
    return path !== null && fs.existsSync(path);
  },
  open(filename) {
    const path = schemaFilePath(filename);
    if (path === null) return undefined;
    try {
      return fs.openSync(path, 'r');
    } catch {
      return undefined;
    }
  },
  read(fd, buf) {
    try {
      return fs.readSync(fd, buf, 0, buf.byteLength, null);
    } catch {
      return -1;
    }
  },
  close(fd) {
    try {
      fs.closeSync(fd);
      return true;
    } catch {
      return false;
    }
  },
};

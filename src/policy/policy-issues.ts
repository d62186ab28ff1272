/**
 * Turns zod issues into `PolicyIssue`s: one issue per problem (an unknown-keys issue becomes one issue
 * per key), an `expected` phrase a person understands, a `found` description of the actual value and,
 * when a locator is given, the line in the source text.
 */
import { z } from 'zod';
import type { PolicyIssue } from './policy-errors.ts';

export type PathSegment = string | number;
export type LineLocator = (path: readonly PathSegment[]) => number | undefined;

export function formatPath(path: readonly PathSegment[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(segment)) text += text === '' ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}

function valueAt(root: unknown, path: readonly PathSegment[]): { present: boolean; value: unknown } {
  let current: unknown = root;
  for (const segment of path) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, segment)) {
      return { present: false, value: undefined };
    }
    current = (current as Record<PathSegment, unknown>)[segment];
  }
  return { present: true, value: current };
}

export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') {
    const shown = value.length > 40 ? `${value.slice(0, 37)}...` : value;
    return `text ${JSON.stringify(shown)}`;
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return `${typeof value} ${String(value)}`;
  }
  if (Array.isArray(value)) return `a list of ${value.length} item${value.length === 1 ? '' : 's'}`;
  if (typeof value === 'object') return 'a mapping';
  return typeof value;
}

function describeFound(root: unknown, path: readonly PathSegment[]): string {
  const { present, value } = valueAt(root, path);
  return present ? describeValue(value) : 'nothing (the key is missing)';
}

const typeNames: Readonly<Record<string, string>> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
  null: 'null',
  date: 'a date',
  bigint: 'a whole number',
};

/** The schema that validates the value at `path`, unwrapping optional and nullable wrappers. */
function schemaAt(schema: z.ZodType | undefined, path: readonly PathSegment[]): z.ZodType | undefined {
  let current = schema;
  for (const segment of path) {
    current = unwrap(current);
    if (current instanceof z.ZodObject) current = current.shape[segment] as z.ZodType | undefined;
    else if (current instanceof z.ZodArray) current = current.element as z.ZodType;
    else if (current instanceof z.ZodRecord) current = current.valueType as z.ZodType;
    else return undefined;
  }
  return current;
}

function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let current = schema;
  while (
    current instanceof z.ZodOptional ||
    current instanceof z.ZodNullable ||
    current instanceof z.ZodDefault
  ) {
    current = current.unwrap() as z.ZodType;
  }
  return current;
}

function isNullable(schema: z.ZodType | undefined): boolean {
  let current = schema;
  while (
    current instanceof z.ZodOptional ||
    current instanceof z.ZodNullable ||
    current instanceof z.ZodDefault
  ) {
    if (current instanceof z.ZodNullable) return true;
    current = current.unwrap() as z.ZodType;
  }
  return false;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(
        above + 1,
        row[j - 1]! + 1,
        diagonal + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1),
      );
      diagonal = above;
    }
  }
  return row[b.length]!;
}

function expectedKnownKey(
  schema: z.ZodType | undefined,
  parentPath: readonly PathSegment[],
  key: string,
): string {
  const parent = unwrap(schemaAt(schema, parentPath));
  const where = parentPath.length === 0 ? 'the policy' : formatPath(parentPath);
  if (!(parent instanceof z.ZodObject)) return `no key "${key}" here`;
  const known = Object.keys(parent.shape);
  const closest = known
    .map((candidate) => ({ candidate, distance: editDistance(key, candidate) }))
    .sort((a, b) => a.distance - b.distance)[0];
  if (closest && closest.distance <= Math.max(2, Math.floor(key.length / 3))) {
    return `a known key of ${where} (did you mean "${closest.candidate}"?)`;
  }
  return `one of the keys of ${where}: ${known.join(', ')}`;
}

function sizePhrase(
  origin: string,
  bound: number | bigint,
  inclusive: boolean,
  direction: 'min' | 'max',
): string {
  if (origin === 'array' || origin === 'set') {
    return direction === 'min'
      ? `a list with at least ${bound} item(s)`
      : `a list with at most ${bound} item(s)`;
  }
  if (origin === 'string') {
    if (direction === 'min' && Number(bound) === 1) return 'non-empty text';
    return direction === 'min'
      ? `text of at least ${bound} characters`
      : `text of at most ${bound} characters`;
  }
  const sign = direction === 'min' ? (inclusive ? '≥' : '>') : inclusive ? '≤' : '<';
  return `a number ${sign} ${bound}`;
}

function isDefaultMessage(message: string): boolean {
  return /^Invalid|^Too (small|big)|^Unrecognized/.test(message);
}

function expectedFor(issue: z.core.$ZodIssue, schema: z.ZodType | undefined): string {
  switch (issue.code) {
    case 'invalid_type': {
      const base = typeNames[issue.expected] ?? issue.expected;
      return isNullable(schemaAt(schema, issue.path as PathSegment[])) ? `${base} or null` : base;
    }
    case 'too_small':
      return sizePhrase(issue.origin, issue.minimum, issue.inclusive ?? true, 'min');
    case 'too_big':
      return sizePhrase(issue.origin, issue.maximum, issue.inclusive ?? true, 'max');
    case 'invalid_value':
      return issue.values.length === 1
        ? JSON.stringify(issue.values[0])
        : `one of ${issue.values.map((value) => JSON.stringify(value)).join(' | ')}`;
    case 'invalid_format':
      return isDefaultMessage(issue.message) ? `text in ${issue.format} format` : issue.message;
    case 'custom': {
      const expected = (issue.params as { expected?: unknown } | undefined)?.expected;
      return typeof expected === 'string' ? expected : issue.message;
    }
    case 'invalid_union':
      return 'one of the allowed shapes';
    case 'not_multiple_of':
      return `a multiple of ${issue.divisor}`;
    default:
      return issue.message;
  }
}

/**
 * Converts zod issues on `input` (validated by `schema`) into policy issues, sorted by line then path.
 */
export function toPolicyIssues(
  zodIssues: readonly z.core.$ZodIssue[],
  input: unknown,
  schema: z.ZodType,
  locate: LineLocator = () => undefined,
): PolicyIssue[] {
  const issues: PolicyIssue[] = [];
  const add = (path: readonly PathSegment[], expected: string, found: string) => {
    issues.push({
      path: formatPath(path),
      expected,
      found,
      message: `${formatPath(path) || 'policy'}: expected ${expected}, found ${found}`,
      line: locate(path),
    });
  };

  for (const issue of zodIssues) {
    const path = issue.path as PathSegment[];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        add([...path, key], expectedKnownKey(schema, path, key), `unknown key "${key}"`);
      }
      continue;
    }
    const customFound =
      issue.code === 'custom' ? (issue.params as { found?: unknown } | undefined)?.found : undefined;
    const found = typeof customFound === 'string' ? customFound : describeFound(input, path);
    add(path, expectedFor(issue, schema), found);
  }

  // A refinement failure does not stop the cross-field checks, which may then flag the same value again
  // (an unknown currency is also "not the policy currency"): keep the first, most basic issue per path.
  const seen = new Set<string>();
  return issues
    .filter((issue) => !seen.has(issue.path) && seen.add(issue.path))
    .map((issue, order) => ({ issue, order }))
    .sort(
      (a, b) =>
        (a.issue.line ?? Number.MAX_SAFE_INTEGER) - (b.issue.line ?? Number.MAX_SAFE_INTEGER) ||
        a.order - b.order,
    )
    .map(({ issue }) => issue);
}

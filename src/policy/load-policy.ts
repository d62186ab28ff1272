/**
 * Reading a policy from YAML or JSON text, a file or a named preset.
 *
 * Guarantees: the returned policy validated against `Policy` (including its cross-field checks) and is
 * deeply frozen, so no module can change the rules another module reads. On any problem, syntax included,
 * it throws one `PolicyError` listing every issue with its path, expectation, actual value and line.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { PolicyError, type PolicyIssue } from './policy-errors.ts';
import { describeValue, type LineLocator, type PathSegment, toPolicyIssues } from './policy-issues.ts';
import { Policy } from './policy-schema.ts';

export const presetNames = ['clickmeeting', 'quanda', 'myownconference', 'hosttracker', 'bookero'] as const;
export type PresetName = (typeof presetNames)[number];

export type PolicyFormat = 'yaml' | 'json';

export function isPresetName(name: string): name is PresetName {
  return (presetNames as readonly string[]).includes(name);
}

/** Parses and validates a policy; `source` names it in error reports (a file path or a preset name). */
export function parsePolicy(text: string, format: PolicyFormat, source: string): Policy {
  const { data, locate, issues } = format === 'json' ? readJson(text) : readYaml(text);
  if (issues.length > 0) throw new PolicyError('policy.invalid', source, issues);
  const result = Policy.safeParse(data);
  if (!result.success) {
    throw new PolicyError(
      'policy.invalid',
      source,
      toPolicyIssues(result.error.issues, data, Policy, locate),
    );
  }
  return deepFreeze(result.data);
}

/** Loads a `.yaml`, `.yml` or `.json` policy file. */
export function loadPolicyFile(path: string): Policy {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String(error.code) : String(error);
    throw new PolicyError('policy.unreadable', path, [
      {
        path: '',
        expected: 'a readable policy file',
        found: reason,
        message: `cannot read ${path}: ${reason}`,
      },
    ]);
  }
  return parsePolicy(text, extname(path).toLowerCase() === '.json' ? 'json' : 'yaml', path);
}

/** The path of a preset's YAML file, next to this module. */
export function presetPath(name: PresetName): string {
  return fileURLToPath(new URL(`./presets/${name}.yaml`, import.meta.url));
}

/** Loads one of the seed services' presets. */
export function loadPreset(name: string): Policy {
  if (!isPresetName(name)) {
    throw new PolicyError('policy.preset_not_found', name, [
      {
        path: '',
        expected: `a preset name (${presetNames.join(', ')})`,
        found: describeValue(name),
        message: `no preset named ${JSON.stringify(name)}`,
      },
    ]);
  }
  return loadPolicyFile(presetPath(name));
}

type ReadResult = { data: unknown; locate: LineLocator; issues: PolicyIssue[] };

function readYaml(text: string): ReadResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const locate = locatorFor(doc.contents, lineCounter);
  if (doc.errors.length > 0) {
    const issues = doc.errors.map((error) => {
      const reason = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      return {
        path: '',
        expected: 'valid YAML',
        found: reason,
        message: `YAML syntax: ${reason}`,
        line: error.linePos?.[0].line,
      } satisfies PolicyIssue;
    });
    return { data: undefined, locate, issues };
  }
  return { data: doc.toJS({ maxAliasCount: 100 }), locate, issues: [] };
}

function readJson(text: string): ReadResult {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const position = /position (\d+)/.exec(reason);
    const line = position ? text.slice(0, Number(position[1])).split('\n').length : undefined;
    return {
      data: undefined,
      locate: () => undefined,
      issues: [{ path: '', expected: 'valid JSON', found: reason, message: `JSON syntax: ${reason}`, line }],
    };
  }
  // JSON is YAML 1.2 flow syntax: the YAML parser gives line numbers and catches duplicate keys,
  // which JSON.parse silently resolves to the last one.
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  const issues: PolicyIssue[] = doc.errors
    .filter((error) => error.code === 'DUPLICATE_KEY')
    .map((error) => ({
      path: '',
      expected: 'unique keys',
      found: 'a duplicated key',
      message: error.message.split('\n')[0]!,
      line: error.linePos?.[0].line,
    }));
  return { data, locate: locatorFor(doc.contents, lineCounter), issues };
}

/** Finds the line of the deepest node on `path` (the key's line for mapping entries). */
function locatorFor(root: unknown, lineCounter: LineCounter): LineLocator {
  const lineOf = (node: unknown): number | undefined => {
    const range = (node as Node | null | undefined)?.range;
    return range ? lineCounter.linePos(range[0]).line : undefined;
  };
  return (path: readonly PathSegment[]) => {
    let node: unknown = root;
    let line = lineOf(root);
    for (const segment of path) {
      if (isMap(node)) {
        const pair = node.items.find(
          (item) => isScalar(item.key) && String(item.key.value) === String(segment),
        );
        if (!pair) break;
        line = lineOf(pair.key) ?? line;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        const item = node.items[segment];
        if (item === undefined) break;
        line = lineOf(item) ?? line;
        node = item;
      } else {
        break;
      }
    }
    return line;
  };
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

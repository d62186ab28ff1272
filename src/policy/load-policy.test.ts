import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  checkPolicyFile,
  formatPolicyIssues,
  loadPolicyFile,
  loadPreset,
  PolicyError,
  type PolicyIssue,
  parsePolicy,
  policyHash,
  presetPath,
} from './index.ts';

const quandaYaml = readFileSync(presetPath('quanda'), 'utf8');
const clickmeetingYaml = readFileSync(presetPath('clickmeeting'), 'utf8');

/** Replaces exactly one occurrence of `find` in `text`. */
function edit(text: string, find: string, replace: string): string {
  assert.equal(text.split(find).length, 2, `expected exactly one "${find}" in the preset`);
  return text.replace(find, replace);
}

/** The 1-based line of the only line containing `needle`. */
function lineOf(text: string, needle: string): number {
  const lines = text.split('\n');
  const matches = lines.flatMap((line, index) => (line.includes(needle) ? [index + 1] : []));
  assert.equal(matches.length, 1, `expected exactly one line containing "${needle}"`);
  return matches[0]!;
}

function issuesOf(text: string, format: 'yaml' | 'json' = 'yaml'): PolicyIssue[] {
  try {
    parsePolicy(text, format, 'policy.yaml');
  } catch (error) {
    assert.ok(error instanceof PolicyError, `expected a PolicyError, got ${String(error)}`);
    assert.equal(error.code, 'policy.invalid');
    return error.issues;
  }
  assert.fail('expected the policy to be rejected');
}

function onlyIssue(text: string, format: 'yaml' | 'json' = 'yaml'): PolicyIssue {
  const issues = issuesOf(text, format);
  assert.equal(issues.length, 1, `expected one issue, got:\n${formatPolicyIssues(issues, 'policy.yaml')}`);
  return issues[0]!;
}

describe('parsePolicy: valid input', () => {
  it('parses a preset text and returns a deeply frozen policy', () => {
    const policy = parsePolicy(quandaYaml, 'yaml', 'quanda.yaml');
    assert.equal(policy.id, 'quanda');
    assert.ok(Object.isFrozen(policy));
    assert.ok(Object.isFrozen(policy.plans[0]!.features));
    assert.throws(() => {
      (policy.trial as { days: number }).days = 30;
    }, TypeError);
  });

  it('accepts the same policy as JSON', () => {
    const json = JSON.stringify(loadPreset('quanda'), null, 2);
    const policy = parsePolicy(json, 'json', 'quanda.json');
    assert.equal(policyHash(policy), policyHash(loadPreset('quanda')));
  });
});

describe('parsePolicy: precise issues', () => {
  it('reports a wrong type with path, expected, found and line', () => {
    const text = edit(quandaYaml, 'days: 14 # QU-BIL-01, art. 2.4, 8.6', 'days: "14" # QU-BIL-01');
    assert.deepEqual(onlyIssue(text), {
      path: 'trial.days',
      expected: 'a number',
      found: 'text "14"',
      message: 'trial.days: expected a number, found text "14"',
      line: lineOf(text, 'days: "14"'),
    });
  });

  it('reports an unknown key and suggests the key that was meant', () => {
    const text = edit(
      quandaYaml,
      '  requirePhone: false',
      '  requirePhon: false # typo\n  requirePhone: false',
    );
    const issue = onlyIssue(text);
    assert.equal(issue.path, 'registration.requirePhon');
    assert.equal(issue.expected, 'a known key of registration (did you mean "requirePhone"?)');
    assert.equal(issue.found, 'unknown key "requirePhon"');
    assert.equal(issue.line, lineOf(text, 'requirePhon: false # typo'));
  });

  it('reports a missing required field at the line of its parent', () => {
    const text = edit(quandaYaml, '  requirePhone: false # default (seed silent)\n', '');
    const issue = onlyIssue(text);
    assert.equal(issue.path, 'registration.requirePhone');
    assert.equal(issue.expected, 'true or false');
    assert.equal(issue.found, 'nothing (the key is missing)');
    assert.equal(issue.line, lineOf(text, 'registration:'));
  });

  it('reports negative days', () => {
    const text = edit(quandaYaml, 'blockAfterOverdueDays: 5 ', 'blockAfterOverdueDays: -5 ');
    const issue = onlyIssue(text);
    assert.equal(issue.path, 'dunning.blockAfterOverdueDays');
    assert.equal(issue.expected, 'a number ≥ 0');
    assert.equal(issue.found, 'number -5');
    assert.equal(issue.line, lineOf(text, 'blockAfterOverdueDays: -5'));
  });

  it('reports fractional days as not a whole number', () => {
    const text = edit(quandaYaml, 'paymentTermsDays: 14 ', 'paymentTermsDays: 14.5 ');
    const issue = onlyIssue(text);
    assert.equal(issue.path, 'billing.paymentTermsDays');
    assert.equal(issue.expected, 'a whole number or null');
    assert.equal(issue.found, 'number 14.5');
  });

  it('reports an unknown currency as a price key, with the full path', () => {
    const text = edit(quandaYaml, 'monthly: { CZK: "590.00" }', 'monthly: { CZX: "590.00" }');
    const [unknown, missing] = issuesOf(text);
    assert.deepEqual(unknown, {
      path: 'plans[4].prices.monthly.CZX',
      expected: 'an ISO 4217 currency code like "PLN" as the key',
      found: 'key "CZX"',
      message:
        'plans[4].prices.monthly.CZX: expected an ISO 4217 currency code like "PLN" as the key, found key "CZX"',
      line: lineOf(text, 'CZX: "590.00"'),
    });
    assert.equal(missing?.path, 'plans[4].prices.monthly.CZK');
    assert.equal(missing?.expected, 'a price in the policy currency CZK');
  });

  it('reports an unknown currency in a money value', () => {
    const text = edit(
      quandaYaml,
      'withdrawal: { amount: "100.00", currency: CZK }',
      'withdrawal: { amount: "100.00", currency: KCS }',
    );
    const issue = onlyIssue(text);
    assert.equal(issue.path, 'billing.handlingFees.withdrawal.currency');
    assert.equal(issue.expected, 'an ISO 4217 currency code like "PLN"');
    assert.equal(issue.found, 'text "KCS"');
  });

  it('reports money that is not in whole minor units', () => {
    const text = edit(
      quandaYaml,
      'withdrawal: { amount: "100.00", currency: CZK }',
      'withdrawal: { amount: "100.005", currency: CZK }',
    );
    const issue = onlyIssue(text);
    assert.equal(issue.path, 'billing.handlingFees.withdrawal.amount');
    assert.equal(issue.expected, 'an amount in whole CZK minor units (at most 2 decimal places)');
    assert.equal(issue.found, 'text "100.005"');
  });

  it('reports an unquoted price (a float) as not a decimal string', () => {
    const text = edit(quandaYaml, 'annual: { CZK: "2900.00" }', 'annual: { CZK: 2900.00 }');
    const issue = onlyIssue(text);
    assert.equal(issue.path, 'plans[3].prices.annual.CZK');
    assert.equal(issue.expected, 'text');
    assert.equal(issue.found, 'number 2900');
  });

  it('reports a value outside an enum with the allowed values', () => {
    const text = edit(quandaYaml, 'businessCalendar: CZ ', 'businessCalendar: SK ');
    const issue = onlyIssue(text);
    assert.equal(issue.path, 'locale.businessCalendar');
    assert.equal(issue.expected, 'one of "PL" | "CZ" | "none"');
    assert.equal(issue.found, 'text "SK"');
  });

  it('reports an invalid time zone and an invalid date', () => {
    let text = edit(quandaYaml, 'timeZone: Europe/Prague', 'timeZone: Europe/Praha');
    text = edit(
      text,
      'effectiveFrom: "2024-01-01" # default (seed silent): the seed carries no date',
      'effectiveFrom: "2024-02-30"',
    );
    const issues = issuesOf(text);
    assert.deepEqual(
      issues.map((issue) => [issue.path, issue.expected]),
      [
        ['locale.timeZone', 'an IANA time zone like "Europe/Warsaw"'],
        ['documents[0].effectiveFrom', 'a date written YYYY-MM-DD'],
      ],
    );
  });

  it('reports every structural issue at once, in line order', () => {
    let text = edit(quandaYaml, 'hardDeleteAfterOverdueDays: 120', 'hardDeleteAfterOverdueDays: many');
    text = edit(text, 'days: 14 # QU-BIL-01, art. 2.4, 8.6', 'days: -14');
    const issues = issuesOf(text);
    assert.deepEqual(
      issues.map((issue) => issue.path),
      ['trial.days', 'dunning.hardDeleteAfterOverdueDays'],
    );
    assert.ok(issues[0]!.line! < issues[1]!.line!);
  });
});

describe('parsePolicy: cross-field checks', () => {
  it('QU BIL 01: a trial plan code must name a plan', () => {
    const text = edit(quandaYaml, 'planCode: trial # QU-BIL-01', 'planCode: trail');
    const issue = onlyIssue(text);
    assert.equal(issue.path, 'trial.planCode');
    assert.equal(
      issue.expected,
      'a plan code defined in plans (trial, trial_ended, free, start, professional_200, professional_500)',
    );
    assert.equal(issue.found, 'text "trail"');
    assert.equal(issue.line, lineOf(text, 'planCode: trail'));
  });

  it('QU BIL 01: the plan after the trial must be a trial_ended or free plan', () => {
    const text = edit(quandaYaml, 'afterTrialPlanCode: trial_ended', 'afterTrialPlanCode: start');
    assert.equal(onlyIssue(text).expected, 'a plan of kind "trial_ended" or "free" (plan "start" is paid)');
  });

  it('CM ACC 04: a free plan needs a finite period when free accounts are time-limited', () => {
    const text = edit(clickmeetingYaml, '    freePeriodDays: 30', '    # freePeriodDays removed');
    const issue = onlyIssue(text);
    assert.equal(issue.path, 'plans[0].freePeriodDays');
    assert.equal(issue.expected, 'a finite number of days (freePlans.timeLimited is true)');
    assert.equal(issue.found, 'nothing (the key is missing)');
  });

  it('QU ACC 08: a paid-only feature cannot be on a trial plan', () => {
    const text = edit(
      quandaYaml,
      'features: [crm, surveys, email_campaigns, transactional_emails, active_forms, lead_scoring] # QU-BIL-01, QU-ACC-08',
      'features: [crm, surveys, email_campaigns, transactional_emails, active_forms, lead_scoring, branding_removal]',
    );
    const issues = issuesOf(text);
    assert.deepEqual(
      issues.map((issue) => [issue.path, issue.expected]),
      [
        ['plans[0].features[6]', 'a feature allowed on a trial plan ("branding_removal" is paid-only)'],
        [
          'plans[0].features',
          'the features and limits of plan "professional_200" (scopeOf), less paid-only features',
        ],
      ],
    );
  });

  it('features and limits must be declared in entitlements', () => {
    let text = edit(quandaYaml, 'features: [crm] # default', 'features: [crm, telepathy] # default');
    text = edit(
      text,
      'limits: { contacts: 100, emails_per_month: 0, users: 1 }',
      'limits: { contacts: 100, emails_per_month: 0, users: 1, seats: 2 }',
    );
    assert.deepEqual(
      issuesOf(text).map((issue) => issue.path),
      ['plans[1].features[1]', 'plans[2].limits.seats'],
    );
  });

  it('the default language must be one of the languages', () => {
    const text = edit(quandaYaml, 'languages: [pl, en]', 'languages: [en]');
    const issue = onlyIssue(text);
    assert.equal(issue.path, 'locale.defaultLanguage');
    assert.equal(issue.expected, 'one of locale.languages (en)');
    assert.equal(issue.found, 'text "pl"');
  });

  it('paid plans must be priced in the policy currency', () => {
    const text = edit(quandaYaml, 'monthly: { CZK: "590.00" }', 'monthly: { EUR: "23.00" }');
    const issue = onlyIssue(text);
    assert.equal(issue.path, 'plans[4].prices.monthly.CZK');
    assert.equal(issue.expected, 'a price in the policy currency CZK');
  });

  it('QU LIF 02/03: the dunning ladder must increase and match the written-agreement window', () => {
    const text = edit(quandaYaml, 'softDeleteAfterOverdueDays: 60', 'softDeleteAfterOverdueDays: 130');
    assert.deepEqual(
      issuesOf(text).map((issue) => [issue.path, issue.expected]),
      [
        ['dunning.hardDeleteAfterOverdueDays', 'more than softDeleteAfterOverdueDays (130)'],
        ['restore.writtenAgreementWindow.fromOverdueDays', 'dunning.softDeleteAfterOverdueDays (130)'],
      ],
    );
  });

  it('QU ACC 03: a contract concluded after activation needs an activation link', () => {
    const text = edit(
      quandaYaml,
      'activationLink: { required: true, validHours: 72 }',
      'activationLink: { required: false, validHours: 72 }',
    );
    const issue = onlyIssue(text);
    assert.equal(issue.path, 'registration.activationLink.required');
    assert.equal(issue.expected, 'true (the contract is concluded at "first_login_after_activation")');
  });

  it('sub-processors outside the EEA need adequacy or standard contractual clauses', () => {
    const text = edit(
      quandaYaml,
      'safeguard: scc # default (seed silent): standard contractual clauses',
      'safeguard: eea',
    );
    const issue = onlyIssue(text);
    assert.equal(issue.path, 'processor.subProcessors[1].safeguard');
    assert.equal(issue.expected, '"adequacy" or "scc" for a transfer to US (outside the EEA)');
  });
});

describe('parsePolicy: syntax errors', () => {
  it('reports bad YAML with its line', () => {
    const text = edit(quandaYaml, 'name: Quanda # QU art. 1.1', 'name: Quanda\n  - broken: [');
    const issues = issuesOf(text);
    assert.ok(issues.length >= 1);
    assert.equal(issues[0]!.path, '');
    assert.equal(issues[0]!.expected, 'valid YAML');
    assert.equal(
      issues[0]!.line,
      lineOf(text, '- broken: [') - 1,
      'the line of the key whose value is broken',
    );
  });

  it('reports a duplicated YAML key', () => {
    const text = edit(
      quandaYaml,
      'version: "1.0" # default (seed silent): the policy\'s',
      'version: "2.0"\nversion: "1.0" # default (seed silent): the policy\'s',
    );
    const issue = onlyIssue(text);
    assert.equal(issue.expected, 'valid YAML');
    assert.equal(issue.found, 'Map keys must be unique');
    assert.equal(issue.line, lineOf(text, 'version: "1.0" # default (seed silent): the policy\'s'));
  });

  it('reports bad JSON with its line', () => {
    const json = JSON.stringify(loadPreset('bookero'), null, 2).replace(
      '"version": "1.0",',
      '"version": "1.0",,',
    );
    const issue = onlyIssue(json, 'json');
    assert.equal(issue.expected, 'valid JSON');
    assert.equal(issue.line, lineOf(json, '"version": "1.0",,'));
  });

  it('locates JSON validation issues by line', () => {
    const json = JSON.stringify(loadPreset('bookero'), null, 2).replace(
      '"requirePhone": true',
      '"requirePhone": "yes"',
    );
    const issue = onlyIssue(json, 'json');
    assert.equal(issue.path, 'registration.requirePhone');
    assert.equal(issue.found, 'text "yes"');
    assert.equal(issue.line, lineOf(json, '"requirePhone": "yes"'));
  });

  it('reports an empty document', () => {
    const issue = onlyIssue('');
    assert.equal(issue.path, '');
    assert.equal(issue.expected, 'a mapping');
  });
});

describe('formatPolicyIssues', () => {
  it('prints one line per issue: file:line  path  expected X, found Y', () => {
    const text = edit(quandaYaml, 'blockAfterOverdueDays: 5 ', 'blockAfterOverdueDays: -5 ');
    const line = lineOf(text, 'blockAfterOverdueDays: -5');
    assert.equal(
      formatPolicyIssues(issuesOf(text), 'quanda.yaml'),
      `quanda.yaml:${line}  dunning.blockAfterOverdueDays  expected a number ≥ 0, found number -5`,
    );
  });

  it('prints "(document)" for whole-document issues and omits a missing line', () => {
    assert.equal(
      formatPolicyIssues([{ path: '', expected: 'a mapping', found: 'null', message: 'x' }], 'p.json'),
      'p.json  (document)  expected a mapping, found null',
    );
  });
});

describe('loading files and presets', () => {
  const dir = mkdtempSync(join(tmpdir(), 'klauzula-policy-'));

  it('loads .yaml and .json files', () => {
    const yamlPath = join(dir, 'quanda.yaml');
    const jsonPath = join(dir, 'quanda.json');
    writeFileSync(yamlPath, quandaYaml);
    writeFileSync(jsonPath, JSON.stringify(loadPreset('quanda')));
    assert.equal(policyHash(loadPolicyFile(yamlPath)), policyHash(loadPolicyFile(jsonPath)));
  });

  it('reports an unreadable file', () => {
    assert.throws(
      () => loadPolicyFile(join(dir, 'missing.yaml')),
      (error: unknown) =>
        error instanceof PolicyError &&
        error.code === 'policy.unreadable' &&
        error.issues[0]!.found === 'ENOENT',
    );
  });

  it('refuses an unknown preset name', () => {
    assert.throws(
      () => loadPreset('zoom'),
      (error: unknown) =>
        error instanceof PolicyError &&
        error.code === 'policy.preset_not_found' &&
        error.issues[0]!.expected ===
          'a preset name (clickmeeting, quanda, myownconference, hosttracker, bookero)',
    );
  });

  it('checkPolicyFile: a valid file gives the policy and a summary', () => {
    const path = join(dir, 'ok.yaml');
    writeFileSync(path, clickmeetingYaml);
    const result = checkPolicyFile(path);
    assert.ok(result.ok);
    assert.equal(result.policy.id, 'clickmeeting');
    assert.match(result.summary, /policy "clickmeeting" version 1\.0 is valid/);
  });

  it('checkPolicyFile: an invalid file gives a report, one line per problem and a count', () => {
    const path = join(dir, 'bad.yaml');
    let text = edit(quandaYaml, 'blockAfterOverdueDays: 5 ', 'blockAfterOverdueDays: -5 ');
    text = edit(text, '  requirePhone: false', '  requirePhon: false');
    writeFileSync(path, text);
    const result = checkPolicyFile(path);
    assert.ok(!result.ok);
    assert.deepEqual(result.report.split('\n'), [
      `${path}:${lineOf(text, 'registration:')}  registration.requirePhone  expected true or false, found nothing (the key is missing)`,
      `${path}:${lineOf(text, 'requirePhon:')}  registration.requirePhon  expected a known key of registration (did you mean "requirePhone"?), found unknown key "requirePhon"`,
      `${path}:${lineOf(text, 'blockAfterOverdueDays: -5')}  dunning.blockAfterOverdueDays  expected a number ≥ 0, found number -5`,
      `3 problems in ${path}`,
    ]);
  });

  it('checkPolicyFile: a missing file is a report, not a crash', () => {
    const result = checkPolicyFile(join(dir, 'nope.yaml'));
    assert.ok(!result.ok);
    assert.match(
      result.report,
      /nope\.yaml {2}\(document\) {2}expected a readable policy file, found ENOENT/,
    );
  });
});

describe('policyHash', () => {
  it('ignores comments, formatting and key order, and changes with any value', () => {
    const base = policyHash(parsePolicy(quandaYaml, 'yaml', 'a'));
    const withoutComments = quandaYaml.replace(/ {2}# .*$/gm, '');
    assert.equal(policyHash(parsePolicy(withoutComments, 'yaml', 'b')), base);
    const reordered = `${edit(quandaYaml, 'id: quanda # preset id (catalog/quanda.md)\n', '')}\nid: quanda\n`;
    assert.equal(policyHash(parsePolicy(reordered, 'yaml', 'c')), base);
    const changed = edit(quandaYaml, 'days: 14 # QU-BIL-01, art. 2.4, 8.6', 'days: 15');
    assert.notEqual(policyHash(parsePolicy(changed, 'yaml', 'd')), base);
    assert.match(base, /^[0-9a-f]{64}$/);
  });
});

/**
 * Errors of the policy module. A policy that cannot be read or does not validate raises one
 * `PolicyError` carrying every issue found, each with the exact path, what was expected, what was found
 * and, when the source text is known, the line.
 */
import { AppError, defineErrors } from '../platform/errors.ts';

export const policyErrors = defineErrors({
  'policy.invalid': {
    status: 422,
    en: 'The policy is invalid: {count} problem(s).',
    pl: 'Polityka jest nieprawidłowa: liczba problemów {count}.',
  },
  'policy.unreadable': {
    status: 400,
    en: 'The policy file cannot be read.',
    pl: 'Nie można odczytać pliku polityki.',
  },
  'policy.preset_not_found': {
    status: 404,
    en: 'There is no such policy preset.',
    pl: 'Nie ma takiego szablonu polityki.',
  },
});

export type PolicyErrorCode = keyof typeof policyErrors;

export type PolicyIssue = {
  /** Where in the policy, e.g. `plans[2].prices.monthly.PLN`; '' for the document as a whole. */
  path: string;
  expected: string;
  found: string;
  message: string;
  line?: number;
};

export class PolicyError extends AppError {
  readonly source: string;
  readonly issues: PolicyIssue[];

  constructor(code: PolicyErrorCode, source: string, issues: PolicyIssue[]) {
    const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
    super(code, {
      message: `${source}: ${count} in the policy\n${formatPolicyIssues(issues, source)}`,
      details: { source, count: issues.length, issues },
    });
    this.name = 'PolicyError';
    this.source = source;
    this.issues = issues;
  }
}

/** One line per issue: `file:line  path  expected X, found Y`. */
export function formatPolicyIssues(issues: readonly PolicyIssue[], source: string): string {
  return issues
    .map((issue) => {
      const where = issue.line === undefined ? source : `${source}:${issue.line}`;
      return `${where}  ${issue.path === '' ? '(document)' : issue.path}  expected ${issue.expected}, found ${issue.found}`;
    })
    .join('\n');
}

import { loadPolicyFile } from './load-policy.ts';
import { formatPolicyIssues, PolicyError } from './policy-errors.ts';
import { policyHash } from './policy-hash.ts';
import type { Policy } from './policy-schema.ts';

export type PolicyCheck = { ok: true; policy: Policy; summary: string } | { ok: false; report: string };

/**
 * Validates a policy file for `klauzula policy check FILE`. Never throws for a bad policy: the report
 * lists one line per problem (`file:line  path  expected X, found Y`) and ends with a count. Errors that
 * are not about the policy (bugs) still throw.
 */
export function checkPolicyFile(path: string): PolicyCheck {
  try {
    const policy = loadPolicyFile(path);
    const summary =
      `${path}: policy "${policy.id}" version ${policy.version} is valid ` +
      `(${policy.plans.length} plans, ${policy.documents.length} documents, sha256 ${policyHash(policy).slice(0, 12)})`;
    return { ok: true, policy, summary };
  } catch (error) {
    if (!(error instanceof PolicyError)) throw error;
    const count = error.issues.length === 1 ? '1 problem' : `${error.issues.length} problems`;
    return { ok: false, report: `${formatPolicyIssues(error.issues, path)}\n${count} in ${path}` };
  }
}

import { canonicalJson } from '../platform/canonical-json.ts';
import { sha256Hex } from '../platform/ids.ts';
import type { Policy } from './policy-schema.ts';

/**
 * The version fingerprint of a policy: sha256 (hex) of its canonical JSON (keys sorted at every level).
 * Comments, key order and formatting of the source file do not change it; any value does. Stored with the
 * policy version every account's contract runs under, so evidence names the exact rules that applied.
 */
export function policyHash(policy: Policy): string {
  return sha256Hex(canonicalJson(policy));
}

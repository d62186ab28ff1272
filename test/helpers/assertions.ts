import assert from 'node:assert/strict';
import { AppError } from '../../src/platform/errors.ts';

/**
 * For `assert.throws`/`assert.rejects`: the error is an AppError with `code`, whose details include each of
 * `details` (deep-equal), and which passes `check` if given.
 */
export function expectAppError(
  code: string,
  details: Record<string, unknown> = {},
  check: (error: AppError) => void = () => {},
) {
  return (error: unknown) => {
    assert.ok(error instanceof AppError, `expected an AppError, got ${String(error)}`);
    assert.equal(error.code, code);
    for (const [key, value] of Object.entries(details)) assert.deepEqual(error.details?.[key], value, key);
    check(error);
    return true;
  };
}

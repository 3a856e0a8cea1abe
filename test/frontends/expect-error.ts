import assert from 'node:assert/strict';
import { isNccError, type ErrorCode, type NccError } from '../../src/errors.js';

/** Runs f, which must throw an NccError with one of `codes`; returns it for further checks. */
export function expectNccError(
  f: () => unknown,
  codes: ErrorCode | readonly ErrorCode[],
  what = '',
): NccError {
  const allowed = typeof codes === 'string' ? [codes] : codes;
  try {
    f();
  } catch (e) {
    if (!isNccError(e)) {
      assert.fail(
        `${what}: expected NccError ${allowed.join('|')}, got ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
      );
    }
    assert.ok(
      allowed.includes(e.code),
      `${what}: expected ${allowed.join('|')}, got ${e.code}: ${e.message}`,
    );
    return e;
  }
  return assert.fail(`${what}: expected NccError ${allowed.join('|')}, nothing was thrown`);
}

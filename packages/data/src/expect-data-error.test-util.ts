import { expect } from 'vitest';
import { DataError } from '@autonas/core';

/** Runs `fn`, expects a {@link DataError} with `code` whose message matches every fragment, and returns it. */
export function expectDataError(fn: () => unknown, code: string, ...fragments: (string | RegExp)[]): DataError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(DataError);
  const err = caught as DataError;
  expect(err.code).toBe(code);
  for (const f of fragments) expect(err.message).toMatch(f);
  return err;
}

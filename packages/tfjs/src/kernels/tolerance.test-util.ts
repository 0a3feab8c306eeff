import { expect } from 'vitest';

/** Absolute and relative tolerance of the kernel tests: |a − e| ≤ ABS + REL·|e| elementwise. */
export const ABS = 1e-4;
export const REL = 1e-4;

/**
 * The worst elementwise violation of the tolerance, as a multiple of it (≤ 1 means within).
 * Equal values, NaN against NaN and equal infinities count as exact.
 */
export function worstViolation(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    if (Object.is(actual[i], expected[i]) || actual[i] === expected[i]) continue;
    const err = Math.abs(actual[i]! - expected[i]!) / (ABS + REL * Math.abs(expected[i]!));
    if (!(err <= worst)) worst = Number.isNaN(err) ? Infinity : err;
  }
  return worst;
}

import { expect } from 'vitest';
import type { ConformanceCheck } from './conformance-check.js';

/** Runs every check and returns the names of those that failed, with their first message line. */
export async function failures(checks: readonly ConformanceCheck[]): Promise<Map<string, string>> {
  const failed = new Map<string, string>();
  for (const check of checks) {
    try {
      await check.run();
    } catch (e) {
      failed.set(check.name, String((e as Error)?.message ?? e).split('\n')[0]!);
    }
  }
  return failed;
}

/**
 * Asserts that a check matching `named` fails and no other does: a broken fixture is caught by
 * the check written for it and passes the rest. Returns the failures, by check name.
 */
export async function expectCaughtOnlyBy(checks: readonly ConformanceCheck[], named: RegExp): Promise<Map<string, string>> {
  expect(checks.some((c) => named.test(c.name)), `a check matches ${named}`).toBe(true);
  const failed = await failures(checks);
  const names = [...failed.keys()];
  const detail = [...failed].map(([k, v]) => `${k}: ${v}`).join(' | ') || 'none';
  expect(names.some((n) => named.test(n)), `${named} catches it (failing: ${detail})`).toBe(true);
  expect(names.filter((n) => !named.test(n)), `other checks fail too (${detail})`).toEqual([]);
  return failed;
}

/** Asserts that a check matching `named` fails (others may too, where the fault shows in them as well). */
export async function expectCaughtBy(checks: readonly ConformanceCheck[], named: RegExp): Promise<Map<string, string>> {
  expect(checks.some((c) => named.test(c.name)), `a check matches ${named}`).toBe(true);
  const failed = await failures(checks);
  const detail = [...failed].map(([k, v]) => `${k}: ${v}`).join(' | ') || 'none';
  expect([...failed.keys()].some((n) => named.test(n)), `${named} catches it (failing: ${detail})`).toBe(true);
  return failed;
}

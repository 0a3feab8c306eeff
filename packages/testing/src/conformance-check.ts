import { describe, it } from 'vitest';
import { AutonasError } from '@autonas/core';

/**
 * One check of a conformance suite (strategies, spaces, estimators, stores): `run` rejects with an
 * assertion error when the subject fails it.
 */
export interface ConformanceCheck {
  readonly name: string;
  run(): Promise<void>;
  /** Milliseconds. */
  readonly timeout: number;
}

/** Registers `checks` as one vitest `describe` block titled `title`, one `it` per check. */
export function describeChecks(title: string, checks: readonly ConformanceCheck[]): void {
  describe(title, () => {
    for (const check of checks) it(check.name, check.run, check.timeout);
  });
}

/** A signal aborted (with a `SEARCH_STOPPED` reason, as an engine's) `ms` milliseconds from now; 0: already aborted. */
export function abortingSignal(ms: number): AbortSignal {
  const ctl = new AbortController();
  const reason = new AutonasError('SEARCH_STOPPED', 'search stopped: conformance abort');
  if (ms === 0) ctl.abort(reason);
  else setTimeout(() => ctl.abort(reason), ms);
  return ctl.signal;
}

/** Collects checks: `add(name, run)` with the suite's timeout. */
export function checkList(timeout: number): { checks: ConformanceCheck[]; add(name: string, run: () => Promise<void>, ms?: number): void } {
  const checks: ConformanceCheck[] = [];
  return { checks, add: (name, run, ms = timeout) => void checks.push({ name, run, timeout: ms }) };
}

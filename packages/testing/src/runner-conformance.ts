import { expect } from 'vitest';
import { AutonasError, type Architecture, type EstimatorSpec, type RunnerEstimator } from '@autonas/core';
import { abortingSignal, checkList, describeChecks, type ConformanceCheck } from './conformance-check.js';
import { estimateOnce, type EstimateRun } from './estimator-conformance.js';
import { GridSpace } from './grid-space.js';

/** Options of {@link runnerConformance}. */
export interface RunnerConformanceOptions {
  /** Shown in the test names. */
  readonly name: string;
  /**
   * A fresh runner for the trials of `spec` (not started: the checks call `start`). Called once or
   * more per check; each call must give an independent runner (for a queue, one whose jobs cannot
   * be mistaken for another runner's).
   */
  create(spec: EstimatorSpec): RunnerEstimator | Promise<RunnerEstimator>;
  /**
   * The module the runner's processes import for the checks' estimator: one that exports
   * `sleepEstimator` and `notAFactory` as `@autonas/testing/sleep-estimator` does (an absolute
   * path, or a name the processes can resolve).
   */
  readonly sleepModule: string;
  /**
   * The crash check: a trial whose process is killed mid-trial (`sleepEstimator`'s `crashOn`)
   * settles, rejected or rerun elsewhere, within `withinMs`, and the runner then scores the next
   * trial. Leave it out for runners whose processes are not theirs to restart (a queue's workers).
   */
  readonly crash?: { readonly withinMs?: number };
  /** Milliseconds an aborted trial may take to settle (default 5000: a message to another process and back). */
  readonly abortWithinMs?: number;
  /** Milliseconds each sleeping trial takes (default 600: long enough for trials to overlap on a loaded machine). */
  readonly trialMs?: number;
  /** Per-check timeout in milliseconds (default 60 000). */
  readonly timeout?: number;
}

/** The 3 × 3 grid the checks' trials come from; a trial scores the sum of its two decisions. */
const space = new GridSpace({ a: [1, 2, 3], b: [1, 2, 3] });
const arch = (a: number, b: number): Architecture => space.build({ 'grid/a': a, 'grid/b': b });
/** Trial ids unique across every check of the process, so a queue never mistakes one check's job for another's. */
let nextTrialId = 1;

/**
 * Registers the runner conformance suite (vitest `describe`/`it`) for one runner: our worker-pool
 * and BullMQ runners run it, and so can a third-party one. It checks what {@link RunnerEstimator}
 * promises, with `sleepEstimator` trials (from `sleepModule`) built in the runner's processes:
 * - it starts, has a name and a positive integer `concurrency`, and disposes;
 * - it scores each trial as the spec's estimator scores it in-process, forwards its epoch reports
 *   (none after a trial settled) and gives the estimator the trial's parent (`ctx.parent`);
 * - `concurrency` trials started together run at the same time (their sleeps overlap);
 * - a trial whose estimator throws rejects with that error's message, and the next trial scores;
 * - an aborted trial (before or while it runs) settles within `abortWithinMs`, and the next scores;
 * - a spec it cannot build (an export that is not a function) is refused, by `start` or by the
 *   trial, with an error naming the export, within the check's timeout;
 * - with `crash`: a trial whose process dies settles, and the runner then scores the next trial.
 *
 * @example
 * ```ts
 * import { createRequire } from 'node:module';
 * import { workerPool } from '@autonas/runner-workers';
 * import { runnerConformance } from '@autonas/testing/conformance';
 * // In a *.spec.ts file:
 * runnerConformance({
 *   name: 'worker pool',
 *   create: (estimator) => workerPool({ workers: 2, estimator }),
 *   sleepModule: createRequire(import.meta.url).resolve('@autonas/testing/sleep-estimator'),
 *   crash: {},
 * });
 * ```
 */
export function runnerConformance(options: RunnerConformanceOptions): void {
  describeChecks(`runner conformance: ${options.name}`, runnerChecks(options));
}

/**
 * The checks of {@link runnerConformance} as plain async functions, for running them outside
 * `describe` (for example to show that a broken runner fails them).
 *
 * @example
 * ```ts
 * import type { RunnerEstimator } from '@autonas/core';
 * import { runnerChecks } from '@autonas/testing/conformance';
 * declare const myRunner: () => RunnerEstimator;
 * const checks = runnerChecks({ name: 'mine', create: () => myRunner(), sleepModule: '/abs/path/sleep-estimator.js' });
 * for (const check of checks) await check.run();
 * ```
 */
export function runnerChecks(options: RunnerConformanceOptions): ConformanceCheck[] {
  const { checks, add } = checkList(options.timeout ?? 60_000);
  const ms = options.trialMs ?? 600;
  const abortWithinMs = options.abortWithinMs ?? 5000;
  const spec = (over: Record<string, unknown> = {}, exportName = 'sleepEstimator'): EstimatorSpec => ({ module: options.sleepModule, export: exportName, options: { ms, ...over } });
  const withRunner = async <T>(s: EstimatorSpec, f: (r: RunnerEstimator) => Promise<T>, start = true): Promise<T> => {
    const r = await options.create(s);
    try {
      if (start) await r.start();
      return await f(r);
    } finally {
      await r.dispose();
    }
  };
  const run = (r: RunnerEstimator, a: Architecture, extra: { signal?: AbortSignal; waitMs?: number } = {}) => estimateOnce(r, a, { seed: 1, trialId: nextTrialId++, ...extra });
  const scored = (got: EstimateRun, a: Architecture, what: string): void => {
    if (got.error !== undefined) throw new Error(`${what} rejected: ${(got.error as Error)?.message ?? String(got.error)}`, { cause: got.error });
    expect(got.settled, `${what} settled`).toBe(true);
    const expected = Number(a.decisions!['grid/a']) + Number(a.decisions!['grid/b']);
    expect(got.estimate?.score, `${what}: the score the spec's estimator gives in-process`).toBe(expected);
  };

  add('starts, has a name and a positive integer concurrency, scores trials as the estimator does in-process, forwards their reports and their parent trial, and disposes', async () => {
    await withRunner(spec(), async (r) => {
      expect(typeof r.name === 'string' && r.name.length > 0, 'the runner has a name').toBe(true);
      expect(Number.isInteger(r.concurrency) && r.concurrency >= 1, `concurrency ${r.concurrency} is a positive integer`).toBe(true);
      await r.start(); // a second start is harmless
      for (const [a, b] of [[1, 3], [3, 2]] as const) {
        const got = await run(r, arch(a, b));
        scored(got, arch(a, b), `the trial a=${a} b=${b}`);
        expect(got.reports.map((m) => [m.epoch, m.score]), 'its epoch report, forwarded').toEqual([[0, a + b]]);
        expect(got.lateReports, 'reports after the trial settled').toEqual([]);
      }
      // The parent trial the engine hands a trial (ctx.parent) reaches the estimator where it runs.
      const parent = { id: 41, architecture: arch(1, 1), hash: 'parent-hash', status: 'completed' as const, score: 2, metrics: { valAccuracy: 0.5 }, epochs: [], startedAt: 0 };
      const child = await r.estimate(arch(2, 1), { trialId: nextTrialId++, seed: 1, signal: new AbortController().signal, report: () => {}, parent });
      expect(child.metrics.parent, 'the estimator in the runner got ctx.parent').toBe(41);
    });
  });

  add('runs `concurrency` trials at once: trials started together overlap in time', async () => {
    await withRunner(spec(), async (r) => {
      const n = Math.min(r.concurrency, 3);
      if (n < 2) return;
      const archs = Array.from({ length: n }, (_, i) => arch(i + 1, 1));
      const runs = await Promise.all(archs.map((a) => run(r, a)));
      runs.forEach((got, i) => scored(got, archs[i]!, `trial ${i}`));
      const windows = runs.map((got) => [got.estimate!.metrics.start!, got.estimate!.metrics.end!] as const);
      const latestStart = Math.max(...windows.map((w) => w[0]));
      const earliestEnd = Math.min(...windows.map((w) => w[1]));
      expect(latestStart, `all ${n} trials were running at once (the last started at +${latestStart - Math.min(...windows.map((w) => w[0]))} ms, before the first ended)`).toBeLessThan(earliestEnd);
    });
  });

  add('a trial whose estimator throws rejects with its message, and the next trial scores', async () => {
    const message = 'runner conformance: this trial fails on purpose';
    await withRunner(spec({ failOn: 2, failMessage: message }), async (r) => {
      const failed = await run(r, arch(2, 1));
      expect(failed.settled, 'the failing trial settled').toBe(true);
      expect(failed.error, `the failing trial rejected (it resolved ${JSON.stringify(failed.estimate?.score)})`).toBeDefined();
      expect(String((failed.error as Error)?.message ?? failed.error), 'the rejection carries the estimator\'s message').toContain(message);
      scored(await run(r, arch(3, 3)), arch(3, 3), 'the trial after the failure');
    });
  });

  add(`honours an aborted signal: settles within ${abortWithinMs} ms of the abort, before or while a trial runs, and the next trial scores`, async () => {
    await withRunner(spec({ ms: Math.max(ms, 1) * 20 }), async (r) => {
      for (const afterMs of [0, Math.min(ms, 300)]) {
        const t0 = performance.now();
        const got = await run(r, arch(1, 2), { signal: abortingSignal(afterMs), waitMs: afterMs + abortWithinMs });
        expect(got.settled, `aborted ${afterMs === 0 ? 'before it started' : `after ${afterMs} ms`}, the trial was still running ${Math.round(performance.now() - t0 - afterMs)} ms after the abort`).toBe(true);
        if (got.error === undefined) expect(Number.isFinite(got.estimate?.score), 'an aborted trial that resolves has a finite (partial) score').toBe(true);
      }
    });
    await withRunner(spec(), async (r) => {
      const ctl = new AbortController();
      const first = run(r, arch(1, 1), { signal: ctl.signal });
      setTimeout(() => ctl.abort(new AutonasError('SEARCH_STOPPED', 'stopped')), Math.min(ms, 300) / 2);
      await first;
      scored(await run(r, arch(2, 2)), arch(2, 2), 'the trial after the aborted one');
    });
  });

  add('refuses a spec it cannot build, naming the export, by start or by the trial', async () => {
    const bad = spec({}, 'notAFactory');
    const r = await options.create(bad);
    try {
      let error: unknown;
      let resolved: number | undefined;
      try {
        await r.start();
        const got = await run(r, arch(1, 1));
        error = got.error;
        if (got.error === undefined) resolved = got.estimate?.score;
      } catch (e) {
        error = e;
      }
      expect(error, `a trial of a spec whose export "notAFactory" is not a function resolved ${JSON.stringify(resolved)}`).toBeDefined();
      expect(String((error as Error)?.message ?? error), 'the error names the export').toMatch(/notAFactory/);
    } finally {
      await r.dispose();
    }
  });

  if (options.crash) {
    const within = options.crash.withinMs ?? 20_000;
    add(`a trial whose process dies settles within ${within} ms, and the runner then scores the next trial`, async () => {
      await withRunner(spec({ crashOn: 3 }), async (r) => {
        const died = await run(r, arch(3, 1), { waitMs: within });
        expect(died.settled, `the trial whose process died was still unsettled after ${within} ms`).toBe(true);
        if (died.error === undefined) scored(died, arch(3, 1), 'the rerun of the trial whose process died');
        scored(await run(r, arch(1, 3)), arch(1, 3), 'the trial after the crash');
      });
    });
  }
  return checks;
}

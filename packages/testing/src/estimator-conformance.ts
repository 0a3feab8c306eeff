import { expect } from 'vitest';
import { type Architecture, type EpochMetrics, type Estimate, type EstimateContext, type PerformanceEstimator } from '@autonas/core';
import { abortingSignal, checkList, describeChecks, type ConformanceCheck } from './conformance-check.js';

/** Options of {@link estimatorConformance}. */
export interface EstimatorConformanceOptions {
  /** Shown in the test names. */
  readonly name: string;
  /** A fresh estimator. Called once or more per check (set up data once, outside, e.g. in `beforeAll`). */
  create(): PerformanceEstimator | Promise<PerformanceEstimator>;
  /** Releases what an estimator holds after each check. */
  dispose?(estimator: PerformanceEstimator): void | Promise<void>;
  /** A valid architecture the estimator can score. Every check estimates it, so keep it small. */
  readonly architecture: Architecture;
  /**
   * Epochs it reports through `ctx.report` per estimate of `architecture`. Left out, the report
   * check still requires well-formed reports (epochs 0, 1, … in order) but not how many.
   */
  readonly epochs?: number;
  /** Whether it promises the same score for the same seed (enables the determinism check). */
  readonly deterministic?: boolean;
  /**
   * The abort check: the signal is aborted before an estimate starts and `afterMs` (default 20)
   * after one started; each estimate must settle within `withinMs` (default 2000) of the abort.
   */
  readonly abort?: { readonly afterMs?: number; readonly withinMs?: number };
  /**
   * Live tensors, e.g. `() => tf.memory().numTensors` (`@autonas/testing` does not import
   * TensorFlow.js): enables the leak check.
   */
  countTensors?(): number;
  /** Per-check timeout in milliseconds (default 60 000). */
  readonly timeout?: number;
}

/** What {@link estimateOnce} returns: the outcome, the reports made before and after it settled, and how long it took. */
export interface EstimateRun {
  /** The estimate, or undefined when it rejected. */
  readonly estimate: Estimate | undefined;
  /** The rejection, when it rejected. */
  readonly error: unknown;
  /** Reports made through `ctx.report` until it settled. */
  readonly reports: readonly EpochMetrics[];
  /** Reports made after it settled (an estimator must make none). */
  readonly lateReports: readonly EpochMetrics[];
  /** Milliseconds from the call to settling (or to `waitMs`, when it had not settled by then). */
  readonly ms: number;
  /** False when it had not settled within `waitMs`. */
  readonly settled: boolean;
}

/**
 * Runs one estimate with a fresh context and records what it did: the harness the estimator
 * conformance suite uses, exported for an estimator's own tests. The artifact, if any, is
 * disposed unless `keepArtifact` is set.
 *
 * @example
 * ```ts
 * import { FunctionEstimator, GridSpace } from '@autonas/testing';
 * import { estimateOnce } from '@autonas/testing/conformance';
 * const arch = new GridSpace({ a: [1, 2] }).build({ 'grid/a': 2 });
 * const run = await estimateOnce(new FunctionEstimator((d) => Number(d['grid/a'])), arch, { seed: 1 });
 * console.log(run.estimate?.score, run.reports.length); // 2 1
 * ```
 */
export async function estimateOnce(
  estimator: PerformanceEstimator,
  architecture: Architecture,
  options: { readonly seed?: number; readonly trialId?: number; readonly signal?: AbortSignal; readonly waitMs?: number; readonly keepArtifact?: boolean } = {},
): Promise<EstimateRun> {
  const reports: EpochMetrics[] = [];
  const lateReports: EpochMetrics[] = [];
  let settled = false;
  const ctx: EstimateContext = {
    trialId: options.trialId ?? 0,
    seed: options.seed ?? 0,
    signal: options.signal ?? new AbortController().signal,
    report: (m) => (settled ? lateReports : reports).push({ ...m }),
  };
  const started = performance.now();
  let outcome: { estimate?: Estimate; error?: unknown } | undefined;
  const running = Promise.resolve()
    .then(() => estimator.estimate(architecture, ctx))
    .then(
      (estimate) => (outcome = { estimate }),
      (error: unknown) => (outcome = { error }),
    )
    .finally(() => (settled = true));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const waited = options.waitMs === undefined ? running : Promise.race([running, new Promise<void>((r) => (timer = setTimeout(r, options.waitMs)))]);
  await waited;
  clearTimeout(timer);
  const ms = performance.now() - started;
  if (!outcome) {
    // Still running: release what it returns once it does settle.
    void running.then(() => outcome?.estimate?.artifact?.dispose());
    return { estimate: undefined, error: undefined, reports, lateReports, ms, settled: false };
  }
  if (!options.keepArtifact) outcome.estimate?.artifact?.dispose();
  // A tick for reports an estimator makes after it settled.
  await new Promise((r) => setTimeout(r, 5));
  return { estimate: outcome.estimate, error: outcome.error, reports, lateReports, ms, settled: true };
}

/**
 * Registers the performance-estimator conformance suite (vitest `describe`/`it`) for one
 * estimator: our own estimators run it, and so can any third-party one. It checks what the
 * {@link PerformanceEstimator} contract promises:
 * - it has a name, and a positive integer `concurrency` if it declares one;
 * - `estimate` resolves a finite score, numeric metrics and a finite, non-negative cost;
 * - it reports epochs through `ctx.report` numbered 0, 1, … in order (exactly `epochs` of them when
 *   given), and none after it settled;
 * - it honours its `ctx.signal`: aborted before or during an estimate, it settles (a finite, maybe
 *   partial, score, or a rejection) within `abort.withinMs`;
 * - with `countTensors`: it leaves no tensors behind once its artifact is disposed, also when aborted;
 * - with `deterministic`: the same seed gives the same score, on the same instance and on a fresh one.
 *
 * @example
 * ```ts
 * import { FunctionEstimator, GridSpace } from '@autonas/testing';
 * import { estimatorConformance } from '@autonas/testing/conformance';
 * // In a *.spec.ts file:
 * estimatorConformance({
 *   name: 'function',
 *   create: () => new FunctionEstimator((d) => Number(d['grid/a'])),
 *   architecture: new GridSpace({ a: [1, 2] }).defaultArchitecture(),
 *   epochs: 1,
 *   deterministic: true,
 * });
 * ```
 */
export function estimatorConformance(options: EstimatorConformanceOptions): void {
  describeChecks(`estimator conformance: ${options.name}`, estimatorChecks(options));
}

/**
 * The checks of {@link estimatorConformance} as plain async functions, for running them outside
 * `describe` (for example to show that a broken estimator fails them).
 *
 * @example
 * ```ts
 * import { FunctionEstimator, GridSpace } from '@autonas/testing';
 * import { estimatorChecks } from '@autonas/testing/conformance';
 * const checks = estimatorChecks({ name: 'function', create: () => new FunctionEstimator(() => 1), architecture: new GridSpace({ a: [1] }).defaultArchitecture() });
 * for (const check of checks) await check.run();
 * ```
 */
export function estimatorChecks(options: EstimatorConformanceOptions): ConformanceCheck[] {
  const { checks, add } = checkList(options.timeout ?? 60_000);
  const arch = options.architecture;
  const afterMs = options.abort?.afterMs ?? 20;
  const withinMs = options.abort?.withinMs ?? 2000;
  const withEstimator = async <T>(f: (e: PerformanceEstimator) => Promise<T>): Promise<T> => {
    const e = await options.create();
    try {
      return await f(e);
    } finally {
      await options.dispose?.(e);
    }
  };
  const resolved = (run: EstimateRun, what: string): Estimate => {
    if (run.error !== undefined) throw new Error(`${what} rejected: ${(run.error as Error)?.message ?? String(run.error)}`, { cause: run.error });
    expect(run.estimate, `${what} resolves an estimate`).toBeDefined();
    return run.estimate!;
  };

  add('scores a valid architecture: a finite score, numeric metrics and a finite non-negative cost', async () => {
    await withEstimator(async (e) => {
      expect(typeof e.name === 'string' && e.name.length > 0, 'the estimator has a name').toBe(true);
      if (e.concurrency !== undefined) expect(Number.isInteger(e.concurrency) && e.concurrency >= 1, `concurrency ${e.concurrency} is a positive integer`).toBe(true);
      for (const seed of [1, 2]) {
        const est = resolved(await estimateOnce(e, arch, { seed, trialId: seed }), `the estimate with seed ${seed}`);
        expect(Number.isFinite(est.score), `the score ${est.score} is finite`).toBe(true);
        expect(est.metrics && typeof est.metrics === 'object', 'metrics are an object').toBe(true);
        for (const [k, v] of Object.entries(est.metrics)) expect(typeof v, `metric ${k}`).toBe('number');
        expect(Number.isFinite(est.cost?.seconds) && est.cost.seconds >= 0, `cost.seconds ${est.cost?.seconds} is finite and >= 0`).toBe(true);
        for (const k of ['epochs', 'samples'] as const) {
          const v = est.cost[k];
          if (v !== undefined) expect(Number.isFinite(v) && v >= 0, `cost.${k} ${v} is finite and >= 0`).toBe(true);
        }
      }
    });
  });

  add(`reports ${options.epochs === undefined ? 'its' : options.epochs} epoch${options.epochs === 1 ? '' : 's'} through ctx.report, numbered in order, and none after it settled`, async () => {
    await withEstimator(async (e) => {
      const run = await estimateOnce(e, arch, { seed: 3 });
      resolved(run, 'the estimate');
      if (options.epochs !== undefined) expect(run.reports.length, 'epochs reported').toBe(options.epochs);
      expect(run.reports.map((m) => m.epoch), 'reported epochs are 0, 1, ... in order').toEqual(run.reports.map((_, i) => i));
      for (const m of run.reports) for (const [k, v] of Object.entries(m)) expect(typeof v, `reported ${k}`).toBe('number');
      expect(run.lateReports, 'reports after the estimate settled').toEqual([]);
    });
  });

  add(`honours an aborted signal: settles within ${withinMs} ms of the abort, before or during an estimate`, async () => {
    await withEstimator(async (e) => {
      for (const [what, at] of [['aborted before it started', 0], [`aborted ${afterMs} ms after it started`, afterMs]] as const) {
        const run = await estimateOnce(e, arch, { seed: 4, signal: abortingSignal(at), waitMs: at + withinMs });
        expect(run.settled, `an estimate ${what} is still running ${withinMs} ms after the abort`).toBe(true);
        if (run.estimate) expect(Number.isFinite(run.estimate.score), `an estimate ${what} resolves a finite score, got ${run.estimate.score}`).toBe(true);
        expect(run.lateReports, `reports after an estimate ${what} settled`).toEqual([]);
      }
    });
  });

  const countTensors = options.countTensors;
  if (countTensors) {
    add('leaves no tensors behind once its artifact is disposed, also when aborted', async () => {
      await withEstimator(async (e) => {
        // A first estimate may set up what it keeps for good (a backend, caches).
        resolved(await estimateOnce(e, arch, { seed: 5 }), 'the warm-up estimate');
        const before = countTensors();
        resolved(await estimateOnce(e, arch, { seed: 6 }), 'the estimate');
        expect(countTensors(), 'live tensors after an estimate, its artifact disposed').toBe(before);
        const aborted = await estimateOnce(e, arch, { seed: 7, signal: abortingSignal(afterMs), waitMs: afterMs + withinMs });
        expect(aborted.settled, 'the aborted estimate settled').toBe(true);
        expect(countTensors(), 'live tensors after an aborted estimate').toBe(before);
      });
    });
  }

  if (options.deterministic) {
    add('gives the same score for the same seed, on the same instance and on a fresh one', async () => {
      const scores = await withEstimator(async (e) => [
        resolved(await estimateOnce(e, arch, { seed: 8 }), 'the first estimate').score,
        resolved(await estimateOnce(e, arch, { seed: 8 }), 'the second estimate').score,
      ]);
      const fresh = await withEstimator(async (e) => resolved(await estimateOnce(e, arch, { seed: 8 }), 'the estimate on a fresh instance').score);
      expect([scores[1], fresh], 'scores with seed 8').toEqual([scores[0], scores[0]]);
    });
  }
  return checks;
}

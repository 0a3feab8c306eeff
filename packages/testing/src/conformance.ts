import { expect } from 'vitest';
import {
  AutonasError,
  EventBus,
  InMemoryTrialStore,
  LocalExecutionEngine,
  architectureHash,
  deduplicate,
  type Architecture,
  type DecisionValue,
  type Estimate,
  type EstimateContext,
  type PerformanceEstimator,
  type SearchSpace,
  type SearchStrategy,
  type TrialRecord,
  type TrialStore,
  withHyperparameters,
} from '@autonas/core';
import { GridSpace } from './grid-space.js';
import { checkList, describeChecks, type ConformanceCheck } from './conformance-check.js';

export type { ConformanceCheck } from './conformance-check.js';
export * from './space-conformance.js';
export * from './estimator-conformance.js';
export * from './store-conformance.js';
export * from './runner-conformance.js';

/** Options of {@link strategyConformance}. */
export interface StrategyConformanceOptions {
  /** Shown in the test names. */
  readonly name: string;
  /** A fresh strategy seeded with `seed`. Called many times; each call must give an independent instance. */
  create(seed: number): SearchStrategy;
  /** Releases what a strategy holds (tensors, workers) after each check. */
  dispose?(strategy: SearchStrategy): void;
  /**
   * The optimum check: the toy space has 4^5 = 1024 architectures and one optimum; the strategy gets
   * `budget` × 1024 trials (default 0.3, so 308) on each of `optimumSeeds` seeds and must find
   * the optimum on every one. Random search finds it within 308 trials only 30% of the time; a
   * strategy that learns finds it every time. Set `false` for strategies that do not learn from
   * results (random search), with the reason in a comment.
   */
  readonly optimum?: false | { readonly budget?: number; readonly seeds?: readonly number[] };
  /** Whether the strategy keeps several trials in flight when the engine allows it (default true). */
  readonly concurrent?: boolean;
  /** Per-check timeout in milliseconds (default 60 000). */
  readonly timeout?: number;
}

/** What {@link runStrategy} returns. */
export interface StrategyRun {
  /** Every trial, in id order (cached ones included). */
  readonly trials: readonly TrialRecord[];
  /** Architectures the estimator was asked to score, in call order. */
  readonly estimated: readonly Architecture[];
  /** Most estimates that were running at the same time. */
  readonly maxInFlight: number;
  /** Why the engine stopped, if it did (undefined: the strategy ended the search itself). */
  readonly stoppedBy: string | undefined;
}

/** Options of {@link runStrategy}. */
export interface RunStrategyOptions {
  readonly maxTrials?: number;
  readonly timeLimit?: number;
  readonly concurrency?: number;
  /** Reuse a store (to continue a search); default a new in-memory one. */
  readonly store?: TrialStore;
  /** Serve repeated architectures from the store instead of estimating them again (default true). */
  readonly deduplicate?: boolean;
  /** Milliseconds each estimate waits before answering (default 0: next microtask). */
  readonly delayMs?: number;
  /** Ends the search once a trial scores at least this (the optimum, say). */
  readonly stopAt?: number;
  /** Makes an estimate fail when it returns true. */
  readonly fail?: (decisions: Readonly<Record<string, DecisionValue>>, call: number) => boolean;
}

/**
 * Runs a strategy on a space with an instant objective and a real {@link LocalExecutionEngine}:
 * the harness the conformance suite uses, exported for a strategy's own tests.
 *
 * @param objective Score of an architecture from its decision values (higher is better).
 * @example
 * ```ts
 * import { GridSpace } from '@autonas/testing';
 * import { runStrategy } from '@autonas/testing/conformance';
 * import { RandomStrategy } from '@autonas/strategy-random';
 * const space = new GridSpace({ a: [1, 2, 3], b: [1, 2] });
 * const run = await runStrategy(new RandomStrategy({ seed: 1 }), space, (d) => Number(d['grid/a']), { maxTrials: 4 });
 * console.log(run.trials.length); // 4
 * ```
 */
export async function runStrategy(
  strategy: SearchStrategy,
  space: SearchSpace,
  objective: (decisions: Readonly<Record<string, DecisionValue>>) => number,
  options: RunStrategyOptions = {},
): Promise<StrategyRun> {
  const store = options.store ?? new InMemoryTrialStore();
  const estimated: Architecture[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const estimator: PerformanceEstimator = {
    name: 'conformance-objective',
    async estimate(arch: Architecture, ctx: EstimateContext): Promise<Estimate> {
      const call = estimated.length;
      estimated.push(arch);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        await new Promise((r) => (options.delayMs ? setTimeout(r, options.delayMs) : setImmediate(r)));
        const decisions = arch.decisions ?? {};
        if (options.fail?.(decisions, call)) throw new Error(`conformance: trial ${ctx.trialId} fails on purpose`);
        const score = objective(decisions);
        ctx.report({ epoch: 0, score });
        return { score, metrics: { score }, cost: { seconds: 0 } };
      } finally {
        inFlight--;
      }
    },
  };
  const events = new EventBus();
  const engine = new LocalExecutionEngine({
    space,
    estimator,
    store,
    events,
    maxTrials: options.maxTrials,
    timeLimit: options.timeLimit,
    concurrency: options.concurrency ?? 1,
    middleware: options.deduplicate === false ? [] : [deduplicate(store)],
  });
  if (options.stopAt !== undefined) {
    const stopAt = options.stopAt;
    events.on('trial:end', ({ trial }) => {
      if ((trial.score ?? -Infinity) >= stopAt) engine.stop('aborted');
    });
  }
  try {
    await strategy.run(engine, space);
  } finally {
    engine.close();
  }
  return { trials: store.trials(), estimated, maxInFlight, stoppedBy: engine.stoppedBy };
}

/** The 1024-architecture toy space of the optimum check, and its objective (optimum 1 at 3,1,2,0,3). */
export function conformanceToy(): { space: GridSpace; objective: (d: Readonly<Record<string, DecisionValue>>) => number; optimum: Record<string, number> } {
  const space = new GridSpace({ a: [0, 1, 2, 3], b: [0, 1, 2, 3], c: [0, 1, 2, 3], d: [0, 1, 2, 3], e: [0, 1, 2, 3] }, 'toy');
  const optimum = { 'toy/a': 3, 'toy/b': 1, 'toy/c': 2, 'toy/d': 0, 'toy/e': 3 };
  // Smooth and separable: each decision closer to its target scores higher, like accuracy in [0.4, 1].
  const objective = (d: Readonly<Record<string, DecisionValue>>) =>
    1 - 0.04 * Object.entries(optimum).reduce((s, [k, t]) => s + Math.abs(Number(d[k]) - t), 0);
  return { space, objective, optimum };
}

const hashes = (trials: readonly TrialRecord[]) => trials.map((t) => t.hash);

/**
 * Registers the strategy conformance suite (vitest `describe`/`it`) for one strategy: our own
 * strategies run it, and so can any third-party one. It checks that the strategy
 * - proposes only valid architectures of the space,
 * - respects trial and time budgets, and the engine's concurrency,
 * - is reproducible with a seed (and differs across seeds),
 * - saves its state as plain JSON, rejects a foreign state with a typed error, and after a restore
 *   mid-search continues exactly as an uninterrupted search,
 * - goes on through failed trials,
 * - stops by itself once a small space is exhausted, having tried every architecture once,
 * - finds the optimum of a 1024-architecture toy space in 30% of the trials exhaustive search needs.
 *
 * @example
 * ```ts
 * import { strategyConformance } from '@autonas/testing/conformance';
 * import { RandomStrategy } from '@autonas/strategy-random';
 * // In a *.spec.ts file:
 * strategyConformance({
 *   name: 'random',
 *   create: (seed) => new RandomStrategy({ seed }),
 *   optimum: false, // random search does not learn from results
 * });
 * ```
 */
export function strategyConformance(options: StrategyConformanceOptions): void {
  describeChecks(`strategy conformance: ${options.name}`, strategyChecks(options));
}

/** One check of the strategy conformance suite; `run` rejects with an assertion error when the strategy fails it. */
export type StrategyCheck = ConformanceCheck;

/**
 * The checks of {@link strategyConformance} as plain async functions, for running them outside
 * `describe` (for example to show that a broken strategy fails them).
 *
 * @example
 * ```ts
 * import { strategyChecks } from '@autonas/testing/conformance';
 * import { RandomStrategy } from '@autonas/strategy-random';
 * const checks = strategyChecks({ name: 'random', create: (seed) => new RandomStrategy({ seed }), optimum: false });
 * console.log(checks.map((c) => c.name));
 * ```
 */
export function strategyChecks(options: StrategyConformanceOptions): StrategyCheck[] {
  const timeout = options.timeout ?? 60_000;
  const { checks, add: it } = checkList(timeout);
  const small = () => new GridSpace({ a: [1, 2, 3, 4], b: [1, 2, 3], c: [1, 2, 3, 4, 5] }, 'small');
  const smallObjective = (d: Readonly<Record<string, DecisionValue>>) => Number(d['small/a']) * 0.1 + Number(d['small/b']) * 0.05 - Math.abs(Number(d['small/c']) - 3) * 0.07;
  const withStrategy = async <T>(seed: number, f: (s: SearchStrategy) => Promise<T>): Promise<T> => {
    const s = options.create(seed);
    try {
      return await f(s);
    } finally {
      options.dispose?.(s);
    }
  };

  {
    it('proposes only valid architectures of the space, and never the same one twice', async () => {
      const space = small();
      const run = await withStrategy(1, (s) => runStrategy(s, space, smallObjective, { maxTrials: 25 }));
      expect(run.trials).toHaveLength(25);
      for (const t of run.trials) {
        expect(space.validate(t.architecture)).toEqual({ valid: true });
        expect(t.status).toBe('completed');
      }
      expect(new Set(hashes(run.trials)).size).toBe(25);
    }, timeout);

    it('respects the trial budget exactly', async () => {
      for (const maxTrials of [1, 7]) {
        const run = await withStrategy(2, (s) => runStrategy(s, small(), smallObjective, { maxTrials }));
        expect(run.trials.filter((t) => !t.cached)).toHaveLength(maxTrials);
        expect(run.stoppedBy).toBe('maxTrials');
      }
    }, timeout);

    it('stops at the time limit', async () => {
      const { space, objective } = conformanceToy();
      const started = Date.now();
      const run = await withStrategy(3, (s) => runStrategy(s, space, objective, { timeLimit: 0.3, delayMs: 20 }));
      const seconds = (Date.now() - started) / 1000;
      expect(run.stoppedBy).toBe('timeLimit');
      // 20 ms trials in 0.3 s: about 15 of 1024; a strategy that ignored the limit would run all.
      expect(run.trials.length).toBeGreaterThan(0);
      expect(run.trials.length).toBeLessThan(100);
      expect(seconds).toBeLessThan(10);
    }, timeout);

    it('keeps no more trials in flight than the engine allows', async () => {
      const { space, objective } = conformanceToy();
      const run = await withStrategy(4, (s) => runStrategy(s, space, objective, { maxTrials: 12, concurrency: 3, delayMs: 5 }));
      expect(run.trials).toHaveLength(12);
      expect(run.maxInFlight).toBeLessThanOrEqual(3);
      if (options.concurrent !== false) expect(run.maxInFlight).toBe(3);
    }, timeout);

    it('is reproducible with a seed, and seeds matter', async () => {
      const { space, objective } = conformanceToy();
      const go = (seed: number) => withStrategy(seed, (s) => runStrategy(s, space, objective, { maxTrials: 30 }));
      const [a, b, c] = [await go(11), await go(11), await go(12)];
      expect(hashes(b.trials)).toEqual(hashes(a.trials));
      expect(hashes(c.trials)).not.toEqual(hashes(a.trials));
    }, timeout);

    it('saves its state as plain JSON and rejects a foreign state with a typed error', async () => {
      const { space, objective } = conformanceToy();
      await withStrategy(5, async (s) => {
        await runStrategy(s, space, objective, { maxTrials: 10 });
        const state = s.state();
        expect(JSON.parse(JSON.stringify(state))).toEqual(state);
      });
      await withStrategy(5, async (s) => {
        for (const bad of [null, 42, 'state', { version: -1 }]) expect(() => s.restore(bad)).toThrow(AutonasError);
      });
    }, timeout);

    it('continues after a restore mid-search exactly as an uninterrupted search', async () => {
      const { space, objective } = conformanceToy();
      const whole = await withStrategy(6, (s) => runStrategy(s, space, objective, { maxTrials: 40 }));
      const store = new InMemoryTrialStore();
      let saved: unknown;
      await withStrategy(6, async (s) => {
        await runStrategy(s, space, objective, { maxTrials: 17, store });
        saved = JSON.parse(JSON.stringify(s.state()));
      });
      await withStrategy(6, async (s) => {
        s.restore(saved);
        await runStrategy(s, space, objective, { maxTrials: 40, store });
      });
      expect(hashes(store.trials())).toEqual(hashes(whole.trials));
      // A fresh instance restored from the same state gives the same next proposals again.
      const store2 = new InMemoryTrialStore();
      for (const t of whole.trials.slice(0, 17)) store2.put(t);
      await withStrategy(99, async (s) => {
        s.restore(saved);
        await runStrategy(s, space, objective, { maxTrials: 40, store: store2 });
      });
      expect(hashes(store2.trials())).toEqual(hashes(whole.trials));
    }, timeout);

    it('goes on through failed trials', async () => {
      const { space, objective } = conformanceToy();
      const run = await withStrategy(7, (s) => runStrategy(s, space, objective, { maxTrials: 30, fail: (_d, call) => call % 3 === 1 }));
      expect(run.trials).toHaveLength(30);
      expect(run.trials.filter((t) => t.status === 'failed')).toHaveLength(10);
      expect(run.trials.filter((t) => t.status === 'completed')).toHaveLength(20);
      const allFail = await withStrategy(8, (s) => runStrategy(s, space, objective, { maxTrials: 8, fail: () => true }));
      expect(allFail.trials.map((t) => t.status)).toEqual(Array(8).fill('failed'));
    }, timeout);

    it('stops by itself once a small space is exhausted, having tried each architecture once', async () => {
      const space = new GridSpace({ a: [1, 2, 3], b: [1, 2] }, 'tiny');
      const run = await withStrategy(9, (s) => runStrategy(s, space, (d) => Number(d['tiny/a']) + Number(d['tiny/b']), { maxTrials: 50 }));
      const distinct = new Set(run.estimated.map((a) => architectureHash(a)));
      expect(distinct.size).toBe(6);
      expect(run.estimated).toHaveLength(6);
      expect(run.trials.filter((t) => !t.cached)).toHaveLength(6);
    }, timeout);

    it('searches training hyperparameters (withHyperparameters) through the decisions: every one of a 24-architecture space tried once, each valid', async () => {
      // 6 networks × 2 learning rates × 2 batch sizes: a strategy that ignored the hp/ decisions, or an engine whose hash ignored the training record, would stop at 6.
      const space = withHyperparameters(new GridSpace({ a: [1, 2, 3], b: [1, 2] }, 'tiny'), { learningRate: [0.001, 0.003], batchSize: [64, 32] });
      const score = (d: Readonly<Record<string, DecisionValue>>) => Number(d['tiny/a']) + Number(d['tiny/b']) + (d['hp/learningRate'] === 0.003 ? 0.5 : 0) + (d['hp/batchSize'] === 32 ? 0.25 : 0);
      const run = await withStrategy(10, (s) => runStrategy(s, space, score, { maxTrials: 60 }));
      for (const a of run.estimated) {
        expect(space.validate(a)).toEqual({ valid: true });
        expect(a.training).toEqual({ learningRate: a.decisions!['hp/learningRate'], batchSize: a.decisions!['hp/batchSize'] });
      }
      expect(new Set(run.estimated.map((a) => architectureHash(a))).size).toBe(24);
      expect(run.estimated).toHaveLength(24);
    }, timeout);

    const opt = options.optimum;
    if (opt !== false) {
      const budget = opt?.budget ?? 0.3;
      const seeds = opt?.seeds ?? [21, 22, 23];
      it(`finds the optimum of a 1024-architecture toy space within ${Math.ceil(budget * 1024)} trials on each of ${seeds.length} seeds`, async () => {
        const { space, objective } = conformanceToy();
        for (const seed of seeds) {
          const run = await withStrategy(seed, (s) => runStrategy(s, space, objective, { maxTrials: Math.ceil(budget * 1024), stopAt: 1 }));
          const best = Math.max(...run.trials.map((t) => t.score ?? -Infinity));
          expect(best, `seed ${seed}: best ${best} after ${run.trials.length} trials`).toBe(1);
        }
      }, timeout * 3);
    }
  }
  return checks;
}

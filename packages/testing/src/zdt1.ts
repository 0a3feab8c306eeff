import type { Architecture, DecisionValue, Estimate, MetricObjective, PerformanceEstimator, TrialRecord } from '@autonas/core';
import { hypervolume2d } from '@autonas/core';
import { GridSpace } from './grid-space.js';

/** What {@link zdt1Problem} returns: a two-objective toy problem with a known front. */
export interface Zdt1Problem {
  /** A fresh grid space of `variables` decisions `x0 … x{n-1}`, each of the 10 choices 0 … 9. */
  space(): GridSpace;
  /** ZDT1's objectives of an assignment (both minimised). */
  objective(decisions: Readonly<Record<string, DecisionValue>>): { f1: number; f2: number };
  /** An instant estimator whose metrics are `f1` and `f2` (score: −(f1 + f2)). */
  readonly estimator: PerformanceEstimator;
  /** `f1` and `f2`, both minimised. */
  readonly objectives: readonly MetricObjective[];
  /** Hypervolume of a front of trials with `f1`/`f2` metrics against the reference (1.01, 10.01). */
  hypervolume(front: readonly TrialRecord[]): number;
}

/**
 * ZDT1 (Zitzler, Deb and Thiele, 2000) on a grid, a benchmark for multi-objective strategies:
 * `f1 = x0/9`, `g = 1 + 9·mean(x1 … x{n-1})/9`, `f2 = g·(1 − √(f1/g))`, both minimised. Its Pareto
 * front is `x1 … x{n-1} = 0`, where `f2 = 1 − √f1`.
 *
 * @param variables - decisions of the grid, at least 2 (10^variables architectures)
 * @example
 * ```ts
 * import { zdt1Problem } from '@autonas/testing';
 * const zdt = zdt1Problem(6);
 * zdt.objective({ 'grid/x0': 9, 'grid/x1': 0, 'grid/x2': 0, 'grid/x3': 0, 'grid/x4': 0, 'grid/x5': 0 }); // { f1: 1, f2: 0 }
 * ```
 */
export function zdt1Problem(variables: number): Zdt1Problem {
  if (!(Number.isInteger(variables) && variables >= 2)) throw new RangeError(`ZDT1 needs at least 2 variables, got ${variables}`);
  const keys = Array.from({ length: variables }, (_, i) => `x${i}`);
  const objective = (d: Readonly<Record<string, DecisionValue>>) => {
    const v = keys.map((k) => Number(d[`grid/${k}`]) / 9);
    const f1 = v[0]!;
    const g = 1 + (9 * v.slice(1).reduce((s, x) => s + x, 0)) / (variables - 1);
    return { f1, f2: g * (1 - Math.sqrt(f1 / g)) };
  };
  return {
    space: () => new GridSpace(Object.fromEntries(keys.map((k) => [k, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]]))),
    objective,
    estimator: {
      name: 'zdt1',
      async estimate(arch: Architecture): Promise<Estimate> {
        const { f1, f2 } = objective(arch.decisions ?? {});
        return { score: -(f1 + f2), metrics: { f1, f2 }, cost: { seconds: 0 } };
      },
    },
    objectives: [
      { metric: 'f1', direction: 'minimize' },
      { metric: 'f2', direction: 'minimize' },
    ],
    hypervolume: (front) => hypervolume2d(front.map((t) => [-t.metrics.f1!, -t.metrics.f2!]), [-1.01, -10.01]),
  };
}

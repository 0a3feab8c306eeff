import { ConfigurationError } from './errors.js';
import type { Direction } from './objective.js';
import { inferShapes } from './ops.js';
import { mapEstimates } from './estimator-wrap.js';
import type { PerformanceEstimator } from './performance-estimator.js';
import type { TrialRecord } from './trial.js';

/**
 * One objective of a multi-objective search: a metric key as estimators report it (`valAccuracy`,
 * `params`) and its direction. A {@link ResolvedObjective} is one.
 *
 * (Named `MetricObjective` because {@link Objective} already names the single-objective option.)
 *
 * @example
 * ```ts
 * import type { MetricObjective } from '@autonas/core';
 * const objectives: MetricObjective[] = [
 *   { metric: 'valAccuracy', direction: 'maximize' },
 *   { metric: 'params', direction: 'minimize' },
 * ];
 * ```
 */
export interface MetricObjective {
  readonly metric: string;
  readonly direction: Direction;
}

/**
 * A bound on a metric: a trial whose metric is above `max` (or below `min`) is infeasible, by
 * how far it is over (its violation). A trial that does not report the metric violates it by
 * `Infinity`.
 *
 * @example
 * ```ts
 * import type { MetricConstraint } from '@autonas/core';
 * const small: MetricConstraint = { metric: 'params', max: 100_000 };
 * ```
 */
export interface MetricConstraint {
  readonly metric: string;
  readonly max?: number;
  readonly min?: number;
}

/** A point to sort: its objective values turned higher-is-better, and its total constraint violation (0 when feasible). */
export interface ParetoPoint {
  readonly values: readonly number[];
  readonly violation: number;
}

/**
 * Checks objectives and constraints.
 *
 * @throws ConfigurationError `BAD_OBJECTIVE` for an empty list, a missing metric or a bad direction; `BAD_CONSTRAINT` for a constraint without a numeric `max` or `min`.
 */
export function checkParetoOptions(objectives: readonly MetricObjective[], constraints: readonly MetricConstraint[] = []): void {
  if (!Array.isArray(objectives) || objectives.length === 0) throw new ConfigurationError('BAD_OBJECTIVE', 'a multi-objective search needs at least one objective');
  for (const o of objectives) {
    if (!o || typeof o.metric !== 'string' || o.metric === '') throw new ConfigurationError('BAD_OBJECTIVE', `an objective is { metric, direction }, got ${JSON.stringify(o)}`);
    if (o.direction !== 'maximize' && o.direction !== 'minimize') throw new ConfigurationError('BAD_OBJECTIVE', `objective "${o.metric}" needs direction 'maximize' or 'minimize', got ${JSON.stringify(o.direction)}`);
  }
  for (const c of constraints) {
    const ok = (v: unknown) => v === undefined || (typeof v === 'number' && !Number.isNaN(v));
    if (!c || typeof c.metric !== 'string' || c.metric === '' || (c.max === undefined && c.min === undefined) || !ok(c.max) || !ok(c.min)) {
      throw new ConfigurationError('BAD_CONSTRAINT', `a constraint is { metric, max?, min? } with at least one bound, got ${JSON.stringify(c)}`);
    }
  }
}

/** The objectives and constraints a strategy selects by. */
export interface StrategyObjectives {
  readonly objectives: readonly MetricObjective[];
  readonly constraints: readonly MetricConstraint[];
}

/**
 * The objectives and constraints a multi-objective strategy selects by: those of its own options
 * when given, else the engine's (`engine.objectives`, `engine.constraints`), else none. Options
 * given are checked ({@link checkParetoOptions}).
 *
 * @param own - the strategy's `objectives` and `constraints` options
 * @param engine - the engine it runs on, once known (`run`); leave it out in a constructor
 * @throws ConfigurationError `BAD_OBJECTIVE`, `BAD_CONSTRAINT` for bad options
 * @example
 * ```ts
 * import { strategyObjectives } from '@autonas/core';
 * const engine = { objectives: [{ metric: 'valAccuracy', direction: 'maximize' as const }, { metric: 'params', direction: 'minimize' as const }] };
 * strategyObjectives({}, engine).objectives.length; // 2
 * strategyObjectives({ constraints: [{ metric: 'params', max: 1e5 }] }, engine).constraints[0]?.max; // 100000
 * ```
 */
export function strategyObjectives(
  own: { readonly objectives?: readonly MetricObjective[]; readonly constraints?: readonly MetricConstraint[] },
  engine?: { readonly objectives?: readonly MetricObjective[]; readonly constraints?: readonly MetricConstraint[] },
): StrategyObjectives {
  if (own.objectives || own.constraints) checkParetoOptions(own.objectives?.length ? own.objectives : [{ metric: 'score', direction: 'maximize' }], own.constraints ?? []);
  return { objectives: own.objectives ?? engine?.objectives ?? [], constraints: own.constraints ?? engine?.constraints ?? [] };
}

/**
 * The finite metrics of a trial that objectives or constraints name (what a multi-objective
 * strategy keeps of each trial it learns from); empty for a missing trial.
 *
 * @example
 * ```ts
 * import { objectiveMetrics } from '@autonas/core';
 * const trial = { metrics: { valAccuracy: 0.9, params: 1200, seconds: 3, loss: Number.NaN } };
 * objectiveMetrics(trial, { objectives: [{ metric: 'valAccuracy', direction: 'maximize' }], constraints: [{ metric: 'params', max: 5000 }] });
 * // { valAccuracy: 0.9, params: 1200 }
 * ```
 */
export function objectiveMetrics(trial: Pick<TrialRecord, 'metrics'> | undefined, set: StrategyObjectives): Record<string, number> {
  const keys = new Set([...set.objectives, ...set.constraints].map((o) => o.metric));
  return Object.fromEntries(Object.entries(trial?.metrics ?? {}).filter(([k, v]) => keys.has(k) && Number.isFinite(v)));
}

/**
 * Total violation of `constraints` by `metrics`: the sum of how far each metric is beyond its
 * bounds; 0 when feasible, `Infinity` when a constrained metric is missing or not finite.
 *
 * @param metrics - a trial's metrics
 * @param constraints - the bounds
 * @returns the total violation, 0 when feasible
 * @example
 * ```ts
 * import { constraintViolation } from '@autonas/core';
 * constraintViolation({ params: 1500 }, [{ metric: 'params', max: 1000 }]); // 500
 * ```
 */
export function constraintViolation(metrics: Readonly<Record<string, number>>, constraints: readonly MetricConstraint[] = []): number {
  let total = 0;
  for (const c of constraints) {
    const v = metrics[c.metric];
    if (typeof v !== 'number' || !Number.isFinite(v)) return Infinity;
    if (c.max !== undefined && v > c.max) total += v - c.max;
    if (c.min !== undefined && v < c.min) total += c.min - v;
  }
  return total;
}

/**
 * A trial as a {@link ParetoPoint}: objective values signed so higher is better (a missing or
 * non-finite metric counts as `-Infinity`, the worst), and its constraint violation.
 */
export function paretoPoint(trial: Pick<TrialRecord, 'metrics'>, objectives: readonly MetricObjective[], constraints: readonly MetricConstraint[] = []): ParetoPoint {
  const values = objectives.map((o) => {
    const v = trial.metrics[o.metric];
    if (typeof v !== 'number' || !Number.isFinite(v)) return -Infinity;
    return o.direction === 'maximize' ? v : -v;
  });
  return { values, violation: constraintViolation(trial.metrics, constraints) };
}

/**
 * Pareto dominance on higher-is-better values: `a` is no worse than `b` in every value and
 * better in at least one. Equal points do not dominate each other.
 *
 * @param a - higher-is-better values
 * @param b - values of the same objectives
 * @returns whether `a` dominates `b`
 * @example
 * ```ts
 * import { dominates } from '@autonas/core';
 * dominates([2, 1], [1, 1]); // true
 * dominates([1, 1], [1, 1]); // false
 * ```
 */
export function dominates(a: readonly number[], b: readonly number[]): boolean {
  let better = false;
  for (let i = 0; i < a.length; i++) {
    if (a[i]! < b[i]!) return false;
    if (a[i]! > b[i]!) better = true;
  }
  return better;
}

/**
 * Constraint-domination (Deb 2000, as in NSGA-II): a feasible point beats an infeasible one; of
 * two infeasible points the one with the smaller total violation wins; two feasible points
 * compare by Pareto dominance.
 *
 * @param a - a point
 * @param b - another point
 * @returns whether `a` constraint-dominates `b`
 * @example
 * ```ts
 * import { constrainedDominates } from '@autonas/core';
 * constrainedDominates({ values: [0], violation: 0 }, { values: [9], violation: 1 }); // true: feasible beats infeasible
 * constrainedDominates({ values: [0], violation: 1 }, { values: [9], violation: 2 }); // true: smaller violation
 * ```
 */
export function constrainedDominates(a: ParetoPoint, b: ParetoPoint): boolean {
  const fa = a.violation === 0;
  const fb = b.violation === 0;
  if (fa && fb) return dominates(a.values, b.values);
  if (fa !== fb) return fa;
  return a.violation < b.violation;
}

/**
 * Fast non-dominated sorting (Deb et al. 2002) under {@link constrainedDominates}: the indices of
 * `points` in fronts, best front first; indices within a front are in ascending order.
 *
 * @param points - the points to sort
 * @returns the fronts, as indices into `points`
 * @example
 * ```ts
 * import { nonDominatedSort } from '@autonas/core';
 * const p = (a: number, b: number) => ({ values: [a, b], violation: 0 });
 * nonDominatedSort([p(1, 3), p(3, 1), p(1, 1), p(0, 0)]); // [[0, 1], [2], [3]]
 * ```
 */
export function nonDominatedSort(points: readonly ParetoPoint[]): number[][] {
  const n = points.length;
  const dominatedBy = points.map(() => 0);
  const dominatesList: number[][] = points.map(() => []);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (constrainedDominates(points[i]!, points[j]!)) {
        dominatesList[i]!.push(j);
        dominatedBy[j]!++;
      } else if (constrainedDominates(points[j]!, points[i]!)) {
        dominatesList[j]!.push(i);
        dominatedBy[i]!++;
      }
    }
  }
  const fronts: number[][] = [];
  let current = points.map((_, i) => i).filter((i) => dominatedBy[i] === 0);
  while (current.length > 0) {
    fronts.push(current);
    const next: number[] = [];
    for (const i of current) {
      for (const j of dominatesList[i]!) {
        if (--dominatedBy[j]! === 0) next.push(j);
      }
    }
    current = next.sort((a, b) => a - b);
  }
  return fronts;
}

/**
 * Crowding distance (NSGA-II) of the points of one front, in the order of `front`: for each
 * objective, the boundary points get `Infinity` and the others the normalised gap between their
 * neighbours, summed over objectives. An objective with no spread on the front adds nothing.
 * Fronts of one or two points are all `Infinity`.
 *
 * @param points - all points
 * @param front - the indices of one front's points
 * @returns the distance of each, in the order of `front`
 * @example
 * ```ts
 * import { crowdingDistance } from '@autonas/core';
 * const p = (a: number, b: number) => ({ values: [a, b], violation: 0 });
 * crowdingDistance([p(0, 2), p(1, 1), p(2, 0)], [0, 1, 2]); // [Infinity, 2, Infinity]
 * ```
 */
export function crowdingDistance(points: readonly ParetoPoint[], front: readonly number[]): number[] {
  const m = front.length;
  const d = front.map(() => 0);
  if (m <= 2) return d.map(() => Infinity);
  const k = points[front[0]!]!.values.length;
  for (let obj = 0; obj < k; obj++) {
    // Stable sort by value, ties by index, so equal values get a deterministic order.
    const order = front.map((_, pos) => pos).sort((a, b) => points[front[a]!]!.values[obj]! - points[front[b]!]!.values[obj]! || front[a]! - front[b]!);
    const lo = points[front[order[0]!]!]!.values[obj]!;
    const hi = points[front[order[m - 1]!]!]!.values[obj]!;
    d[order[0]!] = Infinity;
    d[order[m - 1]!] = Infinity;
    const span = hi - lo;
    if (!(span > 0 && Number.isFinite(span))) continue;
    for (let r = 1; r < m - 1; r++) {
      const gap = points[front[order[r + 1]!]!]!.values[obj]! - points[front[order[r - 1]!]!]!.values[obj]!;
      d[order[r]!] += gap / span;
    }
  }
  return d;
}

/** Rank (0 = non-dominated) and crowding distance of one point. */
export interface ParetoRank {
  readonly rank: number;
  readonly crowding: number;
}

/**
 * Rank and crowding distance of every point, in the order of `points`.
 *
 * @param points - the points to rank
 * @returns each point's rank and crowding distance
 * @example
 * ```ts
 * import { paretoRanks } from '@autonas/core';
 * const p = (a: number, b: number) => ({ values: [a, b], violation: 0 });
 * paretoRanks([p(1, 1), p(0, 0)]).map((r) => r.rank); // [0, 1]
 * ```
 */
export function paretoRanks(points: readonly ParetoPoint[]): ParetoRank[] {
  const out: ParetoRank[] = new Array(points.length);
  nonDominatedSort(points).forEach((front, rank) => {
    const crowd = crowdingDistance(points, front);
    front.forEach((i, pos) => (out[i] = { rank, crowding: crowd[pos]! }));
  });
  return out;
}

/**
 * The crowded-comparison order of NSGA-II: lower rank first, then larger crowding distance.
 * Negative when `a` is better.
 */
export function crowdedCompare(a: ParetoRank, b: ParetoRank): number {
  if (a.rank !== b.rank) return a.rank - b.rank;
  if (a.crowding === b.crowding) return 0;
  return a.crowding > b.crowding ? -1 : 1;
}

/**
 * The Pareto front of a search: its completed trials that no other completed trial
 * constraint-dominates, in id order. When any completed trial is feasible only feasible trials
 * are on it; when none is, the front is the least-violating trials. Cached trials (repeats of an
 * earlier trial) are left out, so an architecture appears once. Trials that do not report every
 * objective's metric are left out.
 *
 * @param trials - a search's trials
 * @param objectives - two or more objectives (one works too: its best trials)
 * @param constraints - bounds on metrics (optional)
 * @returns the front's trials, in id order
 * @throws ConfigurationError `BAD_OBJECTIVE` or `BAD_CONSTRAINT` for malformed ones
 * @example
 * ```ts
 * import { paretoFront, type TrialRecord } from '@autonas/core';
 * const t = (id: number, valAccuracy: number, params: number): TrialRecord =>
 *   ({ id, status: 'completed', architecture: { nodes: [] }, hash: String(id), metrics: { valAccuracy, params }, epochs: [], startedAt: 0 });
 * const front = paretoFront([t(0, 0.9, 5000), t(1, 0.8, 1000), t(2, 0.7, 2000)], [
 *   { metric: 'valAccuracy', direction: 'maximize' },
 *   { metric: 'params', direction: 'minimize' },
 * ]);
 * console.log(front.map((x) => x.id)); // [0, 1]
 * ```
 */
export function paretoFront(trials: readonly TrialRecord[], objectives: readonly MetricObjective[], constraints: readonly MetricConstraint[] = []): TrialRecord[] {
  checkParetoOptions(objectives, constraints);
  const pool = trials.filter((t) => t.status === 'completed' && !t.cached && objectives.every((o) => Number.isFinite(t.metrics[o.metric])));
  if (pool.length === 0) return [];
  const points = pool.map((t) => paretoPoint(t, objectives, constraints));
  return nonDominatedSort(points)[0]!.map((i) => pool[i]!).sort((a, b) => a.id - b.id);
}

/**
 * Hypervolume of a two-objective front (higher-is-better values) against a reference point that
 * every point should beat: the area the front dominates. Points not better than the reference in
 * both values add nothing. For tests and benchmarks of multi-objective strategies.
 *
 * @param values - the points' two higher-is-better values
 * @param reference - the reference point
 * @returns the dominated area
 * @example
 * ```ts
 * import { hypervolume2d } from '@autonas/core';
 * hypervolume2d([[1, 2], [2, 1]], [0, 0]); // 3
 * ```
 */
export function hypervolume2d(values: readonly (readonly number[])[], reference: readonly [number, number]): number {
  const pts = values.filter((v) => v[0]! > reference[0] && v[1]! > reference[1]).map((v) => [v[0]!, v[1]!] as const);
  pts.sort((a, b) => b[0] - a[0] || b[1] - a[1]);
  let area = 0;
  let top = reference[1];
  for (const [x, y] of pts) {
    if (y <= top) continue;
    area += (x - reference[0]) * (y - top);
    top = y;
  }
  return area;
}

/** Metric key of a network's trainable parameter count. */
export const PARAMS_METRIC = 'params';

/**
 * Wraps an estimator so every estimate reports `params`, the trainable parameter count of the
 * network ({@link inferShapes}, which matches TensorFlow.js's `countParams()`), when the estimator
 * does not report it itself. Counting from the architecture costs no model build. An architecture
 * whose shapes cannot be inferred (a custom op) is left without the metric.
 *
 * @param inner - the estimator to wrap
 * @returns an estimator whose estimates carry `params`
 * @example
 * ```ts
 * import { paramCountEstimator, type PerformanceEstimator } from '@autonas/core';
 * declare const trained: PerformanceEstimator;
 * const counted = paramCountEstimator(trained); // estimates carry metrics.params
 * ```
 */
export function paramCountEstimator(inner: PerformanceEstimator): PerformanceEstimator {
  return mapEstimates(inner, (e, arch) => {
    if (typeof e.metrics[PARAMS_METRIC] === 'number') return e;
    let params: number;
    try {
      params = inferShapes(arch).totalParams;
    } catch {
      return e;
    }
    return { ...e, metrics: { ...e.metrics, [PARAMS_METRIC]: params } };
  });
}

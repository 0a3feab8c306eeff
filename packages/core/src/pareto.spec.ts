import { describe, expect, it } from 'vitest';
import {
  constrainedDominates,
  objectiveMetrics,
  strategyObjectives,
  constraintViolation,
  crowdingDistance,
  dominates,
  hypervolume2d,
  nonDominatedSort,
  paretoFront,
  paretoPoint,
  paretoRanks,
  type MetricObjective,
} from './pareto.js';
import type { TrialRecord } from './trial.js';

const p = (...values: number[]) => ({ values, violation: 0 });
const trial = (id: number, metrics: Record<string, number>, extra: Partial<TrialRecord> = {}): TrialRecord => ({
  id,
  status: 'completed',
  architecture: { nodes: [] },
  hash: `h${id}`,
  metrics,
  epochs: [],
  startedAt: 0,
  ...extra,
});
const accParams: MetricObjective[] = [
  { metric: 'valAccuracy', direction: 'maximize' },
  { metric: 'params', direction: 'minimize' },
];

describe('dominance', () => {
  it('needs no worse everywhere and better somewhere; equal points do not dominate', () => {
    expect(dominates([2, 1], [1, 1])).toBe(true);
    expect(dominates([1, 1], [1, 1])).toBe(false);
    expect(dominates([2, 0], [1, 1])).toBe(false);
    expect(dominates([1, 1], [2, 0])).toBe(false);
  });

  it("follows Deb's rules under constraints", () => {
    const feasible = { values: [0, 0], violation: 0 };
    const slightly = { values: [9, 9], violation: 1 };
    const badly = { values: [10, 10], violation: 5 };
    expect(constrainedDominates(feasible, slightly)).toBe(true);
    expect(constrainedDominates(slightly, feasible)).toBe(false);
    expect(constrainedDominates(slightly, badly)).toBe(true);
    expect(constrainedDominates(badly, slightly)).toBe(false);
    expect(constrainedDominates({ values: [1], violation: 2 }, { values: [5], violation: 2 })).toBe(false);
  });

  it('sums violations over constraints and treats a missing metric as infinitely infeasible', () => {
    expect(constraintViolation({ params: 1500, ms: 3 }, [{ metric: 'params', max: 1000 }, { metric: 'ms', min: 5 }])).toBe(502);
    expect(constraintViolation({ params: 900 }, [{ metric: 'params', max: 1000 }])).toBe(0);
    expect(constraintViolation({}, [{ metric: 'params', max: 1000 }])).toBe(Infinity);
  });

  it('signs minimised objectives so higher is better', () => {
    expect(paretoPoint(trial(0, { valAccuracy: 0.9, params: 10 }), accParams).values).toEqual([0.9, -10]);
    expect(paretoPoint(trial(0, { valAccuracy: 0.9 }), accParams).values).toEqual([0.9, -Infinity]);
  });
});

describe('nonDominatedSort', () => {
  it('splits a hand-made set into fronts, with ties and duplicates in the same front', () => {
    const pts = [p(1, 5), p(5, 1), p(3, 3), p(3, 3), p(2, 2), p(1, 1), p(3, 1), p(0, 0)];
    expect(nonDominatedSort(pts)).toEqual([[0, 1, 2, 3], [4, 6], [5], [7]]);
  });

  it('puts feasible points first and orders infeasible ones by violation', () => {
    const pts = [{ values: [9, 9], violation: 3 }, p(0, 0), { values: [0, 0], violation: 1 }, p(1, -1), { values: [5, 5], violation: 1 }];
    expect(nonDominatedSort(pts)).toEqual([[1, 3], [2, 4], [0]]);
  });

  it('returns nothing for no points', () => {
    expect(nonDominatedSort([])).toEqual([]);
  });
});

describe('crowdingDistance', () => {
  it('gives the boundary points Infinity and the inner ones their normalised neighbour gaps', () => {
    const pts = [p(0, 4), p(1, 3), p(3, 1), p(4, 0)];
    // objective 0: span 4; point 1 gap (3-0)/4, point 2 gap (4-1)/4; objective 1 the same by symmetry.
    expect(crowdingDistance(pts, [0, 1, 2, 3])).toEqual([Infinity, 1.5, 1.5, Infinity]);
  });

  it('is Infinity for fronts of one or two points and ignores an objective with no spread', () => {
    expect(crowdingDistance([p(1, 1), p(2, 0)], [0, 1])).toEqual([Infinity, Infinity]);
    const flat = [p(0, 1), p(1, 1), p(2, 1)];
    expect(crowdingDistance(flat, [0, 1, 2])).toEqual([Infinity, 1, Infinity]);
  });

  it('handles duplicates deterministically', () => {
    const dup = [p(0, 2), p(1, 1), p(1, 1), p(2, 0)];
    const d = crowdingDistance(dup, [0, 1, 2, 3]);
    expect(d[0]).toBe(Infinity);
    expect(d[3]).toBe(Infinity);
    // The two copies sit between (0,2) and (2,0): each sees one copy and one end as neighbours.
    expect(d[1]! + d[2]!).toBeCloseTo(2);
    expect(crowdingDistance(dup, [0, 1, 2, 3])).toEqual(d);
  });
});

describe('paretoRanks', () => {
  it('gives each point its front and crowding distance', () => {
    const r = paretoRanks([p(0, 2), p(1, 1), p(2, 0), p(0, 0)]);
    expect(r.map((x) => x.rank)).toEqual([0, 0, 0, 1]);
    expect(r.map((x) => x.crowding)).toEqual([Infinity, 2, Infinity, Infinity]);
  });
});

describe('paretoFront', () => {
  const trials = [
    trial(0, { valAccuracy: 0.9, params: 5000 }),
    trial(1, { valAccuracy: 0.8, params: 1000 }),
    trial(2, { valAccuracy: 0.7, params: 2000 }), // dominated by 1
    trial(3, { valAccuracy: 0.8, params: 1000 }), // a tie with 1: both on the front
    trial(4, { valAccuracy: 0.95, params: 9000 }),
    trial(5, { valAccuracy: 0.99, params: 100 }, { status: 'failed' }),
    trial(6, { valAccuracy: 0.99, params: 100 }, { cached: true }),
    trial(7, { valAccuracy: 0.99 }), // no params: left out
  ];

  it('keeps the non-dominated completed trials, ties included, in id order', () => {
    expect(paretoFront(trials, accParams).map((t) => t.id)).toEqual([0, 1, 3, 4]);
  });

  it('keeps only feasible trials when any is feasible', () => {
    expect(paretoFront(trials, accParams, [{ metric: 'params', max: 6000 }]).map((t) => t.id)).toEqual([0, 1, 3]);
  });

  it('falls back to the least-violating trials when none is feasible', () => {
    expect(paretoFront(trials, accParams, [{ metric: 'params', max: 500 }]).map((t) => t.id)).toEqual([1, 3]);
  });

  it('refuses malformed objectives and constraints', () => {
    expect(() => paretoFront(trials, [])).toThrow(/objective/);
    expect(() => paretoFront(trials, [{ metric: 'x', direction: 'up' as never }])).toThrow(/direction/);
    expect(() => paretoFront(trials, accParams, [{ metric: 'params' }])).toThrow(/bound/);
  });
});

describe('hypervolume2d', () => {
  it('is the area dominated against the reference point', () => {
    expect(hypervolume2d([[1, 2], [2, 1]], [0, 0])).toBe(3);
    expect(hypervolume2d([[1, 2], [2, 1], [1, 1], [-1, 5]], [0, 0])).toBe(3);
    expect(hypervolume2d([], [0, 0])).toBe(0);
  });
});

describe('strategyObjectives and objectiveMetrics', () => {
  const two = [{ metric: 'valAccuracy', direction: 'maximize' }, { metric: 'params', direction: 'minimize' }] as const;
  it("takes the strategy's own options over the engine's, the engine's over none, and checks what is given", () => {
    expect(strategyObjectives({})).toEqual({ objectives: [], constraints: [] });
    expect(strategyObjectives({}, { objectives: two })).toEqual({ objectives: two, constraints: [] });
    const own = [{ metric: 'seconds', direction: 'minimize' }] as const;
    expect(strategyObjectives({ objectives: own }, { objectives: two, constraints: [{ metric: 'params', max: 9 }] })).toEqual({ objectives: own, constraints: [{ metric: 'params', max: 9 }] });
    expect(() => strategyObjectives({ objectives: [{ metric: 'x', direction: 'up' as never }] })).toThrow(/direction 'maximize' or 'minimize'/);
    expect(() => strategyObjectives({ constraints: [{ metric: 'params' }] })).toThrow(/at least one bound/);
  });
  it('keeps only the finite metrics the objectives and constraints name', () => {
    const set = { objectives: [two[0]], constraints: [{ metric: 'params', max: 10 }] };
    expect(objectiveMetrics({ metrics: { valAccuracy: 0.5, params: 7, loss: 1, seconds: Number.NaN } }, set)).toEqual({ valAccuracy: 0.5, params: 7 });
    expect(objectiveMetrics({ metrics: { valAccuracy: Number.POSITIVE_INFINITY } }, set)).toEqual({});
    expect(objectiveMetrics(undefined, set)).toEqual({});
  });
});

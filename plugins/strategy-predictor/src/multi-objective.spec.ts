import { describe, expect, it } from 'vitest';
import {
  ContainerModule, Experiment, PerformanceEstimator, SearchSpace, SearchStrategy, createContainer, hypervolume2d,
  type Architecture, type AskTellStrategy, type DecisionValue, type Estimate, type MetricObjective, type TrialRecord,
} from '@autonas/core';
import { GridSpace } from '@autonas/testing';
import { PredictorStrategy } from './predictor-strategy.js';

const KEYS = ['x0', 'x1', 'x2', 'x3', 'x4', 'x5'];
const space = () => new GridSpace(Object.fromEntries(KEYS.map((k) => [k, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]])));
/** ZDT1 on the grid (both minimised); its front is x1..x5 = 0. */
function zdt1(d: Readonly<Record<string, DecisionValue>>): { f1: number; f2: number } {
  const v = KEYS.map((k) => Number(d[`grid/${k}`]) / 9);
  const f1 = v[0]!;
  const g = 1 + (9 * v.slice(1).reduce((s, x) => s + x, 0)) / 5;
  return { f1, f2: g * (1 - Math.sqrt(f1 / g)) };
}
const zdtEstimator: PerformanceEstimator = {
  name: 'zdt1',
  async estimate(arch: Architecture): Promise<Estimate> {
    const { f1, f2 } = zdt1(arch.decisions ?? {});
    return { score: -(f1 + f2), metrics: { f1, f2 }, cost: { seconds: 0 } };
  },
};
const objectives: MetricObjective[] = [
  { metric: 'f1', direction: 'minimize' },
  { metric: 'f2', direction: 'minimize' },
];
const small = { ensembleSize: 3, hiddenUnits: 16, epochs: 30, maxSteps: 60, candidates: 60, randomCandidates: 10 };

async function search(strategy: AskTellStrategy, maxTrials: number, constraints?: { metric: string; max: number }[]) {
  const module = new ContainerModule(({ bind }) => {
    bind(SearchSpace).toConstantValue(space());
    bind(PerformanceEstimator).toConstantValue(zdtEstimator);
    bind(SearchStrategy).toConstantValue(strategy);
  });
  return createContainer({ maxTrials, seed: 1, objectives, ...(constraints ? { constraints } : {}) }, module).get(Experiment).run();
}
const hv = (front: readonly TrialRecord[]) => hypervolume2d(front.map((t) => [-t.metrics.f1!, -t.metrics.f2!]), [-1.01, -10.01]);

describe('PredictorStrategy with two objectives (random-weight scalarisation)', () => {
  it('draws weights on the simplex, the same ones for the same batch', () => {
    const s = new PredictorStrategy({ seed: 1, objectives });
    const w = s.scalarisationWeights(12);
    expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1);
    expect(w.every((x) => x >= 0)).toBe(true);
    expect(new PredictorStrategy({ seed: 1, objectives }).scalarisationWeights(12)).toEqual(w);
    expect(s.scalarisationWeights(13)).not.toEqual(w);
  });

  it('finds a front with a larger hypervolume than random search on ZDT1, over several seeds', async () => {
    const trials = 60;
    const gains: number[] = [];
    for (const seed of [1, 2, 3]) {
      const predicted = await search(new PredictorStrategy({ seed, initialSamples: 10, ...small }), trials);
      // An initial design as large as the budget never uses the predictor: pure random sampling.
      const random = await search(new PredictorStrategy({ seed, initialSamples: trials, ...small }), trials);
      gains.push(hv(predicted.paretoFront!) - hv(random.paretoFront!));
    }
    console.log(`hypervolume gain of the predictor over random (3 seeds, ${trials} trials): ${gains.map((g) => g.toFixed(3)).join(', ')}`);
    expect(gains.every((g) => g > 0), gains.join(', ')).toBe(true);
  }, 60_000);

  it('learns the objective metrics from the engine, and keeps them through its state', async () => {
    const strategy = new PredictorStrategy({ seed: 4, initialSamples: 5, ...small });
    const result = await search(strategy, 15, [{ metric: 'f1', max: 0.5 }]);
    expect(strategy.multiObjective).toBe(true);
    for (const t of strategy.learnt()) expect(Object.keys(t.metrics ?? {}).sort()).toEqual(['f1', 'f2']);
    for (const t of result.paretoFront!) expect(t.metrics.f1).toBeLessThanOrEqual(0.5);
    const copy = new PredictorStrategy({ seed: 4, initialSamples: 5, ...small, objectives });
    copy.restore(JSON.parse(JSON.stringify(strategy.state())));
    expect(copy.learnt()).toEqual(strategy.learnt());
  });
});

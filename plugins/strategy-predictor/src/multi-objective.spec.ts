import { describe, expect, it } from 'vitest';
import {
  ContainerModule, Experiment, PerformanceEstimator, SearchSpace, SearchStrategy, createContainer,
  type AskTellStrategy,
} from '@autonas/core';
import { zdt1Problem } from '@autonas/testing';
import { PredictorStrategy } from './predictor-strategy.js';

/** ZDT1 on 6 decisions of 10 choices; its front is x1..x5 = 0. */
const zdt = zdt1Problem(6);
const space = () => zdt.space();
const zdtEstimator = zdt.estimator;
const objectives = zdt.objectives;
const small = { ensembleSize: 3, hiddenUnits: 16, epochs: 30, maxSteps: 60, candidates: 60, randomCandidates: 10 };

async function search(strategy: AskTellStrategy, maxTrials: number, constraints?: { metric: string; max: number }[]) {
  const module = new ContainerModule(({ bind }) => {
    bind(SearchSpace).toConstantValue(space());
    bind(PerformanceEstimator).toConstantValue(zdtEstimator);
    bind(SearchStrategy).toConstantValue(strategy);
  });
  return createContainer({ maxTrials, seed: 1, objectives, ...(constraints ? { constraints } : {}) }, module).get(Experiment).run();
}
const hv = zdt.hypervolume;

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

import { beforeAll, describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  ContainerModule,
  EngineMiddleware,
  Experiment,
  PerformanceEstimator,
  SearchSpace,
  SearchStrategy,
  createContainer,
  objectiveEstimator,
  resolveObjective,
  type Architecture,
  type Estimate,
  type EstimateContext,
} from '@autonas/core';
import { loadMnist, type Dataset } from '@autonas/data';
import { medianStopping } from '@autonas/middleware-early-stop';
import { EvolutionStrategy } from '@autonas/strategy-evolution';
import { GridSpace } from '@autonas/testing';
import { initRuntime } from '@autonas/tfjs';
import { ImageClassifier } from './index.js';

/** A made-up error to minimise over a 10 × 10 grid: 0 at (7, 2), growing away from it; reported per epoch, falling towards its final value. */
const error = (d: Readonly<Record<string, unknown>>) => Math.abs(Number(d['grid/a']) - 7) + Math.abs(Number(d['grid/b']) - 2) + 0.5;
class CurveEstimator implements PerformanceEstimator {
  readonly name = 'curve';
  async estimate(arch: Architecture, ctx: EstimateContext): Promise<Estimate> {
    const final = error(arch.decisions ?? {});
    let epochs = 0;
    for (let e = 0; e < 4 && !ctx.signal.aborted; e++, epochs++) ctx.report({ epoch: e, valMae: final * (1 + (3 - e) * 0.1) });
    return { score: 0, metrics: { valMae: final, epochs }, cost: { seconds: 0 }, partial: ctx.signal.aborted };
  }
}
const grid = () => new GridSpace({ a: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], b: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] });

function search(strategy: SearchStrategy, estimator: PerformanceEstimator, maxTrials: number, middleware?: EngineMiddleware) {
  return createContainer(
    { maxTrials, seed: 1 },
    new ContainerModule(({ bind }) => {
      bind(SearchSpace).toConstantValue(grid());
      bind(SearchStrategy).toConstantValue(strategy);
      bind(PerformanceEstimator).toConstantValue(estimator);
      if (middleware) bind(EngineMiddleware).toConstantValue(middleware);
    }),
  ).get(Experiment).run();
}

describe('objectives', () => {
  it('resolves names and directions, and refuses unknown ones with a typed error', () => {
    expect(resolveObjective('val_accuracy')).toEqual({ metric: 'valAccuracy', direction: 'maximize', label: 'val_accuracy' });
    expect(resolveObjective({ name: 'val_mae', direction: 'minimize' }).metric).toBe('valMae');
    expect(() => resolveObjective('accuracy' as never)).toThrow(ConfigurationError);
    expect(() => resolveObjective({ name: 'x', direction: 'up' as never })).toThrow(/direction/);
    expect(() => new ImageClassifier({ objective: 'nope' as never })).toThrow(/unknown objective/);
  });

  it('a custom objective with direction minimize is respected by evolution: it finds the lowest error, not the highest', async () => {
    const est = objectiveEstimator(new CurveEstimator(), { name: 'valMae', direction: 'minimize' });
    const found: number[] = [];
    const random: number[] = [];
    for (const seed of [1, 2, 3]) {
      const r = await search(new EvolutionStrategy({ seed, populationSize: 10, sampleSize: 3 }), est, 60);
      found.push(error(r.best!.architecture.decisions!));
      // The best by score is the lowest valMae of all trials.
      expect(r.best!.metrics.valMae).toBe(Math.min(...r.trials.filter((t) => t.status === 'completed').map((t) => t.metrics.valMae!)));
      random.push(Math.min(...r.trials.slice(0, 10).map((t) => t.metrics.valMae!)));
    }
    // Within 60 of 100 networks evolution reaches the optimum or next to it; its first 10 (random) trials do not.
    expect(Math.max(...found)).toBeLessThanOrEqual(1.5);
    expect(found.reduce((a, b) => a + b, 0)).toBeLessThan(random.reduce((a, b) => a + b, 0));
  });

  it('early stopping given the objective judges the metric in its direction: it stops trials whose error is high, never the best', async () => {
    const objective = { name: 'valMae', direction: 'minimize' } as const;
    const mw = medianStopping({ objective, minTrials: 2 });
    const order = [[7, 2], [0, 9], [1, 8], [7, 3], [9, 9], [6, 2]];
    const strategy: SearchStrategy = {
      name: 'fixed-order',
      async run(engine, space) {
        for (const [a, b] of order) if (engine.canSubmit()) await engine.submit((space as GridSpace).build({ 'grid/a': a!, 'grid/b': b! }));
      },
      state: () => ({}),
      restore: () => {},
    };
    const r = await search(strategy, objectiveEstimator(new CurveEstimator(), objective), order.length, mw);
    const stopped = [...mw.stopped().keys()];
    // (0, 9), (1, 8) and (9, 9) are far from the optimum: judged against the better curves before them they stop; (7, 3) and (6, 2) do not.
    expect(stopped).toEqual(expect.arrayContaining([2, 4]));
    expect(stopped).not.toContain(0);
    expect(stopped).not.toContain(3);
    expect(r.best!.architecture.decisions).toMatchObject({ 'grid/a': 7, 'grid/b': 2 });
    // With the default direction (higher is better) the same rule would have stopped the best ones instead.
    const wrong = medianStopping({ metric: 'valMae', minTrials: 2 });
    await search(strategy, objectiveEstimator(new CurveEstimator(), objective), order.length, wrong);
    expect([...wrong.stopped().keys()]).toContain(3);
  });

  describe('on real training', () => {
    let train: Dataset;
    beforeAll(async () => {
      await initRuntime({ backend: 'wasm', log: () => {} });
      ({ train } = await loadMnist({ trainSize: 800 }));
    });

    it("objective: 'val_loss' picks the trial with the lowest validation loss", async () => {
      const clf = new ImageClassifier({ maxTrials: 3, seed: 5, objective: 'val_loss', space: { blocks: [1], filters: [8, 16], headUnits: [0, 32] }, estimator: { maxSamples: 400 } });
      const r = await clf.fit(train.x, train.y, { epochs: 1, sampleShape: [28, 28, 1], baseline: false, retrain: false });
      const done = r.trials.filter((t) => t.status === 'completed' && !t.cached);
      expect(done.length).toBeGreaterThanOrEqual(2);
      expect(r.objective.direction).toBe('minimize');
      expect(r.bestValue).toBe(Math.min(...done.map((t) => t.metrics.valLoss!)));
      expect(r.best.score).toBe(-r.bestValue);
      clf.dispose();
    });
  });
});

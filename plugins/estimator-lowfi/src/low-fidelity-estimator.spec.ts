import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError, ContainerModule, Experiment, SearchSpace, SearchStrategy, createContainer, type Architecture } from '@autonas/core';
import { SearchData, loadMnist, splitDataset, type Dataset } from '@autonas/data';
import { GridSpace } from '@autonas/testing';
import { initRuntime, tf, type ModelArtifact } from '@autonas/tfjs';
import { LowFidelityEstimator, lowFidelityModule } from './low-fidelity-estimator.js';

/** A grid of tiny convnets: conv filters x dense head width, on 28x28 MNIST. */
class ConvGrid extends GridSpace {
  constructor() {
    super({ filters: [4, 8], units: [16, 32] }, 'convgrid');
  }
  override build(values: Record<string, number | string | boolean>): Architecture {
    const base = super.build(values);
    const d = base.decisions!;
    return {
      ...base,
      nodes: [
        { id: 'in', op: 'input', params: { shape: [28, 28, 1] }, inputs: [] },
        { id: 'c', op: 'conv2d', params: { filters: Number(d['convgrid/filters']), kernelSize: 3, activation: 'relu' }, inputs: ['in'] },
        { id: 'p', op: 'maxpool2d', params: { poolSize: 2 }, inputs: ['c'] },
        { id: 'f', op: 'flatten', params: {}, inputs: ['p'] },
        { id: 'h', op: 'dense', params: { units: Number(d['convgrid/units']), activation: 'relu' }, inputs: ['f'] },
        { id: 'out', op: 'classifier', params: { classes: 10 }, inputs: ['h'] },
      ],
    };
  }
}

let data: { train: Dataset; validation: Dataset };

describe('LowFidelityEstimator', () => {
  beforeAll(async () => {
    await initRuntime({ backend: 'wasm', log: () => {} });
    const { train } = await loadMnist({ trainSize: 2000 });
    data = splitDataset(train, { fraction: 0.25, seed: 1 });
  });

  it('trains on a fixed subset and scores by validation accuracy, well above chance', async () => {
    const est = new LowFidelityEstimator(data, { epochs: 3, batchSize: 32, dataFraction: 0.5, maxSamples: 600 });
    expect(est.train.size).toBe(600);
    expect(est.validation.size).toBe(500);
    const reports: number[] = [];
    const arch = new ConvGrid().defaultArchitecture();
    const e = await est.estimate(arch, { trialId: 0, seed: 1, signal: new AbortController().signal, report: (m) => reports.push(m.epoch) });
    expect(reports).toEqual([0, 1, 2]);
    expect(e.score).toBeGreaterThan(0.5);
    expect(e.metrics.params).toBe(4 * 9 + 4 + 14 * 14 * 4 * 16 + 16 + 16 * 10 + 10);
    expect(e.cost.samples).toBe(1800);
    (e.artifact as ModelArtifact).dispose();
  });

  it('runs three trials in an experiment with no tensor leak', async () => {
    await initRuntime({ backend: 'wasm', log: () => {} });
    const before = tf.memory().numTensors;
    const strategy = new (class {
      readonly name = 'all';
      async run(engine: import('@autonas/core').ExecutionEngine, space: import('@autonas/core').SearchSpace) {
        const g = space as ConvGrid;
        for (const f of [4, 8]) for (const u of [16, 32]) if (engine.canSubmit()) await engine.submit(g.build({ 'convgrid/filters': f, 'convgrid/units': u }));
      }
      state() { return {}; }
      restore() {}
    })();
    const c = createContainer(
      { maxTrials: 3, seed: 2 },
      new ContainerModule(({ bind }) => {
        bind(SearchSpace).toConstantValue(new ConvGrid());
        bind(SearchStrategy).toConstantValue(strategy);
        bind(SearchData).toConstantValue(data);
      }),
      lowFidelityModule({ epochs: 2, batchSize: 16, maxSamples: 300, validationFraction: 0.4 }),
    );
    const result = await c.get(Experiment).run();
    expect(result.trials.filter((t) => t.status === 'completed')).toHaveLength(3);
    expect(result.best!.score).toBeGreaterThan(0.5);
    (result.bestArtifact as ModelArtifact).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('downscales the input: trains the 28×28 architecture at 14×14, above chance, returning no artifact', async () => {
    const before = tf.memory().numTensors;
    const est = new LowFidelityEstimator(data, { epochs: 3, batchSize: 32, maxSamples: 800, learningRate: 0.004, inputScale: 0.5 });
    expect(est.inputShape).toEqual([14, 14, 1]);
    const arch = new ConvGrid().defaultArchitecture();
    const e = await est.estimate(arch, { trialId: 0, seed: 1, signal: new AbortController().signal, report: () => {} });
    expect(e.metrics.inputHeight).toBe(14);
    expect(e.metrics.params).toBe(4 * 9 + 4 + 7 * 7 * 4 * 16 + 16 + 16 * 10 + 10);
    expect(e.score).toBeGreaterThan(0.6); // chance: 0.1
    expect(e.artifact).toBeUndefined();
    expect(tf.memory().numTensors).toBe(before);
    // A candidate whose pooling does not fit the smaller image fails naming the problem.
    const tiny = new LowFidelityEstimator(data, { maxSamples: 50, inputScale: 0.05 });
    await expect(tiny.estimate(arch, { trialId: 1, seed: 1, signal: new AbortController().signal, report: () => {} })).rejects.toThrow(/shape|size/);
  });

  it('rejects bad options', () => {
    expect(() => new LowFidelityEstimator(data, { inputScale: 0 })).toThrow(/inputScale/);
    expect(() => new LowFidelityEstimator(data, { inputScale: 1.5 })).toThrow(ConfigurationError);
    expect(() => new LowFidelityEstimator(data, { dataFraction: 0 })).toThrow(ConfigurationError);
    expect(() => new LowFidelityEstimator(data, { validationFraction: 2 })).toThrow(ConfigurationError);
    expect(() => new LowFidelityEstimator(data, { maxSamples: 1.5 })).toThrow(/maxSamples/);
  });
});

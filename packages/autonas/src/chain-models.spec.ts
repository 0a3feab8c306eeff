import { beforeAll, describe, expect, it } from 'vitest';
import { Random, inferShapes } from '@autonas/core';
import { ChainSpace } from '@autonas/space-chain';
import { compileArchitecture, initRuntime, tf, trainableParams } from '@autonas/tfjs';

describe('chain space × tfjs runtime', () => {
  beforeAll(async () => {
    await initRuntime({ backend: 'wasm', log: () => {} });
  });

  it('every sampled architecture compiles to a model with the inferred shapes and parameter count, and runs', () => {
    const space = new ChainSpace({ inputShape: [28, 28, 1], numClasses: 10 });
    const rng = new Random(21);
    const before = tf.memory().numTensors;
    const x = tf.randomUniform([2, 28, 28, 1]);
    for (let i = 0; i < 40; i++) {
      const arch = space.sample(rng);
      const model = compileArchitecture(arch, { seed: i });
      expect(trainableParams(model)).toBe(inferShapes(arch).totalParams);
      const y = model.predict(x) as tf.Tensor;
      expect(y.shape).toEqual([2, 10]);
      const sums = tf.sum(y, -1);
      for (const s of sums.dataSync()) expect(s).toBeCloseTo(1, 4);
      tf.dispose([y, sums]);
      model.dispose();
    }
    x.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

import { describe, expect, it } from 'vitest';
import { compileArchitecture, initRuntime, tf, trainableParams } from '@autonas/tfjs';
import { NasBenchMacroSpace, loadNasBenchMacro } from './index.js';

describe('NasBenchMacroSpace on TensorFlow.js', () => {
  it('compiles to a runnable network with the benchmark\'s parameter count', async () => {
    await initRuntime({ backend: 'wasm', log: () => {} });
    const bench = loadNasBenchMacro();
    const before = tf.memory().numTensors;
    for (const key of ['22212220', '00000000', '10201120']) {
      const model = compileArchitecture(new NasBenchMacroSpace().fromKey(key), { seed: 1 });
      expect(trainableParams(model)).toBe(bench.row(key)!.params);
      const x = tf.randomNormal([2, 32, 32, 3]);
      const y = model.predict(x) as tf.Tensor;
      expect(y.shape).toEqual([2, 10]);
      tf.dispose([x, y]);
      model.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);
});

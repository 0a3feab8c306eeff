import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidArchitectureError, inferShapes, type ArchNode, type Architecture } from '@autonas/core';
import { initRuntime } from './backend.js';
import { compileArchitecture, disposeLayerBank, layerKey, tf, tfl, trainableParams } from './compile.js';
import { withStandardLayers } from './file-io.js';

const node = (id: string, op: string, params: ArchNode['params'], inputs: string[]): ArchNode => ({ id, op, params, inputs });

/** Uses every standard op once. */
const everyOp: Architecture = {
  nodes: [
    node('in', 'input', { shape: [12, 12, 2] }, []),
    node('c1', 'conv2d', { filters: 4, kernelSize: 3, activation: 'relu' }, ['in']),
    node('bn', 'batchnorm', {}, ['c1']),
    node('act', 'activation', { fn: 'elu' }, ['bn']),
    node('sep', 'sepconv2d', { filters: 4, kernelSize: 3, useBias: false }, ['act']),
    node('dw', 'depthwiseconv2d', { kernelSize: 3, depthMultiplier: 2, dilationRate: 2 }, ['act']),
    node('dil', 'conv2d', { filters: 4, kernelSize: 3, dilationRate: 2, useBias: false }, ['dw']),
    node('dsep', 'sepconv2d', { filters: 4, kernelSize: 5, dilationRate: 2 }, ['act']),
    node('sum', 'add', {}, ['sep', 'act', 'dil', 'dsep']),
    node('crop', 'crop2d', { cropping: [[1, 0], [1, 0]] }, ['sum']),
    node('pad', 'zeropad2d', { padding: [[0, 1], [0, 1]] }, ['crop']),
    node('mp', 'maxpool2d', { poolSize: 2 }, ['pad']),
    node('ap', 'avgpool2d', { poolSize: 2 }, ['sum']),
    node('zero', 'zeros', { strides: 2 }, ['act']),
    node('zero1', 'zeros', {}, ['ap']),
    node('cat', 'concat', {}, ['mp', 'ap', 'zero', 'zero1']),
    node('c2', 'conv2d', { filters: 6, kernelSize: 5, strides: 2, padding: 'valid' }, ['cat']),
    node('gap', 'globalavgpool2d', {}, ['c2']),
    node('dilv', 'conv2d', { filters: 3, kernelSize: 3, dilationRate: 2, padding: 'valid', activation: 'relu' }, ['dw']),
    node('gapv', 'globalavgpool2d', {}, ['dilv']),
    node('heads', 'concat', {}, ['gap', 'gapv']),
    node('d1', 'dense', { units: 7, activation: 'relu' }, ['heads']),
    node('drop', 'dropout', { rate: 0.5 }, ['d1']),
    node('out', 'classifier', { classes: 3 }, ['drop']),
  ],
};

const cnn: Architecture = {
  nodes: [
    node('in', 'input', { shape: [28, 28, 1] }, []),
    node('c', 'conv2d', { filters: 8, kernelSize: 3, activation: 'relu' }, ['in']),
    node('p', 'maxpool2d', { poolSize: 2 }, ['c']),
    node('f', 'flatten', {}, ['p']),
    node('out', 'classifier', { classes: 10 }, ['f']),
  ],
};

describe('compileArchitecture', () => {
  beforeAll(async () => {
    await initRuntime({ backend: 'wasm', log: () => {} });
  });

  it('builds every standard op with the shapes and parameter counts the core infers', () => {
    for (const arch of [everyOp, cnn]) {
      const before = tf.memory().numTensors;
      const model = compileArchitecture(arch, { seed: 3 });
      const info = inferShapes(arch);
      expect(model.outputs[0]!.shape).toEqual([null, ...info.outputShape]);
      expect(trainableParams(model)).toBe(info.totalParams);
      for (const n of arch.nodes) {
        if (n.op === 'input') continue;
        expect(model.getLayer(n.id).outputShape).toEqual([null, ...info.shapes.get(n.id)!]);
      }
      const x = tf.randomNormal([2, ...(arch.nodes[0]!.params.shape as number[])]);
      const y = model.predict(x) as tf.Tensor;
      const sums = tf.sum(y, -1);
      for (const s of sums.dataSync()) expect(s).toBeCloseTo(1, 5);
      tf.dispose([x, y, sums]);
      model.dispose();
      expect(tf.memory().numTensors).toBe(before);
    }
  });

  it('initialises weights from the seed', () => {
    const w = (seed: number) => {
      const m = compileArchitecture(cnn, { seed });
      const v = Array.from(m.getLayer('c').getWeights()[0]!.dataSync());
      m.dispose();
      return v;
    };
    expect(w(1)).toEqual(w(1));
    expect(w(1)).not.toEqual(w(2));
  });

  it('shares layers through a bank by node id, op, params and input shape, and frees them with disposeLayerBank', () => {
    const before = tf.memory().numTensors;
    const bank = new Map<string, tfl.layers.Layer>();
    const wide: Architecture = { nodes: cnn.nodes.map((n) => (n.id === 'c' ? { ...n, params: { ...n.params, filters: 16 } } : n)) };
    const a = compileArchitecture(cnn, { seed: 1, layers: bank });
    const b = compileArchitecture(cnn, { seed: 2, layers: bank });
    const c = compileArchitecture(wide, { seed: 3, layers: bank });
    expect(b.getLayer('c')).toBe(a.getLayer('c'));
    expect(c.getLayer('c')).not.toBe(a.getLayer('c'));
    expect(c.getLayer('out')).not.toBe(a.getLayer('out')); // its input has another shape
    expect(bank.has(`${layerKey(cnn.nodes[1]!, [[28, 28, 1]])}#0`)).toBe(true);
    // Training one model moves the other's weights; predictions agree.
    const doubled = a.getLayer('c').getWeights().map((w) => tf.mul(w, 2));
    a.getLayer('c').setWeights(doubled);
    tf.dispose(doubled);
    const x = tf.randomUniform([2, 28, 28, 1], 0, 1, 'float32', 5);
    const [pa, pb] = [a.predict(x) as tf.Tensor, b.predict(x) as tf.Tensor];
    expect(Array.from(pa.dataSync())).toEqual(Array.from(pb.dataSync()));
    tf.dispose([x, pa, pb]);
    const layersIn = new Set([...a.layers, ...b.layers, ...c.layers].filter((l) => l.weights.length > 0)).size;
    expect(bank.size).toBeGreaterThanOrEqual(layersIn);
    disposeLayerBank(bank);
    expect(bank.size).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('draws a new dropout mask every training step, the same sequence for the same seed, and serialises as a plain Dropout', async () => {
    const before = tf.memory().numTensors;
    const arch: Architecture = { nodes: [node('in', 'input', { shape: [64] }, []), node('drop', 'dropout', { rate: 0.5 }, ['in']), node('out', 'classifier', { classes: 2 }, ['drop'])] };
    const masks = (model: tfl.LayersModel, calls: number) => {
      const sub = tfl.model({ inputs: model.inputs, outputs: model.getLayer('drop').output as tfl.SymbolicTensor });
      const x = tf.ones([4, 64]);
      const out: number[][] = [];
      for (let i = 0; i < calls; i++) {
        const y = sub.apply(x, { training: true }) as tf.Tensor;
        out.push(Array.from(y.dataSync()));
        y.dispose();
      }
      const inference = sub.apply(x) as tf.Tensor;
      expect(Array.from(inference.dataSync()).every((v) => v === 1)).toBe(true);
      tf.dispose([x, inference]);
      return out;
    };
    const a = compileArchitecture(arch, { seed: 5 });
    const b = compileArchitecture(arch, { seed: 5 });
    const c = compileArchitecture(arch, { seed: 6 });
    const ma = masks(a, 3);
    // Every value is dropped (0) or kept and scaled by 1 / (1 - 0.5); about half are kept.
    for (const m of ma) {
      expect(m.every((v) => v === 0 || v === 2)).toBe(true);
      const kept = m.filter((v) => v === 2).length / m.length;
      expect(kept).toBeGreaterThan(0.35);
      expect(kept).toBeLessThan(0.65);
    }
    // A new mask each call (tf.layers.dropout with a seed repeats the first one forever).
    expect(ma[1]).not.toEqual(ma[0]);
    expect(ma[2]).not.toEqual(ma[1]);
    expect(masks(b, 3)).toEqual(ma);
    expect(masks(c, 1)[0]).not.toEqual(ma[0]);
    const json = a.toJSON(null, false) as unknown as { config: { layers: Array<{ class_name: string; config: Record<string, unknown> }> } };
    const layer = json.config.layers.find((l) => l.config.name === 'drop')!;
    expect(layer.class_name).toBe('Dropout');
    expect(layer.config.rate).toBe(0.5);
    const loaded = await tfl.models.modelFromJSON({ modelTopology: json as unknown as tf.io.ModelJSON['modelTopology'] });
    expect(loaded.getLayer('drop').getClassName()).toBe('Dropout');
    for (const m of [a, b, c, loaded]) m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects unknown ops and impossible shapes before touching TensorFlow.js', () => {
    const bad: Architecture = { nodes: [cnn.nodes[0]!, node('x', 'warp', {}, ['in']), node('out', 'classifier', { classes: 2 }, ['x'])] };
    expect(() => compileArchitecture(bad)).toThrow(InvalidArchitectureError);
    const collapse: Architecture = {
      nodes: [node('in', 'input', { shape: [2, 2, 1] }, []), node('p', 'maxpool2d', { poolSize: 4 }, ['in']), node('out', 'classifier', { classes: 2 }, ['p'])],
    };
    expect(() => compileArchitecture(collapse)).toThrow(/produces shape/);
  });

  it('trains every standard op on wasm, dilated convolutions included: gradients reach every weight and the loss falls', async () => {
    const model = compileArchitecture(everyOp, { seed: 5 });
    model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
    const x = tf.randomNormal([8, 12, 12, 2], 0, 1, 'float32', 3);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], 'int32'), 3);
    const start = model.getWeights().map((w) => w.dataSync().slice());
    const losses: number[] = [];
    let afterFirst = 0;
    for (let step = 0; step < 15; step++) {
      losses.push(Number(await model.trainOnBatch(x, y)));
      if (step === 0) afterFirst = tf.memory().numTensors;
    }
    // Flat from step to step (compile + trainOnBatch + dispose itself keeps one tensor in tfjs-layers 4.22, whatever the model).
    expect(tf.memory().numTensors).toBe(afterFirst);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]! * 0.7);
    const trainable = new Set(model.trainableWeights.map((w) => w.name));
    model.weights.forEach((w, i) => {
      if (!trainable.has(w.name)) return;
      const now = w.read().dataSync();
      expect(now.some((v, j) => v !== start[i]![j]), `weight ${w.name} never changed`).toBe(true);
    });
    for (const id of ['dw', 'dil', 'dilv', 'dsep']) expect(model.getLayer(id).trainableWeights.length).toBeGreaterThan(0);
    tf.dispose([x, y]);
    model.optimizer.dispose();
    model.dispose();
  });

  it('saves the dilated conv2d layer as a standard Conv2D, and the zero and shift ops, computing the same function once loaded', async () => {
    const model = compileArchitecture(everyOp, { seed: 2 });
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(withStandardLayers(tf.io.withSaveHandler(async (a) => ((saved = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }))));
    expect(JSON.stringify(saved!.modelTopology)).not.toContain('Autonas');
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(saved!));
    expect(loaded.getLayer('dil').getClassName()).toBe('Conv2D');
    expect(loaded.getLayer('dil').getConfig().dilationRate).toEqual([2, 2]);
    expect(loaded.getLayer('dilv').getConfig().padding).toBe('valid');
    const x = tf.randomNormal([2, 12, 12, 2], 0, 1, 'float32', 4);
    const [a, b] = [model.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor];
    const diff = tf.max(tf.abs(tf.sub(a, b)));
    expect(diff.dataSync()[0]).toBeLessThan(1e-6);
    tf.dispose([x, a, b, diff]);
    model.dispose();
    loaded.dispose();
  });
});

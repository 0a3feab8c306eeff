import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArchitectureError, checkGraph, inferShapes, numberParam, type ArchNode, type Architecture } from '@autonas/core';
import { DilatedConv2D } from './dilated-conv2d-layer.js';
import { SeededDropout } from './seeded-dropout-layer.js';

/** Options of {@link compileArchitecture}. */
export interface CompileOptions {
  /**
   * Seed of the weight initialisers and of the dropout mask sequences: the same seed gives the
   * same initial weights and the same masks, step by step (a new mask every training step).
   */
  readonly seed?: number;
  /** Model name. */
  readonly name?: string;
  /**
   * A bank of layers to share weights through: a node's layer is taken from it when it holds
   * one for the same node id, op, params and input shapes (the key {@link layerKey} gives), and
   * a new layer is stored in it otherwise. Models compiled with the same bank share those
   * layers' weights (a one-shot supernet). The bank's layers outlive the models built from them:
   * drop such models without `dispose()`, and release the weights with {@link disposeLayerBank}.
   */
  readonly layers?: Map<string, tfl.layers.Layer>;
}

/**
 * The key under which {@link compileArchitecture} shares a node's layer through
 * `CompileOptions.layers`: node id, op, params (sorted keys) and input shapes.
 *
 * @example
 * ```ts
 * import { layerKey } from '@autonas/tfjs';
 * console.log(layerKey({ id: 'c', op: 'dense', params: { units: 8 }, inputs: ['in'] }, [[16]]));
 * ```
 */
export function layerKey(node: ArchNode, inputShapes: ReadonlyArray<readonly number[]>): string {
  const params = Object.keys(node.params).sort().map((k) => `${k}=${JSON.stringify(node.params[k])}`).join(',');
  return `${node.id}|${node.op}|${params}|${inputShapes.map((s) => s.join('x')).join(';')}`;
}

/**
 * Disposes the weights of every layer in a bank built through `CompileOptions.layers` and
 * empties it; models compiled from it can no longer run.
 *
 * @example
 * ```ts
 * import { compileArchitecture, disposeLayerBank, tfl } from '@autonas/tfjs';
 * const bank = new Map<string, tfl.layers.Layer>();
 * compileArchitecture({ nodes: [
 *   { id: 'in', op: 'input', params: { shape: [4] }, inputs: [] },
 *   { id: 'out', op: 'classifier', params: { classes: 2 }, inputs: ['in'] },
 * ] }, { layers: bank });
 * disposeLayerBank(bank);
 * ```
 */
export function disposeLayerBank(bank: Map<string, tfl.layers.Layer>): void {
  for (const layer of bank.values()) for (const w of layer.weights) w.dispose();
  bank.clear();
}

const num = numberParam;
const str = (n: ArchNode, k: string, d: string) => String(n.params[k] ?? d);
const layerName = (id: string) => id.replace(/[^A-Za-z0-9_.-]/g, '_');

/**
 * Builds a `tf.LayersModel` for an architecture of standard ops (see `STANDARD_OPS` in
 * `@autonas/core`). Layer names are the node ids; initialisers are seeded. The classifier is a
 * dense layer with softmax, so `predict` returns class probabilities. A `conv2d` with a dilation
 * rate > 1 becomes a layer calling `tf.conv2d` (class `AutonasDilatedConv2D`), so that it trains
 * (see `registerDilatedConvGradients`), saved by `saveModel` as a standard `Conv2D`; every other op is a standard tfjs-layers layer. Shapes are checked first,
 * without TensorFlow.js, so a bad architecture fails with an `InvalidArchitectureError` that
 * names the node.
 *
 * @example
 * ```ts
 * import { compileArchitecture } from '@autonas/tfjs';
 * const model = compileArchitecture({ nodes: [
 *   { id: 'in', op: 'input', params: { shape: [28, 28, 1] }, inputs: [] },
 *   { id: 'conv', op: 'conv2d', params: { filters: 8, kernelSize: 3, activation: 'relu' }, inputs: ['in'] },
 *   { id: 'out', op: 'classifier', params: { classes: 10 }, inputs: ['conv'] },
 * ] }, { seed: 1 });
 * console.log(model.outputs[0].shape); // [null, 10]
 * model.dispose();
 * ```
 */
export function compileArchitecture(arch: Architecture, options: CompileOptions = {}): tfl.LayersModel {
  const { shapes } = inferShapes(arch);
  const order = checkGraph(arch);
  const bank = options.layers;
  const seed0 = options.seed ?? 0;
  let k = 0;
  const seed = () => (seed0 * 1009 + ++k) % 2147483647;
  const init = () => tfl.initializers.glorotUniform({ seed: seed() });
  const outs = new Map<string, tfl.SymbolicTensor>();
  const inputs: tfl.SymbolicTensor[] = [];
  for (const n of order) {
    const xs = n.inputs.map((i) => outs.get(i)!);
    const x = xs[0]!;
    const name = layerName(n.id);
    const key = bank ? layerKey(n, n.inputs.map((i) => shapes.get(i)!)) : '';
    let aux = 0;
    // With a bank, a layer of the same key is reused (its factory is not called).
    const layer = <L extends tfl.layers.Layer>(make: () => L): tfl.layers.Layer => {
      if (!bank) return make();
      const k = `${key}#${aux++}`;
      let l = bank.get(k);
      if (!l) bank.set(k, (l = make()));
      return l;
    };
    let y: tfl.SymbolicTensor;
    switch (n.op) {
      case 'input':
        y = tfl.input({ shape: (n.params.shape as number[]).slice(), name });
        inputs.push(y);
        break;
      case 'conv2d':
        if (num(n, 'dilationRate', 1) > 1) {
          // tf.layers.conv2d's fused op has a built-in gradient that rejects dilation.
          y = layer(() => new DilatedConv2D({
            name, filters: num(n, 'filters'), kernelSize: num(n, 'kernelSize'), dilationRate: num(n, 'dilationRate', 1),
            padding: str(n, 'padding', 'same') as 'same' | 'valid', activation: str(n, 'activation', 'linear'),
            useBias: n.params.useBias !== false, kernelInitializer: init(),
          })).apply(x) as tfl.SymbolicTensor;
          break;
        }
        y = layer(() => tfl.layers.conv2d({
          name, filters: num(n, 'filters'), kernelSize: num(n, 'kernelSize'), strides: num(n, 'strides', 1), dilationRate: num(n, 'dilationRate', 1),
          padding: str(n, 'padding', 'same') as 'same' | 'valid', activation: str(n, 'activation', 'linear') as never,
          useBias: n.params.useBias !== false, kernelInitializer: init(),
        })).apply(x) as tfl.SymbolicTensor;
        break;
      case 'sepconv2d':
        y = layer(() => tfl.layers.separableConv2d({
          name, filters: num(n, 'filters'), kernelSize: num(n, 'kernelSize'), strides: num(n, 'strides', 1), dilationRate: num(n, 'dilationRate', 1),
          padding: str(n, 'padding', 'same') as 'same' | 'valid', activation: str(n, 'activation', 'linear') as never,
          useBias: n.params.useBias !== false, depthwiseInitializer: init(), pointwiseInitializer: init(),
        })).apply(x) as tfl.SymbolicTensor;
        break;
      case 'depthwiseconv2d':
        y = layer(() => tfl.layers.depthwiseConv2d({
          name, kernelSize: num(n, 'kernelSize'), strides: num(n, 'strides', 1), dilationRate: num(n, 'dilationRate', 1),
          depthMultiplier: num(n, 'depthMultiplier', 1), padding: str(n, 'padding', 'same') as 'same' | 'valid',
          activation: str(n, 'activation', 'linear') as never, useBias: n.params.useBias !== false, depthwiseInitializer: init(),
        })).apply(x) as tfl.SymbolicTensor;
        break;
      case 'batchnorm':
        y = layer(() => tfl.layers.batchNormalization({ name, momentum: num(n, 'momentum', 0.9), epsilon: num(n, 'epsilon', 1e-3) })).apply(x) as tfl.SymbolicTensor;
        break;
      case 'activation':
        y = layer(() => tfl.layers.activation({ name, activation: str(n, 'fn', 'relu') as never })).apply(x) as tfl.SymbolicTensor;
        break;
      case 'maxpool2d':
      case 'avgpool2d': {
        const poolSize = num(n, 'poolSize', 2);
        const cfg = { name, poolSize, strides: num(n, 'strides', poolSize), padding: str(n, 'padding', 'valid') as 'same' | 'valid' };
        y = layer(() => (n.op === 'maxpool2d' ? tfl.layers.maxPooling2d(cfg) : tfl.layers.averagePooling2d(cfg))).apply(x) as tfl.SymbolicTensor;
        break;
      }
      case 'globalavgpool2d':
        y = layer(() => tfl.layers.globalAveragePooling2d({ name })).apply(x) as tfl.SymbolicTensor;
        break;
      case 'dropout':
        y = layer(() => new SeededDropout({ name, rate: num(n, 'rate'), seed: seed() })).apply(x) as tfl.SymbolicTensor;
        break;
      case 'flatten':
        y = layer(() => tfl.layers.flatten({ name })).apply(x) as tfl.SymbolicTensor;
        break;
      case 'dense':
        y = layer(() => tfl.layers.dense({ name, units: num(n, 'units'), activation: str(n, 'activation', 'linear') as never, kernelInitializer: init() })).apply(x) as tfl.SymbolicTensor;
        break;
      case 'add':
        y = layer(() => tfl.layers.add({ name })).apply(xs) as tfl.SymbolicTensor;
        break;
      case 'concat':
        y = layer(() => tfl.layers.concatenate({ name, axis: -1 })).apply(xs) as tfl.SymbolicTensor;
        break;
      case 'classifier': {
        const flat = x.shape.length > 2 ? (layer(() => tfl.layers.flatten({ name: `${name}_flatten` })).apply(x) as tfl.SymbolicTensor) : x;
        y = layer(() => tfl.layers.dense({ name, units: num(n, 'classes'), activation: 'softmax', kernelInitializer: init() })).apply(flat) as tfl.SymbolicTensor;
        break;
      }
      case 'regressor': {
        const flat = x.shape.length > 2 ? (layer(() => tfl.layers.flatten({ name: `${name}_flatten` })).apply(x) as tfl.SymbolicTensor) : x;
        const scale = num(n, 'scale', 1);
        const offset = num(n, 'offset', 0);
        const rescaled = scale !== 1 || offset !== 0;
        y = layer(() => tfl.layers.dense({ name: rescaled ? `${name}_linear` : name, units: num(n, 'units', 1), activation: 'linear', kernelInitializer: init() })).apply(flat) as tfl.SymbolicTensor;
        // Targets in their own units: a standard rescaling layer, so plain tfjs loads the model.
        if (rescaled) y = layer(() => tfl.layers.rescaling({ name, scale, offset })).apply(y) as tfl.SymbolicTensor;
        break;
      }
      case 'zeros': {
        // DARTS' Zero: x[::s, ::s] · 0, of standard layers (a 1×1 pool with stride s, a rescaling by 0).
        const st = num(n, 'strides', 1);
        const sub = st > 1 ? (layer(() => tfl.layers.averagePooling2d({ name: `${name}_subsample`, poolSize: 1, strides: st, padding: 'same' })).apply(x) as tfl.SymbolicTensor) : x;
        y = layer(() => tfl.layers.rescaling({ name, scale: 0, offset: 0 })).apply(sub) as tfl.SymbolicTensor;
        break;
      }
      case 'crop2d':
        y = layer(() => tfl.layers.cropping2D({ name, cropping: n.params.cropping as unknown as [[number, number], [number, number]] })).apply(x) as tfl.SymbolicTensor;
        break;
      case 'zeropad2d':
        y = layer(() => tfl.layers.zeroPadding2d({ name, padding: n.params.padding as unknown as [[number, number], [number, number]] })).apply(x) as tfl.SymbolicTensor;
        break;
      default:
        throw new InvalidArchitectureError('UNKNOWN_OP', `the tfjs runtime cannot build op "${n.op}" (node "${n.id}")`);
    }
    outs.set(n.id, y);
  }
  return tfl.model({ inputs, outputs: outs.get(order[order.length - 1]!.id)!, name: options.name ?? 'autonas' });
}

/** Trainable parameter count of a model. */
export function trainableParams(model: tfl.LayersModel): number {
  return model.trainableWeights.reduce((a, w) => a + w.shape.reduce<number>((p, d) => p * (d ?? 1), 1), 0);
}

export { tf, tfl };

/** A trained model held as an estimate's artifact. */
export interface ModelArtifact {
  readonly model: tfl.LayersModel;
  dispose(): void;
}

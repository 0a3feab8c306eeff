import { ConfigurationError, type Architecture } from '@autonas/core';
import type { Dataset } from '@autonas/data';
import { compileArchitecture, ensureRuntime, tf, tfl, trainableParams } from '@autonas/tfjs';

/** The zero-cost proxies this package computes. */
export type ZeroCostProxy = 'synflow' | 'naswot' | 'gradNorm' | 'params';

/** Every proxy, in a fixed order. */
export const ZERO_COST_PROXIES: readonly ZeroCostProxy[] = ['synflow', 'naswot', 'gradNorm', 'params'];

/** One minibatch: `x` of shape [n, ...sampleShape] and integer labels. */
export interface Minibatch {
  readonly x: tf.Tensor;
  readonly labels: Int32Array;
  readonly numClasses: number;
}

/**
 * The first `size` samples of `data` (or all of them) as a minibatch tensor; dispose `x` when done.
 *
 * @example
 * ```ts
 * import { minibatch } from '@autonas/estimator-zerocost';
 * import { loadMnist } from '@autonas/data';
 * const { train } = await loadMnist({ trainSize: 100 });
 * const batch = minibatch(train, 32);
 * console.log(batch.x.shape); // [32, 28, 28, 1]
 * batch.x.dispose();
 * ```
 */
export function minibatch(data: Dataset, size = 64): Minibatch {
  if (!(Number.isInteger(size) && size >= 2)) throw new ConfigurationError('BAD_BATCH_SIZE', `a zero-cost minibatch needs at least 2 samples, got ${size}`);
  const n = Math.min(size, data.size);
  const per = data.sampleShape.reduce((a, b) => a * b, 1);
  return { x: tf.tensor(data.x.slice(0, n * per), [n, ...data.sampleShape]), labels: data.y.slice(0, n), numClasses: data.numClasses };
}

/** The last layer of a model and the logits before its softmax (a dense layer's pre-activation). */
function logitsOf(model: tfl.LayersModel, x: tf.Tensor): tf.Tensor {
  const last = model.layers[model.layers.length - 1]!;
  const config = last.getConfig() as { activation?: string };
  if (last.getClassName() !== 'Dense' || config.activation !== 'softmax') return model.apply(x, { training: false }) as tf.Tensor;
  const body = tfl.model({ inputs: model.inputs, outputs: last.input as tfl.SymbolicTensor });
  const features = body.apply(x, { training: false }) as tf.Tensor;
  const [kernel, bias] = last.trainableWeights.map((w) => w.read());
  const z = tf.matMul(tf.reshape(features, [features.shape[0]!, -1]), kernel!);
  return bias ? tf.add(z, bias) : z;
}

/** The trainable variables of a model, in order. */
function variables(model: tfl.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => w.read() as tf.Variable);
}

/**
 * SynFlow (Tanimoto et al., 2020): with every weight replaced by its absolute value and an
 * all-ones input, R = Σ outputs (the logits), score = Σ |θ ⊙ ∂R/∂θ|. Returned as the natural
 * logarithm of that sum, computed as log R + log Σ |θ ⊙ ∂log R/∂θ| so that large networks do
 * not overflow float32 in the sum; the weights are restored afterwards. `-Infinity` when the
 * score is 0 (a network that passes no signal).
 *
 * @param model a built network (its first input's shape gives the sample shape).
 * @returns log of the synflow score.
 * @example
 * ```ts
 * import { synflow } from '@autonas/estimator-zerocost';
 * import { compileArchitecture, ensureRuntime } from '@autonas/tfjs';
 * await ensureRuntime();
 * const model = compileArchitecture({ nodes: [
 *   { id: 'in', op: 'input', params: { shape: [4] }, inputs: [] },
 *   { id: 'h', op: 'dense', params: { units: 8, activation: 'relu' }, inputs: ['in'] },
 *   { id: 'out', op: 'classifier', params: { classes: 2 }, inputs: ['h'] },
 * ] }, { seed: 1 });
 * console.log(Number.isFinite(synflow(model))); // true
 * model.dispose();
 * ```
 */
export function synflow(model: tfl.LayersModel): number {
  const vars = variables(model);
  const saved = vars.map((v) => tf.clone(v));
  try {
    tf.tidy(() => vars.forEach((v) => v.assign(tf.abs(v))));
    const shape = model.inputs[0]!.shape.slice(1) as number[];
    return tf.tidy(() => {
      const ones = tf.ones([1, ...shape]);
      let logR = 0;
      const { grads } = tf.variableGrads(() => {
        const r = tf.sum(logitsOf(model, ones));
        const lr = tf.log(r) as tf.Scalar;
        logR = r.dataSync()[0]! > 0 ? Math.log(r.dataSync()[0]!) : -Infinity;
        return lr;
      }, vars);
      if (!(logR > -Infinity)) return -Infinity;
      let sum = 0;
      for (const v of vars) sum += tf.sum(tf.abs(tf.mul(v, grads[v.name]!))).dataSync()[0]!;
      return sum > 0 ? logR + Math.log(sum) : -Infinity;
    });
  } finally {
    vars.forEach((v, i) => v.assign(saved[i]!));
    saved.forEach((t) => t.dispose());
  }
}

/** Layers whose output is a ReLU: a ReLU layer, an `activation` layer of relu, or a layer with a relu activation. */
function reluLayers(model: tfl.LayersModel): tfl.layers.Layer[] {
  return model.layers.filter((l) => {
    const c = l.getConfig() as { activation?: string };
    return l.getClassName() === 'ReLU' || c.activation === 'relu';
  });
}

/** log |det K| of a symmetric matrix, by LU with partial pivoting in float64. */
export function logAbsDet(k: readonly (readonly number[])[]): number {
  const n = k.length;
  const a = k.map((r) => Float64Array.from(r));
  let log = 0;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[p]![c]!)) p = r;
    const piv = a[p]![c]!;
    if (piv === 0) return -Infinity;
    [a[c], a[p]] = [a[p]!, a[c]!];
    log += Math.log(Math.abs(piv));
    for (let r = c + 1; r < n; r++) {
      const f = a[r]![c]! / piv;
      if (f !== 0) for (let j = c; j < n; j++) a[r]![j]! -= f * a[c]![j]!;
    }
  }
  return log;
}

/**
 * NASWOT (Mellor et al., 2021): each example's binary code of which ReLU units are active
 * (over every ReLU layer, or layer with a relu activation), the kernel K = N_A − Hamming
 * distance between codes, score = log |det K|. Without ReLU layers, the codes are taken from
 * the classifier's input (positive or not).
 *
 * @param model a built network.
 * @param x a minibatch of at least 2 samples.
 * @returns log |det K| (`-Infinity` when two examples share a code).
 * @example
 * ```ts
 * import { naswot } from '@autonas/estimator-zerocost';
 * import { compileArchitecture, ensureRuntime, tf } from '@autonas/tfjs';
 * await ensureRuntime();
 * const model = compileArchitecture({ nodes: [
 *   { id: 'in', op: 'input', params: { shape: [4] }, inputs: [] },
 *   { id: 'h', op: 'dense', params: { units: 32, activation: 'relu' }, inputs: ['in'] },
 *   { id: 'out', op: 'classifier', params: { classes: 2 }, inputs: ['h'] },
 * ] }, { seed: 1 });
 * const x = tf.randomNormal([8, 4], 0, 1, 'float32', 1);
 * console.log(Number.isFinite(naswot(model, x))); // true
 * x.dispose(); model.dispose();
 * ```
 */
export function naswot(model: tfl.LayersModel, x: tf.Tensor): number {
  const layers = reluLayers(model);
  const outputs = layers.length > 0 ? layers.map((l) => l.output as tfl.SymbolicTensor) : [model.layers[model.layers.length - 1]!.input as tfl.SymbolicTensor];
  const probe = tfl.model({ inputs: model.inputs, outputs });
  const n = x.shape[0]!;
  const k = tf.tidy(() => {
    const acts = probe.predict(x) as tf.Tensor | tf.Tensor[];
    let total: tf.Tensor = tf.zeros([n, n]);
    for (const a of Array.isArray(acts) ? acts : [acts]) {
      const c = tf.cast(tf.greater(tf.reshape(a, [n, -1]), 0), 'float32');
      const nc = tf.sub(1, c);
      total = tf.add(total, tf.add(tf.matMul(c, c, false, true), tf.matMul(nc, nc, false, true)));
    }
    return total.arraySync() as number[][];
  });
  return logAbsDet(k);
}

/**
 * Gradient norm: Σ over trainable weights of ‖∂L/∂θ‖₂, L the mean cross-entropy of the
 * minibatch (on the logits before the classifier's softmax).
 *
 * @example
 * ```ts
 * import { gradNorm } from '@autonas/estimator-zerocost';
 * import { compileArchitecture, ensureRuntime, tf } from '@autonas/tfjs';
 * await ensureRuntime();
 * const model = compileArchitecture({ nodes: [
 *   { id: 'in', op: 'input', params: { shape: [4] }, inputs: [] },
 *   { id: 'out', op: 'classifier', params: { classes: 2 }, inputs: ['in'] },
 * ] }, { seed: 1 });
 * const x = tf.ones([2, 4]);
 * console.log(gradNorm(model, x, Int32Array.from([0, 1]), 2) > 0); // true
 * x.dispose(); model.dispose();
 * ```
 */
export function gradNorm(model: tfl.LayersModel, x: tf.Tensor, labels: Int32Array, numClasses: number): number {
  const vars = variables(model);
  return tf.tidy(() => {
    const y = tf.oneHot(tf.tensor1d(labels, 'int32'), numClasses);
    const { grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, logitsOf(model, x)) as tf.Scalar, vars);
    let sum = 0;
    for (const v of vars) sum += tf.norm(grads[v.name]!).dataSync()[0]!;
    return sum;
  });
}

/** Every proxy of one network, by name. */
export type ZeroCostScores = Record<ZeroCostProxy, number>;

/**
 * All four proxies of a built network on one minibatch, with the seconds each took
 * (`seconds.synflow`, …).
 *
 * @example
 * ```ts
 * import { computeProxies, minibatch } from '@autonas/estimator-zerocost';
 * import { loadMnist } from '@autonas/data';
 * import { compileArchitecture, defaultArchitecture, ensureRuntime } from '@autonas/tfjs';
 * await ensureRuntime();
 * const { train } = await loadMnist({ trainSize: 64 });
 * const model = compileArchitecture(defaultArchitecture([28, 28, 1]), { seed: 1 });
 * const batch = minibatch(train, 32);
 * const { scores } = computeProxies(model, batch);
 * console.log(Object.keys(scores)); // ['synflow', 'naswot', 'gradNorm', 'params']
 * batch.x.dispose(); model.dispose();
 * ```
 */
export function computeProxies(model: tfl.LayersModel, batch: Minibatch, only?: readonly ZeroCostProxy[]): { scores: ZeroCostScores; seconds: ZeroCostScores } {
  const scores = {} as ZeroCostScores;
  const seconds = {} as ZeroCostScores;
  const run: Record<ZeroCostProxy, () => number> = {
    synflow: () => synflow(model),
    naswot: () => naswot(model, batch.x),
    gradNorm: () => gradNorm(model, batch.x, batch.labels, batch.numClasses),
    params: () => trainableParams(model),
  };
  for (const p of only ?? ZERO_COST_PROXIES) {
    const t = performance.now();
    scores[p] = run[p]();
    seconds[p] = (performance.now() - t) / 1000;
  }
  return { scores, seconds };
}

/**
 * The four proxies of an architecture as a feature vector ([synflow, naswot, gradNorm,
 * log(params)], in {@link ZERO_COST_PROXIES} order, non-finite values as 0), built with `seed`
 * on the first `batchSize` samples of `data`: features a predictor strategy can add to an
 * architecture's encoding.
 *
 * @example
 * ```ts
 * import { zeroCostFeatures } from '@autonas/estimator-zerocost';
 * import { loadMnist } from '@autonas/data';
 * import { defaultArchitecture } from '@autonas/tfjs';
 * const { train } = await loadMnist({ trainSize: 64 });
 * const features = await zeroCostFeatures(defaultArchitecture([28, 28, 1]), train, { batchSize: 32 });
 * console.log(features.length); // 4
 * ```
 */
export async function zeroCostFeatures(arch: Architecture, data: Dataset, options: { readonly seed?: number; readonly batchSize?: number } = {}): Promise<number[]> {
  await ensureRuntime();
  const model = compileArchitecture(arch, { seed: options.seed ?? 0 });
  const batch = minibatch(data, options.batchSize ?? 64);
  try {
    const { scores } = computeProxies(model, batch);
    return ZERO_COST_PROXIES.map((p) => (p === 'params' ? Math.log(scores[p]) : scores[p])).map((v) => (Number.isFinite(v) ? v : 0));
  } finally {
    batch.x.dispose();
    model.dispose();
  }
}

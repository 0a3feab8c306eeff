import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { ConfigurationError, Random, type EpochMetrics } from '@autonas/core';
import { augmentBatch, augmentsAnything, checkAugment, type AugmentOptions, type Dataset } from '@autonas/data';

/** Options of {@link trainModel}. */
export interface TrainOptions {
  /** Full passes over the training data. Default 1. */
  readonly epochs?: number;
  /** Default 64. */
  readonly batchSize?: number;
  /** The optimiser's learning rate. Default 0.001. */
  readonly learningRate?: number;
  /**
   * The optimiser: `adam` (default), `adamw` (Adam with decoupled weight decay, Loshchilov &
   * Hutter 2019), `sgd` (with `momentum`, default 0.9, and optionally `nesterov`) or `rmsprop`.
   */
  readonly optimizer?: OptimizerName;
  /**
   * Weight decay of the kernels (conv and dense weights; biases and batch-norm parameters are
   * left alone). With `adamw` it is decoupled: each step multiplies a kernel by
   * `1 − learningRate × weightDecay` (the scheduled rate), apart from the gradient step. With the
   * other optimisers it is an L2 penalty `weightDecay / 2 × Σw²` added to the loss, so the
   * gradient gains `weightDecay × w`. Default 0.
   */
  readonly weightDecay?: number;
  /** Momentum of `sgd` (default 0.9) or `rmsprop` (default 0). */
  readonly momentum?: number;
  /** Nesterov momentum for `sgd`. Default false. */
  readonly nesterov?: boolean;
  /**
   * Learning-rate schedule over the planned steps (`epochs` × batches): `constant`, or `cosine`
   * decay from `learningRate` to zero. Default `constant`.
   */
  readonly schedule?: 'constant' | 'cosine';
  /** Data for validation metrics, early stopping and best-weight restoring. */
  readonly validation?: Dataset;
  /** Stop when validation accuracy has not improved for this many epochs. Default: off. */
  readonly patience?: number;
  /** With validation, end with the weights of the best validation epoch. Default true. */
  readonly restoreBestWeights?: boolean;
  /** Seed of the shuffling order. Default 0. */
  readonly seed?: number;
  /** Stops training at the next batch. */
  readonly signal?: AbortSignal;
  /** Called after each epoch. */
  readonly onEpoch?: (metrics: EpochMetrics) => void;
  /**
   * Seconds of training time: with `schedule: 'cosine'` the learning rate follows the larger of
   * the step fraction and the time fraction, so the schedule ends when the time does, however fast
   * or slow the machine runs; training stops at the first batch past it (`timedOut` in the
   * result). Default: none.
   */
  readonly timeBudget?: number;
  /**
   * Seconds of training so far, as `timeBudget` and the cosine's time fraction count them.
   * Default: wall-clock seconds since training began. A caller that pauses between epochs (to
   * evaluate on a test set in `onEpoch`, say) passes a clock that leaves its pauses out.
   */
  readonly clock?: () => number;
  /** Loss of a regression dataset (one with `targets`): mean squared or mean absolute error. Default `mse`. */
  readonly loss?: 'mse' | 'mae';
  /**
   * The validation metric that picks the best epoch (restored weights, patience) and its
   * direction. Default: `valAccuracy`, maximised, for classification; `valLoss`, minimised, for
   * regression.
   */
  readonly monitor?: { readonly metric: string; readonly direction: 'maximize' | 'minimize' };
  /** Random augmentation of each training batch (shifts, flips, cutout), seeded by `seed`; validation data is never augmented. Default none. */
  readonly augment?: AugmentOptions;
  /** Called after each batch with the samples seen so far in the epoch, the batch loss and the learning rate used. */
  readonly onBatch?: (samplesSeen: number, loss: number, learningRate: number) => void;
}

/** The optimisers {@link trainModel} knows. */
export const OPTIMIZERS = ['adam', 'adamw', 'sgd', 'rmsprop'] as const;
/** One of {@link OPTIMIZERS}. */
export type OptimizerName = (typeof OPTIMIZERS)[number];

/** The optimizer's options of `trainModel`. */
export type OptimizerOptions = Pick<TrainOptions, 'optimizer' | 'weightDecay' | 'momentum' | 'nesterov'>;

/**
 * The optimizer's options out of a larger set of training rules, to hand on to `trainModel`.
 * @example
 * ```ts
 * import { optimizerOptions } from '@autonas/tfjs';
 * const rules = { optimizer: 'sgd' as const, momentum: 0.9, epochs: 3 };
 * optimizerOptions(rules); // { optimizer: 'sgd', weightDecay: undefined, momentum: 0.9, nesterov: undefined }
 * ```
 */
export function optimizerOptions(o: OptimizerOptions): OptimizerOptions {
  return { optimizer: o.optimizer, weightDecay: o.weightDecay, momentum: o.momentum, nesterov: o.nesterov };
}

/**
 * Checks the optimiser options of {@link TrainOptions}.
 * @throws ConfigurationError `BAD_OPTIMIZER`, `BAD_WEIGHT_DECAY` or `BAD_MOMENTUM`
 * @example
 * ```ts
 * import { checkOptimizerOptions } from '@autonas/tfjs';
 * checkOptimizerOptions({ optimizer: 'sgd', momentum: 0.9, nesterov: true, weightDecay: 5e-4 }); // fine
 * ```
 */
export function checkOptimizerOptions(o: OptimizerOptions): void {
  if (o.optimizer !== undefined && !(OPTIMIZERS as readonly string[]).includes(o.optimizer)) {
    throw new ConfigurationError('BAD_OPTIMIZER', `optimizer must be one of ${OPTIMIZERS.join(', ')}, got ${JSON.stringify(o.optimizer)}`);
  }
  if (o.weightDecay !== undefined && !(o.weightDecay >= 0 && Number.isFinite(o.weightDecay))) throw new ConfigurationError('BAD_WEIGHT_DECAY', `weightDecay must be a finite number ≥ 0, got ${o.weightDecay}`);
  if (o.momentum !== undefined && !(o.momentum >= 0 && o.momentum < 1)) throw new ConfigurationError('BAD_MOMENTUM', `momentum must be in [0, 1), got ${o.momentum}`);
  if (o.nesterov === true && (o.optimizer ?? 'adam') !== 'sgd') throw new ConfigurationError('BAD_MOMENTUM', `nesterov applies to the sgd optimizer, not ${o.optimizer ?? 'adam'}`);
}

function makeOptimizer(o: TrainOptions, lr: number): tf.Optimizer {
  switch (o.optimizer ?? 'adam') {
    case 'sgd': {
      const m = o.momentum ?? 0.9;
      return m > 0 ? tf.train.momentum(lr, m, o.nesterov === true) : tf.train.sgd(lr);
    }
    case 'rmsprop':
      return tf.train.rmsprop(lr, 0.9, o.momentum ?? 0);
    default:
      return tf.train.adam(lr);
  }
}

/** Sets an optimiser's learning rate (SGD and momentum keep it as a tensor, set through `setLearningRate`). */
function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  const o = optimizer as unknown as { learningRate: number; setLearningRate?: (lr: number) => void };
  if (o.learningRate === lr) return;
  if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
  else o.learningRate = lr;
}

/** The kernels of a model (what weight decay shrinks): trainable weights named `…kernel…`. */
function kernelsOf(model: tfl.LayersModel): tf.Variable[] {
  return model.trainableWeights.filter((w) => /kernel/.test(w.originalName)).map((w) => w.read() as tf.Variable);
}

/** What {@link trainModel} returns. */
export interface TrainResult {
  /** One entry per completed epoch: `loss`, `accuracy`, and with validation `valLoss`, `valAccuracy`. */
  readonly history: EpochMetrics[];
  /** Epochs completed. */
  readonly epochs: number;
  /** True when training ended early because `signal` aborted. */
  readonly aborted: boolean;
  /** True when training ended at `timeBudget`. */
  readonly timedOut?: boolean;
  readonly seconds: number;
  /** Training samples processed per second of training steps (validation time excluded). */
  readonly samplesPerSecond: number;
  /** Best validation accuracy (when there was validation data; classification only). */
  readonly bestValAccuracy?: number;
  /** The metrics of the best validation epoch by `monitor` (when there was validation data). */
  readonly best?: EpochMetrics;
}

/**
 * Lets timers, I/O and abort signals run. Training on wasm or cpu is synchronous work plus
 * promise callbacks, which would otherwise starve the event loop for a whole training run.
 */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));
}

/**
 * Copies the samples at `indices[from..to)` into batch tensors: features and one-hot labels (or
 * regression targets). `transform` may change the batch's features before they become a tensor
 * (training-batch augmentation).
 */
export function batchTensors(ds: Dataset, indices: ArrayLike<number> | undefined, from: number, to: number, transform?: (features: Float32Array, count: number) => void): { x: tf.Tensor; y: tf.Tensor2D } {
  const per = ds.sampleShape.reduce((a, b) => a * b, 1);
  const n = to - from;
  const xb = new Float32Array(n * per);
  if (ds.targets) {
    const u = ds.targets.length / ds.size;
    const tb = new Float32Array(n * u);
    for (let i = 0; i < n; i++) {
      const s = indices ? indices[from + i]! : from + i;
      xb.set(ds.x.subarray(s * per, (s + 1) * per), i * per);
      tb.set(ds.targets.subarray(s * u, (s + 1) * u), i * u);
    }
    transform?.(xb, n);
    return { x: tf.tensor(xb, [n, ...ds.sampleShape]), y: tf.tensor2d(tb, [n, u]) };
  }
  const yb = new Float32Array(n * ds.numClasses);
  for (let i = 0; i < n; i++) {
    const s = indices ? indices[from + i]! : from + i;
    xb.set(ds.x.subarray(s * per, (s + 1) * per), i * per);
    yb[i * ds.numClasses + ds.y[s]!] = 1;
  }
  transform?.(xb, n);
  return { x: tf.tensor(xb, [n, ...ds.sampleShape]), y: tf.tensor2d(yb, [n, ds.numClasses]) };
}

/** What {@link evaluateModel} measures. */
export interface EvaluateResult {
  /** Mean cross-entropy (classification) or the regression loss (`mse` unless `loss: 'mae'`). */
  readonly loss: number;
  /** Fraction classified right; NaN for a regression dataset. */
  readonly accuracy: number;
  /** Regression only: mean squared and mean absolute error over every target. */
  readonly mse?: number;
  readonly mae?: number;
}

/**
 * Evaluates a model on a dataset in batches: mean cross-entropy and accuracy for a classifier,
 * MSE and MAE for a regression dataset (one with `targets`). Creates no lasting tensors.
 *
 * @example
 * ```ts
 * import { evaluateModel } from '@autonas/tfjs';
 * import { augmentBatch, augmentsAnything, checkAugment, type AugmentOptions, type Dataset } from '@autonas/data';
 * import type { LayersModel } from '@tensorflow/tfjs-layers';
 * async function report(model: LayersModel, test: Dataset) {
 *   const { accuracy, loss } = await evaluateModel(model, test);
 *   console.log(`test accuracy ${(accuracy * 100).toFixed(2)}%, loss ${loss.toFixed(4)}`);
 * }
 * ```
 */
export async function evaluateModel(model: tfl.LayersModel, ds: Dataset, batchSize = 256, options: { loss?: 'mse' | 'mae' } = {}): Promise<EvaluateResult> {
  if (ds.targets) return evaluateRegression(model, ds, batchSize, options.loss ?? 'mse');
  let lossSum = 0;
  let correct = 0;
  for (let from = 0; from < ds.size; from += batchSize) {
    if (from > 0) await yieldToEventLoop();
    const to = Math.min(ds.size, from + batchSize);
    const [l, c] = tf.tidy(() => {
      const { x, y } = batchTensors(ds, undefined, from, to);
      const p = model.predict(x) as tf.Tensor2D;
      const loss = tf.sum(tf.neg(tf.sum(tf.mul(y, tf.log(tf.clipByValue(p, 1e-7, 1))), -1)));
      const hits = tf.sum(tf.cast(tf.equal(tf.argMax(p, -1), tf.argMax(y, -1)), 'float32'));
      return [loss, hits];
    });
    const [lv, cv] = await Promise.all([l.data(), c.data()]);
    l.dispose();
    c.dispose();
    lossSum += lv[0]!;
    correct += cv[0]!;
  }
  return { loss: lossSum / ds.size, accuracy: correct / ds.size };
}

async function evaluateRegression(model: tfl.LayersModel, ds: Dataset, batchSize: number, loss: 'mse' | 'mae'): Promise<EvaluateResult> {
  let se = 0;
  let ae = 0;
  const values = ds.targets!.length;
  for (let from = 0; from < ds.size; from += batchSize) {
    if (from > 0) await yieldToEventLoop();
    const to = Math.min(ds.size, from + batchSize);
    const [a, b] = tf.tidy(() => {
      const { x, y } = batchTensors(ds, undefined, from, to);
      const d = tf.sub(model.predict(x) as tf.Tensor2D, y);
      return [tf.sum(tf.square(d)), tf.sum(tf.abs(d))];
    });
    const [av, bv] = await Promise.all([a.data(), b.data()]);
    tf.dispose([a, b]);
    se += av[0]!;
    ae += bv[0]!;
  }
  const mse = se / values;
  const mae = ae / values;
  return { loss: loss === 'mae' ? mae : mse, accuracy: NaN, mse, mae };
}

/**
 * Trains a softmax classifier (or a regression) with the chosen optimiser (Adam unless told),
 * weight decay if asked, and categorical cross-entropy, in a seeded order,
 * reporting each epoch; stops early on `patience` or when `signal` aborts. Every tensor it makes
 * is disposed (the optimiser included).
 *
 * @example
 * ```ts
 * import { compileArchitecture, trainModel } from '@autonas/tfjs';
 * import type { Architecture } from '@autonas/core';
 * import { augmentBatch, augmentsAnything, checkAugment, type AugmentOptions, type Dataset } from '@autonas/data';
 * async function fitTwoEpochs(arch: Architecture, train: Dataset, validation: Dataset) {
 *   const model = compileArchitecture(arch, { seed: 1 });
 *   const result = await trainModel(model, train, { epochs: 2, validation, onEpoch: (m) => console.log(m) });
 *   return { model, result };
 * }
 * ```
 */
export async function trainModel(model: tfl.LayersModel, train: Dataset, options: TrainOptions = {}): Promise<TrainResult> {
  const epochs = options.epochs ?? 1;
  const batchSize = options.batchSize ?? 64;
  if (!(Number.isInteger(epochs) && epochs >= 1)) throw new ConfigurationError('BAD_EPOCHS', `epochs must be a positive integer, got ${epochs}`);
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new ConfigurationError('BAD_BATCH_SIZE', `batchSize must be a positive integer, got ${batchSize}`);
  const inShape = model.inputs[0]!.shape.slice(1).join();
  if (inShape !== train.sampleShape.join()) {
    throw new ConfigurationError('SHAPE_MISMATCH', `model expects samples of shape [${inShape}] but the data has [${train.sampleShape.join()}]`);
  }
  const outClasses = model.outputs[0]!.shape[1];
  const regression = train.targets !== undefined;
  const units = regression ? train.targets!.length / train.size : train.numClasses;
  if (outClasses !== units) throw new ConfigurationError('CLASS_MISMATCH', `model has ${outClasses} outputs but the data has ${units} ${regression ? 'regression targets' : 'classes'}`);
  const lossKind = options.loss ?? 'mse';
  const monitor = options.monitor ?? (regression ? { metric: 'valLoss', direction: 'minimize' as const } : { metric: 'valAccuracy', direction: 'maximize' as const });
  const sign = monitor.direction === 'maximize' ? 1 : -1;

  const rng = new Random(options.seed ?? 0);
  const baseLr = options.learningRate ?? 0.001;
  if (!(baseLr > 0)) throw new ConfigurationError('BAD_LEARNING_RATE', `learningRate must be positive, got ${baseLr}`);
  checkOptimizerOptions(options);
  const decay = options.weightDecay ?? 0;
  const decoupled = options.optimizer === 'adamw';
  const kernels = decay > 0 ? kernelsOf(model) : [];
  // Training batches only: validation (evaluateModel) and test data are never augmented.
  let augment: ((features: Float32Array, count: number) => void) | undefined;
  if (augmentsAnything(options.augment)) {
    checkAugment(options.augment!, train.sampleShape);
    const augRng = new Random(options.seed ?? 0).fork('augment');
    augment = (features, count) => void augmentBatch(features, count, train.sampleShape, options.augment!, augRng);
  }
  const optimizer = makeOptimizer(options, baseLr);
  const totalSteps = epochs * Math.ceil(train.size / batchSize);
  let step = 0;
  const history: EpochMetrics[] = [];
  const restore = options.validation !== undefined && options.restoreBestWeights !== false;
  let best: { acc: number; weights?: tf.Tensor[]; metrics?: EpochMetrics } = { acc: -Infinity };
  let bestAccuracy = -Infinity;
  let sinceBest = 0;
  let aborted = false;
  let timedOut = false;
  let samples = 0;
  const t0 = performance.now();
  const elapsed = options.clock ?? (() => (performance.now() - t0) / 1000);
  let lastYield = t0;
  let trainMs = 0;
  try {
    for (let epoch = 0; epoch < epochs && !aborted; epoch++) {
      const order = Int32Array.from(rng.shuffle(Array.from({ length: train.size }, (_, i) => i)));
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      for (let from = 0; from < train.size; from += batchSize) {
        if (performance.now() - lastYield > 25) {
          await yieldToEventLoop();
          lastYield = performance.now();
        }
        if (options.signal?.aborted) {
          aborted = true;
          break;
        }
        if (options.timeBudget !== undefined && elapsed() >= options.timeBudget) {
          timedOut = true;
          aborted = true;
          break;
        }
        const to = Math.min(train.size, from + batchSize);
        const tBatch = performance.now();
        const { x, y } = batchTensors(train, order, from, to, augment);
        const progress = Math.min(1, Math.max(step / totalSteps, options.timeBudget ? elapsed() / options.timeBudget : 0));
        const lr = options.schedule === 'cosine' ? (baseLr * (1 + Math.cos(Math.PI * progress))) / 2 : baseLr;
        setLearningRate(optimizer, lr);
        step++;
        let hits: tf.Tensor | undefined;
        let dataLoss: tf.Scalar | undefined;
        const { value: total, grads } = tf.variableGrads(() => {
          const p = model.apply(x, { training: true }) as tf.Tensor2D;
          let l: tf.Scalar;
          if (regression) {
            const d = tf.sub(p, y);
            // `hits` carries the batch's summed absolute error, for the epoch's MAE.
            hits = tf.keep(tf.sum(tf.abs(d)));
            l = (lossKind === 'mae' ? tf.mean(tf.abs(d)) : tf.mean(tf.square(d))) as tf.Scalar;
          } else {
            hits = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(p, -1), tf.argMax(y, -1)), 'float32')));
            l = tf.mean(tf.neg(tf.sum(tf.mul(y, tf.log(tf.clipByValue(p, 1e-7, 1))), -1))) as tf.Scalar;
          }
          if (!(decay > 0 && !decoupled && kernels.length > 0)) return l;
          // L2: the loss reported stays the data loss; the gradient gains weightDecay × w.
          dataLoss = tf.keep(l);
          return tf.add(l, tf.mul(decay / 2, tf.addN(kernels.map((k) => tf.sum(tf.square(k)))))) as tf.Scalar;
        });
        // Decoupled decay shrinks the kernels as they were when the gradient was taken, then the optimiser steps.
        if (decoupled && decay > 0) tf.tidy(() => kernels.forEach((k) => k.assign(tf.mul(k, 1 - lr * decay))));
        optimizer.applyGradients(grads);
        tf.dispose(Object.values(grads));
        const loss = dataLoss ?? total;
        if (dataLoss) total.dispose();
        const [lv, hv] = await Promise.all([loss.data(), hits!.data()]);
        tf.dispose([x, y, loss, hits!]);
        lossSum += lv[0]! * (to - from);
        correct += hv[0]!;
        seen += to - from;
        samples += to - from;
        trainMs += performance.now() - tBatch;
        options.onBatch?.(seen, lv[0]!, lr);
        if (!Number.isFinite(lv[0]!)) throw new ConfigurationError('DIVERGED', `training diverged: loss is ${lv[0]} at epoch ${epoch}; lower the learning rate`);
      }
      if (seen === 0) break;
      const metrics: Record<string, number> = regression ? { epoch, loss: lossSum / seen, mae: correct / (seen * units) } : { epoch, loss: lossSum / seen, accuracy: correct / seen };
      // A partial (aborted) epoch is not validated: the caller asked to stop, not to spend more.
      if (options.validation && !aborted) {
        const v = await evaluateModel(model, options.validation, 256, { loss: lossKind });
        metrics.valLoss = v.loss;
        if (regression) {
          metrics.valMse = v.mse!;
          metrics.valMae = v.mae!;
        } else {
          metrics.valAccuracy = v.accuracy;
          bestAccuracy = Math.max(bestAccuracy, v.accuracy);
        }
        const m = metrics[monitor.metric];
        if (m === undefined) throw new ConfigurationError('BAD_MONITOR', `monitor metric "${monitor.metric}" is not among the epoch's metrics: ${Object.keys(metrics).join(', ')}`);
        const value = sign * m;
        if (value > best.acc) {
          if (restore) {
            tf.dispose(best.weights ?? []);
            best = { acc: value, weights: model.getWeights().map((w) => tf.clone(w)), metrics: { ...metrics } as EpochMetrics };
          } else best = { acc: value, metrics: { ...metrics } as EpochMetrics };
          sinceBest = 0;
        } else sinceBest++;
      }
      if (aborted) metrics.partial = 1;
      history.push(metrics as EpochMetrics);
      options.onEpoch?.(metrics as EpochMetrics);
      if (options.patience !== undefined && options.validation && sinceBest >= options.patience) break;
    }
    const lastValue = history.length > 0 ? history[history.length - 1]![monitor.metric] : undefined;
    if (restore && best.weights && lastValue !== undefined && sign * lastValue < best.acc) {
      model.setWeights(best.weights);
    }
  } finally {
    tf.dispose(best.weights ?? []);
    optimizer.dispose();
    // tfjs's MomentumOptimizer.dispose forgets the learning-rate scalar it inherits from SGD.
    const c = (optimizer as unknown as { c?: tf.Tensor }).c;
    if (c && !c.isDisposed) c.dispose();
  }
  const seconds = (performance.now() - t0) / 1000;
  return {
    history,
    epochs: history.length,
    aborted: aborted && !timedOut,
    ...(timedOut ? { timedOut } : {}),
    seconds,
    samplesPerSecond: samples / Math.max(trainMs / 1000, 1e-9),
    bestValAccuracy: options.validation && !regression && Number.isFinite(best.acc) ? (monitor.metric === 'valAccuracy' ? best.metrics!.valAccuracy : bestAccuracy) : undefined,
    ...(best.metrics ? { best: best.metrics } : {}),
  };
}

import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { ConfigurationError, Random, type EpochMetrics } from '@autonas/core';
import type { Dataset } from '@autonas/data';

/** Options of {@link trainModel}. */
export interface TrainOptions {
  /** Full passes over the training data. Default 1. */
  readonly epochs?: number;
  /** Default 64. */
  readonly batchSize?: number;
  /** Adam learning rate. Default 0.001. */
  readonly learningRate?: number;
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
  /** Called after each batch with the samples seen so far in the epoch, the batch loss and the learning rate used. */
  readonly onBatch?: (samplesSeen: number, loss: number, learningRate: number) => void;
}

/** What {@link trainModel} returns. */
export interface TrainResult {
  /** One entry per completed epoch: `loss`, `accuracy`, and with validation `valLoss`, `valAccuracy`. */
  readonly history: EpochMetrics[];
  /** Epochs completed. */
  readonly epochs: number;
  /** True when training ended early because `signal` aborted. */
  readonly aborted: boolean;
  readonly seconds: number;
  /** Training samples processed per second of training steps (validation time excluded). */
  readonly samplesPerSecond: number;
  /** Best validation accuracy (when there was validation data). */
  readonly bestValAccuracy?: number;
}

/**
 * Lets timers, I/O and abort signals run. Training on wasm or cpu is synchronous work plus
 * promise callbacks, which would otherwise starve the event loop for a whole training run.
 */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));
}

/** Copies the samples at `indices[from..to)` into batch tensors: images and one-hot labels. */
export function batchTensors(ds: Dataset, indices: ArrayLike<number> | undefined, from: number, to: number): { x: tf.Tensor; y: tf.Tensor2D } {
  const per = ds.sampleShape.reduce((a, b) => a * b, 1);
  const n = to - from;
  const xb = new Float32Array(n * per);
  const yb = new Float32Array(n * ds.numClasses);
  for (let i = 0; i < n; i++) {
    const s = indices ? indices[from + i]! : from + i;
    xb.set(ds.x.subarray(s * per, (s + 1) * per), i * per);
    yb[i * ds.numClasses + ds.y[s]!] = 1;
  }
  return { x: tf.tensor(xb, [n, ...ds.sampleShape]), y: tf.tensor2d(yb, [n, ds.numClasses]) };
}

/**
 * Evaluates a classifier on a dataset in batches: mean cross-entropy and accuracy. Creates no
 * lasting tensors.
 *
 * @example
 * ```ts
 * import { evaluateModel } from '@autonas/tfjs';
 * import type { Dataset } from '@autonas/data';
 * import type { LayersModel } from '@tensorflow/tfjs-layers';
 * async function report(model: LayersModel, test: Dataset) {
 *   const { accuracy, loss } = await evaluateModel(model, test);
 *   console.log(`test accuracy ${(accuracy * 100).toFixed(2)}%, loss ${loss.toFixed(4)}`);
 * }
 * ```
 */
export async function evaluateModel(model: tfl.LayersModel, ds: Dataset, batchSize = 256): Promise<{ loss: number; accuracy: number }> {
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

/**
 * Trains a softmax classifier with Adam and categorical cross-entropy, in a seeded order,
 * reporting each epoch; stops early on `patience` or when `signal` aborts. Every tensor it makes
 * is disposed (the optimiser included).
 *
 * @example
 * ```ts
 * import { compileArchitecture, trainModel } from '@autonas/tfjs';
 * import type { Architecture } from '@autonas/core';
 * import type { Dataset } from '@autonas/data';
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
  if (outClasses !== train.numClasses) throw new ConfigurationError('CLASS_MISMATCH', `model has ${outClasses} outputs but the data has ${train.numClasses} classes`);

  const rng = new Random(options.seed ?? 0);
  const baseLr = options.learningRate ?? 0.001;
  if (!(baseLr > 0)) throw new ConfigurationError('BAD_LEARNING_RATE', `learningRate must be positive, got ${baseLr}`);
  const optimizer = tf.train.adam(baseLr);
  const totalSteps = epochs * Math.ceil(train.size / batchSize);
  let step = 0;
  const history: EpochMetrics[] = [];
  const restore = options.validation !== undefined && options.restoreBestWeights !== false;
  let best: { acc: number; weights?: tf.Tensor[] } = { acc: -Infinity };
  let sinceBest = 0;
  let aborted = false;
  let samples = 0;
  const t0 = performance.now();
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
        const to = Math.min(train.size, from + batchSize);
        const tBatch = performance.now();
        const { x, y } = batchTensors(train, order, from, to);
        const lr = options.schedule === 'cosine' ? (baseLr * (1 + Math.cos((Math.PI * step) / totalSteps))) / 2 : baseLr;
        (optimizer as unknown as { learningRate: number }).learningRate = lr;
        step++;
        let hits: tf.Tensor | undefined;
        const loss = optimizer.minimize(() => {
          const p = model.apply(x, { training: true }) as tf.Tensor2D;
          hits = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(p, -1), tf.argMax(y, -1)), 'float32')));
          return tf.mean(tf.neg(tf.sum(tf.mul(y, tf.log(tf.clipByValue(p, 1e-7, 1))), -1))) as tf.Scalar;
        }, true) as tf.Scalar;
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
      const metrics: Record<string, number> = { epoch, loss: lossSum / seen, accuracy: correct / seen };
      // A partial (aborted) epoch is not validated: the caller asked to stop, not to spend more.
      if (options.validation && !aborted) {
        const v = await evaluateModel(model, options.validation);
        metrics.valLoss = v.loss;
        metrics.valAccuracy = v.accuracy;
        if (v.accuracy > best.acc) {
          if (restore) {
            tf.dispose(best.weights ?? []);
            best = { acc: v.accuracy, weights: model.getWeights().map((w) => tf.clone(w)) };
          } else best = { acc: v.accuracy };
          sinceBest = 0;
        } else sinceBest++;
      }
      if (aborted) metrics.partial = 1;
      history.push(metrics as EpochMetrics);
      options.onEpoch?.(metrics as EpochMetrics);
      if (options.patience !== undefined && options.validation && sinceBest >= options.patience) break;
    }
    if (restore && best.weights && history.length > 0 && (history[history.length - 1]!.valAccuracy ?? -1) < best.acc) {
      model.setWeights(best.weights);
    }
  } finally {
    tf.dispose(best.weights ?? []);
    optimizer.dispose();
  }
  const seconds = (performance.now() - t0) / 1000;
  return {
    history,
    epochs: history.length,
    aborted,
    seconds,
    samplesPerSecond: samples / Math.max(trainMs / 1000, 1e-9),
    bestValAccuracy: options.validation && Number.isFinite(best.acc) ? best.acc : undefined,
  };
}

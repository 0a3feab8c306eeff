import {
  AutonasError,
  ConfigurationError,
  ContainerModule,
  PerformanceEstimator,
  withTrainingOf,
  Random,
  type Architecture,
  type Estimate,
  type EstimateContext,
} from '@autonas/core';
import { SearchData, subset, withFeatures, type AugmentOptions, type Dataset } from '@autonas/data';
import { compileArchitecture, ensureRuntime, evaluateModel, tf, optimizerOptions, trainableParams, trainModel, type ModelArtifact, type OptimizerName } from '@autonas/tfjs';

/** Options of {@link LowFidelityEstimator}. */
export interface LowFidelityOptions {
  /** Training epochs per candidate. Default 1. */
  readonly epochs?: number;
  /** Fraction of the training split each candidate trains on, in (0, 1]. Default 1. */
  readonly dataFraction?: number;
  /** At most this many training samples per candidate (applied after `dataFraction`). */
  readonly maxSamples?: number;
  /** Fraction of the validation split used for scoring, in (0, 1]. Default 1. */
  readonly validationFraction?: number;
  /** Default 64. */
  readonly batchSize?: number;
  /** The optimiser's learning rate. Default 0.001. */
  readonly learningRate?: number;
  /** `adam` (default), `adamw`, `sgd` or `rmsprop` (see `TrainOptions.optimizer` of `@autonas/tfjs`). */
  readonly optimizer?: OptimizerName;
  /** Weight decay of the kernels: decoupled with `adamw`, an L2 penalty otherwise. Default 0. */
  readonly weightDecay?: number;
  /** Momentum of `sgd` (default 0.9) or `rmsprop` (default 0). */
  readonly momentum?: number;
  /** Nesterov momentum for `sgd`. Default false. */
  readonly nesterov?: boolean;
  /** Early stopping patience in epochs (on validation accuracy). Default: none. */
  readonly patience?: number;
  /** Loss of a regression dataset: `mse` (default) or `mae`. */
  readonly loss?: 'mse' | 'mae';
  /**
   * The validation metric that picks a candidate's best epoch (its restored weights, patience, and
   * the metrics reported), with its direction. Default: `valAccuracy` maximised for classification,
   * `valLoss` minimised for regression. Give the search's objective here so they agree.
   */
  readonly monitor?: { readonly metric: string; readonly direction: 'maximize' | 'minimize' };
  /** Seed of the data subset; the same subset is used for every candidate, so scores compare. Default 0. */
  readonly subsetSeed?: number;
  /**
   * Input downscaling, in (0, 1]: images [h, w, c] are resized (bilinear, half-pixel centres;
   * 0.5 is a 2×2 average) to [round(h·s), round(w·s), c] once, and each candidate's `input` node
   * is given that shape before it is compiled, so spaces need not know. A candidate whose
   * pooling no longer fits the smaller image fails with an `InvalidArchitectureError`. The
   * trained model then expects small images, so no artifact is returned: retrain the winner at
   * full size. Default 1 (off).
   */
  readonly inputScale?: number;
  /** Random augmentation of the training batches (shifts, flips, cutout); the validation subset is never augmented. Default none. */
  readonly augment?: AugmentOptions;
}

/**
 * An architecture whose input node takes samples of `shape` instead (what
 * `LowFidelityOptions.inputScale` does to each candidate).
 *
 * @example
 * ```ts
 * import { withInputShape } from '@autonas/estimator-lowfi';
 * import type { Architecture } from '@autonas/core';
 * const small = (arch: Architecture) => withInputShape(arch, [14, 14, 1]);
 * ```
 */
export function withInputShape(arch: Architecture, shape: readonly number[]): Architecture {
  const inputs = arch.nodes.filter((n) => n.op === 'input');
  if (inputs.length !== 1) throw new ConfigurationError('BAD_INPUT_SCALE', `inputScale needs an architecture with one input node, this one has ${inputs.length}`);
  return { ...arch, nodes: arch.nodes.map((n) => (n.op === 'input' ? { ...n, params: { ...n.params, shape: [...shape] } } : n)) };
}

/** Resizes image samples [h, w, c] to [h2, w2, c], bilinearly, in chunks. */
function resizeImages(ds: Dataset, h2: number, w2: number): Dataset {
  const [h, w, c] = ds.sampleShape as [number, number, number];
  const out = new Float32Array(ds.size * h2 * w2 * c);
  const chunk = 1024;
  for (let from = 0; from < ds.size; from += chunk) {
    const n = Math.min(chunk, ds.size - from);
    const part = tf.tidy(() => {
      const x = tf.tensor4d(ds.x.subarray(from * h * w * c, (from + n) * h * w * c), [n, h, w, c]);
      return tf.image.resizeBilinear(x, [h2, w2], false, true).dataSync() as Float32Array;
    });
    out.set(part, from * h2 * w2 * c);
  }
  return withFeatures(ds, out, [h2, w2, c], `${ds.name ?? 'data'}/${h2}x${w2}`);
}

/**
 * Scores a candidate by training it briefly (few epochs, a subset of the training split) and
 * measuring its best validation accuracy. The trained model is returned as the estimate's
 * artifact; the engine keeps the best one and disposes the others. An architecture that carries
 * training hyperparameters (its `training` record, from a `withHyperparameters` space) is trained
 * with them over these options.
 *
 * @example
 * ```ts
 * import { LowFidelityEstimator } from '@autonas/estimator-lowfi';
 * import type { SearchData } from '@autonas/data';
 * function cheap(data: SearchData) {
 *   return new LowFidelityEstimator(data, { epochs: 1, dataFraction: 0.1 });
 * }
 * ```
 */
/**
 * The fixed subsets a {@link LowFidelityEstimator} with these options trains and scores every
 * candidate on (`dataFraction`, `maxSamples`, `validationFraction`, `subsetSeed`). A host that
 * runs trials elsewhere (worker processes) draws them once with this and sends them along.
 *
 * @example
 * ```ts
 * import { lowFidelitySubsets } from '@autonas/estimator-lowfi';
 * import { loadMnist, splitDataset } from '@autonas/data';
 * const { train } = await loadMnist({ trainSize: 1000 });
 * const sets = lowFidelitySubsets(splitDataset(train, { fraction: 0.2, seed: 0 }), { maxSamples: 300 });
 * console.log(sets.train.size); // 300
 * ```
 */
export function lowFidelitySubsets(data: SearchData, options: Pick<LowFidelityOptions, 'dataFraction' | 'maxSamples' | 'validationFraction' | 'subsetSeed'> = {}): { train: Dataset; validation: Dataset } {
  const rng = new Random(options.subsetSeed ?? 0);
  const pick = (ds: Dataset, n: number) => (n >= ds.size ? ds : subset(ds, Int32Array.from(rng.shuffle(Array.from({ length: ds.size }, (_, i) => i)).slice(0, n))));
  const nTrain = Math.max(1, Math.min(Math.round(data.train.size * (options.dataFraction ?? 1)), options.maxSamples ?? Infinity));
  return { train: pick(data.train, nTrain), validation: pick(data.validation, Math.max(1, Math.round(data.validation.size * (options.validationFraction ?? 1)))) };
}

export class LowFidelityEstimator implements PerformanceEstimator {
  readonly name = 'lowfi';
  /** The training subset (at full size; downscaled copies are made on the first estimate). */
  readonly train: Dataset;
  readonly validation: Dataset;
  private scaled: { train: Dataset; validation: Dataset; shape: number[] } | undefined;

  constructor(data: SearchData, readonly options: LowFidelityOptions = {}) {
    const frac = options.dataFraction ?? 1;
    const vfrac = options.validationFraction ?? 1;
    if (!(frac > 0 && frac <= 1)) throw new ConfigurationError('BAD_FRACTION', `dataFraction must be in (0, 1], got ${frac}`);
    if (!(vfrac > 0 && vfrac <= 1)) throw new ConfigurationError('BAD_FRACTION', `validationFraction must be in (0, 1], got ${vfrac}`);
    const scale = options.inputScale ?? 1;
    if (!(scale > 0 && scale <= 1)) throw new ConfigurationError('BAD_INPUT_SCALE', `inputScale must be in (0, 1], got ${scale}`);
    if (scale < 1 && data.train.sampleShape.length !== 3) {
      throw new ConfigurationError('BAD_INPUT_SCALE', `inputScale needs image samples [height, width, channels], got [${data.train.sampleShape.join(', ')}]`);
    }
    if (options.maxSamples !== undefined && !(Number.isInteger(options.maxSamples) && options.maxSamples >= 1)) {
      throw new ConfigurationError('BAD_MAX_SAMPLES', `maxSamples must be a positive integer, got ${options.maxSamples}`);
    }
    ({ train: this.train, validation: this.validation } = lowFidelitySubsets(data, options));
  }

  /** Sample shape the candidates are trained on: the data's, or downscaled by `inputScale`. */
  get inputShape(): readonly number[] {
    const s = this.options.inputScale ?? 1;
    const [h, w, c] = this.train.sampleShape;
    return s === 1 ? this.train.sampleShape : [Math.max(1, Math.round(h! * s)), Math.max(1, Math.round(w! * s)), c!];
  }

  /** The training and validation subsets at the trained input size. */
  private sets(): { train: Dataset; validation: Dataset } {
    if ((this.options.inputScale ?? 1) === 1) return this;
    if (!this.scaled) {
      const shape = [...this.inputShape];
      this.scaled = { train: resizeImages(this.train, shape[0]!, shape[1]!), validation: resizeImages(this.validation, shape[0]!, shape[1]!), shape };
    }
    return this.scaled;
  }

  async estimate(arch: Architecture, ctx: EstimateContext): Promise<Estimate> {
    await ensureRuntime();
    const scaled = (this.options.inputScale ?? 1) < 1;
    const { train, validation } = this.sets();
    // Hyperparameters the architecture carries (a space made by withHyperparameters) win over the fixed options.
    const o = withTrainingOf(this.options, arch);
    const model = compileArchitecture(scaled ? withInputShape(arch, this.inputShape) : arch, { seed: ctx.seed });
    let released = false;
    try {
      const result = await trainModel(model, train, {
        epochs: o.epochs ?? 1,
        batchSize: o.batchSize,
        learningRate: o.learningRate,
        ...optimizerOptions(o),
        patience: o.patience,
        loss: o.loss,
        monitor: o.monitor,
        augment: o.augment,
        validation,
        seed: ctx.seed,
        signal: ctx.signal,
        onEpoch: (m) => ctx.report(m),
      });
      if (result.epochs === 0) throw new AutonasError('STOPPED_BEFORE_EPOCH', 'the trial was stopped before it trained a batch');
      const last = result.history[result.history.length - 1]!;
      const regression = train.targets !== undefined;
      let best = result.best;
      let partialEpoch = 0;
      if (best === undefined) {
        // Stopped during its first epoch: score what it learned so far, marked partial, so a time limit never wastes a trial whole.
        const v = await evaluateModel(model, validation, 256, { loss: this.options.loss });
        best = { epoch: 0, valLoss: v.loss, ...(regression ? { valMse: v.mse!, valMae: v.mae! } : { valAccuracy: v.accuracy }) };
        partialEpoch = 1;
      }
      const bestValAccuracy = regression ? undefined : (result.bestValAccuracy ?? best.valAccuracy!);
      const artifact: ModelArtifact | undefined = scaled ? undefined : { model, dispose: () => model.dispose() };
      const params = trainableParams(model);
      if (scaled) {
        released = true;
        model.dispose();
      }
      return {
        // Higher is better: validation accuracy, or the negated validation loss of a regression.
        score: regression ? -best.valLoss! : bestValAccuracy!,
        metrics: {
          ...(regression
            ? { valLoss: best.valLoss!, valMse: best.valMse!, valMae: best.valMae!, trainMae: last.mae ?? NaN }
            : { valAccuracy: bestValAccuracy!, valLoss: best.valLoss ?? last.valLoss ?? NaN, trainAccuracy: last.accuracy ?? NaN }),
          ...(partialEpoch ? { partialEpoch } : {}),
          trainLoss: last.loss ?? NaN,
          params,
          epochs: result.epochs,
          samplesPerSecond: result.samplesPerSecond,
          trainSamples: this.train.size,
          inputHeight: train.sampleShape[0]!,
        },
        cost: { seconds: result.seconds, epochs: result.epochs, samples: result.epochs * this.train.size },
        partial: result.aborted,
        artifact,
      };
    } catch (e) {
      if (!released) model.dispose();
      throw e;
    }
  }
}

/**
 * A {@link LowFidelityEstimator} for direct use.
 * @example
 * ```ts
 * import { lowFidelityEstimator } from '@autonas/estimator-lowfi';
 * import type { SearchData } from '@autonas/data';
 * const make = (data: SearchData) => lowFidelityEstimator(data, { epochs: 1 });
 * ```
 */
export function lowFidelityEstimator(data: SearchData, options: LowFidelityOptions = {}): LowFidelityEstimator {
  return new LowFidelityEstimator(data, options);
}

/**
 * A container module binding a {@link LowFidelityEstimator} to the `PerformanceEstimator`
 * extension point, reading its data from the `SearchData` binding.
 * @example
 * ```ts
 * import { lowFidelityModule } from '@autonas/estimator-lowfi';
 * const module = lowFidelityModule({ epochs: 1, dataFraction: 0.2 });
 * ```
 */
export function lowFidelityModule(options: LowFidelityOptions = {}): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind<PerformanceEstimator>(PerformanceEstimator)
      .toDynamicValue((ctx) => new LowFidelityEstimator(ctx.get<SearchData>(SearchData), options))
      .inSingletonScope();
  });
}

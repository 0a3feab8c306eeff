import {
  AutonasError,
  ConfigurationError,
  ContainerModule,
  PerformanceEstimator,
  Random,
  type Architecture,
  type Estimate,
  type EstimateContext,
} from '@autonas/core';
import { SearchData, subset, type Dataset } from '@autonas/data';
import { compileArchitecture, ensureRuntime, trainableParams, trainModel, type ModelArtifact } from '@autonas/tfjs';

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
  /** Adam learning rate. Default 0.001. */
  readonly learningRate?: number;
  /** Early stopping patience in epochs (on validation accuracy). Default: none. */
  readonly patience?: number;
  /** Seed of the data subset; the same subset is used for every candidate, so scores compare. Default 0. */
  readonly subsetSeed?: number;
}

/**
 * Scores a candidate by training it briefly (few epochs, a subset of the training split) and
 * measuring its best validation accuracy. The trained model is returned as the estimate's
 * artifact; the engine keeps the best one and disposes the others.
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
export class LowFidelityEstimator implements PerformanceEstimator {
  readonly name = 'lowfi';
  readonly train: Dataset;
  readonly validation: Dataset;

  constructor(data: SearchData, readonly options: LowFidelityOptions = {}) {
    const frac = options.dataFraction ?? 1;
    const vfrac = options.validationFraction ?? 1;
    if (!(frac > 0 && frac <= 1)) throw new ConfigurationError('BAD_FRACTION', `dataFraction must be in (0, 1], got ${frac}`);
    if (!(vfrac > 0 && vfrac <= 1)) throw new ConfigurationError('BAD_FRACTION', `validationFraction must be in (0, 1], got ${vfrac}`);
    if (options.maxSamples !== undefined && !(Number.isInteger(options.maxSamples) && options.maxSamples >= 1)) {
      throw new ConfigurationError('BAD_MAX_SAMPLES', `maxSamples must be a positive integer, got ${options.maxSamples}`);
    }
    const rng = new Random(options.subsetSeed ?? 0);
    const pick = (ds: Dataset, n: number) => (n >= ds.size ? ds : subset(ds, Int32Array.from(rng.shuffle(Array.from({ length: ds.size }, (_, i) => i)).slice(0, n))));
    const nTrain = Math.max(1, Math.min(Math.round(data.train.size * frac), options.maxSamples ?? Infinity));
    this.train = pick(data.train, nTrain);
    this.validation = pick(data.validation, Math.max(1, Math.round(data.validation.size * vfrac)));
  }

  async estimate(arch: Architecture, ctx: EstimateContext): Promise<Estimate> {
    await ensureRuntime();
    const model = compileArchitecture(arch, { seed: ctx.seed });
    try {
      const result = await trainModel(model, this.train, {
        epochs: this.options.epochs ?? 1,
        batchSize: this.options.batchSize,
        learningRate: this.options.learningRate,
        patience: this.options.patience,
        validation: this.validation,
        seed: ctx.seed,
        signal: ctx.signal,
        onEpoch: (m) => ctx.report(m),
      });
      if (result.epochs === 0 || result.bestValAccuracy === undefined) {
        throw new AutonasError('STOPPED_BEFORE_EPOCH', 'the trial was stopped before its first epoch ended');
      }
      const last = result.history[result.history.length - 1]!;
      const artifact: ModelArtifact = { model, dispose: () => model.dispose() };
      return {
        score: result.bestValAccuracy,
        metrics: {
          valAccuracy: result.bestValAccuracy,
          valLoss: last.valLoss ?? NaN,
          trainAccuracy: last.accuracy ?? NaN,
          params: trainableParams(model),
          epochs: result.epochs,
          samplesPerSecond: result.samplesPerSecond,
          trainSamples: this.train.size,
        },
        cost: { seconds: result.seconds, epochs: result.epochs, samples: result.epochs * this.train.size },
        partial: result.aborted,
        artifact,
      };
    } catch (e) {
      model.dispose();
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

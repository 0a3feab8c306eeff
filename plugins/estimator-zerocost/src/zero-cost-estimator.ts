import { AutonasError, ConfigurationError, ContainerModule, PerformanceEstimator, type Architecture, type Estimate, type EstimateContext } from '@autonas/core';
import { SearchData, type Dataset } from '@autonas/data';
import { compileArchitecture, ensureRuntime } from '@autonas/tfjs';
import { ZERO_COST_PROXIES, computeProxies, minibatch, type ZeroCostProxy } from './proxies.js';

/** Options of {@link ZeroCostEstimator}. */
export interface ZeroCostOptions {
  /** The proxy that is the score. Default `gradNorm`, the best-ranking one in our measurement (docs page 17). */
  readonly proxy?: ZeroCostProxy;
  /** Samples of the one minibatch (the first ones of the training split). Default 64. */
  readonly batchSize?: number;
}

/**
 * Scores a candidate without training it: a zero-cost proxy of the network at its (seeded)
 * initialisation, on one minibatch of the training split. The score is the chosen proxy
 * (higher is better for all four); the metrics carry all four and the seconds each took
 * (`seconds_synflow`, …). It reports no epochs and returns no model.
 *
 * @example
 * ```ts
 * import { ZeroCostEstimator } from '@autonas/estimator-zerocost';
 * import type { SearchData } from '@autonas/data';
 * const make = (data: SearchData) => new ZeroCostEstimator(data, { proxy: 'synflow', batchSize: 32 });
 * ```
 */
export class ZeroCostEstimator implements PerformanceEstimator {
  readonly name = 'zerocost';
  readonly proxy: ZeroCostProxy;
  readonly batchSize: number;
  private readonly train: Dataset;

  constructor(data: Pick<SearchData, 'train'>, options: ZeroCostOptions = {}) {
    this.proxy = options.proxy ?? 'gradNorm';
    if (!ZERO_COST_PROXIES.includes(this.proxy)) throw new ConfigurationError('BAD_PROXY', `proxy must be one of ${ZERO_COST_PROXIES.join(', ')}, got ${String(this.proxy)}`);
    this.batchSize = options.batchSize ?? 64;
    if (!(Number.isInteger(this.batchSize) && this.batchSize >= 2)) throw new ConfigurationError('BAD_BATCH_SIZE', `batchSize must be an integer >= 2, got ${this.batchSize}`);
    if (data.train.targets !== undefined) throw new ConfigurationError('BAD_TASK', 'zero-cost proxies here need a classification dataset');
    this.train = data.train;
  }

  async estimate(arch: Architecture, ctx: EstimateContext): Promise<Estimate> {
    if (ctx.signal.aborted) throw new AutonasError('SEARCH_STOPPED', 'the trial was stopped before it started');
    await ensureRuntime();
    const started = performance.now();
    const model = compileArchitecture(arch, { seed: ctx.seed });
    const batch = minibatch(this.train, this.batchSize);
    try {
      const { scores, seconds } = computeProxies(model, batch);
      const score = scores[this.proxy];
      return {
        // A network with no signal (log 0) ranks below every other one but stays finite.
        score: Number.isFinite(score) ? score : -1e30,
        metrics: {
          ...scores,
          ...Object.fromEntries(ZERO_COST_PROXIES.map((p) => [`seconds_${p}`, seconds[p]])),
        },
        cost: { seconds: (performance.now() - started) / 1000, epochs: 0, samples: batch.labels.length },
      };
    } finally {
      batch.x.dispose();
      model.dispose();
    }
  }
}

/**
 * A {@link ZeroCostEstimator} for direct use.
 * @example
 * ```ts
 * import { zeroCostEstimator } from '@autonas/estimator-zerocost';
 * import type { SearchData } from '@autonas/data';
 * const make = (data: SearchData) => zeroCostEstimator(data, { proxy: 'naswot' });
 * ```
 */
export function zeroCostEstimator(data: Pick<SearchData, 'train'>, options: ZeroCostOptions = {}): ZeroCostEstimator {
  return new ZeroCostEstimator(data, options);
}

/**
 * A container module binding a {@link ZeroCostEstimator} to the `PerformanceEstimator`
 * extension point, reading its data from the `SearchData` binding.
 * @example
 * ```ts
 * import { zeroCostModule } from '@autonas/estimator-zerocost';
 * const module = zeroCostModule({ proxy: 'synflow' });
 * ```
 */
export function zeroCostModule(options: ZeroCostOptions = {}): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind<PerformanceEstimator>(PerformanceEstimator)
      .toDynamicValue((ctx) => new ZeroCostEstimator(ctx.get<SearchData>(SearchData), options))
      .inSingletonScope();
  });
}

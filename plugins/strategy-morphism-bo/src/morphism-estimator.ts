import {
  ConfigurationError,
  ContainerModule,
  InvalidArchitectureError,
  PerformanceEstimator,
  architectureHash,
  type Architecture,
  type Estimate,
  type EstimateContext,
} from '@autonas/core';
import { SearchData, type Dataset } from '@autonas/data';
import { compileArchitecture, ensureRuntime, evaluateModel, trainModel, trainableParams, type ModelArtifact, type tfl } from '@autonas/tfjs';
import { lineageOf } from './lineage.js';
import { applyMorphisms, type NetWeights } from './morphisms.js';
import { readWeights, writeWeights } from './weights.js';

/** A bounded store of trained weights by architecture hash, least recently used dropped first. */
export class WeightCache {
  private readonly entries = new Map<string, { arch: Architecture; weights: NetWeights }>();

  /** @param capacity most networks kept */
  constructor(readonly capacity = 8) {
    if (!(Number.isInteger(capacity) && capacity >= 1)) throw new ConfigurationError('BAD_CACHE_SIZE', `WeightCache capacity must be a positive integer, got ${capacity}`);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The weights of a network with this hash, if kept and stored under the same node ids as `arch`. */
  get(hash: string, arch?: Architecture): NetWeights | undefined {
    const e = this.entries.get(hash);
    if (!e) return undefined;
    if (arch && e.arch.nodes.map((n) => n.id).join('\n') !== arch.nodes.map((n) => n.id).join('\n')) return undefined;
    this.entries.delete(hash);
    this.entries.set(hash, e);
    return e.weights;
  }

  set(hash: string, arch: Architecture, weights: NetWeights): void {
    this.entries.delete(hash);
    this.entries.set(hash, { arch, weights });
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  clear(): void {
    this.entries.clear();
  }
}

/** Options of {@link MorphismEstimator}. */
export interface MorphismEstimatorOptions {
  /** Training epochs per trial (a child continues from its parent's weights). Default 1. */
  readonly epochs?: number;
  /** Default 64. */
  readonly batchSize?: number;
  /** Adam learning rate. Default 0.001. */
  readonly learningRate?: number;
  /** Trained networks whose weights are kept for their children. Default 8. */
  readonly cacheSize?: number;
}

/**
 * Trains networks for a morphism search. A network without lineage is trained from scratch; a
 * network proposed by {@link MorphismBoStrategy} records its morphisms in its decisions and comes
 * with its parent trial from the engine (`ctx.parent`), and starts from the parent's trained weights (kept in a bounded {@link WeightCache}) carried through the
 * morphisms, so it computes what its parent computed before it trains at all. When the parent's
 * weights are gone (evicted, or a resumed search), the parent is trained again from scratch first.
 * The score is the validation accuracy after training; metrics add `inheritedValAccuracy` (the
 * child's validation accuracy before training) and `parentTrial`.
 *
 * @example
 * ```ts
 * import type { SearchData } from '@autonas/data';
 * import { MorphismEstimator } from '@autonas/strategy-morphism-bo';
 * function estimator(data: SearchData) {
 *   return new MorphismEstimator(data, { epochs: 1, cacheSize: 4 });
 * }
 * ```
 */
export class MorphismEstimator implements PerformanceEstimator {
  readonly name = 'morphism';
  readonly cache: WeightCache;

  constructor(readonly data: SearchData, readonly options: MorphismEstimatorOptions = {}) {
    const epochs = options.epochs ?? 1;
    if (!(Number.isInteger(epochs) && epochs >= 1)) throw new ConfigurationError('BAD_EPOCHS', `MorphismEstimator epochs must be a positive integer, got ${epochs}`);
    this.cache = new WeightCache(options.cacheSize ?? 8);
  }

  async estimate(arch: Architecture, ctx: EstimateContext): Promise<Estimate> {
    await ensureRuntime();
    const t0 = performance.now();
    const lineage = lineageOf(arch, ctx.parent);
    const metrics: Record<string, number> = {};
    let net: { arch: Architecture; weights?: NetWeights } = { arch };
    let samples = 0;
    let epochs = 0;
    if (lineage) {
      let parentWeights = this.cache.get(lineage.parentHash, lineage.parent);
      if (!parentWeights) {
        const parent = compileArchitecture(lineage.parent, { seed: ctx.seed });
        try {
          const r = await this.train(parent, this.data.train, ctx, false);
          samples += r.samples;
          epochs += r.epochs;
          parentWeights = readWeights(parent, lineage.parent);
          this.cache.set(lineage.parentHash, lineage.parent, parentWeights);
          metrics.parentRetrained = 1;
        } finally {
          parent.dispose();
        }
      }
      net = applyMorphisms(lineage.parent, lineage.steps, parentWeights);
      if (architectureHash(net.arch) !== architectureHash(arch)) {
        throw new InvalidArchitectureError('LINEAGE_MISMATCH', `the morphisms recorded on the architecture do not turn trial ${lineage.parentTrial}'s network into this one`);
      }
      metrics.parentTrial = lineage.parentTrial;
    }
    const model = compileArchitecture(net.arch, { seed: ctx.seed });
    try {
      if (net.weights) {
        writeWeights(model, net.weights);
        metrics.inheritedValAccuracy = (await evaluateModel(model, this.data.validation)).accuracy;
      }
      const r = await this.train(model, this.data.train, ctx, true);
      samples += r.samples;
      epochs += r.epochs;
      const final = await evaluateModel(model, this.data.validation);
      this.cache.set(architectureHash(arch), net.arch, readWeights(model, net.arch));
      const artifact: ModelArtifact = { model, dispose: () => model.dispose() };
      return {
        score: final.accuracy,
        metrics: { ...metrics, valAccuracy: final.accuracy, valLoss: final.loss, params: trainableParams(model), epochs: r.epochs },
        cost: { seconds: (performance.now() - t0) / 1000, epochs, samples },
        partial: r.aborted,
        artifact,
      };
    } catch (e) {
      model.dispose();
      throw e;
    }
  }

  private async train(model: tfl.LayersModel, train: Dataset, ctx: EstimateContext, report: boolean) {
    const r = await trainModel(model, train, {
      epochs: this.options.epochs ?? 1,
      batchSize: this.options.batchSize,
      learningRate: this.options.learningRate,
      seed: ctx.seed,
      signal: ctx.signal,
      onEpoch: report ? (m) => ctx.report(m) : undefined,
    });
    return { aborted: r.aborted, epochs: r.epochs, samples: r.epochs * train.size };
  }
}

/**
 * A container module binding a {@link MorphismEstimator} on the container's `SearchData` to the
 * `PerformanceEstimator` extension point.
 * @example
 * ```ts
 * import { morphismEstimatorModule } from '@autonas/strategy-morphism-bo';
 * const m = morphismEstimatorModule({ epochs: 1 });
 * ```
 */
export function morphismEstimatorModule(options: MorphismEstimatorOptions = {}): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind<PerformanceEstimator>(PerformanceEstimator).toDynamicValue((ctx) => new MorphismEstimator(ctx.get<SearchData>(SearchData), options)).inSingletonScope();
  });
}

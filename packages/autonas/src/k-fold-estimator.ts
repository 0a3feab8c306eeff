import { AutonasError, type Architecture, type Estimate, type EstimateContext, type PerformanceEstimator } from '@autonas/core';
import type { SearchData } from '@autonas/data';

/**
 * Scores a candidate by k-fold cross-validation: one estimator per fold (each trained on the
 * other folds and validated on its own), the score their mean. Per-epoch reports carry the fold.
 * Trained models are not kept (the final network is retrained on all the data).
 *
 * @example
 * ```ts
 * import { createDataset, kFold } from '@autonas/data';
 * import { LowFidelityEstimator } from '@autonas/estimator-lowfi';
 * import { KFoldEstimator } from 'autonas';
 * const ds = createDataset(Array.from({ length: 40 }, (_, i) => [i % 7, i % 3]), Array.from({ length: 40 }, (_, i) => i % 2));
 * const estimator = new KFoldEstimator(kFold(ds, 4, { seed: 1 }), (data) => new LowFidelityEstimator(data, { epochs: 1 }));
 * console.log(estimator.folds); // 4
 * ```
 */
export class KFoldEstimator implements PerformanceEstimator {
  readonly name: string;
  private readonly estimators: PerformanceEstimator[];

  constructor(folds: readonly SearchData[], create: (data: SearchData) => PerformanceEstimator) {
    if (folds.length < 2) throw new AutonasError('BAD_FOLDS', `k-fold cross-validation needs at least 2 folds, got ${folds.length}`);
    this.estimators = folds.map(create);
    this.name = `${this.estimators[0]!.name}×${folds.length}-fold`;
  }

  get folds(): number {
    return this.estimators.length;
  }

  async estimate(arch: Architecture, ctx: EstimateContext): Promise<Estimate> {
    const scores: number[] = [];
    const metrics: Record<string, number> = {};
    let seconds = 0;
    let epochs = 0;
    let samples = 0;
    let partial = false;
    for (const [fold, est] of this.estimators.entries()) {
      const e = await est.estimate(arch, { ...ctx, report: (m) => ctx.report({ ...m, fold }) });
      e.artifact?.dispose();
      scores.push(e.score);
      for (const [k, v] of Object.entries(e.metrics)) metrics[k] = (metrics[k] ?? 0) + v / this.estimators.length;
      metrics[`fold${fold}Score`] = e.score;
      seconds += e.cost.seconds;
      epochs += e.cost.epochs ?? 0;
      samples += e.cost.samples ?? 0;
      partial ||= e.partial === true;
      if (ctx.signal.aborted) break;
    }
    const score = scores.reduce((a, b) => a + b, 0) / scores.length;
    const sd = Math.sqrt(scores.reduce((a, s) => a + (s - score) ** 2, 0) / Math.max(1, scores.length - 1));
    return { score, metrics: { ...metrics, folds: scores.length, foldScoreStd: sd }, cost: { seconds, epochs, samples }, partial: partial || scores.length < this.estimators.length };
  }
}

import type { Architecture } from './architecture.js';
import type { Estimate, EstimateContext, PerformanceEstimator } from './performance-estimator.js';

/**
 * An estimator that runs `inner` and passes each estimate through `map`, keeping the inner one's
 * name, concurrency and lifecycle hooks. The one place the core's estimator decorators
 * (objective scores, parameter counts) forward those.
 */
export function mapEstimates(
  inner: PerformanceEstimator,
  map: (estimate: Estimate, arch: Architecture, ctx: EstimateContext) => Estimate,
): PerformanceEstimator {
  return {
    name: inner.name,
    ...(inner.concurrency === undefined ? {} : { concurrency: inner.concurrency }),
    ...(inner.start ? { start: () => inner.start!() } : {}),
    ...(inner.dispose ? { dispose: () => inner.dispose!() } : {}),
    async estimate(arch: Architecture, ctx: EstimateContext): Promise<Estimate> {
      return map(await inner.estimate(arch, ctx), arch, ctx);
    },
  };
}

import { ConfigurationError } from './errors.js';
import type { PerformanceEstimator } from './performance-estimator.js';

/**
 * A serialisable recipe for an estimator, so another process (a local worker, a machine taking
 * trials from a queue) can build its own: it imports `module` and calls its export `export` with
 * `options`.
 *
 * @example
 * ```ts
 * import type { EstimatorSpec } from '@autonas/core';
 * const spec: EstimatorSpec = { module: '@my/estimators', export: 'mnistEstimator', options: { epochs: 1 } };
 * ```
 */
export interface EstimatorSpec {
  /**
   * What to import: a package name (resolved from the importing package's location, so it must be
   * installed beside it), an absolute path, or a `file:` URL.
   */
  readonly module: string;
  /** A function exported by the module, `(options) => PerformanceEstimator` (may be async); default `'default'`. */
  readonly export?: string;
  /** Options given to it: plain, structured-clone-able data (no functions). */
  readonly options?: unknown;
}

/**
 * Builds the estimator an {@link EstimatorSpec} describes, by importing its module. Only call it
 * with specs you trust: importing a module runs its code.
 *
 * @param spec - module, export and options
 * @returns the estimator
 * @throws ConfigurationError `BAD_ESTIMATOR_SPEC` when the module cannot be imported, has no such
 *   function, or it returns no estimator
 * @example
 * ```ts
 * import { buildEstimator } from '@autonas/core';
 * const make = () => buildEstimator({ module: '@my/estimators', export: 'mnistEstimator', options: { epochs: 1 } });
 * ```
 */
export async function buildEstimator(spec: EstimatorSpec): Promise<PerformanceEstimator> {
  if (!spec || typeof spec.module !== 'string' || !spec.module) throw new ConfigurationError('BAD_ESTIMATOR_SPEC', `an estimator spec needs a module, got ${JSON.stringify(spec)}`);
  // An absolute path (POSIX or Windows) becomes a file: URL; the core stays free of node: imports.
  const m = spec.module;
  const specifier = /^(\/|[A-Za-z]:[\\/])/.test(m) ? new URL(`file://${m.startsWith('/') ? '' : '/'}${m.replace(/\\/g, '/').replace(/[?#%]/g, encodeURIComponent)}`).href : m;
  const name = spec.export ?? 'default';
  let mod: Record<string, unknown>;
  try {
    mod = (await import(specifier)) as Record<string, unknown>;
  } catch (e) {
    throw new ConfigurationError('BAD_ESTIMATOR_SPEC', `cannot import estimator module "${spec.module}": ${(e as Error).message}`, { cause: e });
  }
  const factory = mod[name];
  if (typeof factory !== 'function') {
    throw new ConfigurationError('BAD_ESTIMATOR_SPEC', `module "${spec.module}" has no function export "${name}" (exports: ${Object.keys(mod).join(', ') || 'none'})`);
  }
  const made = (await (factory as (o: unknown) => unknown)(spec.options)) as PerformanceEstimator | undefined;
  if (!made || typeof made.estimate !== 'function') throw new ConfigurationError('BAD_ESTIMATOR_SPEC', `"${name}" of "${spec.module}" did not return a PerformanceEstimator`);
  return made;
}

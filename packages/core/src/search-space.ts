import type { Architecture, DecisionValue } from './architecture.js';
import type { Random } from './random.js';

/** Injection token for {@link SearchSpace}. */
export const SearchSpace = Symbol.for('autonas.SearchSpace');

/**
 * One discrete choice of a search space, named by a hierarchical path such as
 * `chain/block_1/filters`, so known-good values can be given by name.
 */
export interface Decision {
  readonly name: string;
  readonly choices: readonly DecisionValue[];
  /** A known-good value, used for the space's default architecture. */
  readonly default?: DecisionValue;
  /** One line on what the decision means. */
  readonly description?: string;
}

/** Result of {@link SearchSpace.validate}. */
export type ValidationResult = { readonly valid: true } | { readonly valid: false; readonly reasons: readonly string[] };

/**
 * A set of architectures a strategy can search.
 *
 * @example
 * ```ts
 * import { Random, type SearchSpace } from '@autonas/core';
 * function sampleThree(space: SearchSpace) {
 *   const rng = new Random(1);
 *   return [space.sample(rng), space.sample(rng), space.sample(rng)];
 * }
 * ```
 */
export interface SearchSpace {
  /** Stable name, recorded on every architecture it produces. */
  readonly name: string;
  /** Every decision, in a fixed order, for strategies that need a flat list. */
  decisions(): readonly Decision[];
  /** Builds the architecture for a full assignment of decision values (unknown names are errors; missing ones take defaults). */
  build(values: Readonly<Record<string, DecisionValue>>): Architecture;
  /** A uniformly sampled valid architecture. */
  sample(rng: Random): Architecture;
  /** A valid architecture that differs from `arch` in one decision. */
  mutate(arch: Architecture, rng: Random): Architecture;
  /**
   * A valid child mixing two parents of this space (for example each decision taken from one
   * parent at random). Optional: strategies that recombine skip it when a space has none.
   */
  crossover?(a: Architecture, b: Architecture, rng: Random): Architecture;
  /** Whether `arch` belongs to this space and can be built; reasons name what is wrong. */
  validate(arch: Architecture): ValidationResult;
  /** The known-good default architecture (Auto-Keras's first trial), if the space has one. */
  defaultArchitecture?(): Architecture;
}

import { ConfigurationError, ContainerModule, SearchSpace, STANDARD_OPS, inferShapes, type Architecture, type Decision, type DecisionValue, type Random, type ValidationResult } from '@autonas/core';
import { weightedDepth } from './graph.js';
import { randomMorphisms, type MorphismLimits } from './tree-search.js';

const STANDARD: ReadonlySet<string> = new Set(STANDARD_OPS);

/**
 * The networks reachable from a base space by function-preserving morphisms: its own networks
 * plus any graph of standard ops within the size and depth limits. A space whose networks are
 * fixed by decisions (such as a chain space) rejects a deepened or widened network, so a
 * morphism search wraps its space in this one. `mutate` applies one random morphism.
 *
 * @example
 * ```ts
 * import { GridSpace } from '@autonas/testing';
 * import { MorphismSpace } from '@autonas/strategy-morphism-bo';
 * const space = new MorphismSpace(new GridSpace({ a: [1, 2] }), { maxParams: 100_000 });
 * console.log(space.name); // 'grid+morphism'
 * ```
 */
export class MorphismSpace implements SearchSpace {
  readonly name: string;

  constructor(readonly base: SearchSpace, readonly limits: MorphismLimits = {}) {
    if (limits.maxParams !== undefined && !(limits.maxParams > 0)) throw new ConfigurationError('BAD_LIMIT', `maxParams must be positive, got ${limits.maxParams}`);
    if (limits.maxDepth !== undefined && !(Number.isInteger(limits.maxDepth) && limits.maxDepth >= 1)) throw new ConfigurationError('BAD_LIMIT', `maxDepth must be a positive integer, got ${limits.maxDepth}`);
    this.name = `${base.name}+morphism`;
  }

  decisions(): readonly Decision[] {
    return this.base.decisions();
  }

  build(values: Readonly<Record<string, DecisionValue>>): Architecture {
    return this.relabel(this.base.build(values));
  }

  sample(rng: Random): Architecture {
    return this.relabel(this.base.sample(rng));
  }

  mutate(arch: Architecture, rng: Random): Architecture {
    const [first] = randomMorphisms(arch, rng, { ...this.limits, count: 1 });
    if (!first) throw new ConfigurationError('NO_VALID_MUTATION', 'no function-preserving morphism of this network stays within the limits');
    return { ...first.arch, space: this.name, decisions: {} };
  }

  validate(arch: Architecture): ValidationResult {
    const reasons: string[] = [];
    try {
      const unknown = arch.nodes.filter((n) => !STANDARD.has(n.op)).map((n) => `${n.id} (${n.op})`);
      if (unknown.length) reasons.push(`non-standard ops: ${unknown.join(', ')}`);
      const params = inferShapes(arch).totalParams;
      const maxParams = this.limits.maxParams ?? 1_000_000;
      if (params > maxParams) reasons.push(`${params} parameters exceed maxParams ${maxParams}`);
      const depth = weightedDepth(arch);
      const maxDepth = this.limits.maxDepth ?? 16;
      if (depth > maxDepth) reasons.push(`depth ${depth} exceeds maxDepth ${maxDepth}`);
    } catch (e) {
      reasons.push(e instanceof Error ? e.message : String(e));
    }
    return reasons.length ? { valid: false, reasons } : { valid: true };
  }

  defaultArchitecture(): Architecture {
    return this.relabel(this.base.defaultArchitecture ? this.base.defaultArchitecture() : this.base.build({}));
  }

  private relabel(arch: Architecture): Architecture {
    return { ...arch, space: this.name };
  }
}

/**
 * A {@link MorphismSpace} around `base`.
 * @example
 * ```ts
 * import { GridSpace } from '@autonas/testing';
 * import { morphismSpace } from '@autonas/strategy-morphism-bo';
 * const space = morphismSpace(new GridSpace({ a: [1, 2] }));
 * ```
 */
export function morphismSpace(base: SearchSpace, limits: MorphismLimits = {}): MorphismSpace {
  return new MorphismSpace(base, limits);
}

/**
 * A container module that binds a {@link MorphismSpace} around `base` to the `SearchSpace` extension point.
 * @example
 * ```ts
 * import { createContainer } from '@autonas/core';
 * import { GridSpace } from '@autonas/testing';
 * import { morphismSpaceModule } from '@autonas/strategy-morphism-bo';
 * const c = createContainer({ maxTrials: 2 }, morphismSpaceModule(new GridSpace({ a: [1, 2] })));
 * ```
 */
export function morphismSpaceModule(base: SearchSpace, limits: MorphismLimits = {}): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind<SearchSpace>(SearchSpace).toConstantValue(new MorphismSpace(base, limits));
  });
}

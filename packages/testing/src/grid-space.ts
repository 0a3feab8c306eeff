import {
  ConfigurationError,
  architectureHash,
  type ArchNode,
  type Architecture,
  type Decision,
  type DecisionValue,
  type Estimate,
  type EstimateContext,
  type PerformanceEstimator,
  type Random,
  type SearchSpace,
  type ValidationResult,
} from '@autonas/core';

/**
 * A small search space for testing strategies: one dense layer per decision, each decision a
 * list of widths. It has `prod(choices)` architectures, so tests can reason about exhaustion
 * and optima exactly.
 *
 * @example
 * ```ts
 * import { GridSpace } from '@autonas/testing';
 * const space = new GridSpace({ a: [1, 2], b: [1, 2, 3] }); // 6 architectures
 * console.log(space.size); // 6
 * ```
 */
export class GridSpace implements SearchSpace {
  readonly name: string;
  private readonly list: Decision[];

  constructor(grid: Readonly<Record<string, readonly number[]>>, name = 'grid') {
    this.name = name;
    this.list = Object.entries(grid).map(([k, choices]) => {
      if (choices.length === 0) throw new ConfigurationError('EMPTY_CHOICES', `GridSpace decision "${k}" has no choices`);
      return { name: `${name}/${k}`, choices, default: choices[0] };
    });
    if (this.list.length === 0) throw new ConfigurationError('EMPTY_CHOICES', 'GridSpace needs at least one decision');
  }

  /** Number of architectures in the space. */
  get size(): number {
    return this.list.reduce((p, d) => p * d.choices.length, 1);
  }

  decisions(): readonly Decision[] {
    return this.list;
  }

  build(values: Readonly<Record<string, DecisionValue>>): Architecture {
    for (const k of Object.keys(values)) {
      if (!this.list.some((d) => d.name === k)) throw new ConfigurationError('UNKNOWN_DECISION', `"${k}" is not a decision of GridSpace "${this.name}"`);
    }
    const full: Record<string, DecisionValue> = {};
    const nodes: ArchNode[] = [{ id: 'in', op: 'input', params: { shape: [4] }, inputs: [] }];
    for (const d of this.list) {
      const v = values[d.name] ?? d.default!;
      if (!d.choices.includes(v)) throw new ConfigurationError('BAD_CHOICE', `${d.name}=${JSON.stringify(v)} is not one of ${JSON.stringify(d.choices)}`);
      full[d.name] = v;
      nodes.push({ id: d.name, op: 'dense', params: { units: Number(v) }, inputs: [nodes[nodes.length - 1]!.id] });
    }
    return { nodes, space: this.name, decisions: full };
  }

  sample(rng: Random): Architecture {
    return this.build(Object.fromEntries(this.list.map((d) => [d.name, rng.choice(d.choices)])));
  }

  mutate(arch: Architecture, rng: Random): Architecture {
    const movable = this.list.filter((d) => d.choices.length > 1);
    if (!movable.length) throw new ConfigurationError('NOTHING_TO_MUTATE', 'every GridSpace decision has one choice');
    const d = rng.choice(movable);
    const cur = arch.decisions?.[d.name];
    return this.build({ ...arch.decisions, [d.name]: rng.choice(d.choices.filter((c) => c !== cur)) });
  }

  crossover(a: Architecture, b: Architecture, rng: Random): Architecture {
    return this.build(Object.fromEntries(this.list.map((d) => [d.name, (rng.next() < 0.5 ? a : b).decisions?.[d.name] ?? d.default!])));
  }

  validate(arch: Architecture): ValidationResult {
    if (arch.space !== this.name || !arch.decisions) return { valid: false, reasons: [`not an architecture of ${this.name}`] };
    try {
      if (architectureHash(this.build(arch.decisions)) !== architectureHash(arch)) return { valid: false, reasons: ['graph does not match its decisions'] };
      return { valid: true };
    } catch (e) {
      return { valid: false, reasons: [(e as Error).message] };
    }
  }

  defaultArchitecture(): Architecture {
    return this.build({});
  }
}

/**
 * An estimator that scores an architecture by a function of its decision values: instant,
 * deterministic, with a known optimum.
 *
 * @example
 * ```ts
 * import { FunctionEstimator } from '@autonas/testing';
 * const est = new FunctionEstimator((d) => -Math.abs(Number(d['grid/a']) - 2));
 * ```
 */
export class FunctionEstimator implements PerformanceEstimator {
  readonly name = 'function';
  /** Architectures estimated, in call order. */
  readonly calls: Architecture[] = [];

  constructor(private readonly fn: (decisions: Readonly<Record<string, DecisionValue>>, arch: Architecture) => number) {}

  async estimate(arch: Architecture, ctx: EstimateContext): Promise<Estimate> {
    this.calls.push(arch);
    const score = this.fn(arch.decisions ?? {}, arch);
    ctx.report({ epoch: 0, score });
    return { score, metrics: { score }, cost: { seconds: 0 } };
  }
}

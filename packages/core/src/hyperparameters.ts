import type { Architecture, DecisionValue } from './architecture.js';
import { ConfigurationError, InvalidArchitectureError } from './errors.js';
import type { Random } from './random.js';
import type { Decision, SearchSpace, ValidationResult } from './search-space.js';

/** The training hyperparameters a space can carry beside the network (see {@link withHyperparameters}). */
export const HYPERPARAMETERS = ['learningRate', 'batchSize', 'optimizer', 'weightDecay', 'augment.shift', 'augment.flip', 'augment.cutout'] as const;
/** One of {@link HYPERPARAMETERS}; its decision is named `hp/<name>`. */
export type HyperparameterName = (typeof HYPERPARAMETERS)[number];

/** Prefix of the hyperparameter decisions' names. */
export const HP_PREFIX = 'hp/';

/**
 * The choices of one searched hyperparameter: a list (its first value is the default, the first
 * trial's), or the list with another default.
 */
export type HyperparameterChoices = readonly DecisionValue[] | { readonly choices: readonly DecisionValue[]; readonly default: DecisionValue };

/** Which hyperparameters a {@link withHyperparameters} space searches, and from what. */
export type HyperparameterSpec = { readonly [K in HyperparameterName]?: HyperparameterChoices };

/** Training rules read from an architecture's `training` record, for an estimator to lay over its fixed options. */
export interface TrainingHyperparameters {
  readonly learningRate?: number;
  readonly batchSize?: number;
  readonly optimizer?: string;
  readonly weightDecay?: number;
  readonly augment?: { readonly shift?: number; readonly flip?: boolean; readonly cutout?: number };
}

const KIND: Readonly<Record<HyperparameterName, 'number' | 'string' | 'boolean'>> = {
  learningRate: 'number', batchSize: 'number', optimizer: 'string', weightDecay: 'number', 'augment.shift': 'number', 'augment.flip': 'boolean', 'augment.cutout': 'number',
};

const DESCRIPTION: Readonly<Record<HyperparameterName, string>> = {
  learningRate: "the optimiser's learning rate",
  batchSize: 'samples per training step',
  optimizer: 'adam, adamw, sgd or rmsprop',
  weightDecay: 'weight decay of the kernels (decoupled with adamw, L2 otherwise)',
  'augment.shift': 'largest random shift of a training image, in pixels (0: none)',
  'augment.flip': 'random left-right flips of training images',
  'augment.cutout': 'side of a zeroed square in each training image, in pixels (0: none)',
};

/**
 * The training hyperparameters an architecture carries (its `training` record), structured; empty
 * for an architecture of a space without hyperparameter decisions.
 *
 * @param arch - an architecture, e.g. a trial's
 * @returns the values to train it with, over the estimator's fixed options
 * @example
 * ```ts
 * import { hyperparametersOf, type Architecture } from '@autonas/core';
 * const arch: Architecture = { nodes: [], training: { learningRate: 0.003, 'augment.shift': 2 } };
 * console.log(hyperparametersOf(arch)); // { learningRate: 0.003, augment: { shift: 2 } }
 * ```
 */
export function hyperparametersOf(arch: Architecture): TrainingHyperparameters {
  const t = arch.training;
  if (!t) return {};
  const out: Record<string, unknown> = {};
  const augment: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(t)) {
    if (k.startsWith('augment.')) augment[k.slice('augment.'.length)] = v;
    else out[k] = v;
  }
  return { ...out, ...(Object.keys(augment).length ? { augment } : {}) } as TrainingHyperparameters;
}

/**
 * Lays an architecture's training hyperparameters over fixed training options: a value the
 * architecture carries wins, the augmentation merged key by key.
 *
 * @example
 * ```ts
 * import { withTrainingOf, type Architecture } from '@autonas/core';
 * const arch: Architecture = { nodes: [], training: { learningRate: 0.003 } };
 * console.log(withTrainingOf({ learningRate: 0.001, epochs: 2 }, arch)); // { learningRate: 0.003, epochs: 2 }
 * ```
 */
export function withTrainingOf<T extends object>(options: T, arch: Architecture): T {
  const hp = hyperparametersOf(arch);
  if (Object.keys(hp).length === 0) return options;
  const { augment, ...rest } = hp;
  const fixed = (options as { readonly augment?: object }).augment;
  return { ...options, ...rest, ...(augment ? { augment: { ...fixed, ...augment } } : {}) } as T;
}

interface HpDecision extends Decision {
  readonly key: HyperparameterName;
  readonly default: DecisionValue;
}

/** The architecture without its hyperparameters: what the wrapped space made. */
function networkOf(arch: Architecture): Architecture {
  if (arch.training === undefined && !Object.keys(arch.decisions ?? {}).some((k) => k.startsWith(HP_PREFIX))) return arch;
  const { training: _, ...rest } = arch;
  if (!arch.decisions) return rest;
  return { ...rest, decisions: Object.fromEntries(Object.entries(arch.decisions).filter(([k]) => !k.startsWith(HP_PREFIX))) };
}

/**
 * A search space whose architectures carry training hyperparameters beside the network: see
 * {@link withHyperparameters}. `crossover` and `defaultArchitecture` are present when the wrapped
 * space has them.
 *
 * @example
 * ```ts
 * import { HyperparameterSpace, type SearchSpace } from '@autonas/core';
 * const wrap = (space: SearchSpace) => new HyperparameterSpace(space, { batchSize: [64, 32] });
 * ```
 */
export class HyperparameterSpace implements SearchSpace {
  readonly name: string;
  private readonly hp: readonly HpDecision[];

  constructor(readonly inner: SearchSpace, spec: HyperparameterSpec) {
    this.name = inner.name;
    const list: HpDecision[] = [];
    for (const [key, given] of Object.entries(spec) as [HyperparameterName, HyperparameterChoices | undefined][]) {
      if (given === undefined) continue;
      if (!(HYPERPARAMETERS as readonly string[]).includes(key)) throw new ConfigurationError('UNKNOWN_HYPERPARAMETER', `"${key}" is not a training hyperparameter; known: ${HYPERPARAMETERS.join(', ')}`);
      const choices = Array.isArray(given) ? (given as readonly DecisionValue[]) : (given as { choices: readonly DecisionValue[] }).choices;
      const def = Array.isArray(given) ? choices[0] : (given as { default: DecisionValue }).default;
      if (!Array.isArray(choices) || choices.length === 0) throw new ConfigurationError('EMPTY_CHOICES', `hyperparameter "${key}" has no choices`);
      for (const c of choices) {
        if (typeof c !== KIND[key]) throw new ConfigurationError('BAD_CHOICE', `hyperparameter "${key}" takes ${KIND[key]} values, got ${JSON.stringify(c)}`);
      }
      if (new Set(choices).size !== choices.length) throw new ConfigurationError('BAD_CHOICE', `hyperparameter "${key}" lists a choice twice: ${JSON.stringify(choices)}`);
      if (!choices.includes(def!)) throw new ConfigurationError('BAD_CHOICE', `the default ${JSON.stringify(def)} of hyperparameter "${key}" is not one of ${JSON.stringify(choices)}`);
      list.push({ name: `${HP_PREFIX}${key}`, key, choices: [...choices], default: def!, description: DESCRIPTION[key] });
    }
    const clash = inner.decisions().find((d) => d.name.startsWith(HP_PREFIX));
    if (clash) throw new ConfigurationError('DECISION_CLASH', `space "${inner.name}" already has a decision "${clash.name}" under the hyperparameters' prefix ${HP_PREFIX}`);
    this.hp = list;
  }

  decisions(): readonly Decision[] {
    return [...this.inner.decisions(), ...this.hp.map(({ key: _, ...d }) => d)];
  }

  /** The hyperparameter decisions alone. */
  hyperparameters(): readonly Decision[] {
    return this.hp.map(({ key: _, ...d }) => d);
  }

  /** `network` with these hyperparameter values recorded: as decisions (`hp/…`) and as its `training` record. */
  private attach(network: Architecture, values: ReadonlyMap<HyperparameterName, DecisionValue>): Architecture {
    const decisions: Record<string, DecisionValue> = { ...network.decisions };
    const training: Record<string, DecisionValue> = {};
    for (const d of this.hp) {
      const v = values.get(d.key)!;
      decisions[d.name] = v;
      training[d.key] = v;
    }
    return { ...network, decisions, ...(this.hp.length ? { training } : {}) };
  }

  private valuesOf(arch: Architecture): Map<HyperparameterName, DecisionValue> {
    return new Map(this.hp.map((d) => [d.key, arch.decisions?.[d.name] ?? d.default]));
  }

  build(values: Readonly<Record<string, DecisionValue>>): Architecture {
    const inner: Record<string, DecisionValue> = {};
    const hp = new Map<HyperparameterName, DecisionValue>(this.hp.map((d) => [d.key, d.default]));
    for (const [k, v] of Object.entries(values)) {
      if (!k.startsWith(HP_PREFIX)) {
        inner[k] = v;
        continue;
      }
      const d = this.hp.find((x) => x.name === k);
      if (!d) throw new InvalidArchitectureError('UNKNOWN_DECISION', `"${k}" is not a hyperparameter this space searches (${this.hp.map((x) => x.name).join(', ') || 'none'})`);
      if (!d.choices.includes(v)) throw new InvalidArchitectureError('BAD_CHOICE', `decision "${k}" = ${JSON.stringify(v)} is not one of ${JSON.stringify(d.choices)}`);
      hp.set(d.key, v);
    }
    return this.attach(this.inner.build(inner), hp);
  }

  sample(rng: Random): Architecture {
    const network = this.inner.sample(rng);
    return this.attach(network, new Map(this.hp.map((d) => [d.key, rng.choice(d.choices)])));
  }

  mutate(arch: Architecture, rng: Random): Architecture {
    const values = this.valuesOf(arch);
    const movable = this.hp.filter((d) => d.choices.length > 1);
    const innerMovable = this.inner.decisions().filter((d) => d.choices.length > 1).length;
    // One decision changes, picked uniformly among every decision that has another value to take.
    if (movable.length > 0 && rng.next() * (movable.length + innerMovable) < movable.length) {
      const d = rng.choice(movable);
      const next = new Map(values);
      next.set(d.key, rng.choice(d.choices.filter((c) => c !== values.get(d.key))));
      return this.attach(networkOf(arch), next);
    }
    return this.attach(this.inner.mutate(networkOf(arch), rng), values);
  }

  /** Present when the wrapped space has one: the networks crossed by it, each hyperparameter taken from one parent at random. */
  get crossover(): ((a: Architecture, b: Architecture, rng: Random) => Architecture) | undefined {
    const cross = this.inner.crossover?.bind(this.inner);
    if (!cross) return undefined;
    return (a, b, rng) => {
      const network = cross(networkOf(a), networkOf(b), rng);
      const va = this.valuesOf(a);
      const vb = this.valuesOf(b);
      return this.attach(network, new Map(this.hp.map((d) => [d.key, (rng.bool() ? va : vb).get(d.key)!])));
    };
  }

  validate(arch: Architecture): ValidationResult {
    const reasons: string[] = [];
    for (const d of this.hp) {
      const v = arch.decisions?.[d.name];
      if (v === undefined) reasons.push(`decision "${d.name}" is missing`);
      else if (!d.choices.includes(v)) reasons.push(`decision "${d.name}" = ${JSON.stringify(v)} is not one of ${JSON.stringify(d.choices)}`);
      else if (arch.training?.[d.key] !== v) reasons.push(`training.${d.key} = ${JSON.stringify(arch.training?.[d.key])} disagrees with decision "${d.name}" = ${JSON.stringify(v)}`);
    }
    for (const k of Object.keys(arch.training ?? {})) if (!this.hp.some((d) => d.key === k)) reasons.push(`training.${k} is not a hyperparameter this space searches`);
    for (const k of Object.keys(arch.decisions ?? {})) if (k.startsWith(HP_PREFIX) && !this.hp.some((d) => d.name === k)) reasons.push(`decision "${k}" is not a hyperparameter this space searches`);
    const inner = this.inner.validate(networkOf(arch));
    if (!inner.valid) reasons.push(...inner.reasons);
    return reasons.length ? { valid: false, reasons } : { valid: true };
  }

  /** Present when the wrapped space has one: its default network with every hyperparameter at its default. */
  get defaultArchitecture(): (() => Architecture) | undefined {
    const def = this.inner.defaultArchitecture?.bind(this.inner);
    if (!def) return undefined;
    return () => this.attach(def(), new Map(this.hp.map((d) => [d.key, d.default])));
  }
}

/**
 * Adds training hyperparameters to a search space, as decisions named `hp/learningRate`,
 * `hp/batchSize`, `hp/optimizer`, `hp/weightDecay`, `hp/augment.shift`, `hp/augment.flip`,
 * `hp/augment.cutout`, so every strategy searches them through `decisions()`, `build`, `sample`,
 * `mutate` and `crossover` without knowing what they mean. The network built is the wrapped
 * space's, unchanged; each architecture also carries the values as its `training` record, which
 * is part of its hash (two trials differing only in learning rate are two trials) and which
 * estimators lay over their fixed options ({@link withTrainingOf}). The defaults (the first
 * choice unless given) make the default architecture: list today's known-good values first and
 * the first trial is what it was without hyperparameters.
 *
 * @param space - the network's space
 * @param spec - the hyperparameters searched and their choices; one left out is not searched
 * @returns a space of the same name whose architectures carry their training rules
 * @example
 * ```ts
 * import { Random, withHyperparameters, type SearchSpace } from '@autonas/core';
 * function withTraining(space: SearchSpace) {
 *   const hp = withHyperparameters(space, { learningRate: [0.001, 0.003], batchSize: [64, 32] });
 *   const arch = hp.sample(new Random(1));
 *   console.log(arch.decisions?.['hp/learningRate'], arch.training); // e.g. 0.003 { learningRate: 0.003, batchSize: 64 }
 *   return hp;
 * }
 * ```
 */
export function withHyperparameters(space: SearchSpace, spec: HyperparameterSpec): HyperparameterSpace {
  return new HyperparameterSpace(space, spec);
}

import {
  ConfigurationError,
  ContainerModule,
  InvalidArchitectureError,
  SearchSpace,
  architectureHash,
  headNode,
  inferShapes,
  type ArchNode,
  type Architecture,
  type Decision,
  type DecisionValue,
  type HeadSpec,
  type Random,
  type ValidationResult,
} from '@autonas/core';

/** Options of {@link DenseSpace}. Choice lists left undefined take the defaults shown. */
export interface DenseSpaceOptions {
  /** Features per sample (after column encoding). */
  readonly inputUnits: number;
  /** What the network predicts. */
  readonly head: HeadSpec;
  /** Choices of the number of dense blocks. Default `[1, 2, 3]`. */
  readonly blocks?: readonly number[];
  /** Choices of units per block. Default `[16, 32, 64, 128, 256]`. */
  readonly units?: readonly number[];
  /** Choices of activation. Default `['relu', 'elu', 'tanh']`. */
  readonly activations?: readonly ('relu' | 'elu' | 'tanh' | 'sigmoid')[];
  /** Choices of dropout after a block. Default `[0, 0.25, 0.5]`. */
  readonly dropout?: readonly number[];
  /** Choices of batch norm in a block. Default `[false, true]`. */
  readonly batchNorm?: readonly boolean[];
  /** Architectures with more trainable parameters are invalid. Default 1,000,000. */
  readonly maxParams?: number;
  /** Fixed values by decision name (not searched), e.g. `{ 'dense/blocks': 2 }`. */
  readonly fixed?: Readonly<Record<string, DecisionValue>>;
}

/**
 * A chain of dense blocks for structured data (Auto-Keras's `DenseBlock`): each block is a dense
 * layer of searched width, optional batch norm, a searched activation and a dropout choice; the
 * head ends it. Decision names are hierarchical: `dense/blocks`, `dense/block_1/units`, ...
 *
 * @example
 * ```ts
 * import { Random, summarize } from '@autonas/core';
 * import { DenseSpace } from '@autonas/space-dense';
 * const space = new DenseSpace({ inputUnits: 8, head: { type: 'regression' } });
 * const arch = space.sample(new Random(1));
 * console.log(summarize(arch), space.validate(arch).valid);
 * ```
 */
export class DenseSpace implements SearchSpace {
  readonly name = 'dense';
  readonly options: Required<DenseSpaceOptions>;
  private readonly list: readonly Decision[];

  constructor(options: DenseSpaceOptions) {
    const o: Required<DenseSpaceOptions> = {
      blocks: [1, 2, 3],
      units: [16, 32, 64, 128, 256],
      activations: ['relu', 'elu', 'tanh'],
      dropout: [0, 0.25, 0.5],
      batchNorm: [false, true],
      maxParams: 1_000_000,
      fixed: {},
      ...(Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as DenseSpaceOptions),
    };
    if (!(Number.isInteger(o.inputUnits) && o.inputUnits >= 1)) throw new ConfigurationError('BAD_INPUT_SHAPE', `DenseSpace needs a positive integer inputUnits, got ${o.inputUnits}`);
    headNode(o.head, 'check', 'x');
    for (const [k, v] of Object.entries(o)) {
      if (Array.isArray(v) && v.length === 0) throw new ConfigurationError('EMPTY_CHOICES', `DenseSpace option "${k}" has no choices`);
    }
    this.options = o;
    const pick = <T extends DecisionValue>(choices: readonly T[], want: T) => (choices.includes(want) ? want : choices[0]!);
    const list: Decision[] = [{ name: 'dense/blocks', choices: o.blocks, default: pick(o.blocks, 2), description: 'number of dense blocks' }];
    for (let b = 1; b <= Math.max(...o.blocks); b++) {
      const p = `dense/block_${b}`;
      list.push(
        { name: `${p}/units`, choices: o.units, default: pick(o.units, b === 1 ? 64 : 32), description: 'units of the dense layer' },
        { name: `${p}/batch_norm`, choices: o.batchNorm, default: pick(o.batchNorm, false), description: 'batch norm before the activation' },
        { name: `${p}/activation`, choices: o.activations, default: pick(o.activations, 'relu'), description: 'activation' },
        { name: `${p}/dropout`, choices: o.dropout, default: pick(o.dropout, 0), description: 'dropout after the block' },
      );
    }
    for (const [name, value] of Object.entries(o.fixed)) {
      const d = list.find((x) => x.name === name);
      if (!d) throw new ConfigurationError('UNKNOWN_DECISION', `fixed value for unknown decision "${name}"; known: ${list.map((x) => x.name).join(', ')}`);
      if (!d.choices.includes(value)) throw new ConfigurationError('BAD_CHOICE', `fixed value ${JSON.stringify(value)} for "${name}" is not one of ${JSON.stringify(d.choices)}`);
    }
    this.list = list.map((d) => (d.name in o.fixed ? { ...d, choices: [o.fixed[d.name]!], default: o.fixed[d.name] } : d));
  }

  decisions(): readonly Decision[] {
    return this.list;
  }

  build(values: Readonly<Record<string, DecisionValue>>): Architecture {
    for (const k of Object.keys(values)) {
      if (!this.list.some((d) => d.name === k)) throw new InvalidArchitectureError('UNKNOWN_DECISION', `"${k}" is not a decision of space "dense"`);
    }
    const full: Record<string, DecisionValue> = {};
    for (const d of this.list) {
      const v = values[d.name] ?? d.default ?? d.choices[0]!;
      if (!d.choices.includes(v)) throw new InvalidArchitectureError('BAD_CHOICE', `decision "${d.name}" = ${JSON.stringify(v)} is not one of ${JSON.stringify(d.choices)}`);
      full[d.name] = v;
    }
    const blocks = Number(full['dense/blocks']);
    // Decisions of unused blocks are inert: normalised to their defaults so equal networks carry equal decisions.
    for (const d of this.list) {
      const m = /^dense\/block_(\d+)\//.exec(d.name);
      if (m && Number(m[1]) > blocks) full[d.name] = d.default ?? d.choices[0]!;
    }
    const nodes: ArchNode[] = [{ id: 'input', op: 'input', params: { shape: [this.options.inputUnits] }, inputs: [] }];
    const add = (id: string, op: string, params: ArchNode['params']) => void nodes.push({ id, op, params, inputs: [nodes[nodes.length - 1]!.id] });
    for (let b = 1; b <= blocks; b++) {
      const p = `dense/block_${b}`;
      const bn = full[`${p}/batch_norm`] === true;
      add(`b${b}_dense`, 'dense', { units: Number(full[`${p}/units`]), activation: bn ? 'linear' : String(full[`${p}/activation`]) });
      if (bn) {
        add(`b${b}_bn`, 'batchnorm', {});
        add(`b${b}_act`, 'activation', { fn: String(full[`${p}/activation`]) });
      }
      const rate = Number(full[`${p}/dropout`]);
      if (rate > 0) add(`b${b}_drop`, 'dropout', { rate });
    }
    const out = headNode(this.options.head, this.options.head.type === 'classification' ? 'classifier' : 'regressor', 'x');
    add(out.id, out.op, out.params);
    return { nodes, space: this.name, decisions: full };
  }

  sample(rng: Random): Architecture {
    for (let attempt = 0; attempt < 1000; attempt++) {
      const arch = this.build(Object.fromEntries(this.list.map((d) => [d.name, rng.choice(d.choices)])));
      if (this.validate(arch).valid) return arch;
    }
    throw new ConfigurationError('NO_VALID_ARCHITECTURE', 'DenseSpace found no valid architecture in 1000 samples; loosen maxParams or the choices');
  }

  mutate(arch: Architecture, rng: Random): Architecture {
    const values = this.valuesOf(arch);
    const before = architectureHash(arch);
    const blocks = Number(values['dense/blocks']);
    const candidates = this.list.filter((d) => d.choices.length > 1 && !(/^dense\/block_(\d+)\//.exec(d.name) && Number(/^dense\/block_(\d+)\//.exec(d.name)![1]) > blocks));
    if (candidates.length === 0) throw new ConfigurationError('NOTHING_TO_MUTATE', 'every decision of this DenseSpace is fixed');
    for (let attempt = 0; attempt < 200; attempt++) {
      const d = rng.choice(candidates);
      const next = this.build({ ...values, [d.name]: rng.choice(d.choices.filter((c) => c !== values[d.name])) });
      if (this.validate(next).valid && architectureHash(next) !== before) return next;
    }
    throw new ConfigurationError('NO_VALID_MUTATION', 'no valid single-decision mutation found in 200 attempts');
  }

  validate(arch: Architecture): ValidationResult {
    const reasons: string[] = [];
    if (arch.space !== this.name) reasons.push(`architecture is from space "${arch.space}", not "${this.name}"`);
    try {
      if (architectureHash(this.build(this.valuesOf(arch))) !== architectureHash(arch)) reasons.push('graph does not match its decisions');
      const params = inferShapes(arch).totalParams;
      if (params > this.options.maxParams) reasons.push(`${params} parameters exceed maxParams ${this.options.maxParams}`);
    } catch (e) {
      reasons.push(e instanceof Error ? e.message : String(e));
    }
    return reasons.length ? { valid: false, reasons } : { valid: true };
  }

  defaultArchitecture(): Architecture {
    return this.build({});
  }

  private valuesOf(arch: Architecture): Record<string, DecisionValue> {
    if (!arch.decisions) throw new InvalidArchitectureError('NO_DECISIONS', 'architecture carries no decision values');
    return { ...arch.decisions };
  }
}

/**
 * A {@link DenseSpace} for direct use.
 *
 * @example
 * ```ts
 * import { denseSpace } from '@autonas/space-dense';
 * const space = denseSpace({ inputUnits: 4, head: { type: 'classification', classes: 3 }, blocks: [1, 2] });
 * console.log(space.decisions().length); // 9
 * ```
 */
export function denseSpace(options: DenseSpaceOptions): DenseSpace {
  return new DenseSpace(options);
}

/**
 * A container module binding a {@link DenseSpace} to the `SearchSpace` extension point.
 *
 * @example
 * ```ts
 * import { createContainer } from '@autonas/core';
 * import { denseSpaceModule } from '@autonas/space-dense';
 * const c = createContainer({ maxTrials: 1 }, denseSpaceModule({ inputUnits: 4, head: { type: 'regression' } }));
 * ```
 */
export function denseSpaceModule(options: DenseSpaceOptions): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind<SearchSpace>(SearchSpace).toConstantValue(new DenseSpace(options));
  });
}

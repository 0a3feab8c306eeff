import {
  ConfigurationError,
  ContainerModule,
  InvalidArchitectureError,
  SearchSpace,
  architectureHash,
  inferShapes,
  type ArchNode,
  type Architecture,
  type Decision,
  type DecisionValue,
  type Random,
  type ValidationResult,
  type HeadSpec,
  headNode,
} from '@autonas/core';

/** Options of {@link ChainSpace}. Choice lists left undefined take the defaults shown. */
export interface ChainSpaceOptions {
  /** Shape of one input sample, `[height, width, channels]`. */
  readonly inputShape: readonly [number, number, number];
  /** Number of classes of the classifier head (give this or `head`). */
  readonly numClasses?: number;
  /** What the network predicts; default a classification head of `numClasses`. */
  readonly head?: HeadSpec;
  /** Choices for the number of conv blocks. Default `[1, 2, 3]`. */
  readonly blocks?: readonly number[];
  /** Choices of filters per conv layer. Default `[16, 32, 64]`. */
  readonly filters?: readonly number[];
  /** Choices of kernel size. Default `[3, 5]`. */
  readonly kernelSizes?: readonly number[];
  /** Choices of conv layers per block. Default `[1, 2]`. */
  readonly convsPerBlock?: readonly number[];
  /** Choices of pooling after a block. Default `['max', 'avg', 'none']`. */
  readonly pooling?: readonly ('max' | 'avg' | 'none')[];
  /** Choices of dropout rate after a block. Default `[0, 0.25]`. */
  readonly blockDropout?: readonly number[];
  /** Choices of batch norm after each conv. Default `[true, false]`. */
  readonly batchNorm?: readonly boolean[];
  /** Choices of how the feature map reaches the head. Default `['flatten', 'global_avg']`. */
  readonly reduction?: readonly ('flatten' | 'global_avg')[];
  /** Choices of hidden dense units in the head (0: none). Default `[0, 64, 128, 256]`. */
  readonly headUnits?: readonly number[];
  /** Choices of dropout before the classifier. Default `[0, 0.5]`. */
  readonly headDropout?: readonly number[];
  /** Architectures with more trainable parameters are invalid. Default 2,000,000. */
  readonly maxParams?: number;
  /**
   * Fixed values by decision name (Auto-Keras style: a value set here is not searched), e.g.
   * `{ 'chain/blocks': 2 }`.
   */
  readonly fixed?: Readonly<Record<string, DecisionValue>>;
}

const MAX_BLOCKS_DEFAULT = [1, 2, 3];

/**
 * A chain-structured space: a stem of conv blocks (each: 1–2 convolutions with searched filters
 * and kernel size, optional batch norm, a pooling choice and a dropout choice), a reduction
 * (flatten or global average pooling), an optional dense layer of searched width with dropout,
 * and a softmax classifier. Decision names are hierarchical: `chain/blocks`,
 * `chain/block_1/filters`, `chain/head/units`, ...
 *
 * @example
 * ```ts
 * import { Random, summarize } from '@autonas/core';
 * import { ChainSpace } from '@autonas/space-chain';
 * const space = new ChainSpace({ inputShape: [28, 28, 1], numClasses: 10 });
 * const arch = space.sample(new Random(1));
 * console.log(summarize(arch), space.validate(arch).valid);
 * ```
 */
export class ChainSpace implements SearchSpace {
  readonly name = 'chain';
  readonly options: Required<Omit<ChainSpaceOptions, 'fixed' | 'head' | 'numClasses'>> & { numClasses: number; fixed: Readonly<Record<string, DecisionValue>> };
  /** The head every network of the space ends with. */
  readonly head: HeadSpec;
  private readonly list: readonly Decision[];

  constructor(options: ChainSpaceOptions) {
    const o = {
      blocks: MAX_BLOCKS_DEFAULT,
      filters: [16, 32, 64],
      kernelSizes: [3, 5],
      convsPerBlock: [1, 2],
      pooling: ['max', 'avg', 'none'] as const,
      blockDropout: [0, 0.25],
      batchNorm: [true, false],
      reduction: ['flatten', 'global_avg'] as const,
      headUnits: [0, 64, 128, 256],
      headDropout: [0, 0.5],
      maxParams: 2_000_000,
      fixed: {},
      ...stripUndefined(options),
      inputShape: options.inputShape,
      numClasses: options.head ? (options.head.type === 'classification' ? options.head.classes : 1) : options.numClasses!,
    };
    const { inputShape, numClasses } = o;
    delete (o as { head?: unknown }).head;
    this.head = options.head ?? { type: 'classification', classes: numClasses };
    if (!Array.isArray(inputShape) || inputShape.length !== 3 || !inputShape.every((d) => Number.isInteger(d) && d > 0)) {
      throw new ConfigurationError('BAD_INPUT_SHAPE', `ChainSpace needs inputShape [height, width, channels] of positive integers, got ${JSON.stringify(inputShape)}`);
    }
    if (this.head.type === 'classification' && !(Number.isInteger(numClasses) && numClasses >= 2)) throw new ConfigurationError('BAD_NUM_CLASSES', `ChainSpace needs numClasses >= 2, got ${numClasses}`);
    for (const [k, v] of Object.entries(o)) {
      if (Array.isArray(v) && k !== 'inputShape' && v.length === 0) throw new ConfigurationError('EMPTY_CHOICES', `ChainSpace option "${k}" has no choices`);
    }
    this.options = o as ChainSpace['options'];
    const maxBlocks = Math.max(...o.blocks);
    const list: Decision[] = [{ name: 'chain/blocks', choices: o.blocks, default: o.blocks.includes(2) ? 2 : o.blocks[0], description: 'number of conv blocks' }];
    for (let b = 1; b <= maxBlocks; b++) {
      const p = `chain/block_${b}`;
      const wantFilters = b === 1 ? 32 : 64;
      list.push(
        { name: `${p}/convs`, choices: o.convsPerBlock, default: o.convsPerBlock.includes(1) ? 1 : o.convsPerBlock[0], description: 'conv layers in the block' },
        { name: `${p}/filters`, choices: o.filters, default: o.filters.includes(wantFilters) ? wantFilters : o.filters[o.filters.length - 1], description: 'filters of each conv' },
        { name: `${p}/kernel_size`, choices: o.kernelSizes, default: o.kernelSizes.includes(3) ? 3 : o.kernelSizes[0], description: 'kernel size of each conv' },
        { name: `${p}/batch_norm`, choices: o.batchNorm, default: o.batchNorm.includes(true) ? true : o.batchNorm[0], description: 'batch norm after each conv' },
        { name: `${p}/pooling`, choices: o.pooling, default: o.pooling.includes('max') ? 'max' : o.pooling[0], description: '2x2 pooling after the block' },
        { name: `${p}/dropout`, choices: o.blockDropout, default: o.blockDropout.includes(0.25) ? 0.25 : o.blockDropout[0], description: 'dropout after the block' },
      );
    }
    list.push(
      { name: 'chain/reduction', choices: o.reduction, default: o.reduction.includes('flatten') ? 'flatten' : o.reduction[0], description: 'how the feature map reaches the head' },
      { name: 'chain/head/units', choices: o.headUnits, default: o.headUnits.includes(128) ? 128 : o.headUnits[0], description: 'hidden dense units (0: none)' },
      { name: 'chain/head/dropout', choices: o.headDropout, default: o.headDropout.includes(0.5) ? 0.5 : o.headDropout[0], description: 'dropout before the classifier' },
    );
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

  /** Names of the decisions that affect an architecture with these values (others are inert). */
  activeDecisions(values: Readonly<Record<string, DecisionValue>>): string[] {
    const blocks = Number(values['chain/blocks']);
    return this.list
      .map((d) => d.name)
      .filter((n) => {
        const m = /^chain\/block_(\d+)\//.exec(n);
        return !m || Number(m[1]) <= blocks;
      });
  }

  build(values: Readonly<Record<string, DecisionValue>>): Architecture {
    const full: Record<string, DecisionValue> = {};
    for (const d of this.list) {
      const v = values[d.name] ?? d.default ?? d.choices[0]!;
      if (!d.choices.includes(v)) throw new InvalidArchitectureError('BAD_CHOICE', `decision "${d.name}" = ${JSON.stringify(v)} is not one of ${JSON.stringify(d.choices)}`);
      full[d.name] = v;
    }
    for (const k of Object.keys(values)) {
      if (!this.list.some((d) => d.name === k)) throw new InvalidArchitectureError('UNKNOWN_DECISION', `"${k}" is not a decision of space "chain"`);
    }
    // Inert decisions are normalised to their defaults, so equal networks carry equal decisions.
    const active = new Set(this.activeDecisions(full));
    for (const d of this.list) if (!active.has(d.name)) full[d.name] = d.default ?? d.choices[0]!;
    const nodes: ArchNode[] = [{ id: 'input', op: 'input', params: { shape: [...this.options.inputShape] }, inputs: [] }];
    const add = (id: string, op: string, params: ArchNode['params']) => {
      nodes.push({ id, op, params, inputs: [nodes[nodes.length - 1]!.id] });
    };
    const blocks = Number(full['chain/blocks']);
    for (let b = 1; b <= blocks; b++) {
      const p = `chain/block_${b}`;
      const bn = full[`${p}/batch_norm`] === true;
      for (let c = 1; c <= Number(full[`${p}/convs`]); c++) {
        add(`b${b}_conv${c}`, 'conv2d', {
          filters: Number(full[`${p}/filters`]),
          kernelSize: Number(full[`${p}/kernel_size`]),
          padding: 'same',
          activation: bn ? 'linear' : 'relu',
          useBias: !bn,
        });
        if (bn) {
          add(`b${b}_bn${c}`, 'batchnorm', {});
          add(`b${b}_relu${c}`, 'activation', { fn: 'relu' });
        }
      }
      const pool = full[`${p}/pooling`];
      if (pool !== 'none') add(`b${b}_pool`, pool === 'max' ? 'maxpool2d' : 'avgpool2d', { poolSize: 2 });
      const drop = Number(full[`${p}/dropout`]);
      if (drop > 0) add(`b${b}_drop`, 'dropout', { rate: drop });
    }
    add('reduce', full['chain/reduction'] === 'global_avg' ? 'globalavgpool2d' : 'flatten', {});
    const units = Number(full['chain/head/units']);
    if (units > 0) add('head_dense', 'dense', { units, activation: 'relu' });
    const hd = Number(full['chain/head/dropout']);
    if (hd > 0) add('head_drop', 'dropout', { rate: hd });
    const out = headNode(this.head, this.head.type === 'classification' ? 'classifier' : 'regressor', 'x');
    add(out.id, out.op, out.params);
    return { nodes, space: this.name, decisions: full };
  }

  sample(rng: Random): Architecture {
    for (let attempt = 0; attempt < 1000; attempt++) {
      const arch = this.build(Object.fromEntries(this.list.map((d) => [d.name, rng.choice(d.choices)])));
      if (this.validate(arch).valid) return arch;
    }
    throw new ConfigurationError('NO_VALID_ARCHITECTURE', 'ChainSpace found no valid architecture in 1000 samples; loosen maxParams or the choices for this input shape');
  }

  mutate(arch: Architecture, rng: Random): Architecture {
    const values = this.valuesOf(arch);
    const before = architectureHash(arch);
    const candidates = this.activeDecisions(values)
      .map((n) => this.list.find((d) => d.name === n)!)
      .filter((d) => d.choices.length > 1);
    if (candidates.length === 0) throw new ConfigurationError('NOTHING_TO_MUTATE', 'every decision of this ChainSpace is fixed');
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
      const rebuilt = this.build(this.valuesOf(arch));
      if (architectureHash(rebuilt) !== architectureHash(arch)) reasons.push('graph does not match its decisions');
      const info = inferShapes(arch);
      if (info.totalParams > this.options.maxParams) reasons.push(`${info.totalParams} parameters exceed maxParams ${this.options.maxParams}`);
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

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * A {@link ChainSpace} for direct use.
 * @example
 * ```ts
 * import { chainSpace } from '@autonas/space-chain';
 * const space = chainSpace({ inputShape: [28, 28, 1], numClasses: 10, blocks: [1, 2] });
 * console.log(space.decisions().length);
 * ```
 */
export function chainSpace(options: ChainSpaceOptions): ChainSpace {
  return new ChainSpace(options);
}

/**
 * A container module binding a {@link ChainSpace} to the `SearchSpace` extension point.
 * @example
 * ```ts
 * import { createContainer, SearchSpace } from '@autonas/core';
 * import { chainSpaceModule } from '@autonas/space-chain';
 * const c = createContainer({ maxTrials: 1 }, chainSpaceModule({ inputShape: [28, 28, 1], numClasses: 10 }));
 * console.log(c.get<import('@autonas/core').SearchSpace>(SearchSpace).name); // 'chain'
 * ```
 */
export function chainSpaceModule(options: ChainSpaceOptions): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind<SearchSpace>(SearchSpace).toConstantValue(new ChainSpace(options));
  });
}

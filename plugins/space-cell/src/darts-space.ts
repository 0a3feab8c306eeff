import {
  ConfigurationError,
  ContainerModule,
  InvalidArchitectureError,
  SearchSpace,
  CELL_KINDS,
  architectureHash,
  genotypeDecisions,
  inferShapes,
  type Architecture,
  type Decision,
  type DecisionValue,
  type Random,
  type ValidationResult,
} from '@autonas/core';
import { buildDartsNetwork } from './darts-network.js';
import { checkGenotype, DARTS_OPS, DARTS_V2, type Genotype, type GenotypeEdge } from './genotype.js';

/** Options of {@link DartsCellSpace}. */
export interface DartsCellSpaceOptions {
  /** Shape of one input sample, `[height, width, channels]`. */
  readonly inputShape: readonly [number, number, number];
  /** Number of classes of the classifier. */
  readonly numClasses: number;
  /** Cells of the network the cells are stacked into. Default 8 (DARTS' search network). */
  readonly cells?: number;
  /** Initial channels per node. Default 16 (DARTS' search network). */
  readonly channels?: number;
  /** Intermediate nodes per cell. Default 4. */
  readonly nodes?: number;
  /** The ops an edge chooses from; a subset of `DARTS_OPS`. Default all eight. */
  readonly ops?: readonly string[];
  /** Stem filters = `stemMultiplier · channels`. Default 3. */
  readonly stemMultiplier?: number;
  /** Architectures with more trainable parameters are invalid (and never sampled). Default: no limit. */
  readonly maxParams?: number;
  /** Fixed decision values by name, e.g. `{ 'cell/normal/node_2/op_0': 'sep_conv_3x3' }`. */
  readonly fixed?: Readonly<Record<string, DecisionValue>>;
}

export { CELL_KINDS } from '@autonas/core';

/**
 * The DARTS / NASNet cell space: a normal and a reduction cell, each with two inputs (the outputs
 * of the two cells before it) and `nodes` intermediate nodes; node `i` (states 2 … nodes + 1)
 * reads two earlier states, each through one op, and sums them; the cell output concatenates the
 * intermediate nodes. The network is DARTS' evaluation network (see {@link stack}). Decisions
 * per node and edge `k ∈ {0, 1}`: `cell/<normal|reduce>/node_<i>/input_<k>` (a state `0 … i−1`)
 * and `cell/<normal|reduce>/node_<i>/op_<k>` (an op). `none` edges are dropped; a node left
 * without edges is zeros. The default architecture is the DARTS (second order) cell
 * ({@link DARTS_V2}) when the options allow it.
 *
 * @example
 * ```ts
 * import { Random, inferShapes } from '@autonas/core';
 * import { DartsCellSpace } from '@autonas/space-cell';
 * const space = new DartsCellSpace({ inputShape: [28, 28, 1], numClasses: 10, cells: 3, channels: 8 });
 * const arch = space.sample(new Random(1));
 * console.log(space.genotype(arch), inferShapes(arch).totalParams);
 * ```
 */
export class DartsCellSpace implements SearchSpace {
  readonly name = 'darts-cell';
  readonly options: Readonly<Required<Omit<DartsCellSpaceOptions, 'maxParams' | 'fixed'>>> & { readonly maxParams: number; readonly fixed: Readonly<Record<string, DecisionValue>> };
  private readonly list: readonly Decision[];
  private readonly byName: ReadonlyMap<string, Decision>;

  constructor(options: DartsCellSpaceOptions) {
    const o = {
      cells: options.cells ?? 8,
      channels: options.channels ?? 16,
      nodes: options.nodes ?? 4,
      ops: options.ops ?? DARTS_OPS,
      stemMultiplier: options.stemMultiplier ?? 3,
      maxParams: options.maxParams ?? Infinity,
      fixed: options.fixed ?? {},
      inputShape: options.inputShape,
      numClasses: options.numClasses,
    };
    if (!Number.isInteger(o.nodes) || o.nodes < 1) throw new ConfigurationError('BAD_OPTION', `nodes must be a positive integer, got ${o.nodes}`);
    if (!Array.isArray(o.ops) || o.ops.length === 0) throw new ConfigurationError('EMPTY_CHOICES', 'ops lists no op');
    for (const op of o.ops) if (!(DARTS_OPS as readonly string[]).includes(op)) throw new ConfigurationError('BAD_OPTION', `op "${op}" is not one of ${DARTS_OPS.join(', ')}`);
    if (!(o.maxParams > 0)) throw new ConfigurationError('BAD_OPTION', `maxParams must be positive, got ${o.maxParams}`);
    this.options = o;
    // Checks cells, channels, inputShape, numClasses, stemMultiplier once, by building a network.
    buildDartsNetwork(DARTS_V2, { cells: o.cells, channels: o.channels, inputShape: o.inputShape, classes: o.numClasses, stemMultiplier: o.stemMultiplier });
    const v2 = this.fitsV2() ? decisionsOf(DARTS_V2) : undefined;
    const list: Decision[] = [];
    for (const kind of CELL_KINDS) {
      for (let node = 2; node < o.nodes + 2; node++) {
        for (const k of [0, 1]) {
          const p = `cell/${kind}/node_${node}`;
          const inputs = Array.from({ length: node }, (_, i) => i);
          list.push({ name: `${p}/input_${k}`, choices: inputs, default: v2?.[`${p}/input_${k}`] ?? Math.min(k, node - 1), description: `state read by edge ${k} of node ${node} of the ${kind} cell (0, 1: the cell inputs)` });
          list.push({ name: `${p}/op_${k}`, choices: o.ops, default: v2?.[`${p}/op_${k}`] ?? o.ops.find((x) => x !== 'none') ?? o.ops[0], description: `op on edge ${k} of node ${node} of the ${kind} cell` });
        }
      }
    }
    for (const [name, value] of Object.entries(o.fixed)) {
      const d = list.find((x) => x.name === name);
      if (!d) throw new ConfigurationError('UNKNOWN_DECISION', `fixed value for unknown decision "${name}"`);
      if (!d.choices.includes(value)) throw new ConfigurationError('BAD_CHOICE', `fixed value ${JSON.stringify(value)} for "${name}" is not one of ${JSON.stringify(d.choices)}`);
    }
    this.list = list.map((d) => (d.name in o.fixed ? { ...d, choices: [o.fixed[d.name]!], default: o.fixed[d.name] } : d));
    this.byName = new Map(this.list.map((d) => [d.name, d]));
  }

  decisions(): readonly Decision[] {
    return this.list;
  }

  build(values: Readonly<Record<string, DecisionValue>>): Architecture {
    for (const k of Object.keys(values)) if (!this.byName.has(k)) throw new InvalidArchitectureError('UNKNOWN_DECISION', `"${k}" is not a decision of space "${this.name}"`);
    const full: Record<string, DecisionValue> = {};
    for (const d of this.list) {
      const v = values[d.name] ?? d.default ?? d.choices[0]!;
      if (!d.choices.includes(v)) throw new InvalidArchitectureError('BAD_CHOICE', `decision "${d.name}" = ${JSON.stringify(v)} is not one of ${JSON.stringify(d.choices)}`);
      full[d.name] = v;
    }
    const o = this.options;
    return buildDartsNetwork(this.genotypeOf(full), { cells: o.cells, channels: o.channels, inputShape: o.inputShape, classes: o.numClasses, stemMultiplier: o.stemMultiplier }, full, this.name);
  }

  /**
   * The architecture of a genotype (e.g. a published cell) in this space.
   * @throws ConfigurationError `BAD_GENOTYPE` when the genotype has another number of nodes, an op
   *   outside this space's, or a concat other than all intermediate nodes
   */
  fromGenotype(genotype: Genotype): Architecture {
    checkGenotype(genotype, this.options.ops);
    const steps = this.options.nodes;
    for (const kind of CELL_KINDS) {
      if (genotype[kind].length !== 2 * steps) throw new ConfigurationError('BAD_GENOTYPE', `${kind} has ${genotype[kind].length / 2} nodes, this space ${steps}`);
      const concat = genotype[`${kind}_concat`];
      if (concat.join() !== Array.from({ length: steps }, (_, i) => i + 2).join()) {
        throw new ConfigurationError('BAD_GENOTYPE', `${kind}_concat is [${concat}]; this space concatenates all intermediate nodes`);
      }
    }
    return this.build(decisionsOf(genotype));
  }

  /** The genotype of an architecture of this space (from its decisions). */
  genotype(arch: Architecture): Genotype {
    return this.genotypeOf(this.valuesOf(arch));
  }

  sample(rng: Random): Architecture {
    for (let attempt = 0; attempt < 1000; attempt++) {
      const arch = this.build(Object.fromEntries(this.list.map((d) => [d.name, rng.choice(d.choices)])));
      if (this.validate(arch).valid) return arch;
    }
    throw new ConfigurationError('NO_VALID_ARCHITECTURE', `no valid architecture in 1000 samples; loosen maxParams (${this.options.maxParams})`);
  }

  /** Changes one op or one input of one node (an architecture with another hash). */
  mutate(arch: Architecture, rng: Random): Architecture {
    const values = this.valuesOf(arch);
    const before = architectureHash(arch);
    const open = this.list.filter((d) => d.choices.length > 1);
    if (open.length === 0) throw new ConfigurationError('NOTHING_TO_MUTATE', 'every decision of this space is fixed');
    for (let attempt = 0; attempt < 200; attempt++) {
      const d = rng.choice(open);
      const next = this.build({ ...values, [d.name]: rng.choice(d.choices.filter((c) => c !== values[d.name])) });
      if (architectureHash(next) !== before && this.validate(next).valid) return next;
    }
    throw new ConfigurationError('NO_VALID_MUTATION', 'no valid single-decision mutation found in 200 attempts');
  }

  /**
   * Each node (its two inputs and ops together) from one parent or the other; a valid child (under
   * `maxParams`) is tried 100 times, after which the first parent is returned unchanged.
   */
  crossover(a: Architecture, b: Architecture, rng: Random): Architecture {
    const [va, vb] = [this.valuesOf(a), this.valuesOf(b)];
    for (let attempt = 0; attempt < 100; attempt++) {
      const pick = new Map<string, boolean>();
      const child: Record<string, DecisionValue> = {};
      for (const d of this.list) {
        const node = d.name.slice(0, d.name.lastIndexOf('/'));
        if (!pick.has(node)) pick.set(node, rng.bool(0.5));
        child[d.name] = (pick.get(node) ? va : vb)[d.name]!;
      }
      const arch = this.build(child);
      if (this.validate(arch).valid) return arch;
    }
    return a;
  }

  validate(arch: Architecture): ValidationResult {
    const reasons: string[] = [];
    if (arch.space !== this.name) reasons.push(`architecture is from space "${arch.space}", not "${this.name}"`);
    try {
      const rebuilt = this.build(this.valuesOf(arch));
      if (architectureHash(rebuilt) !== architectureHash(arch)) reasons.push('graph does not match its decisions');
      const params = inferShapes(arch).totalParams;
      if (params > this.options.maxParams) reasons.push(`${params} parameters exceed maxParams ${this.options.maxParams}`);
    } catch (e) {
      reasons.push(e instanceof Error ? e.message : String(e));
    }
    return reasons.length ? { valid: false, reasons } : { valid: true };
  }

  /** The DARTS (second order) cell where the options allow it, else each decision's default. */
  defaultArchitecture(): Architecture {
    return this.build({});
  }

  private fitsV2(): boolean {
    const ops = new Set(this.options.ops);
    return this.options.nodes === 4 && [...DARTS_V2.normal, ...DARTS_V2.reduce].every(([op]) => ops.has(op));
  }

  private genotypeOf(values: Readonly<Record<string, DecisionValue>>): Genotype {
    const cell = (kind: string): GenotypeEdge[] => {
      const edges: GenotypeEdge[] = [];
      for (let node = 2; node < this.options.nodes + 2; node++) {
        for (const k of [0, 1]) edges.push([String(values[`cell/${kind}/node_${node}/op_${k}`]), Number(values[`cell/${kind}/node_${node}/input_${k}`])]);
      }
      return edges;
    };
    const concat = Array.from({ length: this.options.nodes }, (_, i) => i + 2);
    return { normal: cell('normal'), normal_concat: concat, reduce: cell('reduce'), reduce_concat: [...concat] };
  }

  private valuesOf(arch: Architecture): Record<string, DecisionValue> {
    if (!arch.decisions) throw new InvalidArchitectureError('NO_DECISIONS', 'architecture carries no decision values');
    return { ...arch.decisions };
  }
}

/** The decision values of a genotype (names as {@link DartsCellSpace}'s): core's {@link genotypeDecisions}. */
export const decisionsOf = genotypeDecisions;

/**
 * A {@link DartsCellSpace} for direct use.
 * @example
 * ```ts
 * import { dartsCellSpace } from '@autonas/space-cell';
 * const space = dartsCellSpace({ inputShape: [32, 32, 3], numClasses: 10 });
 * console.log(space.decisions().length); // 32: 2 cells × 4 nodes × 2 edges × (input, op)
 * ```
 */
export function dartsCellSpace(options: DartsCellSpaceOptions): DartsCellSpace {
  return new DartsCellSpace(options);
}

/**
 * A container module binding a {@link DartsCellSpace} to the `SearchSpace` extension point.
 * @example
 * ```ts
 * import { createContainer, SearchSpace } from '@autonas/core';
 * import { dartsCellSpaceModule } from '@autonas/space-cell';
 * const c = createContainer({ maxTrials: 1 }, dartsCellSpaceModule({ inputShape: [28, 28, 1], numClasses: 10 }));
 * console.log(c.get<SearchSpace>(SearchSpace).name); // 'darts-cell'
 * ```
 */
export function dartsCellSpaceModule(options: DartsCellSpaceOptions): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind<SearchSpace>(SearchSpace).toConstantValue(new DartsCellSpace(options));
  });
}

import {
  ConfigurationError,
  ContainerModule,
  InvalidArchitectureError,
  SearchSpace,
  architectureHash,
  type Architecture,
  type Decision,
  type DecisionValue,
  type Random,
  type ValidationResult,
} from '@autonas/core';
import { BN, GraphBuilder } from './graph-builder.js';

/** The NAS-Bench-201 op set, in the benchmark's order. */
export const NB201_OPS = ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'] as const;

/** One of {@link NB201_OPS}. */
export type Nb201Op = (typeof NB201_OPS)[number];

/**
 * A NAS-Bench-201 cell: for nodes 1, 2, 3, the ops on the edges from each earlier node
 * (`cell[i − 1][j]` is the op on edge j → i). Six edges in all.
 */
export type Nb201Cell = readonly [readonly [string], readonly [string, string], readonly [string, string, string]];

/** Number of cells of the space: 5 ops on 6 edges. */
export const NB201_CELL_COUNT = 15_625;

const EDGES: ReadonlyArray<readonly [to: number, from: number]> = [[1, 0], [2, 0], [2, 1], [3, 0], [3, 1], [3, 2]];
const decisionName = (to: number, from: number) => `nb201/node_${to}/from_${from}`;

/**
 * Reads a NAS-Bench-201 architecture string, e.g.
 * `|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|`:
 * node by node (separated by `+`), each edge `op~input` between bars, inputs in order.
 *
 * @throws ConfigurationError `BAD_NB201_STRING` naming what is wrong
 *
 * @example
 * ```ts
 * import { parseNb201, formatNb201 } from '@autonas/space-cell';
 * const cell = parseNb201('|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|');
 * console.log(cell[2][1], formatNb201(cell)); // nor_conv_3x3, the same string
 * ```
 */
export function parseNb201(text: string): Nb201Cell {
  const bad = (msg: string) => new ConfigurationError('BAD_NB201_STRING', `NAS-Bench-201 string ${JSON.stringify(text)}: ${msg}`);
  const nodes = String(text).split('+');
  if (nodes.length !== 3) throw bad(`needs 3 nodes separated by "+", found ${nodes.length}`);
  const cell = nodes.map((node, i) => {
    if (!node.startsWith('|') || !node.endsWith('|') || node.length < 2) throw bad(`node ${i + 1} must be "|op~input|...|", got "${node}"`);
    const edges = node.slice(1, -1).split('|');
    if (edges.length !== i + 1) throw bad(`node ${i + 1} needs ${i + 1} edges, found ${edges.length}`);
    return edges.map((e, j) => {
      const m = /^([a-z0-9_]+)~(\d+)$/.exec(e);
      if (!m) throw bad(`edge "${e}" of node ${i + 1} is not "op~input"`);
      if (Number(m[2]) !== j) throw bad(`edge ${j + 1} of node ${i + 1} must read node ${j}, reads ${m[2]}`);
      if (!(NB201_OPS as readonly string[]).includes(m[1]!)) throw bad(`unknown op "${m[1]}" (ops: ${NB201_OPS.join(', ')})`);
      return m[1]!;
    });
  });
  return cell as unknown as Nb201Cell;
}

/** Writes a cell as a NAS-Bench-201 architecture string (the inverse of {@link parseNb201}). */
export function formatNb201(cell: Nb201Cell): string {
  return cell.map((ops) => `|${ops.map((op, j) => `${op}~${j}`).join('|')}|`).join('+');
}

/**
 * Every NAS-Bench-201 cell string, 15,625 of them, edge 1←0 varying slowest and 3←2 fastest,
 * ops in {@link NB201_OPS} order.
 *
 * @example
 * ```ts
 * import { allNb201Strings } from '@autonas/space-cell';
 * const all = [...allNb201Strings()];
 * console.log(all.length, all[0]); // 15625 |none~0|+|none~0|none~1|+|none~0|none~1|none~2|
 * ```
 */
export function* allNb201Strings(): Generator<string> {
  const n = NB201_OPS.length;
  for (let index = 0; index < NB201_CELL_COUNT; index++) {
    const ops = EDGES.map((_, e) => NB201_OPS[Math.floor(index / n ** (EDGES.length - 1 - e)) % n]!);
    yield `|${ops[0]}~0|+|${ops[1]}~0|${ops[2]}~1|+|${ops[3]}~0|${ops[4]}~1|${ops[5]}~2|`;
  }
}

/**
 * The benchmark's own equivalence key for a cell: NAS-Bench-201's `to_unique_str(consider_zero=True)`
 * (in `CellStructure`), where `skip_connect` passes its input on, `none` and any op on an
 * all-zero node give zero, and each node is the sorted sum of its terms. Cells with equal keys
 * are treated as isomorphic by the benchmark (6,466 classes among the 15,625 cells).
 */
export function nb201UniqueString(cell: Nb201Cell): string {
  const nodes = ['0'];
  cell.forEach((ops) => {
    const terms = ops.map((op, j) => (op === 'none' || nodes[j] === '#' ? '#' : op === 'skip_connect' ? nodes[j]! : `(${nodes[j]})@${op}`));
    nodes.push(terms.sort().join('+'));
  });
  return nodes[3]!;
}

/** Options of {@link Nb201Space}. */
export interface Nb201SpaceOptions {
  /** Shape of one input sample, `[height, width, channels]`. */
  readonly inputShape: readonly [number, number, number];
  /** Number of classes of the classifier. */
  readonly numClasses: number;
  /** Channels of the first stage (doubled in each of the next two). Default 16, as the benchmark. */
  readonly channels?: number;
  /** Cells per stage (the benchmark's N). Default 5. */
  readonly cellsPerStage?: number;
}

/**
 * The NAS-Bench-201 space: one cell of 4 nodes and 6 edges, each edge one of {@link NB201_OPS},
 * stacked as in the benchmark: stem (3×3 conv, batch norm), 3 stages of `cellsPerStage` cells with
 * `channels`, 2×, 4× channels, a residual reduction block between stages (ReLU-conv3×3/2-BN,
 * ReLU-conv3×3-BN, plus a 2×2 average pool and 1×1 conv on the shortcut), then batch norm, ReLU,
 * global average pooling and the classifier. In a cell, node i sums its incoming edges; `nor_conv`
 * is ReLU-conv-BN, `avg_pool_3x3` a 3×3 average pool, `skip_connect` the identity.
 *
 * Zeros are represented honestly: `none` edges, and `skip_connect` or `avg_pool_3x3` edges from a
 * node that is zero (all its edges dropped), are left out; a zero node that a `nor_conv` edge
 * reads, or a zero cell output, is a `zeros` node (a conv-BN of zeros is BN's learned offset,
 * not zero). Nodes the cell output does not depend on are left out. So cells that compute the
 * same graph, e.g. differing only in edges that cannot matter, build equal graphs and hash equal.
 *
 * Decisions: `nb201/node_<i>/from_<j>` for the edge j → i. {@link Nb201Space.fromString} and
 * {@link Nb201Space.toArchString} convert to and from the benchmark's architecture strings.
 *
 * @example
 * ```ts
 * import { inferShapes } from '@autonas/core';
 * import { Nb201Space } from '@autonas/space-cell';
 * const space = new Nb201Space({ inputShape: [32, 32, 3], numClasses: 10 });
 * const arch = space.fromString('|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|');
 * console.log(inferShapes(arch).totalParams); // 1531546: the benchmark's largest network, 1.53M
 * ```
 */
export class Nb201Space implements SearchSpace {
  readonly name = 'nb201';
  readonly options: Readonly<Required<Nb201SpaceOptions>>;
  private readonly list: readonly Decision[];
  /** Networks built, by their decisions, least recently used first. */
  private readonly built = new Map<string, Architecture>();

  constructor(options: Nb201SpaceOptions) {
    const o = { channels: options.channels ?? 16, cellsPerStage: options.cellsPerStage ?? 5, inputShape: options.inputShape, numClasses: options.numClasses };
    const positive = (v: unknown) => Number.isInteger(v) && (v as number) >= 1;
    if (!positive(o.channels)) throw new ConfigurationError('BAD_OPTION', `channels must be a positive integer, got ${o.channels}`);
    if (!positive(o.cellsPerStage)) throw new ConfigurationError('BAD_OPTION', `cellsPerStage must be a positive integer, got ${o.cellsPerStage}`);
    if (!Number.isInteger(o.numClasses) || o.numClasses < 2) throw new ConfigurationError('BAD_NUM_CLASSES', `numClasses must be an integer >= 2, got ${o.numClasses}`);
    if (!Array.isArray(o.inputShape) || o.inputShape.length !== 3 || !o.inputShape.every(positive)) {
      throw new ConfigurationError('BAD_INPUT_SHAPE', `inputShape must be [height, width, channels] of positive integers, got ${JSON.stringify(o.inputShape)}`);
    }
    this.options = o;
    const defaults = parseNb201('|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|');
    this.list = EDGES.map(([to, from]) => ({
      name: decisionName(to, from),
      choices: NB201_OPS,
      default: defaults[to - 1]![from]!,
      description: `op on the edge from node ${from} to node ${to}`,
    }));
  }

  decisions(): readonly Decision[] {
    return this.list;
  }

  build(values: Readonly<Record<string, DecisionValue>>): Architecture {
    for (const k of Object.keys(values)) if (!this.list.some((d) => d.name === k)) throw new InvalidArchitectureError('UNKNOWN_DECISION', `"${k}" is not a decision of space "nb201"`);
    const full: Record<string, DecisionValue> = {};
    for (const d of this.list) {
      const v = values[d.name] ?? d.default!;
      if (!d.choices.includes(v)) throw new InvalidArchitectureError('BAD_CHOICE', `decision "${d.name}" = ${JSON.stringify(v)} is not one of ${NB201_OPS.join(', ')}`);
      full[d.name] = v;
    }
    // The 15,625 networks are built once each (up to the memo's size): strategies on a tabular
    // benchmark sample, mutate and validate far more often than anything is trained.
    const key = this.list.map((d) => full[d.name]).join('|');
    const kept = this.built.get(key);
    if (kept) {
      this.built.delete(key);
      this.built.set(key, kept);
      return kept;
    }
    const cell = [0, 1, 2].map((i) => Array.from({ length: i + 1 }, (_, j) => String(full[decisionName(i + 1, j)]))) as unknown as Nb201Cell;
    const arch = deepFreeze(this.network(cell, full));
    this.built.set(key, arch);
    if (this.built.size > BUILT_MEMO) this.built.delete(this.built.keys().next().value!);
    return arch;
  }

  /** The architecture of a NAS-Bench-201 string. */
  fromString(text: string): Architecture {
    const cell = parseNb201(text);
    return this.build(Object.fromEntries(EDGES.map(([to, from]) => [decisionName(to, from), cell[to - 1]![from]!])));
  }

  /** The NAS-Bench-201 string of an architecture of this space. */
  toArchString(arch: Architecture): string {
    return formatNb201(this.cell(arch));
  }

  /** The cell of an architecture of this space (from its decisions). */
  cell(arch: Architecture): Nb201Cell {
    const v = this.valuesOf(arch);
    return [0, 1, 2].map((i) => Array.from({ length: i + 1 }, (_, j) => String(v[decisionName(i + 1, j)]))) as unknown as Nb201Cell;
  }

  sample(rng: Random): Architecture {
    return this.build(Object.fromEntries(this.list.map((d) => [d.name, rng.choice(d.choices)])));
  }

  /** Changes the op of one edge (to an architecture with another hash). */
  mutate(arch: Architecture, rng: Random): Architecture {
    const values = this.valuesOf(arch);
    const before = architectureHash(arch);
    for (let attempt = 0; attempt < 200; attempt++) {
      const d = rng.choice(this.list);
      const next = this.build({ ...values, [d.name]: rng.choice(d.choices.filter((c) => c !== values[d.name])) });
      if (architectureHash(next) !== before) return next;
    }
    throw new ConfigurationError('NO_VALID_MUTATION', 'no single-edge change gives another network in 200 attempts');
  }

  /** Each edge's op from one parent or the other. */
  crossover(a: Architecture, b: Architecture, rng: Random): Architecture {
    const [va, vb] = [this.valuesOf(a), this.valuesOf(b)];
    return this.build(Object.fromEntries(this.list.map((d) => [d.name, (rng.bool(0.5) ? va : vb)[d.name]!])));
  }

  validate(arch: Architecture): ValidationResult {
    const reasons: string[] = [];
    if (arch.space !== this.name) reasons.push(`architecture is from space "${arch.space}", not "${this.name}"`);
    try {
      const built = this.build(this.valuesOf(arch));
      if (built !== arch && architectureHash(built) !== architectureHash(arch)) reasons.push('graph does not match its decisions');
    } catch (e) {
      reasons.push(e instanceof Error ? e.message : String(e));
    }
    return reasons.length ? { valid: false, reasons } : { valid: true };
  }

  defaultArchitecture(): Architecture {
    return this.build({});
  }

  /** The graph of one cell alone (input → cell → output), for hashing cells by their graph. */
  cellGraph(cell: Nb201Cell): Architecture {
    const b = new GraphBuilder();
    const x = b.add('x', 'input', { shape: [8, 8, this.options.channels] }, []);
    return b.finish(buildCell(b, 'cell', x, cell, this.options.channels), this.name);
  }

  private network(cell: Nb201Cell, decisions: Record<string, DecisionValue>): Architecture {
    const { channels: c0, cellsPerStage, inputShape, numClasses } = this.options;
    const b = new GraphBuilder();
    const input = b.add('input', 'input', { shape: [...inputShape] }, []);
    const conv = b.add('stem/conv', 'conv2d', { filters: c0, kernelSize: 3, padding: 'same', useBias: false }, [input]);
    let x = b.add('stem/bn', 'batchnorm', BN, [conv]);
    let c = c0;
    for (let stage = 0; stage < 3; stage++) {
      if (stage > 0) {
        const p = `reduce_${stage}`;
        const a = b.reluConvBn(`${p}/conv_a`, x, 2 * c, 3, 2);
        const bb = b.reluConvBn(`${p}/conv_b`, a, 2 * c, 3, 1);
        const pool = b.add(`${p}/shortcut_pool`, 'avgpool2d', { poolSize: 2, strides: 2, padding: 'same' }, [x]);
        const proj = b.add(`${p}/shortcut_conv`, 'conv2d', { filters: 2 * c, kernelSize: 1, padding: 'same', useBias: false }, [pool]);
        x = b.add(`${p}/add`, 'add', {}, [bb, proj]);
        c *= 2;
      }
      for (let i = 0; i < cellsPerStage; i++) x = buildCell(b, `stage_${stage}/cell_${i}`, x, cell, c);
    }
    const bn = b.add('head/bn', 'batchnorm', BN, [x]);
    const relu = b.add('head/relu', 'activation', { fn: 'relu' }, [bn]);
    const gap = b.add('head/gap', 'globalavgpool2d', {}, [relu]);
    const out = b.add('head/classifier', 'classifier', { classes: numClasses }, [gap]);
    return b.finish(out, this.name, decisions);
  }

  private valuesOf(arch: Architecture): Record<string, DecisionValue> {
    if (!arch.decisions) throw new InvalidArchitectureError('NO_DECISIONS', 'architecture carries no decision values');
    return { ...arch.decisions };
  }
}

/** Networks an {@link Nb201Space} keeps built (about 40 KiB each, so about 40 MiB). */
const BUILT_MEMO = 1024;

/** `o` and everything in it frozen: a memoised network is shared, so nobody may change it. */
function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

/** One cell on `x`; returns the id of its output. Zero nodes are undefined until something needs them. */
function buildCell(b: GraphBuilder, p: string, x: string, cell: Nb201Cell, c: number): string {
  const nodes: Array<string | undefined> = [x];
  let zeros: string | undefined;
  const zero = () => (zeros ??= b.add(`${p}/zeros`, 'zeros', {}, [x]));
  for (let i = 1; i <= 3; i++) {
    const terms: string[] = [];
    cell[i - 1]!.forEach((op, j) => {
      const from = nodes[j];
      const e = `${p}/node_${i}/from_${j}`;
      if (op === 'none') return;
      if (op === 'skip_connect') {
        if (from !== undefined) terms.push(from);
      } else if (op === 'avg_pool_3x3') {
        if (from !== undefined) terms.push(b.add(`${e}/avgpool`, 'avgpool2d', { poolSize: 3, strides: 1, padding: 'same' }, [from]));
      } else if (op === 'nor_conv_1x1' || op === 'nor_conv_3x3') {
        terms.push(b.reluConvBn(e, from ?? zero(), c, op === 'nor_conv_1x1' ? 1 : 3));
      } else {
        throw new ConfigurationError('BAD_NB201_STRING', `unknown op "${op}"`);
      }
    });
    nodes.push(terms.length === 0 ? undefined : terms.length === 1 ? terms[0] : b.add(`${p}/node_${i}/add`, 'add', {}, terms));
  }
  return nodes[3] ?? zero();
}

/**
 * A {@link Nb201Space} for direct use.
 * @example
 * ```ts
 * import { nb201Space } from '@autonas/space-cell';
 * const space = nb201Space({ inputShape: [32, 32, 3], numClasses: 10 });
 * console.log(space.decisions().length); // 6 edges
 * ```
 */
export function nb201Space(options: Nb201SpaceOptions): Nb201Space {
  return new Nb201Space(options);
}

/**
 * A container module binding a {@link Nb201Space} to the `SearchSpace` extension point.
 * @example
 * ```ts
 * import { createContainer, SearchSpace } from '@autonas/core';
 * import { nb201SpaceModule } from '@autonas/space-cell';
 * const c = createContainer({ maxTrials: 1 }, nb201SpaceModule({ inputShape: [32, 32, 3], numClasses: 10 }));
 * console.log(c.get<SearchSpace>(SearchSpace).name); // 'nb201'
 * ```
 */
export function nb201SpaceModule(options: Nb201SpaceOptions): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind<SearchSpace>(SearchSpace).toConstantValue(new Nb201Space(options));
  });
}

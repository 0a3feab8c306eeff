import { CELL_KINDS, ConfigurationError, type CellKind, type SearchSpace } from '@autonas/core';

/** One intermediate node of a cell as the space's decisions describe it. */
export interface NodePlan {
  /** State index of the node (2, 3, …; 0 and 1 are the cell inputs). */
  readonly node: number;
  /** The states its edges may read (union of the choices of `input_0` and `input_1`). */
  readonly inputs: readonly number[];
}

/**
 * What the supernet needs to know of a cell space, read from its `decisions()` alone: the
 * intermediate nodes of each cell kind, the states each may read, and the candidate ops (the same
 * list on every edge of a kind).
 */
export interface CellPlan {
  readonly normal: readonly NodePlan[];
  readonly reduce: readonly NodePlan[];
  /** Candidate ops of every edge, per kind, in the space's order. */
  readonly ops: Readonly<Record<CellKind, readonly string[]>>;
}

// The genotype interchange format and its decision names live in the core, shared with the cell spaces.
export { CELL_KINDS, genotypeDecisions, type CellKind, type Genotype, type GenotypeEdge } from '@autonas/core';

const NAME = /^cell\/(normal|reduce)\/node_(\d+)\/(input|op)_([01])$/;

/**
 * Reads the {@link CellPlan} of a space whose decisions follow the DARTS cell naming
 * (`cell/<normal|reduce>/node_<i>/input_<k>` and `cell/<normal|reduce>/node_<i>/op_<k>`, `k ∈ {0, 1}`).
 *
 * @throws ConfigurationError `UNSUPPORTED_SPACE` when the space has other decisions, misses a
 *   cell kind or a node, or offers different ops on different edges of a cell kind
 *
 * @example
 * ```ts
 * import { GridSpace } from '@autonas/testing';
 * import { readCellPlan } from '@autonas/strategy-darts';
 * try {
 *   readCellPlan(new GridSpace({ filters: [8, 16] }));
 * } catch (e) {
 *   console.log((e as Error).message); // the space is not a DARTS cell space
 * }
 * ```
 */
export function readCellPlan(space: SearchSpace): CellPlan {
  const bad = (msg: string) => new ConfigurationError('UNSUPPORTED_SPACE', `space "${space.name}": ${msg}`);
  const inputs: Record<CellKind, Map<number, Set<number>>> = { normal: new Map(), reduce: new Map() };
  const ops: Record<CellKind, Map<number, string[][]>> = { normal: new Map(), reduce: new Map() };
  for (const d of space.decisions()) {
    const m = NAME.exec(d.name);
    if (!m) throw bad(`decision "${d.name}" is not a DARTS cell decision (cell/<normal|reduce>/node_<i>/<input|op>_<k>)`);
    const kind = m[1] as CellKind;
    const node = Number(m[2]);
    if (m[3] === 'input') {
      const set = inputs[kind].get(node) ?? new Set<number>();
      for (const c of d.choices) {
        if (!Number.isInteger(c) || (c as number) < 0 || (c as number) >= node) throw bad(`"${d.name}" offers input ${JSON.stringify(c)}; node ${node} can only read states 0..${node - 1}`);
        set.add(c as number);
      }
      inputs[kind].set(node, set);
    } else {
      if (!d.choices.every((c) => typeof c === 'string')) throw bad(`"${d.name}" offers non-string ops`);
      ops[kind].set(node, [...(ops[kind].get(node) ?? []), d.choices as string[]]);
    }
  }
  const plan: Partial<Record<CellKind, NodePlan[]>> = {};
  const opList: Partial<Record<CellKind, string[]>> = {};
  for (const kind of CELL_KINDS) {
    const nodes = [...inputs[kind].keys()].sort((a, b) => a - b);
    if (nodes.length === 0) throw bad(`no ${kind} cell decisions`);
    nodes.forEach((n, i) => {
      if (n !== i + 2) throw bad(`${kind} cell nodes must be numbered 2, 3, …; got ${nodes.join(', ')}`);
    });
    const lists = nodes.flatMap((n) => ops[kind].get(n) ?? []);
    if (lists.length !== 2 * nodes.length) throw bad(`every ${kind} node needs op_0 and op_1 decisions`);
    const first = lists[0]!;
    if (!lists.every((l) => l.join() === first.join())) throw bad(`the ${kind} cell offers different ops on different edges; the supernet needs one op list per cell kind`);
    if (first.every((o) => o === 'none')) throw bad(`the ${kind} cell offers only "none"`);
    plan[kind] = nodes.map((n) => {
      const ins = [...inputs[kind].get(n)!].sort((a, b) => a - b);
      if (ins.length < 2) throw bad(`${kind} node ${n} may read only state ${ins[0]}; DARTS keeps two distinct inputs per node`);
      return { node: n, inputs: ins };
    });
    opList[kind] = first;
  }
  return { normal: plan.normal!, reduce: plan.reduce!, ops: { normal: opList.normal!, reduce: opList.reduce! } };
}


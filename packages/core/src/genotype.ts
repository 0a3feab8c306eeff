import type { DecisionValue } from './architecture.js';

/** The two cell kinds of a NASNet/DARTS cell network, named as the genotype fields. */
export const CELL_KINDS = ['normal', 'reduce'] as const;

/** One of {@link CELL_KINDS}. */
export type CellKind = (typeof CELL_KINDS)[number];

/** One edge of a cell: the op and the state it reads (0, 1: the two cell inputs; 2+: intermediate nodes). */
export type GenotypeEdge = readonly [op: string, input: number];

/**
 * A DARTS genotype: the discrete normal and reduction cells, the interchange format between cell
 * spaces and the strategies that search them. `normal` and `reduce` list two edges per
 * intermediate node, node by node (node `i` is state `i + 2`); `normal_concat` and
 * `reduce_concat` are the states concatenated into the cell output. Field names are DARTS'
 * (`genotypes.py`), so its published cells can be written as they are.
 *
 * @example
 * ```ts
 * import type { Genotype } from '@autonas/core';
 * const g: Genotype = { normal: [['skip_connect', 0], ['sep_conv_3x3', 1]], normal_concat: [2], reduce: [['max_pool_3x3', 0], ['max_pool_3x3', 1]], reduce_concat: [2] };
 * ```
 */
export interface Genotype {
  readonly normal: readonly GenotypeEdge[];
  readonly normal_concat: readonly number[];
  readonly reduce: readonly GenotypeEdge[];
  readonly reduce_concat: readonly number[];
}

/**
 * The decision values of a genotype, named as cell spaces name their decisions:
 * `cell/<normal|reduce>/node_<i>/op_<k>` and `…/input_<k>` for the two edges `k ∈ {0, 1}` of node `i`.
 *
 * @example
 * ```ts
 * import { genotypeDecisions } from '@autonas/core';
 * const d = genotypeDecisions({ normal: [['skip_connect', 0], ['sep_conv_3x3', 1]], normal_concat: [2], reduce: [['max_pool_3x3', 0], ['max_pool_3x3', 1]], reduce_concat: [2] });
 * console.log(d['cell/normal/node_2/op_1'], d['cell/reduce/node_2/input_0']); // sep_conv_3x3 0
 * ```
 */
export function genotypeDecisions(g: Genotype): Record<string, DecisionValue> {
  const out: Record<string, DecisionValue> = {};
  for (const kind of CELL_KINDS) {
    g[kind].forEach(([op, input], i) => {
      const p = `cell/${kind}/node_${2 + Math.floor(i / 2)}`;
      out[`${p}/op_${i % 2}`] = op;
      out[`${p}/input_${i % 2}`] = input;
    });
  }
  return out;
}

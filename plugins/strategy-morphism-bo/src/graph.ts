import { checkGraph, type ArchNode, type Architecture } from '@autonas/core';

/** Ops with trainable weights whose width (`filters` / `units`) the distance and the morphisms read. */
export const WEIGHTED_OPS: ReadonlySet<string> = new Set(['conv2d', 'sepconv2d', 'depthwiseconv2d', 'dense', 'classifier']);

/** Nodes that read `id`, in node order. */
export function consumersOf(arch: Architecture, id: string): ArchNode[] {
  return arch.nodes.filter((n) => n.inputs.includes(id));
}

/**
 * Whether a node's output is never negative, so that a ReLU after it is the identity. Input
 * data is not assumed non-negative.
 */
export function nonNegativeNodes(arch: Architecture): Set<string> {
  const out = new Set<string>();
  const positive = new Set(['relu', 'sigmoid', 'softmax']);
  for (const n of checkGraph(arch)) {
    let nonneg = false;
    switch (n.op) {
      case 'activation':
        nonneg = positive.has(String(n.params.fn ?? 'relu'));
        break;
      case 'conv2d':
      case 'sepconv2d':
      case 'depthwiseconv2d':
      case 'dense':
        nonneg = positive.has(String(n.params.activation ?? 'linear'));
        break;
      case 'classifier':
        nonneg = true;
        break;
      case 'maxpool2d':
      case 'avgpool2d':
      case 'globalavgpool2d':
      case 'dropout':
      case 'flatten':
      case 'add':
      case 'concat':
        nonneg = n.inputs.every((i) => out.has(i));
        break;
      default:
        nonneg = false;
    }
    if (nonneg) out.add(n.id);
  }
  return out;
}

/** Weighted-layer depth of every node: the most weighted layers on a path from an input to it (itself included). */
export function weightedDepths(arch: Architecture): Map<string, number> {
  const depth = new Map<string, number>();
  for (const n of checkGraph(arch)) {
    const d = n.inputs.reduce((m, i) => Math.max(m, depth.get(i)!), 0);
    depth.set(n.id, d + (WEIGHTED_OPS.has(n.op) ? 1 : 0));
  }
  return depth;
}

/** The most weighted layers (convolutions, dense layers, the classifier) on any path of the graph. */
export function weightedDepth(arch: Architecture): number {
  let m = 0;
  for (const d of weightedDepths(arch).values()) m = Math.max(m, d);
  return m;
}

/** A node id not used in `arch`: `m1_conv`, `m2_conv`, ... (deterministic, so replaying a morphism gives the same ids). */
export function freshId(arch: Architecture, base: string, taken: ReadonlySet<string> = new Set()): string {
  const used = new Set(arch.nodes.map((n) => n.id));
  for (let k = 1; ; k++) {
    const id = `m${k}_${base}`;
    if (!used.has(id) && !taken.has(id)) return id;
  }
}

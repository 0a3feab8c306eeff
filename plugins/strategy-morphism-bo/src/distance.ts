import { checkGraph, type ArchNode, type Architecture } from '@autonas/core';
import { WEIGHTED_OPS } from './graph.js';
import { hungarian } from './hungarian.js';

/** A weighted layer as the distance sees it: its op and its width. */
export interface LayerDescriptor {
  readonly type: string;
  readonly width: number;
}

/** A skip connection: weighted-layer depth where it leaves, depth where it joins, and how it joins (`add` or `concat`). */
export interface SkipDescriptor {
  readonly from: number;
  readonly to: number;
  readonly type: string;
}

/** What the architecture distance compares (Auto-Keras's network descriptor). */
export interface ArchitectureDescriptor {
  /** Weighted layers in topological order. */
  readonly layers: readonly LayerDescriptor[];
  readonly skips: readonly SkipDescriptor[];
}

/**
 * The descriptor of an architecture, as Auto-Keras describes a network: the weighted layers
 * (conv2d, sepconv2d, depthwiseconv2d, dense, classifier) of its main path in order, with their
 * widths, and its skip connections. The main path runs back from the output through the first
 * input of every node; each further input of an `add` or `concat` on it is a skip connection,
 * from the main-path depth (weighted layers so far) where its branch leaves the main path to the
 * depth where it joins. Layers on a skip branch (such as the 1×1 projection of an add-skip) are
 * part of the skip, not layers of their own.
 *
 * @example
 * ```ts
 * import { describeArchitecture } from '@autonas/strategy-morphism-bo';
 * import type { Architecture } from '@autonas/core';
 * const arch: Architecture = { nodes: [
 *   { id: 'in', op: 'input', params: { shape: [8] }, inputs: [] },
 *   { id: 'h', op: 'dense', params: { units: 16 }, inputs: ['in'] },
 *   { id: 'out', op: 'classifier', params: { classes: 2 }, inputs: ['h'] },
 * ] };
 * console.log(describeArchitecture(arch).layers); // [{ type: 'dense', width: 16 }, { type: 'classifier', width: 2 }]
 * ```
 */
export function describeArchitecture(arch: Architecture): ArchitectureDescriptor {
  const order = checkGraph(arch);
  const byId = new Map(order.map((n) => [n.id, n]));
  const main = new Set<string>();
  for (let n: ArchNode | undefined = order[order.length - 1]; n; n = n.inputs.length ? byId.get(n.inputs[0]!) : undefined) main.add(n.id);
  const depth = new Map<string, number>();
  const layers: LayerDescriptor[] = [];
  for (const n of order) {
    if (!main.has(n.id)) continue;
    const before = n.inputs.length ? depth.get(n.inputs[0]!)! : 0;
    if (WEIGHTED_OPS.has(n.op)) {
      const width = Number(n.params.filters ?? n.params.units ?? n.params.classes ?? n.params.depthMultiplier ?? 1);
      layers.push({ type: n.op, width: Number.isFinite(width) && width > 0 ? width : 1 });
    }
    depth.set(n.id, before + (WEIGHTED_OPS.has(n.op) ? 1 : 0));
  }
  /** Main-path depth where the branch ending at `id` leaves the main path (0 when it starts at an input of its own). */
  const leaves = (id: string): number => {
    for (let n = byId.get(id); n; n = n.inputs.length ? byId.get(n.inputs[0]!) : undefined) if (main.has(n.id)) return depth.get(n.id)!;
    return 0;
  };
  const skips: SkipDescriptor[] = [];
  for (const n of order) {
    if (!main.has(n.id) || (n.op !== 'add' && n.op !== 'concat')) continue;
    for (const i of n.inputs.slice(1)) skips.push({ from: leaves(i), to: depth.get(n.inputs[0]!)!, type: n.op });
  }
  return { layers, skips };
}

/** 1 for layers of different types, else the relative difference of their widths. */
export function layerDistance(a: LayerDescriptor, b: LayerDescriptor): number {
  if (a.type !== b.type) return 1;
  return Math.abs(a.width - b.width) / Math.max(a.width, b.width);
}

/** Edit distance between two layer sequences: insertions and deletions cost 1, a substitution its {@link layerDistance}. */
export function layersDistance(a: readonly LayerDescriptor[], b: readonly LayerDescriptor[]): number {
  let prev = Float64Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = new Float64Array(b.length + 1);
    cur[0] = i;
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(cur[j - 1]! + 1, prev[j]! + 1, prev[j - 1]! + layerDistance(a[i - 1]!, b[j - 1]!));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/** Distance between two skip connections: 1 for different kinds, else how far their starts and lengths differ, relative. */
export function skipDistance(a: SkipDescriptor, b: SkipDescriptor): number {
  if (a.type !== b.type) return 1;
  const la = Math.abs(a.to - a.from), lb = Math.abs(b.to - b.from);
  const den = Math.max(a.from, b.from) + Math.max(la, lb);
  return den === 0 ? 0 : (Math.abs(a.from - b.from) + Math.abs(la - lb)) / den;
}

/** Cost of the best (Hungarian) matching of two sets of skip connections, plus 1 per unmatched one. */
export function skipsDistance(a: readonly SkipDescriptor[], b: readonly SkipDescriptor[]): number {
  const matched = hungarian(a.map((x) => b.map((y) => skipDistance(x, y)))).cost;
  return matched + Math.abs(a.length - b.length);
}

/**
 * Auto-Keras's architecture distance: the layer edit distance plus `lambda` × the skip-connection
 * distance. Symmetric, zero for equal descriptors.
 *
 * @example
 * ```ts
 * import { architectureDistance, describeArchitecture } from '@autonas/strategy-morphism-bo';
 * const net = (units: number) => describeArchitecture({ nodes: [
 *   { id: 'in', op: 'input', params: { shape: [8] }, inputs: [] },
 *   { id: 'h', op: 'dense', params: { units }, inputs: ['in'] },
 *   { id: 'out', op: 'classifier', params: { classes: 2 }, inputs: ['h'] },
 * ] });
 * console.log(architectureDistance(net(16), net(32))); // 0.5
 * ```
 */
export function architectureDistance(a: ArchitectureDescriptor, b: ArchitectureDescriptor, lambda = 1): number {
  return layersDistance(a.layers, b.layers) + lambda * skipsDistance(a.skips, b.skips);
}

/** Options of {@link architectureKernel}. */
export interface ArchitectureKernelOptions {
  /** Weight of the skip-connection distance. Default 1 (Auto-Keras's KERNEL_LAMBDA). */
  readonly lambda?: number;
  /** ℓ of exp(-d/ℓ). Default 1: networks one layer apart correlate at e^-1 ≈ 0.37. */
  readonly lengthScale?: number;
}

/**
 * A kernel over architecture descriptors: the Laplacian exp(-d/ℓ) of {@link architectureDistance},
 * Auto-Keras's form. The edit distance is not Euclidean, so no function of it is positive definite
 * on every set of networks; on the networks a search visits the Laplacian form is (the package
 * tests measure the smallest eigenvalue on 40 of them), while the Gaussian exp(-d²/4) is not
 * (it has a negative eigenvalue on the same set). Where a set is not, or where two networks are
 * at distance 0, the GP's noise and {@link GaussianProcess}'s diagonal jitter cover it.
 *
 * @example
 * ```ts
 * import { GaussianProcess, architectureKernel, type ArchitectureDescriptor } from '@autonas/strategy-morphism-bo';
 * const gp = new GaussianProcess<ArchitectureDescriptor>(architectureKernel({ lengthScale: 1 }));
 * console.log(gp.size); // 0
 * ```
 */
export function architectureKernel(options: ArchitectureKernelOptions = {}): (a: ArchitectureDescriptor, b: ArchitectureDescriptor) => number {
  const lambda = options.lambda ?? 1;
  const scale = options.lengthScale ?? 1;
  return (a, b) => Math.exp(-architectureDistance(a, b, lambda) / scale);
}

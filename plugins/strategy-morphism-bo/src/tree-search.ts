import { AutonasError, checkGraph, inferShapes, type Architecture, type Random } from '@autonas/core';
import { weightedDepth } from './graph.js';
import { applyMorphism, type Morphism } from './morphisms.js';

/** Limits on the networks a morphism search may produce. */
export interface MorphismLimits {
  /** Most trainable parameters. Default 1,000,000. */
  readonly maxParams?: number;
  /** Most weighted layers (convolutions, dense layers, classifier) on any path. Default 16. */
  readonly maxDepth?: number;
}

/** Options of {@link randomMorphisms}. */
export interface RandomMorphismOptions extends MorphismLimits {
  /** How many distinct neighbours to return at most. Default 8. */
  readonly count?: number;
  /** Whether deepening adds a batch norm. Default true. */
  readonly batchNorm?: boolean;
  /** Net2Net noise of widening (see `WidenMorphism.noise`). Default 0. */
  readonly widenNoise?: number;
}

/** A morphism and the network it gives. */
export interface Neighbour {
  readonly morphism: Morphism;
  readonly arch: Architecture;
}

/** Whether a network is within the limits (and its shapes infer). */
export function withinLimits(arch: Architecture, limits: MorphismLimits = {}): boolean {
  try {
    return inferShapes(arch).totalParams <= (limits.maxParams ?? 1_000_000) && weightedDepth(arch) <= (limits.maxDepth ?? 16);
  } catch {
    return false;
  }
}

/**
 * Nodes where a block's output is ready: activations, convolutions and dense layers with a
 * non-linear activation, pooling, and merges; the places Auto-Keras deepens after and joins skip
 * connections between.
 */
export function blockEnds(arch: Architecture): string[] {
  return checkGraph(arch)
    .filter((n) => {
      if (n.op === 'activation' || n.op === 'maxpool2d' || n.op === 'avgpool2d' || n.op === 'globalavgpool2d' || n.op === 'add' || n.op === 'concat') return true;
      return (n.op === 'conv2d' || n.op === 'dense') && String(n.params.activation ?? 'linear') !== 'linear';
    })
    .map((n) => n.id);
}

/**
 * Up to `count` distinct random function-preserving changes of a network (Auto-Keras's
 * `transform`): deepen after a block end, double the width of a conv or dense layer, or join
 * two block ends with an add- or concat-skip. Only networks within the limits are returned.
 *
 * @example
 * ```ts
 * import { Random } from '@autonas/core';
 * import { randomMorphisms } from '@autonas/strategy-morphism-bo';
 * import type { Architecture } from '@autonas/core';
 * const net: Architecture = { nodes: [
 *   { id: 'in', op: 'input', params: { shape: [8] }, inputs: [] },
 *   { id: 'h', op: 'dense', params: { units: 4, activation: 'relu' }, inputs: ['in'] },
 *   { id: 'out', op: 'classifier', params: { classes: 2 }, inputs: ['h'] },
 * ] };
 * for (const n of randomMorphisms(net, new Random(1), { count: 3 })) console.log(n.morphism.kind);
 * ```
 */
export function randomMorphisms(arch: Architecture, rng: Random, options: RandomMorphismOptions = {}): Neighbour[] {
  const count = options.count ?? 8;
  const ends = blockEnds(arch);
  const layers = arch.nodes.filter((n) => n.op === 'conv2d' || n.op === 'dense').map((n) => n.id);
  const order = new Map(checkGraph(arch).map((n, i) => [n.id, i]));
  const out: Neighbour[] = [];
  const seen = new Set<string>([graphKey(arch)]);
  for (let attempt = 0; attempt < count * 6 && out.length < count; attempt++) {
    let m: Morphism | undefined;
    const kind = rng.choice(['deepen', 'widen', 'addSkip', 'concatSkip'] as const);
    if (kind === 'deepen' && ends.length) m = { kind, after: rng.choice(ends), batchNorm: options.batchNorm ?? true };
    else if (kind === 'widen' && layers.length) {
      const pick = rng.choice(layers);
      const node = arch.nodes.find((n) => n.id === pick)!;
      const width = Number(node.params.filters ?? node.params.units);
      m = { kind, node: node.id, width: width * 2, seed: rng.int(0, 2 ** 31), noise: options.widenNoise ?? 0 };
    } else if ((kind === 'addSkip' || kind === 'concatSkip') && ends.length >= 2) {
      const [a, b] = [rng.choice(ends), rng.choice(ends)].sort((x, y) => order.get(x)! - order.get(y)!) as [string, string];
      if (a !== b) m = { kind, from: a, to: b };
    }
    if (!m) continue;
    let next: Architecture;
    try {
      next = applyMorphism(arch, m).arch;
    } catch (e) {
      if (e instanceof AutonasError) continue;
      throw e;
    }
    if (!withinLimits(next, options)) continue;
    const key = graphKey(next);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ morphism: m, arch: next });
  }
  return out;
}

/**
 * A cheap identity of a graph with its node ids (morphisms derive ids from the graph, so the same
 * sequence gives the same key); `architectureHash` is the id-free identity, about 30 times slower.
 */
export function graphKey(arch: Architecture): string {
  return JSON.stringify(arch.nodes);
}

/** A trained network the tree search starts from. */
export interface SearchRoot {
  readonly id: number;
  readonly arch: Architecture;
  /** Its measured score (higher is better). */
  readonly score: number;
}

/** Options of {@link optimizeAcquisition}. */
export interface TreeSearchOptions {
  readonly roots: readonly SearchRoot[];
  /** The acquisition value of a network (higher is better), e.g. the UCB of a GP prediction. */
  readonly acquisition: (arch: Architecture) => number;
  /** Neighbours of a network (see {@link randomMorphisms}). */
  readonly expand: (arch: Architecture) => readonly Neighbour[];
  /**
   * Whether a network may be proposed (not tried before, valid in the space); asked only of a
   * network that beats the best so far. Rejected networks are still expanded.
   */
  readonly accept?: (arch: Architecture) => boolean;
  readonly rng: Random;
  /** Initial temperature. Default 1. */
  readonly temperature?: number;
  /** Temperature factor per step. Default 0.9. */
  readonly decay?: number;
  /** The search stops when the temperature falls to this. Default 1e-4. */
  readonly minTemperature?: number;
  /** Networks this many morphisms from their root are not expanded further. Default: no limit (Auto-Keras). */
  readonly maxSteps?: number;
}

/** The best network the tree search found. */
export interface TreeSearchResult {
  /** The trained network it grows from. */
  readonly root: SearchRoot;
  /** The morphisms from the root, in order. */
  readonly morphisms: readonly Morphism[];
  readonly arch: Architecture;
  /** Its acquisition value. */
  readonly value: number;
  /** Networks whose acquisition was computed. */
  readonly evaluated: number;
}

/**
 * Maximises an acquisition function over sequences of morphisms from trained networks, the way
 * Auto-Keras does: a priority queue starts with the trained networks (valued at their scores);
 * each step pops the best element and, with the simulated-annealing probability
 * min(1, exp((value − best) / T)), expands it, valuing every new neighbour by the acquisition and
 * keeping the best acceptable one. T starts at `temperature`, is multiplied by `decay` each step,
 * and the search stops at `minTemperature` or when the queue is empty.
 *
 * @returns the best acceptable network found, or undefined when none was
 * @example
 * ```ts
 * import { Random } from '@autonas/core';
 * import { optimizeAcquisition, randomMorphisms } from '@autonas/strategy-morphism-bo';
 * import type { Architecture } from '@autonas/core';
 * const net: Architecture = { nodes: [
 *   { id: 'in', op: 'input', params: { shape: [8] }, inputs: [] },
 *   { id: 'h', op: 'dense', params: { units: 4, activation: 'relu' }, inputs: ['in'] },
 *   { id: 'out', op: 'classifier', params: { classes: 2 }, inputs: ['h'] },
 * ] };
 * const rng = new Random(0);
 * const best = optimizeAcquisition({
 *   roots: [{ id: 0, arch: net, score: 0.8 }],
 *   acquisition: (a) => a.nodes.length, // prefer bigger networks
 *   expand: (a) => randomMorphisms(a, rng),
 *   rng,
 * });
 * console.log(best?.morphisms.map((m) => m.kind));
 * ```
 */
export function optimizeAcquisition(options: TreeSearchOptions): TreeSearchResult | undefined {
  const decay = options.decay ?? 0.9;
  const tMin = options.minTemperature ?? 1e-4;
  let t = options.temperature ?? 1;
  interface Elem { value: number; root: SearchRoot; morphisms: Morphism[]; arch: Architecture }
  const queue: Elem[] = options.roots.map((r) => ({ value: r.score, root: r, morphisms: [], arch: r.arch }));
  const seen = new Set(options.roots.map((r) => graphKey(r.arch)));
  let best: Elem | undefined;
  let bestValue = -Infinity;
  let evaluated = 0;
  while (queue.length > 0 && t > tMin) {
    // Pop the highest value (ties: first in).
    let k = 0;
    for (let i = 1; i < queue.length; i++) if (queue[i]!.value > queue[k]!.value) k = i;
    const elem = queue.splice(k, 1)[0]!;
    const ap = Math.exp(Math.min((elem.value - bestValue) / t, 1));
    if (ap >= options.rng.next() && elem.morphisms.length < (options.maxSteps ?? Infinity)) {
      for (const nb of options.expand(elem.arch)) {
        const key = graphKey(nb.arch);
        if (seen.has(key)) continue;
        seen.add(key);
        const value = options.acquisition(nb.arch);
        evaluated++;
        const child: Elem = { value, root: elem.root, morphisms: [...elem.morphisms, nb.morphism], arch: nb.arch };
        queue.push(child);
        if (value > bestValue && (options.accept?.(nb.arch) ?? true)) {
          bestValue = value;
          best = child;
        }
      }
    }
    t *= decay;
  }
  return best && { root: best.root, morphisms: best.morphisms, arch: best.arch, value: best.value, evaluated };
}

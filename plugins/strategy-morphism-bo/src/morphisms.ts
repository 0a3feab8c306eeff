import {
  InvalidArchitectureError,
  Random,
  checkGraph,
  inferShapes,
  numberParam,
  type ArchNode,
  type Architecture,
} from '@autonas/core';
import { freshId, nonNegativeNodes } from './graph.js';

/** One weight array of a layer, as plain data: its shape and its values in row-major order. */
export interface WeightArray {
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

/**
 * The trained weights of a network by node id, each node's arrays in the order TensorFlow.js
 * layers hold them: conv2d and dense `[kernel, bias]` (no bias when `useBias` is false),
 * batchnorm `[gamma, beta, movingMean, movingVariance]`, classifier `[kernel, bias]`.
 */
export type NetWeights = ReadonlyMap<string, readonly WeightArray[]>;

/** Insert a layer initialised to the identity after `after` (a conv2d on images, a dense layer on vectors). */
export interface DeepenMorphism {
  readonly kind: 'deepen';
  readonly after: string;
  /** Add a batch norm after the new layer (set to the identity in inference mode). Default true. */
  readonly batchNorm?: boolean;
  /** Kernel size of a new convolution (odd). Default 3. */
  readonly kernelSize?: number;
}

/** Net2Net widening of a conv2d (`filters`) or dense (`units`) node to `width`. */
export interface WidenMorphism {
  readonly kind: 'widen';
  readonly node: string;
  readonly width: number;
  /** Which units are replicated, and the symmetry-breaking noise, are drawn from this seed. */
  readonly seed: number;
  /**
   * Standard deviation of the noise added to the outgoing weights of replicated units, relative to
   * the standard deviation of those weights; the noise sums to zero over each unit's replicas, so
   * the function is preserved. Default 0.
   */
  readonly noise?: number;
}

/** A skip connection from `from`'s output to `to`'s output: `add` (zero-initialised path) or `concat` (new channels with zero outgoing weights). */
export interface SkipMorphism {
  readonly kind: 'addSkip' | 'concatSkip';
  readonly from: string;
  readonly to: string;
}

/** A function-preserving change of a network. Plain data, so a sequence of them can travel in an architecture's metadata. */
export type Morphism = DeepenMorphism | WidenMorphism | SkipMorphism;

/** A network: its graph and (optionally) its weights. */
export interface MorphedNetwork {
  readonly arch: Architecture;
  /** Present when weights were given: every node's weights, new and changed ones included. */
  readonly weights?: NetWeights;
}

const fail = (code: string, msg: string): never => {
  throw new InvalidArchitectureError(code, msg);
};

const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const zeros = (shape: readonly number[]): WeightArray => ({ shape: [...shape], values: new Float32Array(prod(shape)) });
const filled = (shape: readonly number[], v: number): WeightArray => ({ shape: [...shape], values: new Float32Array(prod(shape)).fill(v) });

/** Batch-norm epsilon used by the tfjs runtime when a node does not set one. */
const BN_EPSILON = 1e-3;

/**
 * Which old channel each new channel copies (`src[j]`, or -1 for a new channel whose outgoing
 * weights are zero) and how many copies each old channel has.
 */
interface ChannelMap {
  readonly src: Int32Array;
  readonly count: Float32Array;
}

/**
 * Applies one morphism to a network. The graph changes as described by the morphism; when
 * `weights` are given, the returned weights make the new network compute the same function as
 * the old one (in inference mode). New node ids are derived from the graph alone, so replaying
 * the same morphism on the same graph gives the same ids.
 *
 * @throws InvalidArchitectureError when the morphism does not apply to this graph (unknown node,
 *   a shape it cannot handle, a channel change that would reach an `add` or a depthwise layer).
 * @example
 * ```ts
 * import { applyMorphism } from '@autonas/strategy-morphism-bo';
 * import type { Architecture } from '@autonas/core';
 * const parent: Architecture = { nodes: [
 *   { id: 'in', op: 'input', params: { shape: [8] }, inputs: [] },
 *   { id: 'h', op: 'dense', params: { units: 4, activation: 'relu' }, inputs: ['in'] },
 *   { id: 'out', op: 'classifier', params: { classes: 2 }, inputs: ['h'] },
 * ] };
 * const { arch } = applyMorphism(parent, { kind: 'widen', node: 'h', width: 8, seed: 1 });
 * console.log(arch.nodes[1]!.params.units); // 8
 * ```
 */
export function applyMorphism(arch: Architecture, m: Morphism, weights?: NetWeights): MorphedNetwork {
  checkGraph(arch);
  const w = weights ? new Map(weights) : undefined;
  switch (m.kind) {
    case 'deepen':
      return deepen(arch, m, w);
    case 'widen':
      return widen(arch, m, w);
    case 'addSkip':
    case 'concatSkip':
      return skip(arch, m, w);
    default:
      return fail('UNKNOWN_MORPHISM', `unknown morphism ${JSON.stringify(m)}`);
  }
}

/**
 * Applies a sequence of morphisms in order (see {@link applyMorphism}).
 * @example
 * ```ts
 * import { applyMorphisms } from '@autonas/strategy-morphism-bo';
 * import type { Architecture } from '@autonas/core';
 * const parent: Architecture = { nodes: [
 *   { id: 'in', op: 'input', params: { shape: [8] }, inputs: [] },
 *   { id: 'h', op: 'dense', params: { units: 4, activation: 'relu' }, inputs: ['in'] },
 *   { id: 'out', op: 'classifier', params: { classes: 2 }, inputs: ['h'] },
 * ] };
 * const { arch } = applyMorphisms(parent, [{ kind: 'deepen', after: 'h' }, { kind: 'addSkip', from: 'h', to: 'm1_act' }]);
 * console.log(arch.nodes.length);
 * ```
 */
export function applyMorphisms(arch: Architecture, ms: readonly Morphism[], weights?: NetWeights): MorphedNetwork {
  let net: MorphedNetwork = { arch, weights };
  for (const m of ms) net = applyMorphism(net.arch, m, net.weights);
  return net;
}

function nodeOf(arch: Architecture, id: string): ArchNode {
  return arch.nodes.find((n) => n.id === id) ?? fail('UNKNOWN_NODE', `morphism names node "${id}", which the graph does not have`);
}

/** Inserts `added` (a chain) right after `after` in node order and makes every old consumer of `after` read `last` instead. */
function insertAfter(arch: Architecture, after: string, added: ArchNode[], last: string): Architecture {
  const addedIds = new Set(added.map((n) => n.id));
  const nodes: ArchNode[] = [];
  for (const n of arch.nodes) {
    nodes.push(n.inputs.includes(after) && !addedIds.has(n.id) ? { ...n, inputs: n.inputs.map((i) => (i === after ? last : i)) } : n);
    if (n.id === after) nodes.push(...added);
  }
  return { ...arch, nodes };
}

function deepen(arch: Architecture, m: DeepenMorphism, w?: Map<string, readonly WeightArray[]>): MorphedNetwork {
  const x = nodeOf(arch, m.after);
  if (x.op === 'classifier') fail('BAD_MORPHISM', `cannot deepen after the classifier "${x.id}"`);
  const shape = inferShapes(arch).shapes.get(x.id)!;
  const bn = m.batchNorm !== false;
  const relu = nonNegativeNodes(arch).has(x.id);
  const taken = new Set<string>();
  const id = (base: string) => {
    const v = freshId(arch, base, taken);
    taken.add(v);
    return v;
  };
  const added: ArchNode[] = [];
  const c = shape[shape.length - 1]!;
  let layerId: string;
  if (shape.length === 3) {
    const k = m.kernelSize ?? 3;
    if (!(Number.isInteger(k) && k >= 1 && k % 2 === 1)) fail('BAD_MORPHISM', `deepen needs an odd kernel size, got ${k}`);
    layerId = id('conv');
    added.push({ id: layerId, op: 'conv2d', params: { filters: c, kernelSize: k, padding: 'same', activation: 'linear', useBias: !bn }, inputs: [x.id] });
    if (w) {
      const kernel = zeros([k, k, c, c]);
      const centre = (k - 1) / 2;
      for (let i = 0; i < c; i++) kernel.values[((centre * k + centre) * c + i) * c + i] = 1;
      w.set(layerId, bn ? [kernel] : [kernel, zeros([c])]);
    }
  } else if (shape.length === 1) {
    layerId = id('dense');
    // Dense layers always have a bias in the runtime.
    added.push({ id: layerId, op: 'dense', params: { units: c, activation: 'linear' }, inputs: [x.id] });
    if (w) {
      const kernel = zeros([c, c]);
      for (let i = 0; i < c; i++) kernel.values[i * c + i] = 1;
      w.set(layerId, [kernel, zeros([c])]);
    }
  } else {
    return fail('BAD_MORPHISM', `cannot deepen after "${x.id}": its output has shape [${shape}], neither an image nor a vector`);
  }
  if (bn) {
    const bnId = id('bn');
    added.push({ id: bnId, op: 'batchnorm', params: {}, inputs: [added[added.length - 1]!.id] });
    // Inference mode: gamma * (v - mean) / sqrt(var + eps) + beta = v.
    if (w) w.set(bnId, [filled([c], Math.sqrt(1 + BN_EPSILON)), zeros([c]), zeros([c]), filled([c], 1)]);
  }
  if (relu) added.push({ id: id('act'), op: 'activation', params: { fn: 'relu' }, inputs: [added[added.length - 1]!.id] });
  return { arch: insertAfter(arch, x.id, added, added[added.length - 1]!.id), weights: w };
}

function widen(arch: Architecture, m: WidenMorphism, w?: Map<string, readonly WeightArray[]>): MorphedNetwork {
  const x = nodeOf(arch, m.node);
  if (x.op !== 'conv2d' && x.op !== 'dense') fail('BAD_MORPHISM', `widen applies to conv2d and dense nodes, not "${x.id}" (${x.op})`);
  const key = x.op === 'conv2d' ? 'filters' : 'units';
  const n = numberParam(x, key);
  if (!(Number.isInteger(m.width) && m.width > n)) fail('BAD_MORPHISM', `widen "${x.id}" needs a width above ${n}, got ${m.width}`);
  const rng = new Random(m.seed);
  const src = new Int32Array(m.width);
  const count = new Float32Array(n).fill(1);
  for (let j = 0; j < m.width; j++) {
    src[j] = j < n ? j : rng.int(0, n);
    if (j >= n) count[src[j]!]!++;
  }
  const next: Architecture = { ...arch, nodes: arch.nodes.map((node) => (node.id === x.id ? { ...node, params: { ...node.params, [key]: m.width } } : node)) };
  if (w) {
    const [kernel, ...bias] = weightsOf(w, x);
    const ones = new Float32Array(n).fill(1);
    w.set(x.id, [remapAxis(kernel!, kernel!.shape.length - 1, { src, count: ones }), ...bias.map((b) => remapAxis(b, 0, { src, count: ones }))]);
  }
  // Spatial sizes do not change, so the parent's shapes serve (the child's may not infer before the change is carried through).
  propagate(next, inferShapes(arch).shapes, new Map([[x.id, { src, count }]]), w, rng.fork('noise'), m.noise ?? 0);
  return { arch: next, weights: w };
}

function skip(arch: Architecture, m: SkipMorphism, w?: Map<string, readonly WeightArray[]>): MorphedNetwork {
  const a = nodeOf(arch, m.from);
  const b = nodeOf(arch, m.to);
  const order = checkGraph(arch).map((n) => n.id);
  if (order.indexOf(a.id) >= order.indexOf(b.id)) fail('BAD_MORPHISM', `a skip connection needs "${a.id}" before "${b.id}"`);
  if (b.op === 'classifier') fail('BAD_MORPHISM', `cannot add a skip connection into the classifier "${b.id}"`);
  const shapes = inferShapes(arch).shapes;
  const sa = shapes.get(a.id)!;
  const sb = shapes.get(b.id)!;
  if (sa.length !== sb.length || (sa.length !== 3 && sa.length !== 1)) fail('BAD_MORPHISM', `cannot join [${sa}] from "${a.id}" to [${sb}] at "${b.id}"`);
  const taken = new Set<string>();
  const id = (base: string) => {
    const v = freshId(arch, base, taken);
    taken.add(v);
    return v;
  };
  const added: ArchNode[] = [];
  let from = a.id;
  if (sa.length === 3 && (sa[0] !== sb[0] || sa[1] !== sb[1])) {
    let s = 2;
    while (s <= sa[0]! && !(Math.ceil(sa[0]! / s) === sb[0] && Math.ceil(sa[1]! / s) === sb[1])) s++;
    if (s > sa[0]!) fail('BAD_MORPHISM', `no pooling maps [${sa}] from "${a.id}" onto the size of [${sb}] at "${b.id}"`);
    from = id('pool');
    added.push({ id: from, op: 'maxpool2d', params: { poolSize: s, strides: s, padding: 'same' }, inputs: [a.id] });
  }
  const cb = sb[sb.length - 1]!;
  if (m.kind === 'addSkip') {
    const proj = id(sa.length === 3 ? 'conv' : 'dense');
    added.push(sa.length === 3
      ? { id: proj, op: 'conv2d', params: { filters: cb, kernelSize: 1, padding: 'same', activation: 'linear', useBias: true }, inputs: [from] }
      : { id: proj, op: 'dense', params: { units: cb, activation: 'linear' }, inputs: [from] });
    if (w) w.set(proj, sa.length === 3 ? [zeros([1, 1, sa[2]!, cb]), zeros([cb])] : [zeros([sa[0]!, cb]), zeros([cb])]);
    const join = id('add');
    added.push({ id: join, op: 'add', params: {}, inputs: [b.id, proj] });
    return { arch: insertAfter(arch, b.id, added, join), weights: w };
  }
  const join = id('concat');
  added.push({ id: join, op: 'concat', params: {}, inputs: [b.id, from] });
  const next = insertAfter(arch, b.id, added, join);
  const ca = sa[sa.length - 1]!;
  const src = new Int32Array(cb + ca).fill(-1);
  for (let j = 0; j < cb; j++) src[j] = j;
  propagate(next, inferShapes(next).shapes, new Map([[join, { src, count: new Float32Array(cb).fill(1) }]]), w, new Random(0), 0);
  return { arch: next, weights: w };
}

function weightsOf(w: Map<string, readonly WeightArray[]>, n: ArchNode): readonly WeightArray[] {
  return w.get(n.id) ?? fail('MISSING_WEIGHTS', `no weights for node "${n.id}" (${n.op})`);
}

/**
 * Carries changed channels from the nodes in `start` through the graph: channel-wise layers (batch
 * norm, activations, pooling, dropout) follow the map, flatten expands it, concat joins it, and the
 * next weighted layer takes it into its input axis (copies divided by their count, new channels
 * with zero weights), which ends the change.
 */
function propagate(
  arch: Architecture,
  shapes: ReadonlyMap<string, readonly number[]>,
  start: Map<string, ChannelMap>,
  w: Map<string, readonly WeightArray[]> | undefined,
  rng: Random,
  noise: number,
): void {
  const maps = new Map(start);
  const oldChannels = (id: string) => {
    const mp = maps.get(id);
    return mp ? mp.count.length : shapes.get(id)![shapes.get(id)!.length - 1]!;
  };
  for (const n of checkGraph(arch)) {
    if (start.has(n.id) || !n.inputs.some((i) => maps.has(i))) continue;
    const map = maps.get(n.inputs[0]!);
    switch (n.op) {
      case 'activation':
      case 'dropout':
      case 'maxpool2d':
      case 'avgpool2d':
      case 'globalavgpool2d':
        maps.set(n.id, map!);
        break;
      case 'batchnorm':
        if (w) {
          const defaults = [1, 0, 0, 1];
          w.set(n.id, weightsOf(w, n).map((t, k) => remapAxis(t, 0, { src: map!.src, count: new Float32Array(map!.count.length).fill(1) }, defaults[k])));
        }
        maps.set(n.id, map!);
        break;
      case 'flatten':
        maps.set(n.id, flattenMap(map!, shapes.get(n.inputs[0]!)!));
        break;
      case 'concat': {
        const src: number[] = [];
        const count: number[] = [];
        let offset = 0;
        for (const i of n.inputs) {
          const mp = maps.get(i);
          const c = oldChannels(i);
          if (mp) for (const s of mp.src) src.push(s < 0 ? -1 : s + offset);
          else for (let j = 0; j < c; j++) src.push(j + offset);
          count.push(...(mp ? Array.from(mp.count) : new Array<number>(c).fill(1)));
          offset += c;
        }
        maps.set(n.id, { src: Int32Array.from(src), count: Float32Array.from(count) });
        break;
      }
      case 'conv2d':
      case 'dense':
      case 'classifier': {
        const inShape = shapes.get(n.inputs[0]!)!;
        const mp = n.op === 'classifier' && inShape.length > 1 ? flattenMap(map!, inShape) : map!;
        if (w) {
          const [kernel, ...rest] = weightsOf(w, n);
          w.set(n.id, [remapAxis(kernel!, n.op === 'conv2d' ? 2 : 0, mp, 0, noise, rng), ...rest]);
        }
        break;
      }
      default:
        fail('BLOCKED_MORPHISM', `a change of channels cannot pass node "${n.id}" (${n.op})`);
    }
  }
}

/** The map of a flattened `[h, w, c]` feature map (channels last). */
function flattenMap(map: ChannelMap, inShape: readonly number[]): ChannelMap {
  const positions = prod(inShape.slice(0, -1));
  const c = map.src.length;
  const old = map.count.length;
  const src = new Int32Array(positions * c);
  const count = new Float32Array(positions * old);
  for (let p = 0; p < positions; p++) {
    for (let j = 0; j < c; j++) src[p * c + j] = map.src[j]! < 0 ? -1 : p * old + map.src[j]!;
    count.set(map.count, p * old);
  }
  return { src, count };
}

/**
 * A copy of `t` whose `axis` has `map.src.length` entries: entry j is old entry `src[j]` divided
 * by its copy count, or `fill` for new entries; with `noise`, zero-sum noise per group of copies.
 */
function remapAxis(t: WeightArray, axis: number, map: ChannelMap, fill = 0, noise = 0, rng?: Random): WeightArray {
  const outer = prod(t.shape.slice(0, axis));
  const inner = prod(t.shape.slice(axis + 1));
  const oldLen = t.shape[axis]!;
  const newLen = map.src.length;
  const shape = [...t.shape];
  shape[axis] = newLen;
  const out = new Float32Array(outer * newLen * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < newLen; j++) {
      const s = map.src[j]!;
      const base = (o * newLen + j) * inner;
      if (s < 0) {
        out.fill(fill, base, base + inner);
        continue;
      }
      const from = (o * oldLen + s) * inner;
      const f = 1 / map.count[s]!;
      for (let i = 0; i < inner; i++) out[base + i] = t.values[from + i]! * f;
    }
  }
  if (noise > 0 && rng) {
    let sum = 0;
    let sq = 0;
    for (const v of t.values) {
      sum += v;
      sq += v * v;
    }
    const mean = sum / t.values.length;
    const std = noise * Math.sqrt(Math.max(sq / t.values.length - mean * mean, 0));
    const groups = new Map<number, number[]>();
    map.src.forEach((s, j) => {
      if (s >= 0 && map.count[s]! > 1) (groups.get(s) ?? groups.set(s, []).get(s)!).push(j);
    });
    for (const members of groups.values()) {
      for (let o = 0; o < outer; o++) {
        for (let i = 0; i < inner; i++) {
          const eps = members.map(() => rng.normal(0, std));
          const avg = eps.reduce((a, b) => a + b, 0) / eps.length;
          members.forEach((j, r) => (out[(o * newLen + j) * inner + i]! += eps[r]! - avg));
        }
      }
    }
  }
  return { shape, values: out };
}


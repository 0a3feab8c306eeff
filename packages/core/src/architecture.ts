import { InvalidArchitectureError } from './errors.js';
import { sha256Hex } from './sha256.js';

/** A JSON value usable as an op parameter. */
export type ParamValue = number | string | boolean | null | readonly ParamValue[] | { readonly [k: string]: ParamValue };

/**
 * One node of an architecture graph: an operation, its parameters, and the ordered ids of the
 * nodes feeding it (the graph's edges).
 */
export interface ArchNode {
  /** Unique within its architecture; carries no meaning for equality (see {@link architectureHash}). */
  readonly id: string;
  /** Operation name, e.g. `input`, `conv2d`, `maxpool2d`, `dense`, `add`, `concat`. */
  readonly op: string;
  /** Operation parameters, e.g. `{ filters: 32, kernelSize: 3 }`. */
  readonly params: Readonly<Record<string, ParamValue>>;
  /** Ids of input nodes, in order (order matters for non-commutative ops such as `concat`). */
  readonly inputs: readonly string[];
}

/** The value of one search decision. */
export type DecisionValue = number | string | boolean;

/**
 * A neural architecture: a directed acyclic graph of {@link ArchNode}s. It is plain data
 * (serialisable with `JSON.stringify`), and {@link architectureHash} recognises equal
 * architectures whatever their node ids or node order.
 *
 * @example
 * ```ts
 * import { architectureHash, type Architecture } from '@autonas/core';
 * const arch: Architecture = {
 *   nodes: [
 *     { id: 'in', op: 'input', params: { shape: [28, 28, 1] }, inputs: [] },
 *     { id: 'c1', op: 'conv2d', params: { filters: 8, kernelSize: 3 }, inputs: ['in'] },
 *     { id: 'out', op: 'classifier', params: { classes: 10 }, inputs: ['c1'] },
 *   ],
 * };
 * console.log(architectureHash(arch).slice(0, 12));
 * ```
 */
export interface Architecture {
  readonly nodes: readonly ArchNode[];
  /** Name of the search space that produced it, if any (not part of the hash). */
  readonly space?: string;
  /** The decision values that produced it, by hierarchical name (not part of the hash). */
  readonly decisions?: Readonly<Record<string, DecisionValue>>;
  /**
   * Training hyperparameters searched with the network (`learningRate`, `batchSize`, …; see
   * `withHyperparameters`): they change how the network is trained, not the network, and are
   * part of the hash. Absent: the estimator's own training options apply.
   */
  readonly training?: Readonly<Record<string, DecisionValue>>;
}

/** Ops whose inputs may be reordered without changing the function. */
const COMMUTATIVE = new Set(['add', 'multiply', 'maximum', 'minimum', 'average']);

/** The graph's edges as `[from, to]` pairs, in node order then input order. */
export function edges(arch: Architecture): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const n of arch.nodes) for (const i of n.inputs) out.push([i, n.id]);
  return out;
}

/**
 * Checks the graph is well formed: unique ids, known inputs, no cycles, exactly one output
 * (a node nobody consumes) and at least one `input` node. Throws {@link InvalidArchitectureError}.
 * @returns the nodes in a topological order
 */
export function checkGraph(arch: Architecture): ArchNode[] {
  if (!arch || !Array.isArray(arch.nodes) || arch.nodes.length === 0) {
    throw new InvalidArchitectureError('EMPTY_GRAPH', 'architecture has no nodes');
  }
  const byId = new Map<string, ArchNode>();
  for (const n of arch.nodes) {
    if (typeof n.id !== 'string' || n.id === '') throw new InvalidArchitectureError('BAD_NODE', `node without an id: ${JSON.stringify(n)}`);
    if (byId.has(n.id)) throw new InvalidArchitectureError('DUPLICATE_NODE', `node id "${n.id}" is used twice`);
    if (typeof n.op !== 'string' || n.op === '') throw new InvalidArchitectureError('BAD_NODE', `node "${n.id}" has no op`);
    byId.set(n.id, n);
  }
  const consumers = new Map<string, number>();
  for (const n of arch.nodes) {
    if (n.op === 'input' && n.inputs.length > 0) throw new InvalidArchitectureError('BAD_INPUT_NODE', `input node "${n.id}" has inputs`);
    if (n.op !== 'input' && n.inputs.length === 0) throw new InvalidArchitectureError('DANGLING_NODE', `node "${n.id}" (${n.op}) has no inputs`);
    for (const i of n.inputs) {
      if (!byId.has(i)) throw new InvalidArchitectureError('UNKNOWN_INPUT', `node "${n.id}" reads unknown node "${i}"`);
      consumers.set(i, (consumers.get(i) ?? 0) + 1);
    }
  }
  if (!arch.nodes.some((n) => n.op === 'input')) throw new InvalidArchitectureError('NO_INPUT', 'architecture has no input node');
  const outputs = arch.nodes.filter((n) => !consumers.has(n.id));
  if (outputs.length !== 1) {
    throw new InvalidArchitectureError('OUTPUT_COUNT', `architecture must have exactly one output node, found ${outputs.length}: ${outputs.map((n) => n.id).join(', ')}`);
  }
  // Kahn's algorithm, stable in node order.
  const indeg = new Map(arch.nodes.map((n) => [n.id, n.inputs.length]));
  const order: ArchNode[] = [];
  const ready = arch.nodes.filter((n) => n.inputs.length === 0);
  const outs = new Map<string, string[]>();
  for (const n of arch.nodes) for (const i of n.inputs) (outs.get(i) ?? outs.set(i, []).get(i)!).push(n.id);
  while (ready.length) {
    const n = ready.shift()!;
    order.push(n);
    for (const m of outs.get(n.id) ?? []) {
      const d = indeg.get(m)! - 1;
      indeg.set(m, d);
      if (d === 0) ready.push(byId.get(m)!);
    }
  }
  if (order.length !== arch.nodes.length) throw new InvalidArchitectureError('CYCLE', 'architecture graph has a cycle');
  return order;
}

/** JSON with object keys sorted, so equal values serialise equally. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) return JSON.stringify(String(value));
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).filter((k) => (value as Record<string, unknown>)[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
}

/**
 * The canonical form of an architecture: node ids replaced by positions in a canonical
 * topological order (ties broken by Weisfeiler–Lehman labels of the node's op, parameters and
 * neighbourhood), inputs of commutative ops sorted. Isomorphic graphs give the same string.
 */
export function canonicalForm(arch: Architecture): string {
  const topo = checkGraph(arch);
  const n = topo.length;
  const index = new Map(topo.map((node, i) => [node.id, i]));
  const ins = topo.map((node) => node.inputs.map((id) => index.get(id)!));
  const outs: number[][] = topo.map(() => []);
  ins.forEach((list, i) => list.forEach((j) => outs[j]!.push(i)));
  const depth = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) for (const j of ins[i]!) depth[i] = Math.max(depth[i]!, depth[j]! + 1);
  let labels = topo.map((node) => fastHash(`${node.op}|${canonicalJson(node.params)}`));
  // Refine until the partition of nodes by label stops splitting (at most 8 rounds): the count
  // of distinct labels is isomorphism-invariant, so the stopping round is too.
  let classes = new Set(labels).size;
  for (let round = 0; round < Math.min(n, 8) && classes < n; round++) {
    const prev = labels;
    labels = topo.map((node, i) => {
      const inL = ins[i]!.map((j) => prev[j]!);
      if (COMMUTATIVE.has(node.op)) inL.sort();
      const outL = outs[i]!.map((j) => prev[j]!).sort();
      return fastHash(`${prev[i]}<${inL.join(',')}>${outL.join(',')}`);
    });
    const next = new Set(labels).size;
    if (next === classes) break;
    classes = next;
  }
  const order = topo.map((_, i) => i).sort((a, b) => depth[a]! - depth[b]! || (labels[a]! < labels[b]! ? -1 : labels[a]! > labels[b]! ? 1 : 0));
  const pos = new Map(order.map((orig, p) => [orig, p]));
  const rows = order.map((orig) => {
    const node = topo[orig]!;
    const inputs = ins[orig]!.map((j) => pos.get(j)!);
    if (COMMUTATIVE.has(node.op)) inputs.sort((a, b) => a - b);
    return canonicalJson({ op: node.op, params: node.params, inputs });
  });
  return `[${rows.join(',')}]`;
}

/**
 * A SHA-256 hex digest of {@link canonicalForm} and the `training` record (when it has a value):
 * equal for architectures that differ only in node ids, node order or the order of inputs of
 * commutative ops; different otherwise, and different for one network trained two ways.
 */
export function architectureHash(arch: Architecture): string {
  // Architectures are immutable values (every field is readonly), so an object's hash is computed once.
  let hash = hashes.get(arch);
  if (hash === undefined) {
    const training = arch.training && Object.keys(arch.training).length > 0 ? `+training${canonicalJson(arch.training)}` : '';
    hashes.set(arch, (hash = sha256Hex(canonicalForm(arch) + training)));
  }
  return hash;
}

/** Hashes already computed, by architecture object. */
const hashes = new WeakMap<Architecture, string>();

/** Parameter values that are defaults and add nothing to a summary. */
const QUIET: Readonly<Record<string, ParamValue>> = { padding: 'same', activation: 'linear', strides: 1, useBias: true };

/**
 * A one-line human summary, e.g. `conv2d(32,3) > maxpool2d(2) > dense(128,relu) > classifier(10)`:
 * each op with its scalar parameters, leaving out default-valued ones (`padding: same`,
 * `activation: linear`, `strides: 1`, `useBias`).
 */
export function summarize(arch: Architecture): string {
  const topo = checkGraph(arch);
  return topo
    .filter((n) => n.op !== 'input')
    .map((n) => {
      const vals = Object.entries(n.params)
        .filter(([k, v]) => (typeof v !== 'object' || v === null) && k !== 'useBias' && QUIET[k] !== v)
        .map(([, v]) => v);
      return vals.length ? `${n.op}(${vals.join(',')})` : n.op;
    })
    .join(' > ');
}

/** cyrb53: a fast 53-bit string hash, used for Weisfeiler–Lehman labels only. */
function fastHash(str: string): string {
  let h1 = 0xdeadbeef, h2 = 0x41c6ce57;
  for (let i = 0; i < str.length; i++) {
    const ch = str.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}

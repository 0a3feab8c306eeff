import { ConfigurationError, Random } from '@autonas/core';
import { tf } from '@autonas/tfjs';
import { CELL_KINDS, type CellKind, type CellPlan, type Genotype, type GenotypeEdge } from './cell-plan.js';

type T = tf.Tensor;
/** An op of the supernet: input and the network weights → output. */
type Fwd = (x: T, w: readonly T[]) => T;

/** The ops the supernet implements (DARTS' `PRIMITIVES`). */
export const SUPERNET_OPS = ['none', 'max_pool_3x3', 'avg_pool_3x3', 'skip_connect', 'sep_conv_3x3', 'sep_conv_5x5', 'dil_conv_3x3', 'dil_conv_5x5'] as const;

/**
 * The search algorithm the supernet implements:
 * - `darts`: every edge is a mixed op over all channels (Liu et al., 2019);
 * - `pc-darts`: partial channels and edge normalisation (Xu et al., *PC-DARTS*, ICLR 2020): each
 *   mixed edge runs its ops on a random `1/K` of its input's channels (drawn per edge from the seed
 *   when the supernet is built, kept through the search) while the other channels bypass them
 *   unchanged (max-pooled on stride-2 edges), and a softmax over a per-edge β of each node's
 *   incoming edges scales every edge;
 * - `darts-`: an auxiliary skip connection on every edge, outside the mixed op, scaled by a
 *   coefficient the search decays linearly from 1 to 0 (Chu et al., *DARTS-*, ICLR 2021), so that
 *   the mixed op's `skip_connect` no longer has to carry the residual path.
 */
export type DartsVariant = 'darts' | 'pc-darts' | 'darts-';

/** The variants a {@link Supernet} implements. */
export const DARTS_VARIANTS: readonly DartsVariant[] = ['darts', 'pc-darts', 'darts-'];

/** Geometry of a {@link Supernet}. */
export interface SupernetOptions {
  /** `[height, width, channels]` of one sample. */
  readonly inputShape: readonly [number, number, number];
  readonly numClasses: number;
  /** Cells, at least 3; reduction cells at `⌊cells/3⌋` and `⌊2·cells/3⌋` as in DARTS. Default 5. */
  readonly cells?: number;
  /** Channels of each node in the first cells, doubled at each reduction. Default 4 (see the docs on memory). */
  readonly channels?: number;
  /** Stem filters = `stemMultiplier · channels`. Default 3. */
  readonly stemMultiplier?: number;
  /** Seed of the weight and α initialisation. Default 0. */
  readonly seed?: number;
  /**
   * The activation before every convolution: `relu` (DARTS) or `elu`, which is continuously
   * differentiable, so the unrolled validation loss of second-order DARTS is smooth in α (used by
   * the gradient check). Default `relu`.
   */
  readonly activation?: 'relu' | 'elu';
  /** The search algorithm ({@link DartsVariant}). Default `darts`. */
  readonly variant?: DartsVariant;
  /**
   * `pc-darts` only: K, the ops of an edge see `1/K` of its channels. Every cell's channel count
   * must be a multiple of K with at least 2 channels per part. Default 2.
   */
  readonly partialChannels?: number;
}

/** One mixed edge: the states it joins and where its α row sits. */
interface Edge {
  readonly kind: CellKind;
  readonly node: number;
  readonly input: number;
  /** Row of the kind's α matrix. */
  readonly row: number;
}

const EPS = 1e-5;

/** `o` without its `undefined` entries (so that spreading it keeps the defaults). */
export function definedOnly<O extends object>(o: O): O {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as O;
}

/** TensorFlow's SAME padding `[before, after]` of one dimension. */
function samePad(size: number, k: number, stride: number): [number, number] {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + k - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/**
 * 3×3 average pooling with SAME padding that averages only the pixels inside the image (as
 * TensorFlow's and DARTS' `count_include_pad=False`), written as a VALID pool of the zero-padded
 * input rescaled by the constant count of real pixels. tfjs's own `avgPool` gradient divides by 9
 * everywhere, also at the borders where its forward pass divided by fewer pixels, so its gradients
 * there are wrong (found by this package's gradient check).
 */
function avgPoolSame(x: tf.Tensor4D, stride: number): T {
  const [, h, w] = x.shape;
  const ph = samePad(h, 3, stride);
  const pw = samePad(w, 3, stride);
  const pads: [number, number][] = [[0, 0], ph, pw, [0, 0]];
  const pooled = tf.avgPool(tf.pad(x, pads), 3, stride as 1 | 2, 'valid');
  const scale = tf.tidy(() => tf.div(1, tf.avgPool(tf.pad(tf.ones([1, h, w, 1]), pads) as tf.Tensor4D, 3, stride as 1 | 2, 'valid')));
  return tf.mul(pooled, scale);
}

/** Batch normalisation with batch statistics and no affine parameters (DARTS' search BN). */
function bn(x: T): T {
  const { mean, variance } = tf.moments(x, [0, 1, 2], true);
  return tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, EPS)));
}

/**
 * PC-DARTS' partial-channel edge: `ops` run on the channels `selected` of `x` (they see only
 * those, in that order); the other channels bypass them unchanged (max-pooled 2×2 where the edge
 * strides by 2) and every channel keeps its place. Selection and scatter are 1×1 convolutions with
 * 0/1 kernels, because tfjs's wasm backend has no gradient of `gather`; both are exact (each output
 * is one input times 1).
 *
 * @param x `[batch, height, width, channels]`
 * @param selected distinct channel indices of `x`
 * @param ops the mixed op, from `[batch, height, width, selected.length]` to as many channels at the edge's stride
 * @example
 * ```ts
 * import { partialChannelEdge } from '@autonas/strategy-darts';
 * import { initRuntime, tf } from '@autonas/tfjs';
 * await initRuntime({ backend: 'cpu', log: () => {} });
 * const x = tf.tensor4d([1, 2, 3, 4], [1, 1, 1, 4]);
 * const y = partialChannelEdge(x, [1, 3], (xs) => tf.mul(xs, 10), 1);
 * console.log(Array.from(y.dataSync())); // [1, 20, 3, 40]
 * ```
 */
export function partialChannelEdge(x: T, selected: readonly number[], ops: (xs: T) => T, stride: 1 | 2): T {
  const c = x.shape[3]!;
  const k = selected.length;
  if (new Set(selected).size !== k || !selected.every((ch) => Number.isInteger(ch) && ch >= 0 && ch < c)) {
    throw new ConfigurationError('BAD_OPTION', `selected channels must be distinct integers in [0, ${c}), got ${JSON.stringify(selected)}`);
  }
  return tf.tidy(() => {
    const pick = new Float32Array(c * k);
    const put = new Float32Array(k * c);
    const rest = new Float32Array(c).fill(1);
    selected.forEach((ch, j) => {
      pick[ch * k + j] = 1;
      put[j * c + ch] = 1;
      rest[ch] = 0;
    });
    const out = ops(tf.conv2d(x as tf.Tensor4D, tf.tensor4d(pick, [1, 1, c, k]), 1, 'valid'));
    const bypass = tf.mul(stride > 1 ? tf.maxPool(x as tf.Tensor4D, 2, 2, 'same') : x, tf.tensor1d(rest));
    return tf.add(tf.conv2d(out as tf.Tensor4D, tf.tensor4d(put, [1, 1, k, c]), 1, 'valid'), bypass);
  });
}

/**
 * DARTS' search network as a differentiable function of explicit weight tensors `w` and
 * architecture parameters `α`: a stem, `cells` cells whose every edge is a mixed op (the softmax of
 * its α row weighting every candidate op), global pooling and a linear classifier. Batch norm uses
 * batch statistics (as DARTS' search network in training mode) and, except in the stem, has no
 * affine parameters. Because weights are passed in, the same network evaluates at `w` and at the
 * unrolled `w'` of second-order DARTS without touching the variables.
 */
export class Supernet {
  /** Network weights w (trained on the training split). */
  readonly weights: tf.Variable[] = [];
  /** Names of {@link weights}, for reports. */
  readonly weightNames: string[] = [];
  /** Architecture parameters α: one `[edges, ops]` matrix per cell kind (`normal`, `reduce`). */
  readonly alphas: tf.Variable[];
  /** `pc-darts`: the edge-normalisation parameters β, one `[edges]` vector per cell kind; empty otherwise. */
  readonly betas: tf.Variable[];
  /**
   * `darts-`: the coefficient of the auxiliary skip connections (the search sets it by
   * {@link auxSkipSchedule}; at 0 the network is the plain DARTS supernet). Ignored by the other variants.
   */
  auxSkipWeight = 0;
  /** The mixed edges of each kind, in α-row order. */
  readonly edges: Readonly<Record<CellKind, readonly Edge[]>>;
  readonly options: Readonly<Required<SupernetOptions>>;
  private readonly rng: Random;
  /** Draws the auxiliary skips' weights and the channel samples apart from `rng`, so the other weights are those of the plain supernet of the same seed. */
  private readonly auxRng: Random;
  private readonly channelRng: Random;
  private readonly act: (x: T) => T;
  private readonly forwardFn: (x: T, w: readonly T[], a: readonly T[], mask?: Readonly<Record<CellKind, readonly (readonly number[])[]>>) => T;
  /** `pc-darts`: per cell, per edge row, the sorted channels its ops see. */
  private readonly selections: number[][][] = [];
  /** Channels of the edges of each cell. */
  private readonly cellChannels: number[] = [];

  constructor(readonly plan: CellPlan, options: SupernetOptions) {
    this.options = { cells: 5, channels: 4, stemMultiplier: 3, seed: 0, activation: 'relu', variant: 'darts', partialChannels: 2, ...definedOnly(options) };
    this.act = this.options.activation === 'elu' ? tf.elu : tf.relu;
    const { cells, channels, stemMultiplier, inputShape, numClasses } = this.options;
    const positive = (v: unknown) => Number.isInteger(v) && (v as number) >= 1;
    if (!Number.isInteger(cells) || cells < 3) throw new ConfigurationError('BAD_OPTION', `cells must be an integer >= 3 (DARTS reduces at ⌊cells/3⌋ and ⌊2·cells/3⌋, so fewer cells have no normal cell), got ${cells}`);
    if (!positive(channels) || channels < 2) throw new ConfigurationError('BAD_OPTION', `channels must be an integer >= 2, got ${channels}`);
    if (!positive(stemMultiplier)) throw new ConfigurationError('BAD_OPTION', `stemMultiplier must be a positive integer, got ${stemMultiplier}`);
    if (!Array.isArray(inputShape) || inputShape.length !== 3 || !inputShape.every(positive)) throw new ConfigurationError('BAD_OPTION', `inputShape must be [height, width, channels], got ${JSON.stringify(inputShape)}`);
    if (!Number.isInteger(numClasses) || numClasses < 2) throw new ConfigurationError('BAD_OPTION', `numClasses must be an integer >= 2, got ${numClasses}`);
    const { variant, partialChannels: k } = this.options;
    if (!DARTS_VARIANTS.includes(variant)) throw new ConfigurationError('BAD_OPTION', `variant must be one of ${DARTS_VARIANTS.join(', ')}, got ${JSON.stringify(variant)}`);
    if (variant === 'pc-darts' && !(Number.isInteger(k) && k >= 1 && channels % k === 0 && channels / k >= 2)) {
      throw new ConfigurationError('BAD_OPTION', `partialChannels must be an integer K >= 1 that divides channels (${channels}) with channels / K >= 2 (a factorized reduce splits its output in two), got ${k}`);
    }
    for (const kind of CELL_KINDS) for (const op of plan.ops[kind]) if (!(SUPERNET_OPS as readonly string[]).includes(op)) throw new ConfigurationError('UNSUPPORTED_OP', `op "${op}" is not one of ${SUPERNET_OPS.join(', ')}`);
    this.rng = new Random(this.options.seed);
    this.auxRng = new Random(this.options.seed).fork('aux-skip');
    this.channelRng = new Random(this.options.seed).fork('channels');
    const edges: Record<CellKind, Edge[]> = { normal: [], reduce: [] };
    for (const kind of CELL_KINDS) for (const n of plan[kind]) for (const input of n.inputs) edges[kind].push({ kind, node: n.node, input, row: edges[kind].length });
    this.edges = edges;
    this.alphas = CELL_KINDS.map((kind) => tf.tidy(() => tf.variable(tf.mul(tf.randomNormal([edges[kind].length, plan.ops[kind].length], 0, 1, 'float32', this.seed()), 1e-3), true)));
    this.betas = variant !== 'pc-darts' ? [] : CELL_KINDS.map((kind) => tf.tidy(() => tf.variable(tf.mul(tf.randomNormal([edges[kind].length], 0, 1, 'float32', this.channelRng.int(0, 2 ** 31 - 1)), 1e-3), true)));

    // Stem.
    const stemC = stemMultiplier * channels;
    const stemK = this.conv('stem/conv', 3, inputShape[2], stemC);
    const gamma = this.param('stem/gamma', tf.ones([stemC]));
    const beta = this.param('stem/beta', tf.zeros([stemC]));
    const cellFns: ((s0: T, s1: T, w: readonly T[], mixing: readonly T[][], scale: readonly (T | number)[], aux: number) => T)[] = [];
    let [cPrevPrev, cPrev, c] = [stemC, stemC, channels];
    let reductionPrev = false;
    for (let i = 0; i < cells; i++) {
      const reduction = i === Math.floor(cells / 3) || i === Math.floor((2 * cells) / 3);
      if (reduction) c *= 2;
      cellFns.push(this.cell(`cell_${i}`, i, reduction ? 'reduce' : 'normal', cPrevPrev, cPrev, c, reduction, reductionPrev));
      this.cellChannels.push(c);
      reductionPrev = reduction;
      [cPrevPrev, cPrev] = [cPrev, plan[reduction ? 'reduce' : 'normal'].length * c];
    }
    const dense = this.param('head/kernel', tf.randomNormal([cPrev, numClasses], 0, Math.sqrt(1 / cPrev), 'float32', this.seed()));
    const bias = this.param('head/bias', tf.zeros([numClasses]));
    const reductions = Array.from({ length: cells }, (_, i) => i === Math.floor(cells / 3) || i === Math.floor((2 * cells) / 3));

    this.sampleChannels();
    this.forwardFn = (x, w, a, mask) => {
      const mixing: Record<CellKind, T[][]> = { normal: [], reduce: [] };
      const scale: Record<CellKind, (T | number)[]> = { normal: [], reduce: [] };
      CELL_KINDS.forEach((kind, k) => {
        const sm = mask ? tf.tensor2d(mask[kind] as number[][], [edges[kind].length, plan.ops[kind].length]) : tf.softmax(a[k]!);
        mixing[kind] = tf.unstack(sm).map((row) => tf.unstack(row));
        // Edge normalisation: each edge times the softmax of β over its node's incoming edges; in
        // the discrete network an edge is kept whole (1) or dropped (0).
        if (variant === 'pc-darts') scale[kind] = mask ? mask[kind].map((row) => (row.some((v) => v !== 0) ? 1 : 0)) : this.edgeNormalisation(kind, a[2 + k]!);
      });
      const aux = mask ? 0 : this.auxSkipWeight;
      const stemOut = tf.add(tf.mul(bn(tf.conv2d(x as tf.Tensor4D, w[stemK] as tf.Tensor4D, 1, 'same')), w[gamma]!), w[beta]!);
      let [s0, s1] = [stemOut, stemOut];
      cellFns.forEach((cell, i) => {
        const kind = reductions[i] ? 'reduce' : 'normal';
        const out = cell(s0, s1, w, mixing[kind], scale[kind], aux);
        [s0, s1] = [s1, out];
      });
      return tf.add(tf.matMul(tf.mean(s1, [1, 2]) as tf.Tensor2D, w[dense] as tf.Tensor2D), w[bias]!);
    };
  }

  /**
   * The architecture parameters the bilevel optimiser trains: {@link alphas}, then (`pc-darts`)
   * {@link betas}. This is the order {@link logits} and {@link loss} take them in.
   */
  get archParams(): tf.Variable[] {
    return [...this.alphas, ...this.betas];
  }

  /**
   * `pc-darts`: draws for every mixed edge of every cell a new random `1/K` of its channels for
   * its ops (the rest bypass them). The constructor draws once and the search keeps that draw, so
   * that each op's weights always see the same channels and write to the same places. Other
   * variants: no-op.
   */
  sampleChannels(): void {
    if (this.options.variant !== 'pc-darts') return;
    const k = this.options.partialChannels;
    this.selections.length = 0;
    this.cellChannels.forEach((c, i) => {
      const kind: CellKind = this.isReduction(i) ? 'reduce' : 'normal';
      this.selections.push(this.edges[kind].map(() => [...this.channelRng.permutation(c).subarray(0, c / k)].sort((a, b) => a - b)));
    });
  }

  /** `pc-darts`: the sorted channels the ops of cell `cell`'s edge `row` (α-row order) see until the next {@link sampleChannels}. */
  selectedChannels(cell: number, row: number): readonly number[] {
    const s = this.selections[cell]?.[row];
    if (!s) throw new ConfigurationError('BAD_OPTION', this.options.variant === 'pc-darts' ? `no edge ${row} in cell ${cell}` : `variant ${this.options.variant} samples no channels`);
    return s;
  }

  /** Logits of a batch at weights `w` (default the variables) and architecture parameters `a` (default {@link archParams}). */
  logits(x: T, w: readonly T[] = this.weights, a: readonly T[] = this.archParams): T {
    return this.forwardFn(x, w, a);
  }

  /**
   * Logits of the discrete network a genotype picks from the supernet: the genotype's edges with
   * weight 1 on their op, every other edge and op with weight 0 (the inherited-weights proxy).
   */
  discreteLogits(x: T, genotype: Genotype): T {
    const mask = {} as Record<CellKind, number[][]>;
    for (const kind of CELL_KINDS) {
      const ops = this.plan.ops[kind];
      mask[kind] = this.edges[kind].map(() => ops.map(() => 0));
      genotype[kind].forEach(([op, input], i) => {
        const node = 2 + Math.floor(i / 2);
        const e = this.edges[kind].find((x) => x.node === node && x.input === input);
        const o = ops.indexOf(op);
        if (!e || o < 0) throw new ConfigurationError('BAD_GENOTYPE', `${kind} edge (${op}, ${input}) of node ${node} is not in the supernet`);
        mask[kind][e.row]![o] = 1;
      });
    }
    return this.forwardFn(x, this.weights, this.archParams, mask);
  }

  /** Mean softmax cross-entropy of a batch (`y` one-hot). */
  loss(x: T, y: T, w: readonly T[] = this.weights, a: readonly T[] = this.archParams): tf.Scalar {
    return tf.tidy(() => tf.neg(tf.mean(tf.sum(tf.mul(y, tf.logSoftmax(this.logits(x, w, a))), -1))) as tf.Scalar);
  }

  /** The softmax of every edge's α, per kind: `[edge][op]`. */
  alphaSoftmax(): Record<CellKind, number[][]> {
    const out = {} as Record<CellKind, number[][]>;
    CELL_KINDS.forEach((kind, k) => {
      out[kind] = tf.tidy(() => tf.softmax(this.alphas[k]!).arraySync() as number[][]);
    });
    return out;
  }

  /**
   * `pc-darts`: the edge-normalisation weights, per kind `[edge]` in α-row order: the softmax of β
   * over each node's incoming edges (they sum to 1 per node). Other variants: every edge 1.
   */
  edgeWeights(): Record<CellKind, number[]> {
    const out = {} as Record<CellKind, number[]>;
    CELL_KINDS.forEach((kind, k) => {
      out[kind] = this.betas.length ? tf.tidy(() => this.edgeNormalisation(kind, this.betas[k]!).map((t) => t.dataSync()[0]!)) : this.edges[kind].map(() => 1);
    });
    return out;
  }

  /**
   * The discrete cell DARTS derives: for every intermediate node, the two incoming edges whose
   * strongest non-`none` op weighs most, each with that op (strongest first, as DARTS lists them);
   * every intermediate node is concatenated. With `pc-darts` an edge's strength is its strongest
   * non-`none` op's weight times its {@link edgeWeights edge weight}, as PC-DARTS derives.
   */
  genotype(): Genotype {
    const sm = this.alphaSoftmax();
    const ew = this.edgeWeights();
    const cell = (kind: CellKind): GenotypeEdge[] => {
      const ops = this.plan.ops[kind];
      const out: GenotypeEdge[] = [];
      for (const n of this.plan[kind]) {
        const scored = this.edges[kind].filter((e) => e.node === n.node).map((e) => {
          let best = -1;
          for (let o = 0; o < ops.length; o++) if (ops[o] !== 'none' && (best < 0 || sm[kind][e.row]![o]! > sm[kind][e.row]![best]!)) best = o;
          return { input: e.input, op: ops[best]!, strength: sm[kind][e.row]![best]! * ew[kind][e.row]! };
        });
        scored.sort((a, b) => b.strength - a.strength || a.input - b.input);
        for (const s of scored.slice(0, 2)) out.push([s.op, s.input]);
      }
      return out;
    };
    const concat = (kind: CellKind) => this.plan[kind].map((n) => n.node);
    return { normal: cell('normal'), normal_concat: concat('normal'), reduce: cell('reduce'), reduce_concat: concat('reduce') };
  }

  /** Trainable weight count (w, not α). */
  get weightCount(): number {
    return this.weights.reduce((s, v) => s + v.size, 0);
  }

  /** Frees every variable. */
  dispose(): void {
    tf.dispose([...this.weights, ...this.alphas, ...this.betas]);
  }

  // ---- construction helpers -------------------------------------------------------------------

  private seed(): number {
    return this.rng.int(0, 2 ** 31 - 1);
  }

  private isReduction(i: number): boolean {
    const { cells } = this.options;
    return i === Math.floor(cells / 3) || i === Math.floor((2 * cells) / 3);
  }

  /** Softmax of β over each node's incoming edges, one scalar per edge row. */
  private edgeNormalisation(kind: CellKind, beta: T): T[] {
    const out: T[] = new Array(this.edges[kind].length);
    for (const n of this.plan[kind]) {
      const rows = this.edges[kind].filter((e) => e.node === n.node).map((e) => e.row);
      // A node's edges are consecutive rows (see the constructor); a slice, because tfjs's wasm backend has no gradient of gather.
      const sm = tf.unstack(tf.softmax(tf.slice(beta, [rows[0]!], [rows.length])));
      rows.forEach((r, i) => (out[r] = sm[i]!));
    }
    return out;
  }

  private param(name: string, init: T): number {
    this.weights.push(tf.variable(init, true));
    tf.dispose(init);
    this.weightNames.push(name);
    return this.weights.length - 1;
  }

  /** A conv kernel `[k, k, cin, cout]`, He-normal. */
  private conv(name: string, k: number, cin: number, cout: number, rng: Random = this.rng): number {
    return this.param(name, tf.randomNormal([k, k, cin, cout], 0, Math.sqrt(2 / (k * k * cin)), 'float32', rng.int(0, 2 ** 31 - 1)));
  }

  /** A depthwise kernel `[k, k, c, 1]`, He-normal. */
  private depthwise(name: string, k: number, c: number): number {
    return this.param(name, tf.randomNormal([k, k, c, 1], 0, Math.sqrt(2 / (k * k)), 'float32', this.seed()));
  }

  /** ReLU, 1×1 convolution, BN. */
  private reluConvBn(p: string, cin: number, cout: number): Fwd {
    const k = this.conv(`${p}/conv`, 1, cin, cout);
    return (x, w) => bn(tf.conv2d(this.act(x) as tf.Tensor4D, w[k] as tf.Tensor4D, 1, 'same'));
  }

  /** DARTS' FactorizedReduce: two stride-2 1×1 convolutions, one on the input shifted by a pixel, concatenated, BN. */
  private factorizedReduce(p: string, cin: number, cout: number, rng: Random = this.rng): Fwd {
    const c1 = Math.floor(cout / 2);
    const k1 = this.conv(`${p}/fr1`, 1, cin, c1, rng);
    const k2 = this.conv(`${p}/fr2`, 1, cin, cout - c1, rng);
    return (x, w) => {
      const r = this.act(x) as tf.Tensor4D;
      const [, h, wd] = r.shape;
      let shifted = tf.slice(r, [0, 1, 1, 0], [-1, -1, -1, -1]);
      if (h % 2 || wd % 2) shifted = tf.pad(shifted, [[0, 0], [0, h % 2], [0, wd % 2], [0, 0]]);
      return bn(tf.concat([tf.conv2d(r, w[k1] as tf.Tensor4D, 2, 'same'), tf.conv2d(shifted, w[k2] as tf.Tensor4D, 2, 'same')], 3));
    };
  }

  /** ReLU, depthwise k×k (dilation d, stride s), pointwise 1×1, BN. */
  private sepBlock(p: string, c: number, k: number, stride: number, dilation: number): Fwd {
    const dw = this.depthwise(`${p}/dw`, k, c);
    const pw = this.conv(`${p}/pw`, 1, c, c);
    return (x, w) => {
      let y = this.act(x) as tf.Tensor4D;
      if (dilation === 1) y = tf.depthwiseConv2d(y, w[dw] as tf.Tensor4D, stride as 1 | 2, 'same');
      else {
        // tfjs cannot stride a dilated convolution: the stride-1 output at every second pixel is the same.
        y = tf.depthwiseConv2d(y, w[dw] as tf.Tensor4D, 1, 'same', 'NHWC', dilation);
        if (stride > 1) y = tf.avgPool(y, 1, stride as 2, 'valid');
      }
      return bn(tf.conv2d(y, w[pw] as tf.Tensor4D, 1, 'same'));
    };
  }

  /** One candidate op on an edge; `undefined` for `none` (its output is zero). */
  private op(p: string, op: string, c: number, stride: number): Fwd | undefined {
    switch (op) {
      case 'none':
        return undefined;
      case 'max_pool_3x3':
        return (x) => bn(tf.maxPool(x as tf.Tensor4D, 3, stride as 1 | 2, 'same'));
      case 'avg_pool_3x3':
        return (x) => bn(avgPoolSame(x as tf.Tensor4D, stride));
      case 'skip_connect':
        return stride === 1 ? (x) => x : this.factorizedReduce(`${p}/skip`, c, c);
      case 'sep_conv_3x3':
      case 'sep_conv_5x5': {
        const k = op === 'sep_conv_3x3' ? 3 : 5;
        const a = this.sepBlock(`${p}/${op}/1`, c, k, stride, 1);
        const b = this.sepBlock(`${p}/${op}/2`, c, k, 1, 1);
        return (x, w) => b(a(x, w), w);
      }
      case 'dil_conv_3x3':
      case 'dil_conv_5x5':
        return this.sepBlock(`${p}/${op}`, c, op === 'dil_conv_3x3' ? 3 : 5, stride, 2);
      default:
        throw new ConfigurationError('UNSUPPORTED_OP', `op "${op}" is not one of ${SUPERNET_OPS.join(', ')}`);
    }
  }

  private cell(p: string, index: number, kind: CellKind, cPrevPrev: number, cPrev: number, c: number, reduction: boolean, reductionPrev: boolean) {
    const pre0 = reductionPrev ? this.factorizedReduce(`${p}/pre0`, cPrevPrev, c) : this.reluConvBn(`${p}/pre0`, cPrevPrev, c);
    const pre1 = this.reluConvBn(`${p}/pre1`, cPrev, c);
    const ops = this.plan.ops[kind];
    const { variant, partialChannels } = this.options;
    const partial = variant === 'pc-darts';
    // With partial channels the ops see c / K channels.
    const opC = partial ? c / partialChannels : c;
    const edges = this.edges[kind].map((e) => {
      const stride = reduction && e.input < 2 ? 2 : 1;
      const at = `${p}/node_${e.node}/input_${e.input}`;
      return {
        e, stride,
        fns: ops.map((op) => this.op(at, op, opC, stride)),
        aux: variant !== 'darts-' ? undefined : stride === 1 ? (x: T) => x : this.factorizedReduce(`${at}/aux_skip`, c, c, this.auxRng),
      };
    });
    const nodes = this.plan[kind];
    return (s0: T, s1: T, w: readonly T[], mixing: readonly T[][], scale: readonly (T | number)[], aux: number): T => {
      const states = [pre0(s0, w), pre1(s1, w)];
      for (const n of nodes) {
        const outs: T[] = [];
        for (const { e, stride, fns, aux: auxOp } of edges) {
          if (e.node !== n.node) continue;
          if (partial && scale[e.row] === 0) continue;
          const x = states[e.input]!;
          const mixed = (xs: T): T => {
            const terms: T[] = [];
            fns.forEach((f, o) => {
              if (f) terms.push(tf.mul(f(xs, w), mixing[e.row]![o]!));
            });
            return terms.length === 1 ? terms[0]! : tf.addN(terms);
          };
          let out: T;
          if (partial) {
            out = partialChannelEdge(x, this.selections[index]![e.row]!, mixed, stride as 1 | 2);
            const s = scale[e.row]!;
            if (s !== 1) out = tf.mul(out, s);
          } else out = mixed(x);
          if (auxOp && aux !== 0) out = tf.add(out, tf.mul(auxOp(x, w), aux));
          outs.push(out);
        }
        states.push(outs.length === 1 ? outs[0]! : tf.addN(outs));
      }
      return tf.concat(states.slice(2), 3);
    };
  }
}

import { ConfigurationError, Random } from '@autonas/core';
import { tf } from '@autonas/tfjs';
import { CELL_KINDS, type CellKind, type CellPlan, type Genotype, type GenotypeEdge } from './cell-plan.js';

type T = tf.Tensor;
/** An op of the supernet: input and the network weights → output. */
type Fwd = (x: T, w: readonly T[]) => T;

/** The ops the supernet implements (DARTS' `PRIMITIVES`). */
export const SUPERNET_OPS = ['none', 'max_pool_3x3', 'avg_pool_3x3', 'skip_connect', 'sep_conv_3x3', 'sep_conv_5x5', 'dil_conv_3x3', 'dil_conv_5x5'] as const;

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
  /** The mixed edges of each kind, in α-row order. */
  readonly edges: Readonly<Record<CellKind, readonly Edge[]>>;
  readonly options: Readonly<Required<SupernetOptions>>;
  private readonly rng: Random;
  private readonly act: (x: T) => T;
  private readonly forwardFn: (x: T, w: readonly T[], a: readonly T[], mask?: Readonly<Record<CellKind, readonly (readonly number[])[]>>) => T;

  constructor(readonly plan: CellPlan, options: SupernetOptions) {
    this.options = { cells: 5, channels: 4, stemMultiplier: 3, seed: 0, activation: 'relu', ...definedOnly(options) };
    this.act = this.options.activation === 'elu' ? tf.elu : tf.relu;
    const { cells, channels, stemMultiplier, inputShape, numClasses } = this.options;
    const positive = (v: unknown) => Number.isInteger(v) && (v as number) >= 1;
    if (!Number.isInteger(cells) || cells < 3) throw new ConfigurationError('BAD_OPTION', `cells must be an integer >= 3 (DARTS reduces at ⌊cells/3⌋ and ⌊2·cells/3⌋, so fewer cells have no normal cell), got ${cells}`);
    if (!positive(channels) || channels < 2) throw new ConfigurationError('BAD_OPTION', `channels must be an integer >= 2, got ${channels}`);
    if (!positive(stemMultiplier)) throw new ConfigurationError('BAD_OPTION', `stemMultiplier must be a positive integer, got ${stemMultiplier}`);
    if (!Array.isArray(inputShape) || inputShape.length !== 3 || !inputShape.every(positive)) throw new ConfigurationError('BAD_OPTION', `inputShape must be [height, width, channels], got ${JSON.stringify(inputShape)}`);
    if (!Number.isInteger(numClasses) || numClasses < 2) throw new ConfigurationError('BAD_OPTION', `numClasses must be an integer >= 2, got ${numClasses}`);
    for (const kind of CELL_KINDS) for (const op of plan.ops[kind]) if (!(SUPERNET_OPS as readonly string[]).includes(op)) throw new ConfigurationError('UNSUPPORTED_OP', `op "${op}" is not one of ${SUPERNET_OPS.join(', ')}`);
    this.rng = new Random(this.options.seed);
    const edges: Record<CellKind, Edge[]> = { normal: [], reduce: [] };
    for (const kind of CELL_KINDS) for (const n of plan[kind]) for (const input of n.inputs) edges[kind].push({ kind, node: n.node, input, row: edges[kind].length });
    this.edges = edges;
    this.alphas = CELL_KINDS.map((kind) => tf.tidy(() => tf.variable(tf.mul(tf.randomNormal([edges[kind].length, plan.ops[kind].length], 0, 1, 'float32', this.seed()), 1e-3), true)));

    // Stem.
    const stemC = stemMultiplier * channels;
    const stemK = this.conv('stem/conv', 3, inputShape[2], stemC);
    const gamma = this.param('stem/gamma', tf.ones([stemC]));
    const beta = this.param('stem/beta', tf.zeros([stemC]));
    const cellFns: ((s0: T, s1: T, w: readonly T[], weights: readonly T[][]) => T)[] = [];
    let [cPrevPrev, cPrev, c] = [stemC, stemC, channels];
    let reductionPrev = false;
    for (let i = 0; i < cells; i++) {
      const reduction = i === Math.floor(cells / 3) || i === Math.floor((2 * cells) / 3);
      if (reduction) c *= 2;
      cellFns.push(this.cell(`cell_${i}`, reduction ? 'reduce' : 'normal', cPrevPrev, cPrev, c, reduction, reductionPrev));
      reductionPrev = reduction;
      [cPrevPrev, cPrev] = [cPrev, plan[reduction ? 'reduce' : 'normal'].length * c];
    }
    const dense = this.param('head/kernel', tf.randomNormal([cPrev, numClasses], 0, Math.sqrt(1 / cPrev), 'float32', this.seed()));
    const bias = this.param('head/bias', tf.zeros([numClasses]));
    const reductions = Array.from({ length: cells }, (_, i) => i === Math.floor(cells / 3) || i === Math.floor((2 * cells) / 3));

    this.forwardFn = (x, w, a, mask) => {
      const mixing: Record<CellKind, T[][]> = { normal: [], reduce: [] };
      CELL_KINDS.forEach((kind, k) => {
        const sm = mask ? tf.tensor2d(mask[kind] as number[][], [edges[kind].length, plan.ops[kind].length]) : tf.softmax(a[k]!);
        mixing[kind] = tf.unstack(sm).map((row) => tf.unstack(row));
      });
      const stemOut = tf.add(tf.mul(bn(tf.conv2d(x as tf.Tensor4D, w[stemK] as tf.Tensor4D, 1, 'same')), w[gamma]!), w[beta]!);
      let [s0, s1] = [stemOut, stemOut];
      cellFns.forEach((cell, i) => {
        const out = cell(s0, s1, w, mixing[reductions[i] ? 'reduce' : 'normal']);
        [s0, s1] = [s1, out];
      });
      return tf.add(tf.matMul(tf.mean(s1, [1, 2]) as tf.Tensor2D, w[dense] as tf.Tensor2D), w[bias]!);
    };
  }

  /** Logits of a batch at weights `w` (default the variables) and α `a` (default the variables). */
  logits(x: T, w: readonly T[] = this.weights, a: readonly T[] = this.alphas): T {
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
    return this.forwardFn(x, this.weights, this.alphas, mask);
  }

  /** Mean softmax cross-entropy of a batch (`y` one-hot). */
  loss(x: T, y: T, w: readonly T[] = this.weights, a: readonly T[] = this.alphas): tf.Scalar {
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
   * The discrete cell DARTS derives: for every intermediate node, the two incoming edges whose
   * strongest non-`none` op weighs most, each with that op (strongest first, as DARTS lists them);
   * every intermediate node is concatenated.
   */
  genotype(): Genotype {
    const sm = this.alphaSoftmax();
    const cell = (kind: CellKind): GenotypeEdge[] => {
      const ops = this.plan.ops[kind];
      const out: GenotypeEdge[] = [];
      for (const n of this.plan[kind]) {
        const scored = this.edges[kind].filter((e) => e.node === n.node).map((e) => {
          let best = -1;
          for (let o = 0; o < ops.length; o++) if (ops[o] !== 'none' && (best < 0 || sm[kind][e.row]![o]! > sm[kind][e.row]![best]!)) best = o;
          return { input: e.input, op: ops[best]!, strength: sm[kind][e.row]![best]! };
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
    tf.dispose([...this.weights, ...this.alphas]);
  }

  // ---- construction helpers -------------------------------------------------------------------

  private seed(): number {
    return this.rng.int(0, 2 ** 31 - 1);
  }

  private param(name: string, init: T): number {
    this.weights.push(tf.variable(init, true));
    tf.dispose(init);
    this.weightNames.push(name);
    return this.weights.length - 1;
  }

  /** A conv kernel `[k, k, cin, cout]`, He-normal. */
  private conv(name: string, k: number, cin: number, cout: number): number {
    return this.param(name, tf.randomNormal([k, k, cin, cout], 0, Math.sqrt(2 / (k * k * cin)), 'float32', this.seed()));
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
  private factorizedReduce(p: string, cin: number, cout: number): Fwd {
    const c1 = Math.floor(cout / 2);
    const k1 = this.conv(`${p}/fr1`, 1, cin, c1);
    const k2 = this.conv(`${p}/fr2`, 1, cin, cout - c1);
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

  private cell(p: string, kind: CellKind, cPrevPrev: number, cPrev: number, c: number, reduction: boolean, reductionPrev: boolean) {
    const pre0 = reductionPrev ? this.factorizedReduce(`${p}/pre0`, cPrevPrev, c) : this.reluConvBn(`${p}/pre0`, cPrevPrev, c);
    const pre1 = this.reluConvBn(`${p}/pre1`, cPrev, c);
    const ops = this.plan.ops[kind];
    const edges = this.edges[kind].map((e) => ({
      e,
      fns: ops.map((op) => this.op(`${p}/node_${e.node}/input_${e.input}`, op, c, reduction && e.input < 2 ? 2 : 1)),
    }));
    const nodes = this.plan[kind];
    return (s0: T, s1: T, w: readonly T[], mixing: readonly T[][]): T => {
      const states = [pre0(s0, w), pre1(s1, w)];
      for (const n of nodes) {
        const terms: T[] = [];
        for (const { e, fns } of edges) {
          if (e.node !== n.node) continue;
          fns.forEach((f, o) => {
            if (f) terms.push(tf.mul(f(states[e.input]!, w), mixing[e.row]![o]!));
          });
        }
        states.push(terms.length === 1 ? terms[0]! : tf.addN(terms));
      }
      return tf.concat(states.slice(2), 3);
    };
  }
}

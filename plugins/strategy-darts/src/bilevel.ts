import { ConfigurationError } from '@autonas/core';
import { tf } from '@autonas/tfjs';
import { definedOnly, type Supernet } from './supernet.js';

type T = tf.Tensor;

/** Hyperparameters of DARTS' bilevel optimisation; the defaults are the DARTS paper's. */
export interface BilevelOptions {
  /** 1: α's gradient at the current w; 2: at the unrolled w' = w − ξ∇w L_train (ξ = the current w learning rate). Default 1. */
  readonly order?: 1 | 2;
  /** Initial SGD learning rate of w. Default 0.025. */
  readonly learningRate?: number;
  /** Cosine decay ends at this learning rate. Default 0.001. */
  readonly learningRateMin?: number;
  /** SGD momentum of w. Default 0.9. */
  readonly momentum?: number;
  /** L2 weight decay of w. Default 3e-4. */
  readonly weightDecay?: number;
  /** Global gradient-norm clip of w. Default 5. */
  readonly gradClip?: number;
  /** Adam learning rate of α. Default 3e-4. */
  readonly alphaLearningRate?: number;
  /** Adam betas of α. Default [0.5, 0.999]. */
  readonly alphaBetas?: readonly [number, number];
  /** L2 weight decay of α. Default 1e-3. */
  readonly alphaWeightDecay?: number;
}

/** A batch: images and one-hot labels. */
export interface Batch {
  readonly x: T;
  readonly y: T;
}

/** The metrics of one bilevel step. */
export interface StepResult {
  /** Training loss and correct predictions of the w step's batch. */
  readonly loss: number;
  readonly correct: number;
}

const sq = (ts: readonly T[]) => tf.tidy(() => tf.addN(ts.map((t) => tf.sum(tf.square(t)))) as tf.Scalar);

/**
 * DARTS' alternating optimisation of a {@link Supernet}: per step one Adam update of α on a
 * validation batch (first or second order), then one SGD-momentum update of w on a training batch
 * (gradient clipping, weight decay). All optimiser state lives in variables it owns; call
 * {@link dispose} when done.
 */
export class BilevelOptimizer {
  readonly options: Readonly<Required<BilevelOptions>>;
  /** Current learning rate of w (ξ of the unrolled step); set by the caller's schedule. */
  learningRate: number;
  private readonly momentumBuf: tf.Variable[];
  private readonly adamM: tf.Variable[];
  private readonly adamV: tf.Variable[];
  private adamT = 0;
  /** The architecture parameters it trains: α, then β where the variant has them. */
  private readonly arch: tf.Variable[];

  constructor(readonly net: Supernet, options: BilevelOptions = {}) {
    this.options = {
      order: 1, learningRate: 0.025, learningRateMin: 0.001, momentum: 0.9, weightDecay: 3e-4, gradClip: 5,
      alphaLearningRate: 3e-4, alphaBetas: [0.5, 0.999], alphaWeightDecay: 1e-3, ...definedOnly(options),
    };
    const o = this.options;
    if (o.order !== 1 && o.order !== 2) throw new ConfigurationError('BAD_OPTION', `order must be 1 or 2, got ${o.order}`);
    for (const [k, v] of Object.entries({ learningRate: o.learningRate, alphaLearningRate: o.alphaLearningRate, gradClip: o.gradClip })) {
      if (!(v > 0)) throw new ConfigurationError('BAD_OPTION', `${k} must be positive, got ${v}`);
    }
    for (const [k, v] of Object.entries({ learningRateMin: o.learningRateMin, momentum: o.momentum, weightDecay: o.weightDecay, alphaWeightDecay: o.alphaWeightDecay })) {
      if (!(v >= 0)) throw new ConfigurationError('BAD_OPTION', `${k} must be >= 0, got ${v}`);
    }
    if (!(o.alphaBetas.length === 2 && o.alphaBetas.every((b) => b >= 0 && b < 1))) throw new ConfigurationError('BAD_OPTION', `alphaBetas must be two numbers in [0, 1), got ${JSON.stringify(o.alphaBetas)}`);
    this.learningRate = o.learningRate;
    const zeros = (t: T) => tf.tidy(() => tf.variable(tf.zerosLike(t), false));
    this.momentumBuf = net.weights.map(zeros);
    this.arch = net.archParams;
    this.adamM = this.arch.map(zeros);
    this.adamV = this.arch.map(zeros);
  }

  /** ∇w L(w, α) on a batch, at weights `w`. */
  private gradW(b: Batch, w: readonly T[], a: readonly T[]): T[] {
    const n = w.length;
    return tf.grads((...ts: T[]) => this.net.loss(b.x, b.y, ts.slice(0, n), a))([...w]);
  }

  /** ∇α L(w, α) on a batch. */
  private gradA(b: Batch, w: readonly T[], a: readonly T[]): T[] {
    return tf.grads((...ts: T[]) => this.net.loss(b.x, b.y, w, ts))([...a]);
  }

  /**
   * The unrolled weights w' = w − ξ(μ·buf + ∇w L_train(w, α) + λ·w): one step of the w optimiser
   * (without clipping), ξ = {@link learningRate}.
   */
  unrolledWeights(train: Batch, alphas: readonly T[] = this.arch): T[] {
    const { momentum, weightDecay } = this.options;
    const xi = this.learningRate;
    return tf.tidy(() => {
      const g = this.gradW(train, this.net.weights, alphas);
      return this.net.weights.map((w, i) => tf.sub(w, tf.mul(tf.addN([tf.mul(this.momentumBuf[i]!, momentum), g[i]!, tf.mul(w, weightDecay)]), xi)));
    });
  }

  /**
   * The gradient of the validation loss (before weight decay) w.r.t. the architecture parameters
   * (`net.archParams`: α, then β for `pc-darts`). First order: ∇α L_val(w, α).
   * Second order: ∇α L_val(w', α) − ξ·(∇α L_train(w⁺, α) − ∇α L_train(w⁻, α)) / 2ε with
   * w± = w ± ε·∇w' L_val(w', α) and ε = 0.01 / ‖∇w' L_val(w', α)‖ (DARTS' finite-difference
   * Hessian-vector product).
   */
  hypergradient(train: Batch, val: Batch, order: 1 | 2 = this.options.order): T[] {
    return tf.tidy(() => {
      const w = this.net.weights;
      const a = this.arch;
      if (order === 1) return this.gradA(val, w, a);
      const n = w.length;
      const unrolled = this.unrolledWeights(train);
      const g = tf.grads((...ts: T[]) => this.net.loss(val.x, val.y, ts.slice(0, n), ts.slice(n)))([...unrolled, ...a]);
      const dw = g.slice(0, n);
      const da = g.slice(n);
      const norm = tf.sqrt(sq(dw)).dataSync()[0]!;
      if (!(norm > 0)) return da;
      const eps = 0.01 / norm;
      const plus = w.map((wi, i) => tf.add(wi, tf.mul(dw[i]!, eps)));
      const minus = w.map((wi, i) => tf.sub(wi, tf.mul(dw[i]!, eps)));
      const gp = this.gradA(train, plus, a);
      const gm = this.gradA(train, minus, a);
      const xi = this.learningRate;
      return da.map((d, i) => tf.sub(d, tf.mul(tf.sub(gp[i]!, gm[i]!), xi / (2 * eps))));
    });
  }

  /** One Adam step of α (and β) (L2 weight decay added to the gradient, as PyTorch's Adam). */
  stepAlpha(train: Batch, val: Batch): void {
    const { alphaLearningRate: lr, alphaBetas: [b1, b2], alphaWeightDecay: wd } = this.options;
    this.adamT++;
    const t = this.adamT;
    tf.tidy(() => {
      const g = this.hypergradient(train, val);
      this.arch.forEach((a, i) => {
        const gi = tf.add(g[i]!, tf.mul(a, wd));
        this.adamM[i]!.assign(tf.add(tf.mul(this.adamM[i]!, b1), tf.mul(gi, 1 - b1)));
        this.adamV[i]!.assign(tf.add(tf.mul(this.adamV[i]!, b2), tf.mul(tf.square(gi), 1 - b2)));
        const mHat = tf.div(this.adamM[i]!, 1 - b1 ** t);
        const vHat = tf.div(this.adamV[i]!, 1 - b2 ** t);
        a.assign(tf.sub(a, tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), 1e-8)), lr)));
      });
    });
  }

  /** One SGD step of w: gradient clipped to global norm `gradClip`, plus weight decay, momentum. */
  async stepWeights(train: Batch): Promise<StepResult> {
    const { momentum, weightDecay, gradClip } = this.options;
    const lr = this.learningRate;
    const n = this.net.weights.length;
    const [lossT, hitsT] = tf.tidy(() => {
      let hits: T | undefined;
      const { value, grads } = tf.valueAndGrads((...ts: T[]) => {
        const logits = this.net.logits(train.x, ts.slice(0, n));
        hits = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, -1), tf.argMax(train.y, -1)), 'float32')));
        return tf.neg(tf.mean(tf.sum(tf.mul(train.y, tf.logSoftmax(logits)), -1))) as tf.Scalar;
      })([...this.net.weights]);
      const norm = tf.sqrt(sq(grads)).dataSync()[0]!;
      const scale = norm > gradClip ? gradClip / (norm + 1e-6) : 1;
      this.net.weights.forEach((w, i) => {
        const g = tf.add(tf.mul(grads[i]!, scale), tf.mul(w, weightDecay));
        const buf = tf.add(tf.mul(this.momentumBuf[i]!, momentum), g);
        this.momentumBuf[i]!.assign(buf);
        w.assign(tf.sub(w, tf.mul(buf, lr)));
      });
      return [value, hits!];
    });
    const [l, h] = await Promise.all([lossT.data(), hitsT.data()]);
    tf.dispose([lossT, hitsT]);
    if (!Number.isFinite(l[0]!)) throw new ConfigurationError('DIVERGED', `supernet training diverged (loss ${l[0]}); lower the learning rate`);
    return { loss: l[0]!, correct: h[0]! };
  }

  /** Frees the optimiser state. */
  dispose(): void {
    tf.dispose([...this.momentumBuf, ...this.adamM, ...this.adamV]);
  }
}

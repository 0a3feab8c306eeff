import { Random } from '@autonas/core';

/**
 * One training example: the indices of the active inputs of a 0/1 vector (a one-hot encoding has
 * one per decision) and its target.
 */
export interface SparseExample {
  readonly active: ArrayLike<number>;
  readonly target: number;
}

/** Options of {@link trainEnsemble}. */
export interface MlpEnsembleOptions {
  /** Input width (the length of the 0/1 vectors). */
  readonly inputs: number;
  /** Members of the ensemble. Default 5. */
  readonly members?: number;
  /** Units of the one hidden layer. Default 32. */
  readonly hidden?: number;
  /** Hidden activation. Default 'relu'. */
  readonly activation?: 'relu' | 'tanh';
  /** Passes over the data. Default 200. */
  readonly epochs?: number;
  /** Examples per Adam step. Default 32. */
  readonly batchSize?: number;
  /** Adam's step size. Default 0.01. */
  readonly learningRate?: number;
  /** L2 penalty on the weights (not the biases), added to the loss. Default 0.001. */
  readonly weightDecay?: number;
  /** Loss: mean squared error or mean absolute error (BANANAS's; robust to outlying scores). Default 'mse'. */
  readonly loss?: 'mse' | 'mae';
  /** Adam steps per member at most: with more data, fewer epochs (unlimited by default). */
  readonly maxSteps?: number;
}

/** A trained member: `y = w2 · act(W1 x + b1) + b2`, with `W1` stored by input (`w1[i * hidden + j]` from input i to unit j). */
export interface Mlp {
  readonly w1: Float64Array;
  readonly b1: Float64Array;
  readonly w2: Float64Array;
  b2: number;
}

/** An ensemble of small MLPs over sparse 0/1 inputs, trained by {@link trainEnsemble}. */
export class MlpEnsemble {
  private readonly h: Float64Array;

  constructor(
    readonly members: readonly Mlp[],
    readonly inputs: number,
    private readonly hidden: number,
    private readonly activation: 'relu' | 'tanh',
  ) {
    this.h = new Float64Array(hidden);
  }

  /** Each member's prediction for one input (its active indices), in member order. */
  predictAll(active: ArrayLike<number>, out = new Float64Array(this.members.length)): Float64Array {
    for (let m = 0; m < this.members.length; m++) out[m] = forward(this.members[m]!, active, this.hidden, this.activation, this.h);
    return out;
  }

  /** Mean and standard deviation (over the members) of the prediction for one input. */
  predict(active: ArrayLike<number>): { mean: number; std: number } {
    const p = this.predictAll(active);
    let mean = 0;
    for (const v of p) mean += v;
    mean /= p.length;
    let v2 = 0;
    for (const v of p) v2 += (v - mean) ** 2;
    return { mean, std: p.length > 1 ? Math.sqrt(v2 / p.length) : 0 };
  }
}

function act(z: number, a: 'relu' | 'tanh'): number {
  return a === 'relu' ? (z > 0 ? z : 0) : Math.tanh(z);
}

/** The hidden activations (into `h`) and the output for one sparse input. */
function forward(net: Mlp, active: ArrayLike<number>, hidden: number, a: 'relu' | 'tanh', h: Float64Array): number {
  h.set(net.b1);
  // W1 is stored by input: the weights from input i to every hidden unit are contiguous.
  for (let k = 0; k < active.length; k++) {
    const row = active[k]! * hidden;
    for (let j = 0; j < hidden; j++) h[j] += net.w1[row + j]!;
  }
  let y = net.b2;
  for (let j = 0; j < hidden; j++) {
    const hj = act(h[j]!, a);
    h[j] = hj;
    y += net.w2[j]! * hj;
  }
  return y;
}

/** Adam's moments for one parameter array. */
class Adam {
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  constructor(size: number) {
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
  }
  step(p: Float64Array, g: Float64Array, lr: number, t: number, b1 = 0.9, b2 = 0.999, eps = 1e-8): void {
    const c1 = 1 - b1 ** t;
    const c2 = 1 - b2 ** t;
    for (let i = 0; i < p.length; i++) {
      const gi = g[i]!;
      const mi = (this.m[i] = b1 * this.m[i]! + (1 - b1) * gi);
      const vi = (this.v[i] = b2 * this.v[i]! + (1 - b2) * gi * gi);
      p[i] = p[i]! - (lr * (mi / c1)) / (Math.sqrt(vi / c2) + eps);
    }
  }
}

/**
 * Trains an ensemble of one-hidden-layer MLPs on sparse 0/1 inputs by minibatch Adam on the mean
 * squared (or absolute) error. Members differ by their random initialisation (He for ReLU, Glorot for tanh)
 * and the order of their minibatches, both drawn from `rng`, so the result is a pure function of
 * the examples, the options and the generator's state.
 *
 * @param examples - the training set (targets best normalised to mean 0, std 1)
 * @param options - see {@link MlpEnsembleOptions}
 * @param rng - the source of every random choice
 * @returns the trained ensemble
 * @example
 * ```ts
 * import { Random } from '@autonas/core';
 * import { trainEnsemble } from '@autonas/strategy-predictor';
 * // Two one-hot decisions of two choices each: inputs 0-1 and 2-3; the target is high for choice 1 of the first.
 * const examples = [
 *   { active: [0, 2], target: -1 }, { active: [0, 3], target: -1 },
 *   { active: [1, 2], target: 1 }, { active: [1, 3], target: 1 },
 * ];
 * const ensemble = trainEnsemble(examples, { inputs: 4, members: 3, epochs: 100 }, new Random(1));
 * console.log(ensemble.predict([1, 2]).mean > ensemble.predict([0, 2]).mean); // true
 * ```
 */
export function trainEnsemble(examples: readonly SparseExample[], options: MlpEnsembleOptions, rng: Random): MlpEnsemble {
  const inputs = options.inputs;
  const hidden = options.hidden ?? 32;
  const a = options.activation ?? 'relu';
  const members = options.members ?? 5;
  const batchSize = Math.max(1, Math.min(options.batchSize ?? 32, examples.length || 1));
  const lr = options.learningRate ?? 0.01;
  const decay = options.weightDecay ?? 0.001;
  const mae = options.loss === 'mae';
  const batches = Math.ceil(examples.length / batchSize);
  const epochs = Math.max(1, Math.min(options.epochs ?? 200, Math.floor((options.maxSteps ?? Infinity) / Math.max(1, batches))));
  const nets: Mlp[] = [];
  for (let m = 0; m < members; m++) {
    // Fan-in is the number of active inputs (one per decision), not the input width.
    const fanIn = Math.max(1, examples[0]?.active.length ?? 1);
    const s1 = a === 'relu' ? Math.sqrt(2 / fanIn) : Math.sqrt(2 / (fanIn + hidden));
    const s2 = a === 'relu' ? Math.sqrt(2 / hidden) : Math.sqrt(2 / (hidden + 1));
    const net: Mlp = {
      w1: Float64Array.from({ length: hidden * inputs }, () => rng.normal(0, s1)),
      // A small positive bias keeps ReLU units alive at the start.
      b1: new Float64Array(hidden).fill(a === 'relu' ? 0.01 : 0),
      w2: Float64Array.from({ length: hidden }, () => rng.normal(0, s2)),
      b2: 0,
    };
    if (examples.length > 0) fit(net, examples, hidden, a, epochs, batchSize, lr, decay, mae, rng);
    nets.push(net);
  }
  return new MlpEnsemble(nets, inputs, hidden, a);
}

function fit(net: Mlp, examples: readonly SparseExample[], hidden: number, a: 'relu' | 'tanh', epochs: number, batchSize: number, lr: number, decay: number, mae: boolean, rng: Random): void {
  const n = examples.length;
  const g1 = new Float64Array(net.w1.length);
  const gb1 = new Float64Array(hidden);
  const g2 = new Float64Array(hidden);
  const gb2 = new Float64Array(1);
  const pb2 = new Float64Array([net.b2]);
  const opt = { w1: new Adam(g1.length), b1: new Adam(hidden), w2: new Adam(hidden), b2: new Adam(1) };
  const h = new Float64Array(hidden);
  const dh = new Float64Array(hidden);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let t = 0;
  for (let e = 0; e < epochs; e++) {
    rng.shuffleInPlace(order);
    for (let start = 0; start < n; start += batchSize) {
      const end = Math.min(n, start + batchSize);
      const bs = end - start;
      g1.fill(0);
      gb1.fill(0);
      g2.fill(0);
      gb2[0] = 0;
      for (let b = start; b < end; b++) {
        const ex = examples[order[b]!]!;
        const y = forward(net, ex.active, hidden, a, h);
        const r = y - ex.target;
        const dy = (mae ? Math.sign(r) : 2 * r) / bs;
        gb2[0] += dy;
        for (let j = 0; j < hidden; j++) {
          const hj = h[j]!;
          g2[j] += dy * hj;
          const dz = dy * net.w2[j]! * (a === 'relu' ? (hj > 0 ? 1 : 0) : 1 - hj * hj);
          dh[j] = dz;
          gb1[j] += dz;
        }
        for (let k = 0; k < ex.active.length; k++) {
          const row = ex.active[k]! * hidden;
          for (let j = 0; j < hidden; j++) g1[row + j] += dh[j]!;
        }
      }
      if (decay > 0) {
        for (let i = 0; i < g1.length; i++) g1[i] += 2 * decay * net.w1[i]!;
        for (let j = 0; j < hidden; j++) g2[j] += 2 * decay * net.w2[j]!;
      }
      t++;
      opt.w1.step(net.w1, g1, lr, t);
      opt.b1.step(net.b1, gb1, lr, t);
      opt.w2.step(net.w2, g2, lr, t);
      pb2[0] = net.b2;
      opt.b2.step(pb2, gb2, lr, t);
      net.b2 = pb2[0]!;
    }
  }
}

import { Random, StateError } from '@autonas/core';
import { tf } from '@autonas/tfjs';

/** Shape and hyperparameters of a {@link LstmController}. */
export interface ControllerConfig {
  /** Number of choices of each decision the controller emits, in order (each at least 2). */
  readonly choices: readonly number[];
  /** Size of the LSTM's hidden and cell state, and of the decision embeddings. */
  readonly hiddenSize: number;
  /** Weights start uniform in [-initRange, initRange]. */
  readonly initRange: number;
  /** Logits are divided by this before the softmax. */
  readonly temperature: number;
  /** When set, logits become `tanhConstant * tanh(logits / temperature)` (ENAS), bounding how sure the policy gets. */
  readonly tanhConstant: number | undefined;
  /** Adam's step size. */
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
}

/** One named weight as plain numbers (exact Float32 values). */
export interface SavedTensor {
  readonly name: string;
  readonly shape: number[];
  readonly values: number[];
}

/** A controller's weights and optimiser state, as plain data. */
export interface ControllerState {
  readonly params: SavedTensor[];
  readonly adam: { readonly step: number; readonly m: number[][]; readonly v: number[][] };
}

/**
 * An LSTM policy over a sequence of categorical decisions (Zoph & Le; ENAS's controller): step t
 * takes the embedding of decision t-1's choice (a learned start token at t = 0) and emits a
 * softmax over decision t's choices through its own linear head. Trained by REINFORCE with Adam,
 * implemented on the variables here so its moments can be saved and restored exactly.
 *
 * Sampling draws from core's seeded `Random`, never from `tf.random`, so a search is reproducible
 * and a restored controller continues identically.
 */
export class LstmController {
  private readonly names: string[] = [];
  private readonly params: tf.Variable[] = [];
  /** Adam's moments of all weights, flattened and concatenated in weight order (one op per update step, not one per weight). */
  private readonly m: tf.Variable;
  private readonly v: tf.Variable;
  private readonly sizes: number[] = [];
  private step = 0;
  private disposed = false;
  private start!: tf.Variable;
  private kernel!: tf.Variable;
  private bias!: tf.Variable;
  private readonly embeddings: tf.Variable[] = [];
  private readonly headW: tf.Variable[] = [];
  private readonly headB: tf.Variable[] = [];

  /**
   * @param config - sizes and hyperparameters
   * @param init - where the initial weights come from
   */
  constructor(
    readonly config: ControllerConfig,
    init: Random,
  ) {
    const { initRange } = config;
    const uniform = (shape: number[]) => {
      const n = shape.reduce((a, b) => a * b, 1);
      const values = new Float32Array(n);
      for (let i = 0; i < n; i++) values[i] = (init.next() * 2 - 1) * initRange;
      return values;
    };
    const add = (name: string, shape: number[], values: Float32Array) => {
      const initial = tf.tensor(values, shape, 'float32');
      const variable = tf.variable(initial, true);
      initial.dispose();
      this.names.push(name);
      this.params.push(variable);
      this.sizes.push(variable.size);
      return variable;
    };
    const zeros = (shape: number[]) => new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (const { name, shape } of controllerLayout(config)) {
      const isBias = name.endsWith('bias');
      const variable = add(name, shape, isBias ? zeros(shape) : uniform(shape));
      if (name === 'start') this.start = variable;
      else if (name === 'lstm/kernel') this.kernel = variable;
      else if (name === 'lstm/bias') this.bias = variable;
      else if (name.startsWith('embedding/')) this.embeddings.push(variable);
      else if (isBias) this.headB.push(variable);
      else this.headW.push(variable);
    }
    const total = this.sizes.reduce((a, b) => a + b, 0);
    this.m = tf.tidy(() => tf.variable(tf.zeros([total]), false));
    this.v = tf.tidy(() => tf.variable(tf.zeros([total]), false));
  }

  /** Number of Adam updates applied so far. */
  get updates(): number {
    return this.step;
  }

  /** Draws one choice index per decision from the policy, using `rng`. */
  sample(rng: Random): number[] {
    this.assertLive();
    const actions: number[] = [];
    tf.tidy(() => {
      let x = this.start as tf.Tensor2D;
      let h: tf.Tensor2D = tf.zeros([1, this.config.hiddenSize]);
      let c: tf.Tensor2D = tf.zeros([1, this.config.hiddenSize]);
      for (let t = 0; t < this.config.choices.length; t++) {
        [h, c] = this.cell(x, h, c);
        const probs = tf.softmax(this.logits(h, t)).dataSync();
        const a = draw(probs, rng);
        actions.push(a);
        if (t < this.config.choices.length - 1) x = tf.gather(this.embeddings[t]!, [a]) as tf.Tensor2D;
      }
    });
    return actions;
  }

  /** The policy's probabilities of each decision's choices along a given sequence of choices. */
  probabilities(actions: readonly number[]): number[][] {
    this.assertLive();
    return tf.tidy(() => {
      const { probs } = this.unroll([actions]);
      return probs.map((p) => Array.from(p.dataSync()));
    });
  }

  /**
   * One REINFORCE step with Adam: minimises
   * `-mean_b(advantage_b * log p(actions_b)) - entropyWeight * mean_b(entropy_b)`.
   *
   * @returns the loss before the step
   */
  update(actions: readonly (readonly number[])[], advantages: readonly number[], entropyWeight: number): number {
    this.assertLive();
    const n = actions.length;
    // A batch of one is padded with a copy weighted 0: with one row, tfjs's matMul gradients
    // transpose [1, x] operands, which autonas's wasm matMul fast path does by a reshape that
    // aliases the data under a second shape, and tfjs-backend-wasm 4.22's BatchMatMul caches
    // XNNPACK's packed right operand by data id, so the second use reads the wrong packing (NaN).
    const rows = n === 1 ? [actions[0]!, actions[0]!] : actions;
    const weights = n === 1 ? [1, 0] : actions.map(() => 1);
    return tf.tidy(() => {
      const adv = tf.tensor1d(advantages.map((a, i) => a * weights[i]!).concat(n === 1 ? [0] : []), 'float32');
      const mask = tf.tensor1d(weights, 'float32');
      const { value, grads } = tf.variableGrads(() => {
        const { logProb, entropy } = this.unroll(rows);
        const policy = tf.div(tf.sum(tf.mul(adv, logProb)), n);
        const bonus = tf.div(tf.sum(tf.mul(mask, entropy)), n);
        return tf.sub(tf.neg(policy), tf.mul(entropyWeight, bonus)) as tf.Scalar;
      }, this.params);
      this.step++;
      const { learningRate, beta1, beta2, epsilon } = this.config;
      const stepSize = (learningRate * Math.sqrt(1 - beta2 ** this.step)) / (1 - beta1 ** this.step);
      const g = tf.concat(this.params.map((p) => tf.reshape(grads[p.name]!, [-1])));
      const m = tf.add(tf.mul(beta1, this.m), tf.mul(1 - beta1, g));
      const v = tf.add(tf.mul(beta2, this.v), tf.mul(1 - beta2, tf.square(g)));
      this.m.assign(m);
      this.v.assign(v);
      const deltas = tf.split(tf.mul(stepSize, tf.div(m, tf.add(tf.sqrt(v), epsilon))), this.sizes);
      this.params.forEach((p, i) => p.assign(tf.sub(p, tf.reshape(deltas[i]!, p.shape))));
      return value.dataSync()[0]!;
    });
  }

  /** Weights and Adam state as plain numbers (exact: Float32 values round-trip through JSON). */
  state(): ControllerState {
    this.assertLive();
    const plain = (t: tf.Tensor) => Array.from(t.dataSync());
    return {
      params: this.params.map((p, i) => ({ name: this.names[i]!, shape: [...p.shape], values: plain(p) })),
      adam: { step: this.step, m: this.perWeight(this.m), v: this.perWeight(this.v) },
    };
  }

  /** Replaces weights and Adam state with saved ones. @throws StateError when they do not fit this controller */
  restore(state: ControllerState): void {
    this.assertLive();
    checkControllerState(state, this.config);
    tf.tidy(() => {
      this.params.forEach((p, i) => p.assign(tf.tensor(state.params[i]!.values, p.shape, 'float32')));
      this.m.assign(tf.tensor(state.adam.m.flat(), this.m.shape, 'float32'));
      this.v.assign(tf.tensor(state.adam.v.flat(), this.v.shape, 'float32'));
    });
    this.step = state.adam.step;
  }

  /** Releases every tensor of the controller. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const t of [...this.params, this.m, this.v]) t.dispose();
  }

  /** A flat moment vector cut into one plain array per weight. */
  private perWeight(flat: tf.Tensor): number[][] {
    const all = flat.dataSync();
    let at = 0;
    return this.sizes.map((n) => Array.from(all.subarray(at, (at += n))));
  }

  private assertLive(): void {
    if (this.disposed) throw new StateError('DISPOSED', 'the rl controller was disposed');
  }

  /** One LSTM step; returns the new hidden and cell states. */
  private cell(x: tf.Tensor2D, h: tf.Tensor2D, c: tf.Tensor2D): [tf.Tensor2D, tf.Tensor2D] {
    const z = tf.add(tf.matMul(tf.concat([x, h], 1), this.kernel), this.bias);
    const [i, f, g, o] = tf.split(z, 4, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    const c2 = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g))) as tf.Tensor2D;
    const h2 = tf.mul(tf.sigmoid(o), tf.tanh(c2)) as tf.Tensor2D;
    return [h2, c2];
  }

  private logits(h: tf.Tensor2D, t: number): tf.Tensor2D {
    const { temperature, tanhConstant } = this.config;
    let z = tf.add(tf.matMul(h, this.headW[t]!), this.headB[t]!) as tf.Tensor2D;
    if (temperature !== 1) z = tf.div(z, temperature);
    if (tanhConstant !== undefined) z = tf.mul(tanhConstant, tf.tanh(z));
    return z;
  }

  /** Teacher-forced pass over a batch of choice sequences: their log-probabilities, entropies and per-step probabilities. */
  private unroll(actions: readonly (readonly number[])[]): { logProb: tf.Tensor1D; entropy: tf.Tensor1D; probs: tf.Tensor2D[] } {
    const b = actions.length;
    const hs = this.config.hiddenSize;
    let x = tf.matMul(tf.ones([b, 1]), this.start) as tf.Tensor2D;
    let h: tf.Tensor2D = tf.zeros([b, hs]);
    let c: tf.Tensor2D = tf.zeros([b, hs]);
    const chosenLogp: tf.Tensor2D[] = [];
    const plogp: tf.Tensor2D[] = [];
    const probs: tf.Tensor2D[] = [];
    this.config.choices.forEach((k, t) => {
      [h, c] = this.cell(x, h, c);
      const logp = tf.logSoftmax(this.logits(h, t)) as tf.Tensor2D;
      const p = tf.exp(logp);
      probs.push(p);
      // One-hot products rather than gather: gather's gradient needs UnsortedSegmentSum, which the wasm backend lacks.
      const oneHot = new Float32Array(b * k);
      actions.forEach((a, i) => (oneHot[i * k + a[t]!] = 1));
      const chosen = tf.tensor2d(oneHot, [b, k]);
      chosenLogp.push(tf.mul(logp, chosen));
      plogp.push(tf.mul(p, logp));
      if (t < this.config.choices.length - 1) x = tf.matMul(chosen, this.embeddings[t]!);
    });
    // Summed once over all steps (fewer ops to differentiate than a running sum).
    const logProb = tf.sum(tf.concat(chosenLogp, 1), 1) as tf.Tensor1D;
    const entropy = tf.neg(tf.sum(tf.concat(plogp, 1), 1)) as tf.Tensor1D;
    return { logProb, entropy, probs };
  }
}

/** Names and shapes of a controller's weights, in order. */
export function controllerLayout(config: Pick<ControllerConfig, 'choices' | 'hiddenSize'>): { name: string; shape: number[] }[] {
  const h = config.hiddenSize;
  const out = [
    { name: 'start', shape: [1, h] },
    { name: 'lstm/kernel', shape: [2 * h, 4 * h] },
    { name: 'lstm/bias', shape: [4 * h] },
  ];
  config.choices.forEach((k, t) => {
    // The last decision's choice is never fed back, so it needs no embedding.
    if (t < config.choices.length - 1) out.push({ name: `embedding/${t}`, shape: [k, h] });
    out.push({ name: `head/${t}/kernel`, shape: [h, k] }, { name: `head/${t}/bias`, shape: [k] });
  });
  return out;
}

/**
 * Checks, without TensorFlow.js, that a saved controller state fits a controller of this shape.
 * @throws StateError naming the first thing that does not fit
 */
export function checkControllerState(state: unknown, config: Pick<ControllerConfig, 'choices' | 'hiddenSize'>): asserts state is ControllerState {
  const bad = (why: string) => new StateError('BAD_STRATEGY_STATE', `rl controller state does not fit: ${why}`);
  const s = state as Partial<ControllerState> | null;
  if (!s || typeof s !== 'object' || !Array.isArray(s.params) || !s.adam || !Array.isArray(s.adam.m) || !Array.isArray(s.adam.v)) {
    throw bad('params or adam missing');
  }
  const { step, m, v } = s.adam;
  if (!Number.isInteger(step) || step < 0) throw bad(`adam step ${JSON.stringify(step)}`);
  const layout = controllerLayout(config);
  if (s.params.length !== layout.length || m.length !== layout.length || v.length !== layout.length) {
    throw bad(`${s.params.length} tensors, expected ${layout.length}`);
  }
  layout.forEach(({ name, shape }, i) => {
    const p = s.params![i]!;
    const size = shape.reduce((a, b) => a * b, 1);
    if (!p || p.name !== name || JSON.stringify(p.shape) !== JSON.stringify(shape)) {
      throw bad(`tensor ${i} is ${p?.name}${JSON.stringify(p?.shape)}, expected ${name}${JSON.stringify(shape)}`);
    }
    for (const [what, arr] of [['values', p.values], ['adam m', m[i]], ['adam v', v[i]]] as const) {
      if (!Array.isArray(arr) || arr.length !== size || !arr.every((x) => typeof x === 'number' && Number.isFinite(x))) {
        throw bad(`${what} of ${name} must be ${size} finite numbers`);
      }
    }
  });
}

/** Index drawn from a discrete distribution with one uniform number from `rng`. */
function draw(probs: ArrayLike<number>, rng: Random): number {
  const u = rng.next();
  let acc = 0;
  let last = 0;
  for (let i = 0; i < probs.length; i++) {
    if (probs[i]! <= 0) continue;
    last = i;
    acc += probs[i]!;
    if (u < acc) return i;
  }
  return last; // rounding: the probabilities summed to a little under 1
}

import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ConfigurationError } from '@autonas/core';

/** Configuration of {@link SeededDropout}. */
export interface SeededDropoutArgs {
  name?: string;
  /** Fraction of the inputs dropped in training, in [0, 1). */
  rate: number;
  /** Seed of the mask sequence. */
  seed: number;
}

/**
 * Dropout whose masks are seeded and still differ from call to call. `tf.layers.dropout` with a
 * `seed` passes that same seed to `tf.randomUniform` on every call, so each training step drops
 * the same units: a fixed pruning mask, not dropout. This layer draws the mask of its n-th
 * training call from seed (seed, n), so a network compiled with the same seed trains identically,
 * while every step gets a new mask. In inference it is the identity; in training it keeps each
 * input with probability 1 − rate and scales it by 1 / (1 − rate), as Keras does.
 *
 * It serialises as a standard `Dropout` (rate only), so a saved model loads in plain TensorFlow.js.
 *
 * @example
 * ```ts
 * import { SeededDropout, tf } from '@autonas/tfjs';
 * const drop = new SeededDropout({ rate: 0.5, seed: 1 });
 * const x = tf.ones([1, 8]);
 * const a = drop.apply(x, { training: true }) as tf.Tensor;
 * const b = drop.apply(x, { training: true }) as tf.Tensor;
 * console.log(a.arraySync(), b.arraySync()); // two different masks of 0s and 2s
 * tf.dispose([x, a, b]);
 * ```
 */
export class SeededDropout extends tfl.layers.Layer {
  static className = 'Dropout';
  private calls = 0;

  constructor(private readonly args: SeededDropoutArgs) {
    super({ name: args.name });
    if (!(args.rate >= 0 && args.rate < 1)) throw new ConfigurationError('BAD_PARAM', `dropout "${args.name ?? ''}": rate must be in [0, 1), got ${args.rate}`);
    if (!Number.isInteger(args.seed)) throw new ConfigurationError('BAD_PARAM', `dropout "${args.name ?? ''}": seed must be an integer, got ${args.seed}`);
    this.supportsMasking = true;
  }

  /** Training calls so far (the index of the next mask). */
  get maskCount(): number {
    return this.calls;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    const rate = this.args.rate;
    if (!kwargs?.training || rate === 0) return x;
    // A distinct, reproducible seed per training call (a large odd multiplier spreads consecutive calls).
    const seed = (this.args.seed * 1_000_003 + ++this.calls * 7919) % 2147483647;
    return tf.tidy(() => {
      const keep = tf.cast(tf.greaterEqual(tf.randomUniform(x.shape, 0, 1, 'float32', seed), rate), x.dtype);
      return tf.mul(x, tf.mul(keep, 1 / (1 - rate)));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.args.rate };
  }
}

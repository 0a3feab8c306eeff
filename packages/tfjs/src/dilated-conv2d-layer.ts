import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArchitectureError } from '@autonas/core';

/** Activations a {@link DilatedConv2D} applies after its convolution. */
const ACTIVATIONS: Record<string, (x: tf.Tensor) => tf.Tensor> = {
  linear: (x) => x,
  relu: (x) => tf.relu(x),
  relu6: (x) => tf.relu6(x),
  elu: (x) => tf.elu(x),
  selu: (x) => tf.selu(x),
  tanh: (x) => tf.tanh(x),
  sigmoid: (x) => tf.sigmoid(x),
  softplus: (x) => tf.softplus(x),
};

/** Configuration of {@link DilatedConv2D} (also its serialised config). */
export interface DilatedConv2DArgs {
  name?: string;
  filters: number;
  kernelSize: number;
  dilationRate: number;
  padding: 'same' | 'valid';
  activation: string;
  useBias: boolean;
  kernelInitializer?: ReturnType<typeof tfl.initializers.glorotUniform>;
  trainable?: boolean;
}

/**
 * A stride-1 dilated 2-D convolution layer that trains: `tf.layers.conv2d` runs the fused conv2d
 * op, whose built-in gradient rejects dilation rates > 1, while this one calls `tf.conv2d`, whose
 * registered gradient the runtime extends to dilation (see `registerDilatedConvGradients`).
 * Weights `kernel` `[k, k, in, filters]` and `bias` `[filters]`, as `tf.layers.conv2d`. Serialised
 * as class `AutonasDilatedConv2D` (registered on import, so `loadModel` reads it back).
 */
export class DilatedConv2D extends tfl.layers.Layer {
  static className = 'AutonasDilatedConv2D';
  private readonly args: DilatedConv2DArgs;
  private kernel?: tfl.LayerVariable;
  private bias?: tfl.LayerVariable;

  constructor(args: DilatedConv2DArgs) {
    super({ name: args.name, trainable: args.trainable });
    if (!(args.activation in ACTIVATIONS)) {
      throw new InvalidArchitectureError('BAD_PARAM', `dilated conv2d "${args.name}": activation "${args.activation}" is not one of ${Object.keys(ACTIVATIONS).join(', ')}`);
    }
    this.args = args;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const k = this.args.kernelSize;
    const init = this.args.kernelInitializer ?? tfl.initializers.glorotUniform({});
    this.kernel = this.addWeight('kernel', [k, k, shape[3]!, this.args.filters], 'float32', init);
    if (this.args.useBias) this.bias = this.addWeight('bias', [this.args.filters], 'float32', tfl.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const [b, h, w] = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const ke = (this.args.kernelSize - 1) * this.args.dilationRate + 1;
    const size = (d: number | null | undefined) => (d == null ? null : this.args.padding === 'same' ? d : d - ke + 1);
    return [b ?? null, size(h), size(w), this.args.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0]! : inputs) as tf.Tensor4D;
      const d = this.args.dilationRate;
      let y: tf.Tensor = tf.conv2d(x, this.kernel!.read() as tf.Tensor4D, 1, this.args.padding, 'NHWC', [d, d]);
      if (this.bias) y = tf.add(y, this.bias.read());
      return ACTIVATIONS[this.args.activation]!(y);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const { kernelInitializer: _init, name: _name, trainable: _trainable, ...rest } = this.args;
    return { ...super.getConfig(), ...rest };
  }
}
tf.serialization.registerClass(DilatedConv2D);

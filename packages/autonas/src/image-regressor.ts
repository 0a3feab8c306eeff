import type { ChainSpaceOptions } from '@autonas/space-chain';
import { AutoModel, type AutoModelOptions } from './auto-model.js';
import { imageInput } from './task-inputs.js';

/** Options of {@link ImageRegressor}. */
export interface ImageRegressorOptions extends AutoModelOptions {
  /** Chain-space choices; a value given in `fixed` is not searched. */
  readonly space?: Omit<ChainSpaceOptions, 'inputShape' | 'numClasses' | 'head'>;
  /** Training loss: mean squared (default) or mean absolute error. */
  readonly loss?: 'mse' | 'mae';
}

/**
 * Image regression: predicts one or more numbers per image (an angle, a count). A preset: an
 * image input, a regression head (linear output; MSE or MAE loss; reports MSE and MAE), the
 * `chain` space, objective `val_loss` unless given.
 *
 * @example
 * ```ts
 * import { ImageRegressor } from 'autonas';
 * const x = new Float32Array(64 * 8 * 8).map(() => Math.random());
 * const y = Array.from({ length: 64 }, (_, i) => x.subarray(i * 64, i * 64 + 64).reduce((a, b) => a + b, 0));
 * const reg = new ImageRegressor({ maxTrials: 1, space: { fixed: { 'chain/blocks': 1 } } });
 * await reg.fit(x, y, { epochs: 1, sampleShape: [8, 8, 1], baseline: false });
 * reg.dispose();
 * ```
 */
export class ImageRegressor extends AutoModel {
  constructor(options: ImageRegressorOptions = {}) {
    super({ input: imageInput(), head: 'regression', loss: options.loss }, options);
  }
}

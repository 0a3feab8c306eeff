import type { ChainSpaceOptions } from '@autonas/space-chain';
import type { FeatureInput } from '@autonas/data';
import { AutoModel, type AutoModelOptions, type ClassLabelInput } from './auto-model.js';
import { imageInput } from './task-inputs.js';

/** Options of {@link ImageClassifier}: the pipeline's, with the chain space's choices. */
export interface ImageClassifierOptions extends AutoModelOptions {
  /** Chain-space choices; a value given in `fixed` is not searched (e.g. `{ 'chain/blocks': 2 }`). */
  readonly space?: Omit<ChainSpaceOptions, 'inputShape' | 'numClasses' | 'head'>;
}

/**
 * Image classification by neural architecture search, Auto-Keras style: give it images and
 * labels, get back a searched, retrained, exportable model. A preset: an image input, a
 * classification head (softmax, cross-entropy, accuracy), the `chain` space, objective
 * `val_accuracy` unless given.
 *
 * @example
 * ```ts
 * import { ImageClassifier } from 'autonas';
 * import { loadMnist } from '@autonas/data';
 * const { train, test } = await loadMnist({ trainSize: 600, testSize: 200 });
 * const clf = new ImageClassifier({ maxTrials: 1, seed: 7, space: { fixed: { 'chain/blocks': 1 } } });
 * await clf.fit(train.x, train.y, { epochs: 1, sampleShape: [28, 28, 1] });
 * const { accuracy } = await clf.evaluate(test.x, test.y, { sampleShape: [28, 28, 1] });
 * console.log(accuracy > 0.3);
 * clf.dispose();
 * ```
 */
export class ImageClassifier extends AutoModel<FeatureInput, ClassLabelInput> {
  constructor(options: ImageClassifierOptions = {}) {
    super({ input: imageInput(), head: 'classification' }, options);
  }
}

import type { DenseSpaceOptions } from '@autonas/space-dense';
import { AutoModel, type AutoModelOptions, type ClassLabelInput } from './auto-model.js';
import { structuredDataInput, type StructuredInput } from './task-inputs.js';

/** Options of {@link StructuredDataClassifier}. */
export interface StructuredDataClassifierOptions extends AutoModelOptions {
  /** Dense-space choices; a value given in `fixed` is not searched (e.g. `{ 'dense/blocks': 2 }`). */
  readonly space?: Omit<DenseSpaceOptions, 'inputUnits' | 'head'>;
  /** Feature columns of a table (default: every column of the first row). */
  readonly columns?: readonly string[];
}

/**
 * Classification of structured (tabular) data: rows of objects whose numeric columns are
 * standardised and categorical ones one-hot encoded (learned on the training rows only and saved
 * with the model), or rows of numbers. A preset: a structured-data input, a classification head,
 * the `dense` space, objective `val_accuracy` unless given.
 *
 * @example
 * ```ts
 * import { StructuredDataClassifier } from 'autonas';
 * const rows = Array.from({ length: 60 }, (_, i) => ({ size: i % 10, colour: i % 2 ? 'red' : 'blue' }));
 * const y = rows.map((r) => (r.size > 4 ? 1 : 0));
 * const clf = new StructuredDataClassifier({ maxTrials: 1 });
 * await clf.fit(rows, y, { epochs: 2, baseline: false });
 * clf.dispose();
 * ```
 */
export class StructuredDataClassifier extends AutoModel<StructuredInput, ClassLabelInput> {
  constructor(options: StructuredDataClassifierOptions = {}) {
    super({ input: structuredDataInput({ columns: options.columns }), head: 'classification' }, options);
  }
}

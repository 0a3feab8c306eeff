import type { FeatureInput } from '@autonas/data';
import type { DenseSpaceOptions } from '@autonas/space-dense';
import { AutoModel, type AutoModelOptions } from './auto-model.js';
import { structuredDataInput, type StructuredInput } from './task-inputs.js';

/** Options of {@link StructuredDataRegressor}. */
export interface StructuredDataRegressorOptions extends AutoModelOptions {
  /** Dense-space choices; a value given in `fixed` is not searched. */
  readonly space?: Omit<DenseSpaceOptions, 'inputUnits' | 'head'>;
  /** Feature columns of a table (default: every column of the first row). */
  readonly columns?: readonly string[];
  /** Training loss: mean squared (default) or mean absolute error. */
  readonly loss?: 'mse' | 'mae';
}

/**
 * Regression on structured (tabular) data. A preset: a structured-data input (columns encoded
 * as learned on the training rows), a regression head, the `dense` space, objective `val_loss`
 * unless given.
 *
 * @example
 * ```ts
 * import { StructuredDataRegressor } from 'autonas';
 * const rows = Array.from({ length: 80 }, (_, i) => ({ a: i / 10, b: (i * 7) % 5 }));
 * const y = rows.map((r) => 2 * r.a - r.b);
 * const reg = new StructuredDataRegressor({ maxTrials: 1, objective: 'val_mae' });
 * await reg.fit(rows, y, { epochs: 3, baseline: false });
 * reg.dispose();
 * ```
 */
export class StructuredDataRegressor extends AutoModel<StructuredInput, FeatureInput> {
  constructor(options: StructuredDataRegressorOptions = {}) {
    super({ input: structuredDataInput({ columns: options.columns }), head: 'regression', loss: options.loss }, options);
  }
}

import type { Dataset } from './dataset.js';

/** Injection token for {@link SearchData}. */
export const SearchData = Symbol.for('autonas.SearchData');

/**
 * The data a search may use: a training split and a validation split carved from the user's
 * training data. The test set is never part of it, so no strategy or estimator can see it.
 *
 * @example
 * ```ts
 * import { ContainerModule } from 'inversify';
 * import { SearchData, type Dataset } from '@autonas/data';
 * function dataModule(train: Dataset, validation: Dataset) {
 *   return new ContainerModule(({ bind }) => { bind<SearchData>(SearchData).toConstantValue({ train, validation }); });
 * }
 * ```
 */
export interface SearchData {
  readonly train: Dataset;
  readonly validation: Dataset;
}

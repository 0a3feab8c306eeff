import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { loadData, loadMnist, type Dataset } from '@autonas/data';
import { initRuntime, tf } from '@autonas/tfjs';
import { ConfigurationError, DataError, ImageClassifier, StructuredDataClassifier } from './index.js';

const NAMES = ['zero', 'one', 'two'];
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'autonas-labels-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** Writes the first `per` images of classes 0..2 of `ds` as PNG files into `dir/<name>/`. */
function writeDigits(ds: Dataset, dir: string, per: number): void {
  const counts = [0, 0, 0];
  for (let i = 0; i < ds.size; i++) {
    const k = ds.y[i]!;
    if (k > 2 || counts[k]! >= per) continue;
    counts[k]!++;
    const img = new PNG({ width: 28, height: 28, colorType: 0 });
    for (let j = 0; j < 784; j++) {
      const v = Math.round(ds.x[i * 784 + j]! * 255);
      img.data.set([v, v, v, 255], 4 * j);
    }
    fs.mkdirSync(path.join(dir, NAMES[k]!), { recursive: true });
    fs.writeFileSync(path.join(dir, NAMES[k]!, `${i}.png`), PNG.sync.write(img, { colorType: 0 }));
  }
}

describe('class names: fit on string labels, save, load, predict names', () => {
  let mnist: { train: Dataset; test: Dataset };
  beforeAll(async () => {
    await initRuntime({ backend: 'wasm', log: () => {} });
    mnist = await loadMnist({ trainSize: 1000, testSize: 300 });
    writeDigits(mnist.train, path.join(root, 'train'), 60);
    writeDigits(mnist.test, path.join(root, 'test'), 20);
  });

  it('ImageClassifier on a PNG folder of MNIST digits named zero/one/two', async () => {
    const before = tf.memory().numTensors;
    const train = await loadData(path.join(root, 'train'));
    const test = await loadData(path.join(root, 'test'));
    if (train.kind !== 'image' || test.kind !== 'image') throw new Error('expected images');
    expect(train.sampleShape).toEqual([28, 28, 1]);
    expect(train.classes).toEqual(['one', 'two', 'zero']);
    const clf = new ImageClassifier({ maxTrials: 1, seed: 2, space: { fixed: { 'chain/blocks': 1 } } });
    await clf.fit(train.x, train.labels, { epochs: 2, sampleShape: train.sampleShape, baseline: false, retrainEpochs: 3 });
    expect(clf.classes).toEqual(['one', 'two', 'zero']);
    const dir = path.join(root, 'model');
    await clf.save(dir);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'autonas.json'), 'utf8')).classes).toEqual(['one', 'two', 'zero']);
    const again = new ImageClassifier();
    await again.load(dir);
    expect(again.classes).toEqual(['one', 'two', 'zero']);
    const names = await again.predictClasses(test.x, { sampleShape: test.sampleShape });
    expect(names).toHaveLength(60);
    const accuracy = names.filter((n, i) => n === test.labels[i]).length / names.length;
    expect(accuracy).toBeGreaterThan(0.6); // chance is 1/3
    const { accuracy: evaluated } = await again.evaluate(test.x, test.labels, { sampleShape: test.sampleShape });
    expect(evaluated).toBeCloseTo(accuracy, 5);
    // Labels the model never saw, or integers for a named model, are refused.
    await expect(again.evaluate(test.x.subarray(0, 784), ['three'], { sampleShape: [28, 28, 1] })).rejects.toThrow(DataError);
    await expect(again.evaluate(test.x.subarray(0, 784), [0], { sampleShape: [28, 28, 1] })).rejects.toThrow(ConfigurationError);
    clf.dispose();
    again.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('ImageClassifier takes uint8 pixels (0..255, scaled) and integer labels, predicting integers', async () => {
    const n = 300;
    const bytes = Uint8Array.from(mnist.train.x.subarray(0, n * 784), (v) => Math.round(v * 255));
    const clf = new ImageClassifier({ maxTrials: 1, seed: 1, space: { fixed: { 'chain/blocks': 1 } } });
    await clf.fit(bytes, mnist.train.y.subarray(0, n), { epochs: 1, sampleShape: [28, 28, 1], baseline: false, retrainEpochs: 2 });
    expect(clf.classes).toBeUndefined();
    const test = Uint8Array.from(mnist.test.x.subarray(0, 100 * 784), (v) => Math.round(v * 255));
    const labels = (await clf.predictClasses(test, { sampleShape: [28, 28, 1] })) as number[];
    expect(labels.every((l) => Number.isInteger(l))).toBe(true);
    const accuracy = labels.filter((l, i) => l === mnist.test.y[i]).length / 100;
    expect(accuracy).toBeGreaterThan(0.3); // chance is 0.1
    clf.dispose();
  });

  it('StructuredDataClassifier on seattle-weather.csv (vega-datasets), target weather', async () => {
    const vega = path.resolve(path.dirname(createRequire(import.meta.url).resolve('vega-datasets')), '..');
    const data = await loadData(path.join(vega, 'data', 'seattle-weather.csv'), { target: 'weather' });
    if (data.kind !== 'structured') throw new Error('expected a table');
    const rows = (data.x as readonly Record<string, unknown>[]).map(({ date: _, ...r }) => r);
    const clf = new StructuredDataClassifier({ maxTrials: 1, seed: 0 });
    await clf.fit(rows, data.labels, { epochs: 3, batchSize: 32, baseline: false, retrainEpochs: 3 });
    expect(clf.classes).toEqual(['drizzle', 'fog', 'rain', 'snow', 'sun']);
    const names = await clf.predictClasses(rows.slice(0, 200));
    const accuracy = names.filter((n, i) => n === data.labels[i]).length / names.length;
    expect(accuracy).toBeGreaterThan(0.2); // chance among 5 classes
    clf.dispose();
  });
});

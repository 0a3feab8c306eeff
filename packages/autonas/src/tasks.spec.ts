import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRegressionDataset, downsample, loadMnist, type Dataset } from '@autonas/data';
import { initRuntime, tf } from '@autonas/tfjs';
import { ImageClassifier, ImageRegressor, StructuredDataClassifier, StructuredDataRegressor } from './index.js';

type Row = Record<string, unknown>;
// vega-datasets exports no subpaths: read its files from the package folder.
const vega = path.resolve(path.dirname(createRequire(import.meta.url).resolve('vega-datasets')), '..');
const table = (file: string) => JSON.parse(fs.readFileSync(path.join(vega, 'data', file), 'utf8')) as Row[];
const penguins = table('penguins.json').filter((r) => typeof r.Species === 'string');
const cars = table('cars.json').filter((r) => typeof r.Miles_per_Gallon === 'number');

/** Digits rotated by a known angle (bilinear, about the centre): the angle in units of 45° is the target. */
function rotated(ds: Dataset, n: number, seed: number): { x: Float32Array; angle: number[] } {
  const x = new Float32Array(n * 28 * 28);
  const angle: number[] = [];
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let i = 0; i < n; i++) {
    const a = rand() * 2 - 1;
    angle.push(a);
    const [c, sn] = [Math.cos((a * Math.PI) / 4), Math.sin((a * Math.PI) / 4)];
    for (let r = 0; r < 28; r++)
      for (let q = 0; q < 28; q++) {
        const [yy, xx] = [r - 13.5, q - 13.5];
        const [sy, sx] = [c * yy - sn * xx + 13.5, sn * yy + c * xx + 13.5];
        const [y0, x0] = [Math.floor(sy), Math.floor(sx)];
        let v = 0;
        for (const [dy, dx] of [[0, 0], [0, 1], [1, 0], [1, 1]] as const) {
          const [py, px] = [y0 + dy, x0 + dx];
          if (py < 0 || py > 27 || px < 0 || px > 27) continue;
          v += ds.x[i * 784 + py * 28 + px]! * (dy ? sy - y0 : 1 - (sy - y0)) * (dx ? sx - x0 : 1 - (sx - x0));
        }
        x[i * 784 + r * 28 + q] = v;
      }
  }
  return { x, angle };
}

const meanAbs = (ys: number[], m: number) => ys.reduce((a, y) => a + Math.abs(y - m), 0) / ys.length;
const mean = (ys: number[]) => ys.reduce((a, b) => a + b, 0) / ys.length;
const tmp = (name: string) => fs.mkdtempSync(path.join(os.tmpdir(), `autonas-${name}-`));

describe('the four tasks, end to end (fit, evaluate, save, load, predict)', () => {
  let mnist: { train: Dataset; test: Dataset };
  beforeAll(async () => {
    await initRuntime({ backend: 'wasm', log: () => {} });
    mnist = await loadMnist({ trainSize: 1200, testSize: 300 });
  });

  it('ImageClassifier: MNIST digits, a reloaded model predicts what the fitted one does', async () => {
    const before = tf.memory().numTensors;
    const clf = new ImageClassifier({ maxTrials: 1, seed: 1, space: { fixed: { 'chain/blocks': 1 } }, estimator: { maxSamples: 600 } });
    await clf.fit(mnist.train.x, mnist.train.y, { epochs: 1, sampleShape: [28, 28, 1], baseline: false, retrainEpochs: 2 });
    const { accuracy } = await clf.evaluate(mnist.test.x, mnist.test.y, { sampleShape: [28, 28, 1] });
    expect(accuracy).toBeGreaterThan(0.6);
    const dir = tmp('image-clf');
    await clf.save(dir);
    const again = new ImageClassifier();
    await again.load(dir);
    const sample = mnist.test.x.subarray(0, 20 * 784);
    const [p, q] = [await clf.predict(sample, { sampleShape: [28, 28, 1] }), await again.predict(sample, { sampleShape: [28, 28, 1] })];
    expect(p.shape).toEqual([20, 10]);
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(p, q))));
    expect((await diff.data())[0]).toBeLessThan(1e-5);
    diff.dispose();
    tf.dispose([p, q]);
    clf.dispose();
    again.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('ImageRegressor: predicts the rotation angle of rotated MNIST digits far better than the mean', async () => {
    const before = tf.memory().numTensors;
    // At 14×14 (2×2 averages) to keep the test short.
    const small = (r: { x: Float32Array; angle: number[] }) => ({ x: downsample(createRegressionDataset(r.x, r.angle, { sampleShape: [28, 28, 1] }), 2).x, angle: r.angle });
    const train = small(rotated(mnist.train, 1200, 7));
    const test = small(rotated(mnist.test, 300, 11));
    const reg = new ImageRegressor({ maxTrials: 1, seed: 2, space: { fixed: { 'chain/blocks': 2, 'chain/block_1/filters': 32, 'chain/block_2/filters': 64, 'chain/reduction': 'flatten' } } });
    const result = await reg.fit(train.x, train.angle, { epochs: 3, sampleShape: [14, 14, 1], baseline: false, retrainEpochs: 10 });
    expect(result.objective).toMatchObject({ metric: 'valLoss', direction: 'minimize' });
    expect(result.best.metrics.valMae).toBeGreaterThan(0);
    const m = await reg.evaluate(test.x, test.angle, { sampleShape: [14, 14, 1] });
    const byMean = meanAbs(test.angle, mean(train.angle));
    expect(m.mae!).toBeLessThan(0.8 * byMean); 
    const dir = tmp('image-reg');
    await reg.save(dir);
    const again = new ImageRegressor();
    await again.load(dir);
    const p = await again.predict(test.x.subarray(0, 10 * 196), { sampleShape: [14, 14, 1] });
    expect(p.shape).toEqual([10, 1]);
    p.dispose();
    reg.dispose();
    again.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('StructuredDataClassifier: penguin species from a vega-datasets table, columns encoded from the training rows only', async () => {
    const before = tf.memory().numTensors;
    const rows = penguins.map(({ Species: _, ...features }) => features);
    const species = [...new Set(penguins.map((r) => String(r.Species)))].sort();
    const y = penguins.map((r) => species.indexOf(String(r.Species)));
    const order = rows.map((_, i) => i).sort((a, b) => ((a * 7919) % 344) - ((b * 7919) % 344));
    const [fitIdx, testIdx] = [order.slice(0, 274), order.slice(274)];
    const clf = new StructuredDataClassifier({ maxTrials: 2, seed: 3 });
    const result = await clf.fit(fitIdx.map((i) => rows[i]!), fitIdx.map((i) => y[i]!), { epochs: 15, batchSize: 16, retrainEpochs: 15 });
    expect(result.baseline!.trial.status).toBe('completed');
    const { accuracy } = await clf.evaluate(testIdx.map((i) => rows[i]!), testIdx.map((i) => y[i]!));
    expect(accuracy).toBeGreaterThan(0.85); // the majority class is 44%
    const dir = tmp('table-clf');
    await clf.save(dir);
    const saved = JSON.parse(fs.readFileSync(path.join(dir, 'autonas.json'), 'utf8'));
    expect(saved.encoder.columns.map((c: { name: string }) => c.name)).toEqual(Object.keys(rows[0]!));
    const again = new StructuredDataClassifier();
    await again.load(dir);
    const p = await again.predict(testIdx.slice(0, 5).map((i) => rows[i]!));
    expect(p.shape).toEqual([5, 3]);
    p.dispose();
    clf.dispose();
    again.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('StructuredDataRegressor: miles per gallon of the vega-datasets cars, with objective val_mae', async () => {
    const before = tf.memory().numTensors;
    const rows = cars.map(({ Miles_per_Gallon: _, Name: _n, Year: _y, ...features }) => features);
    const mpg = cars.map((r) => Number(r.Miles_per_Gallon));
    const [fit, test] = [rows.map((_, i) => i).filter((i) => i % 5 !== 0), rows.map((_, i) => i).filter((i) => i % 5 === 0)];
    const reg = new StructuredDataRegressor({ maxTrials: 2, seed: 4, objective: 'val_mae' });
    const result = await reg.fit(fit.map((i) => rows[i]!), fit.map((i) => mpg[i]!), { epochs: 20, batchSize: 16, retrainEpochs: 20 });
    expect(result.objective).toMatchObject({ metric: 'valMae', direction: 'minimize' });
    expect(result.bestValue).toBeCloseTo(result.best.metrics.valMae!, 6);
    const m = await reg.evaluate(test.map((i) => rows[i]!), test.map((i) => mpg[i]!));
    const byMean = meanAbs(test.map((i) => mpg[i]!), mean(fit.map((i) => mpg[i]!)));
    expect(m.mae!).toBeLessThan(0.6 * byMean); // predicting the mean: ~6.5 mpg off
    reg.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

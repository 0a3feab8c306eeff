import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { ImageClassifier, StructuredDataClassifier, loadMnist, type Dataset } from 'autonas';
import { loadData } from '@autonas/data';
import { runCli } from './cli.js';

const NAMES = ['zero', 'one', 'two', 'three'];
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'autonas-cli-data-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

/** The first `per` MNIST digits of each of the classes 0..3 of `ds`, as PNG files in `dir/<name>/`. */
function writeDigits(ds: Dataset, dir: string, per: number): void {
  const counts = NAMES.map(() => 0);
  for (let i = 0; i < ds.size; i++) {
    const k = ds.y[i]!;
    if (k >= NAMES.length || counts[k]! >= per) continue;
    counts[k]!++;
    const img = new PNG({ width: 28, height: 28 });
    for (let j = 0; j < 784; j++) {
      const v = Math.round(ds.x[i * 784 + j]! * 255);
      img.data.set([v, v, v, 255], 4 * j);
    }
    fs.mkdirSync(path.join(dir, NAMES[k]!), { recursive: true });
    fs.writeFileSync(path.join(dir, NAMES[k]!, `${i}.png`), PNG.sync.write(img));
  }
}

const FAST = ['--max-trials', '1', '--workers', '1', '--no-baseline', '--epochs', '3', '--retrain-epochs', '10', '--backend', 'wasm'];

describe('autonas search --data', () => {
  beforeAll(async () => {
    const { train, test } = await loadMnist({ trainSize: 1500, testSize: 400 });
    writeDigits(train, path.join(root, 'digits'), 80);
    writeDigits(test, path.join(root, 'test'), 25);
  });

  it('searches an image classifier on a folder of PNG digits named by class, saved with its class names', async () => {
    const out = path.join(root, 'out-images');
    const c = capture();
    expect(await runCli(['search', '--data', path.join(root, 'digits'), ...FAST, '--out', out], c.io), c.err.join('\n')).toBe(0);
    const text = c.out.join("\n");
    expect(text).toContain('image-folder, images of shape [28,28,1]');
    expect(text).toContain('256 training images');
    expect(text).toMatch(/test accuracy: .* on 64 held-out images/);
    expect(text).toContain('classes one, three, two, zero');
    const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
    expect(report.classes).toEqual(['one', 'three', 'two', 'zero']);
    expect(report.test.accuracy).toBeGreaterThan(0.5); // chance is 1/4
    // The saved model, reloaded, names the digits of a folder it never saw.
    const clf = new ImageClassifier();
    await clf.load(out);
    const test = await loadData(path.join(root, 'test'));
    if (test.kind !== 'image') throw new Error('expected images');
    const names = await clf.predictClasses(test.x, { sampleShape: test.sampleShape });
    const accuracy = names.filter((n, i) => n === test.labels[i]).length / names.length;
    expect(accuracy).toBeGreaterThan(0.5);
    clf.dispose();
  });

  it('searches a structured-data classifier on seattle-weather.csv from vega-datasets, --target weather', async () => {
    const vega = path.resolve(path.dirname(createRequire(import.meta.url).resolve('vega-datasets')), '..');
    const csv = path.join(vega, 'data', 'seattle-weather.csv');
    const out = path.join(root, 'out-table');
    const c = capture();
    expect(await runCli(['search', '--data', csv, '--target', 'weather', ...FAST, '--out', out], c.io), c.err.join('\n')).toBe(0);
    const text = c.out.join("\n");
    expect(text).toContain('(csv, target column "weather")');
    expect(text).toMatch(/test accuracy: .* on 292 held-out rows/);
    const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
    expect(report.classes).toEqual(['drizzle', 'fog', 'rain', 'snow', 'sun']);
    expect(report.test.accuracy).toBeGreaterThan(0.2); // chance among 5 classes
    const clf = new StructuredDataClassifier();
    await clf.load(out);
    expect(clf.classes).toEqual(['drizzle', 'fog', 'rain', 'snow', 'sun']);
    clf.dispose();
  });

  it('reports bad --data with typed error codes', async () => {
    const cases: [string[], string][] = [
      [['--data', path.join(root, 'nowhere')], '[FILE_UNREADABLE]'],
      [['--data', path.join(root, 'digits'), '--dataset', 'mnist'], 'give one'],
      [['--target', 'x'], 'give --data PATH too'],
      [['--data', path.join(path.resolve(path.dirname(createRequire(import.meta.url).resolve('vega-datasets')), '..'), 'data', 'seattle-weather.csv'), '--target', 'nope'], '[MISSING_TARGET]'],
    ];
    fs.mkdirSync(path.join(root, 'empty'));
    cases.push([['--data', path.join(root, 'empty')], '[EMPTY_DATA]']);
    for (const [args, message] of cases) {
      const c = capture();
      expect(await runCli(['search', ...args, '--out', path.join(root, 'never')], c.io)).toBe(1);
      expect(c.err[0]).toContain(message);
    }
    expect(fs.existsSync(path.join(root, 'never'))).toBe(false);
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { ImageClassifier, StructuredDataClassifier, loadMnist, type Dataset } from 'autonas';
import { loadData } from '@autonas/data';
import { hasChromium, launchTestBrowser } from '@autonas/dashboard/testing';
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

let nodeNames: readonly (string | number)[] = [];
let testFiles: readonly string[] = [];

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
    nodeNames = names;
    testFiles = test.files ?? [];
  });

  it.skipIf(!hasChromium())('the saved model loads in headless Chromium with plain TensorFlow.js and names the PNG digits as Node does', async () => {
    expect(nodeNames.length).toBeGreaterThan(0);
    expect(testFiles).toHaveLength(nodeNames.length);
    const out = path.join(root, 'out-images');
    const meta = JSON.parse(fs.readFileSync(path.join(out, 'autonas.json'), 'utf8')) as { classes: string[]; sampleShape: number[] };
    // No custom layer classes: plain tfjs-layers must know every class in model.json.
    const topology = JSON.parse(fs.readFileSync(path.join(out, 'model.json'), 'utf8')).modelTopology as { model_config?: { config: { layers: { class_name: string }[] } }; config?: { layers: { class_name: string }[] } };
    const classNames = (topology.model_config ?? topology).config!.layers.map((l) => l.class_name);
    expect(classNames).toContain('Conv2D');
    expect(classNames.filter((c) => c.startsWith('Autonas'))).toEqual([]);
    const tfDist = (pkg: string, file: string) => path.join(path.dirname(createRequire(import.meta.url).resolve(`${pkg}/package.json`)), 'dist', file);
    const scripts = [tfDist('@tensorflow/tfjs-core', 'tf-core.min.js'), tfDist('@tensorflow/tfjs-backend-cpu', 'tf-backend-cpu.min.js'), tfDist('@tensorflow/tfjs-layers', 'tf-layers.min.js')];
    const browser = await launchTestBrowser();
    try {
      // A static site on a made-up origin, answered from disk: the page, the tfjs bundles, the saved model, the PNG files.
      const site = 'http://autonas.test';
      await browser.context.route(`${site}/**`, async (route) => {
        const url = new URL(route.request().url());
        const file = url.pathname === '/' ? undefined : url.pathname.startsWith('/model/') ? path.join(out, url.pathname.slice(7)) : url.pathname.startsWith('/png/') ? decodeURIComponent(url.pathname.slice(4)) : url.pathname.startsWith('/js/') ? scripts[Number(url.pathname.slice(4))] : undefined;
        if (url.pathname === '/') return route.fulfill({ contentType: 'text/html', body: `<!doctype html><html><body>${scripts.map((_, i) => `<script src="/js/${i}"></script>`).join('')}</body></html>` });
        if (!file || !fs.existsSync(file)) return route.fulfill({ status: 404, body: 'not found' });
        const type = file.endsWith('.json') ? 'application/json' : file.endsWith('.png') ? 'image/png' : file.endsWith('.js') ? 'text/javascript' : 'application/octet-stream';
        return route.fulfill({ contentType: type, body: fs.readFileSync(file) });
      });
      await browser.page.goto(`${site}/`);
      const predicted = await browser.page.evaluate(async ({ files, classes, shape }) => {
        // The page's global `tf` from the bundles: only what this page calls (the CLI does not import TensorFlow.js).
        interface Tensor { data(): Promise<ArrayLike<number>>; dispose(): void }
        const tf = (globalThis as unknown as { tf: { setBackend(name: string): Promise<boolean>; tensor4d(values: Float32Array, shape: number[]): Tensor; argMax(x: Tensor, axis: number): Tensor; loadLayersModel(url: string): Promise<{ predict(x: Tensor): Tensor }> } }).tf;
        await tf.setBackend('cpu');
        const model = await tf.loadLayersModel('/model/model.json');
        const [h, w] = shape as [number, number, number];
        const canvas = new OffscreenCanvas(w, h);
        const ctx = canvas.getContext('2d')!;
        const pixels = new Float32Array(files.length * h * w);
        for (let i = 0; i < files.length; i++) {
          const bitmap = await createImageBitmap(await (await fetch(`/png${encodeURI(files[i]!)}`)).blob());
          ctx.drawImage(bitmap, 0, 0);
          const rgba = ctx.getImageData(0, 0, w, h).data;
          // Raw 0-255 grey levels, scaled as the CLI scaled the PNG files it trained on.
          for (let j = 0; j < h * w; j++) pixels[i * h * w + j] = rgba[4 * j]! / 255;
        }
        const x = tf.tensor4d(pixels, [files.length, h, w, 1]);
        const y = model.predict(x);
        const top = tf.argMax(y, -1);
        const ids = Array.from(await top.data());
        x.dispose();
        y.dispose();
        top.dispose();
        return ids.map((k) => classes[k]!);
      }, { files: testFiles, classes: meta.classes, shape: meta.sampleShape });
      expect(predicted).toEqual(nodeNames);
    } finally {
      await browser.close();
    }
  }, 120_000);

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

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import * as tfl from '@tensorflow/tfjs-layers';
import { RuntimeError, type Architecture } from '@autonas/core';
import { initRuntime } from './backend.js';
import { compileArchitecture, tf } from './compile.js';
import { loadModel, registerFileRouter, saveModel } from './file-io.js';

const arch: Architecture = {
  nodes: [
    { id: 'in', op: 'input', params: { shape: [8, 8, 1] }, inputs: [] },
    { id: 'c', op: 'conv2d', params: { filters: 3, kernelSize: 3, useBias: false }, inputs: ['in'] },
    { id: 'bn', op: 'batchnorm', params: {}, inputs: ['c'] },
    { id: 'out', op: 'classifier', params: { classes: 4 }, inputs: ['bn'] },
  ],
};

const tmp = () => fs.mkdtemp(path.join(os.tmpdir(), 'autonas-io-'));

describe('file IO', () => {
  beforeAll(async () => {
    await initRuntime({ backend: 'wasm', log: () => {} });
  });
  afterEach(() => vi.restoreAllMocks());

  it('saves model.json + weights.bin and loads a model that predicts the same', async () => {
    const dir = await tmp();
    const model = compileArchitecture(arch, { seed: 5 });
    await saveModel(model, `file://${dir}`);
    const files = (await fs.readdir(dir)).sort();
    expect(files).toEqual(['model.json', 'weights.bin']);
    const json = JSON.parse(await fs.readFile(path.join(dir, 'model.json'), 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest[0].paths).toEqual(['./weights.bin']);
    const loaded = await loadModel(dir);
    const x = tf.randomNormal([3, 8, 8, 1], 0, 1, 'float32', 9);
    const a = model.predict(x) as tf.Tensor;
    const b = loaded.predict(x) as tf.Tensor;
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([x, a, b]);
    model.dispose();
    loaded.dispose();
  });

  it('serves file:// URLs to tf.loadLayersModel and model.save', async () => {
    registerFileRouter();
    const dir = await tmp();
    const model = compileArchitecture(arch, { seed: 6 });
    await model.save(`file://${dir}`);
    const loaded = await tfl.loadLayersModel(`file://${path.join(dir, 'model.json')}`);
    expect(loaded.countParams()).toBe(model.countParams());
    model.dispose();
    loaded.dispose();
  });

  it('keeps an earlier model intact when a later save fails midway', async () => {
    const dir = await tmp();
    const first = compileArchitecture(arch, { seed: 1 });
    await saveModel(first, dir);
    const before = await fs.readFile(path.join(dir, 'model.json'), 'utf8');
    const second = compileArchitecture({ ...arch, nodes: arch.nodes.map((n) => (n.id === 'c' ? { ...n, params: { ...n.params, filters: 5 } } : n)) }, { seed: 2 });
    vi.spyOn(fs, 'rename').mockImplementationOnce(async () => {
      throw new Error('disk full');
    });
    await expect(saveModel(second, dir)).rejects.toThrow('disk full');
    expect(await fs.readFile(path.join(dir, 'model.json'), 'utf8')).toBe(before);
    const reloaded = await loadModel(dir);
    expect(reloaded.countParams()).toBe(first.countParams());
    first.dispose();
    second.dispose();
    reloaded.dispose();
  });

  it('reports unreadable or truncated models with a typed error', async () => {
    const dir = await tmp();
    await expect(loadModel(dir)).rejects.toThrow(RuntimeError);
    const model = compileArchitecture(arch, { seed: 1 });
    await saveModel(model, dir);
    const bin = path.join(dir, 'weights.bin');
    const bytes = await fs.readFile(bin);
    await fs.writeFile(bin, bytes.subarray(0, bytes.length - 8));
    await expect(loadModel(dir)).rejects.toThrow(/bytes, the manifest needs/);
    await fs.writeFile(path.join(dir, 'model.json'), '{"modelTopology":');
    await expect(loadModel(dir)).rejects.toThrow(/cannot read a model/);
    model.dispose();
  });
});

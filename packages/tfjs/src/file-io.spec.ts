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

  it('saves model.json + its weights file and loads a model that predicts the same', async () => {
    const dir = await tmp();
    const model = compileArchitecture(arch, { seed: 5 });
    await saveModel(model, `file://${dir}`);
    const files = (await fs.readdir(dir)).sort();
    expect(files).toEqual(['model.json', expect.stringMatching(/^weights-[0-9a-f]{16}\.bin$/)]);
    const json = JSON.parse(await fs.readFile(path.join(dir, 'model.json'), 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest[0].paths).toEqual([`./${files[1]}`]);
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
    await expect(saveModel(second, dir)).rejects.toThrow(/disk full/);
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
    const bin = path.join(dir, (await fs.readdir(dir)).find((f) => f.startsWith('weights'))!);
    const bytes = await fs.readFile(bin);
    await fs.writeFile(bin, bytes.subarray(0, bytes.length - 8));
    await expect(loadModel(dir)).rejects.toThrow(/bytes, the manifest needs/);
    await fs.writeFile(path.join(dir, 'model.json'), '{"modelTopology":');
    await expect(loadModel(dir)).rejects.toThrow(/cannot read a model/);
    model.dispose();
  });

  it('issue 16: a save that fails at its last step (model.json renamed) leaves the earlier model readable, and no files behind', async () => {
    const dir = await tmp();
    const first = compileArchitecture(arch, { seed: 1 });
    await saveModel(first, dir);
    const before = (await fs.readdir(dir)).sort();
    const second = compileArchitecture({ ...arch, nodes: arch.nodes.map((n) => (n.id === 'c' ? { ...n, params: { ...n.params, filters: 5 } } : n)) }, { seed: 2 });
    const rename = fs.rename.bind(fs);
    vi.spyOn(fs, 'rename').mockImplementation(async (from, to) => {
      if (String(to).endsWith('model.json')) throw Object.assign(new Error('killed here'), { code: 'EIO' });
      return rename(from, to);
    });
    await expect(saveModel(second, dir)).rejects.toMatchObject({ code: 'MODEL_SAVE_FAILED' });
    vi.restoreAllMocks();
    expect((await fs.readdir(dir)).sort()).toEqual(before);
    const reloaded = await loadModel(dir);
    expect(reloaded.countParams()).toBe(first.countParams());
    // The next save replaces it whole and leaves exactly two files, whatever an interrupted save left.
    await fs.writeFile(path.join(dir, 'weights-0123456789abcdef.bin.tmp-1-2-x'), 'leftover');
    await saveModel(second, dir);
    expect((await fs.readdir(dir)).length).toBe(2);
    expect((await loadModel(dir)).countParams()).toBe(second.countParams());
    first.dispose();
    second.dispose();
    reloaded.dispose();
  });

  it('issue 16: a path under a regular file, or a folder that is a file, is BAD_SAVE_PATH', async () => {
    const dir = await tmp();
    const file = path.join(dir, 'plain');
    await fs.writeFile(file, 'x');
    const model = compileArchitecture(arch, { seed: 1 });
    await expect(saveModel(model, path.join(file, 'sub'))).rejects.toMatchObject({ code: 'BAD_SAVE_PATH' });
    await expect(saveModel(model, file)).rejects.toMatchObject({ code: 'BAD_SAVE_PATH' });
    await fs.mkdir(path.join(dir, 'm', 'model.json'), { recursive: true });
    await expect(saveModel(model, path.join(dir, 'm'))).rejects.toMatchObject({ code: 'BAD_SAVE_PATH' });
    expect(await fs.readFile(file, 'utf8')).toBe('x');
    model.dispose();
  });
});

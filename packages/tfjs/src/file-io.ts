import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { RuntimeError } from '@autonas/core';

const SCHEME = 'file://';

/**
 * A tfjs `IOHandler` that saves a model as `model.json` plus `weights.bin` in a folder (the
 * format `tf.loadLayersModel` reads in a browser, served over http) and loads it back. Files
 * are written to temporary names and renamed into place, so a failed save leaves an earlier
 * model in the folder intact.
 *
 * @example
 * ```ts
 * import { fileSystemIO } from '@autonas/tfjs';
 * import type { LayersModel } from '@tensorflow/tfjs-layers';
 * async function save(model: LayersModel) {
 *   await model.save(fileSystemIO('./out/model'));
 * }
 * ```
 */
export function fileSystemIO(dir: string): tf.io.IOHandler {
  const folder = dir.startsWith(SCHEME) ? dir.slice(SCHEME.length) : dir;
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      const fs = (await import('node:fs/promises')).default;
      const path = (await import('node:path')).default;
      if (artifacts.modelTopology instanceof ArrayBuffer) throw new RuntimeError('UNSUPPORTED_MODEL', 'binary model topologies cannot be saved to files');
      await fs.mkdir(folder, { recursive: true });
      const weightData = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      const modelJson = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: ['./weights.bin'], weights: artifacts.weightSpecs ?? [] }],
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
        ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
      };
      const tag = `.tmp-${process.pid}-${Date.now()}`;
      const jsonPath = path.join(folder, 'model.json');
      const binPath = path.join(folder, 'weights.bin');
      await fs.writeFile(binPath + tag, new Uint8Array(weightData));
      await fs.writeFile(jsonPath + tag, JSON.stringify(modelJson));
      // Weights first: a reader that sees the new model.json always finds matching weights.
      await fs.rename(binPath + tag, binPath);
      await fs.rename(jsonPath + tag, jsonPath);
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          modelTopologyBytes: JSON.stringify(artifacts.modelTopology).length,
          weightSpecsBytes: JSON.stringify(artifacts.weightSpecs ?? []).length,
          weightDataBytes: weightData.byteLength,
        },
      };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      const fs = (await import('node:fs/promises')).default;
      const path = (await import('node:path')).default;
      const jsonPath = path.join(folder, 'model.json');
      let json: { modelTopology?: object; weightsManifest?: tf.io.WeightsManifestConfig; format?: string; generatedBy?: string; convertedBy?: string | null; trainingConfig?: tf.io.TrainingConfig; userDefinedMetadata?: { [key: string]: {} } };
      try {
        json = JSON.parse(await fs.readFile(jsonPath, 'utf8'));
      } catch (e) {
        throw new RuntimeError('MODEL_UNREADABLE', `cannot read a model from ${jsonPath}: ${(e as Error).message}`, { cause: e });
      }
      if (!json || typeof json !== 'object' || !json.modelTopology) throw new RuntimeError('MODEL_UNREADABLE', `${jsonPath} has no modelTopology`);
      const specs: tf.io.WeightsManifestEntry[] = [];
      const buffers: Uint8Array[] = [];
      for (const group of json.weightsManifest ?? []) {
        for (const p of group.paths) {
          const file = path.resolve(folder, p);
          if (path.relative(folder, file).startsWith('..')) throw new RuntimeError('MODEL_UNREADABLE', `weights path ${p} leaves the model folder`);
          buffers.push(new Uint8Array(await fs.readFile(file)));
        }
        specs.push(...group.weights);
      }
      const total = buffers.reduce((a, b) => a + b.byteLength, 0);
      const joined = new Uint8Array(total);
      let off = 0;
      for (const b of buffers) {
        joined.set(b, off);
        off += b.byteLength;
      }
      const expected = specs.reduce((a, s) => a + s.shape.reduce((p, d) => p * d, 1) * (s.dtype === 'float32' || s.dtype === 'int32' ? 4 : 1), 0);
      if (expected !== total) throw new RuntimeError('MODEL_UNREADABLE', `weights in ${folder} have ${total} bytes, the manifest needs ${expected}`);
      return {
        modelTopology: json.modelTopology,
        weightSpecs: specs,
        weightData: joined.buffer,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy ?? undefined,
        trainingConfig: json.trainingConfig,
        userDefinedMetadata: json.userDefinedMetadata,
      };
    },
  };
}

let routed = false;

/**
 * Lets `model.save('file://dir')` and `tf.loadLayersModel('file://dir/model.json')` work on any
 * backend. Where `@tensorflow/tfjs-node` is loaded it already handles `file://`, and this does
 * nothing.
 */
export function registerFileRouter(): void {
  if (routed) return;
  routed = true;
  if (tf.io.getSaveHandlers(`${SCHEME}probe`).length === 0) {
    tf.io.registerSaveRouter(((url: string | string[]) => (typeof url === 'string' && url.startsWith(SCHEME) ? fileSystemIO(url) : null)) as Parameters<typeof tf.io.registerSaveRouter>[0]);
  }
  if (tf.io.getLoadHandlers(`${SCHEME}probe/model.json`).length === 0) {
    tf.io.registerLoadRouter(((url: string | string[]) => {
      if (typeof url !== 'string' || !url.startsWith(SCHEME)) return null;
      const p = url.slice(SCHEME.length);
      return fileSystemIO(p.endsWith('model.json') ? p.slice(0, -'model.json'.length) || '.' : p);
    }) as Parameters<typeof tf.io.registerSaveRouter>[0]);
  }
}

/**
 * Saves a model to a folder (`file://` prefix optional) in tfjs layers format.
 * @example
 * ```ts
 * import { saveModel } from '@autonas/tfjs';
 * import type { LayersModel } from '@tensorflow/tfjs-layers';
 * async function keep(model: LayersModel) { await saveModel(model, './out/mnist'); }
 * ```
 */
export async function saveModel(model: tfl.LayersModel, dir: string): Promise<tf.io.SaveResult> {
  return model.save(fileSystemIO(dir));
}

/**
 * Loads a model saved by {@link saveModel} (or any tfjs layers model folder).
 * @example
 * ```ts
 * import { loadModel } from '@autonas/tfjs';
 * async function restore() { return loadModel('./out/mnist'); }
 * ```
 */
export async function loadModel(dir: string): Promise<tfl.LayersModel> {
  const tflayers = await import('@tensorflow/tfjs-layers');
  const folder = dir.endsWith('model.json') ? dir.slice(0, -'model.json'.length) || '.' : dir;
  return tflayers.loadLayersModel(fileSystemIO(folder));
}

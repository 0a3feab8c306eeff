import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { RuntimeError } from '@autonas/core';

const SCHEME = 'file://';

/** Weights files this module writes (`weights-<sha256 prefix>.bin`) or wrote before (`weights.bin`). */
const WEIGHTS_FILE = /^weights(-[0-9a-f]{16})?\.bin$/;
/** Temporary files of a save (this one's or one a kill interrupted). */
const TEMP_FILE = /^(model\.json|weights(-[0-9a-f]{16})?\.bin)\.tmp-/;

/** System error codes that mean the path itself is unusable (a file where a folder must be, no permission, read-only). */
const PATH_ERRORS = new Set(['ENOTDIR', 'EISDIR', 'EEXIST', 'EACCES', 'EPERM', 'EROFS', 'ENAMETOOLONG', 'ELOOP']);

/** A typed error for a failed file operation of a save. */
function saveError(folder: string, doing: string, e: unknown): RuntimeError {
  if (e instanceof RuntimeError) return e;
  const code = (e as { code?: string }).code;
  const why = code && PATH_ERRORS.has(code) ? 'BAD_SAVE_PATH' : 'MODEL_SAVE_FAILED';
  return new RuntimeError(why, `cannot save a model to ${folder} (${doing}): ${(e as Error).message}`, { cause: e });
}

/**
 * A tfjs `IOHandler` that saves a model as `model.json` plus one weights file in a folder (the
 * format `tf.loadLayersModel` reads in a browser, served over http) and loads it back.
 *
 * A save cannot be split by a crash or a kill: the weights go to a new file named by their
 * content (`weights-<sha256 prefix>.bin`), then `model.json` is written to a temporary name and
 * renamed over the old one, a single atomic step. Before that rename the folder holds the earlier
 * model whole; after it, the new one. Only then are the earlier weights and any temporary files
 * of interrupted saves removed. A save that fails leaves the earlier model readable, and a path
 * that cannot hold a model (a regular file on the way, no permission) is a `BAD_SAVE_PATH` error.
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
      const { createHash } = await import('node:crypto');
      if (artifacts.modelTopology instanceof ArrayBuffer) throw new RuntimeError('UNSUPPORTED_MODEL', 'binary model topologies cannot be saved to files');
      try {
        await fs.mkdir(folder, { recursive: true });
        if (!(await fs.stat(folder)).isDirectory()) throw Object.assign(new Error(`${folder} is not a folder`), { code: 'ENOTDIR' });
      } catch (e) {
        throw saveError(folder, 'creating the folder', e);
      }
      const weightData = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      const bytes = new Uint8Array(weightData);
      const weightsName = `weights-${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}.bin`;
      const modelJson = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [`./${weightsName}`], weights: artifacts.weightSpecs ?? [] }],
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
        ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
      };
      const tag = `.tmp-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
      const jsonPath = path.join(folder, 'model.json');
      const binPath = path.join(folder, weightsName);
      const writeDurably = async (file: string, data: Uint8Array | string) => {
        const handle = await fs.open(file, 'w');
        try {
          await handle.writeFile(data);
          await handle.sync();
        } finally {
          await handle.close();
        }
      };
      const earlier = await referencedWeights(jsonPath);
      try {
        await writeDurably(binPath + tag, bytes);
        await fs.rename(binPath + tag, binPath); // a new name: the earlier model.json does not reference it
        await writeDurably(jsonPath + tag, JSON.stringify(modelJson));
        await fs.rename(jsonPath + tag, jsonPath); // the commit: one atomic rename
      } catch (e) {
        await fs.rm(binPath + tag, { force: true }).catch(() => {});
        await fs.rm(jsonPath + tag, { force: true }).catch(() => {});
        if (!earlier.has(weightsName)) await fs.rm(binPath, { force: true }).catch(() => {});
        throw saveError(folder, 'writing model.json and its weights', e);
      }
      // Best effort: make the renames durable, then remove what no model references any more.
      await fs.open(folder, 'r').then(async (h) => h.sync().finally(() => h.close())).catch(() => {});
      for (const name of await fs.readdir(folder).catch(() => [] as string[])) {
        if ((WEIGHTS_FILE.test(name) && name !== weightsName) || TEMP_FILE.test(name)) await fs.rm(path.join(folder, name), { force: true }).catch(() => {});
      }
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
      let json: { modelTopology?: object; weightsManifest?: tf.io.WeightsManifestConfig; format?: string; generatedBy?: string; convertedBy?: string | null; trainingConfig?: tf.io.TrainingConfig; userDefinedMetadata?: { [key: string]: object } };
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
          try {
            buffers.push(new Uint8Array(await fs.readFile(file)));
          } catch (e) {
            throw new RuntimeError('MODEL_UNREADABLE', `cannot read the weights ${p} of ${jsonPath}: ${(e as Error).message}`, { cause: e });
          }
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

/** The weights files an existing `model.json` references (none when it is missing or unreadable). */
async function referencedWeights(jsonPath: string): Promise<Set<string>> {
  const fs = (await import('node:fs/promises')).default;
  try {
    const json = JSON.parse(await fs.readFile(jsonPath, 'utf8')) as { weightsManifest?: { paths?: string[] }[] };
    return new Set((json.weightsManifest ?? []).flatMap((g) => g.paths ?? []).map((p) => p.replace(/^\.\//, '')));
  } catch {
    return new Set();
  }
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
 * Saves a model to a folder (`file://` prefix optional) in tfjs layers format, atomically (see
 * {@link fileSystemIO}).
 * @throws RuntimeError `BAD_SAVE_PATH` when the folder cannot be created or written (a file on
 *   the way, no permission), `MODEL_SAVE_FAILED` for other failures; the earlier model stays whole
 * @example
 * ```ts
 * import { saveModel } from '@autonas/tfjs';
 * import type { LayersModel } from '@tensorflow/tfjs-layers';
 * async function keep(model: LayersModel) { await saveModel(model, './out/mnist'); }
 * ```
 */
export async function saveModel(model: tfl.LayersModel, dir: string): Promise<tf.io.SaveResult> {
  return model.save(withStandardLayers(fileSystemIO(dir)));
}

/** A layer of a tfjs layers topology, as `model.json` holds it. */
interface LayerJson {
  class_name: string;
  config: Record<string, unknown>;
  [k: string]: unknown;
}

/**
 * A saved model's topology with only standard tfjs-layers classes: each `AutonasDilatedConv2D`
 * (the layer that lets a dilated convolution train, see `DilatedConv2D`) becomes the `Conv2D`
 * with the same filters, kernel size, dilation rate, padding, activation and bias, whose weights
 * (`name/kernel`, `name/bias`) it already stores under the same names and shapes. Plain
 * TensorFlow.js, in a browser or Python's converter, then loads the model with no autonas code;
 * the two compute the same function (a `Conv2D` runs the fused op, whose gradient tfjs does not
 * have for dilation, so a reloaded model predicts; retraining it needs the original layer).
 *
 * @example
 * ```ts
 * import type { io } from '@tensorflow/tfjs-core';
 * import { standardTopology } from '@autonas/tfjs';
 * declare const artifacts: io.ModelArtifacts;
 * const portable = { ...artifacts, modelTopology: standardTopology(artifacts.modelTopology) };
 * ```
 */
export function standardTopology<T>(topology: T): T {
  const rewrite = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(rewrite);
    if (!node || typeof node !== 'object') return node;
    const o = node as LayerJson;
    if (o.class_name === 'AutonasDilatedConv2D') {
      const c = o.config;
      const k = Number(c.kernel_size);
      const d = Number(c.dilation_rate);
      return {
        ...o,
        class_name: 'Conv2D',
        config: {
          name: c.name, trainable: c.trainable ?? true, filters: c.filters, kernel_size: [k, k], strides: [1, 1], padding: c.padding,
          data_format: 'channels_last', dilation_rate: [d, d], activation: c.activation, use_bias: c.use_bias,
        },
      };
    }
    return Object.fromEntries(Object.entries(o).map(([key, v]) => [key, rewrite(v)]));
  };
  return rewrite(topology) as T;
}

/** An IO handler that saves through `handler` with {@link standardTopology}. */
export function withStandardLayers(handler: tf.io.IOHandler): tf.io.IOHandler {
  return { ...handler, save: (a) => handler.save!({ ...a, modelTopology: a.modelTopology && standardTopology(a.modelTopology) }) };
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

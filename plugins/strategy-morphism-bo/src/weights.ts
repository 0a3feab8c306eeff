import { checkGraph, type Architecture } from '@autonas/core';
import { tf, type tfl } from '@autonas/tfjs';
import type { NetWeights, WeightArray } from './morphisms.js';

/** The runtime's layer name of a node (see `compileArchitecture` in `@autonas/tfjs`). */
const layerName = (id: string) => id.replace(/[^A-Za-z0-9_.-]/g, '_');

/**
 * Copies a compiled model's weights out of TensorFlow.js into plain arrays, by node id. Creates
 * no lasting tensors.
 *
 * @example
 * ```ts
 * import { compileArchitecture } from '@autonas/tfjs';
 * import { readWeights } from '@autonas/strategy-morphism-bo';
 * import type { Architecture } from '@autonas/core';
 * const arch: Architecture = { nodes: [
 *   { id: 'in', op: 'input', params: { shape: [4] }, inputs: [] },
 *   { id: 'out', op: 'classifier', params: { classes: 2 }, inputs: ['in'] },
 * ] };
 * const model = compileArchitecture(arch);
 * console.log(readWeights(model, arch).get('out')!.map((w) => w.shape)); // [[4, 2], [2]]
 * model.dispose();
 * ```
 */
export function readWeights(model: tfl.LayersModel, arch: Architecture): Map<string, WeightArray[]> {
  const out = new Map<string, WeightArray[]>();
  for (const n of checkGraph(arch)) {
    const layer = findLayer(model, n.id);
    if (!layer || layer.weights.length === 0) continue;
    out.set(n.id, layer.weights.map((v) => {
      const t = v.read();
      return { shape: t.shape.slice(), values: Float32Array.from(t.dataSync() as Float32Array) };
    }));
  }
  return out;
}

/**
 * Sets a compiled model's weights from plain arrays by node id. Layers without an entry keep
 * their initial weights.
 *
 * @throws RangeError-like errors from TensorFlow.js when a shape does not match the layer.
 * @example
 * ```ts
 * import { compileArchitecture } from '@autonas/tfjs';
 * import { readWeights, writeWeights } from '@autonas/strategy-morphism-bo';
 * import type { Architecture } from '@autonas/core';
 * const arch: Architecture = { nodes: [
 *   { id: 'in', op: 'input', params: { shape: [4] }, inputs: [] },
 *   { id: 'out', op: 'classifier', params: { classes: 2 }, inputs: ['in'] },
 * ] };
 * const a = compileArchitecture(arch, { seed: 1 });
 * const b = compileArchitecture(arch, { seed: 2 });
 * writeWeights(b, readWeights(a, arch)); // b now computes what a computes
 * a.dispose();
 * b.dispose();
 * ```
 */
export function writeWeights(model: tfl.LayersModel, weights: NetWeights): void {
  for (const [id, arrays] of weights) {
    const layer = findLayer(model, id);
    if (!layer) continue;
    const tensors = arrays.map((a) => tf.tensor(a.values, a.shape as number[]));
    try {
      layer.setWeights(tensors);
    } finally {
      tf.dispose(tensors);
    }
  }
}

function findLayer(model: tfl.LayersModel, id: string): tfl.layers.Layer | undefined {
  const name = layerName(id);
  return model.layers.find((l) => l.name === name);
}

/** Bytes the values of a set of weights take. */
export function weightBytes(weights: NetWeights): number {
  let b = 0;
  for (const arrays of weights.values()) for (const a of arrays) b += a.values.byteLength;
  return b;
}

import { ConfigurationError, headNode, type Architecture, type ArchNode, type HeadSpec } from '@autonas/core';
import { TablePreprocessor, toFeatures, type FeatureInput, type Features, type TableInput, type TablePreprocessorState } from '@autonas/data';
import { baselineArchitecture } from './baseline.js';

/** Turns raw inputs into features, with what it learned from the training rows. */
export interface InputEncoder<X> {
  encode(x: X, options?: { sampleShape?: readonly number[]; name?: string }): Features;
  /** Plain JSON saved beside an exported model (column encodings), if it learned anything. */
  readonly state?: unknown;
}

/**
 * What a task takes in (Auto-Keras's `ImageInput`, `StructuredDataInput`): how raw inputs are
 * counted and encoded, the space plugin that searches networks for them, and the plain network
 * the search must beat.
 */
export interface TaskInput<X> {
  readonly kind: string;
  /** Name of the default space plugin. */
  readonly space: string;
  /** Number of samples in `x`. */
  count(x: X, options?: { sampleShape?: readonly number[] }): number;
  /** Learns from the training rows only (`trainRows`: their indices, or all when undefined). */
  fit(x: X, trainRows: Int32Array | undefined, options?: { sampleShape?: readonly number[] }): InputEncoder<X>;
  /** An encoder restored from the state saved with a model. */
  restore(state: unknown): InputEncoder<X>;
  /** The plain network trained first. */
  baseline(sampleShape: readonly number[], head: HeadSpec): Architecture;
}

/** Ends a classification baseline in the task's head instead. */
function withHead(arch: Architecture, head: HeadSpec): Architecture {
  const last = arch.nodes[arch.nodes.length - 1]!;
  return { ...arch, nodes: [...arch.nodes.slice(0, -1), headNode(head, last.id, last.inputs[0]!)] };
}

/**
 * Images `[n, height, width, channels]` (or `[n, height, width]`), searched in the `chain` space;
 * the baseline is a small ResNet-style network.
 *
 * @example
 * ```ts
 * import { imageInput } from 'autonas';
 * imageInput().count(new Float32Array(2 * 28 * 28), { sampleShape: [28, 28, 1] }); // 2
 * ```
 */
export function imageInput(): TaskInput<FeatureInput> {
  const encoder: InputEncoder<FeatureInput> = {
    encode(x, options = {}) {
      // uint8 pixels (a Uint8Array or Uint8ClampedArray, or a tensor of that dtype's data) are 0..255: scaled to [0, 1].
      const bytes = x instanceof Uint8Array || x instanceof Uint8ClampedArray;
      const f = toFeatures(x, { sampleShape: options.sampleShape, name: options.name ?? 'x' });
      if (bytes) for (let i = 0; i < f.x.length; i++) f.x[i] /= 255;
      if (f.sampleShape.length !== 3) {
        throw new ConfigurationError('NOT_IMAGES', `an image task needs images of shape [height, width, channels] (or [height, width]); got samples of shape [${f.sampleShape}]`);
      }
      return f;
    },
  };
  return {
    kind: 'image',
    space: 'chain',
    count: (x, options = {}) => encoder.encode(x, options).size,
    fit: () => encoder,
    restore: () => encoder,
    baseline: (shape, head) => withHead(baselineArchitecture(shape as [number, number, number], head.type === 'classification' ? head.classes : 2), head),
  };
}

/** Rows of a table (`[{ column: value }]`), or rows of numbers already encoded. */
export type StructuredInput = TableInput | FeatureInput;

function isTable(x: StructuredInput): x is TableInput {
  return Array.isArray(x) && x.length > 0 && typeof x[0] === 'object' && x[0] !== null && !Array.isArray(x[0]) && !ArrayBuffer.isView(x[0]);
}

/**
 * Structured data, searched in the `dense` space: rows of objects, whose columns are encoded
 * (numeric standardised, categorical one-hot) as learned on the training rows only, or rows of
 * numbers. The encoding is saved with the exported model. The baseline is a two-layer MLP.
 *
 * @example
 * ```ts
 * import { structuredDataInput } from 'autonas';
 * const input = structuredDataInput();
 * const enc = input.fit([{ a: 1, b: 'x' }, { a: 3, b: 'y' }], undefined);
 * enc.encode([{ a: 2, b: 'y' }]).sampleShape; // [3]
 * ```
 */
export function structuredDataInput(options: { columns?: readonly string[] } = {}): TaskInput<StructuredInput> {
  const numeric: InputEncoder<StructuredInput> = {
    encode(x, o = {}) {
      if (isTable(x)) throw new ConfigurationError('NOT_NUMERIC_ROWS', 'this model was trained on rows of numbers, not on a table of named columns');
      const f = toFeatures(x as FeatureInput, { sampleShape: o.sampleShape, name: o.name ?? 'x' });
      if (f.sampleShape.length !== 1) throw new ConfigurationError('NOT_TABULAR', `structured data needs one row of numbers per sample, got samples of shape [${f.sampleShape}]`);
      return f;
    },
  };
  const tableEncoder = (pre: TablePreprocessor): InputEncoder<StructuredInput> => ({
    state: pre.toJSON(),
    encode(x) {
      if (!isTable(x)) throw new ConfigurationError('NOT_A_TABLE', 'this model was trained on a table of named columns: give rows of objects');
      return { x: pre.transform(x), sampleShape: [pre.width], size: x.length };
    },
  });
  return {
    kind: 'structured',
    space: 'dense',
    count: (x, o) => (isTable(x) ? x.length : numeric.encode(x, o).size),
    fit(x, trainRows) {
      if (!isTable(x)) return numeric;
      const rows = trainRows ? Array.from(trainRows, (i) => x[i]!) : x;
      return tableEncoder(TablePreprocessor.fit(rows, { columns: options.columns }));
    },
    restore: (state) => (state === undefined ? numeric : tableEncoder(TablePreprocessor.fromJSON(state as TablePreprocessorState))),
    baseline(shape, head) {
      const nodes: ArchNode[] = [
        { id: 'input', op: 'input', params: { shape: [...shape] }, inputs: [] },
        { id: 'dense_1', op: 'dense', params: { units: 64, activation: 'relu' }, inputs: ['input'] },
        { id: 'dense_2', op: 'dense', params: { units: 32, activation: 'relu' }, inputs: ['dense_1'] },
      ];
      return { nodes: [...nodes, headNode(head, head.type === 'classification' ? 'classifier' : 'regressor', 'dense_2')], space: 'baseline' };
    },
  };
}

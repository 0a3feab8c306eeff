import { DataError } from '@autonas/core';

/**
 * The NumPy dtypes {@link parseNpy} reads: little-endian (or byte-order-free) `u1`, `i4`, `f4`, `f8`.
 *
 * @example
 * ```ts
 * import type { NpyDType } from '@autonas/data';
 * const dtype: NpyDType = '<f4';
 * ```
 */
export type NpyDType = '|u1' | '<i4' | '<f4' | '<f8';

/**
 * An array read from (or written to) a `.npy` file: C-order data, its shape and dtype.
 *
 * @example
 * ```ts
 * import type { NpyArray } from '@autonas/data';
 * const a: NpyArray = { dtype: '<f4', shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) };
 * ```
 */
export interface NpyArray {
  readonly dtype: NpyDType;
  readonly shape: readonly number[];
  readonly data: Uint8Array | Int32Array | Float32Array | Float64Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const DTYPES: Record<string, { dtype: NpyDType; bytes: number }> = {
  '|u1': { dtype: '|u1', bytes: 1 },
  '<u1': { dtype: '|u1', bytes: 1 },
  u1: { dtype: '|u1', bytes: 1 },
  '|b1': { dtype: '|u1', bytes: 1 },
  '<i4': { dtype: '<i4', bytes: 4 },
  '<f4': { dtype: '<f4', bytes: 4 },
  '<f8': { dtype: '<f8', bytes: 8 },
};

function bad(source: string, message: string): never {
  throw new DataError('NPY_BAD_HEADER', `${source}: ${message}`);
}

/**
 * Parses a `.npy` file (format versions 1.0, 2.0 and 3.0) holding a C-order array of a
 * little-endian `u1`, `i4`, `f4` or `f8` dtype.
 *
 * @param bytes - the whole file
 * @param options - `source` names the file in error messages
 * @returns the dtype, the shape and a typed array of the data (a copy)
 * @throws DataError `NPY_BAD_HEADER` (bad magic, unreadable header, Fortran order, truncated
 *   data) and `NPY_BAD_DTYPE` (another dtype, big-endian data).
 *
 * @example
 * ```ts
 * import { encodeNpy, parseNpy } from '@autonas/data';
 * const bytes = encodeNpy({ dtype: '<i4', shape: [3], data: new Int32Array([1, 2, 3]) });
 * parseNpy(bytes).shape; // [3]
 * ```
 */
export function parseNpy(bytes: Uint8Array, options: { source?: string } = {}): NpyArray {
  const source = options.source ?? 'npy';
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) bad(source, 'not a .npy file (the magic string \\x93NUMPY is missing)');
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) bad(source, 'truncated header');
    headerLen = view.getUint32(8, true);
    start = 12;
  } else {
    return bad(source, `unsupported format version ${major}.${bytes[7]}`);
  }
  if (start + headerLen > bytes.length) bad(source, `truncated header: ${headerLen} bytes announced, ${bytes.length - start} present`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) bad(source, `unreadable header ${JSON.stringify(header.trim())}`);
  if (fortran === 'True') bad(source, 'Fortran-order arrays are not supported (save with np.ascontiguousarray)');
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s.length > 0).map((s) => {
    const n = Number(s.replace(/L$/, ''));
    if (!Number.isInteger(n) || n < 0) bad(source, `bad dimension ${JSON.stringify(s)} in the shape`);
    return n;
  });
  const type = DTYPES[descr];
  if (!type) throw new DataError('NPY_BAD_DTYPE', `${source}: dtype ${JSON.stringify(descr)} is not supported (use little-endian u1, i4, f4 or f8)`);
  const count = shape.reduce((a, b) => a * b, 1);
  const offset = start + headerLen;
  const need = count * type.bytes;
  if (bytes.length - offset < need) bad(source, `truncated data: ${need} bytes expected, ${bytes.length - offset} present`);
  // An aligned copy (a Node.js Buffer's slice() would share its pool's memory).
  const raw = new Uint8Array(need);
  raw.set(bytes.subarray(offset, offset + need));
  const data =
    type.dtype === '|u1' ? raw
    : type.dtype === '<i4' ? new Int32Array(raw.buffer, 0, count)
    : type.dtype === '<f4' ? new Float32Array(raw.buffer, 0, count)
    : new Float64Array(raw.buffer, 0, count);
  return { dtype: type.dtype, shape, data };
}

/**
 * Encodes an array as a version 1.0 `.npy` file (little-endian, C order), the inverse of {@link parseNpy}.
 *
 * @param array - dtype, shape and data (`data.length` must be the product of the shape)
 * @returns the bytes of the file
 *
 * @example
 * ```ts
 * import { encodeNpy } from '@autonas/data';
 * const bytes = encodeNpy({ dtype: '<f4', shape: [2], data: new Float32Array([0.5, 1]) });
 * ```
 */
export function encodeNpy(array: NpyArray): Uint8Array {
  const count = array.shape.reduce((a, b) => a * b, 1);
  if (array.data.length !== count) throw new DataError('SHAPE_MISMATCH', `encodeNpy: ${array.data.length} values for shape [${array.shape.join(', ')}]`);
  const shape = array.shape.length === 1 ? `(${array.shape[0]},)` : `(${array.shape.join(', ')})`;
  let header = `{'descr': '${array.dtype}', 'fortran_order': False, 'shape': ${shape}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const data = new Uint8Array(array.data.buffer, array.data.byteOffset, array.data.byteLength);
  const out = new Uint8Array(10 + header.length + data.length);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(data, 10 + header.length);
  return out;
}

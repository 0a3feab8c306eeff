import { DataError } from '@autonas/core';

/**
 * The typed array holding the data of each IDX element type.
 *
 * @example
 * ```ts
 * import type { IdxDataTypes } from '@autonas/data';
 * const pixels: IdxDataTypes['uint8'] = new Uint8Array(784);
 * ```
 */
export interface IdxDataTypes {
  uint8: Uint8Array;
  int8: Int8Array;
  int16: Int16Array;
  int32: Int32Array;
  float32: Float32Array;
  float64: Float64Array;
}

/**
 * An IDX element type: `uint8` (code 0x08), `int8` (0x09), `int16` (0x0B), `int32` (0x0C),
 * `float32` (0x0D) or `float64` (0x0E).
 *
 * @example
 * ```ts
 * import type { IdxDType } from '@autonas/data';
 * const dtype: IdxDType = 'uint8';
 * ```
 */
export type IdxDType = keyof IdxDataTypes;

/**
 * A decoded IDX array: element type, shape and row-major data in native byte order. The
 * `dtype` discriminates the type of `data`.
 *
 * @example
 * ```ts
 * import { parseIdx, type IdxArray } from '@autonas/data';
 * declare const bytes: Uint8Array;
 * const a: IdxArray = parseIdx(bytes);
 * if (a.dtype === 'uint8') a.data; // Uint8Array
 * ```
 */
export type IdxArray<D extends IdxDType = IdxDType> = {
  [K in D]: { dtype: K; shape: number[]; data: IdxDataTypes[K] };
}[D];

/**
 * The header of an IDX file.
 *
 * @example
 * ```ts
 * import { parseIdxHeader } from '@autonas/data';
 * const h = parseIdxHeader(new Uint8Array([0, 0, 0x08, 1, 0, 0, 0, 3]));
 * // { dtype: 'uint8', shape: [3], headerBytes: 8, dataBytes: 3 }
 * ```
 */
export interface IdxHeader {
  readonly dtype: IdxDType;
  readonly shape: number[];
  /** Size of the header: `4 + 4 * shape.length`. */
  readonly headerBytes: number;
  /** Size of the data that must follow the header: `prod(shape) * bytesPerElement`. */
  readonly dataBytes: number;
}

/**
 * Options of {@link parseIdx} and {@link parseIdxHeader}.
 *
 * @example
 * ```ts
 * import { parseIdx } from '@autonas/data';
 * declare const bytes: Uint8Array;
 * parseIdx(bytes, { source: 'labels.idx1-ubyte' }); // errors mention the file
 * ```
 */
export interface ParseIdxOptions {
  /** Name of where the bytes come from (e.g. a file path), used in error messages. */
  readonly source?: string;
}

const TYPE_BY_CODE: Readonly<Record<number, IdxDType>> = {
  0x08: 'uint8',
  0x09: 'int8',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};

const CODE_BY_TYPE: Readonly<Record<IdxDType, number>> = {
  uint8: 0x08,
  int8: 0x09,
  int16: 0x0b,
  int32: 0x0c,
  float32: 0x0d,
  float64: 0x0e,
};

/**
 * Bytes per element of each IDX type.
 *
 * @internal
 */
export const IDX_BYTES_PER_ELEMENT: Readonly<Record<IdxDType, number>> = {
  uint8: 1,
  int8: 1,
  int16: 2,
  int32: 4,
  float32: 4,
  float64: 8,
};

const INT_RANGES: Partial<Record<IdxDType, readonly [number, number]>> = {
  uint8: [0, 255],
  int8: [-128, 127],
  int16: [-32768, 32767],
  int32: [-2147483648, 2147483647],
};

function prefix(options: ParseIdxOptions | undefined): string {
  return options?.source === undefined ? 'IDX' : `IDX ${options.source}`;
}

function hex(b: number): string {
  return `0x${b.toString(16).padStart(2, '0')}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * Parses and validates the header of an IDX file. Only the header bytes need to be present,
 * so this works on the first `4 + 4 * 255` bytes of a file.
 *
 * @throws DataError `IDX_BAD_MAGIC`, `IDX_BAD_TYPE`, `IDX_TRUNCATED` (header incomplete).
 *
 * @example
 * ```ts
 * import { parseIdxHeader } from '@autonas/data';
 * // the first 16 bytes of train-images-idx3-ubyte
 * const h = parseIdxHeader(new Uint8Array([0, 0, 8, 3, 0, 0, 0xea, 0x60, 0, 0, 0, 28, 0, 0, 0, 28]));
 * h.shape; // [60000, 28, 28]
 * ```
 */
export function parseIdxHeader(bytes: Uint8Array, options?: ParseIdxOptions): IdxHeader {
  const where = prefix(options);
  if ((bytes.length >= 1 && bytes[0] !== 0) || (bytes.length >= 2 && bytes[1] !== 0)) {
    const got = Array.from(bytes.subarray(0, 2), hex).join(' ');
    const gzip = bytes[0] === 0x1f && bytes[1] === 0x8b ? ' (the data looks gzip-compressed: decompress it first, or use readIdxFile)' : '';
    throw new DataError('IDX_BAD_MAGIC', `${where}: bad magic number: the first two bytes must be 0x00 0x00, got ${got}${gzip}`);
  }
  if (bytes.length >= 3 && TYPE_BY_CODE[bytes[2]] === undefined) {
    throw new DataError(
      'IDX_BAD_TYPE',
      `${where}: unknown element type code ${hex(bytes[2])} (expected 0x08 ubyte, 0x09 byte, 0x0b short, 0x0c int, 0x0d float or 0x0e double)`,
    );
  }
  if (bytes.length < 4) {
    throw new DataError(
      'IDX_TRUNCATED',
      `${where}: truncated header: expected at least 4 bytes, got ${plural(bytes.length, 'byte')}`,
    );
  }
  const dtype = TYPE_BY_CODE[bytes[2]];
  const ndim = bytes[3];
  const headerBytes = 4 + 4 * ndim;
  if (bytes.length < headerBytes) {
    throw new DataError(
      'IDX_TRUNCATED',
      `${where}: truncated header: ${ndim} dimensions need ${headerBytes} header bytes, got ${plural(bytes.length, 'byte')}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  let count = 1;
  for (let d = 0; d < ndim; d++) {
    const dim = view.getUint32(4 + 4 * d, false);
    shape.push(dim);
    count *= dim;
  }
  return { dtype, shape, headerBytes, dataBytes: count * IDX_BYTES_PER_ELEMENT[dtype] };
}

/**
 * Decodes `count` big-endian elements of `dtype` starting at `bytes[offset]` into a typed
 * array in native byte order. With `alias`, 1-byte types share memory with `bytes`.
 *
 * @internal
 */
export function decodeIdxData<D extends IdxDType>(
  dtype: D,
  bytes: Uint8Array,
  offset: number,
  count: number,
  alias = false,
): IdxDataTypes[D] {
  const abs = bytes.byteOffset + offset;
  switch (dtype as IdxDType) {
    case 'uint8': {
      const view = bytes.subarray(offset, offset + count);
      return (alias ? view : view.slice()) as IdxDataTypes[D];
    }
    case 'int8': {
      const src = alias ? bytes : bytes.slice(offset, offset + count);
      return new Int8Array(src.buffer, alias ? abs : src.byteOffset, count) as IdxDataTypes[D];
    }
    default:
      break;
  }
  const view = new DataView(bytes.buffer, abs, count * IDX_BYTES_PER_ELEMENT[dtype]);
  switch (dtype as IdxDType) {
    case 'int16': {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(2 * i, false);
      return out as IdxDataTypes[D];
    }
    case 'int32': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(4 * i, false);
      return out as IdxDataTypes[D];
    }
    case 'float32': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, false);
      return out as IdxDataTypes[D];
    }
    default: {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(8 * i, false);
      return out as IdxDataTypes[D];
    }
  }
}

/**
 * Parses a complete IDX file (the format of the MNIST files) from its bytes: two zero bytes,
 * a type code, the number of dimensions, big-endian uint32 dimensions, then big-endian data.
 * The result never shares memory with `bytes`.
 *
 * @throws DataError `IDX_BAD_MAGIC`, `IDX_BAD_TYPE`, `IDX_TRUNCATED` (header or data; says
 *   expected vs actual bytes), `IDX_TRAILING_BYTES`.
 *
 * @example
 * ```ts
 * import { parseIdx } from '@autonas/data';
 * const a = parseIdx(new Uint8Array([0, 0, 0x08, 1, 0, 0, 0, 3, 7, 2, 1]));
 * a.dtype; // 'uint8'
 * a.shape; // [3]
 * a.data;  // Uint8Array [7, 2, 1]
 * ```
 */
export function parseIdx(bytes: Uint8Array, options?: ParseIdxOptions): IdxArray {
  const header = parseIdxHeader(bytes, options);
  checkIdxSize(header, bytes.length, options);
  const count = header.dataBytes / IDX_BYTES_PER_ELEMENT[header.dtype];
  const data = decodeIdxData(header.dtype, bytes, header.headerBytes, count);
  return { dtype: header.dtype, shape: header.shape, data } as IdxArray;
}

/**
 * Checks that a file of `totalBytes` holds exactly the header plus the data it announces.
 *
 * @internal
 */
export function checkIdxSize(header: IdxHeader, totalBytes: number, options?: ParseIdxOptions): void {
  const expected = header.headerBytes + header.dataBytes;
  const what = `shape ${JSON.stringify(header.shape)} of ${header.dtype} (${IDX_BYTES_PER_ELEMENT[header.dtype]} bytes each)`;
  if (totalBytes < expected) {
    throw new DataError(
      'IDX_TRUNCATED',
      `${prefix(options)}: truncated data: ${what} needs ${header.dataBytes} data bytes (${expected} in total), got ${totalBytes - header.headerBytes} (${totalBytes} in total)`,
    );
  }
  if (totalBytes > expected) {
    throw new DataError(
      'IDX_TRAILING_BYTES',
      `${prefix(options)}: ${plural(totalBytes - expected, 'unexpected trailing byte')} after the data: ${what} needs ${expected} bytes in total, got ${totalBytes}`,
    );
  }
}

/**
 * An array to write with {@link encodeIdx}.
 *
 * @example
 * ```ts
 * import type { IdxInput } from '@autonas/data';
 * const input: IdxInput = { dtype: 'int16', shape: [2, 2], data: [1, -2, 3, -4] };
 * ```
 */
export interface IdxInput {
  readonly dtype: IdxDType;
  readonly shape: readonly number[];
  readonly data: ArrayLike<number>;
}

/**
 * Encodes an array in the IDX format (big-endian), the inverse of {@link parseIdx}.
 *
 * @throws DataError `IDX_BAD_TYPE` (unknown dtype), `SHAPE_MISMATCH` (bad shape or
 *   `data.length !== prod(shape)`), `IDX_VALUE_OUT_OF_RANGE` (a value that does not fit an
 *   integer dtype, naming its index).
 *
 * @example
 * ```ts
 * import { encodeIdx, parseIdx } from '@autonas/data';
 * const bytes = encodeIdx({ dtype: 'float32', shape: [2], data: [0.5, -1] });
 * parseIdx(bytes).data; // Float32Array [0.5, -1]
 * ```
 */
export function encodeIdx(input: IdxInput): Uint8Array {
  const { dtype, shape, data } = input;
  const code = CODE_BY_TYPE[dtype];
  if (code === undefined) {
    throw new DataError('IDX_BAD_TYPE', `encodeIdx: unknown dtype ${JSON.stringify(dtype)}`);
  }
  if (shape.length > 255) {
    throw new DataError('SHAPE_MISMATCH', `encodeIdx: IDX supports at most 255 dimensions, got ${shape.length}`);
  }
  let count = 1;
  shape.forEach((d, i) => {
    if (!Number.isInteger(d) || d < 0 || d > 0xffffffff) {
      throw new DataError('SHAPE_MISMATCH', `encodeIdx: shape[${i}] = ${d} is not a uint32 dimension`);
    }
    count *= d;
  });
  if (data.length !== count) {
    throw new DataError(
      'SHAPE_MISMATCH',
      `encodeIdx: data has ${data.length} values but shape ${JSON.stringify(shape)} needs ${count}`,
    );
  }
  const range = INT_RANGES[dtype];
  if (range !== undefined) {
    for (let i = 0; i < count; i++) {
      const v = data[i];
      if (!Number.isInteger(v) || v < range[0] || v > range[1]) {
        throw new DataError(
          'IDX_VALUE_OUT_OF_RANGE',
          `encodeIdx: data[${i}] = ${v} is not an integer in [${range[0]}, ${range[1]}] (${dtype})`,
        );
      }
    }
  }
  const headerBytes = 4 + 4 * shape.length;
  const bytes = new Uint8Array(headerBytes + count * IDX_BYTES_PER_ELEMENT[dtype]);
  const view = new DataView(bytes.buffer);
  bytes[2] = code;
  bytes[3] = shape.length;
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  const o = headerBytes;
  switch (dtype) {
    case 'uint8':
      bytes.set(data, o);
      break;
    case 'int8':
      for (let i = 0; i < count; i++) view.setInt8(o + i, data[i]);
      break;
    case 'int16':
      for (let i = 0; i < count; i++) view.setInt16(o + 2 * i, data[i], false);
      break;
    case 'int32':
      for (let i = 0; i < count; i++) view.setInt32(o + 4 * i, data[i], false);
      break;
    case 'float32':
      for (let i = 0; i < count; i++) view.setFloat32(o + 4 * i, data[i], false);
      break;
    case 'float64':
      for (let i = 0; i < count; i++) view.setFloat64(o + 8 * i, data[i], false);
      break;
  }
  return bytes;
}

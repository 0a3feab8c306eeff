import { describe, expect, it } from 'vitest';
import { encodeIdx, parseIdx, parseIdxHeader, type IdxDType } from './idx.js';
import { expectDataError } from './expect-data-error.test-util.js';


const SAMPLES: Record<IdxDType, number[]> = {
  uint8: [0, 1, 127, 128, 255, 42],
  int8: [-128, -1, 0, 1, 127, -42],
  int16: [-32768, -1, 0, 1, 32767, 258],
  int32: [-2147483648, -1, 0, 1, 2147483647, 16909060],
  float32: [0, -0.5, 1.5, 3.4028234663852886e38, Math.fround(-1e-30), Math.fround(Math.PI)],
  float64: [0, -0.5, Math.PI, Number.MAX_VALUE, Number.MIN_VALUE, -1e300],
};

const ARRAY_TYPES: Record<IdxDType, unknown> = {
  uint8: Uint8Array,
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  float32: Float32Array,
  float64: Float64Array,
};

const TYPE_CODES: Record<IdxDType, number> = {
  uint8: 0x08,
  int8: 0x09,
  int16: 0x0b,
  int32: 0x0c,
  float32: 0x0d,
  float64: 0x0e,
};

describe('encodeIdx / parseIdx', () => {
  for (const dtype of Object.keys(SAMPLES) as IdxDType[]) {
    it(`round-trips ${dtype}`, () => {
      const data = SAMPLES[dtype];
      const bytes = encodeIdx({ dtype, shape: [2, 3], data });
      expect(bytes[0]).toBe(0);
      expect(bytes[1]).toBe(0);
      expect(bytes[2]).toBe(TYPE_CODES[dtype]);
      expect(bytes[3]).toBe(2);
      const parsed = parseIdx(bytes);
      expect(parsed.dtype).toBe(dtype);
      expect(parsed.shape).toEqual([2, 3]);
      expect(parsed.data).toBeInstanceOf(ARRAY_TYPES[dtype] as never);
      expect(Array.from(parsed.data)).toEqual(data);
    });
  }

  it('writes big-endian header and data', () => {
    const bytes = encodeIdx({ dtype: 'int16', shape: [2], data: [0x0102, -2] });
    expect(Array.from(bytes)).toEqual([0, 0, 0x0b, 1, 0, 0, 0, 2, 0x01, 0x02, 0xff, 0xfe]);
  });

  it('handles 0-d, 1-d, 3-d and empty arrays', () => {
    expect(parseIdx(encodeIdx({ dtype: 'float64', shape: [], data: [2.5] }))).toEqual({
      dtype: 'float64',
      shape: [],
      data: new Float64Array([2.5]),
    });
    const cube = Array.from({ length: 24 }, (_, i) => i);
    const p = parseIdx(encodeIdx({ dtype: 'uint8', shape: [2, 3, 4], data: cube }));
    expect(p.shape).toEqual([2, 3, 4]);
    expect(Array.from(p.data)).toEqual(cube);
    const empty = parseIdx(encodeIdx({ dtype: 'int32', shape: [0, 5], data: [] }));
    expect(empty.shape).toEqual([0, 5]);
    expect(empty.data.length).toBe(0);
  });

  it('parses from a view at a non-zero, unaligned offset and never aliases the input', () => {
    const inner = encodeIdx({ dtype: 'float32', shape: [3], data: [1, 2, 3] });
    const outer = new Uint8Array(inner.length + 3);
    outer.set(inner, 3);
    const view = outer.subarray(3);
    const p = parseIdx(view);
    expect(Array.from(p.data)).toEqual([1, 2, 3]);
    const u = encodeIdx({ dtype: 'uint8', shape: [2], data: [9, 8] });
    const pu = parseIdx(u);
    u[8] = 0;
    expect(Array.from(pu.data)).toEqual([9, 8]);
  });

  it('parseIdxHeader reads only the header', () => {
    const bytes = encodeIdx({ dtype: 'int32', shape: [5, 2], data: new Array(10).fill(0) });
    const h = parseIdxHeader(bytes.subarray(0, 12));
    expect(h).toEqual({ dtype: 'int32', shape: [5, 2], headerBytes: 12, dataBytes: 40 });
  });
});

describe('parseIdx errors', () => {
  const good = encodeIdx({ dtype: 'int16', shape: [2, 2], data: [1, 2, 3, 4] }); // 12 + 8 bytes

  it('IDX_BAD_MAGIC', () => {
    const bad = good.slice();
    bad[1] = 0x01;
    expectDataError(() => parseIdx(bad), 'IDX_BAD_MAGIC', /0x00 0x01/);
  });

  it('IDX_BAD_MAGIC hints at gzip', () => {
    expectDataError(() => parseIdx(new Uint8Array([0x1f, 0x8b, 8, 0])), 'IDX_BAD_MAGIC', /gzip/);
  });

  it('IDX_BAD_TYPE names the code', () => {
    const bad = good.slice();
    bad[2] = 0x0a;
    expectDataError(() => parseIdx(bad), 'IDX_BAD_TYPE', /0x0a/);
  });

  it('IDX_TRUNCATED for a header shorter than 4 bytes', () => {
    expectDataError(() => parseIdx(new Uint8Array([0, 0, 8])), 'IDX_TRUNCATED', /header/, /4 bytes/, /3 bytes/);
    expectDataError(() => parseIdx(new Uint8Array(0)), 'IDX_TRUNCATED', /header/, /0 bytes/);
  });

  it('IDX_TRUNCATED for missing dimensions', () => {
    expectDataError(() => parseIdx(good.subarray(0, 10)), 'IDX_TRUNCATED', /header/, /12 header bytes/, /10 bytes/);
  });

  it('IDX_TRUNCATED for missing data, with expected vs actual bytes', () => {
    expectDataError(
      () => parseIdx(good.subarray(0, good.length - 3), { source: 'x.idx' }),
      'IDX_TRUNCATED',
      /x\.idx/,
      /truncated data/,
      /needs 8 data bytes \(20 in total\)/,
      /got 5 \(17 in total\)/,
    );
  });

  it('IDX_TRAILING_BYTES', () => {
    const long = new Uint8Array(good.length + 2);
    long.set(good);
    expectDataError(() => parseIdx(long), 'IDX_TRAILING_BYTES', /2 unexpected trailing bytes/, /20 bytes/, /got 22/);
  });
});

describe('encodeIdx errors', () => {
  it('rejects a length that does not match the shape', () => {
    expectDataError(() => encodeIdx({ dtype: 'uint8', shape: [2, 2], data: [1, 2, 3] }), 'SHAPE_MISMATCH', /3 values/, /needs 4/);
  });
  it('rejects values outside an integer dtype', () => {
    expectDataError(() => encodeIdx({ dtype: 'uint8', shape: [2], data: [1, 256] }), 'IDX_VALUE_OUT_OF_RANGE', /data\[1\] = 256/);
    expectDataError(() => encodeIdx({ dtype: 'int8', shape: [1], data: [1.5] }), 'IDX_VALUE_OUT_OF_RANGE', /data\[0\] = 1\.5/);
  });
  it('rejects unknown dtypes and bad dimensions', () => {
    expectDataError(() => encodeIdx({ dtype: 'int64' as IdxDType, shape: [1], data: [1] }), 'IDX_BAD_TYPE', /int64/);
    expectDataError(() => encodeIdx({ dtype: 'uint8', shape: [-1], data: [] }), 'SHAPE_MISMATCH', /shape\[0\] = -1/);
  });
});

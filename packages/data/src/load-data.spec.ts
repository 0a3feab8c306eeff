import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError } from '@autonas/core';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { loadCsv, loadData, loadImageFolder } from './load-data.js';
import { loadMnist } from './mnist.js';
import { encodeNpy, parseNpy } from './npy.js';
import { encodeIdx } from './idx.js';
import { expectDataError } from './expect-data-error.test-util.js';

const root = mkdtempSync(join(tmpdir(), 'autonas-load-data-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function png(width: number, height: number, gray: (i: number) => number, rgb = false): Buffer {
  const img = new PNG({ width, height });
  for (let i = 0; i < width * height; i++) {
    const v = gray(i);
    img.data[4 * i] = v;
    img.data[4 * i + 1] = rgb ? 255 - v : v;
    img.data[4 * i + 2] = v;
    img.data[4 * i + 3] = 255;
  }
  return PNG.sync.write(img);
}

async function expectRejects(p: Promise<unknown>, code: string, ...fragments: (string | RegExp)[]): Promise<void> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(DataError);
  expect((err as DataError).code).toBe(code);
  for (const f of fragments) expect((err as DataError).message).toMatch(f);
}

const NAMES = ['zero', 'one', 'two'];

describe('loadImageFolder', () => {
  it('reads PNG digits from MNIST into named classes, gray, [28, 28, 1]', async () => {
    const { train } = await loadMnist({ trainSize: 300, testSize: 1 });
    const dir = join(root, 'digits');
    const per = new Map<number, number>();
    let first: Float32Array | undefined;
    for (let i = 0; i < train.size; i++) {
      const label = train.y[i];
      if (label > 2 || (per.get(label) ?? 0) >= 5) continue;
      per.set(label, (per.get(label) ?? 0) + 1);
      mkdirSync(join(dir, NAMES[label]), { recursive: true });
      const pixels = train.x.subarray(i * 784, (i + 1) * 784);
      if (label === 0 && first === undefined) first = pixels;
      writeFileSync(join(dir, NAMES[label], `${String(i).padStart(5, '0')}.png`), png(28, 28, (j) => Math.round(pixels[j] * 255)));
    }
    const data = await loadData(dir);
    expect(data.kind).toBe('image');
    if (data.kind !== 'image') return;
    expect(data.format).toBe('image-folder');
    expect(data.sampleShape).toEqual([28, 28, 1]);
    expect(data.classes).toEqual(['one', 'two', 'zero']);
    expect(data.size).toBe(15);
    expect(data.labels.filter((l) => l === 'zero')).toHaveLength(5);
    // The first 'zero' image round-trips exactly (pixels of MNIST are k/255).
    const zeroAt = data.labels.indexOf('zero' as never);
    const got = data.x.subarray(zeroAt * 784, (zeroAt + 1) * 784);
    for (let j = 0; j < 784; j++) expect(got[j]).toBeCloseTo(first![j], 5);
  });

  it('decodes JPEG and keeps RGB; resizes mixed sizes to the most common one', async () => {
    const dir = join(root, 'jpeg');
    for (const [cls, n] of [['cat', 3], ['dog', 2]] as const) {
      mkdirSync(join(dir, cls), { recursive: true });
      for (let k = 0; k < n; k++) {
        const w = k === 0 && cls === 'dog' ? 16 : 8;
        const data = Buffer.alloc(w * w * 4);
        for (let i = 0; i < w * w; i++) data.set([200, 20, 20, 255], 4 * i);
        writeFileSync(join(dir, cls, `${k}.jpg`), jpeg.encode({ data, width: w, height: w }, 95).data);
      }
    }
    const data = await loadImageFolder(dir);
    expect(data.sampleShape).toEqual([8, 8, 3]);
    expect(data.size).toBe(5);
    // A red image stays red (JPEG is lossy: within a few levels).
    expect(data.x[0]).toBeGreaterThan(0.7);
    expect(data.x[1]).toBeLessThan(0.2);
    const nearest = await loadImageFolder(dir, { size: [4, 4], resize: 'nearest', channels: 1 });
    expect(nearest.sampleShape).toEqual([4, 4, 1]);
  });

  it('refuses mixed sizes with resize none, empty folders and undecodable images', async () => {
    const dir = join(root, 'mixed');
    mkdirSync(join(dir, 'a'), { recursive: true });
    mkdirSync(join(dir, 'b'), { recursive: true });
    writeFileSync(join(dir, 'a', '1.png'), png(4, 4, () => 10));
    writeFileSync(join(dir, 'b', '1.png'), png(5, 4, () => 10));
    await expectRejects(loadImageFolder(dir, { resize: 'none' }), 'MIXED_IMAGE_SIZES', /2 sizes/);
    const rgb = await loadImageFolder(dir);
    expect(rgb.sampleShape).toEqual([4, 4, 1]);

    const empty = join(root, 'empty');
    mkdirSync(empty);
    await expectRejects(loadData(empty), 'EMPTY_DATA', /no class subfolders/);
    mkdirSync(join(empty, 'cls'));
    await expectRejects(loadData(empty), 'EMPTY_DATA', /class "cls" has no PNG or JPEG/);

    const broken = join(root, 'broken');
    mkdirSync(join(broken, 'x'), { recursive: true });
    writeFileSync(join(broken, 'x', 'bad.png'), 'not a png');
    await expectRejects(loadData(broken), 'FILE_UNREADABLE', /bad\.png/);
    await expectRejects(loadData(join(root, 'nowhere')), 'FILE_UNREADABLE', /nowhere/);
  });
});

describe('loadCsv', () => {
  // vega-datasets exports no subpaths: read its files from the package folder.
  const weather = join(createRequire(import.meta.url).resolve('vega-datasets'), '..', '..', 'data', 'seattle-weather.csv');

  it('reads seattle-weather.csv from vega-datasets with the weather target', async () => {
    const data = await loadData(weather, { target: 'weather' });
    expect(data.kind).toBe('structured');
    expect(data.format).toBe('csv');
    expect(data.size).toBe(1461);
    expect(data.labels[0]).toBe('drizzle');
    const rows = data.x as readonly Record<string, unknown>[];
    expect(rows[0]).toEqual({ date: '2012-01-01', precipitation: 0, temp_max: 12.8, temp_min: 5, wind: 4.7 });
  });

  it('throws MISSING_TARGET, EMPTY_DATA and FILE_UNREADABLE', async () => {
    await expectRejects(loadCsv(weather, { target: 'nope' }), 'MISSING_TARGET', /"nope"/, /"weather"/);
    const empty = join(root, 'empty.csv');
    writeFileSync(empty, 'a,target\n');
    await expectRejects(loadData(empty), 'EMPTY_DATA', /no data rows/);
    const hole = join(root, 'hole.csv');
    writeFileSync(hole, 'a,target\n1,x\n2,\n');
    await expectRejects(loadData(hole), 'MISSING_TARGET', /row 2/);
    const ragged = join(root, 'ragged.csv');
    writeFileSync(ragged, 'a,target\n1,x,3\n');
    await expectRejects(loadData(ragged), 'FILE_UNREADABLE', /ragged\.csv/);
    const ints = join(root, 'ints.csv');
    writeFileSync(ints, 'a,b,target\n1,x,0\n2,y,1\n');
    const data = await loadCsv(ints);
    expect(data.labels).toEqual([0, 1]);
  });
});

describe('npy', () => {
  it('parses a hand-written v1 file', () => {
    const header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
    const padded = header + ' '.repeat(128 - 10 - header.length - 1) + '\n';
    const bytes = new Uint8Array(128 + 24);
    bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
    new DataView(bytes.buffer).setUint16(8, padded.length, true);
    for (let i = 0; i < padded.length; i++) bytes[10 + i] = padded.charCodeAt(i);
    const view = new DataView(bytes.buffer, 128);
    [1, 2, 3, 4, 5, 6.5].forEach((v, i) => view.setFloat32(4 * i, v, true));
    const a = parseNpy(bytes);
    expect(a.dtype).toBe('<f4');
    expect(a.shape).toEqual([2, 3]);
    expect(Array.from(a.data)).toEqual([1, 2, 3, 4, 5, 6.5]);
    // encodeNpy writes the same array back, its header padded to 64 bytes.
    const again = encodeNpy(a);
    expect((again.length - 24) % 64).toBe(0);
    expect(Array.from(parseNpy(again).data)).toEqual([1, 2, 3, 4, 5, 6.5]);
  });

  it('round-trips u1, i4, f8 and a v2 header', () => {
    for (const a of [
      { dtype: '|u1', shape: [4], data: new Uint8Array([0, 1, 254, 255]) },
      { dtype: '<i4', shape: [2, 1], data: new Int32Array([-7, 2 ** 30]) },
      { dtype: '<f8', shape: [1, 1, 2], data: new Float64Array([Math.PI, -0.5]) },
    ] as const) {
      const back = parseNpy(encodeNpy(a));
      expect(back.shape).toEqual(a.shape);
      expect(Array.from(back.data)).toEqual(Array.from(a.data));
    }
    const v1 = encodeNpy({ dtype: '<i4', shape: [1], data: new Int32Array([9]) });
    const len = new DataView(v1.buffer).getUint16(8, true);
    const v2 = new Uint8Array(v1.length + 2);
    v2.set(v1.subarray(0, 8), 0);
    v2[6] = 2;
    new DataView(v2.buffer).setUint32(8, len, true);
    v2.set(v1.subarray(10), 12);
    expect(Array.from(parseNpy(v2).data)).toEqual([9]);
  });

  it('throws NPY_BAD_HEADER and NPY_BAD_DTYPE', () => {
    expectDataError(() => parseNpy(new Uint8Array(20)), 'NPY_BAD_HEADER', /magic/);
    const big = encodeNpy({ dtype: '<i4', shape: [1], data: new Int32Array([1]) });
    const text = new TextDecoder('latin1').decode(big);
    const be = Uint8Array.from(text.replace('<i4', '>i4'), (c) => c.charCodeAt(0));
    expectDataError(() => parseNpy(be, { source: 'be.npy' }), 'NPY_BAD_DTYPE', /be\.npy/, /">i4"/);
    const fortran = Uint8Array.from(text.replace("False", "True "), (c) => c.charCodeAt(0));
    expectDataError(() => parseNpy(fortran), 'NPY_BAD_HEADER', /Fortran/);
    expectDataError(() => parseNpy(big.subarray(0, big.length - 1)), 'NPY_BAD_HEADER', /truncated data/);
  });

  it('loadData reads x.npy + y.npy and an IDX pair', async () => {
    const dir = join(root, 'npy');
    mkdirSync(dir);
    writeFileSync(join(dir, 'x.npy'), encodeNpy({ dtype: '<f4', shape: [4, 2], data: new Float32Array([0, 1, 1, 0, 0, 0, 1, 1]) }));
    writeFileSync(join(dir, 'y.npy'), encodeNpy({ dtype: '<i4', shape: [4], data: new Int32Array([0, 1, 0, 1]) }));
    const data = await loadData(dir);
    expect(data).toMatchObject({ kind: 'structured', format: 'npy', size: 4, sampleShape: [2], labels: [0, 1, 0, 1] });

    const idx = join(root, 'idx');
    mkdirSync(idx);
    writeFileSync(join(idx, 'train-images-idx3-ubyte'), encodeIdx({ dtype: 'uint8', shape: [2, 2, 2], data: new Uint8Array([0, 255, 0, 255, 255, 0, 255, 0]) }));
    writeFileSync(join(idx, 'train-labels-idx1-ubyte'), encodeIdx({ dtype: 'uint8', shape: [2], data: new Uint8Array([1, 0]) }));
    const images = await loadData(idx);
    expect(images).toMatchObject({ kind: 'image', format: 'idx', size: 2, sampleShape: [2, 2, 1], labels: [1, 0] });
    expect(images.x[1]).toBe(1);

    writeFileSync(join(dir, 'y.npy'), encodeNpy({ dtype: '<i4', shape: [3], data: new Int32Array([0, 1, 0]) }));
    await expectRejects(loadData(dir), 'COUNT_MISMATCH', /4 samples/);
  });
});

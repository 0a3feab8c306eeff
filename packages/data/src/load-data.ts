import { AutonasError, ConfigurationError, DataError } from '@autonas/core';
import { readIdxPrefix } from './idx-node.js';
import { parseNpy, type NpyArray } from './npy.js';
import type { TableRow } from './table.js';

/** Where loaded data came from. */
export type DataFormat = 'image-folder' | 'csv' | 'idx' | 'npy';

/**
 * Images with their labels, as {@link loadData} or {@link loadImageFolder} read them: pixels
 * scaled to [0, 1], row-major `[size, height, width, channels]`.
 *
 * @example
 * ```ts
 * import { loadData, type ImageData } from '@autonas/data';
 * const data = await loadData('photos');
 * if (data.kind === 'image') console.log(data.sampleShape, data.classes);
 * ```
 */
export interface ImageData {
  readonly kind: 'image';
  readonly format: DataFormat;
  readonly x: Float32Array;
  readonly sampleShape: readonly [number, number, number];
  /** One label per sample: a class name (image folders) or an integer (IDX, npy). */
  readonly labels: readonly string[] | readonly number[];
  /** The class names in label order, for an image folder (the subfolder names, sorted). */
  readonly classes?: readonly string[];
  /** For an image folder: the file each sample was read from, in sample order. */
  readonly files?: readonly string[];
  readonly size: number;
  readonly source: string;
}

/**
 * Structured data with its labels: rows of named columns (CSV) or rows of numbers (npy).
 *
 * @example
 * ```ts
 * import { loadData, type StructuredData } from '@autonas/data';
 * const data = await loadData('cars.csv', { target: 'Origin' });
 * if (data.kind === 'structured') console.log(data.size, data.target);
 * ```
 */
export interface StructuredData {
  readonly kind: 'structured';
  readonly format: DataFormat;
  /** Rows of named columns (CSV, the target column removed) or row-major numbers of `sampleShape`. */
  readonly x: readonly TableRow[] | Float32Array;
  readonly sampleShape?: readonly [number];
  /** One label per row: integers when every target value is an integer, else strings. */
  readonly labels: readonly string[] | readonly number[];
  /** The target column (CSV). */
  readonly target?: string;
  readonly size: number;
  readonly source: string;
}

/** What {@link loadData} returns: images or structured data, both with labels. */
export type LoadedData = ImageData | StructuredData;

/**
 * Options of {@link loadImageFolder} (and of {@link loadData} for a folder of images).
 *
 * @example
 * ```ts
 * import type { ImageFolderOptions } from '@autonas/data';
 * const options: ImageFolderOptions = { size: [32, 32], resize: 'nearest', channels: 1 };
 * ```
 */
export interface ImageFolderOptions {
  /** `[height, width]` of every sample. Default: the most common size among the images. */
  readonly size?: readonly [number, number];
  /** How an image of another size is resized (default `'bilinear'`); `'none'` refuses mixed sizes. */
  readonly resize?: 'bilinear' | 'nearest' | 'none';
  /** 1 (grayscale) or 3 (RGB). Default: 1 when every image is gray, else 3. */
  readonly channels?: 1 | 3;
}

/**
 * Options of {@link loadData}.
 *
 * @example
 * ```ts
 * import type { LoadDataOptions } from '@autonas/data';
 * const options: LoadDataOptions = { target: 'weather' };
 * ```
 */
export interface LoadDataOptions extends ImageFolderOptions {
  /** The label column of a CSV file (default `target`). */
  readonly target?: string;
}

const IMAGE_EXT = /\.(png|jpe?g)$/i;

async function node() {
  const [fs, path] = await Promise.all([import('node:fs/promises'), import('node:path')]);
  return { fs, path };
}

function unreadable(path: string, e: unknown, what = 'file'): never {
  if (e instanceof AutonasError) throw e;
  throw new DataError('FILE_UNREADABLE', `cannot read ${what} ${path}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
}

interface Decoded {
  readonly width: number;
  readonly height: number;
  /** RGBA bytes. */
  readonly data: Uint8Array;
}

async function decodeImage(file: string, bytes: Uint8Array): Promise<Decoded> {
  try {
    if (/\.png$/i.test(file)) {
      const { PNG } = await import('pngjs');
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { width: png.width, height: png.height, data: png.data };
    }
    const jpeg = (await import('jpeg-js')).default;
    const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true });
    return { width: img.width, height: img.height, data: img.data };
  } catch (e) {
    return unreadable(file, e, 'image');
  }
}

function isGray(img: Decoded): boolean {
  const d = img.data;
  for (let i = 0; i < d.length; i += 4) if (d[i] !== d[i + 1] || d[i] !== d[i + 2]) return false;
  return true;
}

/** Writes one image into `out` at `offset` as `[h, w, channels]` floats in [0, 1]. */
function writeResized(img: Decoded, h: number, w: number, channels: number, mode: 'bilinear' | 'nearest' | 'none', out: Float32Array, offset: number): void {
  const { width: sw, height: sh, data } = img;
  const px = (y: number, x: number, c: number): number => {
    const i = (y * sw + x) * 4;
    return channels === 1 ? (0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2]) / 255 : data[i + c] / 255;
  };
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < channels; c++) {
        let v: number;
        if (sh === h && sw === w) v = px(y, x, c);
        else if (mode === 'nearest') v = px(Math.min(sh - 1, Math.floor(((y + 0.5) * sh) / h)), Math.min(sw - 1, Math.floor(((x + 0.5) * sw) / w)), c);
        else {
          const fy = Math.max(0, Math.min(sh - 1, ((y + 0.5) * sh) / h - 0.5));
          const fx = Math.max(0, Math.min(sw - 1, ((x + 0.5) * sw) / w - 0.5));
          const y0 = Math.floor(fy), x0 = Math.floor(fx);
          const y1 = Math.min(sh - 1, y0 + 1), x1 = Math.min(sw - 1, x0 + 1);
          const dy = fy - y0, dx = fx - x0;
          v = (px(y0, x0, c) * (1 - dx) + px(y0, x1, c) * dx) * (1 - dy) + (px(y1, x0, c) * (1 - dx) + px(y1, x1, c) * dx) * dy;
        }
        out[offset + (y * w + x) * channels + c] = v;
      }
    }
  }
}

function checkFolderOptions(o: ImageFolderOptions): void {
  if (o.size !== undefined && !(Array.isArray(o.size) && o.size.length === 2 && o.size.every((d) => Number.isInteger(d) && d > 0))) {
    throw new ConfigurationError('INVALID_OPTION', `loadImageFolder: size must be [height, width] of positive integers, got ${JSON.stringify(o.size)}`);
  }
  if (o.resize !== undefined && !['bilinear', 'nearest', 'none'].includes(o.resize)) {
    throw new ConfigurationError('INVALID_OPTION', `loadImageFolder: resize must be 'bilinear', 'nearest' or 'none', got ${JSON.stringify(o.resize)}`);
  }
  if (o.channels !== undefined && o.channels !== 1 && o.channels !== 3) {
    throw new ConfigurationError('INVALID_OPTION', `loadImageFolder: channels must be 1 or 3, got ${JSON.stringify(o.channels)}`);
  }
}

/**
 * Reads a folder holding one subfolder per class of PNG and JPEG images (Node.js only). The
 * class names are the subfolder names, sorted; every image is resized to one size and kept
 * gray or RGB.
 *
 * @param dir - the folder
 * @param options - size, resize mode, channels
 * @returns the images, scaled to [0, 1], with a class name per image
 * @throws DataError `FILE_UNREADABLE` (missing folder, undecodable image), `EMPTY_DATA` (no
 *   class subfolder, or one without images), `MIXED_IMAGE_SIZES` (sizes differ and `resize` is `'none'`).
 *
 * @example
 * ```ts
 * import { loadImageFolder } from '@autonas/data';
 * const data = await loadImageFolder('digits', { size: [28, 28] });
 * data.sampleShape; // [28, 28, 1] for gray images
 * ```
 */
export async function loadImageFolder(dir: string, options: ImageFolderOptions = {}): Promise<ImageData> {
  checkFolderOptions(options);
  const { fs, path } = await node();
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (e) {
    return unreadable(dir, e, 'folder');
  }
  const classes = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
  if (classes.length === 0) throw new DataError('EMPTY_DATA', `${dir}: no class subfolders (expected one subfolder of PNG or JPEG images per class)`);
  const files: { file: string; label: string }[] = [];
  for (const name of classes) {
    const sub = path.join(dir, name);
    const images = (await fs.readdir(sub)).filter((f) => IMAGE_EXT.test(f)).sort();
    if (images.length === 0) throw new DataError('EMPTY_DATA', `${sub}: class "${name}" has no PNG or JPEG image`);
    for (const f of images) files.push({ file: path.join(sub, f), label: name });
  }
  const decoded: Decoded[] = [];
  for (const { file } of files) {
    let bytes: Uint8Array;
    try {
      bytes = await fs.readFile(file);
    } catch (e) {
      return unreadable(file, e, 'image');
    }
    decoded.push(await decodeImage(file, bytes));
  }
  const counts = new Map<string, number>();
  for (const d of decoded) counts.set(`${d.height}x${d.width}`, (counts.get(`${d.height}x${d.width}`) ?? 0) + 1);
  const mode = options.resize ?? 'bilinear';
  if (mode === 'none' && counts.size > 1) {
    const i = decoded.findIndex((d) => d.height !== decoded[0].height || d.width !== decoded[0].width);
    throw new DataError(
      'MIXED_IMAGE_SIZES',
      `${dir}: images have ${counts.size} sizes (${files[0].file} is ${decoded[0].height}x${decoded[0].width}, ${files[i].file} is ${decoded[i].height}x${decoded[i].width}); give a size or a resize mode`,
    );
  }
  const [h, w] = options.size ?? ([...counts.entries()].sort((a, b) => b[1] - a[1])[0][0].split('x').map(Number) as [number, number]);
  if (mode === 'none' && (decoded[0].height !== h || decoded[0].width !== w)) {
    throw new DataError('MIXED_IMAGE_SIZES', `${dir}: images are ${decoded[0].height}x${decoded[0].width}, not the ${h}x${w} asked for, and resize is 'none'`);
  }
  const channels = options.channels ?? (decoded.every(isGray) ? 1 : 3);
  const sample = h * w * channels;
  const x = new Float32Array(decoded.length * sample);
  decoded.forEach((d, i) => writeResized(d, h, w, channels, mode, x, i * sample));
  return { kind: 'image', format: 'image-folder', x, sampleShape: [h, w, channels], labels: files.map((f) => f.label), classes, files: files.map((f) => f.file), size: files.length, source: dir };
}

function labelsOf(values: readonly unknown[]): string[] | number[] {
  return values.every((v) => typeof v === 'number' && Number.isInteger(v)) ? (values as number[]) : values.map((v) => String(v));
}

/**
 * Reads a CSV file with a header row (Node.js only): every column but `target` is a feature;
 * numbers are parsed, other values kept as text.
 *
 * @param file - the CSV file
 * @param options - `target`: the label column (default `target`)
 * @returns the rows without the target column, and one label per row
 * @throws DataError `FILE_UNREADABLE` (missing file, malformed CSV), `EMPTY_DATA` (no data
 *   row), `MISSING_TARGET` (no such column, or a row without a value in it).
 *
 * @example
 * ```ts
 * import { loadCsv } from '@autonas/data';
 * const data = await loadCsv('weather.csv', { target: 'weather' });
 * data.labels[0]; // 'drizzle'
 * ```
 */
export async function loadCsv(file: string, options: { target?: string } = {}): Promise<StructuredData> {
  const target = options.target ?? 'target';
  const { fs } = await node();
  let rows: Record<string, unknown>[];
  try {
    const text = await fs.readFile(file, 'utf8');
    const { parse } = await import('csv-parse/sync');
    rows = parse(text, { columns: true, skip_empty_lines: true, trim: true, cast: true, bom: true }) as Record<string, unknown>[];
  } catch (e) {
    return unreadable(file, e, 'CSV file');
  }
  if (rows.length === 0) throw new DataError('EMPTY_DATA', `${file}: no data rows (a header row and at least one row are needed)`);
  const columns = Object.keys(rows[0]);
  if (!columns.includes(target)) {
    throw new DataError('MISSING_TARGET', `${file}: no target column "${target}"; the columns are ${columns.map((c) => JSON.stringify(c)).join(', ')} (choose one with target)`);
  }
  if (columns.length < 2) throw new DataError('EMPTY_DATA', `${file}: no feature column besides the target "${target}"`);
  const values = rows.map((r) => r[target]);
  const hole = values.findIndex((v) => v === undefined || v === null || v === '');
  if (hole >= 0) throw new DataError('MISSING_TARGET', `${file}: row ${hole + 1} has no value in the target column "${target}"`);
  const x = rows.map((r) => {
    const { [target]: _, ...rest } = r;
    return rest;
  });
  return { kind: 'structured', format: 'csv', x, labels: labelsOf(values), target, size: rows.length, source: file };
}

async function readNpyFile(file: string): Promise<NpyArray> {
  const { fs } = await node();
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(file);
  } catch (e) {
    return unreadable(file, e, '.npy file');
  }
  return parseNpy(bytes, { source: file });
}

/** Features `[n, ...]` and labels `[n]` as image or structured data. */
function fromArrays(format: DataFormat, source: string, x: { shape: readonly number[]; data: ArrayLike<number>; dtype: string }, y: { shape: readonly number[]; data: ArrayLike<number> }, xName: string, yName: string): LoadedData {
  const n = x.shape[0] ?? 0;
  if (x.shape.length < 2 || n === 0) throw new DataError('EMPTY_DATA', `${xName}: shape [${x.shape.join(', ')}] holds no samples (expected [samples, ...])`);
  if (y.shape.length !== 1 || y.shape[0] !== n) throw new DataError('COUNT_MISMATCH', `${xName} has ${n} samples but ${yName} has shape [${y.shape.join(', ')}] (expected [${n}])`);
  const labels = Array.from(y.data);
  if (!labels.every(Number.isInteger)) throw new DataError('LABEL_NOT_INTEGER', `${yName}: labels must be integers`);
  const scale = x.dtype === 'uint8' || x.dtype === '|u1' ? 1 / 255 : 1;
  const data = Float32Array.from(x.data, (v) => v * scale);
  const shape = x.shape.slice(1);
  if (shape.length === 1) return { kind: 'structured', format, x: data, sampleShape: [shape[0]], labels, size: n, source };
  const sampleShape = (shape.length === 2 ? [shape[0], shape[1], 1] : shape) as [number, number, number];
  if (sampleShape.length !== 3) throw new DataError('SHAPE_MISMATCH', `${xName}: samples of shape [${shape.join(', ')}] are neither rows nor images`);
  return { kind: 'image', format, x: data, sampleShape, labels, size: n, source };
}

/**
 * Loads labelled data from a path, detecting its kind (Node.js only):
 * - a `.csv` file: structured data, labels from the `target` column ({@link loadCsv});
 * - a folder holding `x.npy` and `y.npy`: features `[n, ...]` and integer labels `[n]`;
 * - a folder holding an IDX pair (`*images*idx*` and `*labels*idx*`, optionally `.gz`);
 * - a folder of class subfolders of PNG/JPEG images ({@link loadImageFolder}).
 *
 * Features of rank 2 per sample (`[h, w]`) or 3 are images, of rank 1 structured rows; uint8
 * arrays are scaled to [0, 1].
 *
 * @param path - a file or a folder
 * @param options - `target` for CSV, the image folder options
 * @returns image or structured data, by `kind`
 * @throws DataError `FILE_UNREADABLE` (missing path, unknown file type), `EMPTY_DATA`,
 *   `MISSING_TARGET`, `MIXED_IMAGE_SIZES`, `COUNT_MISMATCH`, and the npy / IDX parse errors.
 *
 * @example
 * ```ts
 * import { loadData } from '@autonas/data';
 * const data = await loadData('weather.csv', { target: 'weather' });
 * console.log(data.kind, data.size); // structured 1461
 * ```
 */
export async function loadData(path: string, options: LoadDataOptions = {}): Promise<LoadedData> {
  const { fs, path: p } = await node();
  let stat: import('node:fs').Stats;
  try {
    stat = await fs.stat(path);
  } catch (e) {
    return unreadable(path, e, 'data at');
  }
  if (stat.isFile()) {
    if (/\.csv$/i.test(path)) return loadCsv(path, { target: options.target });
    if (/\.npy$/i.test(path)) throw new DataError('FILE_UNREADABLE', `${path}: give the folder holding x.npy and y.npy, not one .npy file`);
    throw new DataError('FILE_UNREADABLE', `${path}: unknown data file type (expected .csv, or a folder of images, x.npy + y.npy or an IDX pair)`);
  }
  const names = await fs.readdir(path);
  if (names.includes('x.npy') && names.includes('y.npy')) {
    const [x, y] = await Promise.all([readNpyFile(p.join(path, 'x.npy')), readNpyFile(p.join(path, 'y.npy'))]);
    return fromArrays('npy', path, x, y, p.join(path, 'x.npy'), p.join(path, 'y.npy'));
  }
  const images = names.filter((f) => /images.*idx|idx.*images/i.test(f)).sort();
  const labels = names.filter((f) => /labels.*idx|idx.*labels/i.test(f)).sort();
  if (images.length > 0 && labels.length > 0) {
    const xi = images.find((f) => !/t10k|test/i.test(f)) ?? images[0];
    const yi = labels.find((f) => f.replace('labels', 'images').replace(/idx1/, 'idx3') === xi) ?? labels.find((f) => !/t10k|test/i.test(f)) ?? labels[0];
    const [x, y] = await Promise.all([readIdxPrefix(p.join(path, xi)), readIdxPrefix(p.join(path, yi))]);
    return fromArrays('idx', path, x.array, y.array, p.join(path, xi), p.join(path, yi));
  }
  return loadImageFolder(path, options);
}

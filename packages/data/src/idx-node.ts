import { AutonasError, ConfigurationError, DataError } from '@autonas/core';
import { checkIdxSize, decodeIdxData, IDX_BYTES_PER_ELEMENT, parseIdx, parseIdxHeader, type IdxArray, type IdxHeader } from './idx.js';

/**
 * Options of {@link readIdxFile}.
 *
 * @example
 * ```ts
 * import type { ReadIdxFileOptions } from '@autonas/data';
 * const options: ReadIdxFileOptions = { limit: 1000 }; // the first 1000 images only
 * ```
 */
export interface ReadIdxFileOptions {
  /**
   * Read at most this many entries along the first axis (e.g. the first 1000 images). For an
   * uncompressed file only those bytes are read; the size of the whole file is still checked.
   */
  readonly limit?: number;
}

/** Largest possible IDX header: 4 bytes + 255 dimensions × 4 bytes. */
const MAX_HEADER_BYTES = 4 + 4 * 255;

/** A file read by {@link readIdxPrefix}: the header of the whole file and the data read. */
export interface IdxPrefix {
  /** Header of the whole file (its full shape). */
  readonly header: IdxHeader;
  /** The data read: the first `limit` entries along axis 0 (all when no limit). */
  readonly array: IdxArray;
}

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function unreadable(path: string, e: unknown): never {
  if (e instanceof AutonasError) throw e;
  const reason = e instanceof Error ? e.message : String(e);
  throw new DataError('FILE_UNREADABLE', `cannot read IDX file ${path}: ${reason}`, { cause: e });
}

async function readFully(
  handle: { read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number }> },
  buffer: Uint8Array,
  position: number,
): Promise<number> {
  let done = 0;
  while (done < buffer.length) {
    const { bytesRead } = await handle.read(buffer, done, buffer.length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
}

function checkLimit(limit: unknown): number | undefined {
  if (limit === undefined) return undefined;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0) {
    throw new ConfigurationError('INVALID_OPTION', `readIdxFile: limit must be a non-negative integer, got ${String(limit)}`);
  }
  return limit;
}

function truncate(array: IdxArray, limit: number | undefined): IdxArray {
  if (limit === undefined || array.shape.length === 0 || limit >= array.shape[0]) return array;
  const rowSize = array.shape.slice(1).reduce((a, b) => a * b, 1);
  const shape = [limit, ...array.shape.slice(1)];
  return { dtype: array.dtype, shape, data: array.data.slice(0, limit * rowSize) } as IdxArray;
}

/**
 * Reads the header of a whole IDX file and the first `limit` entries of its data.
 *
 * @internal
 */
export async function readIdxPrefix(path: string, options: ReadIdxFileOptions = {}): Promise<IdxPrefix> {
  const limit = checkLimit(options.limit);
  const fs = await import('node:fs/promises');
  const source = { source: path };
  let handle: Awaited<ReturnType<typeof fs.open>> | undefined;
  try {
    handle = await fs.open(path, 'r');
    const { size } = await handle.stat();
    const head = new Uint8Array(Math.min(size, MAX_HEADER_BYTES));
    await readFully(handle, head, 0);
    if (path.endsWith('.gz') || isGzip(head)) {
      await handle.close();
      handle = undefined;
      const zlib = await import('node:zlib');
      const { promisify } = await import('node:util');
      const compressed = await fs.readFile(path);
      let raw: Uint8Array;
      try {
        raw = await promisify(zlib.gunzip)(compressed);
      } catch (e) {
        throw new DataError('FILE_UNREADABLE', `cannot decompress gzip IDX file ${path}: ${(e as Error).message}`, { cause: e });
      }
      const array = parseIdx(raw, source);
      return { header: parseIdxHeader(raw, source), array: truncate(array, limit) };
    }
    const header = parseIdxHeader(head, source);
    checkIdxSize(header, size, source);
    const rows = header.shape.length === 0 ? 1 : header.shape[0];
    const rowSize = header.shape.slice(1).reduce((a, b) => a * b, 1);
    const take = limit === undefined || header.shape.length === 0 ? rows : Math.min(limit, rows);
    const count = take * rowSize;
    const data = new Uint8Array(count * IDX_BYTES_PER_ELEMENT[header.dtype]);
    const got = await readFully(handle, data, header.headerBytes);
    if (got < data.length) {
      throw new DataError(
        'IDX_TRUNCATED',
        `IDX ${path}: truncated data: expected ${data.length} bytes after the header, got ${got} (the file changed while reading?)`,
      );
    }
    const shape = header.shape.length === 0 ? [] : [take, ...header.shape.slice(1)];
    const array = { dtype: header.dtype, shape, data: decodeIdxData(header.dtype, data, 0, count, true) } as IdxArray;
    return { header, array };
  } catch (e) {
    return unreadable(path, e);
  } finally {
    await handle?.close();
  }
}

/**
 * Reads an IDX file (Node.js only), optionally gzip-compressed (by the `.gz` extension or the
 * gzip magic bytes). With `limit`, only the first `limit` entries along the first axis are
 * returned, and for an uncompressed file only their bytes are read.
 *
 * @throws DataError `FILE_UNREADABLE` (missing file, gzip error) and the {@link parseIdx}
 *   errors, each naming the file.
 * @throws ConfigurationError `INVALID_OPTION` for a bad `limit`.
 *
 * @example
 * ```ts
 * import { readIdxFile } from '@autonas/data';
 * const labels = await readIdxFile('data/train-labels-idx1-ubyte', { limit: 100 });
 * labels.shape; // [100]
 * ```
 */
export async function readIdxFile(path: string, options: ReadIdxFileOptions = {}): Promise<IdxArray> {
  return (await readIdxPrefix(path, options)).array;
}

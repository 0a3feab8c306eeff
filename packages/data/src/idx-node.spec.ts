import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ConfigurationError, DataError } from '@autonas/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeIdx } from './idx.js';
import { readIdxFile } from './idx-node.js';

let dir: string;
const values = Array.from({ length: 5 * 3 }, (_, i) => i * 100 - 700);
const file = encodeIdx({ dtype: 'int16', shape: [5, 3], data: values });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'autonas-idx-'));
  await writeFile(join(dir, 'a.idx'), file);
  await writeFile(join(dir, 'a.idx.gz'), gzipSync(file));
  await writeFile(join(dir, 'gz-without-extension'), gzipSync(file));
  await writeFile(join(dir, 'short.idx'), file.subarray(0, file.length - 1));
  const long = new Uint8Array(file.length + 4);
  long.set(file);
  await writeFile(join(dir, 'long.idx'), long);
  await writeFile(join(dir, 'broken.gz'), new Uint8Array([0x1f, 0x8b, 1, 2, 3]));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function rejection(p: Promise<unknown>): Promise<DataError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(DataError);
  return e as DataError;
}

describe('readIdxFile', () => {
  it('reads a whole file', async () => {
    const a = await readIdxFile(join(dir, 'a.idx'));
    expect(a.dtype).toBe('int16');
    expect(a.shape).toEqual([5, 3]);
    expect(Array.from(a.data)).toEqual(values);
  });

  it('reads only the first `limit` rows', async () => {
    const a = await readIdxFile(join(dir, 'a.idx'), { limit: 2 });
    expect(a.shape).toEqual([2, 3]);
    expect(Array.from(a.data)).toEqual(values.slice(0, 6));
    const all = await readIdxFile(join(dir, 'a.idx'), { limit: 99 });
    expect(all.shape).toEqual([5, 3]);
  });

  it('reads gzip by extension or magic bytes', async () => {
    for (const name of ['a.idx.gz', 'gz-without-extension']) {
      const a = await readIdxFile(join(dir, name), { limit: 4 });
      expect(a.shape).toEqual([4, 3]);
      expect(Array.from(a.data)).toEqual(values.slice(0, 12));
    }
  });

  it('checks the size of the whole file even with a limit', async () => {
    const short = await rejection(readIdxFile(join(dir, 'short.idx'), { limit: 1 }));
    expect(short.code).toBe('IDX_TRUNCATED');
    expect(short.message).toContain('short.idx');
    expect(short.message).toMatch(/needs 30 data bytes.*got 29/);
    const long = await rejection(readIdxFile(join(dir, 'long.idx')));
    expect(long.code).toBe('IDX_TRAILING_BYTES');
    expect(long.message).toContain('long.idx');
  });

  it('reports missing and corrupt files as FILE_UNREADABLE', async () => {
    const missing = await rejection(readIdxFile(join(dir, 'nope.idx')));
    expect(missing.code).toBe('FILE_UNREADABLE');
    expect(missing.message).toContain('nope.idx');
    const broken = await rejection(readIdxFile(join(dir, 'broken.gz')));
    expect(broken.code).toBe('FILE_UNREADABLE');
    expect(broken.message).toContain('broken.gz');
  });

  it('rejects a bad limit', async () => {
    await expect(readIdxFile(join(dir, 'a.idx'), { limit: -1 })).rejects.toBeInstanceOf(ConfigurationError);
  });
});

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TrialRecord } from '@autonas/core';
import { STORE_FILE, openExperimentDirectory } from './experiment-directory.js';
import { SqliteTrialStore } from './sqlite-trial-store.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'autonas-store-rel-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const trial = (id: number, score: number): TrialRecord => ({
  id, architecture: { nodes: [{ id: 'a', op: 'input', params: {}, inputs: [] }] } as never, hash: `h${id}`, status: 'completed', score, metrics: {}, epochs: [], startedAt: 1, endedAt: 2, seconds: 1,
});

describe('issue 16: the store directory', () => {
  it('a second search with overwrite is refused while another live process writes the experiment, and its file is not deleted', async () => {
    const file = path.join(dir, STORE_FILE);
    const register = path.resolve(import.meta.dirname, '../../../tools/run-ts/register.mjs');
    const script = `import { SqliteTrialStore } from '@autonas/store-sqlite'; const s = new SqliteTrialStore({ path: ${JSON.stringify(file)} }); s.put(${JSON.stringify(trial(0, 0.5))}); console.log('open'); setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--import', register, '--input-type=module', '-e', script], { cwd: path.resolve(import.meta.dirname, '..'), stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout!.on('data', (d: Buffer) => d.toString().includes('open') && resolve());
        child.on('exit', (code) => reject(new Error(`child exited ${code}`)));
      });
      const inode = fs.statSync(file).ino;
      expect(() => openExperimentDirectory(dir, { overwrite: true })).toThrow(expect.objectContaining({ code: 'STORE_IN_USE' }));
      expect(fs.statSync(file).ino).toBe(inode); // the live file was not unlinked
      const reader = new SqliteTrialStore({ path: file, readonly: true });
      expect(reader.trials().map((t) => t.score)).toEqual([0.5]);
      reader.close();
    } finally {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
    // Once that writer is gone, overwrite empties the experiment in place.
    const { store, resumed } = openExperimentDirectory(dir, { overwrite: true });
    expect([resumed, store.trials().length]).toEqual([false, 0]);
    store.close();
  });

  it('overwrite replaces a file that is not a store; a path that is a file is BAD_DIRECTORY', () => {
    fs.writeFileSync(path.join(dir, STORE_FILE), 'not sqlite at all, just some text that is long enough to be a header '.repeat(20));
    expect(() => openExperimentDirectory(dir)).toThrow(expect.objectContaining({ code: 'STORE_CORRUPT' }));
    const { store } = openExperimentDirectory(dir, { overwrite: true });
    store.close();
    const plain = path.join(dir, 'plain');
    fs.writeFileSync(plain, 'x');
    expect(() => openExperimentDirectory(plain)).toThrow(expect.objectContaining({ code: 'BAD_DIRECTORY' }));
    expect(() => openExperimentDirectory(path.join(plain, 'sub'))).toThrow(expect.objectContaining({ code: 'BAD_DIRECTORY' }));
    expect(fs.readFileSync(plain, 'utf8')).toBe('x');
  });
});

describe('issue 16: hostile trial blobs', () => {
  const tamper = (file: string, sql: string, ...params: unknown[]) => {
    const db = new Database(file);
    db.prepare(sql).run(...params);
    db.close();
  };

  it('an architecture nested 200,000 deep is BAD_BLOB, not a stack overflow', () => {
    const file = path.join(dir, 'deep.sqlite');
    const store = new SqliteTrialStore({ path: file });
    store.put(trial(0, 0.5));
    store.close();
    const depth = 200_000;
    const bytes = new Uint8Array(depth + 1).fill(0x91);
    bytes[depth] = 0x01;
    tamper(file, 'UPDATE trials SET metrics = ? WHERE id = 0', bytes);
    const again = new SqliteTrialStore({ path: file });
    expect(() => again.trials()).toThrow(expect.objectContaining({ code: 'BAD_BLOB', message: expect.stringMatching(/nests deeper than/) }));
    again.close();
  });

  it('an oversized trial part is refused from its size, before the row is read', () => {
    const file = path.join(dir, 'big.sqlite');
    const store = new SqliteTrialStore({ path: file });
    store.put(trial(0, 0.5));
    store.close();
    tamper(file, 'UPDATE trials SET epochs = ? WHERE id = 0', new Uint8Array(4096).fill(0x90));
    const again = new SqliteTrialStore({ path: file, maxBlobBytes: 1024 });
    expect(() => again.trials()).toThrow(expect.objectContaining({ code: 'BLOB_TOO_LARGE', message: expect.stringContaining('trial 0') }));
    expect(() => again.best()).toThrow(expect.objectContaining({ code: 'BLOB_TOO_LARGE', message: expect.stringContaining('without reading it') }));
    again.close();
  });
});

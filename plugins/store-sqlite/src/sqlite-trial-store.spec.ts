import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encode } from '@msgpack/msgpack';
import {
  ContainerModule,
  Experiment,
  InMemoryTrialStore,
  PerformanceEstimator,
  SearchSpace,
  SearchStrategy,
  StateError,
  architectureHash,
  createContainer,
  type TrialRecord,
  type TrialStore,
} from '@autonas/core';
import { GridSpace } from '@autonas/testing';
import { conformanceTrial } from '@autonas/testing/conformance';
import { decodeBlob, encodeBlob } from './blob-codec.js';
import { STORE_FILE, openExperimentDirectory } from './experiment-directory.js';
import { SqliteTrialStore, sqliteStoreModule } from './sqlite-trial-store.js';
import { ClimbStrategy, SleepEstimator } from './resume-child.test-util.js';

const space = new GridSpace({ a: [1, 2, 3, 4], b: [1, 2, 3] });
let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'autonas-store-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function trial(id: number, a: number, b: number, extra: Partial<TrialRecord> = {}): TrialRecord {
  const architecture = space.build({ 'grid/a': a, 'grid/b': b });
  return { id, architecture, hash: architectureHash(architecture), status: 'completed', score: a * b, metrics: { score: a * b, valLoss: NaN }, epochs: [{ epoch: 0, loss: 1 / (a * b) }], startedAt: 1000 + id, endedAt: 2000 + id, seconds: 1, ...extra };
}

/** The same writes into two stores, for comparing them. */
function fill(store: TrialStore): void {
  store.put(trial(0, 1, 1));
  store.put(trial(1, 4, 3, { status: 'running', score: undefined, endedAt: undefined, seconds: undefined, metrics: {}, epochs: [] }));
  store.put(trial(2, 2, 3, { status: 'failed', score: undefined, error: 'boom' }));
  store.put(trial(3, 3, 3, { status: 'stopped', score: 5 }));
  store.put(trial(4, 1, 1, { cached: true, attempt: 2 }));
  store.put(trial(1, 4, 3, { status: 'completed' }));
}

describe('SqliteTrialStore', () => {
  it('answers exactly like the in-memory store, NaN metrics and optional fields included', () => {
    const file = path.join(dir, 's.sqlite');
    const mem = new InMemoryTrialStore();
    const sql = new SqliteTrialStore({ path: file });
    fill(mem);
    fill(sql);
    expect(sql.trials()).toEqual(mem.trials());
    expect(sql.trials()[0]!.metrics.valLoss).toBeNaN();
    expect(sql.get(4)).toEqual(mem.get(4));
    expect(sql.get(99)).toBeUndefined();
    expect(sql.best()).toEqual(mem.best());
    expect(sql.best()!.id).toBe(1);
    expect(sql.findByHash(trial(0, 1, 1).hash)!.id).toBe(4);
    expect(sql.findByHash(trial(2, 2, 3).hash)).toBeUndefined();
    expect(Object.keys(sql.get(0)!)).not.toContain('error');
    sql.close();
    // And it is all still there after reopening the file, in WAL mode.
    const again = new SqliteTrialStore({ path: file });
    expect(again.trials()).toEqual(mem.trials());
    again.close();
    const raw = new Database(file);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
  });

  it('keeps typed arrays exactly in strategy state, metadata and blobs', () => {
    const store = new SqliteTrialStore({ path: path.join(dir, 's.sqlite') });
    const nanWithPayload = new Float32Array(new Uint32Array([0x7fc00001]).buffer)[0]!;
    const w = new Float32Array([0.1, -0, Infinity, nanWithPayload, 3.4e38]);
    const state = { version: 2, w, i: new Int32Array([-5, 7]), d: new Float64Array([Math.PI]), u: new Uint8Array([1, 255]), nested: [{ big: new BigInt64Array([-(2n ** 62n)]) }], at: new Date(5) };
    store.saveStrategyState(state);
    const back = store.loadStrategyState() as typeof state;
    expect(back.w).toBeInstanceOf(Float32Array);
    expect(new Uint8Array(back.w.buffer)).toEqual(new Uint8Array(w.buffer));
    expect(back.i).toEqual(state.i);
    expect(back.d).toEqual(state.d);
    expect(back.u).toBeInstanceOf(Uint8Array);
    expect(back.nested[0]!.big).toEqual(state.nested[0]!.big);
    expect(back.at).toEqual(new Date(5));
    store.putBlob('weights/7', { shapes: [[2, 2]], data: new Float32Array([1, 2, 3, 4]) });
    expect((store.getBlob('weights/7') as { data: Float32Array }).data).toEqual(new Float32Array([1, 2, 3, 4]));
    store.deleteBlob('weights/7');
    expect(store.getBlob('weights/7')).toBeUndefined();
    expect(store.loadMeta('nothing')).toBeUndefined();
    store.saveBestModel({ location: 'file:///tmp/m', trialId: 3 });
    expect(store.loadBestModel()).toMatchObject({ location: 'file:///tmp/m', trialId: 3 });
    expect(() => store.saveMeta('f', { run: () => 1 })).toThrow(StateError);
    store.close();
    expect(() => store.trials()).toThrow(/closed/);
  });

  it('keeps experiments of one file apart and lists them', () => {
    const file = path.join(dir, 's.sqlite');
    const a = new SqliteTrialStore({ path: file, experiment: 'a' });
    const b = new SqliteTrialStore({ path: file, experiment: 'b' });
    a.put(trial(0, 1, 1));
    b.put(trial(0, 2, 2));
    b.put(trial(1, 2, 3));
    a.saveStrategyState({ who: 'a' });
    expect(b.loadStrategyState()).toBeUndefined();
    expect(a.trials().map((t) => t.score)).toEqual([1]);
    expect(SqliteTrialStore.experiments(file).map((e) => [e.name, e.trials])).toEqual([['a', 1], ['b', 2]]);
    expect(SqliteTrialStore.experiments(path.join(dir, 'none.sqlite'))).toEqual([]);
    a.close();
    b.close();
    expect(() => new SqliteTrialStore({ path: file, experiment: 'c', readonly: true })).toThrow(/no experiment "c"/);
    const ro = new SqliteTrialStore({ path: file, experiment: 'b', readonly: true });
    expect(ro.trials()).toHaveLength(2);
    expect(() => ro.put(trial(2, 1, 2))).toThrow(StateError);
    ro.close();
  });

  it('records a trial whole or not at all', () => {
    const store = new SqliteTrialStore({ path: path.join(dir, 's.sqlite') });
    store.put(trial(0, 1, 1));
    // The metrics cannot be encoded: nothing of trial 1 may be written.
    expect(() => store.put({ ...trial(1, 2, 2), metrics: { f: (() => 1) as never } })).toThrow(StateError);
    expect(store.trials().map((t) => t.id)).toEqual([0]);
    // A replacement that fails leaves the old record as it was.
    expect(() => store.put({ ...trial(0, 1, 1), status: 'weird' as never })).toThrow(/unknown status/);
    expect(store.get(0)!.status).toBe('completed');
    store.close();
  });
});

describe('one writer per experiment', () => {
  it('refuses a second live writer and takes over from one that was killed', async () => {
    const file = path.join(dir, 'w.sqlite');
    const register = path.resolve(import.meta.dirname, '../../../tools/run-ts/register.mjs');
    const script = `import { SqliteTrialStore } from '@autonas/store-sqlite'; new SqliteTrialStore({ path: ${JSON.stringify(file)} }); console.log('open'); setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--import', register, '--input-type=module', '-e', script], { cwd: path.resolve(import.meta.dirname, '..'), stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => d.toString().includes('open') && resolve());
      child.on('exit', (code) => reject(new Error(`child exited ${code}`)));
    });
    expect(() => new SqliteTrialStore({ path: file })).toThrow(new RegExp(`being written by process ${child.pid} on .*takeOver`));
    const reader = new SqliteTrialStore({ path: file, readonly: true });
    expect(reader.trials()).toEqual([]);
    reader.close();
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const after = new SqliteTrialStore({ path: file });
    after.put(trial(0, 1, 1));
    after.close();
    // Closing released it: another writer (here, this process again) opens it freely.
    new SqliteTrialStore({ path: file }).close();
  });
});

describe('bad or hostile files and blobs', () => {
  function writeGoodStore(file: string, n = 200): void {
    const store = new SqliteTrialStore({ path: file });
    for (let i = 0; i < n; i++) store.put(trial(i, 1 + (i % 4), 1 + (i % 3), { metrics: { pad: i, text: 'x'.repeat(200) } as never }));
    store.close();
  }
  const expectStateError = (fn: () => unknown, code: string | RegExp) => {
    let caught: unknown;
    try {
      fn();
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(StateError);
    if (typeof code === 'string') expect((caught as StateError).code).toBe(code);
    else expect((caught as StateError).code).toMatch(code);
    return caught as StateError;
  };

  it('refuses a file that is not a database, a foreign database and a newer schema', () => {
    const junk = path.join(dir, 'junk.sqlite');
    fs.writeFileSync(junk, Buffer.from('this is not a database at all, just some text. '.repeat(200)));
    const e = expectStateError(() => new SqliteTrialStore({ path: junk }), 'STORE_CORRUPT');
    expect(e.message).toContain(junk);
    const foreign = path.join(dir, 'foreign.sqlite');
    const raw = new Database(foreign);
    raw.exec('CREATE TABLE people (name TEXT)');
    raw.close();
    expectStateError(() => new SqliteTrialStore({ path: foreign }), 'NOT_AN_AUTONAS_STORE');
    expectStateError(() => SqliteTrialStore.experiments(foreign), 'NOT_AN_AUTONAS_STORE');
    const future = path.join(dir, 'future.sqlite');
    new SqliteTrialStore({ path: future }).close();
    const f = new Database(future);
    f.pragma('user_version = 9');
    f.close();
    expectStateError(() => new SqliteTrialStore({ path: future }), 'STORE_VERSION');
  });

  it('upgrades a store of schema 1 (no parent column) when opened for writing, keeping its trials, and reads one read-only as it is', () => {
    const file = path.join(dir, 'schema1.sqlite');
    const s = new SqliteTrialStore({ path: file });
    s.put(conformanceTrial(0));
    s.close();
    // Make it the file schema 1 wrote: no parent column, user_version 1.
    const raw = new Database(file);
    raw.exec('ALTER TABLE trials DROP COLUMN parent');
    raw.pragma('user_version = 1');
    raw.close();
    const old = new SqliteTrialStore({ path: file, readonly: true });
    expect(old.trials()).toEqual([conformanceTrial(0)]);
    old.close();
    const upgraded = new SqliteTrialStore({ path: file });
    expect(upgraded.trials()).toEqual([conformanceTrial(0)]);
    upgraded.put(conformanceTrial(1, { parent: 0 }));
    expect(upgraded.get(1)!.parent).toBe(0);
    upgraded.close();
    const check = new Database(file, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(2);
    check.close();
  });

  it('reports a truncated or damaged database as corrupt without crashing', () => {
    const file = path.join(dir, 'good.sqlite');
    writeGoodStore(file);
    const bytes = fs.readFileSync(file);
    expect(bytes.length).toBeGreaterThan(40_000);
    const truncated = path.join(dir, 'truncated.sqlite');
    fs.writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
    expectStateError(() => new SqliteTrialStore({ path: truncated }).trials(), 'STORE_CORRUPT');
    // Overwrite pages in the middle with noise (the header stays valid).
    for (const seed of [1, 2, 3]) {
      const damaged = path.join(dir, `damaged-${seed}.sqlite`);
      const copy = Buffer.from(bytes);
      let x = seed * 2654435761;
      for (let i = 4096; i < copy.length - 4096; i += 997) copy[i] = (x = (x * 1103515245 + 12345) >>> 0) & 0xff;
      fs.writeFileSync(damaged, copy);
      expectStateError(() => {
        const s = new SqliteTrialStore({ path: damaged });
        s.trials();
        s.close();
      }, /^(STORE_CORRUPT|BAD_BLOB)$/);
    }
  });

  it('refuses a corrupt blob, an unknown extension and a __proto__ key with a clear error', () => {
    const file = path.join(dir, 's.sqlite');
    const store = new SqliteTrialStore({ path: file });
    store.put(trial(0, 1, 1));
    const raw = new Database(file);
    raw.prepare('UPDATE experiments SET strategy_state = ?').run(Buffer.from([0xc1, 0xff, 0x00]));
    expect(() => store.loadStrategyState()).toThrow(/strategy state .* is corrupt/);
    raw.prepare('UPDATE experiments SET strategy_state = ?').run(Buffer.from(encode({ x: 1 }).subarray(0, 3)));
    expectStateError(() => store.loadStrategyState(), 'BAD_BLOB');
    raw.prepare('UPDATE experiments SET strategy_state = ?').run(Buffer.from([0xd4, 0x7f, 0x01])); // fixext1, type 127
    expect(() => store.loadStrategyState()).toThrow(/unknown MessagePack extension type 127/);
    raw.prepare('UPDATE experiments SET strategy_state = ?').run(Buffer.from([0x81, 0xa9, ...Buffer.from('__proto__'), 0x81, 0xa1, 0x78, 0x01]));
    expectStateError(() => store.loadStrategyState(), 'BAD_BLOB');
    expect(({} as { x?: number }).x).toBeUndefined();
    raw.prepare('UPDATE experiments SET strategy_state = ?').run('a string, not a blob');
    expectStateError(() => store.loadStrategyState(), 'BAD_BLOB');
    // A str header claiming 4 GiB with 3 bytes behind it.
    raw.prepare('UPDATE trials SET metrics = ? WHERE id = 0').run(Buffer.from([0xdb, 0xff, 0xff, 0xff, 0xf0, 0x61, 0x62, 0x63]));
    expect(() => store.trials()).toThrow(/metrics of trial 0 .* is corrupt/);
    raw.prepare('UPDATE trials SET metrics = ? WHERE id = 0').run(Buffer.from(encode([1, 2])));
    expect(() => store.get(0)).toThrow(/metrics of trial 0 .* are not an object/);
    raw.prepare('UPDATE trials SET architecture = ? WHERE id = 0').run(Buffer.from(encode('rm -rf /')));
    expect(() => store.get(0)).toThrow(/architecture of trial 0 .* has no nodes/);
    raw.close();
    store.close();
  });

  it('refuses a blob over the limit before reading or decoding it', () => {
    const file = path.join(dir, 's.sqlite');
    const store = new SqliteTrialStore({ path: file, maxBlobBytes: 1024 });
    store.putBlob('ok', new Float32Array(100));
    expect((store.getBlob('ok') as Float32Array).length).toBe(100);
    store.putBlob('big', new Float32Array(1000));
    const e = expectStateError(() => store.getBlob('big'), 'BLOB_TOO_LARGE');
    expect(e.message).toMatch(/4\d{3} bytes, over the limit of 1024/);
    // Garbage over the limit is refused as too large: it was never decoded.
    const raw = new Database(file);
    raw.prepare(`UPDATE experiments SET strategy_state = ?`).run(Buffer.alloc(5000, 0xc1));
    raw.close();
    expectStateError(() => store.loadStrategyState(), 'BLOB_TOO_LARGE');
    expectStateError(() => decodeBlob(encodeBlob('x'.repeat(2000)), 1000), 'BLOB_TOO_LARGE');
    store.close();
  });

  it('decodes a deeply nested blob without overflowing the stack', () => {
    const depth = 200_000;
    const bytes = new Uint8Array(depth + 1).fill(0x91); // fixarray of 1, nested
    bytes[depth] = 0x01;
    let v = decodeBlob(bytes) as unknown;
    let n = 0;
    while (Array.isArray(v)) {
      v = v[0];
      n++;
    }
    expect([n, v]).toEqual([depth, 1]);
  });
});

describe('experiments in a directory', () => {
  it('resumes a search from the directory and overwrites it on request', async () => {
    const search = async (maxTrials: number, overwrite = false) => {
      const { store, resumed } = openExperimentDirectory(dir, { overwrite });
      const estimator = new SleepEstimator();
      const container = createContainer(
        { maxTrials, seed: 2 },
        new ContainerModule(({ bind, rebind }) => {
          bind(SearchSpace).toConstantValue(space);
          bind(PerformanceEstimator).toConstantValue(estimator);
          bind(SearchStrategy).toConstantValue(new ClimbStrategy());
          rebind<TrialStore>(Symbol.for('autonas.TrialStore')).toConstantValue(store);
        }),
      );
      const result = await container.get(Experiment).run();
      store.close();
      return { resumed, result };
    };
    const first = await search(4);
    expect(first.resumed).toBe(false);
    expect(fs.existsSync(path.join(dir, STORE_FILE))).toBe(true);
    const second = await search(7);
    expect(second.resumed).toBe(true);
    expect(second.result.trials.filter((t) => !t.cached).map((t) => t.id)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(second.result.trials.slice(0, 4)).toEqual(first.result.trials.slice(0, 4));
    const fresh = await search(2, true);
    expect(fresh.resumed).toBe(false);
    expect(fresh.result.trials).toHaveLength(2);
  });

  it('is bound by its container module', () => {
    const file = path.join(dir, 'm.sqlite');
    const c = createContainer({ maxTrials: 1 }, sqliteStoreModule({ path: file }));
    const store = c.get<TrialStore>(Symbol.for('autonas.TrialStore'));
    expect(store).toBeInstanceOf(SqliteTrialStore);
    store.close?.();
  });
});

import fs from 'node:fs';
import os from 'node:os';
import Database from 'better-sqlite3';
import {
  AutonasError,
  ContainerModule,
  StateError,
  TrialStore,
  betterTrial,
  type TrialRecord,
  type TrialStatus,
} from '@autonas/core';
import { DEFAULT_MAX_BLOB_BYTES, decodeBlob, encodeBlob } from './blob-codec.js';

/** `PRAGMA application_id` of an autonas store ("ANAS"), so a foreign SQLite file is recognised. */
export const APPLICATION_ID = 0x414e4153;
/** Schema version (`PRAGMA user_version`) this package writes: 2 added the trials' `parent` column (a store of schema 1 is upgraded when opened for writing). */
export const SCHEMA_VERSION = 2;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS experiments (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created_at REAL NOT NULL,
  updated_at REAL NOT NULL,
  strategy_state BLOB
);
CREATE TABLE IF NOT EXISTS trials (
  experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
  id INTEGER NOT NULL CHECK (id >= 0),
  hash TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed', 'stopped')),
  score REAL,
  started_at REAL NOT NULL,
  ended_at REAL,
  seconds REAL,
  error TEXT,
  cached INTEGER,
  attempt INTEGER,
  parent INTEGER,
  architecture BLOB NOT NULL,
  metrics BLOB NOT NULL,
  epochs BLOB NOT NULL,
  PRIMARY KEY (experiment_id, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS trials_by_hash ON trials (experiment_id, hash, status);
CREATE TABLE IF NOT EXISTS meta (
  experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value BLOB NOT NULL,
  PRIMARY KEY (experiment_id, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS writers (
  experiment_id INTEGER PRIMARY KEY REFERENCES experiments(id) ON DELETE CASCADE,
  pid INTEGER NOT NULL,
  host TEXT NOT NULL,
  since REAL NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS blobs (
  experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value BLOB NOT NULL,
  PRIMARY KEY (experiment_id, key)
) WITHOUT ROWID;
`;

/** Options of {@link SqliteTrialStore}. */
export interface SqliteTrialStoreOptions {
  /** The database file (created when missing), or `':memory:'`. */
  readonly path: string;
  /** Which experiment of the file this store reads and writes (one file can hold several). Default `'default'`. */
  readonly experiment?: string;
  /** Largest blob (strategy state, metadata, weights, a trial's parts) read back, in bytes; larger ones are refused before decoding. Default 256 MiB. */
  readonly maxBlobBytes?: number;
  /** Open without writing (a dashboard reading a running search). The experiment must exist. */
  readonly readonly?: boolean;
  /**
   * Take the experiment over even if another live process on this machine, or any process on
   * another machine, has it open for writing. Default false: that is refused (`STORE_IN_USE`),
   * since two searches writing one experiment would overwrite each other's trials. A writer that
   * died (SIGKILL, crash) on this machine is always taken over.
   */
  readonly takeOver?: boolean;
  /**
   * SQLite's `synchronous` setting. `'full'` (default) makes every committed write durable even
   * on power loss; `'normal'` is faster and still loses nothing when only the process dies.
   */
  readonly synchronous?: 'full' | 'normal';
}

/** Where the best model of an experiment was saved. */
export interface BestModelLocation {
  /** A path or URL (`file://...`), or `blob:KEY` for weights kept in the store's blobs. */
  readonly location: string;
  /** The trial whose architecture it is. */
  readonly trialId?: number;
  readonly savedAt?: number;
}

/** One experiment of a store file, as listed by {@link SqliteTrialStore.experiments}. */
export interface ExperimentSummary {
  readonly name: string;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly trials: number;
}

interface TrialRow {
  id: number;
  hash: string;
  status: string;
  score: number | null;
  started_at: number;
  ended_at: number | null;
  seconds: number | null;
  error: string | null;
  cached: number | null;
  attempt: number | null;
  /** Absent in a store of schema 1 opened read-only. */
  parent?: number | null;
  architecture: Uint8Array;
  metrics: Uint8Array;
  epochs: Uint8Array;
}

const STATUSES: readonly TrialStatus[] = ['running', 'completed', 'failed', 'stopped'];
const BEST_MODEL = 'bestModel';

/** Turns a SQLite failure into a typed error naming the file. */
function storeError(path: string, e: unknown, doing: string): AutonasError {
  if (e instanceof AutonasError) return e;
  const code = (e as { code?: string }).code ?? '';
  const msg = (e as Error).message ?? String(e);
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_IOERR_SHORT_READ') {
    return new StateError('STORE_CORRUPT', `the trial store ${path} is corrupt or not a database (${msg}) while ${doing}`, { cause: e });
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new StateError('STORE_BUSY', `the trial store ${path} is locked by another process (${msg}) while ${doing}`, { cause: e });
  }
  if (code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_PERM')) {
    return new StateError('STORE_UNWRITABLE', `cannot open or write the trial store ${path} (${msg}) while ${doing}`, { cause: e });
  }
  return new StateError('STORE_ERROR', `the trial store ${path} failed (${code || 'error'}: ${msg}) while ${doing}`, { cause: e });
}

/**
 * A persistent {@link TrialStore} in one SQLite file (WAL mode): experiments, trials (architecture,
 * hash, status, metrics, learning curve, timings, error), the strategy's state, metadata, the best
 * model's location and binary blobs (weights), all as MessagePack with typed arrays kept exactly.
 * Every write is one transaction: after a crash at any moment a trial is there whole or not at
 * all. A corrupt or truncated file, or a blob over `maxBlobBytes`, gives a {@link StateError};
 * nothing read from the file is ever executed.
 *
 * @example
 * ```ts
 * import { SqliteTrialStore } from '@autonas/store-sqlite';
 * const store = new SqliteTrialStore({ path: ':memory:' });
 * store.saveStrategyState({ version: 1, weights: new Float32Array([0.25, -1]) });
 * console.log(store.loadStrategyState());
 * store.close();
 * ```
 */
export class SqliteTrialStore implements TrialStore {
  /** The database file. */
  readonly path: string;
  /** The experiment this store reads and writes. */
  readonly experiment: string;
  private readonly maxBlobBytes: number;
  private readonly db: Database.Database;
  private readonly experimentId: number;
  private closed = false;
  private readonly readonly: boolean;
  /** The writer's decoded history, handed out frozen until its next write (strategies read it on every proposal). */
  private snapshot: readonly TrialRecord[] | undefined;
  private readonly stmts: {
    put: Database.Statement;
    get: Database.Statement;
    all: Database.Statement;
    oversized: Database.Statement;
    byHash: Database.Statement;
    scored: Database.Statement;
    touch: Database.Statement;
    saveState: Database.Statement;
    stateSize: Database.Statement;
    loadState: Database.Statement;
    saveMeta: Database.Statement;
    metaSize: Database.Statement;
    loadMeta: Database.Statement;
    saveBlob: Database.Statement;
    blobSize: Database.Statement;
    loadBlob: Database.Statement;
    deleteBlob: Database.Statement;
  };

  /**
   * Opens (or creates) the store file and its experiment.
   * @param options - file, experiment name, blob limit
   * @throws StateError `STORE_CORRUPT` (not a database, truncated, damaged), `NOT_AN_AUTONAS_STORE`,
   *   `STORE_VERSION`, `NO_SUCH_EXPERIMENT` (read-only), `STORE_UNWRITABLE`
   */
  constructor(options: SqliteTrialStoreOptions) {
    this.path = options.path;
    this.experiment = options.experiment ?? 'default';
    this.maxBlobBytes = options.maxBlobBytes ?? DEFAULT_MAX_BLOB_BYTES;
    this.readonly = options.readonly ?? false;
    if (!(this.maxBlobBytes > 0)) throw new StateError('BAD_OPTION', `maxBlobBytes must be positive, got ${options.maxBlobBytes}`);
    let db: Database.Database | undefined;
    try {
      if (options.readonly && options.path !== ':memory:' && !fs.existsSync(options.path)) {
        throw new StateError('NO_SUCH_STORE', `no trial store at ${options.path}`);
      }
      db = new Database(options.path, { readonly: options.readonly ?? false });
      db.pragma('busy_timeout = 5000');
      db.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
      db.pragma('foreign_keys = ON');
      // Reads every page: a truncated or damaged file is reported now, not in the middle of a search.
      const check = db.pragma('quick_check') as { quick_check: string }[];
      if (check.length !== 1 || check[0]!.quick_check !== 'ok') {
        throw new StateError('STORE_CORRUPT', `the trial store ${options.path} is damaged: ${check.map((r) => r.quick_check).slice(0, 3).join('; ')}`);
      }
      const appId = db.pragma('application_id', { simple: true }) as number;
      const version = db.pragma('user_version', { simple: true }) as number;
      const tables = (db.prepare(`SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table'`).get() as { n: number }).n;
      if (appId !== APPLICATION_ID && (appId !== 0 || tables > 0)) {
        throw new StateError('NOT_AN_AUTONAS_STORE', `${options.path} is an SQLite database but not an autonas trial store`);
      }
      if (version > SCHEMA_VERSION) {
        throw new StateError('STORE_VERSION', `${options.path} has store schema ${version}; this @autonas/store-sqlite reads up to ${SCHEMA_VERSION}`);
      }
      if (!options.readonly) {
        // Only now, once the file is known to be a store (or empty): WAL mode rewrites the file's header.
        db.pragma('journal_mode = WAL');
        db.transaction(() => {
          db!.exec(SCHEMA);
          // Schema 1 → 2: the parent column (old trials have none).
          const columns = (db!.prepare(`PRAGMA table_info(trials)`).all() as { name: string }[]).map((c) => c.name);
          if (!columns.includes('parent')) db!.exec(`ALTER TABLE trials ADD COLUMN parent INTEGER`);
          db!.pragma(`application_id = ${APPLICATION_ID}`);
          db!.pragma(`user_version = ${SCHEMA_VERSION}`);
          const now = Date.now();
          db!.prepare(`INSERT INTO experiments (name, created_at, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING`).run(this.experiment, now, now);
        })();
      }
      const row = tables > 0 || !options.readonly ? (db.prepare(`SELECT id FROM experiments WHERE name = ?`).get(this.experiment) as { id: number } | undefined) : undefined;
      if (!row) throw new StateError('NO_SUCH_EXPERIMENT', `${options.path} holds no experiment "${this.experiment}"`);
      this.experimentId = row.id;
      if (!options.readonly) this.claimWriter(db, options.takeOver ?? false);
      this.db = db;
      // A schema-1 store opened read-only has no parent column (and is never written).
      const parentColumn = (db.prepare(`PRAGMA table_info(trials)`).all() as { name: string }[]).some((c) => c.name === 'parent');
      this.stmts = {
        put: parentColumn
          ? db.prepare(`INSERT OR REPLACE INTO trials (experiment_id, id, hash, status, score, started_at, ended_at, seconds, error, cached, attempt, parent, architecture, metrics, epochs)
          VALUES (@e, @id, @hash, @status, @score, @started_at, @ended_at, @seconds, @error, @cached, @attempt, @parent, @architecture, @metrics, @epochs)`)
          : db.prepare(`INSERT OR REPLACE INTO trials (experiment_id, id, hash, status, score, started_at, ended_at, seconds, error, cached, attempt, architecture, metrics, epochs)
          VALUES (@e, @id, @hash, @status, @score, @started_at, @ended_at, @seconds, @error, @cached, @attempt, @architecture, @metrics, @epochs)`),
        get: db.prepare(`SELECT * FROM trials WHERE experiment_id = ? AND id = ?`),
        all: db.prepare(`SELECT * FROM trials WHERE experiment_id = ? ORDER BY id`),
        oversized: db.prepare(`SELECT id, max(length(architecture), length(metrics), length(epochs)) AS n FROM trials WHERE experiment_id = ? AND max(length(architecture), length(metrics), length(epochs)) > ? ORDER BY id LIMIT 1`),
        byHash: db.prepare(`SELECT * FROM trials WHERE experiment_id = ? AND hash = ? AND status = 'completed' ORDER BY id DESC LIMIT 1`),
        scored: db.prepare(`SELECT * FROM trials WHERE experiment_id = ? AND status != 'running' AND score IS NOT NULL ORDER BY id`),
        touch: db.prepare(`UPDATE experiments SET updated_at = ? WHERE id = ?`),
        saveState: db.prepare(`UPDATE experiments SET strategy_state = ? WHERE id = ?`),
        stateSize: db.prepare(`SELECT length(strategy_state) AS n FROM experiments WHERE id = ?`),
        loadState: db.prepare(`SELECT strategy_state AS v FROM experiments WHERE id = ?`),
        saveMeta: db.prepare(`INSERT OR REPLACE INTO meta (experiment_id, key, value) VALUES (?, ?, ?)`),
        metaSize: db.prepare(`SELECT length(value) AS n FROM meta WHERE experiment_id = ? AND key = ?`),
        loadMeta: db.prepare(`SELECT value AS v FROM meta WHERE experiment_id = ? AND key = ?`),
        saveBlob: db.prepare(`INSERT OR REPLACE INTO blobs (experiment_id, key, value) VALUES (?, ?, ?)`),
        blobSize: db.prepare(`SELECT length(value) AS n FROM blobs WHERE experiment_id = ? AND key = ?`),
        loadBlob: db.prepare(`SELECT value AS v FROM blobs WHERE experiment_id = ? AND key = ?`),
        deleteBlob: db.prepare(`DELETE FROM blobs WHERE experiment_id = ? AND key = ?`),
      };
    } catch (e) {
      try {
        db?.close();
      } catch {
        // already failing; the first error is the one to report
      }
      throw storeError(options.path, e, 'opening it');
    }
  }

  /**
   * The experiments a store file holds (empty when the file does not exist).
   * @param path - the database file
   * @example
   * ```ts
   * import { SqliteTrialStore } from '@autonas/store-sqlite';
   * console.log(SqliteTrialStore.experiments('/nonexistent/x.sqlite')); // []
   * ```
   */
  static experiments(path: string): ExperimentSummary[] {
    if (!fs.existsSync(path)) return [];
    let db: Database.Database | undefined;
    try {
      db = new Database(path, { readonly: true, fileMustExist: true });
      const appId = db.pragma('application_id', { simple: true }) as number;
      const tables = (db.prepare(`SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table'`).get() as { n: number }).n;
      if (appId !== APPLICATION_ID) {
        if (appId === 0 && tables === 0) return [];
        throw new StateError('NOT_AN_AUTONAS_STORE', `${path} is an SQLite database but not an autonas trial store`);
      }
      const rows = db.prepare(`SELECT e.name, e.created_at AS createdAt, e.updated_at AS updatedAt, (SELECT count(*) FROM trials t WHERE t.experiment_id = e.id) AS trials FROM experiments e ORDER BY e.id`).all() as ExperimentSummary[];
      return rows.map((r) => ({ ...r }));
    } catch (e) {
      throw storeError(path, e, 'listing its experiments');
    } finally {
      db?.close();
    }
  }

  put(trial: TrialRecord): void {
    if (!Number.isInteger(trial.id) || trial.id < 0) throw new StateError('BAD_TRIAL', `a trial id must be a non-negative integer, got ${trial.id}`);
    if (!STATUSES.includes(trial.status)) throw new StateError('BAD_TRIAL', `trial ${trial.id} has unknown status "${trial.status}"`);
    const row = {
      e: this.experimentId,
      id: trial.id,
      hash: trial.hash,
      status: trial.status,
      score: trial.score ?? null,
      started_at: trial.startedAt,
      ended_at: trial.endedAt ?? null,
      seconds: trial.seconds ?? null,
      error: trial.error ?? null,
      cached: trial.cached === undefined ? null : trial.cached ? 1 : 0,
      attempt: trial.attempt ?? null,
      parent: trial.parent ?? null,
      architecture: encodeBlob(trial.architecture),
      metrics: encodeBlob(trial.metrics),
      epochs: encodeBlob(trial.epochs),
    };
    this.snapshot = undefined;
    this.write(`recording trial ${trial.id}`, () => this.stmts.put.run(row));
  }

  get(id: number): TrialRecord | undefined {
    const row = this.read(`reading trial ${id}`, () => this.stmts.get.get(this.experimentId, id) as TrialRow | undefined);
    return row && this.toRecord(row);
  }

  /** All trials in id order. A read-only store reads the file every time (another process writes it). */
  trials(): readonly TrialRecord[] {
    if (this.snapshot) return this.snapshot;
    this.refuseOversized();
    const all = Object.freeze(this.read('reading the trials', () => this.stmts.all.all(this.experimentId) as TrialRow[]).map((r) => deepFreeze(this.toRecord(r))));
    if (!this.readonly) this.snapshot = all;
    return all;
  }

  findByHash(hash: string): TrialRecord | undefined {
    const row = this.read('looking up a trial by hash', () => this.stmts.byHash.get(this.experimentId, hash) as TrialRow | undefined);
    return row && this.toRecord(row);
  }

  best(): TrialRecord | undefined {
    this.refuseOversized();
    let best: TrialRecord | undefined;
    for (const row of this.read('finding the best trial', () => this.stmts.scored.all(this.experimentId) as TrialRow[])) best = betterTrial(best, this.toRecord(row));
    return best;
  }

  saveStrategyState(state: unknown): void {
    const bytes = encodeBlob(state);
    this.write('saving the strategy state', () => this.stmts.saveState.run(bytes, this.experimentId));
  }

  loadStrategyState(): unknown {
    return this.readBlob('the strategy state', this.stmts.stateSize, this.stmts.loadState, [this.experimentId]);
  }

  saveMeta(key: string, value: unknown): void {
    const bytes = encodeBlob(value);
    this.write(`saving metadata "${key}"`, () => this.stmts.saveMeta.run(this.experimentId, key, bytes));
  }

  loadMeta(key: string): unknown {
    return this.readBlob(`metadata "${key}"`, this.stmts.metaSize, this.stmts.loadMeta, [this.experimentId, key]);
  }

  /**
   * Stores a binary blob (model weights, for example) under `key`, MessagePack-encoded with typed
   * arrays kept exactly.
   * @param key - any string
   * @param value - plain data
   */
  putBlob(key: string, value: unknown): void {
    const bytes = encodeBlob(value);
    this.write(`saving blob "${key}"`, () => this.stmts.saveBlob.run(this.experimentId, key, bytes));
  }

  /** The blob saved under `key`, or `undefined`. Refuses one over `maxBlobBytes` before decoding it. */
  getBlob(key: string): unknown {
    return this.readBlob(`blob "${key}"`, this.stmts.blobSize, this.stmts.loadBlob, [this.experimentId, key]);
  }

  /** Deletes the blob saved under `key`. */
  deleteBlob(key: string): void {
    this.write(`deleting blob "${key}"`, () => this.stmts.deleteBlob.run(this.experimentId, key));
  }

  /** Records where the best model was saved. */
  saveBestModel(location: BestModelLocation): void {
    this.saveMeta(BEST_MODEL, { savedAt: Date.now(), ...location });
  }

  /** Where the best model was saved, if it was. */
  loadBestModel(): BestModelLocation | undefined {
    const v = this.loadMeta(BEST_MODEL) as BestModelLocation | undefined;
    if (v !== undefined && (typeof v !== 'object' || v === null || typeof v.location !== 'string')) {
      throw new StateError('BAD_STORE_META', `the store's best-model location is not { location: string }: ${JSON.stringify(v)?.slice(0, 100)}`);
    }
    return v;
  }

  /**
   * Deletes everything this experiment holds (trials, strategy state, metadata, blobs) in one
   * transaction, keeping the file and this process's single-writer claim: how a search starts
   * afresh in a directory without ever deleting a file another process may be writing (the
   * claim is taken when the store opens, so a live writer is refused before anything is lost).
   * @example
   * ```ts
   * import { SqliteTrialStore } from '@autonas/store-sqlite';
   * const store = new SqliteTrialStore({ path: ':memory:' });
   * store.saveMeta('k', 1);
   * store.clear();
   * console.log(store.loadMeta('k')); // undefined
   * store.close();
   * ```
   */
  clear(): void {
    this.snapshot = undefined;
    this.write('clearing the experiment', () => {
      for (const table of ['trials', 'meta', 'blobs']) this.db.prepare(`DELETE FROM ${table} WHERE experiment_id = ?`).run(this.experimentId);
      this.stmts.saveState.run(null, this.experimentId);
    });
  }

  /** Closes the database (idempotent), releasing the experiment for another writer. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      if (!this.readonly) this.db.prepare(`DELETE FROM writers WHERE experiment_id = ? AND pid = ? AND host = ?`).run(this.experimentId, process.pid, os.hostname());
    } catch {
      // a store that cannot be written any more is closed all the same
    }
    this.db.close();
  }

  /** Records this process as the experiment's only writer, unless another live one is. */
  private claimWriter(db: Database.Database, takeOver: boolean): void {
    const host = os.hostname();
    db.transaction(() => {
      const w = db.prepare(`SELECT pid, host, since FROM writers WHERE experiment_id = ?`).get(this.experimentId) as { pid: number; host: string; since: number } | undefined;
      if (w && !takeOver && !(w.host === host && w.pid === process.pid)) {
        const alive = w.host !== host || processAlive(w.pid);
        if (alive) {
          throw new StateError('STORE_IN_USE', `experiment "${this.experiment}" in ${this.path} is being written by process ${w.pid} on ${w.host} (since ${new Date(w.since).toISOString()}); two searches must not write one experiment (pass takeOver if that process is gone)`);
        }
      }
      db.prepare(`INSERT OR REPLACE INTO writers (experiment_id, pid, host, since) VALUES (?, ?, ?, ?)`).run(this.experimentId, process.pid, host, Date.now());
    })();
  }

  private write(doing: string, fn: () => void): void {
    this.open(doing);
    try {
      this.db.transaction(() => {
        fn();
        this.stmts.touch.run(Date.now(), this.experimentId);
      })();
    } catch (e) {
      throw storeError(this.path, e, doing);
    }
  }

  private read<T>(doing: string, fn: () => T): T {
    this.open(doing);
    try {
      return fn();
    } catch (e) {
      throw storeError(this.path, e, doing);
    }
  }

  private readBlob(what: string, size: Database.Statement, load: Database.Statement, params: unknown[]): unknown {
    const n = this.read(`reading ${what}`, () => (size.get(...params) as { n: number | null } | undefined)?.n ?? null);
    if (n === null) return undefined;
    if (n > this.maxBlobBytes) {
      throw new StateError('BLOB_TOO_LARGE', `${what} in ${this.path} is ${n} bytes, over the limit of ${this.maxBlobBytes} (maxBlobBytes); refused without reading it`);
    }
    const bytes = this.read(`reading ${what}`, () => (load.get(...params) as { v: unknown }).v);
    if (!(bytes instanceof Uint8Array)) throw new StateError('BAD_BLOB', `${what} in ${this.path} is not a blob (${typeof bytes})`);
    return decodeBlob(bytes, this.maxBlobBytes, `${what} in ${this.path}`);
  }

  /** Refuses a store holding a trial part over `maxBlobBytes`, asking SQLite for the sizes before any row is read. */
  private refuseOversized(): void {
    const big = this.read('checking the trials\' sizes', () => this.stmts.oversized.get(this.experimentId, this.maxBlobBytes) as { id: number; n: number } | undefined);
    if (big) throw new StateError('BLOB_TOO_LARGE', `a part of trial ${big.id} in ${this.path} is ${big.n} bytes, over the limit of ${this.maxBlobBytes} (maxBlobBytes); refused without reading it`);
  }

  private toRecord(row: TrialRow): TrialRecord {
    const what = (part: string) => `${part} of trial ${row.id} in ${this.path}`;
    const part = (bytes: unknown, name: string): unknown => {
      if (!(bytes instanceof Uint8Array)) throw new StateError('BAD_BLOB', `the ${what(name)} is not a blob`);
      const value = decodeBlob(bytes, this.maxBlobBytes, what(name));
      checkDepth(value, MAX_TRIAL_DEPTH, what(name));
      return value;
    };
    const architecture = part(row.architecture, 'architecture') as TrialRecord['architecture'];
    const metrics = part(row.metrics, 'metrics') as TrialRecord['metrics'];
    const epochs = part(row.epochs, 'learning curve') as TrialRecord['epochs'];
    if (!architecture || typeof architecture !== 'object' || !Array.isArray(architecture.nodes)) throw new StateError('BAD_BLOB', `the ${what('architecture')} has no nodes`);
    if (!metrics || typeof metrics !== 'object' || Array.isArray(metrics)) throw new StateError('BAD_BLOB', `the ${what('metrics')} are not an object`);
    if (!Array.isArray(epochs)) throw new StateError('BAD_BLOB', `the ${what('learning curve')} is not a list`);
    if (!STATUSES.includes(row.status as TrialStatus)) throw new StateError('BAD_BLOB', `trial ${row.id} in ${this.path} has unknown status "${row.status}"`);
    const t: TrialRecord = { id: row.id, architecture, hash: row.hash, status: row.status as TrialStatus, metrics, epochs, startedAt: row.started_at };
    if (row.score !== null) t.score = row.score;
    if (row.ended_at !== null) t.endedAt = row.ended_at;
    if (row.seconds !== null) t.seconds = row.seconds;
    if (row.error !== null) t.error = row.error;
    if (row.cached !== null) t.cached = row.cached === 1;
    if (row.attempt !== null) t.attempt = row.attempt;
    if (row.parent !== null && row.parent !== undefined) t.parent = row.parent;
    return t;
  }

  private open(doing: string): void {
    if (this.closed) throw new StateError('STORE_CLOSED', `the trial store ${this.path} is closed (${doing})`);
  }
}

/**
 * A container module binding a {@link SqliteTrialStore} as the experiment's `TrialStore`
 * (replacing the core's in-memory default).
 * @param options - file and experiment
 * @example
 * ```ts
 * import { createContainer } from '@autonas/core';
 * import { sqliteStoreModule } from '@autonas/store-sqlite';
 * const c = createContainer({ maxTrials: 3 }, sqliteStoreModule({ path: ':memory:' }));
 * ```
 */
export function sqliteStoreModule(options: SqliteTrialStoreOptions): ContainerModule {
  return new ContainerModule(({ rebind }) => {
    rebind<TrialStore>(TrialStore).toDynamicValue(() => new SqliteTrialStore(options)).inSingletonScope();
  });
}

/** Deepest nesting a trial's parts may have (an architecture is a few levels deep). */
const MAX_TRIAL_DEPTH = 64;

/** Throws `BAD_BLOB` when `value` nests deeper than `limit` (iteratively: a hostile blob cannot overflow the stack). */
function checkDepth(value: unknown, limit: number, what: string): void {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (!v || typeof v !== 'object' || ArrayBuffer.isView(v)) continue;
    if (d >= limit) throw new StateError('BAD_BLOB', `the ${what} nests deeper than ${limit} levels`);
    for (const c of Object.values(v)) stack.push([c, d + 1]);
  }
}

/** Freezes `value` and everything in it, iteratively. */
function deepFreeze<T>(value: T): T {
  const stack: unknown[] = [value];
  while (stack.length) {
    const v = stack.pop();
    if (v && typeof v === 'object' && !ArrayBuffer.isView(v) && !Object.isFrozen(v)) {
      Object.freeze(v);
      for (const c of Object.values(v)) stack.push(c);
    }
  }
  return value;
}

/** Whether a process of this machine is alive (signal 0 checks without signalling). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
}

// The bad-input battery (issue 16): one table of bad inputs across data, options, stores, blobs,
// model files, CLI flags and plugins. Each row must fail with its stable error code, and nothing
// saved may change: a saved experiment (store, flags, model) is compared logically before and
// after every row, as is whatever the row itself set up. Only public APIs and `runCli` are used,
// so the facade can change beneath it.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AutonasError,
  ContainerModule,
  Experiment,
  LocalExecutionEngine,
  EventBus,
  InMemoryTrialStore,
  PerformanceEstimator,
  Random,
  SearchSpace,
  SearchStrategy,
  TrialStore,
  architectureHash,
  buildEstimator,
  createContainer,
  type Architecture,
  type Estimate,
} from '@autonas/core';
import { checkCompatible, createDataset, encodeNpy, loadData, parseIdx, parseNpy, readIdxFile, resolveClasses, splitDataset } from '@autonas/data';
import { PNG } from 'pngjs';
import { SqliteTrialStore, decodeBlob, encodeBlob, openExperimentDirectory } from '@autonas/store-sqlite';
import { compileArchitecture, initRuntime, loadModel, saveModel } from '@autonas/tfjs';
import { GridSpace } from '@autonas/testing';
import { runCli } from './cli.js';
import { SEARCH_FLAGS_FILE, loadSearchFlags, saveSearchFlags } from './resume.js';

const space = new GridSpace({ a: [1, 2, 3], b: [1, 2] });
const tinyNet: Architecture = {
  nodes: [
    { id: 'in', op: 'input', params: { shape: [4, 4, 1] }, inputs: [] },
    { id: 'out', op: 'classifier', params: { classes: 2 }, inputs: ['in'] },
  ],
};

/** Scores the grid's `a` decision; no training, so store rows are cheap to produce. */
class GridEstimator implements PerformanceEstimator {
  readonly name = 'grid';
  constructor(private readonly score: (a: number) => number = (a) => a / 10) {}
  async estimate(arch: Architecture): Promise<Estimate> {
    return { score: this.score(Number(arch.decisions?.['grid/a'])), metrics: {}, cost: { seconds: 0 } };
  }
}

class Sampler {
  readonly name = 'sampler';
  private rng = new Random(1);
  async run(engine: { canSubmit(): boolean; submit(a: Architecture): Promise<unknown> }, s: GridSpace) {
    while (engine.canSubmit()) await engine.submit(s.sample(this.rng));
  }
  state() { return { rng: this.rng.state() }; }
  restore(st: { rng: number[] }) { this.rng = Random.fromState(st.rng); }
}

function experiment(options: Parameters<typeof createContainer>[0], store: TrialStore, estimator: PerformanceEstimator = new GridEstimator()): Experiment {
  return createContainer(options, new ContainerModule(({ bind, rebind }) => {
    bind(SearchSpace).toConstantValue(space);
    bind(PerformanceEstimator).toConstantValue(estimator);
    bind(SearchStrategy).toConstantValue(new Sampler());
    rebind<TrialStore>(TrialStore).toConstantValue(store);
  })).get(Experiment);
}

/** A logical fingerprint of a folder: file bytes, except stores, whose saved content (not their writer claim or WAL layout) is read. */
function fingerprint(dir: string): string {
  const h = createHash('sha256');
  const walk = (d: string) => {
    for (const name of fs.readdirSync(d).sort()) {
      const p = path.join(d, name);
      const st = fs.lstatSync(p);
      if (st.isDirectory()) walk(p);
      else if (/-(wal|shm|journal)$/.test(name)) continue; // folded into the store's content below
      else {
        h.update(`${path.relative(dir, p)}\0`);
        h.update(storeContent(p) ?? fs.readFileSync(p));
      }
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return h.digest('hex');
}

function storeContent(file: string): string | undefined {
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const rows = (sql: string) => JSON.stringify(db!.prepare(sql).all(), (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v));
    return [
      rows('SELECT name, strategy_state FROM experiments ORDER BY id'),
      rows('SELECT * FROM trials ORDER BY experiment_id, id'),
      rows('SELECT * FROM meta ORDER BY experiment_id, key'),
      rows('SELECT * FROM blobs ORDER BY experiment_id, key'),
    ].join('\n');
  } catch {
    return undefined; // not a (readable) store: its bytes are compared
  } finally {
    db?.close();
  }
}

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'autonas-battery-'));
/** A saved experiment every row must leave as it was. */
const saved = path.join(root, 'saved');
let holder: ChildProcess | undefined;
/** An experiment directory another live process is writing. */
const live = path.join(root, 'live');

beforeAll(async () => {
  await initRuntime({ backend: 'wasm', log: () => {} });
  const { store } = openExperimentDirectory(saved);
  await experiment({ maxTrials: 4, seed: 1 }, store).run();
  store.close();
  await saveSearchFlags(saved, { seed: '1', 'no-baseline': true });
  const model = compileArchitecture(tinyNet, { seed: 1 });
  await saveModel(model, path.join(saved, 'model'));
  model.dispose();
  fs.mkdirSync(live);
  await saveSearchFlags(live, { seed: '2' });
  const register = path.resolve(import.meta.dirname, '../../../tools/run-ts/register.mjs');
  const script = `import { openExperimentDirectory } from '@autonas/store-sqlite'; openExperimentDirectory(${JSON.stringify(live)}); console.log('open'); setInterval(() => {}, 1000);`;
  holder = spawn(process.execPath, ['--import', register, '--input-type=module', '-e', script], { cwd: path.resolve(import.meta.dirname, '../../../plugins/store-sqlite'), stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    holder!.stdout!.on('data', (d: Buffer) => d.toString().includes('open') && resolve());
    holder!.on('exit', (code) => reject(new Error(`store holder exited ${code}`)));
  });
}, 60_000);

afterAll(async () => {
  if (holder && holder.exitCode === null) {
    holder.kill('SIGKILL');
    await new Promise((r) => holder!.once('exit', r));
  }
  fs.rmSync(root, { recursive: true, force: true });
});

/** What a row gets: its own empty folder (fingerprinted too) and the saved experiment's paths. */
interface Ctx {
  readonly dir: string;
}
interface Row {
  readonly kind: 'data' | 'options' | 'store' | 'blob' | 'model' | 'cli' | 'plugin';
  readonly what: string;
  readonly code: string;
  /** Makes the row's files (in `ctx.dir`) before the fingerprint is taken. */
  readonly setup?: (ctx: Ctx) => void | Promise<void>;
  /** Does the bad thing: throws, rejects, or (CLI) resolves with the code printed. */
  readonly run: (ctx: Ctx) => unknown;
}

/** Runs the CLI; resolves with the error code it printed (`[CODE]`), or `USAGE` for exit 2. */
async function cli(args: string[]): Promise<string> {
  const err: string[] = [];
  const exit = await runCli(args, { out: () => {}, err: (l) => err.push(l) });
  if (exit === 2) return 'USAGE';
  const m = /\[([A-Z_]+)\]\s*$/.exec(err.join('\n'));
  if (exit !== 1 || !m) throw new Error(`autonas ${args.join(' ')} exited ${exit}: ${err.join(' | ')}`);
  return m[1]!;
}

const search = (dir: string, ...args: string[]) => cli(['search', '--out', path.join(dir, 'out'), ...args]);
const trialRow = (id: number, arch: Architecture, over: Record<string, unknown> = {}) => ({ id, architecture: arch, hash: architectureHash(arch), status: 'completed' as const, score: 0.5, metrics: {}, epochs: [], startedAt: 1, endedAt: 2, seconds: 1, ...over });
function storeWith(file: string, ...trials: ReturnType<typeof trialRow>[]): void {
  const s = new SqliteTrialStore({ path: file });
  for (const t of trials) s.put(t);
  s.close();
}
function sql(file: string, statement: string, ...params: unknown[]): void {
  const db = new Database(file);
  db.prepare(statement).run(...params);
  db.close();
}
const x8 = (n: number) => Array.from({ length: n }, (_, i) => [i, i + 1]);

const rows: Row[] = [
  // ---- data
  { kind: 'data', what: 'no samples', code: 'EMPTY_DATA', run: () => createDataset([], []) },
  { kind: 'data', what: 'ragged samples', code: 'RAGGED_ARRAY', run: () => createDataset([[1, 2], [3]], [0, 1]) },
  { kind: 'data', what: 'fewer labels than samples', code: 'COUNT_MISMATCH', run: () => createDataset(x8(3), [0, 1]) },
  { kind: 'data', what: 'a NaN pixel', code: 'NOT_FINITE', run: () => createDataset([[0, NaN], [1, 2]], [0, 1]) },
  { kind: 'data', what: 'a fractional label', code: 'LABEL_NOT_INTEGER', run: () => createDataset(x8(2), [0, 0.5]) },
  { kind: 'data', what: 'a negative label', code: 'LABEL_OUT_OF_RANGE', run: () => createDataset(x8(2), [0, -1]) },
  { kind: 'data', what: 'a label outside the declared classes', code: 'LABEL_OUT_OF_RANGE', run: () => createDataset(x8(2), [0, 5], { numClasses: 3 }) },
  { kind: 'data', what: 'one class only (all labels 3)', code: 'TOO_FEW_CLASSES', run: () => createDataset(x8(4), [3, 3, 3, 3]) },
  { kind: 'data', what: 'one stray label 99', code: 'LABEL_GAPS', run: () => createDataset(x8(4), [0, 1, 0, 99]) },
  { kind: 'data', what: 'labels 1..10', code: 'LABEL_GAPS', run: () => resolveClasses(Array.from({ length: 10 }, (_, i) => i + 1)) },
  { kind: 'data', what: 'a one-hot row with two ones', code: 'LABEL_NOT_ONE_HOT', run: () => createDataset(x8(2), [[1, 0], [1, 1]]) },
  { kind: 'data', what: 'flat pixels without a sample shape', code: 'SAMPLE_SHAPE_REQUIRED', run: () => createDataset(new Float32Array(8), [0, 1]) },
  { kind: 'data', what: 'validation images of another size', code: 'SHAPE_MISMATCH', run: () => checkCompatible(createDataset(new Float32Array(8), [0, 1], { sampleShape: [2, 2, 1] }), createDataset(new Float32Array(18), [0, 1], { sampleShape: [3, 3, 1] })) },
  { kind: 'data', what: 'one sample per class with a validation split', code: 'CLASS_ONLY_IN_VALIDATION', run: () => splitDataset(createDataset(x8(10), Array.from({ length: 10 }, (_, i) => i)), { fraction: 0.2, seed: 0 }) },
  { kind: 'data', what: 'a split leaving no training sample', code: 'DATASET_TOO_SMALL', run: () => splitDataset(createDataset(x8(2), [0, 1]), { fraction: 0.9, seed: 0 }) },
  { kind: 'data', what: 'a CSV file without its target column', code: 'MISSING_TARGET', setup: ({ dir }) => fs.writeFileSync(path.join(dir, 't.csv'), 'a,b\n1,x\n'), run: ({ dir }) => loadData(path.join(dir, 't.csv'), { target: 'label' }) },
  {
    kind: 'data', what: 'images of two sizes with resize none', code: 'MIXED_IMAGE_SIZES',
    setup: ({ dir }) => {
      for (const [cls, w] of [['a', 4], ['b', 5]] as const) {
        fs.mkdirSync(path.join(dir, 'img', cls), { recursive: true });
        fs.writeFileSync(path.join(dir, 'img', cls, '1.png'), PNG.sync.write(new PNG({ width: w, height: 4 })));
      }
    },
    run: ({ dir }) => loadData(path.join(dir, 'img'), { resize: 'none' }),
  },
  { kind: 'data', what: 'a .npy file of big-endian floats', code: 'NPY_BAD_DTYPE', run: () => parseNpy(Uint8Array.from(new TextDecoder('latin1').decode(encodeNpy({ dtype: '<f4', shape: [1], data: new Float32Array([1]) })).replace('<f4', '>f4'), (c) => c.charCodeAt(0))) },
  { kind: 'data', what: 'a .npy file without the magic string', code: 'NPY_BAD_HEADER', run: () => parseNpy(new Uint8Array(16)) },
  { kind: 'cli', what: '--data of a folder without class subfolders', code: 'EMPTY_DATA', run: ({ dir }) => cli(['search', '--data', dir, '--out', path.join(dir, 'out')]) },
  { kind: 'data', what: 'a split fraction of 2', code: 'INVALID_OPTION', run: () => splitDataset(createDataset(x8(4), [0, 1, 0, 1]), { fraction: 2, seed: 0 }) },
  { kind: 'data', what: 'an IDX file with a bad magic number', code: 'IDX_BAD_MAGIC', run: () => parseIdx(new Uint8Array([1, 2, 3, 4, 0, 0, 0, 1, 0])) },
  { kind: 'data', what: 'a truncated IDX file', code: 'IDX_TRUNCATED', run: () => parseIdx(new Uint8Array([0, 0, 8, 1, 0, 0, 0, 9, 1, 2])) },
  { kind: 'data', what: 'an IDX path that does not exist', code: 'FILE_UNREADABLE', run: ({ dir }) => readIdxFile(path.join(dir, 'missing.idx')) },
  // ---- options
  { kind: 'options', what: 'maxTrials 0', code: 'BAD_MAX_TRIALS', run: () => experiment({ maxTrials: 0 }, new InMemoryTrialStore()).run() },
  { kind: 'options', what: 'a negative time limit', code: 'BAD_TIME_LIMIT', run: () => experiment({ timeLimit: -1 }, new InMemoryTrialStore()).run() },
  { kind: 'options', what: 'no budget at all', code: 'NO_BUDGET', run: () => experiment({}, new InMemoryTrialStore()).run() },
  { kind: 'options', what: 'concurrency 1.5', code: 'BAD_CONCURRENCY', run: () => experiment({ maxTrials: 1, concurrency: 1.5 }, new InMemoryTrialStore()).run() },
  { kind: 'options', what: 'maxAttempts 0', code: 'BAD_MAX_ATTEMPTS', run: () => experiment({ maxTrials: 1, maxAttempts: 0 }, new InMemoryTrialStore()).run() },
  { kind: 'options', what: 'a negative abort grace', code: 'BAD_ABORT_GRACE', run: () => new LocalExecutionEngine({ space, estimator: new GridEstimator(), store: new InMemoryTrialStore(), events: new EventBus(), maxTrials: 1, abortGraceSeconds: -1 }) },
  { kind: 'options', what: 'a store blob limit of 0', code: 'BAD_OPTION', run: ({ dir }) => new SqliteTrialStore({ path: path.join(dir, 's.sqlite'), maxBlobBytes: 0 }) },
  // ---- stores
  { kind: 'store', what: 'a store file of garbage', code: 'STORE_CORRUPT', setup: ({ dir }) => fs.writeFileSync(path.join(dir, 'experiment.sqlite'), 'garbage '.repeat(200)), run: ({ dir }) => openExperimentDirectory(dir) },
  { kind: 'store', what: 'an SQLite file of another program', code: 'NOT_AN_AUTONAS_STORE', setup: ({ dir }) => sql(path.join(dir, 'experiment.sqlite'), 'CREATE TABLE t (x)'), run: ({ dir }) => openExperimentDirectory(dir, { overwrite: false }) },
  { kind: 'store', what: 'a store of a newer schema', code: 'STORE_VERSION', setup: ({ dir }) => { storeWith(path.join(dir, 'experiment.sqlite')); sql(path.join(dir, 'experiment.sqlite'), 'PRAGMA user_version = 99'); }, run: ({ dir }) => openExperimentDirectory(dir) },
  { kind: 'store', what: 'a second search over a live one, with overwrite', code: 'STORE_IN_USE', run: () => openExperimentDirectory(live, { overwrite: true }) },
  { kind: 'store', what: 'an experiment directory that is a file', code: 'BAD_DIRECTORY', setup: ({ dir }) => fs.writeFileSync(path.join(dir, 'f'), 'x'), run: ({ dir }) => openExperimentDirectory(path.join(dir, 'f')) },
  { kind: 'store', what: 'a read-only store that does not exist', code: 'NO_SUCH_STORE', run: ({ dir }) => new SqliteTrialStore({ path: path.join(dir, 'none.sqlite'), readonly: true }) },
  { kind: 'store', what: 'a stored architecture the space forbids', code: 'STORE_TAMPERED', setup: ({ dir }) => storeWith(path.join(dir, 's.sqlite'), trialRow(0, { ...space.build({}), space: 'elsewhere' })), run: async ({ dir }) => { const s = new SqliteTrialStore({ path: path.join(dir, 's.sqlite') }); try { await experiment({ maxTrials: 3 }, s).run(); } finally { s.close(); } } },
  { kind: 'store', what: 'a stored architecture swapped under its hash', code: 'STORE_TAMPERED', setup: ({ dir }) => storeWith(path.join(dir, 's.sqlite'), { ...trialRow(0, space.build({ 'grid/a': 3 })), hash: architectureHash(space.build({})) }), run: async ({ dir }) => { const s = new SqliteTrialStore({ path: path.join(dir, 's.sqlite') }); try { await experiment({ maxTrials: 3 }, s).run(); } finally { s.close(); } } },
  { kind: 'store', what: 'spent seconds that are not a number', code: 'BAD_STORE_META', setup: ({ dir }) => { const s = new SqliteTrialStore({ path: path.join(dir, 's.sqlite') }); s.saveMeta('spentSeconds', 'soon'); s.close(); }, run: async ({ dir }) => { const s = new SqliteTrialStore({ path: path.join(dir, 's.sqlite') }); try { await experiment({ maxTrials: 3 }, s).run(); } finally { s.close(); } } },
  // ---- blobs
  { kind: 'blob', what: 'a blob that is not MessagePack', code: 'BAD_BLOB', run: () => decodeBlob(new Uint8Array([0xc1])) },
  { kind: 'blob', what: 'a blob over the size limit', code: 'BLOB_TOO_LARGE', run: () => decodeBlob(new Uint8Array(2048), 1024) },
  { kind: 'blob', what: 'a function to store', code: 'UNENCODABLE_BLOB', run: () => encodeBlob({ f: () => 1 }) },
  { kind: 'blob', what: 'a trial part nested 200,000 deep', code: 'BAD_BLOB', setup: ({ dir }) => { const f = path.join(dir, 's.sqlite'); storeWith(f, trialRow(0, space.build({}))); const b = new Uint8Array(200_001).fill(0x91); b[200_000] = 1; sql(f, 'UPDATE trials SET metrics = ?', b); }, run: ({ dir }) => { const s = new SqliteTrialStore({ path: path.join(dir, 's.sqlite') }); try { s.trials(); } finally { s.close(); } } },
  { kind: 'blob', what: 'an oversized trial part', code: 'BLOB_TOO_LARGE', setup: ({ dir }) => { const f = path.join(dir, 's.sqlite'); storeWith(f, trialRow(0, space.build({}))); sql(f, 'UPDATE trials SET epochs = ?', new Uint8Array(8192).fill(0x90)); }, run: ({ dir }) => { const s = new SqliteTrialStore({ path: path.join(dir, 's.sqlite'), maxBlobBytes: 4096 }); try { s.trials(); } finally { s.close(); } } },
  { kind: 'blob', what: 'a strategy state over the limit', code: 'BLOB_TOO_LARGE', setup: ({ dir }) => { const s = new SqliteTrialStore({ path: path.join(dir, 's.sqlite') }); s.saveStrategyState({ big: 'x'.repeat(5000) }); s.close(); }, run: ({ dir }) => { const s = new SqliteTrialStore({ path: path.join(dir, 's.sqlite'), maxBlobBytes: 1000 }); try { s.loadStrategyState(); } finally { s.close(); } } },
  // ---- model files
  { kind: 'model', what: 'loading a folder without a model', code: 'MODEL_UNREADABLE', run: ({ dir }) => loadModel(dir) },
  { kind: 'model', what: 'a model.json whose weights are missing', code: 'MODEL_UNREADABLE', setup: async ({ dir }) => { const m = compileArchitecture(tinyNet, { seed: 2 }); await saveModel(m, path.join(dir, 'm')); m.dispose(); for (const f of fs.readdirSync(path.join(dir, 'm'))) if (f.endsWith('.bin')) fs.renameSync(path.join(dir, 'm', f), path.join(dir, f)); }, run: ({ dir }) => loadModel(path.join(dir, 'm')) },
  { kind: 'model', what: 'saving under a regular file', code: 'BAD_SAVE_PATH', setup: ({ dir }) => fs.writeFileSync(path.join(dir, 'f'), 'x'), run: async ({ dir }) => { const m = compileArchitecture(tinyNet, { seed: 3 }); try { await saveModel(m, path.join(dir, 'f', 'model')); } finally { m.dispose(); } } },
  { kind: 'model', what: 'saving where model.json is a folder', code: 'BAD_SAVE_PATH', setup: ({ dir }) => fs.mkdirSync(path.join(dir, 'm', 'model.json'), { recursive: true }), run: async ({ dir }) => { const m = compileArchitecture(tinyNet, { seed: 3 }); try { await saveModel(m, path.join(dir, 'm')); } finally { m.dispose(); } } },
  // ---- CLI flags (parsed before any data is loaded)
  { kind: 'cli', what: '--max-trials 0', code: 'BAD_ARGUMENT', run: ({ dir }) => search(dir, '--max-trials', '0') },
  { kind: 'cli', what: '--time-limit abc', code: 'BAD_ARGUMENT', run: ({ dir }) => search(dir, '--time-limit', 'abc') },
  { kind: 'cli', what: '--seed -1', code: 'BAD_ARGUMENT', run: ({ dir }) => search(dir, '--seed=-1') },
  { kind: 'cli', what: '--strategy nope', code: 'BAD_ARGUMENT', run: ({ dir }) => search(dir, '--strategy', 'nope') },
  { kind: 'cli', what: '--dataset cifar', code: 'BAD_ARGUMENT', run: ({ dir }) => search(dir, '--dataset', 'cifar') },
  { kind: 'cli', what: '--backend gpu', code: 'BAD_ARGUMENT', run: ({ dir }) => search(dir, '--backend', 'gpu') },
  { kind: 'cli', what: '--workers 0', code: 'BAD_ARGUMENT', run: ({ dir }) => search(dir, '--workers', '0') },
  { kind: 'cli', what: '--folds 1', code: 'BAD_ARGUMENT', run: ({ dir }) => search(dir, '--folds', '1') },
  { kind: 'cli', what: '--supernet-steps without --one-shot', code: 'BAD_ARGUMENT', run: ({ dir }) => search(dir, '--supernet-steps', '10') },
  { kind: 'cli', what: '--one-shot with --strategy darts', code: 'BAD_ARGUMENT', run: ({ dir }) => search(dir, '--one-shot', '--strategy', 'darts') },
  { kind: 'cli', what: '--workers 2 with --one-shot', code: 'BAD_ARGUMENT', run: ({ dir }) => search(dir, '--one-shot', '--workers', '2') },
  { kind: 'cli', what: '--augment shift=two', code: 'BAD_ARGUMENT', run: ({ dir }) => search(dir, '--augment', 'shift=two') },
  { kind: 'cli', what: '--augment shift=40 on 28×28 images', code: 'BAD_AUGMENT', run: ({ dir }) => search(dir, '--augment', 'shift=40', '--train-size', '100') },
  { kind: 'cli', what: '--redis with an http:// URL', code: 'BAD_ARGUMENT', run: ({ dir }) => search(dir, '--redis', 'http://127.0.0.1:6379') },
  { kind: 'cli', what: '--queue without --redis', code: 'BAD_ARGUMENT', run: ({ dir }) => search(dir, '--queue', 'q') },
  { kind: 'cli', what: '--redis with --strategy morphism-bo', code: 'BAD_ARGUMENT', run: ({ dir }) => search(dir, '--redis', 'redis://127.0.0.1:1', '--strategy', 'morphism-bo') },
  { kind: 'cli', what: 'an unknown flag', code: 'USAGE', run: ({ dir }) => search(dir, '--max-trails', '3') },
  { kind: 'cli', what: 'an unknown command', code: 'USAGE', run: () => cli(['serach']) },
  { kind: 'cli', what: '--out naming a file', code: 'BAD_OUT', setup: ({ dir }) => fs.writeFileSync(path.join(dir, 'f'), 'x'), run: ({ dir }) => cli(['search', '--out', path.join(dir, 'f')]) },
  { kind: 'cli', what: '--out of a search another process runs', code: 'STORE_IN_USE', run: () => cli(['search', '--out', live, '--max-trials', '1']) },
  { kind: 'cli', what: '--resume of an empty folder', code: 'NOTHING_TO_RESUME', run: ({ dir }) => cli(['search', '--resume', dir]) },
  { kind: 'cli', what: '--resume with another --out', code: 'BAD_ARGUMENT', run: ({ dir }) => cli(['search', '--resume', saved, '--out', dir]) },
  { kind: 'cli', what: '--resume of flags that are not JSON', code: 'BAD_SEARCH_FLAGS', setup: ({ dir }) => fs.writeFileSync(path.join(dir, SEARCH_FLAGS_FILE), '{"seed": '), run: ({ dir }) => cli(['search', '--resume', dir]) },
  { kind: 'cli', what: '--resume of flags of the wrong types', code: 'BAD_SEARCH_FLAGS', setup: ({ dir }) => fs.writeFileSync(path.join(dir, SEARCH_FLAGS_FILE), '{"seed": 5}'), run: ({ dir }) => loadSearchFlags(dir) },
  { kind: 'cli', what: 'worker without --redis', code: 'BAD_ARGUMENT', run: () => cli(['worker']) },
  { kind: 'cli', what: 'worker --lock-seconds 0', code: 'BAD_ARGUMENT', run: () => cli(['worker', '--redis', 'redis://127.0.0.1:1', '--lock-seconds', '0']) },
  // ---- plugins
  { kind: 'plugin', what: 'a worker with an http:// Redis URL', code: 'BAD_REDIS_URL', run: () => cli(['worker', '--redis', 'http://127.0.0.1:6379']) },
  { kind: 'plugin', what: 'an estimator module that does not exist', code: 'BAD_ESTIMATOR_SPEC', run: ({ dir }) => buildEstimator({ module: path.join(dir, 'nothing.js') }) },
  { kind: 'plugin', what: 'an estimator spec without a module', code: 'BAD_ESTIMATOR_SPEC', run: () => buildEstimator({ module: '' }) },
  { kind: 'plugin', what: 'a grid space without choices', code: 'EMPTY_CHOICES', run: () => new GridSpace({ a: [] }) },
  { kind: 'plugin', what: 'an architecture the runtime cannot compile', code: 'BAD_INPUT_NODE', run: () => compileArchitecture({ nodes: [{ id: 'in', op: 'input', params: { shape: [4] }, inputs: ['ghost'] }] }) },
];

describe('the bad-input battery (issue 16)', () => {
  it('has at least 40 kinds, across data, options, stores, blobs, models, CLI flags and plugins', () => {
    expect(rows.length).toBeGreaterThanOrEqual(40);
    expect(new Set(rows.map((r) => r.kind))).toEqual(new Set(['data', 'options', 'store', 'blob', 'model', 'cli', 'plugin']));
  });

  it.each(rows.map((r, i) => [`${r.kind}: ${r.what} → ${r.code}`, r, i] as const))('%s', async (_name, row, i) => {
    const dir = path.join(root, `row-${i}`);
    fs.mkdirSync(dir);
    await row.setup?.({ dir });
    const before = [fingerprint(saved), fingerprint(dir), fingerprint(live)];
    let code: string | undefined;
    try {
      const out = await row.run({ dir });
      if (typeof out === 'string') code = out; // the CLI's printed code
    } catch (e) {
      if (!(e instanceof AutonasError)) throw e;
      code = e.code;
    }
    expect(code).toBe(row.code);
    expect([fingerprint(saved), fingerprint(dir), fingerprint(live)]).toEqual(before);
  });
});

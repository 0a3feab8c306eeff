import fs from 'node:fs';
import path from 'node:path';
import { AutonasError, ConfigurationError } from '@autonas/core';
import { SqliteTrialStore, type SqliteTrialStoreOptions } from './sqlite-trial-store.js';

/** Store errors after which `overwrite` may replace the file: it holds no experiment anyone can be writing. */
const REPLACEABLE = new Set(['STORE_CORRUPT', 'NOT_AN_AUTONAS_STORE', 'STORE_VERSION']);

/** Name of the store file inside an experiment directory. */
export const STORE_FILE = 'experiment.sqlite';

/** Options of {@link openExperimentDirectory}. */
export interface ExperimentDirectoryOptions extends Omit<SqliteTrialStoreOptions, 'path'> {
  /**
   * Empty an experiment already in the directory and start afresh. Default false: resume it.
   * The single-writer claim is taken first, so an experiment another live search is writing is
   * refused (`STORE_IN_USE`) and nothing of it is deleted.
   */
  readonly overwrite?: boolean;
}

/** What {@link openExperimentDirectory} opened. */
export interface ExperimentDirectory {
  readonly store: SqliteTrialStore;
  /** The store file. */
  readonly file: string;
  /** True when the directory already held this experiment (trials or a strategy state): the search resumes it. */
  readonly resumed: boolean;
  /**
   * The store of one phase of the job besides the search (`baseline`, `check`, `retrain`): another
   * experiment in the same file, opened once and closed with {@link ExperimentDirectory.close}.
   */
  phase(name: string): SqliteTrialStore;
  /** Closes the search's store and every phase store opened. */
  close(): void;
}

/**
 * Opens the trial store of an experiment directory (`DIR/experiment.sqlite`), creating the
 * directory when missing. An experiment already there is resumed unless `overwrite` is set.
 *
 * @throws ConfigurationError `BAD_DIRECTORY` when `directory` is a file or cannot be created
 * @throws StateError `STORE_IN_USE` when another live process writes the experiment (with or
 *   without `overwrite`; nothing is deleted), and the store's other codes
 *
 * @param directory - the experiment's directory
 * @param options - `overwrite`, experiment name, blob limit
 * @returns the store and whether it resumes an earlier run
 * @example
 * ```ts
 * import os from 'node:os';
 * import path from 'node:path';
 * import { openExperimentDirectory } from '@autonas/store-sqlite';
 * const { store, resumed } = openExperimentDirectory(path.join(os.tmpdir(), 'autonas-example'), { overwrite: true });
 * console.log(resumed); // false
 * store.close();
 * ```
 */
export function openExperimentDirectory(directory: string, options: ExperimentDirectoryOptions = {}): ExperimentDirectory {
  const { overwrite, ...storeOptions } = options;
  try {
    fs.mkdirSync(directory, { recursive: true });
  } catch (e) {
    throw new ConfigurationError('BAD_DIRECTORY', `cannot use ${directory} as an experiment directory: ${(e as Error).message}`, { cause: e });
  }
  if (!fs.statSync(directory).isDirectory()) throw new ConfigurationError('BAD_DIRECTORY', `${directory} is not a directory`);
  const file = path.join(directory, STORE_FILE);
  let store: SqliteTrialStore;
  try {
    // Opening claims the experiment's single writer: a live search in the directory is refused here, before anything is deleted.
    store = new SqliteTrialStore({ ...storeOptions, path: file });
  } catch (e) {
    if (!overwrite || !(e instanceof AutonasError) || !REPLACEABLE.has(e.code)) throw e;
    // Not a store anyone can be writing: replace the file.
    for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(file + suffix, { force: true });
    store = new SqliteTrialStore({ ...storeOptions, path: file });
  }
  try {
    if (overwrite) store.clear();
    const resumed = store.trials().length > 0 || store.loadStrategyState() !== undefined;
    const phases = new Map<string, SqliteTrialStore>();
    return {
      store,
      file,
      resumed,
      phase(name: string) {
        let s = phases.get(name);
        if (!s) phases.set(name, (s = new SqliteTrialStore({ ...storeOptions, path: file, experiment: name })));
        return s;
      },
      close() {
        for (const s of phases.values()) s.close();
        phases.clear();
        store.close();
      },
    };
  } catch (e) {
    store.close();
    throw e;
  }
}

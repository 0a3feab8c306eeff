import fs from 'node:fs/promises';
import path from 'node:path';
import { AutonasError } from 'autonas';
import { STORE_FILE, SqliteTrialStore } from '@autonas/store-sqlite';

/** The file in an experiment directory that keeps the flags a search was started with. */
export const SEARCH_FLAGS_FILE = 'search-flags.json';
/** Flags that do not describe the search itself. */
const NOT_SAVED = new Set(['resume', 'out', 'help', 'plan', 'host', 'port']);

/** A flag's value as `parseArgs` gives it: a string, or `true` for a boolean flag given. */
export type FlagValue = string | boolean;

/**
 * The flags of the search kept in `dir`, for `autonas search --resume DIR`: flags given again
 * on the command line win. Boolean flags (`--no-baseline`, `--one-shot`) come back as booleans.
 * A search killed before its trial store existed is resumable from its flags alone.
 * @param dir - the experiment directory (the first run's `--out`)
 * @returns the flag values by option name
 * @throws AutonasError `NOTHING_TO_RESUME` when `dir` holds neither flags nor a store;
 *   `BAD_SEARCH_FLAGS` when the flags file is not an object of strings and booleans
 * @example
 * ```ts
 * import { loadSearchFlags } from '@autonas/cli';
 * const flags = await loadSearchFlags('out/mnist'); // e.g. { seed: '5', 'no-baseline': true }
 * ```
 */
export async function loadSearchFlags(dir: string): Promise<Record<string, FlagValue>> {
  const exists = (f: string) => fs.access(path.join(dir, f)).then(() => true, () => false);
  const [hasStore, hasFlags] = await Promise.all([exists(STORE_FILE), exists(SEARCH_FLAGS_FILE)]);
  if (!hasStore && !hasFlags) throw new AutonasError('NOTHING_TO_RESUME', `${dir} holds no search to resume (no ${STORE_FILE}, no ${SEARCH_FLAGS_FILE}); start one with autonas search --out ${dir}`);
  if (!hasFlags) return {};
  const file = path.join(dir, SEARCH_FLAGS_FILE);
  let parsed: unknown;
  try {
    parsed = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (e) {
    throw new AutonasError('BAD_SEARCH_FLAGS', `${file} is not readable JSON: ${(e as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || !Object.values(parsed).every((v) => typeof v === 'string' || v === true)) {
    throw new AutonasError('BAD_SEARCH_FLAGS', `${file} is not an object of flag values (strings, or true for a boolean flag)`);
  }
  return Object.fromEntries(Object.entries(parsed as Record<string, FlagValue>).filter(([k]) => !NOT_SAVED.has(k)));
}

/**
 * Saves the flags of a new search into its directory, so `--resume` continues it as started:
 * string flags and boolean flags given (`true`), written to a temporary file and renamed, so a
 * kill never leaves half a file. It refuses, before writing anything, a directory whose search
 * another live process is running (`STORE_IN_USE`), and an `--out` that is not a usable directory
 * (`BAD_OUT`).
 * @param dir - the experiment directory
 * @param flags - parsed flag values
 * @example
 * ```ts
 * import { saveSearchFlags } from '@autonas/cli';
 * await saveSearchFlags('out/mnist', { seed: '5', 'no-baseline': true });
 * ```
 */
export async function saveSearchFlags(dir: string, flags: Readonly<Record<string, unknown>>): Promise<void> {
  try {
    await fs.mkdir(dir, { recursive: true });
    if (!(await fs.stat(dir)).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
  } catch (e) {
    throw new AutonasError('BAD_OUT', `--out ${dir} cannot be used as the search's directory: ${(e as Error).message}`);
  }
  assertNotInUse(dir);
  const kept = Object.fromEntries(Object.entries(flags).filter(([k, v]) => !NOT_SAVED.has(k) && (typeof v === 'string' || v === true)));
  const file = path.join(dir, SEARCH_FLAGS_FILE);
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    await fs.writeFile(tmp, JSON.stringify(kept, null, 2));
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true }).catch(() => {});
    throw new AutonasError('BAD_OUT', `cannot write ${file}: ${(e as Error).message}`);
  }
}

/** Throws `STORE_IN_USE` when a live process writes the experiment in `dir` (a corrupt or foreign file is left to the search's own handling). */
function assertNotInUse(dir: string): void {
  const file = path.join(dir, STORE_FILE);
  let store: SqliteTrialStore | undefined;
  try {
    store = new SqliteTrialStore({ path: file });
  } catch (e) {
    if (e instanceof AutonasError && (e.code === 'STORE_IN_USE' || e.code === 'STORE_BUSY')) throw e;
    return;
  } finally {
    store?.close();
  }
}

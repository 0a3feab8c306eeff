import fs from 'node:fs/promises';
import path from 'node:path';
import { AutonasError } from 'autonas';

/** The file in an experiment directory that keeps the flags a search was started with. */
export const SEARCH_FLAGS_FILE = 'search-flags.json';
/** The trial store the search keeps in its directory (written by ImageClassifier's `directory`). */
const STORE_FILE = 'experiment.sqlite';
/** Flags that do not describe the search itself (the dashboard's address included). */
const NOT_SAVED = new Set(['resume', 'out', 'help', 'host', 'port']);

/**
 * The flags of the search kept in `dir`, for `autonas search --resume DIR`: flags given again
 * on the command line win.
 * @param dir - the experiment directory (the first run's `--out`)
 * @returns the flag values, as strings, by option name
 * @throws AutonasError `NOTHING_TO_RESUME` when `dir` holds no search
 */
export async function loadSearchFlags(dir: string): Promise<Record<string, string>> {
  const hasStore = await fs.access(path.join(dir, STORE_FILE)).then(() => true, () => false);
  if (!hasStore) throw new AutonasError('NOTHING_TO_RESUME', `${dir} holds no search to resume (no ${STORE_FILE}); start one with autonas search --out ${dir}`);
  let text: string;
  try {
    text = await fs.readFile(path.join(dir, SEARCH_FLAGS_FILE), 'utf8');
  } catch {
    return {};
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new AutonasError('BAD_SEARCH_FLAGS', `${path.join(dir, SEARCH_FLAGS_FILE)} is not valid JSON: ${(e as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || !Object.values(parsed).every((v) => typeof v === 'string')) {
    throw new AutonasError('BAD_SEARCH_FLAGS', `${path.join(dir, SEARCH_FLAGS_FILE)} is not an object of flag strings`);
  }
  return Object.fromEntries(Object.entries(parsed as Record<string, string>).filter(([k]) => !NOT_SAVED.has(k)));
}

/**
 * Saves the flags of a new search into its directory, so `--resume` continues it as started.
 * @param dir - the experiment directory
 * @param flags - parsed flag values
 */
export async function saveSearchFlags(dir: string, flags: Readonly<Record<string, unknown>>): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  const kept = Object.fromEntries(Object.entries(flags).filter(([k, v]) => !NOT_SAVED.has(k) && typeof v === 'string'));
  await fs.writeFile(path.join(dir, SEARCH_FLAGS_FILE), JSON.stringify(kept, null, 2));
}

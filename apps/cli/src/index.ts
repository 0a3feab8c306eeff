export { runCli, SEARCH_DEFAULTS, hpArg } from './cli.js';
export type { CliIo } from './io.js';
export { loadSearchFlags, saveSearchFlags, SEARCH_FLAGS_FILE, type FlagValue } from './resume.js';
export { searchProgress, type ProgressStream, type SearchProgress } from './progress.js';

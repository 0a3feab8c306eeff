export { runCli, SEARCH_DEFAULTS, type CliIo } from './cli.js';
export { loadSearchFlags, saveSearchFlags, SEARCH_FLAGS_FILE, type FlagValue } from './resume.js';

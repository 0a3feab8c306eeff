export { runCli, SEARCH_DEFAULTS, type CliIo } from './cli.js';

#!/usr/bin/env node
import { runCli } from './cli.js';

// Progress bars only when both streams are a terminal: a redirected stdout gets its lines as they are.
const progress = process.stdout.isTTY && process.stderr.isTTY ? process.stderr : undefined;
process.exitCode = await runCli(process.argv.slice(2), { out: (l) => console.log(l), err: (l) => console.error(l), progress });

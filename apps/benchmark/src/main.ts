#!/usr/bin/env node
import { runBench } from './cli.js';

process.exitCode = await runBench(process.argv.slice(2));

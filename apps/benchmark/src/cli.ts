import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { STRATEGIES } from './registry.js';
import { formatStrategyTable, runStrategyBenchmark } from './strategies.js';

const USAGE = `usage: npm run bench -- <benchmark> [options]

benchmarks:
  strategies   every search strategy on NAS-Bench-Macro (tabular), many seeds, beside Optuna when installed
    --seeds N        seeds per strategy (default 20)
    --queries N      queries per search (default 200)
    --only a,b       only these strategies (names as in the table)
    --no-optuna      leave Optuna out
    --out FILE       JSON result (default out/bench/strategies.json)
`;

/** Runs a benchmark by name; returns the exit code. */
export async function runBench(argv: readonly string[], io: { out: (s: string) => void; err: (s: string) => void } = { out: (s) => console.log(s), err: (s) => console.error(s) }): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== 'strategies') {
    io.err(command ? `unknown benchmark "${command}"\n${USAGE}` : USAGE);
    return 2;
  }
  let values;
  try {
    ({ values } = parseArgs({ args: [...rest], options: { seeds: { type: 'string' }, queries: { type: 'string' }, only: { type: 'string' }, 'no-optuna': { type: 'boolean' }, out: { type: 'string' } }, strict: true }));
  } catch (e) {
    io.err(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const int = (v: string | undefined, name: string, fallback: number) => {
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${JSON.stringify(v)}`);
    return n;
  };
  let seeds: number, queries: number;
  try {
    seeds = int(values.seeds, 'seeds', 20);
    queries = int(values.queries, 'queries', 200);
  } catch (e) {
    io.err((e as Error).message);
    return 2;
  }
  const only = values.only?.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = only?.filter((n) => !STRATEGIES.some((s) => s.name === n));
  if (unknown?.length) {
    io.err(`unknown strategies: ${unknown.join(', ')} (have ${STRATEGIES.map((s) => s.name).join(', ')})`);
    return 2;
  }
  const strategies = only ? STRATEGIES.filter((s) => only.includes(s.name)) : STRATEGIES;
  const result = await runStrategyBenchmark({ strategies, seeds, queries, optuna: values['no-optuna'] ? false : 'auto', log: (l) => io.err(l) });
  io.out(formatStrategyTable(result));
  const out = path.resolve(values.out ?? 'out/bench/strategies.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  io.out(`JSON: ${out}`);
  return 0;
}

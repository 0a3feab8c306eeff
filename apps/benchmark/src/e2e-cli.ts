import { parseArgs } from 'node:util';
import { durationOption, intOption, writeJson, type Io } from './cli-options.js';
import { formatE2eBench, runE2eBench } from './e2e-bench.js';

/** The `e2e` lines of the benchmark's usage. */
export const E2E_USAGE = `  e2e          npm start's search (autonas search --dataset mnist --budget B) against the Keras mnist_cnn
               trained plainly for the same wall clock, on autonas's runtime and in PyTorch when installed
    --budget T       the search's --budget, e.g. 540, 90s, 9m (default 9m, as npm start)
    --seeds N        seeds (default 2); each runs the search, then the plain peers for its wall clock
    --train-size N   only the first N training images, for every peer (default 60000)
    --no-pytorch     leave PyTorch out
    --out FILE       JSON result (default out/bench/e2e.json)
`;

/** `npm run bench -- e2e [options]`; returns the exit code. */
export async function e2eCommand(rest: readonly string[], io: Io): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: [...rest], options: { budget: { type: 'string' }, seeds: { type: 'string' }, 'train-size': { type: 'string' }, 'no-pytorch': { type: 'boolean' }, out: { type: 'string' } }, strict: true }));
  } catch (e) {
    io.err(`${(e as Error).message}\n${E2E_USAGE}`);
    return 2;
  }
  let budget: number, seeds: number, trainSize: number | undefined;
  try {
    budget = durationOption(values.budget, 'budget', 540);
    seeds = intOption(values.seeds, 'seeds', 2);
    trainSize = values['train-size'] === undefined ? undefined : intOption(values['train-size'], 'train-size', 60000);
    if (trainSize !== undefined && trainSize > 60000) throw new Error(`--train-size must be at most 60000, got ${trainSize}`);
  } catch (e) {
    io.err((e as Error).message);
    return 2;
  }
  const result = await runE2eBench({ budget, seeds, ...(trainSize === undefined ? {} : { trainSize }), pytorch: values['no-pytorch'] !== true, log: (l) => io.err(l) });
  io.out(formatE2eBench(result));
  writeJson(values.out ?? 'out/bench/e2e.json', result, io);
  return 0;
}

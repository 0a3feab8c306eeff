import { parseArgs } from 'node:util';
import { intOption, writeJson, type Io } from './cli-options.js';
import { formatThroughputBench, runThroughputBench } from './throughput-bench.js';
import { THROUGHPUT_NETS, type ThroughputNet } from './throughput-nets.js';

/** The `throughput` lines of the benchmark's usage. */
export const THROUGHPUT_USAGE = `  throughput   training images/s of three networks on every autonas path, beside PyTorch when installed
    --nets a,b       networks (default ${THROUGHPUT_NETS.join(',')})
    --rounds N       alternating rounds (default 2)
    --steps N        timed steps of batch 64 per measurement (default 20)
    --out FILE       JSON result (default out/bench/throughput.json)
`;

/** `npm run bench -- throughput [options]`; returns the exit code. */
export async function throughputCommand(rest: readonly string[], io: Io): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: [...rest], options: { nets: { type: 'string' }, rounds: { type: 'string' }, steps: { type: 'string' }, out: { type: 'string' } }, strict: true }));
  } catch (e) {
    io.err(`${(e as Error).message}\n${THROUGHPUT_USAGE}`);
    return 2;
  }
  let rounds: number, steps: number;
  try {
    rounds = intOption(values.rounds, 'rounds', 2);
    steps = intOption(values.steps, 'steps', 20);
  } catch (e) {
    io.err((e as Error).message);
    return 2;
  }
  const nets = (values.nets?.split(',').map((s) => s.trim()).filter(Boolean) ?? [...THROUGHPUT_NETS]) as ThroughputNet[];
  const unknown = nets.filter((n) => !(THROUGHPUT_NETS as readonly string[]).includes(n));
  if (unknown.length > 0) {
    io.err(`unknown networks: ${unknown.join(', ')} (have ${THROUGHPUT_NETS.join(', ')})`);
    return 2;
  }
  const result = await runThroughputBench({ nets, rounds, steps, log: (l) => io.err(l) });
  io.out(formatThroughputBench(result));
  writeJson(values.out ?? 'out/bench/throughput.json', result, io);
  return 0;
}

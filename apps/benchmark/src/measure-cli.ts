// The `fidelity`, `oneshot-tiny` and `kernels` commands of `npm run bench` (see cli.ts): the
// measurements that used to be scripts in the plugins' and the runtime's sources.
import { parseArgs } from 'node:util';
import { intOption, type Io } from './cli-options.js';

/** Their usage lines, as cli.ts lists them. */
export const MEASURE_USAGE = `  fidelity     Spearman ρ of a low-fidelity setting vs fuller training, 24 small convnets on MNIST
    --archs N        architectures sampled from the 24 (default 16)
    --train-size N   MNIST training images, a fifth for validation (default 5000)
  oneshot-tiny Kendall τ of one-shot scores vs stand-alone training, the testing kit's 48-network TinyChainSpace (14×14)
    --archs N        architectures sampled from the 48 (default 20)
    --steps N        supernet steps of batch 32 (default 600)
    --train-size N   MNIST training images, a quarter for validation (default 4000)
  kernels      images/s of the default network on wasm as each training-kernel optimisation is added, and kernel times
    --steps N        timed steps of batch 64 per setup (default 20)
    --profile-only   only the default setup and its kernel times
`;

function parse(rest: readonly string[], options: Record<string, { type: 'string' | 'boolean' }>, io: Io) {
  try {
    return parseArgs({ args: [...rest], options, strict: true }).values as Record<string, string | boolean | undefined>;
  } catch (e) {
    io.err(`${(e as Error).message}\n${MEASURE_USAGE}`);
    return undefined;
  }
}

/** `npm run bench -- fidelity [--archs N] [--train-size N]`; returns the exit code. */
export async function fidelityCommand(rest: readonly string[], io: Io): Promise<number> {
  const values = parse(rest, { archs: { type: 'string' }, 'train-size': { type: 'string' } }, io);
  if (!values) return 2;
  let architectures: number, trainSize: number;
  try {
    architectures = intOption(values.archs as string | undefined, 'archs', 16, 2);
    trainSize = intOption(values['train-size'] as string | undefined, 'train-size', 5000);
  } catch (e) {
    io.err((e as Error).message);
    return 2;
  }
  const { runFidelityMeasure } = await import('./fidelity-measure.js');
  await runFidelityMeasure({ architectures, trainSize }, io);
  return 0;
}

/** `npm run bench -- oneshot-tiny [--archs N] [--steps N] [--train-size N]`; returns the exit code. */
export async function oneShotTinyCommand(rest: readonly string[], io: Io): Promise<number> {
  const values = parse(rest, { archs: { type: 'string' }, steps: { type: 'string' }, 'train-size': { type: 'string' } }, io);
  if (!values) return 2;
  let architectures: number, steps: number, trainSize: number;
  try {
    architectures = intOption(values.archs as string | undefined, 'archs', 20, 2);
    steps = intOption(values.steps as string | undefined, 'steps', 600);
    trainSize = intOption(values['train-size'] as string | undefined, 'train-size', 4000);
  } catch (e) {
    io.err((e as Error).message);
    return 2;
  }
  const { runTinyOneShot } = await import('./oneshot-tiny.js');
  await runTinyOneShot({ architectures, steps, trainSize }, io);
  return 0;
}

/** `npm run bench -- kernels [--steps N] [--profile-only]`; returns the exit code. */
export async function kernelsCommand(rest: readonly string[], io: Io): Promise<number> {
  const values = parse(rest, { steps: { type: 'string' }, 'profile-only': { type: 'boolean' } }, io);
  if (!values) return 2;
  let steps: number;
  try {
    steps = intOption(values.steps as string | undefined, 'steps', 20);
  } catch (e) {
    io.err((e as Error).message);
    return 2;
  }
  const { runKernelsBench } = await import('./kernels-bench.js');
  await runKernelsBench({ steps, profileOnly: values['profile-only'] === true }, io);
  return 0;
}

// The `oneshot` and `hyperband` commands of `npm run bench` (see cli.ts).
import { parseArgs } from 'node:util';
import { ONESHOT_TRAININGS, type OneShotTraining } from '@autonas/estimator-oneshot';
import { intOption, machine, writeJson, type Io } from './cli-options.js';
import { formatHyperbandBench, runHyperbandBench } from './hyperband-bench.js';
import { formatOneShotBench, runOneShotBench } from './oneshot-bench.js';


/** The usage lines of both commands, as cli.ts lists them. */
export const ESTIMATION_USAGE = `  oneshot      Kendall τ of one-shot (supernet) scores vs stand-alone training, chain space on MNIST (14×14)
    --archs N        distinct architectures (default 20)
    --steps N        supernet training steps (default 1000)
    --train-size N   training images (default 2000)
    --validation-size N  validation images, the next ones (default 1000)
    --epochs N       stand-alone epochs per architecture (default 2)
    --full-size      28×28 images instead of 14×14
    --fixed D=V      fix a chain-space decision, e.g. chain/reduction=global_avg (repeatable)
    --variants LIST  supernet training schemes, each with the same steps (default uniform,few-shot,sandwich,progressive)
    --split LIST     decisions the few-shot variant splits on (default chain/blocks)
    --seed N         seed (default 0)
    --out FILE       JSON result (default out/bench/oneshot.json)
  hyperband    Hyperband early stopping vs plain low fidelity, same random trials, chain space on MNIST (14×14)
    --trials N       trials per row (default 27)
    --epochs R       epochs per trial, Hyperband's maximum resource (default 3)
    --eta N          Hyperband's η (default 3)
    --train-size N   training images per trial (default 1000)
    --validation-size N  validation images, the next ones (default 500)
    --rounds N       alternating rounds of both rows (default 1)
    --full-size      28×28 images instead of 14×14
    --seed N         seed (default 0)
    --out FILE       JSON result (default out/bench/hyperband.json)
`;

/**
 * `--fixed` values: `decision=value`, the value read as a number or boolean when it is one.
 * @param items - e.g. `['chain/reduction=global_avg', 'chain/head/units=0']`
 * @returns the decisions to fix
 */
export function parseFixed(items: readonly string[]): Record<string, string | number | boolean> {
  return Object.fromEntries(items.map((item) => {
    const i = item.indexOf('=');
    if (i <= 0 || i === item.length - 1) throw new Error(`--fixed needs DECISION=VALUE, got "${item}"`);
    const raw = item.slice(i + 1);
    const value = raw === 'true' ? true : raw === 'false' ? false : raw.trim() !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
    return [item.slice(0, i), value];
  }));
}

/** A comma-separated list option (`--variants uniform,sandwich`); empty items are refused. */
function listOption(raw: string, name: string): string[] {
  const items = raw.split(',').map((x) => x.trim());
  if (items.some((x) => x === '')) throw new Error(`--${name} needs a comma-separated list, got "${raw}"`);
  if (name === 'variants') {
    const bad = items.find((x) => !(ONESHOT_TRAININGS as readonly string[]).includes(x));
    if (bad !== undefined) throw new Error(`--variants: unknown scheme "${bad}"; known: ${ONESHOT_TRAININGS.join(', ')}`);
  }
  return items;
}

/** `npm run bench -- oneshot [options]`; returns the exit code. */
export async function oneShotCommand(rest: readonly string[], io: Io): Promise<number> {
  let opts;
  try {
    const { values } = parseArgs({
      args: [...rest],
      options: { archs: { type: 'string' }, steps: { type: 'string' }, 'train-size': { type: 'string' }, 'validation-size': { type: 'string' }, epochs: { type: 'string' }, 'full-size': { type: 'boolean' }, seed: { type: 'string' }, out: { type: 'string' }, fixed: { type: 'string', multiple: true }, variants: { type: 'string' }, split: { type: 'string' } },
      strict: true,
    });
    opts = {
      ...(values.fixed ? { space: { fixed: parseFixed(values.fixed) } } : {}),
      archs: intOption(values.archs, 'archs', 20, 2),
      supernetSteps: intOption(values.steps, 'steps', 1000),
      trainSize: intOption(values['train-size'], 'train-size', 2000),
      validationSize: intOption(values['validation-size'], 'validation-size', 1000),
      standaloneEpochs: intOption(values.epochs, 'epochs', 2),
      downsample: !values['full-size'],
      seed: intOption(values.seed, 'seed', 0, 0),
      ...(values.variants !== undefined ? { variants: listOption(values.variants, 'variants') as OneShotTraining[] } : {}),
      ...(values.split !== undefined ? { splitOn: listOption(values.split, 'split') } : {}),
      out: values.out ?? 'out/bench/oneshot.json',
    };
  } catch (e) {
    io.err(`${(e as Error).message}\nusage: npm run bench -- oneshot [options]\n${ESTIMATION_USAGE}`);
    return 2;
  }
  const { out, ...options } = opts;
  const result = await runOneShotBench({ ...options, log: (l) => io.err(l) });
  io.out(formatOneShotBench(result));
  writeJson(out, { ...result, machine: machine() }, io);
  return 0;
}

/** `npm run bench -- hyperband [options]`; returns the exit code. */
export async function hyperbandCommand(rest: readonly string[], io: Io): Promise<number> {
  let opts;
  try {
    const { values } = parseArgs({
      args: [...rest],
      options: { trials: { type: 'string' }, epochs: { type: 'string' }, eta: { type: 'string' }, 'train-size': { type: 'string' }, 'validation-size': { type: 'string' }, rounds: { type: 'string' }, 'full-size': { type: 'boolean' }, seed: { type: 'string' }, out: { type: 'string' } },
      strict: true,
    });
    opts = {
      trials: intOption(values.trials, 'trials', 27),
      epochs: intOption(values.epochs, 'epochs', 3),
      eta: intOption(values.eta, 'eta', 3, 2),
      trainSize: intOption(values['train-size'], 'train-size', 1000),
      validationSize: intOption(values['validation-size'], 'validation-size', 500),
      rounds: intOption(values.rounds, 'rounds', 1),
      downsample: !values['full-size'],
      seed: intOption(values.seed, 'seed', 0, 0),
      out: values.out ?? 'out/bench/hyperband.json',
    };
  } catch (e) {
    io.err(`${(e as Error).message}\nusage: npm run bench -- hyperband [options]\n${ESTIMATION_USAGE}`);
    return 2;
  }
  const { out, ...options } = opts;
  const result = await runHyperbandBench({ ...options, log: (l) => io.err(l) });
  io.out(formatHyperbandBench(result));
  writeJson(out, { ...result, machine: machine() }, io);
  return 0;
}

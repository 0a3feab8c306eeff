import { parseArgs } from 'node:util';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import { AutonasError, ImageClassifier, StructuredDataClassifier, builtinPlugins, checkAugment, createDataset, loadMnist, summarize, type AutoModel, type ClassLabelInput, type MetricObjective, type PluginEntry, type PluginRegistry, type TrialRecord } from 'autonas';
import { loadData, splitIndices, type LoadedData } from '@autonas/data';

const STRATEGY_NAMES = builtinPlugins().names('strategy');
import { loadSearchFlags, saveSearchFlags } from './resume.js';
import { WORKER_HELP, runWorkerCommand } from './worker.js';
import { DARTS_DEFAULTS, runDartsSearch } from './darts.js';
import type { CliIo } from './io.js';
import { searchProgress } from './progress.js';
import { DASHBOARD_HELP, SEARCH_DASHBOARD_HELP, SEARCH_DASHBOARD_OPTIONS, runDashboardCommand, startSearchDashboard } from './dashboard.js';

/** Defaults of `autonas search`: sized so the run ends within 10 minutes on 2 cores on wasm. */
export const SEARCH_DEFAULTS = {
  dataset: 'mnist',
  maxTrials: 5,
  timeLimit: 90,
  /**
   * The morphism-bo search's default: it starts from one network and improves it by growing
   * trained children, each larger and slower than the start; in 90 s on 2 cores the first child
   * did not finish (measured: 29 s for the start, 65 s for its child), so the default gives it room
   * for about four trials.
   */
  morphismTimeLimit: 240,
  strategy: 'random',
  seed: 0,
  out: 'out/mnist',
  epochs: 1,
  trialSamples: 8000,
  trialValidation: 3000,
  retrainEpochs: 2,
  retrainTimeLimit: 420,
  retrainLearningRate: 0.001,
  /**
   * One worker process per core: the wasm backend trains on one thread, so this is how a search
   * uses the other cores. 1 (trials in the CLI's process) where workers do not apply: --one-shot,
   * --folds, morphism-bo, darts.
   */
  workers: 'auto',
} as const;

const HELP = `autonas search [options]

Searches a neural architecture for an image dataset, retrains the best one, reports its
accuracy on the held-out test set and saves it.

  --dataset NAME          dataset (mnist)                                   [${SEARCH_DEFAULTS.dataset}]
  --data PATH             your own labelled data instead: a folder of class subfolders of
                          PNG/JPEG images, a .csv file (labels in --target), a folder with
                          x.npy + y.npy, or one with an IDX pair; images search an image
                          classifier, tables a structured-data one; 20% (seeded, stratified)
                          is held out as the test set
  --target COLUMN         the label column of a --data CSV file              [target]
  --max-trials N          most candidate architectures                      [${SEARCH_DEFAULTS.maxTrials}]
  --budget T              seconds (or 90s, 10m, 1h) for the whole job (npm start: 9m): after the
                          baseline the search gets at most half of what is left, the
                          retraining the rest, its learning-rate schedule ending with it; the
                          best model so far is always returned (--time-limit and
                          --retrain-time-limit then only cap)
  --time-limit S          seconds for the search (retraining not counted)   [${SEARCH_DEFAULTS.timeLimit}; ${SEARCH_DEFAULTS.morphismTimeLimit} for morphism-bo]
  --objective NAME        what is optimised: val_accuracy, val_loss          [val_accuracy]
  --objectives A,B        a multi-objective search: accuracy (or val_accuracy), loss (or
                          val_loss), params (trainable parameters, minimised), e.g.
                          accuracy,params: evolution and predictor select by the Pareto front,
                          the report shows it (report.json: paretoFront); --objective still
                          picks the network retrained
  --max-params N          a constraint: candidates over N trainable parameters are infeasible
                          (off the front when any candidate is within it)
  --plugin MODULE         load plugins from MODULE (its default export: a plugin entry or a
                          list of them, e.g. a strategy then chosen by --strategy NAME)
  --strategy NAME         search strategy: ${STRATEGY_NAMES.join(', ')} [${SEARCH_DEFAULTS.strategy}]
                          morphism-bo: Auto-Keras's search; trains the known-good network, then
                          grows trained networks by function-preserving morphisms (a child
                          continues from its parent's weights), chosen by Bayesian optimisation
                          darts: a cell supernet on MNIST at 14×14 (--train-size default
                          ${DARTS_DEFAULTS.trainSize}, --epochs ${DARTS_DEFAULTS.searchEpochs} search epochs, --retrain-epochs ${DARTS_DEFAULTS.retrainEpochs})
  --seed N                seed of splits, sampling and weights              [${SEARCH_DEFAULTS.seed}]
  --out DIR               where the model and report.json go                [${SEARCH_DEFAULTS.out}]
  --epochs N              epochs per candidate                              [${SEARCH_DEFAULTS.epochs}]
  --trial-samples N       training samples per candidate                    [${SEARCH_DEFAULTS.trialSamples}]
  --trial-validation N    validation samples that score a candidate         [${SEARCH_DEFAULTS.trialValidation}]
  --retrain-epochs N      epochs of the final retraining                    [${SEARCH_DEFAULTS.retrainEpochs}]
  --retrain-time-limit S  seconds the final retraining may take             [${SEARCH_DEFAULTS.retrainTimeLimit}]
  --retrain-lr X          learning rate of the retraining (cosine)    [the winner's: ${SEARCH_DEFAULTS.retrainLearningRate} unless searched]
  --lr X                  learning rate of every trial (not searched then)  [0.001]
  --batch-size N          samples per step of every trial (not searched then)  [64]
  --optimizer NAME        adam, adamw, sgd (momentum 0.9) or rmsprop       [adam]
  --weight-decay X        kernel weight decay (decoupled with adamw, L2 otherwise)  [0]
  --hp-search             search the learning rate (0.001|0.003) and the batch size (64|32) beside
                          the network, those not fixed by --lr / --batch-size (off by default: on
                          MNIST with a 90 s search it measured worse on average)
  --hp SPEC               search these hyperparameters, name=choice|choice, comma-separated, e.g.
                          learningRate=0.001|0.003,optimizer=adam|adamw,augment.shift=0|2
  --no-hp-search          search the network only (the default)
  --train-size N          use only the first N training images              [60000]
  --backend NAME          force a backend: tensorflow, wasm, cpu            [auto]
  --workers N|auto        trials at once, each in its own worker process    [${SEARCH_DEFAULTS.workers}]
                          (auto: one per core, ${os.availableParallelism()} here; wasm trains on one core, so on
                          2 cores 2 workers give about 1.8× the trials per hour; 1 by default
                          with --one-shot, --folds, morphism-bo and darts, which need one process)
  --redis URL             send the trials to a BullMQ queue on this Redis, run by
                          \`autonas worker --redis URL\` processes on any machine (--workers N:
                          trials queued at once, default 2); the retraining stays here
  --queue NAME            the queue on --redis                               [autonas-trials]
  --augment SPEC          augment training batches (trials and retraining; never validation or
                          test data): shift=PIXELS, cutout=PIXELS, flip, e.g. shift=2,cutout=8
  --folds K               score candidates by K-fold cross-validation (K times the cost)
  --one-shot              score candidates in seconds on a weight-sharing supernet trained once
                          (a proxy: the winner is also trained alone, and the report shows both)
  --supernet-steps N      supernet training steps with --one-shot (batches of 64)  [1000]
  --supernet-training S   how the supernet trains: uniform, few-shot, sandwich, progressive  [uniform]
  --no-baseline           skip the plain ResNet-style network trained first for comparison
  --plan                  only estimate the search's time and memory (a short timed probe)
  --json                  one JSON event per line on stdout (plan, trial:start, trial:epoch,
                          trial:end with its phase, result, error); the usual lines go to stderr
  --resume DIR            continue the search kept in DIR (its --out) after a crash or kill:
                          completed trials are kept, the budget counts what was spent, flags
                          not given again are the first run's. Without it, --out starts afresh.
${SEARCH_DASHBOARD_HELP}  -h, --help              this text
`;

const intArg = (name: string, v: string | undefined, d: number, min = 1): number => {
  if (v === undefined) return d;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new AutonasError('BAD_ARGUMENT', `--${name} must be an integer >= ${min}, got "${v}"`);
  return n;
};
const numArg = (name: string, v: string | undefined, d: number): number => {
  if (v === undefined) return d;
  const n = Number(v);
  if (!(n > 0)) throw new AutonasError('BAD_ARGUMENT', `--${name} must be a positive number, got "${v}"`);
  return n;
};

/** Seconds from `600`, `90s`, `10m` or `1h`. */
const durationArg = (name: string, v: string): number => {
  const m = /^(\d+(?:\.\d+)?)(s|m|h)?$/.exec(v.trim());
  const n = m ? Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : 1) : NaN;
  if (!(n > 0)) throw new AutonasError('BAD_ARGUMENT', `--${name} must be a duration such as 600, 90s, 10m or 1h, got "${v}"`);
  return n;
};

/** The built-in plugins plus those of each `--plugin` module (its default export: an entry or a list of entries). */
async function loadPlugins(modules: readonly string[]): Promise<PluginRegistry> {
  const registry = builtinPlugins().clone();
  for (const m of modules) {
    let mod: { default?: unknown };
    try {
      mod = await import(m.startsWith('.') || path.isAbsolute(m) ? pathToFileURL(path.resolve(m)).href : m);
    } catch (e) {
      throw new AutonasError('BAD_PLUGIN', `--plugin ${m}: cannot load it: ${(e as Error).message}`);
    }
    const entries = Array.isArray(mod.default) ? mod.default : [mod.default];
    if (entries.length === 0 || entries.some((e) => typeof e !== 'object' || e === null)) throw new AutonasError('BAD_PLUGIN', `--plugin ${m}: its default export must be a plugin entry ({ kind, name, create }) or a list of them`);
    for (const e of entries) registry.register(e as PluginEntry);
  }
  return registry;
}

const pct = (x: number | undefined) => (x === undefined ? '   n/a' : `${(x * 100).toFixed(2)}%`);

function trialLine(t: TrialRecord): string {
  const params = t.metrics.params === undefined ? '' : `${Math.round(t.metrics.params).toLocaleString('en-US')} params`;
  const status = t.status === 'completed' ? `val acc ${pct(t.score)}${t.metrics.oneShot ? ' (one-shot)' : ''}` : `${t.status}${t.error ? `: ${t.error}` : ''}${t.score !== undefined ? ` (val acc ${pct(t.score)})` : ''}`;
  const grown = t.parent === undefined ? '' : ` | grown from trial ${t.parent + 1}${t.metrics.inheritedValAccuracy === undefined ? '' : ` (${pct(t.metrics.inheritedValAccuracy)} before training)`}`;
  return `trial ${String(t.id + 1).padStart(2)} | ${status} | ${params} | ${(t.seconds ?? 0).toFixed(1)} s${t.cached ? ' (cached)' : ''}${grown}\n         ${summarize(t.architecture)}`;
}

/** The version of this package (`@autonas/cli`), as `autonas --version` prints it. */
export const CLI_VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

/** `autonas --help`: the commands, then every command's options. */
function topHelp(): string {
  return `autonas ${CLI_VERSION}: neural architecture search on TensorFlow.js

Commands:
  autonas search [options]      search architectures, retrain the best, report its test accuracy, save it
  autonas dashboard DIR...      serve the live dashboard of experiment directories (127.0.0.1)
  autonas worker --redis URL    run the trials of searches sent through Redis (BullMQ)
  autonas --version             print the version
  autonas --help                this text

${HELP}
${DASHBOARD_HELP}
${WORKER_HELP}`;
}

/**
 * Runs the CLI with the given arguments; returns the process exit code.
 * @example
 * ```ts
 * import { runCli } from '@autonas/cli';
 * const code = await runCli(['search', '--max-trials', '1', '--train-size', '600']);
 * ```
 */
export async function runCli(argv: readonly string[], io: CliIo = { out: (l) => console.log(l), err: (l) => console.error(l) }): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    io.out(topHelp());
    return command === undefined ? 2 : 0;
  }
  if (command === '--version' || command === '-v' || command === 'version') {
    io.out(CLI_VERSION);
    return 0;
  }
  if (command === 'worker') return runWorkerCommand(rest, io).catch((e) => cliError(e, io));
  if (command === 'dashboard') return runDashboardCommand(rest, io).catch((e) => cliError(e, io));
  if (command !== 'search') {
    io.err(`autonas: unknown command "${command}"; try "autonas search --help", "autonas dashboard --help" or "autonas worker --help"`);
    return 2;
  }
  let emit: (event: Record<string, unknown>) => void = () => {};
  try {
    const { values } = parseArgs({
      args: [...rest],
      options: {
        dataset: { type: 'string' }, 'max-trials': { type: 'string' }, 'time-limit': { type: 'string' }, strategy: { type: 'string' },
        seed: { type: 'string' }, out: { type: 'string' }, epochs: { type: 'string' }, 'trial-samples': { type: 'string' }, 'trial-validation': { type: 'string' },
        'retrain-epochs': { type: 'string' }, 'retrain-time-limit': { type: 'string' }, 'retrain-lr': { type: 'string' }, 'train-size': { type: 'string' },
        backend: { type: 'string' }, resume: { type: 'string' }, help: { type: 'boolean', short: 'h' },
        folds: { type: 'string' }, 'no-baseline': { type: 'boolean' }, plan: { type: 'boolean' },
        'one-shot': { type: 'boolean' }, 'supernet-steps': { type: 'string' }, 'supernet-training': { type: 'string' }, workers: { type: 'string' }, ...SEARCH_DASHBOARD_OPTIONS,
        budget: { type: 'string' }, objective: { type: 'string' }, objectives: { type: 'string' }, 'max-params': { type: 'string' }, plugin: { type: 'string', multiple: true },
        redis: { type: 'string' }, queue: { type: 'string' }, augment: { type: 'string' },
        lr: { type: 'string' }, 'batch-size': { type: 'string' }, optimizer: { type: 'string' }, 'weight-decay': { type: 'string' }, hp: { type: 'string' }, 'no-hp-search': { type: 'boolean' }, 'hp-search': { type: 'boolean' },
        data: { type: 'string' }, target: { type: 'string' }, json: { type: 'boolean' },
      },
      strict: true,
    });
    if (values.help) {
      io.out(HELP);
      return 0;
    }
    if (values.json) {
      // One JSON event per line on stdout for scripts; the human lines go to stderr.
      const raw = io;
      emit = (event) => raw.out(JSON.stringify({ ...event, time: new Date().toISOString() }));
      io = { out: (l) => raw.err(l), err: (l) => raw.err(l) };
      if ((values.strategy ?? SEARCH_DEFAULTS.strategy) === 'darts') throw new AutonasError('BAD_ARGUMENT', '--json reports the trials of the pipeline; --strategy darts runs its own search and prints lines only');
    }
    const resume = values.resume === undefined ? undefined : path.resolve(values.resume);
    if (resume && values.out !== undefined && path.resolve(values.out) !== resume) throw new AutonasError('BAD_ARGUMENT', `--resume ${values.resume} continues the search kept there; give no other --out`);
    if (resume) Object.assign(values, { ...(await loadSearchFlags(resume)), ...values, out: resume });
    // Kept absolute in the saved flags, so that --resume finds the data from any folder.
    if (values.data !== undefined) values.data = path.resolve(values.data);
    if (values.data !== undefined && values.dataset !== undefined) throw new AutonasError('BAD_ARGUMENT', '--data PATH and --dataset NAME both name the data: give one');
    if (values.target !== undefined && values.data === undefined) throw new AutonasError('BAD_ARGUMENT', '--target names the label column of a --data CSV file; give --data PATH too');
    if (values.data !== undefined && values['train-size'] !== undefined) throw new AutonasError('BAD_ARGUMENT', '--train-size applies to MNIST; --data uses all of its samples');
    const dataset = values.data !== undefined ? `data:${values.data}` : values.dataset ?? SEARCH_DEFAULTS.dataset;
    if (values.data === undefined && dataset !== 'mnist') throw new AutonasError('BAD_ARGUMENT', `--dataset "${dataset}" is not available; datasets: mnist (or --data PATH)`);
    const plugins = await loadPlugins(values.plugin ?? []);
    const strategy = values.strategy ?? SEARCH_DEFAULTS.strategy;
    if (!plugins.has('strategy', strategy)) throw new AutonasError('BAD_ARGUMENT', `--strategy "${strategy}" is not available; strategies: ${plugins.names('strategy').join(', ')}`);
    // What a strategy can do comes from what it declares: one that trains networks of its own or grows trained parents runs in one process.
    const declared = plugins.get('strategy', strategy).capabilities ?? {};
    const ownNetworks = declared.trainsOwnNetworks === true || declared.parentWeights === true;
    const budget = values.budget === undefined ? undefined : durationArg('budget', values.budget);
    const objective = values.objective as 'val_accuracy' | 'val_loss' | undefined;
    if (objective !== undefined && objective !== 'val_accuracy' && objective !== 'val_loss') throw new AutonasError('BAD_ARGUMENT', `--objective must be val_accuracy or val_loss, got "${objective}"`);
    const objectives = values.objectives === undefined ? undefined : objectivesArg(values.objectives);
    const maxParams = values['max-params'] === undefined ? undefined : intArg('max-params', values['max-params'], 0);
    const folds = values.folds === undefined ? undefined : intArg('folds', values.folds, 0, 2);
    const baseline = values['no-baseline'] !== true;
    const backend = values.backend as 'tensorflow' | 'wasm' | 'cpu' | undefined;
    if (backend !== undefined && !['tensorflow', 'wasm', 'cpu'].includes(backend)) throw new AutonasError('BAD_ARGUMENT', `--backend must be tensorflow, wasm or cpu, got "${backend}"`);
    const maxTrials = intArg('max-trials', values['max-trials'], SEARCH_DEFAULTS.maxTrials);
    // With a budget the search's time comes from it: --time-limit only caps.
    const timeLimit = budget !== undefined && values['time-limit'] === undefined ? undefined : numArg('time-limit', values['time-limit'], strategy === 'morphism-bo' ? SEARCH_DEFAULTS.morphismTimeLimit : SEARCH_DEFAULTS.timeLimit);
    const seed = intArg('seed', values.seed, SEARCH_DEFAULTS.seed, 0);
    const epochs = intArg('epochs', values.epochs, SEARCH_DEFAULTS.epochs);
    const trialSamples = intArg('trial-samples', values['trial-samples'], SEARCH_DEFAULTS.trialSamples);
    const trialValidation = intArg('trial-validation', values['trial-validation'], SEARCH_DEFAULTS.trialValidation);
    const retrainEpochs = intArg('retrain-epochs', values['retrain-epochs'], SEARCH_DEFAULTS.retrainEpochs);
    const retrainTimeLimit = budget !== undefined && values['retrain-time-limit'] === undefined ? undefined : numArg('retrain-time-limit', values['retrain-time-limit'], SEARCH_DEFAULTS.retrainTimeLimit);
    const retrainEpochsGiven = values['retrain-epochs'] !== undefined;
    // Not given, the retraining takes the winning trial's learning rate (searched or fixed).
    const retrainLearningRate = values['retrain-lr'] === undefined ? undefined : numArg('retrain-lr', values['retrain-lr'], SEARCH_DEFAULTS.retrainLearningRate);
    const learningRate = values.lr === undefined ? undefined : numArg('lr', values.lr, 0.001);
    const batchSize = values['batch-size'] === undefined ? undefined : intArg('batch-size', values['batch-size'], 64);
    const optimizer = values.optimizer;
    if (optimizer !== undefined && !['adam', 'adamw', 'sgd', 'rmsprop'].includes(optimizer)) throw new AutonasError('BAD_ARGUMENT', `--optimizer must be adam, adamw, sgd or rmsprop, got "${optimizer}"`);
    const weightDecay = values['weight-decay'] === undefined ? undefined : Number(values['weight-decay']);
    if (weightDecay !== undefined && !(weightDecay >= 0 && Number.isFinite(weightDecay))) throw new AutonasError('BAD_ARGUMENT', `--weight-decay must be a number >= 0, got "${values['weight-decay']}"`);
    if ((values.hp !== undefined || values['hp-search']) && values['no-hp-search']) throw new AutonasError('BAD_ARGUMENT', `${values.hp !== undefined ? '--hp names hyperparameters to search' : '--hp-search turns the search on'} and --no-hp-search turns the search off: give one`);
    if (values.hp !== undefined && values['hp-search']) throw new AutonasError('BAD_ARGUMENT', '--hp-search searches the default choices and --hp SPEC its own: give one');
    const hyperparameters = values['no-hp-search'] ? false : values.hp !== undefined ? hpArg(values.hp) : values['hp-search'] ? true : undefined;
    const trainSize = intArg('train-size', values['train-size'], 60000);
    const oneShot = values['one-shot'] === true;
    if (values['supernet-steps'] !== undefined && !oneShot) throw new AutonasError('BAD_ARGUMENT', '--supernet-steps needs --one-shot');
    const supernetSteps = intArg('supernet-steps', values['supernet-steps'], 1000);
    const supernetTraining = values['supernet-training'] as 'uniform' | 'few-shot' | 'sandwich' | 'progressive' | undefined;
    if (supernetTraining !== undefined && !oneShot) throw new AutonasError('BAD_ARGUMENT', '--supernet-training needs --one-shot');
    if (supernetTraining !== undefined && !['uniform', 'few-shot', 'sandwich', 'progressive'].includes(supernetTraining)) throw new AutonasError('BAD_ARGUMENT', `--supernet-training must be uniform, few-shot, sandwich or progressive, got "${supernetTraining}"`);
    if (oneShot && ownNetworks) throw new AutonasError('BAD_ARGUMENT', `--one-shot does not apply to --strategy ${strategy}, which trains its own networks`);
    const singleProcess = oneShot ? '--one-shot' : folds !== undefined ? '--folds' : ownNetworks ? `--strategy ${strategy}` : undefined;
    if (values.queue !== undefined && values.redis === undefined) throw new AutonasError('BAD_ARGUMENT', '--queue names a queue on --redis; give --redis URL too');
    if (values.redis !== undefined && !/^rediss?:\/\/./.test(values.redis)) throw new AutonasError('BAD_ARGUMENT', `--redis must be a redis:// URL, got "${values.redis}"`);
    if (values.redis !== undefined && singleProcess) throw new AutonasError('BAD_ARGUMENT', `--redis sends low-fidelity trials to autonas worker processes; it does not apply to ${singleProcess}`);
    // With --redis, --workers is the trials queued at once (default 2), whatever machines take them.
    const workers = values.workers === undefined ? (singleProcess ? 1 : values.redis !== undefined ? 2 : SEARCH_DEFAULTS.workers) : values.workers === 'auto' ? 'auto' : intArg('workers', values.workers, 1);
    if (values.workers !== undefined && singleProcess && workers !== 1) {
      throw new AutonasError('BAD_ARGUMENT', `--workers runs low-fidelity trials in worker processes; it does not apply to ${singleProcess}`);
    }
    if (values.data !== undefined && strategy === 'darts') throw new AutonasError('BAD_ARGUMENT', '--strategy darts searches MNIST only; it does not take --data');
    // --data is read (and its errors reported) before anything is written.
    const own = values.data === undefined ? undefined : await loadData(values.data, { target: values.target });
    const augment = values.augment === undefined ? undefined : augmentArg(values.augment);
    if (augment && own?.kind === 'structured') throw new AutonasError('BAD_ARGUMENT', '--augment shifts, cuts out and flips images; --data holds a table');
    if (augment) checkAugment(augment, own?.kind === 'image' ? own.sampleShape : [28, 28, 1]); // refused before anything is written
    const out = path.resolve(values.out ?? SEARCH_DEFAULTS.out);
    if (!resume && !values.plan) await saveSearchFlags(out, values);

    if (strategy === 'darts') {
      await startSearchDashboard(out, values, strategy, io); // refuses --dashboard and its flags: darts keeps no trial store
      return await runDartsSearch({
        trainSize: values['train-size'] === undefined ? undefined : trainSize,
        epochs: values.epochs === undefined ? undefined : epochs,
        retrainEpochs: values['retrain-epochs'] === undefined ? undefined : retrainEpochs,
        seed, out, backend,
      }, io);
    }
    const t0 = performance.now();
    // Live bars on a terminal (never with --json); every line then prints above them.
    const progress = searchProgress(values.json ? { write: () => true } : io.progress ?? { write: () => true }, io.out);
    const lines = io;
    io = { out: (l) => progress.log(l), err: (l) => lines.err(l) };
    const { train, test } = own ? holdOut(own, seed) : await loadMnist({ trainSize: Math.min(trainSize, 60000) });
    const what = own ? (own.kind === 'image' ? 'images' : 'rows') : 'images';
    io.out(own
      ? `autonas search: ${own.source} (${own.format}, ${own.kind === 'image' ? `images of shape [${own.sampleShape}]` : `${own.target ? `target column "${own.target}"` : 'rows of numbers'}`}): ${train.size} training ${what} (${Math.round(train.size * 0.2)} held out for validation), ${test.size} test ${what} (20%) never seen by the search`
      : `autonas search: MNIST ${train.size} training images (${Math.round(train.size * 0.2)} held out for validation), ${test.size} test images never seen by the search`);
    const Task = own?.kind === 'structured' ? StructuredDataClassifier : ImageClassifier;
    const clf: AutoModel<unknown, ClassLabelInput> = new Task({
      maxTrials, timeLimit, seed, backend, workers, strategy, plugins, objective, ...(objectives ? { objectives } : {}), ...(hyperparameters !== undefined ? { hyperparameters } : {}), ...(maxParams !== undefined ? { maxParams } : {}), ...(values.plan ? {} : { directory: out, overwrite: !resume }),
      ...(values.redis !== undefined ? { runner: 'bullmq', runnerOptions: { redis: values.redis, queue: values.queue } } : {}),
      estimator: {
        epochs, maxSamples: trialSamples, validationFraction: Math.min(1, trialValidation / Math.round(train.size * 0.2)), ...(augment ? { augment } : {}),
        ...(optimizer !== undefined ? { optimizer: optimizer as 'adam' } : {}), ...(weightDecay !== undefined ? { weightDecay } : {}),
        ...(oneShot ? { oneShot: { steps: supernetSteps, validationSamples: trialValidation, ...(supernetTraining ? { training: supernetTraining } : {}) } } : {}),
      },
      log: (l) => io.out(l),
    });
    io.out(`budget: at most ${maxTrials} trials${timeLimit === undefined ? '' : ` or ${timeLimit} s`}${budget === undefined ? '' : `, ${budget} s for the whole job`}; each trial trains ${epochs} epoch(s) on ${Math.min(trialSamples, train.size - Math.round(train.size * 0.2))} ${what} and is scored on ${Math.min(trialValidation, Math.round(train.size * 0.2))}; strategy ${strategy}, seed ${seed}${values.redis !== undefined ? `; ${clf.workerCount} trials at once on the workers of ${values.redis}` : clf.workerCount > 1 ? `; ${clf.workerCount} worker processes${workers === 'auto' ? ' (one per core)' : ''}` : ''}`);
    const dashboard = values.plan ? undefined : await startSearchDashboard(out, values, strategy, io);
    try {
      const fitOptions = { sampleShape: train.sampleShape, epochs, retrainEpochs: budget !== undefined && !retrainEpochsGiven ? undefined : retrainEpochs, retrainTimeLimit, folds, baseline, budget,
        ...(retrainLearningRate !== undefined ? { retrainLearningRate } : {}), ...(learningRate !== undefined ? { learningRate } : {}), ...(batchSize !== undefined ? { batchSize } : {}) };
      const plan = await clf.plan(train.x, train.y, fitOptions);
      io.out(`plan (from a timed probe; candidates differ in size):\n  ${plan.lines.join('\n  ')}`);
      emit({ event: 'plan', dataset, train: train.size, test: test.size, secondsPerTrial: plan.secondsPerTrial, trials: plan.trials, totalSeconds: plan.totalSeconds, memoryBytes: plan.memoryBytes });
      if (values.plan) return 0;
      dashboard?.setPlan(plan);
      progress.planned(plan.trials, plan.secondsPerTrial);
      const result = await clf.fit(train.x, train.y, {
        ...fitOptions,
        onTrialStart: (t, phase) => {
          if (phase === 'retrain') progress.retrainStarted(fitOptions.retrainEpochs);
          emit({ event: 'trial:start', phase, id: t.id, summary: summarize(t.architecture) });
        },
        onTrialEpoch: (t, metrics, phase) => {
          if (phase === 'retrain' && !metrics.partial) progress.retrainEpoch(metrics.epoch);
          emit({ event: 'trial:epoch', phase, id: t.id, ...metrics });
        },
        onTrialEnd: (t, phase) => {
          if (phase === 'search') {
            io.out(trialLine(t));
            progress.trialEnded(t.seconds);
          }
          emit({ event: 'trial:end', phase, id: t.id, status: t.status, score: t.score, seconds: t.seconds, metrics: t.metrics, ...(t.cached ? { cached: true } : {}), ...(t.error ? { error: t.error } : {}) });
        },
      });
      const testMetrics = await clf.evaluate(test.x, test.y, { sampleShape: test.sampleShape });
      await clf.save(out);
      const seconds = (performance.now() - t0) / 1000;
      const counted = result.trials.filter((t) => !t.cached);
      io.out('');
      io.out(`search: ${counted.length} trials in ${result.searchSeconds.toFixed(1)} s (stopped by ${result.stoppedBy}) on the ${result.runtime.backend} backend`);
      io.out(`best:   ${summarize(result.best.architecture)}`);
      io.out(`        validation accuracy ${pct(result.best.score)} (trial ${result.best.id + 1}), ${Math.round(result.best.metrics.params ?? 0).toLocaleString('en-US')} params`);
      if (result.paretoFront && objectives) for (const line of paretoTable(result.paretoFront, objectives, maxParams)) io.out(line);
      const start = result.trials.find((t) => t.status === 'completed' && !t.cached);
      if (strategy === 'morphism-bo' && start?.score !== undefined) {
        const gain = result.best.score! - start.score;
        io.out(`start:  the known-good network (trial ${start.id + 1}) scored ${pct(start.score)}; ${gain > 0 ? `growing it gained ${(gain * 100).toFixed(2)} points` : 'no grown network beat it'}`);
      }
      if (result.oneShot) {
        const o = result.oneShot;
        io.out(`one-shot: the best scored ${pct(o.score)} on the supernet's weights (${o.supernetSteps} steps${o.training === 'uniform' ? '' : `, ${o.training}`}), a proxy; trained alone it reaches ${pct(o.standalone)} (${o.standaloneSeconds.toFixed(1)} s); the model below is retrained from scratch`);
      }
      if (result.baseline) {
        const b = result.baseline;
        io.out(`baseline: plain ResNet-style network, ${b.params.toLocaleString('en-US')} params, validation accuracy ${pct(b.score)}: ${b.searchGain > 0 ? `the search beat it by ${(b.searchGain * 100).toFixed(2)} points` : `the search did NOT beat it (${(b.searchGain * 100).toFixed(2)} points)`}`);
      }
      const rules = result.training.values;
      io.out(`training: learning rate ${rules.learningRate}, batch ${rules.batchSize}, ${rules.optimizer}${rules.weightDecay ? `, weight decay ${rules.weightDecay}` : ''}${rules.augment ? `, augment ${JSON.stringify(rules.augment)}` : ''}${result.training.searched.length ? ` (searched: ${result.training.searched.join(', ')}; the rest fixed)` : ' (fixed; nothing searched)'}`);
      if (result.retrain) io.out(`retrain: ${result.retrain.epochs} epoch(s) on ${result.retrain.samples} ${what} in ${result.retrain.seconds.toFixed(1)} s${result.retrain.trial.metrics.samplesPerSecond === undefined ? "" : `, ${Math.round(result.retrain.trial.metrics.samplesPerSecond)} ${what}/s`}${result.retrain.stoppedAtTimeLimit ? ` (last epoch cut short by ${budget === undefined ? '--retrain-time-limit' : 'the budget'})` : ''}`);
      io.out(`test accuracy: ${pct(testMetrics.accuracy)} (loss ${testMetrics.loss.toFixed(4)}) on ${test.size} ${own ? `held-out ${what}` : 'MNIST test images'}${result.oneShot ? `, retrained from scratch (its one-shot score was ${pct(result.oneShot.score)})` : ''}`);
      io.out(`model saved to ${out} (model.json + weights-<hash>.bin; load with tf.loadLayersModel${clf.classes ? `; classes ${clf.classes.join(', ')} in autonas.json` : ''})`);
      io.out(`total time: ${seconds.toFixed(1)} s`);
      const report = {
        dataset, ...(clf.classes ? { classes: clf.classes } : {}), strategy, seed, maxTrials, timeLimit, epochs, trialSamples, backend: result.runtime.backend, workers: clf.workerCount,
        trials: result.trials.map((t) => ({ id: t.id, status: t.status, score: t.score, seconds: t.seconds, metrics: t.metrics, summary: summarize(t.architecture), decisions: t.architecture.decisions, cached: t.cached ?? false, error: t.error })),
        best: { id: result.best.id, score: result.best.score, architecture: result.best.architecture },
        stoppedBy: result.stoppedBy, searchSeconds: result.searchSeconds, retrain: result.retrain && { epochs: result.retrain.epochs, seconds: result.retrain.seconds },
        test: testMetrics, totalSeconds: seconds, folds, training: result.training,
        start: start && { id: start.id, score: start.score },
        oneShot: result.oneShot,
        baseline: result.baseline && { score: result.baseline.score, params: result.baseline.params, seconds: result.baseline.seconds, searchGain: result.baseline.searchGain },
        ...(result.paretoFront && objectives ? { objectives, ...(maxParams !== undefined ? { maxParams } : {}), paretoFront: paretoReport(result.paretoFront, objectives) } : {}),
        plan: { secondsPerTrial: plan.secondsPerTrial, trials: plan.trials, totalSeconds: plan.totalSeconds, memoryBytes: plan.memoryBytes, probe: { params: plan.probe.params, trainSamplesPerSecond: plan.probe.trainSamplesPerSecond } },
      };
      await fs.writeFile(path.join(out, 'report.json'), JSON.stringify(report, null, 2));
      emit({ event: 'result', best: { id: result.best.id, score: result.best.score, summary: summarize(result.best.architecture) }, winner: result.winner, test: testMetrics, out, report: path.join(out, 'report.json'), totalSeconds: seconds });
      return 0;
    } finally {
      progress.stop();
      clf.dispose();
      await dashboard?.close();
    }
  } catch (e) {
    if (e instanceof AutonasError) emit({ event: 'error', code: e.code, message: e.message });
    return cliError(e, io);
  }
}

/** Samples (images, table rows or rows of numbers) with labels, as the CLI hands them to fit and evaluate. */
interface Samples {
  readonly x: Float32Array | readonly Record<string, unknown>[];
  readonly y: readonly string[] | readonly number[];
  readonly sampleShape?: readonly number[];
  readonly size: number;
}

/** `--data` split into training and test samples: 20% held out, seeded and stratified by label. */
function holdOut(data: LoadedData, seed: number): { train: Samples; test: Samples } {
  const names = [...new Set(data.labels.map(String))].sort();
  const labels = createDataset(new Float32Array(data.size), data.labels.map((l) => names.indexOf(String(l))), { sampleShape: [1], classes: names, name: data.source });
  const { trainIndices, validationIndices } = splitIndices(labels, { fraction: 0.2, seed });
  const pick = (rows: Int32Array): Samples => {
    const y = Array.from(rows, (i) => data.labels[i]!) as string[] | number[];
    if (!(data.x instanceof Float32Array)) return { x: Array.from(rows, (i) => (data.x as readonly Record<string, unknown>[])[i]!), y, size: rows.length };
    const width = data.x.length / data.size;
    const x = new Float32Array(rows.length * width);
    rows.forEach((r, k) => x.set((data.x as Float32Array).subarray(r * width, (r + 1) * width), k * width));
    return { x, y, sampleShape: data.sampleShape, size: rows.length };
  };
  return { train: pick(trainIndices), test: pick(validationIndices) };
}

const OBJECTIVE_NAMES: Record<string, MetricObjective> = {
  accuracy: { metric: 'valAccuracy', direction: 'maximize' },
  val_accuracy: { metric: 'valAccuracy', direction: 'maximize' },
  loss: { metric: 'valLoss', direction: 'minimize' },
  val_loss: { metric: 'valLoss', direction: 'minimize' },
  params: { metric: 'params', direction: 'minimize' },
};

/** `--objectives accuracy,params`: the objectives of a multi-objective search. */
export function objectivesArg(text: string): MetricObjective[] {
  const names = text.split(',').map((n) => n.trim()).filter(Boolean);
  const unknown = names.find((n) => !OBJECTIVE_NAMES[n]);
  if (names.length < 2 || unknown !== undefined) {
    throw new AutonasError('BAD_ARGUMENT', `--objectives takes two or more of ${Object.keys(OBJECTIVE_NAMES).join(', ')}, comma-separated (e.g. accuracy,params), got "${text}"`);
  }
  const out = names.map((n) => OBJECTIVE_NAMES[n]!);
  if (new Set(out.map((o) => o.metric)).size !== out.length) throw new AutonasError('BAD_ARGUMENT', `--objectives names the same metric twice: "${text}"`);
  return out;
}

/** One row of `report.json`'s `paretoFront`: a non-dominated trial and its objective values. */
export interface ParetoReportRow {
  readonly id: number;
  readonly score?: number;
  readonly values: Readonly<Record<string, number>>;
  readonly params?: number;
  readonly summary: string;
}

/** The `paretoFront` of `report.json`: each trial of the front, in id order, with its objective values. */
export function paretoReport(front: readonly TrialRecord[], objectives: readonly MetricObjective[]): ParetoReportRow[] {
  return front.map((t) => ({
    id: t.id,
    ...(t.score === undefined ? {} : { score: t.score }),
    values: Object.fromEntries(objectives.map((o) => [o.metric, t.metrics[o.metric]!])),
    ...(t.metrics.params === undefined ? {} : { params: t.metrics.params }),
    summary: summarize(t.architecture),
  }));
}

/** The printed table of the Pareto front: one line per non-dominated trial. */
export function paretoTable(front: readonly TrialRecord[], objectives: readonly MetricObjective[], maxParams?: number): string[] {
  const cell = (o: MetricObjective, v: number | undefined) => (v === undefined ? 'n/a' : o.metric === 'valAccuracy' ? pct(v) : o.metric === 'params' ? Math.round(v).toLocaleString('en-US') : v.toFixed(4));
  const head = ['trial', ...objectives.map((o) => `${o.metric} (${o.direction === 'maximize' ? 'max' : 'min'})`)];
  const rows = front.map((t) => [String(t.id + 1), ...objectives.map((o) => cell(o, t.metrics[o.metric]))]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) => `  ${r.map((c, i) => c.padStart(widths[i]!)).join(' | ')}`;
  const feasible = maxParams === undefined ? '' : front.some((t) => (t.metrics.params ?? Infinity) <= maxParams) ? `, all within ${maxParams.toLocaleString('en-US')} params` : `; no trial was within ${maxParams.toLocaleString('en-US')} params, so these are the least over`;
  return [`pareto front: ${front.length} non-dominated trial(s)${feasible}`, line(head), ...rows.map(line)];
}

/**
 * `--hp learningRate=0.001|0.003,augment.flip=false|true`: the hyperparameters to search and their
 * choices (the first is the default); numbers and `true`/`false` are parsed, the rest kept as text.
 * @example
 * ```ts
 * import { hpArg } from '@autonas/cli';
 * console.log(hpArg('learningRate=0.001|0.003,optimizer=adam|adamw')); // { learningRate: [0.001, 0.003], optimizer: ['adam', 'adamw'] }
 * ```
 */
export function hpArg(text: string): Record<string, (number | string | boolean)[]> {
  const out: Record<string, (number | string | boolean)[]> = {};
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^([A-Za-z.]+)=(.+)$/.exec(part);
    if (!m) throw new AutonasError('BAD_ARGUMENT', `--hp takes name=choice|choice, comma-separated (e.g. learningRate=0.001|0.003), got "${part}"`);
    out[m[1]!] = m[2]!.split('|').map((v) => (v === 'true' ? true : v === 'false' ? false : Number.isFinite(Number(v)) && v.trim() !== '' ? Number(v) : v));
  }
  if (Object.keys(out).length === 0) throw new AutonasError('BAD_ARGUMENT', '--hp names no hyperparameter');
  return out;
}

/** `--augment shift=2,cutout=8,flip`: the training-batch augmentations. */
function augmentArg(text: string): { shift?: number; cutout?: number; flip?: boolean } {
  const out: { shift?: number; cutout?: number; flip?: boolean } = {};
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [key, value] = part.split('=');
    if (key === 'flip' && value === undefined) out.flip = true;
    else if ((key === 'shift' || key === 'cutout') && value !== undefined && /^\d+$/.test(value)) out[key] = Number(value);
    else throw new AutonasError('BAD_ARGUMENT', `--augment takes shift=PIXELS, cutout=PIXELS and flip, comma-separated (e.g. shift=2,cutout=8), got "${part}"`);
  }
  return out;
}

/** Exit code and message of an error a command threw (rethrows bugs). */
function cliError(e: unknown, io: CliIo): number {
  if (e instanceof AutonasError) {
    io.err(`autonas: ${e.message} [${e.code}]`);
    return 1;
  }
  if (e instanceof TypeError && (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    io.err(`autonas: ${e.message}`);
    return 2;
  }
  throw e;
}

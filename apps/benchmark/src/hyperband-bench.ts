import { ConfigurationError, ContainerModule, EventBus, Experiment, SearchStrategy, createContainer, type TrialRecord } from '@autonas/core';
import { SearchData } from '@autonas/data';
import { earlyStoppingModule, hyperband, hyperbandSchedule, type EarlyStopping } from '@autonas/middleware-early-stop';
import { lowFidelityModule } from '@autonas/estimator-lowfi';
import { chainSpaceModule } from '@autonas/space-chain';
import { RandomStrategy } from '@autonas/strategy-random';
import { initRuntime, tf } from '@autonas/tfjs';
import { chainSummary, describeChoices, loadMnistSplit, type BenchChainChoices } from './mnist-chain.js';

/** Options of {@link runHyperbandBench}. */
export interface HyperbandBenchOptions {
  /** Trials per row: the same architectures, from a `RandomStrategy` with the same seed. Default 27. */
  readonly trials?: number;
  /** R: epochs a trial trains when nothing stops it (Hyperband's maximum resource). Default 3. */
  readonly epochs?: number;
  /** Hyperband's η. Default 3. */
  readonly eta?: number;
  /** MNIST training images every trial trains on. Default 1000. */
  readonly trainSize?: number;
  /** MNIST validation images (the next ones) that score every epoch. Default 500. */
  readonly validationSize?: number;
  /** Default 32. */
  readonly batchSize?: number;
  /** Average 2×2 pixels (28×28 → 14×14). Default true. */
  readonly downsample?: boolean;
  /** Chain-space choices. Default: none set, i.e. `ChainSpace`'s default choices. */
  readonly space?: BenchChainChoices;
  /** Seed of the strategy, the trials (trial i trains with seed + i) and the split. Default 0. */
  readonly seed?: number;
  /**
   * Rounds: both rows run once per round, in alternating order, and a row's seconds sum its
   * rounds, so a change in the machine's load hits both alike. Default 1.
   */
  readonly rounds?: number;
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

/** One trial of a row (the first round's). */
export interface HyperbandBenchTrial {
  readonly id: number;
  readonly hash: string;
  readonly summary: string;
  readonly status: TrialRecord['status'];
  /** Best validation accuracy of the epochs it trained. */
  readonly score?: number;
  /** Validation accuracy after each epoch it trained: its learning curve. */
  readonly curve: readonly number[];
  readonly seconds: number;
  /** Hyperband's bracket s of the trial (hyperband row only). */
  readonly bracket?: number;
  /** Why Hyperband stopped it (hyperband row only). */
  readonly stopReason?: string;
}

/** One row of the table: plain low fidelity or Hyperband. */
export interface HyperbandBenchRow {
  readonly name: 'low fidelity' | 'hyperband';
  /** The best trial (completed trials rank above stopped ones, as the engine ranks them). */
  readonly best: { readonly id: number; readonly score: number; readonly hash: string; readonly summary: string; readonly status: TrialRecord['status'] };
  /** Wall-clock seconds of the searches, all rounds summed. */
  readonly seconds: number;
  readonly secondsPerRound: readonly number[];
  /** Epochs trained by all trials of one round. */
  readonly epochs: number;
  readonly trials: number;
  readonly completed: number;
  /** Trials stopped early (by Hyperband). */
  readonly stoppedEarly: number;
  readonly failed: number;
  readonly trialDetails: readonly HyperbandBenchTrial[];
}

/** What {@link runHyperbandBench} returns. */
export interface HyperbandBenchResult {
  readonly options: Required<Omit<HyperbandBenchOptions, 'log' | 'space'>> & { readonly space: BenchChainChoices };
  readonly inputShape: readonly number[];
  readonly spaceChoices: string;
  readonly trainImages: number;
  readonly validationImages: number;
  /** Hyperband's brackets for R and η: `s: n×r, ...` (see `hyperbandSchedule`). */
  readonly schedule: readonly string[];
  /** Low fidelity, then Hyperband. */
  readonly rows: readonly [HyperbandBenchRow, HyperbandBenchRow];
  /** Both rows ran the same architectures in the same order. */
  readonly sameTrials: boolean;
  /** Every round of a row gave the same scores and epochs as its first (seeded training). */
  readonly deterministic: boolean;
  readonly verdict: {
    /** Hyperband's best trial is low fidelity's, with the same score. */
    readonly sameBest: boolean;
    /** Hyperband's best accuracy is at least low fidelity's. */
    readonly reached: boolean;
    /** Hyperband's seconds over low fidelity's. */
    readonly timeRatio: number;
    /** Hyperband's epochs over low fidelity's. */
    readonly epochRatio: number;
    readonly text: string;
  };
  readonly seconds: number;
  readonly tensors: { readonly before: number; readonly after: number };
}

interface RowRun {
  readonly seconds: number;
  readonly trials: readonly TrialRecord[];
  readonly best: TrialRecord | undefined;
  readonly stopper?: EarlyStopping;
}

/**
 * Hyperband against plain low fidelity on MNIST with the chain space: a `RandomStrategy` with one
 * seed proposes the same `trials` architectures to both rows. The low-fidelity row trains each
 * for R epochs (a `LowFidelityEstimator`, which reports its learning curve epoch by epoch); the
 * Hyperband row runs the same estimator and trials with `@autonas/middleware-early-stop`'s Hyperband
 * middleware (maximum R epochs, η), which stops trials that fall behind. Each row is a search
 * assembled as a user would (`createContainer` + `Experiment`). Training is seeded (trial i
 * gets seed + i), so a trial that Hyperband lets finish scores exactly as in the low-fidelity row.
 *
 * @param options - trials, R, η, data sizes, rounds
 * @returns both rows and the verdict
 */
export async function runHyperbandBench(options: HyperbandBenchOptions = {}): Promise<HyperbandBenchResult> {
  const o = {
    trials: 27, epochs: 3, eta: 3, trainSize: 1000, validationSize: 500, batchSize: 32, downsample: true, space: {} as BenchChainChoices, seed: 0, rounds: 1,
    ...Object.fromEntries(Object.entries(options).filter(([k, v]) => v !== undefined && k !== 'log')),
  } as Required<Omit<HyperbandBenchOptions, 'log'>>;
  for (const k of ['trials', 'epochs', 'rounds'] as const) {
    if (!(Number.isInteger(o[k]) && o[k] >= 1)) throw new ConfigurationError('BAD_BENCH_OPTION', `${k} must be a positive integer, got ${o[k]}`);
  }
  const log = options.log ?? (() => {});
  const t0 = performance.now();
  await initRuntime({ backend: 'wasm', log: () => {} });
  const before = tf.memory().numTensors;
  const schedule = hyperbandSchedule(o.epochs, o.eta).map((b) => `s=${b.s}: ${b.rounds.map((r) => `${r.n}×${+r.r.toFixed(2)}`).join(', ')}`);
  const { data, inputShape } = await loadMnistSplit({ trainSize: o.trainSize, validationSize: o.validationSize, downsample: o.downsample, seed: o.seed });
  log(`Hyperband vs low fidelity: ${o.trials} trials of the chain space (${describeChoices(o.space)}), MNIST ${inputShape.join('×')}, ${data.train.size} training / ${data.validation.size} validation images, R = ${o.epochs} epochs, η = ${o.eta} (brackets ${schedule.join('; ')})`);

  const runRow = async (name: HyperbandBenchRow['name'], round: number): Promise<RowRun> => {
    const stopper = name === 'hyperband' ? hyperband({ maxResource: o.epochs, eta: o.eta }) : undefined;
    const container = createContainer(
      { maxTrials: o.trials, seed: o.seed },
      chainSpaceModule({ ...o.space, inputShape, numClasses: 10 }),
      new ContainerModule(({ bind }) => {
        bind<SearchData>(SearchData).toConstantValue(data);
        bind<SearchStrategy>(SearchStrategy).toConstantValue(new RandomStrategy({ seed: o.seed }));
      }),
      lowFidelityModule({ epochs: o.epochs, batchSize: o.batchSize }),
      ...(stopper ? [earlyStoppingModule(stopper)] : []),
    );
    container.get(EventBus).on('trial:end', ({ trial }) => {
      const stop = stopper?.stopped().get(trial.id);
      log(`  round ${round + 1}, ${name}: trial ${trial.id} ${trial.status} after ${trial.epochs.length} epoch(s), ${trial.score === undefined ? 'no score' : `${(trial.score * 100).toFixed(2)}%`}, ${trial.seconds!.toFixed(1)} s${stop ? ` (${stop.reason})` : ''}${trial.error && !stop ? `: ${trial.error}` : ''}`);
    });
    const ts = performance.now();
    const result = await container.get(Experiment).run();
    const seconds = (performance.now() - ts) / 1000;
    result.bestArtifact?.dispose();
    return { seconds, trials: result.trials, best: result.best, stopper };
  };

  const names = ['low fidelity', 'hyperband'] as const;
  const runs: RowRun[][] = [[], []];
  for (let round = 0; round < o.rounds; round++) {
    const order = round % 2 === 0 ? [0, 1] : [1, 0];
    for (const k of order) {
      const run = await runRow(names[k]!, round);
      runs[k]!.push(run);
      log(`round ${round + 1}, ${names[k]}: ${run.seconds.toFixed(1)} s, ${epochsOf(run.trials)} epochs, best ${run.best ? `trial ${run.best.id} ${(run.best.score! * 100).toFixed(2)}%` : 'none'}`);
    }
  }

  const fingerprint = (r: RowRun) => JSON.stringify(r.trials.map((t) => [t.hash, t.status, t.score, t.epochs.length]));
  const deterministic = runs.every((rs) => rs.every((r) => fingerprint(r) === fingerprint(rs[0]!)));
  const rows = runs.map((rs, k) => makeRow(names[k]!, rs)) as [HyperbandBenchRow, HyperbandBenchRow];
  const [lf, hb] = rows;
  const hashes = (r: RowRun) => r.trials.map((t) => t.hash).join();
  const sameTrials = hashes(runs[0]![0]!) === hashes(runs[1]![0]!);
  const sameBest = hb.best.hash === lf.best.hash && hb.best.score === lf.best.score;
  const timeRatio = hb.seconds / lf.seconds;
  const epochRatio = hb.epochs / lf.epochs;
  const lfBestInHb = hb.trialDetails.find((t) => t.hash === lf.best.hash);
  const text = sameBest
    ? `Hyperband reached the same best accuracy as plain low fidelity (${pct(hb.best.score)}, trial ${hb.best.id}) in ${timeRatio.toFixed(2)}× the time (${hb.seconds.toFixed(1)} s vs ${lf.seconds.toFixed(1)} s) and ${epochRatio.toFixed(2)}× the epochs (${hb.epochs} vs ${lf.epochs}); ${hb.stoppedEarly} of ${hb.trials} trials stopped early`
    : `Hyperband did NOT reach low fidelity's best: ${pct(hb.best.score)} (trial ${hb.best.id}) vs ${pct(lf.best.score)} (trial ${lf.best.id}${lfBestInHb?.stopReason ? `, which Hyperband stopped: ${lfBestInHb.stopReason}` : ''}), in ${timeRatio.toFixed(2)}× the time (${hb.seconds.toFixed(1)} s vs ${lf.seconds.toFixed(1)} s) and ${epochRatio.toFixed(2)}× the epochs (${hb.epochs} vs ${lf.epochs})`;
  const { log: _log, ...resolved } = o as typeof o & { log?: unknown };
  return {
    options: resolved,
    inputShape,
    spaceChoices: describeChoices(o.space),
    trainImages: data.train.size,
    validationImages: data.validation.size,
    schedule,
    rows,
    sameTrials,
    deterministic,
    verdict: { sameBest, reached: hb.best.score >= lf.best.score, timeRatio, epochRatio, text },
    seconds: (performance.now() - t0) / 1000,
    tensors: { before, after: tf.memory().numTensors },
  };
}

/** Epochs trained by the trials of one search (partial epochs, if any, not counted). */
function epochsOf(trials: readonly TrialRecord[]): number {
  return trials.reduce((s, t) => s + t.epochs.filter((m) => !m.partial).length, 0);
}

function makeRow(name: HyperbandBenchRow['name'], rounds: readonly RowRun[]): HyperbandBenchRow {
  const first = rounds[0]!;
  if (!first.best || first.best.score === undefined) {
    throw new ConfigurationError('NO_TRIAL_SUCCEEDED', `${name}: no trial produced a score; ${first.trials.map((t) => `trial ${t.id}: ${t.status}${t.error ? ` (${t.error})` : ''}`).join('; ')}`);
  }
  // Rules that place trials in brackets say so by having bracketOf (no type check on a plugin class).
  const bracketOf = (id: number) => first.stopper?.rule.bracketOf?.(id);
  const trialDetails = first.trials.map((t): HyperbandBenchTrial => ({
    id: t.id,
    hash: t.hash,
    summary: chainSummary(t.architecture),
    status: t.status,
    ...(t.score === undefined ? {} : { score: t.score }),
    curve: t.epochs.filter((m) => !m.partial).map((m) => Number(m.valAccuracy)),
    seconds: t.seconds ?? 0,
    ...(bracketOf(t.id) === undefined ? {} : { bracket: bracketOf(t.id)! }),
    ...(first.stopper?.stopped().get(t.id) ? { stopReason: first.stopper.stopped().get(t.id)!.reason } : {}),
  }));
  const best = first.best;
  const secondsPerRound = rounds.map((r) => r.seconds);
  return {
    name,
    best: { id: best.id, score: best.score!, hash: best.hash, summary: chainSummary(best.architecture), status: best.status },
    seconds: secondsPerRound.reduce((a, b) => a + b, 0),
    secondsPerRound,
    epochs: epochsOf(first.trials),
    trials: first.trials.length,
    completed: first.trials.filter((t) => t.status === 'completed').length,
    stoppedEarly: first.stopper ? first.stopper.stopped().size : first.trials.filter((t) => t.status === 'stopped').length,
    failed: first.trials.filter((t) => t.status === 'failed').length,
    trialDetails,
  };
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

/**
 * A plain-text report of {@link runHyperbandBench}: the setting, a Markdown table with one row
 * each for plain low fidelity and Hyperband, and the verdict.
 * @param r - from {@link runHyperbandBench}
 */
export function formatHyperbandBench(r: HyperbandBenchResult): string {
  const o = r.options;
  const lines = [
    `Hyperband vs plain low fidelity on MNIST (${r.inputShape.slice(0, 2).join('×')}${o.downsample ? ', 2×2-pooled' : ''}; ${r.trainImages} training / ${r.validationImages} validation images), chain space with ${r.spaceChoices}`,
    `${o.trials} random architectures (seed ${o.seed}) per row; R = ${o.epochs} epochs of batch ${o.batchSize}, η = ${o.eta}: brackets ${r.schedule.join('; ')}; ${o.rounds} round(s)`,
    '',
    '| row | best val acc | best trial | seconds | epochs | trials | stopped early | failed |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...r.rows.map((x) => `| ${x.name} | ${pct(x.best.score)} | ${x.best.id} | ${x.seconds.toFixed(1)} | ${x.epochs} | ${x.trials} | ${x.stoppedEarly} | ${x.failed} |`),
    '',
    `best trial ${r.rows[0].best.id}: ${r.rows[0].best.summary}`,
    `same trials in both rows: ${r.sameTrials ? 'yes' : 'NO'}; rounds agree: ${r.deterministic ? 'yes' : 'NO'}`,
    `verdict: ${r.verdict.text}`,
  ];
  return lines.join('\n');
}

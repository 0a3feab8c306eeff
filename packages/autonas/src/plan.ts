import { inferShapes, type Architecture } from '@autonas/core';
import { subset, type Dataset } from '@autonas/data';
import { compileArchitecture, evaluateModel, trainModel } from '@autonas/tfjs';

/** What a search will cost, estimated before it starts from a short timed probe. */
export interface SearchPlan {
  /** The probe: a network of the space trained on a few batches. */
  readonly probe: { readonly architecture: Architecture; readonly params: number; readonly trainSamplesPerSecond: number; readonly evalSamplesPerSecond: number; readonly seconds: number };
  /** Seconds one candidate like the probe takes: training epochs on the trial's samples plus validation. */
  readonly secondsPerTrial: number;
  /** Trials that fit the budget (all of `maxTrials`, or as many as the time limit allows). */
  readonly trials: number;
  /** Seconds of the search itself. */
  readonly searchSeconds: number;
  /** Seconds of the baseline trained first (0 when off). */
  readonly baselineSeconds: number;
  /** Seconds of the one-shot supernet's training, within the search (0 without one-shot scoring). */
  readonly supernetSeconds: number;
  /** Seconds of the final retraining (0 when off). */
  readonly retrainSeconds: number;
  readonly totalSeconds: number;
  /**
   * Estimated peak resident memory: the process as it is after the probe (runtime, data) plus
   * the tensors of training one candidate like the probe (weights, gradients, Adam's moments,
   * activations of a batch).
   */
  readonly memoryBytes: number;
  /** The tensors part of `memoryBytes`. */
  readonly tensorBytes: number;
  /** Human summary, one line per figure. */
  readonly lines: readonly string[];
}

/** What {@link planSearch} needs to know about the search. */
export interface PlanInput {
  readonly architecture: Architecture;
  /** Data to time the probe on (a few batches are used). */
  readonly probeData: Dataset;
  readonly trialTrainSamples: number;
  readonly trialValidationSamples: number;
  readonly epochs: number;
  readonly maxTrials?: number;
  readonly timeLimit?: number;
  readonly baseline: boolean;
  readonly retrainEpochs: number;
  readonly retrainSamples: number;
  readonly retrainTimeLimit?: number;
  readonly dataBytes: number;
  readonly batchSize?: number;
  readonly seed?: number;
  /**
   * Candidates are scored one-shot: the supernet trains `steps` batches once, then each candidate
   * only recalibrates batch norm and is evaluated; the baseline (and the winner's stand-alone
   * check) still train like a low-fidelity trial.
   */
  readonly oneShot?: { readonly steps: number; readonly batchSize: number; readonly calibrationBatches: number; readonly validationSamples: number };
  /**
   * Worker processes running trials at once (default 1). Each is assumed to train at the probe's
   * speed (on 2 cores a trial beside another measured 7% slower) and to hold its own runtime, a
   * copy of the trial subsets and one candidate's tensors.
   */
  readonly workers?: number;
  /** Bytes of the trial subsets each worker receives. */
  readonly workerDataBytes?: number;
  /**
   * Seconds for the whole job: after the baseline the search gets what the retraining will not
   * need (at least 30% of what is left) and the retraining the rest, as `fit` divides it.
   */
  readonly budget?: number;
}

/**
 * Resident memory of an idle worker process with the wasm backend started (Node, TensorFlow.js,
 * the wasm module, the estimator built): 86 MiB, measured with `ps` on Node 20.20 for a worker
 * sent 10 training images (with 8,000 + 3,000 images it was 133 MiB: the subsets are counted apart).
 */
export const WORKER_BASE_BYTES = 86 * 2 ** 20;

const fmtSeconds = (s: number) => (s < 120 ? `${Math.round(s)} s` : `${(s / 60).toFixed(1)} min`);

/**
 * Times a short probe (a network of the space trained on a few batches and evaluated) and
 * turns it into an estimate of the whole search's time and memory. Candidates differ in size,
 * so this is the cost of networks like the probe (the space's known-good default), not a bound.
 */
export async function planSearch(input: PlanInput): Promise<SearchPlan> {
  const batch = input.batchSize ?? 64;
  const n = Math.min(input.probeData.size, batch * 4);
  const probe = subset(input.probeData, Array.from({ length: n }, (_, i) => i));
  const started = performance.now();
  const model = compileArchitecture(input.architecture, { seed: input.seed ?? 0 });
  let trainSps: number;
  let evalSps: number;
  try {
    // Two passes: the first pays for kernel warm-up, the second is timed.
    await trainModel(model, subset(probe, Array.from({ length: Math.min(n, batch) }, (_, i) => i)), { epochs: 1, batchSize: batch, seed: input.seed });
    trainSps = (await trainModel(model, probe, { epochs: 1, batchSize: batch, seed: input.seed })).samplesPerSecond;
    const t0 = performance.now();
    await evaluateModel(model, probe);
    evalSps = n / Math.max(1e-3, (performance.now() - t0) / 1000);
  } finally {
    model.dispose();
  }
  const seconds = (performance.now() - started) / 1000;
  const info = inferShapes(input.architecture);
  const trainedTrialSeconds = (input.epochs * input.trialTrainSamples) / trainSps + (input.epochs * input.trialValidationSamples) / evalSps;
  const os = input.oneShot;
  // One-shot: a candidate costs batch-norm recalibration (forward passes in training mode, about a third of a training step) and one evaluation.
  const secondsPerTrial = os ? (os.calibrationBatches * os.batchSize) / (3 * trainSps) + os.validationSamples / evalSps : trainedTrialSeconds;
  const supernetSeconds = os ? (os.steps * os.batchSize) / trainSps : 0;
  const byTrials = input.maxTrials === undefined ? Infinity : input.maxTrials;
  const workers = Math.max(1, input.workers ?? 1);
  const baselineSeconds = input.baseline ? trainedTrialSeconds : 0;
  const retrainWanted = (Math.max(input.retrainEpochs, 1) * input.retrainSamples) / trainSps;
  const afterBaseline = input.budget === undefined ? Infinity : Math.max(0, input.budget - baselineSeconds);
  const timeLimit = input.budget === undefined ? input.timeLimit : Math.min(input.timeLimit ?? Infinity, Math.max(0.3 * afterBaseline, afterBaseline - retrainWanted));
  const byTime = timeLimit === undefined ? Infinity : Math.ceil(Math.max(0, timeLimit - supernetSeconds) / secondsPerTrial) * workers;
  const trials = Math.max(1, Math.min(byTrials, byTime));
  // The stand-alone check of a one-shot winner costs one trained trial.
  const searchSeconds = Math.min(supernetSeconds + Math.ceil(trials / workers) * secondsPerTrial, timeLimit ?? Infinity) + (os ? trainedTrialSeconds : 0);
  const retrainSeconds = input.retrainEpochs > 0
    ? input.budget === undefined
      ? Math.min(retrainWanted, input.retrainTimeLimit ?? Infinity)
      : Math.max(0, Math.min(afterBaseline - searchSeconds, input.retrainTimeLimit ?? Infinity))
    : 0;
  let activations = 0;
  for (const s of info.shapes.values()) activations += s.reduce((a, b) => a * b, 1);
  // float32: weights + gradients + two Adam moments; every activation kept for the backward pass and its gradient.
  const tensorBytes = 4 * (4 * info.totalParams + 2 * activations * batch);
  // With workers, this process trains only the retraining; each worker trains one candidate at a time.
  const workerBytes = workers > 1 ? workers * (WORKER_BASE_BYTES + (input.workerDataBytes ?? 0) + tensorBytes) : 0;
  const memoryBytes = Math.max(process.memoryUsage().rss, input.dataBytes) + tensorBytes + workerBytes;
  const totalSeconds = searchSeconds + baselineSeconds + retrainSeconds;
  const lines = [
    `probe: ${info.totalParams.toLocaleString('en')}-parameter network trains at ${Math.round(trainSps)} samples/s and evaluates at ${Math.round(evalSps)} samples/s (${seconds.toFixed(1)} s)`,
    ...(os
      ? [
          `one-shot supernet: ~${fmtSeconds(supernetSeconds)} (${os.steps} steps of ${os.batchSize} images, once)`,
          `each trial: ~${secondsPerTrial < 10 ? `${secondsPerTrial.toFixed(1)} s` : fmtSeconds(secondsPerTrial)} (batch-norm recalibration on ${os.calibrationBatches} batches, validated on ${os.validationSamples}); the winner is then trained alone once (~${fmtSeconds(trainedTrialSeconds)}) to check its one-shot score`,
        ]
      : [`each trial: ~${fmtSeconds(secondsPerTrial)} (${input.epochs} epoch(s) on ${input.trialTrainSamples} samples, validated on ${input.trialValidationSamples})${workers > 1 ? `; ${workers} at once in worker processes` : ''}`]),
    `search: ~${trials} trial(s), ~${fmtSeconds(searchSeconds)}${timeLimit !== undefined && byTime < byTrials ? ` (${input.budget === undefined ? `the ${input.timeLimit} s time limit binds` : `its share of the ${fmtSeconds(input.budget)} budget binds`})` : ''}`,
    ...(input.baseline ? [`baseline first: ~${fmtSeconds(baselineSeconds)}`] : []),
    ...(retrainSeconds
      ? [input.budget === undefined
          ? `retraining: ~${fmtSeconds(retrainSeconds)} (${input.retrainEpochs} epoch(s) on ${input.retrainSamples} samples${input.retrainTimeLimit !== undefined ? `, at most ${input.retrainTimeLimit} s` : ''})`
          : `retraining: the rest of the budget, ~${fmtSeconds(retrainSeconds)} (~${((retrainSeconds * trainSps) / input.retrainSamples).toFixed(1)} epoch(s) on ${input.retrainSamples} samples at the probe's speed)`]
      : []),
    `total: ~${fmtSeconds(totalSeconds)}; peak memory ~${Math.round(memoryBytes / 2 ** 20)} MiB (the process now, ${Math.round((memoryBytes - tensorBytes - workerBytes) / 2 ** 20)} MiB, plus ~${Math.round(tensorBytes / 2 ** 20)} MiB of tensors to train a network like the probe${workerBytes ? `, plus ~${Math.round(workerBytes / 2 ** 20)} MiB for ${workers} workers` : ''})`,
  ];
  return { probe: { architecture: input.architecture, params: info.totalParams, trainSamplesPerSecond: trainSps, evalSamplesPerSecond: evalSps, seconds }, secondsPerTrial, trials, searchSeconds, baselineSeconds, supernetSeconds, retrainSeconds, totalSeconds, memoryBytes, tensorBytes, lines };
}

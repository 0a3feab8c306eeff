import { ConfigurationError, type EpochMetrics, type TrialRecord } from '@autonas/core';
import { initRuntime, type BackendRequest, type RuntimeInfo } from '@autonas/tfjs';
import type { Phase } from './phases.js';

/**
 * The learning curve of the final model, shaped as Keras's `History`: `history.history.loss`,
 * `history.history.accuracy`, `history.history.val_accuracy`, … one value per epoch, and
 * `history.epoch` the epoch numbers (0, 1, …). Keys are Keras's: `loss`, `accuracy`, `mae`,
 * `val_loss`, `val_accuracy`, `val_mae`, `val_mse`; any other metric keeps its own name.
 *
 * @example
 * ```ts
 * import { ImageClassifier, loadMnist } from 'autonas';
 * const { train } = await loadMnist({ trainSize: 600 });
 * const result = await new ImageClassifier({ maxTrials: 1 }).fit(train.x, train.y, { sampleShape: [28, 28, 1], baseline: false });
 * console.log(result.history.epoch, result.history.history.loss);
 * ```
 */
export interface History {
  /** Epoch numbers, from 0. */
  readonly epoch: number[];
  /** Each metric's value per epoch, by Keras's name. */
  readonly history: Record<string, number[]>;
  /** What the model was trained on: its phase (`retrain`, or `search`/`baseline` when that trial's own model was kept), epochs and samples per epoch. */
  readonly params: { readonly phase: Phase; readonly epochs: number; readonly samples?: number };
}

/** Keras's names of our epoch metrics. */
const KERAS_NAMES: Readonly<Record<string, string>> = { valLoss: 'val_loss', valAccuracy: 'val_accuracy', valMae: 'val_mae', valMse: 'val_mse' };

/**
 * One epoch's metrics under Keras's names (`valAccuracy` → `val_accuracy`), without `epoch` and
 * the `partial` marker.
 *
 * @example
 * ```ts
 * import { kerasLogs } from 'autonas';
 * kerasLogs({ epoch: 0, loss: 0.3, accuracy: 0.9, valAccuracy: 0.88 }); // { loss: 0.3, accuracy: 0.9, val_accuracy: 0.88 }
 * ```
 */
export function kerasLogs(metrics: EpochMetrics): Record<string, number> {
  const logs: Record<string, number> = {};
  for (const [k, v] of Object.entries(metrics)) if (k !== 'epoch' && k !== 'partial') logs[KERAS_NAMES[k] ?? k] = v;
  return logs;
}

/**
 * A Keras-shaped {@link History} of a trial's learning curve.
 *
 * @example
 * ```ts
 * import { historyOf, type TrialRecord } from 'autonas';
 * declare const trial: TrialRecord;
 * historyOf(trial, 'retrain').history.loss;
 * ```
 */
export function historyOf(trial: TrialRecord, phase: Phase, samples?: number): History {
  const history: Record<string, number[]> = {};
  trial.epochs.forEach((m, i) => {
    for (const [k, v] of Object.entries(kerasLogs(m))) {
      // A metric missing from earlier epochs is NaN there, so every list is one value per epoch.
      (history[k] ??= Array.from({ length: i }, () => Number.NaN)).push(v);
    }
    for (const list of Object.values(history)) if (list.length < i + 1) list.push(Number.NaN);
  });
  return { epoch: trial.epochs.map((m) => m.epoch), history, params: { phase, epochs: trial.epochs.length, ...(samples !== undefined ? { samples } : {}) } };
}

/**
 * Keras-style callbacks of {@link FitOptions.callbacks}: each hook is called for every trial of
 * every phase (the baseline, each search trial, the check of a one-shot winner, the retraining),
 * with the phase, so `phase === 'retrain'` picks out the final model's training. Logs use Keras's
 * metric names (`val_accuracy`). A hook that is not one of these is refused with
 * `UNSUPPORTED_CALLBACK` rather than silently never called (there is no per-batch hook: trials
 * may run in other processes).
 *
 * @example
 * ```ts
 * import type { Callback } from 'autonas';
 * const printEpochs: Callback = {
 *   onEpochEnd: (epoch, logs, { phase }) => console.log(`${phase} epoch ${epoch}: loss ${logs.loss}`),
 * };
 * ```
 */
export interface Callback {
  /** Before the job (baseline, search, retraining) starts. */
  onTrainBegin?(): void;
  /** After the final model is made, with the result's history. */
  onTrainEnd?(logs: { readonly history: History }): void;
  /** When a trial starts. */
  onTrialBegin?(trial: TrialRecord, phase: Phase): void;
  /** When a trial ends (completed, failed or stopped), with its final metrics under Keras's names. */
  onTrialEnd?(trial: TrialRecord, phase: Phase, logs: Record<string, number>): void;
  /** After each epoch of any trial. */
  onEpochEnd?(epoch: number, logs: Record<string, number>, at: { readonly trial: TrialRecord; readonly phase: Phase }): void;
}

const HOOKS = new Set(['onTrainBegin', 'onTrainEnd', 'onTrialBegin', 'onTrialEnd', 'onEpochEnd']);

/**
 * Checks callbacks: objects whose `on*` keys are all {@link Callback} hooks, each a function.
 * @throws ConfigurationError `BAD_CALLBACK` for a non-object or a hook that is not a function;
 *   `UNSUPPORTED_CALLBACK` for an `on*` key that is not a hook (`onBatchEnd`, a misspelling)
 */
export function checkCallbacks(callbacks: unknown): readonly Callback[] {
  if (callbacks === undefined) return [];
  if (!Array.isArray(callbacks)) throw new ConfigurationError('BAD_CALLBACK', `callbacks must be an array of callback objects, got ${typeof callbacks}`);
  callbacks.forEach((c, i) => {
    if (!c || typeof c !== 'object') throw new ConfigurationError('BAD_CALLBACK', `callbacks[${i}] must be an object with hooks such as onEpochEnd, got ${JSON.stringify(c)}`);
    // Own and class-defined keys both, as a Keras-style class instance has its hooks on its prototype.
    const keys = new Set<string>();
    for (let o: object | null = c; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) for (const k of Object.getOwnPropertyNames(o)) if (k !== 'constructor') keys.add(k);
    for (const k of keys) {
      const v = (c as Record<string, unknown>)[k];
      if (!/^on[A-Z]/.test(k)) continue;
      if (!HOOKS.has(k)) throw new ConfigurationError('UNSUPPORTED_CALLBACK', `callbacks[${i}].${k} is not a hook autonas calls; the hooks are ${[...HOOKS].join(', ')}`);
      if (typeof v !== 'function') throw new ConfigurationError('BAD_CALLBACK', `callbacks[${i}].${k} must be a function`);
    }
  });
  return callbacks as Callback[];
}

/**
 * Gets the runtime ready (the backend chosen and initialised, as `fit` does) so that tensors can
 * be made with `tf` before `fit`. Safe to call more than once; `fit` calls it too.
 *
 * @example
 * ```ts
 * import { ready, tf } from 'autonas';
 * await ready();
 * const x = tf.zeros([2, 28, 28, 1]);
 * x.dispose();
 * ```
 */
export function ready(options: { readonly backend?: BackendRequest; readonly log?: (line: string) => void } = {}): Promise<RuntimeInfo> {
  return initRuntime({ backend: options.backend, log: options.log ?? (() => {}) });
}

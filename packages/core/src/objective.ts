import { ConfigurationError } from './errors.js';
import type { ArchNode } from './architecture.js';
import { mapEstimates } from './estimator-wrap.js';
import type { PerformanceEstimator } from './performance-estimator.js';

/** Whether a larger or a smaller value of a metric is better. */
export type Direction = 'maximize' | 'minimize';

/**
 * What a search optimises: a built-in name (Keras's spelling) or any metric an estimator reports,
 * with its direction.
 *
 * | name | metric | direction |
 * |---|---|---|
 * | `'val_accuracy'` | `valAccuracy` | maximize |
 * | `'val_loss'` | `valLoss` | minimize |
 * | `'val_mae'` | `valMae` | minimize |
 *
 * @example
 * ```ts
 * import type { Objective } from '@autonas/core';
 * const byLoss: Objective = 'val_loss';
 * const custom: Objective = { name: 'valMae', direction: 'minimize' };
 * ```
 */
export type Objective = 'val_accuracy' | 'val_loss' | 'val_mae' | { readonly name: string; readonly direction: Direction };

/** An {@link Objective} resolved to the metric key estimators report and its direction. */
export interface ResolvedObjective {
  /** Key in an estimate's `metrics`, e.g. `valLoss`. */
  readonly metric: string;
  readonly direction: Direction;
  /** The name the user gave, for messages and reports. */
  readonly label: string;
}

const BUILT_IN: Record<string, ResolvedObjective> = {
  val_accuracy: { metric: 'valAccuracy', direction: 'maximize', label: 'val_accuracy' },
  val_loss: { metric: 'valLoss', direction: 'minimize', label: 'val_loss' },
  val_mae: { metric: 'valMae', direction: 'minimize', label: 'val_mae' },
};

/** `val_foo_bar` → `valFooBar`, so Keras-style names reach the metrics estimators report. */
function camel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/**
 * Resolves an objective to a metric key and a direction.
 *
 * @throws ConfigurationError `BAD_OBJECTIVE` for an unknown name or a malformed custom objective.
 *
 * @example
 * ```ts
 * import { resolveObjective } from '@autonas/core';
 * resolveObjective('val_loss');                                   // { metric: 'valLoss', direction: 'minimize', label: 'val_loss' }
 * resolveObjective({ name: 'val_mae', direction: 'minimize' }).metric; // 'valMae'
 * ```
 */
export function resolveObjective(objective: Objective): ResolvedObjective {
  if (typeof objective === 'string') {
    const known = BUILT_IN[objective];
    if (!known) throw new ConfigurationError('BAD_OBJECTIVE', `unknown objective "${objective}"; built in: ${Object.keys(BUILT_IN).join(', ')}, or { name, direction }`);
    return known;
  }
  if (typeof objective !== 'object' || objective === null || typeof objective.name !== 'string' || objective.name === '') {
    throw new ConfigurationError('BAD_OBJECTIVE', `an objective is a name (${Object.keys(BUILT_IN).join(', ')}) or { name, direction }, got ${JSON.stringify(objective)}`);
  }
  if (objective.direction !== 'maximize' && objective.direction !== 'minimize') {
    throw new ConfigurationError('BAD_OBJECTIVE', `objective "${objective.name}" needs direction 'maximize' or 'minimize', got ${JSON.stringify(objective.direction)}`);
  }
  return { metric: camel(objective.name), direction: objective.direction, label: objective.name };
}

/**
 * The engine's score of a metric value: scores are always higher-is-better, so a minimised
 * metric is negated. Strategies, early stopping and "best" then all respect the direction.
 *
 * @example
 * ```ts
 * import { objectiveScore, resolveObjective } from '@autonas/core';
 * objectiveScore(0.25, resolveObjective('val_loss')); // -0.25
 * ```
 */
export function objectiveScore(value: number, objective: ResolvedObjective): number {
  return objective.direction === 'maximize' ? value : -value;
}

/** The metric value back from an engine score (inverse of {@link objectiveScore}). */
export function objectiveValue(score: number, objective: ResolvedObjective): number {
  return objective.direction === 'maximize' ? score : -score;
}

/**
 * Wraps an estimator so its score is the objective's metric (negated when minimised). An
 * estimate that does not report the metric fails the trial with `MISSING_METRIC`, naming the
 * metrics it did report.
 *
 * @example
 * ```ts
 * import { objectiveEstimator, type PerformanceEstimator } from '@autonas/core';
 * declare const trained: PerformanceEstimator;
 * const byLoss = objectiveEstimator(trained, 'val_loss'); // scores -valLoss: the lowest loss wins
 * ```
 */
export function objectiveEstimator(inner: PerformanceEstimator, objective: Objective): PerformanceEstimator {
  const o = resolveObjective(objective);
  return mapEstimates(inner, (e) => {
    const v = e.metrics[o.metric];
    if (typeof v !== 'number') {
      e.artifact?.dispose();
      throw new ConfigurationError('MISSING_METRIC', `the objective ${o.label} needs the metric "${o.metric}", but estimator '${inner.name}' reported only: ${Object.keys(e.metrics).join(', ') || 'none'}`);
    }
    return { ...e, score: objectiveScore(v, o) };
  });
}

/**
 * What a network predicts: a head owns its output layer, its loss and its metrics.
 *
 * - `classification`: softmax over `classes`, categorical cross-entropy, accuracy.
 * - `regression`: a linear output of `units`, mean squared error (`loss`) or mean absolute error,
 *   reporting both `mse` and `mae`.
 *
 * @example
 * ```ts
 * import type { HeadSpec } from '@autonas/core';
 * const digits: HeadSpec = { type: 'classification', classes: 10 };
 * const angle: HeadSpec = { type: 'regression', units: 1, loss: 'mse' };
 * ```
 */
export type HeadSpec =
  | { readonly type: 'classification'; readonly classes: number }
  | {
      readonly type: 'regression';
      readonly units?: number;
      readonly loss?: 'mse' | 'mae';
      /**
       * Target statistics learned on the training split: the linear output is rescaled by
       * `targetStd` and shifted by `targetMean` inside the network (a standard rescaling layer), so
       * a fresh network predicts about the mean and the exported model gives targets in their units.
       */
      readonly targetMean?: number;
      readonly targetStd?: number;
    };

/**
 * The output node of a head, for spaces to end their networks with.
 *
 * @throws ConfigurationError `BAD_HEAD` for fewer than 2 classes or a non-positive `units`.
 *
 * @example
 * ```ts
 * import { headNode } from '@autonas/core';
 * headNode({ type: 'regression' }, 'out', 'features'); // { id: 'out', op: 'regressor', params: { units: 1 }, inputs: ['features'] }
 * ```
 */
export function headNode(head: HeadSpec, id: string, input: string): ArchNode {
  if (head.type === 'classification') {
    if (!(Number.isInteger(head.classes) && head.classes >= 2)) throw new ConfigurationError('BAD_HEAD', `a classification head needs at least 2 classes, got ${head.classes}`);
    return { id, op: 'classifier', params: { classes: head.classes }, inputs: [input] };
  }
  if (head.type === 'regression') {
    const units = head.units ?? 1;
    if (!(Number.isInteger(units) && units >= 1)) throw new ConfigurationError('BAD_HEAD', `a regression head needs a positive integer units, got ${units}`);
    const scaled = head.targetMean !== undefined || head.targetStd !== undefined;
    if (scaled && !(Number.isFinite(head.targetMean ?? 0) && (head.targetStd ?? 1) > 0)) throw new ConfigurationError('BAD_HEAD', `a regression head needs a finite targetMean and a positive targetStd, got ${head.targetMean} and ${head.targetStd}`);
    return { id, op: 'regressor', params: { units, ...(scaled ? { scale: head.targetStd ?? 1, offset: head.targetMean ?? 0 } : {}) }, inputs: [input] };
  }
  throw new ConfigurationError('BAD_HEAD', `unknown head type ${JSON.stringify((head as { type?: unknown }).type)}`);
}

/** The default objective of a head: validation accuracy for classification, validation loss for regression. */
export function defaultObjective(head: HeadSpec): Objective {
  return head.type === 'classification' ? 'val_accuracy' : 'val_loss';
}

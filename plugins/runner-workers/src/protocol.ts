import type { Architecture, EpochMetrics, Estimate, EstimatorSpec, TrialRecord } from '@autonas/core';

export type { EstimatorSpec } from '@autonas/core';

/** Parent → worker messages. */
export type ToWorker =
  | { readonly t: 'init'; readonly spec: EstimatorSpec }
  | { readonly t: 'run'; readonly job: number; readonly arch: Architecture; readonly trialId: number; readonly seed: number; readonly parent?: TrialRecord }
  | { readonly t: 'abort'; readonly job: number; readonly reason: string };

/** The part of an {@link Estimate} that crosses a process boundary (the artifact stays behind and is disposed). */
export type PlainEstimate = Omit<Estimate, 'artifact'>;

/** Worker → parent messages. */
export type FromWorker =
  | { readonly t: 'ready'; readonly name: string }
  | { readonly t: 'init-error'; readonly message: string; readonly code?: string }
  | { readonly t: 'epoch'; readonly job: number; readonly metrics: EpochMetrics }
  | { readonly t: 'done'; readonly job: number; readonly estimate: PlainEstimate }
  | { readonly t: 'fail'; readonly job: number; readonly message: string; readonly code?: string };

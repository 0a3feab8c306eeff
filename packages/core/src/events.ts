import type { EpochMetrics, TrialRecord } from './trial.js';

/** Events of an experiment and their payloads. */
export interface ExperimentEvents {
  'trial:start': { trial: TrialRecord };
  'trial:epoch': { trial: TrialRecord; metrics: EpochMetrics };
  'trial:end': { trial: TrialRecord };
  'experiment:end': { best?: TrialRecord; trials: readonly TrialRecord[]; stoppedBy: StopReason; seconds: number };
}

/** Why a search ended. */
export type StopReason = 'maxTrials' | 'timeLimit' | 'exhausted' | 'aborted';

type Listener<T> = (payload: T) => void;

/**
 * A small typed event bus (bound in the container under its class). A listener that throws is reported to `console.error` and does not
 * stop the search.
 *
 * @example
 * ```ts
 * import { EventBus } from '@autonas/core';
 * const bus = new EventBus();
 * const off = bus.on('trial:end', ({ trial }) => console.log(trial.id, trial.score));
 * off();
 * ```
 */
export class EventBus {
  private readonly listeners = new Map<keyof ExperimentEvents, Set<Listener<never>>>();

  /** Subscribes; returns a function that unsubscribes. */
  on<K extends keyof ExperimentEvents>(event: K, listener: Listener<ExperimentEvents[K]>): () => void {
    const set = this.listeners.get(event) ?? new Set();
    set.add(listener as Listener<never>);
    this.listeners.set(event, set);
    return () => set.delete(listener as Listener<never>);
  }

  /** Calls every listener of `event` with `payload`. */
  emit<K extends keyof ExperimentEvents>(event: K, payload: ExperimentEvents[K]): void {
    for (const l of this.listeners.get(event) ?? []) {
      try {
        (l as Listener<ExperimentEvents[K]>)(payload);
      } catch (e) {
        console.error(`autonas: a '${String(event)}' listener threw:`, e);
      }
    }
  }
}

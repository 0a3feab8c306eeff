import type { Architecture } from './architecture.js';
import type { ExecutionEngine } from './execution-engine.js';
import type { SearchSpace } from './search-space.js';
import type { TrialRecord } from './trial.js';

/** Injection token for {@link SearchStrategy}. */
export const SearchStrategy = Symbol.for('autonas.SearchStrategy');

/**
 * Decides which architectures to try. A strategy talks only to the {@link ExecutionEngine}:
 * it submits architectures and learns from the trial records that come back. Its whole state
 * is plain data, so a search can be checkpointed and resumed.
 *
 * Most strategies extend {@link AskTellStrategy} and implement `ask` (plus `tell`, `state` and
 * `restore` when they learn).
 */
export interface SearchStrategy {
  readonly name: string;
  /** Searches until the engine has no budget left or the strategy has nothing more to propose. */
  run(engine: ExecutionEngine, space: SearchSpace): Promise<void>;
  /** The strategy's full state as JSON-serialisable data. */
  state(): unknown;
  /** Restores a state from {@link SearchStrategy.state}. */
  restore(state: unknown): void;
  /**
   * Learns from a trial the experiment ran for it outside `run`: one an earlier process left
   * running when it died, rerun (or given up) on resume. Optional; {@link AskTellStrategy} has it.
   */
  tell?(trial: TrialRecord): void;
  /** Releases what it holds (a controller's tensors) once the search is over. Optional. */
  dispose?(): void;
}

/**
 * An architecture proposed with the completed trial it grows from (a network morphism of that
 * trial's network): the engine records `parent` on the new trial and gives the estimator the
 * parent's record (`ctx.parent`), so the architecture need not carry its parent along.
 *
 * @example
 * ```ts
 * import type { Architecture, Proposal } from '@autonas/core';
 * const grow = (child: Architecture, parentTrialId: number): Proposal => ({ architecture: child, parent: parentTrialId });
 * ```
 */
export interface Proposal {
  readonly architecture: Architecture;
  /** Id of a completed trial of this search. */
  readonly parent?: number;
}

/**
 * What an ask returned, as a {@link Proposal} (an architecture has `nodes`, a proposal has not).
 * @example
 * ```ts
 * import { asProposal, type Architecture } from '@autonas/core';
 * const arch: Architecture = { nodes: [] };
 * asProposal(arch).architecture === arch; // true
 * asProposal({ architecture: arch, parent: 3 }).parent; // 3
 * ```
 */
export function asProposal(asked: Architecture | Proposal): Proposal {
  return 'nodes' in asked ? { architecture: asked } : asked;
}

/**
 * Base class for strategies written as ask/tell (the Optuna way): `ask` proposes the next
 * architecture (or `undefined` when the strategy has nothing more to try), `tell` receives a
 * finished trial. `run` keeps `engine.concurrency` trials in flight, feeds results back in
 * completion order, and checkpoints the state after each one.
 *
 * @example
 * ```ts
 * import { AskTellStrategy, Random, type Architecture, type SearchSpace } from '@autonas/core';
 * class FirstChoice extends AskTellStrategy {
 *   readonly name = 'first-choice';
 *   private done = false;
 *   ask(space: SearchSpace): Architecture | undefined {
 *     if (this.done) return undefined;
 *     this.done = true;
 *     return space.sample(new Random(0));
 *   }
 *   state() { return { done: this.done }; }
 *   restore(s: unknown) { this.done = (s as { done: boolean }).done; }
 * }
 * ```
 */
export abstract class AskTellStrategy implements SearchStrategy {
  abstract readonly name: string;
  /**
   * The next architecture to try, or `undefined` when there is none; a {@link Proposal} names
   * the completed trial it grows from as well, which the engine hands to the estimator.
   */
  abstract ask(space: SearchSpace, history: readonly TrialRecord[]): Architecture | Proposal | undefined | Promise<Architecture | Proposal | undefined>;
  /** Learns from a finished trial (completed, failed, stopped or cached). Does nothing by default. */
  tell(_trial: TrialRecord): void {}
  abstract state(): unknown;
  abstract restore(state: unknown): void;

  async run(engine: ExecutionEngine, space: SearchSpace): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    let exhausted = false;
    while (true) {
      while (!exhausted && inFlight.size < engine.concurrency && engine.canSubmit()) {
        const asked = await this.ask(space, engine.history());
        if (!asked) {
          exhausted = true;
          break;
        }
        // The budget may have run out while the strategy was thinking.
        if (!engine.canSubmit()) break;
        const { architecture, parent } = asProposal(asked);
        const p: Promise<void> = engine.submit(architecture, parent !== undefined ? { parent } : undefined).then((trial) => {
          inFlight.delete(p);
          this.tell(trial);
          engine.checkpoint(this.state());
        });
        inFlight.add(p);
      }
      if (inFlight.size === 0) return;
      await Promise.race(inFlight);
    }
  }
}

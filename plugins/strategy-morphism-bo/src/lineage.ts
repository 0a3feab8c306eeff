import { InvalidArchitectureError, checkGraph, type Architecture, type DecisionValue, type TrialRecord } from '@autonas/core';
import type { Morphism } from './morphisms.js';

/** The decision name (metadata, not part of the architecture hash) of the morphisms that made a network from its parent. */
export const LINEAGE_KEYS = {
  steps: 'morphism/steps',
} as const;

/** Where a morphed network comes from: its trained parent and the morphisms applied to it. */
export interface Lineage {
  /** `architectureHash` of the parent (the key of its trained weights). */
  readonly parentHash: string;
  /** Id of the trial that trained the parent. */
  readonly parentTrial: number;
  /** The parent's graph, with the node ids its weights are stored under. */
  readonly parent: Architecture;
  readonly steps: readonly Morphism[];
}

/**
 * The architecture with the morphisms that made it from its parent recorded in its decisions
 * (metadata: two equal networks reached in different ways still hash equally). The parent itself
 * is not recorded: the strategy submits the child with `{ parent }` and the engine hands the
 * parent's trial record to the estimator (`ctx.parent`).
 *
 * @example
 * ```ts
 * import type { Architecture } from '@autonas/core';
 * import { withLineage } from '@autonas/strategy-morphism-bo';
 * declare const child: Architecture;
 * const recorded = withLineage(child, [{ kind: 'deepen', after: 'b1_pool' }]);
 * ```
 */
export function withLineage(arch: Architecture, steps: readonly Morphism[]): Architecture {
  const decisions: Record<string, DecisionValue> = { [LINEAGE_KEYS.steps]: JSON.stringify(steps) };
  return { ...arch, decisions };
}

/**
 * The lineage of an architecture: the morphisms it records and the parent trial the engine gave
 * (`ctx.parent`), or undefined for a network to train from scratch (one that records no morphisms).
 *
 * @param arch - the architecture of the trial
 * @param parent - the trial it grows from, as the engine gave it to the estimator
 * @throws InvalidArchitectureError `BAD_LINEAGE` when the recorded morphisms are malformed;
 *   `NO_PARENT` when it records morphisms but no parent trial was given
 * @example
 * ```ts
 * import { lineageOf } from '@autonas/strategy-morphism-bo';
 * import type { Architecture } from '@autonas/core';
 * const arch: Architecture = { nodes: [
 *   { id: 'in', op: 'input', params: { shape: [4] }, inputs: [] },
 *   { id: 'out', op: 'classifier', params: { classes: 2 }, inputs: ['in'] },
 * ] };
 * console.log(lineageOf(arch, undefined)); // undefined: a network trained from scratch
 * ```
 */
export function lineageOf(arch: Architecture, parent: TrialRecord | undefined): Lineage | undefined {
  const steps = arch.decisions?.[LINEAGE_KEYS.steps];
  if (steps === undefined) return undefined;
  const bad = (why: string): never => {
    throw new InvalidArchitectureError('BAD_LINEAGE', `architecture carries a malformed morphism lineage: ${why}`);
  };
  if (typeof steps !== 'string') bad(`${LINEAGE_KEYS.steps} must be a JSON string`);
  let ms: Morphism[];
  try {
    ms = JSON.parse(steps as string) as Morphism[];
  } catch (e) {
    return bad(e instanceof Error ? e.message : String(e));
  }
  if (!Array.isArray(ms) || !ms.every((m) => m && typeof m === 'object' && typeof m.kind === 'string')) bad('steps is not a list of morphisms');
  if (!parent) {
    throw new InvalidArchitectureError('NO_PARENT', 'this network records the morphisms that grow it from a parent, but the trial has no parent: submit it with { parent: trialId } so the engine hands the parent trial to the estimator');
  }
  const graph: Architecture = { nodes: parent.architecture.nodes };
  checkGraph(graph);
  return { parentHash: parent.hash, parentTrial: parent.id, parent: graph, steps: ms };
}

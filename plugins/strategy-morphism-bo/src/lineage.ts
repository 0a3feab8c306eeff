import { InvalidArchitectureError, checkGraph, type ArchNode, type Architecture, type DecisionValue } from '@autonas/core';
import type { Morphism } from './morphisms.js';

/** Decision names (metadata, not part of the architecture hash) that say where a morphed network comes from. */
export const LINEAGE_KEYS = {
  parentHash: 'morphism/parent_hash',
  parentTrial: 'morphism/parent_trial',
  parentGraph: 'morphism/parent_graph',
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
 * The architecture's decisions with its lineage recorded, so an estimator can start it from its
 * parent's trained weights. The lineage lives in `decisions`, which is metadata: two equal
 * networks reached in different ways still hash equally.
 */
export function withLineage(arch: Architecture, lineage: Lineage): Architecture {
  const decisions: Record<string, DecisionValue> = {
    [LINEAGE_KEYS.parentHash]: lineage.parentHash,
    [LINEAGE_KEYS.parentTrial]: lineage.parentTrial,
    [LINEAGE_KEYS.parentGraph]: JSON.stringify(lineage.parent.nodes),
    [LINEAGE_KEYS.steps]: JSON.stringify(lineage.steps),
  };
  return { ...arch, decisions };
}

/**
 * The lineage an architecture carries, or undefined for a network to train from scratch.
 * @throws InvalidArchitectureError when the lineage is present but malformed
 * @example
 * ```ts
 * import { lineageOf } from '@autonas/strategy-morphism-bo';
 * import type { Architecture } from '@autonas/core';
 * const arch: Architecture = { nodes: [
 *   { id: 'in', op: 'input', params: { shape: [4] }, inputs: [] },
 *   { id: 'out', op: 'classifier', params: { classes: 2 }, inputs: ['in'] },
 * ] };
 * console.log(lineageOf(arch)); // undefined: a network trained from scratch
 * ```
 */
export function lineageOf(arch: Architecture): Lineage | undefined {
  const d = arch.decisions;
  if (!d || d[LINEAGE_KEYS.parentHash] === undefined) return undefined;
  const bad = (why: string): never => {
    throw new InvalidArchitectureError('BAD_LINEAGE', `architecture carries a malformed morphism lineage: ${why}`);
  };
  const hash = d[LINEAGE_KEYS.parentHash];
  const trial = d[LINEAGE_KEYS.parentTrial];
  const graph = d[LINEAGE_KEYS.parentGraph];
  const steps = d[LINEAGE_KEYS.steps];
  if (typeof hash !== 'string') bad(`${LINEAGE_KEYS.parentHash} is not a string`);
  if (typeof trial !== 'number') bad(`${LINEAGE_KEYS.parentTrial} is not a number`);
  if (typeof graph !== 'string' || typeof steps !== 'string') bad('the parent graph and the steps must be JSON strings');
  let nodes: ArchNode[];
  let ms: Morphism[];
  try {
    nodes = JSON.parse(graph as string) as ArchNode[];
    ms = JSON.parse(steps as string) as Morphism[];
  } catch (e) {
    return bad(e instanceof Error ? e.message : String(e));
  }
  if (!Array.isArray(ms) || !ms.every((m) => m && typeof m === 'object' && typeof m.kind === 'string')) bad('steps is not a list of morphisms');
  const parent: Architecture = { nodes };
  checkGraph(parent);
  return { parentHash: hash as string, parentTrial: trial as number, parent, steps: ms };
}

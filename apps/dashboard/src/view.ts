/**
 * The JSON the dashboard's server sends its page: plain data, every string in it taken from the
 * store or the experiment's files as it is (the page renders each as text, never as HTML).
 * Shared, as types only, by the server (`src/`) and the page (`web/`).
 */

/** What a trial stands for in the experiment. */
export type TrialRole = 'search' | 'baseline' | 'retrain';

/** One node of an architecture graph, as drawn. */
export interface NodeView {
  readonly id: string;
  readonly op: string;
  /** Scalar parameters, `key=value`, in the node's order. */
  readonly params: readonly string[];
  readonly inputs: readonly string[];
}

/** One trial, as the page shows it. */
export interface TrialView {
  readonly id: number;
  readonly status: string;
  readonly score?: number;
  readonly seconds?: number;
  readonly startedAt: number;
  readonly endedAt?: number;
  /** Trainable parameters (`metrics.params`). */
  readonly params?: number;
  /** How cheaply it was scored, e.g. `1 epoch × 600 images`. */
  readonly fidelity: string;
  readonly role: TrialRole;
  /** The decisions that produced the architecture, by hierarchical name. */
  readonly decisions: Readonly<Record<string, string | number | boolean>>;
  readonly summary: string;
  readonly space?: string;
  readonly error?: string;
  readonly cached: boolean;
  readonly metrics: Readonly<Record<string, number>>;
  /** Learning curve: one entry per epoch. */
  readonly epochs: readonly Readonly<Record<string, number>>[];
  readonly nodes: readonly NodeView[];
}

/** The baseline network's result, and where it was found. */
export interface BaselineView {
  readonly score: number;
  readonly params?: number;
  readonly seconds?: number;
  /** `report` (report.json), `store` (the store's `baseline` metadata) or `trial` (a trial tagged as the baseline). */
  readonly source: 'report' | 'store' | 'trial';
  readonly trialId?: number;
}

/** The plan printed before the search, and what was spent. */
export interface PlanView {
  readonly planned?: { readonly trials?: number; readonly secondsPerTrial?: number; readonly totalSeconds?: number; readonly memoryBytes?: number };
  readonly spent: { readonly trials: number; readonly meanSecondsPerTrial?: number; readonly searchSeconds?: number; readonly totalSeconds?: number };
}

/** α of one DARTS edge after each search epoch. */
export interface AlphaEdgeView {
  readonly cell: string;
  readonly node: number;
  readonly input: number;
  /** Op name → its softmax weight after each epoch. */
  readonly weights: Readonly<Record<string, readonly number[]>>;
}

/** A DARTS search's record (from report.json). */
export interface DartsView {
  readonly epochs: readonly { readonly epoch: number; readonly valAccuracy?: number; readonly seconds?: number }[];
  readonly edges: readonly AlphaEdgeView[];
  readonly genotype?: string;
}

/** Everything the page shows about one experiment directory. */
export interface ExperimentView {
  readonly index: number;
  readonly name: string;
  /** `waiting` (no store yet), `running` (the store was written in the last seconds), `finished` or `idle`. */
  readonly state: 'waiting' | 'running' | 'finished' | 'idle';
  readonly strategy?: string;
  readonly updatedAt?: number;
  readonly trials: readonly TrialView[];
  readonly bestId?: number;
  readonly baseline?: BaselineView;
  readonly plan: PlanView;
  readonly darts?: DartsView;
  readonly test?: { readonly accuracy?: number; readonly loss?: number };
  /** A problem reading the directory (a damaged store, say), shown on the page. */
  readonly problem?: string;
}

/** `/api/experiments`: the directories served. */
export interface ExperimentListView {
  readonly experiments: readonly { readonly index: number; readonly name: string }[];
}

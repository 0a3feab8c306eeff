import fs from 'node:fs';
import path from 'node:path';
import { AutonasError, SPENT_SECONDS, summarize, type Architecture, type TrialRecord } from '@autonas/core';
import { STORE_FILE, SqliteTrialStore } from '@autonas/store-sqlite';
import type { AlphaEdgeView, BaselineView, DartsView, ExperimentView, NodeView, PlanView, TrialRole, TrialView } from './view.js';

/** report.json files larger than this are not read (a dashboard must not be stalled by a file). */
const MAX_REPORT_BYTES = 64 * 1024 * 1024;
/** A store written within this many milliseconds belongs to a running search (the search writes every second). */
const LIVE_MS = 5000;
/** File times come from the kernel's coarse clock, which may lag `Date.now()` by a few milliseconds. */
const MTIME_SLACK_MS = 100;

/** The plan's figures, as `autonas search` prints and reports them. */
export interface PlannedFigures {
  readonly trials?: number;
  readonly secondsPerTrial?: number;
  readonly totalSeconds?: number;
  readonly memoryBytes?: number;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * A stored trial's role: a trial tagged `role` or `phase` (at its top level or in its metrics) as
 * the baseline or the retraining; any other is a search trial.
 * @param t - a stored trial
 * @returns `baseline`, `retrain` or `search`
 * @example
 * ```ts
 * import type { TrialRecord } from '@autonas/core';
 * import { trialRole } from '@autonas/dashboard';
 * const t = { id: 0, hash: 'h', status: 'completed', architecture: { nodes: [] }, metrics: {}, epochs: [], startedAt: 0, role: 'baseline' };
 * console.log(trialRole(t as TrialRecord)); // 'baseline'
 * ```
 */
export function trialRole(t: TrialRecord): TrialRole {
  const tagged = t as unknown as { role?: unknown; phase?: unknown; tags?: { role?: unknown; phase?: unknown }; metrics: Record<string, unknown> };
  for (const v of [tagged.role, tagged.phase, tagged.tags?.role, tagged.tags?.phase, tagged.metrics.role, tagged.metrics.phase]) {
    if (v === 'baseline' || v === 'retrain') return v;
  }
  return 'search';
}

/** How cheaply a trial was scored, from the estimators' metrics (epochs, samples, input size, one-shot). */
function fidelityOf(m: Readonly<Record<string, number>>): string {
  if (m.oneShot) return 'one-shot';
  const parts: string[] = [];
  if (m.epochs !== undefined) parts.push(`${m.epochs} epoch${m.epochs === 1 ? '' : 's'}`);
  if (m.trainSamples !== undefined) parts.push(`${m.trainSamples} images`);
  let text = parts.join(' × ');
  if (m.inputHeight !== undefined) text += `${text ? ' ' : ''}at ${m.inputHeight}px`;
  if (m.folds !== undefined) text += `${text ? ', ' : ''}${m.folds} folds`;
  return text || '—';
}

/** The graph's nodes with their scalar parameters as `key=value` strings. */
function nodesOf(arch: Architecture): NodeView[] {
  if (!Array.isArray(arch.nodes)) return [];
  return arch.nodes.map((n) => ({
    id: String(n.id),
    op: String(n.op),
    params: Object.entries(n.params ?? {})
      .filter(([, v]) => v !== null && (typeof v !== 'object' || (Array.isArray(v) && v.every((x) => typeof x !== 'object'))))
      .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('×') : String(v)}`),
    inputs: Array.isArray(n.inputs) ? n.inputs.map(String) : [],
  }));
}

function trialView(t: TrialRecord): TrialView {
  let summary: string;
  try {
    summary = summarize(t.architecture);
  } catch (e) {
    summary = `(unreadable architecture: ${(e as Error).message})`;
  }
  const decisions: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(t.architecture.decisions ?? {})) if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') decisions[k] = v;
  return {
    id: t.id, status: t.status, score: t.score, seconds: t.seconds, startedAt: t.startedAt, endedAt: t.endedAt,
    params: t.metrics.params, fidelity: fidelityOf(t.metrics), role: trialRole(t), decisions, summary,
    space: t.architecture.space, error: t.error, cached: t.cached ?? false, metrics: t.metrics,
    epochs: t.epochs, nodes: nodesOf(t.architecture),
  };
}

function dartsView(report: Json): DartsView | undefined {
  const search = report.search;
  if (report.strategy !== 'darts' || !isObject(search) || !Array.isArray(search.epochs)) return undefined;
  const edges = new Map<string, { cell: string; node: number; input: number; weights: Record<string, number[]> }>();
  const epochs: DartsView['epochs'][number][] = [];
  search.epochs.forEach((rec: unknown, i: number) => {
    if (!isObject(rec)) return;
    epochs.push({ epoch: num(rec.epoch) ?? i, valAccuracy: num(rec.valAccuracy), seconds: num(rec.seconds) });
    for (const a of Array.isArray(rec.alphas) ? rec.alphas : []) {
      if (!isObject(a) || !isObject(a.weights)) continue;
      const key = `${String(a.cell)}/${String(a.node)}/${String(a.input)}`;
      let edge = edges.get(key);
      if (!edge) edges.set(key, (edge = { cell: String(a.cell), node: num(a.node) ?? 0, input: num(a.input) ?? 0, weights: {} }));
      for (const [op, w] of Object.entries(a.weights)) (edge.weights[op] ??= Array(epochs.length - 1).fill(NaN)).push(num(w) ?? NaN);
    }
  });
  return { epochs, edges: [...edges.values()] as AlphaEdgeView[], genotype: report.genotype === undefined ? undefined : JSON.stringify(report.genotype) };
}

function fileSignature(file: string): string {
  try {
    const s = fs.statSync(file);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return '-';
  }
}

/**
 * Reads one experiment directory for the dashboard: its SQLite store opened read-only (reopened
 * when a new search replaces the file), its `report.json` once the search has written it, and
 * never anything else. Nothing in the directory is written.
 * @example
 * ```ts
 * import { ExperimentReader } from '@autonas/dashboard';
 * const reader = new ExperimentReader('out/mnist', 0);
 * const view = reader.view(); // trials, best, baseline, plan, DARTS α: what the page shows
 * console.log(view.state, view.trials.length);
 * reader.close();
 * ```
 */
export class ExperimentReader {
  readonly name: string;
  private readonly storeFile: string;
  private readonly reportFile: string;
  private store: SqliteTrialStore | undefined;
  private storeIno: number | undefined;
  private cached: { signature: string; view: ExperimentView } | undefined;
  /** The plan of a search running in this process (`autonas search --dashboard`), before report.json has it. */
  planned: PlannedFigures | undefined;

  /**
   * @param directory - the experiment directory (`--out` of `autonas search`)
   * @param index - its position in the dashboard's list
   */
  constructor(readonly directory: string, readonly index: number) {
    this.name = path.basename(path.resolve(directory));
    this.storeFile = path.join(directory, STORE_FILE);
    this.reportFile = path.join(directory, 'report.json');
  }

  /**
   * Changes whenever the store or the report changes: the files' `stat`, and the store's own
   * last-write time and trial count (a WAL reused after a checkpoint can keep its size and, within
   * one tick of the file clock, its mtime).
   */
  signature(): string {
    let stored = '-';
    try {
      stored = SqliteTrialStore.experiments(this.storeFile).map((e) => `${e.name}:${e.updatedAt}:${e.trials}`).join(',');
    } catch {
      // a file being created or replaced: its stat says so, and the next poll reads it
    }
    return [this.storeFile, `${this.storeFile}-wal`, this.reportFile].map(fileSignature).join('|') + `|${stored}` + (this.planned ? '|plan' : '');
  }

  /** The experiment as the page shows it (cached until {@link signature} changes). */
  view(): ExperimentView {
    const signature = this.signature();
    if (this.cached?.signature === signature) return this.cached.view;
    const view = this.read();
    this.cached = { signature, view };
    return view;
  }

  close(): void {
    this.store?.close();
    this.store = undefined;
  }

  private openStore(): SqliteTrialStore | undefined {
    let ino: number;
    try {
      ino = fs.statSync(this.storeFile).ino;
    } catch {
      this.close();
      return undefined;
    }
    if (this.store && this.storeIno === ino) return this.store;
    this.close();
    const name = SqliteTrialStore.experiments(this.storeFile)[0]?.name;
    if (name === undefined) return undefined;
    this.store = new SqliteTrialStore({ path: this.storeFile, experiment: name, readonly: true });
    this.storeIno = ino;
    return this.store;
  }

  private readReport(): Json | undefined {
    let text: string;
    try {
      if (fs.statSync(this.reportFile).size > MAX_REPORT_BYTES) throw new AutonasError('REPORT_TOO_LARGE', `${this.reportFile} is over ${MAX_REPORT_BYTES} bytes; not read`);
      text = fs.readFileSync(this.reportFile, 'utf8');
    } catch (e) {
      if ((e as { code?: string }).code === 'ENOENT') return undefined;
      throw e;
    }
    const v = JSON.parse(text) as unknown;
    if (!isObject(v)) throw new AutonasError('BAD_REPORT', `${this.reportFile} is not a JSON object`);
    return v;
  }

  private read(): ExperimentView {
    const base = { index: this.index, name: this.name };
    let report: Json | undefined;
    let problem: string | undefined;
    try {
      report = this.readReport();
    } catch (e) {
      problem = `report.json: ${(e as Error).message}`;
    }
    let records: readonly TrialRecord[] = [];
    let storedBaseline: unknown;
    let spentSeconds: number | undefined;
    let storedPlan: unknown;
    let updatedAt: number | undefined;
    try {
      const store = this.openStore();
      if (store) {
        records = store.trials();
        storedBaseline = store.loadMeta('baseline');
        storedPlan = store.loadMeta('plan');
        spentSeconds = num(store.loadMeta(SPENT_SECONDS));
        updatedAt = SqliteTrialStore.experiments(this.storeFile).find((e) => e.name === store.experiment)?.updatedAt;
      }
    } catch (e) {
      this.close();
      problem = `${STORE_FILE}: ${(e as Error).message}${e instanceof AutonasError ? ` [${e.code}]` : ''}`;
    }
    const trials = records.map(trialView);
    const search = trials.filter((t) => t.role === 'search');
    const scored = search.filter((t) => t.score !== undefined && (t.status === 'completed' || t.status === 'stopped'));
    const best = scored.reduce<TrialView | undefined>((b, t) => (b === undefined || (t.status === 'completed' && b.status !== 'completed') || (t.status === b.status && t.score! > b.score!) ? t : b), undefined);
    // A search writes report.json after its last write to the store; a store written since (or within the last seconds, without a report) is a running search.
    const reportAt = report ? fs.statSync(this.reportFile, { throwIfNoEntry: false })?.mtimeMs ?? 0 : undefined;
    const state: ExperimentView['state'] =
      reportAt !== undefined && (updatedAt === undefined || reportAt + MTIME_SLACK_MS >= updatedAt) ? 'finished'
        : updatedAt !== undefined && Date.now() - updatedAt < LIVE_MS ? 'running'
          : records.length || updatedAt !== undefined ? 'idle' : 'waiting';
    return {
      ...base, state, updatedAt, trials, bestId: best?.id,
      strategy: str(report?.strategy),
      baseline: baselineOf(trials, storedBaseline, report),
      plan: planOf(search, storedPlan, this.planned, report, spentSeconds),
      darts: report && dartsView(report),
      test: isObject(report?.test) ? { accuracy: num(report.test.accuracy), loss: num(report.test.loss) } : undefined,
      problem,
    };
  }
}

function baselineOf(trials: readonly TrialView[], stored: unknown, report: Json | undefined): BaselineView | undefined {
  const tagged = trials.find((t) => t.role === 'baseline' && t.score !== undefined);
  if (tagged) return { score: tagged.score!, params: tagged.params, seconds: tagged.seconds, source: 'trial', trialId: tagged.id };
  if (isObject(stored) && num(stored.score) !== undefined) return { score: num(stored.score)!, params: num(stored.params), seconds: num(stored.seconds), source: 'store' };
  const b = report?.baseline;
  if (isObject(b) && num(b.score) !== undefined) return { score: num(b.score)!, params: num(b.params), seconds: num(b.seconds), source: 'report' };
  return undefined;
}

function planOf(search: readonly TrialView[], stored: unknown, planned: PlannedFigures | undefined, report: Json | undefined, spentSeconds: number | undefined): PlanView {
  const source = [stored, report?.plan, planned].find(isObject) as Json | undefined;
  const done = search.filter((t) => t.status !== 'running' && !t.cached);
  const timed = done.filter((t) => t.seconds !== undefined);
  return {
    planned: source && { trials: num(source.trials), secondsPerTrial: num(source.secondsPerTrial), totalSeconds: num(source.totalSeconds), memoryBytes: num(source.memoryBytes) },
    spent: {
      trials: done.length,
      meanSecondsPerTrial: timed.length ? timed.reduce((s, t) => s + t.seconds!, 0) / timed.length : undefined,
      searchSeconds: num(report?.searchSeconds) ?? spentSeconds,
      totalSeconds: num(report?.totalSeconds),
    },
  };
}

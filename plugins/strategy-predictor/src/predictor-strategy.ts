import {
  AskTellStrategy,
  ConfigurationError,
  ContainerModule,
  Random,
  SearchStrategy,
  StateError,
  architectureHash,
  objectiveMetrics,
  strategyObjectives,
  constraintViolation,
  isUsableScore,
  type Architecture,
  type ExecutionEngine,
  type MetricConstraint,
  type MetricObjective,
  type Decision,
  type DecisionValue,
  type SearchSpace,
  type TrialRecord,
} from '@autonas/core';
import { trainEnsemble, type MlpEnsemble, type SparseExample } from './mlp-ensemble.js';

/**
 * How a candidate's predicted score is turned into the value the strategy maximises:
 * - `'its'`: independent Thompson sampling (BANANAS's default): for each candidate a draw from a
 *   normal distribution with the ensemble's mean and spread;
 * - `'ts'`: Thompson sampling over members: one member, drawn at random, scores every candidate;
 * - `'ucb'`: mean + `ucbBeta` × spread;
 * - `'mean'`: the ensemble's mean (greedy).
 */
export type PredictorAcquisition = 'its' | 'ts' | 'ucb' | 'mean';

/** Options of {@link PredictorStrategy}. */
export interface PredictorStrategyOptions {
  /** Seed of every random choice (samples, mutations, the networks' initialisation, acquisition). Default 0. */
  readonly seed?: number;
  /**
   * The number of trials the search expects, if known: it sizes the random initial design to
   * min(10, ⌊budget / 5⌋) (at least 2). Ignored when `initialSamples` is set.
   */
  readonly budget?: number;
  /** Random architectures proposed before the predictor is used. Default 10 (NASLib's), or from `budget`. */
  readonly initialSamples?: number;
  /** MLPs in the ensemble. Default 5. */
  readonly ensembleSize?: number;
  /** Units of each MLP's hidden layer. Default 32. */
  readonly hiddenUnits?: number;
  /** Hidden activation. Default 'relu'. */
  readonly activation?: 'relu' | 'tanh';
  /** Training passes over the completed trials, each time the ensemble is retrained. Default 100. */
  readonly epochs?: number;
  /** Examples per Adam step. Default 32. */
  readonly batchSize?: number;
  /** Adam's step size. Default 0.01. */
  readonly learningRate?: number;
  /** L2 penalty on the weights. Default 0.001. */
  readonly weightDecay?: number;
  /** The networks' loss: 'mse' or 'mae' (BANANAS's). Default 'mse'. */
  readonly loss?: 'mse' | 'mae';
  /** Adam steps per member and retraining at most (fewer epochs as the data grows). Default 150. */
  readonly maxSteps?: number;
  /**
   * What the networks learn: `'standard'`, the scores standardised to mean 0 and standard deviation
   * 1; `'rank'`, the normal scores of their ranks (robust to a long tail of poor scores, and blind
   * to the scores' scale, as TPE is). Default 'rank'.
   */
  readonly targets?: 'standard' | 'rank';
  /**
   * Retrain after each new result (0), or only once the finished trials have grown by this
   * fraction since the data the ensemble was trained on (e.g. 0.05: every result up to 20 trials,
   * every 5th around 100). The points are fixed by the number of trials, so a restored strategy
   * trains on the same data. Default 0.05.
   */
  readonly retrainGrowth?: number;
  /** See {@link PredictorAcquisition}. Default 'its'. */
  readonly acquisition?: PredictorAcquisition;
  /** Weight of the spread in `'ucb'`. Default 1. */
  readonly ucbBeta?: number;
  /** Best architectures so far whose mutants are candidates (NASLib's top 5). Default 5. */
  readonly parents?: number;
  /** Mutations drawn (spread over the parents) per proposal; repeats and seen ones are dropped. Default 200. */
  readonly candidates?: number;
  /** Random samples added to the candidates per proposal. Default 20. */
  readonly randomCandidates?: number;
  /**
   * What a failed trial (no finite score) teaches the predictor: `'worst'` enters it with the
   * lowest score seen so far, so regions that fail are avoided; `'skip'` leaves it out. Either
   * way it is never proposed again. Default 'worst'.
   */
  readonly failures?: 'worst' | 'skip';
  /** Propose the space's known-good default architecture first; it counts towards the initial design. Default false. */
  readonly startWithDefault?: boolean;
  /** Architectures to propose first, in order (after the default); they count towards the initial design. */
  readonly initial?: readonly Architecture[];
  /** Random samples drawn, when no candidate is new, before concluding the space is exhausted. Default 2000. */
  readonly maxAttempts?: number;
  /**
   * Objectives of a multi-objective search. Default: those of the engine it runs on
   * (`engine.objectives`). With two or more, the predictor learns a random scalarisation of them
   * (see {@link PredictorStrategy}).
   */
  readonly objectives?: readonly MetricObjective[];
  /** Constraints, applied by constraint-domination in the scalarisation. Default: the engine's `constraints`. */
  readonly constraints?: readonly MetricConstraint[];
}

/** One finished trial, as the predictor learns from it. */
export interface PredictorTrial {
  readonly hash: string;
  /** The decision values of its architecture (null when it carried none: it cannot be encoded). */
  readonly decisions: Readonly<Record<string, DecisionValue>> | null;
  /** Its score; null when it had no finite score (failed). */
  readonly score: number | null;
  /** The trial's metrics named by the objectives and constraints (multi-objective searches only). */
  readonly metrics?: Readonly<Record<string, number>>;
}

/** The state of a {@link PredictorStrategy}: plain JSON. */
export interface PredictorStrategyState {
  readonly version: 1;
  /** State of the random generator of samples, mutations and acquisition. */
  readonly rng: number[];
  /** Seed of the ensemble's training (each retraining derives its generator from it and the data). */
  readonly trainSeed: number;
  /** Finished trials, in the order they were learnt. */
  readonly trials: PredictorTrial[];
  /** Hashes of every architecture proposed or found in the history. */
  readonly seen: string[];
  /** Hashes proposed and not yet told (in flight). */
  readonly pending: string[];
  /** How many of the `startWithDefault`/`initial` architectures have been used. */
  readonly queued: number;
  /** Architectures proposed so far. */
  readonly proposed: number;
}

const ACQUISITIONS: readonly PredictorAcquisition[] = ['its', 'ts', 'ucb', 'mean'];

const positiveInt = (v: number | undefined, name: string, min = 1): void => {
  if (v !== undefined && !(Number.isInteger(v) && v >= min)) {
    throw new ConfigurationError('BAD_PREDICTOR_OPTION', `predictor ${name} must be an integer >= ${min}, got ${v}`);
  }
};
const positive = (v: number | undefined, name: string, min = 0): void => {
  if (v !== undefined && !(Number.isFinite(v) && v >= min)) {
    throw new ConfigurationError('BAD_PREDICTOR_OPTION', `predictor ${name} must be a number >= ${min}, got ${v}`);
  }
};

/** The one-hot layout of a space's decisions: where each decision's block starts. */
interface Encoding {
  readonly decisions: readonly Decision[];
  readonly offsets: readonly number[];
  readonly width: number;
}

function encodingOf(space: SearchSpace): Encoding {
  const decisions = space.decisions();
  const offsets: number[] = [];
  let width = 0;
  for (const d of decisions) {
    offsets.push(width);
    width += d.choices.length;
  }
  return { decisions, offsets, width };
}

/** The active inputs of a one-hot encoding: one per decision whose value is among its choices. */
function encode(enc: Encoding, decisions: Readonly<Record<string, DecisionValue>> | null | undefined): Int32Array {
  const out: number[] = [];
  if (decisions) {
    enc.decisions.forEach((d, i) => {
      const c = d.choices.indexOf(decisions[d.name]!);
      if (c >= 0) out.push(enc.offsets[i]! + c);
    });
  }
  return Int32Array.from(out);
}

/** The inverse of the standard normal distribution function (Acklam's rational approximation, relative error below 1.2e-9). */
function normalQuantile(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - lo) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

/** Scores as the networks' targets: standardised, or the normal scores of their ranks (ties share their mean rank). */
function normalise(scores: readonly number[], how: 'standard' | 'rank'): number[] {
  const n = scores.length;
  if (how === 'rank') {
    const order = scores.map((_, i) => i).sort((i, j) => scores[i]! - scores[j]!);
    const ranks = new Array<number>(n);
    for (let i = 0; i < n; ) {
      let j = i;
      while (j + 1 < n && scores[order[j + 1]!] === scores[order[i]!]) j++;
      for (let k = i; k <= j; k++) ranks[order[k]!] = (i + j) / 2;
      i = j + 1;
    }
    return ranks.map((r) => normalQuantile((r + 0.5) / n));
  }
  const mean = scores.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(scores.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
  return scores.map((v) => (v - mean) / (sd > 0 ? sd : 1));
}

/**
 * A predictor-guided search after BANANAS (White, Neiswanger and Savani, "BANANAS: Bayesian
 * Optimization with Neural Architectures for Neural Architecture Search", AAAI 2021), with the
 * one-hot encoding that NASLib found as good as path encodings on small spaces; it works on any
 * space through its decisions:
 *
 * - the first `initialSamples` proposals are random samples (after the optional default and
 *   `initial` architectures);
 * - then, for each proposal, an ensemble of `ensembleSize` small MLPs (one hidden layer, plain
 *   TypeScript, Adam, seeded) is trained on the finished trials: input the one-hot encoding of the
 *   architecture's decisions (`space.decisions()`, values from `architecture.decisions`), target
 *   the score standardised to mean 0 and standard deviation 1;
 * - candidates are `candidates` single mutations (`space.mutate`) of the `parents` best
 *   architectures so far plus `randomCandidates` random samples, none of them seen before; the
 *   proposal is the candidate with the highest acquisition value (independent Thompson sampling by
 *   default; see {@link PredictorAcquisition}).
 *
 * It never proposes an architecture already seen (by {@link architectureHash}, in its own
 * proposals or in the engine's history): when no candidate is new it falls back to random samples,
 * and `ask` returns `undefined` when those find nothing new either. With several trials in flight,
 * each proposal leaves out the ones in flight, so a batch holds distinct candidates; while no new
 * result arrives the trained ensemble is reused. Failed trials are entered with the worst score
 * seen (or left out, with `failures: 'skip'`) and never retried. The state is the finished trials'
 * decisions and scores, the seen hashes and the generator: retraining is a pure function of them,
 * so a restored strategy proposes exactly what the uninterrupted one would have.
 *
 * With two or more objectives (its `objectives` option, else the engine's `objectives`) it selects
 * by scalarisation with random weights, as ParEGO does (Knowles 2006): each time the ensemble is
 * retrained (a batch of proposals, see `retrainGrowth`) it draws weights uniformly on the simplex
 * (from its training seed and the data size, so a restored strategy draws the same ones), and the
 * networks learn, and the parents are the best by, the augmented Chebyshev scalarisation
 * `-(max_i w_i d_i + 0.05 Σ_i w_i d_i)` of each trial's distances `d_i` to the best value seen of
 * each objective, min-max normalised. Constraints enter by constraint-domination: every feasible
 * trial scores above every infeasible one, and infeasible ones are ordered by their violation.
 * It does not compute a predicted front; different weights per batch spread its proposals along the front.
 *
 * @example
 * ```ts
 * import { PredictorStrategy } from '@autonas/strategy-predictor';
 * const strategy = new PredictorStrategy({ seed: 7, budget: 100 });
 * console.log(strategy.name); // 'predictor'
 * ```
 */
export class PredictorStrategy extends AskTellStrategy {
  readonly name = 'predictor';
  private readonly initialSamples: number;
  private readonly acquisition: PredictorAcquisition;
  private readonly parents: number;
  private readonly candidates: number;
  private readonly randomCandidates: number;
  private readonly maxAttempts: number;
  private rng: Random;
  private trainSeed: number;
  private trials: PredictorTrial[] = [];
  private seen = new Set<string>();
  private pending = new Set<string>();
  private queued = 0;
  private proposed = 0;
  /** The ensemble trained on the first `trainedOn` finished trials (derived state: retraining gives the same one). */
  private model: { trainedOn: number; space: SearchSpace; ensemble: MlpEnsemble } | undefined;
  private parentCache = new Map<string, Architecture>();
  /** Hashes by space and decision values (an architecture that carries its decisions is what `build` makes of them). */
  private hashes = new Map<string, string>();
  private objectives: readonly MetricObjective[];
  private constraints: readonly MetricConstraint[];

  /** @param options - see {@link PredictorStrategyOptions}; invalid values throw a `ConfigurationError` */
  constructor(private readonly options: PredictorStrategyOptions = {}) {
    super();
    for (const k of ['budget', 'initialSamples', 'ensembleSize', 'hiddenUnits', 'epochs', 'batchSize', 'parents', 'candidates', 'maxAttempts'] as const) positiveInt(options[k], k);
    positiveInt(options.randomCandidates, 'randomCandidates', 0);
    positive(options.learningRate, 'learningRate', Number.MIN_VALUE);
    positive(options.weightDecay, 'weightDecay');
    positive(options.ucbBeta, 'ucbBeta');
    positive(options.retrainGrowth, 'retrainGrowth');
    positiveInt(options.maxSteps, 'maxSteps');
    if (options.loss !== undefined && options.loss !== 'mse' && options.loss !== 'mae') {
      throw new ConfigurationError('BAD_PREDICTOR_OPTION', `predictor loss must be 'mse' or 'mae', got ${JSON.stringify(options.loss)}`);
    }
    if (options.targets !== undefined && options.targets !== 'standard' && options.targets !== 'rank') {
      throw new ConfigurationError('BAD_PREDICTOR_OPTION', `predictor targets must be 'standard' or 'rank', got ${JSON.stringify(options.targets)}`);
    }
    if (options.acquisition !== undefined && !ACQUISITIONS.includes(options.acquisition)) {
      throw new ConfigurationError('BAD_PREDICTOR_OPTION', `predictor acquisition must be one of ${ACQUISITIONS.join(', ')}, got ${JSON.stringify(options.acquisition)}`);
    }
    if (options.failures !== undefined && options.failures !== 'worst' && options.failures !== 'skip') {
      throw new ConfigurationError('BAD_PREDICTOR_OPTION', `predictor failures must be 'worst' or 'skip', got ${JSON.stringify(options.failures)}`);
    }
    if (options.activation !== undefined && options.activation !== 'relu' && options.activation !== 'tanh') {
      throw new ConfigurationError('BAD_PREDICTOR_OPTION', `predictor activation must be 'relu' or 'tanh', got ${JSON.stringify(options.activation)}`);
    }
    this.initialSamples = options.initialSamples ?? (options.budget !== undefined ? Math.max(2, Math.min(10, Math.floor(options.budget / 5))) : 10);
    this.acquisition = options.acquisition ?? 'its';
    this.parents = options.parents ?? 5;
    this.candidates = options.candidates ?? 200;
    this.randomCandidates = options.randomCandidates ?? 20;
    this.maxAttempts = options.maxAttempts ?? 2000;
    this.rng = new Random(options.seed ?? 0);
    this.trainSeed = new Random(`predictor-train/${options.seed ?? 0}`).uint32();
    ({ objectives: this.objectives, constraints: this.constraints } = strategyObjectives(options));
  }

  /** Takes the engine's objectives and constraints (unless given as options), then searches. */
  override run(engine: ExecutionEngine, space: SearchSpace): Promise<void> {
    ({ objectives: this.objectives, constraints: this.constraints } = strategyObjectives(this.options, engine));
    if (this.multiObjective && this.trials.some((t) => !t.metrics)) {
      // Trials told before the objectives were known (rerun on resume) get their metrics from the history.
      const byHash = new Map(engine.history().map((t) => [t.hash, t]));
      this.trials = this.trials.map((t) => (t.metrics ? t : { ...t, metrics: this.objectiveMetrics(byHash.get(t.hash)) }));
      this.model = undefined;
    }
    return super.run(engine, space);
  }

  /** The metrics of a trial that the objectives and constraints name. */
  private objectiveMetrics(trial: TrialRecord | undefined): Record<string, number> {
    return objectiveMetrics(trial, { objectives: this.objectives, constraints: this.constraints });
  }

  /** True when it learns a random scalarisation of several objectives. */
  get multiObjective(): boolean {
    return this.objectives.length > 1;
  }

  /** The weights of the scalarisation for the ensemble trained on `size` trials: uniform on the simplex, derived from the training seed. */
  scalarisationWeights(size: number): number[] {
    const rng = new Random((this.trainSeed ^ Math.imul(size + 7, 0x85ebca6b)) >>> 0);
    const e = this.objectives.map(() => -Math.log(1 - rng.next()));
    const sum = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / sum);
  }

  /**
   * What the predictor learns of each trial: its score, or with several objectives the augmented
   * Chebyshev scalarisation under the weights of `size` (null for a failed trial, or one missing an
   * objective's metric).
   */
  private targetsOf(trials: readonly PredictorTrial[], size: number): (number | null)[] {
    if (!this.multiObjective) return trials.map((t) => t.score);
    const values = trials.map((t) => {
      if (t.score === null || !t.metrics) return null;
      const v = this.objectives.map((o) => {
        const x = t.metrics![o.metric];
        return typeof x === 'number' && Number.isFinite(x) ? (o.direction === 'maximize' ? x : -x) : NaN;
      });
      const violation = constraintViolation(t.metrics, this.constraints);
      return v.some(Number.isNaN) || !Number.isFinite(violation) ? null : { v, violation };
    });
    const feasible = values.filter((x): x is { v: number[]; violation: number } => x !== null && x.violation === 0);
    const ref = feasible.length > 0 ? feasible : values.filter((x): x is { v: number[]; violation: number } => x !== null);
    const w = this.scalarisationWeights(size);
    const hi = this.objectives.map((_, i) => Math.max(...ref.map((x) => x.v[i]!)));
    const lo = this.objectives.map((_, i) => Math.min(...ref.map((x) => x.v[i]!)));
    const chebyshev = (v: readonly number[]) => {
      let max = 0;
      let sum = 0;
      v.forEach((x, i) => {
        const span = hi[i]! - lo[i]!;
        const d = w[i]! * (span > 0 ? Math.max(0, hi[i]! - x) / span : 0);
        max = Math.max(max, d);
        sum += d;
      });
      return -(max + 0.05 * sum);
    };
    const worstFeasible = feasible.length > 0 ? Math.min(...feasible.map((x) => chebyshev(x.v))) : 0;
    const maxViolation = Math.max(0, ...values.map((x) => (x ? x.violation : 0)));
    return values.map((x) => {
      if (x === null) return null;
      if (x.violation === 0) return chebyshev(x.v);
      // Constraint-domination: below every feasible trial, ordered by violation.
      return worstFeasible - 1 - x.violation / maxViolation;
    });
  }

  ask(space: SearchSpace, history: readonly TrialRecord[]): Architecture | undefined {
    for (const t of history) {
      if (!t.hash) continue;
      if (!this.seen.has(t.hash)) {
        // A trial it did not propose (an earlier search in the same store, another process).
        this.seen.add(t.hash);
        if (t.status !== 'running') this.learn(t);
      } else if (t.status !== 'running' && this.pending.delete(t.hash)) {
        // A proposal whose result reached the store without being told (resumed from a checkpoint taken while it was in flight).
        this.learn(t);
      }
    }
    const withDefault = this.options.startWithDefault && space.defaultArchitecture ? 1 : 0;
    while (this.queued < withDefault + (this.options.initial?.length ?? 0)) {
      const i = this.queued++;
      const arch = i < withDefault ? space.defaultArchitecture!() : this.options.initial![i - withDefault]!;
      if (!this.seen.has(this.hashOf(arch))) return this.propose(arch);
    }
    const scored = this.trials.filter((t) => t.score !== null && t.decisions !== null).length;
    if (scored >= 2 && this.trials.length + this.pending.size >= this.initialSamples) {
      const arch = this.predicted(space);
      if (arch) return this.propose(arch);
    }
    for (let i = 0; i < this.maxAttempts; i++) {
      const arch = space.sample(this.rng);
      if (!this.seen.has(this.hashOf(arch))) return this.propose(arch);
    }
    return undefined;
  }

  override tell(trial: TrialRecord): void {
    if (this.pending.delete(trial.hash)) {
      this.learn(trial);
    } else if (trial.hash && !this.seen.has(trial.hash)) {
      this.seen.add(trial.hash);
      this.learn(trial);
    }
    // Otherwise the result is already known (told twice, or read from the history): ignore it.
  }

  /** The finished trials it has learnt from, in order (a copy). */
  learnt(): readonly PredictorTrial[] {
    return structuredClone(this.trials);
  }

  /**
   * The ensemble's prediction for an architecture, in the units it learns (the standardised
   * score, or the normal score of the rank with `targets: 'rank'`), once there are two finished
   * trials with scores; undefined before.
   */
  predict(space: SearchSpace, arch: Architecture): { mean: number; std: number } | undefined {
    return this.ensemble(space)?.predict(encode(encodingOf(space), arch.decisions));
  }

  state(): PredictorStrategyState {
    return {
      version: 1,
      rng: this.rng.state(),
      trainSeed: this.trainSeed,
      trials: structuredClone(this.trials),
      seen: [...this.seen],
      pending: [...this.pending],
      queued: this.queued,
      proposed: this.proposed,
    };
  }

  restore(state: unknown): void {
    const bad = (why: string): never => {
      throw new StateError('BAD_STRATEGY_STATE', `not a predictor-strategy state (version 1): ${why}; got ${JSON.stringify(state)?.slice(0, 120)}`);
    };
    if (typeof state !== 'object' || state === null) bad('not an object');
    const s = state as Partial<Record<keyof PredictorStrategyState, unknown>>;
    if (s.version !== 1) bad(`version ${JSON.stringify(s.version)}`);
    const isU32 = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
    if (!Array.isArray(s.rng) || s.rng.length !== 4 || !s.rng.every(isU32)) bad('rng must be four unsigned 32-bit integers');
    if (!isU32(s.trainSeed)) bad('trainSeed must be an unsigned 32-bit integer');
    const strings = (v: unknown, name: string) => {
      if (!Array.isArray(v) || !v.every((h) => typeof h === 'string')) bad(`${name} must be an array of hashes`);
      return v as string[];
    };
    const seen = new Set(strings(s.seen, 'seen'));
    const pending = strings(s.pending, 'pending');
    for (const k of ['queued', 'proposed'] as const) if (!(typeof s[k] === 'number' && Number.isInteger(s[k]) && (s[k] as number) >= 0)) bad(`${k} must be a non-negative integer`);
    if (!Array.isArray(s.trials)) bad('trials must be an array');
    const trials = (s.trials as unknown[]).map((t, i) => {
      const e = t as Partial<PredictorTrial> | null;
      if (!e || typeof e.hash !== 'string' || !seen.has(e.hash)) bad(`trials[${i}] must have a hash among the seen ones`);
      if (!(e!.score === null || (typeof e!.score === 'number' && Number.isFinite(e!.score)))) bad(`trials[${i}].score must be a finite number or null`);
      const d = e!.decisions;
      if (!(d === null || (typeof d === 'object' && !Array.isArray(d) && Object.values(d!).every((v) => ['number', 'string', 'boolean'].includes(typeof v))))) {
        bad(`trials[${i}].decisions must be null or a record of decision values`);
      }
      if (e!.metrics !== undefined && (typeof e!.metrics !== 'object' || e!.metrics === null || !Object.values(e!.metrics).every((v) => typeof v === 'number'))) bad(`trials[${i}].metrics must be a record of numbers`);
      return structuredClone(e as PredictorTrial);
    });
    this.rng = Random.fromState(s.rng as number[]);
    this.trainSeed = s.trainSeed as number;
    this.trials = trials;
    this.seen = seen;
    this.pending = new Set(pending);
    this.queued = s.queued as number;
    this.proposed = s.proposed as number;
    this.model = undefined;
    this.parentCache.clear();
  }

  /** {@link architectureHash}, memoised by the space's name and the decision values. */
  private hashOf(arch: Architecture): string {
    if (!arch.decisions) return architectureHash(arch);
    const key = `${arch.space ?? ''}\u0000${JSON.stringify(Object.keys(arch.decisions).sort().map((k) => [k, arch.decisions![k]]))}`;
    let h = this.hashes.get(key);
    if (h === undefined) {
      if (this.hashes.size >= 100_000) this.hashes.clear();
      h = architectureHash(arch);
      this.hashes.set(key, h);
    }
    return h;
  }

  private propose(arch: Architecture): Architecture {
    const h = this.hashOf(arch);
    this.seen.add(h);
    this.pending.add(h);
    this.proposed++;
    return arch;
  }

  private learn(trial: TrialRecord): void {
    const score = isUsableScore(trial.score) && trial.status !== 'failed' ? trial.score : null;
    const decisions = trial.architecture.decisions ? { ...trial.architecture.decisions } : null;
    if (!this.multiObjective) {
      this.trials.push({ hash: trial.hash, decisions, score });
      return;
    }
    this.trials.push({ hash: trial.hash, decisions, score, metrics: this.objectiveMetrics(trial) });
  }

  /** How many of the finished trials the ensemble is trained on: all, or the last retraining point (see `retrainGrowth`). */
  private trainingSize(): number {
    const g = this.options.retrainGrowth ?? 0.05;
    const n = this.trials.length;
    if (g === 0) return n;
    let point = 1;
    for (let next = 2; next <= n; next = Math.max(next + 1, Math.ceil(next * (1 + g)))) point = next;
    return point;
  }

  /** The ensemble trained on the finished trials (see {@link trainingSize}); undefined with fewer than 2 scores among them. */
  private ensemble(space: SearchSpace): MlpEnsemble | undefined {
    const size = this.trainingSize();
    if (this.model && this.model.trainedOn === size && this.model.space === space) return this.model.ensemble;
    const slice = this.trials.slice(0, size);
    const learnt = this.targetsOf(slice, size);
    const data = slice.map((t, i) => ({ decisions: t.decisions, score: learnt[i]! })).filter((t) => t.decisions !== null);
    const usable = data.filter((t) => t.score !== null).map((t) => t.score!);
    if (usable.length < 2) return undefined;
    const worst = Math.min(...usable);
    const kept = this.options.failures === 'skip' ? data.filter((t) => t.score !== null) : data;
    const targets = normalise(kept.map((t) => t.score ?? worst), this.options.targets ?? 'rank');
    const enc = encodingOf(space);
    const examples: SparseExample[] = kept.map((t, i) => ({ active: encode(enc, t.decisions), target: targets[i]! }));
    // A generator derived from the training seed and the data size: the same data trains the same ensemble.
    const rng = new Random((this.trainSeed ^ Math.imul(size + 1, 0x9e3779b1)) >>> 0);
    const ensemble = trainEnsemble(
      examples,
      {
        inputs: enc.width,
        members: this.options.ensembleSize ?? 5,
        hidden: this.options.hiddenUnits ?? 32,
        activation: this.options.activation ?? 'relu',
        epochs: this.options.epochs ?? 100,
        batchSize: this.options.batchSize ?? 32,
        learningRate: this.options.learningRate ?? 0.01,
        weightDecay: this.options.weightDecay ?? 0.001,
        loss: this.options.loss ?? 'mse',
        maxSteps: this.options.maxSteps ?? 150,
      },
      rng,
    );
    this.model = { trainedOn: size, space, ensemble };
    return ensemble;
  }

  private parentArchitecture(space: SearchSpace, t: PredictorTrial): Architecture | undefined {
    let arch = this.parentCache.get(t.hash);
    if (!arch) {
      try {
        arch = space.build(t.decisions!);
      } catch {
        return undefined;
      }
      this.parentCache.set(t.hash, arch);
    }
    return arch;
  }

  /** The unseen candidate with the best acquisition value, or undefined when no candidate is new. */
  private predicted(space: SearchSpace): Architecture | undefined {
    const model = this.ensemble(space);
    if (!model) return undefined;
    const scores = this.targetsOf(this.trials, this.trainingSize());
    const ranked = this.trials
      .map((t, i) => ({ t, i, score: scores[i]! }))
      .filter(({ t, score }) => score !== null && t.decisions !== null)
      .sort((a, b) => b.score! - a.score! || a.i - b.i);
    const parents: Architecture[] = [];
    for (const { t } of ranked) {
      if (parents.length >= this.parents) break;
      const arch = this.parentArchitecture(space, t);
      if (arch) parents.push(arch);
    }
    const pool: Architecture[] = [];
    const inPool = new Set<string>();
    const consider = (arch: Architecture) => {
      const h = this.hashOf(arch);
      if (this.seen.has(h) || inPool.has(h)) return;
      inPool.add(h);
      pool.push(arch);
    };
    if (parents.length > 0) for (let i = 0; i < this.candidates; i++) consider(space.mutate(parents[i % parents.length]!, this.rng));
    for (let i = 0; i < this.randomCandidates; i++) consider(space.sample(this.rng));
    if (pool.length === 0) return undefined;
    const enc = encodingOf(space);
    const member = this.acquisition === 'ts' ? this.rng.int(0, model.members.length) : 0;
    const beta = this.options.ucbBeta ?? 1;
    const preds = new Float64Array(model.members.length);
    let best = -1;
    let bestValue = -Infinity;
    for (let i = 0; i < pool.length; i++) {
      const p = model.predictAll(encode(enc, pool[i]!.decisions), preds);
      let value: number;
      if (this.acquisition === 'ts') {
        value = p[member]!;
      } else {
        let mean = 0;
        for (const v of p) mean += v;
        mean /= p.length;
        let v2 = 0;
        for (const v of p) v2 += (v - mean) ** 2;
        const std = p.length > 1 ? Math.sqrt(v2 / p.length) : 0;
        value = this.acquisition === 'its' ? mean + std * this.rng.normal() : this.acquisition === 'ucb' ? mean + beta * std : mean;
      }
      if (value > bestValue) {
        bestValue = value;
        best = i;
      }
    }
    return pool[best];
  }
}

/**
 * A {@link PredictorStrategy} for direct use.
 *
 * @param options - see {@link PredictorStrategyOptions}
 * @returns a new strategy
 * @example
 * ```ts
 * import { predictorStrategy } from '@autonas/strategy-predictor';
 * const s = predictorStrategy({ seed: 1, acquisition: 'ucb', ucbBeta: 0.5 });
 * ```
 */
export function predictorStrategy(options: PredictorStrategyOptions = {}): PredictorStrategy {
  return new PredictorStrategy(options);
}

/**
 * A container module binding a {@link PredictorStrategy} to the `SearchStrategy` extension point.
 *
 * @param options - see {@link PredictorStrategyOptions}
 * @returns a module for `createContainer`
 * @example
 * ```ts
 * import { createContainer } from '@autonas/core';
 * import { predictorStrategyModule } from '@autonas/strategy-predictor';
 * const c = createContainer({ maxTrials: 50 }, predictorStrategyModule({ seed: 1, budget: 50 }));
 * ```
 */
export function predictorStrategyModule(options: PredictorStrategyOptions = {}): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind<SearchStrategy>(SearchStrategy).toConstantValue(new PredictorStrategy(options));
  });
}

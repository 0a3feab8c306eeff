import {
  AutonasError,
  ConfigurationError,
  ContainerModule,
  PerformanceEstimator,
  Random,
  SearchSpace,
  kendallTau,
  sha256Hex,
  inferShapes,
  type Architecture,
  type DecisionValue,
  type Estimate,
  type EstimateContext,
} from '@autonas/core';
import { SearchData, subset, type Dataset } from '@autonas/data';
import { batchTensors, compileArchitecture, disposeLayerBank, ensureRuntime, evaluateModel, tf, tfl, trainableParams } from '@autonas/tfjs';

/** Options of {@link OneShotEstimator}. */
export interface OneShotOptions {
  /** Supernet training steps (one sampled architecture and one batch each). Default 1000. */
  readonly steps?: number;
  /** Default 64. */
  readonly batchSize?: number;
  /** Adam learning rate of the supernet. Default 0.001. */
  readonly learningRate?: number;
  /** Training batches run to recalibrate a path's batch-norm statistics before it is scored. Default 4. */
  readonly calibrationBatches?: number;
  /** Validation samples a path is scored on (a fixed seeded subset). Default: all. */
  readonly validationSamples?: number;
  /** Compiled path models kept (least recently used dropped first). Default 64. */
  readonly cacheSize?: number;
  /** Seed of the supernet's weights, the sampled paths and the batch order. Default 0. */
  readonly seed?: number;
  /**
   * How the supernet is trained; every scheme spends the same `steps`, counted as path updates
   * (one path's forward and backward pass on one batch). Default `'uniform'`.
   * - `'uniform'`: each step one path sampled uniformly (single-path one-shot).
   * - `'few-shot'`: few-shot NAS (Zhao et al. 2021): one sub-supernet per combination of the
   *   values of the `splitOn` decisions, with no weights shared between them; step `i` trains
   *   sub-supernet `i mod K` on a path sampled uniformly from its part of the space, so each gets
   *   `steps / K`; an architecture is scored on the sub-supernet of its own values.
   * - `'sandwich'`: the sandwich rule with in-place distillation (Yu et al. 2019, BigNAS): each
   *   step accumulates the gradients of the largest path, the smallest path and `sandwichPaths`
   *   uniformly sampled ones and takes one Adam step; the largest learns from the labels, the
   *   others from the largest's predictions on the same batch. Largest and smallest are by
   *   multiply-accumulates among `sandwichPool` sampled architectures.
   * - `'progressive'`: progressive shrinking (Cai et al. 2020, Once-for-All): the budget is cut
   *   into `1 + progressiveStages.length` equal phases; the first trains only the largest path;
   *   each later phase opens one more group of decisions, sampled uniformly, while the decisions
   *   not yet opened keep the largest path's values.
   */
  readonly training?: OneShotTraining;
  /**
   * The groups of decisions `'progressive'` opens, in order (for the chain space, OFA's order:
   * depth, then width, then the rest). Default: one group holding every decision. A decision
   * left out of every group stays at the largest path's value.
   */
  readonly progressiveStages?: readonly (readonly string[])[];
  /** Decisions `'few-shot'` splits the supernet on (every combination of their choices is one sub-supernet). Default: the first decision with more than one choice. */
  readonly splitOn?: readonly string[];
  /** Uniformly sampled paths of a `'sandwich'` step, beside the largest and the smallest. Default 2. */
  readonly sandwichPaths?: number;
  /** Architectures sampled to find the largest and smallest paths for `'sandwich'` and `'progressive'`. Default 256. */
  readonly sandwichPool?: number;
}

/** The supernet training schemes of {@link OneShotOptions.training}. */
export type OneShotTraining = 'uniform' | 'few-shot' | 'sandwich' | 'progressive';

/** The training schemes {@link OneShotEstimator} knows. */
export const ONESHOT_TRAININGS: readonly OneShotTraining[] = ['uniform', 'few-shot', 'sandwich', 'progressive'];

/** What one call of `onStep` reports about the step just taken. */
export interface SupernetStep {
  /** The paths the step trained, in order (for `'sandwich'`: largest, smallest, then the sampled ones). */
  readonly paths: readonly Architecture[];
  /** The sub-supernet trained (always 0 unless `'few-shot'`). */
  readonly subSupernet: number;
  /** The phase of `'progressive'` (0: the largest path only; `s`: the first `s` stages open); 0 otherwise. */
  readonly phase: number;
}

/** One sub-supernet of a `'few-shot'` {@link OneShotEstimator} (the only one otherwise). */
export interface SubSupernet {
  /** The values of the split decisions its architectures share (empty unless `'few-shot'`). */
  readonly values: Readonly<Record<string, DecisionValue>>;
  /** Path updates it received so far. */
  readonly steps: number;
  /** Layers (weight groups) it holds so far. */
  readonly layers: number;
}

/** What {@link OneShotEstimator.trainSupernet} did. */
export interface SupernetTraining {
  /** Steps done in all, this call's included. */
  readonly steps: number;
  /** Seconds of this call. */
  readonly seconds: number;
  /** Mean training loss of the last (up to) 50 steps. */
  readonly loss: number;
  /** True when the signal stopped this call before `steps`; the next call goes on. */
  readonly aborted: boolean;
}

/** One architecture of a rank-correlation sample: its one-shot score beside its stand-alone accuracy. */
export interface RankedArchitecture {
  readonly architecture: Architecture;
  /** Accuracy of the architecture trained alone (by any estimator). */
  readonly standalone: number;
}

/** What {@link OneShotEstimator.rankCorrelation} reports. */
export interface RankCorrelation {
  /** Kendall's τ-b between one-shot scores and stand-alone accuracies. */
  readonly tau: number;
  readonly oneShot: readonly number[];
  readonly standalone: readonly number[];
}

/** Adam moments of one variable, keyed by variable name (tfjs's own optimisers key them by position). */
interface Moments {
  m: tf.Tensor;
  v: tf.Tensor;
  t: number;
}

/** The weights of one (sub-)supernet: its layer bank and its compiled paths. */
interface Net {
  readonly values: Readonly<Record<string, DecisionValue>>;
  readonly key: string;
  readonly bank: Map<string, tfl.layers.Layer>;
  readonly paths: Map<string, tfl.LayersModel>;
  steps: number;
}

/**
 * A one-shot weight-sharing estimator (Bender et al. 2018; Guo et al. 2020, single-path one-shot):
 * a supernet holds the weights of every architecture of a space, trained once; by default with
 * uniform single-path sampling (each step, an architecture `space.sample(rng)` and one batch), or
 * by few-shot splitting, the sandwich rule or progressive shrinking (`training`); a candidate is
 * then scored in seconds by running its path with the inherited weights, after its batch-norm
 * statistics are recalibrated on a few training batches.
 *
 * Weights are shared by node identity: two architectures share a layer when they hold a node
 * with the same id, op, params and input shapes (`compileArchitecture`'s `layers` bank), so it
 * works for any space whose node ids name positions (the chain space's `b1_conv1`, NAS-Bench-201's
 * `stage_0/cell_1/node_2/from_0/conv`) through the core API alone. The supernet is trained on the
 * first `estimate` (that trial bears its cost) unless {@link OneShotEstimator.trainSupernet} ran
 * before. One-shot scores are a proxy: check them with {@link OneShotEstimator.rankCorrelation}.
 *
 * @example
 * ```ts
 * import { OneShotEstimator } from '@autonas/estimator-oneshot';
 * import { Random, type SearchSpace } from '@autonas/core';
 * import type { SearchData } from '@autonas/data';
 * async function oneShot(space: SearchSpace, data: SearchData) {
 *   const est = new OneShotEstimator(space, data, { steps: 500, batchSize: 32, training: 'sandwich' });
 *   await est.trainSupernet();
 *   const { accuracy } = await est.score(space.sample(new Random(1))); // seconds, not minutes
 *   est.dispose();
 *   return accuracy;
 * }
 * ```
 */
export class OneShotEstimator implements PerformanceEstimator {
  readonly name = 'oneshot';
  readonly train: Dataset;
  readonly validation: Dataset;
  /** The training scheme (`options.training`, default `'uniform'`). */
  readonly training: OneShotTraining;
  /** The decisions the supernet is split on (`'few-shot'` only; empty otherwise). */
  readonly splitOn: readonly string[];
  /** The groups of decisions opened in order (`'progressive'` only; empty otherwise). */
  readonly stages: readonly (readonly string[])[];
  private readonly nets: Net[];
  private readonly moments = new Map<string, Moments>();
  private readonly rng: Random;
  private readonly batchRng: Random;
  private extremes: { largest: Architecture; smallest: Architecture } | undefined;
  private stepsDone = 0;
  private order: Int32Array = new Int32Array(0);
  private cursor = 0;
  private running: Promise<SupernetTraining> | undefined;
  private disposed = false;

  constructor(readonly space: SearchSpace, data: SearchData, readonly options: OneShotOptions = {}) {
    const positiveInt = (k: keyof OneShotOptions, min = 1) => {
      const v = options[k];
      if (v !== undefined && !(Number.isInteger(v) && (v as number) >= min)) throw new ConfigurationError('BAD_ONESHOT_OPTION', `${k} must be an integer >= ${min}, got ${String(v)}`);
    };
    positiveInt('steps', 0);
    positiveInt('batchSize');
    positiveInt('calibrationBatches', 0);
    positiveInt('validationSamples');
    positiveInt('cacheSize');
    positiveInt('sandwichPaths', 0);
    positiveInt('sandwichPool');
    if (options.learningRate !== undefined && !(options.learningRate > 0)) throw new ConfigurationError('BAD_ONESHOT_OPTION', `learningRate must be positive, got ${options.learningRate}`);
    this.training = options.training ?? 'uniform';
    if (!ONESHOT_TRAININGS.includes(this.training)) throw new ConfigurationError('BAD_ONESHOT_OPTION', `training must be one of ${ONESHOT_TRAININGS.join(', ')}, got ${JSON.stringify(options.training)}`);
    if (options.splitOn !== undefined && this.training !== 'few-shot') throw new ConfigurationError('BAD_ONESHOT_OPTION', `splitOn is for training 'few-shot', not '${this.training}'`);
    this.splitOn = this.training === 'few-shot' ? splitDecisions(space, options.splitOn) : [];
    if (options.progressiveStages !== undefined && this.training !== 'progressive') throw new ConfigurationError('BAD_ONESHOT_OPTION', `progressiveStages is for training 'progressive', not '${this.training}'`);
    this.stages = this.training === 'progressive' ? progressiveStages(space, options.progressiveStages) : [];
    this.nets = this.splitValues().map((values) => ({ values, key: JSON.stringify(values), bank: new Map(), paths: new Map(), steps: 0 }));
    this.train = data.train;
    const seed = options.seed ?? 0;
    this.rng = new Random(seed).fork('paths');
    this.batchRng = new Random(seed).fork('batches');
    const n = options.validationSamples;
    this.validation = n === undefined || n >= data.validation.size
      ? data.validation
      : subset(data.validation, Int32Array.from(new Random(seed).fork('validation').permutation(data.validation.size).slice(0, n)));
  }

  /** Supernet training steps (path updates) done so far, over every sub-supernet. */
  get steps(): number {
    return this.stepsDone;
  }

  /** Layers (weight groups) the supernet holds so far, over every sub-supernet. */
  get layerCount(): number {
    return this.nets.reduce((s, n) => s + n.bank.size, 0);
  }

  /** The sub-supernets (one unless `'few-shot'`), in the order of their split values. */
  get subSupernets(): readonly SubSupernet[] {
    return this.nets.map((n) => ({ values: n.values, steps: n.steps, layers: n.bank.size }));
  }

  /** The index of the sub-supernet that holds an architecture's weights (0 unless `'few-shot'`). */
  subSupernetOf(arch: Architecture): number {
    if (this.nets.length === 1) return 0;
    const key = JSON.stringify(Object.fromEntries(this.splitOn.map((d) => [d, arch.decisions?.[d]])));
    const i = this.nets.findIndex((n) => n.key === key);
    if (i < 0) throw new ConfigurationError('NOT_IN_SPACE', `architecture has ${key} for the split decisions, which no sub-supernet holds`);
    return i;
  }

  /**
   * The largest and smallest paths of the sandwich rule (the largest is also where progressive
   * shrinking starts): the architectures of most and fewest
   * multiply-accumulates among `sandwichPool` sampled ones (a seeded sample, so fixed for a seed).
   */
  sandwichExtremes(): { largest: Architecture; smallest: Architecture } {
    if (!this.extremes) {
      const rng = new Random(this.options.seed ?? 0).fork('sandwich');
      let largest: { arch: Architecture; macs: number } | undefined;
      let smallest: { arch: Architecture; macs: number } | undefined;
      for (let i = 0; i < (this.options.sandwichPool ?? 256); i++) {
        const arch = this.space.sample(rng);
        const macs = inferShapes(arch).macs;
        if (!largest || macs > largest.macs) largest = { arch, macs };
        if (!smallest || macs < smallest.macs) smallest = { arch, macs };
      }
      this.extremes = { largest: largest!.arch, smallest: smallest!.arch };
    }
    return this.extremes;
  }

  /**
   * Trains the supernet up to `options.steps` path updates in all, by the `training` scheme: for
   * `'uniform'` each step samples an architecture uniformly from the space (`space.sample`) and
   * takes one Adam step on its path with one batch. Calls made while one runs wait for it.
   */
  trainSupernet(opts: { signal?: AbortSignal; onStep?: (step: number, loss: number, info: SupernetStep) => void } = {}): Promise<SupernetTraining> {
    this.assertAlive();
    this.running ??= this.runTraining(opts).finally(() => (this.running = undefined));
    return this.running;
  }

  /**
   * Scores an architecture with the supernet's weights: recalibrates its batch-norm statistics
   * on `calibrationBatches` training batches, then evaluates it on the validation split.
   */
  async score(arch: Architecture): Promise<{ accuracy: number; loss: number; seconds: number }> {
    this.assertAlive();
    await ensureRuntime();
    const t0 = performance.now();
    const model = this.pathModel(arch);
    this.recalibrate(model);
    const { accuracy, loss } = await evaluateModel(model, this.validation);
    return { accuracy, loss, seconds: (performance.now() - t0) / 1000 };
  }

  async estimate(arch: Architecture, ctx: EstimateContext): Promise<Estimate> {
    const t0 = performance.now();
    let trained: SupernetTraining | undefined;
    if (this.stepsDone < (this.options.steps ?? 1000)) {
      trained = await this.trainSupernet({ signal: ctx.signal });
      if (trained.aborted) throw new AutonasError('STOPPED_BEFORE_TRAINED', `the supernet was stopped after ${trained.steps} of ${this.options.steps ?? 1000} steps`);
    }
    const s = await this.score(arch);
    ctx.report({ epoch: 0, valAccuracy: s.accuracy, valLoss: s.loss });
    const params = trainableParams(this.pathModel(arch));
    return {
      score: s.accuracy,
      metrics: { valAccuracy: s.accuracy, valLoss: s.loss, params, oneShot: 1, supernetSteps: this.stepsDone, ...(trained ? { supernetSeconds: trained.seconds } : {}) },
      cost: { seconds: (performance.now() - t0) / 1000, samples: this.validation.size },
    };
  }

  /**
   * The rank correlation between one-shot scores and stand-alone accuracies on a sample of
   * architectures that were also trained alone: Kendall's τ-b (1: same order, 0: unrelated).
   * Tells how far to trust the one-shot ranking of this space and budget.
   */
  async rankCorrelation(sample: readonly RankedArchitecture[]): Promise<RankCorrelation> {
    const oneShot: number[] = [];
    for (const s of sample) oneShot.push((await this.score(s.architecture)).accuracy);
    const standalone = sample.map((s) => s.standalone);
    return { tau: kendallTau(oneShot, standalone), oneShot, standalone };
  }

  /**
   * The compiled path of an architecture in the supernet (in its own sub-supernet for
   * `'few-shot'`; cached; layers shared with every other path there). Owned by the estimator: do
   * not dispose it.
   */
  pathModel(arch: Architecture): tfl.LayersModel {
    this.assertAlive();
    const net = this.nets[this.subSupernetOf(arch)]!;
    const key = sha256Hex(JSON.stringify(arch.nodes));
    let model = net.paths.get(key);
    if (model) {
      net.paths.delete(key);
    } else {
      const inShape = arch.nodes.filter((n) => n.op === 'input').map((n) => String(n.params.shape));
      if (inShape.length !== 1 || inShape[0] !== this.train.sampleShape.join()) {
        throw new ConfigurationError('SHAPE_MISMATCH', `architecture expects samples of shape [${inShape.join('], [')}] but the data has [${this.train.sampleShape.join()}]`);
      }
      model = compileArchitecture(arch, { seed: this.options.seed ?? 0, layers: net.bank, name: 'oneshot_path' });
    }
    net.paths.set(key, model);
    // Paths own no tensors (the bank does), so dropping one is enough.
    while (net.paths.size > (this.options.cacheSize ?? 64)) net.paths.delete(net.paths.keys().next().value!);
    return model;
  }

  /** Releases every weight of the supernet and the optimiser state. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const net of this.nets) {
      net.paths.clear();
      disposeLayerBank(net.bank);
    }
    for (const m of this.moments.values()) tf.dispose([m.m, m.v]);
    this.moments.clear();
  }

  private assertAlive(): void {
    if (this.disposed) throw new AutonasError('DISPOSED', 'this OneShotEstimator was disposed');
  }

  /** Every combination of the split decisions' choices (one empty combination when not split). */
  private splitValues(): Record<string, DecisionValue>[] {
    let combos: Record<string, DecisionValue>[] = [{}];
    for (const name of this.splitOn) {
      const d = this.space.decisions().find((x) => x.name === name)!;
      combos = combos.flatMap((c) => d.choices.map((v) => ({ ...c, [name]: v })));
    }
    return combos;
  }

  /** A uniformly sampled architecture of sub-supernet `i` (rejection sampling from the space). */
  private sampleIn(i: number): Architecture {
    if (this.nets.length === 1) return this.space.sample(this.rng);
    for (let attempt = 0; attempt < 10_000; attempt++) {
      const arch = this.space.sample(this.rng);
      if (this.subSupernetOf(arch) === i) return arch;
    }
    throw new ConfigurationError('EMPTY_SUB_SUPERNET', `no architecture of the space has ${this.nets[i]!.key} in 10000 samples; split on other decisions`);
  }

  /** The paths of the next step, and the sub-supernet they belong to. */
  private nextPaths(remaining: number): { paths: Architecture[]; subSupernet: number; phase: number } {
    if (this.training === 'sandwich') {
      const { largest, smallest } = this.sandwichExtremes();
      const paths = [largest, smallest];
      for (let i = 0; i < (this.options.sandwichPaths ?? 2); i++) paths.push(this.space.sample(this.rng));
      return { paths: paths.slice(0, remaining), subSupernet: 0, phase: 0 };
    }
    if (this.training === 'progressive') {
      const phase = this.progressivePhase(this.stepsDone);
      return { paths: [this.sampleOpen(phase)], subSupernet: 0, phase };
    }
    const subSupernet = this.stepsDone % this.nets.length;
    return { paths: [this.sampleIn(subSupernet)], subSupernet, phase: 0 };
  }

  /**
   * The phase of progressive shrinking at a step: the budget cut into `1 + stages` equal phases
   * (phase 0 trains the largest path only, phase `s` has the first `s` stages open).
   * @param step - path updates done before the step
   */
  progressivePhase(step: number): number {
    const phases = this.stages.length + 1;
    return Math.min(phases - 1, Math.floor((step * phases) / Math.max(1, this.options.steps ?? 1000)));
  }

  /** A path with the decisions of the first `phase` stages sampled uniformly and the others at the largest path's values. */
  private sampleOpen(phase: number): Architecture {
    const { largest } = this.sandwichExtremes();
    if (phase === 0) return largest;
    const open = new Set(this.stages.slice(0, phase).flat());
    const fixed = Object.fromEntries(Object.entries(largest.decisions ?? {}).filter(([d]) => !open.has(d)));
    for (let attempt = 0; attempt < 1000; attempt++) {
      const arch = this.space.sample(this.rng);
      try {
        const built = this.space.build({ ...arch.decisions, ...fixed });
        if (this.space.validate(built).valid) return built;
      } catch (e) {
        if (!(e instanceof AutonasError)) throw e;
      }
    }
    throw new ConfigurationError('NO_VALID_ARCHITECTURE', `progressive phase ${phase} found no valid architecture in 1000 samples with the decisions not yet open at the largest path's values`);
  }

  private async runTraining(opts: { signal?: AbortSignal; onStep?: (step: number, loss: number, info: SupernetStep) => void }): Promise<SupernetTraining> {
    await ensureRuntime();
    const target = this.options.steps ?? 1000;
    const t0 = performance.now();
    const losses: number[] = [];
    let last = t0;
    let aborted = false;
    while (this.stepsDone < target) {
      if (performance.now() - last > 25) {
        await new Promise<void>((r) => setImmediate(r));
        last = performance.now();
      }
      if (opts.signal?.aborted) {
        aborted = true;
        break;
      }
      const info = this.nextPaths(target - this.stepsDone);
      const loss = this.step(info.paths.map((a) => this.pathModel(a)), this.nextBatch());
      if (!Number.isFinite(loss)) throw new ConfigurationError('DIVERGED', `supernet training diverged: loss ${loss} at step ${this.stepsDone}; lower the learning rate`);
      losses.push(loss);
      if (losses.length > 50) losses.shift();
      this.stepsDone += info.paths.length;
      this.nets[info.subSupernet]!.steps += info.paths.length;
      opts.onStep?.(this.stepsDone, loss, info);
    }
    return {
      steps: this.stepsDone,
      seconds: (performance.now() - t0) / 1000,
      loss: losses.length ? losses.reduce((a, b) => a + b, 0) / losses.length : NaN,
      aborted,
    };
  }

  /** Indices of the next training batch (epochs of seeded shuffles). */
  private nextBatch(): Int32Array {
    const bs = Math.min(this.options.batchSize ?? 64, this.train.size);
    if (this.cursor + bs > this.order.length) {
      this.order = Int32Array.from(this.batchRng.permutation(this.train.size));
      this.cursor = 0;
    }
    const out = this.order.subarray(this.cursor, this.cursor + bs);
    this.cursor += bs;
    return out;
  }

  /**
   * One Adam step on the paths' weights, from the sum of their gradients on one batch (moments
   * per variable name; bias correction per variable's own step count). The first path learns
   * from the labels; with more than one (the sandwich), the others learn from the first one's
   * predictions (in-place distillation). Returns the first path's loss on the labels.
   */
  private step(models: readonly tfl.LayersModel[], indices: Int32Array): number {
    const lr = this.options.learningRate ?? 0.001;
    const [beta1, beta2, eps] = [0.9, 0.999, 1e-7];
    const { x, y } = batchTensors(this.train, indices, 0, indices.length);
    const sums = new Map<string, { v: tf.Variable; g: tf.Tensor }>();
    let teacher: tf.Tensor | undefined;
    let loss = NaN;
    try {
      for (const [i, model] of models.entries()) {
        const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
        const target = i === 0 ? y : teacher!;
        const { value, grads } = tf.variableGrads(() => {
          const p = model.apply(x, { training: true }) as tf.Tensor2D;
          if (i === 0 && models.length > 1) teacher = tf.keep(tf.clone(p));
          return tf.mean(tf.neg(tf.sum(tf.mul(target, tf.log(tf.clipByValue(p, 1e-7, 1))), -1))) as tf.Scalar;
        }, vars);
        if (i === 0) loss = value.dataSync()[0]!;
        value.dispose();
        for (const v of vars) {
          const g = grads[v.name];
          if (!g) continue;
          const prev = sums.get(v.name);
          if (prev) {
            sums.set(v.name, { v, g: tf.add(prev.g, g) });
            tf.dispose([prev.g, g]);
          } else sums.set(v.name, { v, g });
        }
      }
      for (const { v, g } of sums.values()) {
        const prev = this.moments.get(v.name) ?? { m: tf.zerosLike(v), v: tf.zerosLike(v), t: 0 };
        const t = prev.t + 1;
        const [m, s] = tf.tidy(() => [tf.add(tf.mul(prev.m, beta1), tf.mul(g, 1 - beta1)), tf.add(tf.mul(prev.v, beta2), tf.mul(tf.square(g), 1 - beta2))]);
        tf.tidy(() => {
          const mHat = tf.div(m!, 1 - beta1 ** t);
          const vHat = tf.div(s!, 1 - beta2 ** t);
          v.assign(tf.sub(v, tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), eps)), lr)));
        });
        tf.dispose([prev.m, prev.v]);
        this.moments.set(v.name, { m: m!, v: s!, t });
      }
      return loss;
    } finally {
      tf.dispose([x, y, ...(teacher ? [teacher] : []), ...[...sums.values()].map((e) => e.g)]);
    }
  }

  /**
   * Re-estimates the moving mean and variance of the path's batch-norm layers as the plain
   * average over `calibrationBatches` training batches (momentum b/(b+1) at batch b), as in
   * single-path one-shot NAS, since the shared statistics mix every path trained.
   */
  private recalibrate(model: tfl.LayersModel): void {
    const batches = this.options.calibrationBatches ?? 4;
    const bns = model.layers.filter((l) => l.getClassName() === 'BatchNormalization') as unknown as Array<{ momentum: number }>;
    if (bns.length === 0 || batches === 0) return;
    const saved = bns.map((l) => l.momentum);
    const rng = new Random(this.options.seed ?? 0).fork('calibration');
    try {
      for (let b = 0; b < batches; b++) {
        for (const l of bns) l.momentum = b / (b + 1);
        const bs = Math.min(this.options.batchSize ?? 64, this.train.size);
        const indices = Int32Array.from({ length: bs }, () => rng.int(0, this.train.size));
        tf.tidy(() => {
          const { x } = batchTensors(this.train, indices, 0, bs);
          model.apply(x, { training: true });
        });
      }
    } finally {
      bns.forEach((l, i) => (l.momentum = saved[i]!));
    }
  }
}

/**
 * A {@link OneShotEstimator} for direct use.
 * @example
 * ```ts
 * import { oneShotEstimator } from '@autonas/estimator-oneshot';
 * import type { SearchSpace } from '@autonas/core';
 * import type { SearchData } from '@autonas/data';
 * const make = (space: SearchSpace, data: SearchData) => oneShotEstimator(space, data, { steps: 2000 });
 * ```
 */
export function oneShotEstimator(space: SearchSpace, data: SearchData, options: OneShotOptions = {}): OneShotEstimator {
  return new OneShotEstimator(space, data, options);
}

/**
 * A container module binding a {@link OneShotEstimator} to the `PerformanceEstimator` extension
 * point, reading the space and the data from the `SearchSpace` and `SearchData` bindings.
 * @example
 * ```ts
 * import { oneShotModule } from '@autonas/estimator-oneshot';
 * const module = oneShotModule({ steps: 2000, batchSize: 64 });
 * ```
 */
export function oneShotModule(options: OneShotOptions = {}): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind<PerformanceEstimator>(PerformanceEstimator)
      .toDynamicValue((ctx) => new OneShotEstimator(ctx.get<SearchSpace>(SearchSpace), ctx.get<SearchData>(SearchData), options))
      .inSingletonScope();
  });
}

/** The decisions `'few-shot'` splits on, checked against the space (default: its first decision with more than one choice). */
function splitDecisions(space: SearchSpace, names: readonly string[] | undefined): readonly string[] {
  const decisions = space.decisions();
  if (names === undefined) {
    const first = decisions.find((d) => d.choices.length > 1);
    if (!first) throw new ConfigurationError('BAD_ONESHOT_OPTION', `space "${space.name}" has no decision with more than one choice to split on`);
    return [first.name];
  }
  if (names.length === 0) throw new ConfigurationError('BAD_ONESHOT_OPTION', 'splitOn needs at least one decision');
  for (const name of names) {
    if (!decisions.some((d) => d.name === name)) throw new ConfigurationError('BAD_ONESHOT_OPTION', `splitOn names "${name}", which is not a decision of space "${space.name}"; known: ${decisions.map((d) => d.name).join(', ')}`);
  }
  if (new Set(names).size !== names.length) throw new ConfigurationError('BAD_ONESHOT_OPTION', `splitOn names a decision twice: ${names.join(', ')}`);
  return [...names];
}

/** The stages `'progressive'` opens, checked against the space (default: one stage of every decision). */
function progressiveStages(space: SearchSpace, stages: readonly (readonly string[])[] | undefined): readonly (readonly string[])[] {
  const names = space.decisions().map((d) => d.name);
  if (stages === undefined) return [names];
  if (stages.length === 0 || stages.some((s) => s.length === 0)) throw new ConfigurationError('BAD_ONESHOT_OPTION', 'progressiveStages needs at least one stage, and each stage at least one decision');
  const seen = new Set<string>();
  for (const name of stages.flat()) {
    if (!names.includes(name)) throw new ConfigurationError('BAD_ONESHOT_OPTION', `progressiveStages names "${name}", which is not a decision of space "${space.name}"; known: ${names.join(', ')}`);
    if (seen.has(name)) throw new ConfigurationError('BAD_ONESHOT_OPTION', `progressiveStages names "${name}" twice`);
    seen.add(name);
  }
  return stages.map((s) => [...s]);
}

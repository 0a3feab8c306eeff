import {
  AskTellStrategy,
  ConfigurationError,
  ContainerModule,
  Random,
  SearchStrategy,
  StateError,
  architectureHash,
  type Architecture,
  type Decision,
  type DecisionValue,
  type SearchSpace,
  type TrialRecord,
} from '@autonas/core';
import { ensureRuntime } from '@autonas/tfjs';
import { LstmController, checkControllerState, type ControllerState } from './controller.js';

/** Options of {@link RlStrategy}. */
export interface RlStrategyOptions {
  /** Seed of the initial weights and of sampling. Default 0. */
  readonly seed?: number;
  /** Size of the LSTM state and of the decision embeddings. Default 32. */
  readonly hiddenSize?: number;
  /** Adam's learning rate. Default 0.0035 (ENAS). */
  readonly learningRate?: number;
  /** Decay of the exponential-moving-average reward baseline, in [0, 1). Default 0.95. */
  readonly baselineDecay?: number;
  /** Weight of the entropy bonus, which keeps the policy from collapsing early. Default 0.0001 (ENAS). */
  readonly entropyWeight?: number;
  /** Results per controller update. Default 1. */
  readonly batchSize?: number;
  /** Softmax temperature of the heads. Default 1. */
  readonly temperature?: number;
  /** Bounds logits to `tanhConstant * tanh(logits / temperature)` (ENAS uses 1.5–2.5); `undefined` leaves them unbounded. Default 2.5. */
  readonly tanhConstant?: number | undefined;
  /** Initial weights are uniform in [-initRange, initRange]. Default 0.1 (ENAS). */
  readonly initRange?: number;
  /** Turns a trial's score into the reward (Zoph & Le cube the accuracy, for example). Default: the score itself. */
  readonly rewardTransform?: (score: number, trial: TrialRecord) => number;
  /**
   * Reward of a trial that failed (or stopped without a score). Default `undefined`: such trials
   * are not learnt from (they still count as seen, so they are not proposed again).
   */
  readonly failureReward?: number;
  /** Controller samples per `ask` before falling back to uniform sampling when all were seen. Default 20. */
  readonly maxAttempts?: number;
  /** Uniform samples after that before concluding the space is exhausted. Default 2000. */
  readonly maxUniformAttempts?: number;
}

/** One multi-choice decision the controller emits. */
interface Step {
  readonly name: string;
  readonly choices: readonly DecisionValue[];
}

interface Experience {
  readonly actions: number[];
  readonly reward: number;
}

interface RlStrategyState {
  readonly version: 1;
  readonly kind: 'rl';
  readonly initSeed: number;
  readonly rng: number[];
  readonly seen: string[];
  /** Proposed, not yet told: hash and the controller's choice indices. */
  readonly pending: [string, number[]][];
  /** Told, waiting for a full batch. */
  readonly buffer: Experience[];
  readonly baseline: number | null;
  readonly rewards: number;
  /** Decisions the controller was built for (name and choice values); null before the first ask. */
  readonly steps: { name: string; choices: DecisionValue[] }[] | null;
  readonly controller: ControllerState | null;
}

/**
 * Reinforcement-learning search after Zoph & Le (2017) with ENAS's controller (Pham et al. 2018):
 * an LSTM emits one decision of the space per step, each step fed the embedding of the previous
 * choice, with one softmax head per decision. It is trained by REINFORCE on the trials' scores
 * with an exponential-moving-average baseline and an entropy bonus, using Adam. It works on any
 * space that lists its decisions (`space.decisions()` and `space.build(values)`); decisions with
 * one choice are passed through.
 *
 * It never proposes an architecture seen before (by hash) or one the space does not build or
 * validate: such a sample is redrawn, and when the controller keeps repeating itself it falls
 * back to uniform draws, then stops when those find nothing new either. Asynchronous: it updates after every `batchSize` results, in whatever
 * order they arrive. Its whole state (weights, Adam moments, baseline, random state, seen and
 * pending architectures) is plain JSON, and a restored strategy continues identically.
 *
 * Runs on the TensorFlow.js backend chosen by `initRuntime` (any; the cpu backend is plenty for a
 * controller this small). Call {@link RlStrategy.dispose} when done to release its tensors.
 *
 * @example
 * ```ts
 * import { RlStrategy } from '@autonas/strategy-rl';
 * const strategy = new RlStrategy({ seed: 3, learningRate: 0.01, batchSize: 2 });
 * console.log(strategy.name); // 'rl'
 * strategy.dispose();
 * ```
 */
export class RlStrategy extends AskTellStrategy {
  readonly name = 'rl';
  private readonly opts: Required<Omit<RlStrategyOptions, 'rewardTransform' | 'failureReward' | 'tanhConstant'>> &
    Pick<RlStrategyOptions, 'rewardTransform' | 'failureReward' | 'tanhConstant'>;
  private initSeed: number;
  private rng: Random;
  private seen = new Set<string>();
  /** Choice combinations the space refused to build or validate (not saved: they are found again). */
  private invalid = new Set<string>();
  private pending = new Map<string, number[]>();
  private buffer: Experience[] = [];
  private baseline: number | undefined;
  private rewards = 0;
  private steps: Step[] | undefined;
  private fixed: Record<string, DecisionValue> = {};
  private controller: LstmController | undefined;
  /** Restored controller state, applied once the controller is built on the first ask. */
  private savedController: ControllerState | undefined;
  private disposed = false;

  constructor(options: RlStrategyOptions = {}) {
    super();
    this.opts = {
      seed: options.seed ?? 0,
      hiddenSize: options.hiddenSize ?? 32,
      learningRate: options.learningRate ?? 0.0035,
      baselineDecay: options.baselineDecay ?? 0.95,
      entropyWeight: options.entropyWeight ?? 0.0001,
      batchSize: options.batchSize ?? 1,
      temperature: options.temperature ?? 1,
      tanhConstant: 'tanhConstant' in options ? options.tanhConstant : 2.5,
      initRange: options.initRange ?? 0.1,
      maxAttempts: options.maxAttempts ?? 20,
      maxUniformAttempts: options.maxUniformAttempts ?? 2000,
      rewardTransform: options.rewardTransform,
      failureReward: options.failureReward,
    };
    checkOptions(this.opts);
    this.initSeed = this.opts.seed;
    this.rng = new Random(this.opts.seed);
  }

  async ask(space: SearchSpace, history: readonly TrialRecord[]): Promise<Architecture | undefined> {
    this.assertLive();
    await ensureRuntime();
    this.prepare(space);
    for (const t of history) this.seen.add(t.hash);
    const steps = this.steps!;
    const propose = (actions: number[]): Architecture | undefined => {
      const values = { ...this.fixed };
      steps.forEach((s, i) => (values[s.name] = s.choices[actions[i]!]!));
      const key = `values:${JSON.stringify(actions)}`;
      if (this.invalid.has(key)) return undefined;
      let arch: Architecture;
      try {
        arch = space.build(values);
        if (!space.validate(arch).valid) throw new Error('invalid');
      } catch {
        // A combination the space rejects (a parameter limit, say) is not worth a trial: draw again.
        this.invalid.add(key);
        return undefined;
      }
      const hash = architectureHash(arch);
      if (this.seen.has(hash)) return undefined;
      this.seen.add(hash);
      this.pending.set(hash, actions);
      return arch;
    };
    this.train();
    if (steps.length === 0) return propose([]);
    for (let i = 0; i < this.opts.maxAttempts; i++) {
      const arch = propose(this.controller!.sample(this.rng));
      if (arch) return arch;
    }
    for (let i = 0; i < this.opts.maxUniformAttempts; i++) {
      const arch = propose(steps.map((s) => this.rng.int(0, s.choices.length)));
      if (arch) return arch;
    }
    return undefined;
  }

  /**
   * Learns from a trial this strategy proposed (others are ignored): its reward enters the batch,
   * and a full batch updates the controller. The advantage is the reward minus the baseline
   * before it; the baseline then moves toward the reward (the first reward sets it).
   */
  override tell(trial: TrialRecord): void {
    this.assertLive();
    const actions = this.pending.get(trial.hash);
    if (!actions) return;
    this.pending.delete(trial.hash);
    const reward =
      trial.score !== undefined && trial.status !== 'failed' && Number.isFinite(trial.score)
        ? (this.opts.rewardTransform?.(trial.score, trial) ?? trial.score)
        : this.opts.failureReward;
    if (reward === undefined || !Number.isFinite(reward) || actions.length === 0) return;
    this.buffer.push({ actions, reward });
    this.train();
  }

  /** Updates the controller with each full batch (deferred to the next ask when a restored controller is not loaded yet). */
  private train(): void {
    if (!this.controller || this.buffer.length < this.opts.batchSize) return;
    const batch = this.buffer.splice(0, this.opts.batchSize);
    const advantages = batch.map(({ reward: r }) => {
      this.baseline ??= r;
      const a = r - this.baseline;
      this.baseline = this.opts.baselineDecay * this.baseline + (1 - this.opts.baselineDecay) * r;
      this.rewards++;
      return a;
    });
    this.controller.update(
      batch.map((e) => e.actions),
      advantages,
      this.opts.entropyWeight,
    );
    this.train();
  }

  /**
   * The controller's current probabilities of each choice of each multi-choice decision, along
   * the given architecture's decisions (`undefined` before the first `ask`). For inspection.
   */
  policy(arch?: Architecture): Record<string, Record<string, number>> | undefined {
    this.assertLive();
    if (!this.steps || !this.controller) return undefined;
    const steps = this.steps;
    const actions = steps.map((s) => Math.max(0, arch ? s.choices.indexOf(arch.decisions?.[s.name] as DecisionValue) : 0));
    const probs = this.controller.probabilities(actions);
    return Object.fromEntries(steps.map((s, t) => [s.name, Object.fromEntries(s.choices.map((c, j) => [String(c), probs[t]![j]!]))]));
  }

  /** The reward baseline (`undefined` before the first reward). */
  get rewardBaseline(): number | undefined {
    return this.baseline;
  }

  /** Controller updates applied so far. */
  get updates(): number {
    return this.controller?.updates ?? this.savedController?.adam.step ?? 0;
  }

  state(): RlStrategyState {
    this.assertLive();
    return {
      version: 1,
      kind: 'rl',
      initSeed: this.initSeed,
      rng: this.rng.state(),
      seen: [...this.seen],
      pending: [...this.pending].map(([h, a]) => [h, [...a]]),
      buffer: this.buffer.map((e) => ({ actions: [...e.actions], reward: e.reward })),
      baseline: this.baseline ?? null,
      rewards: this.rewards,
      steps: this.steps ? this.steps.map((s) => ({ name: s.name, choices: [...s.choices] })) : null,
      controller: this.controller ? this.controller.state() : (this.savedController ?? null),
    };
  }

  restore(state: unknown): void {
    this.assertLive();
    const s = state as Partial<RlStrategyState> | null;
    const bad = (why: string) =>
      new StateError('BAD_STRATEGY_STATE', `not an rl-strategy state (version 1): ${why}: ${JSON.stringify(state)?.slice(0, 120)}`);
    if (!s || typeof s !== 'object' || s.version !== 1 || s.kind !== 'rl') throw bad('wrong version or kind');
    if (!Number.isInteger(s.initSeed) || !Array.isArray(s.rng) || !Array.isArray(s.seen) || !Array.isArray(s.pending) || !Array.isArray(s.buffer)) {
      throw bad('initSeed, rng, seen, pending or buffer missing');
    }
    if (!(s.baseline === null || (typeof s.baseline === 'number' && Number.isFinite(s.baseline))) || !Number.isInteger(s.rewards)) {
      throw bad('bad baseline or reward count');
    }
    if (s.steps !== null && !Array.isArray(s.steps)) throw bad('bad decision list');
    if ((s.steps?.length ?? 0) > 0 !== (s.controller !== null && s.controller !== undefined)) throw bad('a controller exactly when there are decisions to make');
    const isActions = (a: unknown): a is number[] => Array.isArray(a) && a.every((x) => Number.isInteger(x) && x >= 0);
    if (!s.pending.every((p) => Array.isArray(p) && typeof p[0] === 'string' && isActions(p[1]))) throw bad('bad pending entry');
    if (!s.buffer.every((e) => e && isActions(e.actions) && typeof e.reward === 'number')) throw bad('bad buffer entry');
    let rng: Random;
    try {
      rng = Random.fromState(s.rng);
    } catch (e) {
      throw bad((e as Error).message);
    }
    const steps = s.steps?.map((st) => {
      if (!st || typeof st.name !== 'string' || !Array.isArray(st.choices) || st.choices.length < 2) throw bad('bad decision list');
      return { name: st.name, choices: [...st.choices] };
    });
    if (steps && s.controller) {
      // Checked now (a typed error at restore); the weights are loaded on the next ask, after ensureRuntime().
      checkControllerState(s.controller, { choices: steps.map((st) => st.choices.length), hiddenSize: this.opts.hiddenSize });
    }
    this.controller?.dispose();
    this.initSeed = s.initSeed!;
    this.rng = rng;
    this.seen = new Set(s.seen);
    this.pending = new Map(s.pending.map(([h, a]) => [h, [...a]]));
    this.buffer = s.buffer.map((e) => ({ actions: [...e.actions], reward: e.reward }));
    this.baseline = s.baseline ?? undefined;
    this.rewards = s.rewards!;
    this.steps = steps;
    this.controller = undefined;
    this.savedController = s.controller ?? undefined;
  }

  /** Releases the controller's tensors. The strategy cannot be used afterwards. Idempotent. */
  dispose(): void {
    this.controller?.dispose();
    this.controller = undefined;
    this.disposed = true;
  }

  /** Builds the controller for `space` on the first ask, or checks a restored one fits it. */
  private prepare(space: SearchSpace): void {
    const decisions = space.decisions();
    const multi = decisions.filter((d) => d.choices.length > 1);
    const empty = decisions.find((d) => d.choices.length === 0);
    if (empty) throw new ConfigurationError('EMPTY_CHOICES', `decision "${empty.name}" of space '${space.name}' has no choices`);
    this.fixed = Object.fromEntries(decisions.filter((d) => d.choices.length === 1).map((d: Decision) => [d.name, d.choices[0]!]));
    if (this.steps) {
      const fits =
        this.steps.length === multi.length &&
        this.steps.every((s, i) => s.name === multi[i]!.name && JSON.stringify(s.choices) === JSON.stringify(multi[i]!.choices));
      if (!fits) {
        throw new StateError(
          'SPACE_MISMATCH',
          `the rl controller was built for decisions ${this.steps.map((s) => `${s.name}(${s.choices.length})`).join(', ')}; space '${space.name}' has ${multi.map((d) => `${d.name}(${d.choices.length})`).join(', ')}`,
        );
      }
      if (this.steps.length > 0 && !this.controller) {
        const controller = this.build(this.steps);
        if (this.savedController) controller.restore(this.savedController);
        this.savedController = undefined;
        this.controller = controller;
      }
      return;
    }
    this.steps = multi.map((d) => ({ name: d.name, choices: [...d.choices] }));
    if (this.steps.length > 0) this.controller = this.build(this.steps);
  }

  private build(steps: readonly Step[]): LstmController {
    const o = this.opts;
    return new LstmController(
      {
        choices: steps.map((s) => s.choices.length),
        hiddenSize: o.hiddenSize,
        initRange: o.initRange,
        temperature: o.temperature,
        tanhConstant: o.tanhConstant,
        learningRate: o.learningRate,
        beta1: 0.9,
        beta2: 0.999,
        epsilon: 1e-8,
      },
      new Random(`rl/init/${this.initSeed}`),
    );
  }

  private assertLive(): void {
    if (this.disposed) throw new StateError('DISPOSED', 'this RlStrategy was disposed');
  }
}

function checkOptions(o: object): void {
  const opts = o as Record<string, number | undefined>;
  const need = (name: string, ok: (v: number) => boolean, what: string) => {
    const v = opts[name];
    if (v !== undefined && (typeof v !== 'number' || !ok(v))) throw new ConfigurationError('BAD_OPTION', `RlStrategy option ${name} must be ${what}, got ${JSON.stringify(v)}`);
  };
  need('seed', Number.isInteger, 'an integer');
  need('hiddenSize', (v) => Number.isInteger(v) && v >= 1, 'a positive integer');
  need('learningRate', (v) => v > 0 && Number.isFinite(v), 'a positive number');
  need('baselineDecay', (v) => v >= 0 && v < 1, 'in [0, 1)');
  need('entropyWeight', (v) => v >= 0 && Number.isFinite(v), 'a non-negative number');
  need('batchSize', (v) => Number.isInteger(v) && v >= 1, 'a positive integer');
  need('temperature', (v) => v > 0 && Number.isFinite(v), 'a positive number');
  need('tanhConstant', (v) => v > 0 && Number.isFinite(v), 'a positive number or undefined');
  need('initRange', (v) => v >= 0 && Number.isFinite(v), 'a non-negative number');
  need('failureReward', Number.isFinite, 'a finite number or undefined');
  need('maxAttempts', (v) => Number.isInteger(v) && v >= 1, 'a positive integer');
  need('maxUniformAttempts', (v) => Number.isInteger(v) && v >= 0, 'a non-negative integer');
}

/**
 * An {@link RlStrategy} for direct use.
 * @example
 * ```ts
 * import { rlStrategy } from '@autonas/strategy-rl';
 * const s = rlStrategy({ seed: 1, entropyWeight: 0.001 });
 * s.dispose();
 * ```
 */
export function rlStrategy(options: RlStrategyOptions = {}): RlStrategy {
  return new RlStrategy(options);
}

/**
 * A container module binding an {@link RlStrategy} to the `SearchStrategy` extension point.
 * @example
 * ```ts
 * import { createContainer } from '@autonas/core';
 * import { rlStrategyModule } from '@autonas/strategy-rl';
 * const c = createContainer({ maxTrials: 3 }, rlStrategyModule({ seed: 1 }));
 * ```
 */
export function rlStrategyModule(options: RlStrategyOptions = {}): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind<SearchStrategy>(SearchStrategy).toConstantValue(new RlStrategy(options));
  });
}

import { ConfigurationError, Random, type Architecture, type DecisionValue, type SearchSpace } from '@autonas/core';
import { batchTensors, compileArchitecture, ensureRuntime, evaluateModel, tf, trainModel } from '@autonas/tfjs';
import { concat, type Dataset, type SearchData } from '@autonas/data';
import { BilevelOptimizer, type BilevelOptions, type Batch } from './bilevel.js';
import { CELL_KINDS, genotypeDecisions, readCellPlan, type CellKind, type Genotype } from './cell-plan.js';
import { Supernet, type DartsVariant } from './supernet.js';

/** Options of the supernet search ({@link searchSupernet}). */
export interface SupernetSearchOptions extends BilevelOptions {
  /** Supernet cells (reductions at ⌊cells/3⌋ and ⌊2·cells/3⌋). Default 5. */
  readonly cells?: number;
  /**
   * Supernet channels per node in the first cells. Default 4: with 5 cells, batch 32 and 28×28
   * inputs the wasm backend's 4 GiB heap holds the supernet (2.4 GiB peak RSS measured, both
   * orders); 8 channels at batch 32 ran out of wasm memory.
   */
  readonly channels?: number;
  /** Stem filters = stemMultiplier · channels. Default 3. */
  readonly stemMultiplier?: number;
  /** `darts` (default), `pc-darts` (partial channels, edge normalisation) or `darts-` (decaying auxiliary skip); see {@link DartsVariant}. */
  readonly variant?: DartsVariant;
  /** `pc-darts`: K, the ops of an edge see `1/K` of its channels. Default 2. */
  readonly partialChannels?: number;
  /** Search epochs (passes over the training split). Default 10. */
  readonly epochs?: number;
  /**
   * Epochs at the start that train only w, α (and β) frozen, as PC-DARTS warms up its supernet
   * before the architecture steps begin, so that parameter-free ops do not win while the
   * convolutions are still untrained. Counted in `epochs`. Default 0.
   */
  readonly warmupEpochs?: number;
  /** Batch size of both splits. Default 32. */
  readonly batchSize?: number;
  /** Seed of initialisation and batch order. Default 0. */
  readonly seed?: number;
  /** Called with each epoch's {@link DartsEpochRecord}. */
  readonly onEpoch?: (record: DartsEpochRecord) => void;
  /** Stops the search after the current step; the genotype of the α so far is returned. */
  readonly signal?: AbortSignal;
}

/** α softmax of one mixed edge. */
export interface EdgeWeights {
  readonly cell: CellKind;
  readonly node: number;
  readonly input: number;
  /** Softmax weight of every candidate op, by op name. */
  readonly weights: Readonly<Record<string, number>>;
  /** `pc-darts`: the edge's normalisation weight (softmax of β over its node's incoming edges). */
  readonly edgeWeight?: number;
}

/** The progress record of one search epoch. */
export interface DartsEpochRecord {
  readonly epoch: number;
  /** α softmax of every edge of both cell kinds. */
  readonly alphas: readonly EdgeWeights[];
  /** The genotype derived from the α at the end of the epoch. */
  readonly genotype: Genotype;
  /** Mean loss and accuracy of the epoch's w steps (training split). */
  readonly trainLoss: number;
  readonly trainAccuracy: number;
  /** Loss and accuracy of the supernet on the whole validation split after the epoch (batch statistics in BN). */
  readonly valLoss: number;
  readonly valAccuracy: number;
  /** Learning rate of w in the epoch. */
  readonly learningRate: number;
  /** True for a warm-up epoch (w only, α unchanged). */
  readonly warmup?: boolean;
  /** `darts-`: the auxiliary skip coefficient at the end of the epoch ({@link auxSkipSchedule}; 0 after the last). */
  readonly auxSkip?: number;
  readonly seconds: number;
  /** Live tensors after the epoch. */
  readonly numTensors: number;
  /** Resident set size after the epoch, MiB. */
  readonly rssMiB: number;
}

/** What {@link searchSupernet} returns. */
export interface SupernetSearchResult {
  readonly genotype: Genotype;
  /** The genotype as decision values of the searched space. */
  readonly decisions: Record<string, DecisionValue>;
  readonly progress: readonly DartsEpochRecord[];
  readonly seconds: number;
  /** Peak resident set size during the search, MiB (sampled every step). */
  readonly peakRssMiB: number;
  /** Network weights of the supernet (w, not α). */
  readonly supernetParams: number;
  /** Live tensors before the search, after the supernet was built, and after it was freed. */
  readonly tensors: { readonly before: number; readonly during: number; readonly after: number };
  readonly order: 1 | 2;
  readonly variant: DartsVariant;
  /** True when `signal` stopped the search before its last epoch. */
  readonly aborted: boolean;
  /** Validation loss/accuracy of the supernet restricted to the genotype with its inherited weights (a proxy, not retrained). */
  readonly inherited?: { readonly valLoss: number; readonly valAccuracy: number; readonly proxy: true };
}

const mib = () => process.memoryUsage().rss / 2 ** 20;

function checkData(data: SearchData | undefined): SearchData {
  if (!data || !data.train || !data.validation) throw new ConfigurationError('NO_DATA', 'DARTS needs SearchData ({ train, validation }): w trains on train, α on validation');
  if (data.train.sampleShape.length !== 3) throw new ConfigurationError('BAD_DATA', `DARTS needs image samples [height, width, channels], got [${data.train.sampleShape.join()}]`);
  if (data.train.sampleShape.join() !== data.validation.sampleShape.join()) throw new ConfigurationError('BAD_DATA', 'train and validation samples differ in shape');
  return data;
}

/** Loss and accuracy of `logits` over a dataset, in batches. */
async function evaluate(ds: Dataset, batchSize: number, logits: (x: tf.Tensor) => tf.Tensor): Promise<{ loss: number; accuracy: number }> {
  let loss = 0;
  let hits = 0;
  for (let from = 0; from < ds.size; from += batchSize) {
    const to = Math.min(ds.size, from + batchSize);
    const { x, y } = batchTensors(ds, undefined, from, to);
    const [l, h] = tf.tidy(() => {
      const z = logits(x);
      return [tf.sum(tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(z)), -1))), tf.sum(tf.cast(tf.equal(tf.argMax(z, -1), tf.argMax(y, -1)), 'float32'))];
    });
    const [lv, hv] = await Promise.all([l.data(), h.data()]);
    tf.dispose([x, y, l, h]);
    loss += lv[0]!;
    hits += hv[0]!;
  }
  return { loss: loss / ds.size, accuracy: hits / ds.size };
}

function edgeWeights(net: Supernet): EdgeWeights[] {
  const sm = net.alphaSoftmax();
  const ew = net.options.variant === 'pc-darts' ? net.edgeWeights() : undefined;
  const out: EdgeWeights[] = [];
  for (const kind of CELL_KINDS) {
    const ops = net.plan.ops[kind];
    for (const e of net.edges[kind]) {
      out.push({ cell: kind, node: e.node, input: e.input, weights: Object.fromEntries(ops.map((op, o) => [op, sm[kind][e.row]![o]!])), ...(ew ? { edgeWeight: ew[kind][e.row]! } : {}) });
    }
  }
  return out;
}

/**
 * DARTS-'s auxiliary skip coefficient after `step` of `totalSteps` steps: `1 − step / totalSteps`,
 * from 1 before the first step linearly down to 0 at the end of the search (clamped to [0, 1]).
 *
 * @example
 * ```ts
 * import { auxSkipSchedule } from '@autonas/strategy-darts';
 * console.log(auxSkipSchedule(0, 100), auxSkipSchedule(25, 100), auxSkipSchedule(100, 100)); // 1 0.75 0
 * ```
 */
export function auxSkipSchedule(step: number, totalSteps: number): number {
  if (!(totalSteps > 0)) throw new ConfigurationError('BAD_OPTION', `totalSteps must be positive, got ${totalSteps}`);
  return Math.min(1, Math.max(0, 1 - step / totalSteps));
}

/**
 * How far α moved from uniform: the mean over every edge of both cell kinds of its strongest op's
 * softmax weight (`1 / ops` at uniform α, 1 when every edge has settled on one op).
 *
 * @example
 * ```ts
 * import { meanMaxSoftmax } from '@autonas/strategy-darts';
 * const alphas = [{ cell: 'normal' as const, node: 2, input: 0, weights: { none: 0.2, skip_connect: 0.8 } }];
 * console.log(meanMaxSoftmax(alphas)); // 0.8
 * ```
 */
export function meanMaxSoftmax(alphas: readonly EdgeWeights[]): number {
  if (alphas.length === 0) return NaN;
  return alphas.reduce((s, e) => s + Math.max(...Object.values(e.weights)), 0) / alphas.length;
}

/**
 * Runs DARTS' supernet search over a cell space: builds the continuous supernet from the space's
 * decisions, alternates α steps on validation batches and w steps on training batches for
 * `epochs` epochs (w's learning rate decays by cosine per epoch to `learningRateMin`), and
 * derives the genotype. Frees every tensor it made.
 *
 * @param inherit also evaluate the derived cell inside the supernet with its inherited weights
 *   (reported as a proxy in `inherited`)
 * @throws ConfigurationError `UNSUPPORTED_SPACE` for a space without DARTS cell decisions, `NO_DATA` without data
 *
 * @example
 * ```ts no-run
 * import type { SearchSpace } from '@autonas/core';
 * import type { SearchData } from '@autonas/data';
 * import { searchSupernet } from '@autonas/strategy-darts';
 * async function find(space: SearchSpace, data: SearchData) {
 *   const r = await searchSupernet(space, data, { epochs: 2, cells: 3, channels: 4, order: 2 });
 *   console.log(r.genotype, r.peakRssMiB);
 * }
 * ```
 */
export async function searchSupernet(space: SearchSpace, data: SearchData, options: SupernetSearchOptions = {}, inherit = false): Promise<SupernetSearchResult> {
  await ensureRuntime();
  checkData(data);
  const plan = readCellPlan(space);
  const epochs = options.epochs ?? 10;
  const batchSize = options.batchSize ?? 32;
  if (!(Number.isInteger(epochs) && epochs >= 1)) throw new ConfigurationError('BAD_OPTION', `epochs must be a positive integer, got ${epochs}`);
  const warmupEpochs = options.warmupEpochs ?? 0;
  if (!(Number.isInteger(warmupEpochs) && warmupEpochs >= 0 && warmupEpochs < epochs)) throw new ConfigurationError('BAD_OPTION', `warmupEpochs must be an integer in [0, epochs) (${epochs}), got ${warmupEpochs}`);
  if (!(Number.isInteger(batchSize) && batchSize >= 2)) throw new ConfigurationError('BAD_OPTION', `batchSize must be an integer >= 2 (batch norm needs a batch), got ${batchSize}`);
  const { train, validation } = data;
  if (validation.size < batchSize) throw new ConfigurationError('BAD_DATA', `the validation split (${validation.size}) is smaller than one batch (${batchSize})`);
  const seed = options.seed ?? 0;
  const before = tf.memory().numTensors;
  const t0 = performance.now();
  let peak = mib();
  const net = new Supernet(plan, {
    inputShape: train.sampleShape as [number, number, number], numClasses: train.numClasses,
    cells: options.cells, channels: options.channels, stemMultiplier: options.stemMultiplier, seed,
    variant: options.variant, partialChannels: options.partialChannels,
  });
  const variant = net.options.variant;
  let opt: BilevelOptimizer | undefined;
  try {
    opt = new BilevelOptimizer(net, options);
    const during = tf.memory().numTensors;
    const rng = new Random(seed).fork('batches');
    const progress: DartsEpochRecord[] = [];
    const { learningRate: lrMax, learningRateMin: lrMin } = opt.options;
    let aborted = false;
    let lastYield = performance.now();
    const totalSteps = epochs * Math.floor(train.size / batchSize);
    let step = 0;
    for (let epoch = 0; epoch < epochs && !aborted; epoch++) {
      const te = performance.now();
      opt.learningRate = lrMin + ((lrMax - lrMin) * (1 + Math.cos((Math.PI * epoch) / epochs))) / 2;
      const order = rng.permutation(train.size);
      const vOrder = rng.permutation(validation.size);
      let lossSum = 0, hits = 0, seen = 0, v = 0;
      for (let from = 0; from + batchSize <= train.size; from += batchSize) {
        if (options.signal?.aborted) {
          aborted = true;
          break;
        }
        if (performance.now() - lastYield > 50) {
          await new Promise((r) => setImmediate(r));
          lastYield = performance.now();
        }
        if (v + batchSize > validation.size) v = 0;
        const tb = batchTensors(train, order, from, from + batchSize);
        const vb = batchTensors(validation, vOrder, v, v + batchSize);
        v += batchSize;
        const tBatch: Batch = tb, vBatch: Batch = vb;
        // pc-darts keeps the channels its supernet drew: redrawn every step, each op's weights
        // would see other channels and write to other places every step (measured: the supernet
        // then hardly learned: 0.28–0.30 training accuracy after 80 steps against 0.82–0.85 for plain DARTS).
        if (variant === 'darts-') net.auxSkipWeight = auxSkipSchedule(step, totalSteps);
        step++;
        try {
          if (epoch >= warmupEpochs) opt.stepAlpha(tBatch, vBatch);
          const r = await opt.stepWeights(tBatch);
          lossSum += r.loss * batchSize;
          hits += r.correct;
          seen += batchSize;
        } finally {
          tf.dispose([tb.x, tb.y, vb.x, vb.y]);
        }
        peak = Math.max(peak, mib());
      }
      if (seen === 0) {
        if (!aborted) throw new ConfigurationError('BAD_DATA', `the training split (${train.size}) is smaller than one batch (${batchSize})`);
        break;
      }
      if (variant === 'darts-') net.auxSkipWeight = auxSkipSchedule(step, totalSteps);
      const val = await evaluate(validation, 128, (x) => net.logits(x));
      const record: DartsEpochRecord = {
        epoch, alphas: edgeWeights(net), genotype: net.genotype(), trainLoss: lossSum / seen, trainAccuracy: hits / seen,
        valLoss: val.loss, valAccuracy: val.accuracy, learningRate: opt.learningRate, seconds: (performance.now() - te) / 1000,
        numTensors: tf.memory().numTensors, rssMiB: mib(), ...(variant === 'darts-' ? { auxSkip: net.auxSkipWeight } : {}), ...(epoch < warmupEpochs ? { warmup: true } : {}),
      };
      progress.push(record);
      options.onEpoch?.(record);
    }
    const genotype = net.genotype();
    let inherited: SupernetSearchResult['inherited'];
    if (inherit) {
      const r = await evaluate(validation, 128, (x) => net.discreteLogits(x, genotype));
      inherited = { valLoss: r.loss, valAccuracy: r.accuracy, proxy: true };
    }
    const supernetParams = net.weightCount;
    const order = opt.options.order;
    opt.dispose();
    net.dispose();
    opt = undefined;
    return {
      genotype, decisions: genotypeDecisions(genotype), progress, seconds: (performance.now() - t0) / 1000, peakRssMiB: peak, supernetParams,
      tensors: { before, during, after: tf.memory().numTensors }, order, variant, aborted, ...(inherited ? { inherited } : {}),
    };
  } catch (e) {
    opt?.dispose();
    if (!net.weights[0]?.isDisposed) net.dispose();
    throw e;
  }
}

/** Options of {@link retrainArchitecture}. */
export interface RetrainOptions {
  /** Default 10. */
  readonly epochs?: number;
  /** Default 64. */
  readonly batchSize?: number;
  /** Adam learning rate (cosine decay). Default 0.01. */
  readonly learningRate?: number;
  /** Seed of the weights and batch order. Default 0. */
  readonly seed?: number;
  /**
   * Train on `train` only (validation accuracy then measured on `validation`) or on both splits,
   * as DARTS retrains on the whole training set. Default `train+validation` when a test set is
   * given, else `train`.
   */
  readonly on?: 'train' | 'train+validation';
  readonly signal?: AbortSignal;
}

/** What {@link retrainArchitecture} returns. */
export interface RetrainResult {
  readonly params: number;
  readonly trainLoss: number;
  /** Accuracy on the validation split, when it was not trained on. */
  readonly valAccuracy?: number;
  /** Samples trained on. */
  readonly trainedOn: number;
  /** Accuracy on the test set, when one was given. */
  readonly testAccuracy?: number;
  readonly seconds: number;
}

/**
 * Trains an architecture from new weights (Adam, cosine decay) on `data.train`, or on both splits
 * (see `on`), and measures it on the validation split (when not trained on) and an optional test set. Batch-norm moving statistics are re-estimated with
 * three forward passes in training mode before measuring: after a short training they lag the
 * weights and understate the accuracy.
 *
 * @example
 * ```ts no-run
 * import type { Architecture } from '@autonas/core';
 * import { concat, type Dataset, type SearchData } from '@autonas/data';
 * import { retrainArchitecture } from '@autonas/strategy-darts';
 * async function score(arch: Architecture, data: SearchData, test: Dataset) {
 *   const r = await retrainArchitecture(arch, data, test, { epochs: 5 });
 *   console.log(r.testAccuracy);
 * }
 * ```
 */
export async function retrainArchitecture(arch: Architecture, data: SearchData, test?: Dataset, options: RetrainOptions = {}): Promise<RetrainResult> {
  await ensureRuntime();
  checkData(data);
  const t0 = performance.now();
  const on = options.on ?? (test ? 'train+validation' : 'train');
  const trainSet = on === 'train' ? data.train : concat(data.train, data.validation);
  const model = compileArchitecture(arch, { seed: options.seed ?? 0 });
  try {
    const r = await trainModel(model, trainSet, {
      epochs: options.epochs ?? 10, batchSize: options.batchSize ?? 64, learningRate: options.learningRate ?? 0.01,
      schedule: 'cosine', seed: options.seed ?? 0, signal: options.signal,
    });
    const per = trainSet.sampleShape.reduce((a, b) => a * b, 1);
    const bs = 32;
    for (let pass = 0; pass < 3; pass++) {
      for (let from = 0; from + bs <= trainSet.size; from += bs) {
        tf.tidy(() => {
          model.apply(tf.tensor(trainSet.x.subarray(from * per, (from + bs) * per), [bs, ...trainSet.sampleShape]), { training: true });
        });
      }
    }
    const val = on === 'train' ? (await evaluateModel(model, data.validation)).accuracy : undefined;
    const testAcc = test ? (await evaluateModel(model, test)).accuracy : undefined;
    const params = model.countParams();
    return {
      params, trainLoss: r.history.at(-1)?.loss ?? NaN, trainedOn: trainSet.size, ...(val !== undefined ? { valAccuracy: val } : {}),
      ...(testAcc !== undefined ? { testAccuracy: testAcc } : {}), seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    model.dispose();
  }
}

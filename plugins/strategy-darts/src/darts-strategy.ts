import { ConfigurationError, ContainerModule, SearchStrategy, StateError, type Architecture, type DecisionValue, type ExecutionEngine, type SearchSpace } from '@autonas/core';
import { SearchData, downsample, splitDataset, type Dataset } from '@autonas/data';
import type { Genotype } from './cell-plan.js';
import { retrainArchitecture, searchSupernet, type DartsEpochRecord, type RetrainOptions, type RetrainResult, type SupernetSearchOptions, type SupernetSearchResult } from './search.js';

/** Options of {@link DartsStrategy}. */
export interface DartsStrategyOptions extends SupernetSearchOptions {
  /** The data of the supernet search (w on `train`, α on `validation`). Bound from the container by {@link dartsStrategyModule}. */
  readonly data?: SearchData;
  /**
   * The space the derived cell is built in for retraining: one with the same decision names,
   * typically the same cell space re-stacked deeper or wider. Default: the searched space.
   */
  readonly retrainSpace?: SearchSpace;
  /**
   * Search the supernet on images shrunk by this integer factor (average pooling), a low-fidelity
   * search: a cell's ops do not depend on the resolution, so the derived cell is then built at the
   * data's own size. Default 1 (full size).
   */
  readonly downsample?: number;
  /** Most samples of each split the supernet trains on (a seeded stratified subset). Default all. */
  readonly maxSamples?: number;
}

interface DartsState {
  readonly version: 1;
  readonly genotype?: Genotype;
  readonly decisions?: Record<string, DecisionValue>;
  readonly progress: readonly DartsEpochRecord[];
  readonly submitted: boolean;
}

/**
 * DARTS as a {@link SearchStrategy}. DARTS does not propose many candidates: `run` searches the
 * continuous supernet itself (on the {@link SearchData} it was given), derives one genotype and
 * submits that architecture, built by `retrainSpace` (default the searched space), as the
 * search's single trial, so that the engine's estimator retrains it from new weights. The state
 * holds the derived genotype and the progress record: a restored strategy does not search again.
 *
 * @example
 * ```ts no-run
 * import { createContainer, Experiment } from '@autonas/core';
 * import { dartsStrategyModule } from '@autonas/strategy-darts';
 * // with a DARTS cell space, an estimator and SearchData bound in other modules:
 * const c = createContainer({ maxTrials: 1 }, dartsStrategyModule({ epochs: 5, cells: 3, channels: 4 }));
 * const result = await c.get(Experiment).run();
 * console.log(result.trials[0]?.score);
 * ```
 */
export class DartsStrategy implements SearchStrategy {
  readonly name = 'darts';
  private genotypeFound?: Genotype;
  private decisionsFound?: Record<string, DecisionValue>;
  private progressRecord: DartsEpochRecord[] = [];
  private submitted = false;
  /** The last search's full result (this session only; not part of the state). */
  lastSearch?: SupernetSearchResult;

  constructor(private readonly options: DartsStrategyOptions = {}) {}

  /** The derived genotype (after `run`), else undefined. */
  get genotype(): Genotype | undefined {
    return this.genotypeFound;
  }

  /** The per-epoch progress record of the search. */
  get progress(): readonly DartsEpochRecord[] {
    return this.progressRecord;
  }

  async run(engine: ExecutionEngine, space: SearchSpace): Promise<void> {
    if (!this.decisionsFound) {
      // Searching costs far more than the single trial: not when the budget is already spent.
      if (!engine.canSubmit()) return;
      if (!this.options.data) throw new ConfigurationError('NO_DATA', 'DartsStrategy needs SearchData (options.data, or bind SearchData in the container)');
      // The supernet stops with the search's budget (its α so far still gives a cell).
      const budget = new AbortController();
      const watch = setInterval(() => engine.canSubmit() || budget.abort(), 250);
      const given = this.options.signal;
      const onGiven = () => budget.abort(given?.reason);
      given?.addEventListener('abort', onGiven, { once: true });
      let r: SupernetSearchResult;
      try {
        r = await searchSupernet(space, this.searchData(this.options.data), {
          ...this.options,
          signal: budget.signal,
          onEpoch: (rec) => {
            this.progressRecord.push(rec);
            this.options.onEpoch?.(rec);
          },
        });
      } finally {
        clearInterval(watch);
        given?.removeEventListener('abort', onGiven);
      }
      this.lastSearch = r;
      this.genotypeFound = r.genotype;
      this.decisionsFound = r.decisions;
      engine.checkpoint(this.state());
    }
    if (this.submitted || !engine.canSubmit()) return;
    const arch = (this.options.retrainSpace ?? space).build(this.decisionsFound);
    this.submitted = true;
    await engine.submit(arch);
    engine.checkpoint(this.state());
  }

  /** The supernet's data: at most `maxSamples` of each split, shrunk by `downsample`. */
  private searchData(data: SearchData): SearchData {
    const { downsample: factor = 1, maxSamples, seed = 0 } = this.options;
    if (maxSamples !== undefined && !(Number.isInteger(maxSamples) && maxSamples >= 2)) throw new ConfigurationError('BAD_OPTION', `maxSamples must be an integer >= 2, got ${maxSamples}`);
    const prepare = (d: Dataset): Dataset => {
      const few = maxSamples !== undefined && d.size > maxSamples ? splitDataset(d, { fraction: maxSamples / d.size, seed }).validation : d;
      return factor === 1 ? few : downsample(few, factor);
    };
    return { train: prepare(data.train), validation: prepare(data.validation) };
  }

  state(): DartsState {
    return { version: 1, genotype: this.genotypeFound, decisions: this.decisionsFound, progress: this.progressRecord, submitted: this.submitted };
  }

  restore(state: unknown): void {
    const s = state as Partial<DartsState> | null;
    if (!s || typeof s !== 'object' || s.version !== 1) throw new StateError('BAD_STATE', `DartsStrategy state must have version 1, got ${JSON.stringify((s as { version?: unknown } | null)?.version)}`);
    if (!Array.isArray(s.progress) || typeof s.submitted !== 'boolean') throw new StateError('BAD_STATE', 'DartsStrategy state needs "progress" (array) and "submitted" (boolean)');
    if ((s.genotype === undefined) !== (s.decisions === undefined)) throw new StateError('BAD_STATE', 'DartsStrategy state has a genotype without decisions or the reverse');
    this.genotypeFound = s.genotype;
    this.decisionsFound = s.decisions;
    this.progressRecord = [...s.progress];
    this.submitted = s.submitted;
  }
}

/** Options of {@link dartsSearch}. */
export interface DartsSearchOptions {
  /** A DARTS cell space (decisions `cell/<normal|reduce>/node_<i>/<input|op>_<k>`). */
  readonly space: SearchSpace;
  readonly data: SearchData;
  /** Test set for the final accuracy (never seen by the search). */
  readonly test?: Dataset;
  /** Supernet search options (geometry, epochs, order, optimiser). */
  readonly search?: SupernetSearchOptions;
  /** Retraining options; `space` builds the derived cell (default the searched `space`). */
  readonly retrain?: RetrainOptions & { readonly space?: SearchSpace };
  /**
   * Skip retraining and report the derived cell's accuracy inside the supernet with its inherited
   * weights instead (a proxy: `proxy: true` in the result). Default false.
   */
  readonly inheritWeights?: boolean;
}

/** What {@link dartsSearch} returns. */
export interface DartsSearchResult {
  readonly genotype: Genotype;
  /** The derived architecture, built by the retraining space. */
  readonly architecture: Architecture;
  readonly search: SupernetSearchResult;
  /** Retraining from scratch (absent with `inheritWeights`). */
  readonly retrained?: RetrainResult;
  /** True when the reported accuracy is the inherited-weights proxy rather than a retrained network's. */
  readonly proxy: boolean;
}

/**
 * A whole DARTS run without an engine: supernet search, derivation, then retraining of the
 * derived architecture from scratch (or, with `inheritWeights`, the inherited-weights proxy).
 *
 * @example
 * ```ts no-run
 * import type { SearchSpace } from '@autonas/core';
 * import type { Dataset, SearchData } from '@autonas/data';
 * import { dartsSearch } from '@autonas/strategy-darts';
 * async function run(space: SearchSpace, data: SearchData, test: Dataset) {
 *   const r = await dartsSearch({ space, data, test, search: { epochs: 4, cells: 3, channels: 4 }, retrain: { epochs: 5 } });
 *   console.log(r.genotype, r.retrained?.testAccuracy);
 * }
 * ```
 */
export async function dartsSearch(options: DartsSearchOptions): Promise<DartsSearchResult> {
  const { space, data } = options;
  const search = await searchSupernet(space, data, options.search, options.inheritWeights === true);
  const architecture = (options.retrain?.space ?? space).build(search.decisions);
  if (options.inheritWeights) return { genotype: search.genotype, architecture, search, proxy: true };
  const retrained = await retrainArchitecture(architecture, data, options.test, options.retrain);
  return { genotype: search.genotype, architecture, search, retrained, proxy: false };
}

/**
 * A {@link DartsStrategy} for direct use.
 * @example
 * ```ts
 * import { dartsStrategy } from '@autonas/strategy-darts';
 * console.log(dartsStrategy({ order: 2 }).name); // 'darts'
 * ```
 */
export function dartsStrategy(options: DartsStrategyOptions = {}): DartsStrategy {
  return new DartsStrategy(options);
}

/**
 * A container module binding a {@link DartsStrategy} to the `SearchStrategy` extension point; its
 * data is the container's {@link SearchData} unless `options.data` is given.
 * @example
 * ```ts
 * import { createContainer } from '@autonas/core';
 * import { dartsStrategyModule } from '@autonas/strategy-darts';
 * const c = createContainer({ maxTrials: 1 }, dartsStrategyModule({ epochs: 3 }));
 * console.log(c.isBound(Symbol.for('autonas.SearchStrategy'))); // true
 * ```
 */
export function dartsStrategyModule(options: DartsStrategyOptions = {}): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind<SearchStrategy>(SearchStrategy)
      .toDynamicValue((ctx) => new DartsStrategy({ ...options, data: options.data ?? ctx.get<SearchData>(SearchData) }))
      .inSingletonScope();
  });
}

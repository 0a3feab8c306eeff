import { describe, expect, it } from 'vitest';
import { ContainerModule } from 'inversify';
import { architectureHash, type Architecture } from './architecture.js';
import { createContainer } from './container.js';
import { Experiment } from './experiment.js';
import type { Estimate, EstimateContext, PerformanceEstimator } from './performance-estimator.js';
import { PerformanceEstimator as EstimatorToken } from './performance-estimator.js';
import { Random } from './random.js';
import { SearchSpace } from './search-space.js';
import { AskTellStrategy, SearchStrategy } from './search-strategy.js';
import { betterTrial, type TrialRecord } from './trial.js';
import { InMemoryTrialStore, TrialStore } from './trial-store.js';
import { ToySpace } from './toy-space.test-util.js';

class SampleStrategy extends AskTellStrategy {
  readonly name = 'sample';
  rng = new Random(3);
  ask(space: ToySpace): Architecture { return space.sample(this.rng); }
  state() { return { rng: this.rng.state() }; }
  restore(s: { rng: number[] }) { this.rng = Random.fromState(s.rng); }
}

/** Scores from a list, in call order; `'hang'` never resolves and ignores the abort signal. */
class ScriptedEstimator implements PerformanceEstimator {
  readonly name = 'scripted';
  calls = 0;
  disposed = 0;
  constructor(private readonly scores: Array<number | 'hang'>) {}
  async estimate(_arch: Architecture, _ctx: EstimateContext): Promise<Estimate> {
    const s = this.scores[this.calls++ % this.scores.length]!;
    if (s === 'hang') return new Promise<Estimate>(() => {});
    return { score: s, metrics: {}, cost: { seconds: 0 }, artifact: { dispose: () => void this.disposed++ } };
  }
}

function run(estimator: PerformanceEstimator, options: Parameters<typeof createContainer>[0], store = new InMemoryTrialStore()) {
  const module = new ContainerModule(({ bind, rebind }) => {
    bind(SearchSpace).toConstantValue(new ToySpace());
    bind(EstimatorToken).toConstantValue(estimator);
    bind(SearchStrategy).toConstantValue(new SampleStrategy());
    rebind<TrialStore>(TrialStore).toConstantValue(store);
  });
  return createContainer({ deduplicate: false, ...options }, module).get(Experiment).run();
}

describe('issue 16: scores that are not numbers', () => {
  it('fails a trial whose score is NaN or Infinity, with a reason, and never ranks it best', async () => {
    const est = new ScriptedEstimator([NaN, 0.4, Infinity, 0.6, -Infinity]);
    const result = await run(est, { maxTrials: 5 });
    expect(result.trials.map((t) => t.status)).toEqual(['failed', 'completed', 'failed', 'completed', 'failed']);
    for (const t of [0, 2, 4]) {
      expect(result.trials[t]!.error).toMatch(/not a finite number/);
      expect(result.trials[t]!.score).toBeUndefined();
    }
    expect(result.best!.id).toBe(3);
    expect(est.disposed).toBe(4); // the three failed trials' artifacts and the overtaken best's; the best one is handed to the caller
    result.bestArtifact?.dispose();
  });

  it('betterTrial never keeps a NaN or infinite score as best', () => {
    const t = (id: number, score: number): TrialRecord => ({ id, score, status: 'completed', architecture: { nodes: [] }, hash: String(id), metrics: {}, epochs: [], startedAt: 0 });
    expect(betterTrial(t(0, NaN), t(1, 0.1)).id).toBe(1);
    expect(betterTrial(t(0, 0.1), t(1, NaN)).id).toBe(0);
    expect(betterTrial(t(0, 0.1), t(1, Infinity)).id).toBe(0);
  });
});

describe('issue 16: an estimator that ignores its abort', () => {
  it('is given up after the grace period: the search ends, the trial is stopped with ESTIMATOR_IGNORED_ABORT', async () => {
    const result = await run(new ScriptedEstimator(['hang']), { timeLimit: 0.3, abortGraceSeconds: 0.2 });
    expect(result.stoppedBy).toBe('timeLimit');
    expect(result.trials).toHaveLength(1);
    expect(result.trials[0]).toMatchObject({ status: 'stopped', error: expect.stringMatching(/went on for 0.2 s after its trial was stopped/) });
  }, 10_000);
});

describe('issue 16: architectures from the store', () => {
  it('refuses a store whose trial architecture is not valid in the space, or does not match its hash, and changes nothing', async () => {
    const space = new ToySpace();
    const good = space.build({ 'toy/width': 2, 'toy/depth': 1 });
    const alien: Architecture = { ...space.build({ 'toy/width': 4, 'toy/depth': 3 }), space: 'elsewhere' };
    const store = new InMemoryTrialStore();
    store.put({ id: 0, architecture: good, hash: architectureHash(good), status: 'completed', score: 0.5, metrics: {}, epochs: [], startedAt: 1 });
    store.put({ id: 1, architecture: alien, hash: architectureHash(alien), status: 'completed', score: 0.9, metrics: {}, epochs: [], startedAt: 1 });
    const before = JSON.stringify(store.trials());
    const est = new ScriptedEstimator([0.1]);
    await expect(run(est, { maxTrials: 4 }, store)).rejects.toMatchObject({ code: 'STORE_TAMPERED', message: expect.stringMatching(/trial 1 .*not valid in space 'toy'/) });
    expect(JSON.stringify(store.trials())).toBe(before);
    expect(est.calls).toBe(0);

    const swapped = new InMemoryTrialStore();
    const big = space.build({ 'toy/width': 4, 'toy/depth': 3 });
    swapped.put({ id: 0, architecture: big, hash: architectureHash(good), status: 'completed', score: 0.5, metrics: {}, epochs: [], startedAt: 1 });
    await expect(run(est, { maxTrials: 4 }, swapped)).rejects.toMatchObject({ code: 'STORE_TAMPERED', message: expect.stringMatching(/hash/) });
  });
});

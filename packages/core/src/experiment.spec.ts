import { describe, expect, it } from 'vitest';
import { ContainerModule } from 'inversify';
import type { Architecture } from './architecture.js';
import { createContainer } from './container.js';
import { ConfigurationError } from './errors.js';
import { architectureHash } from './architecture.js';
import { EventBus } from './events.js';
import { Experiment } from './experiment.js';
import { PerformanceEstimator } from './performance-estimator.js';
import { Random } from './random.js';
import { SearchSpace } from './search-space.js';
import { AskTellStrategy, SearchStrategy } from './search-strategy.js';
import type { TrialRecord } from './trial.js';
import { InMemoryTrialStore, TrialStore } from './trial-store.js';
import { ToyEstimator, ToySpace } from './toy-space.test-util.js';

class SampleStrategy extends AskTellStrategy {
  readonly name = 'sample';
  told: TrialRecord[] = [];
  rng = new Random(3);
  ask(space: ToySpace): Architecture { return space.sample(this.rng); }
  override tell(t: TrialRecord) { this.told.push(t); }
  state() { return { rng: this.rng.state() }; }
  restore(s: { rng: number[] }) { this.rng = Random.fromState(s.rng); }
}

function wire(estimator: ToyEstimator, options: Parameters<typeof createContainer>[0], strategy = new SampleStrategy(), store?: TrialStore) {
  const module = new ContainerModule(({ bind, rebind }) => {
    bind(SearchSpace).toConstantValue(new ToySpace());
    bind(PerformanceEstimator).toConstantValue(estimator);
    bind(SearchStrategy).toConstantValue(strategy);
    if (store) rebind<TrialStore>(TrialStore).toConstantValue(store);
  });
  return { container: createContainer(options, module), strategy };
}

describe('Experiment', () => {
  it("awaits the estimator's start hook before its first trial, once per run", async () => {
    const order: string[] = [];
    class Starting extends ToyEstimator {
      async start() {
        order.push('start');
        await new Promise((r) => setTimeout(r, 30));
        order.push('started');
      }
      override async estimate(...args: Parameters<ToyEstimator['estimate']>) {
        order.push('estimate');
        return super.estimate(...args);
      }
    }
    const { container } = wire(new Starting(), { maxTrials: 2, seed: 1 });
    await container.get(Experiment).run();
    expect(order).toEqual(['start', 'started', 'estimate', 'estimate']);
  });

  it('runs exactly maxTrials trained trials, reports the best and emits events', async () => {
    const estimator = new ToyEstimator();
    const { container, strategy } = wire(estimator, { maxTrials: 5, seed: 1 });
    const ends: number[] = [];
    container.get(EventBus).on('trial:end', ({ trial }) => ends.push(trial.id));
    const result = await container.get(Experiment).run();
    expect(result.stoppedBy).toBe('maxTrials');
    expect(estimator.calls).toBe(5);
    const trained = result.trials.filter((t) => !t.cached);
    expect(trained).toHaveLength(5);
    expect(result.best!.score).toBe(Math.max(...trained.map((t) => t.score!)));
    expect(ends).toEqual([0, 1, 2, 3, 4]);
    expect(strategy.told.length).toBeGreaterThanOrEqual(5);
    expect(result.trials[0]!.epochs).toEqual([{ epoch: 0, loss: expect.any(Number) }]);
  });

  it('serves duplicates from the store without training them again', async () => {
    const estimator = new ToyEstimator();
    const { container, strategy } = wire(estimator, { maxTrials: 12, seed: 1 });
    const result = await container.get(Experiment).run();
    const hashes = result.trials.map((t) => t.hash);
    expect(new Set(hashes).size).toBe(hashes.length);
    expect(estimator.calls).toBe(result.trials.length);
    expect(strategy.told.some((t) => t.cached)).toBe(true);
  });

  it('serves an architecture submitted while the same one runs from that trial (parallel trials)', async () => {
    const estimator = new ToyEstimator({ delayMs: 20 });
    const { container } = wire(estimator, { maxTrials: 10, seed: 1, concurrency: 3 });
    const result = await container.get(Experiment).run();
    const trained = result.trials.filter((t) => !t.cached);
    expect(trained).toHaveLength(10);
    expect(new Set(trained.map((t) => t.hash)).size).toBe(10);
    expect(estimator.calls).toBe(10);
  });

  it('records a failing trial and goes on', async () => {
    const estimator = new ToyEstimator({ failWhen: (w) => w === 1 });
    const { container } = wire(estimator, { maxTrials: 8, seed: 1 });
    const result = await container.get(Experiment).run();
    const failed = result.trials.filter((t) => t.status === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed[0]!.error).toContain('cursed');
    expect(result.best!.status).toBe('completed');
  });

  it('ends on the time limit and stops the running trial', async () => {
    const estimator = new ToyEstimator({ delayMs: 150 });
    const { container } = wire(estimator, { timeLimit: 0.4, seed: 1 });
    const t0 = Date.now();
    const result = await container.get(Experiment).run();
    expect(result.stoppedBy).toBe('timeLimit');
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(result.trials.at(-1)!.status).toBe('stopped');
    expect(result.trials.filter((t) => t.status === 'completed').length).toBeGreaterThanOrEqual(1);
  });

  it('counts a trial whose whole result arrives after the time limit as completed, and a partial one as stopped', async () => {
    // Like a validation pass that cannot be interrupted: the work is done whatever the signal says.
    const finishing = (partialWhenAborted: boolean) => ({
      name: 'finishing',
      async estimate(_arch: Architecture, ctx: { signal: AbortSignal }) {
        await new Promise((r) => setTimeout(r, 300));
        return { score: 0.9, metrics: {}, cost: { seconds: 0.3 }, partial: partialWhenAborted && ctx.signal.aborted };
      },
    });
    const whole = await wire(finishing(false) as unknown as ToyEstimator, { timeLimit: 0.1, seed: 1 }).container.get(Experiment).run();
    expect(whole.stoppedBy).toBe('timeLimit');
    expect(whole.trials.map((t) => t.status)).toEqual(['completed']);
    expect(whole.best!.score).toBe(0.9);
    const partial = await wire(finishing(true) as unknown as ToyEstimator, { timeLimit: 0.1, seed: 1 }).container.get(Experiment).run();
    expect(partial.trials.map((t) => t.status)).toEqual(['stopped']);
  });

  it('restores the strategy from the state saved in the store', async () => {
    const first = wire(new ToyEstimator(), { maxTrials: 2, seed: 1 });
    await first.container.get(Experiment).run();
    const saved = first.container.get(Experiment).store.loadStrategyState() as { rng: number[] };
    expect(saved.rng).toEqual(first.strategy.rng.state());
  });

  it('rejects a search without a budget', async () => {
    const { container } = wire(new ToyEstimator(), {});
    await expect(container.get(Experiment).run()).rejects.toThrow(ConfigurationError);
  });

  describe('resume from a store that already holds the search', () => {
    it('runs only the trials the budget has left and restores the strategy first', async () => {
      const store = new InMemoryTrialStore();
      await wire(new ToyEstimator(), { maxTrials: 3, seed: 1 }, new SampleStrategy(), store).container.get(Experiment).run();
      const again = new ToyEstimator();
      const second = wire(again, { maxTrials: 6, seed: 1 }, new SampleStrategy(), store);
      const result = await second.container.get(Experiment).run();
      expect(again.calls).toBe(3);
      expect(result.trials.filter((t) => !t.cached).map((t) => t.id)).toEqual([0, 1, 2, 3, 4, 5]);
      expect(result.stoppedBy).toBe('maxTrials');
      // An uninterrupted run from the same seed asks the same architectures.
      const straight = await wire(new ToyEstimator(), { maxTrials: 6, seed: 1 }).container.get(Experiment).run();
      expect(result.trials.map((t) => t.hash)).toEqual(straight.trials.map((t) => t.hash));
    });

    it('reruns a trial left running, under its id, and gives up one interrupted on its last attempt without counting it', async () => {
      const store = new InMemoryTrialStore();
      const space = new ToySpace();
      const arch = space.build({ 'toy/width': 3, 'toy/depth': 2 });
      const twice = space.build({ 'toy/width': 1, 'toy/depth': 3 });
      store.put({ id: 0, architecture: arch, hash: architectureHash(arch), status: 'running', metrics: {}, epochs: [], startedAt: Date.now() - 5000 });
      store.put({ id: 1, architecture: twice, hash: architectureHash(twice), status: 'running', metrics: {}, epochs: [], startedAt: Date.now() - 5000, attempt: 3 });
      const estimator = new ToyEstimator();
      const strategy = new SampleStrategy();
      const result = await wire(estimator, { maxTrials: 4, seed: 1 }, strategy, store).container.get(Experiment).run();
      const [t0, t1] = result.trials;
      expect(t0).toMatchObject({ id: 0, status: 'completed', score: 6, attempt: 2 });
      expect(t1).toMatchObject({ id: 1, status: 'failed', attempt: 3, metrics: { interrupted: 3 } });
      expect(t1!.error).toMatch(/interrupted 3 time/);
      // The given-up trial takes no budget: 4 counted trials besides it.
      expect(estimator.calls).toBe(1 + 3);
      expect(result.trials.filter((t) => !t.cached)).toHaveLength(5);
      expect(strategy.told.slice(0, 2).map((t) => t.id).sort()).toEqual([0, 1]);
    });

    it('counts seconds spent by earlier runs against the time limit', async () => {
      const store = new InMemoryTrialStore();
      store.saveMeta('spentSeconds', 100);
      const estimator = new ToyEstimator();
      const result = await wire(estimator, { timeLimit: 50, seed: 1 }, new SampleStrategy(), store).container.get(Experiment).run();
      expect(result.stoppedBy).toBe('timeLimit');
      expect(estimator.calls).toBe(0);
      expect(result.seconds).toBeGreaterThanOrEqual(100);

      const fresh = new InMemoryTrialStore();
      await wire(new ToyEstimator({ delayMs: 100 }), { maxTrials: 2, seed: 1 }, new SampleStrategy(), fresh).container.get(Experiment).run();
      expect(fresh.loadMeta('spentSeconds')).toBeGreaterThanOrEqual(0.2);
      fresh.saveMeta('spentSeconds', 'soon');
      await expect(wire(new ToyEstimator(), { maxTrials: 3 }, new SampleStrategy(), fresh).container.get(Experiment).run()).rejects.toThrow(/spentSeconds/);
    });

    it('keeps the best trial of an earlier run when this run finds nothing better', async () => {
      const store = new InMemoryTrialStore();
      const first = await wire(new ToyEstimator(), { maxTrials: 6, seed: 1 }, new SampleStrategy(), store).container.get(Experiment).run();
      const worse = new ToyEstimator({ failWhen: () => true });
      const second = await wire(worse, { maxTrials: 8, seed: 1 }, new SampleStrategy(), store).container.get(Experiment).run();
      expect(second.best!.id).toBe(first.best!.id);
      expect(second.bestArtifact).toBeUndefined();
    });
  });
});

describe('Experiment with several objectives', () => {
  class SeenStrategy extends SampleStrategy {
    seen: unknown;
    override async run(engine: Parameters<SampleStrategy['run']>[0], space: ToySpace) {
      this.seen = { objectives: engine.objectives, constraints: engine.constraints };
      return super.run(engine, space);
    }
  }

  it('reports the Pareto front, counts params from the architecture and shows the objectives to the strategy', async () => {
    const objectives = [
      { metric: 'depth', direction: 'maximize' },
      { metric: 'params', direction: 'minimize' },
    ] as const;
    const strategy = new SeenStrategy();
    const { container } = wire(new ToyEstimator(), { maxTrials: 12, seed: 1, objectives, constraints: [{ metric: 'params', max: 40 }] }, strategy);
    const result = await container.get(Experiment).run();
    expect(strategy.seen).toEqual({ objectives, constraints: [{ metric: 'params', max: 40 }] });
    const completed = result.trials.filter((t) => t.status === 'completed' && !t.cached);
    for (const t of completed) expect(t.metrics.params).toBeGreaterThan(0);
    const front = result.paretoFront!;
    expect(front.length).toBeGreaterThan(0);
    for (const t of front) expect(t.metrics.params).toBeLessThanOrEqual(40);
    // Nothing feasible beats a front member in both depth and params.
    for (const f of front) {
      for (const t of completed.filter((c) => c.metrics.params! <= 40)) {
        expect(t.metrics.depth! >= f.metrics.depth! && t.metrics.params! <= f.metrics.params! && (t.metrics.depth! > f.metrics.depth! || t.metrics.params! < f.metrics.params!)).toBe(false);
      }
    }
  });

  it('leaves a single-objective result as it was', async () => {
    const { container } = wire(new ToyEstimator(), { maxTrials: 3, seed: 1, objectives: [{ metric: 'width', direction: 'maximize' }] });
    const result = await container.get(Experiment).run();
    expect(result.paretoFront).toBeUndefined();
    expect(result.trials[0]!.metrics.params).toBeUndefined();
  });
});

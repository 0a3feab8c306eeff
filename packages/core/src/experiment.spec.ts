import { describe, expect, it } from 'vitest';
import { ContainerModule } from 'inversify';
import type { Architecture } from './architecture.js';
import { createContainer } from './container.js';
import { ConfigurationError } from './errors.js';
import { EventBus } from './events.js';
import { Experiment } from './experiment.js';
import { PerformanceEstimator } from './performance-estimator.js';
import { Random } from './random.js';
import { SearchSpace } from './search-space.js';
import { AskTellStrategy, SearchStrategy } from './search-strategy.js';
import type { TrialRecord } from './trial.js';
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

function wire(estimator: ToyEstimator, options: Parameters<typeof createContainer>[0], strategy = new SampleStrategy()) {
  const module = new ContainerModule(({ bind }) => {
    bind(SearchSpace).toConstantValue(new ToySpace());
    bind(PerformanceEstimator).toConstantValue(estimator);
    bind(SearchStrategy).toConstantValue(strategy);
  });
  return { container: createContainer(options, module), strategy };
}

describe('Experiment', () => {
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
});

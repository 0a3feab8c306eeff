import { describe, expect, it } from 'vitest';
import type { Architecture } from './architecture.js';
import { EventBus } from './events.js';
import { LocalExecutionEngine, deduplicate, type EngineMiddleware, type SubmitOptions } from './execution-engine.js';
import type { Estimate, EstimateContext, PerformanceEstimator } from './performance-estimator.js';
import { InMemoryTrialStore } from './trial-store.js';
import type { EpochMetrics, TrialRecord } from './trial.js';
import { ToySpace } from './toy-space.test-util.js';

/** Reports accuracy 0.1·(epoch+1)·width for 5 epochs, stopping (partial) at the epoch after an abort. */
class CurveEstimator implements PerformanceEstimator {
  readonly name = 'curve';
  async estimate(arch: Architecture, ctx: EstimateContext): Promise<Estimate> {
    const width = Number(arch.decisions?.['toy/width']);
    let last = 0;
    for (let epoch = 0; epoch < 5; epoch++) {
      if (ctx.signal.aborted) return { score: last, metrics: { valAccuracy: last }, cost: { seconds: 0, epochs: epoch }, partial: true };
      last = 0.1 * (epoch + 1) * width;
      ctx.report({ epoch, valAccuracy: last });
      await Promise.resolve();
    }
    return { score: last, metrics: { valAccuracy: last }, cost: { seconds: 0, epochs: 5 } };
  }
}

/** Stops every trial of width 1 after its second epoch, through a per-trial signal. */
function stopNarrow(seen: Array<[number, EpochMetrics]>): EngineMiddleware {
  return {
    name: 'stop-narrow',
    submit(arch, next) {
      const ctl = new AbortController();
      const options: SubmitOptions = {
        signal: ctl.signal,
        onEpoch: (trial: TrialRecord, m) => {
          seen.push([trial.id, m]);
          if (arch.decisions?.['toy/width'] === 1 && m.epoch === 1) ctl.abort(new Error('too narrow'));
        },
      };
      return next(arch, options);
    },
  };
}

function engine(middleware: EngineMiddleware[]) {
  const store = new InMemoryTrialStore();
  return new LocalExecutionEngine({ space: new ToySpace(), estimator: new CurveEstimator(), store, events: new EventBus(), maxTrials: 10, middleware });
}

describe('LocalExecutionEngine per-trial submit options', () => {
  it('a middleware stops one trial through its own signal: stopped, with the partial score; others complete', async () => {
    const seen: Array<[number, EpochMetrics]> = [];
    const e = engine([stopNarrow(seen)]);
    const space = new ToySpace();
    const narrow = await e.submit(space.build({ 'toy/width': 1, 'toy/depth': 1 }));
    const wide = await e.submit(space.build({ 'toy/width': 3, 'toy/depth': 1 }));
    expect(narrow.status).toBe('stopped');
    expect(narrow.epochs.map((m) => m.epoch)).toEqual([0, 1]);
    expect(narrow.score).toBeCloseTo(0.2);
    expect(wide.status).toBe('completed');
    expect(wide.score).toBeCloseTo(1.5);
    expect(seen.filter(([id]) => id === narrow.id).map(([, m]) => m.epoch)).toEqual([0, 1]);
    expect(seen.filter(([id]) => id === wide.id)).toHaveLength(5);
    expect(e.canSubmit()).toBe(true);
    e.close();
  });

  it('options of an outer middleware reach the engine through an inner one that calls next(arch) alone', async () => {
    const seen: Array<[number, EpochMetrics]> = [];
    const store = new InMemoryTrialStore();
    const e = new LocalExecutionEngine({
      space: new ToySpace(), estimator: new CurveEstimator(), store, events: new EventBus(), maxTrials: 10,
      middleware: [stopNarrow(seen), deduplicate(store)],
    });
    const t = await e.submit(new ToySpace().build({ 'toy/width': 1, 'toy/depth': 2 }));
    expect(t.status).toBe('stopped');
    expect(seen).toHaveLength(2);
    e.close();
  });
});

describe('LocalExecutionEngine trial parents', () => {
  /** Records the parent each estimate was given. */
  class ParentSeer extends CurveEstimator {
    readonly parents: Array<TrialRecord | undefined> = [];
    override estimate(arch: Architecture, ctx: EstimateContext): Promise<Estimate> {
      this.parents.push(ctx.parent);
      return super.estimate(arch, ctx);
    }
  }

  it('records a trial\'s parent and gives the estimator the parent\'s record, through middleware that passes options of its own', async () => {
    const estimator = new ParentSeer();
    const store = new InMemoryTrialStore();
    const seen: Array<[number, EpochMetrics]> = [];
    const e = new LocalExecutionEngine({ space: new ToySpace(), estimator, store, events: new EventBus(), maxTrials: 10, middleware: [deduplicate(store), stopNarrow(seen)] });
    const space = new ToySpace();
    const root = await e.submit(space.build({ 'toy/width': 2, 'toy/depth': 1 }));
    const child = await e.submit(space.build({ 'toy/width': 3, 'toy/depth': 2 }), { parent: root.id });
    expect(child.parent).toBe(root.id);
    expect(root.parent).toBeUndefined();
    expect(estimator.parents[0]).toBeUndefined();
    expect(estimator.parents[1]?.id).toBe(root.id);
    expect(estimator.parents[1]?.hash).toBe(root.hash);
    expect(estimator.parents[1]?.architecture).toEqual(root.architecture);
    expect(store.trials()[1]!.parent).toBe(root.id);
  });

  it('refuses a parent that is not a completed trial of the search, before starting a trial', async () => {
    const e = engine([stopNarrow([])]);
    const space = new ToySpace();
    const stopped = await e.submit(space.build({ 'toy/width': 1, 'toy/depth': 1 }));
    expect(stopped.status).toBe('stopped');
    await expect(e.submit(space.build({ 'toy/width': 2, 'toy/depth': 1 }), { parent: 7 })).rejects.toThrow(/BAD_PARENT|trial 7 is not in the store/);
    await expect(e.submit(space.build({ 'toy/width': 2, 'toy/depth': 1 }), { parent: stopped.id })).rejects.toThrow(/trial 0 is stopped/);
    expect(e.history()).toHaveLength(1);
  });

  it('reruns an interrupted trial with the parent it was submitted with', async () => {
    const estimator = new ParentSeer();
    const store = new InMemoryTrialStore();
    const space = new ToySpace();
    const first = new LocalExecutionEngine({ space, estimator, store, events: new EventBus(), maxTrials: 10 });
    const root = await first.submit(space.build({ 'toy/width': 2, 'toy/depth': 1 }));
    const arch = space.build({ 'toy/width': 3, 'toy/depth': 1 });
    // The process died while the child ran: its record stays `running`.
    store.put({ id: 1, architecture: arch, hash: (await first.submit(arch, { parent: root.id })).hash, status: 'running', metrics: {}, epochs: [], startedAt: Date.now(), parent: root.id });
    const again = new LocalExecutionEngine({ space, estimator, store, events: new EventBus(), maxTrials: 10 });
    const rerun = await again.rerun(store.trials()[1]!);
    expect(rerun.parent).toBe(root.id);
    expect(estimator.parents.at(-1)?.id).toBe(root.id);
  });
});

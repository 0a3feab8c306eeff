// A real search process for the SIGKILL resume test: a grid space, a sleep-based estimator and a
// stateful strategy, recorded in a SQLite store. Usage:
//   node --import ../../tools/run-ts/register.mjs src/resume-child.test-util.ts DB STARTS_LOG MAX_TRIALS CONCURRENCY
import fs from 'node:fs';
import {
  AskTellStrategy,
  ContainerModule,
  EventBus,
  Experiment,
  PerformanceEstimator,
  Random,
  SearchSpace,
  SearchStrategy,
  StateError,
  createContainer,
  type Architecture,
  type Estimate,
  type EstimateContext,
  type TrialRecord,
} from '@autonas/core';
import { GridSpace } from '@autonas/testing';
import { sqliteStoreModule } from './sqlite-trial-store.js';

/** Hill climbing from the best trial told so far; its whole state (rng, best) is checkpointed. */
export class ClimbStrategy extends AskTellStrategy {
  readonly name = 'climb';
  rng = new Random(11);
  bestArch: Architecture | undefined;
  bestScore = -Infinity;
  told = 0;
  ask(space: GridSpace): Architecture {
    return this.bestArch && this.rng.bool(0.7) ? space.mutate(this.bestArch, this.rng) : space.sample(this.rng);
  }
  override tell(t: TrialRecord): void {
    this.told++;
    if (t.score !== undefined && t.score > this.bestScore) {
      this.bestScore = t.score;
      this.bestArch = t.architecture;
    }
  }
  state() {
    return { version: 1, rng: this.rng.state(), best: this.bestArch ?? null, bestScore: this.bestScore, told: this.told };
  }
  restore(s: unknown): void {
    const v = s as ReturnType<ClimbStrategy['state']>;
    if (v?.version !== 1) throw new StateError('BAD_STRATEGY_STATE', 'not a climb state');
    this.rng = Random.fromState(v.rng);
    this.bestArch = v.best ?? undefined;
    this.bestScore = v.bestScore;
    this.told = v.told;
  }
}

/** Sleeps 5–40 ms (seeded by the trial), then scores by the decision values. */
export class SleepEstimator implements PerformanceEstimator {
  readonly name = 'sleep';
  async estimate(arch: Architecture, ctx: EstimateContext): Promise<Estimate> {
    const ms = 5 + new Random(ctx.seed).int(0, 35);
    await new Promise((r) => setTimeout(r, ms));
    const score = Object.values(arch.decisions ?? {}).reduce<number>((s, v) => s + Number(v), 0);
    ctx.report({ epoch: 0, score });
    return { score, metrics: { score, ms }, cost: { seconds: ms / 1000 } };
  }
}

if (process.argv[1]?.endsWith('resume-child.test-util.ts')) {
  const [db, startsLog, maxTrials, concurrency] = process.argv.slice(2);
  const space = new GridSpace({ a: [1, 2, 3, 4, 5, 6], b: [1, 2, 3, 4, 5, 6], c: [1, 2, 3, 4, 5, 6], d: [1, 2, 3, 4, 5, 6] });
  const container = createContainer(
    { maxTrials: Number(maxTrials), concurrency: Number(concurrency), seed: 3 },
    new ContainerModule(({ bind }) => {
      bind(SearchSpace).toConstantValue(space);
      bind(PerformanceEstimator).toConstantValue(new SleepEstimator());
      bind(SearchStrategy).toConstantValue(new ClimbStrategy());
    }),
    sqliteStoreModule({ path: db!, synchronous: process.env.AUTONAS_SYNC === 'normal' ? 'normal' : 'full' }),
  );
  container.get(EventBus).on('trial:start', ({ trial }) => fs.appendFileSync(startsLog!, `${trial.id}\n`));
  process.stdout.write('started\n');
  const result = await container.get(Experiment).run();
  container.get(Experiment).store.close?.();
  process.stdout.write(`done ${result.stoppedBy} ${result.trials.length}\n`);
}

// One run of the kill soak's tiny real search (issue 16): MNIST at 7×7, a small chain space,
// low-fidelity training in this process, trials in a SQLite experiment directory, then the best
// architecture retrained and saved. A killed run is simply started again: it resumes.
// Usage: node --import ../../tools/run-ts/register.mjs src/soak-child.test-util.ts DIR MAX_TRIALS RETRAIN_SEED
// (a new seed per run gives new weights, so every save really replaces the model before it)
import path from 'node:path';
import { ContainerModule, EventBus, Experiment, PerformanceEstimator, SearchSpace, SearchStrategy, TrialStore, createContainer } from '@autonas/core';
import { downsample, loadMnist, splitDataset } from '@autonas/data';
import { LowFidelityEstimator } from '@autonas/estimator-lowfi';
import { ChainSpace } from '@autonas/space-chain';
import { openExperimentDirectory } from '@autonas/store-sqlite';
import { randomStrategy } from '@autonas/strategy-random';
import { compileArchitecture, initRuntime, saveModel, trainModel } from '@autonas/tfjs';

const [dir, maxTrialsArg, seedArg] = process.argv.slice(2);
const say = (line: string) => process.stdout.write(`${line}\n`);

await initRuntime({ backend: 'wasm', log: () => {} });
const { train } = await loadMnist({ trainSize: 600, testSize: 10 });
const small = downsample(train, 4);
const data = splitDataset(small, { fraction: 0.25, seed: 0 });
const space = new ChainSpace({
  inputShape: [7, 7, 1], numClasses: 10, blocks: [1], filters: [4, 8], kernelSizes: [3], convsPerBlock: [1], pooling: ['max', 'none'],
  blockDropout: [0], batchNorm: [false], reduction: ['flatten', 'global_avg'], headUnits: [0, 16], headDropout: [0],
});
const { store, resumed } = openExperimentDirectory(dir!);
const container = createContainer({ maxTrials: Number(maxTrialsArg), seed: 1 }, new ContainerModule(({ bind, rebind }) => {
  bind(SearchSpace).toConstantValue(space);
  bind(PerformanceEstimator).toConstantValue(new LowFidelityEstimator(data, { epochs: 1, maxSamples: 200, batchSize: 32 }));
  bind(SearchStrategy).toConstantValue(randomStrategy({ seed: 3 }));
  rebind<TrialStore>(TrialStore).toConstantValue(store);
}));
container.get(EventBus).on('trial:end', ({ trial }) => say(`trial-end ${trial.id} ${trial.status}`));
say(`phase search${resumed ? ' (resumed)' : ''}`);
const result = await container.get(Experiment).run();
result.bestArtifact?.dispose();
say('phase retrain');
const model = compileArchitecture(result.best!.architecture, { seed: Number(seedArg ?? 7) });
await trainModel(model, small, { epochs: 2, batchSize: 32, seed: 7 });
say('phase save');
const location = path.join(dir!, 'model');
await saveModel(model, location);
store.saveBestModel({ location, trialId: result.best!.id });
store.close();
model.dispose();
say(`done ${result.best!.id}`);

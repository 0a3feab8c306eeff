// A child process for the phases spec: a small search kept in a directory (argv[2]), printing the
// pipeline's log lines, so the spec can kill it at a chosen phase and resume the job in-process.
import { loadMnist } from '@autonas/data';
import { ImageClassifier } from '../src/index.js';

const dir = process.argv[2]!;
const { train } = await loadMnist({ trainSize: 1500 });
const clf = new ImageClassifier({ maxTrials: 2, seed: 4, backend: 'wasm', directory: dir, space: { blocks: [1], filters: [8, 16] }, estimator: { maxSamples: 300 }, log: (l) => console.log(l) });
await clf.fit(train.x, train.y, { sampleShape: [28, 28, 1], epochs: 1, retrainEpochs: 6, batchSize: 32 });
console.log('done');

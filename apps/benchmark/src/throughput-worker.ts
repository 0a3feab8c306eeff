/**
 * One measurement of the throughput benchmark, in a process of its own (so that every path starts
 * from a clean runtime): trains one network with `trainModel` on random 28×28×1 images and prints
 * one JSON line `{ "imagesPerSecond": …, "backend": …, "native": … }`.
 *
 *   node throughput-worker.js '{"net":"chain","native":true,"threads":2,"steps":20,"batchSize":64}'
 *
 * @module
 */
import { compileArchitecture, initRuntime, trainModel } from '@autonas/tfjs';
import type { Dataset } from '@autonas/data';
import { throughputArchitecture, type ThroughputNet } from './throughput-nets.js';

interface Job {
  net: ThroughputNet;
  native: boolean;
  threads: number;
  steps: number;
  batchSize: number;
}

function randomDataset(size: number, seed: number): Dataset {
  const x = new Float32Array(size * 28 * 28);
  let s = seed;
  for (let i = 0; i < x.length; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    x[i] = s / 2147483648;
  }
  const y = Int32Array.from({ length: size }, (_, i) => i % 10);
  return { x, y, sampleShape: [28, 28, 1], numClasses: 10, size, name: 'random' };
}

const job = JSON.parse(process.argv[2] ?? '{}') as Job;
const info = await initRuntime({ backend: 'wasm', native: job.native, nativeThreads: job.threads, log: () => undefined });
const model = compileArchitecture(throughputArchitecture(job.net), { seed: 1 });
await trainModel(model, randomDataset(2 * job.batchSize, 1), { batchSize: job.batchSize }); // warm-up
const result = await trainModel(model, randomDataset(job.steps * job.batchSize, 2), { batchSize: job.batchSize, seed: 1 });
model.dispose();
console.log(JSON.stringify({ imagesPerSecond: result.samplesPerSecond, backend: info.backend, native: info.native ?? null }));

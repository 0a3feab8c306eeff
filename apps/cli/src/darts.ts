import fs from 'node:fs/promises';
import path from 'node:path';
import { downsample, loadMnist, splitDataset } from '@autonas/data';
import { DartsCellSpace } from '@autonas/space-cell';
import { dartsSearch, type DartsEpochRecord } from '@autonas/strategy-darts';
import { initRuntime } from '@autonas/tfjs';
import type { CliIo } from './io.js';

/** Sizes of `autonas search --strategy darts`: measured to end well within 20 minutes on 2 cores. */
export const DARTS_DEFAULTS = {
  trainSize: 1024,
  searchEpochs: 4,
  searchCells: 3,
  searchChannels: 4,
  retrainEpochs: 8,
  retrainCells: 3,
  retrainChannels: 8,
} as const;

/** What the CLI passes to {@link runDartsSearch}. */
export interface DartsCliOptions {
  readonly trainSize?: number;
  readonly epochs?: number;
  readonly retrainEpochs?: number;
  readonly seed: number;
  readonly out: string;
  readonly backend?: 'tensorflow' | 'wasm' | 'cpu';
}

/**
 * DARTS on MNIST at 14×14: a small cell supernet searched on half of the training images and
 * validated on the other half (first order), the derived cell retrained from scratch in a wider
 * network, and its accuracy on the 10,000 test images that the search never saw.
 */
export async function runDartsSearch(o: DartsCliOptions, io: CliIo): Promise<number> {
  const t0 = performance.now();
  const runtime = await initRuntime({ backend: o.backend, log: (l) => io.out(l) });
  const trainSize = o.trainSize ?? DARTS_DEFAULTS.trainSize;
  const { train, test } = await loadMnist({ trainSize: Math.min(trainSize, 60000) });
  const small = downsample(train, 2);
  const data = splitDataset(small, { fraction: 0.5, seed: o.seed });
  const inputShape = small.sampleShape as [number, number, number];
  const epochs = o.epochs ?? DARTS_DEFAULTS.searchEpochs;
  io.out(`autonas search --strategy darts: MNIST at 14×14, ${data.train.size} images train the supernet's weights and ${data.validation.size} its α; ${test.size} test images never seen by the search`);
  const records: DartsEpochRecord[] = [];
  const r = await dartsSearch({
    space: new DartsCellSpace({ inputShape, numClasses: 10, cells: DARTS_DEFAULTS.searchCells, channels: DARTS_DEFAULTS.searchChannels }),
    data,
    test: downsample(test, 2),
    search: {
      epochs, cells: DARTS_DEFAULTS.searchCells, channels: DARTS_DEFAULTS.searchChannels, order: 1, seed: o.seed,
      onEpoch: (p) => {
        records.push(p);
        io.out(`search epoch ${p.epoch + 1}/${epochs}: supernet validation accuracy ${(p.valAccuracy * 100).toFixed(2)}%; cell ${JSON.stringify(p.genotype.normal)} / ${JSON.stringify(p.genotype.reduce)}`);
      },
    },
    retrain: {
      epochs: o.retrainEpochs ?? DARTS_DEFAULTS.retrainEpochs, seed: o.seed,
      space: new DartsCellSpace({ inputShape, numClasses: 10, cells: DARTS_DEFAULTS.retrainCells, channels: DARTS_DEFAULTS.retrainChannels }),
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  const acc = r.retrained?.testAccuracy;
  io.out('');
  io.out(`derived genotype: ${JSON.stringify(r.genotype)}`);
  io.out(`search: ${r.search.seconds.toFixed(1)} s on the ${runtime.backend} backend, peak RSS ${r.search.peakRssMiB.toFixed(0)} MiB`);
  io.out(`retrained from scratch (${DARTS_DEFAULTS.retrainCells} cells × ${DARTS_DEFAULTS.retrainChannels} channels, ${r.retrained?.params} params) in ${r.retrained?.seconds.toFixed(1)} s`);
  io.out(`test accuracy: ${acc === undefined ? 'n/a' : `${(acc * 100).toFixed(2)}%`} on ${test.size} MNIST test images (14×14)`);
  io.out(`total time: ${seconds.toFixed(1)} s`);
  await fs.mkdir(o.out, { recursive: true });
  await fs.writeFile(path.join(o.out, 'report.json'), JSON.stringify({ strategy: 'darts', seed: o.seed, trainSize, epochs, genotype: r.genotype, search: { seconds: r.search.seconds, peakRssMiB: r.search.peakRssMiB, epochs: records }, retrained: r.retrained, totalSeconds: seconds }, null, 2));
  return 0;
}

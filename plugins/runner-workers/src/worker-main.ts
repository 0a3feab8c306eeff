// Entry point of a worker process: builds the estimator from its spec, then runs one trial at a
// time for the parent. Started by WorkerPoolEstimator with an IPC channel (advanced serialisation).
import { buildEstimator, type PerformanceEstimator } from '@autonas/core';
import type { FromWorker, ToWorker } from './protocol.js';

const send = (m: FromWorker) => process.send!(m);
let estimator: PerformanceEstimator | undefined;
const running = new Map<number, AbortController>();

async function onMessage(m: ToWorker): Promise<void> {
  if (m.t === 'init') {
    try {
      estimator = await buildEstimator(m.spec);
      send({ t: 'ready', name: estimator.name });
    } catch (e) {
      send({ t: 'init-error', message: (e as Error).message ?? String(e), code: (e as { code?: string }).code });
    }
  } else if (m.t === 'abort') {
    running.get(m.job)?.abort(new Error(m.reason));
  } else if (m.t === 'run') {
    const abort = new AbortController();
    running.set(m.job, abort);
    try {
      if (!estimator) throw new Error('the worker has no estimator (init failed)');
      const { artifact, ...estimate } = await estimator.estimate(m.arch, {
        trialId: m.trialId,
        seed: m.seed,
        ...(m.parent ? { parent: m.parent } : {}),
        signal: abort.signal,
        report: (metrics) => send({ t: 'epoch', job: m.job, metrics: { ...metrics } }),
      });
      artifact?.dispose();
      send({ t: 'done', job: m.job, estimate: { ...estimate, metrics: { ...estimate.metrics }, cost: { ...estimate.cost } } });
    } catch (e) {
      send({ t: 'fail', job: m.job, message: (e as Error)?.message ?? String(e), code: (e as { code?: string })?.code });
    } finally {
      running.delete(m.job);
    }
  }
}

if (process.send) {
  process.on('message', (m: ToWorker) => void onMessage(m));
  // The parent going away ends the worker.
  process.on('disconnect', () => process.exit(0));
}

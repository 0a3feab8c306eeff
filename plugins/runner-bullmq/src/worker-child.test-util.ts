// A BullMQ trial worker in its own process, for the kill test. Usage:
//   node --import ../../tools/run-ts/register.mjs src/worker-child.test-util.ts REDIS_URL QUEUE ALLOWED_MODULE
import { startTrialWorker } from './trial-worker.js';

const [redis, queue, allowed] = process.argv.slice(2);
const worker = await startTrialWorker({
  redis: redis!,
  queue,
  allowModules: [allowed!],
  lockDuration: 1000,
  stalledInterval: 500,
  maxStalledCount: 2,
  log: (l) => process.stdout.write(`${l}\n`),
});
process.on('SIGTERM', () => void worker.close());
await worker.done;

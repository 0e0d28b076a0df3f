/**
 * A GPU worker process whose trainer does no training (test/support/noop-trainer): the load benchmark
 * runs several of these to measure orchestration alone. Configured like the real one (TEMPORAL_ADDRESS,
 * NCAP_TASK_QUEUE_GPU, NCAP_GPU_CONCURRENCY); never used by a real sweep.
 */
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createStoreProvider } from '../activities/sweep/store-cache.js';
import type { Tf } from '../activities/tf/tf-namespace.js';
import { createNoopTrainer } from '../test/support/noop-trainer.js';
import { createGpuWorker } from '../workers/create-workers.js';
import { temporalTarget } from '../workers/temporal-config.js';
import { loadConfig } from '../workers/worker-config.js';

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const config = loadConfig();
  const target = temporalTarget();
  const connection = await NativeConnection.connect(target.connectionOptions);
  const stores = createStoreProvider();
  try {
    const worker = await createGpuWorker({
      connection,
      namespace: target.namespace,
      stores,
      tf: async () => ({}) as Tf,
      runTraining: createNoopTrainer(),
      concurrency: config.gpuConcurrency,
      taskQueue: config.taskQueues.gpu,
      shutdownGraceSeconds: 5,
    });
    console.error(`noop gpu worker ${process.pid}: queue ${config.taskQueues.gpu}`);
    await worker.run();
  } finally {
    await stores.closeAll();
    await connection.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

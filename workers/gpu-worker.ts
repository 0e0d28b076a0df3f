/**
 * The GPU worker process: training activities only, on the `ncap-gpu` queue. One training per GPU
 * (NCAP_GPU_CONCURRENCY); on SIGTERM/SIGINT it stops polling and gives running trainings
 * NCAP_SHUTDOWN_GRACE_SECONDS to reach a checkpoint before they are cancelled.
 */
import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createStoreProvider } from '../activities/sweep/store-cache.js';
import { initTf } from '../activities/tf/runtime.js';
import { runCandidateTraining } from '../activities/training/run-candidate-training.js';
import type { Tf } from '../activities/tf/tf-namespace.js';
import { createGpuWorker } from './create-workers.js';
import { temporalTarget } from './temporal-config.js';
import { loadConfig } from './worker-config.js';

export async function runGpuWorker(): Promise<void> {
  const config = loadConfig();
  const target = temporalTarget();
  const connection = await NativeConnection.connect(target.connectionOptions);
  const clientConnection = await Connection.connect(
    target.connectionOptions as Parameters<typeof Connection.connect>[0],
  );
  const stores = createStoreProvider();
  const runtime = await initTf();
  const tf = async (): Promise<Tf> => runtime.tf;
  try {
    const worker = await createGpuWorker({
      connection,
      clientConnection,
      namespace: target.namespace,
      stores,
      tf,
      runTraining: runCandidateTraining,
      concurrency: config.gpuConcurrency,
      shutdownGraceSeconds: config.shutdownGraceSeconds,
      ...(process.env.NCAP_TASK_QUEUE_GPU ? { taskQueue: process.env.NCAP_TASK_QUEUE_GPU } : {}),
    });
    console.error(
      `ncap gpu worker: queue ${worker.options.taskQueue}, concurrency ${config.gpuConcurrency}, tf backend ${runtime.backend}`,
    );
    await worker.run();
  } finally {
    await stores.closeAll();
    await clientConnection.close();
    await connection.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runGpuWorker().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}

/**
 * The GPU worker process: training activities only, on the GPU queue (`NCAP_TASK_QUEUE_GPU`, default
 * `ncap-gpu`). One training per GPU (NCAP_GPU_CONCURRENCY). On SIGTERM/SIGINT it stops polling, and each
 * running training stops after its current epoch's checkpoint and is retried on another worker from it;
 * one still running after NCAP_SHUTDOWN_GRACE_SECONDS is cancelled and resumes from its last checkpoint.
 */
import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createStoreProvider } from '../activities/sweep/store-cache.js';
import { initTf } from '../activities/tf/runtime.js';
import { runCandidateTraining } from '../activities/training/run-candidate-training.js';
import type { Tf } from '../activities/tf/tf-namespace.js';
import { createGpuWorker, logStoreOutage } from './create-workers.js';
import { temporalTarget } from './temporal-config.js';
import { loadConfig } from './worker-config.js';

export async function runGpuWorker(): Promise<void> {
  const config = loadConfig();
  const target = temporalTarget();
  const connection = await NativeConnection.connect(target.connectionOptions);
  const clientConnection = await Connection.connect(
    target.connectionOptions as Parameters<typeof Connection.connect>[0],
  );
  const stores = createStoreProvider({ outageRetry: { onRetry: logStoreOutage } });
  const runtime = await initTf();
  const tf = async (): Promise<Tf> => runtime.tf;
  // The SDK stops polling on these signals and waits the grace time; the trainings learn of it here, so
  // each stops after its next epoch checkpoint and its retry elsewhere loses nothing.
  const drain = new AbortController();
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => drain.abort(signal));
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
      drain: drain.signal,
      taskQueue: config.taskQueues.gpu,
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

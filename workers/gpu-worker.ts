/**
 * The GPU worker process: training activities only, on the GPU queue (`NCAP_TASK_QUEUE_GPU`, default
 * `ncap-gpu`). One training per GPU (NCAP_GPU_CONCURRENCY). On SIGTERM/SIGINT it stops polling, and each
 * running training stops after its current epoch's checkpoint and is retried on another worker from it;
 * one still running after NCAP_SHUTDOWN_GRACE_SECONDS is cancelled and resumes from its last checkpoint.
 * `ncap worker gpu` runs several of these under a supervisor (gpu-worker-pool.ts); the deployments run
 * one per container.
 */
import { Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createStoreProvider } from '../activities/sweep/store-cache.js';
import { initTf } from '../activities/tf/runtime.js';
import { runCandidateTraining } from '../activities/training/run-candidate-training.js';
import type { Tf } from '../activities/tf/tf-namespace.js';
import { createGpuWorker, logStoreOutage } from './create-workers.js';
import { GPU_WORKER_READY, type GpuWorkerReadyMessage } from './gpu-worker-pool.js';
import { codecFromEnv } from './payload-codec.js';
import { temporalTarget } from './temporal-config.js';
import { loadConfig } from './worker-config.js';

export async function runGpuWorker(): Promise<void> {
  const config = loadConfig();
  if (config.logLevel) Runtime.install({ logger: new DefaultLogger(config.logLevel) });
  const codec = codecFromEnv();
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
  // Under a pool, the supervisor's going away means the same (once: a second signal would kill).
  const orphaned = (): void => {
    // Our output went to the supervisor: a write to the closed pipe must not end the shutdown early.
    for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
    if (!drain.signal.aborted) process.kill(process.pid, 'SIGTERM');
  };
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
      ...(codec ? { codec } : {}),
      taskQueue: config.taskQueues.gpu,
    });
    console.error(
      `ncap gpu worker: queue ${worker.options.taskQueue}, concurrency ${config.gpuConcurrency}, tf backend ${runtime.backend}`,
    );
    if (process.send) {
      // Forked by a pool (gpu-worker-pool.ts): say we poll, and shut down when the supervisor goes away,
      // so a killed supervisor leaves no worker behind.
      process.once('disconnect', orphaned);
      const ready: GpuWorkerReadyMessage = {
        type: GPU_WORKER_READY,
        backend: runtime.backend,
        taskQueue: worker.options.taskQueue,
      };
      if (process.connected) process.send(ready);
      else orphaned();
    }
    await worker.run();
  } finally {
    // The listener holds the IPC channel open; without it the process can exit.
    process.off('disconnect', orphaned);
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

/**
 * Real sweeps on the embedded stack, for the demo and the benchmark scripts: the configured Temporal
 * (TEMPORAL_ADDRESS and the other standard variables) or the Temporal dev server started here, the
 * orchestrator worker in this process, the trainings in a pool of GPU worker processes (one per core on
 * the CPU backends: the wasm backend is single-threaded), and a callback that runs sweeps to completion.
 * What was started is stopped at the end.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { SweepSpec } from '../../activities/spec/sweep-spec.js';
import type { ArtifactStore } from '../../activities/store/artifact-store.js';
import { createStoreProvider } from '../../activities/sweep/store-cache.js';
import type { TfBackendName } from '../../activities/tf/runtime.js';
import {
  DEFAULT_TASK_QUEUES,
  type SweepProgress,
  type SweepResult,
  type TaskQueues,
} from '../../workflows/sweep-api.js';
import { createOrchestratorWorker } from '../../workers/create-workers.js';
import {
  startGpuWorkerPool,
  type GpuWorkerPool,
  type GpuWorkerProcesses,
} from '../../workers/gpu-worker-pool.js';
import { temporalTarget } from '../../workers/temporal-config.js';
import { startDevStack, stopDevStack } from '../dev/stack.js';
import { startSweep, sweepProgress } from './sweep-client.js';
import { watchSweep } from './watch-sweep.js';

/** Seconds a stopping worker process gives its trainings to reach a checkpoint. */
const SHUTDOWN_GRACE_SECONDS = 30;

export interface LocalSweeps {
  client: Client;
  /** The artifact store the sweeps write to. */
  store: ArtifactStore;
  storeUri: string;
  /** TF.js backend the worker processes train with. */
  backend: TfBackendName;
  /** Training worker processes running. */
  processes: number;
  /** True when the Temporal dev server was started here (and is stopped at the end). */
  startedStack: boolean;
  /**
   * Runs one sweep to its end (idempotent per `spec.id`: finished candidates of an earlier run of the same
   * id are reused, the others resume from their checkpoints) and returns its result.
   * @param onProgress called every `pollSeconds` with the sweep's progress
   */
  run(
    spec: SweepSpec,
    onProgress?: (progress: SweepProgress) => void | Promise<void>,
    pollSeconds?: number,
  ): Promise<SweepResult>;
  /** As {@link run}, drawing one progress bar per candidate in the terminal. */
  watch(spec: SweepSpec): Promise<SweepResult>;
}

export interface LocalSweepsOptions {
  storeUri: string;
  /** Temporal address; without one (and without TEMPORAL_ADDRESS…) the dev server is started. */
  temporalAddress?: string;
  /** Own task queues (tests). @default the standard queues */
  taskQueues?: TaskQueues;
  /**
   * Training worker processes: a count, or `auto` (one per core on the CPU backends, one per GPU on
   * tfjs-node-gpu).
   * @default 'auto'
   */
  processes?: GpuWorkerProcesses;
  /** Trainings each worker process runs at once. @default 1 */
  gpuConcurrency?: number;
  log: (line: string) => void;
  /** The worker processes' output, each line prefixed `[worker N]`. @default log */
  workerLog?: (line: string) => void;
}

/** Runs `body` with {@link LocalSweeps}; stops the workers (and a dev server started here) afterwards. */
export async function withLocalSweeps<T>(
  options: LocalSweepsOptions,
  body: (sweeps: LocalSweeps) => Promise<T>,
): Promise<T> {
  const { log } = options;
  const queues = options.taskQueues ?? DEFAULT_TASK_QUEUES;
  const stores = createStoreProvider();
  let address = options.temporalAddress;
  let startedStack = false;
  const target = temporalTarget(address ? { address } : {});
  if (!address && target.isDefault) {
    const stack = await startDevStack({ s3: false });
    address = stack.info.temporal.address;
    startedStack = !stack.reused;
    log(
      `${stack.reused ? 'Using the running' : 'Started the'} Temporal dev server at ${address} (UI ${stack.info.temporal.uiUrl})`,
    );
  }
  const connectionOptions = address ? { ...target.connectionOptions, address } : target.connectionOptions;
  let pool: GpuWorkerPool | undefined;
  let native: NativeConnection | undefined;
  let connection: Connection | undefined;
  try {
    native = await NativeConnection.connect(connectionOptions);
    connection = await Connection.connect(connectionOptions as Parameters<typeof Connection.connect>[0]);
    const client = new Client({ connection, namespace: target.namespace });
    // The worker processes read the same configuration from their environment. Payloads stay plain, as
    // for this process's client and orchestrator.
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...(address ? { TEMPORAL_ADDRESS: address } : {}),
      TEMPORAL_NAMESPACE: target.namespace,
      NCAP_TASK_QUEUE_GPU: queues.gpu,
      NCAP_GPU_CONCURRENCY: String(options.gpuConcurrency ?? 1),
      NCAP_SHUTDOWN_GRACE_SECONDS: String(SHUTDOWN_GRACE_SECONDS),
      // The SDK's and the activities' INFO lines (one per epoch and candidate) would bury the progress.
      NCAP_LOG_LEVEL: process.env.NCAP_LOG_LEVEL || 'WARN',
    };
    delete env.NCAP_CODEC_KEYS;
    delete env.NCAP_CODEC_KEYS_FILE;
    pool = startGpuWorkerPool({
      processes: options.processes ?? 'auto',
      env,
      log,
      workerLog: options.workerLog ?? log,
      stopTimeoutSeconds: SHUTDOWN_GRACE_SECONDS + 30,
    });
    // Bundling the workflows takes seconds: meanwhile the worker processes load TF.js.
    const orchestrator = await createOrchestratorWorker({
      connection: native,
      namespace: target.namespace,
      stores,
      defaultStoreUri: options.storeUri,
      taskQueue: queues.orchestrator,
    });
    const ready = await Promise.race([pool.ready, pool.failed]);
    const failed = pool.failed;
    const sweeps: LocalSweeps = {
      client,
      store: stores.get(options.storeUri),
      storeUri: options.storeUri,
      backend: ready.backend,
      processes: ready.processes,
      startedStack,
      async run(spec, onProgress, pollSeconds = 15) {
        const started = await startSweep(client, {
          spec,
          defaultStoreUri: options.storeUri,
          taskQueues: queues,
        });
        const done = started.handle.result();
        let finished = false;
        void done.finally(() => (finished = true)).catch(() => undefined);
        while (onProgress && !finished) {
          await Promise.race([done, new Promise((r) => setTimeout(r, pollSeconds * 1000))]).catch(
            () => undefined,
          );
          if (!finished) await onProgress(await sweepProgress(client, started.sweepId));
        }
        return done;
      },
      async watch(spec) {
        const started = await startSweep(client, {
          spec,
          defaultStoreUri: options.storeUri,
          taskQueues: queues,
        });
        return watchSweep(client, started.sweepId);
      },
    };
    // A crash-looping worker pool ends the run instead of leaving the sweep waiting for trainings.
    return await orchestrator.runUntil(Promise.race([body(sweeps), failed]));
  } finally {
    await pool?.stop();
    await stores.closeAll();
    await native?.close();
    await connection?.close();
    if (startedStack) {
      await stopDevStack();
      log('Stopped the Temporal dev server started here.');
    }
  }
}

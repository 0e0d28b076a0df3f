/**
 * Real sweeps on an embedded stack, for scripts: the configured Temporal (TEMPORAL_ADDRESS and the other
 * standard variables) or the Temporal dev server started here, an orchestrator and a GPU worker in this
 * process (as `npm run demo` runs them), and a callback that runs sweeps to completion. What was started
 * is stopped at the end.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { SweepSpec } from '../../../activities/spec/sweep-spec.js';
import type { ArtifactStore } from '../../../activities/store/artifact-store.js';
import { createStoreProvider } from '../../../activities/sweep/store-cache.js';
import { initTf } from '../../../activities/tf/runtime.js';
import { runCandidateTraining } from '../../../activities/training/run-candidate-training.js';
import type { Tf } from '../../../activities/tf/tf-namespace.js';
import type { SweepProgress, SweepResult } from '../../../workflows/sweep-api.js';
import { createGpuWorker, createOrchestratorWorker } from '../../../workers/create-workers.js';
import { temporalTarget } from '../../../workers/temporal-config.js';
import { startDevStack, stopDevStack } from '../../dev/stack.js';
import { startSweep, sweepProgress } from '../../sweeps/sweep-client.js';

export interface LocalSweeps {
  /** The artifact store the sweeps write to. */
  store: ArtifactStore;
  storeUri: string;
  /** TF.js backend the in-process GPU worker trains with. */
  backend: string;
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
}

export interface LocalSweepsOptions {
  storeUri: string;
  /** Trainings the in-process GPU worker runs at once. @default 1 */
  gpuConcurrency?: number;
  log: (line: string) => void;
}

/** Runs `body` with {@link LocalSweeps}; stops the workers (and a dev server started here) afterwards. */
export async function withLocalSweeps<T>(
  options: LocalSweepsOptions,
  body: (sweeps: LocalSweeps) => Promise<T>,
): Promise<T> {
  const { log } = options;
  const stores = createStoreProvider();
  let address: string | undefined;
  let startedStack = false;
  const target = temporalTarget({});
  if (target.isDefault) {
    const stack = await startDevStack({ s3: false });
    address = stack.info.temporal.address;
    startedStack = !stack.reused;
    log(`${stack.reused ? 'using the running' : 'started the'} Temporal dev server at ${address}`);
  }
  const connectionOptions = address ? { ...target.connectionOptions, address } : target.connectionOptions;
  const native = await NativeConnection.connect(connectionOptions);
  const connection = await Connection.connect(connectionOptions as Parameters<typeof Connection.connect>[0]);
  const client = new Client({ connection, namespace: target.namespace });
  try {
    const runtime = await initTf({ logger: { info: log, warn: log } });
    const tf = async (): Promise<Tf> => runtime.tf as Tf;
    const orchestrator = await createOrchestratorWorker({
      connection: native,
      namespace: target.namespace,
      stores,
      defaultStoreUri: options.storeUri,
    });
    const gpu = await createGpuWorker({
      connection: native,
      clientConnection: connection,
      namespace: target.namespace,
      stores,
      tf,
      runTraining: runCandidateTraining,
      concurrency: options.gpuConcurrency ?? 1,
      shutdownGraceSeconds: 30,
    });
    const sweeps: LocalSweeps = {
      store: stores.get(options.storeUri),
      storeUri: options.storeUri,
      backend: runtime.backend,
      async run(spec, onProgress, pollSeconds = 15) {
        const started = await startSweep(client, { spec, defaultStoreUri: options.storeUri });
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
    };
    return await orchestrator.runUntil(gpu.runUntil(() => body(sweeps)));
  } finally {
    await stores.closeAll();
    await native.close();
    await connection.close();
    if (startedStack) {
      await stopDevStack();
      log('stopped the Temporal dev server started here');
    }
  }
}

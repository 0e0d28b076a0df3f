/**
 * A sweep test bench on the real servers: a MinIO bucket as the store, tiny real TF.js candidates on
 * disk, an orchestrator and a GPU worker in this process on queues of their own.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import {
  validateSweepSpec,
  type SweepSpec,
  type SweepSpecInput,
} from '../../../activities/spec/sweep-spec.js';
import {
  createStoreProvider,
  type StoreProvider,
  type StoreProviderOptions,
} from '../../../activities/sweep/store-cache.js';
import type { RunTraining } from '../../../activities/sweep/training-activities.js';
import { runCandidateTraining } from '../../../activities/training/run-candidate-training.js';
import type { Tf } from '../../../activities/tf/tf-namespace.js';
import { startSweep, type StartedSweep } from '../../../scripts/sweeps/sweep-client.js';
import { createGpuWorker, createOrchestratorWorker } from '../../../workers/create-workers.js';
import {
  createTestBucket,
  stack,
  testS3Options,
  uniqueTaskQueue,
  type DevStackInfo,
} from '../../helpers/stack.js';
import {
  saveModel,
  syntheticImages,
  tempDir,
  tf,
  tinyConvModel,
  useCpuBackend,
  writeSafetensorsDataset,
} from '../../unit/training/helpers.js';

export interface SweepBench {
  client: Client;
  connection: Connection;
  nativeConnection: NativeConnection;
  stores: StoreProvider;
  bucket: Awaited<ReturnType<typeof createTestBucket>>;
  dir: string;
  taskQueues: { orchestrator: string; gpu: string };
  datasetUri: string;
  /** Saves a tiny conv model; returns its model.json URI. */
  model(
    name: string,
    options?: Parameters<typeof tinyConvModel>[0] & { nanWeights?: boolean },
  ): Promise<string>;
  spec(input: Omit<SweepSpecInput, 'dataset'> & { dataset?: SweepSpecInput['dataset'] }): SweepSpec;
  orchestrator(): Promise<Worker>;
  gpu(options?: { runTraining?: RunTraining; concurrency?: number }): Promise<Worker>;
  start(spec: SweepSpec, sweepId?: string, options?: { searchAttributes?: boolean }): Promise<StartedSweep>;
  close(): Promise<void>;
}

/**
 * @param options.servers another stack than the run's shared one (fault tests that stop servers).
 * @param options.storeProvider extra store-provider options (e.g. a shorter outage retry).
 */
export async function createSweepBench(
  label: string,
  options: { servers?: DevStackInfo; storeProvider?: Omit<StoreProviderOptions, 's3'> } = {},
): Promise<SweepBench> {
  await useCpuBackend();
  const servers = options.servers ?? stack();
  const bucket = await createTestBucket(label, servers);
  const { path: dir, cleanup } = await tempDir(`ncap-sweep-${label}`);
  const nativeConnection = await NativeConnection.connect({ address: servers.temporal.address });
  const connection = await Connection.connect({ address: servers.temporal.address });
  const client = new Client({ connection });
  const stores = createStoreProvider({ ...options.storeProvider, s3: testS3Options(servers) });
  const taskQueues = { orchestrator: uniqueTaskQueue(`${label}-orch`), gpu: uniqueTaskQueue(`${label}-gpu`) };
  const datasetUri = await writeSafetensorsDataset(join(dir, 'data'), syntheticImages(96, 3, 8, 8, 1, 11));
  const tfRuntime = async (): Promise<Tf> => tf as unknown as Tf;

  return {
    client,
    connection,
    nativeConnection,
    stores,
    bucket,
    dir,
    taskQueues,
    datasetUri,
    async model(name, options = {}) {
      const model = tinyConvModel({ classes: 3, ...options });
      if (options.nanWeights) {
        const [kernel, ...rest] = model.getWeights();
        model.setWeights([tf.fill(kernel!.shape, NaN), ...rest]);
      }
      const modelDir = join(dir, 'zoo', name);
      await mkdir(modelDir, { recursive: true });
      const uri = await saveModel(model, modelDir);
      model.dispose();
      return uri;
    },
    spec(input) {
      // A fixed window of 2 epochs; a halving spec trains to its rungs instead.
      const epochs = input.budget?.strategy === 'halving' ? {} : { epochs: 2 };
      return validateSweepSpec({
        dataset: { uri: datasetUri, normalisation: '[0,1]', validationFraction: 0.25, seed: 1 },
        training: { ...epochs, batchSize: 16, snapshotEvery: 2, heartbeatTimeoutSeconds: 10 },
        probe: { widths: [8, 6, 4] },
        store: bucket.uri,
        ...input,
      });
    },
    orchestrator: () =>
      createOrchestratorWorker({
        connection: nativeConnection,
        namespace: 'default',
        taskQueue: taskQueues.orchestrator,
        stores,
        defaultStoreUri: bucket.uri,
      }),
    gpu: (options = {}) =>
      createGpuWorker({
        connection: nativeConnection,
        clientConnection: connection,
        namespace: 'default',
        taskQueue: taskQueues.gpu,
        stores,
        tf: tfRuntime,
        runTraining: options.runTraining ?? runCandidateTraining,
        concurrency: options.concurrency ?? 2,
        shutdownGraceSeconds: 5,
        // Cancellations land within about a second (production: within 5 s).
        heartbeatIntervalMs: 250,
        workerOptions: { maxHeartbeatThrottleInterval: '500 milliseconds' },
      }),
    start: (spec, sweepId, options = {}) =>
      startSweep(client, {
        spec,
        ...(sweepId ? { sweepId } : {}),
        defaultStoreUri: bucket.uri,
        taskQueues,
        searchAttributes: options.searchAttributes ?? false,
      }),
    async close() {
      await stores.closeAll();
      await nativeConnection.close();
      await connection.close();
      await bucket.cleanup();
      await cleanup();
    },
  };
}

/** Runs both workers until `fn` settles. */
export async function withWorkers<T>(
  bench: SweepBench,
  fn: () => Promise<T>,
  gpuOptions?: Parameters<SweepBench['gpu']>[0],
): Promise<T> {
  const [orchestrator, gpu] = await Promise.all([bench.orchestrator(), bench.gpu(gpuOptions)]);
  return orchestrator.runUntil(gpu.runUntil(fn()));
}

/**
 * Runs one sweep spec to completion on the embedded defaults: the configured Temporal (TEMPORAL_ADDRESS…)
 * or a dev server started here, an orchestrator and a GPU worker in this process, the given store; returns
 * the result and the report, and stops what it started.
 */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { SweepReport } from '../../activities/scoring/report-types.js';
import type { SweepSpec } from '../../activities/spec/sweep-spec.js';
import { createStoreProvider } from '../../activities/sweep/store-cache.js';
import { sweepKeys } from '../../activities/store/keys.js';
import { initTf } from '../../activities/tf/runtime.js';
import { runCandidateTraining } from '../../activities/training/run-candidate-training.js';
import type { Tf } from '../../activities/tf/tf-namespace.js';
import type { SweepResult } from '../../workflows/sweep-api.js';
import { createGpuWorker, createOrchestratorWorker } from '../../workers/create-workers.js';
import { temporalTarget } from '../../workers/temporal-config.js';
import { watchSweep } from '../commands/sweep.js';
import { startDevStack, stopDevStack } from '../dev/stack.js';
import { startSweep } from './sweep-client.js';

export interface LocalSweepOptions {
  spec: SweepSpec;
  sweepId: string;
  storeUri: string;
  /** Forget finished candidates of an earlier run with this id. @default false */
  fresh?: boolean;
  /** Temporal address; without one (and without TEMPORAL_ADDRESS) the dev server is started. */
  temporalAddress?: string;
  /** Own task queues (tests). @default the standard queues */
  taskQueues?: { orchestrator: string; gpu: string };
  /** Draw progress bars. @default true */
  progress?: boolean;
  log?: (line: string) => void;
}

export interface LocalSweepOutcome {
  result: SweepResult;
  report: SweepReport;
  /** Path (file store) or URI of report.html. */
  reportHtml: string;
  wallSeconds: number;
  backend: string;
}

export async function runLocalSweep(options: LocalSweepOptions): Promise<LocalSweepOutcome> {
  const log = options.log ?? ((line: string) => console.error(line));
  const t0 = performance.now();
  const { sweepId, storeUri, spec } = options;
  const stores = createStoreProvider();
  const store = stores.get(storeUri);
  if (options.fresh) {
    const removed = await store.deletePrefix(sweepKeys(sweepId).root);
    if (removed > 0) log(`--fresh: removed ${removed} objects of the earlier run ${sweepId}`);
  }
  let address = options.temporalAddress;
  let startedStack = false;
  const target = temporalTarget(address ? { address } : {});
  if (!address && target.isDefault) {
    const stack = await startDevStack({ s3: false });
    address = stack.info.temporal.address;
    startedStack = !stack.reused;
    log(`${stack.reused ? 'Using the running' : 'Started the'} Temporal dev server at ${address}`);
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
      defaultStoreUri: storeUri,
      ...(options.taskQueues ? { taskQueue: options.taskQueues.orchestrator } : {}),
    });
    const gpu = await createGpuWorker({
      connection: native,
      clientConnection: connection,
      namespace: target.namespace,
      stores,
      tf,
      runTraining: runCandidateTraining,
      concurrency: 1,
      shutdownGraceSeconds: 30,
      ...(options.taskQueues ? { taskQueue: options.taskQueues.gpu } : {}),
    });
    const result = await orchestrator.runUntil(
      gpu.runUntil(async () => {
        const started = await startSweep(client, {
          spec,
          sweepId,
          defaultStoreUri: storeUri,
          ...(options.taskQueues ? { taskQueues: options.taskQueues } : {}),
        });
        return options.progress === false ? started.handle.result() : watchSweep(client, sweepId);
      }),
    );
    const report = JSON.parse(
      Buffer.from(await store.get(sweepKeys(sweepId).reportJson)).toString('utf8'),
    ) as SweepReport;
    const reportHtml = storeUri.startsWith('file://')
      ? join(fileURLToPath(storeUri), sweepKeys(sweepId).reportHtml)
      : `${storeUri.replace(/\/$/, '')}/${sweepKeys(sweepId).reportHtml}`;
    return {
      result,
      report,
      reportHtml,
      wallSeconds: (performance.now() - t0) / 1000,
      backend: runtime.backend,
    };
  } finally {
    await stores.closeAll();
    await native.close();
    await connection.close();
    if (startedStack) {
      await stopDevStack();
      log('Stopped the Temporal dev server this run started.');
    }
  }
}

/**
 * Worker factories shared by the process entry points, the demo (in-process workers) and the tests.
 * The GPU worker runs training only; the orchestrator runs workflows and the light activities.
 */
import { fileURLToPath } from 'node:url';
import { Client, type Connection } from '@temporalio/client';
import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createSmokeActivities } from '../activities/smoke-activities.js';
import { createOrchestratorActivities } from '../activities/sweep/orchestrator-activities.js';
import type { StoreProvider } from '../activities/sweep/store-cache.js';
import { createTrainingActivities, type RunTraining } from '../activities/sweep/training-activities.js';
import type { SweepReport } from '../activities/scoring/report-types.js';
import { renderReportHtml } from '../activities/report/report-html.js';
import type { Tf } from '../activities/tf/tf-namespace.js';
import type { PayloadCodec } from '@temporalio/common';
import { candidateProgressSignal, DEFAULT_TASK_QUEUES } from '../workflows/sweep-api.js';
import { dataConverterOption } from './payload-codec.js';

/** How long one progress signal may take, retries included, before it is dropped (ms). */
const PROGRESS_SIGNAL_DEADLINE_MS = 10_000;

/** The workflows entry next to this file: `.ts` when run from source (tests), `.js` from dist. */
const WORKFLOWS_PATH = fileURLToPath(
  new URL(`../workflows/index${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url),
);

/** Worker-log line for each wait of the store's outage retry (`OutageRetryOptions.onRetry`). */
export function logStoreOutage(event: {
  operation: string;
  key: string;
  attempt: number;
  delayMs: number;
  error: Error;
}): void {
  console.error(
    `ncap worker: store unavailable (${event.operation} ${event.key}: ${event.error.message}); try ${event.attempt + 1} in ${Math.round(event.delayMs / 1000)} s`,
  );
}

export interface CommonWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  stores: StoreProvider;
  /** @default the role's queue in DEFAULT_TASK_QUEUES (the process entry points pass the configured one) */
  taskQueue?: string;
  /** Extra Worker options (tests shorten timeouts, benchmarks raise concurrency). */
  workerOptions?: Partial<WorkerOptions>;
  /** Payload codec (encryption); clients must use the same keys. @default none: plain payloads */
  codec?: PayloadCodec;
}

export interface OrchestratorWorkerOptions extends CommonWorkerOptions {
  /** Default store of the smoke activity. */
  defaultStoreUri: string;
  /** Prebuilt bundle (production); otherwise workflows are bundled from source at start-up. */
  workflowBundlePath?: string;
  /** @default the standard HTML report */
  renderHtml?: (report: SweepReport) => Promise<string>;
}

export async function createOrchestratorWorker(options: OrchestratorWorkerOptions): Promise<Worker> {
  const workflows = options.workflowBundlePath
    ? { workflowBundle: { codePath: options.workflowBundlePath } }
    : { workflowsPath: WORKFLOWS_PATH };
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue ?? DEFAULT_TASK_QUEUES.orchestrator,
    ...dataConverterOption(options.codec),
    ...workflows,
    activities: {
      ...createOrchestratorActivities({
        stores: options.stores,
        renderHtml: options.renderHtml ?? ((report) => renderReportHtml(report)),
      }),
      ...createSmokeActivities({ store: options.stores.get(options.defaultStoreUri) }),
    },
    ...options.workerOptions,
  });
}

export interface GpuWorkerOptions extends CommonWorkerOptions {
  tf: () => Promise<Tf>;
  runTraining: RunTraining;
  /** Trainings at once: the number of GPUs (or 1 on CPU). @default 1 */
  concurrency?: number;
  /** Time for running trainings to reach a checkpoint after SIGTERM, seconds. @default 120 */
  shutdownGraceSeconds?: number;
  /** Connection for the progress signals to sweep workflows. @default no progress signals */
  clientConnection?: Connection;
  /** Heartbeat cadence of a training, milliseconds (also bounds how fast a cancellation lands). @default 2000 */
  heartbeatIntervalMs?: number;
  /**
   * Fires when the worker starts shutting down (the process entry point ties it to SIGTERM/SIGINT):
   * running trainings stop after their next epoch checkpoint instead of waiting to be cancelled.
   * @default never
   */
  drain?: AbortSignal;
}

export async function createGpuWorker(options: GpuWorkerOptions): Promise<Worker> {
  const client = options.clientConnection
    ? new Client({
        connection: options.clientConnection,
        namespace: options.namespace,
        ...dataConverterOption(options.codec),
      })
    : undefined;
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue ?? DEFAULT_TASK_QUEUES.gpu,
    ...dataConverterOption(options.codec),
    activities: createTrainingActivities({
      stores: options.stores,
      tf: options.tf,
      runTraining: options.runTraining,
      ...(options.drain ? { drain: options.drain } : {}),
      ...(options.heartbeatIntervalMs !== undefined
        ? { heartbeatIntervalMs: options.heartbeatIntervalMs }
        : {}),
      ...(client
        ? {
            // Best effort, with a deadline: during a server outage the client would otherwise keep
            // retrying a stale progress signal long after its training moved on (or its connection closed).
            reportProgress: async (workflowId, progress) => {
              await client.withDeadline(Date.now() + PROGRESS_SIGNAL_DEADLINE_MS, () =>
                client.workflow.getHandle(workflowId).signal(candidateProgressSignal, progress),
              );
            },
          }
        : {}),
    }),
    maxConcurrentActivityTaskExecutions: options.concurrency ?? 1,
    // Heartbeats carry cancellation back to the training: send them at least every 5 s (instead of
    // 0.8 × heartbeatTimeout) so a cancelled candidate stops within seconds, at its next batch.
    maxHeartbeatThrottleInterval: '5 seconds',
    shutdownGraceTime: `${options.shutdownGraceSeconds ?? 120} seconds`,
    ...options.workerOptions,
  });
}

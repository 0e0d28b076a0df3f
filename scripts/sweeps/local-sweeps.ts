/**
 * Real sweeps on the embedded stack, for the demo and the benchmark scripts: the configured Temporal
 * (TEMPORAL_ADDRESS and the other standard variables) or the Temporal dev server started here, the
 * orchestrator worker in this process, the trainings in a pool of GPU worker processes (one per core on
 * the CPU backends: the wasm backend is single-threaded), and a callback that runs sweeps to completion.
 * What was started is stopped at the end; a dev server other ncap processes still use is left to the last
 * of them (scripts/dev/stack-leases.ts).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection, WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';
import type { SweepSpec } from '../../activities/spec/sweep-spec.js';
import type { ArtifactStore } from '../../activities/store/artifact-store.js';
import { createStoreProvider, type StoreProvider } from '../../activities/sweep/store-cache.js';
import type { TfBackendName } from '../../activities/tf/runtime.js';
import {
  cancelSweepSignal,
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
import { leaseDevStack, releaseDevStack, type StackLease } from '../dev/stack-leases.js';
import { startSweep, sweepProgress, sweepResultThroughOutages, type StartedSweep } from './sweep-client.js';
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
  /**
   * True when the Temporal dev server was started here (and is stopped at the end, unless other ncap
   * processes still use it: then the last of them stops it).
   */
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
  /**
   * Ctrl-C: when it fires, a running sweep is cancelled (its trainings checkpoint) and waited for, what was
   * started is stopped, and the call rejects with {@link SweepInterruptedError}.
   */
  signal?: AbortSignal;
}

/** The run was interrupted (Ctrl-C); its sweep was cancelled and everything started was stopped. */
export class SweepInterruptedError extends Error {
  override name = 'SweepInterruptedError';
  constructor(readonly sweepId?: string) {
    super(sweepId ? `interrupted: sweep ${sweepId} cancelled` : 'interrupted');
  }
}

/** Seconds a cancelled sweep gets to score what finished and close before it is terminated. */
const CANCEL_GRACE_SECONDS = 60;

/** Rejects with {@link SweepInterruptedError} once `signal` fires (never, without one). */
function interrupted(signal: AbortSignal | undefined, sweepId?: string): Promise<never> {
  const promise = new Promise<never>((_, reject) => {
    if (!signal) return;
    const fire = () => reject(new SweepInterruptedError(sweepId));
    if (signal.aborted) fire();
    else signal.addEventListener('abort', fire, { once: true });
  });
  promise.catch(() => undefined);
  return promise;
}

/**
 * Ends a sweep this process started: the cancel signal (running trainings stop at their next batch and
 * keep their checkpoint; what finished is scored), then termination if it has not closed in time.
 */
async function cancelStartedSweep(handle: WorkflowHandle, log: (line: string) => void): Promise<void> {
  try {
    await handle.signal(cancelSweepSignal);
    const grace = new AbortController();
    const closed = await Promise.race([
      handle.result().then(
        () => true,
        () => true,
      ),
      sleep(CANCEL_GRACE_SECONDS * 1000, undefined, { signal: grace.signal }).then(
        () => false,
        () => true,
      ),
    ]);
    grace.abort();
    if (!closed) await handle.terminate(`not closed ${CANCEL_GRACE_SECONDS} s after its cancellation`);
  } catch (error) {
    // Already closed: nothing to cancel.
    if (!(error instanceof WorkflowNotFoundError))
      log(`could not cancel sweep ${handle.workflowId}: ${(error as Error).message}`);
  }
}

/** The Temporal the sweeps run on: the configured one, else the dev server (started, or shared, here). */
interface SweepsTemporal {
  /** The address given or leased; undefined when Temporal's standard configuration names it. */
  address: string | undefined;
  namespace: string;
  connectionOptions: NativeConnectionOptions;
  /** True when the dev server was started here. */
  startedStack: boolean;
  /** The dev server's lease, to release at the end. */
  lease?: StackLease;
}

async function sweepsTemporal(options: LocalSweepsOptions): Promise<SweepsTemporal> {
  const target = temporalTarget(options.temporalAddress ? { address: options.temporalAddress } : {});
  const dev = !options.temporalAddress && target.isDefault ? await leaseDevServer(options.log) : undefined;
  const address = dev ? dev.address : options.temporalAddress;
  return {
    address,
    namespace: target.namespace,
    connectionOptions: address ? { ...target.connectionOptions, address } : target.connectionOptions,
    startedStack: dev?.started ?? false,
    ...(dev ? { lease: dev.lease } : {}),
  };
}

async function leaseDevServer(
  log: (line: string) => void,
): Promise<{ address: string; started: boolean; lease: StackLease }> {
  const { lease, stack } = await leaseDevStack({ s3: false });
  const address = stack.info.temporal.address;
  log(
    `${stack.reused ? 'Using the running' : 'Started the'} Temporal dev server at ${address} (pid ${stack.pids.temporal}, UI ${stack.info.temporal.uiUrl})`,
  );
  return { address, started: !stack.reused, lease };
}

/** The worker processes read the same configuration from their environment. */
function workerProcessEnv(
  options: LocalSweepsOptions,
  temporal: SweepsTemporal,
  queues: TaskQueues,
): NodeJS.ProcessEnv {
  // Payloads stay plain, as for this process's client and orchestrator.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...(temporal.address ? { TEMPORAL_ADDRESS: temporal.address } : {}),
    TEMPORAL_NAMESPACE: temporal.namespace,
    NCAP_TASK_QUEUE_GPU: queues.gpu,
    NCAP_GPU_CONCURRENCY: String(options.gpuConcurrency ?? 1),
    NCAP_SHUTDOWN_GRACE_SECONDS: String(SHUTDOWN_GRACE_SECONDS),
    // The SDK's and the activities' INFO lines (one per epoch and candidate) would bury the progress.
    NCAP_LOG_LEVEL: process.env.NCAP_LOG_LEVEL || 'WARN',
  };
  delete env.NCAP_CODEC_KEYS;
  delete env.NCAP_CODEC_KEYS_FILE;
  return env;
}

/** What withLocalSweeps started, filled in as each part starts, for its cleanup. */
interface LocalParts {
  stores: StoreProvider;
  lease?: StackLease;
  pool?: GpuWorkerPool;
  native?: NativeConnection;
  connection?: Connection;
}

/** What the sweeps of one {@link withLocalSweeps} call share. */
interface SweepsContext {
  client: Client;
  options: LocalSweepsOptions;
  queues: TaskQueues;
}

/** Waits for a started sweep's end; on Ctrl-C cancels it first, then rejects. */
async function untilClosed(
  { options }: SweepsContext,
  started: StartedSweep,
  done: Promise<SweepResult>,
): Promise<SweepResult> {
  try {
    return await Promise.race([done, interrupted(options.signal, started.sweepId)]);
  } catch (error) {
    if (error instanceof SweepInterruptedError) {
      options.log(`Cancelling sweep ${started.sweepId} (trainings keep their checkpoints)…`);
      await cancelStartedSweep(started.handle, options.log);
    }
    throw error;
  }
}

/** {@link LocalSweeps.run}. */
async function runSweep(
  ctx: SweepsContext,
  spec: SweepSpec,
  onProgress: ((progress: SweepProgress) => void | Promise<void>) | undefined,
  pollSeconds: number,
): Promise<SweepResult> {
  const { client, options, queues } = ctx;
  const started = await startSweep(client, {
    spec,
    defaultStoreUri: options.storeUri,
    taskQueues: queues,
  });
  const done = untilClosed(ctx, started, sweepResultThroughOutages(client, started.sweepId, options.log));
  let finished = false;
  void done.finally(() => (finished = true)).catch(() => undefined);
  while (onProgress && !finished) {
    await Promise.race([done, new Promise((r) => setTimeout(r, pollSeconds * 1000))]).catch(() => undefined);
    if (!finished) await onProgress(await sweepProgress(client, started.sweepId));
  }
  return done;
}

/** {@link LocalSweeps.watch}. */
async function watchSweepToEnd(ctx: SweepsContext, spec: SweepSpec): Promise<SweepResult> {
  const { client, options, queues } = ctx;
  const started = await startSweep(client, {
    spec,
    defaultStoreUri: options.storeUri,
    taskQueues: queues,
  });
  const watching = watchSweep(client, started.sweepId, {
    ...(options.signal ? { signal: options.signal } : {}),
  });
  try {
    return await untilClosed(ctx, started, watching);
  } finally {
    // No progress query may still be under way when the connection closes.
    await watching.catch(() => undefined);
  }
}

/**
 * Connects to Temporal, starts the worker processes and the orchestrator, and runs `body` once the
 * processes poll, recording in `parts` what it started.
 */
async function runWithWorkers<T>(
  options: LocalSweepsOptions,
  temporal: SweepsTemporal,
  parts: LocalParts,
  body: (sweeps: LocalSweeps) => Promise<T>,
): Promise<T> {
  const queues = options.taskQueues ?? DEFAULT_TASK_QUEUES;
  if (options.signal?.aborted) throw new SweepInterruptedError();
  const native = await NativeConnection.connect(temporal.connectionOptions);
  parts.native = native;
  const connection = await Connection.connect(
    temporal.connectionOptions as Parameters<typeof Connection.connect>[0],
  );
  parts.connection = connection;
  const client = new Client({ connection, namespace: temporal.namespace });
  const pool = startGpuWorkerPool({
    processes: options.processes ?? 'auto',
    env: workerProcessEnv(options, temporal, queues),
    log: options.log,
    workerLog: options.workerLog ?? options.log,
    stopTimeoutSeconds: SHUTDOWN_GRACE_SECONDS + 30,
  });
  parts.pool = pool;
  // Bundling the workflows takes seconds: meanwhile the worker processes load TF.js.
  const orchestrator = await createOrchestratorWorker({
    connection: native,
    namespace: temporal.namespace,
    stores: parts.stores,
    defaultStoreUri: options.storeUri,
    taskQueue: queues.orchestrator,
  });
  const ctx: SweepsContext = { client, options, queues };
  // The orchestrator polls from here on, also while the worker processes start, so a Ctrl-C in the
  // meantime ends it through runUntil (a Worker that never ran would keep its connection from closing).
  return await orchestrator.runUntil(async () => {
    const ready = await Promise.race([pool.ready, pool.failed, interrupted(options.signal)]);
    const sweeps: LocalSweeps = {
      client,
      store: parts.stores.get(options.storeUri),
      storeUri: options.storeUri,
      backend: ready.backend,
      processes: ready.processes,
      startedStack: temporal.startedStack,
      run: (spec, onProgress, pollSeconds = 15) => runSweep(ctx, spec, onProgress, pollSeconds),
      watch: (spec) => watchSweepToEnd(ctx, spec),
    };
    // A crash-looping worker pool ends the run instead of leaving the sweep waiting for trainings.
    return Promise.race([body(sweeps), pool.failed]);
  });
}

/** Stops and closes whatever {@link runWithWorkers} started, then releases the dev server. */
async function closeLocalParts(
  { stores, lease, pool, native, connection }: LocalParts,
  log: (line: string) => void,
): Promise<void> {
  // Each step runs whatever the one before did: the dev server must stop even if a close fails.
  const steps: [string, (() => Promise<unknown>) | undefined][] = [
    ['stopping the worker processes', pool?.stop],
    ['closing the stores', () => stores.closeAll()],
    ['closing the worker connection', native && (() => native.close())],
    ['closing the client connection', connection && (() => connection.close())],
  ];
  for (const [what, step] of steps) {
    try {
      await step?.();
    } catch (error) {
      log(`${what}: ${(error as Error).message}`);
    }
  }
  if (lease) {
    try {
      await releaseDevStack(lease, { log });
    } catch (error) {
      log(`releasing the Temporal dev server: ${(error as Error).message}`);
    }
  }
}

/** Runs `body` with {@link LocalSweeps}; stops the workers (and a dev server started here) afterwards. */
export async function withLocalSweeps<T>(
  options: LocalSweepsOptions,
  body: (sweeps: LocalSweeps) => Promise<T>,
): Promise<T> {
  const stores = createStoreProvider();
  const temporal = await sweepsTemporal(options);
  const parts: LocalParts = { stores, ...(temporal.lease ? { lease: temporal.lease } : {}) };
  try {
    return await runWithWorkers(options, temporal, parts, body);
  } finally {
    await closeLocalParts(parts, options.log);
  }
}

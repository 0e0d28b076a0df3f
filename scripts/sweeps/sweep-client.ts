/**
 * Starting and inspecting sweeps through a Temporal client: shared by the CLI, the demo and the tests.
 */
import { dirname, resolve } from 'node:path';
import { WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import { parseDecisionConfidence } from '../../activities/scoring/report-record.js';
import { readSpecText, SpecFileReadError } from '../../activities/spec/spec-file.js';
import { resolveSweepId, type SweepSpec } from '../../activities/spec/sweep-spec.js';
import { readStoredSpec } from '../../activities/sweep/stored-spec.js';
import type { StoreProvider } from '../../activities/sweep/store-cache.js';
import {
  DEFAULT_TASK_QUEUES,
  progressQuery,
  type SweepProgress,
  type SweepResult,
  type SweepWorkflowInput,
  type TaskQueues,
} from '../../workflows/sweep-api.js';
import type { SweepMemo } from '../../workflows/sweep-memo.js';
import type { sweepWorkflow } from '../../workflows/sweep-workflow.js';
import { throughServerOutages } from './server-outage.js';
import { parseSpecText } from './spec-file.js';
import { findSweep } from './sweep-record.js';

export class SweepNotFoundError extends Error {
  override name = 'SweepNotFoundError';
}

/**
 * Reads and validates a spec file; model and dataset paths in it (relative to its folder, or absolute)
 * become `file://` URIs. Checked against the spec text limits before it is read and before it is parsed.
 */
export async function loadSpecFile(path: string): Promise<SweepSpec> {
  let text: string;
  try {
    text = await readSpecText(path);
  } catch (error) {
    if (error instanceof SpecFileReadError) throw new SweepNotFoundError(error.message, { cause: error });
    throw error;
  }
  return parseSpecText(text, path, dirname(resolve(path)));
}

export interface StartSweepOptions {
  spec: SweepSpec;
  /** Explicit id (`--id`); else the spec's id; else `<name>-<nanoid>`. */
  sweepId?: string;
  /** Store for the sweep when the spec names none. */
  defaultStoreUri: string;
  searchAttributes?: boolean;
  /** Task queues the workers poll (the CLI passes the configured ones). @default DEFAULT_TASK_QUEUES */
  taskQueues?: TaskQueues;
  /** Reopen the decided bracket of a previous run (`ncap sweep extend`). @default absent: a new bracket */
  extend?: SweepWorkflowInput['extend'];
}

export interface StartedSweep {
  sweepId: string;
  /** The store the sweep runs with: the running sweep's own when one was attached to. */
  storeUri: string;
  handle: WorkflowHandle<typeof sweepWorkflow>;
  /** False when a sweep with this id was already running and was returned instead. */
  started: boolean;
}

/** Whether `client` encrypts payloads: the sweep then keeps its outcome out of the memo (SweepWorkflowInput). */
export const encryptsPayloads = (client: Client): boolean =>
  client.options.loadedDataConverter.payloadCodecs.length > 0;

/**
 * Starts the sweep workflow, with the sweep id as workflow id. Idempotent: a running sweep with the same
 * id is returned as is; a finished, failed or terminated one is started again (its finished candidates
 * are reused).
 */
export async function startSweep(client: Client, options: StartSweepOptions): Promise<StartedSweep> {
  const sweepId = resolveSweepId(options.spec, options.sweepId);
  const storeUri = options.spec.store ?? options.defaultStoreUri;
  const taskQueues = options.taskQueues ?? DEFAULT_TASK_QUEUES;
  const input: SweepWorkflowInput = {
    spec: options.spec,
    storeUri,
    sweepId,
    searchAttributes: options.searchAttributes ?? false,
    encryptedPayloads: encryptsPayloads(client),
    taskQueues,
    ...(options.extend ? { extend: options.extend } : {}),
  };
  const running = await findSweep(client, sweepId);
  const memo: SweepMemo = { storeUri, name: options.spec.name, createdAt: new Date().toISOString() };
  const handle = await client.workflow.start<typeof sweepWorkflow>('sweepWorkflow', {
    taskQueue: taskQueues.orchestrator,
    workflowId: sweepId,
    args: [input],
    memo: { ...memo },
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
  });
  // A running sweep is returned as is, with the store it runs with (not this spec's).
  return running?.execution === 'RUNNING' && running.storeUri
    ? { sweepId, storeUri: running.storeUri, handle, started: false }
    : { sweepId, storeUri, handle, started: running?.execution !== 'RUNNING' };
}

/**
 * Starts a sweep again with the same id from its stored spec.json: candidates with a result.json are
 * reused, the others resume from their last checkpoint.
 */
export async function resumeSweep(
  client: Client,
  stores: StoreProvider,
  options: {
    sweepId: string;
    /** The sweep's store; @default the one Temporal recorded for the sweep (memo or start input) */
    storeUri?: string;
    searchAttributes?: boolean;
    taskQueues?: TaskQueues;
  },
): Promise<StartedSweep> {
  const storeUri = options.storeUri ?? (await findSweep(client, options.sweepId))?.storeUri;
  if (!storeUri) {
    throw new SweepNotFoundError(
      `no sweep '${options.sweepId}' on this Temporal namespace to resume; pass --store with the sweep's store`,
    );
  }
  const stored = await readStoredSpec(stores.get(storeUri), options.sweepId);
  if (!stored) {
    throw new SweepNotFoundError(
      `sweep ${options.sweepId} has no spec.json in ${storeUri}; pass --store with the sweep's store`,
    );
  }
  return startSweep(client, {
    spec: stored.spec,
    sweepId: options.sweepId,
    defaultStoreUri: stored.storeUri,
    ...(options.searchAttributes !== undefined ? { searchAttributes: options.searchAttributes } : {}),
    ...(options.taskQueues ? { taskQueues: options.taskQueues } : {}),
  });
}

export function sweepHandle(client: Client, sweepId: string): WorkflowHandle<typeof sweepWorkflow> {
  return client.workflow.getHandle<typeof sweepWorkflow>(sweepId);
}

export async function sweepProgress(client: Client, sweepId: string): Promise<SweepProgress> {
  try {
    return await sweepHandle(client, sweepId).query(progressQuery);
  } catch (error) {
    if (error instanceof WorkflowNotFoundError)
      throw new SweepNotFoundError(`no sweep '${sweepId}' on this Temporal namespace`, { cause: error });
    throw error;
  }
}

/** The sweep's result, in the current shape (a confidence recorded before the fresh-sample statement read as such). */
export async function sweepResult(client: Client, sweepId: string): Promise<SweepResult> {
  try {
    const result = await sweepHandle(client, sweepId).result();
    return result.confidence ? { ...result, confidence: parseDecisionConfidence(result.confidence) } : result;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError)
      throw new SweepNotFoundError(`no sweep '${sweepId}' on this Temporal namespace`, { cause: error });
    throw error;
  }
}

/**
 * The sweep's result, waiting through Temporal server restarts (one line says so): only a final workflow
 * state, or an error that is not an outage, ends the wait.
 */
export function sweepResultThroughOutages(
  client: Client,
  sweepId: string,
  log?: (line: string) => void,
): Promise<SweepResult> {
  return throughServerOutages(() => sweepResult(client, sweepId), {
    what: `sweep ${sweepId}`,
    ...(log ? { log } : {}),
  });
}

/**
 * What Temporal knows of one sweep without asking a worker: its execution status and its memo (store, name,
 * created, outcome, winner), or for sweeps started before the memo, the store and name from the current
 * run's start input (the first event of its history). Commands that take a sweep id find its store here.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow/index.js';
import type { SweepWorkflowInput } from '../../workflows/sweep-api.js';
import { parseSweepMemo, type SweepMemo } from '../../workflows/sweep-memo.js';

/** Temporal's execution statuses, as `WorkflowExecutionDescription.status.name` spells them. */
export type ExecutionStatus =
  | 'RUNNING'
  | 'COMPLETED'
  | 'FAILED'
  | 'CANCELLED'
  | 'TERMINATED'
  | 'CONTINUED_AS_NEW'
  | 'TIMED_OUT'
  | 'PAUSED'
  | 'UNKNOWN'
  | 'UNSPECIFIED';

export interface SweepRecord extends SweepMemo {
  sweepId: string;
  /** The latest run's execution status. */
  execution: ExecutionStatus;
  /** When the latest run started (ISO). */
  runStartedAt: string;
  /** When the latest run closed (ISO), null while it runs. */
  closedAt: string | null;
  /** Where the store and name came from: the memo, or the start input of a sweep older than the memo. */
  source: 'memo' | 'start-input';
}

/** The sweep's record, or undefined when Temporal has no workflow with this id. */
export async function findSweep(client: Client, sweepId: string): Promise<SweepRecord | undefined> {
  let description;
  try {
    description = await client.workflow.getHandle(sweepId).describe();
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  }
  const base = {
    sweepId,
    execution: description.status.name as ExecutionStatus,
    runStartedAt: description.startTime.toISOString(),
    closedAt: description.closeTime?.toISOString() ?? null,
  };
  const memo = parseSweepMemo(description.memo);
  if (memo) return { ...memo, ...base, source: 'memo' };
  const input = await startInput(client, sweepId, description.runId);
  return {
    storeUri: input?.storeUri ?? '',
    name: input?.spec.name ?? '',
    createdAt: input?.carried?.startedAt ?? base.runStartedAt,
    ...base,
    source: 'start-input',
  };
}

/** The run's start input: the first event of its history, decoded with the client's data converter. */
async function startInput(
  client: Client,
  workflowId: string,
  runId: string,
): Promise<SweepWorkflowInput | undefined> {
  const page = await client.workflowService.getWorkflowExecutionHistory({
    namespace: client.options.namespace,
    execution: { workflowId, runId },
    maximumPageSize: 1,
  });
  const payloads = page.history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads;
  if (!payloads?.length) return undefined;
  return decodeFromPayloadsAtIndex<SweepWorkflowInput>(client.options.loadedDataConverter, 0, payloads);
}

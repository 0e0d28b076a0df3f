/**
 * Scheduled sweeps: a Temporal schedule whose action starts `sweepWorkflow` with the stored spec. Each run
 * gets its own workflow ID (Temporal appends the scheduled time), from which the sweep ID is derived.
 */
import {
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleDescription,
} from '@temporalio/client';
import type { SweepSpec } from '../../activities/spec/sweep-spec.js';
import { validateSegment } from '../../activities/store/keys.js';
import { DEFAULT_TASK_QUEUES, type SweepWorkflowInput, type TaskQueues } from '../../workflows/sweep-api.js';
import type { sweepWorkflow } from '../../workflows/sweep-workflow.js';
import { encryptsPayloads } from '../sweeps/sweep-client.js';

export const OVERLAP_POLICIES = [
  'skip',
  'buffer-one',
  'buffer-all',
  'cancel-other',
  'terminate-other',
  'allow-all',
] as const;
export type OverlapPolicyName = (typeof OVERLAP_POLICIES)[number];

const OVERLAP: Record<OverlapPolicyName, ScheduleOverlapPolicy> = {
  skip: ScheduleOverlapPolicy.SKIP,
  'buffer-one': ScheduleOverlapPolicy.BUFFER_ONE,
  'buffer-all': ScheduleOverlapPolicy.BUFFER_ALL,
  'cancel-other': ScheduleOverlapPolicy.CANCEL_OTHER,
  'terminate-other': ScheduleOverlapPolicy.TERMINATE_OTHER,
  'allow-all': ScheduleOverlapPolicy.ALLOW_ALL,
};

export class ScheduleInputError extends Error {
  override name = 'ScheduleInputError';
}

export interface CreateScheduleOptions {
  scheduleId: string;
  spec: SweepSpec;
  storeUri: string;
  /** Interval such as `1h`, `30m`, `90s` (Temporal duration strings). */
  every?: string;
  /** Cron expression(s), e.g. `0 3 * * *`. */
  cron?: string[];
  /** What to do when a run is due while the previous one still runs. @default 'skip' */
  overlap?: OverlapPolicyName;
  paused?: boolean;
  note?: string;
  searchAttributes?: boolean;
  /** Task queues the workers poll (the CLI passes the configured ones). @default DEFAULT_TASK_QUEUES */
  taskQueues?: TaskQueues;
}

export async function createSweepSchedule(client: Client, options: CreateScheduleOptions): Promise<void> {
  validateSegment(options.scheduleId, 'scheduleId');
  if (!options.every && (!options.cron || options.cron.length === 0)) {
    throw new ScheduleInputError('give --every <interval> (e.g. 6h) or --cron "<expression>"');
  }
  const overlap = options.overlap ?? 'skip';
  if (!OVERLAP[overlap])
    throw new ScheduleInputError(`--overlap must be one of ${OVERLAP_POLICIES.join(', ')}`);
  // The sweep id comes from each run's workflow id; a spec id would make every run the same sweep.
  const spec: SweepSpec = { ...options.spec };
  delete spec.id;
  const taskQueues = options.taskQueues ?? DEFAULT_TASK_QUEUES;
  const input: SweepWorkflowInput = {
    spec,
    storeUri: spec.store ?? options.storeUri,
    searchAttributes: options.searchAttributes ?? false,
    encryptedPayloads: encryptsPayloads(client),
    taskQueues,
  };
  await client.schedule.create({
    scheduleId: options.scheduleId,
    spec: {
      ...(options.every ? { intervals: [{ every: options.every as `${number}s` }] } : {}),
      ...(options.cron ? { cronExpressions: options.cron } : {}),
    },
    action: {
      type: 'startWorkflow',
      workflowType: 'sweepWorkflow' as unknown as typeof sweepWorkflow,
      workflowId: `${options.scheduleId}`,
      taskQueue: taskQueues.orchestrator,
      args: [input],
    },
    policies: { overlap: OVERLAP[overlap] },
    state: { paused: options.paused ?? false, ...(options.note ? { note: options.note } : {}) },
  });
}

export interface ScheduleSummary {
  scheduleId: string;
  paused: boolean;
  note: string | null;
  recentRuns: { workflowId: string; scheduledAt: string }[];
  nextRuns: string[];
  overlap: string | null;
  actions: number;
}

export function summarise(scheduleId: string, d: ScheduleDescription): ScheduleSummary {
  return {
    scheduleId,
    paused: d.state.paused,
    note: d.state.note ?? null,
    recentRuns: d.info.recentActions.map((a) => ({
      workflowId: 'workflow' in a.action ? a.action.workflow.workflowId : '',
      scheduledAt: a.scheduledAt.toISOString(),
    })),
    nextRuns: d.info.nextActionTimes.map((t) => t.toISOString()),
    overlap: d.policies.overlap ?? null,
    actions: d.info.numActionsTaken,
  };
}

export async function describeSweepSchedule(client: Client, scheduleId: string): Promise<ScheduleSummary> {
  try {
    return summarise(scheduleId, await client.schedule.getHandle(scheduleId).describe());
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) throw new ScheduleInputError(`no schedule '${scheduleId}'`);
    throw error;
  }
}

export async function listSweepSchedules(
  client: Client,
): Promise<{ scheduleId: string; paused: boolean; note: string | null }[]> {
  const rows: { scheduleId: string; paused: boolean; note: string | null }[] = [];
  for await (const s of client.schedule.list())
    rows.push({ scheduleId: s.scheduleId, paused: s.state.paused, note: s.state.note ?? null });
  return rows;
}
